/* placement-status: `placement-status upgrade check`, the counterpart of
 * upstream's command (placement/cmd/status.py with oslo.upgradecheck).
 *
 * Upstream's three checks, with their names and messages, then ours:
 *   Missing Root Provider IDs            failure
 *   Incomplete Consumers                 warning
 *   Policy File JSON to YAML Migration   failure
 *   Database Schema Revision             failure (placement-dbsync fixes it)
 *   Standard Resource Classes and Traits warning (placement-dbsync, or the
 *                                        module when it first connects)
 *   Consumer Projects and Users          warning
 *   Policy File Rules                    failure when the module would
 *                                        refuse the file, warning for
 *                                        deprecated or unknown rule names
 * Exit status as upstream: the worst result (0 success, 1 warning,
 * 2 failure); 255 when the checks cannot run (no database).
 *
 * Settings come from the command line, then $PLACEMENT_DATABASE_CONNECTION,
 * then the Apache configuration that serves the API (by default the
 * package's /etc/apache2/conf-available/placement-api.conf). */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <json.h>

#include "dbsync.h"
#include "dburl.h"
#include "policy.h"

#ifndef PL_SCHEMA_DIR
#define PL_SCHEMA_DIR "/usr/share/mod_placement/schema"
#endif
#define HTTPD_CONF "/etc/apache2/conf-available/placement-api.conf"
/* oslo.policy's default policy_file, found in placement's config dir */
#define POLICY_FILE "/etc/placement/policy.yaml"

enum { SUCCESS = 0, WARNING = 1, FAILURE = 2, ERROR = 255 };

typedef struct {
    const char *name;
    int code;
    const char *details;    /* NULL: "None" */
} result;

typedef struct {
    apr_pool_t *p;
    const char *url;
    const char *policy_file;
    const char *schema_dir;
    MYSQL *m;
    int have_schema;
    apr_array_header_t *results;
} status;

static void usage(FILE *f)
{
    fprintf(f,
"usage: placement-status [OPTIONS] upgrade check [--json]\n"
"Check that the Placement database and policy are ready for this release.\n"
"Exit status: 0 all checks passed, 1 a warning, 2 a failure, 255 error.\n"
"  --connection URL    mysql+pymysql://user:pass@host[:port]/db?charset=utf8\n"
"                      (default: $PLACEMENT_DATABASE_CONNECTION, else the\n"
"                      PlacementDatabaseConnection of the httpd config)\n"
"  --httpd-conf FILE   Apache configuration serving the API, read for\n"
"                      PlacementDatabaseConnection, PlacementPolicyFile and\n"
"                      PlacementDataDir (default %s)\n"
"  --policy-file FILE  policy file, '' for none (default:\n"
"                      PlacementPolicyFile, else %s if present)\n"
"  --schema-dir DIR    directory holding sql/ and data/ (default %s)\n"
"  --json              print the results as JSON instead of a table\n",
            HTTPD_CONF, POLICY_FILE, PL_SCHEMA_DIR);
}

static void add(status *s, const char *name, int code, const char *details)
{
    result *r = apr_array_push(s->results);
    r->name = name;
    r->code = code;
    r->details = details;
}

/* ---- settings from the httpd configuration ---- */

/* The first argument of a directive line: quoted or a bare word. */
static const char *directive_arg(apr_pool_t *p, const char *s)
{
    const char *e;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '"' || *s == '\'') {
        char q = *s++;
        e = strchr(s, q);
        return e ? apr_pstrmemdup(p, s, e - s) : NULL;
    }
    for (e = s; *e && !isspace((unsigned char)*e); e++)
        ;
    return e > s ? apr_pstrmemdup(p, s, e - s) : NULL;
}

/* Read PlacementDatabaseConnection, PlacementPolicyFile and
 * PlacementDataDir (the last of each wins, as in httpd); a setting given
 * already is kept. Returns 0, or -1 when the file cannot be read. */
static int read_httpd_conf(status *s, const char *file, const char **url,
                           const char **policy, const char **datadir)
{
    static const char *const names[] = {
        "PlacementDatabaseConnection", "PlacementPolicyFile",
        "PlacementDataDir"
    };
    const char **dest[] = { url, policy, datadir };
    const char *found[3] = { NULL, NULL, NULL };
    char line[4096];
    FILE *f = fopen(file, "r");
    int i;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        const char *l = line;
        while (isspace((unsigned char)*l))
            l++;
        for (i = 0; i < 3; i++) {
            size_t n = strlen(names[i]);
            if (!strncasecmp(l, names[i], n) && isspace((unsigned char)l[n]))
                found[i] = directive_arg(s->p, l + n);
        }
    }
    fclose(f);
    for (i = 0; i < 3; i++)
        if (!*dest[i])
            *dest[i] = found[i];
    return 0;
}

