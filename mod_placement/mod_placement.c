/* mod_placement: the OpenStack Placement API as an httpd module.
 *
 * This file holds the module record, start-up (configuration, schemas,
 * policy, database pools) and the request pipeline shared by the auth
 * hooks and the handler: request id -> microversion -> route -> pre-policy
 * checks.  The API itself lives in h_*.c, reached through routes.c. */
#include "placement.h"
#include "auth.h"
#include "cors.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "keystone_cache.h"
#include "policy.h"
#include "schemas.h"
#include "strutil.h"
#include "memory.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_mpm.h>
#include <apr_strings.h>
#include <apr_uuid.h>
#include <apr_lib.h>
#include <mysql.h>
#include <curl/curl.h>

/* Where the API is mounted: the path of the <Location> that configured it
 * (core's record of the innermost section merged for this request), when
 * it prefixes the URI; "" when the API is served from the root. */
static const char *mount_prefix(request_rec *r)
{
    core_dir_config *cd = ap_get_core_module_config(r->per_dir_config);
    const char *m = cd ? cd->d : NULL;
    size_t n;
    if (!m || m[0] != '/') return "";
    n = strlen(m);
    while (n > 0 && m[n - 1] == '/') n--;
    if (strncmp(r->uri, m, n) != 0 || (r->uri[n] && r->uri[n] != '/')) return "";
    return apr_pstrndup(r->pool, m, n);
}

/* upstream reads query strings as UTF-8: the first key or value that is
 * not, as Python's decoder words it, or NULL. */
static const char *query_decode_error(pl_req *q)
{
    /* from the bytes: the parsed table carries a NUL as PL_NUL_MARK */
    return q->r->args ? pl_query_decode_error(q->pool, q->r->args) : NULL;
}

/* NUL or a surrogate in the path, query or a header: refused, never cut
 * (pl_refused_text; bodies: pl_read_json). */
