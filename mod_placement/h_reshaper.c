/* h_reshaper: POST /reshaper (1.30+), replace the inventories of a set of
 * providers and the allocations of a set of consumers in one transaction.
 *
 * The steps are upstream's: an interim inventory per provider (what it has
 * now plus what it will have, so nothing is deleted yet and the new
 * allocations find their inventory), then the allocations (the shared
 * allocation writer), then the final inventories (deleting what is gone;
 * refused when allocations remain on it).  Each step bumps generations as
 * upstream's does.  Every provider involved is locked first, in one
 * SELECT ... FOR UPDATE by primary key in id order (the allocation
 * writer's order, ids resolved before the transaction), before any plain
 * read. */
#include "handlers.h"
#include "http.h"
#include "db.h"
#include "objects.h"
#include "strutil.h"
#include "allocation_write.h"
#include "inventory_write.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>

#define ALLOC_PREFIX "Inventory and/or allocations changed while attempting to allocate: "

typedef struct resh_rp {
    const char *uuid;            /* as in the body */
    long long given;             /* resource_provider_generation */
    apr_array_header_t *invs;    /* pl_inv, the final state */
} resh_rp;

typedef struct resh {
    apr_array_header_t *rps;     /* resh_rp, in body order */
    pl_alloc_request w;
} resh;

/* Every provider named (inventories, allocations, and those the allocation
 * writer asked for on an earlier run), lower case, each once. */
static apr_array_header_t *named_uuids(pl_req *q, resh *c)
{
    apr_hash_t *seen = apr_hash_make(q->pool);
    apr_array_header_t *uuids = apr_array_make(q->pool, 8, sizeof(const char *));
    int i, j;
    for (i = 0; i < c->rps->nelts; i++)
        pl_add_unique(seen, uuids, pl_lower(q->pool, APR_ARRAY_IDX(c->rps, i, resh_rp).uuid));
    for (i = 0; i < c->w.consumers->nelts; i++) {
        apr_array_header_t *items =
            APR_ARRAY_IDX(c->w.consumers, i, pl_alloc_consumer).items;
        for (j = 0; j < items->nelts; j++)
            pl_add_unique(seen, uuids,
                       pl_lower(q->pool, APR_ARRAY_IDX(items, j, pl_alloc_item).rp_uuid));
    }
    for (i = 0; c->w.extra_rp_uuids && i < c->w.extra_rp_uuids->nelts; i++)
        pl_add_unique(seen, uuids, APR_ARRAY_IDX(c->w.extra_rp_uuids, i, const char *));
    return uuids;
}

/* Lock every provider named, by primary key (resolved before the
 * transaction: pl_providers_lock); *found: lower uuid -> "" for those that
 * exist. */
static int lock_providers(pl_req *q, resh *c, apr_hash_t **found)
{
    pl_dbres *res;
    int i;
    *found = apr_hash_make(q->pool);
    if (pl_providers_lock(q, named_uuids(q, c), c->w.rp_ids, &res) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++)
        apr_hash_set(*found, pl_lower(q->pool, PL_CELL(res, i, PL_LOCK_UUID)),
                     APR_HASH_KEY_STRING, "");
    return PL_OK;
}

/* The classes the allocations name must exist (upstream: a NotFound,
 * reported as malformed data), first unknown one in body order. */
static int check_alloc_classes(pl_req *q, resh *c)
{
    apr_hash_t *seen = apr_hash_make(q->pool), *known = apr_hash_make(q->pool);
    apr_array_header_t *names = apr_array_make(q->pool, 8, sizeof(const char *));
    int i, j;
    for (i = 0; i < c->w.consumers->nelts; i++) {
        apr_array_header_t *items =
            APR_ARRAY_IDX(c->w.consumers, i, pl_alloc_consumer).items;
        for (j = 0; j < items->nelts; j++)
            pl_add_unique(seen, names, APR_ARRAY_IDX(items, j, pl_alloc_item).rc);
    }
    if (!names->nelts) return PL_OK;
    if (pl_name_ids(q, "resource_classes", "name", names, known) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        if (!apr_hash_get(known, n, APR_HASH_KEY_STRING))
            return pl_fail(q, 400, NULL, "malformed reshaper data: No such resource class "
                           "%s.", n);
    }
    return PL_OK;
}

