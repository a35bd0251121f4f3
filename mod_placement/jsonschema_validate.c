/* Validation half of jsonschema: iter_errors(), best_match() and the
 * error texts of Python jsonschema 4.10.3 (_validators.py,
 * exceptions.py).  Errors carry paths relative to their parent error, as
 * Python's do, because str() of a best match found inside an anyOf
 * context shows the relative paths.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <sys/uio.h>
#include <apr_tables.h>

#include "jsonschema_int.h"
#include "pyrepr.h"

typedef struct pathel {
    const struct pathel *next;
    const char *key;           /* NULL: index */
    long idx;
} pathel;

typedef struct verr {
    const char *message;
    const char *validator;     /* NULL prints as None */
    json_object *instance;
    const pl_schema *schema;
    const pathel *path, *spath;
    struct verr **ctx;
    int nctx;
} verr;

typedef struct {
    apr_pool_t *p;
} vctx;

#define NERR(a) ((a)->nelts)
#define ERR(a, i) (((verr **)(a)->elts)[i])

static void iter_errors(vctx *c, const pl_schema *s, json_object *inst,
                        apr_array_header_t *out);

static const char *R(vctx *c, json_object *v)
{
    return pl_json_pyrepr(c->p, v);
}

static const char *RS(vctx *c, const char *s)
{
    return pl_py_str_repr(c->p, s, strlen(s));
}

/* ---- JSON value helpers with Python semantics --------------------------- */

static int is_type(int dialect, json_object *v, unsigned bit)
{
    enum json_type t = json_object_get_type(v);

    switch (bit) {
    case T_NULL: return t == json_type_null;
    case T_BOOL: return t == json_type_boolean;
    case T_STR: return t == json_type_string;
    case T_ARR: return t == json_type_array;
    case T_OBJ: return t == json_type_object;
    case T_NUM: return t == json_type_int || t == json_type_double;
    case T_INT:
        if (t == json_type_int)
            return 1;
        if (t == json_type_double && dialect != D4) {
            double d = json_object_get_double(v);
            return isfinite(d) && floor(d) == d;
        }
        return 0;
    }
    return 0;
}

static int is_any_type(int dialect, json_object *v, unsigned mask)
{
    unsigned bit;

    for (bit = 1; bit <= T_OBJ; bit <<= 1)
        if ((mask & bit) && is_type(dialect, v, bit))
            return 1;
    return 0;
}

/* Numbers compare exactly (as Python's int/float do): long double holds
 * every int64, uint64 and double value. */
static long double num(json_object *v)
{
    if (json_object_is_type(v, json_type_double))
        return json_object_get_double(v);
    if (json_object_get_int64(v) == INT64_MAX)
        return (long double)json_object_get_uint64(v);
    return (long double)json_object_get_int64(v);
}

static int is_num(json_object *v)
{
    enum json_type t = json_object_get_type(v);
    return t == json_type_int || t == json_type_double;
}

/* Python == on json.loads() values (True == 1, 1 == 1.0). */
static int py_eq(json_object *a, json_object *b)
{
    enum json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
    size_t i, n;

    if ((is_num(a) || ta == json_type_boolean) &&
        (is_num(b) || tb == json_type_boolean)) {
        long double x = ta == json_type_boolean ?
            json_object_get_boolean(a) : num(a);
        long double y = tb == json_type_boolean ?
            json_object_get_boolean(b) : num(b);
        return x == y;
    }
    if (ta != tb)
        return 0;
    switch (ta) {
    case json_type_null:
        return 1;
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b)
            && !memcmp(json_object_get_string(a), json_object_get_string(b),
                       json_object_get_string_len(a));
    case json_type_array:
        n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return 0;
        for (i = 0; i < n; i++)
            if (!py_eq(json_object_array_get_idx(a, i),
                       json_object_array_get_idx(b, i)))
                return 0;
        return 1;
    case json_type_object:
        if (json_object_object_length(a) != json_object_object_length(b))
            return 0;
        {
            json_object_object_foreach(a, k, va) {
                json_object *vb;
                if (!json_object_object_get_ex(b, k, &vb) || !py_eq(va, vb))
                    return 0;
            }
        }
        return 1;
    default:
        return 0;
    }
}

