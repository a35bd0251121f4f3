/* Writing allocations (see allocation_write.h).
 *
 * Lock order, the same for every writer, so that concurrent writes queue
 * instead of deadlocking:
 *   0. the providers named in the body, SELECT ... FOR UPDATE by primary
 *      key in id order (their ids resolved before the transaction, so no
 *      range lock on the uuid index holds up provider creation), before
 *      any plain read: the snapshot the transaction then takes is current
 *      for them (every writer of their allocations or inventories holds
 *      that row lock until it commits);
 *   1. plain (snapshot) reads of everything else - no locks;
 *   2. the providers the consumers' old allocations are on must be among
 *      them: when one is not, the transaction runs again with it added to
 *      step 0 (locking it late could deadlock);
 *   3. capacity, checked on what steps 0 and 1 read (nothing written yet);
 *   4. writes: new consumer types, projects, users (plain INSERTs; a
 *      duplicate means another request created it meanwhile: run again);
 *      consumers, in uuid order: INSERT for new ones, for existing ones an
 *      UPDATE guarded by the snapshot's generation; old allocation rows,
 *      deleted by primary key only, then inserts;
 *   5. a new generation for every provider touched (locked in 0).
 * pl_alloc_write_body runs these steps as the functions of write_steps[],
 * in this order, over one wctx that carries what each step found.
 * No locking read ever scans a range of allocations or consumers, so no
 * gap locks are taken there: two new consumers never block each other.
 * Nothing is written before every check passed, and all of it is one
 * transaction: a failed write leaves no row behind. */
#include "allocation_write.h"
#include "capacity.h"
#include "db.h"
#include "http.h"
#include "objects.h"
#include "strutil.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <http_log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONCURRENT_TEXT "Inventory and/or allocations changed while attempting to " \
    "allocate: Another thread concurrently updated the resource provider data. " \
    "Please retry your update"
#define CONSUMER_CONCURRENT_TEXT "Inventory and/or allocations changed while " \
    "attempting to allocate: Another thread concurrently updated the data. " \
    "Please retry your update"

typedef struct prov {
    long long id;
    const char *uuid;           /* as stored */
    long long gen;              /* in the snapshot */
    int touched;                /* generation to be bumped */
    int locked;                 /* row locked before the snapshot */
} prov;

typedef struct old_alloc {
    long long id;
    prov *rp;
    long long rc_id;
    const char *rc;
    long long used;
} old_alloc;

/* One line of the list upstream checks: new amounts, and the existing
 * allocations of emptied consumers with used 0. */
typedef struct line {
    prov *rp;
    long long rc_id;
    const char *rc;
    long long used;
} line;

typedef struct cons {
    pl_alloc_consumer *in;
    int exists;
    long long id, gen, project_id, user_id;
    const char *type_id;        /* NULL: SQL NULL */
    apr_array_header_t *old;    /* old_alloc */
} cons;

/* a provider's inventory of a class, as step 3 checks it */
typedef pl_claim_inv inv;

/* Decimal text of an integer (apr's formatter knows no %lld). */
static const char *ll(apr_pool_t *p, long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", v);
    return apr_pstrdup(p, buf);
}

/* Log deadlocks and lock waits (pl_db_txn retries them) so they can be
 * counted in the error log. */
static int note(pl_req *q, int rv)
{
    if (rv != PL_OK && (q->db_errno == PL_ER_DEADLOCK || q->db_errno == PL_ER_LOCK_WAIT))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(611)
                      "%s allocation write: MariaDB error %d, transaction retried",
                      q->request_id, q->db_errno);
    return rv;
}

/* A conflict another request caused: ask pl_db_txn to run us again. */
static int retry(pl_req *q, const char *why, const char *text)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, PL_LOGNO(612)
                  "%s allocation write retried: %s", q->request_id, why);
    pl_fail_db(q, PL_DBE_CONFLICT, "%s", text);
    return PL_RETRY;
}

/* Rows of a multi-row INSERT per statement: the SQL stays the same for
 * full batches (one cached statement) and far below MariaDB's 65,535
 * placeholders. */
#define INSERT_BATCH 500

/* head tuple, tuple, ... for n rows of width arguments each, in batches. */
static int insert_rows(pl_req *q, const char *head, const char *tuple, int width,
                       const pl_dbarg *args, int n)
{
    size_t hl = strlen(head), tl = strlen(tuple);
    int done = 0;
    while (done < n) {
        int rows = n - done < INSERT_BATCH ? n - done : INSERT_BATCH, k;
        char *sql = apr_palloc(q->pool, hl + (size_t)rows * (tl + 2) + 1), *o = sql;
        memcpy(o, head, hl);
        o += hl;
        for (k = 0; k < rows; k++) {
            if (k) { memcpy(o, ", ", 2); o += 2; }
            memcpy(o, tuple, tl);
            o += tl;
        }
        *o = '\0';
        if (note(q, pl_db_exec(q, NULL, sql, args + (size_t)done * width, rows * width))
            != PL_OK)
            return PL_FAIL;
        done += rows;
    }
    return PL_OK;
}

/* sql_head (?, ?, ...) sql_tail with string values. */
static int query_strs(pl_req *q, pl_dbres **res, const char *head, const char *tail,
                      apr_array_header_t *vals)
{
    return note(q, pl_db_exec_strs(q, res, head, tail, vals));
}

