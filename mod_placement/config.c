/* Directives of mod_placement, named after the placement.conf options an
 * operator already knows.  Values are checked when read, so bad
 * configuration stops httpd at start-up with the directive's name. */
#include "config.h"
#include "placement.h"
#include "policy.h"
#include "keystone_crypt.h"
#include "keystone_token.h"

#include <apr_strings.h>
#include <http_log.h>

#ifndef PL_DATADIR
#define PL_DATADIR "/usr/share/mod_placement"
#endif

int pl_conf_flag(int v, int dflt) { return v == PL_UNSET ? dflt : v; }
int pl_conf_int(int v, int dflt) { return v == PL_UNSET ? dflt : v; }

void *pl_create_server_conf(apr_pool_t *p, server_rec *s)
{
    pl_server_conf *c = apr_pcalloc(p, sizeof(*c));
    c->db_pool_size = PL_UNSET;
    c->db_pool_timeout = PL_UNSET;
    c->auth_strategy = PL_AUTH_UNSET;
    c->enforce_new_defaults = PL_UNSET;
    c->enforce_scope = PL_UNSET;
    c->malloc_tuning = PL_UNSET;
    c->cors_max_age = PL_UNSET;
    c->cors_allow_credentials = PL_UNSET;
    c->randomize_allocation_candidates = PL_UNSET;
    c->max_allocation_candidates = PL_UNSET;
    c->allocation_conflict_retry_count = PL_UNSET;
    c->max_body_size = PL_UNSET;
    c->ks.insecure = PL_UNSET;
    c->ks.http_connect_timeout = PL_UNSET;
    c->ks.http_request_max_retries = PL_UNSET;
    c->ks.delay_auth_decision = PL_UNSET;
    c->ks.token_cache_time = PL_UNSET;
    c->ks.security_strategy = PL_UNSET;
    c->ks.service_token_roles_required = PL_UNSET;
    return c;
}

#define MERGE_PTR(f) m->f = add->f ? add->f : base->f
#define MERGE_INT(f) m->f = add->f != PL_UNSET ? add->f : base->f

void *pl_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    pl_server_conf *base = basev, *add = addv;
    pl_server_conf *m = apr_pcalloc(p, sizeof(*m));
    MERGE_PTR(db_connection);
    MERGE_PTR(db);
    MERGE_INT(db_pool_size);
    MERGE_INT(db_pool_timeout);
    MERGE_INT(auth_strategy);
    MERGE_PTR(policy_file);
    MERGE_INT(enforce_new_defaults);
    MERGE_INT(enforce_scope);
    MERGE_PTR(cors_allowed_origin);
    MERGE_PTR(cors_allow_headers);
    MERGE_PTR(cors_allow_methods);
    MERGE_PTR(cors_expose_headers);
    MERGE_INT(cors_max_age);
    MERGE_INT(cors_allow_credentials);
    MERGE_INT(randomize_allocation_candidates);
    MERGE_INT(max_allocation_candidates);
    MERGE_INT(allocation_conflict_retry_count);
    MERGE_INT(max_body_size);
    MERGE_PTR(incomplete_consumer_project_id);
    MERGE_PTR(incomplete_consumer_user_id);
    MERGE_PTR(data_dir);
    MERGE_PTR(ks.auth_url);
    MERGE_PTR(ks.www_authenticate_uri);
    MERGE_PTR(ks.username);
    MERGE_PTR(ks.user_id);
    MERGE_PTR(ks.password);
    MERGE_PTR(ks.user_domain_name);
    MERGE_PTR(ks.user_domain_id);
    MERGE_PTR(ks.project_name);
    MERGE_PTR(ks.project_id);
    MERGE_PTR(ks.project_domain_name);
    MERGE_PTR(ks.project_domain_id);
    MERGE_PTR(ks.interface);
    MERGE_PTR(ks.region_name);
    MERGE_PTR(ks.cafile);
    MERGE_PTR(ks.certfile);
    MERGE_PTR(ks.keyfile);
    MERGE_INT(ks.insecure);
    MERGE_INT(ks.http_connect_timeout);
    MERGE_INT(ks.http_request_max_retries);
    MERGE_INT(ks.delay_auth_decision);
    MERGE_INT(ks.token_cache_time);
    MERGE_PTR(ks.cache);
    MERGE_PTR(ks.memcached_servers);
    MERGE_INT(ks.security_strategy);
    MERGE_PTR(ks.secret_key);
    MERGE_PTR(ks.service_token_roles);
    MERGE_INT(ks.service_token_roles_required);
    /* policy and dbpool are built per distinct configuration in post_config */
    return m;
}