/* jsonschema._utils.equal: like == but bools never equal numbers. */
static int js_equal(json_object *a, json_object *b)
{
    enum json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
    size_t i, n;

    if (ta == json_type_string || tb == json_type_string)
        return py_eq(a, b);
    if (ta == json_type_array && tb == json_type_array) {
        n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return 0;
        for (i = 0; i < n; i++)
            if (!js_equal(json_object_array_get_idx(a, i),
                          json_object_array_get_idx(b, i)))
                return 0;
        return 1;
    }
    if (ta == json_type_object && tb == json_type_object) {
        if (json_object_object_length(a) != json_object_object_length(b))
            return 0;
        {
            json_object_object_foreach(a, k, va) {
                json_object *vb;
                if (!json_object_object_get_ex(b, k, &vb) ||
                    !js_equal(va, vb))
                    return 0;
            }
        }
        return 1;
    }
    if (ta == json_type_boolean || tb == json_type_boolean)
        return ta == tb &&
            json_object_get_boolean(a) == json_object_get_boolean(b);
    return py_eq(a, b);
}

/* ---- errors ------------------------------------------------------------- */

static verr *new_err(vctx *c, apr_array_header_t *out, const pl_schema *s,
                     const kw_t *k, json_object *inst, const char *msg)
{
    verr *e = apr_pcalloc(c->p, sizeof *e);

    e->message = msg;
    e->validator = k ? k->name : NULL;
    e->instance = inst;
    e->schema = s;
    *(verr **)apr_array_push(out) = e;
    return e;
}

static const pathel *cons(vctx *c, const pathel *next, const char *key,
                          long idx)
{
    pathel *pe = apr_palloc(c->p, sizeof *pe);

    pe->next = next;
    pe->key = key;
    pe->idx = idx;
    return pe;
}

/* Validator.descend(): errors of sub get path / schema_path prefixed. */
static void descend(vctx *c, const pl_schema *sub, json_object *inst,
                    const char *pkey, long pidx, const char *skey, long sidx,
                    apr_array_header_t *out)
{
    int i, start = NERR(out);

    iter_errors(c, sub, inst, out);
    for (i = start; i < NERR(out); i++) {
        verr *e = ERR(out, i);
        if (pkey || pidx >= 0)
            e->path = cons(c, e->path, pkey, pidx);
        if (skey || sidx >= 0)
            e->spath = cons(c, e->spath, skey, sidx);
    }
}

static int is_valid(vctx *c, const pl_schema *s, json_object *inst)
{
    apr_array_header_t *tmp = apr_array_make(c->p, 4, sizeof(verr *));

    iter_errors(c, s, inst, tmp);
    return NERR(tmp) == 0;
}

/* ", ".join(parts): linear, cut like a repr (PL_REPR_MAX) */
typedef struct {
    apr_array_header_t *v;     /* struct iovec */
    size_t len;
    int cut;
} joiner;

static void join_init(vctx *c, joiner *j)
{
    j->v = apr_array_make(c->p, 16, sizeof(struct iovec));
    j->len = 0;
    j->cut = 0;
}

static void join_add(joiner *j, const char *sep, const char *part)
{
    struct iovec *io;
    if (j->cut)
        return;
    if (j->v->nelts) {
        io = apr_array_push(j->v);
        io->iov_base = (void *)sep;
        io->iov_len = strlen(sep);
        j->len += io->iov_len;
    }
    io = apr_array_push(j->v);
    io->iov_base = (void *)part;
    io->iov_len = strlen(part);
    j->len += io->iov_len;
    if (j->len > PL_REPR_MAX) {
        io = apr_array_push(j->v);
        io->iov_base = (void *)PL_REPR_CUT;
        io->iov_len = sizeof(PL_REPR_CUT) - 1;
        j->cut = 1;
    }
}

