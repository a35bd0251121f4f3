/* The pure parts of an allocation write (allocation_write.c): a body's
 * claims, one consumer at a time, and each claim against the inventory it
 * draws on (step 3's verdict).  No httpd header: unit-tested in
 * t/unit/test_allocation_claims.c. */
#ifndef PL_ALLOCATION_CLAIMS_H
#define PL_ALLOCATION_CLAIMS_H

#include "capacity.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>

/* One requested amount (used >= 1). */
typedef struct pl_alloc_item {
    const char *rp_uuid;
    const char *rc;
    long long used;
} pl_alloc_item;

/* The wanted state of one consumer. */
typedef struct pl_alloc_consumer {
    const char *uuid;
    const char *project_id;     /* external ids (already defaulted) */
    const char *user_id;
    int check_generation;       /* 1.28+: generation must match */
    int generation_null;        /* consumer_generation: null */
    long long generation;
    const char *consumer_type;  /* 1.38+, NULL leaves the type as it is */
    apr_array_header_t *items;  /* pl_alloc_item; empty: remove them all */
} pl_alloc_consumer;

/* What reading a body depends on besides the body. */
typedef struct pl_alloc_read_ctx {
    apr_pool_t *pool;                   /* the claims' memory */
    int mv;                             /* the request's microversion, PL_V() */
    const char *default_project_id;     /* an incomplete consumer's (before 1.8) */
    const char *default_user_id;
} pl_alloc_read_ctx;

/* One consumer's part d of a validated PUT, POST or reshaper body (any
 * microversion: list or dict allocations, incomplete-consumer ids before
 * 1.8, generation from 1.28, consumer_type from 1.38) into *c. */
void pl_alloc_consumer_parse(const pl_alloc_read_ctx *x, pl_alloc_consumer *c,
                             const char *uuid, json_object *d);

/* The resources ({class: amount}) of one provider added to items; a
 * provider already there (a pre-1.12 list naming it twice) has its
 * resources replaced where they stood, as a dict keyed by provider would. */
void pl_alloc_items_add(apr_pool_t *p, apr_array_header_t *items, const char *rp_uuid,
                        json_object *resources);

/* A provider's inventory of one class as step 3 checks claims on it:
 * used, the allocations there that stay (the consumers' own, replaced,
 * taken off); sum, the claims on it checked so far. */
typedef struct pl_claim_inv {
    pl_inv_limits lim;
    long long used, sum;
} pl_claim_inv;

typedef enum {
    PL_CLAIM_OK,
    PL_CLAIM_NO_INVENTORY,      /* no such inventory ("invalid") */
    PL_CLAIM_UNITS,             /* min_unit, max_unit or step_size */
    PL_CLAIM_CAPACITY           /* over (total - reserved) * allocation_ratio */
} pl_claim_verdict;

/* The next claim of amount (0: an emptied consumer's old allocation) on
 * v (NULL: the provider has none of that class): counts it into v->sum,
 * then judges it as upstream does, the amount alone and the sum of the
 * claims so far each on top of v->used. */
pl_claim_verdict pl_claim_check(pl_claim_inv *v, long long amount);

#endif