static int query_ids(pl_req *q, pl_dbres **res, const char *head, const char *mid,
                     apr_array_header_t *ids, const char *mid2,
                     apr_array_header_t *ids2, const char *tail)
{
    int n = ids->nelts + (ids2 ? ids2->nelts : 0), i, k = 0;
    pl_dbarg *args = apr_pcalloc(q->pool, sizeof(*args) * (n + 1));
    const char *sql;
    for (i = 0; i < ids->nelts; i++, k++) {
        args[k].type = 'i';
        args[k].i = APR_ARRAY_IDX(ids, i, long long);
    }
    for (i = 0; ids2 && i < ids2->nelts; i++, k++) {
        args[k].type = 'i';
        args[k].i = APR_ARRAY_IDX(ids2, i, long long);
    }
    sql = apr_pstrcat(q->pool, head, mid, "(", pl_db_placeholders(q->pool, ids->nelts), ")",
                      ids2 ? mid2 : "", ids2 ? "(" : "",
                      ids2 ? pl_db_placeholders(q->pool, ids2->nelts) : "",
                      ids2 ? ")" : "", tail, NULL);
    return note(q, pl_db_exec(q, res, sql, args, n));
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_cons(const void *a, const void *b)
{
    return strcmp((*(cons *const *)a)->in->uuid, (*(cons *const *)b)->in->uuid);
}

/* One name's row by the column's own comparison (its collation: "café"
 * is "cafe", "BOB" is "bob" in upstream's utf8_general_ci), as upstream's
 * lookup reads it; lock: a current (locking) read, which sees rows
 * committed after the snapshot and this transaction's own. */
static int lookup_one(pl_req *q, const char *table, const char *col, const char *name,
                      int lock, apr_hash_t *ids)
{
    pl_dbres *res;
    if (note(q, pl_db_query(q, &res, apr_psprintf(q->pool, "SELECT id FROM %s WHERE %s = ?%s",
                                                  table, col, lock ? " LOCK IN SHARE MODE" : ""),
                            "s", name)) != PL_OK)
        return PL_FAIL;
    if (res->nrows)
        apr_hash_set(ids, name, APR_HASH_KEY_STRING, PL_CELL(res, 0, 0));
    return PL_OK;
}

/* external id -> internal id for projects/users/consumer types (looked up
 * in the snapshot, inserted later), keyed by the name as sent.  The
 * database decides which row a name is, as it does for the unique key:
 * names stored as sent are found at once; when the IN query matched a row
 * by the collation instead, each name not yet found asks on its own. */
static int lookup_names(pl_req *q, const char *table, const char *col,
                        apr_array_header_t *names, apr_hash_t *ids)
{
    apr_hash_t *found = apr_hash_make(q->pool);
    int i, other, exact = 0;
    if (note(q, pl_name_ids(q, table, col, names, found)) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        const char *id = apr_hash_get(found, n, APR_HASH_KEY_STRING);
        if (id) {
            apr_hash_set(ids, n, APR_HASH_KEY_STRING, id);
            exact++;
        }
    }
    other = (int)apr_hash_count(found) > exact;   /* names are unique */
    for (i = 0; other && i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        if (!apr_hash_get(ids, n, APR_HASH_KEY_STRING)
            && lookup_one(q, table, col, n, 0, ids) != PL_OK)
            return PL_FAIL;
    }
    return PL_OK;
}

/* Insert the names missing from ids (sorted order: the lock order).  A
 * duplicate is a name equal to one inserted just before under the
 * column's collation ("cafe" and "café" in one request), or one committed
 * meanwhile: either is read back; only a row still not seen retries. */
static int create_names(pl_req *q, const char *table, const char *col,
                        apr_array_header_t *names, apr_hash_t *ids)
{
    int i;
    qsort(names->elts, names->nelts, sizeof(const char *), cmp_str);
    for (i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        pl_dbres *res;
        if (apr_hash_get(ids, n, APR_HASH_KEY_STRING)) continue;
        if (note(q, pl_db_query(q, &res, apr_psprintf(q->pool, "INSERT INTO %s (%s, "
                                "created_at) VALUES (?, UTC_TIMESTAMP())", table, col),
                                "s", n)) != PL_OK) {
            if (q->db_errno != PL_ER_DUP_ENTRY)
                return PL_FAIL;
            memset(&q->failure, 0, sizeof(q->failure));
            if (lookup_one(q, table, col, n, 1, ids) != PL_OK)
                return PL_FAIL;
            if (apr_hash_get(ids, n, APR_HASH_KEY_STRING))
                continue;
            return retry(q, apr_psprintf(q->pool, "%s %s created concurrently",
                                         table, n), CONSUMER_CONCURRENT_TEXT);
        }
        apr_hash_set(ids, n, APR_HASH_KEY_STRING, ll(q->pool, (long long)res->insert_id));
    }
    return PL_OK;
}

static const char *hget(apr_hash_t *h, const char *k)
{
    return apr_hash_get(h, k, APR_HASH_KEY_STRING);
}

/* One run of pl_alloc_write_body: what each step reads and decides, for
 * the steps after it.  Made anew on every run (pl_db_txn may run the body
 * several times); only w->extra_rp_uuids and w->rp_ids outlive a run. */
/* The names a consumer refers to, each kind in a table of its own; new
 * ones are created in this order. */
enum { NAME_TYPE, NAME_PROJECT, NAME_USER, NAME_KINDS };
static const struct { const char *table, *column; } name_tables[NAME_KINDS] = {
    [NAME_TYPE] = {"consumer_types", "name"},
    [NAME_PROJECT] = {"projects", "external_id"},
    [NAME_USER] = {"users", "external_id"},
};

typedef struct wctx {
    pl_req *q;
    apr_pool_t *p;
    pl_alloc_request *w;
    int nc;
    cons *cs;                       /* the consumers, body order */
    apr_hash_t *by_uuid;            /* lower uuid -> prov, locked in step 0 */
    apr_hash_t *by_id;              /* id text -> prov, locked or not */
    apr_array_header_t *rp_uuids;   /* providers to lock in step 0 */
    apr_hash_t *seen_rc;            /* class names of the body */
    apr_array_header_t *rcs;        /* ... as a list */
    apr_hash_t *rc_ids;             /* class name -> id text */
    apr_array_header_t *uuids;      /* consumer uuids, body order */
    apr_array_header_t *names[NAME_KINDS];  /* project/user external ids, type names */
    apr_hash_t *name_ids[NAME_KINDS];       /* name as sent -> id text */
    apr_array_header_t *old_ids;    /* the consumers' allocation rows */
    apr_array_header_t *lines;      /* line: what step 3 checks */
    apr_array_header_t *lock_ids;   /* ids of the providers touched, sorted */
} wctx;

static wctx *wctx_make(pl_req *q, pl_alloc_request *w)
{
    apr_pool_t *p = q->pool;
    wctx *s = apr_pcalloc(p, sizeof(*s));
    int k;
    s->q = q;
    s->p = p;
    s->w = w;
    s->nc = w->consumers->nelts;
    s->cs = apr_pcalloc(p, sizeof(*s->cs) * (s->nc + 1));
    s->by_uuid = apr_hash_make(p);
    s->by_id = apr_hash_make(p);
    s->rp_uuids = apr_array_make(p, 8, sizeof(const char *));
    s->seen_rc = apr_hash_make(p);
    s->rcs = apr_array_make(p, 8, sizeof(const char *));
    s->rc_ids = apr_hash_make(p);
    s->uuids = apr_array_make(p, s->nc, sizeof(const char *));
    for (k = 0; k < NAME_KINDS; k++) {
        s->names[k] = apr_array_make(p, 2, sizeof(const char *));
        s->name_ids[k] = apr_hash_make(p);
    }
    s->old_ids = apr_array_make(p, 8, sizeof(long long));
    s->lines = apr_array_make(p, 8, sizeof(line));
    s->lock_ids = apr_array_make(p, 8, sizeof(long long));
    return s;
}

/* 0. The providers named in the body are locked first, before any plain
 * read takes the snapshot, so the snapshot is current for them: concurrent
 * writers queue here instead of retrying.  (By primary key in id order,
 * the same for every multi-provider writer.) */
static int lock_named_providers(wctx *s)
{
    pl_req *q = s->q;
    pl_alloc_request *w = s->w;
    apr_pool_t *p = s->p;
    apr_hash_t *seen = apr_hash_make(p);
    pl_dbres *res;
    int i, j;
    for (i = 0; i < s->nc; i++) {
        apr_array_header_t *items = APR_ARRAY_IDX(w->consumers, i, pl_alloc_consumer).items;
        for (j = 0; j < items->nelts; j++) {
            pl_alloc_item *it = &APR_ARRAY_IDX(items, j, pl_alloc_item);
            pl_add_unique(seen, s->rp_uuids, pl_lower(p, it->rp_uuid));
            pl_add_unique(s->seen_rc, s->rcs, it->rc);
        }
    }
    /* ... and, on a second run, those the old allocations were found on */
    for (i = 0; w->extra_rp_uuids && i < w->extra_rp_uuids->nelts; i++)
        pl_add_unique(seen, s->rp_uuids, APR_ARRAY_IDX(w->extra_rp_uuids, i, const char *));
    if (!w->rp_ids) w->rp_ids = apr_hash_make(q->pool);     /* nothing resolved */
    if (s->rp_uuids->nelts) {
        if (note(q, pl_providers_lock(q, s->rp_uuids, w->rp_ids, &res)) != PL_OK)
            return PL_FAIL;
        for (i = 0; i < res->nrows; i++) {
            prov *rp = apr_pcalloc(p, sizeof(*rp));
            rp->id = pl_cell_int(res, i, PL_LOCK_ID);
            rp->uuid = PL_CELL(res, i, PL_LOCK_UUID);
            rp->gen = pl_cell_int(res, i, PL_LOCK_GENERATION);
            rp->locked = 1;
            apr_hash_set(s->by_uuid, pl_lower(p, rp->uuid), APR_HASH_KEY_STRING, rp);
            apr_hash_set(s->by_id, PL_CELL(res, i, PL_LOCK_ID), APR_HASH_KEY_STRING, rp);
        }
    }
    return PL_OK;
}

/* 1. Snapshot reads.  The consumers first: their rows, by column name. */
#define CONSUMER_COLUMNS "id, uuid, generation, project_id, user_id, consumer_type_id"
enum { CO_ID, CO_UUID, CO_GEN, CO_PROJECT_ID, CO_USER_ID, CO_TYPE_ID };

static void consumer_from_row(cons *c, const pl_dbres *res, int i)
{
    c->exists = 1;
    c->id = pl_cell_int(res, i, CO_ID);
    c->gen = pl_cell_int(res, i, CO_GEN);
    c->project_id = pl_cell_int(res, i, CO_PROJECT_ID);
    c->user_id = pl_cell_int(res, i, CO_USER_ID);
    c->type_id = PL_CELL(res, i, CO_TYPE_ID);
}

static int read_consumers(wctx *s)
{
    pl_req *q = s->q;
    apr_pool_t *p = s->p;
    cons *cs = s->cs;
    apr_hash_t *seen_p = apr_hash_make(p), *seen_u = apr_hash_make(p);
    apr_hash_t *seen_t = apr_hash_make(p);
    pl_dbres *res;
    int i, j;
    for (i = 0; i < s->nc; i++) {
        cs[i].in = &APR_ARRAY_IDX(s->w->consumers, i, pl_alloc_consumer);
        cs[i].old = apr_array_make(p, 4, sizeof(old_alloc));
        APR_ARRAY_PUSH(s->uuids, const char *) = cs[i].in->uuid;
        pl_add_unique(seen_p, s->names[NAME_PROJECT], cs[i].in->project_id);
        pl_add_unique(seen_u, s->names[NAME_USER], cs[i].in->user_id);
        if (cs[i].in->consumer_type)
            pl_add_unique(seen_t, s->names[NAME_TYPE], cs[i].in->consumer_type);
    }
    if (query_strs(q, &res, "SELECT " CONSUMER_COLUMNS " FROM consumers WHERE uuid IN ", "",
                   s->uuids) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++)
        for (j = 0; j < s->nc; j++)
            if (!strcasecmp(PL_CELL(res, i, CO_UUID), cs[j].in->uuid))
                consumer_from_row(&cs[j], res, i);
    return PL_OK;
}

/* Consumer generations, in body order as upstream checks them. */
static int check_consumer_generations(wctx *s)
{
    pl_req *q = s->q;
    apr_pool_t *p = s->p;
    cons *cs = s->cs;
    int i;
    for (i = 0; i < s->nc; i++) {
        pl_alloc_consumer *c = cs[i].in;
        if (!c->check_generation) continue;
        if (cs[i].exists && (c->generation_null || c->generation != cs[i].gen))
            return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "consumer generation conflict "
                           "- expected %s but got %s", ll(p, cs[i].gen), c->generation_null
                           ? "None" : ll(p, c->generation));
        if (!cs[i].exists && !c->generation_null)
            return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "consumer generation conflict "
                           "- expected null but got %s", ll(p, c->generation));
    }
    return PL_OK;
}

