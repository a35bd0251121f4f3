/* The in-memory half of GET /allocation_candidates (candidates_merge.c)
 * on small clouds built here: a fake ac_source answers the merge's two
 * questions to the database (sharing anchors, loading trees) from the
 * same data, and each group's providers are what candidates.c's queries
 * would return.  Candidates print as "provider:CLASS=amount ... [mappings
 * per group, | between groups]", summaries as the providers' names. */
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "candidates_int.h"
#include "capacity.h"
#include "tap.h"

static apr_pool_t *pool;

/* ---- a cloud ------------------------------------------------------------- */

typedef struct world {
    apr_array_header_t *all;        /* pl_ac_rp *, id = index + 1 */
    apr_array_header_t *members;    /* long long pairs: provider, aggregate */
    int anchor_calls, load_calls, fail_anchors;
} world;

static const char *rc_names[] = { NULL, "VCPU", "MEMORY_MB", "DISK_GB", "FPGA" };

static long long rc_id(const char *name)
{
    long long i;
    for (i = 1; i < (long long)(sizeof(rc_names) / sizeof(rc_names[0])); i++)
        if (strcmp(rc_names[i], name) == 0) return i;
    return -1;
}

static world *new_world(void)
{
    world *w = apr_pcalloc(pool, sizeof(*w));
    w->all = apr_array_make(pool, 8, sizeof(pl_ac_rp *));
    w->members = apr_array_make(pool, 8, sizeof(long long) * 2);
    return w;
}

static pl_ac_rp *prov(world *w, const char *name, pl_ac_rp *parent)
{
    pl_ac_rp *rp = apr_pcalloc(pool, sizeof(*rp));
    rp->id = w->all->nelts + 1;
    rp->uuid = name;
    rp->parent = parent;
    rp->parent_id = parent ? parent->id : 0;
    rp->root = parent ? parent->root : rp;
    rp->root_id = rp->root->id;
    rp->traits = apr_array_make(pool, 2, sizeof(const char *));
    rp->inv = apr_array_make(pool, 2, sizeof(pl_ac_inv));
    *(pl_ac_rp **)apr_array_push(w->all) = rp;
    return rp;
}

static pl_ac_rp *named(world *w, const char *name)
{
    int i;
    for (i = 0; i < w->all->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(w->all, i, pl_ac_rp *)->uuid, name) == 0)
            return APR_ARRAY_IDX(w->all, i, pl_ac_rp *);
    fprintf(stderr, "no provider %s\n", name);
    exit(2);
}

static void inv_full(pl_ac_rp *rp, const char *rc, long long total, long long reserved,
                     double ratio, long long used, long long max_unit)
{
    pl_ac_inv *v = apr_array_push(rp->inv);
    v->rc_id = rc_id(rc);
    v->rc = rc;
    v->capacity = pl_capacity_int(total, reserved, ratio, &v->capacity_f);
    v->used = used;
    v->max_unit = max_unit;
}

static void inv(pl_ac_rp *rp, const char *rc, long long total, long long used)
{
    inv_full(rp, rc, total, 0, 1.0, used, total);
}

static void trait(pl_ac_rp *rp, const char *name)
{
    *(const char **)apr_array_push(rp->traits) = name;
    if (strcmp(name, "MISC_SHARES_VIA_AGGREGATE") == 0) rp->sharing = 1;
}

static void member(world *w, pl_ac_rp *rp, long long agg)
{
    long long *m = apr_array_push(w->members);
    m[0] = rp->id;
    m[1] = agg;
}

/* The providers in aggregate agg (what member_of finds). */
static idset *in_agg(world *w, long long agg)
{
    idset *s = ac_set_new(pool);
    int i;
    for (i = 0; i < w->members->nelts; i++) {
        long long *m = &((long long *)w->members->elts)[2 * i];
        if (m[1] == agg) ac_set_add(pool, s, m[0]);
    }
    return s;
}

/* ---- the fake database side (ac_source) ----------------------------------- */

static int fake_anchors(sctx *s, const idset *sps, apr_hash_t **out)
{
    world *w = s->src.ctx;
    int i, j;
    w->anchor_calls++;
    if (w->fail_anchors) return PL_FAIL;
    *out = apr_hash_make(s->p);
    for (i = 0; i < w->members->nelts; i++) {
        long long *m = &((long long *)w->members->elts)[2 * i];
        if (!ac_set_has(sps, m[0])) continue;
        for (j = 0; j < w->members->nelts; j++) {
            long long *o = &((long long *)w->members->elts)[2 * j];
            idset *set;
            if (o[1] != m[1]) continue;
            if (!(set = ac_map_get(*out, m[0]))) {
                set = ac_set_new(s->p);
                ac_map_put(s->p, *out, m[0], set);
            }
            ac_set_add(s->p, set, APR_ARRAY_IDX(w->all, o[0] - 1, pl_ac_rp *)->root_id);
        }
    }
    return PL_OK;
}

/* As candidates.c's load_trees: whole trees, new providers in id order. */
static int fake_load_trees_of(sctx *s, const idset *ids)
{
    world *w = s->src.ctx;
    idset *roots = ac_set_new(s->p);
    apr_hash_index_t *hi;
    int i;
    w->load_calls++;
    for (hi = apr_hash_first(s->p, (apr_hash_t *)ids); hi; hi = apr_hash_next(hi)) {
        long long root = APR_ARRAY_IDX(w->all, ac_key_of(hi) - 1, pl_ac_rp *)->root_id;
        if (!ac_set_has(s->loaded_roots, root)) ac_set_add(s->p, roots, root);
    }
    for (i = 0; i < w->all->nelts; i++) {
        pl_ac_rp *rp = APR_ARRAY_IDX(w->all, i, pl_ac_rp *);
        if (!ac_set_has(roots, rp->root_id)) continue;
        ac_map_put(s->p, s->rps, rp->id, rp);
        *(pl_ac_rp **)apr_array_push(s->order) = rp;
    }
    for (hi = apr_hash_first(s->p, roots); hi; hi = apr_hash_next(hi))
        ac_set_add(s->p, s->loaded_roots, ac_key_of(hi));
    return PL_OK;
}

