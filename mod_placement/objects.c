/* Lookups and generation guards shared by the handlers (see objects.h). */
#include <stdio.h>
#include <apr_strings.h>

#include "objects.h"
#include "db.h"
#include "http.h"
#include "strutil.h"

#include <apr_strings.h>
#include <stdlib.h>

/* A provider by uuid; the root is an outer join (pl_provider_get finds a
 * provider whose root_provider_id is not set). */
#define PROVIDER_SELECT \
    "SELECT " PL_RP_COLUMNS " FROM resource_providers rp " \
    "LEFT JOIN resource_providers parent ON parent.id = rp.parent_provider_id " \
    "LEFT JOIN resource_providers root ON root.id = rp.root_provider_id " \
    "WHERE rp.uuid = ?"

apr_time_t pl_modified(const char *created_at, const char *updated_at)
{
    return (apr_time_t)pl_parse_db_time(updated_at ? updated_at : created_at);
}

int pl_provider_get(pl_req *q, const char *uuid, pl_provider *out, int for_update)
{
    pl_dbres *res, *locked = NULL;
    enum { LOCKED_ID, LOCKED_GEN };
    /* Lock only the provider's own row: locking through the joins would
     * also lock its parent and root, and writers on other providers of the
     * tree would deadlock against us.  The generation comes from the
     * locking (current) read, never from an older snapshot. */
    if (for_update) {
        if (pl_db_query(q, &locked, "SELECT id, generation FROM resource_providers "
                        "WHERE uuid = ? FOR UPDATE", "s", uuid) != PL_OK)
            return PL_FAIL;
        if (locked->nrows == 0) return 0;
    }
    if (pl_db_query(q, &res, PROVIDER_SELECT, "s", uuid) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0) return 0;
    pl_provider_from_row(out, res, 0, PL_RP_ALL);
    if (locked) out->generation = pl_cell_int(locked, 0, LOCKED_GEN);
    return 1;
}

int pl_provider_rows(pl_req *q, const char *uuid, pl_provider *out, const char *cols,
                     const char *joins, const char *tail, pl_dbres **rows)
{
    enum { RP_ID, RP_UUID, RP_GEN, NRP };   /* then cols */
    pl_dbres *res, *v;
    int i, j;
    if (pl_db_query(q, &res, apr_pstrcat(q->pool, "SELECT rp.id, rp.uuid, rp.generation, ",
                                         cols, " FROM resource_providers rp ", joins,
                                         " WHERE rp.uuid = ? ", tail ? tail : "", NULL),
                    "s", uuid) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0) return 0;
    memset(out, 0, sizeof(*out));
    out->id = pl_cell_int(res, 0, RP_ID);
    out->uuid = PL_CELL(res, 0, RP_UUID);
    out->generation = pl_cell_int(res, 0, RP_GEN);
    v = apr_pcalloc(q->pool, sizeof(*v));
    v->ncols = res->ncols - NRP;
    v->nrows = res->nrows == 1 && !PL_CELL(res, 0, NRP) ? 0 : res->nrows;
    v->cells = apr_pcalloc(q->pool, sizeof(char *) * (size_t)(v->nrows * v->ncols + 1));
    for (i = 0; i < v->nrows; i++)
        for (j = 0; j < v->ncols; j++)
            PL_CELL(v, i, j) = PL_CELL(res, i, NRP + j);
    *rows = v;
    return 1;
}

