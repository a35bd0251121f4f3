/* MariaDB access (see db.h). */
#include "db.h"
#include "strutil.h"
#include "http.h"
#include "dbsync.h"

#include <apr_allocator.h>
#include <apr_reslist.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <http_log.h>
#include <mysql.h>
#include <errmsg.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Prepared statements cached per connection: at most STMT_CACHE_MAX, and
 * no more than this connection's share of the server's
 * max_prepared_stmt_count (shared by max_connections), read at connect.
 * Only statements that repeat are cached: SQL carrying an IN list of
 * placeholders ("?,?") or a batch of rows varies with the list and is
 * closed after use. */
#define STMT_CACHE_MAX 128
#define STMT_CACHE_MIN 8
/* ER_MAX_PREPARED_STMT_COUNT_REACHED: the server's statement limit */
#define ER_TOO_MANY_STMTS 1461
/* Not a MariaDB number: a statement outlived the read/write timeout. */
#define PL_DB_TIMEOUT 100000

struct pl_dbpool {
    server_rec *s;
    pl_server_conf *conf;
    apr_reslist_t *rl;
    apr_thread_mutex_t *sync_lock;
    volatile int standard_synced;   /* standard traits and classes inserted */
    apr_time_t *down_until;         /* per host of a failover list: skip until then */
};

/* How long a host that refused a connection is skipped by the others in a
 * failover list (when all are down, all are tried anyway). */
#define HOST_DOWN_HOLD apr_time_from_sec(5)

/* A Galera node outside a primary component is connected but not ready
 * (wsrep_ready OFF; its statements fail with 1047).  The survivors of a
 * node that died are in that state for a moment while the cluster forms
 * again, so a request waits for a ready node, polling, up to READY_WAIT
 * from the first such answer it meets, instead of answering 503 at once.  A node cut off from
 * the majority for longer still gets 503, after that wait.  Hosts that
 * refuse connections are never waited for. */
#define READY_WAIT apr_time_from_sec(5)
#define READY_POLL apr_time_from_msec(200)

typedef struct pl_db_conn {
    pl_dbpool *owner;
    MYSQL *m;               /* NULL until connected */
    apr_pool_t *pool;       /* statement cache memory */
    apr_hash_t *stmts;      /* sql text -> MYSQL_STMT* */
    int stmt_cap;           /* how many stmts may hold */
    int in_txn;
    int repeatable_read;    /* the session's isolation level gives snapshots */
    int host;               /* index in the URL's host list */
    unsigned int doomed;    /* error that ended the transaction pl_db_txn runs */
} pl_db_conn;

static int is_gone(unsigned int err)
{
    return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST
        || err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR
        || err == 1927 /* ER_CONNECTION_KILLED */ || err == 4031 /* idle timeout */
        || err == 1053 /* ER_SERVER_SHUTDOWN */
        || err == 1047 /* Galera: "WSREP has not yet prepared node for application use" */;
}

/* Errors after which the transaction must run again as a whole: deadlock
 * (with Galera also a certification failure at COMMIT or a brute-force
 * abort at any statement), lock wait timeout, and 1020 "Record has changed
 * since last read" (MariaDB 11.6+ with innodb_snapshot_isolation). */
static int is_conflict(unsigned int err)
{
    return err == PL_ER_DEADLOCK || err == PL_ER_LOCK_WAIT || err == 1020;
}

/* Whether the server still holds the transaction open, as it says in
 * every answer's status.  MariaDB Galera (10.11, galera 26.4) may abort a
 * transaction for a conflicting write set from another node while one of
 * its reads runs and answer that read as if nothing happened: the
 * transaction is rolled back, the deadlock error is never sent, and the
 * statements that follow run in autocommit mode, each committed at once
 * (t/galera/10_claims.t: a claim answered 409 whose rows are stored; a
 * generation bump lost).  The status flag is the one sign of it. */
static int still_in_txn(pl_db_conn *c)
{
    unsigned int status = SERVER_STATUS_IN_TRANS;
    if (c->m) mariadb_get_infov(c->m, MARIADB_CONNECTION_SERVER_STATUS, &status);
    return (status & SERVER_STATUS_IN_TRANS) != 0;
}

/* Hosts to try: the URL's failover list, or the one host or socket. */
static int nhosts(const pl_db_conn *c)
{
    const pl_dburl *u = c->owner->conf->db;
    return u->unix_socket || u->nhosts < 1 ? 1 : u->nhosts;
}

static void close_stmts(pl_db_conn *c)
{
    apr_hash_index_t *hi;
    if (!c->stmts) return;
    for (hi = apr_hash_first(NULL, c->stmts); hi; hi = apr_hash_next(hi)) {
        void *v;
        apr_hash_this(hi, NULL, NULL, &v);
        mysql_stmt_close(v);
    }
    apr_pool_clear(c->pool);
    c->stmts = apr_hash_make(c->pool);
}

static void disconnect(pl_db_conn *c)
{
    close_stmts(c);
    if (c->m) mysql_close(c->m);
    c->m = NULL;
    c->in_txn = 0;
}

/* Insert the standard traits and resource classes once per process, the
 * way upstream does at start-up; INSERT IGNORE makes it safe for many
 * processes and hosts at once. */
static void sync_standard(pl_db_conn *c)
{
    pl_dbpool *pool = c->owner;
    char *err = NULL;
    if (pool->standard_synced) return;
    apr_thread_mutex_lock(pool->sync_lock);
    if (!pool->standard_synced) {
        apr_pool_t *tmp;
        apr_pool_create(&tmp, NULL);
        if (pl_db_sync_standard(c->m, apr_pstrcat(tmp, pool->conf->data_dir, "/schema/data",
                                                  NULL), &err) >= 0)
            pool->standard_synced = 1;
        else
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, pool->s, PL_LOGNO(201)
                         "syncing standard traits and resource classes: %s",
                         err ? err : "unknown error");
        free(err);
        apr_pool_destroy(tmp);
    }
    apr_thread_mutex_unlock(pool->sync_lock);
}