/* ---- one search ------------------------------------------------------------ */

typedef struct tcase {
    world *w;
    sctx s;
    pl_ac_request r;
    pl_ac_result out;
    apr_array_header_t *gcs;        /* gctx * per group */
    apr_array_header_t *pg;         /* per group: its greq * */
} tcase;

static tcase *start(world *w, const char *group_policy, long long limit)
{
    tcase *t = apr_pcalloc(pool, sizeof(*t));
    int i;
    t->w = w;
    t->r.groups = apr_array_make(pool, 4, sizeof(pl_ac_group));
    t->r.group_policy = group_policy;
    t->r.limit = limit;
    t->r.same_subtrees = apr_array_make(pool, 1, sizeof(apr_array_header_t *));
    t->gcs = apr_array_make(pool, 4, sizeof(gctx *));
    t->pg = apr_array_make(pool, 4, sizeof(apr_array_header_t *));
    t->s.p = pool;
    t->s.r = &t->r;
    t->s.out = &t->out;
    t->s.src.anchors = fake_anchors;
    t->s.src.load_trees_of = fake_load_trees_of;
    t->s.src.ctx = w;
    t->s.rps = apr_hash_make(pool);
    t->s.loaded_roots = ac_set_new(pool);
    t->s.order = apr_array_make(pool, 8, sizeof(pl_ac_rp *));
    t->s.sharing = ac_set_new(pool);
    for (i = 0; i < w->all->nelts; i++) {
        pl_ac_rp *rp = APR_ARRAY_IDX(w->all, i, pl_ac_rp *);
        if (rp->parent) t->s.has_trees = 1;
        if (rp->sharing) ac_set_add(pool, t->s.sharing, rp->id);
    }
    t->out.areqs = apr_array_make(pool, 4, sizeof(pl_ac_areq *));
    t->out.summaries = apr_array_make(pool, 4, sizeof(pl_ac_rp *));
    return t;
}

/* A request group: resources as in the query ("VCPU:1,DISK_GB:10", "" for
 * none), required as one required= value (NULL for none). */
static gctx *group(tcase *t, const char *suffix, const char *resources, const char *required)
{
    pl_ac_group *g = apr_array_push(t->r.groups);
    gctx *gc = apr_pcalloc(pool, sizeof(*gc));
    const char *err = NULL;
    int i;
    memset(g, 0, sizeof(*g));
    g->suffix = suffix;
    g->same_provider = *suffix != '\0';
    if (*resources) {
        if (pl_qp_resources(pool, resources, &g->resources, &err)) goto bad;
    }
    else
        g->resources = apr_array_make(pool, 1, sizeof(pl_qp_amount));
    if (required && pl_qp_traits_value(pool, required, 1, 1, &g->traits, &err)) goto bad;
    if (!g->traits.all_of) g->traits.all_of = apr_array_make(pool, 1, sizeof(void *));
    if (!g->traits.forbidden) g->traits.forbidden = apr_array_make(pool, 1, sizeof(void *));
    g->aggs.any_of = apr_array_make(pool, 1, sizeof(void *));
    g->aggs.forbidden = apr_array_make(pool, 1, sizeof(void *));

    gc->g = g;
    gc->gi = t->r.groups->nelts - 1;
    gc->nrc = g->resources->nelts;
    gc->rc_ids = apr_pcalloc(pool, sizeof(long long) * (size_t)(gc->nrc + 1));
    gc->amounts = apr_pcalloc(pool, sizeof(long long) * (size_t)(gc->nrc + 1));
    gc->rc_names = apr_pcalloc(pool, sizeof(const char *) * (size_t)(gc->nrc + 1));
    for (i = 0; i < gc->nrc; i++) {
        const pl_qp_amount *a = &APR_ARRAY_IDX(g->resources, i, pl_qp_amount);
        gc->rc_ids[i] = rc_id(a->rc);
        gc->amounts[i] = a->amount;
        gc->rc_names[i] = a->rc;
    }
    gc->multi = !g->same_provider && (apr_hash_count(t->s.sharing) || t->s.has_trees);
    *(gctx **)apr_array_push(t->gcs) = gc;
    *(apr_array_header_t **)apr_array_push(t->pg) = apr_array_make(pool, 4, sizeof(greq *));
    return gc;
bad:
    fprintf(stderr, "bad group %s / %s: %s\n", resources, required ? required : "", err);
    exit(2);
}

#define PG(t, gc) APR_ARRAY_IDX((t)->pg, (gc)->gi, apr_array_header_t *)

/* A multi-provider group: the providers with capacity per class (what
 * group_setup's query returns, in id order), then ac_multi_provider. */
static int multi(tcase *t, gctx *gc)
{
    int i, j;
    gc->with_res = apr_pcalloc(pool, sizeof(apr_array_header_t *) * (size_t)(gc->nrc + 1));
    for (i = 0; i < gc->nrc; i++) {
        gc->with_res[i] = apr_array_make(pool, 4, sizeof(ac_pair));
        for (j = 0; j < t->w->all->nelts; j++) {
            pl_ac_rp *rp = APR_ARRAY_IDX(t->w->all, j, pl_ac_rp *);
            pl_ac_inv *v = ac_inv_of(rp, gc->rc_ids[i]);
            ac_pair *pr;
            if (!v || !pl_amount_fits(v->capacity, v->used, v->max_unit, gc->amounts[i]))
                continue;
            if (gc->tree_root && rp->root_id != gc->tree_root) continue;
            pr = apr_array_push(gc->with_res[i]);
            pr->rp = rp->id;
            pr->root = rp->root_id;
        }
    }
    return ac_multi_provider(&t->s, gc, PG(t, gc));
}

