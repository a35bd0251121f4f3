/* Placement's HTTP dialect: JSON responses, upstream's error bodies,
 * request bodies and query strings. */
#ifndef PL_HTTP_H
#define PL_HTTP_H

#include "placement.h"
#include "jsonw.h"
#include "db.h"

/* Record a failure (not sent yet); returns PL_FAIL.  code may be NULL
 * (placement.undefined_code from 1.23). */
int pl_fail(pl_req *q, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* upstream's NotFound trap, raised outside its handlers: 404 without the
 * vary header.  Records it; returns PL_FAIL. */
int pl_fail_not_found(pl_req *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a database failure (db.h's pl_db_error) with the status and
 * code it answers as; returns PL_FAIL.  The only place those are chosen. */
int pl_fail_db(pl_req *q, pl_db_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether the recorded failure is a conflict with another writer
 * (pl_fail_db's PL_DBE_CONFLICT), the outcome the write steps decide on,
 * whatever status it answers as. */
int pl_failed_conflict(const pl_req *q);
/* Whether the recorded failure is the server's (5xx), not an answer to
 * the client's request. */
int pl_failed_server_side(const pl_req *q);
/* Send the recorded failure; returns what a handler returns. */
int pl_send_failure(pl_req *q);
/* pl_fail + pl_send_failure. */
int pl_error(pl_req *q, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Send body (consumed: json_object_put) with status; returns OK. */
int pl_send_json(pl_req *q, int status, json_object *body);
/* A streaming writer for a large answer (jsonw.h), its buffer freed with
 * the request unless pl_send_jw sends it. */
pl_jw *pl_jw_new(pl_req *q, size_t hint);
/* Send what w wrote with status as application/json; returns OK (a 500
 * when the writer failed: out of memory, unbalanced). */
int pl_send_jw(pl_req *q, int status, pl_jw *w);
/* An answer that may be large, written by render into w (ctx its data):
 * render runs once, counting and keeping the text while it is at most
 * 1 MB; beyond that, a second time with the text going down the output
 * filters in blocks of 64 kB as it is written.  So the Content-Length is
 * sent as before and no more than 1 MB of the text is held.  render must write
 * the same text both times and allocate nothing per run from the request's
 * pools.  Sends with status as application/json; returns OK (a 500 when
 * the writer failed: out of memory, unbalanced). */
typedef void (*pl_render_fn)(pl_jw *w, void *ctx);
int pl_send_rendered(pl_req *q, int status, pl_render_fn render, void *ctx);
/* Send a status without a body and without Content-Type (204). */
int pl_send_empty(pl_req *q, int status);
/* From 1.15: last-modified (t, or now when 0) and cache-control: no-cache. */
void pl_set_last_modified(pl_req *q, apr_time_t t);
/* Header echoing the microversion (and vary), added to every normal reply. */
void pl_add_version_headers(pl_req *q, int with_vary);

/* The best quality Accept gives media ("application/json"), matching it,
 * "application/" + "*" or the match-all range; 1 without a header, 0 when
 * nothing matches. */
double pl_accept_quality(apr_pool_t *p, const char *accept, const char *media);
/* upstream's require_content: PL_OK, or PL_FAIL with 415 recorded when the
 * body is not application/json (parameters ignored). */
int pl_check_json_type(pl_req *q);

/* Read a JSON body: 415 when not application/json, 413 over the size cap,
 * 400 "Malformed JSON", and when schema is given, 400 "JSON does not
 * validate".  NULL with a recorded failure on error. */
json_object *pl_read_json(pl_req *q, const char *schema);
/* (The document belongs to the request: never json_object_put() it.) */
/* Validate a document against a named schema; PL_OK or PL_FAIL with
 * 400 "<prefix><python jsonschema message>" recorded. */
int pl_validate(pl_req *q, json_object *doc, const char *schema, const char *prefix);

/* upstream's validate_query_params: the query as a dict (each key's last
 * value) against a schema; 400 "Invalid query string parameters: ..." */
int pl_validate_query(pl_req *q, const char *schema);

/* Query string: last value of key (NULL if absent), or all values. */
const char *pl_query_last(pl_req *q, const char *key);
apr_array_header_t *pl_query_all(pl_req *q, const char *key);
apr_table_t *pl_parse_query(apr_pool_t *p, const char *args);

/* prefix + path, for Location headers and links. */
const char *pl_url(pl_req *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* json helpers */
json_object *pl_json_str(const char *s);            /* NULL -> JSON null */
json_object *pl_json_double(double d);              /* Python float repr */
/* Webob's rendering of an error detail: the status explanation, then the
 * detail, with tags stripped as webob's json formatter does. */
const char *pl_error_detail(pl_req *q, int status, const char *detail);
/* The error body of the recorded failure in the format the Accept header
 * picks (JSON, HTML or plain text, as webob); also sets its headers. */
const char *pl_failure_body(pl_req *q, const char **content_type);
const char *pl_status_explanation(int status);
/* Webob's status titles. */
const char *pl_status_title(int status);

/* The first surrogate (pl_refused_text) in percent-encoded text (a query
 * string, a path) once decoded, or NULL. */
const char *pl_query_refused(apr_pool_t *p, const char *args);
/* The first key or value of a query string that is not UTF-8, as Python's
 * decoder words it (from the bytes sent: a NUL is no error), or NULL. */
const char *pl_query_decode_error(apr_pool_t *p, const char *args);

#endif
