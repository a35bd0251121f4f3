/* Identity and permissions through Apache's auth hooks.
 *
 * httpd.conf:  AuthType placement
 *              Require placement-policy
 *
 * The identity comes from the auth strategy: keystone (a token Keystone
 * vouches for, auth_keystone.c), noauth2 (tests) or trusted-headers (a
 * layer in front).  mod_authz_core first asks the "placement-policy"
 * provider without a user: with no identity it answers DENIED_NO_USER, so
 * httpd runs our check_authn hook, which answers 401 (503 when Keystone
 * could not say); with an identity it checks the
 * matched route's policy rule and answers GRANTED or DENIED (403).  When
 * granted, force_authn still runs check_authn so r->user is set for logs
 * and other modules.  Errors found before the policy check (bad
 * microversion, unknown route, wrong media type) are granted here and
 * answered by the handler, in upstream's order, with nothing done. */
#include "auth.h"
#include "auth_keystone.h"
#include "http.h"
#include "policy.h"
#include "cors.h"
#include "request.h"

#include <http_core.h>
#include <http_request.h>
#include <http_protocol.h>
#include <mod_auth.h>
#include <apr_strings.h>
#include <ap_provider.h>
#include <apr_lib.h>

#define AUTH_TYPE "placement"
#define ERROR_TYPE_NOTE "placement-error-type"

static const char **split_roles(apr_pool_t *p, const char *list, int *n)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *copy = apr_pstrdup(p, list ? list : ""), *tok, *state;
    for (tok = apr_strtok(copy, ",", &state); tok; tok = apr_strtok(NULL, ",", &state)) {
        char *t = tok;
        while (apr_isspace(*t)) t++;
        if (!*t) continue;
        ap_str_tolower(t);
        *(const char **)apr_array_push(a) = apr_pstrdup(p, t);
    }
    *n = a->nelts;
    return (const char **)a->elts;
}

static int present(const char *s) { return s && *s; }

/* upstream's NoAuthMiddleware: token "user[:project]", admin is admin;
 * roles, project and scope from the headers (tests only). */
static int noauth2_identity(pl_req *q, pl_identity *id)
{
    apr_table_t *h = q->r->headers_in;
    const char *token = apr_table_get(h, "X-Auth-Token");
    const char *roles = apr_table_get(h, "X-Roles"), *colon;
    if (!token) return 0;
    colon = strchr(token, ':');
    id->user_id = colon ? apr_pstrndup(q->pool, token, colon - token) : token;
    id->project_id = colon && colon[1] ? colon + 1 : id->user_id;
    if (!roles && !strcmp(id->user_id, "admin")) roles = "admin";
    id->roles = split_roles(q->pool, roles, &id->nroles);
    return 1;
}

/* trusted-headers: what an authenticating layer in front has set. */
static int trusted_headers_identity(pl_req *q, pl_identity *id)
{
    apr_table_t *h = q->r->headers_in;
    id->user_id = apr_table_get(h, "X-User-Id");
    if (!present(id->user_id)) id->user_id = apr_table_get(h, "X-User");
    if (!present(id->user_id)) return 0;
    id->project_id = apr_table_get(h, "X-Tenant-Id");
    id->domain_id = apr_table_get(h, "X-Domain-Id");
    id->roles = split_roles(q->pool, apr_table_get(h, "X-Roles"), &id->nroles);
    if (present(apr_table_get(h, "X-Is-Admin-Project")))
        id->is_admin_project = !strcasecmp(apr_table_get(h, "X-Is-Admin-Project"), "True");
    return 1;
}

