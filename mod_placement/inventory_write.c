/* Writing inventories (see inventory_write.h). */
#include "inventory_write.h"
#include "db.h"
#include "http.h"
#include "objects.h"
#include "strutil.h"
#include "pyrepr.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

/* a long long as text (apr's formatter has no %lld) */
#define I64(q, v) apr_psprintf((q)->pool, "%" APR_INT64_T_FMT, (apr_int64_t)(v))

static long long field_int(json_object *o, const char *key, long long dflt)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : dflt;
}

void pl_inv_from_json(pl_inv *iv, const char *rc, json_object *o)
{
    json_object *v;
    memset(iv, 0, sizeof(*iv));
    iv->rc = rc;
    iv->total = field_int(o, "total", 0);
    iv->reserved = field_int(o, "reserved", 0);
    iv->min_unit = field_int(o, "min_unit", 1);
    iv->max_unit = field_int(o, "max_unit", PL_INV_MAX_INT);
    iv->step_size = field_int(o, "step_size", 1);
    iv->ratio = 1.0;
    if (json_object_object_get_ex(o, "allocation_ratio", &v)) {
        iv->ratio_json = v;
        iv->ratio = json_object_get_double(v);
    }
}

apr_array_header_t *pl_inv_from_rows(pl_req *q, const pl_dbres *res)
{
    apr_array_header_t *out = apr_array_make(q->pool, res->nrows ? res->nrows : 1,
                                             sizeof(pl_inv));
    int i;
    for (i = 0; i < res->nrows; i++) {
        pl_inv *iv = apr_array_push(out);
        memset(iv, 0, sizeof(*iv));
        iv->rc = PL_CELL(res, i, PL_INV_RC);
        iv->total = pl_cell_int(res, i, PL_INV_TOTAL);
        iv->reserved = pl_cell_int(res, i, PL_INV_RESERVED);
        iv->min_unit = pl_cell_int(res, i, PL_INV_MIN_UNIT);
        iv->max_unit = pl_cell_int(res, i, PL_INV_MAX_UNIT);
        iv->step_size = pl_cell_int(res, i, PL_INV_STEP_SIZE);
        iv->ratio = pl_cell_double(res, i, PL_INV_RATIO);
        iv->modified = pl_modified(PL_CELL(res, i, PL_INV_CREATED),
                                   PL_CELL(res, i, PL_INV_UPDATED));
        iv->rc_id = pl_cell_int(res, i, PL_INV_RC_ID);
    }
    return out;
}

int pl_inv_read(pl_req *q, long long rp_id, apr_array_header_t **out)
{
    pl_dbres *res;
    if (pl_db_query(q, &res, "SELECT " PL_INV_COLUMNS " FROM " PL_INV_TABLES
                    " WHERE i.resource_provider_id = ? ORDER BY i.resource_class_id",
                    "i", rp_id) != PL_OK)
        return PL_FAIL;
    *out = pl_inv_from_rows(q, res);
    return PL_OK;
}

int pl_inv_lock_provider(pl_req *q, const char *uuid, pl_provider *rp)
{
    return pl_provider_get(q, uuid, rp, 1);
}

int pl_inv_class_id(pl_req *q, const char *name, long long *id)
{
    apr_array_header_t *names = apr_array_make(q->pool, 1, sizeof(const char *));
    apr_hash_t *ids = apr_hash_make(q->pool);
    const char *found;
    APR_ARRAY_PUSH(names, const char *) = name;
    if (pl_name_ids(q, "resource_classes", "name", names, ids) != PL_OK)
        return PL_FAIL;
    /* exact matches only (the collation is not) */
    if (!(found = apr_hash_get(ids, name, APR_HASH_KEY_STRING))) return 0;
    *id = atoll(found);
    return 1;
}

const char *pl_inv_classes_in_use(pl_req *q, long long rp_id, const long long *ids, int n,
                                  int *failed)
{
    enum { IU_RC_ID, IU_RC };
    pl_dbarg *args = apr_pcalloc(q->pool, sizeof(*args) * (n + 1));
    pl_dbres *res;
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
    if (!res->nrows) return NULL;
    {
        const char **list = apr_palloc(q->pool, sizeof(*list) * res->nrows);
        for (i = 0; i < res->nrows; i++) list[i] = PL_CELL(res, i, IU_RC);
        return pl_join(q->pool, list, res->nrows, ", ");
    }
}

int pl_inv_insert(pl_req *q, long long rp_id, const pl_inv *iv)
{
    return pl_db_query(q, NULL,
        "INSERT INTO inventories (created_at, resource_provider_id, resource_class_id, "
        "total, reserved, min_unit, max_unit, step_size, allocation_ratio) "
        "VALUES (UTC_TIMESTAMP(), ?, ?, ?, ?, ?, ?, ?, ?)", "iiiiiiid", rp_id, iv->rc_id,
        iv->total, iv->reserved, iv->min_unit, iv->max_unit, iv->step_size, iv->ratio);
}

