/*
 * Policy loading and checking: built-in defaults merged with an oslo-format
 * policy file (YAML or JSON through libyaml), the legacy "(new) or (old)"
 * combination, rule: reference resolution, scope enforcement, YAML output.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "policy_int.h"

struct pl_policy {
    apr_pool_t *pool;
    apr_hash_t *byname;            /* name -> pl_rule* */
    apr_array_header_t *order;     /* pl_rule*, defaults first, then file */
    int enforce_new_defaults;
    int enforce_scope;
};

/* A rule as read from the file, before merging. */
typedef struct {
    const char *name;
    const char *text;
    pl_pnode *check;
} file_rule;

static unsigned scope_mask(const char *s)
{
    unsigned m = 0;
    while (s && *s) {
        size_t n = strcspn(s, ",");
        if (n == 6 && !strncmp(s, "system", 6))
            m |= PL_SCOPE_SYSTEM;
        else if (n == 7 && !strncmp(s, "project", 7))
            m |= PL_SCOPE_PROJECT;
        else if (n == 6 && !strncmp(s, "domain", 6))
            m |= PL_SCOPE_DOMAIN;
        s += n + (s[n] == ',');
    }
    return m;
}

/* ---- reading the file ---- */

/* Plain scalars YAML would resolve to null, bool or a number: oslo
 * would not see a string there. */
static const char *plain_non_string(const char *v)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL", 0 };
    static const char *const bools[] = {
        "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
        "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", 0
    };
    const char *d = v;
    int i, digits = 0;
    for (i = 0; nulls[i]; i++)
        if (!strcmp(v, nulls[i]))
            return "null";
    for (i = 0; bools[i]; i++)
        if (!strcmp(v, bools[i]))
            return "a boolean";
    if (*d == '+' || *d == '-')
        d++;
    for (; *d >= '0' && *d <= '9'; d++)
        digits++;
    if (*d == '.')
        for (d++; *d >= '0' && *d <= '9'; d++)
            digits++;
    if (digits && !*d)
        return "a number";
    return NULL;
}

static char *scalar_str(apr_pool_t *p, yaml_node_t *n)
{
    return apr_pstrmemdup(p, (const char *)n->data.scalar.value,
                          n->data.scalar.length);
}

/* Compile one file value: a string, or the old list-of-lists form. */
static pl_pnode *compile_value(apr_pool_t *p, yaml_document_t *doc,
                               yaml_node_t *v, const char **text, char **err)
{
    if (v->type == YAML_SCALAR_NODE) {
        char *s = scalar_str(p, v);
        const char *bad;
        if (strlen(s) != v->data.scalar.length) {
            *err = apr_pstrdup(p, "contains a NUL character");
            return NULL;
        }
        if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
            && (bad = plain_non_string(s))) {
            *err = apr_psprintf(p, "value is %s, not a rule string", bad);
            return NULL;
        }
        *text = s;
        return pl_rule_parse(p, s, err);
    }
    if (v->type == YAML_SEQUENCE_NODE) {
        int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        const char ***lists = apr_pcalloc(p, sizeof(*lists) * (n ? n : 1));
        int *lens = apr_pcalloc(p, sizeof(int) * (n ? n : 1));
        int i, j;
        pl_pnode *c;
        for (i = 0; i < n; i++) {
            yaml_node_t *in = yaml_document_get_node(doc,
                                          v->data.sequence.items.start[i]);
            if (in && in->type == YAML_SCALAR_NODE) {
                char *s = scalar_str(p, in);
                lists[i] = apr_palloc(p, sizeof(char *));
                lists[i][0] = s;
                lens[i] = *s ? 1 : 0;
            }
            else if (in && in->type == YAML_SEQUENCE_NODE) {
                int m = (int)(in->data.sequence.items.top
                              - in->data.sequence.items.start);
                lists[i] = apr_palloc(p, sizeof(char *) * (m ? m : 1));
                for (j = 0; j < m; j++) {
                    yaml_node_t *cn = yaml_document_get_node(doc,
                                         in->data.sequence.items.start[j]);
                    if (!cn || cn->type != YAML_SCALAR_NODE) {
                        *err = apr_pstrdup(p, "list rules nest at most two levels "
                                                 "of strings");
                        return NULL;
                    }
                    lists[i][j] = scalar_str(p, cn);
                }
                lens[i] = m;
            }
            else {
                *err = apr_pstrdup(p, "list rules nest at most two levels of strings");
                return NULL;
            }
        }
        c = pl_rule_from_lists(p, (const char *const *const *)lists, lens, n,
                               err);
        if (c)
            *text = pl_rule_str(p, c);
        return c;
    }
    *err = apr_pstrdup(p, "value must be a rule string");
    return NULL;
}

