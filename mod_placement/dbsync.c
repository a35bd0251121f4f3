/* Schema creation/upgrade and standard data sync for the Placement database.
 * Keeps the database indistinguishable from one managed by upstream's
 * `placement-manage db sync` + ensure_sync, so operators can switch either
 * way. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <mysqld_error.h>

#include "dbsync.h"

#define DEADLOCK_RETRIES 5
#define LOCK_TIMEOUT_S 120

/* ---- errors and small query helpers ---- */

static int set_err(char **err, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    if (!err)
        return -1;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    free(*err);
    *err = msg ? msg : strdup("out of memory");
    return -1;
}

static int db_err(MYSQL *m, char **err, const char *what)
{
    return set_err(err, "%s: %s (%u)", what, mysql_error(m), mysql_errno(m));
}

static int exec(MYSQL *m, const char *sql, char **err, const char *what)
{
    if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0)
        return db_err(m, err, what);
    /* drain a result set if the statement produced one (e.g. GET_LOCK) */
    {
        MYSQL_RES *r = mysql_store_result(m);
        if (r)
            mysql_free_result(r);
    }
    return 0;
}

/* Run a query returning at most one row with one column. *out is pool
 * memory, NULL for no row or a SQL NULL. Returns number of rows or -1. */
static int scalar(MYSQL *m, apr_pool_t *p, const char *sql, char **out,
                  char **err, const char *what)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    int n;

    *out = NULL;
    if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0
        || !(r = mysql_store_result(m)))
        return db_err(m, err, what);
    n = (int)mysql_num_rows(r);
    if (n > 0 && (row = mysql_fetch_row(r)) && row[0])
        *out = apr_pstrdup(p, row[0]);
    mysql_free_result(r);
    return n;
}

static long scalar_long(MYSQL *m, apr_pool_t *p, const char *sql,
                        char **err, const char *what)
{
    char *v;

    if (scalar(m, p, sql, &v, err, what) < 0)
        return -1;
    return v ? strtol(v, NULL, 10) : 0;
}

static int table_exists(MYSQL *m, apr_pool_t *p, const char *name, char **err)
{
    return (int)scalar_long(m, p, apr_psprintf(p,
        "SELECT COUNT(*) FROM information_schema.tables"
        " WHERE table_schema = DATABASE() AND table_name = '%s'", name),
        err, "looking up table");
}

static int read_file(apr_pool_t *p, const char *path, char **out, char **err)
{
    FILE *f = fopen(path, "r");
    long len;
    char *buf;

    if (!f)
        return set_err(err, "cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return set_err(err, "cannot read %s", path);
    }
    buf = apr_palloc(p, (apr_size_t)len + 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        return set_err(err, "cannot read %s", path);
    }
    buf[len] = '\0';
    fclose(f);
    *out = buf;
    return 0;
}

/* ---- SQL files ---- */

/* Execute PATH statement by statement. Our files end every statement with
 * ';' at the end of a line and use only whole-line '--' comments.
 * A CREATE TABLE whose table already exists is skipped, so a run that died
 * half-way (DDL is not transactional in MariaDB) can simply be repeated. */
static int run_sql_file(MYSQL *m, apr_pool_t *p, const char *path, char **err)
{
    char *text, *line, *save = NULL;
    char *stmt = apr_pstrdup(p, "");

    if (read_file(p, path, &text, err) != 0)
        return -1;
    for (line = apr_strtok(text, "\n", &save); line;
         line = apr_strtok(NULL, "\n", &save)) {
        const char *s = line;
        size_t len;

        while (isspace((unsigned char)*s))
            s++;
        if (!*s || strncmp(s, "--", 2) == 0)
            continue;
        stmt = apr_pstrcat(p, stmt, line, "\n", NULL);
        len = strlen(line);
        while (len && isspace((unsigned char)line[len - 1]))
            len--;
        if (!len || line[len - 1] != ';')
            continue;

        {
            char tbl[65];
            if (sscanf(stmt, " CREATE TABLE %64[A-Za-z0-9_]", tbl) == 1) {
                int ex = table_exists(m, p, tbl, err);
                if (ex < 0)
                    return -1;
                if (ex) {
                    stmt = apr_pstrdup(p, "");
                    continue;
                }
            }
        }
        if (exec(m, stmt, err, apr_psprintf(p, "%s", path)) != 0) {
            char *inner = *err;
            *err = NULL;
            set_err(err, "%s\nwhile running:\n%s", inner, stmt);
            free(inner);
            return -1;
        }
        stmt = apr_pstrdup(p, "");
    }
    if (*stmt)
        return set_err(err, "%s: statement without trailing ';'", path);
    return 0;
}

