/* Route matching: method + path -> route, path parameters, and the
 * 404/405/version-404 outcomes of upstream's routes mapper.  Pure C. */
#ifndef PL_ROUTE_H
#define PL_ROUTE_H

#include <apr_pools.h>
#include <stddef.h>

#define PL_ROUTE_MAX_PARAMS 4

typedef struct pl_req pl_req;
typedef int (*pl_handler_fn)(pl_req *q);

typedef struct pl_route {
    const char *method;      /* "GET", "PUT", ... */
    const char *pattern;     /* "/resource_providers/{uuid}/traits" */
    pl_handler_fn handler;
    const char *policy;      /* rule checked before the handler; NULL: none */
    int min_version;         /* PL_V(); 0 = no lower bound */
    int max_version;         /* PL_V(); 0 = no upper bound */
    int flags;               /* PL_RT_* */
} pl_route;

/* Route flags: checks upstream makes before its policy check. */
#define PL_RT_ACCEPT_JSON    0x01  /* 406 unless Accept allows application/json */
#define PL_RT_REQUIRE_JSON   0x02  /* 415 unless the body is application/json */
#define PL_RT_VERSION_405    0x04  /* outside its microversions: 405, not 404 */
#define PL_RT_TARGET_QUERY_PROJECT 0x08 /* policy target project_id from ?project_id */

typedef enum {
    PL_ROUTE_OK = 0,
    PL_ROUTE_NOT_FOUND,      /* no pattern matches the path */
    PL_ROUTE_BAD_METHOD,     /* pattern matches, method does not: 405 */
    PL_ROUTE_BAD_VERSION     /* method matches outside its microversions: 404 */
} pl_route_status;

typedef struct {
    const pl_route *route;
    const char *allow;       /* for 405: "GET, POST" in table order */
    const char *params[PL_ROUTE_MAX_PARAMS];
    int nparams;
} pl_route_match;

/* path is the part below the mount point ("" or "/" is the root). */
pl_route_status pl_route_find(apr_pool_t *p, const pl_route *table, size_t n,
                              const char *method, const char *path, int version,
                              pl_route_match *out);

#endif
