/* The module's side of Keystone: its own service token and the validation
 * call (libcurl + apr; no httpd header).
 *
 * One client per distinct configuration per process.  The service token
 * lives in process memory: fetched by one thread while the others wait,
 * renewed when it expires within two minutes or after Keystone answers 401. */
#ifndef PL_KEYSTONE_CLIENT_H
#define PL_KEYSTONE_CLIENT_H

#include <apr_pools.h>
#include <apr_tables.h>

/* [keystone_authtoken] as directives (config.c); names as placement.conf. */
typedef struct pl_ks_conf {
    const char *auth_url;               /* identity v3 URL, ".../v3" */
    const char *www_authenticate_uri;
    const char *username, *user_id, *password;
    const char *user_domain_name, *user_domain_id;
    const char *project_name, *project_id;
    const char *project_domain_name, *project_domain_id;
    const char *interface;              /* public, internal (default), admin */
    const char *region_name;
    const char *cafile, *certfile, *keyfile;
    int insecure;
    int http_connect_timeout;           /* seconds, connect and whole call */
    int http_request_max_retries;       /* after connection failures */
    int delay_auth_decision;
    int token_cache_time;               /* seconds; 0: no cache */
    const char *cache;                  /* socache "provider[:args]" or "none" */
    const char *memcached_servers;      /* shorthand for cache memcache:... */
    int security_strategy;              /* pl_ks_protect (keystone_crypt.h) */
    const char *secret_key;
    apr_array_header_t *service_token_roles;    /* const char* */
    int service_token_roles_required;
} pl_ks_conf;

typedef enum {
    PL_KS_VALID = 1,         /* Keystone vouched for the token */
    PL_KS_INVALID,           /* unknown, expired or revoked: 401 */
    PL_KS_UNAVAILABLE        /* Keystone could not say: 503 */
} pl_ks_result;

typedef struct pl_ks_client pl_ks_client;

/* In post_config (process memory).  curl_global_init must have run. */
pl_ks_client *pl_ks_client_create(apr_pool_t *p, const pl_ks_conf *conf);
/* In child_init: the lock that makes the service-token login single-flight. */
int pl_ks_client_child_init(pl_ks_client *c, apr_pool_t *p);

/* GET /v3/auth/tokens for token.  On PL_KS_VALID *body (NUL-terminated,
 * from p) is Keystone's document; otherwise *why says what happened, for
 * the log. */
pl_ks_result pl_ks_validate(pl_ks_client *c, apr_pool_t *p, const char *token,
                            int allow_expired, char **body, size_t *len, const char **why);

#endif
