/* request.c: the request context and the pipeline shared by the auth
 * hooks (auth.c) and the handler (mod_placement.c): request id ->
 * microversion -> route -> the checks upstream makes before policy.
 * Neither caller is needed here, so the two stay apart. */
#include "request.h"
#include "cors.h"
#include "handlers.h"
#include "http.h"
#include "memory.h"
#include "strutil.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>
#include <apr_uuid.h>
#include <apr_lib.h>

/* Where the API is mounted: the path of the <Location> that configured it
 * (core's record of the innermost section merged for this request), when
 * it prefixes the URI; "" when the API is served from the root. */
static const char *mount_prefix(request_rec *r)
{
    core_dir_config *cd = ap_get_core_module_config(r->per_dir_config);
    const char *m = cd ? cd->d : NULL;
    size_t n;
    if (!m || m[0] != '/') return "";
    n = strlen(m);
    while (n > 0 && m[n - 1] == '/') n--;
    if (strncmp(r->uri, m, n) != 0 || (r->uri[n] && r->uri[n] != '/')) return "";
    return apr_pstrndup(r->pool, m, n);
}

/* upstream reads query strings as UTF-8: the first key or value that is
 * not, as Python's decoder words it, or NULL. */
static const char *query_decode_error(pl_req *q)
{
    /* from the bytes: the parsed table carries a NUL as PL_NUL_MARK */
    return q->r->args ? pl_query_decode_error(q->pool, q->r->args) : NULL;
}

/* NUL or a surrogate in the path, query or a header: refused, never cut
 * (pl_refused_text; bodies: pl_read_json). */
static const char *refused_input(pl_req *q)
{
    const char *why;
    const apr_array_header_t *h = apr_table_elts(q->r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    int i;
    if (q->r->parsed_uri.path && (why = pl_query_refused(q->pool, q->r->parsed_uri.path)))
        return apr_pstrcat(q->pool, "Invalid path: ", why, NULL);
    if (q->r->args && (why = pl_query_refused(q->pool, q->r->args)))
        return apr_pstrcat(q->pool, "Invalid query string parameters: ", why, NULL);
    for (i = 0; i < h->nelts; i++)
        if (e[i].val && (why = pl_refused_text(q->pool, e[i].val, strlen(e[i].val))))
            return apr_pstrcat(q->pool, "Invalid header ", e[i].key, ": ", why, NULL);
    return NULL;
}

/* Errors upstream finds before its handlers check policy, in its order. */
static void prepare(pl_req *q)
{
    request_rec *r = q->r;
    const char *msg = NULL, *clen;
    pl_route_match m;
    pl_route_status rs;
    int i;

    switch (pl_mv_parse(q->pool, apr_table_get(r->headers_in, "OpenStack-API-Version"),
                        &q->mv, &msg)) {
    case PL_MV_OK:
        q->mv_ok = 1;
        break;
    case PL_MV_BAD_STRING:
        pl_fail(q, 400, NULL, "Invalid microversion: %s", msg);
        q->prepared_failed = 1;
        return;
    case PL_MV_UNACCEPTABLE:
        pl_fail(q, 406, NULL, "Invalid microversion: %s", msg);
        q->prepared_failed = 1;
        return;
    }

    clen = apr_table_get(r->headers_in, "Content-Length");
    if (clen && atol(clen) > 0 && !apr_table_get(r->headers_in, "Content-Type")) {
        pl_fail(q, 400, NULL, "content-type header required when content-length > 0");
        q->prepared_failed = 1;
        return;
    }

    rs = pl_route_find(q->pool, pl_routes, pl_nroutes, r->method, q->path, q->mv, &m);
    q->route = m.route;
    memcpy(q->params, m.params, sizeof(q->params));
    /* path parameters read as upstream's WSGI PATH_INFO: latin-1 */
    for (i = 0; i < m.nparams; i++)
        q->params[i] = pl_latin1_to_utf8(q->pool, q->params[i]);
    if (rs == PL_ROUTE_NOT_FOUND) {
        pl_fail_not_found(q, NULL);   /* routes raise outside upstream's handlers */
    }
    else if (rs == PL_ROUTE_BAD_METHOD) {
        pl_fail(q, 405, NULL, "The method specified is not allowed for this resource.");
        q->failure.allow = m.allow;
    }
    else if (rs == PL_ROUTE_BAD_VERSION) {
        /* the route for this method exists, at other microversions */
        const pl_route *any = NULL;
        size_t k;
        for (k = 0; k < pl_nroutes; k++)
            if (!strcmp(pl_routes[k].method, r->method)) {
                pl_route_match mm;
                if (pl_route_find(q->pool, &pl_routes[k], 1, r->method, q->path,
                                  pl_routes[k].min_version ? pl_routes[k].min_version
                                                           : PL_MV_MIN, &mm) == PL_ROUTE_OK) {
                    any = &pl_routes[k];
                    break;
                }
            }
        pl_fail(q, any && (any->flags & PL_RT_VERSION_405) ? 405 : 404, NULL, NULL);
    }
    else if ((msg = query_decode_error(q))) {
        pl_fail(q, 400, NULL, "Invalid query string parameters: %s", msg);
    }
    else if ((msg = refused_input(q))) {
        pl_fail(q, 400, NULL, "%s", msg);
    }
    else if ((q->route->flags & PL_RT_ACCEPT_JSON)
             && pl_accept_quality(q->pool, apr_table_get(r->headers_in, "Accept"),
                                  "application/json") <= 0) {
        pl_fail(q, 406, NULL, "Only application/json is provided");
    }
    else if (!(q->route->flags & PL_RT_REQUIRE_JSON) || pl_check_json_type(q) == PL_OK) {
        return;   /* nothing upstream would refuse before its policy check */
    }
    q->prepared_failed = 1;
}

pl_req *pl_req_get(request_rec *r)
{
    pl_req *q = ap_get_module_config(r->request_config, &placement_module);
    apr_uuid_t uuid;
    char ubuf[APR_UUID_FORMATTED_LENGTH + 1];

    if (q) return q;
    q = apr_pcalloc(r->pool, sizeof(*q));
    q->r = r;
    q->pool = pl_memory_request_pool(r->pool);   /* memory.h */
    q->conf = ap_get_module_config(r->server->module_config, &placement_module);
    apr_uuid_get(&uuid);
    apr_uuid_format(ubuf, &uuid);
    q->request_id = apr_pstrcat(r->pool, "req-", ubuf, NULL);
    apr_table_setn(r->err_headers_out, "x-openstack-request-id", q->request_id);
    apr_table_setn(r->notes, "placement-request-id", q->request_id);
    q->prefix = mount_prefix(r);
    q->path = r->uri + strlen(q->prefix);
    q->query = pl_parse_query(r->pool, r->args);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PL_LOGNO(402) "%s %s %s (mount '%s')",
                  q->request_id, r->method, r->uri, q->prefix);
    ap_set_module_config(r->request_config, &placement_module, q);
    pl_cors_request_headers(q);
    prepare(q);
    return q;
}
