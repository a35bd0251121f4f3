/* qparams: resources=, required=, member_of=, in_tree= parsing with
 * upstream's rules and messages. */
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "qparams.h"
#include "microversion.h"

static apr_pool_t *pool;

static apr_array_header_t *vals(int n, ...)
{
    apr_array_header_t *a = apr_array_make(pool, n, sizeof(const char *));
    va_list ap;
    int i;
    va_start(ap, n);
    for (i = 0; i < n; i++) *(const char **)apr_array_push(a) = va_arg(ap, const char *);
    va_end(ap);
    return a;
}

#define G(arr, i) APR_ARRAY_IDX((arr), (i), apr_array_header_t *)
#define S(arr, i) APR_ARRAY_IDX((arr), (i), const char *)

static void test_resources(void)
{
    apr_array_header_t *r = NULL;
    const char *err = NULL;
    pl_qp_amount *a;

    ok(pl_qp_resources(pool, "VCPU:2,MEMORY_MB:1024,VCPU:3", &r, &err) == 0, "resources ok");
    is_int(r->nelts, 2, "repeated class collapses");
    a = &APR_ARRAY_IDX(r, 0, pl_qp_amount);
    is_str(a->rc, "VCPU", "first class keeps its place");
    is_int(a->amount, 3, "last amount wins");
    ok(pl_qp_resources(pool, " DISK_GB: +1_0 ", &r, &err) == 0, "python int() forms");
    is_str(APR_ARRAY_IDX(r, 0, pl_qp_amount).rc, " DISK_GB", "class not stripped");
    is_int(APR_ARRAY_IDX(r, 0, pl_qp_amount).amount, 10, "amount parsed");

    ok(pl_qp_resources(pool, "  ", &r, &err) == -1, "blank");
    is_str(err, "Badly formed resources parameter. Expected resources query string "
           "parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: empty string.",
           "blank message");
    ok(pl_qp_resources(pool, "VCPU:1:2", &r, &err) == -1, "two colons");
    is_str(err, "Badly formed resources parameter. Expected resources query string "
           "parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: VCPU:1:2.",
           "two colons message");
    ok(pl_qp_resources(pool, "VCPU:1,", &r, &err) == -1, "trailing comma");
    is_str(err, "Badly formed resources parameter. Expected resources query string "
           "parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: .", "empty piece");
    ok(pl_qp_resources(pool, "VCPU:fred", &r, &err) == -1, "not an int");
    is_str(err, "Requested resource VCPU expected positive integer amount. Got: fred.",
           "not an int message");
    ok(pl_qp_resources(pool, "VCPU:1__0", &r, &err) == -1, "double underscore");
    ok(pl_qp_resources(pool, "VCPU:-05", &r, &err) == -1, "negative");
    is_str(err, "Requested resource VCPU requires amount >= 1. Got: -5.", "negative message");
    ok(pl_qp_resources(pool, "VCPU:0", &r, &err) == -1, "zero");
}

static void test_required(void)
{
    pl_qp_traits t;
    const char *err = NULL;

    ok(pl_qp_required(pool, vals(1, "A, !B,!!C,A"), PL_V(1, 22), &t, &err) == 0, "mixed");
    is_int(t.all_of->nelts, 2, "one group per required trait");
    is_str(S(G(t.all_of, 1), 0), "A", "stripped");
    is_int(t.forbidden->nelts, 2, "forbidden");
    is_str(S(t.forbidden, 1), "C", "!! strips to the name");

    ok(pl_qp_required(pool, vals(1, "!B"), PL_V(1, 21), &t, &err) == -1, "forbidden at 1.21");
    is_str(err, "Invalid query string parameters: Expected 'required' parameter value of "
           "the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: !B", "forbidden message");
    ok(pl_qp_required(pool, vals(1, ""), PL_V(1, 22), &t, &err) == -1, "blank");
    is_str(err, "Invalid query string parameters: Expected 'required' parameter value of "
           "the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. Got an empty trait in: ", "blank message");
    ok(pl_qp_required(pool, vals(1, "!,!B"), PL_V(1, 21), &t, &err) == -1, "lone !");
    is_str(err, "Invalid query string parameters: Expected 'required' parameter value of "
           "the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in: !,!B",
           "empty wins over forbidden");

    ok(pl_qp_required(pool, vals(2, "A", "B"), PL_V(1, 38), &t, &err) == 0, "repeat 1.38");
    is_int(t.all_of->nelts, 1, "last value only before 1.39");
    is_str(S(G(t.all_of, 0), 0), "B", "last value");
    ok(pl_qp_required(pool, vals(1, "in:A,B"), PL_V(1, 38), &t, &err) == -1, "in: at 1.38");
    is_str(err, "Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' "
           "only supported since microversion 1.39. Got: in:A,B", "in: message");

    ok(pl_qp_required(pool, vals(2, "in:A, B,A", "C,!D"), PL_V(1, 39), &t, &err) == 0, "1.39");
    is_int(t.all_of->nelts, 2, "any-of group plus a required");
    is_int(G(t.all_of, 0)->nelts, 2, "any-of deduplicated");
    is_int(t.forbidden->nelts, 1, "forbidden from second value");
    ok(pl_qp_required(pool, vals(1, "in:A,!B"), PL_V(1, 39), &t, &err) == -1, "in: with !");
    is_str(err, "Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' "
           "does not support forbidden traits. Got: in:A,!B", "in: ! message");
    ok(pl_qp_required(pool, vals(1, "in:A,,B"), PL_V(1, 39), &t, &err) == -1, "in: empty");
    is_str(err, "Invalid query string parameters: Expected 'required' parameter value of "
           "the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in: in:A,,B",
           "in: empty message");
}