/* The consumers' current allocations (all of them are replaced), with
 * their providers and class names. */
#define OLD_ALLOC_COLUMNS \
    "a.id, a.consumer_id, a.resource_provider_id, a.resource_class_id, a.used, " \
    "rp.uuid, rp.generation, rc.name"
enum { OA_ID, OA_CONSUMER, OA_RP_ID, OA_RC_ID, OA_USED, OA_RP_UUID, OA_RP_GEN, OA_RC_NAME };

static void old_alloc_from_row(old_alloc *o, prov *rp, const pl_dbres *res, int i)
{
    o->id = pl_cell_int(res, i, OA_ID);
    o->rp = rp;
    o->rc_id = pl_cell_int(res, i, OA_RC_ID);
    o->rc = PL_CELL(res, i, OA_RC_NAME) ? PL_CELL(res, i, OA_RC_NAME) : "";
    o->used = pl_cell_int(res, i, OA_USED);
}

static int read_old_allocations(wctx *s)
{
    pl_req *q = s->q;
    apr_pool_t *p = s->p;
    cons *cs = s->cs;
    pl_dbres *res;
    int i, j;
    if (query_strs(q, &res, "SELECT " OLD_ALLOC_COLUMNS " "
                   "FROM allocations a JOIN resource_providers rp "
                   "ON rp.id = a.resource_provider_id "
                   "LEFT JOIN resource_classes rc ON rc.id = a.resource_class_id "
                   "WHERE a.consumer_id IN ", " ORDER BY a.id", s->uuids) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        prov *rp = apr_hash_get(s->by_id, PL_CELL(res, i, OA_RP_ID), APR_HASH_KEY_STRING);
        old_alloc *o = NULL;
        if (!rp) {
            rp = apr_pcalloc(p, sizeof(*rp));
            rp->id = pl_cell_int(res, i, OA_RP_ID);
            rp->uuid = PL_CELL(res, i, OA_RP_UUID);
            rp->gen = pl_cell_int(res, i, OA_RP_GEN);
            apr_hash_set(s->by_id, PL_CELL(res, i, OA_RP_ID), APR_HASH_KEY_STRING, rp);
        }
        rp->touched = 1;
        for (j = 0; j < s->nc; j++)
            if (!strcasecmp(PL_CELL(res, i, OA_CONSUMER), cs[j].in->uuid)) {
                o = apr_array_push(cs[j].old);
                break;
            }
        if (!o) continue;
        old_alloc_from_row(o, rp, res, i);
        APR_ARRAY_PUSH(s->old_ids, long long) = o->id;
    }
    return PL_OK;
}

