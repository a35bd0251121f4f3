/* JSON Schema compiler and validator reproducing Python jsonschema 4.10.3.
 *
 * Validation collects every error in the order Python's iter_errors()
 * yields them (schema keyword order, then instance order), then picks one
 * with the same best_match() heuristic, because which message a client
 * sees depends on both.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "jsonschema_int.h"

static const struct {
    const char *name;
    int kind;
} keywords[] = {
    {"type", K_TYPE}, {"properties", K_PROPS},
    {"patternProperties", K_PATPROPS},
    {"additionalProperties", K_ADDPROPS}, {"required", K_REQUIRED},
    {"minProperties", K_MINPROPS}, {"maxProperties", K_MAXPROPS},
    {"items", K_ITEMS}, {"additionalItems", K_ADDITEMS},
    {"minItems", K_MINITEMS}, {"maxItems", K_MAXITEMS},
    {"uniqueItems", K_UNIQUE}, {"enum", K_ENUM}, {"const", K_CONST},
    {"minimum", K_MIN}, {"maximum", K_MAX}, {"exclusiveMinimum", K_EXMIN},
    {"exclusiveMaximum", K_EXMAX}, {"multipleOf", K_MULTOF},
    {"minLength", K_MINLEN}, {"maxLength", K_MAXLEN},
    {"pattern", K_PATTERN}, {"format", K_FORMAT}, {"anyOf", K_ANYOF},
    {"oneOf", K_ONEOF}, {"allOf", K_ALLOF}, {"not", K_NOT}, {"$ref", K_REF},
    {"$schema", K_IGNORE}, {"title", K_IGNORE}, {"description", K_IGNORE},
    {"default", K_IGNORE}, {"definitions", K_IGNORE}, {"$defs", K_IGNORE},
    {"$comment", K_IGNORE}, {"examples", K_IGNORE},
};

/* ---- compilation ------------------------------------------------------ */

typedef struct {
    apr_pool_t *p;
    json_object *root;
    int dialect;
    apr_hash_t *memo;          /* json_object* -> pl_schema* */
    char *err;
} cctx;

static pl_schema *compile_node(cctx *c, json_object *j, const char *where);

static apr_status_t cleanup_re(void *re)
{
    pcre2_code_free(re);
    return APR_SUCCESS;
}

/* Python re syntax to PCRE2: only \Z differs for what schemas use. */
static pcre2_code *compile_re(cctx *c, const char *pat, const char *where)
{
    size_t n = strlen(pat), i, k = 0;
    char *src = apr_palloc(c->p, n + 1);
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re;

    for (i = 0; i < n; i++) {
        src[k++] = pat[i];
        if (pat[i] == '\\' && i + 1 < n) {
            i++;
            src[k++] = pat[i] == 'Z' ? 'z' : pat[i];
        }
    }
    src[k] = '\0';
    re = pcre2_compile((PCRE2_SPTR)src, k, PCRE2_UTF | PCRE2_UCP |
                       PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        c->err = apr_psprintf(c->p, "bad regex '%s' at %s: %s", pat, where,
                              (char *)msg);
        return NULL;
    }
    apr_pool_cleanup_register(c->p, re, cleanup_re,
                              apr_pool_cleanup_null);
    return re;
}

int pl_re_search(const pcre2_code *re, const char *s, size_t len)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc;

    if (!md)
        return 0;
    rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static const char *ptr_join(cctx *c, const char *where, const char *tok)
{
    return apr_pstrcat(c->p, where, "/", tok, NULL);
}

static int type_bit(const char *t)
{
    static const char *names[] = {"null", "boolean", "integer", "number",
                                  "string", "array", "object"};
    int i;

    for (i = 0; i < 7; i++)
        if (!strcmp(t, names[i]))
            return 1 << i;
    return 0;
}

static int is_count(json_object *v, long long *out)
{
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return *out >= 0;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (d >= 0 && d < 9e18 && floor(d) == d) {
            *out = (long long)d;
            return 1;
        }
    }
    return 0;
}

static int is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) ||
        json_object_is_type(v, json_type_double);
}

static int fail(cctx *c, const char *where, const char *what)
{
    if (!c->err)
        c->err = apr_psprintf(c->p, "%s at %s", what, where);
    return 0;
}

