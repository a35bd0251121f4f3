/* Placement's HTTP dialect (see http.h). */
#include "http.h"
#include "memory.h"
#include "schemas.h"
#include "jsonschema.h"
#include "strutil.h"
#include "pyjson_error.h"
#include "pyrepr.h"

#include <http_protocol.h>
#include <apr_buckets.h>
#include <apr_strings.h>
#include <apr_date.h>
#include <apr_lib.h>
#include <stdarg.h>
#include <stdlib.h>

static const struct { int status; const char *title, *explanation; } statuses[] = {
    {400, "Bad Request", "The server could not comply with the request since it is "
                         "either malformed or otherwise incorrect."},
    {401, "Unauthorized", "This server could not verify that you are authorized to "
          "access the document you requested. Either you supplied the wrong credentials "
          "(e.g., bad password), or your browser does not understand how to supply the "
          "credentials required."},
    {403, "Forbidden", "Access was denied to this resource."},
    {404, "Not Found", "The resource could not be found."},
    {405, "Method Not Allowed", NULL},
    {406, "Not Acceptable", NULL},
    {409, "Conflict", "There was a conflict when trying to complete your request."},
    {413, "Request Entity Too Large", "The body of your request was too large for this "
                                      "server."},
    {415, "Unsupported Media Type", NULL},
    {500, "Internal Server Error", "The server has either erred or is incapable of "
                                   "performing the requested operation."},
    {501, "Not Implemented", "The server has either erred or is incapable of performing "
                             "the requested operation."},
    {503, "Service Unavailable", "The server is currently unavailable. Please try again "
                                 "at a later time."},
};

const char *pl_status_title(int status)
{
    size_t i;
    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (statuses[i].status == status) return statuses[i].title;
    return "Error";
}

const char *pl_status_explanation(int status)
{
    size_t i;
    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (statuses[i].status == status) return statuses[i].explanation;
    return "";
}

/* webob's body template of an error, before tag stripping; escape applies
 * HTML escaping to the substituted values (webob's html_body). */
static const char *error_template(pl_req *q, int status, const char *detail, int escape)
{
    request_rec *r = q->r;
    const char *accept = apr_table_get(r->headers_in, "Accept");
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *expl = pl_status_explanation(status);
#define ESC(s) (escape ? ap_escape_html(q->pool, (s)) : (s))
    if (!detail) detail = "";
    /* headers are latin-1 text to upstream (WSGI): 0xff is U+00FF */
    if (accept) accept = pl_latin1_to_utf8(q->pool, accept);
    if (ct) ct = pl_latin1_to_utf8(q->pool, ct);
    if (!accept || !strcmp(accept, "*/*")) accept = "application/json";
    if (status == 405)
        return apr_pstrcat(q->pool, "The method ", ESC(r->method),
                           " is not allowed for this resource. <br /><br />\n", ESC(detail),
                           NULL);
    if (status == 406)
        return apr_pstrcat(q->pool, "The resource could not be generated that was "
                           "acceptable to your browser\n(content of type ", ESC(accept),
                           ". <br /><br />\n", ESC(detail), NULL);
    if (status == 415)
        /* upstream's require_content names a missing type "None" */
        return apr_pstrcat(q->pool, "The request media type ", ESC(ct && *ct ? ct : "None"),
                           " is not supported by this server.\n<br /><br />\n", ESC(detail),
                           NULL);
    return apr_pstrcat(q->pool, ESC(expl ? expl : ""), "<br /><br />\n", ESC(detail),
                       "\n\n", NULL);
#undef ESC
}

const char *pl_error_detail(pl_req *q, int status, const char *detail)
{
    return pl_strip_tags(q->pool, error_template(q, status, detail, 0));
}

