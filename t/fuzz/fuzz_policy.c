/*
 * libFuzzer target for the policy engine: the rule parser and the policy
 * file loader, each followed by checks and YAML output on what loaded.
 *
 * t/run-tests replays the corpus with mutations (t/fuzz/run.sh).
 * Build and run with libFuzzer (from the top of the tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I mod_placement \
 *       $(pkg-config --cflags apr-1 yaml-0.1) t/fuzz/fuzz_policy.c \
 *       mod_placement/policy.c mod_placement/policy_rule.c \
 *       mod_placement/policy_defaults.c \
 *       $(pkg-config --libs apr-1 yaml-0.1) -o /tmp/fuzz_policy
 *   mkdir -p /tmp/fuzz_corpus && cp -r t/fuzz/corpus/. /tmp/fuzz_corpus/
 *   /tmp/fuzz_policy -dict=t/fuzz/policy.dict -max_total_time=300 \
 *       -max_len=4096 /tmp/fuzz_corpus
 * The first input byte picks the mode: even = one rule string, odd = a
 * policy file (bit 1: enforce_new_defaults).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "policy_int.h"
#include "fuzz_input.h"

static FILE *devnull;

static const char *roles[] = { "admin", "reader", "Member" };
static const pl_creds creds[] = {
    { "u", "p", roles, 3, NULL, NULL, NULL, NULL, 0 },
    { NULL, NULL, roles, 1, "all", NULL, NULL, NULL, 0 },
    { "u", "p", NULL, 0, NULL, NULL, NULL, NULL, 0 },
};

static void exercise(pl_policy *pol, apr_pool_t *p, const char *extra)
{
    apr_table_t *t = apr_table_make(p, 2);
    int i, k;
    static const char *const names[] = {
        "placement:usages", "placement:reshaper:reshape", "admin_api",
        "project_reader_api", "t", "default", "a", "b"
    };
    apr_table_set(t, "project_id", "p");
    apr_table_set(t, "x", "admin");
    for (i = 0; i < 3; i++) {
        for (k = 0; k < (int)(sizeof(names) / sizeof(names[0])); k++) {
            pl_policy_check(pol, names[k], &creds[i], NULL);
            pl_policy_check(pol, names[k], &creds[i], t);
        }
        if (extra)
            pl_policy_check(pol, extra, &creds[i], t);
    }
    pl_policy_write_yaml(pol, devnull, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *err = NULL, *text;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (!(p = fuzz_input(data, size, &text)))
        return 0;
    if (!(data[0] & 1)) {
        pl_pnode *n = pl_rule_parse(p, text, &err);
        if (n) {
            pl_evalctx e = { &creds[0], NULL };
            char *str = pl_rule_str(p, n);
            /* the printed form must parse again */
            if (!pl_rule_parse(p, str, &err))
                abort();
            pl_rule_eval(n, &e, 0);
            e.c = &creds[1];
            pl_rule_eval(n, &e, 0);
        }
    }
    else {
        pl_policy *pol = pl_policy_load_buffer(p, "fuzz", (const char *)data + 1,
                                               size - 1, (data[0] >> 1) & 1,
                                               &err);
        if (pol)
            exercise(pol, p, NULL);
        else if (!err)
            abort();    /* a failure must say why */
    }
    apr_pool_destroy(p);
    return 0;
}