static const char *join_str(vctx *c, joiner *j)
{
    return apr_pstrcatv(c->p, (const struct iovec *)j->v->elts, j->v->nelts,
                        NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- keywords (jsonschema/_validators.py) ------------------------------- */

static void kw_additional_props(vctx *c, const pl_schema *s, const kw_t *k,
                                json_object *inst, apr_array_header_t *out)
{
    apr_array_header_t *extras = apr_array_make(c->p, 4, sizeof(char *));
    int i;

    json_object_object_foreach(inst, key, val) {
        int known = 0;
        (void)val;
        if (s->props)
            for (i = 0; i < s->props->nsubs && !known; i++)
                known = !strcmp(s->props->subs[i].name, key);
        if (!known && s->patprops)
            for (i = 0; i < s->patprops->nsubs && !known; i++)
                known = pl_re_search(s->patprops->subs[i].re, key,
                                     strlen(key));
        if (!known)
            *(const char **)apr_array_push(extras) = key;
    }
    if (!NERR(extras))
        return;
    if (json_object_is_type(k->value, json_type_object)) {
        /* Python walks a set here (hash order); instance order is one of
         * the orders it can produce. */
        for (i = 0; i < NERR(extras); i++) {
            const char *extra = ((const char **)extras->elts)[i];
            descend(c, k->sub, json_object_object_get(inst, extra), extra, -1,
                    NULL, -1, out);
        }
    } else if (json_object_is_type(k->value, json_type_boolean) &&
               !json_object_get_boolean(k->value)) {
        const char *joined, *msg;
        joiner j;
        join_init(c, &j);
        qsort(extras->elts, NERR(extras), sizeof(char *), cmp_str);
        for (i = 0; i < NERR(extras) && !j.cut; i++)
            join_add(&j, ", ", RS(c, ((const char **)extras->elts)[i]));
        joined = join_str(c, &j);
        if (s->patprops) {
            const char **pats = apr_palloc(c->p, sizeof(char *) *
                                           (s->patprops->nsubs + 1));
            const char *pj = "";
            for (i = 0; i < s->patprops->nsubs; i++)
                pats[i] = s->patprops->subs[i].name;
            qsort(pats, s->patprops->nsubs, sizeof(char *), cmp_str);
            for (i = 0; i < s->patprops->nsubs; i++)
                pj = apr_pstrcat(c->p, pj, i ? ", " : "", RS(c, pats[i]),
                                 NULL);
            msg = apr_psprintf(c->p, "%s %s not match any of the regexes: %s",
                               joined, NERR(extras) == 1 ? "does" : "do", pj);
        } else {
            msg = apr_psprintf(c->p, "Additional properties are not allowed "
                               "(%s %s unexpected)", joined,
                               NERR(extras) == 1 ? "was" : "were");
        }
        new_err(c, out, s, k, inst, msg);
    }
}

/* A hash that agrees with js_equal: equal values hash alike (1 and 1.0
 * do, True and 1 do not; object keys in any order). */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t js_hash(json_object *v)
{
    size_t i, n;
    uint64_t h;

    switch (json_object_get_type(v)) {
    case json_type_null:
        return 1;
    case json_type_boolean:
        return json_object_get_boolean(v) ? 3 : 2;
    case json_type_int:
    case json_type_double: {
        long double x = num(v);
        double d;
        uint64_t bits;
        if (x == floorl(x) && x >= -9223372036854775808.0L
            && x < 9223372036854775808.0L)
            return mix(4, (uint64_t)(int64_t)x);
        d = (double)x;
        memcpy(&bits, &d, sizeof bits);
        return mix(5, bits);
    }
    case json_type_string:
        return mix(6, hash_bytes(json_object_get_string(v),
                                 (size_t)json_object_get_string_len(v)));
    case json_type_array:
        n = json_object_array_length(v);
        h = mix(7, n);
        for (i = 0; i < n; i++)
            h = mix(h, js_hash(json_object_array_get_idx(v, i)));
        return h;
    case json_type_object:
        h = 0;
        {
            json_object_object_foreach(v, k, val)
                h += mix(hash_bytes(k, strlen(k)), js_hash(val));
        }
        return mix(8, h);
    }
    return 0;
}

typedef struct { uint64_t h; json_object *v; } hashed;

static int cmp_hashed(const void *a, const void *b)
{
    uint64_t x = ((const hashed *)a)->h, y = ((const hashed *)b)->h;
    return x < y ? -1 : x > y;
}

/* jsonschema._utils.uniq, by sorting hashes: only values whose hashes
 * collide are compared. */
static int uniq(vctx *c, json_object *arr)
{
    size_t n = json_object_array_length(arr), i, j, k;
    hashed *hv;

    if (n < 2)
        return 1;
    hv = apr_palloc(c->p, n * sizeof *hv);
    for (i = 0; i < n; i++) {
        hv[i].v = json_object_array_get_idx(arr, i);
        hv[i].h = js_hash(hv[i].v);
    }
    qsort(hv, n, sizeof *hv, cmp_hashed);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && hv[j].h == hv[i].h; j++)
            for (k = i; k < j; k++)
                if (js_equal(hv[k].v, hv[j].v))
                    return 0;
    }
    return 1;
}

