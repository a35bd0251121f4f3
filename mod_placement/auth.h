/* Identity and permissions through Apache's auth hooks. */
#ifndef PL_AUTH_H
#define PL_AUTH_H

#include "placement.h"

/* Register check_authn, force_authn, note_auth_failure, the
 * "placement-policy" authz provider and the JSON error filter. */
void pl_auth_register_hooks(apr_pool_t *p);

/* The caller's identity from the request headers (noauth2 or keystone),
 * NULL when there is none; computed once per request. */
const pl_identity *pl_identity_get(pl_req *q);

#endif
