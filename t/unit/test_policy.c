/*
 * TAP tests for the policy engine: rule language, check kinds, files over
 * defaults, legacy vs new defaults, scope, and every built-in rule against
 * the identities of upstream's RBAC gabbits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "policy_int.h"

static int ntest, nfail;
static apr_pool_t *pool;

static void ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void ok(int cond, const char *fmt, ...)
{
    va_list ap;
    ntest++;
    if (!cond)
        nfail++;
    printf("%sok %d - ", cond ? "" : "not ", ntest);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* ---- identities (noauth2 headers of the RBAC gabbits) ---- */
static const char *r_admin[] = { "admin" };
static const char *r_service[] = { "service" };
static const char *r_member[] = { "member", "reader" };
static const char *r_reader[] = { "reader" };
static const char *r_sysadmin[] = { "admin", "member", "reader" };

#define P1 "9520f97991e94f30a8dd205ef3ce735a"
#define P2 "cb5b2b0e0f1d4c7f8e4f34e8b4b5a8aa"

static const struct ident {
    const char *name;
    pl_creds c;
} idents[] = {
    { "admin",          { "admin", "admin", r_admin, 1, NULL, NULL, NULL, NULL, 0 } },
    { "service",        { "user", "service_project_id", r_service, 1, NULL, NULL, NULL, NULL, 0 } },
    { "project member", { "user", P1, r_member, 2, NULL, NULL, NULL, NULL, 0 } },
    { "project reader", { "user", P1, r_reader, 1, NULL, NULL, NULL, NULL, 0 } },
    { "other member",   { "user", P2, r_member, 2, NULL, NULL, NULL, NULL, 0 } },
    { "no role",        { "user", P1, NULL, 0, NULL, NULL, NULL, NULL, 0 } },
    { "system admin",   { "user", NULL, r_sysadmin, 3, "all", NULL, NULL, NULL, 0 } },
};
#define NIDENT ((int)(sizeof(idents) / sizeof(idents[0])))

static pl_policy *load_str(const char *yaml, int new_defaults, char **err)
{
    *err = NULL;
    return pl_policy_load_buffer(pool, "test.yaml", yaml, strlen(yaml),
                                 new_defaults, err);
}

static const char *pstr(const char *rule)
{
    char *err = NULL;
    pl_pnode *n = pl_rule_parse(pool, rule, &err);
    return n ? pl_rule_str(pool, n) : "ERR";
}

static void test_parser(void)
{
    static const char *const cases[][2] = {
        { "", "@" },
        { "@", "@" },
        { "!", "!" },
        { "role:admin", "role:admin" },
        { "((role:admin))", "role:admin" },
        { "a:1 or b:2 and c:3", "(a:1 or (b:2 and c:3))" },
        { "a:1 and b:2 or c:3", "((a:1 and b:2) or c:3)" },
        { "a:1 or b:2 and c:3 or d:4", "(a:1 or (b:2 and c:3) or d:4)" },
        { "a:1 or b:2 and c:3 and d:4", "(a:1 or (b:2 and c:3 and d:4))" },
        { "a:1 and b:2 and c:3", "(a:1 and b:2 and c:3)" },
        { "not a:1 and b:2", "(not a:1 and b:2)" },
        { "not (a:1 and b:2)", "not (a:1 and b:2)" },
        { "a:1 or not b:2", "(a:1 or not b:2)" },
        { "not not a:1", "not not a:1" },
        { "(a:1 or b:2) and c:3", "((a:1 or b:2) and c:3)" },
        { "A:1 AND B:2 Or NOT c:3", "((A:1 and B:2) or not c:3)" },
        { "  role:admin\tor\nrole:service  ", "(role:admin or role:service)" },
        /* no blanks: one token, so this is role "a)or(role:b" */
        { "(role:a)or(role:b)", "role:a)or(role:b" },
        { "role:admin or", "ERR" },
        { "or role:admin", "ERR" },
        { "(role:admin", "ERR" },
        { "role:admin)", "ERR" },
        { "()", "ERR" },
        { "   ", "ERR" },
        { "not", "ERR" },
        { "role:a role:b", "ERR" },
        { "admin", "ERR" },                  /* no ':' */
        { "'role:admin'", "ERR" },           /* a quoted string token */
        { "\"x\":y", "\"x\":y" },            /* quoted literal kind */
        { "'Member':%(role.name)s", "'Member':%(role.name)s" },
        { "True:%(enabled)s", "True:%(enabled)s" },
        { "x:%(a)d", "ERR" },
        { "x:50%", "ERR" },
        { "x:50%%", "x:50%%" },
        { ":x", "ERR" },
        { "http:foo", "ERR" },
        { "1.5:x", "ERR" },
        { "'a\\'b':x", "ERR" },
        { "role:compute:admin", "role:compute:admin" },
    };
    size_t i;
    char buf[2048];
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    {
        char *shown = apr_pstrdup(pool, cases[i][0]), *w;
        for (w = shown; *w; w++)
            if (*w == '\n' || *w == '\t')
                *w = ' ';
        ok(!strcmp(pstr(cases[i][0]), cases[i][1]), "parse \"%s\" -> %s",
           shown, cases[i][1]);
    }

    /* depth cap: 70 nested nots refused, 1000 redundant parens fine */
    buf[0] = '\0';
    for (i = 0; i < 70; i++)
        strcat(buf, "not ");
    strcat(buf, "@");
    ok(!strcmp(pstr(buf), "ERR"), "nesting deeper than %d is refused",
       PL_MAX_TREE_DEPTH);
    memset(buf, '(', 1000);
    strcpy(buf + 1000, "@");
    memset(buf + 1001, ')', 1000);
    buf[2001] = '\0';
    ok(!strcmp(pstr(buf), "@"), "1000 redundant parentheses parse");
}

