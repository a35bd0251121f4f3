/*
 * libFuzzer target for the parsers of untrusted request text other than
 * policy: JSON bodies (pl_pyjson_error), query values (qparams), the
 * microversion header, query-string decoding checks and route matching.
 * The first byte picks the parser; the rest is its input.
 *
 * Build and run with libFuzzer (from the top of the tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I mod_placement \
 *       $(pkg-config --cflags apr-1 json-c libpcre2-8) t/fuzz/fuzz_parsers.c \
 *       mod_placement/pyjson_error.c mod_placement/qparams.c \
 *       mod_placement/microversion.c mod_placement/strutil.c mod_placement/route.c \
 *       mod_placement/jsonschema.c mod_placement/jsonschema_validate.c mod_placement/pyrepr.c \
 *       $(pkg-config --libs apr-1 json-c libpcre2-8) -lm -o /tmp/fuzz_parsers
 *   /tmp/fuzz_parsers -max_total_time=300 t/fuzz/corpus-parsers
 * t/run-tests replays the corpus with mutations through t/fuzz/replay.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "microversion.h"
#include "pyjson_error.h"
#include "qparams.h"
#include "route.h"
#include "strutil.h"
#include "fuzz_input.h"

static int h(pl_req *q) { (void)q; return 0; }
static const pl_route routes[] = {
    {"GET", "/", h, NULL, 0, 0, 0},
    {"GET", "/resource_providers/{uuid}/inventories/{resource_class}", h, "x", 0, 0, 0},
    {"PUT", "/resource_classes/{name}", h, "y", PL_V(1, 7), 0, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *text;
    const char *err = NULL, *out = NULL;
    int v;
    if (!(p = fuzz_input(data, size, &text))) return 0;

    switch (data[0] % 8) {
    case 0:
        pl_pyjson_error(p, (const char *)data + 1, size - 1);
        break;
    case 1: {
        apr_array_header_t *a;
        pl_qp_resources(p, text, &a, &err);
        break;
    }
    case 2: {
        pl_qp_traits t;
        apr_array_header_t *vals = apr_array_make(p, 2, sizeof(const char *));
        memset(&t, 0, sizeof(t));
        *(const char **)apr_array_push(vals) = text;
        *(const char **)apr_array_push(vals) = text;
        pl_qp_required(p, vals, PL_V(1, 39), &t, &err);
        break;
    }
    case 3: {
        pl_qp_aggs a;
        apr_array_header_t *vals = apr_array_make(p, 1, sizeof(const char *));
        memset(&a, 0, sizeof(a));
        *(const char **)apr_array_push(vals) = text;
        pl_qp_member_of(p, vals, "1", PL_V(1, 39), &a, &err);
        break;
    }
    case 4:
        pl_qp_in_tree(p, text, &out, &err);
        break;
    case 5:
        pl_mv_parse(p, text, &v, &err);
        break;
    case 6:
        pl_utf8_decode_error(p, (const char *)data + 1, size - 1);
        pl_strip_tags(p, text);
        break;
    default: {
        pl_route_match m;
        pl_route_find(p, routes, sizeof(routes) / sizeof(routes[0]), "GET", text,
                      PL_V(1, 39), &m);
        break;
    }
    }
    apr_pool_destroy(p);
    return 0;
}