/* Consumer generations, in body order, before the inventories change:
 * upstream checks them first (the allocation writer checks them again). */
static int check_consumer_generations(pl_req *q, resh *c)
{
    apr_hash_t *gens = apr_hash_make(q->pool);
    apr_array_header_t *uuids = apr_array_make(q->pool, 4, sizeof(const char *));
    pl_dbres *res;
    enum { CG_UUID, CG_GEN };
    int i;
    for (i = 0; i < c->w.consumers->nelts; i++)
        APR_ARRAY_PUSH(uuids, const char *) =
            APR_ARRAY_IDX(c->w.consumers, i, pl_alloc_consumer).uuid;
    if (!uuids->nelts) return PL_OK;
    if (pl_db_exec_strs(q, &res, "SELECT uuid, generation FROM consumers WHERE uuid IN ", "",
                        uuids) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++)
        apr_hash_set(gens, pl_lower(q->pool, PL_CELL(res, i, CG_UUID)), APR_HASH_KEY_STRING,
                     PL_CELL(res, i, CG_GEN));
    for (i = 0; i < c->w.consumers->nelts; i++) {
        pl_alloc_consumer *pc = &APR_ARRAY_IDX(c->w.consumers, i, pl_alloc_consumer);
        const char *have = apr_hash_get(gens, pl_lower(q->pool, pc->uuid), APR_HASH_KEY_STRING);
        const char *got = pc->generation_null ? "None"
            : apr_psprintf(q->pool, "%" APR_INT64_T_FMT, (apr_int64_t)pc->generation);
        if (have && (pc->generation_null || strcmp(have, got) != 0))
            return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "consumer generation conflict "
                           "- expected %s but got %s", have, got);
        if (!have && !pc->generation_null)
            return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "consumer generation conflict "
                           "- expected null but got %s", got);
    }
    return PL_OK;
}

/* What the provider has now, overlaid with what it will have. */
static int interim(pl_req *q, pl_provider *rp, apr_array_header_t *want)
{
    apr_array_header_t *cur, *all;
    int i, j;
    if (pl_inv_read(q, rp->id, &cur) != PL_OK) return PL_FAIL;
    all = apr_array_make(q->pool, cur->nelts + want->nelts, sizeof(pl_inv));
    for (i = 0; i < cur->nelts; i++) {
        pl_inv *old = &APR_ARRAY_IDX(cur, i, pl_inv);
        for (j = 0; j < want->nelts; j++)
            if (!strcmp(APR_ARRAY_IDX(want, j, pl_inv).rc, old->rc)) break;
        if (j == want->nelts) APR_ARRAY_PUSH(all, pl_inv) = *old;
    }
    for (j = 0; j < want->nelts; j++)
        APR_ARRAY_PUSH(all, pl_inv) = APR_ARRAY_IDX(want, j, pl_inv);
    return pl_inv_set(q, rp, all, PL_INV_SET_RESHAPE);
}

