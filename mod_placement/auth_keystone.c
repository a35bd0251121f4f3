/* PlacementAuthStrategy keystone: what keystonemiddleware's auth_token does
 * in front of upstream Placement, done inside the module.
 *
 * 1. Before any other hook of a Placement location runs (post_perdir_config,
 *    first), every identity header is removed from the request, whatever
 *    the outcome: only a validated token may set them.
 * 2. X-Service-Token, if sent, is validated first; a service token must
 *    carry one of PlacementKeystoneServiceTokenRoles, and then lets the
 *    user token be expired (allow_expired), as auth_token.
 * 3. X-Auth-Token (else X-Storage-Token) is validated: the shared cache,
 *    else Keystone.  The identity is written back as auth_token's headers,
 *    so logs and other modules see who called. */
#include "auth_keystone.h"
#include "keystone_cache.h"
#include "keystone_token.h"

#include <http_core.h>
#include <http_request.h>
#include <apr_strings.h>

static int scrub_identity_headers(request_rec *r)
{
    pl_server_conf *c = ap_get_module_config(r->server->module_config, &placement_module);
    const char *type = ap_auth_type(r);
    int i;
    if (!c || c->auth_strategy != PL_AUTH_KEYSTONE || !type || strcasecmp(type, "placement"))
        return DECLINED;
    for (i = 0; pl_ks_identity_headers[i]; i++)
        apr_table_unset(r->headers_in, pl_ks_identity_headers[i]);
    return DECLINED;
}

void pl_keystone_register_hooks(apr_pool_t *p)
{
    ap_hook_post_perdir_config(scrub_identity_headers, NULL, NULL, APR_HOOK_REALLY_FIRST);
}

/* One token: from the cache, else from Keystone (and then cached). */
static pl_ks_result token_info(pl_req *q, const char *what, const char *token,
                               int allow_expired, pl_ks_token *tok)
{
    pl_server_conf *c = q->conf;
    char *body = NULL;
    size_t len = 0;
    const char *why = NULL;
    pl_ks_result rv;

    if (pl_ks_cache_get(c->ks_cache, q->r, token, tok)) return PL_KS_VALID;
    rv = pl_ks_validate(c->ks_client, q->pool, token, allow_expired, &body, &len, &why);
    if (rv == PL_KS_VALID && pl_ks_token_parse(q->pool, body, len, tok, &why)) {
        why = apr_pstrcat(q->pool, "Keystone's answer is unusable: ", why, NULL);
        rv = PL_KS_UNAVAILABLE;
    }
    if (rv == PL_KS_VALID && !allow_expired && tok->expires_at <= apr_time_now()) {
        why = "the token has expired";
        rv = PL_KS_INVALID;
    }
    if (rv == PL_KS_VALID) {
        pl_ks_cache_put(c->ks_cache, q->r, token, tok);
        return rv;
    }
    ap_log_rerror(APLOG_MARK, rv == PL_KS_INVALID ? APLOG_INFO : APLOG_ERR, 0, q->r,
                  PL_LOGNO(810) "%s %s refused: %s", q->request_id, what, why);
    return rv;
}

/* auth_token's set_user_headers / set_service_headers, without the
 * catalog: the same values under "X-" or "X-Service-" names. */
#define NAMED_HEADERS 11
static const char *const user_headers[NAMED_HEADERS] = {
    "X-User-Id", "X-User-Name", "X-User-Domain-Id", "X-User-Domain-Name",
    "X-Project-Id", "X-Project-Name", "X-Project-Domain-Id", "X-Project-Domain-Name",
    "X-Domain-Id", "X-Domain-Name", "X-Roles"
};
static const char *const service_headers[NAMED_HEADERS] = {
    "X-Service-User-Id", "X-Service-User-Name", "X-Service-User-Domain-Id",
    "X-Service-User-Domain-Name", "X-Service-Project-Id", "X-Service-Project-Name",
    "X-Service-Project-Domain-Id", "X-Service-Project-Domain-Name",
    "X-Service-Domain-Id", "X-Service-Domain-Name", "X-Service-Roles"
};

/* The scrub removed every one of these names, so adding cannot duplicate
 * one (and costs no search of the table). */
static void add_header(apr_table_t *h, const char *name, const char *value)
{
    if (value) apr_table_addn(h, name, value);
}