static int enum_has(json_object *enums, json_object *inst)
{
    size_t n = json_object_array_length(enums), i;
    enum json_type t = json_object_get_type(inst);
    /* Python: instance == 0 or instance == 1 compares "unbooled" */
    int zero_one = (t == json_type_boolean) ||
        (is_num(inst) && (num(inst) == 0 || num(inst) == 1));

    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(enums, i);
        if (zero_one) {
            enum json_type te = json_object_get_type(e);
            if (t == json_type_boolean || te == json_type_boolean) {
                if (t == te && json_object_get_boolean(inst) ==
                    json_object_get_boolean(e))
                    return 1;
            } else if (is_num(e) && num(e) == num(inst)) {
                return 1;
            }
        } else if (py_eq(inst, e)) {
            return 1;
        }
    }
    return 0;
}

static int multiple_fails(json_object *inst, json_object *db)
{
    if (json_object_is_type(db, json_type_double)) {
        double d = json_object_get_double(db);
        double q = (double)num(inst) / d;
        if (isinf(q))
            return fmodl(num(inst), (long double)d) != 0;
        return isnan(q) || trunc(q) != q;
    }
    if (json_object_is_type(inst, json_type_double))
        return fmodl(num(inst), num(db)) != 0;
    return fmodl(num(inst), num(db)) != 0;
}

static const char *ord_msg(vctx *c, json_object *inst, const char *cmp,
                           const char *what, json_object *bound)
{
    return apr_psprintf(c->p, "%s is %s the %s of %s", R(c, inst), cmp, what,
                        R(c, bound));
}

/* One function a keyword, run from validators[] by its kind.  Each adds
 * its errors to out; a keyword that does not apply to the instance's type
 * adds none. */
typedef void kw_run_fn(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out);

static int type_is(json_object *inst, enum json_type t)
{
    return json_object_get_type(inst) == t;
}

static void v_type(vctx *c, const pl_schema *s, const kw_t *k,
                   json_object *inst, apr_array_header_t *out)
{
    const char *reprs;
    size_t n;

    if (is_any_type(s->dialect, inst, k->types))
        return;
    if (json_object_is_type(k->value, json_type_string)) {
        reprs = R(c, k->value);
    } else {
        reprs = "";
        for (n = 0; n < json_object_array_length(k->value); n++)
            reprs = apr_pstrcat(c->p, reprs, n ? ", " : "",
                                R(c, json_object_array_get_idx(
                                      k->value, n)), NULL);
    }
    new_err(c, out, s, k, inst, apr_psprintf(
                c->p, "%s is not of type %s", R(c, inst), reprs));
}

static void v_props(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    int i;

    if (!type_is(inst, json_type_object))
        return;
    for (i = 0; i < k->nsubs; i++) {
        json_object *v;
        if (json_object_object_get_ex(inst, k->subs[i].name, &v))
            descend(c, k->subs[i].sub, v, k->subs[i].name, -1,
                    k->subs[i].name, -1, out);
    }
}