static const char *refused_input(pl_req *q)
{
    const char *why;
    const apr_array_header_t *h = apr_table_elts(q->r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    int i;
    if (q->r->parsed_uri.path && (why = pl_query_refused(q->pool, q->r->parsed_uri.path)))
        return apr_pstrcat(q->pool, "Invalid path: ", why, NULL);
    if (q->r->args && (why = pl_query_refused(q->pool, q->r->args)))
        return apr_pstrcat(q->pool, "Invalid query string parameters: ", why, NULL);
    for (i = 0; i < h->nelts; i++)
        if (e[i].val && (why = pl_refused_text(q->pool, e[i].val, strlen(e[i].val))))
            return apr_pstrcat(q->pool, "Invalid header ", e[i].key, ": ", why, NULL);
    return NULL;
}

/* Errors upstream finds before its handlers check policy, in its order. */
static void prepare(pl_req *q)
{
    request_rec *r = q->r;
    const char *msg = NULL, *clen;
    pl_route_match m;
    pl_route_status rs;
    int i;

    switch (pl_mv_parse(q->pool, apr_table_get(r->headers_in, "OpenStack-API-Version"),
                        &q->mv, &msg)) {
    case PL_MV_OK:
        q->mv_ok = 1;
        break;
    case PL_MV_BAD_STRING:
        pl_fail(q, 400, NULL, "Invalid microversion: %s", msg);
        q->prepared_failed = 1;
        return;
    case PL_MV_UNACCEPTABLE:
        pl_fail(q, 406, NULL, "Invalid microversion: %s", msg);
        q->prepared_failed = 1;
        return;
    }

    clen = apr_table_get(r->headers_in, "Content-Length");
    if (clen && atol(clen) > 0 && !apr_table_get(r->headers_in, "Content-Type")) {
        pl_fail(q, 400, NULL, "content-type header required when content-length > 0");
        q->prepared_failed = 1;
        return;
    }

    rs = pl_route_find(q->pool, pl_routes, pl_nroutes, r->method, q->path, q->mv, &m);
    q->route = m.route;
    memcpy(q->params, m.params, sizeof(q->params));
    /* path parameters read as upstream's WSGI PATH_INFO: latin-1 */
    for (i = 0; i < m.nparams; i++)
        q->params[i] = pl_latin1_to_utf8(q->pool, q->params[i]);
    if (rs == PL_ROUTE_NOT_FOUND) {
        pl_fail_not_found(q, NULL);   /* routes raise outside upstream's handlers */
    }
    else if (rs == PL_ROUTE_BAD_METHOD) {
        pl_fail(q, 405, NULL, "The method specified is not allowed for this resource.");
        q->failure.allow = m.allow;
    }
    else if (rs == PL_ROUTE_BAD_VERSION) {
        /* the route for this method exists, at other microversions */
        const pl_route *any = NULL;
        size_t k;
        for (k = 0; k < pl_nroutes; k++)
            if (!strcmp(pl_routes[k].method, r->method)) {
                pl_route_match mm;
                if (pl_route_find(q->pool, &pl_routes[k], 1, r->method, q->path,
                                  pl_routes[k].min_version ? pl_routes[k].min_version
                                                           : PL_MV_MIN, &mm) == PL_ROUTE_OK) {
                    any = &pl_routes[k];
                    break;
                }
            }
        pl_fail(q, any && (any->flags & PL_RT_VERSION_405) ? 405 : 404, NULL, NULL);
    }
    else if ((msg = query_decode_error(q))) {
        pl_fail(q, 400, NULL, "Invalid query string parameters: %s", msg);
    }
    else if ((msg = refused_input(q))) {
        pl_fail(q, 400, NULL, "%s", msg);
    }
    else if ((q->route->flags & PL_RT_ACCEPT_JSON)
             && pl_accept_quality(q->pool, apr_table_get(r->headers_in, "Accept"),
                                  "application/json") <= 0) {
        pl_fail(q, 406, NULL, "Only application/json is provided");
    }
    else if (!(q->route->flags & PL_RT_REQUIRE_JSON) || pl_check_json_type(q) == PL_OK) {
        return;   /* nothing upstream would refuse before its policy check */
    }
    q->prepared_failed = 1;
}

pl_req *pl_req_get(request_rec *r)
{
    pl_req *q = ap_get_module_config(r->request_config, &placement_module);
    apr_uuid_t uuid;
    char ubuf[APR_UUID_FORMATTED_LENGTH + 1];

    if (q) return q;
    q = apr_pcalloc(r->pool, sizeof(*q));
    q->r = r;
    q->pool = pl_memory_request_pool(r->pool);   /* memory.h */
    q->conf = ap_get_module_config(r->server->module_config, &placement_module);
    apr_uuid_get(&uuid);
    apr_uuid_format(ubuf, &uuid);
    q->request_id = apr_pstrcat(r->pool, "req-", ubuf, NULL);
    apr_table_setn(r->err_headers_out, "x-openstack-request-id", q->request_id);
    apr_table_setn(r->notes, "placement-request-id", q->request_id);
    q->prefix = mount_prefix(r);
    q->path = r->uri + strlen(q->prefix);
    q->query = pl_parse_query(r->pool, r->args);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PL_LOGNO(402) "%s %s %s (mount '%s')",
                  q->request_id, r->method, r->uri, q->prefix);
    ap_set_module_config(r->request_config, &placement_module, q);
    pl_cors_request_headers(q);
    prepare(q);
    return q;
}

