/* String helpers (see strutil.h). */
#include "strutil.h"

#include <apr_strings.h>
#include <json-c/json.h>
#include <apr_time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

char *pl_strip_tags(apr_pool_t *p, const char *s)
{
    size_t n = strlen(s);
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\n') { *o++ = ' '; i++; }
        else if (s[i] == '\r') { i++; }
        else if (s[i] == '<') {
            const char *close;
            if (strncmp(s + i, "<!--", 4) == 0 && (close = strstr(s + i + 4, "-->"))) {
                i = close + 3 - s;
            }
            else if ((close = strchr(s + i, '>'))) {
                if (strncasecmp(s + i, "<br", 3) == 0) *o++ = '\n';
                i = close + 1 - s;
            }
            else *o++ = s[i++];
        }
        else *o++ = s[i++];
    }
    *o = '\0';
    return out;
}

long long pl_parse_db_time(const char *s)
{
    struct tm tm;
    apr_time_t t;
    memset(&tm, 0, sizeof(tm));
    if (!s || sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = (apr_time_t)timegm(&tm) * APR_USEC_PER_SEC;
    return t;
}

const char *pl_latin1_to_utf8(apr_pool_t *p, const char *s)
{
    const unsigned char *u;
    size_t high = 0;
    char *out, *o;

    for (u = (const unsigned char *)s; *u; u++)
        if (*u >= 0x80) high++;
    if (!high) return s;
    o = out = apr_palloc(p, strlen(s) + high + 1);
    for (u = (const unsigned char *)s; *u; u++) {
        if (*u < 0x80) {
            *o++ = (char)*u;
        } else {
            *o++ = (char)(0xC0 | (*u >> 6));
            *o++ = (char)(0x80 | (*u & 0x3F));
        }
    }
    *o = '\0';
    return out;
}

/* The continuation byte range allowed after start byte c (RFC 3629, as
 * CPython checks it: no overlongs, no surrogates, nothing past U+10FFFF). */
static void continuation_range(unsigned char c, int k, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (k != 1) return;
    if (c == 0xE0) *lo = 0xA0;
    else if (c == 0xED) *hi = 0x9F;
    else if (c == 0xF0) *lo = 0x90;
    else if (c == 0xF4) *hi = 0x8F;
}

const char *pl_utf8_decode_error(apr_pool_t *p, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        int need, k;
        const char *why = NULL;
        size_t end;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c >= 0xE0 && c <= 0xEF) need = 2;
        else if (c >= 0xF0 && c <= 0xF4) need = 3;
        else
            return apr_psprintf(p, "'utf-8' codec can't decode byte 0x%02x in position %lu: "
                                "invalid start byte", c, (unsigned long)i);
        /* the longest valid prefix of the sequence, then what broke it */
        for (k = 1; k <= need; k++) {
            unsigned char lo, hi;
            if (i + k >= n) { why = "unexpected end of data"; break; }
            continuation_range(c, k, &lo, &hi);
            if (s[i + k] < lo || s[i + k] > hi) { why = "invalid continuation byte"; break; }
        }
        if (!why) { i += need + 1; continue; }
        end = i + k - 1;   /* last byte of the maximal invalid part */
        if (end == i)
            return apr_psprintf(p, "'utf-8' codec can't decode byte 0x%02x in position %lu: %s",
                                c, (unsigned long)i, why);
        return apr_psprintf(p, "'utf-8' codec can't decode bytes in position %lu-%lu: %s",
                            (unsigned long)i, (unsigned long)end, why);
    }
    return NULL;
}

/* Length of the well-formed UTF-8 sequence at s (1 for ASCII), 0 if none. */
static size_t utf8_seq_len(const unsigned char *s)
{
    int need, k;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) need = 1;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) need = 2;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) need = 3;
    else return 0;
    for (k = 1; k <= need; k++) {
        unsigned char lo, hi;
        continuation_range(s[0], k, &lo, &hi);
        if (s[k] < lo || s[k] > hi) return 0;     /* also stops at the NUL */
    }
    return (size_t)need + 1;
}

const char *pl_utf8_repair(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out, *o;
    size_t n;
    if (!pl_utf8_decode_error(p, s, strlen(s))) return s;
    o = out = apr_palloc(p, strlen(s) * 2 + 1);
    while (*u) {
        n = (u[0] == 0xC0 && u[1] == 0x80) ? 2 : utf8_seq_len(u);   /* PL_NUL_MARK stays */
        if (n) {
            memcpy(o, u, n);
            o += n;
            u += n;
            continue;
        }
        *o++ = (char)(0xC0 | (*u >> 6));
        *o++ = (char)(0x80 | (*u & 0x3F));
        u++;
    }
    *o = '\0';
    return out;
}

char *pl_join(apr_pool_t *p, const char *const *items, int n, const char *sep)
{
    size_t len = 0, seplen = strlen(sep), k;
    char *out, *o;
    int i;
    for (i = 0; i < n; i++) len += strlen(items[i]) + (i ? seplen : 0);
    o = out = apr_palloc(p, len + 1);
    for (i = 0; i < n; i++) {
        if (i) { memcpy(o, sep, seplen); o += seplen; }
        k = strlen(items[i]);
        memcpy(o, items[i], k);
        o += k;
    }
    *o = '\0';
    return out;
}

static int refused_cp(unsigned long cp)
{
    return cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF);
}

