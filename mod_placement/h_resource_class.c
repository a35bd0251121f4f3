/* h_resource_class: not written yet; every handler answers 501 until it is. */
#include "handlers.h"
#include "http.h"

#define NOT_YET(name) \
    int name(pl_req *q) { return pl_error(q, 501, NULL, "Not implemented yet."); }

NOT_YET(pl_h_resource_classes_list)
NOT_YET(pl_h_resource_class_create)
NOT_YET(pl_h_resource_class_show)
NOT_YET(pl_h_resource_class_update)
NOT_YET(pl_h_resource_class_put)
NOT_YET(pl_h_resource_class_delete)
