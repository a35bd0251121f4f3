/* Directives of mod_placement, named after the placement.conf options an
 * operator already knows.  Values are checked when read, so bad
 * configuration stops httpd at start-up with the directive's name. */
#include "config.h"
#include "placement.h"
#include "policy.h"

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
    c->cors_max_age = PL_UNSET;
    c->cors_allow_credentials = PL_UNSET;
    c->randomize_allocation_candidates = PL_UNSET;
    c->max_allocation_candidates = PL_UNSET;
    c->allocation_conflict_retry_count = PL_UNSET;
    c->max_body_size = PL_UNSET;
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
    if ((err = parse_int(cmd, arg, min, max, &v))) return err;
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
    else return apr_psprintf(cmd->pool, "%s: '%s' is not one of noauth2, keystone",
                             cmd->cmd->name, arg);
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
        "noauth2 (token 'user[:project]', for tests) or keystone (trust X-User-Id, "
        "X-Project-Id, X-Roles from the auth layer in front); default keystone"),
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
    AP_INIT_TAKE1("PlacementIncompleteConsumerProjectId", set_str_field,
        OFF(incomplete_consumer_project_id), RSRC_CONF,
        "Project id recorded for consumers created before microversion 1.8"),
    AP_INIT_TAKE1("PlacementIncompleteConsumerUserId", set_str_field,
        OFF(incomplete_consumer_user_id), RSRC_CONF,
        "User id recorded for consumers created before microversion 1.8"),
    AP_INIT_TAKE1("PlacementDataDir", set_path_field, OFF(data_dir), RSRC_CONF,
        "Directory with the JSON request schemas and standard data (default "
        PL_DATADIR ")"),
    { NULL }
};

/* Fill in defaults once configuration is read, so request code reads the
 * fields directly. */
void pl_conf_finalize(pl_server_conf *c, int threads)
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
}
