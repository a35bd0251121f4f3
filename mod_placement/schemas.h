/* Registry of the request schemas in schema/json/ (pure: apr + json-c).
 *
 * pl_schemas_load() runs once at start-up, before any request thread;
 * afterwards the registry is only read, so lookups need no locking.
 */
#ifndef PL_SCHEMAS_H
#define PL_SCHEMAS_H

#include <apr_pools.h>

#include "jsonschema.h"

/* Load and compile every *.json under dir into the process-wide registry
 * (p must live as long as the process).  Returns 0, or -1 with *err
 * naming the file on unreadable/bad JSON or an unsupported keyword. */
int pl_schemas_load(apr_pool_t *p, const char *dir, char **err);

/* name is the file name without ".json", e.g.
 * "resource_provider.POST_RESOURCE_PROVIDER_SCHEMA"; NULL if unknown. */
const pl_schema *pl_schema_lookup(const char *name);

#endif