/* Whether a transaction of this session reads one snapshot throughout
 * (REPEATABLE READ, the server's default); under READ COMMITTED every
 * statement would see a snapshot of its own. */
static int session_is_repeatable_read(MYSQL *m)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    int rr = 0;
    if (mysql_query(m, "SELECT @@SESSION.tx_isolation") != 0) return 0;
    if (!(res = mysql_store_result(m))) return 0;
    if ((row = mysql_fetch_row(res)) && row[0]) rr = strcmp(row[0], "REPEATABLE-READ") == 0;
    mysql_free_result(res);
    return rr;
}

/* Reads and writes that wait longer than this give up (a stalled or
 * paused server): a little under the pool timeout, so a request holding
 * a connection answers 503 about when one waiting for a connection does. */
static unsigned int io_timeout(const pl_db_conn *c)
{
    int t = c->owner->conf->db_pool_timeout;
    return t > 2 ? (unsigned int)t - 1 : 1;
}

static void set_io_timeouts(pl_db_conn *c, MYSQL *m)
{
    unsigned int t = io_timeout(c);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
}

/* Whether the server takes statements: a Galera node must be in a primary
 * component (wsrep_ready); a server without Galera (wsrep_on off, or no
 * such variable at all) always is. */
static int node_ready(MYSQL *m)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    int ready = 1;
    if (mysql_query(m, "SHOW GLOBAL STATUS WHERE Variable_name = 'wsrep_ready' AND @@wsrep_on")
        != 0 || !(r = mysql_store_result(m)))
        return 1;
    if ((row = mysql_fetch_row(r)) && row[1]) ready = strcmp(row[1], "ON") == 0;
    mysql_free_result(r);
    return ready;
}

/* This connection's share of the server's prepared statements. */
static int stmt_share(MYSQL *m)
{
    long long max_stmts = 16382, max_conns = 151, share;
    MYSQL_RES *r;
    MYSQL_ROW row;
    if (mysql_query(m, "SELECT @@max_prepared_stmt_count, @@max_connections") == 0
        && (r = mysql_store_result(m))) {
        if ((row = mysql_fetch_row(r)) && row[0] && row[1]) {
            max_stmts = strtoll(row[0], NULL, 10);
            max_conns = strtoll(row[1], NULL, 10);
        }
        mysql_free_result(r);
    }
    share = max_conns > 0 ? max_stmts / max_conns : max_stmts;
    if (share > STMT_CACHE_MAX) share = STMT_CACHE_MAX;
    if (share < STMT_CACHE_MIN) share = STMT_CACHE_MIN;
    return (int)share;
}

/* Connect to host h: 0, -1 when it refused, 1 when it answered but is not
 * ready (see READY_WAIT). */
static int connect_host(pl_db_conn *c, int h, const char **errmsg)
{
    const pl_dburl *u = c->owner->conf->db;
    const char *host = u->nhosts > 0 ? u->hosts[h] : u->host;
    unsigned int port = u->nhosts > 0 ? u->ports[h] : u->port;
    unsigned int timeout = 5;
    my_bool off = 0;
    MYSQL *m = mysql_init(NULL);
    if (!m) { *errmsg = "out of memory"; return -1; }
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_OPT_RECONNECT, &off);   /* we reconnect ourselves */
    set_io_timeouts(c, m);
    /* The connection speaks the tables' 3-byte utf8: a 4-byte character in
     * a query then matches nothing (as upstream) instead of failing on mixed
     * collations, and one in a write is refused with 400 (1366). */
    mysql_options(m, MYSQL_SET_CHARSET_NAME, u->charset ? u->charset : "utf8");
    /* oslo.db's default sql_mode */
    mysql_options(m, MYSQL_INIT_COMMAND, "SET SESSION sql_mode = 'TRADITIONAL'");
    if (!mysql_real_connect(m, u->unix_socket ? NULL : host, u->user, u->password,
                            u->database, port, u->unix_socket, 0)) {
        /* 1047 for the init command: connected, but the node takes no
         * statements yet */
        int rv = mysql_errno(m) == 1047 ? 1 : -1;
        *errmsg = apr_pstrdup(c->pool, mysql_error(m));
        mysql_close(m);
        return rv;
    }
    if (!node_ready(m)) {
        *errmsg = "WSREP has not yet prepared node for application use";
        mysql_close(m);
        return 1;
    }
    c->m = m;
    c->repeatable_read = session_is_repeatable_read(m);
    c->host = h;
    c->stmt_cap = stmt_share(m);
    sync_standard(c);
    return 0;
}

/* One round over the hosts: the first that answers and is ready, skipping
 * those that recently did not (unless none is left), so a pool entry whose
 * node died is replaced by one on another node.  0 when connected; -1
 * when none was, with *not_ready set when some host was only not ready. */