const pl_identity *pl_identity_get(pl_req *q)
{
    apr_table_t *h = q->r->headers_in;
    pl_identity *id;

    if (q->auth_result) return q->ident;
    id = apr_pcalloc(q->pool, sizeof(*id));
    id->is_admin_project = 1;
    switch (q->conf->auth_strategy) {
    case PL_AUTH_KEYSTONE:
        q->auth_result = pl_keystone_identify(q, id);
        if (q->auth_result == PL_KS_UNAVAILABLE && q->conf->ks.delay_auth_decision)
            q->auth_result = PL_KS_INVALID;
        if (q->auth_result == PL_KS_VALID) q->ident = id;
        return q->ident;
    case PL_AUTH_NOAUTH2:
        q->auth_result = noauth2_identity(q, id) ? PL_KS_VALID : PL_KS_INVALID;
        break;
    default:
        q->auth_result = trusted_headers_identity(q, id) ? PL_KS_VALID : PL_KS_INVALID;
        break;
    }
    if (q->auth_result != PL_KS_VALID) return NULL;
    if (present(apr_table_get(h, "X-Project-Id")))
        id->project_id = apr_table_get(h, "X-Project-Id");
    else if (present(apr_table_get(h, "OpenStack-System-Scope")))
        id->project_id = NULL;
    if (present(apr_table_get(h, "OpenStack-System-Scope")))
        id->system_scope = apr_table_get(h, "OpenStack-System-Scope");
    q->ident = id;
    return id;
}

/* Make httpd's own error response for status carry our body and type. */
static void error_response(request_rec *r, int status, const char *type, const char *body)
{
    ap_custom_response(r, status, body);
    apr_table_setn(r->notes, ERROR_TYPE_NOTE, type);
}

/* Keystone's realm on every 401 (auth_token's process_response). */
static void add_www_authenticate(pl_req *q)
{
    if (q->conf->auth_strategy == PL_AUTH_KEYSTONE)
        apr_table_setn(q->r->err_headers_out, "WWW-Authenticate", apr_pstrcat(
            q->pool, "Keystone uri=\"", q->conf->ks.www_authenticate_uri, "\"", NULL));
}

/* 401 as upstream's auth middleware sends it: before microversion handling,
 * and as webob's plain HTTPUnauthorized when the answer is JSON. */
static int unauthorized(pl_req *q)
{
    const char *type, *body;
    int mv_ok = q->mv_ok;
    q->mv_ok = 0;
    pl_fail(q, HTTP_UNAUTHORIZED, NULL, NULL);
    body = pl_failure_body(q, &type);
    q->mv_ok = mv_ok;
    if (!strcmp(type, "application/json")) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "message", json_object_new_string(apr_pstrcat(
            q->pool, pl_status_explanation(401), "<br /><br />\n\n\n", NULL)));
        json_object_object_add(doc, "code", json_object_new_string("401 Unauthorized"));
        json_object_object_add(doc, "title", json_object_new_string("Unauthorized"));
        body = apr_pstrdup(q->pool, json_object_to_json_string_ext(
            doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
    }
    add_www_authenticate(q);
    error_response(q->r, HTTP_UNAUTHORIZED, type, body);
    return HTTP_UNAUTHORIZED;
}

/* auth_token's own 401, byte for byte (json.dumps of its error dict). */
static int keystone_unauthorized(pl_req *q)
{
    add_www_authenticate(q);
    error_response(q->r, HTTP_UNAUTHORIZED, "application/json",
                   "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": "
                   "\"The request you have made requires authentication.\"}}");
    return HTTP_UNAUTHORIZED;
}

/* Keystone could not say whether the token is good: 503, in Placement's
 * error format (before microversion handling, as the middleware). */
static int keystone_unavailable(pl_req *q)
{
    const char *type, *body;
    int mv_ok = q->mv_ok;
    q->mv_ok = 0;
    pl_fail(q, HTTP_SERVICE_UNAVAILABLE, NULL,
            "The Keystone service is temporarily unavailable.");
    body = pl_failure_body(q, &type);
    q->mv_ok = mv_ok;
    error_response(q->r, HTTP_SERVICE_UNAVAILABLE, type, body);
    return HTTP_SERVICE_UNAVAILABLE;
}

static int check_authn(request_rec *r)
{
    const char *type = ap_auth_type(r);
    pl_req *q;
    const pl_identity *id;
    if (!type || strcasecmp(type, AUTH_TYPE)) return DECLINED;
    q = pl_req_get(r);
    id = pl_identity_get(q);
    if (!id) {
        if (q->conf->auth_strategy != PL_AUTH_KEYSTONE) return unauthorized(q);
        if (q->auth_result == PL_KS_UNAVAILABLE) return keystone_unavailable(q);
        /* delay_auth_decision: Placement's own 401, not the middleware's */
        return q->conf->ks.delay_auth_decision ? unauthorized(q) : keystone_unauthorized(q);
    }
    r->user = apr_pstrdup(r->pool, id->user_id);
    r->ap_auth_type = (char *)AUTH_TYPE;
    return OK;
}

