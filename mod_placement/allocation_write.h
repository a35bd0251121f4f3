/* Writing allocations: replace the allocations of one or more consumers in
 * one transaction, with capacity checks, provider and consumer generation
 * guards, and project/user/consumer type creation that is rolled back with
 * everything else when the write fails. */
#ifndef PL_ALLOCATION_WRITE_H
#define PL_ALLOCATION_WRITE_H

#include "placement.h"
#include "allocation_claims.h"
#include <apr_hash.h>
#include <apr_tables.h>

typedef struct pl_alloc_request {
    apr_array_header_t *consumers;   /* pl_alloc_consumer, in body order */
    int post;                        /* POST /allocations (its error texts) */
    /* internal: providers to lock up front on the next run */
    apr_array_header_t *extra_rp_uuids;
    /* internal: lower uuid -> id of the providers named and extra, read
     * before the transaction (pl_alloc_resolve; see pl_providers_lock) */
    apr_hash_t *rp_ids;

} pl_alloc_request;

/* One consumer's part of a validated PUT, POST or reshaper body:
 * pl_alloc_consumer_parse (allocation_claims.h) at the request's
 * microversion, with the configured incomplete-consumer ids. */
void pl_alloc_consumer_read(pl_req *q, pl_alloc_consumer *c, const char *uuid, json_object *d);

/* Run the whole write in its own transaction (retried on conflicts).
 * PL_OK, or PL_FAIL with the failure recorded. */
int pl_alloc_write(pl_req *q, pl_alloc_request *w);

/* Before the transaction: resolve the providers the consumers name (and
 * extra_rp_uuids) to ids into w->rp_ids.  PL_OK or PL_FAIL. */
int pl_alloc_resolve(pl_req *q, pl_alloc_request *w);

/* The same work inside a transaction the caller runs (reshaper, which
 * calls pl_alloc_resolve first): PL_OK, PL_FAIL or PL_RETRY, as a
 * pl_db_txn body returns. */
int pl_alloc_write_body(pl_req *q, void *w);

/* DELETE /allocations/{uuid}: PL_OK, or PL_FAIL (404 when the consumer has
 * no allocations). */
int pl_alloc_delete_consumer(pl_req *q, const char *consumer_uuid);

#endif