static const char *yaml_problem(apr_pool_t *p, const yaml_parser_t *y)
{
    return apr_psprintf(p, "YAML error: %s%s%s at line %lu column %lu",
                        y->problem ? y->problem : "syntax error",
                        y->context ? " " : "", y->context ? y->context : "",
                        (unsigned long)y->problem_mark.line + 1,
                        (unsigned long)y->problem_mark.column + 1);
}

/* Parse the file into name -> file_rule (later duplicates win, as with
 * PyYAML) and an ordered list of first appearances. */
static int read_file_rules(apr_pool_t *p, const char *name, const char *buf,
                           size_t len, apr_hash_t *rules,
                           apr_array_header_t *order, char **err)
{
    yaml_parser_t y;
    yaml_document_t doc, extra;
    yaml_node_t *root;
    yaml_node_pair_t *pair;
    int rc = -1;

    if (!yaml_parser_initialize(&y)) {
        *err = apr_psprintf(p, "policy file %s: out of memory", name);
        return -1;
    }
    yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&y, &doc)) {
        *err = apr_psprintf(p, "policy file %s: %s", name, yaml_problem(p, &y));
        yaml_parser_delete(&y);
        return -1;
    }
    root = yaml_document_get_root_node(&doc);
    if (root) {
        /* oslo (yaml.safe_load) refuses a second document */
        if (!yaml_parser_load(&y, &extra)) {
            *err = apr_psprintf(p, "policy file %s: %s", name,
                                yaml_problem(p, &y));
            goto out;
        }
        if (yaml_document_get_root_node(&extra)) {
            yaml_document_delete(&extra);
            *err = apr_psprintf(p, "policy file %s: more than one YAML "
                                "document", name);
            goto out;
        }
        yaml_document_delete(&extra);
    }
    if (!root || (root->type == YAML_SCALAR_NODE
                  && root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                  && plain_non_string(scalar_str(p, root))
                  && !strcmp(plain_non_string(scalar_str(p, root)), "null"))) {
        rc = 0;     /* empty file: no overrides */
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        *err = apr_psprintf(p, "policy file %s: must be a mapping of rule "
                            "names to rules", name);
        goto out;
    }
    for (pair = root->data.mapping.pairs.start;
         pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
        file_rule *fr;
        char *rerr = NULL;
        if (!k || k->type != YAML_SCALAR_NODE || !v) {
            *err = apr_psprintf(p, "policy file %s: rule names must be "
                                "strings", name);
            goto out;
        }
        fr = apr_pcalloc(p, sizeof(*fr));
        fr->name = scalar_str(p, k);
        fr->check = compile_value(p, &doc, v, &fr->text, &rerr);
        if (!fr->check) {
            *err = apr_psprintf(p, "policy file %s: rule \"%s\": %s", name,
                                fr->name, rerr ? rerr : "invalid");
            goto out;
        }
        if (!apr_hash_get(rules, fr->name, APR_HASH_KEY_STRING))
            APR_ARRAY_PUSH(order, const char *) = fr->name;
        apr_hash_set(rules, fr->name, APR_HASH_KEY_STRING, fr);
    }
    rc = 0;
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&y);
    return rc;
}

/* ---- merging ---- */

static pl_rule *add_rule(pl_policy *pol, const char *name, const char *text,
                         pl_pnode *check, const pl_policy_default *def)
{
    pl_rule *r = apr_pcalloc(pol->pool, sizeof(*r));
    r->name = name;
    r->text = text;
    r->check = check;
    r->def = def;
    r->scope = def ? scope_mask(def->scope_types) : 0;
    apr_hash_set(pol->byname, name, APR_HASH_KEY_STRING, r);
    APR_ARRAY_PUSH(pol->order, pl_rule *) = r;
    return r;
}

