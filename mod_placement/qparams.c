/* Query parameters shared by the listing APIs (see qparams.h). */
#include <string.h>
#include <limits.h>
#include <apr_strings.h>

#include "qparams.h"
#include "microversion.h"
#include "jsonschema.h"
#include "strutil.h"

/* Length of the white space character at s (Python str.isspace()), or 0. */
static size_t space_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
    if (c == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0)) return 2;
    if (c == 0xe1 && s[1] == 0x9a && s[2] == 0x80) return 3;          /* U+1680 */
    if (c == 0xe2 && s[1] == 0x80 && s[2] >= 0x80 && s[2] <= 0x8a) return 3;  /* 2000-200A */
    if (c == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
        return 3;                                                     /* 2028 2029 202F */
    if (c == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) return 3;          /* U+205F */
    if (c == 0xe3 && s[1] == 0x80 && s[2] == 0x80) return 3;          /* U+3000 */
    return 0;
}

const char *pl_qp_strip(apr_pool_t *p, const char *s)
{
    const unsigned char *b = (const unsigned char *)s, *e, *last;
    size_t n;
    while ((n = space_len(b)) > 0) b += n;
    /* scan forward remembering where the trailing run of spaces starts */
    e = b;
    last = b;
    while (*e) {
        n = space_len(e);
        if (n) e += n;
        else { e++; while ((*e & 0xc0) == 0x80) e++; last = e; }
    }
    return apr_pstrndup(p, (const char *)b, (size_t)(last - b));
}

int pl_qp_pyint(const char *s, long long *out)
{
    const unsigned char *c = (const unsigned char *)s;
    int neg = 0, digits = 0, overflow = 0;
    unsigned long long v = 0;
    size_t n;
    while ((n = space_len(c)) > 0) c += n;
    if (*c == '+' || *c == '-') neg = *c++ == '-';
    while (*c >= '0' && *c <= '9') {
        if (v > (ULLONG_MAX - 9) / 10) overflow = 1;
        else v = v * 10 + (unsigned)(*c - '0');
        digits++;
        c++;
        /* one underscore may separate digits */
        if (*c == '_' && c[1] >= '0' && c[1] <= '9') c++;
    }
    if (!digits) return -1;
    while ((n = space_len(c)) > 0) c += n;
    if (*c) return -1;
    if (overflow || v > (unsigned long long)LLONG_MAX)
        *out = neg ? LLONG_MIN : LLONG_MAX;
    else
        *out = neg ? -(long long)v : (long long)v;
    return 0;
}

/* Split s on sep (Python str.split(sep)): always at least one piece. */
static apr_array_header_t *split(apr_pool_t *p, const char *s, char sep)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    for (;;) {
        const char *e = strchr(s, sep);
        if (!e) { *(const char **)apr_array_push(a) = apr_pstrdup(p, s); break; }
        *(const char **)apr_array_push(a) = apr_pstrndup(p, s, (size_t)(e - s));
        s = e + 1;
    }
    return a;
}

static apr_array_header_t *one(apr_pool_t *p, const char *s)
{
    apr_array_header_t *a = apr_array_make(p, 1, sizeof(const char *));
    *(const char **)apr_array_push(a) = s;
    return a;
}

#define STR(a, i) (APR_ARRAY_IDX((a), (i), const char *))

static void add_unique(apr_array_header_t *a, const char *s)
{
    pl_add_unique(NULL, a, s);
}

#define BAD_RESOURCES "Badly formed resources parameter. Expected resources query " \
    "string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: "