static pl_server_conf *sconf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &placement_module);
}

static const char *set_connection(cmd_parms *cmd, void *d, const char *arg)
{
    pl_server_conf *c = sconf(cmd);
    char *err = NULL;
    pl_dburl *u = apr_pcalloc(cmd->pool, sizeof(*u));
    if (pl_dburl_parse(cmd->pool, arg, u, &err) != 0)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    c->db_connection = arg;
    c->db = u;
    return NULL;
}

/* A whole number in [min, max] for the directive being read. */
static const char *parse_int(cmd_parms *cmd, const char *arg, long min, long max,
                             long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from %ld to %ld",
                            cmd->cmd->name, arg, min, max);
    *out = v;
    return NULL;
}

static const char *set_int_field(cmd_parms *cmd, void *d, const char *arg)
{
    pl_server_conf *c = sconf(cmd);
    long v = 0;
    const char *err;
    size_t off = (size_t)cmd->info;
    long min = 0, max = 1000000000L;
    if (off == APR_OFFSETOF(pl_server_conf, max_allocation_candidates)) min = -1;
    if (off == APR_OFFSETOF(pl_server_conf, db_pool_size)) min = 1;
    if (off == APR_OFFSETOF(pl_server_conf, db_pool_timeout)) min = 1;
    if (off == APR_OFFSETOF(pl_server_conf, ks.http_connect_timeout)) min = 1;
    if (off == APR_OFFSETOF(pl_server_conf, ks.http_request_max_retries)) max = 10;
    if (off == APR_OFFSETOF(pl_server_conf, ks.token_cache_time)) min = -1;
    if ((err = parse_int(cmd, arg, min, max, &v))) return err;
    /* token_cache_time -1 (upstream's "no cache") is kept as 0 seconds, so
     * it is not taken for "unset" */
    if (off == APR_OFFSETOF(pl_server_conf, ks.token_cache_time) && v < 0) v = 0;
    *(int *)((char *)c + off) = (int)v;
    return NULL;
}

static const char *set_flag_field(cmd_parms *cmd, void *d, int on)
{
    *(int *)((char *)sconf(cmd) + (size_t)cmd->info) = on ? 1 : 0;
    return NULL;
}

static const char *set_str_field(cmd_parms *cmd, void *d, const char *arg)
{
    *(const char **)((char *)sconf(cmd) + (size_t)cmd->info) = arg;
    return NULL;
}

static const char *set_path_field(cmd_parms *cmd, void *d, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name, arg);
    *(const char **)((char *)sconf(cmd) + (size_t)cmd->info) = path;
    return NULL;
}

/* A policy file is parsed when read too, so `apachectl configtest` names a
 * broken file and rule; it is loaded for real (with the final
 * EnforceNewDefaults) in post_config. */
static const char *set_policy_file(cmd_parms *cmd, void *d, const char *arg)
{
    char *err = NULL;
    const char *path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name, arg);
    if (!pl_policy_load(cmd->temp_pool, path, 0, &err))
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    sconf(cmd)->policy_file = path;
    return NULL;
}

static const char *set_auth_strategy(cmd_parms *cmd, void *d, const char *arg)
{
    pl_server_conf *c = sconf(cmd);
    if (!strcasecmp(arg, "noauth2")) c->auth_strategy = PL_AUTH_NOAUTH2;
    else if (!strcasecmp(arg, "keystone")) c->auth_strategy = PL_AUTH_KEYSTONE;
    else if (!strcasecmp(arg, "trusted-headers")) c->auth_strategy = PL_AUTH_TRUSTED_HEADERS;
    else return apr_psprintf(cmd->pool, "%s: '%s' is not one of keystone, noauth2, "
                             "trusted-headers", cmd->cmd->name, arg);
    return NULL;
}

static const char *set_ks_url(cmd_parms *cmd, void *d, const char *arg)
{
    if (strncasecmp(arg, "http://", 7) && strncasecmp(arg, "https://", 8))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an http:// or https:// URL",
                            cmd->cmd->name, arg);
    if ((size_t)cmd->info == APR_OFFSETOF(pl_server_conf, ks.auth_url))
        arg = pl_ks_v3_url(cmd->pool, arg);
    *(const char **)((char *)sconf(cmd) + (size_t)cmd->info) = arg;
    return NULL;
}

