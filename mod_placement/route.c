/* Route matching (see route.h). */
#include "route.h"

#include <apr_strings.h>
#include <string.h>

/* Match path against pattern; {name} takes one non-empty segment. */
static int pattern_match(apr_pool_t *p, const char *pattern, const char *path,
                         const char **params, int *nparams)
{
    const char *pp = pattern, *sp = path;
    int n = 0;
    while (*pp) {
        if (*pp == '{') {
            const char *end = sp;
            const char *close = strchr(pp, '}');
            if (!close) return 0;
            while (*end && *end != '/') end++;
            if (end == sp || n >= PL_ROUTE_MAX_PARAMS) return 0;
            params[n++] = apr_pstrndup(p, sp, end - sp);
            sp = end;
            pp = close + 1;
        }
        else {
            if (*pp != *sp) return 0;
            pp++;
            sp++;
        }
    }
    if (*sp) return 0;
    *nparams = n;
    return 1;
}

pl_route_status pl_route_find(apr_pool_t *p, const pl_route *table, size_t n,
                              const char *method, const char *path, int version,
                              pl_route_match *out)
{
    const char *params[PL_ROUTE_MAX_PARAMS];
    const char *matched_pattern = NULL;
    int nparams = 0, method_seen = 0;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (path[0] == '\0') path = "/";   /* the bare prefix is the root too */
    {   /* upstream's routes regex ends in Python's $, which also matches
         * before one trailing newline */
        size_t len = strlen(path);
        if (len > 1 && path[len - 1] == '\n') path = apr_pstrndup(p, path, len - 1);
    }

    for (i = 0; i < n; i++) {
        const pl_route *rt = &table[i];
        if (matched_pattern) {
            if (strcmp(rt->pattern, matched_pattern) != 0) continue;
        }
        else if (!pattern_match(p, rt->pattern, path, params, &nparams)) {
            continue;
        }
        else {
            matched_pattern = rt->pattern;
        }
        if (strcmp(rt->method, method) != 0) continue;
        method_seen = 1;
        if ((rt->min_version && version < rt->min_version)
            || (rt->max_version && version > rt->max_version))
            continue;
        out->route = rt;
        memcpy(out->params, params, sizeof(params));
        out->nparams = nparams;
        return PL_ROUTE_OK;
    }
    if (!matched_pattern) return PL_ROUTE_NOT_FOUND;
    if (method_seen) return PL_ROUTE_BAD_VERSION;

    /* 405: list the methods declared for this pattern, once each. */
    {
        const char *allow = NULL;
        for (i = 0; i < n; i++) {
            if (strcmp(table[i].pattern, matched_pattern) != 0) continue;
            if (allow && (strstr(allow, table[i].method))) continue;
            allow = allow ? apr_pstrcat(p, allow, ", ", table[i].method, NULL)
                          : table[i].method;
        }
        out->allow = allow;
    }
    return PL_ROUTE_BAD_METHOD;
}