static int connect_round(pl_db_conn *c, const char **errmsg, int *not_ready)
{
    pl_dbpool *pool = c->owner;
    int n = nhosts(c), pass, h;
    for (pass = 0; pass < 2; pass++) {
        for (h = 0; h < n; h++) {
            apr_time_t now = apr_time_now();
            int held = n > 1 && pool->down_until[h] > now, rv;
            if (held != pass) continue;     /* pass 0: the live ones; 1: the rest */
            rv = connect_host(c, h, errmsg);
            if (rv == 0) {
                if (n > 1 && (h > 0 || held))
                    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, pool->s, PL_LOGNO(205)
                                 "database connection to host %d of %d (%s)", h + 1, n,
                                 pool->conf->db->hosts[h]);
                if (n > 1) pool->down_until[h] = 0;
                return 0;
            }
            if (rv > 0) *not_ready = 1;
            if (n > 1) {
                if (!held)      /* once a hold, not once a try */
                    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, pool->s, PL_LOGNO(206)
                                 "database host %d of %d (%s) unreachable: %s", h + 1, n,
                                 pool->conf->db->hosts[h], *errmsg);
                pool->down_until[h] = now + HOST_DOWN_HOLD;
            }
        }
    }
    return -1;
}

/* Whether request q, which met a node that is not ready, waits for one
 * once more (after a pause): for READY_WAIT from the first such answer it
 * met, however long the request ran before (a COMMIT can hang for seconds
 * while the cluster's membership changes, and the nodes are not ready
 * only after that). */
static int wait_ready_once_more(pl_req *q)
{
    apr_time_t now = apr_time_now();
    if (!q->not_ready_since) q->not_ready_since = now;
    if (now + READY_POLL > q->not_ready_since + READY_WAIT) return 0;
    apr_sleep(READY_POLL);
    return 1;
}

/* Connect, waiting (wait_ready_once_more) while hosts answer but are not
 * ready. */
static int connect_db(pl_req *q, pl_db_conn *c, const char **errmsg)
{
    for (;;) {
        int not_ready = 0;
        if (connect_round(c, errmsg, &not_ready) == 0) return 0;
        if (!not_ready || !wait_ready_once_more(q)) return -1;
    }
}

/* After err, whether q should try once more after a pause: a node that
 * was ready when connected can still answer 1047 for a moment while the
 * cluster's membership changes (a node joining or leaving), on every host
 * at once.  Such a request is given the same READY_WAIT as a connect,
 * instead of the one reconnect per host that other lost connections get. */
static int wait_for_ready(pl_req *q, unsigned int err)
{
    return err == 1047 && wait_ready_once_more(q);
}

/* The connection is unusable: close it.  A node that says it is shutting
 * down or not ready (Galera without quorum) is skipped for a while. */
static void lost(pl_db_conn *c, unsigned int err)
{
    if ((err == 1047 || err == 1053) && nhosts(c) > 1)
        c->owner->down_until[c->host] = apr_time_now() + HOST_DOWN_HOLD;
    disconnect(c);
}

static apr_status_t conn_construct(void **resource, void *params, apr_pool_t *pool)
{
    pl_db_conn *c = apr_pcalloc(pool, sizeof(*c));
    c->owner = params;
    /* Not a subpool of the reslist's pool: subpools are destroyed before
     * the parent's cleanups run, and conn_destruct still needs this one. */
    apr_pool_create_unmanaged(&c->pool);
    /* what an emptied cache gave back goes back to the system */
    apr_allocator_max_free_set(apr_pool_allocator_get(c->pool), 1);
    c->stmt_cap = STMT_CACHE_MIN;
    c->stmts = apr_hash_make(c->pool);
    *resource = c;      /* connects on first use, so a down database never blocks start */
    return APR_SUCCESS;
}

static apr_status_t conn_destruct(void *resource, void *params, apr_pool_t *pool)
{
    pl_db_conn *c = resource;
    disconnect(c);
    apr_pool_destroy(c->pool);
    return APR_SUCCESS;
}

pl_dbpool *pl_dbpool_create(apr_pool_t *p, server_rec *s, pl_server_conf *conf)
{
    pl_dbpool *pool = apr_pcalloc(p, sizeof(*pool));
    pool->s = s;
    pool->conf = conf;
    if (conf->db && conf->db->nhosts > 0)
        pool->down_until = apr_pcalloc(p, sizeof(*pool->down_until) * conf->db->nhosts);
    return pool;
}

apr_status_t pl_dbpool_child_init(pl_dbpool *pool, apr_pool_t *p)
{
    apr_status_t rv;
    int n = pool->conf->db_pool_size;
    apr_thread_mutex_create(&pool->sync_lock, APR_THREAD_MUTEX_DEFAULT, p);
    rv = apr_reslist_create(&pool->rl, 0, n, n, 0, conn_construct, conn_destruct, pool, p);
    if (rv == APR_SUCCESS)
        apr_reslist_timeout_set(pool->rl, (apr_interval_time_t)pool->conf->db_pool_timeout
                                              * APR_USEC_PER_SEC);
    return rv;
}

/* Give the connection back when the request ends, rolling back anything
 * left open. */
static apr_status_t release_conn(void *data)
{
    pl_req *q = data;
    pl_db_conn *c = q->db;
    if (!c) return APR_SUCCESS;
    if (c->in_txn && c->m) {
        if (mysql_rollback(c->m)) disconnect(c);
        c->in_txn = 0;
    }
    apr_reslist_release(c->owner->rl, c);
    q->db = NULL;
    return APR_SUCCESS;
}

static int unavailable(pl_req *q, const char *why)
{
    return pl_fail_db(q, PL_DBE_UNAVAILABLE, "%s", why);
}

static pl_db_conn *acquire(pl_req *q)
{
    pl_dbpool *pool = q->conf->dbpool;
    void *res;
    apr_status_t rv;
    const char *err;

    if (q->db) return q->db;
    if (!pool || !pool->rl) {
        unavailable(q, "no PlacementDatabaseConnection is configured");
        return NULL;
    }
    rv = apr_reslist_acquire(pool->rl, &res);
    if (rv != APR_SUCCESS) {
        unavailable(q, "timed out waiting for a free database connection");
        return NULL;
    }
    q->db = res;
    apr_pool_cleanup_register(q->r->pool, q, release_conn, apr_pool_cleanup_null);
    if (!q->db->m && connect_db(q, q->db, &err) != 0) {
        q->db_errno = CR_CONN_HOST_ERROR;
        unavailable(q, err);
        return NULL;
    }
    return q->db;
}

