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

/* 1 when amount obeys min_unit, max_unit and step_size (a step_size of 0
 * constrains nothing), else 0. */
int pl_amount_in_units(const pl_inv_limits *v, long long amount);

/* 1 when a usage of `usage` (allocations already there plus the amount)
 * is within the capacity, else 0. */
int pl_usage_fits(const pl_inv_limits *v, long long usage);

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