int pl_provider_ids(pl_req *q, const apr_array_header_t *uuids, apr_hash_t *ids)
{
    apr_hash_t *found = apr_hash_make(q->pool);
    apr_hash_index_t *hi;
    if (pl_name_ids(q, "resource_providers", "uuid", uuids, found) != PL_OK)
        return PL_FAIL;
    for (hi = apr_hash_first(q->pool, found); hi; hi = apr_hash_next(hi)) {
        const void *uuid;
        void *id;
        apr_hash_this(hi, &uuid, NULL, &id);
        apr_hash_set(ids, pl_lower(q->pool, uuid), APR_HASH_KEY_STRING, id);
    }
    return PL_OK;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int pl_providers_lock(pl_req *q, const apr_array_header_t *uuids, apr_hash_t *ids,
                      pl_dbres **res)
{
    apr_array_header_t *want = apr_array_make(q->pool, uuids->nelts + 1, sizeof(long long));
    apr_hash_t *seen = apr_hash_make(q->pool);
    pl_dbarg *args;
    int i, n;
    for (i = 0; i < uuids->nelts; i++) {
        const char *id = apr_hash_get(ids, APR_ARRAY_IDX(uuids, i, const char *),
                                      APR_HASH_KEY_STRING);
        if (!id || apr_hash_get(seen, id, APR_HASH_KEY_STRING)) continue;
        apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
        APR_ARRAY_PUSH(want, long long) = apr_atoi64(id);
    }
    /* "WHERE id IN (...)" on the primary key (forced: a table scan would
     * lock every row): one record lock per row, no gap locks, taken in
     * ascending id order (the range scan's order). */
    qsort(want->elts, want->nelts, sizeof(long long), cmp_ll);
    n = want->nelts;
    if (!n) {
        *res = apr_pcalloc(q->pool, sizeof(**res));
        return PL_OK;
    }
    args = apr_pcalloc(q->pool, sizeof(*args) * (n + 1));
    for (i = 0; i < n; i++) {
        args[i].type = 'i';
        args[i].i = APR_ARRAY_IDX(want, i, long long);
    }
    return pl_db_exec(q, res, apr_pstrcat(q->pool, "SELECT id, uuid, generation FROM "
                      "resource_providers FORCE INDEX (PRIMARY) WHERE id IN (",
                      pl_db_placeholders(q->pool, n),
                      ") ORDER BY id FOR UPDATE", NULL), args, n);
}

int pl_provider_bump(pl_req *q, pl_provider *rp)
{
    pl_dbres *res;
    if (pl_db_query(q, &res, "UPDATE resource_providers SET generation = generation + 1, "
                    "updated_at = UTC_TIMESTAMP() WHERE id = ? AND generation = ?", "ii",
                    rp->id, rp->generation) != PL_OK)
        return PL_FAIL;
    if (res->affected != 1)
        return pl_fail_db(q, PL_DBE_CONFLICT, "resource provider generation conflict: "
                          "Another thread concurrently updated the data. Please retry your "
                          "update");
    rp->generation++;
    rp->modified = apr_time_now();
    return PL_OK;
}

/* The rows (id, name) of names in table.col, one IN query. */
static int name_rows(pl_req *q, const char *table, const char *col,
                     const apr_array_header_t *names, pl_dbres **res)
{
    return pl_db_exec_strs(q, res, apr_psprintf(q->pool, "SELECT id, %s FROM %s WHERE %s IN ",
                                                col, table, col), "", names);
}

enum { NI_ID, NI_NAME };

int pl_name_ids(pl_req *q, const char *table, const char *col,
                const apr_array_header_t *names, apr_hash_t *ids)
{
    pl_dbres *res;
    int i;
    if (!names->nelts) return PL_OK;
    if (name_rows(q, table, col, names, &res) != PL_OK) return PL_FAIL;
    for (i = 0; i < res->nrows; i++)
        apr_hash_set(ids, PL_CELL(res, i, NI_NAME), APR_HASH_KEY_STRING,
                     PL_CELL(res, i, NI_ID));
    return PL_OK;
}

int pl_name_ids_num(pl_req *q, const char *table, const char *col,
                    const apr_array_header_t *names, apr_hash_t *ids, apr_hash_t *names_of)
{
    pl_dbres *res;
    int i;
    if (!names->nelts) return PL_OK;
    if (name_rows(q, table, col, names, &res) != PL_OK) return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        long long *id = apr_palloc(q->pool, sizeof(*id));
        *id = pl_cell_int(res, i, NI_ID);
        apr_hash_set(ids, PL_CELL(res, i, NI_NAME), APR_HASH_KEY_STRING, id);
        if (names_of) apr_hash_set(names_of, id, sizeof(*id), PL_CELL(res, i, NI_NAME));
    }
    return PL_OK;
}

#include <http_core.h>
#include <http_protocol.h>

void pl_set_location(pl_req *q, const char *path)
{
    request_rec *r = q->r;
    const char *scheme = ap_http_scheme(r);
    const char *host = apr_table_get(r->headers_in, "Host");
    size_t n;
    if (!host || !*host)
        host = apr_psprintf(q->pool, "%s:%u", r->server->server_hostname
                            ? r->server->server_hostname : "localhost",
                            (unsigned)ap_get_server_port(r));
    n = strlen(host);
    if (!strcmp(scheme, "http") && n > 3 && !strcmp(host + n - 3, ":80"))
        host = apr_pstrndup(q->pool, host, n - 3);
    else if (!strcmp(scheme, "https") && n > 4 && !strcmp(host + n - 4, ":443"))
        host = apr_pstrndup(q->pool, host, n - 4);
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(q->pool, scheme, "://", host, pl_url(q, "%s", path), NULL));
}