/* What oslo's enforcer registers for one default, given the file. */
static int merge_default(pl_policy *pol, const pl_policy_default *d,
                         apr_hash_t *file, char **err)
{
    apr_pool_t *p = pol->pool;
    file_rule *fr = apr_hash_get(file, d->name, APR_HASH_KEY_STRING);
    pl_pnode *nw, *old;
    char *perr = NULL;

    if (fr) {                          /* the file overrides: no OR */
        add_rule(pol, d->name, fr->text, fr->check, d);
        return 0;
    }
    nw = pl_rule_parse(p, d->check, &perr);
    if (!nw)
        goto bad;
    if (d->deprecated_check) {
        file_rule *dep = NULL;
        if (d->deprecated_name && strcmp(d->deprecated_name, d->name))
            dep = apr_hash_get(file, d->deprecated_name, APR_HASH_KEY_STRING);
        /* an override of the old name carries over, unless it is just an
         * alias pointing at the new name */
        if (dep && strcmp(pl_rule_str(p, dep->check),
                          apr_pstrcat(p, "rule:", d->name, NULL))) {
            add_rule(pol, d->name, dep->text, dep->check, d);
            return 0;
        }
        if (!pol->enforce_new_defaults && strcmp(d->deprecated_check,
                                                 d->check)) {
            old = pl_rule_parse(p, d->deprecated_check, &perr);
            if (!old)
                goto bad;
            add_rule(pol, d->name,
                     apr_pstrcat(p, "(", *d->check ? d->check : "@", ") or (",
                                 *d->deprecated_check ? d->deprecated_check
                                 : "@", ")", NULL),
                     pl_rule_or2(p, nw, old), d);
            return 0;
        }
    }
    add_rule(pol, d->name, d->check, nw, d);
    return 0;
bad:
    *err = apr_psprintf(p, "built-in policy: rule \"%s\": %s", d->name, perr);
    return -1;
}

/* Point rule: checks at their rules (falling back to a rule named
 * "default" as oslo does) and collect the references of each rule. */
static void resolve(pl_policy *pol, pl_pnode *n, apr_array_header_t *refs)
{
    int i;
    if (n->kind == PN_RULE) {
        n->ref = apr_hash_get(pol->byname, n->cmatch, APR_HASH_KEY_STRING);
        if (!n->ref)
            n->ref = apr_hash_get(pol->byname, "default", APR_HASH_KEY_STRING);
        if (n->ref)
            APR_ARRAY_PUSH(refs, pl_rule *) = n->ref;
        return;
    }
    for (i = 0; i < n->n; i++)      /* depth bounded by the parser */
        resolve(pol, n->kids[i], refs);
}

/* Iterative depth-first walk of the rule graph: refuse cycles (oslo would
 * recurse forever at request time) and chains too deep to evaluate. */
static int check_graph(pl_policy *pol, apr_array_header_t **refs, char **err)
{
    int nr = pol->order->nelts, i;
    pl_rule **rules = (pl_rule **)pol->order->elts;
    int *stack = malloc(sizeof(int) * 2 * (nr + 1));
    int rc = 0;

    if (!stack) {
        *err = apr_pstrdup(pol->pool, "out of memory");
        return -1;
    }
    for (i = 0; i < nr; i++) {
        rules[i]->idx = i;
        rules[i]->mark = 0;
    }
    for (i = 0; i < nr && !rc; i++) {
        int sp = 0;
        if (rules[i]->mark)
            continue;
        stack[sp++] = i;
        stack[sp++] = 0;
        rules[i]->mark = 1;
        while (sp && !rc) {
            int r = stack[sp - 2], k = stack[sp - 1];
            apr_array_header_t *rf = refs[r];
            if (k < rf->nelts) {
                pl_rule *t = APR_ARRAY_IDX(rf, k, pl_rule *);
                int ti = t->idx;
                stack[sp - 1] = k + 1;
                if (t->mark == 1) {
                    *err = apr_psprintf(pol->pool, "rule \"%s\": rule:%s "
                                        "closes a reference cycle",
                                        rules[r]->name, t->name);
                    rc = -1;
                }
                else if (!t->mark) {
                    t->mark = 1;
                    stack[sp++] = ti;
                    stack[sp++] = 0;
                }
            }
            else {
                int h = rules[r]->check->depth, j;
                for (j = 0; j < rf->nelts; j++) {
                    pl_rule *t = APR_ARRAY_IDX(rf, j, pl_rule *);
                    if (rules[r]->check->depth + t->height > h)
                        h = rules[r]->check->depth + t->height;
                }
                rules[r]->height = h;
                rules[r]->mark = 2;
                if (h > PL_MAX_EVAL_DEPTH / 2) {
                    *err = apr_psprintf(pol->pool, "rule \"%s\": rule: "
                                        "references nest too deeply",
                                        rules[r]->name);
                    rc = -1;
                }
                sp -= 2;
            }
        }
    }
    free(stack);
    return rc;
}