/* Unknown providers: 400, first one in body order. */
static int check_providers_exist(wctx *s)
{
    int i, j;
    for (i = 0; i < s->nc; i++)
        for (j = 0; j < s->cs[i].in->items->nelts; j++) {
            pl_alloc_item *it = &APR_ARRAY_IDX(s->cs[i].in->items, j, pl_alloc_item);
            if (!apr_hash_get(s->by_uuid, pl_lower(s->p, it->rp_uuid), APR_HASH_KEY_STRING))
                return pl_fail(s->q, 400, NULL, "Allocation for resource provider '%s' that "
                               "does not exist.", it->rp_uuid);
        }
    return PL_OK;
}

/* Resource classes, and the lines to check: the new amounts, or for an
 * emptied consumer its old allocations with used 0. */
static int read_classes_make_lines(wctx *s)
{
    pl_req *q = s->q;
    apr_pool_t *p = s->p;
    cons *cs = s->cs;
    int i, j;
    if (note(q, pl_name_ids(q, "resource_classes", "name", s->rcs, s->rc_ids)) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < s->nc; i++) {
        pl_alloc_consumer *c = cs[i].in;
        if (c->items->nelts == 0) {
            for (j = 0; j < cs[i].old->nelts; j++) {
                old_alloc *o = &APR_ARRAY_IDX(cs[i].old, j, old_alloc);
                line *l = apr_array_push(s->lines);
                l->rp = o->rp;
                l->rc_id = o->rc_id;
                l->rc = o->rc;
                l->used = 0;
            }
            continue;
        }
        for (j = 0; j < c->items->nelts; j++) {
            pl_alloc_item *it = &APR_ARRAY_IDX(c->items, j, pl_alloc_item);
            const char *id = hget(s->rc_ids, it->rc);
            line *l;
            if (!id) {
                if (s->w->post)
                    return pl_fail(q, 400, NULL, "Unable to allocate inventory No such "
                                   "resource class %s.", it->rc);
                return pl_fail(q, 400, NULL, "Unable to allocate inventory for consumer "
                               "%s: No such resource class %s.", c->uuid, it->rc);
            }
            l = apr_array_push(s->lines);
            l->rp = apr_hash_get(s->by_uuid, pl_lower(p, it->rp_uuid), APR_HASH_KEY_STRING);
            l->rp->touched = 1;
            l->rc_id = atoll(id);
            l->rc = it->rc;
            l->used = it->used;
        }
    }
    return PL_OK;
}

/* Projects, users and consumer types that already exist. */
static int read_names(wctx *s)
{
    int k;
    for (k = 0; k < NAME_KINDS; k++)
        if (lookup_names(s->q, name_tables[k].table, name_tables[k].column, s->names[k],
                         s->name_ids[k]) != PL_OK)
            return PL_FAIL;
    return PL_OK;
}

/* 2. The providers the consumers' old allocations are on must be locked
 * too. */