/* evaluate one rule string against creds/target through a file rule */
static int ev(const char *rule, const pl_creds *c, const apr_table_t *t)
{
    char *err = NULL;
    char *y = apr_pstrdup(pool, "\"t\": \""), *q;
    const char *s;
    for (s = rule; *s; s++) {   /* YAML double-quoted scalar */
        q = apr_psprintf(pool, "%s%s%c", y,
                         (*s == '"' || *s == '\\') ? "\\" : "", *s);
        y = q;
    }
    y = apr_pstrcat(pool, y, "\"\n", NULL);
    pl_policy *pol = load_str(y, 1, &err);
    if (!pol)
        return -2;
    return pl_policy_check(pol, "t", c, t);
}

static void test_checks(void)
{
    static const char *mixed[] = { "Admin", "50%" };
    pl_creds c = { "u1", "p1", mixed, 2, NULL, NULL, NULL, NULL, 0 };
    pl_creds sys = { "u1", NULL, r_admin, 1, "all", NULL, NULL, NULL, 0 };
    apr_table_t *t = apr_table_make(pool, 4);
    apr_table_set(t, "project_id", "p1");
    apr_table_set(t, "r", "ADMIN");
    apr_table_set(t, "x", "literal");
    apr_table_set(t, "enabled", "True");
    apr_table_set(t, "n", "42");

    ok(ev("@", &c, NULL) == 1, "@ allows");
    ok(ev("!", &c, NULL) == 0, "! denies");
    ok(ev("", &c, NULL) == 1, "empty rule allows");
    ok(ev("role:admin", &c, NULL) == 1, "role check is case-insensitive");
    ok(ev("role:ADMIN", &c, NULL) == 1, "role check, upper-case match");
    ok(ev("role:reader", &c, NULL) == 0, "role not held");
    ok(ev("role:%(r)s", &c, t) == 1, "role from target");
    ok(ev("role:%(missing)s", &c, t) == 0, "role, missing target key");
    ok(ev("role:50%%", &c, NULL) == 1, "%% is a literal percent");
    ok(ev("roles:admin", &c, NULL) == 0, "generic roles: is case-sensitive");
    ok(ev("roles:Admin", &c, NULL) == 1, "generic roles: matches an element");
    ok(ev("project_id:%(project_id)s", &c, t) == 1, "project_id vs target");
    ok(ev("project_id:%(project_id)s", &c, NULL) == 1,
       "project_id vs default target");
    ok(ev("user_id:%(user_id)s", &c, NULL) == 1, "user_id vs default target");
    ok(ev("user_id:%(user_id)s", &c, t) == 0, "user_id not in given target");
    ok(ev("not user_id:%(user_id)s", &c, t) == 1, "not of a failed lookup");
    ok(ev("project_id:p2", &c, NULL) == 0, "project_id constant mismatch");
    ok(ev("'literal':%(x)s", &c, t) == 1, "quoted literal kind matches");
    ok(ev("\"other\":%(x)s", &c, t) == 0, "quoted literal kind differs");
    ok(ev("True:%(enabled)s", &c, t) == 1, "True literal kind");
    ok(ev("False:%(enabled)s", &c, t) == 0, "False literal kind");
    ok(ev("42:%(n)s", &c, t) == 1, "integer literal kind");
    ok(ev("+042:%(n)s", &c, t) == -2, "leading zeros are not a literal");
    ok(ev("system_scope:all", &sys, NULL) == 1, "system_scope:all");
    ok(ev("system:all", &sys, NULL) == 1, "system:all for system token");
    ok(ev("system:all", &c, NULL) == 0, "system:all for project token");
    ok(ev("system_scope:None", &c, NULL) == 1, "unset value is None");
    ok(ev("project_id:%(project_id)s", &sys, NULL) == 1,
       "None formats as None on both sides (oslo quirk)");
    ok(ev("is_admin_project:True", &c, NULL) == 1, "is_admin_project");
    ok(ev("domain_id:None", &c, NULL) == 1, "domain_id is None");
    ok(ev("nosuch:x", &c, NULL) == 0, "unknown credential");
    ok(ev("project_id.x:p1", &c, NULL) == 0, "path into a string denies");
    ok(ev("not project_id.x:p1", &c, NULL) == 0,
       "an evaluation error is not inverted by not");
    ok(ev("@ or project_id.x:p1", &c, NULL) == 1,
       "short-circuit stops before an error, as in oslo");
    ok(ev("rule:nosuch", &c, NULL) == 0, "undefined rule: denies");
    ok(ev("not rule:nosuch", &c, NULL) == 1, "not undefined rule: allows");
    ok(ev("role:admin and not role:reader", &c, NULL) == 1, "and/not");
    ok(ev("role:reader or role:50%%", &c, NULL) == 1, "or");
}