static const char *set_ks_interface(cmd_parms *cmd, void *d, const char *arg)
{
    if (strcmp(arg, "public") && strcmp(arg, "internal") && strcmp(arg, "admin"))
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of public, internal, admin",
                            cmd->cmd->name, arg);
    sconf(cmd)->ks.interface = arg;
    return NULL;
}

static const char *set_ks_strategy(cmd_parms *cmd, void *d, const char *arg)
{
    int how = pl_ks_protect_from_name(arg);
    if (how < 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of None, MAC, ENCRYPT",
                            cmd->cmd->name, arg);
    sconf(cmd)->ks.security_strategy = how;
    return NULL;
}

static const char *add_ks_service_role(cmd_parms *cmd, void *d, const char *arg)
{
    pl_server_conf *c = sconf(cmd);
    if (!c->ks.service_token_roles)
        c->ks.service_token_roles = apr_array_make(cmd->pool, 2, sizeof(const char *));
    *(const char **)apr_array_push(c->ks.service_token_roles) = arg;
    return NULL;
}

static const char *add_allowed_origin(cmd_parms *cmd, void *d, const char *arg)
{
    pl_server_conf *c = sconf(cmd);
    if (!c->cors_allowed_origin)
        c->cors_allowed_origin = apr_array_make(cmd->pool, 2, sizeof(const char *));
    *(const char **)apr_array_push(c->cors_allowed_origin) = arg;
    return NULL;
}

static const char *set_body_size(cmd_parms *cmd, void *d, const char *arg)
{
    long v = 0;
    const char *err = parse_int(cmd, arg, 1, 1L << 30, &v);
    if (err) return err;
    sconf(cmd)->max_body_size = v;
    return NULL;
}

/* PlacementMallocTuning: glibc's malloc settings are process-wide, so this
 * is the main server's (memory.c). */
static const char *set_malloc_tuning(cmd_parms *cmd, void *d, int on)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) return err;
    sconf(cmd)->malloc_tuning = on;
    return NULL;
}

#define OFF(f) (void *)APR_OFFSETOF(pl_server_conf, f)

