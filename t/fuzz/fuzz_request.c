/*
 * libFuzzer target for a request body's path, as pl_read_json (http.c)
 * runs it: Python's verdict (pl_pyjson_error), the refused text and
 * container budget (pl_refused_json), json-c's parse with the depth
 * limit, then validation against one of the request schemas with the full
 * error text (pformat, reprs), and the handlers' view of strings (a NUL
 * is carried as PL_NUL_MARK and comes back as sent: pl_json_mark_nuls,
 * pl_nul_mark, pl_nul_unmark).  The first byte picks the schema
 * (schema/json, sorted by name); the rest is the body.  Cost is bounded
 * too: libFuzzer's -malloc_limit_mb / -rss_limit_mb catch a body that
 * costs far more than itself.
 *
 * Build and run with libFuzzer (from the top of the tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I mod_placement \
 *       -DPL_SCHEMA_DIR="\"$PWD/schema/json\"" \
 *       $(pkg-config --cflags apr-1 json-c libpcre2-8) t/fuzz/fuzz_request.c \
 *       mod_placement/pyjson_error.c mod_placement/strutil.c mod_placement/schemas.c \
 *       mod_placement/jsonschema.c mod_placement/jsonschema_validate.c mod_placement/pyrepr.c \
 *       $(pkg-config --libs apr-1 json-c libpcre2-8) -lm -o /tmp/fuzz_request
 *   /tmp/fuzz_request -max_len=65536 -malloc_limit_mb=512 -max_total_time=600 \
 *       t/fuzz/corpus-request
 * t/run-tests replays the corpus with mutations through t/fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include "pyjson_error.h"
#include "pyrepr.h"
#include "schemas.h"
#include "strutil.h"

#ifndef PL_SCHEMA_DIR
#define PL_SCHEMA_DIR "schema/json"
#endif

static apr_pool_t *root;
static apr_array_header_t *names;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The schemas live as long as the process, as in httpd; freed at exit so
 * LeakSanitizer's final check (which cannot see into APR's mmapped pool
 * blocks) reports only what an input leaked. */
static void teardown(void)
{
    apr_pool_destroy(root);
    apr_terminate();
}

static void setup(void)
{
    char *err = NULL;
    apr_dir_t *d;
    apr_finfo_t fi;
    const char *dir = getenv("PL_SCHEMA_DIR") ? getenv("PL_SCHEMA_DIR") : PL_SCHEMA_DIR;
    apr_initialize();
    apr_pool_create(&root, NULL);
    atexit(teardown);
    if (pl_schemas_load(root, dir, &err) != 0) {
        fprintf(stderr, "schemas: %s\n", err);
        abort();
    }
    names = apr_array_make(root, 64, sizeof(const char *));
    if (apr_dir_open(&d, dir, root) != APR_SUCCESS) abort();
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        size_t n = strlen(fi.name);
        if (n > 5 && !strcmp(fi.name + n - 5, ".json"))
            APR_ARRAY_PUSH(names, const char *) = apr_pstrndup(root, fi.name, n - 5);
    }
    apr_dir_close(d);
    qsort(names->elts, names->nelts, sizeof(const char *), cmp);
    if (!names->nelts) abort();
}

/* Every string of a document as handlers get it (pl_json_mark_nuls after
 * validation): a C string whose NULs are PL_NUL_MARK, which the database
 * binding and the answer (pl_nul_unmark) turn back into the bytes sent. */
static void check_strings(apr_pool_t *p, json_object *v)
{
    size_t i, n;
    switch (json_object_get_type(v)) {
    case json_type_string: {
        const char *s = json_object_get_string(v), *m, *back;
        size_t len = (size_t)json_object_get_string_len(v), blen;
        m = pl_nul_mark(p, s, len);
        if (strlen(m) < len) abort();                   /* cut at a NUL */
        back = pl_nul_unmark(p, m, &blen);
        if (blen != len || memcmp(back, s, len)) abort();  /* not what was sent */
        break;
    }
    case json_type_array:
        n = json_object_array_length(v);
        for (i = 0; i < n; i++) check_strings(p, json_object_array_get_idx(v, i));
        break;
    case json_type_object: {
        json_object_object_foreach(v, k, val) {
            (void)k;
            check_strings(p, val);
        }
        break;
    }
    default:
        break;
    }
}

/* After pl_json_mark_nuls no string holds a NUL byte. */
static void check_marked(json_object *v)
{
    size_t i, n;
    switch (json_object_get_type(v)) {
    case json_type_string:
        if (memchr(json_object_get_string(v), 0, (size_t)json_object_get_string_len(v)))
            abort();
        break;
    case json_type_array:
        n = json_object_array_length(v);
        for (i = 0; i < n; i++) check_marked(json_object_array_get_idx(v, i));
        break;
    case json_type_object: {
        json_object_object_foreach(v, k, val) {
            (void)k;
            check_marked(val);
        }
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *body, *name;
    size_t len;
    json_tokener *tok;
    json_object *doc;
    const pl_schema *s;

    if (!root) setup();
    if (size < 1) return 0;
    apr_pool_create(&p, root);
    name = APR_ARRAY_IDX(names, data[0] % names->nelts, const char *);
    body = apr_pstrmemdup(p, (const char *)data + 1, size - 1);
    len = size - 1;
    s = pl_schema_lookup(name);
    if (!s) abort();

    if (pl_pyjson_error(p, body, len) || pl_refused_json(p, body, len, PL_JSON_MAX_CONTAINERS)) {
        apr_pool_destroy(p);
        return 0;
    }
    tok = json_tokener_new_ex(PL_PYJSON_MAX_DEPTH + 1);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    doc = json_tokener_parse_ex(tok, body, (int)len);
    if (json_tokener_get_error(tok) == json_tokener_continue)
        doc = json_tokener_parse_ex(tok, "", 1);
    if (json_tokener_get_error(tok) == json_tokener_success) {
        const pl_schema_error *e = pl_schema_validate(p, s, doc);
        if (e && (!e->message || !e->full)) abort();
        /* an error text costs a bounded multiple of the repr limit */
        if (e && strlen(e->full) > 16 * PL_REPR_MAX + 4 * len + 65536) abort();
        check_strings(p, doc);
        pl_json_mark_nuls(p, doc);
        check_marked(doc);
    }
    if (doc) json_object_put(doc);
    json_tokener_free(tok);
    apr_pool_destroy(p);
    return 0;
}
