/* h_trait: not written yet; every handler answers 501 until it is. */
#include "handlers.h"
#include "http.h"

#define NOT_YET(name) \
    int name(pl_req *q) { return pl_error(q, 501, NULL, "Not implemented yet."); }

NOT_YET(pl_h_traits_list)
NOT_YET(pl_h_trait_show)
NOT_YET(pl_h_trait_put)
NOT_YET(pl_h_trait_delete)
NOT_YET(pl_h_provider_traits_list)
NOT_YET(pl_h_provider_traits_set)
NOT_YET(pl_h_provider_traits_delete)
