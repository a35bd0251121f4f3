/* GET /allocation_candidates: the in-memory half of the search.  Providers
 * of one tree (and sharing providers anchored to it) are combined per
 * group; the groups' requests are then folded together per anchor tree
 * (upstream's _merge_candidates), filtered by group_policy, same_subtree and
 * capacity, and trimmed for old microversions and limit=.  Pure C (in
 * libplcore): the database is reached through s->src (candidates_int.h),
 * t/unit/test_candidates_merge.c runs it on fakes. */
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "candidates_int.h"
#include "capacity.h"

/* ---- RPCandidateList: a set of (provider, anchor root, class) ---------- */

typedef struct trip { long long rp, anchor, rc; } trip;

typedef struct clist {
    apr_array_header_t *items;    /* of trip */
    apr_hash_t *seen;             /* trip bytes -> 1 */
} clist;

static void cl_init(apr_pool_t *p, clist *c)
{
    c->items = apr_array_make(p, 16, sizeof(trip));
    c->seen = ac_map_new(p);
}

static void cl_add(apr_pool_t *p, clist *c, long long rp, long long anchor, long long rc)
{
    trip t, *k;
    memset(&t, 0, sizeof(t));
    t.rp = rp; t.anchor = anchor; t.rc = rc;
    if (apr_hash_get(c->seen, &t, sizeof(t))) return;
    *(trip *)apr_array_push(c->items) = t;
    k = apr_pmemdup(p, &t, sizeof(t));
    apr_hash_set(c->seen, k, sizeof(*k), (void *)1);
}

enum { KEEP_TREE, KEEP_RP_OR_TREE, KEEP_NEITHER };

/* Keep the items matching the test against set (rebuilt in place). */
static void cl_filter(apr_pool_t *p, clist *c, int how, const idset *set)
{
    clist n;
    int i;
    cl_init(p, &n);
    for (i = 0; i < c->items->nelts; i++) {
        trip *t = &APR_ARRAY_IDX(c->items, i, trip);
        int keep;
        if (how == KEEP_TREE) keep = ac_set_has(set, t->anchor);
        else if (how == KEEP_RP_OR_TREE) keep = ac_set_has(set, t->rp) || ac_set_has(set, t->anchor);
        else keep = !ac_set_has(set, t->rp) && !ac_set_has(set, t->anchor);
        if (keep) cl_add(p, &n, t->rp, t->anchor, t->rc);
    }
    *c = n;
}

static idset *cl_trees(apr_pool_t *p, const clist *c)
{
    idset *s = ac_set_new(p);
    int i;
    for (i = 0; i < c->items->nelts; i++)
        ac_set_add(p, s, APR_ARRAY_IDX(c->items, i, trip).anchor);
    return s;
}

static int has_name(const apr_array_header_t *a, const char *n)
{
    int i;
    for (i = 0; i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), n) == 0) return 1;
    return 0;
}

/* _check_traits_for_alloc_request: no provider has a forbidden trait and
 * together they meet every required (any-of) set. */
static int traits_ok(const pl_ac_group *g, pl_ac_rp **rps, int n)
{
    int i, j, k, l;
    for (i = 0; i < n; i++)
        for (j = 0; j < g->traits.forbidden->nelts; j++)
            if (has_name(rps[i]->traits, APR_ARRAY_IDX(g->traits.forbidden, j, const char *)))
                return 0;
    for (j = 0; j < g->traits.all_of->nelts; j++) {
        const apr_array_header_t *any = APR_ARRAY_IDX(g->traits.all_of, j, apr_array_header_t *);
        int met = 0;
        for (k = 0; k < any->nelts && !met; k++)
            for (l = 0; l < n && !met; l++)
                if (has_name(rps[l]->traits, APR_ARRAY_IDX(any, k, const char *))) met = 1;
        if (!met) return 0;
    }
    return 1;
}