long long pl_cell_int(const pl_dbres *res, int row, int col)
{
    const char *v = PL_CELL(res, row, col);
    return v ? strtoll(v, NULL, 10) : 0;
}

double pl_cell_double(const pl_dbres *res, int row, int col)
{
    const char *v = PL_CELL(res, row, col);
    return v ? strtod(v, NULL) : 0.0;
}

const char *pl_db_placeholders(apr_pool_t *p, int n)
{
    char *s = apr_palloc(p, n > 0 ? 2 * n : 1), *o = s;
    int i;
    for (i = 0; i < n; i++) {
        if (i) *o++ = ',';
        *o++ = '?';
    }
    *o = '\0';
    return s;
}

static int cacheable(const char *sql)
{
    int marks = 0;
    if (strstr(sql, "?,?")) return 0;       /* pl_db_placeholders() */
    for (; *sql; sql++)
        if (*sql == '?' && ++marks > 16) return 0;   /* a batch of rows */
    return 1;
}

/* The statement for sql: from the cache, or prepared now (and cached when
 * it repeats and there is room).  *cached says whether the caller must
 * close it.  The server's statement limit reached (1461): empty this
 * connection's cache and try once more. */
static MYSQL_STMT *prepare(pl_req *q, pl_db_conn *c, const char *sql, int *cached,
                           unsigned int *err, const char **errmsg)
{
    MYSQL_STMT *st = apr_hash_get(c->stmts, sql, APR_HASH_KEY_STRING);
    my_bool on = 1;
    int attempt;
    *cached = st != NULL;
    if (st) return st;
    for (attempt = 0; ; attempt++) {
        st = mysql_stmt_init(c->m);
        if (!st) { *err = CR_OUT_OF_MEMORY; *errmsg = "out of memory"; return NULL; }
        if (!mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) break;
        *err = mysql_stmt_errno(st);
        *errmsg = apr_pstrdup(q->pool, mysql_stmt_error(st));
        mysql_stmt_close(st);
        /* 1461 with nothing (more) to give back: execute() runs it as text */
        if (*err != ER_TOO_MANY_STMTS || attempt > 0 || !apr_hash_count(c->stmts))
            return NULL;
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(290) "%s the server's "
                      "max_prepared_stmt_count is reached: closing this connection's "
                      "%u cached statements", q->request_id, apr_hash_count(c->stmts));
        close_stmts(c);
        c->stmt_cap = c->stmt_cap > 2 * STMT_CACHE_MIN ? c->stmt_cap / 2 : STMT_CACHE_MIN;
    }
    mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
    if (cacheable(sql)) {
        if ((int)apr_hash_count(c->stmts) >= c->stmt_cap) close_stmts(c);
        apr_hash_set(c->stmts, apr_pstrdup(c->pool, sql), APR_HASH_KEY_STRING, st);
        *cached = 1;
    }
    return st;
}

/* Bind, execute and fetch st.  Returns 0, or the MariaDB error number
 * with *errmsg set. */
static unsigned int run_stmt(pl_req *q, MYSQL_STMT *st, pl_dbres **out,
                             const pl_dbarg *args, int nargs, const char **errmsg)
{
    unsigned int err = 0;
    MYSQL_BIND *pb = NULL, *rb = NULL;
    MYSQL_RES *meta;
    unsigned long *lens = NULL;
    my_bool *nulls = NULL;
    pl_dbres *res;
    int i, ncols, row = 0;

    if (nargs) {
        pb = apr_pcalloc(q->pool, sizeof(*pb) * nargs);
        for (i = 0; i < nargs; i++) {
            switch (args[i].type) {
            case 's':
                if (!args[i].s) { pb[i].buffer_type = MYSQL_TYPE_NULL; break; }
                {
                    size_t n;       /* a NUL travels as PL_NUL_MARK: bound as itself */
                    pb[i].buffer_type = MYSQL_TYPE_STRING;
                    pb[i].buffer = (void *)pl_nul_unmark(q->pool, args[i].s, &n);
                    pb[i].buffer_length = (unsigned long)n;
                }
                break;
            case 'i':
                pb[i].buffer_type = MYSQL_TYPE_LONGLONG;
                pb[i].buffer = (void *)&args[i].i;
                break;
            case 'd':
                pb[i].buffer_type = MYSQL_TYPE_DOUBLE;
                pb[i].buffer = (void *)&args[i].d;
                break;
            default:
                pb[i].buffer_type = MYSQL_TYPE_NULL;
            }
        }
        if (mysql_stmt_bind_param(st, pb)) goto stmt_error;
    }
    if (mysql_stmt_execute(st)) goto stmt_error;

    res = apr_pcalloc(q->pool, sizeof(*res));
    meta = mysql_stmt_result_metadata(st);
    if (meta) {
        MYSQL_FIELD *fields;
        if (mysql_stmt_store_result(st)) { mysql_free_result(meta); goto stmt_error; }
        ncols = (int)mysql_num_fields(meta);
        fields = mysql_fetch_fields(meta);
        res->ncols = ncols;
        res->nrows = (int)mysql_stmt_num_rows(st);
        res->cells = apr_pcalloc(q->pool, sizeof(char *) * (size_t)(res->nrows * ncols + 1));
        rb = apr_pcalloc(q->pool, sizeof(*rb) * ncols);
        lens = apr_pcalloc(q->pool, sizeof(*lens) * ncols);
        nulls = apr_pcalloc(q->pool, sizeof(*nulls) * ncols);
        for (i = 0; i < ncols; i++) {
            unsigned long size = fields[i].max_length > 64 ? fields[i].max_length : 64;
            rb[i].buffer_type = MYSQL_TYPE_STRING;
            rb[i].buffer = apr_palloc(q->pool, size + 1);
            rb[i].buffer_length = size + 1;
            rb[i].length = &lens[i];
            rb[i].is_null = &nulls[i];
        }
        mysql_free_result(meta);
        if (mysql_stmt_bind_result(st, rb)) goto stmt_error;
        for (;;) {
            int rc = mysql_stmt_fetch(st);
            if (rc == MYSQL_NO_DATA) break;
            if (rc == 1) goto stmt_error;
            for (i = 0; i < ncols; i++) {
                char *v;
                if (nulls[i]) continue;
                v = apr_palloc(q->pool, lens[i] + 1);
                if (lens[i] >= rb[i].buffer_length) {   /* truncated: fetch it whole */
                    MYSQL_BIND one;
                    memset(&one, 0, sizeof(one));
                    one.buffer_type = MYSQL_TYPE_STRING;
                    one.buffer = v;
                    one.buffer_length = lens[i] + 1;
                    mysql_stmt_fetch_column(st, &one, (unsigned int)i, 0);
                }
                else memcpy(v, rb[i].buffer, lens[i]);
                v[lens[i]] = '\0';
                /* (memchr: pl_nul_mark looks at each byte) */
                res->cells[(size_t)row * ncols + i] =
                    memchr(v, 0, lens[i]) ? pl_nul_mark(q->pool, v, lens[i]) : v;
            }
            row++;
        }
        mysql_stmt_free_result(st);
    }
    res->affected = mysql_stmt_affected_rows(st);
    res->insert_id = mysql_stmt_insert_id(st);
    if (out) *out = res;
    return 0;

stmt_error:
    err = mysql_stmt_errno(st);
    *errmsg = apr_pstrdup(q->pool, mysql_stmt_error(st));
    mysql_stmt_free_result(st);
    mysql_stmt_reset(st);
    return err ? err : CR_UNKNOWN_ERROR;
}

