/* CORS (see cors.h).  Upstream mounts oslo.middleware's CORS filter outside
 * its auth middleware, so OPTIONS requests never need a token and every
 * answer, errors included, carries the CORS headers. */
#include "cors.h"

#include <apr_strings.h>
#include <apr_lib.h>
#include <http_protocol.h>

static const char *const simple_headers[] = {
    "Accept", "Accept-Language", "Content-Type", "Cache-Control", "Content-Language",
    "Expires", "Last-Modified", "Pragma", NULL
};

int pl_cors_enabled(const pl_req *q)
{
    return q->conf->cors_allowed_origin && q->conf->cors_allowed_origin->nelts > 0;
}

/* The configured origin matching Origin ("*" when only the wildcard does). */
static const char *allowed_origin(pl_req *q)
{
    const char *origin = apr_table_get(q->r->headers_in, "Origin");
    const apr_array_header_t *a = q->conf->cors_allowed_origin;
    int i, star = 0;
    if (!origin || !a) return NULL;
    for (i = 0; i < a->nelts; i++) {
        const char *o = APR_ARRAY_IDX(a, i, const char *);
        if (!strcmp(o, origin)) return origin;
        if (!strcmp(o, "*")) star = 1;
    }
    return star ? "*" : NULL;
}

/* Is item in the comma list (after trimming), compared as given? */
static int in_list(apr_pool_t *p, const char *list, const char *item, int nocase)
{
    char *copy = apr_pstrdup(p, list), *tok, *state;
    for (tok = apr_strtok(copy, ",", &state); tok; tok = apr_strtok(NULL, ",", &state)) {
        char *end;
        while (apr_isspace(*tok)) tok++;
        end = tok + strlen(tok);
        while (end > tok && apr_isspace(end[-1])) *--end = '\0';
        if (nocase ? !strcasecmp(tok, item) : !strcmp(tok, item)) return 1;
    }
    return 0;
}

void pl_cors_request_headers(pl_req *q)
{
    apr_table_t *h = q->r->err_headers_out;
    const char *origin;
    if (!pl_cors_enabled(q) || q->r->method_number == M_OPTIONS) return;
    if (!(origin = allowed_origin(q))) return;
    q->cors_vary = 1;
    apr_table_setn(h, "vary", "Origin");
    apr_table_setn(h, "Access-Control-Allow-Origin", origin);
    if (q->conf->cors_allow_credentials)
        apr_table_setn(h, "Access-Control-Allow-Credentials", "true");
    if (*q->conf->cors_expose_headers)
        apr_table_setn(h, "Access-Control-Expose-Headers", q->conf->cors_expose_headers);
}

int pl_cors_preflight(pl_req *q)
{
    request_rec *r = q->r;
    apr_table_t *h = r->err_headers_out;
    const char *origin = allowed_origin(q);
    const char *method = apr_table_get(r->headers_in, "Access-Control-Request-Method");
    const char *requested = apr_table_get(r->headers_in, "Access-Control-Request-Headers");
    const char *allow_headers = NULL;

    r->status = 200;
    r->content_type = NULL;
    ap_set_content_length(r, 0);
    if (!origin || !method || !in_list(q->pool, q->conf->cors_allow_methods, method, 0))
        return OK;
    if (requested) {
        char *copy = apr_pstrdup(q->pool, requested), *tok, *state;
        for (tok = apr_strtok(copy, ",", &state); tok; tok = apr_strtok(NULL, ",", &state)) {
            char *end;
            int i, simple = 0;
            while (apr_isspace(*tok)) tok++;
            end = tok + strlen(tok);
            while (end > tok && apr_isspace(end[-1])) *--end = '\0';
            if (!*tok) continue;
            for (i = 0; simple_headers[i]; i++)
                if (!strcasecmp(simple_headers[i], tok)) simple = 1;
            if (!simple && !in_list(q->pool, q->conf->cors_allow_headers, tok, 1))
                return OK;
            allow_headers = allow_headers ? apr_pstrcat(q->pool, allow_headers, ",", tok, NULL)
                                          : tok;
        }
    }
    apr_table_setn(h, "Vary", "Origin");
    apr_table_setn(h, "Access-Control-Allow-Origin", origin);
    if (q->conf->cors_allow_credentials)
        apr_table_setn(h, "Access-Control-Allow-Credentials", "true");
    if (q->conf->cors_max_age)
        apr_table_setn(h, "Access-Control-Max-Age",
                       apr_itoa(q->pool, q->conf->cors_max_age));
    apr_table_setn(h, "Access-Control-Allow-Methods", method);
    if (allow_headers) apr_table_setn(h, "Access-Control-Allow-Headers", allow_headers);
    return OK;
}
