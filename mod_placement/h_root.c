/* GET /: the version document; unauthenticated, it is also the health
 * check load balancers poll. */
#include "handlers.h"
#include "http.h"

int pl_h_root(pl_req *q)
{
    json_object *version = json_object_new_object(), *links = json_object_new_array();
    json_object *self = json_object_new_object(), *versions = json_object_new_array();
    json_object *doc = json_object_new_object();

    json_object_object_add(version, "id", json_object_new_string("v" PL_MV_MIN_STRING));
    json_object_object_add(version, "max_version", json_object_new_string(PL_MV_MAX_STRING));
    json_object_object_add(version, "min_version", json_object_new_string(PL_MV_MIN_STRING));
    json_object_object_add(version, "status", json_object_new_string("CURRENT"));
    /* a relative link to this same URL, as upstream: no proxy bookkeeping */
    json_object_object_add(self, "rel", json_object_new_string("self"));
    json_object_object_add(self, "href", json_object_new_string(""));
    json_object_array_add(links, self);
    json_object_object_add(version, "links", links);
    json_object_array_add(versions, version);
    json_object_object_add(doc, "versions", versions);
    pl_set_last_modified(q, 0);
    return pl_send_json(q, 200, doc);
}