/* The statement through the text protocol, its arguments written into the
 * SQL as literals: for when the server has no prepared statement to spare
 * (1461) and this connection none to give back.  Same result shape. */
static unsigned int run_text(pl_req *q, pl_db_conn *c, pl_dbres **out, const char *sql,
                             const pl_dbarg *args, int nargs, const char **errmsg)
{
    apr_array_header_t *parts = apr_array_make(q->pool, 2 * nargs + 1, sizeof(const char *));
    const char *p = sql, *text;
    MYSQL_RES *r;
    pl_dbres *res = apr_pcalloc(q->pool, sizeof(*res));
    int k = 0;
    while (*p) {
        const char *mark = strchr(p, '?');
        const char *lit;
        if (!mark || k >= nargs) { APR_ARRAY_PUSH(parts, const char *) = p; break; }
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrndup(q->pool, p, mark - p);
        switch (args[k].type) {
        case 's':
            if (!args[k].s) { lit = "NULL"; break; }
            {
                size_t n;
                const char *v = pl_nul_unmark(q->pool, args[k].s, &n);
                char *esc = apr_palloc(q->pool, 2 * n + 3);
                esc[0] = '\'';
                n = mysql_real_escape_string(c->m, esc + 1, v, (unsigned long)n);
                esc[n + 1] = '\'';
                esc[n + 2] = '\0';
                lit = esc;
            }
            break;
        case 'i': {
            char *b = apr_palloc(q->pool, 32);
            snprintf(b, 32, "%lld", args[k].i);
            lit = b;
            break;
        }
        case 'd': {
            char *b = apr_palloc(q->pool, 40);
            snprintf(b, 40, "%.17g", args[k].d);
            lit = b;
            break;
        }
        default: lit = "NULL";
        }
        APR_ARRAY_PUSH(parts, const char *) = lit;
        k++;
        p = mark + 1;
    }
    text = apr_array_pstrcat(q->pool, parts, 0);
    if (mysql_real_query(c->m, text, (unsigned long)strlen(text))) goto fail;
    if ((r = mysql_store_result(c->m))) {
        MYSQL_ROW row;
        int i, n = 0;
        res->ncols = (int)mysql_num_fields(r);
        res->nrows = (int)mysql_num_rows(r);
        res->cells = apr_pcalloc(q->pool, sizeof(char *) * ((size_t)res->nrows * res->ncols + 1));
        while ((row = mysql_fetch_row(r))) {
            unsigned long *lens = mysql_fetch_lengths(r);
            for (i = 0; i < res->ncols; i++)
                if (row[i]) res->cells[(size_t)n * res->ncols + i] =
                                pl_nul_mark(q->pool, apr_pstrmemdup(q->pool, row[i], lens[i]),
                                            lens[i]);
            n++;
        }
        mysql_free_result(r);
    }
    else if (mysql_field_count(c->m)) goto fail;
    res->affected = mysql_affected_rows(c->m);
    res->insert_id = mysql_insert_id(c->m);
    if (out) *out = res;
    return 0;
fail:
    *errmsg = apr_pstrdup(q->pool, mysql_error(c->m));
    return mysql_errno(c->m) ? mysql_errno(c->m) : CR_UNKNOWN_ERROR;
}

/* Execute once on connection c.  Returns 0, or the MariaDB error number
 * with *errmsg set; PL_DB_TIMEOUT when the server did not answer within
 * the read/write timeout (the connection is closed then: its state is
 * unknown, and trying again would wait as long once more). */