static void test_files(void)
{
    char *err = NULL;
    pl_policy *pol;
    const pl_creds *admin = &idents[0].c, *reader = &idents[3].c;
    const pl_creds *service = &idents[1].c;
    char tmpl[] = "/tmp/test_policy_XXXXXX";
    int fd;

    pol = load_str("\"placement:resource_providers:list\": \"role:reader\"\n",
                   1, &err);
    ok(pol && pl_policy_check(pol, "placement:resource_providers:list",
                              reader, NULL) == 1, "file override allows");
    ok(pol && pl_policy_check(pol, "placement:resource_providers:list",
                              admin, NULL) == 0, "file override denies");
    ok(pol && pl_policy_check(pol, "placement:traits:list", admin, NULL) == 1,
       "other rules keep defaults");
    ok(pol && pl_policy_check(pol, "no:such:rule", admin, NULL) == -1,
       "unknown rule name is -1");

    /* legacy: an overridden base rule is not OR-ed with role:admin */
    pol = load_str("admin_or_service_api: role:service\n", 0, &err);
    ok(pol && pl_policy_check(pol, "placement:traits:list", admin, NULL) == 0,
       "legacy: file override drops the deprecated OR");
    ok(pol && pl_policy_check(pol, "placement:traits:list", service, NULL)
       == 1, "legacy: file override applies");
    pol = load_str("{}", 0, &err);
    ok(pol && pl_policy_check(pol, "placement:reshaper:reshape", admin, NULL)
       == 1, "legacy: deprecated role:admin OR-ed in");
    pol = load_str("", 1, &err);
    ok(pol && pl_policy_check(pol, "placement:reshaper:reshape", admin, NULL)
       == 0, "new defaults: reshaper is service only");

    /* a renamed rule's old name in the file carries over */
    pol = load_str("'rule:admin_api': role:foo\n", 0, &err);
    {
        static const char *foo[] = { "foo" };
        pl_creds fc = { "u", "p", foo, 1, NULL, NULL, NULL, NULL, 0 };
        ok(pol && pl_policy_check(pol, "service_api", &fc, NULL) == 1,
           "deprecated-name override replaces the default");
    }
    pol = load_str("'rule:admin_api': rule:service_api\n", 0, &err);
    ok(pol && pl_policy_check(pol, "service_api", admin, NULL) == 1,
       "deprecated-name alias to the new name keeps the OR");

    /* unknown rules are kept and referenced */
    pol = load_str("my_rule: role:reader\n"
                   "placement:traits:list: rule:my_rule or rule:admin_api\n",
                   1, &err);
    ok(pol && pl_policy_check(pol, "placement:traits:list", reader, NULL) == 1
       && pl_policy_check(pol, "my_rule", reader, NULL) == 1,
       "file-only rule kept and usable via rule:");
    pol = load_str("default: '@'\nx: rule:undefined\n", 1, &err);
    ok(pol && pl_policy_check(pol, "x", reader, NULL) == 1,
       "undefined rule: falls back to the \"default\" rule");

    /* JSON, list-of-lists, duplicates */
    pol = load_str("{\"placement:usages\": \"role:admin\", "
                   "\"a\": [[\"role:reader\", \"project_id:" P1 "\"], "
                   "[\"role:service\"]], \"b\": [], \"c\": [[]]}", 1, &err);
    ok(pol != NULL, "JSON policy loads");
    ok(pol && pl_policy_check(pol, "a", reader, NULL) == 1
       && pl_policy_check(pol, "a", service, NULL) == 1
       && pl_policy_check(pol, "a", &idents[4].c, NULL) == 0,
       "list-of-lists: or of ands");
    ok(pol && pl_policy_check(pol, "b", reader, NULL) == 1
       && pl_policy_check(pol, "c", reader, NULL) == 0,
       "empty list allows, list of empty lists denies");
    pol = load_str("x: '!'\nx: '@'\n", 1, &err);
    ok(pol && pl_policy_check(pol, "x", reader, NULL) == 1,
       "duplicate key: the last wins");

    /* errors name the file and the rule */
    pol = load_str("ok: '@'\nbroken: role:admin or\n", 1, &err);
    ok(!pol && strstr(err, "test.yaml") && strstr(err, "\"broken\""),
       "parse error names file and rule: %s", err);
    pol = load_str("a: rule:b\nb: not rule:a\n", 1, &err);
    ok(!pol && strstr(err, "cycle"), "reference cycle refused: %s", err);
    pol = load_str("a: rule:a or @\n", 1, &err);
    ok(!pol, "self reference refused");
    ok(!load_str("- a\n", 1, &err), "non-mapping refused");
    ok(!load_str("a:\n", 1, &err), "null value refused");
    ok(!load_str("a: true\n", 1, &err), "boolean value refused");
    ok(!load_str("a: {b: c}\n", 1, &err), "mapping value refused");
    ok(!load_str("a: [[[x:y]]]\n", 1, &err), "three-level list refused");
    ok(!load_str("a: '@'\n---\nb: '@'\n", 1, &err), "two documents refused");
    pol = load_str("a: \"x\n", 1, &err);
    ok(!pol && strstr(err, "YAML error"), "YAML syntax error: %s", err);
    ok(load_str("# nothing\n", 1, &err) != NULL, "comment-only file loads");

    /* a long acyclic chain is refused before it can exhaust the stack */
    {
        int i;
        const char *y = "r0: '@'\n";
        for (i = 1; i < 600; i++)
            y = apr_psprintf(pool, "%sr%d: rule:r%d\n", y, i, i - 1);
        ok(!load_str(y, 1, &err), "over-deep rule: chain refused");
        y = "r0: '@'\n";
        for (i = 1; i < 100; i++)
            y = apr_psprintf(pool, "%sr%d: rule:r%d\n", y, i, i - 1);
        pol = load_str(y, 1, &err);
        ok(pol && pl_policy_check(pol, "r99", reader, NULL) == 1,
           "100-deep rule: chain evaluates");
    }

    /* from a real file, and a missing one */
    fd = mkstemp(tmpl);
    if (fd >= 0) {
        const char *y = "\"placement:traits:list\": \"role:reader\"\n";
        if (write(fd, y, strlen(y)) < 0)
            perror("write");
        close(fd);
    }
    pol = pl_policy_load(pool, tmpl, 1, &err);
    ok(pol && pl_policy_check(pol, "placement:traits:list", reader, NULL) == 1,
       "pl_policy_load reads a file");
    unlink(tmpl);
    pol = pl_policy_load(pool, "/nonexistent/policy.yaml", 1, &err);
    ok(!pol && strstr(err, "/nonexistent/policy.yaml"), "missing file: %s",
       err);
    ok(pl_policy_load(pool, NULL, 0, &err) != NULL, "NULL file: defaults");
}

