/* GET /allocation_candidates: the request (groups and request-wide
 * parameters, candidates_parse.c), the search (candidates.c) and the
 * response body (candidates_json.c).  Semantics follow upstream's
 * lib.RequestGroup, research_context and allocation_candidate modules. */
#ifndef PL_CANDIDATES_H
#define PL_CANDIDATES_H

#include "placement.h"
#include "qparams.h"
#include "jsonw.h"

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

/* Validate and parse the query string of q.  PL_OK, or PL_FAIL with the
 * 400 recorded (texts and codes as upstream). */
int pl_ac_parse(pl_req *q, pl_ac_request *out);

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

/* Run the search.  PL_OK (possibly with no candidates), or PL_FAIL with a
 * failure recorded (400 for unknown classes or traits, 500/503 db). */
int pl_ac_search(pl_req *q, const pl_ac_request *r, pl_ac_result *out);

/* The response body for q's microversion (freed with the request). */
pl_jw *pl_ac_render(pl_req *q, const pl_ac_request *r, const pl_ac_result *res);

#endif