/* Run check_authn even when the policy already granted access, so the
 * request carries its user. */
static int force_authn(request_rec *r)
{
    const char *type = ap_auth_type(r);
    pl_req *q;
    if (!type || strcasecmp(type, AUTH_TYPE)) return DECLINED;
    q = pl_req_get(r);
    /* the root is open: no token is looked at there, as upstream */
    if (q->route && !q->route->policy) return DECLINED;
    return pl_identity_get(q) ? OK : DECLINED;
}

static int note_auth_failure(request_rec *r, const char *type)
{
    return strcasecmp(type, AUTH_TYPE) ? DECLINED : OK;
}

static int policy_allows(pl_req *q, const pl_identity *id)
{
    pl_creds creds;
    apr_table_t *target = apr_table_make(q->pool, 2);
    int rv;
    creds.user_id = id->user_id;
    creds.project_id = id->project_id;
    creds.roles = id->roles;
    creds.nroles = id->nroles;
    creds.system_scope = id->system_scope;
    creds.domain_id = id->domain_id;
    creds.user_domain_id = id->user_domain_id;
    creds.project_domain_id = id->project_domain_id;
    creds.not_admin_project = !id->is_admin_project;
    if (q->route->flags & PL_RT_TARGET_QUERY_PROJECT) {
        const char *p = pl_query_last(q, "project_id");
        if (p) apr_table_setn(target, "project_id", p);
    }
    else if (id->project_id) {
        apr_table_setn(target, "project_id", id->project_id);
    }
    if (id->user_id) apr_table_setn(target, "user_id", id->user_id);
    rv = pl_policy_check(q->conf->policy, q->route->policy, &creds, target);
    if (rv < 0)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PL_LOGNO(301)
                      "%s unknown policy rule %s", q->request_id, q->route->policy);
    return rv == 1;
}

static authz_status policy_check(request_rec *r, const char *line,
                                 const void *parsed)
{
    pl_req *q = pl_req_get(r);
    const pl_identity *id;

    if (q->route && !q->route->policy) return AUTHZ_GRANTED;   /* the root */
    /* CORS answers OPTIONS before (outside) authentication, as upstream */
    if (r->method_number == M_OPTIONS && pl_cors_enabled(q)) return AUTHZ_GRANTED;
    id = pl_identity_get(q);
    if (!id) return AUTHZ_DENIED_NO_USER;
    if (q->prepared_failed) return AUTHZ_GRANTED;  /* the handler answers the error */
    if (!q->policy_result) q->policy_result = policy_allows(q, id) ? 1 : -1;
    if (q->policy_result > 0) return AUTHZ_GRANTED;

    pl_fail(q, HTTP_FORBIDDEN, NULL, "Policy does not allow %s to be performed.",
            q->route->policy);
    {
        const char *type, *body = pl_failure_body(q, &type);
        error_response(r, HTTP_FORBIDDEN, type, body);
    }
    return AUTHZ_DENIED;
}

static const authz_provider policy_provider = { policy_check, NULL };

/* httpd writes its error pages as text/html; ours carry their own type. */
static apr_status_t error_type_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    const char *type = apr_table_get(f->r->notes, ERROR_TYPE_NOTE);
    if (!type && f->r->prev) type = apr_table_get(f->r->prev->notes, ERROR_TYPE_NOTE);
    if (type) ap_set_content_type(f->r, type);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void insert_error_filter(request_rec *r)
{
    if (apr_table_get(r->notes, ERROR_TYPE_NOTE))
        ap_add_output_filter("PLACEMENT_ERROR_TYPE", NULL, r, r->connection);
}

void pl_auth_register_hooks(apr_pool_t *p)
{
    pl_keystone_register_hooks(p);
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_force_authn(force_authn, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "placement-policy",
                              AUTHZ_PROVIDER_VERSION, &policy_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_output_filter("PLACEMENT_ERROR_TYPE", error_type_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
}