/* A single-provider group: provider name, anchored to tree anchor (as
 * candidates.c's single_provider makes it, its tree loaded). */
static void pick(tcase *t, gctx *gc, const char *name, const char *anchor)
{
    pl_ac_rp *rp = named(t->w, name);
    idset *ids = ac_set_new(pool);
    ac_set_add(pool, ids, rp->id);
    fake_load_trees_of(&t->s, ids);
    *(greq **)apr_array_push(PG(t, gc)) = ac_greq_for(&t->s, gc, rp, named(t->w, anchor)->id);
}

/* pick() for each of the space-separated names, all anchored to anchor
 * (NULL: each to itself). */
static void picks(tcase *t, gctx *gc, const char *names, const char *anchor)
{
    char *last, *tok, *copy = apr_pstrdup(pool, names);
    for (tok = apr_strtok(copy, " ", &last); tok; tok = apr_strtok(NULL, " ", &last))
        pick(t, gc, tok, anchor ? anchor : tok);
}

static void same_subtree(tcase *t, const char *suffixes)
{
    apr_array_header_t *set = apr_array_make(pool, 2, sizeof(const char *));
    char *last, *tok, *copy = apr_pstrdup(pool, suffixes);
    for (tok = apr_strtok(copy, ",", &last); tok; tok = apr_strtok(NULL, ",", &last))
        *(const char **)apr_array_push(set) = tok;
    *(apr_array_header_t **)apr_array_push(t->r.same_subtrees) = set;
}

static void merge(tcase *t)
{
    if (ac_merge(&t->s, (apr_array_header_t **)t->pg->elts) != PL_OK) {
        fprintf(stderr, "ac_merge failed\n");
        exit(2);
    }
}

static const char *cands(const tcase *t)
{
    const char *o = "";
    int i, j, k;
    for (i = 0; i < t->out.areqs->nelts; i++) {
        const pl_ac_areq *a = APR_ARRAY_IDX(t->out.areqs, i, pl_ac_areq *);
        o = apr_pstrcat(pool, o, i ? "; " : "", NULL);
        for (j = 0; j < a->narr; j++)
            o = apr_psprintf(pool, "%s%s%s:%s=%" APR_INT64_T_FMT, o, j ? " " : "",
                             a->arr[j].rp->uuid, a->arr[j].rc, (apr_int64_t)a->arr[j].amount);
        o = apr_pstrcat(pool, o, a->narr ? " [" : "[", NULL);
        for (j = 0; j < a->ngroups; j++)
            for (k = 0; k < a->maps[j]->nelts; k++)
                o = apr_pstrcat(pool, o, j && !k ? "|" : k ? "+" : "",
                                APR_ARRAY_IDX(a->maps[j], k, pl_ac_rp *)->uuid, NULL);
        o = apr_pstrcat(pool, o, "]", NULL);
    }
    return o;
}

static const char *names(const apr_array_header_t *rps)
{
    const char *o = "";
    int i;
    for (i = 0; i < rps->nelts; i++)
        o = apr_pstrcat(pool, o, i ? "," : "", APR_ARRAY_IDX(rps, i, pl_ac_rp *)->uuid, NULL);
    return o;
}

static const char *summaries(const tcase *t) { return names(t->out.summaries); }
static const char *loaded(const tcase *t) { return names(t->s.order); }

/* ---- clouds ---------------------------------------------------------------- */

/* Three compute nodes, no trees, no sharing: cn2 is nearly full. */
static world *flat(void)
{
    world *w = new_world();
    inv(prov(w, "cn1", NULL), "VCPU", 4, 0);
    inv(prov(w, "cn2", NULL), "VCPU", 4, 3);
    inv(prov(w, "cn3", NULL), "VCPU", 4, 0);
    return w;
}

/* cn1 and cn2 share ss's disk through aggregate 1; cn3 is in aggregate 2. */
static world *shared(int cn3_disk)
{
    world *w = new_world();
    pl_ac_rp *cn1 = prov(w, "cn1", NULL), *cn2 = prov(w, "cn2", NULL);
    pl_ac_rp *cn3 = prov(w, "cn3", NULL), *ss = prov(w, "ss", NULL);
    inv(cn1, "VCPU", 8, 0);
    inv(cn2, "VCPU", 8, 0);
    inv(cn3, "VCPU", 8, 0);
    if (cn3_disk) inv(cn3, "DISK_GB", 100, 0);
    inv(ss, "DISK_GB", 1000, 0);
    trait(ss, "MISC_SHARES_VIA_AGGREGATE");
    member(w, cn1, 1);
    member(w, cn2, 1);
    member(w, ss, 1);
    member(w, cn3, 2);
    return w;
}

/* cn1 (disk, SSD) with two NUMA nodes of `vcpus` VCPU; numa1 has HW_X. */
static world *numa(long long vcpus)
{
    world *w = new_world();
    pl_ac_rp *cn1 = prov(w, "cn1", NULL);
    pl_ac_rp *n0 = prov(w, "numa0", cn1), *n1 = prov(w, "numa1", cn1);
    inv(cn1, "DISK_GB", 100, 0);
    trait(cn1, "STORAGE_SSD");
    inv(n0, "VCPU", vcpus, 0);
    inv(n0, "MEMORY_MB", 1024, 0);
    inv(n1, "VCPU", vcpus, 0);
    inv(n1, "MEMORY_MB", 1024, 0);
    trait(n1, "HW_X");
    return w;
}

