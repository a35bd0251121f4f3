/* h_usage: GET /resource_providers/{uuid}/usages and GET /usages (1.9).
 *
 * Usages are "now": last-modified is always the current time (from 1.15).
 * From 1.38 /usages groups the sums by consumer type, each group with the
 * number of distinct consumers in it. */
#include "handlers.h"
#include "http.h"
#include "db.h"
#include "objects.h"

#include <apr_strings.h>

/* Usage rows: "SELECT rc.name, COALESCE(SUM(a.used), 0)" (USAGE_COLUMNS),
 * by consumer type also MAX(ct.name); count rows: ct.name and the count,
 * or the count alone. */
#define USAGE_COLUMNS "rc.name, COALESCE(SUM(a.used), 0)"
enum { U_CLASS, U_USED, U_TYPE };
enum { CNT_TYPE, CNT_COUNT };

/* {class: used} of row i, added to o */
static void add_usage(json_object *o, const pl_dbres *res, int i)
{
    json_object_object_add(o, PL_CELL(res, i, U_CLASS),
                           json_object_new_int64(pl_cell_int(res, i, U_USED)));
}

/* GET /resource_providers/{uuid}/usages ---------------------------------- */

int pl_h_provider_usages(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_provider rp;
    pl_dbres *res;
    json_object *doc, *usages;
    /* every class with inventory, 0 when nothing is allocated; one
     * statement, so the generation is the one of these sums */
    int rv = pl_provider_rows(q, uuid, &rp, USAGE_COLUMNS,
                              "LEFT JOIN (inventories i "
                              "JOIN resource_classes rc ON rc.id = i.resource_class_id) "
                              "ON i.resource_provider_id = rp.id "
                              "LEFT JOIN allocations a "
                              "ON a.resource_provider_id = i.resource_provider_id "
                              "AND a.resource_class_id = i.resource_class_id",
                              "GROUP BY rp.id, rp.uuid, rp.generation, i.resource_class_id, "
                              "rc.name ORDER BY i.resource_class_id", &res), i;

    if (rv == PL_FAIL) return pl_send_failure(q);
    if (rv == 0)
        return pl_error(q, 404, NULL, "No resource provider with uuid %s found: No resource "
                        "provider with uuid %s found", uuid, uuid);
    usages = json_object_new_object();
    for (i = 0; i < res->nrows; i++)
        add_usage(usages, res, i);
    doc = json_object_new_object();
    json_object_object_add(doc, "resource_provider_generation",
                           json_object_new_int64(rp.generation));
    json_object_object_add(doc, "usages", usages);
    pl_set_last_modified(q, 0);
    return pl_send_json(q, 200, doc);
}

/* GET /usages ------------------------------------------------------------ */

/* FROM/WHERE shared by the sums and counts: allocations of the project's
 * (and user's) consumers.  Arguments: project, then user when given. */
static const char *scope_sql(pl_req *q, const char *user_id, const char *extra_join)
{
    return apr_pstrcat(q->pool,
        " FROM allocations a JOIN consumers c ON a.consumer_id = c.uuid "
        "JOIN projects p ON c.project_id = p.id ",
        user_id ? "JOIN users u ON c.user_id = u.id " : "",
        extra_join ? extra_join : "",
        " WHERE p.external_id = ?", user_id ? " AND u.external_id = ?" : "", NULL);
}

static int run(pl_req *q, pl_dbres **res, const char *sql, const char *project_id,
               const char *user_id, const char *ctype)
{
    pl_dbarg args[3];
    int n = 0;
    memset(args, 0, sizeof(args));
    args[n].type = 's';
    args[n++].s = project_id;
    if (user_id) {
        args[n].type = 's';
        args[n++].s = user_id;
    }
    if (ctype) {
        args[n].type = 's';
        args[n++].s = ctype;
    }
    return pl_db_exec(q, res, sql, args, n);
}

/* Before 1.38: {"usages": {class: sum}} */
static json_object *plain_usages(pl_req *q, const char *project_id, const char *user_id)
{
    pl_dbres *res;
    json_object *usages;
    int i;
    if (run(q, &res, apr_pstrcat(q->pool, "SELECT " USAGE_COLUMNS,
                                 scope_sql(q, user_id, "JOIN resource_classes rc ON "
                                           "rc.id = a.resource_class_id "),
                                 " GROUP BY a.resource_class_id, rc.name "
                                 "ORDER BY a.resource_class_id", NULL),
            project_id, user_id, NULL) != PL_OK)
        return NULL;
    usages = json_object_new_object();
    for (i = 0; i < res->nrows; i++)
        add_usage(usages, res, i);
    return usages;
}

/* consumer_type=all or unknown: everything (or the untyped consumers)
 * under that one key. */