static int reshape_txn(pl_req *q, void *data)
{
    resh *c = data;
    apr_hash_t *found;
    pl_provider *rps = apr_pcalloc(q->pool, sizeof(*rps) * (c->rps->nelts + 1));
    int i, j, rv;

    if (lock_providers(q, c, &found) != PL_OK) return PL_FAIL;

    /* The inventories' providers and their generations, in body order. */
    for (i = 0; i < c->rps->nelts; i++) {
        resh_rp *r = &APR_ARRAY_IDX(c->rps, i, resh_rp);
        rv = pl_provider_get(q, r->uuid, &rps[i], 0);
        if (rv == PL_FAIL) return PL_FAIL;
        if (rv == 0)
            return pl_fail(q, 400, PL_CODE_PROVIDER_NOT_FOUND, "Resource provider %s in "
                           "inventories not found: No resource provider with uuid %s found",
                           r->uuid, r->uuid);
        if (rps[i].generation != r->given)
            return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "resource provider generation "
                           "conflict for provider %s: actual: %s, given: %s", r->uuid,
                           apr_psprintf(q->pool, "%" APR_INT64_T_FMT,
                                        (apr_int64_t)rps[i].generation),
                           apr_psprintf(q->pool, "%" APR_INT64_T_FMT, (apr_int64_t)r->given));
    }
    if (check_consumer_generations(q, c) != PL_OK) return PL_FAIL;
    /* The allocations' providers (checked before anything is written). */
    for (i = 0; i < c->w.consumers->nelts; i++) {
        apr_array_header_t *items =
            APR_ARRAY_IDX(c->w.consumers, i, pl_alloc_consumer).items;
        for (j = 0; j < items->nelts; j++) {
            const char *u = APR_ARRAY_IDX(items, j, pl_alloc_item).rp_uuid;
            if (!apr_hash_get(found, pl_lower(q->pool, u), APR_HASH_KEY_STRING))
                return pl_fail(q, 400, NULL, "Allocation for resource provider '%s' that "
                               "does not exist.", u);
        }
    }

    /* 1. Interim inventories (none for a provider whose new set is empty). */
    for (i = 0; i < c->rps->nelts; i++) {
        resh_rp *r = &APR_ARRAY_IDX(c->rps, i, resh_rp);
        if (r->invs->nelts && interim(q, &rps[i], r->invs) != PL_OK) return PL_FAIL;
    }

    /* 2. The allocations. */
    if (c->w.consumers->nelts) {
        if (check_alloc_classes(q, c) != PL_OK) return PL_FAIL;
        rv = pl_alloc_write_body(q, &c->w);
        if (rv != PL_OK) return rv;
    }

    /* 3. Final inventories, from each provider's generation as it is now. */
    for (i = 0; i < c->rps->nelts; i++) {
        resh_rp *r = &APR_ARRAY_IDX(c->rps, i, resh_rp);
        pl_provider rp;
        rv = pl_provider_get(q, r->uuid, &rp, 0);
        if (rv == PL_FAIL) return PL_FAIL;
        if (rv == 0)
            return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "update conflict: %s",
                           PL_INV_RP_CONCURRENT);
        if (pl_inv_set(q, &rp, r->invs, PL_INV_SET_RESHAPE) != PL_OK) return PL_FAIL;
    }
    return PL_OK;
}

int pl_h_reshaper(pl_req *q)
{
    const char *schema = PL_MV_GE(q, 1, 38) ? "reshaper.POST_RESHAPER_SCHEMA_V1_38"
        : PL_MV_GE(q, 1, 34) ? "reshaper.POST_RESHAPER_SCHEMA_V1_34"
        : "reshaper.POST_RESHAPER_SCHEMA";
    json_object *b = pl_read_json(q, schema), *invs = NULL, *allocs = NULL;
    resh c;

    if (!b) return pl_send_failure(q);
    memset(&c, 0, sizeof(c));
    c.rps = apr_array_make(q->pool, 4, sizeof(resh_rp));
    c.w.consumers = apr_array_make(q->pool, 4, sizeof(pl_alloc_consumer));
    json_object_object_get_ex(b, "inventories", &invs);
    json_object_object_get_ex(b, "allocations", &allocs);
    {
        json_object_object_foreach(invs, rp_uuid, d) {
            resh_rp *r = apr_array_push(c.rps);
            json_object *v, *list = NULL;
            r->uuid = apr_pstrdup(q->pool, rp_uuid);
            json_object_object_get_ex(d, "resource_provider_generation", &v);
            r->given = json_object_get_int64(v);
            r->invs = apr_array_make(q->pool, 4, sizeof(pl_inv));
            json_object_object_get_ex(d, "inventories", &list);
            {
                json_object_object_foreach(list, rc, o)
                    pl_inv_from_json(apr_array_push(r->invs), apr_pstrdup(q->pool, rc), o);
            }
        }
    }
    {
        json_object_object_foreach(allocs, cuuid, d)
            pl_alloc_consumer_read(q, apr_array_push(c.w.consumers), apr_pstrdup(q->pool, cuuid), d);
    }
    c.w.rp_ids = apr_hash_make(q->pool);
    if (pl_provider_ids(q, named_uuids(q, &c), c.w.rp_ids) != PL_OK
        || pl_db_txn(q, reshape_txn, &c) != PL_OK) {
        /* the allocation writer's conflict texts, as the reshaper words them */
        const char *d = q->failure.detail;
        if (pl_failed_conflict(q) && d && !strncmp(d, ALLOC_PREFIX, strlen(ALLOC_PREFIX)))
            q->failure.detail = apr_pstrcat(q->pool, "update conflict: ",
                                            d + strlen(ALLOC_PREFIX), NULL);
        return pl_send_failure(q);
    }
    return pl_send_empty(q, 204);
}
