/* The capacity rule (see capacity.h). */
#include "capacity.h"

#include <apr_strings.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>

double pl_capacity(long long total, long long reserved, double ratio)
{
    return (double)(total - reserved) * ratio;
}

long long pl_capacity_int(long long total, long long reserved, double ratio, double *f)
{
    double c = trunc(pl_capacity(total, reserved, ratio));
    if (f) *f = c;
    return c >= 9223372036854775807.0 ? LLONG_MAX
         : c <= -9223372036854775808.0 ? LLONG_MIN
         : (long long)c;
}

int pl_amount_fits(long long capacity, long long used, long long max_unit, long long amount)
{
    return used + amount <= capacity && amount <= max_unit;
}

int pl_amount_in_units(const pl_inv_limits *v, long long amount)
{
    return !(amount < v->min_unit || amount > v->max_unit
             || (v->step_size && amount % v->step_size != 0));
}

int pl_usage_fits(const pl_inv_limits *v, long long usage)
{
    return !(pl_capacity(v->total, v->reserved, v->ratio) < (double)usage);
}

int pl_used_fits_sql(long long cap, long long used, long long amount)
{
    return used + amount <= cap;
}

const char *pl_capacity_sql(apr_pool_t *p, const char *inv)
{
    return apr_pstrcat(p, "CAST(LEAST(GREATEST(FLOOR((", inv, ".total - ", inv, ".reserved) * ",
                       inv, ".allocation_ratio), -9.2e18), 9.2e18) AS SIGNED)", NULL);
}

const char *pl_fits_sql(apr_pool_t *p, const char *inv, const char *rp, const char *rc,
                        long long amount)
{
    char a[32];
    snprintf(a, sizeof(a), "%lld", amount);
    return apr_pstrcat(p, inv, ".min_unit <= ", a, " AND ", inv, ".max_unit >= ", a,
                       " AND MOD(", a, ", ", inv, ".step_size) = 0 AND ", a,
                       " + (SELECT COALESCE(SUM(a.used), 0) FROM allocations a "
                       "WHERE a.resource_provider_id = ", rp, " AND a.resource_class_id = ",
                       rc, ") <= (", inv, ".total - ", inv, ".reserved) * ", inv,
                       ".allocation_ratio", NULL);
}

const char *pl_fits_used_sql(apr_pool_t *p, const char *inv, const char *used, long long amount)
{
    char a[32];
    snprintf(a, sizeof(a), "%lld", amount);
    return apr_pstrcat(p, inv, ".min_unit <= ", a, " AND ", inv, ".max_unit >= ", a,
                       " AND MOD(", a, ", ", inv, ".step_size) = 0 AND ", a, " + ", used,
                       " <= (", inv, ".total - ", inv, ".reserved) * ", inv,
                       ".allocation_ratio", NULL);
}
