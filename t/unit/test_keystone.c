/* TAP tests for the pure Keystone parts: token documents captured from a
 * real Keystone 22 (t/unit/keystone/, one file a scope), the cache record, timestamps,
 * the identity header list, and cache ids and record protection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "keystone_token.h"
#include "keystone_crypt.h"
#include "tap.h"

static apr_pool_t *pool;

static const char *slurp(const char *name, size_t *len)
{
    char *data = NULL;
    apr_size_t n = 0;
    const char *path = apr_pstrcat(pool, "t/unit/keystone/", name, NULL);
    apr_file_t *f;
    apr_finfo_t fi;
    if (apr_file_open(&f, path, APR_READ, 0, pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        printf("# cannot read %s\n", path);
        *len = 0;
        return "";
    }
    n = (apr_size_t)fi.size;
    data = apr_palloc(pool, n + 1);
    apr_file_read_full(f, data, n, &n);
    data[n] = '\0';
    apr_file_close(f);
    *len = n;
    return data;
}

static int parse_file(const char *name, pl_ks_token *t)
{
    size_t len;
    const char *doc = slurp(name, &len), *err = NULL;
    int rv = pl_ks_token_parse(pool, doc, len, t, &err);
    if (rv) printf("# %s: %s\n", name, err);
    return rv;
}

static int has_role(const pl_ks_token *t, const char *role)
{
    return pl_ks_token_has_any_role(t, &role, 1);
}

static void test_scopes(void)
{
    pl_ks_token t;

    ok(parse_file("project-admin.json", &t) == 0, "project token parses");
    is_str(t.user_name, "demo-admin", "project: user name");
    ok(t.user_id && strlen(t.user_id) == 32, "project: user id");
    is_str(t.user_domain_id, "default", "project: user domain id");
    is_str(t.user_domain_name, "Default", "project: user domain name");
    is_str(t.project_name, "demo", "project: project name");
    ok(t.project_id != NULL, "project: project id");
    is_str(t.project_domain_id, "default", "project: project domain");
    ok(t.domain_id == NULL && !t.system_all, "project: no domain, no system scope");
    is_int(t.nroles, 3, "project admin: admin with its implied member and reader");
    ok(has_role(&t, "admin") && has_role(&t, "member") && has_role(&t, "reader"),
       "project admin: the three roles");
    ok(has_role(&t, "ADMIN"), "roles compare case-insensitively");
    is_int(t.is_admin_project, 0, "demo is not the admin project");
    ok(t.expires_at > apr_time_from_sec(1700000000), "expires_at read");

    ok(parse_file("admin-project.json", &t) == 0, "admin project token parses");
    is_int(t.is_admin_project, 1, "is_admin_project true");

    ok(parse_file("project-reader.json", &t) == 0, "reader token parses");
    ok(t.nroles == 1 && has_role(&t, "reader") && !has_role(&t, "member"), "reader: only reader");

    ok(parse_file("service.json", &t) == 0, "service token parses");
    ok(has_role(&t, "service") && !has_role(&t, "admin"), "service role only");

    ok(parse_file("system-admin.json", &t) == 0, "system token parses");
    ok(t.system_all, "system: all");
    ok(t.project_id == NULL && t.domain_id == NULL, "system: no project, no domain");
    is_int(t.is_admin_project, 1, "system: no is_admin_project means True");

    ok(parse_file("domain-admin.json", &t) == 0, "domain token parses");
    is_str(t.domain_id, "default", "domain: id");
    is_str(t.domain_name, "Default", "domain: name");
    ok(t.project_id == NULL && !t.system_all, "domain: no project, no system");

    ok(parse_file("unscoped.json", &t) == 0, "unscoped token parses");
    is_int(t.nroles, 0, "unscoped: no roles key means no roles");
    ok(t.project_id == NULL && t.domain_id == NULL && !t.system_all, "unscoped: no scope");
}

static int tokens_equal(const pl_ks_token *a, const pl_ks_token *b)
{
#define SAME(f) ((a->f && b->f) ? !strcmp(a->f, b->f) : a->f == b->f)
    int i;
    if (!(SAME(user_id) && SAME(user_name) && SAME(user_domain_id) && SAME(user_domain_name)
          && SAME(project_id) && SAME(project_name) && SAME(project_domain_id)
          && SAME(project_domain_name) && SAME(domain_id) && SAME(domain_name)
          && a->system_all == b->system_all && a->is_admin_project == b->is_admin_project
          && a->expires_at == b->expires_at && a->cache_until == b->cache_until
          && a->nroles == b->nroles))
        return 0;
    for (i = 0; i < a->nroles; i++)
        if (strcmp(a->roles[i], b->roles[i])) return 0;
    return 1;
#undef SAME
}

static void test_record(void)
{
    static const char *const files[] = {
        "project-admin.json", "admin-project.json", "system-admin.json",
        "domain-admin.json", "unscoped.json", "service.json", NULL
    };
    int i;
    for (i = 0; files[i]; i++) {
        pl_ks_token a, b;
        const char *rec, *err;
        parse_file(files[i], &a);
        a.cache_until = i % 2 ? a.expires_at - apr_time_from_sec(60) : 0;
        rec = pl_ks_token_record(pool, &a);
        ok(pl_ks_token_parse(pool, rec, strlen(rec), &b, &err) == 0 && tokens_equal(&a, &b),
           "cache record of %s reads back the same", files[i]);
    }
}

/* The per-process cache's packed copy: equal, and standing alone. */
static void test_pack(void)
{
    static const char *const files[] = {
        "project-admin.json", "system-admin.json", "domain-admin.json", "unscoped.json", NULL
    };
    int i;
    for (i = 0; files[i]; i++) {
        pl_ks_token a, *packed;
        size_t size;
        char *buf, *end;
        int inside = 1, r;
        parse_file(files[i], &a);
        size = pl_ks_token_packed_size(&a);
        buf = malloc(size);
        packed = pl_ks_token_pack(&a, buf);
        end = buf + size;
        ok(tokens_equal(&a, packed), "packed %s is the same token", files[i]);
        /* every string lies inside the block, so freeing the original is safe */
        for (r = 0; r < packed->nroles; r++)
            inside &= (char *)packed->roles[r] > buf && (char *)packed->roles[r] < end;
        inside &= (char *)packed->user_id > buf && (char *)packed->user_id < end;
        ok(inside && packed->roles[packed->nroles] == NULL,
           "packed %s points only into its own block", files[i]);
        free(buf);
    }
}

