/* h_trait: /traits, /traits/{name} and /resource_providers/{uuid}/traits
 * (microversion 1.6 on).
 *
 * Name matching follows upstream's two paths: a single trait is found by
 * its exact name (upstream looks it up in a Python dict), while list
 * filters (name=in:, name=startswith:) and the lookup behind PUT of a
 * provider's traits go through SQL and so follow the column's collation
 * (case- and trailing-space-insensitive). */
#include <string.h>
#include <apr_strings.h>

#include "handlers.h"
#include "http.h"
#include <apr_hash.h>
#include "strutil.h"
#include "db.h"
#include "objects.h"
#include "schemas.h"

#define TRAIT_INVALID \
    "The trait is invalid. A valid trait must be no longer than 255 characters, " \
    "start with the prefix \"CUSTOM_\" and use following characters: \"A\"-\"Z\", " \
    "\"0\"-\"9\" and \"_\""

/* -- shared bits ------------------------------------------------------- */

/* The newest of each row's updated_at-or-created_at (DB text compares in
 * time order); 0 (meaning now) when there is none, as upstream's
 * pick_last_modified + utcnow fallback. */
/* Trait rows, as every read here has them. */
#define TRAIT_COLUMNS "t.name, t.created_at, t.updated_at, t.id"
enum { T_NAME, T_CREATED, T_UPDATED, T_ID };

/* The newest timestamp of trait rows. */
static apr_time_t newest(const pl_dbres *res)
{
    const char *best = NULL;
    int i;
    for (i = 0; i < res->nrows; i++) {
        const char *t = PL_CELL(res, i, T_UPDATED);
        if (!t) t = PL_CELL(res, i, T_CREATED);
        if (t && (!best || strcmp(t, best) > 0)) best = t;
    }
    return best ? pl_modified(best, NULL) : 0;
}

/* cache headers from 1.15 when the time may be missing: webob then sends
 * cache-control alone. */
static void cache_headers(pl_req *q, const char *created_at)
{
    if (!PL_MV_GE(q, 1, 15)) return;
    if (created_at)
        pl_set_last_modified(q, pl_modified(created_at, NULL));
    else
        apr_table_setn(q->r->headers_out, "cache-control", "no-cache");
}

/* {"traits": [names of the trait rows]} */
static json_object *names_body(const pl_dbres *res)
{
    json_object *body = json_object_new_object(), *list = json_object_new_array();
    int i;
    for (i = 0; i < res->nrows; i++)
        json_object_array_add(list, json_object_new_string(PL_CELL(res, i, T_NAME)));
    json_object_object_add(body, "traits", list);
    return body;
}

/* Exact-name lookup: 1 found (id, created_at), 0 not, PL_FAIL. */
static int trait_by_name(pl_req *q, const char *name, long long *id,
                         const char **created_at, int for_update)
{
    pl_dbres *res;
    enum { BN_ID, BN_CREATED };
    if (pl_db_query(q, &res, for_update
                    ? "SELECT id, created_at FROM traits WHERE name = ? "
                      "AND BINARY name = BINARY ? FOR UPDATE"
                    : "SELECT id, created_at FROM traits WHERE name = ? "
                      "AND BINARY name = BINARY ?", "ss", name, name) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0) return 0;
    if (id) *id = pl_cell_int(res, 0, BN_ID);
    if (created_at) *created_at = PL_CELL(res, 0, BN_CREATED);
    return 1;
}

/* -- /traits ------------------------------------------------------------ */