static void v_patprops(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    int i;

    if (!type_is(inst, json_type_object))
        return;
    for (i = 0; i < k->nsubs; i++) {
        json_object_object_foreach(inst, key, val) {
            if (pl_re_search(k->subs[i].re, key, strlen(key)))
                descend(c, k->subs[i].sub, val, key, -1,
                        k->subs[i].name, -1, out);
        }
    }
}

static void v_addprops(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    if (type_is(inst, json_type_object))
        kw_additional_props(c, s, k, inst, out);
}

static void v_required(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    size_t n;

    if (!type_is(inst, json_type_object))
        return;
    for (n = 0; n < json_object_array_length(k->value); n++) {
        const char *name = json_object_get_string(
            json_object_array_get_idx(k->value, n));
        if (!json_object_object_get_ex(inst, name, NULL))
            new_err(c, out, s, k, inst, apr_psprintf(
                        c->p, "%s is a required property", RS(c, name)));
    }
}

static void v_minprops(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    if (type_is(inst, json_type_object) &&
        json_object_object_length(inst) < k->n)
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s does not have enough properties", R(c, inst)));
}

static void v_maxprops(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    if (type_is(inst, json_type_object) &&
        json_object_object_length(inst) > k->n)
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s has too many properties", R(c, inst)));
}

static void v_items(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    size_t n;
    int i;

    if (!type_is(inst, json_type_array))
        return;
    n = json_object_array_length(inst);
    if (k->subs) {           /* draft 4 tuple form */
        for (i = 0; i < k->nsubs && (size_t)i < n; i++)
            descend(c, k->subs[i].sub, json_object_array_get_idx(inst, i),
                    NULL, i, NULL, i, out);
    } else if (k->sub->is_bool && !k->sub->bool_val && n > 0) {
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "Expected at most 0 items, but found %d", (int)n));
    } else {
        for (i = 0; (size_t)i < n; i++)
            descend(c, k->sub, json_object_array_get_idx(inst, i), NULL,
                    i, NULL, -1, out);
    }
}

/* only meaningful next to the array form of items */
static void v_additems(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    size_t n;
    int i;
    joiner j;

    if (!type_is(inst, json_type_array) || !s->items || !s->items->subs)
        return;
    n = json_object_array_length(inst);
    if (json_object_is_type(k->value, json_type_object)) {
        for (i = s->items->nsubs; (size_t)i < n; i++)
            descend(c, k->sub, json_object_array_get_idx(inst, i), NULL,
                    i, NULL, -1, out);
        return;
    }
    if (!json_object_is_type(k->value, json_type_boolean) ||
        json_object_get_boolean(k->value) || n <= (size_t)s->items->nsubs)
        return;
    join_init(c, &j);
    for (i = s->items->nsubs; (size_t)i < n && !j.cut; i++)
        join_add(&j, ", ", R(c, json_object_array_get_idx(inst, i)));
    new_err(c, out, s, k, inst, apr_psprintf(
                c->p, "Additional items are not allowed (%s %s unexpected)",
                join_str(c, &j), n - s->items->nsubs == 1 ? "was" : "were"));
}

static void v_minitems(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    if (type_is(inst, json_type_array) &&
        (long long)json_object_array_length(inst) < k->n)
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is too short", R(c, inst)));
}

static void v_maxitems(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out)
{
    if (type_is(inst, json_type_array) &&
        (long long)json_object_array_length(inst) > k->n)
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is too long", R(c, inst)));
}

static void v_unique(vctx *c, const pl_schema *s, const kw_t *k,
                     json_object *inst, apr_array_header_t *out)
{
    if (json_object_get_boolean(k->value) && type_is(inst, json_type_array)
        && !uniq(c, inst))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s has non-unique elements", R(c, inst)));
}

