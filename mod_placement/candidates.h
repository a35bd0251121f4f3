/* GET /allocation_candidates: the request (groups and request-wide
 * parameters, candidates_parse.c), the search (candidates.c) and the
 * response body (candidates_json.c).  Semantics follow upstream's
 * lib.RequestGroup, research_context and allocation_candidate modules. */
#ifndef PL_CANDIDATES_H
#define PL_CANDIDATES_H

#include "placement.h"
#include "candidates_data.h"
#include "jsonw.h"

/* Validate and parse the query string of q.  PL_OK, or PL_FAIL with the
 * 400 recorded (texts and codes as upstream). */
int pl_ac_parse(pl_req *q, pl_ac_request *out);

/* Run the search.  PL_OK (possibly with no candidates), or PL_FAIL with a
 * failure recorded (400 for unknown classes or traits, 500/503 db). */
int pl_ac_search(pl_req *q, const pl_ac_request *r, pl_ac_result *out);

/* The response body for q's microversion, written into w (the same text
 * each time: pl_send_rendered writes it twice). */
void pl_ac_render(pl_jw *w, pl_req *q, const pl_ac_request *r, const pl_ac_result *res);

#endif
