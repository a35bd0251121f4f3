/*
 * The oslo.policy rule language: tokenizer, the same greedy shift-reduce
 * grammar oslo uses (so precedence quirks match), check compilation and
 * evaluation. No recursion without a bound: trees are capped at
 * PL_MAX_TREE_DEPTH while parsing, evaluation at PL_MAX_EVAL_DEPTH.
 */
#include <string.h>
#include <apr_strings.h>
#include "policy_int.h"

/* token and grammar symbols */
enum { T_LP, T_RP, T_AND, T_OR, T_NOT, T_CHECK, T_STRING, T_ANDX, T_ORX };

typedef struct {
    int tok;
    pl_pnode *val;
} sym;

static pl_pnode *node_new(apr_pool_t *p, int kind)
{
    pl_pnode *n = apr_pcalloc(p, sizeof(*n));
    n->kind = kind;
    n->depth = 1;
    return n;
}

static int add_kid(apr_pool_t *p, pl_pnode *n, pl_pnode *k, char **err)
{
    if (n->n == n->cap) {
        int cap = n->cap ? n->cap * 2 : 4;
        pl_pnode **kids = apr_palloc(p, sizeof(*kids) * cap);
        if (n->n)
            memcpy(kids, n->kids, sizeof(*kids) * n->n);
        n->kids = kids;
        n->cap = cap;
    }
    n->kids[n->n++] = k;
    if (k->depth + 1 > n->depth)
        n->depth = k->depth + 1;
    if (n->depth > PL_MAX_TREE_DEPTH) {
        *err = apr_psprintf(p, "nested more than %d levels deep",
                            PL_MAX_TREE_DEPTH);
        return -1;
    }
    return 0;
}

static pl_pnode *node2(apr_pool_t *p, int kind, pl_pnode *a, pl_pnode *b,
                       char **err)
{
    pl_pnode *n = node_new(p, kind);
    if (add_kid(p, n, a, err) || (b && add_kid(p, n, b, err)))
        return NULL;
    return n;
}

pl_pnode *pl_rule_or2(apr_pool_t *p, pl_pnode *a, pl_pnode *b)
{
    char *err;
    pl_pnode *n = node_new(p, PN_OR);
    /* the combined node may exceed the parse cap by one level: fine */
    add_kid(p, n, a, &err);
    add_kid(p, n, b, &err);
    return n;
}

/* ---- the right-hand side: "%(key)s" templates ---- */

static int tmpl_compile(apr_pool_t *p, const char *s, pl_tmpl *t, char **err)
{
    size_t len = strlen(s), i = 0, start = 0;
    int cap = 2;
    t->n = 0;
    t->parts = apr_palloc(p, sizeof(pl_tpart) * cap);
    while (i <= len) {
        if (i < len && s[i] != '%') {
            i++;
            continue;
        }
        /* flush literal [start, i) */
        if (i > start || (t->n == 0 && i == len)) {
            if (t->n == cap) {
                pl_tpart *np = apr_palloc(p, sizeof(pl_tpart) * cap * 2);
                memcpy(np, t->parts, sizeof(pl_tpart) * cap);
                t->parts = np;
                cap *= 2;
            }
            t->parts[t->n].lit = s + start;
            t->parts[t->n].len = i - start;
            t->parts[t->n].key = NULL;
            t->n++;
        }
        if (i == len)
            break;
        if (s[i + 1] == '%') {          /* "%%" is a literal percent */
            start = i + 1;
            i += 2;
            continue;
        }
        if (s[i + 1] != '(') {
            *err = apr_psprintf(p, "unsupported %%-format in \"%s\" "
                                "(only %%(key)s and %%%%)", s);
            return -1;
        }
        {
            /* Python matches nested parentheses inside the key */
            size_t j = i + 2;
            int level = 1;
            for (; j < len; j++) {
                if (s[j] == '(')
                    level++;
                else if (s[j] == ')' && --level == 0)
                    break;
            }
            if (j >= len || s[j + 1] != 's') {
                *err = apr_psprintf(p, "unsupported %%-format in \"%s\" "
                                    "(only %%(key)s and %%%%)", s);
                return -1;
            }
            if (t->n == cap) {
                pl_tpart *np = apr_palloc(p, sizeof(pl_tpart) * cap * 2);
                memcpy(np, t->parts, sizeof(pl_tpart) * cap);
                t->parts = np;
                cap *= 2;
            }
            t->parts[t->n].lit = NULL;
            t->parts[t->n].len = 0;
            t->parts[t->n].key = apr_pstrmemdup(p, s + i + 2, j - (i + 2));
            t->n++;
            i = j + 2;
            start = i;
        }
    }
    return 0;
}