/* ---- schema ---- */

/* Upstream revisions, oldest first; each upgrades the one before it. */
static const char *const known_revs[] = {
    "b4ed3a175331", "611cd6dffd7b", "b5c396305c25", PL_DB_REVISION
};
#define N_KNOWN (sizeof(known_revs) / sizeof(known_revs[0]))

/* Newer upstream revisions whose schema our code still works with.
 * a082b8bb98d0 only drops indexes duplicated by unique constraints. */
static const char *const compatible_newer[] = { "a082b8bb98d0" };

/* Our own tables: a versionless database holding only these is the
 * leftover of an interrupted create and may be completed. */
static const char *const our_tables[] = {
    "allocations", "consumer_types", "consumers", "inventories",
    "placement_aggregates", "projects", "resource_classes",
    "resource_provider_aggregates", "resource_providers", "traits", "users",
    "resource_provider_traits", "alembic_version"
};

typedef struct {
    long ntables;       /* tables in the database */
    long nforeign;      /* tables not in our_tables */
    int versioned;      /* alembic_version exists */
    char *rev;          /* its single row, NULL if none */
} db_state;

static int get_state(MYSQL *m, apr_pool_t *p, db_state *st, char **err)
{
    char *db;
    const char *in = "";
    size_t i;
    int n;

    memset(st, 0, sizeof(*st));
    if (scalar(m, p, "SELECT DATABASE()", &db, err, "selecting database") < 0)
        return -1;
    if (!db)
        return set_err(err, "no database selected in the connection");
    st->ntables = scalar_long(m, p,
        "SELECT COUNT(*) FROM information_schema.tables"
        " WHERE table_schema = DATABASE()", err, "counting tables");
    if (st->ntables < 0)
        return -1;
    for (i = 0; i < sizeof(our_tables) / sizeof(our_tables[0]); i++)
        in = apr_psprintf(p, "%s%s'%s'", in, i ? "," : "", our_tables[i]);
    st->nforeign = scalar_long(m, p, apr_psprintf(p,
        "SELECT COUNT(*) FROM information_schema.tables"
        " WHERE table_schema = DATABASE() AND table_name NOT IN (%s)", in),
        err, "counting tables");
    if (st->nforeign < 0)
        return -1;
    if ((st->versioned = table_exists(m, p, "alembic_version", err)) < 0)
        return -1;
    if (!st->versioned)
        return 0;
    n = scalar(m, p, "SELECT version_num FROM alembic_version", &st->rev,
               err, "reading alembic_version");
    if (n < 0)
        return -1;
    if (n > 1)
        return set_err(err, "alembic_version has %d rows; expected one", n);
    return 0;
}

int pl_db_schema_revision(MYSQL *m, char **rev, char **err)
{
    apr_pool_t *p;
    db_state st;
    int rc = 0;

    *rev = NULL;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return set_err(err, "out of memory");
    if (get_state(m, p, &st, err) != 0)
        rc = -1;
    else if (!st.versioned && st.nforeign == 0)
        rc = 0;     /* empty, or our own interrupted create */
    else if (!st.versioned)
        rc = set_err(err, "database has %ld tables but no alembic_version "
                     "table: not a placement database", st.ntables);
    else if (!st.rev)
        rc = set_err(err, "alembic_version is empty");
    else
        *rev = strdup(st.rev);
    apr_pool_destroy(p);
    return rc;
}

/* Upstream's 611cd6dffd7b and b5c396305c25 only refuse to proceed while
 * old-style data remains; they change no schema.  sql counts such rows,
 * what names the check for an error, rows says what the count is. */
static int check_no_rows(MYSQL *m, apr_pool_t *p, char **err, const char *sql,
                         const char *what, const char *rows)
{
    long n = scalar_long(m, p, sql, err, what);
    if (n < 0)
        return -1;
    if (n)
        return set_err(err, "%ld %s; run upstream's `placement-manage db "
                       "online_data_migrations` first", n, rows);
    return 0;
}

static int check_611cd6dffd7b(MYSQL *m, apr_pool_t *p, char **err)
{
    return check_no_rows(m, p, err, "SELECT COUNT(*) FROM resource_providers"
                         " WHERE root_provider_id IS NULL",
                         "checking root_provider_id",
                         "resource provider record(s) lack a root provider id");
}