int pl_h_traits_list(pl_req *q)
{
    const char *name, *assoc;
    const char *join = "", *where_null = "";
    apr_array_header_t *where = apr_array_make(q->pool, 4, sizeof(const char *));
    apr_array_header_t *args = apr_array_make(q->pool, 8, sizeof(pl_dbarg));
    const char *sql;
    pl_dbres *res;
    int i;

    if (pl_validate_query(q, "trait.LIST_TRAIT_SCHEMA") != PL_OK)
        return pl_send_failure(q);

    name = pl_query_last(q, "name");
    if (name) {
        const char *colon = strchr(name, ':');
        if (!colon)
            return pl_error(q, 400, NULL, "Badly formatted name parameter. Expected name "
                            "query string parameter in form: "
                            "?name=[in|startswith]:[name1,name2|prefix]. Got: \"%s\"", name);
        if ((size_t)(colon - name) == 2 && strncmp(name, "in", 2) == 0) {
            /* value.split(','): every piece, empty ones included */
            const char *s = colon + 1;
            int n = 0;
            for (;;) {
                size_t len = strcspn(s, ",");
                pl_dbarg *a = apr_array_push(args);
                memset(a, 0, sizeof(*a));
                a->type = 's';
                a->s = apr_pstrndup(q->pool, s, len);
                n++;
                if (!s[len]) break;
                s += len + 1;
            }
            *(const char **)apr_array_push(where) =
                apr_psprintf(q->pool, "t.name IN (%s)", pl_db_placeholders(q->pool, n));
        }
        else if ((size_t)(colon - name) == 10 && strncmp(name, "startswith", 10) == 0) {
            /* no escaping of % and _, as upstream's LIKE */
            pl_dbarg *a = apr_array_push(args);
            memset(a, 0, sizeof(*a));
            a->type = 's';
            a->s = colon + 1;
            *(const char **)apr_array_push(where) = "t.name LIKE CONCAT(?, '%')";
        }
        /* any other operator filters nothing */
    }
    assoc = pl_query_last(q, "associated");
    if (assoc) {
        if (strcasecmp(assoc, "true") == 0)
            join = " JOIN resource_provider_traits rpt ON rpt.trait_id = t.id";
        else if (strcasecmp(assoc, "false") == 0) {
            join = " LEFT JOIN resource_provider_traits rpt ON rpt.trait_id = t.id";
            where_null = "rpt.trait_id IS NULL";
        }
        else
            return pl_error(q, 400, NULL, "The query parameter \"associated\" only "
                            "accepts \"true\" or \"false\"");
        if (*where_null) *(const char **)apr_array_push(where) = where_null;
    }

    /* No ORDER BY: upstream's query has none, so the same statement shape
     * lets MariaDB pick the same plan and so the same order (PK order for
     * a scan, name order when the name index serves an IN list). */
    sql = apr_pstrcat(q->pool, "SELECT ", *join && !*where_null ? "DISTINCT " : "",
                      TRAIT_COLUMNS " FROM traits t", join, NULL);
    for (i = 0; i < where->nelts; i++)
        sql = apr_pstrcat(q->pool, sql, i ? " AND " : " WHERE ",
                          ((const char **)where->elts)[i], NULL);
    if (pl_db_exec(q, &res, sql, (const pl_dbarg *)args->elts, args->nelts) != PL_OK)
        return pl_send_failure(q);

    pl_set_last_modified(q, newest(res));
    return pl_send_json(q, 200, names_body(res));
}

int pl_h_trait_show(pl_req *q)
{
    const char *name = PL_PARAM(q, 0), *created;
    int found = trait_by_name(q, name, NULL, &created, 0);
    if (found == PL_FAIL) return pl_send_failure(q);
    if (!found) return pl_error(q, 404, NULL, "No such trait(s): %s.", name);
    cache_headers(q, created);
    return pl_send_empty(q, 204);
}

typedef struct { const char *name; int created; const char *created_at; } put_ctx;

static int trait_put_txn(pl_req *q, void *data)
{
    put_ctx *c = data;
    int found = trait_by_name(q, c->name, NULL, &c->created_at, 0);
    c->created = 0;
    if (found == PL_FAIL) return PL_FAIL;
    if (found) return PL_OK;
    if (pl_db_query(q, NULL, "INSERT INTO traits (created_at, name) "
                    "VALUES (UTC_TIMESTAMP(), ?)", "s", c->name) != PL_OK) {
        if (q->db_errno != PL_ER_DUP_ENTRY) return PL_FAIL;
        /* someone else just created it: an existing trait, time now */
        memset(&q->failure, 0, sizeof(q->failure));
        c->created_at = NULL;
        return PL_OK;
    }
    c->created = 1;
    return PL_OK;
}

int pl_h_trait_put(pl_req *q)
{
    put_ctx c = { PL_PARAM(q, 0), 0, NULL };
    const pl_schema *s = pl_schema_lookup("trait.CUSTOM_TRAIT");
    json_object *doc;
    int bad;

    if (!s) return pl_error(q, 500, NULL, "Request schema trait.CUSTOM_TRAIT is not loaded.");
    doc = json_object_new_string(c.name);
    bad = pl_schema_validate(q->pool, s, doc) != NULL;
    json_object_put(doc);
    if (bad) return pl_error(q, 400, NULL, TRAIT_INVALID);

    if (pl_db_txn(q, trait_put_txn, &c) != PL_OK) return pl_send_failure(q);
    pl_set_location(q, apr_pstrcat(q->pool, "/traits/", c.name, NULL));
    if (PL_MV_GE(q, 1, 15)) {
        if (c.created || !c.created_at) pl_set_last_modified(q, 0);
        else cache_headers(q, c.created_at);
    }
    return pl_send_empty(q, c.created ? 201 : 204);
}

typedef struct { const char *name; int status; } del_ctx;