const command_rec pl_directives[] = {
    AP_INIT_TAKE1("PlacementDatabaseConnection", set_connection, NULL, RSRC_CONF,
        "Database URL as in placement.conf: mysql+pymysql://user:pass@host[:port]/db"
        "?charset=utf8 (or ?unix_socket=/path)"),
    AP_INIT_TAKE1("PlacementDatabasePoolSize", set_int_field, OFF(db_pool_size), RSRC_CONF,
        "Database connections per httpd process (default: ThreadsPerChild)"),
    AP_INIT_TAKE1("PlacementDatabasePoolTimeout", set_int_field, OFF(db_pool_timeout),
        RSRC_CONF, "Seconds a request waits for a free connection before 503 (default 30)"),
    AP_INIT_TAKE1("PlacementAuthStrategy", set_auth_strategy, NULL, RSRC_CONF,
        "keystone (validate X-Auth-Token with Keystone; the default), noauth2 (token "
        "'user[:project]', for tests) or trusted-headers (believe X-User-Id, X-Roles... "
        "set by an authenticating layer in front, which must strip them from clients)"),
    AP_INIT_TAKE1("PlacementPolicyFile", set_policy_file, NULL, RSRC_CONF,
        "oslo.policy YAML/JSON file overriding the built-in rules"),
    AP_INIT_FLAG("PlacementEnforceNewDefaults", set_flag_field, OFF(enforce_new_defaults),
        RSRC_CONF, "On: only the new default rules; Off: new OR deprecated (default On)"),
    AP_INIT_FLAG("PlacementEnforceScope", set_flag_field, OFF(enforce_scope), RSRC_CONF,
        "Reject tokens whose scope does not fit the rule (default On)"),
    AP_INIT_ITERATE("PlacementCORSAllowedOrigin", add_allowed_origin, NULL, RSRC_CONF,
        "Origins allowed to make CORS requests; none disables CORS"),
    AP_INIT_TAKE1("PlacementCORSAllowHeaders", set_str_field, OFF(cors_allow_headers),
        RSRC_CONF, "Comma list of request headers allowed in CORS requests"),
    AP_INIT_TAKE1("PlacementCORSAllowMethods", set_str_field, OFF(cors_allow_methods),
        RSRC_CONF, "Comma list of methods allowed in CORS requests"),
    AP_INIT_TAKE1("PlacementCORSExposeHeaders", set_str_field, OFF(cors_expose_headers),
        RSRC_CONF, "Comma list of response headers exposed to CORS clients"),
    AP_INIT_TAKE1("PlacementCORSMaxAge", set_int_field, OFF(cors_max_age), RSRC_CONF,
        "Seconds a CORS preflight may be cached"),
    AP_INIT_FLAG("PlacementCORSAllowCredentials", set_flag_field,
        OFF(cors_allow_credentials), RSRC_CONF, "Allow credentials in CORS requests"),
    AP_INIT_FLAG("PlacementRandomizeAllocationCandidates", set_flag_field,
        OFF(randomize_allocation_candidates), RSRC_CONF,
        "Shuffle allocation candidates before limiting (default Off)"),
    AP_INIT_TAKE1("PlacementMaxAllocationCandidates", set_int_field,
        OFF(max_allocation_candidates), RSRC_CONF,
        "Most allocation candidates computed per request; -1 unlimited (default -1)"),
    AP_INIT_TAKE1("PlacementAllocationConflictRetryCount", set_int_field,
        OFF(allocation_conflict_retry_count), RSRC_CONF,
        "Server-side retries of an allocation write on a concurrent update (default 10)"),
    AP_INIT_TAKE1("PlacementMaxBodySize", set_body_size, NULL, RSRC_CONF,
        "Largest request body in bytes (default 1048576)"),
    AP_INIT_FLAG("PlacementMallocTuning", set_malloc_tuning, NULL, RSRC_CONF,
        "Off: leave glibc's malloc settings (process-wide) as they are (default On)"),
    AP_INIT_TAKE1("PlacementIncompleteConsumerProjectId", set_str_field,
        OFF(incomplete_consumer_project_id), RSRC_CONF,
        "Project id recorded for consumers created before microversion 1.8"),
    AP_INIT_TAKE1("PlacementIncompleteConsumerUserId", set_str_field,
        OFF(incomplete_consumer_user_id), RSRC_CONF,
        "User id recorded for consumers created before microversion 1.8"),
    AP_INIT_TAKE1("PlacementDataDir", set_path_field, OFF(data_dir), RSRC_CONF,
        "Directory with the JSON request schemas and standard data (default "
        PL_DATADIR ")"),

    /* [keystone_authtoken], for PlacementAuthStrategy keystone */
    AP_INIT_TAKE1("PlacementKeystoneAuthURL", set_ks_url, OFF(ks.auth_url), RSRC_CONF,
        "auth_url: Keystone's identity URL, with or without /v3 (required)"),
    AP_INIT_TAKE1("PlacementKeystoneWWWAuthenticateURI", set_ks_url,
        OFF(ks.www_authenticate_uri), RSRC_CONF,
        "www_authenticate_uri: the URI sent in WWW-Authenticate (default: the auth URL "
        "without /v3)"),
    AP_INIT_TAKE1("PlacementKeystoneUsername", set_str_field, OFF(ks.username), RSRC_CONF,
        "username: the service user that validates tokens"),
    AP_INIT_TAKE1("PlacementKeystoneUserId", set_str_field, OFF(ks.user_id), RSRC_CONF,
        "user_id: the service user's id (instead of a name and domain)"),
    AP_INIT_TAKE1("PlacementKeystonePassword", set_str_field, OFF(ks.password), RSRC_CONF,
        "password: the service user's password (keep it in a root-only Include file)"),
    AP_INIT_TAKE1("PlacementKeystoneUserDomainName", set_str_field,
        OFF(ks.user_domain_name), RSRC_CONF, "user_domain_name"),
    AP_INIT_TAKE1("PlacementKeystoneUserDomainId", set_str_field,
        OFF(ks.user_domain_id), RSRC_CONF, "user_domain_id"),
    AP_INIT_TAKE1("PlacementKeystoneProjectName", set_str_field, OFF(ks.project_name),
        RSRC_CONF, "project_name: the service user's project"),
    AP_INIT_TAKE1("PlacementKeystoneProjectId", set_str_field, OFF(ks.project_id),
        RSRC_CONF, "project_id"),
    AP_INIT_TAKE1("PlacementKeystoneProjectDomainName", set_str_field,
        OFF(ks.project_domain_name), RSRC_CONF, "project_domain_name"),
    AP_INIT_TAKE1("PlacementKeystoneProjectDomainId", set_str_field,
        OFF(ks.project_domain_id), RSRC_CONF, "project_domain_id"),
    AP_INIT_TAKE1("PlacementKeystoneInterface", set_ks_interface, NULL, RSRC_CONF,
        "interface: the catalog's identity endpoint to validate with (default internal)"),
    AP_INIT_TAKE1("PlacementKeystoneRegionName", set_str_field, OFF(ks.region_name),
        RSRC_CONF, "region_name: the catalog region of the identity endpoint"),
    AP_INIT_TAKE1("PlacementKeystoneCAFile", set_path_field, OFF(ks.cafile), RSRC_CONF,
        "cafile: CA bundle for Keystone's certificate (default: the system's)"),
    AP_INIT_TAKE1("PlacementKeystoneCertFile", set_path_field, OFF(ks.certfile), RSRC_CONF,
        "certfile: client certificate for Keystone"),
    AP_INIT_TAKE1("PlacementKeystoneKeyFile", set_path_field, OFF(ks.keyfile), RSRC_CONF,
        "keyfile: the client certificate's key"),
    AP_INIT_FLAG("PlacementKeystoneInsecure", set_flag_field, OFF(ks.insecure), RSRC_CONF,
        "insecure: do not verify Keystone's certificate (default Off)"),
    AP_INIT_TAKE1("PlacementKeystoneHTTPConnectTimeout", set_int_field,
        OFF(ks.http_connect_timeout), RSRC_CONF,
        "http_connect_timeout: seconds a call to Keystone may take (default 10)"),
    AP_INIT_TAKE1("PlacementKeystoneHTTPRequestMaxRetries", set_int_field,
        OFF(ks.http_request_max_retries), RSRC_CONF,
        "http_request_max_retries: retries when Keystone refuses connections (default 3)"),
    AP_INIT_FLAG("PlacementKeystoneDelayAuthDecision", set_flag_field,
        OFF(ks.delay_auth_decision), RSRC_CONF,
        "delay_auth_decision: an invalid token is no identity rather than Keystone's 401 "
        "(default Off)"),
    AP_INIT_TAKE1("PlacementKeystoneTokenCacheTime", set_int_field,
        OFF(ks.token_cache_time), RSRC_CONF,
        "token_cache_time: seconds a validated token is remembered; -1: never (default 300)"),
    AP_INIT_TAKE1("PlacementKeystoneCache", set_str_field, OFF(ks.cache), RSRC_CONF,
        "The token cache: a mod_socache provider[:args] (shmcb, memcache:host:port,..., "
        "redis:host:port) or none (default shmcb)"),
    AP_INIT_TAKE1("PlacementKeystoneMemcachedServers", set_str_field,
        OFF(ks.memcached_servers), RSRC_CONF,
        "memcached_servers: host:port,... (the same as PlacementKeystoneCache memcache:...)"),
    AP_INIT_TAKE1("PlacementKeystoneMemcacheSecurityStrategy", set_ks_strategy, NULL,
        RSRC_CONF, "memcache_security_strategy: None, MAC or ENCRYPT (default None)"),
    AP_INIT_TAKE1("PlacementKeystoneMemcacheSecretKey", set_str_field,
        OFF(ks.secret_key), RSRC_CONF, "memcache_secret_key: the secret for MAC or ENCRYPT"),
    AP_INIT_ITERATE("PlacementKeystoneServiceTokenRoles", add_ks_service_role, NULL,
        RSRC_CONF, "service_token_roles: a service token needs one of these (default service)"),
    AP_INIT_FLAG("PlacementKeystoneServiceTokenRolesRequired", set_flag_field,
        OFF(ks.service_token_roles_required), RSRC_CONF,
        "service_token_roles_required: a service token without those roles is refused "
        "(default On)"),
    { NULL }
};