static int check_b5c396305c25(MYSQL *m, apr_pool_t *p, char **err)
{
    return check_no_rows(m, p, err, "SELECT COUNT(*) FROM allocations a"
                         " LEFT JOIN consumers c ON a.consumer_id = c.uuid"
                         " WHERE c.id IS NULL",
                         "checking allocation consumers",
                         "allocation record(s) have no consumer record");
}

static int stamp(MYSQL *m, apr_pool_t *p, const char *from, const char *to,
                 char **err)
{
    return exec(m, apr_psprintf(p, "UPDATE alembic_version SET version_num"
                                " = '%s' WHERE version_num = '%s'", to, from),
                err, "stamping alembic_version");
}

static int upgrade_from(MYSQL *m, apr_pool_t *p, const char *sqldir,
                        size_t idx, char **err)
{
    for (; idx + 1 < N_KNOWN; idx++) {
        const char *to = known_revs[idx + 1];
        int rc;

        if (strcmp(to, "611cd6dffd7b") == 0)
            rc = check_611cd6dffd7b(m, p, err);
        else if (strcmp(to, "b5c396305c25") == 0)
            rc = check_b5c396305c25(m, p, err);
        else
            rc = run_sql_file(m, p, apr_pstrcat(p, sqldir, "/upgrade-", to,
                                                ".sql", NULL), err);
        if (rc != 0 || stamp(m, p, known_revs[idx], to, err) != 0)
            return -1;
    }
    return 0;
}

static int sync_locked(MYSQL *m, apr_pool_t *p, const char *sqldir,
                       char **err)
{
    db_state st;
    size_t i;

    if (get_state(m, p, &st, err) != 0)
        return -1;

    if (!st.versioned) {
        if (st.ntables && st.nforeign)
            return set_err(err, "database has %ld tables but no "
                           "alembic_version table: not a placement database",
                           st.ntables);
        /* empty, or our own interrupted create: (re)run the DDL */
        if (run_sql_file(m, p, apr_pstrcat(p, sqldir, "/placement.sql",
                                           NULL), err) != 0)
            return -1;
        return PL_SCHEMA_CREATED;
    }
    if (!st.rev)
        return set_err(err, "alembic_version is empty; refusing to guess "
                       "the schema revision");

    for (i = 0; i < N_KNOWN; i++) {
        if (strcmp(st.rev, known_revs[i]) != 0)
            continue;
        if (i + 1 == N_KNOWN)
            return PL_SCHEMA_UNCHANGED;
        if (upgrade_from(m, p, sqldir, i, err) != 0)
            return -1;
        return PL_SCHEMA_UPGRADED;
    }
    for (i = 0; i < sizeof(compatible_newer) / sizeof(compatible_newer[0]);
         i++)
        if (strcmp(st.rev, compatible_newer[i]) == 0)
            return PL_SCHEMA_NEWER;
    return set_err(err, "database schema is at alembic revision %s, which "
                   "this mod_placement does not know (it knows up to %s and "
                   "the compatible newer %s); leaving it untouched",
                   st.rev, PL_DB_REVISION, compatible_newer[0]);
}

int pl_db_sync_schema(MYSQL *m, const char *sqldir, char **err)
{
    apr_pool_t *p;
    char *got;
    int rc;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return set_err(err, "out of memory");
    /* One schema writer per database at a time (processes/hosts). */
    if (scalar(m, p, apr_psprintf(p, "SELECT GET_LOCK(LEFT(CONCAT("
                   "'placement_dbsync.', DATABASE()), 64), %d)",
                   LOCK_TIMEOUT_S), &got, err, "taking schema lock") < 0) {
        apr_pool_destroy(p);
        return -1;
    }
    if (!got || strcmp(got, "1") != 0) {
        apr_pool_destroy(p);
        return set_err(err, "timed out after %ds waiting for another schema "
                       "sync of this database", LOCK_TIMEOUT_S);
    }
    rc = sync_locked(m, p, sqldir, err);
    if (rc < 0)
        rc = -1;
    /* keep the first error if releasing fails too */
    if (mysql_query(m, "DO RELEASE_LOCK(LEFT(CONCAT("
                       "'placement_dbsync.', DATABASE()), 64))") != 0
        && rc >= 0)
        rc = db_err(m, err, "releasing schema lock");
    apr_pool_destroy(p);
    return rc;
}

/* ---- standard data ---- */

static int valid_std_name(const char *s)
{
    if (!*s || strncmp(s, "CUSTOM_", 7) == 0)
        return 0;
    for (; *s; s++)
        if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s)
              || *s == '_'))
            return 0;
    return 1;
}