/* cn1 > numa0 > fpga0, cn1 > numa1 (CUSTOM_MAGIC) > fpga1. */
static world *accel(void)
{
    world *w = new_world();
    pl_ac_rp *cn1 = prov(w, "cn1", NULL), *n0, *n1;
    n0 = prov(w, "numa0", cn1);
    inv(n0, "VCPU", 4, 0);
    inv(prov(w, "fpga0", n0), "FPGA", 1, 0);
    n1 = prov(w, "numa1", cn1);
    inv(n1, "VCPU", 4, 0);
    trait(n1, "CUSTOM_MAGIC");
    inv(prov(w, "fpga1", n1), "FPGA", 1, 0);
    return w;
}

/* ---- cases ------------------------------------------------------------------ */

/* The flat cloud, resources=VCPU:vcpus: the query found all three nodes
 * (cn2 with room for 1 VCPU, not 2). */
static tcase *flat_search(long long vcpus, long long limit, int max_candidates, int randomize)
{
    tcase *t = start(flat(), NULL, limit);
    gctx *g;
    t->s.conf.max_candidates = max_candidates;
    t->s.conf.randomize = randomize;
    g = group(t, "", apr_psprintf(pool, "VCPU:%d", (int)vcpus), NULL);
    picks(t, g, "cn1 cn2 cn3", NULL);
    merge(t);
    return t;
}

static void single_provider_flat(void)
{
    tcase *t = flat_search(2, 0, 0, 0);
    ok(!APR_ARRAY_IDX(t->gcs, 0, gctx *)->multi, "flat cloud: the unsuffixed group takes one provider");
    is_str(cands(t), "cn1:VCPU=2 [cn1]; cn3:VCPU=2 [cn3]", "flat: the final capacity check drops cn2");
    is_str(summaries(t), "cn1,cn3", "flat: summaries of the providers used only");

    t = flat_search(2, 0, 1, 0);
    is_str(cands(t), "cn1:VCPU=2 [cn1]", "max_allocation_candidates=1 stops after the first");
    is_str(summaries(t), "cn1", "max_allocation_candidates: summaries follow");

    t = flat_search(1, 1, 0, 0);
    is_str(cands(t), "cn1:VCPU=1 [cn1]", "limit=1: the first candidate");
    is_str(summaries(t), "cn1", "limit=1: the summaries of its tree only");

    t = flat_search(1, 2, 0, 1);
    {
        const pl_ac_areq *a = APR_ARRAY_IDX(t->out.areqs, 0, pl_ac_areq *);
        const pl_ac_areq *b = APR_ARRAY_IDX(t->out.areqs, 1, pl_ac_areq *);
        is_int(t->out.areqs->nelts, 2, "randomized limit=2: two candidates");
        is_int(t->out.summaries->nelts, 2, "randomized limit=2: two summaries");
        ok(a->arr[0].rp != b->arr[0].rp
           && (APR_ARRAY_IDX(t->out.summaries, 0, pl_ac_rp *) == a->arr[0].rp
               || APR_ARRAY_IDX(t->out.summaries, 0, pl_ac_rp *) == b->arr[0].rp)
           && (APR_ARRAY_IDX(t->out.summaries, 1, pl_ac_rp *) == a->arr[0].rp
               || APR_ARRAY_IDX(t->out.summaries, 1, pl_ac_rp *) == b->arr[0].rp),
           "randomized limit=2: the summaries are the providers kept");
    }
}

/* randomize_allocation_candidates: over 60 runs of three candidates, the
 * order (or with limit=1 the one kept) is not always the same (a fair
 * shuffle repeats itself 60 times with a chance of 6^-59, or 3^-59). */
static void randomized(void)
{
    int lim, run, moved[2] = { 0, 0 };
    for (lim = 0; lim < 2; lim++)
        for (run = 0; run < 60; run++) {
            tcase *t = flat_search(1, lim, 0, 1);
            if (strcmp(cands(t), lim ? "cn1:VCPU=1 [cn1]"
                       : "cn1:VCPU=1 [cn1]; cn2:VCPU=1 [cn2]; cn3:VCPU=1 [cn3]") != 0)
                moved[lim]++;
            if (lim && (t->out.areqs->nelts != 1 || strcmp(summaries(t),
                        APR_ARRAY_IDX(t->out.areqs, 0, pl_ac_areq *)->arr[0].rp->uuid) != 0))
                moved[lim] = -1000;
        }
    ok(moved[0] > 0, "randomized: the candidates shuffled");
    ok(moved[1] > 0, "randomized limit=1: not always the first kept, its summary with it");
}

/* Two granular groups on one provider: the amounts add up before the
 * capacity check (used + amount <= capacity, amount <= max_unit). */
static const char *two_on_one(long long total, long long reserved, double ratio,
                              long long used, long long max_unit)
{
    world *w = new_world();
    tcase *t;
    gctx *g1, *g2;
    inv_full(prov(w, "cn1", NULL), "VCPU", total, reserved, ratio, used, max_unit);
    t = start(w, "none", 0);
    g1 = group(t, "1", "VCPU:2", NULL);
    g2 = group(t, "2", "VCPU:2", NULL);
    pick(t, g1, "cn1", "cn1");
    pick(t, g2, "cn1", "cn1");
    merge(t);
    return cands(t);
}