static int check_late_providers(wctx *s)
{
    pl_req *q = s->q;
    pl_alloc_request *w = s->w;
    apr_pool_t *p = s->p;
    apr_array_header_t *late_ids = apr_array_make(p, 4, sizeof(long long));
    apr_hash_index_t *hi;
    int i;
    for (hi = apr_hash_first(p, s->by_id); hi; hi = apr_hash_next(hi)) {
        void *v;
        apr_hash_this(hi, NULL, NULL, &v);
        if (((prov *)v)->touched) APR_ARRAY_PUSH(s->lock_ids, long long) = ((prov *)v)->id;
        if (((prov *)v)->touched && !((prov *)v)->locked)
            APR_ARRAY_PUSH(late_ids, long long) = ((prov *)v)->id;
    }
    qsort(s->lock_ids->elts, s->lock_ids->nelts, sizeof(long long), cmp_ll);
    qsort(late_ids->elts, late_ids->nelts, sizeof(long long), cmp_ll);
    if (!late_ids->nelts)
        return PL_OK;
    /* Locking them now would break the lock order (a deadlock with a
     * writer that holds them and waits for ours): run again with them
     * locked up front. */
    if (!w->extra_rp_uuids)
        w->extra_rp_uuids = apr_array_make(q->pool, 4, sizeof(const char *));
    for (i = 0; i < late_ids->nelts; i++) {
        prov *rp = apr_hash_get(s->by_id, ll(p, APR_ARRAY_IDX(late_ids, i, long long)),
                                APR_HASH_KEY_STRING);
        APR_ARRAY_PUSH(w->extra_rp_uuids, const char *) = pl_lower(p, rp->uuid);
        apr_hash_set(w->rp_ids, pl_lower(p, rp->uuid), APR_HASH_KEY_STRING, ll(p, rp->id));
    }
    return retry(q, "old allocations on other providers: locking them first",
                 CONCURRENT_TEXT);
}

/* 3. Capacity, as upstream checks it: the consumers' old allocations do
 * not count (they are replaced).  First the inventories and usage of the
 * lines' providers and classes, into invs ("rp_id:rc_id" -> inv). */
#define INV_COLUMNS \
    "resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, " \
    "step_size, allocation_ratio"
enum { INV_RP_ID, INV_RC_ID, INV_TOTAL, INV_RESERVED, INV_MIN_UNIT, INV_MAX_UNIT,
       INV_STEP_SIZE, INV_RATIO };
/* and the usage rows: the same two ids, then the sum */
enum { USE_USED = INV_RC_ID + 1 };

static const char *inv_key(apr_pool_t *p, const pl_dbres *res, int i)
{
    return apr_psprintf(p, "%s:%s", PL_CELL(res, i, INV_RP_ID), PL_CELL(res, i, INV_RC_ID));
}

static int read_inventories(wctx *s, apr_array_header_t *rp_ids, apr_array_header_t *rc_ids,
                            apr_hash_t *invs, apr_hash_t *has_inv)
{
    pl_req *q = s->q;
    apr_pool_t *p = s->p;
    pl_dbres *res;
    int i, j;
    if (query_ids(q, &res, "SELECT " INV_COLUMNS " FROM inventories",
                  " WHERE resource_provider_id IN ", rp_ids,
                  " AND resource_class_id IN ", rc_ids, "") != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        inv *v = apr_pcalloc(p, sizeof(*v));
        v->lim.total = pl_cell_int(res, i, INV_TOTAL);
        v->lim.reserved = pl_cell_int(res, i, INV_RESERVED);
        v->lim.min_unit = pl_cell_int(res, i, INV_MIN_UNIT);
        v->lim.max_unit = pl_cell_int(res, i, INV_MAX_UNIT);
        v->lim.step_size = pl_cell_int(res, i, INV_STEP_SIZE);
        v->lim.ratio = pl_cell_double(res, i, INV_RATIO);
        apr_hash_set(invs, inv_key(p, res, i), APR_HASH_KEY_STRING, v);
        apr_hash_set(has_inv, PL_CELL(res, i, INV_RP_ID), APR_HASH_KEY_STRING, "");
    }
    if (query_ids(q, &res, "SELECT resource_provider_id, resource_class_id, SUM(used) "
                  "FROM allocations", " WHERE resource_provider_id IN ", rp_ids,
                  " AND resource_class_id IN ", rc_ids,
                  " GROUP BY resource_provider_id, resource_class_id") != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        inv *v = apr_hash_get(invs, inv_key(p, res, i), APR_HASH_KEY_STRING);
        if (v) v->used = pl_cell_int(res, i, USE_USED);
    }
    for (i = 0; i < s->nc; i++)
        for (j = 0; j < s->cs[i].old->nelts; j++) {
            old_alloc *o = &APR_ARRAY_IDX(s->cs[i].old, j, old_alloc);
            inv *v = apr_hash_get(invs, apr_pstrcat(p, ll(p, o->rp->id), ":", ll(p, o->rc_id), NULL),
                                  APR_HASH_KEY_STRING);
            if (v) v->used -= o->used;
        }
    return PL_OK;
}

