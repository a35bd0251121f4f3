/* The capacity rule, in its one home: an amount of a resource class fits a
 * provider's inventory of it when
 *     min_unit <= amount <= max_unit, amount % step_size == 0, and
 *     used + amount <= (total - reserved) * allocation_ratio
 * (upstream's _check_capacity_exceeded and the allocation candidates'
 * filters).  The C form checks rows already read (allocation writes); the
 * SQL form lets MariaDB check them (listing filters, candidates).  Pure:
 * no httpd header. */
#ifndef PL_CAPACITY_H
#define PL_CAPACITY_H

#include <apr_pools.h>

typedef struct pl_inv_limits {
    long long total, reserved, min_unit, max_unit, step_size;
    double ratio;
} pl_inv_limits;

/* (total - reserved) * allocation_ratio, in doubles as Python computes it
 * for a float ratio (what MariaDB stores). */
double pl_capacity(long long total, long long reserved, double ratio);

/* int((total - reserved) * allocation_ratio): Python's float product and
 * the exact integer of it, however large (a ratio of 1e30 is valid),
 * saturated at LLONG_MIN/LLONG_MAX for comparisons (no sum of amounts
 * reaches 2^63).  *f (when not NULL) gets the product truncated. */
long long pl_capacity_int(long long total, long long reserved, double ratio, double *f);

/* The rule on an integer capacity (pl_capacity_int) as the allocation
 * candidates check a combination: 1 when used + amount <= capacity and
 * amount <= max_unit. */
int pl_amount_fits(long long capacity, long long used, long long max_unit, long long amount);

/* 1 when amount obeys min_unit, max_unit and step_size (a step_size of 0
 * constrains nothing), else 0. */
int pl_amount_in_units(const pl_inv_limits *v, long long amount);

/* 1 when a usage of `usage` (allocations already there plus the amount)
 * is within the capacity, else 0. */
int pl_usage_fits(const pl_inv_limits *v, long long usage);

/* The SQL form's usage test done in C: 1 when used + amount fits an
 * inventory whose capacity floor is cap, the integer that
 * pl_capacity_sql selects (int of MariaDB's own (total - reserved) *
 * allocation_ratio, a FLOAT column widened to a double, bounded to
 * +-9.2e18).  For an integer sum, sum <= capacity is sum <= its floor, so
 * this is the comparison the SQL makes, for any sum below 2^53 (beyond,
 * MariaDB compares the sum rounded to a double). */
int pl_used_fits_sql(long long cap, long long used, long long amount);
/* That capacity floor as an SQL expression of inventory row INV (an
 * integer column: no double to format and parse again). */
const char *pl_capacity_sql(apr_pool_t *p, const char *inv);

/* The whole rule as an SQL condition: amount of class RC fits inventory
 * row INV of provider RP (min_unit, max_unit, step_size, and usage plus
 * amount within (total - reserved) * allocation_ratio).  The column tests
 * come first and the usage, read through the allocations (provider, class,
 * used) index, last, so only rows that pass the rest pay for it.  RP and
 * RC are SQL expressions (columns or integer literals). */
const char *pl_fits_sql(apr_pool_t *p, const char *inv, const char *rp, const char *rc,
                        long long amount);
/* The same rule with the usage given as an SQL expression USED (e.g. a
 * column of a grouped usage joined once). */
const char *pl_fits_used_sql(apr_pool_t *p, const char *inv, const char *used, long long amount);

#endif