static void test_bad_documents(void)
{
    static const char *const bad[] = {
        "", "not json", "[]", "{}", "{\"token\": []}",
        "{\"token\": {\"expires_at\": \"2030-01-01T00:00:00Z\"}}",
        "{\"token\": {\"user\": {\"id\": 7}, \"expires_at\": \"2030-01-01T00:00:00Z\"}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"tomorrow\"}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"2030-01-01T00:00:00Z\", "
        "\"roles\": {}}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"2030-01-01T00:00:00Z\", "
        "\"roles\": [{\"id\": \"x\"}]}}",
        "{\"token\": {\"user\": {\"id\": \"u\\u0000admin\"}, \"expires_at\": "
        "\"2030-01-01T00:00:00Z\"}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"2030-01-01T00:00:00Z\", "
        "\"roles\": [{\"name\": \"reader\\u0000admin\"}]}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"2030-01-01T00:00:00Z\"}} x",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"2030-01-01T00:00:00Z\", "
        "\"project\": {\"id\": \"p\", \"domain\": \"default\"}}}",
        NULL
    };
    static const char odd[] = "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": "
        "\"2030-01-01T00:00:00Z\", \"system\": {\"all\": \"yes\"}, \"is_admin_project\": false}}";
    char deep[200];
    pl_ks_token t;
    const char *err;
    int i;
    for (i = 0; bad[i]; i++)
        ok(pl_ks_token_parse(pool, bad[i], strlen(bad[i]), &t, &err) == -1 && err,
           "refused: %.60s (%s)", bad[i], err ? err : "no reason");
    memset(deep, '[', sizeof(deep));
    ok(pl_ks_token_parse(pool, deep, sizeof(deep), &t, &err) == -1, "deep nesting refused");
    ok(pl_ks_token_parse(pool, odd, strlen(odd), &t, &err) == 0
       && !t.system_all && !t.is_admin_project, "system scope only from a true boolean");
}