/* ... then every line against them. */
static int check_capacity(wctx *s)
{
    pl_req *q = s->q;
    apr_pool_t *p = s->p;
    apr_array_header_t *lines = s->lines;
    apr_array_header_t *line_rp_ids = apr_array_make(p, 8, sizeof(long long));
    apr_array_header_t *line_rc_ids = apr_array_make(p, 8, sizeof(long long));
    apr_hash_t *rc_names = apr_hash_make(p);        /* class id text -> name */
    apr_hash_t *invs = apr_hash_make(p), *has_inv = apr_hash_make(p);
    apr_array_header_t *missing = apr_array_make(p, 2, sizeof(const char *));
    apr_hash_t *seen = apr_hash_make(p);
    int i;
    {
        apr_hash_t *s1 = apr_hash_make(p), *s2 = apr_hash_make(p);
        for (i = 0; i < lines->nelts; i++) {
            line *l = &APR_ARRAY_IDX(lines, i, line);
            const char *k1 = ll(p, l->rp->id);
            const char *k2 = ll(p, l->rc_id);
            if (!hget(s1, k1)) {
                apr_hash_set(s1, k1, APR_HASH_KEY_STRING, k1);
                APR_ARRAY_PUSH(line_rp_ids, long long) = l->rp->id;
            }
            if (!hget(s2, k2)) {
                apr_hash_set(s2, k2, APR_HASH_KEY_STRING, k2);
                APR_ARRAY_PUSH(line_rc_ids, long long) = l->rc_id;
                apr_hash_set(rc_names, k2, APR_HASH_KEY_STRING, l->rc);
            }
        }
    }
    if (!lines->nelts)
        return PL_OK;
    if (read_inventories(s, line_rp_ids, line_rc_ids, invs, has_inv) != PL_OK)
        return PL_FAIL;
    /* Providers without any inventory of the classes asked for. */
    for (i = 0; i < lines->nelts; i++) {
        line *l = &APR_ARRAY_IDX(lines, i, line);
        if (!hget(has_inv, ll(p, l->rp->id)))
            pl_add_unique(seen, missing, l->rp->uuid);
    }
    if (missing->nelts) {
        const char *classes = "", *provs = "";
        qsort(line_rc_ids->elts, line_rc_ids->nelts, sizeof(long long), cmp_ll);
        for (i = 0; i < line_rc_ids->nelts; i++)
            classes = apr_pstrcat(p, classes, i ? ", " : "", hget(rc_names,
                ll(p, APR_ARRAY_IDX(line_rc_ids, i, long long))), NULL);
        for (i = 0; i < missing->nelts; i++)
            provs = apr_pstrcat(p, provs, i ? ", " : "",
                                APR_ARRAY_IDX(missing, i, const char *), NULL);
        return pl_fail(q, 409, NULL, "Unable to allocate inventory: Inventory for '%s' "
                       "on resource provider '%s' invalid.", classes, provs);
    }
    for (i = 0; i < lines->nelts; i++) {
        line *l = &APR_ARRAY_IDX(lines, i, line);
        inv *v = apr_hash_get(invs, apr_pstrcat(p, ll(p, l->rp->id), ":", ll(p, l->rc_id), NULL),
                              APR_HASH_KEY_STRING);
        switch (pl_claim_check(v, l->used)) {
        case PL_CLAIM_OK:
            break;
        case PL_CLAIM_NO_INVENTORY:
            return pl_fail(q, 409, NULL, "Unable to allocate inventory: Inventory for "
                           "'%s' on resource provider '%s' invalid.", l->rc, l->rp->uuid);
        case PL_CLAIM_UNITS:
            return pl_fail(q, 409, NULL, "Unable to allocate inventory: Unable to create "
                           "allocation for '%s' on resource provider '%s'. The requested "
                           "amount would violate inventory constraints.",
                           l->rc, l->rp->uuid);
        case PL_CLAIM_CAPACITY:
            return pl_fail(q, 409, NULL, "Unable to allocate inventory: Unable to create "
                           "allocation for '%s' on resource provider '%s'. The requested "
                           "amount would exceed the capacity.", l->rc, l->rp->uuid);
        }
    }
    return PL_OK;
}

/* 4. Writes.  Consumer types, projects, users that are new. */
static int create_missing_names(wctx *s)
{
    int k, rv;
    /* create_names answers PL_RETRY itself for a name another request
     * created that this transaction cannot see yet */
    for (k = 0; k < NAME_KINDS; k++)
        if ((rv = create_names(s->q, name_tables[k].table, name_tables[k].column, s->names[k],
                               s->name_ids[k])) != PL_OK)
            return rv;
    return PL_OK;
}

/* One consumer's row. */
static int write_consumer(wctx *s, cons *c)
{
    pl_req *q = s->q;
    pl_dbres *res;
    long long proj = atoll(hget(s->name_ids[NAME_PROJECT], c->in->project_id));
    long long user = atoll(hget(s->name_ids[NAME_USER], c->in->user_id));
    const char *type = c->in->consumer_type
        ? hget(s->name_ids[NAME_TYPE], c->in->consumer_type) : c->type_id;
    if (c->in->items->nelts == 0 && c->old->nelts) {
        /* Emptied: the consumer goes away with its allocations. */
        if (note(q, pl_db_query(q, &res, "DELETE FROM consumers WHERE id = ? AND "
                                "generation = ?", "ii", c->id, c->gen)) != PL_OK)
            return PL_FAIL;
        if (res->affected != 1)
            return retry(q, "consumer changed", CONSUMER_CONCURRENT_TEXT);
        return PL_OK;
    }
    if (c->in->items->nelts == 0) {
        /* Nothing to remove: as upstream, the consumer is created (or
         * its project/user/type updated) with its generation as is. */
        if (!c->exists) {
            if (note(q, pl_db_query(q, &res, "INSERT INTO consumers (uuid, project_id, "
                                    "user_id, generation, consumer_type_id, created_at) "
                                    "VALUES (?, ?, ?, 0, ?, UTC_TIMESTAMP())", "siis",
                                    c->in->uuid, proj, user, type)) != PL_OK) {
                if (q->db_errno == PL_ER_DUP_ENTRY)
                    return retry(q, "consumer created concurrently",
                                 CONSUMER_CONCURRENT_TEXT);
                return PL_FAIL;
            }
            return PL_OK;
        }
        if (note(q, pl_db_query(q, &res, "UPDATE consumers SET project_id = ?, "
                                "user_id = ?, consumer_type_id = ?, updated_at = "
                                "UTC_TIMESTAMP() WHERE id = ? AND generation = ?", "iisii",
                                proj, user, type, c->id, c->gen)) != PL_OK)
            return PL_FAIL;
        return PL_OK;
    }
    if (!c->exists) {
        if (note(q, pl_db_query(q, &res, "INSERT INTO consumers (uuid, project_id, "
                                "user_id, generation, consumer_type_id, created_at) "
                                "VALUES (?, ?, ?, 1, ?, UTC_TIMESTAMP())", "siis",
                                c->in->uuid, proj, user, type)) != PL_OK) {
            if (q->db_errno == PL_ER_DUP_ENTRY)
                return retry(q, "consumer created concurrently", CONSUMER_CONCURRENT_TEXT);
            return PL_FAIL;
        }
        return PL_OK;
    }
    if (note(q, pl_db_query(q, &res, "UPDATE consumers SET project_id = ?, user_id = ?, "
                            "consumer_type_id = ?, generation = generation + 1, "
                            "updated_at = UTC_TIMESTAMP() WHERE id = ? AND generation = ?",
                            "iisii", proj, user, type, c->id, c->gen)) != PL_OK)
        return PL_FAIL;
    if (res->affected != 1)
        return retry(q, "consumer changed", CONSUMER_CONCURRENT_TEXT);
    return PL_OK;
}