static unsigned int execute(pl_req *q, pl_db_conn *c, pl_dbres **out, const char *sql,
                            const pl_dbarg *args, int nargs, int once, const char **errmsg)
{
    unsigned int err = 0;
    int cached;
    apr_time_t start = apr_time_now();
    MYSQL_STMT *st = once ? NULL : prepare(q, c, sql, &cached, &err, errmsg);
    if (st) {
        err = run_stmt(q, st, out, args, nargs, errmsg);
        if (!cached) mysql_stmt_close(st);
    }
    else if ((once || err == ER_TOO_MANY_STMTS) && c->m)
        err = run_text(q, c, out, sql, args, nargs, errmsg);
    if (err && is_gone(err)
        && apr_time_now() - start >= apr_time_from_sec(io_timeout(c))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PL_LOGNO(291) "%s no answer from the "
                      "database within %u s: %s", q->request_id, io_timeout(c), *errmsg);
        disconnect(c);
        *errmsg = apr_psprintf(q->pool, "no answer within %u seconds", io_timeout(c));
        return PL_DB_TIMEOUT;
    }
    return err;
}

/* pl_db_exec, or (once) pl_db_query_once. */
static int exec_sql(pl_req *q, pl_dbres **res, const char *sql, const pl_dbarg *args, int nargs,
                    int once)
{
    pl_db_conn *c = acquire(q);
    unsigned int err;
    const char *msg = NULL;
    int attempt;

    if (!c) return PL_FAIL;
    if (c->doomed) {
        /* The transaction already ended (conflict or lost connection):
         * nothing more may run in it, or it would run outside any
         * transaction.  pl_db_txn runs the whole transaction again. */
        q->db_errno = (int)c->doomed;
        return pl_fail_db(q, PL_DBE_CONFLICT,
                          "Database conflict: the transaction was aborted");
    }
    for (attempt = 0; ; attempt++) {
        if (!c->m) {
            const char *cerr;
            if (connect_db(q, c, &cerr) != 0) {
                q->db_errno = CR_CONN_HOST_ERROR;
                return unavailable(q, cerr);
            }
        }
        err = execute(q, c, res, sql, args, nargs, once, &msg);
        q->db_errno = (int)err;
        if (!err && c->in_txn && !still_in_txn(c)) {
            /* The server ended the transaction without an error (see
             * still_in_txn): what ran before is rolled back, and what ran
             * after would run on its own, committed at once.  The whole
             * transaction again, as after a deadlock. */
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(208)
                          "%s the transaction ended without an error, after: %s",
                          q->request_id, sql);
            err = PL_ER_DEADLOCK;
            q->db_errno = (int)err;
            msg = "the transaction was ended by the server (Galera conflict)";
        }
        if (!err) return PL_OK;
        if (is_gone(err)) {
            int was_in_txn = c->in_txn;
            lost(c, err);
            /* Outside a transaction nothing is lost: reconnect (to the next
             * host of a failover list if this one is down) and retry.
             * Inside one, the transaction is gone; pl_db_txn runs it again. */
            if (!was_in_txn && (attempt < nhosts(c) || wait_for_ready(q, err))) continue;
            if (was_in_txn) c->doomed = err;
            return unavailable(q, msg);
        }
        if (is_conflict(err)) {
            if (c->in_txn) { c->doomed = err; break; }
            if (attempt < q->conf->allocation_conflict_retry_count) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(203)
                              "%s MariaDB error %u at statement, retried (%d)",
                              q->request_id, err, attempt + 1);
                continue;
            }
        }
        break;
    }
    if (err == PL_ER_DUP_ENTRY || is_conflict(err)
        || err == PL_ER_ROW_IS_REFERENCED || err == PL_ER_NO_REFERENCED_ROW)
        return pl_fail_db(q, PL_DBE_CONFLICT, "Database conflict: %s", msg);
    /* Text the utf8 (3-byte) columns cannot hold, or too long for its
     * column: the client's input, not our fault. */
    if (err == 1366 || err == 1406)
        return pl_fail_db(q, PL_DBE_BAD_INPUT, "%s", msg);
    if (err == PL_DB_TIMEOUT || err == ER_TOO_MANY_STMTS)
        return unavailable(q, msg);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PL_LOGNO(202) "%s SQL error %u: %s [%s]",
                  q->request_id, err, msg, sql);
    return pl_fail_db(q, PL_DBE_ERROR, "Database error %u: %s", err, msg);
}

int pl_db_exec(pl_req *q, pl_dbres **res, const char *sql, const pl_dbarg *args, int nargs)
{
    return exec_sql(q, res, sql, args, nargs, 0);
}

int pl_db_query_once(pl_req *q, pl_dbres **res, const char *sql)
{
    return exec_sql(q, res, sql, NULL, 0, 1);
}

int pl_db_query(pl_req *q, pl_dbres **res, const char *sql, const char *types, ...)
{
    int n = (int)strlen(types), i;
    pl_dbarg *args = n ? apr_pcalloc(q->pool, sizeof(*args) * n) : NULL;
    va_list ap;
    va_start(ap, types);
    for (i = 0; i < n; i++) {
        args[i].type = types[i];
        if (types[i] == 's') args[i].s = va_arg(ap, const char *);
        else if (types[i] == 'i') args[i].i = va_arg(ap, long long);
        else if (types[i] == 'd') args[i].d = va_arg(ap, double);
    }
    va_end(ap);
    return pl_db_exec(q, res, sql, args, n);
}

/* START TRANSACTION, or (snapshot) a read-only transaction whose reads
 * all see the database as it was when it started. */
