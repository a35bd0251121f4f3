/* MariaDB access: a per-process connection pool (apr_reslist, safe under
 * the event MPM), prepared statements cached per connection, transactions
 * with retries, and recovery when the server goes away. */
#ifndef PL_DB_H
#define PL_DB_H

#include "placement.h"

/* MariaDB error numbers the handlers look at. */
#define PL_ER_DUP_ENTRY      1062
#define PL_ER_LOCK_WAIT      1205
#define PL_ER_DEADLOCK       1213
#define PL_ER_ROW_IS_REFERENCED 1451
#define PL_ER_NO_REFERENCED_ROW 1452

/* How a database call failed, as the domain sees it; http.c's pl_fail_db
 * maps each to its HTTP answer (409 placement.concurrent_update, 400, 503,
 * 500). */
typedef enum {
    PL_DBE_CONFLICT,       /* another writer won, or the transaction ended */
    PL_DBE_BAD_INPUT,      /* text a column cannot hold */
    PL_DBE_UNAVAILABLE,    /* unreachable, timed out, or a commit's fate unknown */
    PL_DBE_ERROR           /* anything else */
} pl_db_error;

typedef struct pl_dbpool pl_dbpool;

/* post_config: remember the configuration (no connection yet). */
pl_dbpool *pl_dbpool_create(apr_pool_t *p, server_rec *s, pl_server_conf *conf);
/* child_init: build this process's reslist. */
apr_status_t pl_dbpool_child_init(pl_dbpool *pool, apr_pool_t *p);

/* A result: every cell as text (NULL for SQL NULL), row-major. */
typedef struct pl_dbres {
    int nrows, ncols;
    const char **cells;
    unsigned long long affected;
    unsigned long long insert_id;
} pl_dbres;

#define PL_CELL(res, row, col) ((res)->cells[(size_t)(row) * (res)->ncols + (col)])
long long pl_cell_int(const pl_dbres *res, int row, int col);
double pl_cell_double(const pl_dbres *res, int row, int col);

/* One bound parameter: 's' text (NULL binds SQL NULL), 'i' integer, 'd' double. */
typedef struct pl_dbarg {
    char type;
    const char *s;
    long long i;
    double d;
} pl_dbarg;

/* Run sql with parameters; res may be NULL when no result is wanted.
 * PL_OK, or PL_FAIL with a failure recorded (pl_fail_db: PL_DBE_ERROR, or
 * PL_DBE_UNAVAILABLE when the database cannot be reached, ...) and
 * q->db_errno set. */
int pl_db_exec(pl_req *q, pl_dbres **res, const char *sql, const pl_dbarg *args, int nargs);
/* Same with a type string: pl_db_query(q, &res, "... ? ?", "si", "x", 3LL).
 * 'i' takes a long long, 's' a const char *, 'd' a double. */
int pl_db_query(pl_req *q, pl_dbres **res, const char *sql, const char *types, ...);
/* A statement without parameters built to run once (literal id lists):
 * sent as text, one round trip with no statement prepared or cached, the
 * cells as the server writes them.  Results and failures as pl_db_exec. */
int pl_db_query_once(pl_req *q, pl_dbres **res, const char *sql);

/* Run fn inside a transaction: commit when it returns PL_OK; roll back
 * otherwise.  PL_RETRY from fn, deadlocks and lock-wait timeouts run it
 * again, up to the configured allocation_conflict_retry_count; after that
 * the failure fn recorded (or 409 placement.concurrent_update) stands. */
typedef int (*pl_txn_fn)(pl_req *q, void *ctx);
int pl_db_txn(pl_req *q, pl_txn_fn fn, void *ctx);

/* Whether what a transaction of fn wrote is in the database, read inside
 * a transaction on the connection pl_db_txn_checked gives it: 1 yes, 0 no,
 * PL_FAIL when the reads failed (the failure recorded). */
typedef int (*pl_txn_check_fn)(pl_req *q, void *ctx);
/* pl_db_txn, but a COMMIT whose connection died (its outcome unknown) is
 * settled by check, read on a new connection (the next host of a failover
 * list) with causal reads on Galera: applied is success, not applied runs
 * the transaction again (Galera certification lets at most one of the two
 * commit).  Without it, or when the check cannot read, that is a 503. */
int pl_db_txn_checked(pl_req *q, pl_txn_fn fn, pl_txn_check_fn check, void *ctx);

/* Read the rest of the request from one consistent snapshot: a read-only
 * transaction (REPEATABLE READ) that lasts until the request gives its
 * connection back.  For reads that answer a generation together with data
 * from more than one statement, so the generation belongs to that data (a
 * single statement is consistent by itself).  PL_OK, or PL_FAIL with the
 * failure recorded.  Inside a transaction already, it changes nothing. */
int pl_db_snapshot(pl_req *q);

/* A list of n '?' separated by commas, for IN (...) clauses. */
const char *pl_db_placeholders(apr_pool_t *p, int n);

/* head (?,?,...) tail for an IN list of nargs arguments, run in batches of
 * PL_DB_IN_BATCH (MariaDB takes at most 65,535 placeholders) with the rows
 * of all batches in one result (so no ORDER BY or LIMIT across them). */
#define PL_DB_IN_BATCH 1000
/* head (?,?,...) tail with the strings of vals (const char *) as the
 * arguments, in one statement. */
int pl_db_exec_strs(pl_req *q, pl_dbres **res, const char *head, const char *tail,
                    const apr_array_header_t *vals);
int pl_db_exec_in(pl_req *q, pl_dbres **res, const char *head, const char *tail,
                  const pl_dbarg *args, int nargs);

#endif