static void ks_finalize(apr_pool_t *p, pl_ks_conf *k)
{
    if (!k->interface) k->interface = "internal";
    if (k->insecure == PL_UNSET) k->insecure = 0;
    /* auth_token waits forever by default; a black-holed Keystone must not
     * hold every httpd thread */
    if (k->http_connect_timeout == PL_UNSET) k->http_connect_timeout = 10;
    if (k->http_request_max_retries == PL_UNSET) k->http_request_max_retries = 3;
    if (k->delay_auth_decision == PL_UNSET) k->delay_auth_decision = 0;
    if (k->token_cache_time == PL_UNSET) k->token_cache_time = 300;
    if (k->security_strategy == PL_UNSET) k->security_strategy = PL_KS_PROTECT_NONE;
    if (k->service_token_roles_required == PL_UNSET) k->service_token_roles_required = 1;
    if (!k->service_token_roles) {
        k->service_token_roles = apr_array_make(p, 1, sizeof(const char *));
        *(const char **)apr_array_push(k->service_token_roles) = "service";
    }
    if (!k->www_authenticate_uri && k->auth_url) {
        /* auth_url is normalised to end in /v3 */
        k->www_authenticate_uri = apr_pstrndup(p, k->auth_url, strlen(k->auth_url) - 3);
    }
}

