/* The pure parts of an allocation write (see allocation_claims.h). */
#include "allocation_claims.h"
#include "microversion.h"

#include <apr_strings.h>
#include <string.h>

void pl_alloc_items_add(apr_pool_t *p, apr_array_header_t *items, const char *rp_uuid,
                        json_object *resources)
{
    apr_array_header_t *keep = NULL;
    int i;
    for (i = 0; i < items->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(items, i, pl_alloc_item).rp_uuid, rp_uuid)) break;
    if (i < items->nelts) {
        /* rebuild: everything before, the new resources, everything after */
        int at = i, j;
        keep = apr_array_make(p, items->nelts, sizeof(pl_alloc_item));
        for (j = 0; j < at; j++)
            APR_ARRAY_PUSH(keep, pl_alloc_item) = APR_ARRAY_IDX(items, j, pl_alloc_item);
        {
            json_object_object_foreach(resources, rc, v) {
                pl_alloc_item *it = apr_array_push(keep);
                it->rp_uuid = rp_uuid;
                it->rc = apr_pstrdup(p, rc);
                it->used = json_object_get_int64(v);
            }
        }
        for (j = at; j < items->nelts; j++)
            if (strcmp(APR_ARRAY_IDX(items, j, pl_alloc_item).rp_uuid, rp_uuid))
                APR_ARRAY_PUSH(keep, pl_alloc_item) = APR_ARRAY_IDX(items, j, pl_alloc_item);
        items->nelts = 0;
        for (j = 0; j < keep->nelts; j++)
            APR_ARRAY_PUSH(items, pl_alloc_item) = APR_ARRAY_IDX(keep, j, pl_alloc_item);
        return;
    }
    {
        json_object_object_foreach(resources, rc, v) {
            pl_alloc_item *it = apr_array_push(items);
            it->rp_uuid = rp_uuid;
            it->rc = apr_pstrdup(p, rc);
            it->used = json_object_get_int64(v);
        }
    }
}

void pl_alloc_consumer_parse(const pl_alloc_read_ctx *x, pl_alloc_consumer *c,
                             const char *uuid, json_object *d)
{
    apr_pool_t *p = x->pool;
    json_object *v, *allocs = NULL;
    memset(c, 0, sizeof(*c));
    c->uuid = uuid;
    c->items = apr_array_make(p, 4, sizeof(pl_alloc_item));
    json_object_object_get_ex(d, "allocations", &allocs);
    if (json_object_is_type(allocs, json_type_array)) {
        size_t i, n = json_object_array_length(allocs);
        for (i = 0; i < n; i++) {
            json_object *a = json_object_array_get_idx(allocs, i), *rp, *u, *r;
            json_object_object_get_ex(a, "resource_provider", &rp);
            json_object_object_get_ex(rp, "uuid", &u);
            json_object_object_get_ex(a, "resources", &r);
            pl_alloc_items_add(p, c->items, apr_pstrdup(p, json_object_get_string(u)), r);
        }
    }
    else if (allocs) {
        json_object_object_foreach(allocs, rp_uuid, a) {
            json_object *r;
            json_object_object_get_ex(a, "resources", &r);
            pl_alloc_items_add(p, c->items, apr_pstrdup(p, rp_uuid), r);
        }
    }
    if (json_object_object_get_ex(d, "project_id", &v) && v) {
        c->project_id = apr_pstrdup(p, json_object_get_string(v));
        json_object_object_get_ex(d, "user_id", &v);
        c->user_id = apr_pstrdup(p, json_object_get_string(v));
    }
    else {
        c->project_id = x->default_project_id;
        c->user_id = x->default_user_id;
    }
    if (x->mv >= PL_V(1, 28)) {
        c->check_generation = 1;
        if (!json_object_object_get_ex(d, "consumer_generation", &v) || !v)
            c->generation_null = 1;
        else
            c->generation = json_object_get_int64(v);
    }
    if (x->mv >= PL_V(1, 38) && json_object_object_get_ex(d, "consumer_type", &v) && v)
        c->consumer_type = apr_pstrdup(p, json_object_get_string(v));
}

pl_claim_verdict pl_claim_check(pl_claim_inv *v, long long amount)
{
    if (v) v->sum += amount;
    if (amount == 0) return PL_CLAIM_OK;
    if (!v) return PL_CLAIM_NO_INVENTORY;
    if (!pl_amount_in_units(&v->lim, amount)) return PL_CLAIM_UNITS;
    if (!pl_usage_fits(&v->lim, v->used + amount) || !pl_usage_fits(&v->lim, v->used + v->sum))
        return PL_CLAIM_CAPACITY;
    return PL_CLAIM_OK;
}
