/* Query parameters shared by GET /resource_providers, GET
 * /allocation_candidates and GET /usages: resources=, required=, member_of=
 * and in_tree=, parsed and checked with upstream's rules and messages
 * (placement/util.py).  Pure C (apr only).
 *
 * Every parser returns 0, or -1 with *err set to the full 400 detail text
 * (send it with pl_error(q, 400, NULL, "%s", err): upstream raises a plain
 * HTTPBadRequest, no error code). */
#ifndef PL_QPARAMS_H
#define PL_QPARAMS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* One "CLASS:AMOUNT" of resources=. */
typedef struct pl_qp_amount {
    const char *rc;              /* resource class name, as given */
    long long amount;            /* >= 1 */
} pl_qp_amount;

/* resources=VCPU:2,MEMORY_MB:1024 -> *out: array of pl_qp_amount in first-seen
 * order; a repeated class keeps its first place and takes the last amount
 * (a Python dict).  Amounts follow Python int() (spaces, sign, '_'). */
int pl_qp_resources(apr_pool_t *p, const char *val, apr_array_header_t **out,
                    const char **err);

/* Trait constraints: every group in all_of must be met (AND); a group is
 * met by any one of its names (OR).  forbidden: none of these. */
typedef struct pl_qp_traits {
    apr_array_header_t *all_of;      /* of apr_array_header_t * of const char * */
    apr_array_header_t *forbidden;   /* of const char *, no duplicates */
} pl_qp_traits;

/* Parse one required= value into acc (created when acc->all_of is NULL).
 * allow_forbidden: '!NAME' accepted (1.22); allow_any: 'in:A,B' (1.39). */
int pl_qp_traits_value(apr_pool_t *p, const char *val, int allow_forbidden,
                       int allow_any, pl_qp_traits *acc, const char **err);

/* All values of one required<suffix> key at microversion mv (PL_V()):
 * before 1.39 only the last value counts.  values may be empty. */
int pl_qp_required(apr_pool_t *p, const apr_array_header_t *values, int mv,
                   pl_qp_traits *out, const char **err);

/* Aggregate constraints: each group in any_of needs one of its uuids (AND
 * between groups); forbidden: none of these.  Uuids are kept as given. */
typedef struct pl_qp_aggs {
    apr_array_header_t *any_of;      /* of apr_array_header_t * of const char * */
    apr_array_header_t *forbidden;   /* of const char *, no duplicates */
} pl_qp_aggs;

/* One member_of value: UUID, !UUID, in:U1,U2 or !in:U1,U2.  Appends to acc
 * (created when acc->any_of is NULL); *has_forbidden tells whether it was a
 * '!' form (the caller decides whether the microversion allows it). */
int pl_qp_member_of_value(apr_pool_t *p, const char *val, pl_qp_aggs *acc,
                          int *has_forbidden, const char **err);

/* All values of member_of<suffix> at microversion mv: several only from
 * 1.24, '!' forms only from 1.32.  values may be empty. */
int pl_qp_member_of(apr_pool_t *p, const apr_array_header_t *values,
                    const char *suffix, int mv, pl_qp_aggs *out, const char **err);

/* in_tree<suffix>: stripped, must look like a uuid; *out is the stripped text. */
int pl_qp_in_tree(apr_pool_t *p, const char *val, const char **out, const char **err);

/* Python str.strip() with no argument (ASCII and Unicode white space). */
const char *pl_qp_strip(apr_pool_t *p, const char *s);

/* Python int() of a str in base 10; 0 ok, -1 not an int.  Values beyond
 * long long saturate. */
int pl_qp_pyint(const char *s, long long *out);

#endif