/* Consumers, in uuid order. */
static int write_consumers(wctx *s)
{
    cons **sorted = apr_pcalloc(s->p, sizeof(*sorted) * (s->nc + 1));
    int i, rv;
    for (i = 0; i < s->nc; i++)
        sorted[i] = &s->cs[i];
    qsort(sorted, s->nc, sizeof(cons *), cmp_cons);
    for (i = 0; i < s->nc; i++)
        if ((rv = write_consumer(s, sorted[i])) != PL_OK)
            return rv;
    return PL_OK;
}

/* Old allocations, by primary key. */
static int delete_old_allocations(wctx *s)
{
    pl_req *q = s->q;
    pl_dbres *res;
    if (!s->old_ids->nelts)
        return PL_OK;
    if (query_ids(q, &res, "DELETE FROM allocations", " WHERE id IN ", s->old_ids, NULL, NULL,
                  "") != PL_OK)
        return PL_FAIL;
    if (res->affected != (unsigned long long)s->old_ids->nelts)
        return retry(q, "allocations changed", CONSUMER_CONCURRENT_TEXT);
    return PL_OK;
}

/* New allocations. */
static int insert_allocations(wctx *s)
{
    apr_pool_t *p = s->p;
    apr_array_header_t *vals = apr_array_make(p, 8, sizeof(pl_dbarg));
    int n = 0, i, j;
    for (i = 0; i < s->nc; i++) {
        pl_alloc_consumer *c = s->cs[i].in;
        for (j = 0; j < c->items->nelts; j++) {
            pl_alloc_item *it = &APR_ARRAY_IDX(c->items, j, pl_alloc_item);
            prov *rp = apr_hash_get(s->by_uuid, pl_lower(p, it->rp_uuid), APR_HASH_KEY_STRING);
            pl_dbarg *a = apr_array_push(vals);
            a->type = 'i'; a->i = rp->id;
            a = apr_array_push(vals);
            a->type = 's'; a->s = c->uuid;
            a = apr_array_push(vals);
            a->type = 'i'; a->i = atoll(hget(s->rc_ids, it->rc));
            a = apr_array_push(vals);
            a->type = 'i'; a->i = it->used;
            n++;
        }
    }
    if (insert_rows(s->q, "INSERT INTO allocations (resource_provider_id, consumer_id, "
                    "resource_class_id, used, created_at) VALUES ",
                    "(?, ?, ?, ?, UTC_TIMESTAMP())", 4, (pl_dbarg *)vals->elts, n)
        != PL_OK)
        return PL_FAIL;
    return PL_OK;
}

/* 5. Every provider touched gets a new generation (rows locked above). */
static int bump_providers(wctx *s)
{
    pl_req *q = s->q;
    int i;
    for (i = 0; i < s->lock_ids->nelts; i++) {
        pl_provider rp;
        prov *pv = apr_hash_get(s->by_id, ll(s->p,
                                APR_ARRAY_IDX(s->lock_ids, i, long long)), APR_HASH_KEY_STRING);
        memset(&rp, 0, sizeof(rp));
        rp.id = pv->id;
        rp.uuid = pv->uuid;
        rp.generation = pv->gen;
        if (note(q, pl_provider_bump(q, &rp)) != PL_OK) {
            if (pl_failed_conflict(q) && !q->db_errno)
                return retry(q, "provider generation bump failed", CONCURRENT_TEXT);
            return PL_FAIL;
        }
    }
    return PL_OK;
}

/* The steps in order; the first that does not answer PL_OK ends the run
 * with its answer. */
static int (*const write_steps[])(wctx *) = {
    lock_named_providers,       /* 0 */
    read_consumers,             /* 1 */
    check_consumer_generations,
    read_old_allocations,
    check_providers_exist,
    read_classes_make_lines,
    read_names,
    check_late_providers,       /* 2 */
    check_capacity,             /* 3 */
    create_missing_names,       /* 4 */
    write_consumers,
    delete_old_allocations,
    insert_allocations,
    bump_providers,             /* 5 */
};

int pl_alloc_write_body(pl_req *q, void *ctx)
{
    wctx *s = wctx_make(q, ctx);
    size_t i;
    int rv;
    for (i = 0; i < sizeof(write_steps) / sizeof(write_steps[0]); i++)
        if ((rv = write_steps[i](s)) != PL_OK)
            return rv;
    return PL_OK;
}

/* Whether the consumers hold what w asks for, as its COMMIT would have
 * left them (pl_db_txn_checked, after a COMMIT cut off): each with exactly
 * the amounts asked for and, where the request named a generation, the
 * generation after it; an emptied consumer holds nothing. */
static int alloc_applied(pl_req *q, void *ctx)
{
    pl_alloc_request *w = ctx;
    int i, j;
    for (i = 0; i < w->consumers->nelts; i++) {
        pl_alloc_consumer *c = &APR_ARRAY_IDX(w->consumers, i, pl_alloc_consumer);
        apr_hash_t *want = apr_hash_make(q->pool);
        pl_dbres *res;
        enum { CK_RP_UUID, CK_RC, CK_USED };
        if (pl_db_query(q, &res, "SELECT generation FROM consumers WHERE uuid = ?", "s",
                        c->uuid) != PL_OK)
            return PL_FAIL;
        if (c->items->nelts && res->nrows != 1) return 0;
        if (c->items->nelts && c->check_generation
            && pl_cell_int(res, 0, 0) != (c->generation_null ? 1 : c->generation + 1))
            return 0;
        for (j = 0; j < c->items->nelts; j++) {
            pl_alloc_item *it = &APR_ARRAY_IDX(c->items, j, pl_alloc_item);
            apr_hash_set(want, apr_psprintf(q->pool, "%s %s", pl_lower(q->pool, it->rp_uuid),
                                            it->rc), APR_HASH_KEY_STRING, ll(q->pool, it->used));
        }
        if (pl_db_query(q, &res, "SELECT rp.uuid, rc.name, a.used FROM allocations a "
                        "JOIN resource_providers rp ON rp.id = a.resource_provider_id "
                        "JOIN resource_classes rc ON rc.id = a.resource_class_id "
                        "WHERE a.consumer_id = ?", "s", c->uuid) != PL_OK)
            return PL_FAIL;
        if (res->nrows != (int)apr_hash_count(want)) return 0;
        for (j = 0; j < res->nrows; j++) {
            const char *used = apr_hash_get(want, apr_psprintf(q->pool, "%s %s",
                                            pl_lower(q->pool, PL_CELL(res, j, CK_RP_UUID)),
                                            PL_CELL(res, j, CK_RC)), APR_HASH_KEY_STRING);
            if (!used || strcmp(used, PL_CELL(res, j, CK_USED))) return 0;
        }
    }
    return 1;
}