/* ---- database checks ---- */

/* One number from a query; -1 on error (*err set). */
static long long query_count(status *s, const char *sql, char **err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    long long n = -1;

    if (mysql_query(s->m, sql) || !(res = mysql_store_result(s->m))) {
        *err = apr_pstrdup(s->p, mysql_error(s->m));
        return -1;
    }
    if ((row = mysql_fetch_row(res)) && row[0])
        n = strtoll(row[0], NULL, 10);
    mysql_free_result(res);
    if (n < 0)
        *err = apr_pstrdup(s->p, "no result");
    return n;
}

/* A check that needs the schema reports why it could not run. */
static int need_schema(status *s, const char *name)
{
    if (s->have_schema)
        return 1;
    add(s, name, FAILURE, "Not checked: the database has no usable "
        "Placement schema (see Database Schema Revision).");
    return 0;
}

/* The checks that count rows which should not be there: one query giving
 * the number, the result when it is not 0, and its details, "text" or, with
 * text_after set, "text N text_after". */
typedef struct {
    const char *name;
    const char *sql;
    int code;
    const char *text;
    const char *text_after;
} count_check;

static const count_check root_provider_ids = {
    "Missing Root Provider IDs",
    "SELECT EXISTS (SELECT 1 FROM resource_providers "
    "WHERE root_provider_id IS NULL)",
    FAILURE,
    "There is at least one resource provider table record which misses its "
    "root provider id. Run the \"placement-manage db online_data_migrations\" "
    "command.", NULL
};

static const count_check incomplete_consumers = {
    "Incomplete Consumers",
    "SELECT COUNT(DISTINCT a.consumer_id) FROM allocations a "
    "LEFT JOIN consumers c ON a.consumer_id = c.uuid WHERE c.id IS NULL",
    WARNING,
    "There are ", " incomplete consumers table records for existing "
    "allocations. Run the \"placement-manage db online_data_migrations\" "
    "command."
};

static const count_check consumer_owners = {
    "Consumer Projects and Users",
    "SELECT COUNT(*) FROM consumers c "
    "LEFT JOIN projects p ON c.project_id = p.id "
    "LEFT JOIN users u ON c.user_id = u.id "
    "WHERE p.id IS NULL OR u.id IS NULL",
    WARNING,
    "There are ", " consumers table records whose project or user record is "
    "missing; their allocations cannot be read through the API. Restore the "
    "projects and users rows from a backup, or delete those consumers' "
    "allocations."
};

static void check_count(status *s, const count_check *c)
{
    char *err = NULL;
    long long n;

    if (!need_schema(s, c->name))
        return;
    n = query_count(s, c->sql, &err);
    if (n < 0)
        add(s, c->name, FAILURE, apr_pstrcat(s->p, "Query failed: ", err,
                                             NULL));
    else if (!n)
        add(s, c->name, SUCCESS, NULL);
    else if (!c->text_after)
        add(s, c->name, c->code, c->text);
    else
        add(s, c->name, c->code, apr_psprintf(s->p, "%s%" APR_INT64_T_FMT
                                              "%s", c->text, (apr_int64_t)n,
                                              c->text_after));
}

static int known_revision(const char *rev)
{
    return !strcmp(rev, PL_DB_REVISION) || !strcmp(rev, "a082b8bb98d0");
}

static void check_schema(status *s)
{
    const char *name = "Database Schema Revision";
    char *rev = NULL, *err = NULL;

    if (pl_db_schema_revision(s->m, &rev, &err) != 0) {
        add(s, name, FAILURE, apr_pstrcat(s->p, err, NULL));
        free(err);
        return;
    }
    if (!rev) {
        add(s, name, FAILURE, apr_psprintf(s->p,
            "The database has no Placement schema. Run placement-dbsync to "
            "create it (revision %s).", PL_DB_REVISION));
        return;
    }
    s->have_schema = 1;
    if (known_revision(rev))
        add(s, name, SUCCESS, NULL);
    else
        add(s, name, FAILURE, apr_psprintf(s->p,
            "The database schema is at revision %s, this release needs %s. "
            "Run placement-dbsync to upgrade it.", rev, PL_DB_REVISION));
    free(rev);
}