static int trait_delete_txn(pl_req *q, void *data)
{
    del_ctx *c = data;
    long long id;
    pl_dbres *res;
    int found = trait_by_name(q, c->name, &id, NULL, 1);
    if (found == PL_FAIL) return PL_FAIL;
    if (!found) return pl_fail(q, 404, NULL, "No such trait(s): %s.", c->name);
    if (strncmp(c->name, "CUSTOM_", 7) != 0)
        return pl_fail(q, 400, NULL, "Cannot delete standard trait %s.", c->name);
    if (pl_db_query(q, &res, "SELECT COUNT(*) FROM resource_provider_traits "
                    "WHERE trait_id = ?", "i", id) != PL_OK)
        return PL_FAIL;
    if (pl_cell_int(res, 0, 0) > 0)
        return pl_fail(q, 409, NULL, "The trait %s is in use by a resource provider.",
                       c->name);
    if (pl_db_query(q, &res, "DELETE FROM traits WHERE id = ?", "i", id) != PL_OK) {
        if (q->db_errno == PL_ER_ROW_IS_REFERENCED)
            return pl_fail(q, 409, NULL, "The trait %s is in use by a resource provider.",
                           c->name);
        return PL_FAIL;
    }
    if (res->affected == 0) return pl_fail(q, 404, NULL, "No such trait(s): %s.", c->name);
    return PL_OK;
}