static void v_enum(vctx *c, const pl_schema *s, const kw_t *k,
                   json_object *inst, apr_array_header_t *out)
{
    if (!enum_has(k->value, inst))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is not one of %s", R(c, inst),
                    R(c, k->value)));
}

static void v_const(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    if (!js_equal(inst, k->value))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s was expected", R(c, k->value)));
}

/* minimum / maximum; draft 4's boolean exclusive* makes them strict */
static void v_min(vctx *c, const pl_schema *s, const kw_t *k,
                  json_object *inst, apr_array_header_t *out)
{
    if (!is_num(inst))
        return;
    if (s->dialect == D4 && s->d4_exmin) {
        if (num(inst) <= num(k->value))
            new_err(c, out, s, k, inst, ord_msg(
                        c, inst, "less than or equal to", "minimum",
                        k->value));
    } else if (num(inst) < num(k->value)) {
        new_err(c, out, s, k, inst, ord_msg(c, inst, "less than",
                                            "minimum", k->value));
    }
}

static void v_max(vctx *c, const pl_schema *s, const kw_t *k,
                  json_object *inst, apr_array_header_t *out)
{
    if (!is_num(inst))
        return;
    if (s->dialect == D4 && s->d4_exmax) {
        if (num(inst) >= num(k->value))
            new_err(c, out, s, k, inst, ord_msg(
                        c, inst, "greater than or equal to", "maximum",
                        k->value));
    } else if (num(inst) > num(k->value)) {
        new_err(c, out, s, k, inst, ord_msg(c, inst, "greater than",
                                            "maximum", k->value));
    }
}

static void v_exmin(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    if (is_num(inst) && num(inst) <= num(k->value))
        new_err(c, out, s, k, inst, ord_msg(c, inst,
                "less than or equal to", "minimum", k->value));
}

static void v_exmax(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    if (is_num(inst) && num(inst) >= num(k->value))
        new_err(c, out, s, k, inst, ord_msg(c, inst,
                "greater than or equal to", "maximum", k->value));
}

static void v_multof(vctx *c, const pl_schema *s, const kw_t *k,
                     json_object *inst, apr_array_header_t *out)
{
    if (is_num(inst) && multiple_fails(inst, k->value))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is not a multiple of %s", R(c, inst),
                    R(c, k->value)));
}

/* minLength / maxLength count code points, as Python's len() */
static void v_len(vctx *c, const pl_schema *s, const kw_t *k,
                  json_object *inst, apr_array_header_t *out)
{
    long long len;

    if (!type_is(inst, json_type_string))
        return;
    len = (long long)pl_utf8_len(json_object_get_string(inst),
                                 (size_t)json_object_get_string_len(inst));
    if (k->kind == K_MINLEN ? len < k->n : len > k->n)
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is too %s", R(c, inst),
                    k->kind == K_MINLEN ? "short" : "long"));
}

static void v_pattern(vctx *c, const pl_schema *s, const kw_t *k,
                      json_object *inst, apr_array_header_t *out)
{
    if (type_is(inst, json_type_string) &&
        !pl_re_search(k->re, json_object_get_string(inst),
                      (size_t)json_object_get_string_len(inst)))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s does not match %s", R(c, inst),
                    R(c, k->value)));
}

/* placement's checker is is_uuid_like(): non-strings fail too */
static void v_format(vctx *c, const pl_schema *s, const kw_t *k,
                     json_object *inst, apr_array_header_t *out)
{
    if (!(type_is(inst, json_type_string) &&
          pl_uuid_like_n(json_object_get_string(inst),
                         (size_t)json_object_get_string_len(inst))))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is not a %s", R(c, inst), R(c, k->value)));
}

static void v_allof(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    int i;

    for (i = 0; i < k->nsubs; i++)
        descend(c, k->subs[i].sub, inst, NULL, -1, NULL, i, out);
}

