/* Python repr() and pprint.pformat() of JSON values.
 *
 * Upstream placement's validation errors are Python exception texts that
 * embed repr()/pformat() of json.loads() values, so we reproduce the
 * CPython 3.11 algorithms: unicode_repr, float_repr (shortest round
 * trip), and PrettyPrinter._format with width wrapping and sorted dicts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_tables.h>

#include "pyrepr.h"
#include "pyunicode_table.h"

typedef struct {
    apr_pool_t *p;
    char *d;
    size_t n, cap;
    size_t limit;              /* 0: none; else the text stops near there */
    int cut;                   /* set once the limit cut the text */
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->cut)
        return;
    if (b->limit && b->n + n > b->limit) {
        /* keep whole UTF-8 sequences, then mark the cut */
        size_t keep = b->n < b->limit ? b->limit - b->n : 0;
        while (keep > 0 && keep < n && ((unsigned char)s[keep] & 0xC0) == 0x80)
            keep--;
        b->limit = 0;
        sb_put(b, s, keep);
        sb_put(b, PL_REPR_CUT, sizeof(PL_REPR_CUT) - 1);
        b->cut = 1;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *nd;
        while (cap < b->n + n + 1)
            cap *= 2;
        nd = apr_palloc(b->p, cap);
        if (b->n)
            memcpy(nd, b->d, b->n);
        b->d = nd;
        b->cap = cap;
    }
    memcpy(b->d + b->n, s, n);
    b->n += n;
    b->d[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_init(sbuf *b, apr_pool_t *p, size_t limit)
{
    b->p = p;
    b->d = NULL;
    b->n = b->cap = 0;
    b->limit = 0;
    b->cut = 0;
    sb_put(b, "", 0);
    b->limit = limit;
}

/* Decode one code point; invalid bytes come back as lone surrogates
 * U+DC80..U+DCFF, like Python's surrogateescape. */
static unsigned int utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned int c = s[*i], cp;
    size_t need, k;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c == 0xC0 && *i + 1 < len && s[*i + 1] == 0x80) {    /* PL_NUL_MARK */
        *i += 2;
        return 0;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
    } else {
        (*i)++;
        return 0xDC00 + c;
    }
    if (*i + need >= len) {
        (*i)++;
        return 0xDC00 + c;
    }
    for (k = 1; k <= need; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xDC00 + c;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 ||
                                                    cp > 0x10FFFF))) {
        (*i)++;
        return 0xDC00 + c;
    }
    *i += need + 1;
    return cp;
}

size_t pl_utf8_len(const char *s, size_t len)
{
    size_t i = 0, n = 0;

    while (i < len) {
        utf8_next((const unsigned char *)s, len, &i);
        n++;
    }
    return n;
}

static int py_isprintable(unsigned int cp)
{
    size_t lo = 0, hi = sizeof(pl_py_nonprintable) /
        sizeof(pl_py_nonprintable[0]);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < pl_py_nonprintable[mid][0])
            hi = mid;
        else if (cp > pl_py_nonprintable[mid][1])
            lo = mid + 1;
        else
            return 0;
    }
    return 1;
}

static void repr_str(sbuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    int sq = memchr(s, '\'', len) != NULL, dq = memchr(s, '"', len) != NULL;
    char quote = (sq && !dq) ? '"' : '\'';
    size_t i = 0, start;
    char tmp[16];

    sb_put(b, &quote, 1);
    while (i < len && !b->cut) {
        unsigned int cp;
        start = i;
        cp = utf8_next(u, len, &i);
        if (cp == (unsigned char)quote || cp == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)cp;
            sb_put(b, tmp, 2);
        } else if (cp == '\t') {
            sb_puts(b, "\\t");
        } else if (cp == '\n') {
            sb_puts(b, "\\n");
        } else if (cp == '\r') {
            sb_puts(b, "\\r");
        } else if (cp < 0x20 || cp == 0x7F) {
            snprintf(tmp, sizeof tmp, "\\x%02x", cp);
            sb_puts(b, tmp);
        } else if (cp < 0x7F) {
            sb_put(b, s + start, 1);
        } else if (py_isprintable(cp) && !(cp >= 0xDC80 && cp <= 0xDCFF &&
                                           i - start == 1)) {
            sb_put(b, s + start, i - start);
        } else {
            if (cp <= 0xFF)
                snprintf(tmp, sizeof tmp, "\\x%02x", cp);
            else if (cp <= 0xFFFF)
                snprintf(tmp, sizeof tmp, "\\u%04x", cp);
            else
                snprintf(tmp, sizeof tmp, "\\U%08x", cp);
            sb_puts(b, tmp);
        }
    }
    sb_put(b, &quote, 1);
}

