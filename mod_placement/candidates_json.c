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

/* Resources of one allocation request, per provider in first-use order
 * (each (provider, class) once: the merge summed repeats). */
static void by_provider(pl_jw *w, const pl_ac_areq *a, int as_list)
{
    int i, j;
    if (as_list) pl_jw_arr(w);
    else pl_jw_obj(w);
    for (i = 0; i < a->narr; i++) {
        for (j = 0; j < i && a->arr[j].rp != a->arr[i].rp; j++) ;
        if (j < i) continue;                       /* provider done already */
        if (as_list) {
            pl_jw_obj(w);
            PL_JW_KEY(w, "resource_provider");
            pl_jw_obj(w);
            PL_JW_KEY(w, "uuid");
            pl_jw_str(w, a->arr[i].rp->uuid);
            pl_jw_end(w);
        }
        else {
            pl_jw_key(w, a->arr[i].rp->uuid);
            pl_jw_obj(w);
        }
        PL_JW_KEY(w, "resources");
        pl_jw_obj(w);
        for (j = i; j < a->narr; j++)
            if (a->arr[j].rp == a->arr[i].rp) pl_jw_kint(w, a->arr[j].rc, a->arr[j].amount);
        pl_jw_end(w);
        pl_jw_end(w);
    }
    pl_jw_end(w);
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
static void write_capacity(pl_jw *w, const pl_ac_inv *inv)
{
    char digits[400];       /* DBL_MAX has 309 digits */
    int n;
    if (inv->capacity != LLONG_MAX && inv->capacity != LLONG_MIN) {
        pl_jw_int(w, inv->capacity);
        return;
    }
    n = snprintf(digits, sizeof(digits), "%.0f", inv->capacity_f);  /* exact in glibc; apr's is not */
    pl_jw_raw(w, digits, n > 0 && n < (int)sizeof(digits) ? (size_t)n : 0);
}

/* The body, written as it goes (no document tree: at 10,000 providers a
 * json-c tree cost more than the search); nothing allocated. */
void pl_ac_render(pl_jw *w, pl_req *q, const pl_ac_request *r, const pl_ac_result *res)
{
    int dict = PL_MV_GE(q, 1, 12), mappings = PL_MV_GE(q, 1, 34);
    int all_rcs = PL_MV_GE(q, 1, 27), traits = PL_MV_GE(q, 1, 17), nested = PL_MV_GE(q, 1, 29);
    int i, j, k;

    pl_jw_obj(w);
    PL_JW_KEY(w, "allocation_requests");
    pl_jw_arr(w);
    for (i = 0; i < res->areqs->nelts; i++) {
        const pl_ac_areq *a = APR_ARRAY_IDX(res->areqs, i, pl_ac_areq *);
        pl_jw_obj(w);
        PL_JW_KEY(w, "allocations");
        by_provider(w, a, !dict);
        if (dict && mappings) {
            PL_JW_KEY(w, "mappings");
            pl_jw_obj(w);
            for (j = 0; j < a->ngroups; j++) {
                pl_jw_key(w, APR_ARRAY_IDX(r->groups, j, pl_ac_group).suffix);
                pl_jw_arr(w);
                for (k = 0; k < a->maps[j]->nelts; k++)
                    pl_jw_str(w, APR_ARRAY_IDX(a->maps[j], k, pl_ac_rp *)->uuid);
                pl_jw_end(w);
            }
            pl_jw_end(w);
        }
        pl_jw_end(w);
    }
    pl_jw_end(w);

    PL_JW_KEY(w, "provider_summaries");
    pl_jw_obj(w);
    for (i = 0; i < res->summaries->nelts; i++) {
        const pl_ac_rp *rp = APR_ARRAY_IDX(res->summaries, i, pl_ac_rp *);
        pl_jw_key(w, rp->uuid);
        pl_jw_obj(w);
        PL_JW_KEY(w, "resources");
        pl_jw_obj(w);
        for (j = 0; j < rp->inv->nelts; j++) {
            const pl_ac_inv *inv = &APR_ARRAY_IDX(rp->inv, j, pl_ac_inv);
            if (!all_rcs && !requested(r, inv->rc)) continue;
            pl_jw_key(w, inv->rc);
            pl_jw_obj(w);
            PL_JW_KEY(w, "capacity");
            write_capacity(w, inv);
            PL_JW_KEY(w, "used");
            pl_jw_int(w, inv->used);
            pl_jw_end(w);
        }
        pl_jw_end(w);
        if (traits) {
            PL_JW_KEY(w, "traits");
            pl_jw_arr(w);
            for (j = 0; j < rp->traits->nelts; j++)
                pl_jw_str(w, APR_ARRAY_IDX(rp->traits, j, const char *));
            pl_jw_end(w);
        }
        if (nested) {
            PL_JW_KEY(w, "parent_provider_uuid");
            pl_jw_str(w, rp->parent ? rp->parent->uuid : NULL);
            PL_JW_KEY(w, "root_provider_uuid");
            pl_jw_str(w, rp->root ? rp->root->uuid : rp->uuid);
        }
        pl_jw_end(w);
    }
    pl_jw_end(w);
    pl_jw_end(w);
}