static json_object *one_group(pl_req *q, const char *project_id, const char *user_id,
                              const char *ctype)
{
    int unknown = strcmp(ctype, "unknown") == 0, i;
    const char *only = unknown ? " AND c.consumer_type_id IS NULL" : "";
    pl_dbres *res, *cnt;
    json_object *usages, *group;
    if (run(q, &cnt, apr_pstrcat(q->pool, "SELECT COUNT(DISTINCT a.consumer_id)",
                                 scope_sql(q, user_id, NULL), only, NULL),
            project_id, user_id, NULL) != PL_OK)
        return NULL;
    if (run(q, &res, apr_pstrcat(q->pool, "SELECT " USAGE_COLUMNS,
                                 scope_sql(q, user_id, "JOIN resource_classes rc ON "
                                           "rc.id = a.resource_class_id "), only,
                                 " GROUP BY a.resource_class_id, rc.name "
                                 "ORDER BY a.resource_class_id", NULL),
            project_id, user_id, NULL) != PL_OK)
        return NULL;
    usages = json_object_new_object();
    if (res->nrows == 0) return usages;
    group = json_object_new_object();
    for (i = 0; i < res->nrows; i++)
        add_usage(group, res, i);
    json_object_object_add(group, "consumer_count",
                           json_object_new_int64(pl_cell_int(cnt, 0, 0)));   /* the count */
    json_object_object_add(usages, ctype, group);
    return usages;
}

/* From 1.38: {"usages": {consumer type: {class: sum, "consumer_count": n}}} */
static json_object *typed_usages(pl_req *q, const char *project_id, const char *user_id,
                                 const char *ctype)
{
    const char *join = "LEFT JOIN consumer_types ct ON c.consumer_type_id = ct.id "
                       "JOIN resource_classes rc ON rc.id = a.resource_class_id ";
    const char *filter = ctype ? " AND ct.name = ?" : "";
    pl_dbres *res, *cnt;
    json_object *usages;
    int i, j;

    if (ctype && (!strcmp(ctype, "all") || !strcmp(ctype, "unknown")))
        return one_group(q, project_id, user_id, ctype);
    if (run(q, &cnt, apr_pstrcat(q->pool, "SELECT ct.name, COUNT(DISTINCT a.consumer_id)",
                                 scope_sql(q, user_id, join), filter,
                                 " GROUP BY ct.name", NULL),
            project_id, user_id, ctype) != PL_OK)
        return NULL;
    if (run(q, &res, apr_pstrcat(q->pool, "SELECT " USAGE_COLUMNS ", "
                                 "MAX(ct.name)", scope_sql(q, user_id, join), filter,
                                 " GROUP BY a.resource_class_id, c.consumer_type_id, rc.name "
                                 "ORDER BY c.consumer_type_id, a.resource_class_id", NULL),
            project_id, user_id, ctype) != PL_OK)
        return NULL;
    usages = json_object_new_object();
    for (i = 0; i < res->nrows; i++) {
        const char *tname = PL_CELL(res, i, U_TYPE);
        const char *key = tname ? tname : "unknown";
        json_object *group;
        long long count = 0;
        for (j = 0; j < cnt->nrows; j++) {
            const char *cn = PL_CELL(cnt, j, CNT_TYPE);
            if ((!cn && !tname) || (cn && tname && !strcmp(cn, tname)))
                count = pl_cell_int(cnt, j, CNT_COUNT);
        }
        if (!json_object_object_get_ex(usages, key, &group)) {
            group = json_object_new_object();
            json_object_object_add(usages, key, group);
        }
        add_usage(group, res, i);
        json_object_object_add(group, "consumer_count", json_object_new_int64(count));
    }
    return usages;
}

int pl_h_total_usages(pl_req *q)
{
    int typed = PL_MV_GE(q, 1, 38);
    const char *project_id, *user_id, *ctype;
    json_object *usages, *doc;

    if (pl_validate_query(q, typed ? "usage.GET_USAGES_SCHEMA_V1_38"
                             : "usage.GET_USAGES_SCHEMA_1_9") != PL_OK)
        return pl_send_failure(q);
    project_id = pl_query_last(q, "project_id");
    user_id = pl_query_last(q, "user_id");
    ctype = pl_query_last(q, "consumer_type");
    if (user_id && !*user_id) user_id = NULL;
    /* 1.38's consumer counts and sums come from two statements */
    if (typed && pl_db_snapshot(q) != PL_OK) return pl_send_failure(q);
    usages = typed ? typed_usages(q, project_id, user_id, ctype)
                   : plain_usages(q, project_id, user_id);
    if (!usages) return pl_send_failure(q);
    doc = json_object_new_object();
    json_object_object_add(doc, "usages", usages);
    pl_set_last_modified(q, 0);
    return pl_send_json(q, 200, doc);
}