/* Value of a target key; Python formats None as "None". */
static const char *target_get(const pl_evalctx *e, const char *key)
{
    if (e->target)
        return apr_table_get(e->target, key);
    if (strcmp(key, "project_id") == 0)
        return e->c->project_id ? e->c->project_id : "None";
    if (strcmp(key, "user_id") == 0)
        return e->c->user_id ? e->c->user_id : "None";
    return NULL;
}

/* Python raises KeyError (check is False) when any key is missing. */
static int tmpl_resolvable(const pl_tmpl *t, const pl_evalctx *e)
{
    int i;
    for (i = 0; i < t->n; i++)
        if (t->parts[i].key && !target_get(e, t->parts[i].key))
            return 0;
    return 1;
}

static int lc(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
}

static int prefix_eq(const char *a, const char *s, size_t n, int ci)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!s[i])
            return 0;
        if (ci ? lc((unsigned char)a[i]) != lc((unsigned char)s[i])
               : a[i] != s[i])
            return 0;
    }
    return 1;
}

/* Does the expanded template equal s? Compared piecewise, no allocation. */
static int tmpl_eq(const pl_tmpl *t, const pl_evalctx *e, const char *s,
                   int ci)
{
    int i;
    for (i = 0; i < t->n; i++) {
        const char *lit = t->parts[i].lit;
        size_t n = t->parts[i].len;
        if (t->parts[i].key) {
            lit = target_get(e, t->parts[i].key);
            if (!lit)
                return 0;
            n = strlen(lit);
        }
        if (!prefix_eq(lit, s, n, ci))
            return 0;
        s += n;
    }
    return *s == '\0';
}

/* ---- single checks ---- */

static int is_int_literal(const char *s)
{
    const char *d = s;
    if (*d == '+' || *d == '-')
        d++;
    if (!*d)
        return 0;
    for (; *d; d++)
        if (*d < '0' || *d > '9')
            return 0;
    return 1;
}

/* Kinds that ast.literal_eval accepts become literals; other Python
 * literals we do not model are refused rather than misread. */
static int kind_literal(apr_pool_t *p, const char *k, const char **out,
                        char **err)
{
    size_t len = strlen(k);
    *out = NULL;
    if (!strcmp(k, "True") || !strcmp(k, "False") || !strcmp(k, "None")) {
        *out = k;
        return 0;
    }
    if (len >= 2 && (k[0] == '\'' || k[0] == '"') && k[len - 1] == k[0]
        && !memchr(k + 1, k[0], len - 2) && !memchr(k, '\\', len)) {
        *out = apr_pstrmemdup(p, k + 1, len - 2);
        return 0;
    }
    if (is_int_literal(k)) {
        const char *d = k + (k[0] == '+' || k[0] == '-');
        int neg = k[0] == '-';
        if (d[0] == '0' && d[1]) {
            const char *z = d;
            while (*z == '0')
                z++;
            if (*z) {
                *err = apr_psprintf(p, "unsupported literal \"%s\"", k);
                return -1;
            }
            d = "0";
        }
        if (!strcmp(d, "0"))
            neg = 0;
        *out = neg ? apr_pstrcat(p, "-", d, NULL) : apr_pstrdup(p, d);
        return 0;
    }
    if ((k[0] >= '0' && k[0] <= '9') || k[0] == '[' || k[0] == '{'
        || strchr(k, '\'') || strchr(k, '"')) {
        *err = apr_psprintf(p, "unsupported literal \"%s\"", k);
        return -1;
    }
    return 0;
}

