/* h_inventory: /resource_providers/{uuid}/inventories[/{resource_class}].
 *
 * Every change runs in one transaction that ends with the provider's
 * generation check-and-bump, so a stale writer changes nothing.  Only the
 * removal of inventory that has allocations is refused (409); shrinking
 * inventory below its usage is allowed, as upstream does.  Each transaction
 * locks the provider's row first (inventory_write.h: the lock order). */
#include "handlers.h"
#include "http.h"
#include "db.h"
#include "objects.h"
#include "pyrepr.h"
#include "inventory_write.h"

#include <apr_strings.h>
#include <math.h>

static const char *no_rp(pl_req *q, const char *uuid)
{
    return apr_psprintf(q->pool, "No resource provider with uuid %s found", uuid);
}

/* Provider for a write: 1 found, else the failure is recorded. */
static int load_rp(pl_req *q, pl_provider *rp)
{
    const char *uuid = PL_PARAM(q, 0);
    int rv = pl_provider_get(q, uuid, rp, 0);
    if (rv == 0) pl_fail_not_found(q, "%s", no_rp(q, uuid));
    return rv;
}

/* In a write transaction, before anything else: lock the provider's row
 * (the generation checked and bumped stays the one read before: a
 * transaction function leaves c->rp alone, since a conflict at COMMIT runs
 * it again, and it must again expect the generation the client sent). */
static int lock_rp(pl_req *q, const pl_provider *rp)
{
    pl_provider now;
    int rv = pl_inv_lock_provider(q, rp->uuid, &now);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0) return pl_fail_not_found(q, "%s", no_rp(q, rp->uuid));
    return PL_OK;
}

static long long field_int(json_object *o, const char *key, long long dflt)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : dflt;
}

/* int((total - reserved) * allocation_ratio) compared with 0, as Python
 * does it: an integer ratio multiplies exactly, a float one in doubles. */
static int capacity_bad(pl_req *q, const pl_inv *iv)
{
    double cap;
    if (iv->ratio_json && json_object_is_type(iv->ratio_json, json_type_int))
        cap = (double)(iv->total - iv->reserved) * (double)json_object_get_int64(iv->ratio_json);
    else
        cap = trunc(pl_capacity(iv->total, iv->reserved, iv->ratio));
    return PL_MV_GE(q, 1, 26) ? cap < 0 : cap <= 0;
}

static const char *capacity_text(pl_req *q, const pl_inv *iv, const char *uuid)
{
    return apr_psprintf(q->pool, "Invalid inventory for '%s' on resource provider '%s'. "
                        "The reserved value is greater than %stotal.", iv->rc, uuid,
                        PL_MV_GE(q, 1, 26) ? "" : "or equal to ");
}

static json_object *ratio_json(const pl_inv *iv)
{
    if (iv->ratio_json && json_object_is_type(iv->ratio_json, json_type_int))
        return json_object_new_int64(json_object_get_int64(iv->ratio_json));
    return pl_json_double(iv->ratio);
}

static json_object *inv_json(const pl_inv *iv, long long generation)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "total", json_object_new_int64(iv->total));
    json_object_object_add(o, "reserved", json_object_new_int64(iv->reserved));
    json_object_object_add(o, "min_unit", json_object_new_int64(iv->min_unit));
    json_object_object_add(o, "max_unit", json_object_new_int64(iv->max_unit));
    json_object_object_add(o, "step_size", json_object_new_int64(iv->step_size));
    json_object_object_add(o, "allocation_ratio", ratio_json(iv));
    /* upstream leaves it out when it is 0 (falsy) */
    if (generation)
        json_object_object_add(o, "resource_provider_generation",
                               json_object_new_int64(generation));
    return o;
}

static void cache_control(pl_req *q)
{
    if (PL_MV_GE(q, 1, 15)) apr_table_setn(q->r->headers_out, "cache-control", "no-cache");
}

/* GET /resource_providers/{uuid}/inventories ----------------------------- */

/* The provider and its inventories, in class id order, by one statement
 * (the generation is the one of these inventories): 1, 0, PL_FAIL. */