const char *pl_py_str_repr(apr_pool_t *p, const char *s, size_t len)
{
    sbuf b;

    sb_init(&b, p, PL_REPR_MAX);
    repr_str(&b, s, len);
    return b.d;
}

/* CPython float_repr: shortest digits that round-trip, then fixed
 * notation when the decimal point position is in (-4, 16]. */
void pl_format_pyfloat(char *res, size_t size, double d)
{
    char buf[48], digits[24], out[64];
    int prec, e, nd = 0, decpt, k = 0;
    char *q;

    if (isnan(d)) {
        snprintf(res, size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(res, size, "%s", d > 0 ? "inf" : "-inf");
        return;
    }
    if (d == 0) {
        snprintf(res, size, "%s", signbit(d) ? "-0.0" : "0.0");
        return;
    }
    for (prec = 0; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    q = buf;
    if (*q == '-')
        out[k++] = *q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.')
            digits[nd++] = *q;
    digits[nd] = '\0';
    e = atoi(q + 1);
    decpt = e + 1;
    if (decpt > -4 && decpt <= 16) {
        int i;
        if (decpt <= 0) {
            out[k++] = '0';
            out[k++] = '.';
            for (i = 0; i < -decpt; i++)
                out[k++] = '0';
            for (i = 0; i < nd; i++)
                out[k++] = digits[i];
        } else if (decpt >= nd) {
            for (i = 0; i < nd; i++)
                out[k++] = digits[i];
            for (i = nd; i < decpt; i++)
                out[k++] = '0';
            out[k++] = '.';
            out[k++] = '0';
        } else {
            for (i = 0; i < nd; i++) {
                if (i == decpt)
                    out[k++] = '.';
                out[k++] = digits[i];
            }
        }
        out[k] = '\0';
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            memcpy(out + k, digits + 1, nd - 1);
            k += nd - 1;
        }
        snprintf(out + k, sizeof out - k, "e%c%02d", e < 0 ? '-' : '+',
                 e < 0 ? -e : e);
    }
    snprintf(res, size, "%s", out);
}

static void repr_float(sbuf *b, double d)
{
    char out[64];

    pl_format_pyfloat(out, sizeof out, d);
    sb_puts(b, out);
}

static void repr_int(sbuf *b, json_object *v)
{
    char buf[32];
    int64_t i = json_object_get_int64(v);

    /* json-c keeps values above INT64_MAX as uint64 */
    if (i == INT64_MAX)
        snprintf(buf, sizeof buf, "%" PRIu64, json_object_get_uint64(v));
    else
        snprintf(buf, sizeof buf, "%" PRId64, i);
    sb_puts(b, buf);
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys of an object, sorted like Python sorts str (code point order,
 * which is UTF-8 byte order) when sorted is set. */
static const char **object_keys(apr_pool_t *p, json_object *v, int sorted,
                                size_t *n)
{
    size_t cnt = (size_t)json_object_object_length(v), k = 0;
    const char **keys = apr_palloc(p, sizeof(char *) * (cnt + 1));

    json_object_object_foreach(v, key, val) {
        (void)val;
        keys[k++] = key;
    }
    if (sorted)
        qsort(keys, k, sizeof(char *), cmp_keys);
    *n = k;
    return keys;
}

static void repr_any(sbuf *b, json_object *v, int sorted)
{
    size_t i, n;

    if (b->cut)
        return;
    switch (json_object_get_type(v)) {
    case json_type_null:
        sb_puts(b, "None");
        break;
    case json_type_boolean:
        sb_puts(b, json_object_get_boolean(v) ? "True" : "False");
        break;
    case json_type_int:
        repr_int(b, v);
        break;
    case json_type_double:
        repr_float(b, json_object_get_double(v));
        break;
    case json_type_string:
        repr_str(b, json_object_get_string(v),
                 (size_t)json_object_get_string_len(v));
        break;
    case json_type_array:
        n = json_object_array_length(v);
        sb_puts(b, "[");
        for (i = 0; i < n && !b->cut; i++) {
            if (i)
                sb_puts(b, ", ");
            repr_any(b, json_object_array_get_idx(v, i), sorted);
        }
        sb_puts(b, "]");
        break;
    case json_type_object: {
        const char **keys = object_keys(b->p, v, sorted, &n);
        sb_puts(b, "{");
        for (i = 0; i < n && !b->cut; i++) {
            if (i)
                sb_puts(b, ", ");
            repr_str(b, keys[i], strlen(keys[i]));
            sb_puts(b, ": ");
            repr_any(b, json_object_object_get(v, keys[i]), sorted);
        }
        sb_puts(b, "}");
        break;
    }
    }
}

const char *pl_json_pyrepr(apr_pool_t *p, json_object *v)
{
    sbuf b;

    sb_init(&b, p, PL_REPR_MAX);
    repr_any(&b, v, 0);
    return b.d;
}

/* ---- pprint.pformat ---------------------------------------------------- */

typedef struct {
    sbuf out;
    int width;
} pfmt;

static const char *srepr(pfmt *c, json_object *v, long indent, long allowance,
                         long *len)
{
    sbuf b;

    /* only whether it fits matters when it does not: stop past the width
     * (code points, at most 4 bytes each) instead of writing it all */
    long room = c->width - indent - allowance;
    sb_init(&b, c->out.p, room > 0 ? (size_t)room * 4 + 8 : 8);
    repr_any(&b, v, 1);
    *len = (long)pl_utf8_len(b.d, b.n);
    return b.d;
}

static long repr_len(apr_pool_t *p, const char *s, size_t n)
{
    const char *r = pl_py_str_repr(p, s, n);
    return (long)pl_utf8_len(r, strlen(r));
}

static void spaces(sbuf *b, long n)
{
    while (n-- > 0)
        sb_put(b, " ", 1);
}

static int py_isspace(unsigned int cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) ||
        cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
        (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static int py_linebreak(unsigned int cp)
{
    return (cp >= 0x0A && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1E) ||
        cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

static void pf_format(pfmt *c, json_object *v, long indent, long allowance,
                      int level);

/* PrettyPrinter._pprint_str: split long strings at line ends and
 * between words, joined as adjacent literals. */
static void pf_str(pfmt *c, const char *s, size_t len, long indent,
                   long allowance, int level)
{
    apr_pool_t *p = c->out.p;
    const unsigned char *u = (const unsigned char *)s;
    apr_array_header_t *chunks = apr_array_make(p, 8, sizeof(char *));
    long max_width, max_width1;
    size_t i = 0;
    int k;

    if (len == 0) {
        sb_puts(&c->out, "''");
        return;
    }
    if (level == 1) {
        indent += 1;
        allowance += 1;
    }
    max_width1 = max_width = c->width - indent;
    while (i < len) {
        size_t ls = i, le;
        unsigned int cp = 0;
        while (i < len) {
            cp = utf8_next(u, len, &i);
            if (py_linebreak(cp)) {
                if (cp == '\r' && i < len && u[i] == '\n')
                    i++;
                break;
            }
        }
        le = i;
        if (le == len)
            max_width1 -= allowance;
        if (repr_len(p, s + ls, le - ls) <= max_width1) {
            *(const char **)apr_array_push(chunks) =
                pl_py_str_repr(p, s + ls, le - ls);
        } else {
            /* parts matching \S*\s* */
            size_t j = ls, cur = ls, cand_end;
            long max_width2 = max_width;
            while (j < le) {
                size_t k2 = j, save;
                while (k2 < le) {
                    save = k2;
                    if (py_isspace(utf8_next(u, le, &k2))) {
                        k2 = save;
                        break;
                    }
                }
                while (k2 < le) {
                    save = k2;
                    if (!py_isspace(utf8_next(u, le, &k2))) {
                        k2 = save;
                        break;
                    }
                }
                cand_end = k2;
                if (cand_end == le && le == len)
                    max_width2 -= allowance;
                if (repr_len(p, s + cur, cand_end - cur) > max_width2) {
                    if (j > cur)
                        *(const char **)apr_array_push(chunks) =
                            pl_py_str_repr(p, s + cur, j - cur);
                    cur = j;
                }
                j = cand_end;
            }
            if (le > cur)
                *(const char **)apr_array_push(chunks) =
                    pl_py_str_repr(p, s + cur, le - cur);
        }
    }
    if (chunks->nelts == 1) {
        sb_puts(&c->out, ((const char **)chunks->elts)[0]);
        return;
    }
    if (level == 1)
        sb_puts(&c->out, "(");
    for (k = 0; k < chunks->nelts; k++) {
        if (k > 0) {
            sb_puts(&c->out, "\n");
            spaces(&c->out, indent);
        }
        sb_puts(&c->out, ((const char **)chunks->elts)[k]);
    }
    if (level == 1)
        sb_puts(&c->out, ")");
}

static void pf_dict(pfmt *c, json_object *v, long indent, long allowance,
                    int level)
{
    size_t n, i;
    const char **keys = object_keys(c->out.p, v, 1, &n);

    sb_puts(&c->out, "{");
    allowance += 1;
    indent += 1;
    for (i = 0; i < n && !c->out.cut; i++) {
        int last = i == n - 1;
        const char *rep = pl_py_str_repr(c->out.p, keys[i], strlen(keys[i]));
        sb_puts(&c->out, rep);
        sb_puts(&c->out, ": ");
        pf_format(c, json_object_object_get(v, keys[i]),
                  indent + (long)pl_utf8_len(rep, strlen(rep)) + 2,
                  last ? allowance : 1, level);
        if (!last) {
            sb_puts(&c->out, ",\n");
            spaces(&c->out, indent);
        }
    }
    sb_puts(&c->out, "}");
}

static void pf_list(pfmt *c, json_object *v, long indent, long allowance,
                    int level)
{
    size_t n = json_object_array_length(v), i;

    sb_puts(&c->out, "[");
    allowance += 1;
    indent += 1;
    for (i = 0; i < n && !c->out.cut; i++) {
        int last = i == n - 1;
        if (i) {
            sb_puts(&c->out, ",\n");
            spaces(&c->out, indent);
        }
        pf_format(c, json_object_array_get_idx(v, i), indent,
                  last ? allowance : 1, level);
    }
    sb_puts(&c->out, "]");
}

static void pf_format(pfmt *c, json_object *v, long indent, long allowance,
                      int level)
{
    long len;
    const char *rep;

    if (c->out.cut)
        return;
    rep = srepr(c, v, indent, allowance, &len);

    if (len > c->width - indent - allowance) {
        switch (json_object_get_type(v)) {
        case json_type_object:
            pf_dict(c, v, indent, allowance, level + 1);
            return;
        case json_type_array:
            pf_list(c, v, indent, allowance, level + 1);
            return;
        case json_type_string:
            pf_str(c, json_object_get_string(v),
                   (size_t)json_object_get_string_len(v), indent, allowance,
                   level + 1);
            return;
        default:
            break;
        }
    }
    sb_puts(&c->out, rep);
}

const char *pl_json_pformat(apr_pool_t *p, json_object *v, int width)
{
    pfmt c;

    sb_init(&c.out, p, PL_REPR_MAX);
    c.width = width;
    pf_format(&c, v, 0, 0, 0);
    return c.out.d;
}