static pl_pnode *parse_check(apr_pool_t *p, const char *s, char **err)
{
    const char *colon;
    pl_pnode *n;
    if (!strcmp(s, "!"))
        return node_new(p, PN_FALSE);
    if (!strcmp(s, "@"))
        return node_new(p, PN_TRUE);
    colon = strchr(s, ':');
    if (!colon) {
        *err = apr_psprintf(p, "\"%s\" is not a check (kind:match, @ or !)",
                            s);
        return NULL;
    }
    n = node_new(p, PN_GENERIC);
    n->ckind = apr_pstrmemdup(p, s, colon - s);
    n->cmatch = apr_pstrdup(p, colon + 1);
    if (!strcmp(n->ckind, "rule")) {
        n->kind = PN_RULE;
        return n;
    }
    if (!strcmp(n->ckind, "http") || !strcmp(n->ckind, "https")) {
        *err = apr_psprintf(p, "external %s checks are not supported",
                            n->ckind);
        return NULL;
    }
    if (!*n->ckind) {
        *err = apr_psprintf(p, "empty check kind in \"%s\"", s);
        return NULL;
    }
    if (tmpl_compile(p, n->cmatch, &n->match, err))
        return NULL;
    if (!strcmp(n->ckind, "role")) {
        n->kind = PN_ROLE;
        return n;
    }
    if (kind_literal(p, n->ckind, &n->litval, err))
        return NULL;
    if (!n->litval) {
        char *dup = apr_pstrdup(p, n->ckind), *q;
        int cnt = 1, i = 0;
        for (q = dup; *q; q++)
            cnt += *q == '.';
        n->path = apr_palloc(p, sizeof(char *) * cnt);
        n->path[i++] = dup;
        for (q = dup; *q; q++)
            if (*q == '.') {
                *q = '\0';
                n->path[i++] = q + 1;
            }
        n->npath = cnt;
    }
    return n;
}

/* ---- tokenizer + shift-reduce parser ---- */

static int is_ws(unsigned char ch)
{
    /* Python's \s for str, ASCII part */
    return ch == ' ' || (ch >= 0x09 && ch <= 0x0d) || (ch >= 0x1c && ch <= 0x1f);
}

typedef struct {
    apr_pool_t *p;
    sym *st;
    int n;
    char **err;
} pstate;

static int match3(const pstate *s, int a, int b, int c)
{
    return s->n >= 3 && s->st[s->n - 3].tok == a && s->st[s->n - 2].tok == b
        && s->st[s->n - 1].tok == c;
}

/* Apply reductions until none matches (at most one can match at a time). */
static int reduce(pstate *s)
{
    for (;;) {
        sym *t = s->st + s->n;
        if (s->n >= 3 && t[-3].tok == T_LP && t[-1].tok == T_RP
            && (t[-2].tok == T_CHECK || t[-2].tok == T_ANDX
                || t[-2].tok == T_ORX)) {
            t[-3].tok = T_CHECK;
            t[-3].val = t[-2].val;
            s->n -= 2;
        }
        else if (match3(s, T_CHECK, T_AND, T_CHECK)) {
            pl_pnode *n = node2(s->p, PN_AND, t[-3].val, t[-1].val, s->err);
            if (!n)
                return -1;
            t[-3].tok = T_ANDX;
            t[-3].val = n;
            s->n -= 2;
        }
        else if (match3(s, T_ORX, T_AND, T_CHECK)) {
            /* "a or b and c": and binds to the last operand of the or */
            pl_pnode *orx = t[-3].val, *last = orx->kids[orx->n - 1];
            if (last->kind == PN_AND) {
                if (add_kid(s->p, last, t[-1].val, s->err))
                    return -1;
            }
            else {
                last = node2(s->p, PN_AND, last, t[-1].val, s->err);
                if (!last)
                    return -1;
                orx->kids[orx->n - 1] = last;
            }
            if (last->depth + 1 > orx->depth)
                orx->depth = last->depth + 1;
            if (orx->depth > PL_MAX_TREE_DEPTH) {
                *s->err = apr_psprintf(s->p, "nested more than %d levels deep",
                                       PL_MAX_TREE_DEPTH);
                return -1;
            }
            s->n -= 2;
        }
        else if (match3(s, T_ANDX, T_AND, T_CHECK)
                 || match3(s, T_ORX, T_OR, T_CHECK)) {
            if (add_kid(s->p, t[-3].val, t[-1].val, s->err))
                return -1;
            s->n -= 2;
        }
        else if (match3(s, T_CHECK, T_OR, T_CHECK)
                 || match3(s, T_ANDX, T_OR, T_CHECK)) {
            pl_pnode *n = node2(s->p, PN_OR, t[-3].val, t[-1].val, s->err);
            if (!n)
                return -1;
            t[-3].tok = T_ORX;
            t[-3].val = n;
            s->n -= 2;
        }
        else if (s->n >= 2 && t[-2].tok == T_NOT && t[-1].tok == T_CHECK) {
            pl_pnode *n = node2(s->p, PN_NOT, t[-1].val, NULL, s->err);
            if (!n)
                return -1;
            t[-2].tok = T_CHECK;
            t[-2].val = n;
            s->n -= 1;
        }
        else
            return 0;
    }
}

