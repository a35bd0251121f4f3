/* The request context (request.c). */
#ifndef PL_REQUEST_H
#define PL_REQUEST_H

#include "placement.h"

/* The request context, built once per request: request id, mount prefix,
 * query, microversion, route, and the failure upstream would answer
 * before its policy check (q->prepared_failed). */
pl_req *pl_req_get(request_rec *r);

#endif