int pl_qp_resources(apr_pool_t *p, const char *val, apr_array_header_t **out,
                    const char **err)
{
    apr_array_header_t *parts, *res;
    int i, j;

    if (!*pl_qp_strip(p, val)) {
        *err = BAD_RESOURCES "empty string.";
        return -1;
    }
    res = apr_array_make(p, 4, sizeof(pl_qp_amount));
    parts = split(p, val, ',');
    for (i = 0; i < parts->nelts; i++) {
        const char *rt = STR(parts, i), *colon = strchr(rt, ':');
        const char *rc, *amount_s;
        long long amount;
        pl_qp_amount *slot = NULL;

        if (!colon || strchr(colon + 1, ':')) {
            *err = apr_psprintf(p, BAD_RESOURCES "%s.", rt);
            return -1;
        }
        rc = apr_pstrndup(p, rt, (size_t)(colon - rt));
        amount_s = colon + 1;
        if (pl_qp_pyint(amount_s, &amount) != 0) {
            *err = apr_psprintf(p, "Requested resource %s expected positive integer "
                                "amount. Got: %s.", rc, amount_s);
            return -1;
        }
        if (amount < 1) {
            *err = apr_psprintf(p, "Requested resource %s requires amount >= 1. "
                                "Got: %" APR_INT64_T_FMT ".", rc, (apr_int64_t)amount);
            return -1;
        }
        for (j = 0; j < res->nelts; j++)
            if (strcmp(APR_ARRAY_IDX(res, j, pl_qp_amount).rc, rc) == 0)
                slot = &APR_ARRAY_IDX(res, j, pl_qp_amount);
        if (!slot) {
            slot = apr_array_push(res);
            slot->rc = rc;
        }
        slot->amount = amount;
    }
    *out = res;
    return 0;
}

static void traits_init(apr_pool_t *p, pl_qp_traits *t)
{
    if (!t->all_of) {
        t->all_of = apr_array_make(p, 4, sizeof(apr_array_header_t *));
        t->forbidden = apr_array_make(p, 4, sizeof(const char *));
    }
}

int pl_qp_traits_value(apr_pool_t *p, const char *val, int allow_forbidden,
                       int allow_any, pl_qp_traits *acc, const char **err)
{
    apr_array_header_t *parts, *group;
    int i;

    traits_init(p, acc);
    if (strncmp(val, "in:", 3) == 0) {
        if (!allow_any) {
            *err = apr_psprintf(p, "Invalid query string parameters: The format "
                                "'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since "
                                "microversion 1.39. Got: %s", val);
            return -1;
        }
        parts = split(p, val + 3, ',');
        group = apr_array_make(p, parts->nelts, sizeof(const char *));
        for (i = 0; i < parts->nelts; i++)
            add_unique(group, pl_qp_strip(p, STR(parts, i)));
        for (i = 0; i < group->nelts; i++)
            if (!*STR(group, i)) {
                *err = apr_psprintf(p, "Invalid query string parameters: Expected "
                                    "'required' parameter value of the form: "
                                    "in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait "
                                    "in: %s", val);
                return -1;
            }
        for (i = 0; i < group->nelts; i++)
            if (STR(group, i)[0] == '!') {
                *err = apr_psprintf(p, "Invalid query string parameters: The format "
                                    "'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support "
                                    "forbidden traits. Got: %s", val);
                return -1;
            }
        *(apr_array_header_t **)apr_array_push(acc->all_of) = group;
        return 0;
    }

    parts = split(p, val, ',');
    {
        apr_array_header_t *req = apr_array_make(p, 4, sizeof(const char *));
        apr_array_header_t *forb = apr_array_make(p, 4, sizeof(const char *));
        for (i = 0; i < parts->nelts; i++) {
            const char *t = pl_qp_strip(p, STR(parts, i));
            if (!*t) goto empty;
            if (*t == '!') {
                /* lstrip('!'): "!!FOO" forbids FOO, a lone "!" is empty */
                while (*t == '!') t++;
                if (!*t) goto empty;
                add_unique(forb, t);
            }
            else
                *(const char **)apr_array_push(req) = t;
        }
        if (forb->nelts && !allow_forbidden) {
            *err = apr_psprintf(p, "Invalid query string parameters: Expected 'required' "
                                "parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. "
                                "Got: %s", val);
            return -1;
        }
        for (i = 0; i < req->nelts; i++) {
            group = apr_array_make(p, 1, sizeof(const char *));
            *(const char **)apr_array_push(group) = STR(req, i);
            *(apr_array_header_t **)apr_array_push(acc->all_of) = group;
        }
        for (i = 0; i < forb->nelts; i++)
            add_unique(acc->forbidden, STR(forb, i));
        return 0;
    }
empty:
    *err = apr_psprintf(p, "Invalid query string parameters: Expected 'required' "
                        "parameter value of the form: %s. Got an empty trait in: %s",
                        allow_forbidden ? "HW_CPU_X86_VMX,!CUSTOM_MAGIC"
                                        : "HW_CPU_X86_VMX,CUSTOM_MAGIC", val);
    return -1;
}