/* Resolve a same-document "#/a/b" reference (RFC 6901, %-decoded). */
static json_object *resolve_ref(cctx *c, const char *ref)
{
    json_object *cur = c->root;
    const char *s;
    char *tok;

    if (ref[0] != '#')
        return NULL;
    s = ref + 1;
    if (!*s)
        return cur;
    if (*s != '/')
        return NULL;
    while (*s == '/') {
        size_t k = 0;
        const char *e = strchr(s + 1, '/');
        size_t n = e ? (size_t)(e - s - 1) : strlen(s + 1);
        const char *t = s + 1;
        size_t i;

        tok = apr_palloc(c->p, n + 1);
        for (i = 0; i < n; i++) {
            if (t[i] == '%' && i + 2 < n + 1 && isxdigit((unsigned char)t[i + 1])
                && isxdigit((unsigned char)t[i + 2])) {
                char hx[3] = {t[i + 1], t[i + 2], 0};
                tok[k++] = (char)strtol(hx, NULL, 16);
                i += 2;
            } else {
                tok[k++] = t[i];
            }
        }
        tok[k] = '\0';
        /* ~1 then ~0, as RFC 6901 orders it */
        {
            char *r = tok, *w = tok;
            while (*r) {
                if (r[0] == '~' && r[1] == '1') {
                    *w++ = '/';
                    r += 2;
                } else if (r[0] == '~' && r[1] == '0') {
                    *w++ = '~';
                    r += 2;
                } else {
                    *w++ = *r++;
                }
            }
            *w = '\0';
        }
        if (json_object_is_type(cur, json_type_object)) {
            if (!json_object_object_get_ex(cur, tok, &cur))
                return NULL;
        } else if (json_object_is_type(cur, json_type_array)) {
            char *end;
            long idx = strtol(tok, &end, 10);
            if (!*tok || *end || idx < 0 ||
                (size_t)idx >= json_object_array_length(cur))
                return NULL;
            cur = json_object_array_get_idx(cur, idx);
        } else {
            return NULL;
        }
        s = e ? e : s + 1 + n;
    }
    return cur;
}

static int compile_subs_obj(cctx *c, kw_t *k, const char *where, int regex)
{
    int i = 0;

    if (!json_object_is_type(k->value, json_type_object))
        return fail(c, where, "expected an object");
    k->nsubs = json_object_object_length(k->value);
    k->subs = apr_pcalloc(c->p, sizeof(named_sub) * (k->nsubs + 1));
    json_object_object_foreach(k->value, key, val) {
        named_sub *ns = &k->subs[i++];
        ns->name = key;
        if (regex && !(ns->re = compile_re(c, key, where)))
            return 0;
        if (!(ns->sub = compile_node(c, val, ptr_join(c, where, key))))
            return 0;
    }
    return 1;
}

static int compile_subs_arr(cctx *c, kw_t *k, const char *where,
                            int nonempty)
{
    int i;

    if (!json_object_is_type(k->value, json_type_array) ||
        (nonempty && json_object_array_length(k->value) == 0))
        return fail(c, where, "expected a non-empty array");
    k->nsubs = (int)json_object_array_length(k->value);
    k->subs = apr_pcalloc(c->p, sizeof(named_sub) * (k->nsubs + 1));
    for (i = 0; i < k->nsubs; i++) {
        k->subs[i].sub = compile_node(c, json_object_array_get_idx(
                                          k->value, i),
                                      apr_psprintf(c->p, "%s/%d", where, i));
        if (!k->subs[i].sub)
            return 0;
    }
    return 1;
}

/* One function a keyword, run from compilers[] by its kind: checks the
 * keyword's value and fills what validation reads from k (and s). */
typedef int kw_compile_fn(cctx *c, pl_schema *s, kw_t *k, const char *where);

static int c_type(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    json_object *v = k->value;
    size_t i;

    if (json_object_is_type(v, json_type_string)) {
        k->types = type_bit(json_object_get_string(v));
        if (!k->types)
            return fail(c, where, "unknown type");
    } else if (json_object_is_type(v, json_type_array)) {
        for (i = 0; i < json_object_array_length(v); i++) {
            json_object *t = json_object_array_get_idx(v, i);
            int bit = json_object_is_type(t, json_type_string) ?
                type_bit(json_object_get_string(t)) : 0;
            if (!bit)
                return fail(c, where, "unknown type");
            k->types |= bit;
        }
    } else {
        return fail(c, where, "type must be a string or array");
    }
    s->has_type = 1;
    s->types = k->types;
    return 1;
}

static int c_props(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    s->props = k;
    return compile_subs_obj(c, k, where, 0);
}

static int c_patprops(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    s->patprops = k;
    return compile_subs_obj(c, k, where, 1);
}

/* not, $ref's target, and the schema forms of items and additional* */
static int c_sub(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    return (k->sub = compile_node(c, k->value, where)) != NULL;
}

/* additionalProperties / additionalItems: true/false are keyword values
 * here, even in draft 4 */
static int c_additional(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (json_object_is_type(k->value, json_type_boolean))
        return 1;
    return c_sub(c, s, k, where);
}

