/* mod_placement: shared request context and the helpers every handler uses.
 *
 * A request flows: check_authn (auth.c) builds the identity -> the
 * placement-policy authz provider (auth.c) matches the route and checks its
 * policy rule -> the handler (mod_placement.c) dispatches to h_*.c, which
 * read and write MariaDB through db.c and answer through http.c. */
#ifndef PL_PLACEMENT_H
#define PL_PLACEMENT_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_tables.h>
#include <json-c/json.h>

#include "microversion.h"
#include "route.h"
#include "config.h"
#include "result.h"

APLOG_USE_MODULE(placement);
extern module AP_MODULE_DECLARE_DATA placement_module;

/* Log numbers of our own (not httpd's AH numbers). */
#define PL_LOGNO(n) "PL" #n ": "

/* Upstream's error codes (placement/errors.py). */
#define PL_CODE_INVENTORY_INUSE       "placement.inventory.inuse"
#define PL_CODE_CONCURRENT_UPDATE     "placement.concurrent_update"
#define PL_CODE_DUPLICATE_NAME        "placement.duplicate_name"
#define PL_CODE_PROVIDER_IN_USE       "placement.resource_provider.inuse"
#define PL_CODE_CANNOT_DELETE_PARENT  "placement.resource_provider.cannot_delete_parent"
#define PL_CODE_PROVIDER_NOT_FOUND    "placement.resource_provider.not_found"
#define PL_CODE_QUERY_DUPLICATE_KEY   "placement.query.duplicate_key"
#define PL_CODE_QUERY_BAD_VALUE       "placement.query.bad_value"
#define PL_CODE_QUERY_MISSING_VALUE   "placement.query.missing_value"

/* Who is calling (from the check_authn hook). */
typedef struct pl_identity {
    const char *user_id;
    const char *project_id;       /* NULL when system scoped */
    const char **roles;           /* lower-case role names */
    int nroles;
    const char *system_scope;     /* "all" or NULL */
    const char *domain_id;        /* domain-scoped tokens only */
    const char *user_domain_id, *project_domain_id;
    int is_admin_project;         /* oslo.context's default: true */
} pl_identity;

/* A failure waiting to be sent: status, error code and detail text. */
typedef struct pl_failure {
    int status;
    const char *code;             /* placement.* error code or NULL */
    const char *detail;
    int no_vary;                  /* raised outside upstream's wsgify: no vary */
    const char *allow;            /* Allow header for 405 */
    int conflict;                 /* another writer won (pl_failed_conflict) */
} pl_failure;

struct pl_db_conn;

struct pl_req {
    request_rec *r;
    apr_pool_t *pool;
    pl_server_conf *conf;
    const char *request_id;       /* "req-<uuid>" */
    const char *prefix;           /* mount point: "" or "/placement" */
    const char *path;             /* path below the prefix */
    int mv;                       /* requested microversion, PL_V() */
    int mv_ok;                    /* header parsed and acceptable */
    const pl_route *route;
    const char *params[PL_ROUTE_MAX_PARAMS];
    apr_table_t *query;           /* decoded query args, repeated keys kept */
    const pl_identity *ident;
    int auth_result;              /* 0 not asked yet, else pl_ks_result */
    pl_failure failure;           /* set when a step failed before sending */
    int prepared_failed;          /* an error found before the policy check */
    int policy_result;            /* 0 not checked, 1 allowed, -1 denied */
    struct pl_db_conn *db;        /* held for this request, released by cleanup */
    int db_errno;                 /* last MariaDB error number, 0 if none */
    apr_time_t not_ready_since;   /* first answer of a Galera node not ready, 0 if none */
    int cors_vary;                /* CORS answered: vary also names Origin */
};

/* Path parameter i of the matched route. */
#define PL_PARAM(q, i) ((q)->params[i])
/* Microversion at least major.minor */
#define PL_MV_GE(q, major, minor) ((q)->mv >= PL_V(major, minor))

#endif