static void test_scope(void)
{
    char *err = NULL;
    pl_policy *pol = pl_policy_load(pool, NULL, 0, &err);
    const pl_creds *sys = &idents[6].c;
    ok(pl_policy_check(pol, "placement:resource_providers:list", sys, NULL)
       == 0, "legacy: system-scoped admin denied by scope");
    pl_policy_set_enforce_scope(pol, 0);
    ok(pl_policy_check(pol, "placement:resource_providers:list", sys, NULL)
       == 1, "legacy, enforce_scope off: system admin allowed");
    pol = pl_policy_load(pool, NULL, 1, &err);
    pl_policy_set_enforce_scope(pol, 0);
    ok(pl_policy_check(pol, "placement:resource_providers:list", sys, NULL)
       == 1, "new defaults, enforce_scope off: role:admin matches");
}

/* Expected results per identity, in idents[] order, for both modes. */
static const struct expect {
    const char *rule;
    const char *new_;      /* '1' allowed, '0' denied */
    const char *legacy;
    int target_p1;         /* target {project_id: P1} instead of default */
} expects[] = {
    { "admin_api", "1000000", "1000000", 0 },
    { "service_api", "0100000", "1100000", 0 },
    { "admin_or_service_api", "1100000", "1100000", 0 },
    /* no scope_types upstream: the legacy role:admin lets system admin in */
    { "project_reader_api", "0011000", "1011001", 1 },
    { "admin_or_project_reader_or_service_api", "1111000", "1111000", 1 },
    { "placement:usages", "1111000", "1111000", 1 },
    { "placement:reshaper:reshape", "0100000", "1100000", 0 },
};