static int read_inventories(pl_req *q, const char *uuid, pl_provider *rp,
                            apr_array_header_t **list)
{
    pl_dbres *rows;
    int rv = pl_provider_rows(q, uuid, rp, PL_INV_COLUMNS,
                              "LEFT JOIN (" PL_INV_TABLES ") ON i.resource_provider_id = rp.id",
                              "ORDER BY i.resource_class_id", &rows);
    if (rv == 1) *list = pl_inv_from_rows(q, rows);
    return rv;
}

int pl_h_inventories_list(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_provider rp;
    apr_array_header_t *list = NULL;
    json_object *doc, *invs;
    apr_time_t last = 0;
    int rv = read_inventories(q, uuid, &rp, &list), i;

    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0)
        return pl_error(q, 404, NULL, "%s : %s", no_rp(q, uuid), no_rp(q, uuid));
    doc = json_object_new_object();
    invs = json_object_new_object();
    for (i = 0; i < list->nelts; i++) {
        pl_inv *iv = &APR_ARRAY_IDX(list, i, pl_inv);
        if (iv->modified > last) last = iv->modified;
        json_object_object_add(invs, iv->rc, inv_json(iv, 0));
    }
    json_object_object_add(doc, "resource_provider_generation",
                           json_object_new_int64(rp.generation));
    json_object_object_add(doc, "inventories", invs);
    cache_control(q);
    if (list->nelts) pl_set_last_modified(q, last);
    return pl_send_json(q, 200, doc);
}

/* GET /resource_providers/{uuid}/inventories/{rc} ------------------------- */

int pl_h_inventory_show(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0), *rc = PL_PARAM(q, 1);
    pl_provider rp;
    apr_array_header_t *list = NULL;
    pl_inv *iv = NULL;
    int rv = read_inventories(q, uuid, &rp, &list), i;

    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0)
        return pl_error(q, 404, NULL, "%s : %s", no_rp(q, uuid), no_rp(q, uuid));
    /* the name match is exact (the collation's is not) */
    for (i = 0; i < list->nelts && !iv; i++)
        if (strcmp(APR_ARRAY_IDX(list, i, pl_inv).rc, rc) == 0)
            iv = &APR_ARRAY_IDX(list, i, pl_inv);
    if (!iv) return pl_error(q, 404, NULL, "No inventory of class %s for %s", rc, uuid);
    pl_set_last_modified(q, iv->modified);
    return pl_send_json(q, 200, inv_json(iv, rp.generation));
}

/* POST /resource_providers/{uuid}/inventories ----------------------------- */

typedef struct one_ctx {
    pl_provider rp;
    pl_inv iv;
    long long gen_after;        /* set by the transaction, kept once it commits */
} one_ctx;

static int create_txn(pl_req *q, void *data)
{
    one_ctx *c = data;
    pl_provider rp = c->rp;   /* a retry starts from what was read */
    int rv;
    if (lock_rp(q, &c->rp) != PL_OK) return PL_FAIL;
    rv = pl_inv_class_id(q, c->iv.rc, &c->iv.rc_id);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0)
        return pl_fail(q, 400, NULL, "Unable to create inventory for resource provider %s: "
                       "No such resource class %s.", rp.uuid, c->iv.rc);
    if (pl_inv_insert(q, rp.id, &c->iv) != PL_OK)
        return pl_inv_dup_text(q, "Update conflict: ", rp.id, &c->iv);
    if (pl_inv_bump(q, &rp, "Update conflict: ") != PL_OK) return PL_FAIL;
    c->gen_after = rp.generation;
    return PL_OK;
}

