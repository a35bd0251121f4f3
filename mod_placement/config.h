/* mod_placement configuration: directives, defaults and merging. */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include <httpd.h>
#include <http_config.h>
#include "dburl.h"
#include "keystone_client.h"

#define PL_UNSET -1

/* keystone: validate X-Auth-Token with Keystone (auth_token's job);
 * trusted-headers: believe X-User-Id, X-Roles... set by a layer in front;
 * noauth2: upstream's test mode. */
enum {
    PL_AUTH_UNSET = -1, PL_AUTH_NOAUTH2 = 0, PL_AUTH_KEYSTONE = 1, PL_AUTH_TRUSTED_HEADERS = 2
};

struct pl_policy;
struct pl_dbpool;
struct pl_ks_cache;

typedef struct pl_server_conf {
    const char *db_connection;      /* upstream's SQLAlchemy URL */
    pl_dburl *db;                   /* parsed db_connection */
    int db_pool_size;               /* connections per process; UNSET: threads */
    int db_pool_timeout;            /* seconds to wait for a connection */
    int auth_strategy;
    const char *policy_file;
    int enforce_new_defaults;
    int enforce_scope;
    int malloc_tuning;              /* PlacementMallocTuning (main server only) */
    apr_array_header_t *cors_allowed_origin;   /* const char* */
    const char *cors_allow_headers;            /* comma lists, as oslo */
    const char *cors_allow_methods;
    const char *cors_expose_headers;
    int cors_max_age;
    int cors_allow_credentials;
    int randomize_allocation_candidates;
    int max_allocation_candidates;
    int allocation_conflict_retry_count;
    apr_off_t max_body_size;
    const char *incomplete_consumer_project_id;
    const char *incomplete_consumer_user_id;
    const char *data_dir;           /* schema/ data installed with the module */
    pl_ks_conf ks;                  /* [keystone_authtoken] */

    /* Built at start-up. */
    struct pl_policy *policy;
    struct pl_dbpool *dbpool;
    pl_ks_client *ks_client;        /* keystone strategy only */
    struct pl_ks_cache *ks_cache;   /* NULL: no token cache */
} pl_server_conf;

extern const command_rec pl_directives[];
void *pl_create_server_conf(apr_pool_t *p, server_rec *s);
void *pl_merge_server_conf(apr_pool_t *p, void *base, void *add);

/* Effective values with defaults applied. */
int pl_conf_flag(int v, int dflt);
int pl_conf_int(int v, int dflt);
void pl_conf_finalize(apr_pool_t *p, pl_server_conf *c, int threads);
/* NULL, or what a server that serves the API lacks for its auth strategy
 * (the directive to add), checked before httpd starts. */
const char *pl_conf_check(apr_pool_t *p, const pl_server_conf *c);

#endif