static void check_standard_data(status *s)
{
    const char *name = "Standard Resource Classes and Traits";
    char *err = NULL;
    int nc = 0, nt = 0;

    if (!need_schema(s, name))
        return;
    if (pl_db_sync_standard_ex(s->m, apr_pstrcat(s->p, s->schema_dir,
                                                 "/data", NULL),
                               1, &nc, &nt, &err) != 0) {
        add(s, name, FAILURE, apr_pstrcat(s->p, err, NULL));
        free(err);
    }
    else if (nc || nt)
        add(s, name, WARNING, apr_psprintf(s->p,
            "%d standard resource classes and %d standard traits are "
            "missing. Run placement-dbsync (the module also adds them when "
            "it first connects).", nc, nt));
    else
        add(s, name, SUCCESS, NULL);
}

/* ---- policy checks ---- */

static char *slurp(apr_pool_t *p, const char *file, size_t *len)
{
    FILE *f = fopen(file, "rb");
    size_t cap = 8192, n;
    char *buf;

    if (!f)
        return NULL;
    buf = apr_palloc(p, cap + 1);
    *len = 0;
    while ((n = fread(buf + *len, 1, cap - *len, f)) > 0) {
        *len += n;
        if (*len == cap) {
            char *nb = apr_palloc(p, cap * 2 + 1);
            memcpy(nb, buf, *len);
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* oslo_utils.fileutils.is_json: the whole file is one JSON document. */
static int is_json(const char *buf, size_t len)
{
    json_tokener *t = json_tokener_new();
    json_object *o;
    size_t off;
    int ok;

    if (!t)
        return 0;
    o = json_tokener_parse_ex(t, buf, (int)len);
    ok = o && json_tokener_get_error(t) == json_tokener_success;
    off = ok ? json_tokener_get_parse_end(t) : 0;
    while (ok && off < len && isspace((unsigned char)buf[off]))
        off++;
    ok = ok && off == len;
    if (o)
        json_object_put(o);
    json_tokener_free(t);
    return ok;
}

static void check_policy_json(status *s)
{
    const char *name = "Policy File JSON to YAML Migration";
    size_t len;
    const char *buf = s->policy_file ? slurp(s->p, s->policy_file, &len)
                                     : NULL;
    if (buf && is_json(buf, len))
        add(s, name, FAILURE,
            "Your policy file is JSON-formatted which is deprecated. You "
            "need to switch to YAML-formatted file. Use the "
            "``oslopolicy-convert-json-to-yaml`` tool to convert the "
            "existing JSON-formatted files to YAML in a "
            "backwards-compatible manner: https://docs.openstack.org/"
            "oslo.policy/latest/cli/oslopolicy-convert-json-to-yaml.html.");
    else
        add(s, name, SUCCESS, NULL);
}

static void check_policy_rules(status *s)
{
    const char *name = "Policy File Rules";
    apr_array_header_t *extra;
    char *err = NULL;
    const char *dep = "", *unknown = "";
    pl_policy *pol;
    int i;

    if (!s->policy_file) {
        add(s, name, SUCCESS, NULL);
        return;
    }
    if (!(pol = pl_policy_load(s->p, s->policy_file, 0, &err))) {
        add(s, name, FAILURE, apr_pstrcat(s->p, "The module refuses the "
                                          "policy file: ", err, NULL));
        return;
    }
    extra = pl_policy_extra_rules(pol, s->p);
    for (i = 0; i < extra->nelts; i++) {
        const pl_policy_extra *x = &APR_ARRAY_IDX(extra, i, pl_policy_extra);
        if (x->renamed_to)
            dep = apr_psprintf(s->p, "%s%s\"%s\" (now %s)", dep,
                               *dep ? ", " : "", x->name, x->renamed_to);
        else if (!x->referenced)
            unknown = apr_psprintf(s->p, "%s%s\"%s\"", unknown,
                                   *unknown ? ", " : "", x->name);
    }
    if (!*dep && !*unknown) {
        add(s, name, SUCCESS, NULL);
        return;
    }
    add(s, name, WARNING, apr_pstrcat(s->p,
        *dep ? "Deprecated rule names: " : "", dep, *dep ? ". " : "",
        *unknown ? "Unknown rules (no such policy, and no rule refers to "
        "them): " : "", unknown, *unknown ? ". " : "",
        "Compare with placement-policy-generator --sample.", NULL));
}

/* ---- output ---- */

static int is_letter(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

/* Python's textwrap.wrap(text, 60, subsequent_indent='  '), which oslo
 * uses for the details: whitespace runs and words (cut after a hyphen
 * between letters) are laid greedily; a chunk longer than a whole line is
 * cut to fill the current one. */
static apr_array_header_t *wrap(apr_pool_t *p, const char *text)
{
    apr_array_header_t *lines = apr_array_make(p, 4, sizeof(char *));
    apr_array_header_t *chunks = apr_array_make(p, 16, sizeof(char *));
    const char *s = text, *c;
    int k = 0;

    while (*s) {
        if (isspace((unsigned char)*s)) {
            for (c = s; isspace((unsigned char)*c); c++)
                ;
            APR_ARRAY_PUSH(chunks, char *) = apr_psprintf(p, "%*s",
                                                          (int)(c - s), "");
            s = c;
            continue;
        }
        for (c = s; *c && !isspace((unsigned char)*c); c++) {
            if (*c == '-' && c - s >= 2 && is_letter(c[-1]) && is_letter(c[-2])
                && is_letter(c[1])
                && (is_letter(c[2]) || (c[2] == '-' && is_letter(c[3])))) {
                c++;
                break;
            }
        }
        APR_ARRAY_PUSH(chunks, char *) = apr_pstrmemdup(p, s, c - s);
        s = c;
    }
    while (k < chunks->nelts) {
        const char *indent = lines->nelts ? "  " : "";
        size_t width = 60 - strlen(indent), len = 0;
        char *line = apr_pstrdup(p, "");
        char **ch = (char **)chunks->elts;
        if (*ch[k] == ' ' && lines->nelts)
            k++;
        while (k < chunks->nelts && len + strlen(ch[k]) <= width) {
            line = apr_pstrcat(p, line, ch[k], NULL);
            len += strlen(ch[k++]);
        }
        if (k < chunks->nelts && strlen(ch[k]) > width) {
            size_t left = width > len ? width - len : 1, end = left, i;
            for (i = left; i-- > 1;)
                if (ch[k][i] == '-') {
                    size_t j;
                    for (j = 0; j < i && ch[k][j] == '-'; j++)
                        ;
                    if (j < i) {
                        end = i + 1;
                        break;
                    }
                }
            line = apr_pstrcat(p, line, apr_pstrmemdup(p, ch[k], end), NULL);
            len += end;
            ch[k] += end;
        }
        while (len && line[len - 1] == ' ')   /* the last chunk if blank */
            line[--len] = '\0';
        if (len)
            APR_ARRAY_PUSH(lines, char *) = apr_pstrcat(p, indent, line, NULL);
    }
    return lines;
}

static void rule(int width)
{
    int i;
    putchar('+');
    for (i = 0; i < width + 2; i++)
        putchar('-');
    puts("+");
}

static void cell_line(int width, const char *text)
{
    printf("| %-*s |\n", width, text);
}

/* prettytable with hrules=ALL and left alignment, as oslo prints it. */
static void print_table(status *s)
{
    static const char *const word[] = { "Success", "Warning", "Failure" };
    apr_array_header_t *all = apr_array_make(s->p, 32, sizeof(char *));
    const char *title = "Upgrade Check Results";
    int width = (int)strlen(title), i, j;

    for (i = 0; i < s->results->nelts; i++) {
        const result *r = &APR_ARRAY_IDX(s->results, i, result);
        apr_array_header_t *d = NULL;
        APR_ARRAY_PUSH(all, char *) = apr_pstrcat(s->p, "Check: ", r->name,
                                                  NULL);
        APR_ARRAY_PUSH(all, char *) = apr_pstrcat(s->p, "Result: ",
                                                  word[r->code], NULL);
        if (r->details)
            d = wrap(s->p, r->details);
        for (j = 0; d && j < d->nelts; j++)
            APR_ARRAY_PUSH(all, char *) = apr_pstrcat(s->p,
                j ? "" : "Details: ", APR_ARRAY_IDX(d, j, char *), NULL);
        if (!d || !d->nelts)
            APR_ARRAY_PUSH(all, const char *) = "Details: None";
        APR_ARRAY_PUSH(all, char *) = NULL;     /* end of a row */
    }
    for (i = 0; i < all->nelts; i++) {
        const char *l = APR_ARRAY_IDX(all, i, char *);
        if (l && (int)strlen(l) > width)
            width = (int)strlen(l);
    }
    rule(width);
    cell_line(width, title);
    rule(width);
    for (i = 0; i < all->nelts; i++) {
        const char *l = APR_ARRAY_IDX(all, i, char *);
        if (l)
            cell_line(width, l);
        else
            rule(width);
    }
}

static const char *jstr(const char *v)
{
    json_object *o = json_object_new_string(v);
    const char *out = strdup(json_object_to_json_string_ext(o,
                                JSON_C_TO_STRING_PLAIN
                                | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return out;
}

/* oslo's --json: json.dumps of {name, checks: [{check, result, details}]} */
static void print_json(status *s)
{
    int i;
    printf("{\"name\": \"Upgrade Check Results\", \"checks\": [");
    for (i = 0; i < s->results->nelts; i++) {
        const result *r = &APR_ARRAY_IDX(s->results, i, result);
        const char *n = jstr(r->name);
        const char *d = r->details ? jstr(r->details) : NULL;
        printf("%s{\"check\": %s, \"result\": %d, \"details\": %s}",
               i ? ", " : "", n, r->code, d ? d : "null");
        free((char *)n);
        free((char *)d);
    }
    printf("]}\n");
}

/* ---- main ---- */

static int run(status *s, int as_json)
{
    pl_dburl u;
    char *err = NULL;
    int i, worst = SUCCESS;

    if (pl_dburl_parse(s->p, s->url, &u, &err) != 0 || !u.database) {
        printf("Error:\n%s\n", err ? err : "the URL names no database");
        return ERROR;
    }
    if (!(s->m = pl_db_connect(&u, &err))) {
        printf("Error:\ncannot connect to the database: %s\n", err);
        free(err);
        return ERROR;
    }
    check_schema(s);
    /* upstream's checks first, in its order */
    {
        apr_array_header_t *ours = s->results;
        s->results = apr_array_make(s->p, 8, sizeof(result));
        check_count(s, &root_provider_ids);
        check_count(s, &incomplete_consumers);
        check_policy_json(s);
        apr_array_cat(s->results, ours);
    }
    check_standard_data(s);
    check_count(s, &consumer_owners);
    check_policy_rules(s);
    mysql_close(s->m);

    for (i = 0; i < s->results->nelts; i++)
        if (APR_ARRAY_IDX(s->results, i, result).code > worst)
            worst = APR_ARRAY_IDX(s->results, i, result).code;
    if (as_json)
        print_json(s);
    else
        print_table(s);
    return worst;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "connection", required_argument, NULL, 'c' },
        { "httpd-conf", required_argument, NULL, 'f' },
        { "policy-file", required_argument, NULL, 'p' },
        { "schema-dir", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *conf = NULL, *datadir = NULL;
    int as_json = 0, o, rc;
    status s;

    memset(&s, 0, sizeof(s));
    s.url = getenv("PLACEMENT_DATABASE_CONNECTION");
    if (s.url && !*s.url)
        s.url = NULL;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'c': s.url = optarg; break;
        case 'f': conf = optarg; break;
        case 'p': s.policy_file = optarg; break;
        case 'd': s.schema_dir = optarg; break;
        case 'j': as_json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "upgrade")
        || strcmp(argv[optind + 1], "check")) {
        usage(stderr);
        return 2;
    }

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&s.p, NULL);
    s.results = apr_array_make(s.p, 8, sizeof(result));
    if (read_httpd_conf(&s, conf ? conf : HTTPD_CONF, &s.url, &s.policy_file,
                        &datadir) != 0 && conf) {
        fprintf(stderr, "placement-status: cannot read %s\n", conf);
        return 2;
    }
    if (!s.schema_dir)
        s.schema_dir = datadir ? apr_pstrcat(s.p, datadir, "/schema", NULL)
                               : PL_SCHEMA_DIR;
    if (!s.policy_file) {      /* --policy-file '' means none */
        FILE *f = fopen(POLICY_FILE, "r");
        if (f) {
            s.policy_file = POLICY_FILE;
            fclose(f);
        }
    }
    if (s.policy_file && !*s.policy_file)
        s.policy_file = NULL;
    if (!s.url) {
        fprintf(stderr, "placement-status: no database: give --connection, "
                "set PLACEMENT_DATABASE_CONNECTION, or configure "
                "PlacementDatabaseConnection in %s\n",
                conf ? conf : HTTPD_CONF);
        return 2;
    }
    rc = run(&s, as_json);
    apr_pool_destroy(s.p);
    return rc;
}
