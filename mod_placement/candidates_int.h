/* Internals shared by candidates.c (database side) and candidates_merge.c
 * (combinations in memory).  Pure: no httpd or database header, so the
 * merge and its unit tests (t/unit/test_candidates_merge.c) build without
 * either; what the merge needs of the database comes in ac_source. */
#ifndef PL_CANDIDATES_INT_H
#define PL_CANDIDATES_INT_H

#include <apr_hash.h>

#include "candidates_data.h"
#include "result.h"

/* (provider, root or anchor root) */
typedef struct ac_pair { long long rp, root; } ac_pair;

/* What the merge needs of the configuration and the microversion. */
typedef struct ac_conf {
    int max_candidates;           /* max_allocation_candidates; <= 0: no limit */
    int randomize;                /* randomize_allocation_candidates */
    int no_split_trees;           /* before 1.29: one provider per tree */
} ac_conf;

typedef struct sctx sctx;

/* What the merge asks of the database (mod_md's pattern): candidates.c
 * fills it with its SQL, the unit tests with fakes.  Each returns PL_OK,
 * or PL_FAIL with the failure recorded on the caller's side. */
typedef struct ac_source {
    /* *out: each sharing provider of sps -> the idset of the roots of the
     * trees with a member in one of its aggregates (its anchors) */
    int (*anchors)(sctx *s, const idset *sps, apr_hash_t **out);
    /* load the trees of these providers that are not loaded yet into
     * s->rps and s->order */
    int (*load_trees_of)(sctx *s, const idset *ids);
    void *ctx;                    /* the implementation's own (fakes' data) */
} ac_source;

/* Request-wide search state (RequestWideSearchContext). */
struct sctx {
    struct pl_req *q;             /* the request: candidates.c's side only */
    ac_source src;
    ac_conf conf;
    apr_pool_t *p;
    const pl_ac_request *r;
    pl_ac_result *out;
    int has_trees;
    idset *sharing;               /* providers with MISC_SHARES_VIA_AGGREGATE */
    idset *anchor_roots;          /* roots allowed by root_required; NULL: any */
    apr_hash_t *rps;              /* id -> pl_ac_rp *, every loaded provider */
    idset *loaded_roots;
    apr_array_header_t *order;    /* pl_ac_rp * in load order */
    apr_hash_t *rc_ids, *trait_ids;   /* name -> long long * */
    apr_hash_t *rc_names, *trait_names;   /* id (8 bytes) -> name as stored */
    apr_hash_t *root_of;          /* provider id -> long long * root id, where known */
    apr_array_header_t *use;      /* of ac_use: usage of every class of the providers
                                   * in use_read, read once for capacity and summaries */
    apr_array_header_t *use_read; /* of long long, sorted (ac_ids_add) */
    long long early_limit;        /* >0: the answer is the first this many
                                   * providers in id order (see search()) */
    int early_rows;               /* rows the limited query returned */
};

/* One request group's search state (RequestGroupSearchContext). */
typedef struct gctx {
    const pl_ac_group *g;
    int gi;
    int nrc;
    long long *rc_ids, *amounts;
    const char **rc_names;
    idset *in_aggs;               /* member_of matches; NULL when no member_of */
    idset *bad_aggs;              /* providers in a forbidden aggregate (multi-provider
                                   * groups only); NULL when none is forbidden */
    apr_array_header_t *required; /* of apr_array_header_t * of long long (OR inside) */
    apr_array_header_t *forbidden;/* of long long */
    long long tree_root;          /* in_tree's root, 0 when none */
    apr_array_header_t **with_res;/* [rc] of ac_pair: providers with capacity
                                   * (multi-provider groups only) */
    int multi;                    /* providers of a tree combine (ac_multi_provider) */
} gctx;

/* One group's allocation request. */
typedef struct greq {
    long long anchor;             /* root id of the anchoring tree */
    int narr;
    pl_ac_arr *arr;
    int nmap;
    pl_ac_rp **map;               /* providers used, ascending id */
} greq;

/* Groups joined in one query (MariaDB joins at most 61 tables; an
 * aggregate group takes two). */
#define PL_MAX_JOINED_GROUPS 25

/* The group's request taking everything from rp, anchored to tree anchor
 * (a single-provider group). */
greq *ac_greq_for(sctx *s, const gctx *gc, pl_ac_rp *rp, long long anchor);

/* Unsuffixed group where trees or sharing providers exist: providers of a
 * tree (plus sharing providers anchored to it) combine.  Appends greq * to
 * out, by anchor then by the providers' ids; PL_FAIL when s->src fails. */
int ac_multi_provider(sctx *s, gctx *gc, apr_array_header_t *out);

/* Fold the per-group requests into s->out (merge, policies, capacity,
 * nested exclusion, limit, summaries). */
int ac_merge(sctx *s, apr_array_header_t **per_group);

#endif
