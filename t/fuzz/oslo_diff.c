/*
 * Driver for oslo_diff.py: compares our rule parser and evaluator with
 * oslo.policy's on random rules. Reads "rule<TAB>creds<TAB>target" lines,
 * prints the oslo-style string of the parsed rule (or ERR) and the
 * evaluation result (1, 0, -1 = oslo would raise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "policy_int.h"

static const char *r0[] = { "Admin", "reader" };
static const char *r1[] = { "admin" };
static const pl_creds cs[] = {
    { "u", "p", r0, 2, NULL, NULL, NULL, NULL, 0 },
    { "u", NULL, r1, 1, "all", NULL, NULL, NULL, 0 },
    { NULL, "p", NULL, 0, NULL },
};

int main(void)
{
    char line[8192];
    apr_pool_t *p;
    apr_table_t *t;
    apr_initialize();
    apr_pool_create(&p, NULL);
    t = apr_table_make(p, 4);
    apr_table_set(t, "project_id", "p");
    apr_table_set(t, "x", "admin");
    apr_table_set(t, "n", "42");
    apr_table_set(t, "b", "True");
    while (fgets(line, sizeof(line), stdin)) {
        char *a, *b, *err = NULL;
        pl_pnode *n;
        line[strcspn(line, "\n")] = '\0';
        if (!(a = strchr(line, '\t')) || !(b = strchr(a + 1, '\t')))
            return 2;
        *a++ = '\0';
        *b++ = '\0';
        n = pl_rule_parse(p, line, &err);
        if (!n)
            printf("ERR\tERR\n");
        else {
            pl_evalctx e = { &cs[atoi(a) % 3], atoi(b) ? t : NULL };
            printf("%s\t%d\n", pl_rule_str(p, n), pl_rule_eval(n, &e, 0));
        }
    }
    return 0;
}