/* Fill in defaults once configuration is read, so request code reads the
 * fields directly. */
void pl_conf_finalize(apr_pool_t *p, pl_server_conf *c, int threads)
{
    if (c->db_pool_size == PL_UNSET) c->db_pool_size = threads > 0 ? threads : 1;
    if (c->db_pool_timeout == PL_UNSET) c->db_pool_timeout = 30;
    if (c->auth_strategy == PL_AUTH_UNSET) c->auth_strategy = PL_AUTH_KEYSTONE;
    /* oslo.policy 4.4+ enforces the new defaults by default too */
    if (c->enforce_new_defaults == PL_UNSET) c->enforce_new_defaults = 1;
    /* oslo.policy 4.4+ checks scope by default: system tokens fail project rules */
    if (c->enforce_scope == PL_UNSET) c->enforce_scope = 1;
    if (c->cors_max_age == PL_UNSET) c->cors_max_age = 3600;
    if (c->cors_allow_credentials == PL_UNSET) c->cors_allow_credentials = 1;
    if (!c->cors_allow_headers) c->cors_allow_headers = "";
    if (!c->cors_allow_methods)
        c->cors_allow_methods = "OPTIONS,GET,HEAD,POST,PUT,DELETE,TRACE,PATCH";
    if (!c->cors_expose_headers) c->cors_expose_headers = "";
    if (c->randomize_allocation_candidates == PL_UNSET)
        c->randomize_allocation_candidates = 0;
    if (c->max_allocation_candidates == PL_UNSET) c->max_allocation_candidates = -1;
    if (c->allocation_conflict_retry_count == PL_UNSET)
        c->allocation_conflict_retry_count = 10;
    if (c->max_body_size == PL_UNSET) c->max_body_size = 1048576;
    if (!c->incomplete_consumer_project_id)
        c->incomplete_consumer_project_id = "00000000-0000-0000-0000-000000000000";
    if (!c->incomplete_consumer_user_id)
        c->incomplete_consumer_user_id = "00000000-0000-0000-0000-000000000000";
    if (!c->data_dir) c->data_dir = PL_DATADIR;
    ks_finalize(p, &c->ks);
}

const char *pl_conf_check(apr_pool_t *p, const pl_server_conf *c)
{
    const pl_ks_conf *k = &c->ks;
    /* only a server that can serve the API needs an identity source */
    if (!c->db || pl_conf_int(c->auth_strategy, PL_AUTH_KEYSTONE) != PL_AUTH_KEYSTONE)
        return NULL;
#define REQUIRED(cond, what) if (!(cond)) \
        return what " is required with PlacementAuthStrategy keystone"
    REQUIRED(k->auth_url, "PlacementKeystoneAuthURL");
    REQUIRED(k->username || k->user_id, "PlacementKeystoneUsername (or PlacementKeystoneUserId)");
    REQUIRED(k->password, "PlacementKeystonePassword");
    REQUIRED(k->user_id || k->user_domain_name || k->user_domain_id,
             "PlacementKeystoneUserDomainName (or PlacementKeystoneUserDomainId)");
    REQUIRED(k->project_name || k->project_id,
             "PlacementKeystoneProjectName (or PlacementKeystoneProjectId)");
    REQUIRED(k->project_id || k->project_domain_name || k->project_domain_id,
             "PlacementKeystoneProjectDomainName (or PlacementKeystoneProjectDomainId)");
    if (pl_conf_int(k->security_strategy, PL_KS_PROTECT_NONE) != PL_KS_PROTECT_NONE)
        REQUIRED(k->secret_key && *k->secret_key, "PlacementKeystoneMemcacheSecretKey");
#undef REQUIRED
    return NULL;
}
