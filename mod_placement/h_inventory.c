/* h_inventory: /resource_providers/{uuid}/inventories[/{resource_class}].
 *
 * Every change runs in one transaction that ends with the provider's
 * generation check-and-bump, so a stale writer changes nothing.  Only the
 * removal of inventory that has allocations is refused (409); shrinking
 * inventory below its usage is allowed, as upstream does. */
#include "handlers.h"
#include "http.h"
#include "db.h"
#include "objects.h"
#include "pyrepr.h"

#include <apr_strings.h>
#include <math.h>

#define MAX_INT 2147483647LL

#define RP_CONCURRENT "Another thread concurrently updated the resource provider data. " \
                      "Please retry your update"

/* a long long as text (apr's formatter has no %lld) */
#define I64(q, v) apr_psprintf((q)->pool, "%" APR_INT64_T_FMT, (apr_int64_t)(v))

typedef struct inv {
    const char *rc;             /* resource class name */
    long long rc_id;
    long long total, reserved, min_unit, max_unit, step_size;
    double ratio;
    json_object *ratio_json;    /* as the client sent it; NULL: the default 1.0 */
    apr_time_t modified;        /* 0: not read from the database */
} inv;

/* upstream's NotFound trap (outside its handlers): 404 without vary */
static int trapped_404(pl_req *q, const char *detail)
{
    pl_fail(q, 404, NULL, "%s", detail);
    q->failure.no_vary = 1;
    return PL_FAIL;
}

static const char *no_rp(pl_req *q, const char *uuid)
{
    return apr_psprintf(q->pool, "No resource provider with uuid %s found", uuid);
}

/* Provider for a write: 1 found, else the failure is recorded. */
static int load_rp(pl_req *q, pl_provider *rp)
{
    const char *uuid = PL_PARAM(q, 0);
    int rv = pl_provider_get(q, uuid, rp, 0);
    if (rv == 0) trapped_404(q, no_rp(q, uuid));
    return rv;
}

static long long field_int(json_object *o, const char *key, long long dflt)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : dflt;
}

/* An inventory from a validated body (upstream's defaults for what is absent). */
static void inv_from_json(inv *iv, const char *rc, json_object *o)
{
    json_object *v;
    memset(iv, 0, sizeof(*iv));
    iv->rc = rc;
    iv->total = field_int(o, "total", 0);
    iv->reserved = field_int(o, "reserved", 0);
    iv->min_unit = field_int(o, "min_unit", 1);
    iv->max_unit = field_int(o, "max_unit", MAX_INT);
    iv->step_size = field_int(o, "step_size", 1);
    iv->ratio = 1.0;
    if (json_object_object_get_ex(o, "allocation_ratio", &v)) {
        iv->ratio_json = v;
        iv->ratio = json_object_get_double(v);
    }
}

/* int((total - reserved) * allocation_ratio) compared with 0, as Python
 * does it: an integer ratio multiplies exactly, a float one in doubles. */
static int capacity_bad(pl_req *q, const inv *iv)
{
    double cap;
    if (iv->ratio_json && json_object_is_type(iv->ratio_json, json_type_int))
        cap = (double)(iv->total - iv->reserved) * (double)json_object_get_int64(iv->ratio_json);
    else
        cap = trunc((double)(iv->total - iv->reserved) * iv->ratio);
    return PL_MV_GE(q, 1, 26) ? cap < 0 : cap <= 0;
}

static const char *capacity_text(pl_req *q, const inv *iv, const char *uuid)
{
    return apr_psprintf(q->pool, "Invalid inventory for '%s' on resource provider '%s'. "
                        "The reserved value is greater than %stotal.", iv->rc, uuid,
                        PL_MV_GE(q, 1, 26) ? "" : "or equal to ");
}

static json_object *ratio_json(const inv *iv)
{
    if (iv->ratio_json && json_object_is_type(iv->ratio_json, json_type_int))
        return json_object_new_int64(json_object_get_int64(iv->ratio_json));
    return pl_json_double(iv->ratio);
}

static json_object *inv_json(const inv *iv, long long generation)
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