static int cmp_rp(const void *a, const void *b)
{
    const pl_ac_rp *x = *(pl_ac_rp *const *)a, *y = *(pl_ac_rp *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Add the sharing providers of shr, anchored to each tree they share with,
 * as providers of class rc. */
static int add_anchored(sctx *s, const idset *shr, long long rc, clist *c)
{
    apr_hash_t *anc;
    apr_hash_index_t *hi, *hj;
    if (s->src.anchors(s, shr, &anc) != PL_OK) return PL_FAIL;
    for (hi = apr_hash_first(s->p, anc); hi; hi = apr_hash_next(hi)) {
        const void *k;
        void *v;
        apr_hash_this(hi, &k, NULL, &v);
        for (hj = apr_hash_first(s->p, v); hj; hj = apr_hash_next(hj)) {
            const void *a;
            apr_hash_this(hj, &a, NULL, NULL);
            cl_add(s->p, c, *(const long long *)k, *(const long long *)a, rc);
        }
    }
    return PL_OK;
}

/* The (provider, anchor) candidates for the group's class number i, after
 * the tree, member_of and forbidden aggregate filters. */
static int class_candidates(sctx *s, gctx *gc, int i, clist *rc)
{
    apr_pool_t *p = s->p;
    idset *shr = ac_set_new(p);
    int j;
    cl_init(p, rc);
    for (j = 0; j < gc->with_res[i]->nelts; j++) {
        ac_pair *pr = &APR_ARRAY_IDX(gc->with_res[i], j, ac_pair);
        cl_add(p, rc, pr->rp, pr->root, gc->rc_ids[i]);
        if (ac_set_has(s->sharing, pr->rp) && (!gc->in_aggs || ac_set_has(gc->in_aggs, pr->rp)))
            ac_set_add(p, shr, pr->rp);
    }
    /* upstream narrows its request-wide sharing set in place by member_of */
    if (gc->in_aggs) {
        idset *n = ac_set_new(p);
        apr_hash_index_t *hi;
        for (hi = apr_hash_first(p, s->sharing); hi; hi = apr_hash_next(hi)) {
            const void *k;
            apr_hash_this(hi, &k, NULL, NULL);
            if (ac_set_has(gc->in_aggs, *(const long long *)k))
                ac_set_add(p, n, *(const long long *)k);
        }
        s->sharing = n;
    }
    if (apr_hash_count(shr) && !gc->tree_root
        && add_anchored(s, shr, gc->rc_ids[i], rc) != PL_OK)
        return PL_FAIL;
    if (s->anchor_roots) cl_filter(p, rc, KEEP_TREE, s->anchor_roots);
    if (gc->in_aggs && rc->items->nelts) cl_filter(p, rc, KEEP_RP_OR_TREE, gc->in_aggs);
    if (gc->bad_aggs && rc->items->nelts) cl_filter(p, rc, KEEP_NEITHER, gc->bad_aggs);
    return PL_OK;
}

/* all, joined with rc: both lists' items of the trees both have. */
static void cl_join(apr_pool_t *p, clist *all, const clist *rc)
{
    idset *both, *t2, *b;
    apr_hash_index_t *hi;
    int j;
    if (!all->items->nelts) {
        *all = *rc;
        return;
    }
    both = cl_trees(p, all);
    t2 = cl_trees(p, rc);
    b = ac_set_new(p);
    for (hi = apr_hash_first(p, both); hi; hi = apr_hash_next(hi)) {
        const void *k;
        apr_hash_this(hi, &k, NULL, NULL);
        if (ac_set_has(t2, *(const long long *)k)) ac_set_add(p, b, *(const long long *)k);
    }
    for (j = 0; j < rc->items->nelts; j++) {
        trip *t = &APR_ARRAY_IDX(rc->items, j, trip);
        cl_add(p, all, t->rp, t->anchor, t->rc);
    }
    cl_filter(p, all, KEEP_TREE, b);
}

/* One group request per combination of lists' providers (one list per
 * class, each sorted by id) whose traits meet the group's. */
static void tree_products(sctx *s, gctx *gc, long long anchor, apr_array_header_t **lists,
                          apr_array_header_t *out)
{
    apr_pool_t *p = s->p;
    int *idx = apr_pcalloc(p, sizeof(int) * (size_t)(gc->nrc + 1));
    pl_ac_rp **pick = apr_pcalloc(p, sizeof(pl_ac_rp *) * (size_t)(gc->nrc + 1));
    int j;
    for (;;) {
        for (j = 0; j < gc->nrc; j++) pick[j] = APR_ARRAY_IDX(lists[j], idx[j], pl_ac_rp *);
        if (traits_ok(gc->g, pick, gc->nrc)) {
            greq *a = apr_pcalloc(p, sizeof(*a));
            int k, n = 0;
            a->anchor = anchor;
            a->narr = gc->nrc;
            a->arr = apr_pcalloc(p, sizeof(pl_ac_arr) * (size_t)gc->nrc);
            a->map = apr_pcalloc(p, sizeof(pl_ac_rp *) * (size_t)gc->nrc);
            for (j = 0; j < gc->nrc; j++) {
                a->arr[j].rp = pick[j];
                a->arr[j].rc_id = gc->rc_ids[j];
                a->arr[j].rc = gc->rc_names[j];
                a->arr[j].amount = gc->amounts[j];
                for (k = 0; k < n && a->map[k] != pick[j]; k++) ;
                if (k == n) a->map[n++] = pick[j];
            }
            qsort(a->map, (size_t)n, sizeof(pl_ac_rp *), cmp_rp);
            a->nmap = n;
            *(greq **)apr_array_push(out) = a;
        }
        for (j = gc->nrc - 1; j >= 0; j--) {
            if (++idx[j] < lists[j]->nelts) break;
            idx[j] = 0;
        }
        if (j < 0) return;
    }
}

greq *ac_greq_for(sctx *s, const gctx *gc, pl_ac_rp *rp, long long anchor)
{
    greq *a = apr_pcalloc(s->p, sizeof(*a));
    int i;
    a->anchor = anchor;
    a->narr = gc->nrc;
    a->arr = apr_pcalloc(s->p, sizeof(pl_ac_arr) * (size_t)(gc->nrc + 1));
    for (i = 0; i < gc->nrc; i++) {
        a->arr[i].rp = rp;
        a->arr[i].rc_id = gc->rc_ids[i];
        a->arr[i].rc = gc->rc_names[i];
        a->arr[i].amount = gc->amounts[i];
    }
    a->nmap = 1;
    a->map = apr_palloc(s->p, sizeof(pl_ac_rp *));
    a->map[0] = rp;
    return a;
}

int ac_multi_provider(sctx *s, gctx *gc, apr_array_header_t *out)
{
    apr_pool_t *p = s->p;
    idset *ids;
    clist all;
    apr_hash_t *by_anchor;
    apr_array_header_t *anchors;
    int i, j;

    cl_init(p, &all);
    for (i = 0; i < gc->nrc; i++) {
        clist rc;
        if (class_candidates(s, gc, i, &rc) != PL_OK) return PL_FAIL;
        if (!rc.items->nelts) return PL_OK;
        cl_join(p, &all, &rc);
        if (!all.items->nelts) return PL_OK;
    }

    /* summaries for every provider and anchor tree in play */
    ids = ac_set_new(p);
    for (i = 0; i < all.items->nelts; i++) {
        ac_set_add(p, ids, APR_ARRAY_IDX(all.items, i, trip).rp);
        ac_set_add(p, ids, APR_ARRAY_IDX(all.items, i, trip).anchor);
    }
    if (s->src.load_trees_of(s, ids) != PL_OK) return PL_FAIL;

    /* per anchor, per class: the providers */
    by_anchor = ac_map_new(p);
    anchors = apr_array_make(p, 8, sizeof(long long));
    for (i = 0; i < all.items->nelts; i++) {
        trip *t = &APR_ARRAY_IDX(all.items, i, trip);
        apr_array_header_t **lists = ac_map_get(by_anchor, t->anchor);
        pl_ac_rp *rp = ac_map_get(s->rps, t->rp);
        if (!rp) continue;
        if (!lists) {
            lists = apr_pcalloc(p, sizeof(*lists) * (size_t)gc->nrc);
            for (j = 0; j < gc->nrc; j++) lists[j] = apr_array_make(p, 2, sizeof(pl_ac_rp *));
            ac_map_put(p, by_anchor, t->anchor, lists);
            *(long long *)apr_array_push(anchors) = t->anchor;
        }
        for (j = 0; j < gc->nrc; j++)
            if (gc->rc_ids[j] == t->rc) *(pl_ac_rp **)apr_array_push(lists[j]) = rp;
    }
    qsort(anchors->elts, (size_t)anchors->nelts, sizeof(long long), ac_cmp_id);

    for (i = 0; i < anchors->nelts; i++) {
        long long anchor = APR_ARRAY_IDX(anchors, i, long long);
        apr_array_header_t **lists = ac_map_get(by_anchor, anchor);
        int ok = 1;
        for (j = 0; j < gc->nrc; j++) {
            if (!lists[j]->nelts) ok = 0;
            else qsort(lists[j]->elts, (size_t)lists[j]->nelts, sizeof(pl_ac_rp *), cmp_rp);
        }
        if (ok && ac_map_get(s->rps, anchor)) tree_products(s, gc, anchor, lists, out);
    }
    return PL_OK;
}

/* ---- merging the groups ------------------------------------------------------- */

static int ancestor_or_self(const pl_ac_rp *a, const pl_ac_rp *v)
{
    for (; v; v = v->parent)
        if (v == a) return 1;
    return 0;
}

/* _check_same_subtree: one of the providers is an ancestor-or-self of all. */
static int same_subtree_ok(pl_ac_rp **u, int n)
{
    int i, j;
    if (n <= 1) return 1;
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++)
            if (!ancestor_or_self(u[i], u[j])) break;
        if (j == n) return 1;
    }
    return 0;
}

