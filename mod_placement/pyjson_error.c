/* Upstream's "Malformed JSON: ..." texts.
 *
 * placement.util.extract_json calls oslo_serialization.jsonutils.loads,
 * which is json.loads(body.decode('utf-8')): invalid UTF-8 raises
 * UnicodeDecodeError, anything else json.loads refuses raises
 * JSONDecodeError (or int()'s digit limit ValueError), and placement puts
 * str(exc) after "Malformed JSON: ".  This file re-implements CPython
 * 3.11's strict UTF-8 decoder (Objects/stringlib/codecs.h) and the _json
 * accelerator's scanner (scan_once_unicode, scanstring_unicode,
 * _parse_object/_parse_array, _match_number) over the decoded code points,
 * keeping their index arithmetic, so that the first error found and its
 * position are Python's.  It builds nothing: it only decides. */
#include "pyjson_error.h"

#include <apr_strings.h>
#include <string.h>

typedef apr_uint32_t ucs4;

/* --- UTF-8, as bytes.decode('utf-8') ------------------------------------ */

#define CONT(b) (((b) & 0xC0) == 0x80)

/* Decodes s into *out; returns NULL or the UnicodeDecodeError's text. */
static const char *utf8_decode(apr_pool_t *p, const unsigned char *s, size_t n,
                               ucs4 **out, size_t *outn)
{
    ucs4 *u = apr_palloc(p, (n + 1) * sizeof(*u));
    size_t i = 0, k = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t rem = n - i, start, end;
        int bad;                 /* 1 invalid start, 2..4: continuation
                                  * error after bad-1 bytes, -1 end of data */
        const char *why;

        if (c < 0x80) {
            u[k++] = c;
            i++;
            continue;
        }
        if (c < 0xC2)
            bad = 1;
        else if (c < 0xE0) {
            if (rem < 2) bad = -1;
            else if (!CONT(s[i + 1])) bad = 2;
            else {
                u[k++] = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
                i += 2;
                continue;
            }
        }
        else if (c < 0xF0) {
            unsigned c2 = rem >= 2 ? s[i + 1] : 0;
            if (rem < 2) bad = -1;
            else if (!CONT(c2) || (c2 < 0xA0 ? c == 0xE0 : c == 0xED)) bad = 2;
            else if (rem < 3) bad = -1;
            else if (!CONT(s[i + 2])) bad = 3;
            else {
                u[k++] = ((c & 0x0F) << 12) | ((c2 & 0x3F) << 6) | (s[i + 2] & 0x3F);
                i += 3;
                continue;
            }
        }
        else if (c < 0xF5) {
            unsigned c2 = rem >= 2 ? s[i + 1] : 0;
            if (rem < 2) bad = -1;
            else if (!CONT(c2) || (c2 < 0x90 ? c == 0xF0 : c == 0xF4)) bad = 2;
            else if (rem < 3) bad = -1;
            else if (!CONT(s[i + 2])) bad = 3;
            else if (rem < 4) bad = -1;
            else if (!CONT(s[i + 3])) bad = 4;
            else {
                u[k++] = ((c & 0x07) << 18) | ((c2 & 0x3F) << 12)
                         | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3F);
                i += 4;
                continue;
            }
        }
        else
            bad = 1;

        start = i;
        if (bad == -1) {
            end = n;
            why = "unexpected end of data";
        }
        else if (bad == 1) {
            end = start + 1;
            why = "invalid start byte";
        }
        else {
            end = start + (size_t)bad - 1;
            why = "invalid continuation byte";
        }
        if (end == start + 1)
            return apr_psprintf(p, "'utf-8' codec can't decode byte 0x%02x in position %"
                                APR_SIZE_T_FMT ": %s", c, start, why);
        return apr_psprintf(p, "'utf-8' codec can't decode bytes in position %" APR_SIZE_T_FMT
                            "-%" APR_SIZE_T_FMT ": %s", start, end - 1, why);
    }
    *out = u;
    *outn = k;
    return NULL;
}

/* --- the scanner -------------------------------------------------------- */

typedef struct {
    apr_pool_t *p;
    const ucs4 *u;
    size_t n;
    int depth;
    const char *msg;    /* set on error */
    size_t pos;         /* JSONDecodeError position, when positional */
    int positional;     /* 0: msg is the whole text (ValueError, RecursionError) */
} scanner;

#define WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')
#define DIGIT(c) ((c) >= '0' && (c) <= '9')

static int fail(scanner *s, const char *msg, size_t pos)
{
    s->msg = msg;
    s->pos = pos;
    s->positional = 1;
    return -1;
}

/* StopIteration(idx), which decode turns into "Expecting value" at idx */
static int stop(scanner *s, size_t idx)
{
    return fail(s, "Expecting value", idx);
}