/* The provider's inventories, in class id order. */
static int read_inventories(pl_req *q, long long rp_id, const char *only_rc,
                            apr_array_header_t **out)
{
    pl_dbres *res;
    int i, rv;
    const char *sql =
        "SELECT rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, "
        "i.allocation_ratio, i.created_at, i.updated_at, i.resource_class_id "
        "FROM inventories i JOIN resource_classes rc ON rc.id = i.resource_class_id "
        "WHERE i.resource_provider_id = ?";
    if (only_rc)
        rv = pl_db_query(q, &res, apr_pstrcat(q->pool, sql, " AND rc.name = ?", NULL),
                         "is", rp_id, only_rc);
    else
        rv = pl_db_query(q, &res, apr_pstrcat(q->pool, sql, " ORDER BY i.resource_class_id",
                                              NULL), "i", rp_id);
    if (rv != PL_OK) return PL_FAIL;
    *out = apr_array_make(q->pool, res->nrows ? res->nrows : 1, sizeof(inv));
    for (i = 0; i < res->nrows; i++) {
        inv *iv = apr_array_push(*out);
        memset(iv, 0, sizeof(*iv));
        iv->rc = PL_CELL(res, i, 0);
        iv->total = pl_cell_int(res, i, 1);
        iv->reserved = pl_cell_int(res, i, 2);
        iv->min_unit = pl_cell_int(res, i, 3);
        iv->max_unit = pl_cell_int(res, i, 4);
        iv->step_size = pl_cell_int(res, i, 5);
        iv->ratio = pl_cell_double(res, i, 6);
        iv->modified = pl_modified(PL_CELL(res, i, 7), PL_CELL(res, i, 8));
        iv->rc_id = pl_cell_int(res, i, 9);
    }
    return PL_OK;
}

static void cache_control(pl_req *q)
{
    if (PL_MV_GE(q, 1, 15)) apr_table_setn(q->r->headers_out, "cache-control", "no-cache");
}

/* GET /resource_providers/{uuid}/inventories ----------------------------- */

int pl_h_inventories_list(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_provider rp;
    apr_array_header_t *list;
    json_object *doc, *invs;
    apr_time_t last = 0;
    int rv = pl_provider_get(q, uuid, &rp, 0), i;

    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0)
        return pl_error(q, 404, NULL, "%s : %s", no_rp(q, uuid), no_rp(q, uuid));
    if (read_inventories(q, rp.id, NULL, &list) != PL_OK) return pl_send_failure(q);
    doc = json_object_new_object();
    invs = json_object_new_object();
    for (i = 0; i < list->nelts; i++) {
        inv *iv = &APR_ARRAY_IDX(list, i, inv);
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
    apr_array_header_t *list;
    inv *iv;
    int rv = pl_provider_get(q, uuid, &rp, 0);

    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0)
        return pl_error(q, 404, NULL, "%s : %s", no_rp(q, uuid), no_rp(q, uuid));
    if (read_inventories(q, rp.id, rc, &list) != PL_OK) return pl_send_failure(q);
    /* the name match must be exact (the collation is not) */
    if (list->nelts == 0 || strcmp((iv = &APR_ARRAY_IDX(list, 0, inv))->rc, rc) != 0)
        return pl_error(q, 404, NULL, "No inventory of class %s for %s", rc, uuid);
    pl_set_last_modified(q, iv->modified);
    return pl_send_json(q, 200, inv_json(iv, rp.generation));
}

/* Shared write steps ------------------------------------------------------ */

/* Resource class id by exact name: 1 found, 0 not, PL_FAIL. */
static int class_id(pl_req *q, const char *name, long long *id)
{
    pl_dbres *res;
    if (pl_db_query(q, &res, "SELECT id, name FROM resource_classes WHERE name = ?", "s",
                    name) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0 || strcmp(PL_CELL(res, 0, 1), name) != 0) return 0;
    *id = pl_cell_int(res, 0, 0);
    return 1;
}

/* "A, B" of the classes among ids[] that have allocations on the provider,
 * or NULL when none has; *failed on a database failure. */