static void capacity_edges(void)
{
    is_str(two_on_one(4, 0, 1.0, 0, 4), "cn1:VCPU=4 [cn1|cn1]", "2 + 2 fill a capacity of 4 exactly");
    is_str(two_on_one(4, 1, 1.0, 0, 4), "", "2 + 2 exceed 4 - 1 reserved");
    is_str(two_on_one(4, 0, 1.0, 1, 4), "", "1 used + 2 + 2 exceed 4");
    is_str(two_on_one(3, 0, 1.5, 0, 4), "cn1:VCPU=4 [cn1|cn1]", "3 * 1.5 = 4.5 takes 4");
    is_str(two_on_one(3, 0, 1.3, 0, 4), "", "3 * 1.3 = 3.9 does not (int() of the capacity)");
    is_str(two_on_one(8, 0, 1.0, 0, 3), "", "the sum 4 is over max_unit 3 though each 2 is not");
}

static void group_policies(void)
{
    tcase *t;
    gctx *g1, *g2;
    const char *policy[] = { "none", "isolate" };
    const char *want[] = { "numa0:VCPU=2 [numa0|numa0]; numa0:VCPU=1 numa1:VCPU=1 [numa0|numa1]; "
                           "numa1:VCPU=1 numa0:VCPU=1 [numa1|numa0]; numa1:VCPU=2 [numa1|numa1]",
                           "numa0:VCPU=1 numa1:VCPU=1 [numa0|numa1]; "
                           "numa1:VCPU=1 numa0:VCPU=1 [numa1|numa0]" };
    int i;

    for (i = 0; i < 2; i++) {
        t = start(numa(2), policy[i], 0);
        g1 = group(t, "1", "VCPU:1", NULL);
        g2 = group(t, "2", "VCPU:1", NULL);
        picks(t, g1, "numa0 numa1", "cn1");
        picks(t, g2, "numa0 numa1", "cn1");
        merge(t);
        is_str(cands(t), want[i], "nested, group_policy=%s", policy[i]);
        is_str(summaries(t), "cn1,numa0,numa1", "nested, %s: the whole tree summarized", policy[i]);
    }

    /* one VCPU per NUMA node: the same node twice is over capacity */
    t = start(numa(1), "none", 0);
    g1 = group(t, "1", "VCPU:1", NULL);
    g2 = group(t, "2", "VCPU:1", NULL);
    picks(t, g1, "numa0 numa1", "cn1");
    picks(t, g2, "numa0 numa1", "cn1");
    merge(t);
    is_str(cands(t), "numa0:VCPU=1 numa1:VCPU=1 [numa0|numa1]; numa1:VCPU=1 numa0:VCPU=1 [numa1|numa0]",
           "group_policy=none, one VCPU a node: only the split combinations fit");

    /* isolate keeps granular groups apart, not the unsuffixed group */
    t = start(numa(2), "isolate", 0);
    g1 = group(t, "", "DISK_GB:10", NULL);
    g2 = group(t, "1", "DISK_GB:10", NULL);
    ok(multi(t, g1) == PL_OK, "unsuffixed group in a tree: combined in memory");
    pick(t, g2, "cn1", "cn1");
    merge(t);
    is_str(cands(t), "cn1:DISK_GB=20 [cn1|cn1]", "isolate lets the unsuffixed group share a provider");

    /* granular groups combine within one tree only */
    for (i = 0; i < 2; i++) {
        t = start(flat(), policy[i], 0);
        g1 = group(t, "1", "VCPU:1", NULL);
        g2 = group(t, "2", "VCPU:1", NULL);
        picks(t, g1, "cn1 cn3", NULL);
        picks(t, g2, "cn1 cn3", NULL);
        merge(t);
        is_str(cands(t), i ? "" : "cn1:VCPU=2 [cn1|cn1]; cn3:VCPU=2 [cn3|cn3]",
               "flat, group_policy=%s: no combination across trees", policy[i]);
    }
}

static void nested_trees(void)
{
    tcase *t = start(numa(2), NULL, 0);
    gctx *g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    ok(g->multi && multi(t, g) == PL_OK, "nested: multi-provider group");
    merge(t);
    is_str(cands(t), "numa0:VCPU=1 cn1:DISK_GB=10 [cn1+numa0]; numa1:VCPU=1 cn1:DISK_GB=10 [cn1+numa1]",
           "nested: each NUMA node with the root's disk");
    is_str(summaries(t), "cn1,numa0,numa1", "nested: the tree's providers summarized");
    is_int(t->w->anchor_calls, 0, "nested without sharing: no anchors asked for");
    is_int(t->w->load_calls, 1, "nested: the trees loaded in one call");

    /* two classes both NUMA nodes have */
    t = start(numa(2), NULL, 0);
    g = group(t, "", "VCPU:1,MEMORY_MB:512", NULL);
    multi(t, g);
    merge(t);
    is_str(cands(t), "numa0:VCPU=1 numa0:MEMORY_MB=512 [numa0]; "
           "numa0:VCPU=1 numa1:MEMORY_MB=512 [numa0+numa1]; "
           "numa1:VCPU=1 numa0:MEMORY_MB=512 [numa0+numa1]; "
           "numa1:VCPU=1 numa1:MEMORY_MB=512 [numa1]",
           "nested: classes from any providers of the tree, in id order");

    /* before 1.29: one provider per tree */
    t = start(numa(2), NULL, 0);
    inv(named(t->w, "cn1"), "VCPU", 4, 0);
    t->s.conf.no_split_trees = 1;
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn1:VCPU=1 cn1:DISK_GB=10 [cn1]", "before 1.29: split candidates dropped");
    is_str(summaries(t), "cn1", "before 1.29: summaries of the providers used");

    t = start(numa(2), NULL, 0);
    inv(named(t->w, "cn1"), "VCPU", 4, 0);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    multi(t, g);
    merge(t);
    is_int(t->out.areqs->nelts, 3, "from 1.29: the root alone and both splits");

    /* trees found in another order than their roots' ids */
    {
        world *w = new_world();
        pl_ac_rp *a = prov(w, "cnA", NULL), *b = prov(w, "cnB", NULL);
        inv(prov(w, "numaB", b), "VCPU", 4, 0);
        inv(prov(w, "numaA", a), "VCPU", 4, 0);
        t = start(w, NULL, 0);
        g = group(t, "", "VCPU:1", NULL);
        multi(t, g);
        merge(t);
        is_str(cands(t), "numaA:VCPU=1 [numaA]; numaB:VCPU=1 [numaB]",
               "candidates by their trees' root ids");
    }

    /* member_of an aggregate of numa0 alone (not of its root) */
    t = start(numa(2), NULL, 0);
    member(t->w, named(t->w, "numa0"), 5);
    g = group(t, "", "VCPU:1", NULL);
    g->in_aggs = in_agg(t->w, 5);
    multi(t, g);
    merge(t);
    is_str(cands(t), "numa0:VCPU=1 [numa0]", "member_of: a provider in the aggregate itself");

    /* member_of an aggregate of the root: the whole tree */
    t = start(numa(2), NULL, 0);
    member(t->w, named(t->w, "cn1"), 6);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    g->in_aggs = in_agg(t->w, 6);
    multi(t, g);
    merge(t);
    is_int(t->out.areqs->nelts, 2, "member_of: the root in the aggregate takes its tree");
}