static int c_items(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    s->items = k;
    if (json_object_is_type(k->value, json_type_array)) {
        if (c->dialect != D4)
            return fail(c, where, "array form of items needs draft 4");
        return compile_subs_arr(c, k, where, 0);
    }
    return c_sub(c, s, k, where);
}

static int c_required(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    json_object *v = k->value;
    size_t i;

    if (!json_object_is_type(v, json_type_array))
        return fail(c, where, "required must be an array");
    for (i = 0; i < json_object_array_length(v); i++)
        if (!json_object_is_type(json_object_array_get_idx(v, i),
                                 json_type_string))
            return fail(c, where, "required must list strings");
    return 1;
}

/* min/max Properties, Items, Length */
static int c_count(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (!is_count(k->value, &k->n))
        return fail(c, where, "expected a non-negative integer");
    return 1;
}

static int c_unique(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (!json_object_is_type(k->value, json_type_boolean))
        return fail(c, where, "expected a boolean");
    return 1;
}

static int c_enum(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (!json_object_is_type(k->value, json_type_array))
        return fail(c, where, "enum must be an array");
    return 1;
}

static int c_any(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    return 1;
}

static int c_number(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    return is_number(k->value) ? 1 : fail(c, where, "expected a number");
}

/* exclusiveMinimum / exclusiveMaximum: a number, or in draft 4 a boolean
 * that minimum / maximum read */
static int c_exclusive(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    json_object *v = k->value;

    if (c->dialect != D4)
        return c_number(c, s, k, where);
    if (!json_object_is_type(v, json_type_boolean))
        return fail(c, where, "expected a boolean (draft 4)");
    if (k->kind == K_EXMIN)
        s->d4_exmin = json_object_get_boolean(v);
    else
        s->d4_exmax = json_object_get_boolean(v);
    k->kind = K_IGNORE;
    return 1;
}

static int c_multof(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (!is_number(k->value) || !(json_object_get_double(k->value) > 0))
        return fail(c, where, "expected a positive number");
    return 1;
}

static int c_pattern(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (!json_object_is_type(k->value, json_type_string))
        return fail(c, where, "pattern must be a string");
    return (k->re = compile_re(c, json_object_get_string(k->value), where))
        != NULL;
}

static int c_format(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    if (!json_object_is_type(k->value, json_type_string) ||
        strcmp(json_object_get_string(k->value), "uuid"))
        return fail(c, where, "unsupported format");
    return 1;
}

/* anyOf / oneOf / allOf */
static int c_of(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    return compile_subs_arr(c, k, where, 1);
}

static int c_ref(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    const char *ref;
    json_object *t;

    if (!json_object_is_type(k->value, json_type_string))
        return fail(c, where, "$ref must be a string");
    ref = json_object_get_string(k->value);
    t = resolve_ref(c, ref);
    if (!t)
        return fail(c, where, apr_psprintf(c->p, "unresolvable $ref '%s'",
                                           ref));
    s->ref = k;
    return (k->sub = compile_node(c, t, ref)) != NULL;
}

static kw_compile_fn *const compilers[] = {
    [K_TYPE] = c_type, [K_PROPS] = c_props, [K_PATPROPS] = c_patprops,
    [K_ADDPROPS] = c_additional, [K_REQUIRED] = c_required,
    [K_MINPROPS] = c_count, [K_MAXPROPS] = c_count, [K_ITEMS] = c_items,
    [K_ADDITEMS] = c_additional, [K_MINITEMS] = c_count,
    [K_MAXITEMS] = c_count, [K_UNIQUE] = c_unique, [K_ENUM] = c_enum,
    [K_CONST] = c_any, [K_MIN] = c_number, [K_MAX] = c_number,
    [K_EXMIN] = c_exclusive, [K_EXMAX] = c_exclusive,
    [K_MULTOF] = c_multof, [K_MINLEN] = c_count, [K_MAXLEN] = c_count,
    [K_PATTERN] = c_pattern, [K_FORMAT] = c_format, [K_ANYOF] = c_of,
    [K_ONEOF] = c_of, [K_ALLOF] = c_of, [K_NOT] = c_sub, [K_REF] = c_ref,
    [K_IGNORE] = c_any,
};

static int compile_kw(cctx *c, pl_schema *s, kw_t *k, const char *where)
{
    return compilers[k->kind](c, s, k, where);
}

