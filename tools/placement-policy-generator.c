/*
 * placement-policy-generator: print the effective policy (built-in defaults
 * merged with a policy file) as YAML, like oslopolicy-policy-generator, or
 * with --sample every default commented out (conf/policy.yaml.sample).
 *
 *   placement-policy-generator [--policy-file F] [--no-enforce-new-defaults]
 *                              [--sample] [--descriptions]
 *
 * The new default rules, as the module enforces them by default
 * (PlacementEnforceNewDefaults On, as oslo.policy 4.4+).
 */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include "policy.h"

static int usage(FILE *f)
{
    fputs("usage: placement-policy-generator [--policy-file FILE] "
          "[--no-enforce-new-defaults] [--sample] [--descriptions]\n", f);
    if (f == stdout)
        fputs("Print the effective policy (built-in rules merged with the "
              "policy file) as YAML.\n"
              "  --policy-file FILE      policy file (YAML or JSON)\n"
              "  --no-enforce-new-defaults  the deprecated rules too, as\n"
              "                          PlacementEnforceNewDefaults Off\n"
              "  --sample                every built-in rule, commented out\n"
              "  --descriptions          each rule's description as a "
              "comment\n", f);
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    int new_defaults = 1, sample = 0, descr = 0, i, rc = 0;
    apr_pool_t *p;
    pl_policy *pol;
    char *err = NULL;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--policy-file") && i + 1 < argc)
            file = argv[++i];
        else if (!strncmp(argv[i], "--policy-file=", 14))
            file = argv[i] + 14;
        else if (!strcmp(argv[i], "--enforce-new-defaults"))    /* the default */
            new_defaults = 1;
        else if (!strcmp(argv[i], "--no-enforce-new-defaults"))
            new_defaults = 0;
        else if (!strcmp(argv[i], "--sample"))
            sample = 1;
        else if (!strcmp(argv[i], "--descriptions"))
            descr = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout);
        else
            return usage(stderr);
    }
    if (sample) {
        pl_policy_write_sample(stdout);
        return 0;
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    pol = pl_policy_load(p, file, new_defaults, &err);
    if (!pol) {
        fprintf(stderr, "placement-policy-generator: %s\n", err);
        rc = 1;
    }
    else
        pl_policy_write_yaml(pol, stdout, descr);
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