double pl_accept_quality(apr_pool_t *p, const char *accept, const char *media)
{
    size_t major = strcspn(media, "/");
    double best = 0;
    char *copy, *range, *state;
    if (!accept || !*accept) return 1;
    copy = apr_pstrdup(p, accept);
    for (range = apr_strtok(copy, ",", &state); range; range = apr_strtok(NULL, ",", &state)) {
        char *semi = strchr(range, ';'), *type = range, *end;
        double qv = 1.0;
        if (semi) {
            const char *qp = strstr(semi, "q=");
            if (qp) qv = strtod(qp + 2, NULL);
            *semi = '\0';
        }
        while (apr_isspace(*type)) type++;
        end = type + strlen(type);
        while (end > type && apr_isspace(end[-1])) *--end = '\0';
        if (!strcasecmp(type, media) || !strcmp(type, "*/*")
            || (!strncasecmp(type, media, major + 1) && !strcmp(type + major + 1, "*")))
            if (qv > best) best = qv;
    }
    return best;
}

/* Which body webob renders for the Accept header: upstream treats a
 * missing or match-all Accept as application/json, then offers text/html and
 * application/json in that order; neither acceptable means text/plain. */
static const char *error_format(pl_req *q)
{
    const char *accept = apr_table_get(q->r->headers_in, "Accept");
    double qhtml, qjson;
    if (!accept || !*accept || !strcmp(accept, "*/*")) return "application/json";
    /* an Accept header that is not even UTF-8 names no type: Placement's own */
    if (pl_utf8_decode_error(q->pool, accept, strlen(accept))) return "application/json";
    qhtml = pl_accept_quality(q->pool, accept, "text/html");
    qjson = pl_accept_quality(q->pool, accept, "application/json");
    if (qhtml > 0 && qhtml >= qjson) return "text/html";
    if (qjson > 0) return "application/json";
    return "text/plain";
}

int pl_check_json_type(pl_req *q)
{
    const char *ct = apr_table_get(q->r->headers_in, "Content-Type");
    /* upstream's require_content: the type, parameters ignored */
    if (!ct || strncasecmp(ct, "application/json", 16) != 0
        || (ct[16] && ct[16] != ';' && !apr_isspace(ct[16]))) {
        const char *bad = ct && *ct ? pl_latin1_to_utf8(q->pool, apr_pstrndup(q->pool, ct,
                                                            strcspn(ct, "; "))) : "None";
        return pl_fail(q, 415, NULL, "The media type %s is not supported, use "
                       "application/json", bad);
    }
    return PL_OK;
}

static int vfail(pl_req *q, int status, const char *code, const char *fmt, va_list ap)
{
    q->failure.status = status;
    q->failure.code = code;
    q->failure.detail = fmt ? apr_pvsprintf(q->pool, fmt, ap) : NULL;
    q->failure.no_vary = 0;
    q->failure.allow = NULL;
    q->failure.conflict = 0;
    return PL_FAIL;
}

/* vfail over the variadic arguments that follow fmt */
#define FAIL_VA(q, status, code, fmt) do {       \
        va_list ap;                              \
        va_start(ap, fmt);                       \
        vfail(q, status, code, fmt, ap);         \
        va_end(ap);                              \
    } while (0)

int pl_fail(pl_req *q, int status, const char *code, const char *fmt, ...)
{
    FAIL_VA(q, status, code, fmt);
    return PL_FAIL;
}

int pl_fail_not_found(pl_req *q, const char *fmt, ...)
{
    FAIL_VA(q, 404, NULL, fmt);
    q->failure.no_vary = 1;
    return PL_FAIL;
}

/* The one place a database outcome becomes an HTTP answer. */
static const struct {
    int status;
    const char *code;
    const char *prefix;
} db_failures[] = {
    [PL_DBE_CONFLICT] = {409, PL_CODE_CONCURRENT_UPDATE, ""},
    [PL_DBE_BAD_INPUT] = {400, NULL, "Invalid input: "},
    [PL_DBE_UNAVAILABLE] = {503, NULL, "The placement database is unavailable: "},
    [PL_DBE_ERROR] = {500, NULL, ""},
};

int pl_fail_db(pl_req *q, pl_db_error e, const char *fmt, ...)
{
    va_list ap;
    const char *detail;

    va_start(ap, fmt);
    detail = apr_pvsprintf(q->pool, fmt, ap);
    va_end(ap);
    pl_fail(q, db_failures[e].status, db_failures[e].code, "%s%s", db_failures[e].prefix,
            detail);
    q->failure.conflict = e == PL_DBE_CONFLICT;
    return PL_FAIL;
}

