/* Placement microversions: parse the OpenStack-API-Version header the way
 * upstream's microversion_parse does.  Pure C, no httpd header. */
#ifndef PL_MICROVERSION_H
#define PL_MICROVERSION_H

#include <apr_pools.h>

/* A version as one comparable int: major * 1000 + minor. */
#define PL_V(major, minor) ((major) * 1000 + (minor))
#define PL_V_MAJOR(v) ((v) / 1000)
#define PL_V_MINOR(v) ((v) % 1000)

#define PL_MV_MIN PL_V(1, 0)
#define PL_MV_MAX PL_V(1, 39)
#define PL_MV_MIN_STRING "1.0"
#define PL_MV_MAX_STRING "1.39"

typedef enum {
    PL_MV_OK = 0,
    PL_MV_BAD_STRING,   /* 400: "invalid version string: ..." */
    PL_MV_UNACCEPTABLE  /* 406: "Unacceptable version header: ..." */
} pl_mv_result;

/* Parse the (comma-folded) header value, or NULL when absent.
 * On success *version is set; otherwise *message holds upstream's text
 * (without the "Invalid microversion: " prefix). */
pl_mv_result pl_mv_parse(apr_pool_t *p, const char *header, int *version,
                         const char **message);

/* "1.15" */
const char *pl_mv_string(apr_pool_t *p, int version);

#endif