const char *pl_refused_text(apr_pool_t *p, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i;
    for (i = 0; i < n; i++) {
        /* ED A0..BF xx: a surrogate in UTF-8 form (CESU, WTF-8) */
        if (u[i] == 0xED && i + 2 < n && u[i + 1] >= 0xA0 && u[i + 1] <= 0xBF
            && refused_cp(0xD000 | ((unsigned long)(u[i + 1] & 0x3F) << 6) | (u[i + 2] & 0x3F)))
            return apr_psprintf(p, "U+%04lX at position %" APR_SIZE_T_FMT,
                                0xD000 | ((unsigned long)(u[i + 1] & 0x3F) << 6)
                                | (u[i + 2] & 0x3F), i);
    }
    return NULL;
}

static long hex4(const char *s)
{
    long v = 0;
    int k;
    for (k = 0; k < 4; k++) {
        int c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

const char *pl_refused_json(apr_pool_t *p, const char *s, size_t n, size_t max_containers)
{
    size_t i = 0, containers = 0, nul = 0;
    int has_nul;
    while (i < n) {
        char c = s[i];
        if (c == '[' || c == '{') {
            if (++containers > max_containers)
                return apr_psprintf(p, "more than %" APR_SIZE_T_FMT " arrays and objects",
                                    max_containers);
            i++;
            continue;
        }
        if (c != '"') { i++; continue; }
        has_nul = 0;
        for (i++; i < n && s[i] != '"'; i++) {
            long cp, lo;
            if (s[i] != '\\') continue;
            if (i + 1 < n && s[i + 1] != 'u') { i++; continue; }
            if (i + 6 > n || (cp = hex4(s + i + 2)) < 0) { i++; continue; }
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 12 <= n && s[i + 6] == '\\'
                && s[i + 7] == 'u' && (lo = hex4(s + i + 8)) >= 0xDC00 && lo <= 0xDFFF) {
                i += 11;             /* a pair: one code point above U+FFFF */
                continue;
            }
            if (cp == 0) {
                if (!has_nul) nul = i;
                has_nul = 1;
            }
            else if (refused_cp((unsigned long)cp))
                return apr_psprintf(p, "U+%04lX (\\u%.4s) at char %" APR_SIZE_T_FMT, cp,
                                    s + i + 2, i);
            i += 5;
        }
        i++;
        if (has_nul) {              /* a key when a colon follows */
            size_t k = i;
            while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) k++;
            if (k < n && s[k] == ':')
                return apr_psprintf(p, "U+0000 (\\u0000) in an object key at char %"
                                    APR_SIZE_T_FMT, nul);
        }
    }
    return NULL;
}

const char *pl_nul_mark(apr_pool_t *p, const char *s, size_t n)
{
    size_t i, k = 0;
    char *out, *o;
    for (i = 0; i < n; i++) if (!s[i]) k++;
    if (!k && !s[n]) return s;
    o = out = apr_palloc(p, n + k + 1);
    for (i = 0; i < n; i++) {
        if (s[i]) *o++ = s[i];
        else { *o++ = '\xC0'; *o++ = '\x80'; }
    }
    *o = '\0';
    return out;
}

void pl_json_mark_nuls(apr_pool_t *p, json_object *v)
{
    size_t i, n;
    switch (json_object_get_type(v)) {
    case json_type_string: {
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (memchr(s, 0, len))
            json_object_set_string(v, pl_nul_mark(p, s, len));
        break;
    }
    case json_type_array:
        n = json_object_array_length(v);
        for (i = 0; i < n; i++) pl_json_mark_nuls(p, json_object_array_get_idx(v, i));
        break;
    case json_type_object: {
        json_object_object_foreach(v, k, val) {
            (void)k;
            pl_json_mark_nuls(p, val);
        }
        break;
    }
    default:
        break;
    }
}

const char *pl_nul_unmark(apr_pool_t *p, const char *s, size_t *n)
{
    char *out, *o;
    if (!strstr(s, PL_NUL_MARK)) { *n = strlen(s); return s; }
    o = out = apr_palloc(p, strlen(s) + 1);
    while (*s) {
        if (s[0] == '\xC0' && s[1] == '\x80') { *o++ = '\0'; s += 2; }
        else *o++ = *s++;
    }
    *o = '\0';
    *n = (size_t)(o - out);
    return out;
}

const char *pl_nul_json(apr_pool_t *p, const char *s, size_t n, size_t *outlen)
{
    size_t i, k = 0;
    const char *at, *end = s + n;
    char *out, *o;
    /* memchr: answers of megabytes are scanned on every send */
    for (at = memchr(s, 0xC0, n); at; at = memchr(at + 1, 0xC0, (size_t)(end - at - 1)))
        if (at + 1 < end && at[1] == '\x80') k++;
    *outlen = n;
    if (!k) return s;
    o = out = apr_palloc(p, n + 4 * k + 1);
    for (i = 0; i < n; i++) {
        if (i + 1 < n && s[i] == '\xC0' && s[i + 1] == '\x80') {
            memcpy(o, "\\u0000", 6);
            o += 6;
            i++;
        }
        else *o++ = s[i];
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

void pl_add_unique(apr_hash_t *seen, apr_array_header_t *arr, const char *s)
{
    int i;

    if (seen) {
        if (apr_hash_get(seen, s, APR_HASH_KEY_STRING))
            return;
        apr_hash_set(seen, s, APR_HASH_KEY_STRING, s);
    } else {
        for (i = 0; i < arr->nelts; i++)
            if (!strcmp(APR_ARRAY_IDX(arr, i, const char *), s))
                return;
    }
    APR_ARRAY_PUSH(arr, const char *) = s;
}

char *pl_lower(apr_pool_t *p, const char *s)
{
    char *o = apr_pstrdup(p, s), *c;

    for (c = o; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return o;
}
