/* Streaming JSON writer: see jsonw.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

void pl_jw_init(pl_jw *w, size_t hint)
{
    memset(w, 0, sizeof(*w));
    w->cap = hint < 256 ? 256 : hint;
    w->buf = malloc(w->cap);
    if (!w->buf) { w->cap = 0; w->failed = 1; }
}

void pl_jw_init_sink(pl_jw *w, size_t block, pl_jw_sink sink, void *ctx)
{
    pl_jw_init(w, block);
    w->sink = sink;
    w->sink_ctx = ctx;
}

/* A sink writer's text so far to its sink; the buffer is empty again. */
static void hand_over(pl_jw *w)
{
    w->sink(w->sink_ctx, w->buf, w->len);
    w->flushed += w->len;
    w->len = 0;
}

size_t pl_jw_finish(pl_jw *w)
{
    if (w->failed || w->depth != 0) return (size_t)-1;
    if (w->sink && w->len) hand_over(w);
    return w->flushed + w->len;
}

void pl_jw_free(pl_jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

char *pl_jw_take(pl_jw *w, size_t *len)
{
    char *b = w->buf;
    if (w->failed || w->depth != 0) {
        pl_jw_free(w);
        return NULL;
    }
    *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

/* Room for n more bytes; 0 when there is none. */
static int grow(pl_jw *w, size_t n)
{
    size_t cap;
    char *b;
    if (w->failed) return 0;
    if (w->sink && w->len) {        /* the block is full: hand it over, reuse it */
        hand_over(w);
        if (n <= w->cap) return 1;
    }
    cap = w->cap ? w->cap : 256;
    while (cap < w->len + n) cap *= 2;
    if (!(b = realloc(w->buf, cap))) {
        w->failed = 1;
        return 0;
    }
    w->buf = b;
    w->cap = cap;
    return 1;
}

static inline int room(pl_jw *w, size_t n)
{
    return w->len + n <= w->cap ? 1 : grow(w, n);
}

static inline void put(pl_jw *w, const char *s, size_t n)
{
    if (!room(w, n)) return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void putc1(pl_jw *w, char c)
{
    if (!room(w, 1)) return;
    w->buf[w->len++] = c;
}

/* The separator before a value or a key at the current level. */
static void sep(pl_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->used[w->depth - 1]) putc1(w, ',');
        w->used[w->depth - 1] = 1;
    }
}

static void open_level(pl_jw *w, char kind)
{
    sep(w);
    if (w->depth == PL_JW_MAXDEPTH) {
        w->failed = 1;
        return;
    }
    putc1(w, kind);
    w->kind[w->depth] = kind;
    w->used[w->depth] = 0;
    w->depth++;
}

void pl_jw_obj(pl_jw *w) { open_level(w, '{'); }
void pl_jw_arr(pl_jw *w) { open_level(w, '['); }

void pl_jw_end(pl_jw *w)
{
    if (w->depth == 0 || w->after_key) {
        w->failed = 1;
        return;
    }
    w->depth--;
    putc1(w, w->kind[w->depth] == '{' ? '}' : ']');
}

/* json-c 0.16's json_escape_str with JSON_C_TO_STRING_NOSLASHESCAPE: the
 * two-character escapes for \b \n \r \t \f " and \\, \u00xx (lower-case
 * hex) for the other control characters, every other byte as it is; and
 * what pl_send_json does after json-c: the module's NUL mark C0 80
 * (PL_NUL_MARK, strutil.h) as \u0000.  0xC0 is looked at (2), the rest
 * escaped (1). */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    /* '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,    /* '\\' */
    [0xC0] = 2,
};

/* Whether any of the 8 bytes of x is below 0x20, '"', '\\' or 0xC0
 * (exact: the classic "has a byte less than" and "has a zero byte" tests). */
static inline int any_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), m = x ^ (ones * 0xC0);
    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)
            | ((m - ones) & ~m)) & high ? 1 : 0;
}

int pl_jw_plain(const char *s, size_t n)
{
    size_t i = 0;
    uint64_t x;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if (any_special(x)) return 0;
    }
    for (; i < n; i++)
        if (needs_escape[(unsigned char)s[i]]) return 0;
    return 1;
}