int pl_failed_conflict(const pl_req *q)
{
    return q->failure.conflict;
}

int pl_failed_server_side(const pl_req *q)
{
    return q->failure.status >= 500;
}

int pl_error(pl_req *q, int status, const char *code, const char *fmt, ...)
{
    FAIL_VA(q, status, code, fmt);
    return pl_send_failure(q);
}

void pl_add_version_headers(pl_req *q, int with_vary)
{
    if (!q->mv_ok) return;
    apr_table_setn(q->r->err_headers_out, "openstack-api-version",
                   apr_pstrcat(q->pool, "placement ", pl_mv_string(q->pool, q->mv), NULL));
    if (with_vary)
        apr_table_setn(q->r->err_headers_out, "vary", q->cors_vary
                       ? "openstack-api-version,Origin" : "openstack-api-version");
}

static int send_body(pl_req *q, int status, const char *type, const char *body)
{
    request_rec *r = q->r;
    r->status = status;
    ap_set_content_type(r, type);
    ap_set_content_length(r, strlen(body));
    if (!r->header_only) ap_rputs(body, r);
    return OK;
}

/* A text/plain or HTML error body is a C string: a NUL read back shows as
 * U+FFFD there (JSON bodies carry it as "\u0000"). */
static const char *text_body(apr_pool_t *p, const char *s)
{
    size_t n;
    const char *b = pl_nul_unmark(p, pl_utf8_repair(p, s), &n);
    char *out, *o;
    size_t i;
    if (b == s || n == strlen(b)) return b;
    o = out = apr_palloc(p, 3 * n + 1);
    for (i = 0; i < n; i++) {
        if (b[i]) *o++ = b[i];
        else { memcpy(o, "\xEF\xBF\xBD", 3); o += 3; }
    }
    *o = '\0';
    return out;
}

const char *pl_failure_body(pl_req *q, const char **content_type)
{
    pl_failure *f = &q->failure;
    json_object *err, *doc, *list;
    int status = f->status ? f->status : 500;
    const char *text, *format = error_format(q);

    pl_add_version_headers(q, !f->no_vary);
    if (f->allow) apr_table_setn(q->r->err_headers_out, "allow", f->allow);
    if (status >= 500)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PL_LOGNO(100) "%s %d: %s",
                      q->request_id, status, f->detail ? f->detail : "");
    if (strcmp(format, "application/json") != 0) {
        const char *line = apr_psprintf(q->pool, "%d %s", status, pl_status_title(status));
        *content_type = apr_pstrcat(q->pool, format, "; charset=UTF-8", NULL);
        if (!strcmp(format, "text/html"))
            return text_body(q->pool, apr_pstrcat(q->pool, "<html>\n <head>\n  <title>",
                                  line, "</title>\n </head>\n <body>\n  <h1>", line,
                                  "</h1>\n  ", error_template(q, status, f->detail, 1),
                                  "\n </body>\n</html>", NULL));
        return text_body(q->pool, apr_pstrcat(q->pool, line, "\n\n",
                              pl_error_detail(q, status, f->detail), NULL));
    }
    *content_type = "application/json";
    err = json_object_new_object();
    doc = json_object_new_object();
    list = json_object_new_array();

    json_object_object_add(err, "status", json_object_new_int(status));
    json_object_object_add(err, "title", json_object_new_string(pl_status_title(status)));
    /* whatever was echoed into it, the body stays JSON */
    json_object_object_add(err, "detail", json_object_new_string(
        pl_utf8_repair(q->pool, pl_error_detail(q, status, f->detail))));
    if (q->mv_ok && q->mv >= PL_V(1, 23))
        json_object_object_add(err, "code", json_object_new_string(
            f->code ? f->code : "placement.undefined_code"));
    json_object_object_add(err, "request_id", json_object_new_string(q->request_id));
    if (status == 406 && !q->mv_ok) {
        json_object_object_add(err, "max_version", json_object_new_string(PL_MV_MAX_STRING));
        json_object_object_add(err, "min_version", json_object_new_string(PL_MV_MIN_STRING));
    }
    json_object_array_add(list, err);
    json_object_object_add(doc, "errors", list);
    text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN
                                               | JSON_C_TO_STRING_NOSLASHESCAPE);
    {
        size_t n;
        text = apr_pstrdup(q->pool, pl_nul_json(q->pool, text, strlen(text), &n));
    }
    json_object_put(doc);
    return text;
}

