/* Allocations: GET/PUT/DELETE /allocations/{consumer_uuid}, POST
 * /allocations (1.13) and GET /resource_providers/{uuid}/allocations.
 * The writes themselves are in allocation_write.c. */
#include "handlers.h"
#include "http.h"
#include "db.h"
#include "objects.h"
#include "jsonschema.h"
#include "allocation_write.h"

#include <apr_strings.h>
#include <apr_lib.h>
#include <string.h>

/* GET ------------------------------------------------------------------ */

/* The {"resources": {...}} entry for key in an allocations map, made on
 * first use (rows come one class at a time). */
static json_object *group_entry(json_object *allocs, const char *key)
{
    json_object *e;
    if (!json_object_object_get_ex(allocs, key, &e)) {
        e = json_object_new_object();
        json_object_object_add(e, "resources", json_object_new_object());
        json_object_object_add(allocs, key, e);
    }
    return e;
}

/* A consumer's allocations with their providers and the consumer. */
#define CONSUMER_ALLOC_COLUMNS \
    "rp.uuid, rp.generation, rc.name, a.used, a.created_at, a.updated_at, " \
    "c.generation, p.external_id, u.external_id, ct.name"
enum { CA_RP_UUID, CA_RP_GEN, CA_RC, CA_USED, CA_CREATED, CA_UPDATED, CA_CONSUMER_GEN,
       CA_PROJECT, CA_USER, CA_TYPE };

int pl_h_allocations_show(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    json_object *doc = json_object_new_object(), *allocs = json_object_new_object();
    apr_time_t last = 0;
    pl_dbres *res;
    int i;

    if (pl_db_query(q, &res, "SELECT " CONSUMER_ALLOC_COLUMNS " FROM allocations a "
                    "JOIN resource_providers rp ON rp.id = a.resource_provider_id "
                    "JOIN consumers c ON c.uuid = a.consumer_id "
                    "JOIN projects p ON p.id = c.project_id "
                    "JOIN users u ON u.id = c.user_id "
                    "JOIN resource_classes rc ON rc.id = a.resource_class_id "
                    "LEFT JOIN consumer_types ct ON ct.id = c.consumer_type_id "
                    "WHERE a.consumer_id = ? ORDER BY a.id", "s", uuid) != PL_OK) {
        json_object_put(doc);
        json_object_put(allocs);
        return pl_send_failure(q);
    }
    for (i = 0; i < res->nrows; i++) {
        json_object *rp, *resources;
        apr_time_t t = pl_modified(PL_CELL(res, i, CA_CREATED), PL_CELL(res, i, CA_UPDATED));
        rp = group_entry(allocs, PL_CELL(res, i, CA_RP_UUID));
        json_object_object_add(rp, "generation",
                               json_object_new_int64(pl_cell_int(res, i, CA_RP_GEN)));
        json_object_object_get_ex(rp, "resources", &resources);
        json_object_object_add(resources, PL_CELL(res, i, CA_RC),
                               json_object_new_int64(pl_cell_int(res, i, CA_USED)));
        if (t > last) last = t;
    }
    json_object_object_add(doc, "allocations", allocs);
    if (res->nrows && PL_MV_GE(q, 1, 12)) {
        json_object_object_add(doc, "project_id", pl_json_str(PL_CELL(res, 0, CA_PROJECT)));
        json_object_object_add(doc, "user_id", pl_json_str(PL_CELL(res, 0, CA_USER)));
        if (PL_MV_GE(q, 1, 28))
            json_object_object_add(doc, "consumer_generation",
                                   json_object_new_int64(pl_cell_int(res, 0, CA_CONSUMER_GEN)));
        if (PL_MV_GE(q, 1, 38))
            json_object_object_add(doc, "consumer_type", json_object_new_string(
                PL_CELL(res, 0, CA_TYPE) ? PL_CELL(res, 0, CA_TYPE) : "unknown"));
    }
    pl_set_last_modified(q, last);
    return pl_send_json(q, 200, doc);
}

/* A provider's allocations with their consumers' generations (the rows
 * of pl_provider_rows). */
#define PROVIDER_ALLOC_COLUMNS \
    "a.consumer_id, rc.name, a.used, a.created_at, a.updated_at, c.generation"
enum { PA_CONSUMER, PA_RC, PA_USED, PA_CREATED, PA_UPDATED, PA_CONSUMER_GEN };

