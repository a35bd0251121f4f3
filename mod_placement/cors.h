/* CORS as oslo.middleware's CORS filter does it for upstream Placement. */
#ifndef PL_CORS_H
#define PL_CORS_H

#include "placement.h"

/* CORS is on when at least one origin is allowed. */
int pl_cors_enabled(const pl_req *q);
/* For every request: when its Origin is allowed, add the response headers
 * (also on errors, as the filter wraps the whole application). */
void pl_cors_request_headers(pl_req *q);
/* OPTIONS: always 200 with no body; preflight headers when it is valid. */
int pl_cors_preflight(pl_req *q);

#endif