static const char *classes_in_use(pl_req *q, long long rp_id, const long long *ids, int n,
                                  int *failed)
{
    pl_dbarg *args = apr_pcalloc(q->pool, sizeof(*args) * (n + 1));
    pl_dbres *res;
    const char *names = NULL;
    int i;
    *failed = 0;
    if (n == 0) return NULL;
    args[0].type = 'i';
    args[0].i = rp_id;
    for (i = 0; i < n; i++) {
        args[i + 1].type = 'i';
        args[i + 1].i = ids[i];
    }
    if (pl_db_exec(q, &res, apr_pstrcat(q->pool,
            "SELECT a.resource_class_id, rc.name FROM allocations a "
            "JOIN resource_classes rc ON rc.id = a.resource_class_id "
            "WHERE a.resource_provider_id = ? AND a.resource_class_id IN (",
            pl_db_placeholders(q->pool, n), ") GROUP BY a.resource_class_id, rc.name "
            "ORDER BY a.resource_class_id", NULL), args, n + 1) != PL_OK) {
        *failed = 1;
        return NULL;
    }
    for (i = 0; i < res->nrows; i++)
        names = names ? apr_pstrcat(q->pool, names, ", ", PL_CELL(res, i, 1), NULL)
                      : PL_CELL(res, i, 1);
    return names;
}

static int insert_inv(pl_req *q, long long rp_id, const inv *iv)
{
    return pl_db_query(q, NULL,
        "INSERT INTO inventories (created_at, resource_provider_id, resource_class_id, "
        "total, reserved, min_unit, max_unit, step_size, allocation_ratio) "
        "VALUES (UTC_TIMESTAMP(), ?, ?, ?, ?, ?, ?, ?, ?)", "iiiiiiid", rp_id, iv->rc_id,
        iv->total, iv->reserved, iv->min_unit, iv->max_unit, iv->step_size, iv->ratio);
}

static int update_inv(pl_req *q, long long rp_id, const inv *iv)
{
    return pl_db_query(q, NULL,
        "UPDATE inventories SET updated_at = UTC_TIMESTAMP(), total = ?, reserved = ?, "
        "min_unit = ?, max_unit = ?, step_size = ?, allocation_ratio = ? "
        "WHERE resource_provider_id = ? AND resource_class_id = ?", "iiiiidii",
        iv->total, iv->reserved, iv->min_unit, iv->max_unit, iv->step_size, iv->ratio,
        rp_id, iv->rc_id);
}

/* Bump the generation; on a conflict, upstream's text behind prefix. */
static int bump(pl_req *q, pl_provider *rp, const char *prefix)
{
    if (pl_provider_bump(q, rp) == PL_OK) return PL_OK;
    if (q->failure.status == 409)
        pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "%s%s", prefix, RP_CONCURRENT);
    return PL_FAIL;
}

/* A duplicate key becomes upstream's DBDuplicateEntry text (SQLAlchemy's
 * rendering of the failed INSERT included). */
static int dup_text(pl_req *q, const char *prefix, long long rp_id, const inv *iv)
{
    apr_time_exp_t t;
    const char *ratio;
    char when[96];
    if (q->db_errno != PL_ER_DUP_ENTRY) return PL_FAIL;
    apr_time_exp_gmt(&t, apr_time_now());
    if (t.tm_usec)
        snprintf(when, sizeof(when), "%d, %d, %d, %d, %d, %d, %d", t.tm_year + 1900,
                 t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, (int)t.tm_usec);
    else
        snprintf(when, sizeof(when), "%d, %d, %d, %d, %d, %d", t.tm_year + 1900,
                 t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
    ratio = iv->ratio_json ? pl_json_pyrepr(q->pool, iv->ratio_json) : "1.0";
    return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "%s(pymysql.err.IntegrityError) (1062, "
        "\"Duplicate entry '%s-%s' for key "
        "'uniq_inventories0resource_provider_resource_class'\") [SQL: INSERT INTO "
        "inventories (created_at, resource_provider_id, resource_class_id, total, reserved, "
        "min_unit, max_unit, step_size, allocation_ratio) VALUES (%%(created_at)s, "
        "%%(resource_provider_id)s, %%(resource_class_id)s, %%(total)s, %%(reserved)s, "
        "%%(min_unit)s, %%(max_unit)s, %%(step_size)s, %%(allocation_ratio)s)] [parameters: "
        "{'created_at': datetime.datetime(%s), 'resource_provider_id': %s, "
        "'resource_class_id': %s, 'total': %s, 'reserved': %s, 'min_unit': %s, "
        "'max_unit': %s, 'step_size': %s, 'allocation_ratio': %s}] (Background on this "
        "error at: https://sqlalche.me/e/14/gkpj)", prefix, I64(q, rp_id), I64(q, iv->rc_id),
        when, I64(q, rp_id), I64(q, iv->rc_id), I64(q, iv->total), I64(q, iv->reserved),
        I64(q, iv->min_unit), I64(q, iv->max_unit), I64(q, iv->step_size), ratio);
}

