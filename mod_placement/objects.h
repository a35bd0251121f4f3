/* Lookups and generation guards shared by the handlers. */
#ifndef PL_OBJECTS_H
#define PL_OBJECTS_H

#include "placement.h"

typedef struct pl_provider {
    long long id;
    const char *uuid;
    const char *name;
    long long generation;
    long long parent_id;         /* 0 when none */
    long long root_id;
    const char *parent_uuid;     /* NULL when none */
    const char *root_uuid;
    apr_time_t modified;         /* updated_at, or created_at */
} pl_provider;

/* Load a provider by uuid.  Returns 1 found, 0 not found, PL_FAIL on a
 * database failure (recorded).  for_update locks the row (SELECT ... FOR
 * UPDATE) inside a transaction. */
int pl_provider_get(pl_req *q, const char *uuid, pl_provider *out, int for_update);

/* Check-and-bump: the provider's generation must still be rp->generation;
 * then it becomes rp->generation + 1 (and updated_at now).  PL_OK, or
 * PL_FAIL with 409 placement.concurrent_update recorded when another writer
 * got there first. */
int pl_provider_bump(pl_req *q, pl_provider *rp);

/* Resource class id by name: 1 found, 0 not found, PL_FAIL. */
int pl_resource_class_id(pl_req *q, const char *name, long long *id);

/* Last-modified time from a row's created_at / updated_at texts. */
apr_time_t pl_modified(const char *created_at, const char *updated_at);

/* Set the Location header to the absolute URL of prefix + path, the way
 * webob turns a relative location into one: scheme://Host of the request
 * (default port dropped). */
void pl_set_location(pl_req *q, const char *path);

/* The capacity rule as an SQL condition: amount of class RC fits inventory
 * row INV of provider RP (min_unit, max_unit, step_size, and usage plus
 * amount within (total - reserved) * allocation_ratio).  The column tests
 * come first and the usage, read through the allocations (provider, class,
 * used) index, last, so only rows that pass the rest pay for it.  RP and
 * RC are SQL expressions (columns or integer literals). */
const char *pl_fits_sql(apr_pool_t *p, const char *inv, const char *rp, const char *rc,
                        long long amount);

#endif
