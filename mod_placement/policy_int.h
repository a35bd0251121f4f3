/* Internal to the policy engine: compiled rule trees. */
#ifndef PL_POLICY_INT_H
#define PL_POLICY_INT_H

#include "policy.h"

/* Caps that keep hostile policy files from exhausting the stack. */
#define PL_MAX_TREE_DEPTH 64     /* nesting inside one rule string */
#define PL_MAX_EVAL_DEPTH 1024   /* nesting across rule: references */

enum {
    PN_TRUE, PN_FALSE, PN_NOT, PN_AND, PN_OR, PN_RULE, PN_ROLE, PN_GENERIC
};

/* A "%(key)s" template from the right-hand side of a check. */
typedef struct {
    const char *lit;   /* literal text (key == NULL) */
    size_t len;
    const char *key;   /* target key to substitute */
} pl_tpart;

typedef struct {
    int n;
    pl_tpart *parts;
} pl_tmpl;

typedef struct pl_rule pl_rule;
typedef struct pl_pnode pl_pnode;

struct pl_pnode {
    int kind;
    int depth;             /* 1 for a leaf */
    int n, cap;            /* AND/OR children count; NOT has one */
    pl_pnode **kids;
    const char *ckind;     /* check text left and right of ':' */
    const char *cmatch;
    pl_tmpl match;         /* ROLE, GENERIC */
    const char *litval;    /* GENERIC: str() of a literal kind, else NULL */
    const char **path;     /* GENERIC: credential path split on '.' */
    int npath;
    pl_rule *ref;          /* RULE: resolved at load, NULL = undefined */
};

struct pl_rule {
    const char *name;
    const char *text;              /* effective check string */
    pl_pnode *check;
    unsigned scope;                /* PL_SCOPE_* mask of scope_types */
    const pl_policy_default *def;  /* NULL for file-only rules */
    int idx;                       /* position in load order */
    int mark;                      /* load-time graph walk state */
    int height;
};

#define PL_SCOPE_SYSTEM  1u
#define PL_SCOPE_PROJECT 2u
#define PL_SCOPE_DOMAIN  4u

/* Compile a rule string; NULL + *err on a parse error. */
pl_pnode *pl_rule_parse(apr_pool_t *p, const char *text, char **err);
/* Compile oslo's old list-of-lists form: or of ands of single checks. */
pl_pnode *pl_rule_from_lists(apr_pool_t *p, const char *const *const *lists,
                             const int *lens, int nlists, char **err);
pl_pnode *pl_rule_or2(apr_pool_t *p, pl_pnode *a, pl_pnode *b);
/* oslo-style string of a compiled tree. */
char *pl_rule_str(apr_pool_t *p, const pl_pnode *n);

typedef struct {
    const pl_creds *c;
    const apr_table_t *target;   /* NULL: default target from c */
} pl_evalctx;

int pl_rule_eval(const pl_pnode *n, const pl_evalctx *e, int depth);

#endif
