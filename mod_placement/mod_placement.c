/* mod_placement: the OpenStack Placement API as an httpd module.
 *
 * This file holds the module record, start-up (configuration, schemas,
 * policy, database pools), the hooks and the handler; the request
 * pipeline they and the auth hooks share is request.c.  The API itself
 * lives in h_*.c, reached through routes.c. */
#include "placement.h"
#include "auth.h"
#include "cors.h"
#include "db.h"
#include "handlers.h"
#include "http.h"
#include "keystone_cache.h"
#include "policy.h"
#include "request.h"
#include "schemas.h"
#include "strutil.h"
#include "memory.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_mpm.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <mysql.h>
#include <curl/curl.h>

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
    int threads = 1;
    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);   /* prefork: 0 */
    pl_memory_child_init(p, threads,    /* before the worker threads start */
        pl_conf_flag(((pl_server_conf *)ap_get_module_config(base->module_config,
                                                             &placement_module))->malloc_tuning, 1));
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