static int begin(pl_req *q, pl_db_conn *c, int snapshot)
{
    unsigned int err = 0;
    int attempt;
    /* once a host, then while a node says it is not ready */
    for (attempt = 0; attempt <= nhosts(c) || wait_for_ready(q, err); attempt++) {
        const char *cerr;
        if (!c->m && connect_db(q, c, &cerr) != 0) {
            q->db_errno = CR_CONN_HOST_ERROR;
            return unavailable(q, cerr);
        }
        if (!snapshot) {
            if (mysql_query(c->m, "START TRANSACTION") == 0) {
                c->in_txn = 1;
                c->doomed = 0;
                return PL_OK;
            }
        }
        /* a session below REPEATABLE READ gets it for this transaction */
        else if ((c->repeatable_read
                  || mysql_query(c->m, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ") == 0)
                 && mysql_query(c->m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                    == 0) {
            c->in_txn = 1;
            c->doomed = 0;
            return PL_OK;
        }
        err = mysql_errno(c->m);
        if (!is_gone(err)) break;
        lost(c, err);
    }
    q->db_errno = (int)err;
    if (is_gone(err) || !c->m) return unavailable(q, "connection lost");
    return pl_fail_db(q, PL_DBE_ERROR, "Database error %u starting a transaction", err);
}

/* One run of fn in a transaction.  Returns PL_OK (committed), PL_RETRY
 * (run it again) or PL_FAIL; *err is the MariaDB error that ended it. */
static int txn_once(pl_req *q, pl_db_conn *c, pl_txn_fn fn, void *ctx, unsigned int *err,
                    const char **where)
{
    int rv;
    *err = 0;
    *where = "statement";
    if (begin(q, c, 0) != PL_OK) return PL_FAIL;
    rv = fn(q, ctx);
    if (c->doomed) {             /* whatever fn made of it */
        *err = c->doomed;
        q->db_errno = (int)*err;
        c->doomed = 0;
        if (c->m && c->in_txn && mysql_rollback(c->m)) disconnect(c);
        c->in_txn = 0;
        return PL_FAIL;
    }
    if (rv == PL_OK && c->m) {
        if (mysql_commit(c->m) == 0) {
            c->in_txn = 0;
            return PL_OK;
        }
        *err = mysql_errno(c->m);
        *where = "COMMIT";
        q->db_errno = (int)*err;
        if (is_gone(*err)) {
            /* The commit's fate is unknown: not guessed (pl_db_txn_checked
             * can settle it; otherwise a 503). */
            lost(c, *err);
            return unavailable(q, "connection lost during commit");
        }
        rv = PL_FAIL;
        if (!is_conflict(*err)) {
            /* Neither a conflict nor a lost connection: whether it was
             * committed is unknown, so not a 409 (a client would take
             * that as "nothing was done"). */
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PL_LOGNO(207)
                          "%s COMMIT failed with MariaDB error %u: %s", q->request_id,
                          *err, mysql_error(c->m));
            if (c->m && c->in_txn && mysql_rollback(c->m)) disconnect(c);
            c->in_txn = 0;
            return unavailable(q, "the commit failed");
        }
        pl_fail_db(q, PL_DBE_CONFLICT, "Database conflict at commit.");
    }
    else if (rv != PL_OK)
        *err = (unsigned int)q->db_errno;
    if (c->m && c->in_txn && mysql_rollback(c->m)) disconnect(c);
    c->in_txn = 0;
    return rv;
}

/* A COMMIT failed (cut off, or 1180) and reading whether it was applied
 * failed too: the answer says that the outcome is unknown (a client reads
 * before it tries again), whatever stopped the read. */
static int unknown_outcome(pl_req *q, const char *why)
{
    const char *detail = apr_pstrcat(q->pool, "the commit failed or its connection was lost, "
                                     "and whether it was applied could not be read: ",
                                     why ? why : "no answer", NULL);
    memset(&q->failure, 0, sizeof(q->failure));
    return unavailable(q, detail);
}

/* Whether an earlier run whose COMMIT was cut off is in the database:
 * check read on a new connection (connect_db: the next host when this one
 * is down), after the node has applied every write set it has received
 * (wsrep_sync_wait; an error where there is no such variable is ignored).
 * 1, 0, or PL_FAIL with the failure recorded. */
static int check_commit(pl_req *q, pl_db_conn *c, pl_txn_check_fn check, void *ctx)
{
    pl_failure saved = q->failure;
    const char *cerr;
    int rv;
    memset(&q->failure, 0, sizeof(q->failure));
    if (!c->m && connect_db(q, c, &cerr) != 0) return unknown_outcome(q, cerr);
    (void)mysql_query(c->m, "SET SESSION wsrep_sync_wait = 1");
    if (begin(q, c, 0) != PL_OK) return unknown_outcome(q, q->failure.detail);
    rv = check(q, ctx);
    if (c->doomed) {
        c->doomed = 0;
        rv = unknown_outcome(q, "the read was cut off too");
    }
    else if (rv == PL_FAIL)
        rv = unknown_outcome(q, q->failure.detail);
    if (c->m && c->in_txn && mysql_rollback(c->m)) disconnect(c);
    c->in_txn = 0;
    if (c->m) (void)mysql_query(c->m, "SET SESSION wsrep_sync_wait = DEFAULT");
    if (rv == 0) q->failure = saved;
    return rv;
}

/* A run after a COMMIT cut off failed (say 409: the consumer's generation
 * moved): the earlier COMMIT may have been applied after all, its write
 * set delivered late.  Success if check now finds it; otherwise the
 * failure stands. */
static int settle(pl_req *q, pl_db_conn *c, pl_txn_check_fn check, void *ctx, int unknown)
{
    pl_failure failed = q->failure;
    int db_errno = q->db_errno;
    int applied;
    if (!unknown || !check || pl_failed_server_side(q)) return PL_FAIL;
    applied = check_commit(q, c, check, ctx);
    if (applied == 1) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(209)
                      "%s the COMMIT cut off earlier was applied", q->request_id);
        memset(&q->failure, 0, sizeof(q->failure));
        return PL_OK;
    }
    if (applied != 0) return PL_FAIL;   /* still unknown, and check_commit's 503 says so */
    q->failure = failed;
    q->db_errno = db_errno;
    return PL_FAIL;
}