int pl_qp_required(apr_pool_t *p, const apr_array_header_t *values, int mv,
                   pl_qp_traits *out, const char **err)
{
    int allow_forbidden = mv >= PL_V(1, 22), allow_any = mv >= PL_V(1, 39);
    int i = 0;
    out->all_of = NULL;
    traits_init(p, out);
    /* before 1.39 a repeated key means its last value only */
    if (!allow_any && values->nelts > 1) i = values->nelts - 1;
    for (; i < values->nelts; i++)
        if (pl_qp_traits_value(p, STR(values, i), allow_forbidden, allow_any, out, err))
            return -1;
    return 0;
}

static void aggs_init(apr_pool_t *p, pl_qp_aggs *a)
{
    if (!a->any_of) {
        a->any_of = apr_array_make(p, 4, sizeof(apr_array_header_t *));
        a->forbidden = apr_array_make(p, 4, sizeof(const char *));
    }
}

int pl_qp_member_of_value(apr_pool_t *p, const char *val, pl_qp_aggs *acc,
                          int *has_forbidden, const char **err)
{
    apr_array_header_t *uuids, *set;
    int forbidden = 0, i;

    aggs_init(p, acc);
    if (strchr(val, ',') && strncmp(val, "in:", 3) != 0 && strncmp(val, "!in:", 4) != 0) {
        *err = apr_psprintf(p, "Multiple values for 'member_of' must be prefixed with the "
                            "'in:' or '!in:' keyword using the valid microversion. Got: %s",
                            val);
        return -1;
    }
    if (strncmp(val, "!in:", 4) == 0) { forbidden = 1; uuids = split(p, val + 4, ','); }
    else if (val[0] == '!') { forbidden = 1; uuids = one(p, val + 1); }
    else if (strncmp(val, "in:", 3) == 0) uuids = split(p, val + 3, ',');
    else uuids = one(p, val);

    set = apr_array_make(p, uuids->nelts, sizeof(const char *));
    for (i = 0; i < uuids->nelts; i++)
        add_unique(set, STR(uuids, i));
    for (i = 0; i < set->nelts; i++)
        if (!pl_uuid_is_like(STR(set, i))) {
            *err = apr_psprintf(p, "Invalid query string parameters: Expected 'member_of' "
                                "parameter to contain valid UUID(s). Got: %s", STR(set, i));
            return -1;
        }
    if (forbidden)
        for (i = 0; i < set->nelts; i++) add_unique(acc->forbidden, STR(set, i));
    else
        *(apr_array_header_t **)apr_array_push(acc->any_of) = set;
    *has_forbidden = forbidden;
    return 0;
}

int pl_qp_member_of(apr_pool_t *p, const apr_array_header_t *values,
                    const char *suffix, int mv, pl_qp_aggs *out, const char **err)
{
    int i;
    out->any_of = NULL;
    aggs_init(p, out);
    if (mv < PL_V(1, 24) && values->nelts > 1) {
        *err = apr_psprintf(p, "Multiple member_of%s parameters are not supported", suffix);
        return -1;
    }
    for (i = 0; i < values->nelts; i++) {
        int forbidden = 0;
        if (pl_qp_member_of_value(p, STR(values, i), out, &forbidden, err))
            return -1;
        if (forbidden && mv < PL_V(1, 32)) {
            *err = apr_psprintf(p, "Forbidden member_of%s parameters are not supported in "
                                "the specified microversion", suffix);
            return -1;
        }
    }
    return 0;
}

int pl_qp_in_tree(apr_pool_t *p, const char *val, const char **out, const char **err)
{
    const char *v = pl_qp_strip(p, val);
    if (!pl_uuid_is_like(v)) {
        *err = apr_psprintf(p, "Invalid query string parameters: Expected 'in_tree' "
                            "parameter to be a format of uuid. Got: %s", val);
        return -1;
    }
    *out = v;
    return 0;
}