int pl_send_failure(pl_req *q)
{
    int status = q->failure.status ? q->failure.status : 500;
    const char *type;
    const char *body = pl_failure_body(q, &type);
    return send_body(q, status, type, body);
}

/* Status and headers of a JSON answer of len bytes. */
static void json_answer_head(pl_req *q, int status, size_t len)
{
    if (status < 400) pl_add_version_headers(q, 1);
    q->r->status = status;
    ap_set_content_type(q->r, "application/json");
    ap_set_content_length(q->r, (apr_off_t)len);
}

int pl_send_json(pl_req *q, int status, json_object *body)
{
    request_rec *r = q->r;
    size_t len;
    /* written from json-c's buffer: a large answer is not copied again */
    const char *text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    text = pl_nul_json(q->pool, text, len, &len);      /* a NUL read back: "\u0000" */
    json_answer_head(q, status, len);
    if (!r->header_only) ap_rwrite(text, (int)len, r);
    json_object_put(body);
    pl_memory_after_answer(len);
    return OK;
}

static apr_status_t jw_cleanup(void *w)
{
    pl_jw_free(w);
    return APR_SUCCESS;
}

pl_jw *pl_jw_new(pl_req *q, size_t hint)
{
    pl_jw *w = apr_palloc(q->pool, sizeof(*w));
    pl_jw_init(w, hint);
    apr_pool_cleanup_register(q->pool, w, jw_cleanup, apr_pool_cleanup_null);
    return w;
}

int pl_send_jw(pl_req *q, int status, pl_jw *w)
{
    request_rec *r = q->r;
    size_t len;
    /* the writer wrote each NUL mark as "\u0000" itself (jsonw.h) */
    char *text = pl_jw_take(w, &len);
    if (!text) return pl_error(q, 500, NULL, "The response could not be written.");
    json_answer_head(q, status, len);
    if (!r->header_only) {
        /* the buffer goes down the filters as it is: a heap bucket owns it
         * (free() when sent), so the core output filter does not copy it */
        apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_heap_create(text, len, free, bb->bucket_alloc));
        ap_pass_brigade(r->output_filters, bb);
        apr_brigade_cleanup(bb);
    }
    else free(text);
    pl_memory_after_answer(len);
    return OK;
}

/* The block pl_send_rendered writes and passes down at a time: the core
 * output filter writes it at once or sets it aside, and blocks while more
 * than 64 kB wait (THRESHOLD_MAX_BUFFER), so a request holds about two. */
#define STREAM_BLOCK (64 * 1024)

/* Answers up to this size are written once and kept (in the request pool)
 * while they are counted; larger ones are written a second time, to the
 * filters, so no request holds more than this of its answer. */
#define KEEP_WHOLE (1024 * 1024)

/* The first writing: counts, and keeps the blocks while the whole text
 * is at most KEEP_WHOLE. */
typedef struct first_pass {
    apr_pool_t *pool;
    apr_bucket_brigade *kept;
    size_t len;
    int too_long;
} first_pass;

static void count_and_keep(void *ctx, const char *text, size_t n)
{
    first_pass *f = ctx;
    f->len += n;
    if (f->too_long) return;
    if (f->len > KEEP_WHOLE) {
        f->too_long = 1;
        apr_brigade_cleanup(f->kept);
        return;
    }
    APR_BRIGADE_INSERT_TAIL(f->kept, apr_bucket_pool_create(apr_pmemdup(f->pool, text, n), n,
                                                           f->pool, f->kept->bucket_alloc));
}