int pl_db_txn(pl_req *q, pl_txn_fn fn, void *ctx)
{
    return pl_db_txn_checked(q, fn, NULL, ctx);
}

int pl_db_txn_checked(pl_req *q, pl_txn_fn fn, pl_txn_check_fn check, void *ctx)
{
    pl_db_conn *c = acquire(q);
    int tries = q->conf->allocation_conflict_retry_count + 1, attempt, reconnects = 0;
    int unknown = 0;        /* a COMMIT failed: settle a failure by check */
    if (!c) return PL_FAIL;

    for (attempt = 0; attempt < tries; attempt++) {
        unsigned int err;
        const char *where;
        int rv;
        memset(&q->failure, 0, sizeof(q->failure));
        q->db_errno = 0;
        rv = txn_once(q, c, fn, ctx, &err, &where);
        if (rv == PL_OK) return PL_OK;
        /* A COMMIT that failed for another reason than a conflict (a lost
         * connection; with Galera also 1180 when the node left the primary
         * component as it committed): whether it was applied is read. */
        if (rv != PL_RETRY && check && err && !is_conflict(err) && !strcmp(where, "COMMIT")) {
            int applied;
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(209)
                          "%s MariaDB error %u at COMMIT: reading whether it was applied",
                          q->request_id, err);
            unknown = 1;
            applied = check_commit(q, c, check, ctx);
            if (applied == 1) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(209)
                              "%s the COMMIT that failed was applied", q->request_id);
                memset(&q->failure, 0, sizeof(q->failure));
                return PL_OK;
            }
            if (applied != 0) return PL_FAIL;
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(209)
                          "%s the COMMIT that failed was not applied: transaction run again",
                          q->request_id);
            if (reconnects++ >= nhosts(c)) return PL_FAIL;
            continue;
        }
        if (rv != PL_RETRY) {
            /* Deadlock, certification failure, lock wait or changed record,
             * at a statement or at COMMIT: the whole transaction again.
             * A lost connection: again on a new one (another host). */
            if (is_conflict(err)) {
                if (attempt + 1 < tries)
                    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(203)
                                  "%s MariaDB error %u at %s, transaction retried (%d)",
                                  q->request_id, err, where, attempt + 1);
            }
            else if (is_gone(err) && strcmp(where, "COMMIT") && reconnects++ < nhosts(c)) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(204)
                              "%s MariaDB error %u (connection lost) at %s, "
                              "transaction run again", q->request_id, err, where);
            }
            else if (strcmp(where, "COMMIT") && wait_for_ready(q, err)) {
                attempt--;      /* a wait for a ready node is not a conflict's try */
                continue;
            }
            else return settle(q, c, check, ctx, unknown);
        }
        /* a short pause, growing and varied, spreads out writers that collided */
        {
            unsigned char jitter;
            apr_generate_random_bytes(&jitter, 1);
            apr_sleep((apr_interval_time_t)(jitter * 20) * (attempt + 1));
        }
    }
    if (!q->failure.status)
        pl_fail_db(q, PL_DBE_CONFLICT, "Another thread concurrently updated "
                   "the data. Please retry your update");
    return settle(q, c, check, ctx, unknown);
}

int pl_db_snapshot(pl_req *q)
{
    pl_db_conn *c = acquire(q);
    if (!c) return PL_FAIL;
    if (c->in_txn) return PL_OK;
    return begin(q, c, 1);
}

int pl_db_exec_in(pl_req *q, pl_dbres **res, const char *head, const char *tail,
                  const pl_dbarg *args, int nargs)
{
    pl_dbres *all = apr_pcalloc(q->pool, sizeof(*all)), *part;
    apr_array_header_t *cells = apr_array_make(q->pool, 16, sizeof(const char *));
    int done = 0;
    do {
        int n = nargs - done < PL_DB_IN_BATCH ? nargs - done : PL_DB_IN_BATCH;
        const char *sql = apr_pstrcat(q->pool, head, "(", pl_db_placeholders(q->pool, n), ")",
                                      tail, NULL);
        size_t k, ncells;
        if (pl_db_exec(q, &part, sql, args + done, n) != PL_OK) return PL_FAIL;
        ncells = (size_t)part->nrows * part->ncols;
        for (k = 0; k < ncells; k++)
            APR_ARRAY_PUSH(cells, const char *) = part->cells[k];
        all->ncols = part->ncols;
        all->nrows += part->nrows;
        all->affected += part->affected;
        done += n;
    } while (done < nargs);
    APR_ARRAY_PUSH(cells, const char *) = NULL;
    all->cells = (const char **)cells->elts;
    if (res) *res = all;
    return PL_OK;
}

int pl_db_exec_strs(pl_req *q, pl_dbres **res, const char *head, const char *tail,
                    const apr_array_header_t *vals)
{
    pl_dbarg *args = apr_pcalloc(q->pool, sizeof(*args) * (vals->nelts + 1));
    int i;
    for (i = 0; i < vals->nelts; i++) {
        args[i].type = 's';
        args[i].s = APR_ARRAY_IDX(vals, i, const char *);
    }
    return pl_db_exec(q, res, apr_pstrcat(q->pool, head, "(",
                                          pl_db_placeholders(q->pool, vals->nelts), ")",
                                          tail, NULL),
                      args, vals->nelts);
}