int pl_h_trait_delete(pl_req *q)
{
    del_ctx c = { PL_PARAM(q, 0), 0 };
    if (pl_db_txn(q, trait_delete_txn, &c) != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}

/* -- /resource_providers/{uuid}/traits ----------------------------------- */

#define RP_TRAITS_TABLES \
    "resource_provider_traits rpt JOIN traits t ON t.id = rpt.trait_id"

static json_object *rp_traits_body(const pl_dbres *res, long long generation)
{
    json_object *body = names_body(res);
    json_object_object_add(body, "resource_provider_generation",
                           json_object_new_int64(generation));
    return body;
}

int pl_h_provider_traits_list(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_provider rp;
    pl_dbres *res;
    /* one statement: the generation is the one of these traits */
    int found = pl_provider_rows(q, uuid, &rp, TRAIT_COLUMNS, "LEFT JOIN ("
                                 RP_TRAITS_TABLES ") ON rpt.resource_provider_id = rp.id",
                                 "ORDER BY t.id", &res);
    if (found == PL_FAIL) return pl_send_failure(q);
    if (!found)
        return pl_error(q, 404, NULL, "No resource provider with uuid %s found: "
                        "No resource provider with uuid %s found", uuid, uuid);
    pl_set_last_modified(q, newest(res));
    return pl_send_json(q, 200, rp_traits_body(res, rp.generation));
}

typedef struct {
    const char *uuid;
    long long generation;     /* wanted (PUT); -1 for DELETE */
    const char **names;       /* distinct requested names, request order */
    int nnames;
    pl_provider rp;
    pl_dbres *traits;         /* the traits set (PUT response) */
} set_ctx;

/* Replace the provider's trait set with ids; bump the generation only
 * when something changed (upstream's _set_traits). */
static int replace_traits(pl_req *q, set_ctx *c, const long long *ids, int nids)
{
    pl_dbres *cur;
    int i, j, changed = 0;
    apr_hash_t *want = apr_hash_make(q->pool), *have_set = apr_hash_make(q->pool);
    if (pl_db_query(q, &cur, "SELECT trait_id FROM resource_provider_traits "
                    "WHERE resource_provider_id = ?", "i", c->rp.id) != PL_OK)
        return PL_FAIL;
    for (j = 0; j < nids; j++) apr_hash_set(want, &ids[j], sizeof(ids[j]), "");
    for (i = 0; i < cur->nrows; i++) {
        long long *have = apr_palloc(q->pool, sizeof(*have));
        *have = pl_cell_int(cur, i, 0);
        apr_hash_set(have_set, have, sizeof(*have), "");
        if (apr_hash_get(want, have, sizeof(*have))) continue;
        if (pl_db_query(q, NULL, "DELETE FROM resource_provider_traits "
                        "WHERE resource_provider_id = ? AND trait_id = ?", "ii",
                        c->rp.id, *have) != PL_OK)
            return PL_FAIL;
        changed = 1;
    }
    for (j = 0; j < nids; j++) {
        if (apr_hash_get(have_set, &ids[j], sizeof(ids[j]))) continue;
        if (pl_db_query(q, NULL, "INSERT INTO resource_provider_traits "
                        "(created_at, resource_provider_id, trait_id) "
                        "VALUES (UTC_TIMESTAMP(), ?, ?)", "ii", c->rp.id, ids[j]) != PL_OK)
            return PL_FAIL;
        changed = 1;
    }
    return changed ? pl_provider_bump(q, &c->rp) : PL_OK;
}

static int rp_traits_set_txn(pl_req *q, void *data)
{
    set_ctx *c = data;
    pl_dbres *res;
    pl_dbarg *args;
    long long *ids;
    int i, j, found = pl_provider_get(q, c->uuid, &c->rp, 1);

    if (found == PL_FAIL) return PL_FAIL;
    if (!found) return pl_fail_not_found(q, "No resource provider with uuid %s found", c->uuid);
    if (c->rp.generation != c->generation)
        return pl_fail(q, 409, PL_CODE_CONCURRENT_UPDATE, "Resource provider's generation "
                       "already changed. Please update the generation and try again.");

    /* the collation-following lookup, then an exact check of every name */
    if (c->nnames) {
        args = apr_pcalloc(q->pool, sizeof(*args) * c->nnames);
        for (i = 0; i < c->nnames; i++) {
            args[i].type = 's';
            args[i].s = c->names[i];
        }
        /* TRAIT_COLUMNS (T_*), from traits without an alias */
        if (pl_db_exec_in(q, &res, "SELECT name, created_at, updated_at, id FROM traits "
                          "WHERE name IN ", "", args, c->nnames) != PL_OK)
            return PL_FAIL;
    }
    else {
        res = apr_pcalloc(q->pool, sizeof(*res));
        res->ncols = 4;
    }
    {
        apr_hash_t *have = apr_hash_make(q->pool);
        apr_array_header_t *miss = apr_array_make(q->pool, 4, sizeof(const char *));
        for (j = 0; j < res->nrows; j++)
            apr_hash_set(have, PL_CELL(res, j, T_NAME), APR_HASH_KEY_STRING, "");
        for (i = 0; i < c->nnames; i++)
            if (!apr_hash_get(have, c->names[i], APR_HASH_KEY_STRING))
                *(const char **)apr_array_push(miss) = c->names[i];
        if (miss->nelts)
            return pl_fail(q, 400, NULL, "No such trait %s",
                           pl_join(q->pool, (const char *const *)miss->elts, miss->nelts, ", "));
    }

    ids = apr_pcalloc(q->pool, sizeof(*ids) * (res->nrows + 1));
    for (j = 0; j < res->nrows; j++) ids[j] = pl_cell_int(res, j, T_ID);
    c->traits = res;
    return replace_traits(q, c, ids, res->nrows);
}

int pl_h_provider_traits_set(pl_req *q)
{
    set_ctx c;
    json_object *b = pl_read_json(q, "trait.SET_TRAITS_FOR_RP_SCHEMA"), *list;
    size_t i, n;
    apr_hash_t *seen;

    if (!b) return pl_send_failure(q);
    memset(&c, 0, sizeof(c));
    c.uuid = PL_PARAM(q, 0);
    c.generation = json_object_get_int64(json_object_object_get(b, "resource_provider_generation"));
    list = json_object_object_get(b, "traits");
    n = json_object_array_length(list);
    c.names = apr_pcalloc(q->pool, sizeof(*c.names) * (n + 1));
    seen = apr_hash_make(q->pool);
    for (i = 0; i < n; i++) {
        const char *s = apr_pstrdup(q->pool,
                                    json_object_get_string(json_object_array_get_idx(list, i)));
        if (apr_hash_get(seen, s, APR_HASH_KEY_STRING)) continue;
        apr_hash_set(seen, s, APR_HASH_KEY_STRING, s);
        c.names[c.nnames++] = s;
    }
    /* b belongs to the request pool (pl_read_json) */

    if (pl_db_txn(q, rp_traits_set_txn, &c) != PL_OK) return pl_send_failure(q);
    pl_set_last_modified(q, newest(c.traits));
    return pl_send_json(q, 200, rp_traits_body(c.traits, c.rp.generation));
}

static int rp_traits_delete_txn(pl_req *q, void *data)
{
    set_ctx *c = data;
    int found = pl_provider_get(q, c->uuid, &c->rp, 1);
    if (found == PL_FAIL) return PL_FAIL;
    if (!found) return pl_fail_not_found(q, "No resource provider with uuid %s found", c->uuid);
    return replace_traits(q, c, NULL, 0);
}

int pl_h_provider_traits_delete(pl_req *q)
{
    set_ctx c;
    memset(&c, 0, sizeof(c));
    c.uuid = PL_PARAM(q, 0);
    c.generation = -1;
    if (pl_db_txn(q, rp_traits_delete_txn, &c) != PL_OK) return pl_send_failure(q);
    return pl_send_empty(q, 204);
}
