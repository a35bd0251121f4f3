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

/* The canonical form of a uuid oslo accepts (str(uuid.UUID(s))). */
static const char *canonical_uuid(apr_pool_t *p, const char *s)
{
    char hex[33], *o;
    int n = 0;
    if (!strncasecmp(s, "urn:", 4)) s += 4;
    if (!strncasecmp(s, "uuid:", 5)) s += 5;
    for (; *s && n < 32; s++) {
        if (*s == '-' || *s == '{' || *s == '}') continue;
        hex[n++] = (char)apr_tolower(*s);
    }
    hex[n] = 0;
    if (n != 32) return NULL;
    o = apr_psprintf(p, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return o;
}

/* GET ------------------------------------------------------------------ */

int pl_h_allocations_show(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    json_object *doc = json_object_new_object(), *allocs = json_object_new_object();
    apr_time_t last = 0;
    pl_dbres *res;
    int i;

    if (pl_db_query(q, &res, "SELECT rp.uuid, rp.generation, rc.name, a.used, a.created_at, "
                    "a.updated_at, c.generation, p.external_id, u.external_id, ct.name "
                    "FROM allocations a "
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
        apr_time_t t = pl_modified(PL_CELL(res, i, 4), PL_CELL(res, i, 5));
        if (!json_object_object_get_ex(allocs, PL_CELL(res, i, 0), &rp)) {
            rp = json_object_new_object();
            json_object_object_add(rp, "resources", json_object_new_object());
            json_object_object_add(allocs, PL_CELL(res, i, 0), rp);
        }
        json_object_object_add(rp, "generation",
                               json_object_new_int64(pl_cell_int(res, i, 1)));
        json_object_object_get_ex(rp, "resources", &resources);
        json_object_object_add(resources, PL_CELL(res, i, 2),
                               json_object_new_int64(pl_cell_int(res, i, 3)));
        if (t > last) last = t;
    }
    json_object_object_add(doc, "allocations", allocs);
    if (res->nrows && PL_MV_GE(q, 1, 12)) {
        json_object_object_add(doc, "project_id", pl_json_str(PL_CELL(res, 0, 7)));
        json_object_object_add(doc, "user_id", pl_json_str(PL_CELL(res, 0, 8)));
        if (PL_MV_GE(q, 1, 28))
            json_object_object_add(doc, "consumer_generation",
                                   json_object_new_int64(pl_cell_int(res, 0, 6)));
        if (PL_MV_GE(q, 1, 38))
            json_object_object_add(doc, "consumer_type", json_object_new_string(
                PL_CELL(res, 0, 9) ? PL_CELL(res, 0, 9) : "unknown"));
    }
    pl_set_last_modified(q, last);
    return pl_send_json(q, 200, doc);
}

int pl_h_provider_allocations(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    json_object *doc, *allocs;
    pl_provider rp;
    apr_time_t last = 0;
    pl_dbres *res;
    int i, found = pl_provider_get(q, uuid, &rp, 0);

    if (found == PL_FAIL) return pl_send_failure(q);
    if (!found)
        return pl_error(q, 404, NULL, "Resource provider '%s' not found: No resource "
                        "provider with uuid %s found", uuid, uuid);
    if (pl_db_query(q, &res, "SELECT a.consumer_id, rc.name, a.used, a.created_at, "
                    "a.updated_at, c.generation FROM allocations a "
                    "JOIN consumers c ON c.uuid = a.consumer_id "
                    "JOIN projects p ON p.id = c.project_id "
                    "JOIN users u ON u.id = c.user_id "
                    "JOIN resource_classes rc ON rc.id = a.resource_class_id "
                    "WHERE a.resource_provider_id = ? ORDER BY a.id", "i", rp.id) != PL_OK)
        return pl_send_failure(q);
    doc = json_object_new_object();
    allocs = json_object_new_object();
    for (i = 0; i < res->nrows; i++) {
        json_object *c, *resources;
        apr_time_t t = pl_modified(PL_CELL(res, i, 3), PL_CELL(res, i, 4));
        if (!json_object_object_get_ex(allocs, PL_CELL(res, i, 0), &c)) {
            c = json_object_new_object();
            json_object_object_add(c, "resources", json_object_new_object());
            json_object_object_add(allocs, PL_CELL(res, i, 0), c);
        }
        json_object_object_get_ex(c, "resources", &resources);
        json_object_object_add(resources, PL_CELL(res, i, 1),
                               json_object_new_int64(pl_cell_int(res, i, 2)));
        if (PL_MV_GE(q, 1, 28))
            json_object_object_add(c, "consumer_generation",
                                   json_object_new_int64(pl_cell_int(res, i, 5)));
        if (t > last) last = t;
    }
    json_object_object_add(doc, "allocations", allocs);
    json_object_object_add(doc, "resource_provider_generation",
                           json_object_new_int64(rp.generation));
    pl_set_last_modified(q, last);
    return pl_send_json(q, 200, doc);
}

/* Writes --------------------------------------------------------------- */

/* The resources of one provider into items (a later duplicate provider in
 * a pre-1.12 list replaces the earlier one where it stood, as a dict). */
static void add_resources(pl_req *q, apr_array_header_t *items, const char *rp_uuid,
                          json_object *resources)
{
    apr_array_header_t *keep = NULL;
    int i;
    for (i = 0; i < items->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(items, i, pl_alloc_item).rp_uuid, rp_uuid)) break;
    if (i < items->nelts) {
        /* rebuild: everything before, the new resources, everything after */
        int at = i, j;
        keep = apr_array_make(q->pool, items->nelts, sizeof(pl_alloc_item));
        for (j = 0; j < at; j++)
            APR_ARRAY_PUSH(keep, pl_alloc_item) = APR_ARRAY_IDX(items, j, pl_alloc_item);
        {
            json_object_object_foreach(resources, rc, v) {
                pl_alloc_item *it = apr_array_push(keep);
                it->rp_uuid = rp_uuid;
                it->rc = apr_pstrdup(q->pool, rc);
                it->used = json_object_get_int64(v);
            }
        }
        for (j = at; j < items->nelts; j++)
            if (strcmp(APR_ARRAY_IDX(items, j, pl_alloc_item).rp_uuid, rp_uuid))
                APR_ARRAY_PUSH(keep, pl_alloc_item) = APR_ARRAY_IDX(items, j, pl_alloc_item);
        items->nelts = 0;
        for (j = 0; j < keep->nelts; j++)
            APR_ARRAY_PUSH(items, pl_alloc_item) = APR_ARRAY_IDX(keep, j, pl_alloc_item);
        return;
    }
    {
        json_object_object_foreach(resources, rc, v) {
            pl_alloc_item *it = apr_array_push(items);
            it->rp_uuid = rp_uuid;
            it->rc = apr_pstrdup(q->pool, rc);
            it->used = json_object_get_int64(v);
        }
    }
}

/* One consumer's part of a (validated) body. */
static void read_consumer(pl_req *q, pl_alloc_consumer *c, const char *uuid, json_object *d)
{
    json_object *v, *allocs = NULL;
    memset(c, 0, sizeof(*c));
    c->uuid = uuid;
    c->items = apr_array_make(q->pool, 4, sizeof(pl_alloc_item));
    json_object_object_get_ex(d, "allocations", &allocs);
    if (json_object_is_type(allocs, json_type_array)) {
        size_t i, n = json_object_array_length(allocs);
        for (i = 0; i < n; i++) {
            json_object *a = json_object_array_get_idx(allocs, i), *rp, *u, *r;
            json_object_object_get_ex(a, "resource_provider", &rp);
            json_object_object_get_ex(rp, "uuid", &u);
            json_object_object_get_ex(a, "resources", &r);
            add_resources(q, c->items, apr_pstrdup(q->pool, json_object_get_string(u)), r);
        }
    }
    else if (allocs) {
        json_object_object_foreach(allocs, rp_uuid, a) {
            json_object *r;
            json_object_object_get_ex(a, "resources", &r);
            add_resources(q, c->items, apr_pstrdup(q->pool, rp_uuid), r);
        }
    }
    if (json_object_object_get_ex(d, "project_id", &v) && v) {
        c->project_id = apr_pstrdup(q->pool, json_object_get_string(v));
        json_object_object_get_ex(d, "user_id", &v);
        c->user_id = apr_pstrdup(q->pool, json_object_get_string(v));
    }
    else {
        c->project_id = q->conf->incomplete_consumer_project_id;
        c->user_id = q->conf->incomplete_consumer_user_id;
    }
    if (PL_MV_GE(q, 1, 28)) {
        c->check_generation = 1;
        if (!json_object_object_get_ex(d, "consumer_generation", &v) || !v)
            c->generation_null = 1;
        else
            c->generation = json_object_get_int64(v);
    }
    if (PL_MV_GE(q, 1, 38) && json_object_object_get_ex(d, "consumer_type", &v) && v)
        c->consumer_type = apr_pstrdup(q->pool, json_object_get_string(v));
}

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

    if (!pl_uuid_is_like(uuid) || !(uuid = canonical_uuid(q->pool, uuid)))
        return pl_error(q, 400, NULL, "Malformed consumer_uuid: %s", PL_PARAM(q, 0));
    body = pl_read_json(q, put_schema(q));
    if (!body) return pl_send_failure(q);
    memset(&w, 0, sizeof(w));
    w.consumers = apr_array_make(q->pool, 1, sizeof(pl_alloc_consumer));
    read_consumer(q, apr_array_push(w.consumers), uuid, body);
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
            read_consumer(q, apr_array_push(w.consumers), apr_pstrdup(q->pool, cuuid), d);
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
