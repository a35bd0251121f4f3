/* h_resource_class: /resource_classes and /resource_classes/{name}.
 *
 * Standard classes (ids below 10000, synced from schema/data) are read-only;
 * custom ones get the next id from 10000 up, max(id) + 1 with a retry when
 * a concurrent creator took the same id, as upstream allocates them. */
#include "handlers.h"
#include "http.h"
#include "db.h"
#include "objects.h"
#include "pyrepr.h"

#include <apr_strings.h>
#include <string.h>

#define MIN_CUSTOM_ID 10000LL
#define CREATE_RETRIES 100

typedef struct rclass {
    long long id;
    const char *name;
    apr_time_t modified;     /* 0 when neither timestamp is set */
} rclass;

/* 1 found (exact name), 0 not, PL_FAIL. */
static int get_class(pl_req *q, const char *name, rclass *out)
{
    pl_dbres *res;
    enum { RC_ID, RC_NAME, RC_CREATED, RC_UPDATED };
    if (pl_db_query(q, &res, "SELECT id, name, created_at, updated_at FROM resource_classes "
                    "WHERE name = ?", "s", name) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0 || strcmp(PL_CELL(res, 0, RC_NAME), name) != 0) return 0;
    out->id = pl_cell_int(res, 0, RC_ID);
    out->name = PL_CELL(res, 0, RC_NAME);
    out->modified = pl_modified(PL_CELL(res, 0, RC_CREATED), PL_CELL(res, 0, RC_UPDATED));
    return 1;
}

static json_object *class_json(pl_req *q, const char *name)
{
    json_object *o = json_object_new_object(), *links = json_object_new_array();
    json_object *self = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(self, "rel", json_object_new_string("self"));
    json_object_object_add(self, "href", json_object_new_string(
        pl_url(q, "/resource_classes/%s", name)));
    json_object_array_add(links, self);
    json_object_object_add(o, "links", links);
    return o;
}

/* Insert a custom class.  1 created; 0 when the name exists already; PL_FAIL
 * (recorded) otherwise, 409 when the id retries ran out. */
static int create_class(pl_req *q, const char *name)
{
    int i;
    for (i = 0; i < CREATE_RETRIES; i++) {
        if (pl_db_query(q, NULL,
                "INSERT INTO resource_classes (id, name, created_at) "
                "SELECT GREATEST(COALESCE(MAX(id) + 1, ?), ?), ?, UTC_TIMESTAMP() "
                "FROM resource_classes", "iis", MIN_CUSTOM_ID, MIN_CUSTOM_ID, name) == PL_OK)
            return 1;
        if (q->db_errno != PL_ER_DUP_ENTRY) return PL_FAIL;
        /* a duplicate name is final; a duplicate id means a racing creator */
        if (!q->failure.detail || !strstr(q->failure.detail, "PRIMARY")) return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(400) "Exceeded retry limit "
                  "on ID generation while creating ResourceClass %s", name);
    return pl_fail(q, 409, NULL, "Max retries of DB transaction exceeded attempting to "
                   "create resource class: %s, please try again.", name);
}

/* GET /resource_classes */
int pl_h_resource_classes_list(pl_req *q)
{
    pl_dbres *res;
    json_object *doc, *list;
    apr_time_t last = 0;
    int i;
    enum { RC_NAME, RC_CREATED, RC_UPDATED };

    if (pl_db_query(q, &res, "SELECT name, created_at, updated_at FROM resource_classes "
                    "ORDER BY id", "") != PL_OK)
        return pl_send_failure(q);
    list = json_object_new_array();
    for (i = 0; i < res->nrows; i++) {
        apr_time_t t = pl_modified(PL_CELL(res, i, RC_CREATED), PL_CELL(res, i, RC_UPDATED));
        /* a row without timestamps counts as "now", as upstream's pick does */
        if (!t) t = apr_time_now();
        if (t > last) last = t;
        json_object_array_add(list, class_json(q, PL_CELL(res, i, RC_NAME)));
    }
    doc = json_object_new_object();
    json_object_object_add(doc, "resource_classes", list);
    pl_set_last_modified(q, last);
    return pl_send_json(q, 200, doc);
}

/* GET /resource_classes/{name} */
int pl_h_resource_class_show(pl_req *q)
{
    rclass rc;
    int rv = get_class(q, PL_PARAM(q, 0), &rc);
    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0) {
        pl_fail_not_found(q, "No such resource class %s.", PL_PARAM(q, 0));
        return pl_send_failure(q);
    }
    pl_set_last_modified(q, rc.modified);
    return pl_send_json(q, 200, class_json(q, rc.name));
}

/* The schema's pattern ^CUSTOM_[A-Z0-9_]+$ lets one trailing newline
 * through, as Python's re does: upstream writes such a class and then fails
 * on its Location header (500).  Refused here, before anything is written. */
