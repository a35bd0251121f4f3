/*
 * Permission policy engine: the oslo.policy rule language, compiled once at
 * start-up and evaluated read-only (thread-safe) per request.
 * Pure: libc + apr + libyaml only.
 */
#ifndef PL_POLICY_H
#define PL_POLICY_H

#include <stdio.h>
#include <stddef.h>
#include <apr_pools.h>
#include <apr_tables.h>

typedef struct pl_policy pl_policy;

/* What the request context knows about the caller (oslo.context's
 * to_policy_values). NULL strings behave like Python None ("None"). */
typedef struct {
    const char *user_id;        /* may be NULL */
    const char *project_id;     /* NULL when system scoped */
    const char *const *roles;   /* lowercase compare is done by the engine */
    int nroles;
    const char *system_scope;   /* "all" or NULL */
    const char *domain_id;      /* domain-scoped tokens; may be NULL */
    const char *user_domain_id, *project_domain_id;   /* may be NULL */
    int not_admin_project;      /* 1 when a token says is_admin_project
                                 * false (zero: oslo's default True) */
} pl_creds;

/* Load the built-in defaults, then the policy file (YAML or JSON, oslo format)
 * over them. file may be NULL (defaults only). Without enforce_new_defaults a
 * rule that upstream gives a deprecated default becomes "(new) or (old)"
 * unless the file overrides it. Scope enforcement starts on (see
 * pl_policy_set_enforce_scope). On error returns NULL and *err names the file
 * and the rule. */
pl_policy *pl_policy_load(apr_pool_t *p, const char *file,
                          int enforce_new_defaults, char **err);

/* Same, from a memory buffer; name is only used in error messages. */
pl_policy *pl_policy_load_buffer(apr_pool_t *p, const char *name,
                                 const char *buf, size_t len,
                                 int enforce_new_defaults, char **err);

/* oslo.policy [oslo_policy] enforce_scope: a token whose scope (system when
 * system_scope is set, else project) is not in a built-in rule's scope_types
 * is denied. On by default (oslo.policy >= 4.4 default; the acceptance tests
 * deny system-scoped tokens in both legacy and secure RBAC profiles).
 * Call before the policy is shared between threads. */
void pl_policy_set_enforce_scope(pl_policy *pol, int enforce);

/* target: key -> value (e.g. project_id, user_id); NULL means the default
 * target {project_id, user_id} taken from the credentials, as
 * placement's context.can() builds it.
 * Returns 1 allowed, 0 denied, -1 unknown rule name. */
int pl_policy_check(const pl_policy *pol, const char *rule,
                    const pl_creds *c, const apr_table_t *target);

/* Effective policy (defaults merged with file, after the legacy
 * OR-combination) as YAML. */
void pl_policy_write_yaml(const pl_policy *pol, FILE *out,
                          int with_descriptions);

/* Every built-in rule commented out, with description, operations, scope
 * and deprecation notes (the sample policy file). */
void pl_policy_write_sample(FILE *out);

/* A rule the policy file defines beyond the built-in ones (what
 * placement-status reports): renamed_to lists the built-in rules whose
 * deprecated name it is, comma separated (NULL when none); referenced is set when another
 * rule refers to it (rule:NAME), so it is a helper rather than a typo. */
typedef struct {
    const char *name;
    const char *renamed_to;
    int referenced;
} pl_policy_extra;

/* The file's extra rules, in file order: an array of pl_policy_extra. */
apr_array_header_t *pl_policy_extra_rules(const pl_policy *pol,
                                          apr_pool_t *p);

/* ---- built-in defaults (policy_defaults.c) ---- */
typedef struct {
    const char *method;
    const char *path;
} pl_policy_op;

typedef struct {
    const char *name;
    const char *check;             /* new default check string */
    const char *description;
    const pl_policy_op *ops;       /* ends with {NULL, NULL}; NULL = none */
    const char *scope_types;       /* comma separated; NULL = no scope check */
    const char *deprecated_name;   /* NULL when nothing is deprecated */
    const char *deprecated_check;
    const char *deprecated_since;
} pl_policy_default;

extern const pl_policy_default pl_policy_defaults[];
extern const int pl_policy_ndefaults;
extern const char pl_policy_deprecated_reason[];

#endif