static void write_identity_headers(pl_req *q, int service, const pl_ks_token *t,
                                   const char *roles)
{
    apr_table_t *h = q->r->headers_in;
    const char *const *names = service ? service_headers : user_headers;
    const char *values[NAMED_HEADERS] = {
        t->user_id, t->user_name, t->user_domain_id, t->user_domain_name,
        t->project_id, t->project_name, t->project_domain_id, t->project_domain_name,
        t->domain_id, t->domain_name, roles
    };
    int i;
    for (i = 0; i < NAMED_HEADERS; i++) add_header(h, names[i], values[i]);
    if (service) {
        apr_table_addn(h, "X-Service-Identity-Status", "Confirmed");
        return;
    }
    apr_table_addn(h, "X-Identity-Status", "Confirmed");
    apr_table_addn(h, "X-Is-Admin-Project", t->is_admin_project ? "True" : "False");
    add_header(h, "OpenStack-System-Scope", t->system_all ? "all" : NULL);
    /* the deprecated names auth_token still sets */
    add_header(h, "X-Role", roles);
    add_header(h, "X-User", t->user_name);
    add_header(h, "X-Tenant-Id", t->project_id);
    add_header(h, "X-Tenant-Name", t->project_name);
    add_header(h, "X-Tenant", t->project_name);
}

static const char *join_roles(apr_pool_t *p, const pl_ks_token *t)
{
    apr_array_header_t *a = apr_array_make(p, t->nroles + 1, sizeof(const char *));
    int i;
    for (i = 0; i < t->nroles; i++) APR_ARRAY_PUSH(a, const char *) = t->roles[i];
    return apr_array_pstrcat(p, a, ',');
}

static void fill_identity(pl_req *q, const pl_ks_token *t, pl_identity *id)
{
    int i;
    id->user_id = t->user_id;
    id->project_id = t->project_id;
    id->system_scope = t->system_all ? "all" : NULL;
    id->domain_id = t->domain_id;
    id->user_domain_id = t->user_domain_id;
    id->project_domain_id = t->project_domain_id;
    id->is_admin_project = t->is_admin_project;
    id->roles = apr_pcalloc(q->pool, (t->nroles + 1) * sizeof(*id->roles));
    for (i = 0; i < t->nroles; i++) {
        char *r = apr_pstrdup(q->pool, t->roles[i]);
        ap_str_tolower(r);
        id->roles[i] = r;
    }
    id->nroles = t->nroles;
}

pl_ks_result pl_keystone_identify(pl_req *q, pl_identity *id)
{
    apr_table_t *h = q->r->headers_in;
    const pl_ks_conf *k = &q->conf->ks;
    const char *user = pl_ks_clean_token(q->pool, apr_table_get(h, "X-Auth-Token"));
    const char *service = pl_ks_clean_token(q->pool, apr_table_get(h, "X-Service-Token"));
    pl_ks_token ut, st;
    int allow_expired = 0;
    pl_ks_result rv;

    if (!user) user = pl_ks_clean_token(q->pool, apr_table_get(h, "X-Storage-Token"));
    if (!q->conf->ks_client) {
        /* only a server with a database gets a client at start-up */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PL_LOGNO(812)
                      "%s no Keystone client: this server has no PlacementDatabaseConnection",
                      q->request_id);
        return PL_KS_UNAVAILABLE;
    }
    if (service) {
        rv = token_info(q, "service token", service, 0, &st);
        if (rv != PL_KS_VALID) return rv;
        allow_expired = pl_ks_token_has_any_role(&st,
            (const char *const *)k->service_token_roles->elts, k->service_token_roles->nelts);
        if (!allow_expired && k->service_token_roles_required) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, PL_LOGNO(811)
                          "%s service token refused: it has none of the service token "
                          "roles", q->request_id);
            return PL_KS_INVALID;
        }
    }
    if (!user) return PL_KS_INVALID;
    rv = token_info(q, "token", user, allow_expired, &ut);
    if (rv != PL_KS_VALID) return rv;
    fill_identity(q, &ut, id);
    write_identity_headers(q, 0, &ut, join_roles(q->pool, &ut));
    if (service) write_identity_headers(q, 1, &st, join_roles(q->pool, &st));
    return PL_KS_VALID;
}