typedef struct stream_out {
    request_rec *r;
    apr_bucket_brigade *bb;
    int failed;                 /* the client went away: the rest is counted only */
} stream_out;

static void to_filters(void *ctx, const char *text, size_t n)
{
    stream_out *s = ctx;
    if (s->failed) return;
    /* transient: written now, or copied by the core when it sets it aside */
    APR_BRIGADE_INSERT_TAIL(s->bb, apr_bucket_transient_create(text, n, s->bb->bucket_alloc));
    if (ap_pass_brigade(s->r->output_filters, s->bb) != APR_SUCCESS) s->failed = 1;
    apr_brigade_cleanup(s->bb);
}

int pl_send_rendered(pl_req *q, int status, pl_render_fn render, void *ctx)
{
    request_rec *r = q->r;
    pl_jw w;
    size_t len, sent;
    first_pass f;
    f.pool = r->pool;
    f.kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    f.len = 0;
    f.too_long = 0;
    pl_jw_init_sink(&w, STREAM_BLOCK, count_and_keep, &f);
    render(&w, ctx);
    len = pl_jw_finish(&w);
    pl_jw_free(&w);
    if (len == (size_t)-1) return pl_error(q, 500, NULL, "The response could not be written.");
    json_answer_head(q, status, len);
    if (!r->header_only && !f.too_long)
        ap_pass_brigade(r->output_filters, f.kept);     /* a client gone is not our error */
    else if (!r->header_only) {
        stream_out s;
        s.r = r;
        s.bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
        s.failed = 0;
        pl_jw_init_sink(&w, STREAM_BLOCK, to_filters, &s);
        render(&w, ctx);
        sent = pl_jw_finish(&w);
        pl_jw_free(&w);
        if (sent != len)        /* cannot be: render wrote something else the second time */
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PL_LOGNO(870) "%s the answer's second "
                          "writing gave %" APR_SIZE_T_FMT " bytes, not %" APR_SIZE_T_FMT,
                          q->request_id, sent, len);
    }
    pl_memory_after_answer(len);
    return OK;
}

int pl_send_empty(pl_req *q, int status)
{
    request_rec *r = q->r;
    pl_add_version_headers(q, 1);
    r->status = status;
    r->content_type = NULL;
    ap_set_content_length(r, 0);
    /* 204 must not carry a Content-Type: drop any default the core adds */
    apr_table_unset(r->headers_out, "Content-Type");
    return OK;
}

void pl_set_last_modified(pl_req *q, apr_time_t t)
{
    char *date;
    if (!PL_MV_GE(q, 1, 15)) return;
    if (!t) t = apr_time_now();
    date = apr_palloc(q->pool, APR_RFC822_DATE_LEN);
    apr_rfc822_date(date, t);
    apr_table_setn(q->r->headers_out, "last-modified", date);
    apr_table_setn(q->r->headers_out, "cache-control", "no-cache");
}

/* Request bodies ------------------------------------------------------- */