int pl_inv_update(pl_req *q, long long rp_id, const pl_inv *iv)
{
    return pl_db_query(q, NULL,
        "UPDATE inventories SET updated_at = UTC_TIMESTAMP(), total = ?, reserved = ?, "
        "min_unit = ?, max_unit = ?, step_size = ?, allocation_ratio = ? "
        "WHERE resource_provider_id = ? AND resource_class_id = ?", "iiiiidii",
        iv->total, iv->reserved, iv->min_unit, iv->max_unit, iv->step_size, iv->ratio,
        rp_id, iv->rc_id);
}

int pl_inv_bump(pl_req *q, pl_provider *rp, const char *prefix)
{
    if (pl_provider_bump(q, rp) == PL_OK) return PL_OK;
    if (pl_failed_conflict(q))
        pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "%s%s", prefix, PL_INV_RP_CONCURRENT);
    return PL_FAIL;
}

/* SQLAlchemy's rendering of the failed INSERT is part of upstream's text. */
int pl_inv_dup_text(pl_req *q, const char *prefix, long long rp_id, const pl_inv *iv)
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

int pl_inv_set(pl_req *q, pl_provider *rp, apr_array_header_t *invs, int mode)
{
    apr_array_header_t *cur;
    long long *gone;
    char *keep;
    const char *used;
    int i, j, ngone = 0, failed;

    /* the current set, locked */
    {
        pl_dbres *res;
        if (pl_db_query(q, &res, "SELECT resource_class_id FROM inventories WHERE "
                        "resource_provider_id = ? FOR UPDATE", "i", rp->id) != PL_OK)
            return PL_FAIL;
        cur = apr_array_make(q->pool, res->nrows + 1, sizeof(long long));
        for (i = 0; i < res->nrows; i++)
            APR_ARRAY_PUSH(cur, long long) = pl_cell_int(res, i, 0);
    }
    for (i = 0; i < invs->nelts; i++) {
        pl_inv *iv = &APR_ARRAY_IDX(invs, i, pl_inv);
        int rv = pl_inv_class_id(q, iv->rc, &iv->rc_id);
        if (rv == PL_FAIL) return PL_FAIL;
        if (rv == 0 && mode == PL_INV_SET_RESHAPE)
            return pl_fail(q, 400, NULL, "malformed reshaper data: No such resource class "
                           "%s.", iv->rc);
        if (rv == 0)
            return pl_fail(q, 400, NULL, "Unknown resource class in inventory for resource "
                           "provider %s: No such resource class %s.", rp->uuid, iv->rc);
    }
    gone = apr_pcalloc(q->pool, sizeof(long long) * (cur->nelts + 1));
    keep = apr_pcalloc(q->pool, invs->nelts + 1);   /* 1: already there */
    for (j = 0; j < cur->nelts; j++) {
        long long id = APR_ARRAY_IDX(cur, j, long long);
        int found = 0;
        for (i = 0; i < invs->nelts; i++)
            if (APR_ARRAY_IDX(invs, i, pl_inv).rc_id == id) { keep[i] = 1; found = 1; }
        if (!found) gone[ngone++] = id;
    }
    if (ngone) {
        pl_dbarg *args = apr_pcalloc(q->pool, sizeof(*args) * (ngone + 1));
        used = pl_inv_classes_in_use(q, rp->id, gone, ngone, &failed);
        if (failed) return PL_FAIL;
        if (used)
            return pl_fail(q, 409, PL_CODE_INVENTORY_INUSE, "%sInventory for '%s' on "
                           "resource provider '%s' in use.",
                           mode == PL_INV_SET_DELETE_ALL ? "" : "update conflict: ",
                           used, rp->uuid);
        args[0].type = 'i';
        args[0].i = rp->id;
        for (i = 0; i < ngone; i++) {
            args[i + 1].type = 'i';
            args[i + 1].i = gone[i];
        }
        if (pl_db_exec(q, NULL, apr_pstrcat(q->pool, "DELETE FROM inventories WHERE "
                "resource_provider_id = ? AND resource_class_id IN (",
                pl_db_placeholders(q->pool, ngone), ")", NULL), args, ngone + 1) != PL_OK)
            return PL_FAIL;
    }
    for (i = 0; i < invs->nelts; i++) {
        pl_inv *iv = &APR_ARRAY_IDX(invs, i, pl_inv);
        if (keep[i]) continue;
        if (pl_inv_insert(q, rp->id, iv) != PL_OK)
            return pl_inv_dup_text(q, "update conflict: ", rp->id, iv);
    }
    for (i = 0; i < invs->nelts; i++) {
        pl_inv *iv = &APR_ARRAY_IDX(invs, i, pl_inv);
        if (keep[i] && pl_inv_update(q, rp->id, iv) != PL_OK) return PL_FAIL;
    }
    if (mode == PL_INV_SET_DELETE_ALL) {
        if (pl_provider_bump(q, rp) != PL_OK) {
            if (pl_failed_conflict(q))
                pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "Unable to delete inventory for "
                        "resource provider %s because the inventory was updated by another "
                        "process. Please retry your request.", rp->uuid);
            return PL_FAIL;
        }
        return PL_OK;
    }
    return pl_inv_bump(q, rp, "update conflict: ");
}