static void escape_body(pl_jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, start = 0;
    if (!room(w, n)) return;                 /* the common case: one copy */
    for (;;) {
        unsigned char c;
        const char *e;
        char u[6];
        uint64_t x;
        /* eight bytes at a time while none needs an escape */
        while (i + 8 <= n) {
            memcpy(&x, s + i, 8);
            if (any_special(x)) break;
            i += 8;
        }
        if (i >= n) break;
        c = (unsigned char)s[i++];
        if (!needs_escape[c]) continue;
        if (needs_escape[c] == 2) {              /* 0xC0: the NUL mark or a byte */
            if (i >= n || (unsigned char)s[i] != 0x80) continue;
            if (i - 1 > start) put(w, s + start, i - 1 - start);
            put(w, "\\u0000", 6);
            start = ++i;
            continue;
        }
        if (i - 1 > start) put(w, s + start, i - 1 - start);
        start = i;
        switch (c) {
        case '\b': e = "\\b"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case '\f': e = "\\f"; break;
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        default:
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 0xf];
            put(w, u, 6);
            continue;
        }
        put(w, e, 2);
    }
    if (n > start) put(w, s + start, n - start);
}

static void escaped(pl_jw *w, const char *s, size_t n)
{
    putc1(w, '"');
    escape_body(w, s, n);
    putc1(w, '"');
}

void pl_jw_key(pl_jw *w, const char *key)
{
    if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->after_key) {
        w->failed = 1;
        return;
    }
    sep(w);
    escaped(w, key, strlen(key));
    putc1(w, ':');
    w->after_key = 1;
}

void pl_jw_rawkey(pl_jw *w, const char *quoted_colon, size_t n)
{
    if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->after_key) {
        w->failed = 1;
        return;
    }
    sep(w);
    put(w, quoted_colon, n);
    w->after_key = 1;
}

void pl_jw_strn(pl_jw *w, const char *s, size_t n)
{
    sep(w);
    escaped(w, s, n);
}

void pl_jw_str(pl_jw *w, const char *s)
{
    if (!s) pl_jw_null(w);
    else pl_jw_strn(w, s, strlen(s));
}

/* Whether a NUL mark straddles the end of a[0..na) and the start of b. */
static int split_mark(const char *a, size_t na, const char *b)
{
    return na && (unsigned char)a[na - 1] == 0xC0 && (unsigned char)b[0] == 0x80;
}

void pl_jw_str3(pl_jw *w, const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = b ? strlen(b) : 0, nc = c ? strlen(c) : 0;
    sep(w);
    if (split_mark(a, na, nb ? b : nc ? c : "") || (nc && split_mark(b, nb, c))) {
        /* a mark cut in two is one NUL: escape the whole at once */
        char *all = malloc(na + nb + nc + 1);
        if (!all) { w->failed = 1; return; }
        memcpy(all, a, na);
        if (b) memcpy(all + na, b, nb);
        if (c) memcpy(all + na + nb, c, nc);
        escaped(w, all, na + nb + nc);
        free(all);
        return;
    }
    putc1(w, '"');
    escape_body(w, a, na);             /* escapes are per byte (the mark's two */
    if (b) escape_body(w, b, nb);      /* bytes aside): the pieces escaped one by */
    if (c) escape_body(w, c, nc);      /* one make the whole */
    putc1(w, '"');
}

void pl_jw_int(pl_jw *w, long long v)
{
    char b[24], *e = b + sizeof(b), *p = e;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--p = '-';
    sep(w);
    put(w, p, (size_t)(e - p));
}

void pl_jw_null(pl_jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void pl_jw_raw(pl_jw *w, const char *text, size_t n)
{
    sep(w);
    put(w, text, n);
}

void pl_jw_kstr(pl_jw *w, const char *key, const char *s)
{
    pl_jw_key(w, key);
    pl_jw_str(w, s);
}

void pl_jw_kint(pl_jw *w, const char *key, long long v)
{
    pl_jw_key(w, key);
    pl_jw_int(w, v);
}