pl_policy *pl_policy_load_buffer(apr_pool_t *p, const char *name,
                                 const char *buf, size_t len,
                                 int enforce_new_defaults, char **err)
{
    pl_policy *pol = apr_pcalloc(p, sizeof(*pol));
    apr_hash_t *file = apr_hash_make(p);
    apr_array_header_t *forder = apr_array_make(p, 16, sizeof(const char *));
    apr_array_header_t **refs;
    char *gerr = NULL;
    int i;

    pol->pool = p;
    pol->byname = apr_hash_make(p);
    pol->order = apr_array_make(p, 64, sizeof(pl_rule *));
    pol->enforce_new_defaults = enforce_new_defaults;
    pol->enforce_scope = 1;
    if (buf && read_file_rules(p, name, buf, len, file, forder, err))
        return NULL;
    for (i = 0; i < pl_policy_ndefaults; i++)
        if (merge_default(pol, &pl_policy_defaults[i], file, err))
            return NULL;
    for (i = 0; i < forder->nelts; i++) {
        const char *n = APR_ARRAY_IDX(forder, i, const char *);
        file_rule *fr;
        if (apr_hash_get(pol->byname, n, APR_HASH_KEY_STRING))
            continue;
        fr = apr_hash_get(file, n, APR_HASH_KEY_STRING);
        add_rule(pol, n, fr->text, fr->check, NULL);
    }
    refs = apr_palloc(p, sizeof(*refs) * (pol->order->nelts + 1));
    for (i = 0; i < pol->order->nelts; i++) {
        refs[i] = apr_array_make(p, 2, sizeof(pl_rule *));
        resolve(pol, APR_ARRAY_IDX(pol->order, i, pl_rule *)->check, refs[i]);
    }
    if (check_graph(pol, refs, &gerr)) {
        *err = apr_psprintf(p, "policy file %s: %s", buf ? name : "(none)",
                            gerr);
        return NULL;
    }
    return pol;
}

pl_policy *pl_policy_load(apr_pool_t *p, const char *file,
                          int enforce_new_defaults, char **err)
{
    FILE *f;
    char *buf;
    size_t len = 0, cap = 65536, n;

    if (!file)
        return pl_policy_load_buffer(p, "(defaults)", NULL, 0,
                                     enforce_new_defaults, err);
    f = fopen(file, "rb");
    if (!f) {
        *err = apr_psprintf(p, "policy file %s: cannot open", file);
        return NULL;
    }
    buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf || ferror(f)) {
        *err = apr_psprintf(p, "policy file %s: cannot read (or larger "
                            "than 64 MiB)", file);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    {
        pl_policy *pol = pl_policy_load_buffer(p, file, buf, len,
                                               enforce_new_defaults, err);
        free(buf);
        return pol;
    }
}

/* Mark the rules a check tree refers to. */
static void mark_refs(const pl_pnode *n, apr_hash_t *seen)
{
    int i;
    if (n->kind == PN_RULE) {
        if (n->ref)
            apr_hash_set(seen, n->ref->name, APR_HASH_KEY_STRING, n);
        return;
    }
    for (i = 0; i < n->n; i++)      /* depth bounded by the parser */
        mark_refs(n->kids[i], seen);
}