static int read_body(pl_req *q, const char **out, apr_size_t *outlen)
{
    request_rec *r = q->r;
    apr_off_t cap = q->conf->max_body_size;
    apr_size_t len = 0, size = 8192;
    char *buf;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return pl_fail(q, 400, NULL, "The request body could not be read.");
    if (r->remaining > cap)
        return pl_fail(q, 413, NULL, "Request body is larger than %" APR_OFF_T_FMT " bytes.",
                       cap);
    buf = apr_palloc(q->pool, size + 1);
    if (ap_should_client_block(r)) {
        for (;;) {
            if (len == size) {
                char *bigger;
                if ((apr_off_t)size >= cap + 1)
                    return pl_fail(q, 413, NULL, "Request body is larger than %"
                                   APR_OFF_T_FMT " bytes.", cap);
                bigger = apr_palloc(q->pool, size * 2 + 1);
                memcpy(bigger, buf, len);
                buf = bigger;
                size *= 2;
            }
            n = ap_get_client_block(r, buf + len, size - len);
            if (n < 0) return pl_fail(q, 400, NULL, "The request body could not be read.");
            if (n == 0) break;
            len += n;
            if ((apr_off_t)len > cap)
                return pl_fail(q, 413, NULL, "Request body is larger than %" APR_OFF_T_FMT
                               " bytes.", cap);
        }
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return PL_OK;
}

int pl_validate(pl_req *q, json_object *doc, const char *schema, const char *prefix)
{
    const pl_schema *s = pl_schema_lookup(schema);
    const pl_schema_error *e;
    if (!s) return pl_fail(q, 500, NULL, "Request schema %s is not loaded.", schema);
    e = pl_schema_validate(q->pool, s, doc);
    if (!e) return PL_OK;
    return pl_fail(q, 400, NULL, "%s%s", prefix, e->full);
}

int pl_validate_query(pl_req *q, const char *schema)
{
    /* dict(req.GET): keys in first-seen order, each with its last value */
    json_object *doc = json_object_new_object();
    const apr_array_header_t *a = apr_table_elts(q->query);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    int i, rv;
    for (i = 0; i < a->nelts; i++) {
        size_t n;
        const char *v = pl_nul_unmark(q->pool, e[i].val, &n);
        json_object_object_add(doc, e[i].key, json_object_new_string_len(v, (int)n));
    }
    rv = pl_validate(q, doc, schema, "Invalid query string parameters: ");
    json_object_put(doc);
    return rv;
}

json_object *pl_read_json(pl_req *q, const char *schema)
{
    const char *body = NULL;
    apr_size_t len = 0;
    json_tokener *tok;
    json_object *doc;
    enum json_tokener_error jerr;
    const char *msg;

    if (pl_check_json_type(q) != PL_OK) return NULL;
    if (read_body(q, &body, &len) != PL_OK) return NULL;

    /* Valid or not is Python's call (json.loads of the UTF-8 text: NaN and
     * Infinity are fine, a literal tab in a string, \f as space or invalid
     * UTF-8 are not), with its exact message; json-c only builds the
     * document (it accepts every text Python does, 68,000 fuzzed: see
     * t/unit/pyjson_compare.py; but integers beyond 64 bits saturate where
     * Python keeps them, and an escaped lone surrogate becomes U+FFFD).
     * Nesting Python refuses is its RecursionError, which upstream does
     * not catch (a 500 there): the client's fault, so a 400 here. */
    msg = pl_pyjson_error(q->pool, body, len);
    if (msg) {
        pl_fail(q, 400, NULL, "Malformed JSON: %s", msg);
        return NULL;
    }
    /* What json-c would cut or change (a NUL ends its C strings and keys,
     * a lone surrogate becomes U+FFFD), and more containers than the
     * request's budget. */
    msg = pl_refused_json(q->pool, body, len, PL_JSON_MAX_CONTAINERS);
    if (msg) {
        pl_fail(q, 400, NULL, "JSON not accepted: %s", msg);
        return NULL;
    }

    tok = json_tokener_new_ex(PL_PYJSON_MAX_DEPTH + 1);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    doc = json_tokener_parse_ex(tok, body, (int)len);
    jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) {
        /* a bare number at the end of the body: the terminator ends it */
        doc = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    if (jerr != json_tokener_success) {
        /* Python accepted it, json-c did not: nothing known reaches here
         * (t/unit/pyjson_compare.py); say what json-c says. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PL_LOGNO(620)
                      "%s json-c refuses a body Python accepts: %s", q->request_id,
                      json_tokener_error_desc(jerr));
        if (doc) json_object_put(doc);
        doc = NULL;
        pl_fail(q, 400, NULL, "Malformed JSON: %s", json_tokener_error_desc(jerr));
    }
    json_tokener_free(tok);
    if (!doc) {
        /* a body of "null" parses to NULL with success: validated as None */
        if (q->failure.status == 0
            && (!schema || pl_validate(q, NULL, schema, "JSON does not validate: ") == PL_OK))
            pl_fail(q, 400, NULL, "JSON does not validate: None is not of type 'object'");
        return NULL;
    }
    /* The document lives as long as the request. */
    apr_pool_cleanup_register(q->pool, doc, (apr_status_t (*)(void *))json_object_put,
                              apr_pool_cleanup_null);
    if (schema && pl_validate(q, doc, schema, "JSON does not validate: ") != PL_OK)
        return NULL;
    pl_json_mark_nuls(q->pool, doc);
    return doc;
}

/* Query strings -------------------------------------------------------- */

static char *form_decode_n(apr_pool_t *p, const char *s, size_t n, size_t *outlen);

/* a key or value as the handlers see it: a NUL as PL_NUL_MARK */
static const char *form_decode(apr_pool_t *p, const char *s, size_t n)
{
    size_t len;
    char *t = form_decode_n(p, s, n, &len);
    return pl_nul_mark(p, t, len);
}

const char *pl_query_decode_error(apr_pool_t *p, const char *args)
{
    const char *s = args;
    while (s && *s) {
        const char *amp = s + strcspn(s, "&;");
        const char *eq = memchr(s, '=', amp - s);
        size_t len;
        char *text = form_decode_n(p, s, (eq ? eq : amp) - s, &len);
        const char *err = pl_utf8_decode_error(p, text, len);
        if (!err && eq) {
            text = form_decode_n(p, eq + 1, amp - eq - 1, &len);
            err = pl_utf8_decode_error(p, text, len);
        }
        if (err) return err;
        s = *amp ? amp + 1 : NULL;
    }
    return NULL;
}

const char *pl_query_refused(apr_pool_t *p, const char *args)
{
    const char *s = args;
    while (s && *s) {
        const char *amp = s + strcspn(s, "&;");
        size_t len;
        char *text = form_decode_n(p, s, amp - s, &len);
        const char *why = pl_refused_text(p, text, len);
        if (why) return why;
        s = *amp ? amp + 1 : NULL;
    }
    return NULL;
}

static char *form_decode_n(apr_pool_t *p, const char *s, size_t n, size_t *outlen)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '+') *o++ = ' ';
        else if (s[i] == '%' && i + 2 < n && apr_isxdigit(s[i + 1])
                 && apr_isxdigit(s[i + 2])) {
            char hex[3] = { s[i + 1], s[i + 2], 0 };
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        else *o++ = s[i];
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

apr_table_t *pl_parse_query(apr_pool_t *p, const char *args)
{
    apr_table_t *t = apr_table_make(p, 8);
    const char *s = args;
    while (s && *s) {
        const char *amp = s + strcspn(s, "&;");
        const char *eq = memchr(s, '=', amp - s);
        if (amp > s) {
            if (eq)
                apr_table_add(t, form_decode(p, s, eq - s), form_decode(p, eq + 1, amp - eq - 1));
            else
                apr_table_add(t, form_decode(p, s, amp - s), "");
        }
        s = *amp ? amp + 1 : NULL;
    }
    return t;
}

typedef struct { const char *key; const char *last; apr_array_header_t *all; } qscan;

static int scan_one(void *data, const char *key, const char *value)
{
    qscan *s = data;
    if (strcmp(key, s->key) == 0) {
        s->last = value;
        if (s->all) *(const char **)apr_array_push(s->all) = value;
    }
    return 1;
}

const char *pl_query_last(pl_req *q, const char *key)
{
    qscan s = { key, NULL, NULL };
    apr_table_do(scan_one, &s, q->query, NULL);
    return s.last;
}

apr_array_header_t *pl_query_all(pl_req *q, const char *key)
{
    qscan s = { key, NULL, apr_array_make(q->pool, 2, sizeof(const char *)) };
    apr_table_do(scan_one, &s, q->query, NULL);
    return s.all;
}

const char *pl_url(pl_req *q, const char *fmt, ...)
{
    va_list ap;
    const char *path;
    va_start(ap, fmt);
    path = apr_pvsprintf(q->pool, fmt, ap);
    va_end(ap);
    return apr_pstrcat(q->pool, q->prefix, path, NULL);
}

json_object *pl_json_str(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

json_object *pl_json_double(double d)
{
    char buf[64];
    pl_format_pyfloat(buf, sizeof(buf), d);
    return json_object_new_double_s(d, buf);
}
