/* GET /allocation_candidates (1.10+): where would these resources fit?
 * Parsing in candidates_parse.c, the search in candidates.c and
 * candidates_merge.c, the body in candidates_json.c. */
#include "handlers.h"
#include "http.h"
#include "candidates.h"

int pl_h_allocation_candidates(pl_req *q)
{
    pl_ac_request req;
    pl_ac_result res;

    if (pl_ac_parse(q, &req) != PL_OK) return pl_send_failure(q);
    if (pl_ac_search(q, &req, &res) != PL_OK) return pl_send_failure(q);
    pl_set_last_modified(q, 0);
    return pl_send_jw(q, 200, pl_ac_render(q, &req, &res));
}