/* Names (and ids, for classes) from a data file. */
typedef struct {
    int n;
    const char **names;
    long *ids;
} std_list;

static int load_list(apr_pool_t *p, const char *path, int with_ids,
                     std_list *out, char **err)
{
    char *text, *line, *save = NULL;
    int cap = 64, lineno = 0;

    if (read_file(p, path, &text, err) != 0)
        return -1;
    out->n = 0;
    out->names = apr_palloc(p, sizeof(char *) * (size_t)cap);
    out->ids = apr_palloc(p, sizeof(long) * (size_t)cap);
    for (line = apr_strtok(text, "\n", &save); line;
         line = apr_strtok(NULL, "\n", &save)) {
        char name[256];
        long id = -1;
        int ok;

        lineno++;
        while (isspace((unsigned char)*line))
            line++;
        if (!*line || *line == '#')
            continue;
        ok = with_ids ? sscanf(line, "%ld %255s", &id, name) == 2 && id >= 0
                      : sscanf(line, "%255s", name) == 1;
        if (!ok || !valid_std_name(name))
            return set_err(err, "%s:%d: bad line", path, lineno);
        if (out->n == cap) {
            const char **nn = apr_palloc(p, sizeof(char *) * (size_t)cap * 2);
            long *ni = apr_palloc(p, sizeof(long) * (size_t)cap * 2);
            memcpy(nn, out->names, sizeof(char *) * (size_t)cap);
            memcpy(ni, out->ids, sizeof(long) * (size_t)cap);
            out->names = nn;
            out->ids = ni;
            cap *= 2;
        }
        out->names[out->n] = apr_pstrdup(p, name);
        out->ids[out->n] = id;
        out->n++;
    }
    return 0;
}

static int fetch_names(MYSQL *m, apr_pool_t *p, const char *table,
                       apr_hash_t **out, char **err)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    char *sql = apr_psprintf(p, "SELECT name FROM %s", table);

    *out = apr_hash_make(p);
    if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0
        || !(r = mysql_store_result(m)))
        return db_err(m, err, apr_psprintf(p, "reading %s", table));
    while ((row = mysql_fetch_row(r)))
        if (row[0])
            apr_hash_set(*out, apr_pstrdup(p, row[0]), APR_HASH_KEY_STRING,
                         "");
    mysql_free_result(r);
    return 0;
}

/* Insert the given rows unless present. ON DUPLICATE KEY UPDATE with a
 * no-op turns a concurrent insert of the same name (or id) into "0 rows
 * affected" instead of an error, without INSERT IGNORE's habit of hiding
 * unrelated errors; it never changes an existing row. Retried on deadlock,
 * which concurrent unique-key inserts can produce. */
static int insert_missing(MYSQL *m, apr_pool_t *p, const char *table,
                          const std_list *l, apr_hash_t *have, int *added,
                          char **err)
{
    char *sql = NULL;
    int i, try;

    *added = 0;
    for (i = 0; i < l->n; i++) {
        const char *row;
        if (apr_hash_get(have, l->names[i], APR_HASH_KEY_STRING))
            continue;
        /* names were validated as [A-Z0-9_]: no quoting needed */
        row = l->ids[i] >= 0
            ? apr_psprintf(p, "(UTC_TIMESTAMP(), %ld, '%s')", l->ids[i],
                           l->names[i])
            : apr_psprintf(p, "(UTC_TIMESTAMP(), '%s')", l->names[i]);
        sql = sql ? apr_pstrcat(p, sql, ",\n", row, NULL)
                  : apr_pstrcat(p, "INSERT INTO ", table,
                                l->ids[0] >= 0 ? " (created_at, id, name)"
                                               : " (created_at, name)",
                                " VALUES\n", row, NULL);
    }
    if (!sql)
        return 0;
    sql = apr_pstrcat(p, sql, "\nON DUPLICATE KEY UPDATE id = id", NULL);

    for (try = 1; ; try++) {
        if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) == 0) {
            *added = (int)mysql_affected_rows(m);
            break;
        }
        if (try < DEADLOCK_RETRIES
            && (mysql_errno(m) == ER_LOCK_DEADLOCK
                || mysql_errno(m) == ER_LOCK_WAIT_TIMEOUT))
            continue;
        return db_err(m, err, apr_psprintf(p, "inserting into %s", table));
    }
    /* harmless under autocommit; ends our statement's transaction if the
     * caller turned autocommit off */
    return exec(m, "COMMIT", err, "committing");
}