static int placement_handler(request_rec *r)
{
    pl_req *q;
    if (!r->handler || strcmp(r->handler, "placement")) return DECLINED;
    q = pl_req_get(r);
    if (r->method_number == M_OPTIONS && pl_cors_enabled(q)) return pl_cors_preflight(q);
    if (q->prepared_failed) return pl_send_failure(q);
    if (q->route->policy && q->policy_result <= 0) {
        /* Without "Require placement-policy" nothing checked the rule:
         * refuse rather than serve an unchecked call. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PL_LOGNO(401)
                      "%s no policy check ran for %s %s: configure 'AuthType placement' "
                      "and 'Require placement-policy'", q->request_id, r->method, r->uri);
        return pl_error(q, 403, NULL, "Policy does not allow %s to be performed.",
                        q->route->policy);
    }
    return q->route->handler(q);
}

/* The API is not a file tree: when the URL also maps to a directory on
 * disk (a DocumentRoot under <Location />), keep mod_dir from redirecting
 * "/" to an index file or adding a trailing slash.  Runs before mod_dir's
 * fixup (APR_HOOK_LAST). */
static int placement_fixups(request_rec *r)
{
    if (r->handler && !strcmp(r->handler, "placement"))
        r->finfo.filetype = APR_NOFILE;
    return DECLINED;
}

/* Start-up ------------------------------------------------------------- */

static int placement_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    pl_ks_cache_pre_config(pconf);
    return OK;
}

/* Runs before `apachectl configtest` says "Syntax OK": a server that would
 * serve the API without what its auth strategy needs is refused here. */
static int placement_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                  server_rec *base)
{
    server_rec *s;
    for (s = base; s; s = s->next) {
        pl_server_conf *c = ap_get_module_config(s->module_config, &placement_module);
        const char *err = pl_conf_check(ptemp, c);
        if (!err && c->db && pl_conf_int(c->auth_strategy, PL_AUTH_KEYSTONE) == PL_AUTH_KEYSTONE)
            err = pl_ks_cache_check(ptemp, &c->ks);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s, PL_LOGNO(504) "%s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* The Keystone client and token cache of server s (each server its own:
 * its own service user, its own cache). */
static int keystone_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    static int curl_ready;
    pl_server_conf *c = ap_get_module_config(s->module_config, &placement_module);
    const char *err = NULL;

    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);   /* before any thread exists */
        curl_ready = 1;
    }
    c->ks_client = pl_ks_client_create(pconf, &c->ks);
    c->ks_cache = pl_ks_cache_create(pconf, ptemp, s, &c->ks, &err);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PL_LOGNO(505) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int placement_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                                 server_rec *base)
{
    server_rec *s;
    int threads = 1;
    pl_server_conf *bc = ap_get_module_config(base->module_config, &placement_module);
    const char *schemas_loaded_from = NULL;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    for (s = base; s; s = s->next) {
        pl_server_conf *c = ap_get_module_config(s->module_config, &placement_module);
        char *err = NULL;
        const char *dir;
        pl_conf_finalize(pconf, c, threads);

        dir = apr_pstrcat(ptemp, c->data_dir, "/schema/json", NULL);
        if (!schemas_loaded_from) {
            if (pl_schemas_load(pconf, dir, &err) != 0) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PL_LOGNO(501)
                             "PlacementDataDir: cannot load request schemas from %s: %s",
                             dir, err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            schemas_loaded_from = dir;
        }
        /* one policy and one pool per distinct configuration */
        if (s != base && c->policy_file == bc->policy_file
            && c->enforce_new_defaults == bc->enforce_new_defaults
            && c->enforce_scope == bc->enforce_scope && bc->policy) {
            c->policy = bc->policy;
        }
        else {
            c->policy = pl_policy_load(pconf, c->policy_file, c->enforce_new_defaults, &err);
            if (c->policy) pl_policy_set_enforce_scope(c->policy, c->enforce_scope);
            if (!c->policy) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PL_LOGNO(502)
                             "PlacementPolicyFile: %s", err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        if (c->db && c->auth_strategy == PL_AUTH_KEYSTONE
            && keystone_post_config(pconf, ptemp, s) != OK)
            return HTTP_INTERNAL_SERVER_ERROR;
        if (!c->db) continue;
        if (s != base && c->db == bc->db && bc->dbpool) c->dbpool = bc->dbpool;
        else c->dbpool = pl_dbpool_create(pconf, s, c);
    }
    return OK;
}

static void placement_child_init(apr_pool_t *p, server_rec *base)
{
    server_rec *s;
    pl_memory_child_init(p);             /* before the worker threads start */
    mysql_library_init(0, NULL, NULL);   /* not thread-safe: before any thread uses it */
    for (s = base; s; s = s->next) {
        pl_server_conf *c = ap_get_module_config(s->module_config, &placement_module);
        pl_server_conf *bc = ap_get_module_config(base->module_config, &placement_module);
        if (c->ks_client) {
            if (pl_ks_client_child_init(c->ks_client, p))
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PL_LOGNO(507)
                             "cannot create the Keystone client's lock");
            pl_ks_cache_child_init(c->ks_cache, p, s);
        }
        if (!c->dbpool || (s != base && c->dbpool == bc->dbpool)) continue;
        if (pl_dbpool_child_init(c->dbpool, p) != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PL_LOGNO(503)
                         "cannot create the database connection pool");
    }
}

static void placement_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(placement_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(placement_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(placement_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(placement_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(placement_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(placement_handler, NULL, NULL, APR_HOOK_MIDDLE);
    pl_auth_register_hooks(p);
}

module AP_MODULE_DECLARE_DATA placement_module = {
    STANDARD20_MODULE_STUFF,
    NULL,                       /* no per-directory configuration */
    NULL,
    pl_create_server_conf,
    pl_merge_server_conf,
    pl_directives,
    placement_register_hooks,
    AP_MODULE_FLAG_NONE
};