static int subtrees_ok(sctx *s, greq **pick, int ng)
{
    int t, g, k, l;
    for (t = 0; t < s->r->same_subtrees->nelts; t++) {
        const apr_array_header_t *set = APR_ARRAY_IDX(s->r->same_subtrees, t,
                                                      apr_array_header_t *);
        pl_ac_rp *room[64], **u = room;        /* scratch: on the stack while it fits */
        int n = 0, cap = 64;
        for (g = 0; g < ng; g++) {
            const pl_ac_group *grp = &APR_ARRAY_IDX(s->r->groups, g, pl_ac_group);
            for (k = 0; k < set->nelts; k++)
                if (strcmp(APR_ARRAY_IDX(set, k, const char *), grp->suffix) == 0) break;
            if (k == set->nelts) continue;
            for (k = 0; k < pick[g]->nmap; k++) {
                for (l = 0; l < n && u[l] != pick[g]->map[k]; l++) ;
                if (l < n) continue;
                if (n == cap) {
                    pl_ac_rp **nu = apr_palloc(s->p, sizeof(pl_ac_rp *) * (size_t)cap * 2);
                    memcpy(nu, u, sizeof(pl_ac_rp *) * (size_t)cap);
                    u = nu;
                    cap *= 2;
                }
                u[n++] = pick[g]->map[k];
            }
        }
        if (!same_subtree_ok(u, n)) return 0;
    }
    return 1;
}