/* POST /resource_providers/{uuid}/inventories ----------------------------- */

typedef struct one_ctx {
    pl_provider rp;
    inv iv;
} one_ctx;

static int create_txn(pl_req *q, void *data)
{
    one_ctx *c = data;
    pl_provider rp = c->rp;   /* a retry starts from what was read */
    int rv = class_id(q, c->iv.rc, &c->iv.rc_id);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0)
        return pl_fail(q, 400, NULL, "Unable to create inventory for resource provider %s: "
                       "No such resource class %s.", rp.uuid, c->iv.rc);
    if (insert_inv(q, rp.id, &c->iv) != PL_OK)
        return dup_text(q, "Update conflict: ", rp.id, &c->iv);
    if (bump(q, &rp, "Update conflict: ") != PL_OK) return PL_FAIL;
    c->rp.generation = rp.generation;
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
    inv_from_json(&c.iv, json_object_get_string(v), b);
    if (capacity_bad(q, &c.iv))
        return pl_error(q, 400, NULL, "Unable to create inventory for resource provider "
                        "%s: %s", c.rp.uuid, capacity_text(q, &c.iv, c.rp.uuid));
    rp0 = c.rp;
    if (pl_db_txn(q, create_txn, &c) != PL_OK) return pl_send_failure(q);
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
    int rv = class_id(q, c->iv.rc, &c->iv.rc_id);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0)
        return trapped_404(q, apr_psprintf(q->pool, "No such resource class %s.", c->iv.rc));
    if (pl_db_query(q, &res, "SELECT id FROM inventories WHERE resource_provider_id = ? "
                    "AND resource_class_id = ? FOR UPDATE", "ii", rp.id, c->iv.rc_id)
        != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0)
        return pl_fail(q, 400, NULL, "No inventory record with resource class for resource "
                       "provider %s: No inventory of class %s found.", rp.uuid, c->iv.rc);
    if (update_inv(q, rp.id, &c->iv) != PL_OK) return PL_FAIL;
    if (bump(q, &rp, "update conflict: ") != PL_OK) return PL_FAIL;
    c->rp.generation = rp.generation;
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
    inv_from_json(&c.iv, PL_PARAM(q, 1), b);
    if (capacity_bad(q, &c.iv))
        return pl_error(q, 400, NULL, "Unable to update inventory for resource provider "
                        "%s: %s", c.rp.uuid, capacity_text(q, &c.iv, c.rp.uuid));
    if (pl_db_txn(q, update_txn, &c) != PL_OK) return pl_send_failure(q);
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
    int failed, rv = class_id(q, rc, &c->iv.rc_id);
    if (rv == PL_FAIL) return PL_FAIL;
    if (rv == 0)
        return pl_fail(q, 404, NULL, "No inventory of class %s found for delete: No such "
                       "resource class %s.", rc, rc);
    used = classes_in_use(q, rp.id, &c->iv.rc_id, 1, &failed);
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
    return bump(q, &rp, apr_psprintf(q->pool, "Unable to delete inventory of class %s: ",
                                     rc));
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
    apr_array_header_t *invs;   /* of inv, in the body's order */
    int deleting_all;           /* DELETE: other texts */
} set_ctx;