static void test_time(void)
{
    apr_time_t t;
    ok(pl_ks_parse_time("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "the epoch");
    ok(pl_ks_parse_time("2026-11-29T22:05:08.000000Z", &t) == 0
       && t == apr_time_from_sec(1795989908), "Keystone's format");
    ok(pl_ks_parse_time("2026-11-29T22:05:08.5Z", &t) == 0
       && t == apr_time_from_sec(1795989908) + 500000, "a short fraction");
    ok(pl_ks_parse_time("2026-11-29T22:05:08+00:00", &t) == 0
       && t == apr_time_from_sec(1795989908), "+00:00");
    ok(pl_ks_parse_time("2026-11-29T22:05:08", &t) == 0, "no zone");
    ok(pl_ks_parse_time("2026-11-29T22:05:08+02:00", &t) == -1, "another zone refused");
    ok(pl_ks_parse_time("2026-13-29T22:05:08Z", &t) == -1, "month 13 refused");
    ok(pl_ks_parse_time("0026-11-30T00:03:17.008000Z", &t) == -1, "year 26 refused (fuzzer)");
    ok(pl_ks_parse_time("2026-11-29 22:05:08Z", &t) == -1, "a space refused");
    ok(pl_ks_parse_time("2026-11-29T22:05:08.Z", &t) == -1, "an empty fraction refused");
    ok(pl_ks_parse_time(NULL, &t) == -1, "NULL refused");
}

static void test_headers(void)
{
    static const char *const must[] = {
        "X-Identity-Status", "X-Roles", "X-User-Id", "X-Project-Id", "X-Tenant-Id",
        "X-Tenant", "X-User", "X-Role", "X-Is-Admin-Project", "X-Service-Roles",
        "X-Domain-Id", "OpenStack-System-Scope", "X-Service-Catalog", NULL
    };
    int n = 0, i, j;
    for (i = 0; pl_ks_identity_headers[i]; i++) n++;
    is_int(n, 32, "auth_token's 31 identity headers and OpenStack-System-Scope");
    for (i = 0; must[i]; i++) {
        int found = 0;
        for (j = 0; pl_ks_identity_headers[j]; j++)
            found |= !strcasecmp(must[i], pl_ks_identity_headers[j]);
        ok(found, "%s is removed from requests", must[i]);
    }
    for (i = 0; pl_ks_identity_headers[i]; i++) {
        int found = 0;
        for (j = 0; pl_ks_identity_headers[j]; j++)
            found += !strcasecmp(pl_ks_identity_headers[i], pl_ks_identity_headers[j]);
        if (found != 1) break;
    }
    ok(!pl_ks_identity_headers[i], "no header listed twice");
}

static void test_strings(void)
{
    is_str(pl_ks_clean_token(pool, "  abc\t"), "abc", "token trimmed");
    ok(pl_ks_clean_token(pool, "   ") == NULL, "blank token is no token");
    ok(pl_ks_clean_token(pool, NULL) == NULL, "absent token");
    is_str(pl_ks_v3_url(pool, "http://k:5000"), "http://k:5000/v3", "unversioned URL");
    is_str(pl_ks_v3_url(pool, "http://k:5000/v3/"), "http://k:5000/v3", "trailing slash");
    is_str(pl_ks_v3_url(pool, "https://k/identity/v3"), "https://k/identity/v3", "a path");
}

static void test_crypt(void)
{
    unsigned char a[PL_KS_CACHE_ID_LEN], b[PL_KS_CACHE_ID_LEN];
    const char *rec = "{\"token\": {\"user\": {\"id\": \"u\"}}}";
    int how;

    pl_ks_cache_id(NULL, "tok", a);
    pl_ks_cache_id(NULL, "tok", b);
    ok(!memcmp(a, b, sizeof(a)), "id is a function of the token");
    pl_ks_cache_id(NULL, "tok2", b);
    ok(memcmp(a, b, sizeof(a)), "another token, another id");
    pl_ks_cache_id("s1", "tok", a);
    pl_ks_cache_id("s2", "tok", b);
    ok(memcmp(a, b, sizeof(a)), "with a secret: another secret, another id");
    is_int(pl_ks_protect_from_name("mac"), PL_KS_PROTECT_MAC, "MAC by name");
    is_int(pl_ks_protect_from_name("Encrypt"), PL_KS_PROTECT_ENCRYPT, "ENCRYPT by name");
    is_int(pl_ks_protect_from_name("none"), PL_KS_PROTECT_NONE, "None by name");
    is_int(pl_ks_protect_from_name("AES"), -1, "unknown strategy");

    for (how = PL_KS_PROTECT_NONE; how <= PL_KS_PROTECT_ENCRYPT; how++) {
        unsigned char *sealed;
        size_t n, len;
        char *back;
        const char *secret = how == PL_KS_PROTECT_NONE ? NULL : "secret";
        ok(pl_ks_seal(pool, how, secret, "tok", rec, strlen(rec), &sealed, &n) == 0,
           "strategy %d seals", how);
        ok(pl_ks_open(pool, how, secret, "tok", sealed, n, &back, &len) == 0
           && len == strlen(rec) && !strcmp(back, rec), "strategy %d opens", how);
        if (how == PL_KS_PROTECT_NONE) continue;
        ok(how != PL_KS_PROTECT_ENCRYPT || !memmem(sealed, n, "user", 4),
           "strategy %d: no plain text", how);
        ok(pl_ks_open(pool, how, secret, "other", sealed, n, &back, &len) == -1,
           "strategy %d: another token's entry refused", how);
        ok(pl_ks_open(pool, how, "wrong", "tok", sealed, n, &back, &len) == -1,
           "strategy %d: another secret refused", how);
        sealed[n / 2] ^= 1;
        ok(pl_ks_open(pool, how, secret, "tok", sealed, n, &back, &len) == -1,
           "strategy %d: a changed byte refused", how);
        ok(pl_ks_open(pool, how, secret, "tok", sealed, 3, &back, &len) == -1,
           "strategy %d: a short entry refused", how);
        ok(pl_ks_open(pool, how, secret, "tok", (const unsigned char *)rec, strlen(rec),
                      &back, &len) == -1, "strategy %d: a planted plain record refused", how);
    }
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_scopes();
    test_record();
    test_pack();
    test_bad_documents();
    test_time();
    test_headers();
    test_strings();
    test_crypt();
    return done_testing();
}