static int cmp_arr(const void *a, const void *b)
{
    const pl_ac_arr *x = a, *y = b;
    if (x->rp->id != y->rp->id) return x->rp->id < y->rp->id ? -1 : 1;
    return x->rc_id < y->rc_id ? -1 : x->rc_id > y->rc_id;
}

/* A candidate's identity, as hash key bytes. */
typedef struct idkey { const void *bytes; size_t len; } idkey;

/* Consolidate one pick per group; NULL when it exceeds capacity. */
static pl_ac_areq *consolidate(sctx *s, greq **pick, int ng, idkey *key)
{
    int total = 0, n = 0, g, i, k;
    pl_ac_arr *arr;
    pl_ac_areq *a;

    for (g = 0; g < ng; g++) total += pick[g]->narr;
    arr = apr_palloc(s->p, sizeof(pl_ac_arr) * (size_t)(total + 1));
    for (g = 0; g < ng; g++)
        for (i = 0; i < pick[g]->narr; i++) {
            const pl_ac_arr *x = &pick[g]->arr[i];
            for (k = 0; k < n; k++)
                if (arr[k].rp == x->rp && arr[k].rc_id == x->rc_id) break;
            if (k < n) arr[k].amount += x->amount;
            else arr[n++] = *x;
        }
    for (k = 0; k < n; k++) {
        pl_ac_inv *inv = ac_inv_of(arr[k].rp, arr[k].rc_id);
        if (!inv || !pl_amount_fits(inv->capacity, inv->used, inv->max_unit, arr[k].amount))
            return NULL;
    }
    /* identity: the resources as a set and the mappings, as the bytes of
     * n, the sorted (provider, class, amount) triples, then per group the
     * number of providers and their ids */
    {
        pl_ac_arr room[16], *sorted = n < 16 ? room : apr_palloc(s->p, sizeof(pl_ac_arr) * (size_t)n);
        memcpy(sorted, arr, sizeof(pl_ac_arr) * (size_t)n);    /* scratch, as above */
        size_t klen = 1 + 3 * (size_t)n;
        long long *kb;
        qsort(sorted, (size_t)n, sizeof(pl_ac_arr), cmp_arr);
        for (g = 0; g < ng; g++) klen += 1 + (size_t)pick[g]->nmap;
        kb = apr_palloc(s->p, klen * sizeof(long long));
        klen = 0;
        kb[klen++] = n;
        for (k = 0; k < n; k++) {
            kb[klen++] = sorted[k].rp->id;
            kb[klen++] = sorted[k].rc_id;
            kb[klen++] = sorted[k].amount;
        }
        for (g = 0; g < ng; g++) {
            kb[klen++] = pick[g]->nmap;
            for (i = 0; i < pick[g]->nmap; i++) kb[klen++] = pick[g]->map[i]->id;
        }
        key->bytes = kb;
        key->len = klen * sizeof(long long);
    }
    a = apr_pcalloc(s->p, sizeof(*a));
    a->narr = n;
    a->arr = arr;
    a->ngroups = ng;
    a->maps = apr_pcalloc(s->p, sizeof(apr_array_header_t *) * (size_t)ng);
    for (g = 0; g < ng; g++) {
        a->maps[g] = apr_array_make(s->p, pick[g]->nmap ? pick[g]->nmap : 1, sizeof(pl_ac_rp *));
        for (i = 0; i < pick[g]->nmap; i++)
            *(pl_ac_rp **)apr_array_push(a->maps[g]) = pick[g]->map[i];
    }
    return a;
}