int pl_h_inventory_create(pl_req *q)
{
    one_ctx c;
    json_object *b, *v;
    pl_provider rp0;

    if (load_rp(q, &c.rp) != 1) return pl_send_failure(q);
    if (!(b = pl_read_json(q, "inventory.POST_INVENTORY_SCHEMA"))) return pl_send_failure(q);
    json_object_object_get_ex(b, "resource_class", &v);
    pl_inv_from_json(&c.iv, json_object_get_string(v), b);
    if (capacity_bad(q, &c.iv))
        return pl_error(q, 400, NULL, "Unable to create inventory for resource provider "
                        "%s: %s", c.rp.uuid, capacity_text(q, &c.iv, c.rp.uuid));
    rp0 = c.rp;
    if (pl_db_txn(q, create_txn, &c) != PL_OK) return pl_send_failure(q);
    c.rp.generation = c.gen_after;
    pl_set_location(q, apr_psprintf(q->pool, "/resource_providers/%s/inventories/%s",
                                    rp0.uuid, c.iv.rc));
    pl_set_last_modified(q, 0);
    return pl_send_json(q, 201, inv_json(&c.iv, c.rp.generation));
}

/* PUT /resource_providers/{uuid}/inventories/{rc} ------------------------- */

static int update_txn(pl_req *q, void *data)
{
    one_ctx *c = data;
    pl_provider rp = c->rp;
    pl_dbres *res;
    int rv;
    if (lock_rp(q, &c->rp) != PL_OK) return PL_FAIL;
    rv = pl_inv_class_id(q, c->iv.rc, &c->iv.rc_id);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0)
        return pl_fail_not_found(q, "No such resource class %s.", c->iv.rc);
    if (pl_db_query(q, &res, "SELECT id FROM inventories WHERE resource_provider_id = ? "
                    "AND resource_class_id = ? FOR UPDATE", "ii", rp.id, c->iv.rc_id)
        != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0)
        return pl_fail(q, 400, NULL, "No inventory record with resource class for resource "
                       "provider %s: No inventory of class %s found.", rp.uuid, c->iv.rc);
    if (pl_inv_update(q, rp.id, &c->iv) != PL_OK) return PL_FAIL;
    if (pl_inv_bump(q, &rp, "update conflict: ") != PL_OK) return PL_FAIL;
    c->gen_after = rp.generation;
    return PL_OK;
}

int pl_h_inventory_update(pl_req *q)
{
    one_ctx c;
    json_object *b;

    if (load_rp(q, &c.rp) != 1) return pl_send_failure(q);
    if (!(b = pl_read_json(q, "inventory.BASE_INVENTORY_SCHEMA"))) return pl_send_failure(q);
    if (field_int(b, "resource_provider_generation", 0) != c.rp.generation)
        return pl_error(q, 409, PL_CODE_CONCURRENT_UPDATE,
                        "resource provider generation conflict");
    pl_inv_from_json(&c.iv, PL_PARAM(q, 1), b);
    if (capacity_bad(q, &c.iv))
        return pl_error(q, 400, NULL, "Unable to update inventory for resource provider "
                        "%s: %s", c.rp.uuid, capacity_text(q, &c.iv, c.rp.uuid));
    if (pl_db_txn(q, update_txn, &c) != PL_OK) return pl_send_failure(q);
    c.rp.generation = c.gen_after;
    pl_set_last_modified(q, 0);
    return pl_send_json(q, 200, inv_json(&c.iv, c.rp.generation));
}

/* DELETE /resource_providers/{uuid}/inventories/{rc} ---------------------- */

static int delete_one_txn(pl_req *q, void *data)
{
    one_ctx *c = data;
    pl_provider rp = c->rp;
    const char *rc = c->iv.rc, *used;
    pl_dbres *res;
    int failed, rv;
    if (lock_rp(q, &c->rp) != PL_OK) return PL_FAIL;
    rv = pl_inv_class_id(q, rc, &c->iv.rc_id);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0)
        return pl_fail(q, 404, NULL, "No inventory of class %s found for delete: No such "
                       "resource class %s.", rc, rc);
    used = pl_inv_classes_in_use(q, rp.id, &c->iv.rc_id, 1, &failed);
    if (failed) return PL_FAIL;
    if (used)
        return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "Unable to delete inventory of "
                       "class %s: Inventory for '%s' on resource provider '%s' in use.",
                       rc, used, rp.uuid);
    if (pl_db_query(q, &res, "DELETE FROM inventories WHERE resource_provider_id = ? AND "
                    "resource_class_id = ?", "ii", rp.id, c->iv.rc_id) != PL_OK)
        return PL_FAIL;
    if (res->affected == 0)
        return pl_fail(q, 404, NULL, "No inventory of class %s found for delete: No "
                       "inventory of class %s found for delete", rc, rc);
    return pl_inv_bump(q, &rp, apr_psprintf(q->pool, "Unable to delete inventory of "
                                            "class %s: ", rc));
}

