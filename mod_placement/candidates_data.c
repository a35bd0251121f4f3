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

unsigned int ac_id_hash(const char *key, apr_ssize_t *klen)
{
    if (*klen > 0 && *klen % 8 == 0) {
        unsigned long long h = 0, w;
        apr_ssize_t i;
        for (i = 0; i < *klen; i += 8) {
            memcpy(&w, key + i, sizeof(w));
            h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        }
        return (unsigned int)(h >> 32);
    }
    return apr_hashfunc_default(key, klen);
}

apr_hash_t *ac_map_new(apr_pool_t *p) { return apr_hash_make_custom(p, ac_id_hash); }

idset *ac_set_new(apr_pool_t *p) { return ac_map_new(p); }

int ac_set_has(const idset *s, long long id)
{
    return s && apr_hash_get((apr_hash_t *)s, &id, sizeof(id)) != NULL;
}

void ac_map_put(apr_pool_t *p, apr_hash_t *m, long long id, void *val)
{
    long long *k = apr_palloc(p, sizeof(*k));
    *k = id;
    apr_hash_set(m, k, sizeof(*k), val);    /* an id there already: its value replaced */
}

void ac_set_add(apr_pool_t *p, idset *s, long long id)
{
    long long *k;
    if (apr_hash_get(s, &id, sizeof(id))) return;
    k = apr_palloc(p, sizeof(*k));
    *k = id;
    apr_hash_set(s, k, sizeof(*k), (void *)1);
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

/* ---- sorted arrays ---------------------------------------------------------- */

int ac_cmp_id(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static int cmp_use(const void *a, const void *b)
{
    const ac_use *x = a, *y = b;
    if (x->rp != y->rp) return x->rp < y->rp ? -1 : 1;
    return x->rc < y->rc ? -1 : x->rc > y->rc;
}

/* Merge the n ascending elements of size sz at add into a (ascending by
 * cmp); a repeat of an element of a is dropped when dedupe. */
static void merge_into(apr_array_header_t *a, const void *add, int n,
                       int (*cmp)(const void *, const void *), int dedupe)
{
    size_t sz = (size_t)a->elt_size;
    const char *x = a->elts, *y = add;
    int i = 0, j = 0, k = 0, m = a->nelts;
    char *out;
    if (!n) return;
    if (!m || cmp(x + (m - 1) * sz, y) < 0) {       /* all after: append */
        for (; j < n; j++) memcpy(apr_array_push(a), y + j * sz, sz);
        return;
    }
    out = apr_palloc(a->pool, sz * (size_t)(m + n));
    while (i < m || j < n) {
        int c = i == m ? 1 : j == n ? -1 : cmp(x + i * sz, y + j * sz);
        if (c <= 0) memcpy(out + k++ * sz, x + i++ * sz, sz);
        if (c == 0 && dedupe) j++;
        else if (c > 0) memcpy(out + k++ * sz, y + j++ * sz, sz);
    }
    a->elts = out;
    a->nelts = a->nalloc = k;
}

void ac_ids_add(apr_array_header_t *a, const long long *ids, int n)
{
    long long *v = apr_palloc(a->pool, sizeof(long long) * (size_t)(n + 1));
    int i, k, sorted = 1;
    for (i = 0; i < n; i++) {
        v[i] = ids[i];
        if (i && v[i] <= v[i - 1]) sorted = 0;
    }
    if (!sorted) {
        qsort(v, (size_t)n, sizeof(long long), ac_cmp_id);
        for (i = k = 0; i < n; i++)              /* each once */
            if (!k || v[k - 1] != v[i]) v[k++] = v[i];
        n = k;
    }
    merge_into(a, v, n, ac_cmp_id, 1);
}

int ac_ids_has(const apr_array_header_t *a, long long id)
{
    const long long *v = (const long long *)a->elts;
    int lo = 0, hi = a->nelts;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (v[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < a->nelts && v[lo] == id;
}

void ac_use_add(apr_array_header_t *a, const ac_use *rows, int n)
{
    ac_use *v = apr_palloc(a->pool, sizeof(ac_use) * (size_t)(n + 1));
    int i, sorted = 1;
    for (i = 0; i < n; i++) {
        v[i] = rows[i];
        if (i && cmp_use(&v[i - 1], &v[i]) >= 0) sorted = 0;
    }
    if (!sorted) qsort(v, (size_t)n, sizeof(ac_use), cmp_use);
    merge_into(a, v, n, cmp_use, 1);
}

long long ac_use_get(const apr_array_header_t *a, int *pos, long long rp, long long rc)
{
    const ac_use *v = (const ac_use *)a->elts;
    int i = *pos;
    if (i > a->nelts || (i > 0 && v[i - 1].rp >= rp)) {    /* behind: search */
        int lo = 0, hi = a->nelts;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (v[mid].rp < rp) lo = mid + 1;
            else hi = mid;
        }
        i = lo;
    }
    else
        while (i < a->nelts && v[i].rp < rp) i++;
    *pos = i;                                   /* the provider's first row */
    for (; i < a->nelts && v[i].rp == rp; i++)
        if (v[i].rc == rc) return v[i].used;
    return 0;
}