static void test_table(void)
{
    char *err = NULL;
    int mode, i, j;
    apr_table_t *tp1 = apr_table_make(pool, 1);
    apr_table_set(tp1, "project_id", P1);
    for (mode = 1; mode >= 0; mode--) {
        pl_policy *pol = pl_policy_load(pool, NULL, mode, &err);
        for (i = 0; i < pl_policy_ndefaults; i++) {
            const char *name = pl_policy_defaults[i].name;
            const char *want = mode ? "1100000" : "1100000";
            int tgt = 0;
            size_t k;
            for (k = 0; k < sizeof(expects) / sizeof(expects[0]); k++)
                if (!strcmp(expects[k].rule, name)) {
                    want = mode ? expects[k].new_ : expects[k].legacy;
                    tgt = expects[k].target_p1;
                }
            for (j = 0; j < NIDENT; j++) {
                int got = pl_policy_check(pol, name, &idents[j].c,
                                          tgt ? tp1 : NULL);
                ok(got == want[j] - '0', "%s: %s %s %s",
                   mode ? "new" : "legacy", name, idents[j].name,
                   want[j] == '1' ? "allowed" : "denied");
            }
        }
    }
}

static void test_output(void)
{
    char *err = NULL, *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pl_policy *pol = load_str("extra: 'role:\"q\"'\n", 0, &err);
    pl_policy_write_yaml(pol, f, 1);
    fclose(f);
    ok(strstr(buf, "\"placement:reshaper:reshape\": \"rule:service_api\"")
       != NULL, "YAML output has the reshaper rule");
    ok(strstr(buf, "\"service_api\": \"(role:service) or (role:admin)\"")
       != NULL, "YAML output shows the legacy OR-combination");
    ok(strstr(buf, "\"extra\": \"role:\\\"q\\\"\"") != NULL,
       "file-only rule printed, quotes escaped");
    ok(strstr(buf, "# POST  /reshaper") != NULL, "operations described");
    {   /* the output loads back to the same policy */
        pl_policy *again = load_str(buf, 1, &err);
        ok(again && pl_policy_check(again, "placement:reshaper:reshape",
                                    &idents[0].c, NULL) == 1,
           "effective YAML reloads (legacy OR kept)");
    }
    free(buf);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_parser();
    test_checks();
    test_files();
    test_scope();
    test_table();
    test_output();
    printf("1..%d\n", ntest);
    apr_pool_destroy(pool);
    apr_terminate();
    return nfail ? 1 : 0;
}