static int shift(pstate *s, int tok, pl_pnode *val)
{
    s->st[s->n].tok = tok;
    s->st[s->n].val = val;
    s->n++;
    return reduce(s);
}

static int ci_word(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && prefix_eq(w, s, n, 1);
}

pl_pnode *pl_rule_parse(apr_pool_t *p, const char *text, char **err)
{
    size_t len = strlen(text), i = 0;
    pstate s;
    if (len == 0)
        return node_new(p, PN_TRUE);    /* "" allows everything */
    s.p = p;
    s.err = err;
    s.n = 0;
    s.st = apr_palloc(p, sizeof(sym) * (len + 1));  /* >= token count */
    while (i < len) {
        size_t b, e, lead = 0, trail = 0;
        while (i < len && is_ws((unsigned char)text[i]))
            i++;
        if (i == len)
            break;
        b = i;
        while (i < len && !is_ws((unsigned char)text[i]))
            i++;
        e = i;
        while (b < e && text[b] == '(') {
            b++;
            lead++;
        }
        for (; lead; lead--)
            if (shift(&s, T_LP, NULL))
                return NULL;
        if (b == e)
            continue;
        {
            size_t ce = e;
            while (ce > b && text[ce - 1] == ')') {
                ce--;
                trail++;
            }
            if (ce > b) {
                const char *w = text + b;
                size_t wn = ce - b;
                int rc;
                if (ci_word(w, wn, "and"))
                    rc = shift(&s, T_AND, NULL);
                else if (ci_word(w, wn, "or"))
                    rc = shift(&s, T_OR, NULL);
                else if (ci_word(w, wn, "not"))
                    rc = shift(&s, T_NOT, NULL);
                else if (e - b >= 2 && (text[b] == '"' || text[b] == '\'')
                         && text[e - 1] == text[b]) {
                    /* oslo makes this a string token nothing reduces */
                    *err = apr_psprintf(p, "quoted string %s is not a check",
                                        apr_pstrmemdup(p, text + b, e - b));
                    return NULL;
                }
                else {
                    pl_pnode *c = parse_check(p, apr_pstrmemdup(p, w, wn),
                                              err);
                    if (!c)
                        return NULL;
                    rc = shift(&s, T_CHECK, c);
                }
                if (rc)
                    return NULL;
            }
            for (; trail; trail--)
                if (shift(&s, T_RP, NULL))
                    return NULL;
        }
    }
    if (s.n != 1 || (s.st[0].tok != T_CHECK && s.st[0].tok != T_ANDX
                     && s.st[0].tok != T_ORX)) {
        *err = apr_psprintf(p, "cannot parse \"%s\" (unbalanced parentheses "
                            "or a missing operand)", text);
        return NULL;
    }
    return s.st[0].val;
}

pl_pnode *pl_rule_from_lists(apr_pool_t *p, const char *const *const *lists,
                             const int *lens, int nlists, char **err)
{
    pl_pnode *or = node_new(p, PN_OR);
    int i, j;
    if (nlists == 0)
        return node_new(p, PN_TRUE);
    for (i = 0; i < nlists; i++) {
        pl_pnode *and = NULL, *one = NULL;
        if (lens[i] == 0)
            continue;
        if (lens[i] > 1)
            and = node_new(p, PN_AND);
        for (j = 0; j < lens[i]; j++) {
            one = parse_check(p, lists[i][j], err);
            if (!one)
                return NULL;
            if (and && add_kid(p, and, one, err))
                return NULL;
        }
        if (add_kid(p, or, and ? and : one, err))
            return NULL;
    }
    if (or->n == 0)
        return node_new(p, PN_FALSE);
    return or->n == 1 ? or->kids[0] : or;
}

/* Length of, then text of, the oslo-style string: linear in tree size. */
static size_t str_put(const pl_pnode *n, char *out)
{
    size_t len = 0, k;
    int i;
#define PUT(s, l) do { if (out) memcpy(out + len, (s), (l)); len += (l); } while (0)
    switch (n->kind) {
    case PN_TRUE:
        PUT("@", 1);
        break;
    case PN_FALSE:
        PUT("!", 1);
        break;
    case PN_NOT:
        PUT("not ", 4);
        len += str_put(n->kids[0], out ? out + len : NULL);
        break;
    case PN_AND:
    case PN_OR:
        PUT("(", 1);
        for (i = 0; i < n->n; i++) {
            if (i && n->kind == PN_AND)
                PUT(" and ", 5);
            else if (i)
                PUT(" or ", 4);
            len += str_put(n->kids[i], out ? out + len : NULL);
        }
        PUT(")", 1);
        break;
    default:
        k = strlen(n->ckind);
        PUT(n->ckind, k);
        PUT(":", 1);
        k = strlen(n->cmatch);
        PUT(n->cmatch, k);
    }
#undef PUT
    return len;
}