static int name_has_newline(pl_req *q, const char *name)
{
    size_t n = strlen(name);
    if (!n || name[n - 1] != '\n') return 0;
    pl_fail(q, 400, NULL, "JSON does not validate: %s does not match "
            "'^CUSTOM_[A-Z0-9_]+$' (a trailing newline is not part of a name)",
            pl_py_str_repr(q->pool, name, n));
    return 1;
}

/* POST /resource_classes (1.2) */
int pl_h_resource_class_create(pl_req *q)
{
    json_object *b = pl_read_json(q, "resource_class.POST_RC_SCHEMA_V1_2"), *v;
    const char *name;
    int rv;
    if (!b) return pl_send_failure(q);
    json_object_object_get_ex(b, "name", &v);
    name = json_object_get_string(v);
    if (name_has_newline(q, name)) return pl_send_failure(q);
    rv = create_class(q, name);
    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0)
        return pl_error(q, 409, NULL, "Conflicting resource class already exists: %s", name);
    pl_set_location(q, apr_psprintf(q->pool, "/resource_classes/%s", name));
    return pl_send_empty(q, 201);
}

/* PUT /resource_classes/{name}, 1.2 to 1.6: rename a custom class */
int pl_h_resource_class_update(pl_req *q)
{
    const char *name = PL_PARAM(q, 0), *newname;
    json_object *b = pl_read_json(q, "resource_class.PUT_RC_SCHEMA_V1_2"), *v;
    rclass rc;
    int rv;

    if (!b) return pl_send_failure(q);
    json_object_object_get_ex(b, "name", &v);
    newname = json_object_get_string(v);
    if (name_has_newline(q, newname)) return pl_send_failure(q);
    rv = get_class(q, name, &rc);
    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0) {
        pl_fail_not_found(q, "No such resource class %s.", name);
        return pl_send_failure(q);
    }
    if (rc.id < MIN_CUSTOM_ID)
        return pl_error(q, 400, NULL, "Cannot update standard resource class %s", name);
    if (pl_db_query(q, NULL, "UPDATE resource_classes SET name = ?, "
                    "updated_at = COALESCE(updated_at, UTC_TIMESTAMP()) WHERE id = ?", "si",
                    newname, rc.id) != PL_OK) {
        if (q->db_errno == PL_ER_DUP_ENTRY)
            return pl_error(q, 409, NULL, "Resource class already exists: %s", newname);
        return pl_send_failure(q);
    }
    return pl_send_json(q, 200, class_json(q, newname));
}

/* PUT /resource_classes/{name}, 1.7+: create if missing (201) or 204 */
int pl_h_resource_class_put(pl_req *q)
{
    const char *name = PL_PARAM(q, 0);
    json_object *doc = json_object_new_object();
    rclass rc;
    int rv, status = 204;

    /* upstream validates the name as the body {"name": name} */
    json_object_object_add(doc, "name", json_object_new_string(name));
    rv = pl_validate(q, doc, "resource_class.PUT_RC_SCHEMA_V1_2", "JSON does not validate: ");
    json_object_put(doc);
    if (rv != PL_OK) return pl_send_failure(q);

    rv = get_class(q, name, &rc);
    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0) {
        rv = create_class(q, name);
        if (rv == PL_FAIL) return pl_send_failure(q);
        if (rv == 1) status = 201;     /* 0: someone just created it */
    }
    pl_set_location(q, apr_psprintf(q->pool, "/resource_classes/%s", name));
    return pl_send_empty(q, status);
}

/* DELETE /resource_classes/{name} */
typedef struct del_ctx { rclass rc; } del_ctx;

static int delete_txn(pl_req *q, void *data)
{
    del_ctx *c = data;
    pl_dbres *res;
    if (pl_db_query(q, &res, "SELECT COUNT(*) FROM inventories WHERE resource_class_id = ?",
                    "i", c->rc.id) != PL_OK)
        return PL_FAIL;
    if (pl_cell_int(res, 0, 0) > 0)
        return pl_fail(q, 409, NULL, "Error in delete resource class: Cannot delete "
                       "resource class %s. Class is in use in inventory.", c->rc.name);
    if (pl_db_query(q, &res, "DELETE FROM resource_classes WHERE id = ?", "i", c->rc.id)
        != PL_OK)
        return PL_FAIL;
    if (res->affected == 0) {
        return pl_fail_not_found(q, "Resource could not be found.");
    }
    return PL_OK;
}

int pl_h_resource_class_delete(pl_req *q)
{
    del_ctx c;
    int rv = get_class(q, PL_PARAM(q, 0), &c.rc);
    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0) {
        pl_fail_not_found(q, "No such resource class %s.", PL_PARAM(q, 0));
        return pl_send_failure(q);
    }
    if (c.rc.id < MIN_CUSTOM_ID)
        return pl_error(q, 400, NULL, "Error in delete resource class: Cannot delete "
                        "standard resource class %s.", c.rc.name);
    if (pl_db_txn(q, delete_txn, &c) != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}
