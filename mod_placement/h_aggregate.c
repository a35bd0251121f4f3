/* h_aggregate: /resource_providers/{uuid}/aggregates (microversion 1.1 on).
 *
 * Before 1.19 the PUT body is a bare list of aggregate uuids, nothing
 * checks or bumps the provider generation and the responses carry only
 * {"aggregates": [...]}.  From 1.19 the body and the responses carry
 * resource_provider_generation, which must match and is bumped by a PUT.
 * Aggregate rows are found by uuid through SQL (the column's collation)
 * and created on first use, as upstream's _ensure_aggregate. */
#include <string.h>
#include <apr_strings.h>

#include "handlers.h"
#include "http.h"
#include <apr_hash.h>
#include "db.h"
#include "objects.h"

static int send_aggregates(pl_req *q, json_object *list, long long generation)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "aggregates", list);
    if (PL_MV_GE(q, 1, 19))
        json_object_object_add(body, "resource_provider_generation",
                               json_object_new_int64(generation));
    /* upstream records no association time: last-modified is now */
    pl_set_last_modified(q, 0);
    return pl_send_json(q, 200, body);
}

int pl_h_aggregates_list(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_provider rp;
    pl_dbres *res;
    json_object *list;
    /* one statement: the generation is the one of these aggregates */
    int i, found = pl_provider_rows(q, uuid, &rp, "a.uuid",
                                    "LEFT JOIN (resource_provider_aggregates rpa "
                                    "JOIN placement_aggregates a ON a.id = rpa.aggregate_id) "
                                    "ON rpa.resource_provider_id = rp.id", "ORDER BY a.id", &res);

    if (found == PL_FAIL) return pl_send_failure(q);
    if (!found) {
        pl_fail_not_found(q, "No resource provider with uuid %s found", uuid);
        return pl_send_failure(q);
    }
    list = json_object_new_array();
    for (i = 0; i < res->nrows; i++)
        json_object_array_add(list, pl_json_str(PL_CELL(res, i, 0)));
    return send_aggregates(q, list, rp.generation);
}

typedef struct {
    const char *uuid;
    int check_generation;     /* 1.19+: compare, then bump */
    long long generation;
    json_object *wanted;      /* array of uuid strings, no duplicates */
    pl_provider rp;
} agg_ctx;

/* The strings of a JSON array (or of column col of res) as a set. */
static apr_hash_t *string_set(apr_pool_t *p, json_object *list, const pl_dbres *res, int col)
{
    apr_hash_t *h = apr_hash_make(p);
    size_t i, n = list ? json_object_array_length(list) : (size_t)res->nrows;
    for (i = 0; i < n; i++) {
        const char *s = list ? json_object_get_string(json_object_array_get_idx(list, i))
                             : PL_CELL(res, i, col);
        apr_hash_set(h, s, APR_HASH_KEY_STRING, s);
    }
    return h;
}

static int aggregates_set_txn(pl_req *q, void *data)
{
    enum { CUR_ID, CUR_UUID };      /* the provider's aggregates now */
    agg_ctx *c = data;
    pl_dbres *cur, *res;
    apr_hash_t *have, *want;
    size_t i, n = json_object_array_length(c->wanted);
    int j, found = pl_provider_get(q, c->uuid, &c->rp, 1);

    if (found == PL_FAIL) return PL_FAIL;
    if (!found) return pl_fail_not_found(q, "No resource provider with uuid %s found", c->uuid);
    if (c->check_generation && c->rp.generation != c->generation)
        return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "Resource provider's generation "
                       "already changed. Please update the generation and try again.");

    if (pl_db_query(q, &cur, "SELECT a.id, a.uuid FROM resource_provider_aggregates rpa "
                    "JOIN placement_aggregates a ON a.id = rpa.aggregate_id "
                    "WHERE rpa.resource_provider_id = ?", "i", c->rp.id) != PL_OK)
        return PL_FAIL;

    /* Add what is not exactly among the current uuids (creating the
     * aggregate row if needed), then drop current ones not exactly asked
     * for: upstream's order, which matters when a uuid differs only in
     * case from a stored one. */
    have = string_set(q->pool, NULL, cur, CUR_UUID);
    want = string_set(q->pool, c->wanted, NULL, 0);
    for (i = 0; i < n; i++) {
        const char *u = json_object_get_string(json_object_array_get_idx(c->wanted, i));
        if (apr_hash_get(have, u, APR_HASH_KEY_STRING)) continue;
        if (pl_db_query(q, &res, "INSERT INTO placement_aggregates (created_at, uuid) "
                        "VALUES (UTC_TIMESTAMP(), ?) "
                        "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", "s", u) != PL_OK)
            return PL_FAIL;
        if (pl_db_query(q, NULL, "INSERT IGNORE INTO resource_provider_aggregates "
                        "(created_at, resource_provider_id, aggregate_id) "
                        "VALUES (UTC_TIMESTAMP(), ?, ?)", "ii",
                        c->rp.id, (long long)res->insert_id) != PL_OK)
            return PL_FAIL;
    }
    for (j = 0; j < cur->nrows; j++) {
        if (apr_hash_get(want, PL_CELL(cur, j, CUR_UUID), APR_HASH_KEY_STRING)) continue;
        if (pl_db_query(q, NULL, "DELETE FROM resource_provider_aggregates "
                        "WHERE resource_provider_id = ? AND aggregate_id = ?", "ii",
                        c->rp.id, pl_cell_int(cur, j, CUR_ID)) != PL_OK)
            return PL_FAIL;
    }
    return c->check_generation ? pl_provider_bump(q, &c->rp) : PL_OK;
}

int pl_h_aggregates_set(pl_req *q)
{
    agg_ctx c;
    json_object *b, *list;
    pl_provider probe;
    int found, rv;

    memset(&c, 0, sizeof(c));
    c.uuid = PL_PARAM(q, 0);
    c.check_generation = PL_MV_GE(q, 1, 19);

    /* upstream looks the provider up before reading the body */
    found = pl_provider_get(q, c.uuid, &probe, 0);
    if (found == PL_FAIL) return pl_send_failure(q);
    if (!found) {
        pl_fail_not_found(q, "No resource provider with uuid %s found", c.uuid);
        return pl_send_failure(q);
    }
    b = pl_read_json(q, c.check_generation ? "aggregate.PUT_AGGREGATES_SCHEMA_V1_19"
                                           : "aggregate.PUT_AGGREGATES_SCHEMA_V1_1");
    if (!b) return pl_send_failure(q);
    if (c.check_generation) {
        c.generation = json_object_get_int64(
            json_object_object_get(b, "resource_provider_generation"));
        c.wanted = json_object_object_get(b, "aggregates");
    }
    else
        c.wanted = b;

    /* b belongs to the request pool (pl_read_json): take our own reference */
    rv = pl_db_txn(q, aggregates_set_txn, &c);
    if (rv != PL_OK) return pl_send_failure(q);
    list = json_object_get(c.wanted);
    return send_aggregates(q, list, c.rp.generation);
}