apr_array_header_t *pl_policy_extra_rules(const pl_policy *pol,
                                          apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(pl_policy_extra));
    apr_hash_t *seen = apr_hash_make(p);
    int i, j;

    for (i = 0; i < pol->order->nelts; i++)
        mark_refs(APR_ARRAY_IDX(pol->order, i, pl_rule *)->check, seen);
    for (i = 0; i < pol->order->nelts; i++) {
        const pl_rule *r = APR_ARRAY_IDX(pol->order, i, pl_rule *);
        pl_policy_extra *x;
        if (r->def)
            continue;
        x = apr_array_push(out);
        x->name = r->name;
        x->renamed_to = NULL;
        x->referenced = apr_hash_get(seen, r->name, APR_HASH_KEY_STRING)
                        != NULL;
        for (j = 0; j < pl_policy_ndefaults; j++) {
            const pl_policy_default *d = &pl_policy_defaults[j];
            if (d->deprecated_name && strcmp(d->deprecated_name, d->name)
                && !strcmp(d->deprecated_name, r->name))
                x->renamed_to = x->renamed_to
                    ? apr_pstrcat(p, x->renamed_to, ", ", d->name, NULL)
                    : d->name;
        }
    }
    return out;
}

void pl_policy_set_enforce_scope(pl_policy *pol, int enforce)
{
    pol->enforce_scope = enforce;
}

int pl_policy_check(const pl_policy *pol, const char *rule,
                    const pl_creds *c, const apr_table_t *target)
{
    pl_rule *r = apr_hash_get(pol->byname, rule, APR_HASH_KEY_STRING);
    pl_evalctx e;
    if (!r)
        return -1;
    if (pol->enforce_scope && r->scope) {
        /* oslo.policy: system if system_scope, else domain if domain_id,
         * else project */
        unsigned tok = (c->system_scope && *c->system_scope) ? PL_SCOPE_SYSTEM
                       : (c->domain_id && *c->domain_id) ? PL_SCOPE_DOMAIN
                       : PL_SCOPE_PROJECT;
        if (!(r->scope & tok))
            return 0;
    }
    e.c = c;
    e.target = target;
    /* an evaluation error (oslo would raise) denies */
    return pl_rule_eval(r->check, &e, 0) == 1;
}

/* ---- output ---- */

static void yq(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(out, "\\x%02x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void comment_lines(FILE *out, const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        fprintf(out, "# %.*s\n", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

static void describe(FILE *out, const pl_policy_default *d)
{
    const pl_policy_op *op;
    comment_lines(out, d->description);
    for (op = d->ops; op && op->method; op++)
        fprintf(out, "# %s  %s\n", op->method, op->path);
    if (d->scope_types)
        fprintf(out, "# Intended scope(s): %s\n", d->scope_types);
}

void pl_policy_write_yaml(const pl_policy *pol, FILE *out,
                          int with_descriptions)
{
    int i;
    for (i = 0; i < pol->order->nelts; i++) {
        const pl_rule *r = APR_ARRAY_IDX(pol->order, i, pl_rule *);
        if (with_descriptions && r->def)
            describe(out, r->def);
        yq(out, r->name);
        fputs(": ", out);
        yq(out, r->text);
        fputs(with_descriptions ? "\n\n" : "\n", out);
    }
}

void pl_policy_write_sample(FILE *out)
{
    int i;
    fputs("# Placement policy: every built-in rule, commented out, with its\n"
          "# default. Uncomment and change a rule to override it.\n"
          "#\n"
          "# Rules marked \"old default\" are checked as \"(new) or (old)\"\n"
          "# while [oslo_policy] enforce_new_defaults is False.\n", out);
    comment_lines(out, pl_policy_deprecated_reason);
    fputc('\n', out);
    for (i = 0; i < pl_policy_ndefaults; i++) {
        const pl_policy_default *d = &pl_policy_defaults[i];
        describe(out, d);
        if (d->deprecated_check)
            fprintf(out, "# Old default (deprecated since %s): \"%s\"\n",
                    d->deprecated_since, d->deprecated_check);
        fputc('#', out);
        yq(out, d->name);
        fputs(": ", out);
        yq(out, d->check);
        fputc('\n', out);
        fputc('\n', out);
    }
}
