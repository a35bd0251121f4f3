/* The capacity rule (capacity.c): units and capacity as upstream checks
 * them before it writes allocations. */
#include "capacity.h"
#include "tap.h"

#include <apr_general.h>

int main(void)
{
    pl_inv_limits v = { .total = 10, .reserved = 2, .min_unit = 2, .max_unit = 6,
                        .step_size = 2, .ratio = 1.5 };
    pl_inv_limits odd = { .total = 3, .reserved = 0, .min_unit = 1, .max_unit = 3,
                          .step_size = 1, .ratio = 0.5 };
    pl_inv_limits nostep = { .total = 5, .reserved = 0, .min_unit = 1, .max_unit = 5,
                             .step_size = 0, .ratio = 1.0 };
    apr_pool_t *p;

    ok(pl_capacity(10, 2, 1.5) == 12.0, "(total - reserved) * ratio");
    ok(pl_capacity(1, 3, 1.0) == -2.0, "reserved above total: negative capacity");

    ok(!pl_amount_in_units(&v, 1), "below min_unit");
    ok(pl_amount_in_units(&v, 2), "min_unit itself");
    ok(!pl_amount_in_units(&v, 3), "off the step");
    ok(pl_amount_in_units(&v, 6), "max_unit itself");
    ok(!pl_amount_in_units(&v, 8), "above max_unit, on the step");
    ok(pl_amount_in_units(&nostep, 3), "step_size 0 constrains nothing");

    ok(pl_usage_fits(&v, 12), "usage equal to the capacity fits");
    ok(!pl_usage_fits(&v, 13), "one more does not");
    ok(pl_usage_fits(&odd, 1), "1 within 3 * 0.5");
    ok(!pl_usage_fits(&odd, 2), "2 over 3 * 0.5 (no rounding up)");
    ok(pl_usage_fits(&v, 0), "nothing always fits a non-negative capacity");

    /* the SQL's usage test in C, on capacity floors as MariaDB gives them */
    ok(pl_used_fits_sql(1024, 1023, 1), "used + amount equal to the capacity fits");
    ok(!pl_used_fits_sql(1024, 1024, 1), "one more does not");
    ok(!pl_used_fits_sql(0, 0, 1), "5 * FLOAT 0.1 (0.50000000745): 1 does not fit");
    ok(pl_used_fits_sql(5, 4, 1), "5 * FLOAT 1.0000001 (5.0000006): 5 fits");
    ok(!pl_used_fits_sql(8639, 8639, 1), "no rounding up of the capacity");
    ok(pl_used_fits_sql(9200000000000000000LL, 9100000000000000000LL, 1),
       "a capacity beyond any sum (bounded at 9.2e18)");
    ok(!pl_used_fits_sql(-2, 0, 0), "a negative capacity holds nothing");

    apr_initialize();
    apr_pool_create(&p, NULL);
    is_str(pl_fits_sql(p, "inv", "rp.id", "7", 4),
           "inv.min_unit <= 4 AND inv.max_unit >= 4 AND MOD(4, inv.step_size) = 0 AND 4 + "
           "(SELECT COALESCE(SUM(a.used), 0) FROM allocations a WHERE a.resource_provider_id "
           "= rp.id AND a.resource_class_id = 7) <= (inv.total - inv.reserved) * "
           "inv.allocation_ratio", "the SQL form of the rule");
    is_str(pl_capacity_sql(p, "i0"), "CAST(LEAST(GREATEST(FLOOR((i0.total - i0.reserved) * "
           "i0.allocation_ratio), -9.2e18), 9.2e18) AS SIGNED)", "the capacity floor as SQL");
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