/* oneOf: the schemas after the first valid one that are valid too */
static void oneof_more(vctx *c, const pl_schema *s, const kw_t *k,
                       json_object *inst, apr_array_header_t *out,
                       int first_valid)
{
    const char *reprs = "";
    int more = 0, i;

    for (i = first_valid + 1; i < k->nsubs; i++) {
        if (is_valid(c, k->subs[i].sub, inst)) {
            reprs = apr_pstrcat(c->p, reprs, more ? ", " : "",
                                R(c, k->subs[i].sub->doc), NULL);
            more++;
        }
    }
    if (more)
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s is valid under each of %s, %s",
                    R(c, inst), reprs, R(c, k->subs[first_valid].sub->doc)));
}

/* anyOf / oneOf */
static void v_anyof(vctx *c, const pl_schema *s, const kw_t *k,
                    json_object *inst, apr_array_header_t *out)
{
    apr_array_header_t *all = apr_array_make(c->p, 4, sizeof(verr *));
    int first_valid = -1, i;

    for (i = 0; i < k->nsubs; i++) {
        int before = NERR(all);
        descend(c, k->subs[i].sub, inst, NULL, -1, NULL, i, all);
        if (NERR(all) == before) {
            first_valid = i;
            break;
        }
    }
    if (first_valid < 0) {
        verr *e = new_err(c, out, s, k, inst, apr_psprintf(
                              c->p, "%s is not valid under any of the "
                              "given schemas", R(c, inst)));
        e->ctx = (verr **)all->elts;
        e->nctx = NERR(all);
    } else if (k->kind == K_ONEOF) {
        oneof_more(c, s, k, inst, out, first_valid);
    }
}

static void v_not(vctx *c, const pl_schema *s, const kw_t *k,
                  json_object *inst, apr_array_header_t *out)
{
    if (is_valid(c, k->sub, inst))
        new_err(c, out, s, k, inst, apr_psprintf(
                    c->p, "%s should not be valid under %s", R(c, inst),
                    R(c, k->value)));
}

static void v_ref(vctx *c, const pl_schema *s, const kw_t *k,
                  json_object *inst, apr_array_header_t *out)
{
    descend(c, k->sub, inst, NULL, -1, NULL, -1, out);
}

static kw_run_fn *const validators[] = {
    [K_TYPE] = v_type, [K_PROPS] = v_props, [K_PATPROPS] = v_patprops,
    [K_ADDPROPS] = v_addprops, [K_REQUIRED] = v_required,
    [K_MINPROPS] = v_minprops, [K_MAXPROPS] = v_maxprops,
    [K_ITEMS] = v_items, [K_ADDITEMS] = v_additems,
    [K_MINITEMS] = v_minitems, [K_MAXITEMS] = v_maxitems,
    [K_UNIQUE] = v_unique, [K_ENUM] = v_enum, [K_CONST] = v_const,
    [K_MIN] = v_min, [K_MAX] = v_max, [K_EXMIN] = v_exmin,
    [K_EXMAX] = v_exmax, [K_MULTOF] = v_multof, [K_MINLEN] = v_len,
    [K_MAXLEN] = v_len, [K_PATTERN] = v_pattern, [K_FORMAT] = v_format,
    [K_ANYOF] = v_anyof, [K_ONEOF] = v_anyof, [K_ALLOF] = v_allof,
    [K_NOT] = v_not, [K_REF] = v_ref, [K_IGNORE] = NULL,
};

static void run_kw(vctx *c, const pl_schema *s, const kw_t *k,
                   json_object *inst, apr_array_header_t *out)
{
    if (validators[k->kind])
        validators[k->kind](c, s, k, inst, out);
}

static void iter_errors(vctx *c, const pl_schema *s, json_object *inst,
                        apr_array_header_t *out)
{
    int i, j;

    if (s->is_bool) {
        if (!s->bool_val)
            new_err(c, out, s, NULL, inst, apr_psprintf(
                        c->p, "False schema does not allow %s", R(c, inst)));
        return;
    }
    for (i = 0; i < s->nkw; i++) {
        const kw_t *k = &s->kw[i];
        int start = NERR(out);
        if (s->dialect == D4 && s->ref && k != s->ref)
            continue;          /* draft 4 ignores $ref siblings */
        run_kw(c, s, k, inst, out);
        if (k->kind == K_REF)
            continue;
        for (j = start; j < NERR(out); j++) {
            verr *e = ERR(out, j);
            e->spath = cons(c, e->spath, k->name, -1);
        }
    }
}

