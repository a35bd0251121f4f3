/* GET /allocation_candidates (1.10+): where would these resources fit?
 * Parsing in candidates_parse.c, the search in candidates.c and
 * candidates_merge.c, the body in candidates_json.c. */
#include "handlers.h"
#include "http.h"
#include "candidates.h"

typedef struct answer {
    pl_req *q;
    pl_ac_request req;
    pl_ac_result res;
} answer;

static void render(pl_jw *w, void *ctx)
{
    answer *a = ctx;
    pl_ac_render(w, a->q, &a->req, &a->res);
}

int pl_h_allocation_candidates(pl_req *q)
{
    answer a;

    a.q = q;
    if (pl_ac_parse(q, &a.req) != PL_OK) return pl_send_failure(q);
    if (pl_ac_search(q, &a.req, &a.res) != PL_OK) return pl_send_failure(q);
    pl_set_last_modified(q, 0);
    /* 2.4 MB for 2,000 candidates on 1,000 trees of 7: streamed, not held */
    return pl_send_rendered(q, 200, render, &a);
}