static const char *numa_with_traits(const char *required)
{
    tcase *t = start(numa(2), NULL, 0);
    gctx *g = group(t, "", "VCPU:1,DISK_GB:10", required);
    multi(t, g);
    merge(t);
    return cands(t);
}

static void traits_in_merge(void)
{
    is_str(numa_with_traits("HW_X"), "numa1:VCPU=1 cn1:DISK_GB=10 [cn1+numa1]",
           "required on one provider of the combination");
    is_str(numa_with_traits("HW_X,STORAGE_SSD"), "numa1:VCPU=1 cn1:DISK_GB=10 [cn1+numa1]",
           "required traits met by different providers together");
    is_str(numa_with_traits("in:HW_Y,HW_X"), "numa1:VCPU=1 cn1:DISK_GB=10 [cn1+numa1]",
           "any-of: one of them is enough");
    is_str(numa_with_traits("HW_Y"), "", "a required trait nobody has: none");
    is_str(numa_with_traits("!HW_X"), "numa0:VCPU=1 cn1:DISK_GB=10 [cn1+numa0]",
           "forbidden on one provider excludes its combinations");
    is_str(numa_with_traits("!STORAGE_SSD"), "", "forbidden on the root excludes them all");
    is_str(numa_with_traits("HW_X,!STORAGE_SSD"), "", "required and forbidden together");
}

static void same_subtrees(void)
{
    tcase *t;
    gctx *c, *a, *n;
    int with;
    for (with = 0; with < 2; with++) {
        t = start(accel(), "none", 0);
        c = group(t, "_COMPUTE", "VCPU:1", NULL);
        a = group(t, "_ACCEL", "FPGA:1", NULL);
        if (with) same_subtree(t, "_COMPUTE,_ACCEL");
        picks(t, c, "numa0 numa1", "cn1");
        picks(t, a, "fpga0 fpga1", "cn1");
        merge(t);
        is_str(cands(t), with ? "numa0:VCPU=1 fpga0:FPGA=1 [numa0|fpga0]; "
               "numa1:VCPU=1 fpga1:FPGA=1 [numa1|fpga1]"
               : "numa0:VCPU=1 fpga0:FPGA=1 [numa0|fpga0]; numa0:VCPU=1 fpga1:FPGA=1 [numa0|fpga1]; "
               "numa1:VCPU=1 fpga0:FPGA=1 [numa1|fpga0]; numa1:VCPU=1 fpga1:FPGA=1 [numa1|fpga1]",
               with ? "same_subtree: the FPGA under the NUMA node" : "without same_subtree: all pairs");
    }

    /* a resourceless group names the subtree */
    t = start(accel(), "none", 0);
    c = group(t, "_COMPUTE", "VCPU:1", NULL);
    a = group(t, "_ACCEL", "FPGA:1", NULL);
    n = group(t, "_NUMA", "", "CUSTOM_MAGIC");
    same_subtree(t, "_ACCEL,_NUMA");
    picks(t, c, "numa0 numa1", "cn1");
    picks(t, a, "fpga0 fpga1", "cn1");
    pick(t, n, "numa1", "cn1");
    merge(t);
    is_str(cands(t), "numa0:VCPU=1 fpga1:FPGA=1 [numa0|fpga1|numa1]; "
           "numa1:VCPU=1 fpga1:FPGA=1 [numa1|fpga1|numa1]",
           "same_subtree=_ACCEL,_NUMA: the FPGA under the resourceless group's provider");

    /* the same provider in both groups is its own subtree; a parent's
     * sibling is not */
    t = start(accel(), "none", 0);
    c = group(t, "_A", "VCPU:1", NULL);
    a = group(t, "_B", "VCPU:1", NULL);
    same_subtree(t, "_A,_B");
    pick(t, c, "numa0", "cn1");
    picks(t, a, "numa0 numa1", "cn1");
    merge(t);
    is_str(cands(t), "numa0:VCPU=2 [numa0|numa0]", "same_subtree: one provider, not its sibling");

    /* the root is everybody's ancestor */
    t = start(accel(), "none", 0);
    c = group(t, "_COMPUTE", "VCPU:1", NULL);
    a = group(t, "_ACCEL", "FPGA:1", NULL);
    n = group(t, "_ROOT", "", "STORAGE_SSD");
    same_subtree(t, "_COMPUTE,_ACCEL,_ROOT");
    picks(t, c, "numa0 numa1", "cn1");
    picks(t, a, "fpga0 fpga1", "cn1");
    pick(t, n, "cn1", "cn1");
    merge(t);
    is_int(t->out.areqs->nelts, 4, "same_subtree with the root: every pair");
}