/* How many of l's names have is missing. */
static int count_missing(const std_list *l, apr_hash_t *have)
{
    int i, n = 0;

    for (i = 0; i < l->n; i++)
        if (!apr_hash_get(have, l->names[i], APR_HASH_KEY_STRING))
            n++;
    return n;
}

static int sync_classes(MYSQL *m, apr_pool_t *p, const std_list *l,
                        int dry_run, int *added, char **err)
{
    apr_hash_t *have;
    int i, rc;

    if (fetch_names(m, p, "resource_classes", &have, err) != 0)
        return -1;
    if (dry_run) {
        *added = count_missing(l, have);
        return 0;
    }
    /* VCPU has id 0, which MariaDB would otherwise take as "next
     * auto-increment value"; restore the caller's sql_mode afterwards. */
    if (exec(m, "SET @pl_dbsync_mode = @@SESSION.sql_mode", err,
             "saving sql_mode") != 0
        || exec(m, "SET SESSION sql_mode = CONCAT_WS(',', NULLIF("
                   "@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO')",
                err, "setting sql_mode") != 0)
        return -1;
    rc = insert_missing(m, p, "resource_classes", l, have, added, err);
    if (exec(m, "SET SESSION sql_mode = @pl_dbsync_mode",
             rc == 0 ? err : NULL, "restoring sql_mode") != 0 && rc == 0)
        rc = -1;
    if (rc != 0)
        return rc;
    /* A row holding a standard id under another name makes the no-op
     * upsert skip that class silently; say so instead. */
    if (fetch_names(m, p, "resource_classes", &have, err) != 0)
        return -1;
    for (i = 0; i < l->n; i++)
        if (!apr_hash_get(have, l->names[i], APR_HASH_KEY_STRING))
            return set_err(err, "standard resource class %s could not be "
                           "added: its id %ld is taken by another class",
                           l->names[i], l->ids[i]);
    return 0;
}

static int sync_traits(MYSQL *m, apr_pool_t *p, const std_list *l,
                       int dry_run, int *added, char **err)
{
    apr_hash_t *have;

    if (fetch_names(m, p, "traits", &have, err) != 0)
        return -1;
    if (dry_run) {
        *added = count_missing(l, have);
        return 0;
    }
    return insert_missing(m, p, "traits", l, have, added, err);
}

int pl_db_sync_standard_ex(MYSQL *m, const char *datadir, int dry_run,
                           int *n_classes, int *n_traits, char **err)
{
    apr_pool_t *p;
    std_list classes, traits;
    int nc = 0, nt = 0, rc = -1;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return set_err(err, "out of memory");
    if (load_list(p, apr_pstrcat(p, datadir, "/resource_classes.txt", NULL),
                  1, &classes, err) == 0
        && load_list(p, apr_pstrcat(p, datadir, "/traits.txt", NULL), 0,
                     &traits, err) == 0
        && sync_classes(m, p, &classes, dry_run, &nc, err) == 0
        && sync_traits(m, p, &traits, dry_run, &nt, err) == 0)
        rc = 0;
    if (n_classes)
        *n_classes = nc;
    if (n_traits)
        *n_traits = nt;
    apr_pool_destroy(p);
    return rc;
}

int pl_db_sync_standard(MYSQL *m, const char *datadir, char **err)
{
    int nc, nt;

    if (pl_db_sync_standard_ex(m, datadir, 0, &nc, &nt, err) != 0)
        return -1;
    return nc + nt;
}

/* ---- connecting ---- */

MYSQL *pl_db_connect(const pl_dburl *u, char **err)
{
    MYSQL *m = mysql_init(NULL);
    unsigned int timeout = 10;

    if (!m) {
        set_err(err, "mysql_init failed");
        return NULL;
    }
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME,
                   u->charset ? u->charset : "utf8");
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (u->host && !u->unix_socket) {
        /* pymysql always uses TCP unless given a socket; libmariadb would
         * take "localhost" to mean the default socket */
        unsigned int proto = MYSQL_PROTOCOL_TCP;
        mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &proto);
    }
    if (!mysql_real_connect(m, u->host, u->user, u->password, u->database,
                            u->port, u->unix_socket, 0)) {
        set_err(err, "cannot connect to database %s on %s: %s",
                u->database ? u->database : "(none)",
                u->unix_socket ? u->unix_socket
                               : u->host ? u->host : "localhost",
                mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}