static int set_txn(pl_req *q, void *data)
{
    set_ctx *c = data;
    pl_provider rp = c->rp;
    apr_array_header_t *cur;
    long long *gone;
    char *keep;
    const char *used;
    int i, j, ngone = 0, failed;

    /* the current set, locked */
    {
        pl_dbres *res;
        if (pl_db_query(q, &res, "SELECT resource_class_id FROM inventories WHERE "
                        "resource_provider_id = ? FOR UPDATE", "i", rp.id) != PL_OK)
            return PL_FAIL;
        cur = apr_array_make(q->pool, res->nrows + 1, sizeof(long long));
        for (i = 0; i < res->nrows; i++)
            APR_ARRAY_PUSH(cur, long long) = pl_cell_int(res, i, 0);
    }
    for (i = 0; i < c->invs->nelts; i++) {
        inv *iv = &APR_ARRAY_IDX(c->invs, i, inv);
        int rv = class_id(q, iv->rc, &iv->rc_id);
        if (rv == PL_FAIL) return PL_FAIL;
        if (rv == 0)
            return pl_fail(q, 400, NULL, "Unknown resource class in inventory for resource "
                           "provider %s: No such resource class %s.", rp.uuid, iv->rc);
    }
    gone = apr_pcalloc(q->pool, sizeof(long long) * (cur->nelts + 1));
    keep = apr_pcalloc(q->pool, c->invs->nelts + 1);   /* 1: already there */
    for (j = 0; j < cur->nelts; j++) {
        long long id = APR_ARRAY_IDX(cur, j, long long);
        int found = 0;
        for (i = 0; i < c->invs->nelts; i++)
            if (APR_ARRAY_IDX(c->invs, i, inv).rc_id == id) { keep[i] = 1; found = 1; }
        if (!found) gone[ngone++] = id;
    }
    if (ngone) {
        pl_dbarg *args = apr_pcalloc(q->pool, sizeof(*args) * (ngone + 1));
        used = classes_in_use(q, rp.id, gone, ngone, &failed);
        if (failed) return PL_FAIL;
        if (used)
            return pl_fail(q, 409, PL_CODE_INVENTORY_INUSE, "%sInventory for '%s' on "
                           "resource provider '%s' in use.",
                           c->deleting_all ? "" : "update conflict: ", used, rp.uuid);
        args[0].type = 'i';
        args[0].i = rp.id;
        for (i = 0; i < ngone; i++) {
            args[i + 1].type = 'i';
            args[i + 1].i = gone[i];
        }
        if (pl_db_exec(q, NULL, apr_pstrcat(q->pool, "DELETE FROM inventories WHERE "
                "resource_provider_id = ? AND resource_class_id IN (",
                pl_db_placeholders(q->pool, ngone), ")", NULL), args, ngone + 1) != PL_OK)
            return PL_FAIL;
    }
    for (i = 0; i < c->invs->nelts; i++) {
        inv *iv = &APR_ARRAY_IDX(c->invs, i, inv);
        if (keep[i]) continue;
        if (insert_inv(q, rp.id, iv) != PL_OK)
            return dup_text(q, "update conflict: ", rp.id, iv);
    }
    for (i = 0; i < c->invs->nelts; i++) {
        inv *iv = &APR_ARRAY_IDX(c->invs, i, inv);
        if (keep[i] && update_inv(q, rp.id, iv) != PL_OK) return PL_FAIL;
    }
    if (c->deleting_all) {
        if (pl_provider_bump(q, &rp) != PL_OK) {
            if (q->failure.status == 409)
                pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "Unable to delete inventory for "
                        "resource provider %s because the inventory was updated by another "
                        "process. Please retry your request.", rp.uuid);
            return PL_FAIL;
        }
    }
    else if (bump(q, &rp, "update conflict: ") != PL_OK)
        return PL_FAIL;
    c->rp.generation = rp.generation;
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
    c.invs = apr_array_make(q->pool, 8, sizeof(inv));
    {
        json_object_object_foreach(invs, key, val) {
            inv_from_json(apr_array_push(c.invs), apr_pstrdup(q->pool, key), val);
        }
    }
    for (i = 0; i < c.invs->nelts; i++) {
        inv *iv = &APR_ARRAY_IDX(c.invs, i, inv);
        if (capacity_bad(q, iv))
            return pl_error(q, 400, NULL, "Unable to update inventory for resource provider "
                            "%s: %s", c.rp.uuid, capacity_text(q, iv, c.rp.uuid));
    }
    if (pl_db_txn(q, set_txn, &c) != PL_OK) return pl_send_failure(q);

    doc = json_object_new_object();
    out = json_object_new_object();
    for (i = 0; i < c.invs->nelts; i++) {
        inv *iv = &APR_ARRAY_IDX(c.invs, i, inv);
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
    c.invs = apr_array_make(q->pool, 1, sizeof(inv));
    c.deleting_all = 1;
    if (pl_db_txn(q, set_txn, &c) != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}