static void sharing(void)
{
    tcase *t = start(shared(0), NULL, 0);
    gctx *g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    ok(g->multi && multi(t, g) == PL_OK, "sharing: multi-provider group");
    merge(t);
    is_str(cands(t), "cn1:VCPU=1 ss:DISK_GB=10 [cn1+ss]; cn2:VCPU=1 ss:DISK_GB=10 [cn2+ss]",
           "sharing: the disk of ss for the nodes of its aggregate, not cn3");
    is_str(summaries(t), "cn1,cn2,ss", "sharing: summaries of the nodes and ss");
    is_str(loaded(t), "cn1,cn2,ss", "sharing: cn3's tree, with no disk, is not read");
    is_int(t->w->anchor_calls, 1, "sharing: the anchors asked for once");

    t = start(shared(1), NULL, 0);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn1:VCPU=1 ss:DISK_GB=10 [cn1+ss]; cn2:VCPU=1 ss:DISK_GB=10 [cn2+ss]; "
           "cn3:VCPU=1 cn3:DISK_GB=10 [cn3]", "sharing: cn3 with a disk of its own");

    t = start(shared(0), NULL, 1);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn1:VCPU=1 ss:DISK_GB=10 [cn1+ss]", "sharing, limit=1");
    is_str(summaries(t), "cn1,ss", "sharing, limit=1: cn2's summary goes");

    /* the same request from every anchor: once */
    t = start(shared(0), NULL, 0);
    g = group(t, "", "DISK_GB:10", NULL);
    multi(t, g);
    merge(t);
    is_str(cands(t), "ss:DISK_GB=10 [ss]", "one candidate though ss anchors to three trees");
    is_str(summaries(t), "ss", "its summary");

    /* member_of=aggregate 2 */
    t = start(shared(1), NULL, 0);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    g->in_aggs = in_agg(t->w, 2);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn3:VCPU=1 cn3:DISK_GB=10 [cn3]", "member_of: ss is not in aggregate 2");
    is_int(t->w->anchor_calls, 0, "member_of: no sharing provider left to anchor");
    is_int(apr_hash_count(t->s.sharing), 0, "member_of narrows the sharing providers");

    /* member_of=aggregate 1: cn3 goes, ss stays */
    t = start(shared(1), NULL, 0);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    g->in_aggs = in_agg(t->w, 1);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn1:VCPU=1 ss:DISK_GB=10 [cn1+ss]; cn2:VCPU=1 ss:DISK_GB=10 [cn2+ss]",
           "member_of aggregate 1");

    /* member_of=!aggregate 1 */
    t = start(shared(1), NULL, 0);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    g->bad_aggs = in_agg(t->w, 1);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn3:VCPU=1 cn3:DISK_GB=10 [cn3]", "forbidden aggregate 1: cn1, cn2 and ss go");

    /* root_required matches cn2 and ss */
    t = start(shared(1), NULL, 0);
    t->s.anchor_roots = ac_set_new(pool);
    ac_set_add(pool, t->s.anchor_roots, named(t->w, "cn2")->id);
    ac_set_add(pool, t->s.anchor_roots, named(t->w, "ss")->id);
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    multi(t, g);
    merge(t);
    is_str(cands(t), "cn2:VCPU=1 ss:DISK_GB=10 [cn2+ss]", "root_required: cn2's tree only");

    /* a granular group on ss with the unsuffixed one on a node */
    t = start(shared(0), "isolate", 0);
    g = group(t, "", "VCPU:1", NULL);
    multi(t, g);
    {
        gctx *g1 = group(t, "1", "DISK_GB:10", NULL);
        pick(t, g1, "ss", "cn2");
        pick(t, g1, "ss", "ss");
    }
    merge(t);
    is_str(cands(t), "cn2:VCPU=1 ss:DISK_GB=10 [cn2|ss]", "granular ss anchored to cn2 joins cn2's tree");

    /* a sharing provider older than the node: providers of a class by id */
    {
        world *w = new_world();
        pl_ac_rp *ss = prov(w, "ss", NULL), *cn1 = prov(w, "cn1", NULL);
        inv(ss, "DISK_GB", 1000, 0);
        trait(ss, "MISC_SHARES_VIA_AGGREGATE");
        inv(cn1, "VCPU", 8, 0);
        inv(cn1, "DISK_GB", 100, 0);
        member(w, ss, 1);
        member(w, cn1, 1);
        t = start(w, NULL, 0);
        g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
        multi(t, g);
        merge(t);
        is_str(cands(t), "cn1:VCPU=1 ss:DISK_GB=10 [ss+cn1]; cn1:VCPU=1 cn1:DISK_GB=10 [cn1]",
               "sharing: the providers of a class in id order");
    }

    /* the database side fails */
    t = start(shared(0), NULL, 0);
    t->w->fail_anchors = 1;
    g = group(t, "", "VCPU:1,DISK_GB:10", NULL);
    is_int(multi(t, g), PL_FAIL, "a failing anchors query fails the search");
}

