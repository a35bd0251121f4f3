/* h_usage: not written yet; every handler answers 501 until it is. */
#include "handlers.h"
#include "http.h"

#define NOT_YET(name) \
    int name(pl_req *q) { return pl_error(q, 501, NULL, "Not implemented yet."); }

NOT_YET(pl_h_provider_usages)
NOT_YET(pl_h_total_usages)
