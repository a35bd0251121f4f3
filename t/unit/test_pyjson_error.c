/* pl_pyjson_error: CPython 3.11 json.loads / UTF-8 decode error texts, as
 * upstream's "Malformed JSON: ..." shows them.  The expected texts were
 * produced by Python itself; t/unit/pyjson_compare.py fuzzes the rest. */
#include "pyjson_error.h"
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

#define T(body, want) check(body, sizeof(body) - 1, want)

static void check(const char *body, size_t len, const char *want)
{
    const char *got = pl_pyjson_error(pool, body, len);
    char *shown = apr_pstrndup(pool, body ? body : "(null)", body ? (len > 60 ? 60 : len) : 6);
    char *c;
    for (c = shown; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
    is_str(got, want, "%s", shown);
}

/* n copies of open, then tail */
static char *nest(const char *open, int n, const char *tail)
{
    size_t ol = strlen(open), tl = strlen(tail);
    char *b = apr_palloc(pool, ol * (size_t)n + tl + 1), *o = b;
    int i;
    for (i = 0; i < n; i++, o += ol) memcpy(o, open, ol);
    memcpy(o, tail, tl + 1);
    return b;
}

static char *repeat(char ch, size_t n)
{
    char *b = apr_palloc(pool, n + 1);
    memset(b, ch, n);
    b[n] = '\0';
    return b;
}

int main(void)
{
    char *b;
    apr_initialize();
    apr_pool_create(&pool, NULL);

    T("", "Expecting value: line 1 column 1 (char 0)");
    T("   ", "Expecting value: line 1 column 4 (char 3)");
    T("{}", NULL);
    T(" [ ] ", NULL);
    T("{\"a\":1,\"a\":2}", NULL);
    T("NaN", NULL);
    T("[Infinity,-Infinity,NaN]", NULL);
    T("1e999", NULL);
    T("-0", NULL);
    T("123456789012345678901234567890", NULL);
    T("\"\\ud800\"", NULL);
    T("\"\\u0000\"", NULL);
    T("\"\\ud83d\\ude00\"", NULL);
    T("{\"name\": \"\xc3""\xa9""t\xc3""\xa9"" \xe2""\x98""\x83"" \xf0""\x9f""\x98""\x80""\"}", NULL);
    /* 4300 bytes */
    T("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
    T("{\"name\"", "Expecting ':' delimiter: line 1 column 8 (char 7)");
    T("{\"name\":", "Expecting value: line 1 column 9 (char 8)");
    T("{\"name\": \"x\"", "Expecting ',' delimiter: line 1 column 13 (char 12)");
    T("{\"name\": \"x\",}", "Expecting property name enclosed in double quotes: line 1 column 14 (char 13)");
    T("{\"name\" \"x\"}", "Expecting ':' delimiter: line 1 column 9 (char 8)");
    T("{'name': 'x'}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
    T("{\"name\": \"x\" \"uuid\": 1}", "Expecting ',' delimiter: line 1 column 14 (char 13)");
    T("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)");
    T("[1,]", "Expecting value: line 1 column 4 (char 3)");
    T("[,1]", "Expecting value: line 1 column 2 (char 1)");
    T("{,}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
    T("{} x", "Extra data: line 1 column 4 (char 3)");
    T("{}\x0a""\x0a""  {}", "Extra data: line 3 column 3 (char 6)");
    T("{}\x0c""", "Extra data: line 1 column 3 (char 2)");
    T("\x0c""{}", "Expecting value: line 1 column 1 (char 0)");
    T("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)");
    T("\"a\\", "Unterminated string starting at: line 1 column 1 (char 0)");
    T("\"a\x01""b\"", "Invalid control character at: line 1 column 3 (char 2)");
    T("\"tab\x09""here\"", "Invalid control character at: line 1 column 5 (char 4)");
    T("\"\\q\"", "Invalid \\escape: line 1 column 2 (char 1)");
    T("\"\\x41\"", "Invalid \\escape: line 1 column 2 (char 1)");
    T("\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    T("\"\\u1234", "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    T("\"\\u12G4\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)");
    T("\"\\ud800\\u12G4\"", "Invalid \\uXXXX escape: line 1 column 9 (char 8)");
    T("\"\\ud800\\udc00", "Invalid \\uXXXX escape: line 1 column 9 (char 8)");
    T("nul", "Expecting value: line 1 column 1 (char 0)");
    T("True", "Expecting value: line 1 column 1 (char 0)");
    T("None", "Expecting value: line 1 column 1 (char 0)");
    T("-", "Expecting value: line 1 column 1 (char 0)");
    T("-Inf", "Expecting value: line 1 column 1 (char 0)");
    T("01", "Extra data: line 1 column 2 (char 1)");
    T("1.", "Extra data: line 1 column 2 (char 1)");
    T(".5", "Expecting value: line 1 column 1 (char 0)");
    T("1e", "Extra data: line 1 column 2 (char 1)");
    T("1e+", "Extra data: line 1 column 2 (char 1)");
    T("+1", "Expecting value: line 1 column 1 (char 0)");
    T("{\"a\": tru}", "Expecting value: line 1 column 7 (char 6)");
    T("[NaN, nan]", "Expecting value: line 1 column 7 (char 6)");
    T("{\x0a""  \"name\": \"x\",\x0a""  \"uuid\": \x0a""}", "Expecting value: line 4 column 1 (char 28)");
    T("{\x0a""  \"a\": 1\x0a""  \"b\": 2\x0a""}", "Expecting ',' delimiter: line 3 column 3 (char 13)");
    T("{\"\xc3""\xa9""\xe2""\x98""\x83""\": 1 x}", "Expecting ',' delimiter: line 1 column 10 (char 9)");
    T("[\"\xf0""\x9f""\x98""\x80""\", x]", "Expecting value: line 1 column 7 (char 6)");
    T("\xef""\xbb""\xbf""{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)");
    T("\xff""", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte");
    T("{\"a\": \"\xc3""\"}", "'utf-8' codec can't decode byte 0xc3 in position 7: invalid continuation byte");
    T("{\"a\": \"\xc3""", "'utf-8' codec can't decode byte 0xc3 in position 7: unexpected end of data");
    T("\xe2""\x82""", "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data");
    T("\xe2""\x82""(", "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte");
    T("\xed""\xa0""\x80""", "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte");
    T("\xc0""\x80""", "'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte");
    T("\xf0""\x90""\x80""", "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data");
    T("\xf0""\x90""\x80""(", "'utf-8' codec can't decode bytes in position 0-2: invalid continuation byte");
    T("\xf4""\x90""\x80""\x80""", "'utf-8' codec can't decode byte 0xf4 in position 0: invalid continuation byte");
    T("\xf5""", "'utf-8' codec can't decode byte 0xf5 in position 0: invalid start byte");
    T("\x80""", "'utf-8' codec can't decode byte 0x80 in position 0: invalid start byte");
    /* 4302 bytes */
    /* 5002 bytes */
    /* 5002 bytes */

    /* embedded NUL: a control character in a string, else not JSON */
    check("\"a\0\"", 4, "Invalid control character at: line 1 column 3 (char 2)");
    check("{}\0", 3, "Extra data: line 1 column 3 (char 2)");
    check(NULL, 0, "Expecting value: line 1 column 1 (char 0)");

    /* int()'s digit limit (sign not counted); floats have none */
    b = repeat('7', 4301);
    is_str(pl_pyjson_error(pool, b, 4301), "Exceeds the limit (4300 digits) for integer string "
           "conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase "
           "the limit", "4301-digit int");
    b = apr_pstrcat(pool, "[-", repeat('7', 5000), "}", NULL);
    is_str(pl_pyjson_error(pool, b, strlen(b)), "Exceeds the limit (4300 digits) for integer "
           "string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to "
           "increase the limit", "the limit comes before a later syntax error");
    b = apr_pstrcat(pool, "[", repeat('7', 4300), "}", NULL);
    is_str(pl_pyjson_error(pool, b, strlen(b)), "Expecting ',' delimiter: line 1 column 4302 "
           "(char 4301)", "4300 digits are fine");
    b = apr_pstrcat(pool, "1.", repeat('7', 5000), NULL);
    ok(pl_pyjson_error(pool, b, strlen(b)) == NULL, "long float");
    b = apr_pstrcat(pool, "1", repeat('0', 5000), "e1", NULL);
    ok(pl_pyjson_error(pool, b, strlen(b)) == NULL, "long mantissa with exponent is a float");

    /* nesting: upstream (under mod_wsgi) decodes 955 levels, not 956 */
    b = apr_pstrcat(pool, nest("[", PL_PYJSON_MAX_DEPTH, ""), repeat(']', PL_PYJSON_MAX_DEPTH),
                    NULL);
    ok(pl_pyjson_error(pool, b, strlen(b)) == NULL, "955 arrays deep");
    b = apr_pstrcat(pool, nest("[", PL_PYJSON_MAX_DEPTH + 1, ""),
                    repeat(']', PL_PYJSON_MAX_DEPTH + 1), NULL);
    is_str(pl_pyjson_error(pool, b, strlen(b)), "maximum recursion depth exceeded while "
           "decoding a JSON array from a unicode string", "956 arrays deep");
    b = nest("{\"a\":", PL_PYJSON_MAX_DEPTH, "{");
    is_str(pl_pyjson_error(pool, b, strlen(b)), "maximum recursion depth exceeded while "
           "decoding a JSON object from a unicode string", "956 objects deep");
    b = nest("{\"a\":", PL_PYJSON_MAX_DEPTH - 1, "[x");
    is_str(pl_pyjson_error(pool, b, strlen(b)), "Expecting value: line 1 column 4772 (char 4771)",
           "errors inside the limit are positional");
    b = nest("[", 2000000, "");
    is_str(pl_pyjson_error(pool, b, strlen(b)), "maximum recursion depth exceeded while "
           "decoding a JSON array from a unicode string", "two million brackets, no crash");
    b = apr_pstrcat(pool, "[", nest("1,", 300000, "x"), NULL);
    is_str(pl_pyjson_error(pool, b, strlen(b)), "Expecting value: line 1 column 600002 "
           "(char 600001)", "long but shallow");

    return done_testing();
}