int pl_h_provider_allocations(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    json_object *doc, *allocs;
    pl_provider rp;
    apr_time_t last = 0;
    pl_dbres *res;
    /* one statement: the provider's generation and the consumers' are the
     * ones of these allocations */
    int i, found = pl_provider_rows(q, uuid, &rp, PROVIDER_ALLOC_COLUMNS,
                                    "LEFT JOIN (allocations a "
                                    "JOIN consumers c ON c.uuid = a.consumer_id "
                                    "JOIN projects p ON p.id = c.project_id "
                                    "JOIN users u ON u.id = c.user_id "
                                    "JOIN resource_classes rc ON rc.id = a.resource_class_id) "
                                    "ON a.resource_provider_id = rp.id", "ORDER BY a.id", &res);

    if (found == PL_FAIL) return pl_send_failure(q);
    if (!found)
        return pl_error(q, 404, NULL, "Resource provider '%s' not found: No resource "
                        "provider with uuid %s found", uuid, uuid);
    doc = json_object_new_object();
    allocs = json_object_new_object();
    for (i = 0; i < res->nrows; i++) {
        json_object *c, *resources;
        apr_time_t t = pl_modified(PL_CELL(res, i, PA_CREATED), PL_CELL(res, i, PA_UPDATED));
        c = group_entry(allocs, PL_CELL(res, i, PA_CONSUMER));
        json_object_object_get_ex(c, "resources", &resources);
        json_object_object_add(resources, PL_CELL(res, i, PA_RC),
                               json_object_new_int64(pl_cell_int(res, i, PA_USED)));
        if (PL_MV_GE(q, 1, 28))
            json_object_object_add(c, "consumer_generation",
                                   json_object_new_int64(pl_cell_int(res, i, PA_CONSUMER_GEN)));
        if (t > last) last = t;
    }
    json_object_object_add(doc, "allocations", allocs);
    json_object_object_add(doc, "resource_provider_generation",
                           json_object_new_int64(rp.generation));
    pl_set_last_modified(q, last);
    return pl_send_json(q, 200, doc);
}

/* Writes --------------------------------------------------------------- */

static const char *put_schema(pl_req *q)
{
    if (PL_MV_GE(q, 1, 38)) return "allocation.ALLOCATION_SCHEMA_V1_38";
    if (PL_MV_GE(q, 1, 34)) return "allocation.ALLOCATION_SCHEMA_V1_34";
    if (PL_MV_GE(q, 1, 28)) return "allocation.ALLOCATION_SCHEMA_V1_28";
    if (PL_MV_GE(q, 1, 12)) return "allocation.ALLOCATION_SCHEMA_V1_12";
    if (PL_MV_GE(q, 1, 8)) return "allocation.ALLOCATION_SCHEMA_V1_8";
    return "allocation.ALLOCATION_SCHEMA";
}

int pl_h_allocations_put(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_alloc_request w;
    json_object *body;
    int rv;

    if (!(uuid = pl_uuid_canonical(q->pool, uuid)))
        return pl_error(q, 400, NULL, "Malformed consumer_uuid: %s", PL_PARAM(q, 0));
    body = pl_read_json(q, put_schema(q));
    if (!body) return pl_send_failure(q);
    memset(&w, 0, sizeof(w));
    w.consumers = apr_array_make(q->pool, 1, sizeof(pl_alloc_consumer));
    pl_alloc_consumer_read(q, apr_array_push(w.consumers), uuid, body);
    rv = pl_alloc_write(q, &w);
    if (rv != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}

int pl_h_allocations_post(pl_req *q)
{
    const char *schema = PL_MV_GE(q, 1, 38) ? "allocation.POST_ALLOCATIONS_V1_38"
        : PL_MV_GE(q, 1, 34) ? "allocation.POST_ALLOCATIONS_V1_34"
        : PL_MV_GE(q, 1, 28) ? "allocation.POST_ALLOCATIONS_V1_28"
        : "allocation.POST_ALLOCATIONS_V1_13";
    pl_alloc_request w;
    json_object *body = pl_read_json(q, schema);
    int rv;

    if (!body) return pl_send_failure(q);
    memset(&w, 0, sizeof(w));
    w.post = 1;
    w.consumers = apr_array_make(q->pool, 4, sizeof(pl_alloc_consumer));
    {
        json_object_object_foreach(body, cuuid, d)
            pl_alloc_consumer_read(q, apr_array_push(w.consumers), apr_pstrdup(q->pool, cuuid), d);
    }
    rv = pl_alloc_write(q, &w);
    if (rv != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}

int pl_h_allocations_delete(pl_req *q)
{
    if (pl_alloc_delete_consumer(q, PL_PARAM(q, 0)) != PL_OK)
        return pl_send_failure(q);
    return pl_send_empty(q, 204);
}