int pl_h_inventory_delete(pl_req *q)
{
    one_ctx c;
    if (load_rp(q, &c.rp) != 1) return pl_send_failure(q);
    memset(&c.iv, 0, sizeof(c.iv));
    c.iv.rc = PL_PARAM(q, 1);
    if (pl_db_txn(q, delete_one_txn, &c) != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}

/* PUT and DELETE /resource_providers/{uuid}/inventories ------------------- */

typedef struct set_ctx {
    pl_provider rp;
    apr_array_header_t *invs;   /* of pl_inv, in the body's order */
    int deleting_all;           /* DELETE: other texts */
    long long gen_after;        /* set by the transaction, kept once it commits */
} set_ctx;

static int set_txn(pl_req *q, void *data)
{
    set_ctx *c = data;
    pl_provider rp = c->rp;
    if (lock_rp(q, &c->rp) != PL_OK) return PL_FAIL;
    if (pl_inv_set(q, &rp, c->invs, c->deleting_all ? PL_INV_SET_DELETE_ALL
                                                    : PL_INV_SET_PUT) != PL_OK)
        return PL_FAIL;
    c->gen_after = rp.generation;
    return PL_OK;
}

int pl_h_inventories_set(pl_req *q)
{
    set_ctx c;
    json_object *b, *invs, *doc, *out;
    int i;

    memset(&c, 0, sizeof(c));
    if (load_rp(q, &c.rp) != 1) return pl_send_failure(q);
    if (!(b = pl_read_json(q, "inventory.PUT_INVENTORY_SCHEMA"))) return pl_send_failure(q);
    if (field_int(b, "resource_provider_generation", 0) != c.rp.generation)
        return pl_error(q, 409, PL_CODE_CONCURRENT_UPDATE,
                        "resource provider generation conflict");
    json_object_object_get_ex(b, "inventories", &invs);
    c.invs = apr_array_make(q->pool, 8, sizeof(pl_inv));
    {
        json_object_object_foreach(invs, key, val) {
            pl_inv_from_json(apr_array_push(c.invs), apr_pstrdup(q->pool, key), val);
        }
    }
    for (i = 0; i < c.invs->nelts; i++) {
        pl_inv *iv = &APR_ARRAY_IDX(c.invs, i, pl_inv);
        if (capacity_bad(q, iv))
            return pl_error(q, 400, NULL, "Unable to update inventory for resource provider "
                            "%s: %s", c.rp.uuid, capacity_text(q, iv, c.rp.uuid));
    }
    if (pl_db_txn(q, set_txn, &c) != PL_OK) return pl_send_failure(q);
    c.rp.generation = c.gen_after;

    doc = json_object_new_object();
    out = json_object_new_object();
    for (i = 0; i < c.invs->nelts; i++) {
        pl_inv *iv = &APR_ARRAY_IDX(c.invs, i, pl_inv);
        json_object_object_add(out, iv->rc, inv_json(iv, 0));
    }
    json_object_object_add(doc, "resource_provider_generation",
                           json_object_new_int64(c.rp.generation));
    json_object_object_add(doc, "inventories", out);
    cache_control(q);
    if (c.invs->nelts) pl_set_last_modified(q, 0);
    return pl_send_json(q, 200, doc);
}

int pl_h_inventories_delete(pl_req *q)
{
    set_ctx c;
    memset(&c, 0, sizeof(c));
    if (load_rp(q, &c.rp) != 1) return pl_send_failure(q);
    c.invs = apr_array_make(q->pool, 1, sizeof(pl_inv));
    c.deleting_all = 1;
    if (pl_db_txn(q, set_txn, &c) != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}
