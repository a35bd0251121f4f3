/* GET /allocation_candidates: the data the search works on, with no
 * httpd or database header - the request (groups and request-wide
 * parameters), the providers with their inventories and traits, the
 * candidates - and sets of internal ids.  The merge (candidates_merge.c)
 * and its unit tests build on this alone. */
#ifndef PL_CANDIDATES_DATA_H
#define PL_CANDIDATES_DATA_H

#include <apr_hash.h>
#include <apr_tables.h>

#include "qparams.h"

/* One request group: resources{S}, required{S}, member_of{S}, in_tree{S}. */
typedef struct pl_ac_group {
    const char *suffix;              /* "" for the unsuffixed group */
    int same_provider;               /* suffixed: one provider satisfies it */
    apr_array_header_t *resources;   /* of pl_qp_amount; nelts 0 when resourceless */
    pl_qp_traits traits;             /* all_of/forbidden never NULL */
    pl_qp_aggs aggs;                 /* any_of/forbidden never NULL */
    const char *in_tree;             /* uuid or NULL */
} pl_ac_group;

typedef struct pl_ac_request {
    apr_array_header_t *groups;      /* of pl_ac_group, in first-seen key order */
    long long limit;                 /* 0: no limit */
    const char *group_policy;        /* NULL, "none" or "isolate" */
    apr_array_header_t *root_required;   /* of const char *, or NULL */
    apr_array_header_t *root_forbidden;  /* of const char *, or NULL */
    apr_array_header_t *same_subtrees;   /* of apr_array_header_t * of const char * */
} pl_ac_request;

/* A provider as the response summarizes it. */
typedef struct pl_ac_inv {
    long long rc_id;
    const char *rc;
    long long capacity, used, max_unit;
    double capacity_f;      /* (total - reserved) * ratio as Python's float; capacity is
                             * int() of it, saturated at LLONG_MAX for the comparisons */
} pl_ac_inv;

typedef struct pl_ac_rp {
    long long id, parent_id, root_id;
    const char *uuid;
    struct pl_ac_rp *parent, *root;     /* root: itself for a root */
    apr_array_header_t *traits;         /* of const char * */
    apr_array_header_t *inv;            /* of pl_ac_inv */
    int sharing;                        /* has MISC_SHARES_VIA_AGGREGATE */
    int mark;                           /* scratch for the output filters */
} pl_ac_rp;

/* One resource amount taken from one provider. */
typedef struct pl_ac_arr {
    pl_ac_rp *rp;
    long long rc_id;
    const char *rc;
    long long amount;
} pl_ac_arr;

/* One allocation request: its resources and, per group (index as in
 * pl_ac_request.groups), the providers that satisfied it. */
typedef struct pl_ac_areq {
    int narr;
    pl_ac_arr *arr;
    int ngroups;
    apr_array_header_t **maps;          /* [group] of pl_ac_rp * */
} pl_ac_areq;

typedef struct pl_ac_result {
    apr_array_header_t *areqs;          /* of pl_ac_areq * */
    apr_array_header_t *summaries;      /* of pl_ac_rp * */
} pl_ac_result;

/* The inventory of class rc_id on rp, or NULL. */
pl_ac_inv *ac_inv_of(pl_ac_rp *rp, long long rc_id);

/* ---- sets and maps of internal ids ---------------------------------------- */

/* A set of internal ids: apr_hash keyed by the 8 bytes of a long long (a
 * map: the same with values).  Pool p holds the keys added. */
typedef apr_hash_t idset;

/* A map keyed by ids (or any key of 8-byte words): ac_id_hash, a
 * multiplicative hash of the words, instead of apr's byte-wise one, which
 * is most of what a set probe costs; other keys (strings) hash as apr
 * hashes them, so any map of the search can be made this way. */
unsigned int ac_id_hash(const char *key, apr_ssize_t *klen);
apr_hash_t *ac_map_new(apr_pool_t *p);
idset *ac_set_new(apr_pool_t *p);
int ac_set_has(const idset *s, long long id);           /* s may be NULL: 0 */
void ac_set_add(apr_pool_t *p, idset *s, long long id);
void ac_map_put(apr_pool_t *p, apr_hash_t *m, long long id, void *val);
void *ac_map_get(apr_hash_t *m, long long id);
long long ac_key_of(apr_hash_index_t *hi);               /* the id an iterator is at */
idset *ac_set_and(apr_pool_t *p, const idset *a, const idset *b);   /* a & b, new */
idset *ac_set_minus(apr_pool_t *p, const idset *a, const idset *b); /* a - b, new */
/* The ids as "1,2,3" for IN (...), "NULL" for an empty set. */
const char *ac_set_sql(apr_pool_t *p, const idset *s);

/* ---- sorted arrays: built in a few steps, probed often -------------------- */

/* qsort order of long long ids: ascending. */
int ac_cmp_id(const void *a, const void *b);
/* Ids in an apr array of long long, ascending, each once. */
void ac_ids_add(apr_array_header_t *a, const long long *ids, int n);   /* any order */
int ac_ids_has(const apr_array_header_t *a, long long id);

/* Usage of one class on one provider, as read (SUM(used) of its allocations). */
typedef struct ac_use { long long rp, rc, used; } ac_use;

/* Add n rows to an apr array of ac_use kept ascending by (rp, rc); a pair
 * it holds already is kept once (the same snapshot's usage read twice). */
void ac_use_add(apr_array_header_t *a, const ac_use *rows, int n);
/* The usage of class rc on rp: 0 when there is no row.  *pos is the
 * caller's cursor (start it at 0): a walk up the providers moves it along
 * (a merge of two sorted lists), a step back searches. */
long long ac_use_get(const apr_array_header_t *a, int *pos, long long rp, long long rc);

#endif
