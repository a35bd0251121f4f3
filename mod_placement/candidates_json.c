/* GET /allocation_candidates: the response body, shaped per microversion
 * (allocation requests as a list before 1.12, keyed by provider after;
 * mappings from 1.34; summaries with traits from 1.17, every class from
 * 1.27, parent and root uuids from 1.29). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "candidates.h"
#include "http.h"

/* Resources of one allocation request, per provider in first-use order. */
static json_object *by_provider(pl_req *q, const pl_ac_areq *a, int as_list)
{
    json_object *out = as_list ? json_object_new_array() : json_object_new_object();
    int i, j;
    for (i = 0; i < a->narr; i++) {
        json_object *res;
        for (j = 0; j < i && a->arr[j].rp != a->arr[i].rp; j++) ;
        if (j < i) continue;                       /* provider done already */
        res = json_object_new_object();
        for (j = i; j < a->narr; j++)
            if (a->arr[j].rp == a->arr[i].rp)
                json_object_object_add(res, a->arr[j].rc, json_object_new_int64(a->arr[j].amount));
        if (as_list) {
            json_object *item = json_object_new_object(), *rp = json_object_new_object();
            json_object_object_add(rp, "uuid", json_object_new_string(a->arr[i].rp->uuid));
            json_object_object_add(item, "resource_provider", rp);
            json_object_object_add(item, "resources", res);
            json_object_array_add(out, item);
        }
        else {
            json_object *item = json_object_new_object();
            json_object_object_add(item, "resources", res);
            json_object_object_add(out, a->arr[i].rp->uuid, item);
        }
    }
    (void)q;
    return out;
}

static int requested(const pl_ac_request *r, const char *rc)
{
    int i, j;
    for (i = 0; i < r->groups->nelts; i++) {
        const pl_ac_group *g = &APR_ARRAY_IDX(r->groups, i, pl_ac_group);
        for (j = 0; j < g->resources->nelts; j++)
            if (strcmp(APR_ARRAY_IDX(g->resources, j, pl_qp_amount).rc, rc) == 0) return 1;
    }
    return 0;
}

/* A capacity as Python prints int() of a float: every digit, past 2^63
 * too (a ratio of 1e30 gives 8000000000000000159076998709248 for 8). */
static json_object *capacity_json(const pl_ac_inv *inv)
{
    char digits[400];       /* DBL_MAX has 309 digits */
    if (inv->capacity != LLONG_MAX && inv->capacity != LLONG_MIN)
        return json_object_new_int64(inv->capacity);
    snprintf(digits, sizeof(digits), "%.0f", inv->capacity_f);     /* exact in glibc; apr's is not */
    return json_object_new_double_s(inv->capacity_f, digits);
}

json_object *pl_ac_render(pl_req *q, const pl_ac_request *r, const pl_ac_result *res)
{
    json_object *body = json_object_new_object();
    json_object *areqs = json_object_new_array(), *sums = json_object_new_object();
    int dict = PL_MV_GE(q, 1, 12), mappings = PL_MV_GE(q, 1, 34);
    int all_rcs = PL_MV_GE(q, 1, 27), traits = PL_MV_GE(q, 1, 17), nested = PL_MV_GE(q, 1, 29);
    int i, j, k;

    for (i = 0; i < res->areqs->nelts; i++) {
        const pl_ac_areq *a = APR_ARRAY_IDX(res->areqs, i, pl_ac_areq *);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "allocations", by_provider(q, a, !dict));
        if (dict && mappings) {
            json_object *m = json_object_new_object();
            for (j = 0; j < a->ngroups; j++) {
                json_object *l = json_object_new_array();
                for (k = 0; k < a->maps[j]->nelts; k++)
                    json_object_array_add(l, json_object_new_string(
                        APR_ARRAY_IDX(a->maps[j], k, pl_ac_rp *)->uuid));
                json_object_object_add(m, APR_ARRAY_IDX(r->groups, j, pl_ac_group).suffix, l);
            }
            json_object_object_add(o, "mappings", m);
        }
        json_object_array_add(areqs, o);
    }

    for (i = 0; i < res->summaries->nelts; i++) {
        const pl_ac_rp *rp = APR_ARRAY_IDX(res->summaries, i, pl_ac_rp *);
        json_object *s = json_object_new_object(), *rs = json_object_new_object();
        for (j = 0; j < rp->inv->nelts; j++) {
            const pl_ac_inv *inv = &APR_ARRAY_IDX(rp->inv, j, pl_ac_inv);
            json_object *one;
            if (!all_rcs && !requested(r, inv->rc)) continue;
            one = json_object_new_object();
            json_object_object_add(one, "capacity", capacity_json(inv));
            json_object_object_add(one, "used", json_object_new_int64(inv->used));
            json_object_object_add(rs, inv->rc, one);
        }
        json_object_object_add(s, "resources", rs);
        if (traits) {
            json_object *t = json_object_new_array();
            for (j = 0; j < rp->traits->nelts; j++)
                json_object_array_add(t, json_object_new_string(
                    APR_ARRAY_IDX(rp->traits, j, const char *)));
            json_object_object_add(s, "traits", t);
        }
        if (nested) {
            json_object_object_add(s, "parent_provider_uuid",
                                   pl_json_str(rp->parent ? rp->parent->uuid : NULL));
            json_object_object_add(s, "root_provider_uuid",
                                   pl_json_str(rp->root ? rp->root->uuid : rp->uuid));
        }
        json_object_object_add(sums, rp->uuid, s);
    }
    json_object_object_add(body, "allocation_requests", areqs);
    json_object_object_add(body, "provider_summaries", sums);
    return body;
}