int pl_alloc_write(pl_req *q, pl_alloc_request *w)
{
    /* Where the consumers' allocations are now (outside the transaction,
     * a hint only): those providers get locked up front too, which saves
     * a second run when a consumer moves. */
    apr_array_header_t *uuids = apr_array_make(q->pool, w->consumers->nelts,
                                               sizeof(const char *));
    pl_dbres *res;
    enum { LR_UUID, LR_ID };
    int i;
    for (i = 0; i < w->consumers->nelts; i++)
        APR_ARRAY_PUSH(uuids, const char *) =
            APR_ARRAY_IDX(w->consumers, i, pl_alloc_consumer).uuid;
    w->rp_ids = apr_hash_make(q->pool);
    if (uuids->nelts && query_strs(q, &res, "SELECT DISTINCT rp.uuid, rp.id FROM "
                                   "allocations a JOIN resource_providers rp ON rp.id = "
                                   "a.resource_provider_id WHERE a.consumer_id IN ", "",
                                   uuids) == PL_OK) {
        w->extra_rp_uuids = apr_array_make(q->pool, res->nrows + 1, sizeof(const char *));
        for (i = 0; i < res->nrows; i++) {
            const char *u = pl_lower(q->pool, PL_CELL(res, i, LR_UUID));
            APR_ARRAY_PUSH(w->extra_rp_uuids, const char *) = u;
            apr_hash_set(w->rp_ids, u, APR_HASH_KEY_STRING, PL_CELL(res, i, LR_ID));
        }
    }
    else if (pl_failed_server_side(q))
        return PL_FAIL;
    memset(&q->failure, 0, sizeof(q->failure));
    if (pl_alloc_resolve(q, w) != PL_OK) return PL_FAIL;
    return pl_db_txn_checked(q, pl_alloc_write_body, alloc_applied, w);
}

int pl_alloc_resolve(pl_req *q, pl_alloc_request *w)
{
    apr_hash_t *seen = apr_hash_make(q->pool);
    apr_array_header_t *uuids = apr_array_make(q->pool, 8, sizeof(const char *));
    int i, j;
    if (!w->rp_ids) w->rp_ids = apr_hash_make(q->pool);
    for (i = 0; i < w->consumers->nelts; i++) {
        apr_array_header_t *items = APR_ARRAY_IDX(w->consumers, i, pl_alloc_consumer).items;
        for (j = 0; j < items->nelts; j++) {
            const char *u = pl_lower(q->pool, APR_ARRAY_IDX(items, j, pl_alloc_item).rp_uuid);
            if (!apr_hash_get(w->rp_ids, u, APR_HASH_KEY_STRING)) pl_add_unique(seen, uuids, u);
        }
    }
    for (i = 0; w->extra_rp_uuids && i < w->extra_rp_uuids->nelts; i++) {
        const char *u = APR_ARRAY_IDX(w->extra_rp_uuids, i, const char *);
        if (!apr_hash_get(w->rp_ids, u, APR_HASH_KEY_STRING)) pl_add_unique(seen, uuids, u);
    }
    return note(q, pl_provider_ids(q, uuids, w->rp_ids));
}

static int delete_body(pl_req *q, void *ctx)
{
    const char *uuid = ctx;
    pl_dbres *res;
    apr_array_header_t *ids = apr_array_make(q->pool, 4, sizeof(long long));
    long long cid, gen;
    int i;

    enum { DA_ID, DA_CONSUMER_ID, DA_CONSUMER_GEN };
    /* What upstream lists for the consumer (allocations with a consumer). */
    if (note(q, pl_db_query(q, &res, "SELECT a.id, c.id, c.generation FROM allocations a "
                            "JOIN consumers c ON c.uuid = a.consumer_id "
                            "WHERE a.consumer_id = ? ORDER BY a.id", "s", uuid)) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0)
        return pl_fail(q, 404, NULL, "No allocations for consumer '%s'", uuid);
    cid = pl_cell_int(res, 0, DA_CONSUMER_ID);
    gen = pl_cell_int(res, 0, DA_CONSUMER_GEN);
    for (i = 0; i < res->nrows; i++)
        APR_ARRAY_PUSH(ids, long long) = pl_cell_int(res, i, DA_ID);

    /* Consumer row first, then its allocation rows: the writers' order. */
    if (note(q, pl_db_query(q, &res, "UPDATE consumers SET generation = generation + 1 "
                            "WHERE id = ? AND generation = ?", "ii", cid, gen)) != PL_OK)
        return PL_FAIL;
    if (res->affected != 1)
        return retry(q, "consumer changed", CONSUMER_CONCURRENT_TEXT);
    if (query_ids(q, &res, "DELETE FROM allocations", " WHERE id IN ", ids, NULL, NULL, "")
        != PL_OK)
        return PL_FAIL;
    if (res->affected != (unsigned long long)ids->nelts)
        return retry(q, "allocations changed", CONSUMER_CONCURRENT_TEXT);
    if (note(q, pl_db_query(q, &res, "DELETE FROM consumers WHERE id = ?", "i", cid))
        != PL_OK)
        return PL_FAIL;
    return PL_OK;
}

int pl_alloc_delete_consumer(pl_req *q, const char *consumer_uuid)
{
    return pl_db_txn(q, delete_body, (void *)consumer_uuid);
}

/* Reading request bodies ------------------------------------------------ */

void pl_alloc_consumer_read(pl_req *q, pl_alloc_consumer *c, const char *uuid, json_object *d)
{
    pl_alloc_read_ctx x = { q->pool, q->mv, q->conf->incomplete_consumer_project_id,
                            q->conf->incomplete_consumer_user_id };
    pl_alloc_consumer_parse(&x, c, uuid, d);
}
