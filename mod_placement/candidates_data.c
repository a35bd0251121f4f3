/* GET /allocation_candidates: sets of internal ids and the provider data
 * the search reads in memory (candidates_data.h).  Pure C (apr only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "candidates_data.h"

pl_ac_inv *ac_inv_of(pl_ac_rp *rp, long long rc_id)
{
    int i;
    for (i = 0; i < rp->inv->nelts; i++)
        if (APR_ARRAY_IDX(rp->inv, i, pl_ac_inv).rc_id == rc_id)
            return &APR_ARRAY_IDX(rp->inv, i, pl_ac_inv);
    return NULL;
}

/* ---- id sets (apr_hash keyed by the 8 bytes of the id) ------------------ */

idset *ac_set_new(apr_pool_t *p) { return apr_hash_make(p); }

int ac_set_has(const idset *s, long long id)
{
    return s && apr_hash_get((apr_hash_t *)s, &id, sizeof(id)) != NULL;
}

void ac_map_put(apr_pool_t *p, apr_hash_t *m, long long id, void *val)
{
    long long *k;
    if (apr_hash_get(m, &id, sizeof(id))) {
        apr_hash_set(m, &id, sizeof(id), NULL);
    }
    k = apr_palloc(p, sizeof(*k));
    *k = id;
    apr_hash_set(m, k, sizeof(*k), val);
}

void ac_set_add(apr_pool_t *p, idset *s, long long id)
{
    if (!ac_set_has(s, id)) ac_map_put(p, s, id, (void *)1);
}

void *ac_map_get(apr_hash_t *m, long long id)
{
    return apr_hash_get(m, &id, sizeof(id));
}

long long ac_key_of(apr_hash_index_t *hi)
{
    const void *k;
    apr_hash_this(hi, &k, NULL, NULL);
    return *(const long long *)k;
}

idset *ac_set_and(apr_pool_t *p, const idset *a, const idset *b)
{
    idset *o = ac_set_new(p);
    apr_hash_index_t *hi;
    for (hi = apr_hash_first(p, (apr_hash_t *)a); hi; hi = apr_hash_next(hi))
        if (ac_set_has(b, ac_key_of(hi))) ac_set_add(p, o, ac_key_of(hi));
    return o;
}

idset *ac_set_minus(apr_pool_t *p, const idset *a, const idset *b)
{
    idset *o = ac_set_new(p);
    apr_hash_index_t *hi;
    for (hi = apr_hash_first(p, (apr_hash_t *)a); hi; hi = apr_hash_next(hi))
        if (!ac_set_has(b, ac_key_of(hi))) ac_set_add(p, o, ac_key_of(hi));
    return o;
}

/* ids are integers read from our own queries */
const char *ac_set_sql(apr_pool_t *p, const idset *s)
{
    apr_hash_index_t *hi;
    size_t cap = 32, len = 0;
    char *buf = malloc(cap), *out;
    for (hi = apr_hash_first(p, (apr_hash_t *)s); hi; hi = apr_hash_next(hi)) {
        char tmp[32];
        int n = snprintf(tmp, sizeof(tmp), "%s%lld", len ? "," : "", ac_key_of(hi));
        if (len + (size_t)n + 1 > cap) {
            while (len + (size_t)n + 1 > cap) cap *= 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + len, tmp, (size_t)n);
        len += (size_t)n;
    }
    out = apr_pstrndup(p, buf, len);
    free(buf);
    return *out ? out : "NULL";
}
