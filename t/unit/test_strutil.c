/* Upstream-exact string helpers: webob tag stripping, Python float repr. */
#include "strutil.h"
#include "pyrepr.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <json-c/json.h>
#include <string.h>

static void float_is(double d, const char *want)
{
    char buf[64];
    pl_format_pyfloat(buf, sizeof(buf), d);
    is_str(buf, want, "repr(%.17g)", d);
}

int main(void)
{
    apr_pool_t *p;
    apr_initialize();
    apr_pool_create(&p, NULL);

    is_str(pl_strip_tags(p, "The resource could not be found.<br /><br />\nNo thing\n\n"),
           "The resource could not be found.\n\n No thing  ", "webob default template");
    is_str(pl_strip_tags(p, "a <b>bold</b> <!-- c --> d\r\n"), "a bold  d ", "tags stripped");
    is_str(pl_strip_tags(p, "x < y"), "x < y", "a lone < stays");
    float_is(16.0, "16.0");
    float_is(1.5, "1.5");
    float_is(0.1, "0.1");
    float_is(1.0 / 3, "0.3333333333333333");
    float_is(1e16, "1e+16");
    float_is(123456789012345.0, "123456789012345.0");
    float_is(0.0001, "0.0001");
    /* Python's 17 significant digits, not 17 decimals */
    float_is(0.00087756041739339707, "0.0008775604173933971");
    float_is(-0.0, "-0.0");
    float_is(0.00001, "1e-05");
    float_is(-2.5, "-2.5");
    is_int(pl_parse_db_time("2026-11-24 23:12:10"), 1795561930LL * 1000000, "db time");
    {
        const char *ascii = "6984bb2d-830d-4c8d-ac64-c5a8103664be";
        ok(pl_latin1_to_utf8(p, ascii) == ascii, "latin-1: ASCII returned as is");
        is_str(pl_latin1_to_utf8(p, "\xe2\x98\x83"), "\xc3\xa2\xc2\x98\xc2\x83",
               "latin-1: UTF-8 snowman is three characters, as WSGI reads it");
        is_str(pl_latin1_to_utf8(p, "A\xff" "B"), "A\xc3\xbf" "B", "latin-1: lone 0xFF is U+00FF");
        is_str(pl_latin1_to_utf8(p, ""), "", "latin-1: empty");
    }
    is_str(pl_utf8_decode_error(p, "caf\xc3\xa9", 5), NULL, "valid UTF-8");
    is_str(pl_utf8_decode_error(p, "ab\xff", 3),
           "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte",
           "invalid start byte");
    is_str(pl_utf8_decode_error(p, "\xe2\x98", 2),
           "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data",
           "truncated sequence");
    is_str(pl_utf8_decode_error(p, "\xc3(", 2),
           "'utf-8' codec can't decode byte 0xc3 in position 0: invalid continuation byte",
           "invalid continuation byte");
    is_str(pl_utf8_decode_error(p, "\xed\xa0\x80", 3),
           "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte",
           "surrogates are refused");
    {
        const char *good = "caf\xc3\xa9";
        ok(pl_utf8_repair(p, good) == good, "repair: valid UTF-8 returned as is");
        is_str(pl_utf8_repair(p, "1.\xff"), "1.\xc3\xbf", "repair: 0xff is U+00FF");
        is_str(pl_utf8_repair(p, "\xc3\xa9\xe2\x98"), "\xc3\xa9\xc3\xa2\xc2\x98",
               "repair: a valid sequence kept, a truncated one read as latin-1");
        is_str(pl_utf8_repair(p, "a\xc0\x80\xff"), "a\xc0\x80\xc3\xbf", "repair: the NUL mark stays");
    }
    {   /* U+0000 inside the module: PL_NUL_MARK, and back at the edges */
        size_t n;
        const char *plain = "abc", *m;
        ok(pl_nul_mark(p, plain, 3) == plain, "mark: no NUL, returned as is");
        m = pl_nul_mark(p, "a\0b\0", 4);
        is_str(m, "a\xc0\x80" "b\xc0\x80", "mark: each NUL as C0 80");
        m = pl_nul_unmark(p, m, &n);
        ok(n == 4 && !memcmp(m, "a\0b\0", 4), "unmark: the bytes back, length 4");
        ok(pl_nul_unmark(p, plain, &n) == plain && n == 3, "unmark: no mark, as is");
        m = "{\"a\":\"x\xc0\x80y\"}";
        m = pl_nul_json(p, m, strlen(m), &n);
        is_str(m, "{\"a\":\"x\\u0000y\"}", "json: the mark as \\u0000");
        ok(n == strlen(m), "json: its length");
        is_str(pl_refused_text(p, "a\0b", 3), NULL, "a NUL in text is not refused");
        is_str(pl_refused_text(p, "a\xed\xa0\x80", 4), "U+D800 at position 1", "a surrogate is");
        is_str(pl_refused_json(p, "{\"a\": \"x\\u0000y\"}", 18, 100), NULL,
               "json: a NUL in a value is not refused");
        is_str(pl_refused_json(p, "{\"a\\u0000b\" : 1}", 17, 100),
               "U+0000 (\\u0000) in an object key at char 3", "json: in a key it is");
        is_str(pl_refused_json(p, "[\"a\\u0000\", \"\\ud800\"]", 20, 100),
               "U+D800 (\\ud800) at char 13", "json: a lone surrogate still is");
        {
            json_object *d = json_tokener_parse("{\"k\": [\"a\\u0000b\", \"c\"], \"n\": 1}");
            json_object *a, *s0;
            pl_json_mark_nuls(p, d);
            json_object_object_get_ex(d, "k", &a);
            s0 = json_object_array_get_idx(a, 0);
            is_str(json_object_get_string(s0), "a\xc0\x80" "b", "document: strings marked");
            ok(json_object_get_string_len(s0) == 4, "document: as a C string of 4 bytes");
            json_object_put(d);
        }
    }
    {
        /* pl_add_unique: the same answers with a hash of what is held and
         * with a scan of the array */
        apr_hash_t *seen = apr_hash_make(p);
        apr_array_header_t *a = apr_array_make(p, 2, sizeof(const char *));
        apr_array_header_t *b = apr_array_make(p, 2, sizeof(const char *));
        const char *in[] = {"HW_CPU_X86_AVX2", "CUSTOM_FOO", "HW_CPU_X86_AVX2", "CUSTOM_FOO", "x", ""};
        int i;
        for (i = 0; i < 6; i++) {
            pl_add_unique(seen, a, in[i]);
            pl_add_unique(NULL, b, apr_pstrdup(p, in[i]));   /* equal text, other pointer */
        }
        is_int(a->nelts, 4, "add_unique with a hash: duplicates left out");
        is_int(b->nelts, 4, "add_unique by scan: duplicates compared by text");
        is_str(pl_join(p, (const char *const *)a->elts, a->nelts, ","),
               "HW_CPU_X86_AVX2,CUSTOM_FOO,x,", "add_unique keeps first-seen order");
        is_str(pl_join(p, (const char *const *)b->elts, b->nelts, ","),
               "HW_CPU_X86_AVX2,CUSTOM_FOO,x,", "add_unique by scan: same order");
    }
    {
        const char *mixed = "6984BB2D-830D-4c8d-AC64-C5A8103664BE";
        char *low = pl_lower(p, mixed);
        is_str(low, "6984bb2d-830d-4c8d-ac64-c5a8103664be", "lower: A-Z lowered");
        ok(low != mixed && !strcmp(mixed, "6984BB2D-830D-4c8d-AC64-C5A8103664BE"),
           "lower: a copy, the input unchanged");
        is_str(pl_lower(p, "caf\xc3\x89 ZZ"), "caf\xc3\x89 zz", "lower: bytes past ASCII untouched");
    }
    return done_testing();
}