static void id_sets(void)
{
    idset *a = ac_set_new(pool), *b = ac_set_new(pool), *c;
    long long big = 1LL << 40;
    ac_set_add(pool, a, 1);
    ac_set_add(pool, a, 2);
    ac_set_add(pool, a, big);
    ac_set_add(pool, a, 2);
    ac_set_add(pool, b, 2);
    ac_set_add(pool, b, 3);
    is_int(apr_hash_count(a), 3, "a set holds an id once");
    ok(ac_set_has(a, big) && !ac_set_has(a, 3) && !ac_set_has(NULL, 1), "membership");
    c = ac_set_and(pool, a, b);
    ok(apr_hash_count(c) == 1 && ac_set_has(c, 2), "a & b");
    c = ac_set_minus(pool, a, b);
    ok(apr_hash_count(c) == 2 && ac_set_has(c, 1) && ac_set_has(c, big), "a - b");
    is_str(ac_set_sql(pool, b)[1] == ',' ? "ok" : ac_set_sql(pool, b), "ok", "as an IN list");
    is_str(ac_set_sql(pool, ac_set_new(pool)), "NULL", "empty: NULL");
    {
        static char three[] = "three";
        ac_map_put(pool, b, 3, three);
        is_str(ac_map_get(b, 3), "three", "a map's value replaced");
    }
}

static void id_hash(void)
{
    apr_hash_t *m = ac_map_new(pool);
    long long a = 7, b = 7, c = 8, pair[2] = { 1, 2 }, swapped[2] = { 2, 1 };
    apr_ssize_t eight = 8, sixteen = 16, str = APR_HASH_KEY_STRING, str2 = APR_HASH_KEY_STRING;
    int i, n = 0;
    ok(ac_id_hash((const char *)&a, &eight) == ac_id_hash((const char *)&b, &eight),
       "an id hashes the same every time");
    ok(ac_id_hash((const char *)&a, &eight) != ac_id_hash((const char *)&c, &eight),
       "neighbouring ids differ");
    ok(ac_id_hash((const char *)pair, &sixteen) != ac_id_hash((const char *)swapped, &sixteen),
       "a key of two words depends on their order");
    ok(ac_id_hash("VCPU", &str) == apr_hashfunc_default("VCPU", &str2) && str == 4,
       "a string hashes as apr hashes it (its length found)");
    apr_hash_set(m, "VCPU", APR_HASH_KEY_STRING, "v");
    for (i = 0; i < 1000; i++) ac_map_put(pool, m, (long long)i * 1000003, (void *)1);
    for (i = 0; i < 1000; i++) n += ac_map_get(m, (long long)i * 1000003) != NULL;
    is_int(n, 1000, "a thousand ids put and found");
    ok(!ac_map_get(m, 5) && apr_hash_count(m) == 1001, "no other");
    is_str(apr_hash_get(m, "VCPU", APR_HASH_KEY_STRING), "v", "a string key in the same map");
}

static void sorted_arrays(void)
{
    apr_array_header_t *ids = apr_array_make(pool, 2, sizeof(long long));
    apr_array_header_t *use = apr_array_make(pool, 2, sizeof(ac_use));
    long long first[] = { 3, 7, 9 }, more[] = { 12, 5, 7, 1 }, big = 1LL << 40;
    ac_use u1[] = { { 3, 0, 10 }, { 3, 2, 30 }, { 9, 1, 91 } };
    ac_use u2[] = { { 5, 1, 51 }, { 12, 0, 120 } };
    ac_use u3[] = { { big, 0, 1 } };

    ok(!ac_ids_has(ids, 3), "an empty array holds nothing");
    ac_ids_add(ids, first, 3);
    ok(ac_ids_has(ids, 3) && ac_ids_has(ids, 9) && !ac_ids_has(ids, 4) && !ac_ids_has(ids, 10),
       "ascending ids: membership");
    ac_ids_add(ids, more, 4);
    is_int(ids->nelts, 6, "ids added out of order, a repeat kept once");
    ok(ac_ids_has(ids, 1) && ac_ids_has(ids, 5) && ac_ids_has(ids, 12) && ac_ids_has(ids, 7),
       "all of them found");
    ok(APR_ARRAY_IDX(ids, 0, long long) == 1 && APR_ARRAY_IDX(ids, 5, long long) == 12,
       "kept ascending");
    ac_ids_add(ids, &big, 1);
    ok(ac_ids_has(ids, big) && !ac_ids_has(ids, big + 1), "a large id");

    int pos = 0;

    is_int(ac_use_get(use, &pos, 3, 0), 0, "no usage read: 0");
    ac_use_add(use, u1, 3);
    ac_use_add(use, u2, 2);          /* 5 comes before 9: sorted again */
    ac_use_add(use, u3, 1);
    pos = 0;
    is_int(ac_use_get(use, &pos, 3, 2), 30, "usage of (provider, class)");
    is_int(ac_use_get(use, &pos, 3, 0), 10, "another class of the same provider");
    is_int(ac_use_get(use, &pos, 3, 1), 0, "a class without allocations: 0");
    is_int(ac_use_get(use, &pos, 4, 0), 0, "a provider without allocations: 0");
    is_int(ac_use_get(use, &pos, 5, 1), 51, "a pair added after a later one");
    is_int(ac_use_get(use, &pos, 9, 1), 91, "the later one still found");
    is_int(ac_use_get(use, &pos, 12, 0), 120, "the last provider");
    is_int(ac_use_get(use, &pos, big, 0), 1, "a large id");
    is_int(ac_use_get(use, &pos, big + 1, 0), 0, "past the end");
    is_int(ac_use_get(use, &pos, 5, 1), 51, "a step back searches");
    pos = 99;
    is_int(ac_use_get(use, &pos, 9, 1), 91, "a cursor out of range searches");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    id_sets();
    id_hash();
    sorted_arrays();
    single_provider_flat();
    capacity_edges();
    randomized();
    group_policies();
    nested_trees();
    traits_in_merge();
    same_subtrees();
    sharing();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