static size_t skip_ws(const scanner *s, size_t idx)
{
    while (idx < s->n && WS(s->u[idx])) idx++;
    return idx;
}

static int hexval(ucs4 d)
{
    if (d >= '0' && d <= '9') return (int)(d - '0');
    if (d >= 'a' && d <= 'f') return (int)(d - 'a' + 10);
    if (d >= 'A' && d <= 'F') return (int)(d - 'A' + 10);
    return -1;
}

/* scanstring_unicode: end is the index after the opening quote. */
static int scan_string(scanner *s, size_t end, size_t *next_end)
{
    const ucs4 *u = s->u;
    size_t len = s->n, begin = end - 1, next;

    for (;;) {
        ucs4 c = 0;
        for (next = end; next < len; next++) {
            c = u[next];
            if (c == '"' || c == '\\') break;
            if (c <= 0x1F) return fail(s, "Invalid control character at", next);
        }
        if (next >= len) return fail(s, "Unterminated string starting at", begin);
        next++;
        if (c == '"') {
            *next_end = next;
            return 0;
        }
        if (next == len) return fail(s, "Unterminated string starting at", begin);
        c = u[next];
        if (c != 'u') {
            end = next + 1;
            switch (c) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                break;
            default:
                return fail(s, "Invalid \\escape", end - 2);
            }
        }
        else {
            ucs4 v = 0;
            next++;
            end = next + 4;
            if (end >= len) return fail(s, "Invalid \\uXXXX escape", next - 1);
            for (; next < end; next++) {
                int h = hexval(u[next]);
                if (h < 0) return fail(s, "Invalid \\uXXXX escape", end - 5);
                v = (v << 4) | (ucs4)h;
            }
            if (v >= 0xD800 && v <= 0xDBFF && end + 6 < len
                && u[next] == '\\' && u[next + 1] == 'u') {
                ucs4 v2 = 0;
                next += 2;
                end += 6;
                for (; next < end; next++) {
                    int h = hexval(u[next]);
                    if (h < 0) return fail(s, "Invalid \\uXXXX escape", end - 5);
                    v2 = (v2 << 4) | (ucs4)h;
                }
                if (!(v2 >= 0xDC00 && v2 <= 0xDFFF)) end -= 6;
            }
        }
    }
}

/* int(): CPython 3.11's default sys.get_int_max_str_digits() */
#define PY_INT_MAX_STR_DIGITS 4300

/* _match_number_unicode */
static int scan_number(scanner *s, size_t start, size_t *next)
{
    const ucs4 *u = s->u;
    size_t idx = start, end_idx = s->n - 1;   /* s->n > start here */
    int is_float = 0;

    if (u[idx] == '-') {
        idx++;
        if (idx > end_idx) return stop(s, start);
    }
    if (u[idx] >= '1' && u[idx] <= '9') {
        idx++;
        while (idx <= end_idx && DIGIT(u[idx])) idx++;
    }
    else if (u[idx] == '0')
        idx++;
    else
        return stop(s, start);

    if (idx < end_idx && u[idx] == '.' && DIGIT(u[idx + 1])) {
        is_float = 1;
        idx += 2;
        while (idx <= end_idx && DIGIT(u[idx])) idx++;
    }
    if (idx < end_idx && (u[idx] == 'e' || u[idx] == 'E')) {
        size_t e_start = idx;
        idx++;
        if (idx < end_idx && (u[idx] == '-' || u[idx] == '+')) idx++;
        while (idx <= end_idx && DIGIT(u[idx])) idx++;
        if (DIGIT(u[idx - 1])) is_float = 1;
        else idx = e_start;
    }
    if (!is_float) {
        size_t digits = idx - start - (u[start] == '-');
        if (digits > PY_INT_MAX_STR_DIGITS) {
            s->positional = 0;
            s->msg = apr_psprintf(s->p, "Exceeds the limit (%d digits) for integer string "
                                  "conversion: value has %" APR_SIZE_T_FMT " digits; use "
                                  "sys.set_int_max_str_digits() to increase the limit",
                                  PY_INT_MAX_STR_DIGITS, digits);
            return -1;
        }
    }
    *next = idx;
    return 0;
}

static int scan_once(scanner *s, size_t idx, size_t *next);

static int enter(scanner *s, const char *what)
{
    if (++s->depth > PL_PYJSON_MAX_DEPTH) {
        s->positional = 0;
        s->msg = apr_pstrcat(s->p, PL_PYJSON_RECURSION " while decoding a JSON ", what,
                             " from a unicode string", NULL);
        return -1;
    }
    return 0;
}

