/* PlacementAuthStrategy keystone: identity from a token Keystone vouches for. */
#ifndef PL_AUTH_KEYSTONE_H
#define PL_AUTH_KEYSTONE_H

#include "placement.h"
#include "keystone_client.h"

/* The hook that removes client-sent identity headers. */
void pl_keystone_register_hooks(apr_pool_t *p);

/* Validate the request's tokens (cache first) and, when valid, fill id and
 * write the validated identity back as the headers auth_token sets. */
pl_ks_result pl_keystone_identify(pl_req *q, pl_identity *id);

#endif