static __thread unsigned long long rng_state;   /* per thread: no lock needed */

static unsigned long long rng(void)
{
    /* xorshift64*: shuffling candidates needs no cryptographic quality */
    if (!rng_state) rng_state = (unsigned long long)apr_time_now() | 1ULL;
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void shuffle(apr_array_header_t *a)
{
    int i;
    for (i = a->nelts - 1; i > 0; i--) {
        int j = (int)(rng() % (unsigned long long)(i + 1));
        pl_ac_areq *t = APR_ARRAY_IDX(a, i, pl_ac_areq *);
        APR_ARRAY_IDX(a, i, pl_ac_areq *) = APR_ARRAY_IDX(a, j, pl_ac_areq *);
        APR_ARRAY_IDX(a, j, pl_ac_areq *) = t;
    }
}

/* Summaries: every loaded provider passing the mark test (mark set on the
 * providers or on the roots of the providers used). */
static void summaries(sctx *s, int by_tree)
{
    apr_array_header_t *areqs = s->out->areqs;
    int i, k;
    for (i = 0; i < s->order->nelts; i++) APR_ARRAY_IDX(s->order, i, pl_ac_rp *)->mark = 0;
    for (i = 0; i < areqs->nelts; i++) {
        pl_ac_areq *a = APR_ARRAY_IDX(areqs, i, pl_ac_areq *);
        for (k = 0; k < a->narr; k++) {
            if (by_tree && a->arr[k].rp->root) a->arr[k].rp->root->mark = 1;
            else a->arr[k].rp->mark = 1;
        }
    }
    s->out->summaries->nelts = 0;
    for (i = 0; i < s->order->nelts; i++) {
        pl_ac_rp *rp = APR_ARRAY_IDX(s->order, i, pl_ac_rp *);
        if (by_tree ? (rp->root && rp->root->mark) : rp->mark)
            *(pl_ac_rp **)apr_array_push(s->out->summaries) = rp;
    }
}

/* isolate: no two same-provider groups picked the same provider. */
static int isolated(const sctx *s, greq **pick, int ng)
{
    int a, b;
    for (a = 0; a < ng; a++) {
        if (!APR_ARRAY_IDX(s->r->groups, a, pl_ac_group).same_provider) continue;
        for (b = a + 1; b < ng; b++)
            if (APR_ARRAY_IDX(s->r->groups, b, pl_ac_group).same_provider
                && pick[a]->map[0] == pick[b]->map[0])
                return 0;
    }
    return 1;
}

/* Every combination of one request per group in lists (one anchor tree)
 * that passes group_policy, same_subtree and capacity, once each, into
 * s->out->areqs.  1 when max_allocation_candidates is reached. */
static int anchor_products(sctx *s, apr_array_header_t **lists, apr_hash_t *seen)
{
    int ng = s->r->groups->nelts, g;
    int isolate = s->r->group_policy && strcmp(s->r->group_policy, "isolate") == 0;
    greq **pick = apr_pcalloc(s->p, sizeof(greq *) * (size_t)ng);
    int *idx = apr_pcalloc(s->p, sizeof(int) * (size_t)ng);
    for (g = 0; g < ng; g++)
        if (!lists[g]->nelts) return 0;
    for (;;) {
        int ok;
        for (g = 0; g < ng; g++) pick[g] = APR_ARRAY_IDX(lists[g], idx[g], greq *);
        ok = !isolate || isolated(s, pick, ng);
        if (ok && s->r->same_subtrees->nelts) ok = subtrees_ok(s, pick, ng);
        if (ok) {
            idkey key;
            pl_ac_areq *a = consolidate(s, pick, ng, &key);
            if (a && !apr_hash_get(seen, key.bytes, (apr_ssize_t)key.len)) {
                apr_hash_set(seen, key.bytes, (apr_ssize_t)key.len, (void *)1);
                *(pl_ac_areq **)apr_array_push(s->out->areqs) = a;
                if (s->conf.max_candidates > 0 && s->out->areqs->nelts >= s->conf.max_candidates)
                    return 1;
            }
        }
        for (g = ng - 1; g >= 0; g--) {
            if (++idx[g] < lists[g]->nelts) break;
            idx[g] = 0;
        }
        if (g < 0) return 0;
    }
}

/* Before 1.29 a request may not take from two providers of one tree. */
static void drop_split_trees(sctx *s)
{
    apr_array_header_t *kept = apr_array_make(s->p, s->out->areqs->nelts, sizeof(pl_ac_areq *));
    int i, j, k;
    for (i = 0; i < s->out->areqs->nelts; i++) {
        pl_ac_areq *a = APR_ARRAY_IDX(s->out->areqs, i, pl_ac_areq *);
        int ok = 1;
        for (j = 0; j < a->narr && ok; j++)
            for (k = 0; k < j && ok; k++)
                if (a->arr[j].rp != a->arr[k].rp && a->arr[j].rp->root_id == a->arr[k].rp->root_id)
                    ok = 0;
        if (ok) *(pl_ac_areq **)apr_array_push(kept) = a;
    }
    s->out->areqs = kept;
}

/* limit=: the first (or, randomized, any) limit requests, and the
 * summaries of the trees they still use. */
static void apply_limit(sctx *s)
{
    apr_array_header_t *old = s->out->summaries;
    int i, k;
    if (s->conf.randomize) shuffle(s->out->areqs);
    s->out->areqs->nelts = (int)s->r->limit;
    for (i = 0; i < s->order->nelts; i++) APR_ARRAY_IDX(s->order, i, pl_ac_rp *)->mark = 0;
    for (i = 0; i < s->out->areqs->nelts; i++) {
        pl_ac_areq *a = APR_ARRAY_IDX(s->out->areqs, i, pl_ac_areq *);
        for (k = 0; k < a->narr; k++)
            if (a->arr[k].rp->root) a->arr[k].rp->root->mark = 1;
    }
    s->out->summaries = apr_array_make(s->p, old->nelts, sizeof(pl_ac_rp *));
    for (i = 0; i < old->nelts; i++) {
        pl_ac_rp *rp = APR_ARRAY_IDX(old, i, pl_ac_rp *);
        if (rp->root && rp->root->mark)
            *(pl_ac_rp **)apr_array_push(s->out->summaries) = rp;
    }
}

int ac_merge(sctx *s, apr_array_header_t **pg)
{
    apr_pool_t *p = s->p;
    int ng = s->r->groups->nelts, g, i;
    apr_hash_t *buckets = ac_map_new(p), *seen = ac_map_new(p);
    apr_array_header_t *anchors = apr_array_make(p, 8, sizeof(long long));

    /* per anchor tree, per group: its requests, anchors in first-seen order */
    for (g = 0; g < ng; g++)
        for (i = 0; i < pg[g]->nelts; i++) {
            greq *a = APR_ARRAY_IDX(pg[g], i, greq *);
            apr_array_header_t **lists = ac_map_get(buckets, a->anchor);
            if (!lists) {
                int k;
                lists = apr_pcalloc(p, sizeof(*lists) * (size_t)ng);
                for (k = 0; k < ng; k++) lists[k] = apr_array_make(p, 2, sizeof(greq *));
                ac_map_put(p, buckets, a->anchor, lists);
                *(long long *)apr_array_push(anchors) = a->anchor;
            }
            *(greq **)apr_array_push(lists[g]) = a;
        }
    for (i = 0; i < anchors->nelts; i++)
        if (anchor_products(s, ac_map_get(buckets, APR_ARRAY_IDX(anchors, i, long long)), seen))
            break;
    if (!s->out->areqs->nelts) return PL_OK;

    if (s->conf.no_split_trees && s->has_trees) {
        drop_split_trees(s);
        summaries(s, 0);
    }
    else
        summaries(s, 1);

    if (s->r->limit > 0 && s->r->limit < s->out->areqs->nelts)
        apply_limit(s);
    else if (s->conf.randomize)
        shuffle(s->out->areqs);
    return PL_OK;
}