/* _parse_object_unicode: idx is the index after '{' */
static int scan_object(scanner *s, size_t idx, size_t *next)
{
    const ucs4 *u = s->u;
    size_t len = s->n, after;

    idx = skip_ws(s, idx);
    if (idx < len && u[idx] == '}') {
        *next = idx + 1;
        return 0;
    }
    for (;;) {
        if (idx >= len || u[idx] != '"')
            return fail(s, "Expecting property name enclosed in double quotes", idx);
        if (scan_string(s, idx + 1, &after) < 0) return -1;
        idx = skip_ws(s, after);
        if (idx >= len || u[idx] != ':') return fail(s, "Expecting ':' delimiter", idx);
        idx = skip_ws(s, idx + 1);
        if (scan_once(s, idx, &after) < 0) return -1;
        idx = skip_ws(s, after);
        if (idx < len && u[idx] == '}') break;
        if (idx >= len || u[idx] != ',') return fail(s, "Expecting ',' delimiter", idx);
        idx = skip_ws(s, idx + 1);
    }
    *next = idx + 1;
    return 0;
}

/* _parse_array_unicode: idx is the index after '[' */
static int scan_array(scanner *s, size_t idx, size_t *next)
{
    const ucs4 *u = s->u;
    size_t len = s->n, after;

    idx = skip_ws(s, idx);
    if (idx < len && u[idx] == ']') {
        *next = idx + 1;
        return 0;
    }
    for (;;) {
        if (scan_once(s, idx, &after) < 0) return -1;
        idx = skip_ws(s, after);
        if (idx < len && u[idx] == ']') break;
        if (idx >= len || u[idx] != ',') return fail(s, "Expecting ',' delimiter", idx);
        idx = skip_ws(s, idx + 1);
    }
    *next = idx + 1;
    return 0;
}

/* u[idx+1..] spells the rest of word (whose first letter matched) */
static int word_at(const scanner *s, size_t idx, const char *word)
{
    size_t k, wl = strlen(word);
    if (idx + wl - 1 >= s->n) return 0;     /* the accelerator's idx + N < length */
    for (k = 1; k < wl; k++)
        if (s->u[idx + k] != (ucs4)(unsigned char)word[k]) return 0;
    return 1;
}

/* scan_once_unicode */
static int scan_once(scanner *s, size_t idx, size_t *next)
{
    int rc;

    if (idx >= s->n) return stop(s, idx);
    switch (s->u[idx]) {
    case '"':
        return scan_string(s, idx + 1, next);
    case '{':
        if (enter(s, "object") < 0) return -1;
        rc = scan_object(s, idx + 1, next);
        s->depth--;
        return rc;
    case '[':
        if (enter(s, "array") < 0) return -1;
        rc = scan_array(s, idx + 1, next);
        s->depth--;
        return rc;
    case 'n':
        if (word_at(s, idx, "null")) {
            *next = idx + 4;
            return 0;
        }
        break;
    case 't':
        if (word_at(s, idx, "true")) {
            *next = idx + 4;
            return 0;
        }
        break;
    case 'f':
        if (word_at(s, idx, "false")) {
            *next = idx + 5;
            return 0;
        }
        break;
    case 'N':
        if (word_at(s, idx, "NaN")) {
            *next = idx + 3;
            return 0;
        }
        break;
    case 'I':
        if (word_at(s, idx, "Infinity")) {
            *next = idx + 8;
            return 0;
        }
        break;
    case '-':
        if (word_at(s, idx, "-Infinity")) {
            *next = idx + 9;
            return 0;
        }
        break;
    default: break;
    }
    return scan_number(s, idx, next);
}

const char *pl_pyjson_error(apr_pool_t *p, const char *body, size_t len)
{
    scanner s;
    ucs4 *u = NULL;
    size_t n = 0, idx, end, k, line = 1, lastnl;
    int found_nl = 0;
    const char *err;

    err = utf8_decode(p, (const unsigned char *)(body ? body : ""), body ? len : 0, &u, &n);
    if (err) return err;

    memset(&s, 0, sizeof(s));
    s.p = p;
    s.u = u;
    s.n = n;
    if (n > 0 && u[0] == 0xFEFF)
        fail(&s, "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    else if (scan_once(&s, skip_ws(&s, 0), &end) == 0) {
        idx = skip_ws(&s, end);
        if (idx == n) return NULL;
        fail(&s, "Extra data", idx);
    }
    if (!s.positional) return s.msg;

    /* JSONDecodeError.__init__ */
    lastnl = 0;
    for (k = 0; k < s.pos; k++)
        if (u[k] == '\n') {
            line++;
            lastnl = k;
            found_nl = 1;
        }
    return apr_psprintf(p, "%s: line %" APR_SIZE_T_FMT " column %" APR_SIZE_T_FMT
                        " (char %" APR_SIZE_T_FMT ")", s.msg, line,
                        found_nl ? s.pos - lastnl : s.pos + 1, s.pos);
}