static pl_schema *compile_node(cctx *c, json_object *j, const char *where)
{
    pl_schema *s = apr_hash_get(c->memo, &j, sizeof j);
    int n = 0;

    if (s)
        return s;
    s = apr_pcalloc(c->p, sizeof *s);
    s->doc = j;
    s->dialect = c->dialect;
    apr_hash_set(c->memo, apr_pmemdup(c->p, &j, sizeof j), sizeof j, s);
    if (json_object_is_type(j, json_type_boolean) && c->dialect != D4) {
        s->is_bool = 1;
        s->bool_val = json_object_get_boolean(j);
        return s;
    }
    if (!json_object_is_type(j, json_type_object)) {
        fail(c, where, "schema must be an object");
        return NULL;
    }
    s->kw = apr_pcalloc(c->p, sizeof(kw_t) *
                        (json_object_object_length(j) + 1));
    json_object_object_foreach(j, key, val) {
        size_t i;
        kw_t *k = &s->kw[n];
        int kind = -1;
        for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            if (!strcmp(keywords[i].name, key))
                kind = keywords[i].kind;
        if (kind < 0) {
            fail(c, where, apr_psprintf(c->p, "unsupported keyword '%s'",
                                        key));
            return NULL;
        }
        if (kind == K_IGNORE) {
            if (!strcmp(key, "definitions") || !strcmp(key, "$defs")) {
                /* compile so unsupported keywords show up at load */
                if (json_object_is_type(val, json_type_object)) {
                    json_object_object_foreach(val, dk, dv) {
                        if (!compile_node(c, dv, ptr_join(
                                              c, ptr_join(c, where, key), dk)))
                            return NULL;
                    }
                }
            }
            continue;
        }
        k->kind = kind;
        k->name = key;
        k->value = val;
        if (!compile_kw(c, s, k, ptr_join(c, where, key)))
            return NULL;
        if (k->kind != K_IGNORE)
            n++;
        else
            memset(k, 0, sizeof *k);
    }
    s->nkw = n;
    return s;
}

pl_schema *pl_schema_compile(apr_pool_t *p, json_object *doc, char **err)
{
    cctx c;
    json_object *ver;
    pl_schema *s;

    memset(&c, 0, sizeof c);
    c.p = p;
    c.root = doc;
    c.memo = apr_hash_make(p);
    c.dialect = D2020;
    if (json_object_is_type(doc, json_type_object) &&
        json_object_object_get_ex(doc, "$schema", &ver)) {
        const char *u = json_object_get_string(ver);
        if (!strcmp(u, "http://json-schema.org/draft-04/schema#") ||
            !strcmp(u, "http://json-schema.org/draft-04/schema"))
            c.dialect = D4;
        else if (strcmp(u, "https://json-schema.org/draft/2020-12/schema")) {
            if (err)
                *err = apr_psprintf(p, "unsupported $schema '%s'", u);
            return NULL;
        }
    }
    s = compile_node(&c, doc, "#");
    if (!s && err)
        *err = c.err ? c.err : apr_pstrdup(p, "invalid schema");
    return s;
}

/* ---- oslo_utils.uuidutils.is_uuid_like --------------------------------- */

static size_t replace_all(char *s, size_t n, const char *needle)
{
    size_t nl = strlen(needle), r = 0, w = 0;

    while (r < n) {
        if (r + nl <= n && !memcmp(s + r, needle, nl)) {
            r += nl;
        } else {
            s[w++] = s[r++];
        }
    }
    return w;
}

/* str(uuid.UUID(v)).replace('-', '') == v with 'urn:', 'uuid:', outer
 * braces and dashes removed, lowercased: that holds exactly when what is
 * left is 32 hex digits (anything int(x, 16) forgives, like '0x', '_' or
 * blanks, cannot appear in the canonical form).  Those digits, lowercased,
 * into hex when it is not NULL. */
static int uuid_like(const char *in, size_t n, char *hex)
{
    char *s = malloc(n + 1);
    size_t i, b = 0, e;
    int ok = 1;

    if (!s)
        return 0;
    memcpy(s, in, n);
    n = replace_all(s, n, "urn:");
    n = replace_all(s, n, "uuid:");
    e = n;
    while (b < e && (s[b] == '{' || s[b] == '}'))
        b++;
    while (e > b && (s[e - 1] == '{' || s[e - 1] == '}'))
        e--;
    memmove(s, s + b, e - b);
    n = replace_all(s, e - b, "-");
    if (n != 32)
        ok = 0;
    for (i = 0; ok && i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            ok = 0;
    for (i = 0; ok && hex && i < n; i++)
        hex[i] = (char)tolower((unsigned char)s[i]);
    free(s);
    return ok;
}

int pl_uuid_like_n(const char *s, size_t n)
{
    return uuid_like(s, n, NULL);
}

int pl_uuid_is_like(const char *s)
{
    return s ? uuid_like(s, strlen(s), NULL) : 0;
}

const char *pl_uuid_canonical(apr_pool_t *p, const char *s)
{
    char hex[32];
    if (!s || !uuid_like(s, strlen(s), hex))
        return NULL;
    return apr_psprintf(p, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                        hex + 20);
}
