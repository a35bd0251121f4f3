/* Internals shared by candidates.c (database side) and candidates_merge.c
 * (combinations in memory). */
#ifndef PL_CANDIDATES_INT_H
#define PL_CANDIDATES_INT_H

#include <apr_hash.h>
#include "candidates.h"

/* (provider, root or anchor root) */
typedef struct ac_pair { long long rp, root; } ac_pair;

/* What the merge needs of the configuration and the microversion. */
typedef struct ac_conf {
    int max_candidates;           /* max_allocation_candidates; <= 0: no limit */
    int randomize;                /* randomize_allocation_candidates */
    int no_split_trees;           /* before 1.29: one provider per tree */
} ac_conf;

/* Request-wide search state (RequestWideSearchContext). */
typedef struct sctx {
    pl_req *q;
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
    long long early_limit;        /* >0: the answer is the first this many
                                   * providers in id order (see search()) */
    int early_rows;               /* rows the limited query returned */
} sctx;

/* One request group's search state (RequestGroupSearchContext). */
typedef struct gctx {
    const pl_ac_group *g;
    int gi;
    int nrc;
    long long *rc_ids, *amounts;
    const char **rc_names;
    idset *in_aggs;               /* member_of matches; NULL when no member_of */
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
int ac_match_all(sctx *s, int aggs, const apr_array_header_t *groups, idset **out);
int ac_anchors(sctx *s, const idset *sps, apr_hash_t **out);

typedef int (*ac_load_fn)(sctx *s, const idset *ids);

/* Unsuffixed group where trees or sharing providers exist: providers of a
 * tree (plus sharing providers anchored to it) combine. */
int ac_multi_provider(sctx *s, gctx *gc, apr_array_header_t *out, ac_load_fn load_trees_of);

/* Fold the per-group requests into s->out (merge, policies, capacity,
 * nested exclusion, limit, summaries). */
int ac_merge(sctx *s, apr_array_header_t **per_group);

#endif