/* ---- best_match (jsonschema/exceptions.py) ------------------------------ */

static int matches_type(const verr *e)
{
    if (e->schema->is_bool || !e->schema->has_type)
        return 0;
    return is_any_type(e->schema->dialect, e->instance, e->schema->types);
}

static void relevance(const verr *e, int key[4])
{
    const pathel *pe;
    int len = 0;

    for (pe = e->path; pe; pe = pe->next)
        len++;
    key[0] = -len;
    key[1] = !(e->validator && (!strcmp(e->validator, "anyOf") ||
                                !strcmp(e->validator, "oneOf")));
    key[2] = 0;
    key[3] = !matches_type(e);
}

static int key_cmp(const verr *a, const verr *b)
{
    int ka[4], kb[4], i;

    relevance(a, ka);
    relevance(b, kb);
    for (i = 0; i < 4; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

static const verr *best_match(verr **errs, int n)
{
    const verr *best = errs[0];
    int i;

    for (i = 1; i < n; i++)
        if (key_cmp(errs[i], best) > 0)
            best = errs[i];
    while (best->nctx) {
        const verr *lo = best->ctx[0];
        int ties = 1;
        for (i = 1; i < best->nctx; i++) {
            int r = key_cmp(best->ctx[i], lo);
            if (r < 0) {
                lo = best->ctx[i];
                ties = 1;
            } else if (r == 0) {
                ties++;
            }
        }
        if (ties > 1)
            return best;
        best = lo;
    }
    return best;
}

/* ---- str(ValidationError) ----------------------------------------------- */

static const char *as_index(vctx *c, const char *word, const pathel *pe,
                            int drop_last)
{
    joiner j;

    join_init(c, &j);
    for (; pe && !j.cut; pe = pe->next) {
        if (drop_last && !pe->next)
            break;
        join_add(&j, "][", pe->key ? RS(c, pe->key) : apr_ltoa(c->p, pe->idx));
    }
    if (!j.v->nelts)
        return word;
    return apr_pstrcat(c->p, word, "[", join_str(c, &j), "]", NULL);
}

/* text with four spaces after each newline, in one pass */
static const char *indent4(vctx *c, const char *text)
{
    size_t lines = 0, len = 0;
    const char *t;
    char *out, *o;

    for (t = text; *t; t++, len++)
        lines += *t == '\n';
    o = out = apr_palloc(c->p, len + 4 * lines + 1);
    for (t = text; *t; t++) {
        *o++ = *t;
        if (*t == '\n') {
            memcpy(o, "    ", 4);
            o += 4;
        }
    }
    *o = '\0';
    return out;
}

static const char *full_text(vctx *c, const verr *e)
{
    return apr_pstrcat(
        c->p, e->message, "\n\nFailed validating ",
        e->validator ? RS(c, e->validator) : "None", " in ",
        as_index(c, "schema", e->spath, 1), ":\n    ",
        indent4(c, pl_json_pformat(c->p, e->schema->doc, 72)), "\n\nOn ",
        as_index(c, "instance", e->path, 0), ":\n    ",
        indent4(c, pl_json_pformat(c->p, e->instance, 72)), NULL);
}

const pl_schema_error *pl_schema_validate(apr_pool_t *p, const pl_schema *s,
                                          json_object *instance)
{
    vctx c;
    apr_array_header_t *errs = apr_array_make(p, 4, sizeof(verr *));
    const verr *best;
    pl_schema_error *r;

    c.p = p;
    iter_errors(&c, s, instance, errs);
    if (!NERR(errs))
        return NULL;
    best = best_match((verr **)errs->elts, NERR(errs));
    r = apr_palloc(p, sizeof *r);
    r->message = best->message;
    r->full = full_text(&c, best);
    return r;
}