#define U1 "6e2b6b57-1b0b-4c5a-9a39-6ea1f1e8c1a1"
#define U2 "0d6b2f2e-7d8c-4e8b-8c2a-2b1fd0f7a1b2"

static void test_member_of(void)
{
    pl_qp_aggs a;
    const char *err = NULL;

    ok(pl_qp_member_of(pool, vals(1, "in:" U1 "," U2), "", PL_V(1, 3), &a, &err) == 0, "in:");
    is_int(G(a.any_of, 0)->nelts, 2, "two in the group");
    ok(pl_qp_member_of(pool, vals(2, U1, U2), "", PL_V(1, 23), &a, &err) == -1, "repeat 1.23");
    is_str(err, "Multiple member_of parameters are not supported", "repeat message");
    ok(pl_qp_member_of(pool, vals(2, U1, "!in:" U2), "1", PL_V(1, 32), &a, &err) == 0,
       "forbidden 1.32");
    is_int(a.any_of->nelts, 1, "one required group");
    is_int(a.forbidden->nelts, 1, "one forbidden");
    ok(pl_qp_member_of(pool, vals(1, "!" U1), "1", PL_V(1, 31), &a, &err) == -1, "! at 1.31");
    is_str(err, "Forbidden member_of1 parameters are not supported in the specified "
           "microversion", "forbidden message has the suffix");
    ok(pl_qp_member_of(pool, vals(1, U1 "," U2), "", PL_V(1, 39), &a, &err) == -1, "comma");
    is_str(err, "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' "
           "keyword using the valid microversion. Got: " U1 "," U2, "comma message");
    ok(pl_qp_member_of(pool, vals(1, "in:" U1 ",x"), "", PL_V(1, 39), &a, &err) == -1, "bad");
    is_str(err, "Invalid query string parameters: Expected 'member_of' parameter to contain "
           "valid UUID(s). Got: x", "bad uuid message");
    ok(pl_qp_member_of(pool, vals(1, "in:"), "", PL_V(1, 39), &a, &err) == -1, "in: empty");
    is_str(err, "Invalid query string parameters: Expected 'member_of' parameter to contain "
           "valid UUID(s). Got: ", "in: empty message");
}

static void test_misc(void)
{
    const char *out, *err;
    long long v;
    is_str(pl_qp_strip(pool, " \t a b \xc2\xa0"), "a b", "strip with U+00A0");
    is_str(pl_qp_strip(pool, "\xe3\x80\x80"), "", "strip U+3000");
    ok(pl_qp_pyint("1_000", &v) == 0 && v == 1000, "underscores");
    ok(pl_qp_pyint("_1", &v) == -1, "leading underscore");
    ok(pl_qp_pyint("1_", &v) == -1, "trailing underscore");
    ok(pl_qp_pyint("0x10", &v) == -1, "hex is not int()");
    ok(pl_qp_in_tree(pool, " " U1 " ", &out, &err) == 0, "in_tree stripped");
    is_str(out, U1, "in_tree value");
    ok(pl_qp_in_tree(pool, "nope", &out, &err) == -1, "in_tree bad");
    is_str(err, "Invalid query string parameters: Expected 'in_tree' parameter to be a "
           "format of uuid. Got: nope", "in_tree message");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_resources();
    test_required();
    test_member_of();
    test_misc();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