char *pl_rule_str(apr_pool_t *p, const pl_pnode *n)
{
    size_t len = str_put(n, NULL);
    char *s = apr_palloc(p, len + 1);
    str_put(n, s);
    s[len] = '\0';
    return s;
}

/* ---- evaluation ---- */

/* Credential values as oslo.context's to_policy_values gives them for a
 * token: 1 scalar (*val, NULL = None), 2 list, 0 no such key. */
static int creds_get(const pl_creds *c, const char *key, const char **val)
{
    static const char *const nones[] = {
        "service_user_id", "service_user_domain_id", "service_project_id",
        "service_project_domain_id", NULL
    };
    int i;
    *val = NULL;
    if (!strcmp(key, "user_id")) {
        *val = c->user_id;
        return 1;
    }
    if (!strcmp(key, "project_id")) {
        *val = c->project_id;
        return 1;
    }
    if (!strcmp(key, "system_scope")) {
        *val = c->system_scope;
        return 1;
    }
    if (!strcmp(key, "system")) {   /* oslo adds it for system tokens */
        *val = c->system_scope;
        return (c->system_scope && *c->system_scope) ? 1 : 0;
    }
    if (!strcmp(key, "roles") || !strcmp(key, "service_roles"))
        return 2;
    if (!strcmp(key, "is_admin_project")) {
        *val = c->not_admin_project ? "False" : "True";
        return 1;
    }
    if (!strcmp(key, "domain_id")) {
        *val = c->domain_id;
        return 1;
    }
    if (!strcmp(key, "user_domain_id")) {
        *val = c->user_domain_id;
        return 1;
    }
    if (!strcmp(key, "project_domain_id")) {
        *val = c->project_domain_id;
        return 1;
    }
    for (i = 0; nones[i]; i++)
        if (!strcmp(key, nones[i]))
            return 1;
    return 0;
}

static int eval_generic(const pl_pnode *n, const pl_evalctx *e)
{
    const char *val;
    int kind, i;
    if (!tmpl_resolvable(&n->match, e))
        return 0;
    if (n->litval)
        return tmpl_eq(&n->match, e, n->litval, 0);
    kind = creds_get(e->c, n->path[0], &val);
    if (!kind)
        return 0;
    /* deeper paths index into a string, None or list element: oslo
     * raises TypeError and the request fails; so does the whole check */
    if (n->npath != 1) {
        if (kind == 2 && (strcmp(n->path[0], "roles") || e->c->nroles == 0))
            return 0;       /* an empty list: nothing to index */
        return -1;
    }
    if (kind == 1)
        return tmpl_eq(&n->match, e, val ? val : "None", 0);
    if (strcmp(n->path[0], "roles"))
        return 0;   /* service_roles is always empty */
    for (i = 0; i < e->c->nroles; i++)
        if (e->c->roles[i] && tmpl_eq(&n->match, e, e->c->roles[i], 0))
            return 1;
    return 0;
}

int pl_rule_eval(const pl_pnode *n, const pl_evalctx *e, int depth)
{
    int i, r;
    if (depth > PL_MAX_EVAL_DEPTH)
        return -1;
    switch (n->kind) {
    case PN_TRUE:
        return 1;
    case PN_FALSE:
        return 0;
    case PN_NOT:
        r = pl_rule_eval(n->kids[0], e, depth + 1);
        return r < 0 ? r : !r;
    case PN_AND:
        for (i = 0; i < n->n; i++)
            if ((r = pl_rule_eval(n->kids[i], e, depth + 1)) != 1)
                return r;
        return 1;
    case PN_OR:
        for (i = 0; i < n->n; i++)
            if ((r = pl_rule_eval(n->kids[i], e, depth + 1)) != 0)
                return r;
        return 0;
    case PN_RULE:
        return n->ref ? pl_rule_eval(n->ref->check, e, depth + 1) : 0;
    case PN_ROLE:
        if (!tmpl_resolvable(&n->match, e))
            return 0;
        for (i = 0; i < e->c->nroles; i++)
            if (e->c->roles[i] && tmpl_eq(&n->match, e, e->c->roles[i], 1))
                return 1;
        return 0;
    default:
        return eval_generic(n, e);
    }
}
