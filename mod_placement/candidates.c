/* GET /allocation_candidates: the search.
 *
 * The database work is a fixed handful of set queries per request group
 * (capacity for all the group's classes in one statement, the usage of
 * the providers that passed it, trait and aggregate filters, sharing
 * anchors) plus four per batch of provider trees (providers, inventories,
 * their usage, traits; names by id only for those the request did not
 * name).  Statements carrying lists of ids run once, as text
 * (pl_db_query_once).  Everything else -
 * per-tree products, group merging, group_policy, same_subtree, the final
 * capacity check - is done in memory, following upstream's
 * research_context / allocation_candidate semantics. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "candidates.h"
#include "candidates_int.h"
#include "capacity.h"
#include "db.h"
#include "http.h"
#include "objects.h"

/* A long long as text (apr's formatter knows no %lld). */
static const char *num(apr_pool_t *p, long long v)
{
    char b[32];
    snprintf(b, sizeof(b), "%lld", v);
    return apr_pstrdup(p, b);
}

/* An array of long long as "1,2,3". */
static const char *ll_list(apr_pool_t *p, const apr_array_header_t *a)
{
    const char *s = "";
    int i;
    for (i = 0; i < a->nelts; i++)
        s = apr_pstrcat(p, s, i ? "," : "", num(p, APR_ARRAY_IDX(a, i, long long)), NULL);
    return s;
}

static idset *set_from(apr_pool_t *p, const pl_dbres *res, int col)
{
    idset *s = ac_set_new(p);
    int i;
    for (i = 0; i < res->nrows; i++) ac_set_add(p, s, pl_cell_int(res, i, col));
    return s;
}

/* ---- provider trees: summaries ------------------------------------------- */

/* Long IN lists of ids stay ranges of an index: past MariaDB's
 * in_predicate_conversion_threshold (1,000) the list would become a
 * semi-join on a table of values, and the plan walk a whole table by
 * another index.  AC_IN_CHUNK bounds one list (the range optimizer's
 * memory). */
#define IN_RANGES "SET STATEMENT in_predicate_conversion_threshold = 0 FOR "
#define AC_IN_CHUNK 10000

/* The providers of the trees rooted in an IN list, read by the root index
 * even when the list is a large part of the table (the optimizer would
 * scan the table then, reading every provider for a tenth of them). */
#define TREES_OF "resource_providers rp FORCE INDEX (resource_providers_root_provider_id_idx)"

static int cmp_rp_id(const void *a, const void *b)
{
    return ac_cmp_id(&(*(pl_ac_rp *const *)a)->id, &(*(pl_ac_rp *const *)b)->id);
}

/* Write id (>= 0, as every id is) in decimal at o; the end. */
static char *put_id(char *o, long long id)
{
    char t[24];
    int n = 0;
    do t[n++] = (char)('0' + id % 10); while ((id /= 10) > 0);
    while (n) *o++ = t[--n];
    return o;
}

/* Ascending ids (a repeated one written once) as IN lists of at most
 * AC_IN_CHUNK ids each. */
static apr_array_header_t *id_lists(apr_pool_t *p, const long long *ids, int n)
{
    apr_array_header_t *out = apr_array_make(p, n / AC_IN_CHUNK + 1, sizeof(const char *));
    int i = 0;
    while (i < n) {
        int left = n - i < AC_IN_CHUNK ? n - i : AC_IN_CHUNK, m = 0;
        char *b = apr_palloc(p, (size_t)left * 21 + 1), *o = b;
        for (; i < n && m < AC_IN_CHUNK; i++) {
            if (i && ids[i] == ids[i - 1]) continue;
            if (m++) *o++ = ',';
            o = put_id(o, ids[i]);
        }
        *o = '\0';
        if (m) *(const char **)apr_array_push(out) = b;   /* not only repeats */
    }
    return out;
}

/* The ids of s, ascending, as IN lists of at most AC_IN_CHUNK each. */
static apr_array_header_t *in_lists(apr_pool_t *p, const idset *s)
{
    int n = (int)apr_hash_count((apr_hash_t *)s), i = 0;
    long long *ids = apr_palloc(p, sizeof(long long) * (size_t)(n + 1));
    apr_hash_index_t *hi;
    for (hi = apr_hash_first(p, (apr_hash_t *)s); hi; hi = apr_hash_next(hi)) ids[i++] = ac_key_of(hi);
    qsort(ids, (size_t)n, sizeof(long long), ac_cmp_id);
    return id_lists(p, ids, n);
}

/* The identity of the providers of trees rooted in IN, appended to added. */
static int load_providers(sctx *s, const char *in, apr_array_header_t *added)
{
    pl_dbres *res;
    int i;
    if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, IN_RANGES "SELECT rp.id, rp.uuid, "
                    "rp.parent_provider_id, "
                    "rp.root_provider_id FROM " TREES_OF " WHERE rp.root_provider_id IN (%s)",
                    in)) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        pl_ac_rp *rp = apr_pcalloc(s->p, sizeof(*rp));
        rp->id = pl_cell_int(res, i, 0);
        rp->uuid = PL_CELL(res, i, 1);
        rp->parent_id = PL_CELL(res, i, 2) ? pl_cell_int(res, i, 2) : 0;
        rp->root_id = pl_cell_int(res, i, 3);
        rp->traits = apr_array_make(s->p, 2, sizeof(const char *));
        rp->inv = apr_array_make(s->p, 3, sizeof(pl_ac_inv));
        ac_map_put(s->p, s->rps, rp->id, rp);
        *(pl_ac_rp **)apr_array_push(added) = rp;
    }
    return PL_OK;
}

/* Row numbers of res ordered by the integer columns a, then b: the
 * statements leave the order to the plan (an ORDER BY over the joined
 * tables costs a temporary table), the answer's order is fixed here. */
typedef struct rowkey { long long a, b; int row; } rowkey;

static int cmp_rowkey(const void *x, const void *y)
{
    const rowkey *k = x, *l = y;
    if (k->a != l->a) return k->a < l->a ? -1 : 1;
    if (k->b != l->b) return k->b < l->b ? -1 : 1;
    return k->row - l->row;
}

static rowkey *rows_by(apr_pool_t *p, const pl_dbres *res, int a, int b)
{
    rowkey *k = apr_palloc(p, sizeof(rowkey) * (size_t)(res->nrows + 1));
    int i, sorted = 1;
    for (i = 0; i < res->nrows; i++) {
        k[i].a = pl_cell_int(res, i, a);
        k[i].b = pl_cell_int(res, i, b);
        k[i].row = i;
        if (i && sorted && cmp_rowkey(&k[i - 1], &k[i]) > 0) sorted = 0;
    }
    /* the index walks usually give this order already */
    if (!sorted) qsort(k, (size_t)res->nrows, sizeof(rowkey), cmp_rowkey);
    return k;
}

/* Names by id for the rows of a loader: ids below NAME_CACHE (the classes
 * and traits tables' ids, as a rule) looked up in the map once each. */
#define NAME_CACHE 4096
typedef struct names_by_id {
    apr_hash_t *names;              /* id (8 bytes) -> name as stored */
    const char **cache;             /* [id] for id < NAME_CACHE */
} names_by_id;

static const char *name_of(names_by_id *n, long long id)
{
    if (id < 0 || id >= NAME_CACHE) return apr_hash_get(n->names, &id, sizeof(id));
    if (!n->cache[id]) n->cache[id] = apr_hash_get(n->names, &id, sizeof(id));
    return n->cache[id];
}

/* The names of the ids order[].b of table (resource_classes, traits) that
 * names (id -> name as stored) does not hold yet, read in one query and
 * added to it: the loaders read ids alone, and most names are the
 * request's own, known from its name lookup (prefetch_names). */
static int known_names(sctx *s, const char *table, apr_hash_t *names, const rowkey *order,
                       int nrows, names_by_id *out)
{
    idset *unknown = NULL;
    pl_dbres *res;
    int i;
    out->names = names;
    out->cache = apr_pcalloc(s->p, sizeof(const char *) * NAME_CACHE);
    for (i = 0; i < nrows; i++)
        if (!name_of(out, order[i].b)) {
            if (!unknown) unknown = ac_set_new(s->p);
            ac_set_add(s->p, unknown, order[i].b);
        }
    if (!unknown) return PL_OK;
    if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, "SELECT id, name FROM %s WHERE id IN (%s)",
                                                  table, ac_set_sql(s->p, unknown))) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        long long *id = apr_palloc(s->p, sizeof(*id));
        *id = pl_cell_int(res, i, 0);
        apr_hash_set(names, id, sizeof(*id), PL_CELL(res, i, 1));
        if (*id >= 0 && *id < NAME_CACHE) out->cache[*id] = PL_CELL(res, i, 1);
    }
    return PL_OK;
}

/* The rows of a usage read (provider, class, SUM(used)) into s->use. */
static void add_usage(sctx *s, const pl_dbres *use)
{
    enum { USE_RP, USE_RC, USE_USED };
    ac_use *rows = apr_palloc(s->p, sizeof(ac_use) * (size_t)(use->nrows + 1));
    int k;
    for (k = 0; k < use->nrows; k++) {
        rows[k].rp = pl_cell_int(use, k, USE_RP);
        rows[k].rc = pl_cell_int(use, k, USE_RC);
        rows[k].used = pl_cell_int(use, k, USE_USED);
    }
    ac_use_add(s->use, rows, use->nrows);
}

/* The ids of ids[0..n) (ascending, repeats allowed) whose usage is not
 * read yet, into todo (room for n); how many. */
static int unread(const sctx *s, const long long *ids, int n, long long *todo)
{
    const long long *done = (const long long *)s->use_read->elts;
    int i, j = 0, m = 0;
    for (i = 0; i < n; i++) {           /* a merge walk of two ascending lists */
        if (i && ids[i] == ids[i - 1]) continue;
        while (j < s->use_read->nelts && done[j] < ids[i]) j++;
        if (j == s->use_read->nelts || done[j] != ids[i]) todo[m++] = ids[i];
    }
    return m;
}

/* Grouped usage, by the (provider, class, used) index: of the providers of
 * an IN list, and of the providers of the trees rooted in one. */
#define USAGE_OF_PROVIDERS IN_RANGES "SELECT resource_provider_id, resource_class_id, " \
    "SUM(used) FROM allocations FORCE INDEX (allocations_resource_provider_class_used_idx) " \
    "WHERE resource_provider_id IN (%s) GROUP BY resource_provider_id, resource_class_id"
#define USAGE_OF_TREES IN_RANGES "SELECT a.resource_provider_id, a.resource_class_id, " \
    "SUM(a.used) FROM " TREES_OF " JOIN allocations a " \
    "FORCE INDEX (allocations_resource_provider_class_used_idx) " \
    "ON a.resource_provider_id = rp.id WHERE rp.root_provider_id IN (%s) " \
    "GROUP BY a.resource_provider_id, a.resource_class_id"

/* Run a usage query (of trees: by_roots) once per IN list and keep its rows. */
static int usage_of_lists(sctx *s, int by_roots, const apr_array_header_t *lists)
{
    int i;
    for (i = 0; i < lists->nelts; i++) {
        const char *in = APR_ARRAY_IDX(lists, i, const char *);
        pl_dbres *use;
        if (pl_db_query_once(s->q, &use, by_roots ? apr_psprintf(s->p, USAGE_OF_TREES, in)
                                                  : apr_psprintf(s->p, USAGE_OF_PROVIDERS, in))
            != PL_OK)
            return PL_FAIL;
        add_usage(s, use);
    }
    return PL_OK;
}

/* The usage of every class of the providers ids[0..n) (ascending,
 * repeats allowed) not read yet, into s->use: one grouped read of their
 * allocations (the (provider, class, used) index), not a usage subquery
 * per inventory row.  Read once per provider and request, it serves both
 * the capacity tests (usage_fits) and the summaries (load_inventories). */
static int read_usage(sctx *s, const long long *ids, int n)
{
    long long *todo = apr_palloc(s->p, sizeof(long long) * (size_t)(n + 1));
    int m = unread(s, ids, n, todo);
    if (!m) return PL_OK;
    ac_ids_add(s->use_read, todo, m);
    return usage_of_lists(s, 0, id_lists(s->p, todo, m));
}

/* The same for the providers ids[0..n) of the trees rooted in the IN lists
 * roots, when the roots are fewer than the providers to read: through the
 * root index (a list of 1,000 roots costs the server a tenth of what the
 * 6,000 providers of their trees cost it as a list to parse and look up
 * one by one).  Usage already read comes again and is kept once. */
static int read_tree_usage(sctx *s, const apr_array_header_t *roots, int nroots,
                           const long long *ids, int n)
{
    long long *todo = apr_palloc(s->p, sizeof(long long) * (size_t)(n + 1));
    int m = unread(s, ids, n, todo);
    if (m <= nroots) return read_usage(s, ids, n);
    ac_ids_add(s->use_read, todo, m);
    return usage_of_lists(s, 1, roots);
}

/* Inventories of the providers of the IN list, per provider in class
 * order (by the (provider, class) index even for a large part of the
 * table, which the optimizer would scan whole), with their usage from
 * s->use (read_usage first).  Class names come from the request's own
 * lookup, the few others from one query (known_names), not a join per
 * row. */
static int load_inventories(sctx *s, const char *in)
{
    enum { INV_RP, INV_RC, INV_TOTAL, INV_RESERVED, INV_RATIO, INV_MAX_UNIT };
    pl_dbres *res;
    rowkey *order;
    names_by_id rcs;
    int i, at = 0;
    if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, IN_RANGES
                    "SELECT resource_provider_id, resource_class_id, total, reserved, "
                    "allocation_ratio, max_unit FROM inventories "
                    "FORCE INDEX (uniq_inventories0resource_provider_resource_class) "
                    "WHERE resource_provider_id IN (%s)", in)) != PL_OK)
        return PL_FAIL;
    order = rows_by(s->p, res, INV_RP, INV_RC);
    if (known_names(s, "resource_classes", s->rc_names, order, res->nrows, &rcs) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        int r = order[i].row;
        pl_ac_rp *rp = ac_map_get(s->rps, order[i].a);
        pl_ac_inv *inv;
        if (!rp) continue;
        inv = apr_array_push(rp->inv);
        inv->rc_id = order[i].b;
        inv->rc = name_of(&rcs, inv->rc_id);
        inv->capacity = pl_capacity_int(pl_cell_int(res, r, INV_TOTAL),
                                        pl_cell_int(res, r, INV_RESERVED),
                                        pl_cell_double(res, r, INV_RATIO), &inv->capacity_f);
        inv->max_unit = pl_cell_int(res, r, INV_MAX_UNIT);
        inv->used = ac_use_get(s->use, &at, rp->id, inv->rc_id);
    }
    return PL_OK;
}

/* Traits of the providers of the IN list, per provider in trait id order
 * (the (provider, trait) index, as for the inventories); names as for the
 * inventories' classes. */
static int load_traits(sctx *s, const char *in)
{
    enum { TR_RP, TR_ID };
    pl_dbres *res;
    rowkey *order;
    names_by_id ids;
    int i;
    if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, IN_RANGES "SELECT resource_provider_id, "
                    "trait_id FROM resource_provider_traits "
                    "FORCE INDEX (resource_provider_traits_resource_provider_trait_idx) "
                    "WHERE resource_provider_id IN (%s)", in)) != PL_OK)
        return PL_FAIL;
    order = rows_by(s->p, res, TR_RP, TR_ID);
    if (known_names(s, "traits", s->trait_names, order, res->nrows, &ids) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        pl_ac_rp *rp = ac_map_get(s->rps, order[i].a);
        const char *name = name_of(&ids, order[i].b);
        if (!rp || !name) continue;
        *(const char **)apr_array_push(rp->traits) = name;
        if (strcmp(name, "MISC_SHARES_VIA_AGGREGATE") == 0) rp->sharing = 1;
    }
    return PL_OK;
}

/* Load every provider of the trees rooted at the given ids that is not
 * loaded yet: identity, inventories with usage, traits.  The new providers
 * join s->order in id order. */
static int load_trees(sctx *s, const idset *roots)
{
    apr_pool_t *p = s->p;
    idset *todo = ac_set_new(p);
    apr_hash_index_t *hi;
    apr_array_header_t *roots_in, *lists, *added;
    long long *ids;
    int i;

    for (hi = apr_hash_first(p, (apr_hash_t *)roots); hi; hi = apr_hash_next(hi))
        if (!ac_set_has(s->loaded_roots, ac_key_of(hi))) {
            ac_set_add(p, todo, ac_key_of(hi));
            ac_set_add(p, s->loaded_roots, ac_key_of(hi));
        }
    if (!apr_hash_count(todo)) return PL_OK;
    roots_in = in_lists(p, todo);
    added = apr_array_make(p, (int)apr_hash_count(todo), sizeof(pl_ac_rp *));
    for (i = 0; i < roots_in->nelts; i++)
        if (load_providers(s, APR_ARRAY_IDX(roots_in, i, const char *), added) != PL_OK)
            return PL_FAIL;
    qsort(added->elts, (size_t)added->nelts, sizeof(pl_ac_rp *), cmp_rp_id);
    for (i = 0; i < added->nelts; i++) {
        pl_ac_rp *rp = APR_ARRAY_IDX(added, i, pl_ac_rp *);
        rp->root = ac_map_get(s->rps, rp->root_id);
        rp->parent = rp->parent_id ? ac_map_get(s->rps, rp->parent_id) : NULL;
        *(pl_ac_rp **)apr_array_push(s->order) = rp;
    }
    ids = apr_palloc(p, sizeof(long long) * (size_t)(added->nelts + 1));
    for (i = 0; i < added->nelts; i++) ids[i] = APR_ARRAY_IDX(added, i, pl_ac_rp *)->id;
    if (read_tree_usage(s, roots_in, (int)apr_hash_count(todo), ids, added->nelts) != PL_OK)
        return PL_FAIL;
    lists = id_lists(p, ids, added->nelts);
    for (i = 0; i < lists->nelts; i++)
        if (load_inventories(s, APR_ARRAY_IDX(lists, i, const char *)) != PL_OK
            || load_traits(s, APR_ARRAY_IDX(lists, i, const char *)) != PL_OK)
            return PL_FAIL;
    return PL_OK;
}

/* Load the trees of these providers (their roots looked up). */
static int load_trees_of(sctx *s, const idset *ids)
{
    pl_dbres *res;
    idset *unknown = ac_set_new(s->p), *roots = ac_set_new(s->p);
    apr_hash_index_t *hi;
    for (hi = apr_hash_first(s->p, (apr_hash_t *)ids); hi; hi = apr_hash_next(hi)) {
        pl_ac_rp *rp = ac_map_get(s->rps, ac_key_of(hi));
        long long *root = ac_map_get(s->root_of, ac_key_of(hi));
        if (rp) continue;
        if (root) ac_set_add(s->p, roots, *root);      /* group_setup read it */
        else ac_set_add(s->p, unknown, ac_key_of(hi));
    }
    if (apr_hash_count(unknown)) {
        apr_hash_index_t *ri;
        if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, IN_RANGES "SELECT DISTINCT "
                             "root_provider_id FROM resource_providers WHERE id IN (%s)",
                             ac_set_sql(s->p, unknown))) != PL_OK)
            return PL_FAIL;
        for (ri = apr_hash_first(s->p, set_from(s->p, res, 0)); ri; ri = apr_hash_next(ri))
            ac_set_add(s->p, roots, ac_key_of(ri));
    }
    return load_trees(s, roots);
}

/* ---- filters as set queries ----------------------------------------------- */

/* The strings of g as text arguments. */
static void push_strs(apr_array_header_t *args, const apr_array_header_t *g)
{
    int j;
    for (j = 0; j < g->nelts; j++) {
        pl_dbarg *a = apr_array_push(args);
        memset(a, 0, sizeof(*a));
        a->type = 's';
        a->s = APR_ARRAY_IDX(g, j, const char *);
    }
}

/* Providers having, for each inner list, at least one of its ids/uuids:
 * upstream's provider_ids_matching_required_traits / _aggregates.  One
 * scan grouped by provider with a HAVING term per list (upstream joins once
 * per list, which MariaDB refuses past 61 tables).  NULL when a list is
 * empty: nothing matches. */
static char *match_sql(sctx *s, int aggs, const apr_array_header_t *groups,
                       apr_array_header_t *args)
{
    const char *col = aggs ? "g.uuid" : "t.trait_id";
    const char *all = "", *having = "";
    int i;
    for (i = 0; i < groups->nelts; i++) {
        const apr_array_header_t *g = APR_ARRAY_IDX(groups, i, const apr_array_header_t *);
        const char *in;
        if (!g->nelts) return NULL;
        in = aggs ? pl_db_placeholders(s->p, g->nelts) : ll_list(s->p, g);
        all = apr_pstrcat(s->p, all, i ? "," : "", in, NULL);
        having = apr_psprintf(s->p, "%s%sMAX(%s IN (%s)) = 1", having, i ? " AND " : "",
                              col, in);
    }
    if (aggs) {
        for (i = 0; i < groups->nelts; i++)      /* WHERE ... IN (all) */
            push_strs(args, APR_ARRAY_IDX(groups, i, const apr_array_header_t *));
        for (i = 0; i < groups->nelts; i++)      /* one HAVING term each */
            push_strs(args, APR_ARRAY_IDX(groups, i, const apr_array_header_t *));
    }
    return apr_psprintf(s->p, aggs
                        ? "SELECT a.resource_provider_id FROM resource_provider_aggregates a "
                          "JOIN placement_aggregates g ON g.id = a.aggregate_id WHERE %s IN (%s) "
                          "GROUP BY a.resource_provider_id HAVING %s"
                        : "SELECT t.resource_provider_id FROM resource_provider_traits t "
                          "WHERE %s IN (%s) GROUP BY t.resource_provider_id HAVING %s",
                        col, all, having);
}

static int ac_match_all(sctx *s, int aggs, const apr_array_header_t *groups, idset **out)
{
    apr_array_header_t *args = apr_array_make(s->p, 4, sizeof(pl_dbarg));
    const char *sql = match_sql(s, aggs, groups, args);
    pl_dbres *res;
    if (!sql) {
        *out = ac_set_new(s->p);
        return PL_OK;
    }
    if (pl_db_exec(s->q, &res, sql, (pl_dbarg *)args->elts, args->nelts) != PL_OK)
        return PL_FAIL;
    *out = set_from(s->p, res, 0);
    return PL_OK;
}

/* Whether any provider matches (ac_match_all, stopping at the first). */
static int match_any(sctx *s, int aggs, const apr_array_header_t *groups, int *found)
{
    apr_array_header_t *args = apr_array_make(s->p, 4, sizeof(pl_dbarg));
    const char *sql = match_sql(s, aggs, groups, args);
    pl_dbres *res;
    if (!sql) {
        *found = 0;
        return PL_OK;
    }
    sql = apr_pstrcat(s->p, sql, " LIMIT 1", NULL);
    if (pl_db_exec(s->q, &res, sql, (pl_dbarg *)args->elts, args->nelts) != PL_OK)
        return PL_FAIL;
    *found = res->nrows > 0;
    return PL_OK;
}

/* Providers having any of the trait ids. */
static int having_any_trait(sctx *s, const apr_array_header_t *ids, idset **out)
{
    const char *list = ll_list(s->p, ids);
    pl_dbres *res;
    if (pl_db_query(s->q, &res, apr_psprintf(s->p, "SELECT DISTINCT resource_provider_id "
                    "FROM resource_provider_traits WHERE trait_id IN (%s)", list), "")
        != PL_OK)
        return PL_FAIL;
    *out = set_from(s->p, res, 0);
    return PL_OK;
}

/* Anchors of sharing providers: the roots of every tree with a member in an
 * aggregate of the sharing provider.  *out: sharing id -> idset of roots. */
static int ac_anchors(sctx *s, const idset *sps, apr_hash_t **out)
{
    pl_dbres *res;
    int i;
    *out = ac_map_new(s->p);
    if (!apr_hash_count((apr_hash_t *)sps)) return PL_OK;
    if (pl_db_query(s->q, &res, apr_psprintf(s->p, IN_RANGES "SELECT DISTINCT sa.resource_provider_id, "
                    "o.root_provider_id FROM resource_provider_aggregates sa "
                    "JOIN resource_provider_aggregates oa ON oa.aggregate_id = sa.aggregate_id "
                    "JOIN resource_providers o ON o.id = oa.resource_provider_id "
                    "WHERE sa.resource_provider_id IN (%s) ORDER BY o.root_provider_id",
                    ac_set_sql(s->p, sps)), "") != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        long long sp = pl_cell_int(res, i, 0);
        idset *set = ac_map_get(*out, sp);
        if (!set) {
            set = ac_set_new(s->p);
            ac_map_put(s->p, *out, sp, set);
        }
        ac_set_add(s->p, set, pl_cell_int(res, i, 1));
    }
    return PL_OK;
}

/* ---- names -> ids ------------------------------------------------------------ */

/* Ids of every name the request uses, one query per table
 * (pl_name_ids_num): out maps each name as stored to its id as a long
 * long, names_of the id back to the name. */
static int lookup_names(sctx *s, const char *table, apr_array_header_t *names, apr_hash_t *out,
                        apr_hash_t *names_of)
{
    return pl_name_ids_num(s->q, table, "name", names, out, names_of);
}

static void push_name(apr_array_header_t *a, const char *n)
{
    *(const char **)apr_array_push(a) = n;
}

static int prefetch_names(sctx *s)
{
    apr_array_header_t *rcs = apr_array_make(s->p, 8, sizeof(const char *));
    apr_array_header_t *traits = apr_array_make(s->p, 8, sizeof(const char *));
    int i, j, k;
    for (i = 0; i < s->r->groups->nelts; i++) {
        const pl_ac_group *g = &APR_ARRAY_IDX(s->r->groups, i, pl_ac_group);
        for (j = 0; j < g->resources->nelts; j++)
            push_name(rcs, APR_ARRAY_IDX(g->resources, j, pl_qp_amount).rc);
        for (j = 0; j < g->traits.all_of->nelts; j++) {
            apr_array_header_t *any = APR_ARRAY_IDX(g->traits.all_of, j, apr_array_header_t *);
            for (k = 0; k < any->nelts; k++) push_name(traits, APR_ARRAY_IDX(any, k, const char *));
        }
        for (j = 0; j < g->traits.forbidden->nelts; j++)
            push_name(traits, APR_ARRAY_IDX(g->traits.forbidden, j, const char *));
    }
    for (i = 0; s->r->root_required && i < s->r->root_required->nelts; i++)
        push_name(traits, APR_ARRAY_IDX(s->r->root_required, i, const char *));
    for (i = 0; s->r->root_forbidden && i < s->r->root_forbidden->nelts; i++)
        push_name(traits, APR_ARRAY_IDX(s->r->root_forbidden, i, const char *));
    if (lookup_names(s, "resource_classes", rcs, s->rc_ids, s->rc_names) != PL_OK)
        return PL_FAIL;
    return lookup_names(s, "traits", traits, s->trait_ids, s->trait_names);
}

/* Trait ids of names: PL_FAIL with upstream's TraitNotFound 400. */
static int ac_trait_ids(sctx *s, const apr_array_header_t *names, apr_array_header_t **out)
{
    int i;
    *out = apr_array_make(s->p, names->nelts ? names->nelts : 1, sizeof(long long));
    for (i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);
        long long *id = apr_hash_get(s->trait_ids, n, APR_HASH_KEY_STRING);
        if (!id) return pl_fail(s->q, 400, NULL, "No such trait(s): %s.", n);
        *(long long *)apr_array_push(*out) = *id;
    }
    return PL_OK;
}

static long long ac_rc_id(sctx *s, const char *name)
{
    long long *id = apr_hash_get(s->rc_ids, name, APR_HASH_KEY_STRING);
    return id ? *id : -1;
}

/* ---- request-wide set-up -------------------------------------------------- */

/* RequestWideSearchContext: trees in use, anchors allowed by root_required,
 * sharing providers.  *empty when root_required matches no root. */
static int wide_setup(sctx *s, int *empty)
{
    pl_dbres *res;
    *empty = 0;
    if (pl_db_query(s->q, &res, "SELECT 1 FROM resource_providers WHERE parent_provider_id "
                    "IS NOT NULL LIMIT 1", "") != PL_OK)
        return PL_FAIL;
    s->has_trees = res->nrows > 0;

    if ((s->r->root_required && s->r->root_required->nelts)
        || (s->r->root_forbidden && s->r->root_forbidden->nelts)) {
        apr_array_header_t *req = NULL, *forb = NULL;
        const char *sql = "SELECT rp.id FROM resource_providers rp WHERE rp.parent_provider_id IS NULL";
        if (s->r->root_required->nelts && ac_trait_ids(s, s->r->root_required, &req) != PL_OK)
            return PL_FAIL;
        if (s->r->root_forbidden->nelts && ac_trait_ids(s, s->r->root_forbidden, &forb) != PL_OK)
            return PL_FAIL;
        if (req) {
            const char *ids = ll_list(s->p, req);
            sql = apr_psprintf(s->p, "%s AND (SELECT COUNT(DISTINCT t.trait_id) FROM "
                               "resource_provider_traits t WHERE t.resource_provider_id = rp.id "
                               "AND t.trait_id IN (%s)) = %d", sql, ids, req->nelts);
        }
        if (forb) {
            const char *ids = ll_list(s->p, forb);
            sql = apr_psprintf(s->p, "%s AND NOT EXISTS (SELECT 1 FROM resource_provider_traits "
                               "t WHERE t.resource_provider_id = rp.id AND t.trait_id IN (%s))",
                               sql, ids);
        }
        if (pl_db_query(s->q, &res, sql, "") != PL_OK) return PL_FAIL;
        s->anchor_roots = set_from(s->p, res, 0);
        if (!res->nrows) { *empty = 1; return PL_OK; }
    }

    if (pl_db_query(s->q, &res, "SELECT rpt.resource_provider_id FROM resource_provider_traits "
                    "rpt JOIN traits t ON t.id = rpt.trait_id "
                    "WHERE t.name = 'MISC_SHARES_VIA_AGGREGATE'", "") != PL_OK)
        return PL_FAIL;
    s->sharing = set_from(s->p, res, 0);
    return PL_OK;
}

/* ---- usage, for the providers still in play ------------------------------ */

/* The filters test each class's amount against its inventory with no usage
 * (pl_fits_used_sql with a usage of 0) and select the capacity floor
 * MariaDB computes beside each row (pl_capacity_sql), not a usage subquery
 * per inventory row; then the usage of the providers that passed is read,
 * once (read_usage: every class, kept for the summaries), and the rest of
 * the rule is judged here: 0 when an amount of class rc no longer fits
 * provider rp once its usage is added (pl_used_fits_sql, the comparison
 * the SQL form makes, on cell col of row i of res). */
static int usage_fits(const sctx *s, const gctx *gc, int *at, long long rp, long long rc,
                      const char *cap)
{
    long long used = ac_use_get(s->use, at, rp, rc);
    int k;
    if (!used) return 1;                    /* the filters' own test */
    for (k = 0; k < gc->nrc; k++)
        if (gc->rc_ids[k] == rc && !pl_used_fits_sql(strtoll(cap, NULL, 10), used, gc->amounts[k]))
            return 0;
    return 1;
}

/* read_usage for the providers of column col of rows. */
static int read_usage_of(sctx *s, const pl_dbres *rows, int col)
{
    long long *ids = apr_palloc(s->p, sizeof(long long) * (size_t)(rows->nrows + 1));
    int i, sorted = 1;
    for (i = 0; i < rows->nrows; i++) {
        ids[i] = pl_cell_int(rows, i, col);
        if (i && ids[i] < ids[i - 1]) sorted = 0;
    }
    if (!sorted) qsort(ids, (size_t)rows->nrows, sizeof(long long), ac_cmp_id);
    return read_usage(s, ids, rows->nrows);
}

/* ---- per group set-up: RequestGroupSearchContext ------------------------- */


static int group_setup(sctx *s, gctx *gc, int *empty)
{
    const pl_ac_group *g = gc->g;
    pl_dbres *res;
    const char *conds = "", *rcs = "";
    int i, at = 0;

    *empty = 0;
    gc->nrc = g->resources->nelts;
    gc->rc_ids = apr_pcalloc(s->p, sizeof(long long) * (size_t)(gc->nrc + 1));
    gc->amounts = apr_pcalloc(s->p, sizeof(long long) * (size_t)(gc->nrc + 1));
    gc->rc_names = apr_pcalloc(s->p, sizeof(const char *) * (size_t)(gc->nrc + 1));
    for (i = 0; i < gc->nrc; i++) {
        const pl_qp_amount *a = &APR_ARRAY_IDX(g->resources, i, pl_qp_amount);
        gc->rc_ids[i] = ac_rc_id(s, a->rc);
        gc->amounts[i] = a->amount;
        gc->rc_names[i] = a->rc;
        if (gc->rc_ids[i] < 0)
            return pl_fail(s->q, 400, NULL, "Invalid resource class in resources parameter: "
                           "No such resource class %s.", a->rc);
    }

    if (g->aggs.any_of->nelts && (gc->multi || !gc->nrc)) {
        if (ac_match_all(s, 1, g->aggs.any_of, &gc->in_aggs) != PL_OK) return PL_FAIL;
        if (!apr_hash_count(gc->in_aggs)) { *empty = 1; return PL_OK; }
    }
    else if (g->aggs.any_of->nelts) {
        /* one provider takes it all: member_of becomes part of its query */
        int found;
        if (match_any(s, 1, g->aggs.any_of, &found) != PL_OK) return PL_FAIL;
        if (!found) { *empty = 1; return PL_OK; }
    }

    gc->required = apr_array_make(s->p, 2, sizeof(apr_array_header_t *));
    for (i = 0; i < g->traits.all_of->nelts; i++) {
        apr_array_header_t *ids;
        if (ac_trait_ids(s, APR_ARRAY_IDX(g->traits.all_of, i, apr_array_header_t *), &ids)
            != PL_OK)
            return PL_FAIL;
        *(apr_array_header_t **)apr_array_push(gc->required) = ids;
    }
    if (ac_trait_ids(s, g->traits.forbidden, &gc->forbidden) != PL_OK) return PL_FAIL;

    if (g->in_tree) {
        if (pl_db_query(s->q, &res, "SELECT root_provider_id FROM resource_providers "
                        "WHERE uuid = ?", "s", g->in_tree) != PL_OK)
            return PL_FAIL;
        if (!res->nrows) { *empty = 1; return PL_OK; }
        gc->tree_root = pl_cell_int(res, 0, 0);
    }

    /* providers with capacity, for every class of the group in one query */
    gc->with_res = apr_pcalloc(s->p, sizeof(apr_array_header_t *) * (size_t)(gc->nrc + 1));
    if (!gc->nrc || !gc->multi) return PL_OK;
    for (i = 0; i < gc->nrc; i++) {
        long long amt = gc->amounts[i];
        gc->with_res[i] = apr_array_make(s->p, 8, sizeof(ac_pair));
        rcs = apr_pstrcat(s->p, rcs, i ? "," : "", num(s->p, gc->rc_ids[i]), NULL);
        conds = apr_psprintf(s->p, "%s%s(inv.resource_class_id = %s AND %s)",
                             conds, i ? " OR " : "", num(s->p, gc->rc_ids[i]),
                             pl_fits_used_sql(s->p, "inv", "0", amt));
    }
    if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, "SELECT inv.resource_class_id, rp.id, "
                    "rp.root_provider_id, %s FROM inventories inv "
                    "JOIN resource_providers rp ON rp.id = inv.resource_provider_id "
                    "WHERE inv.resource_class_id IN (%s) AND (%s)%s ORDER BY rp.id",
                    pl_capacity_sql(s->p, "inv"), rcs, conds,
                    gc->tree_root ? apr_pstrcat(s->p, " AND rp.root_provider_id = ",
                                                num(s->p, gc->tree_root), NULL) : "")) != PL_OK)
        return PL_FAIL;
    if (read_usage_of(s, res, 1) != PL_OK) return PL_FAIL;
    for (i = 0; i < res->nrows; i++) {
        long long rc = pl_cell_int(res, i, 0);
        long long rp = pl_cell_int(res, i, 1);
        int k;
        if (!i || rp != pl_cell_int(res, i - 1, 1)) {      /* rows in provider order */
            long long *root = apr_palloc(s->p, sizeof(*root));
            *root = pl_cell_int(res, i, 2);
            ac_map_put(s->p, s->root_of, rp, root);
        }
        if (!usage_fits(s, gc, &at, rp, rc, PL_CELL(res, i, 3))) continue;  /* no room */
        for (k = 0; k < gc->nrc; k++)
            if (gc->rc_ids[k] == rc) {
                ac_pair *pr = apr_array_push(gc->with_res[k]);
                pr->rp = pl_cell_int(res, i, 1);
                pr->root = pl_cell_int(res, i, 2);
            }
    }
    for (i = 0; i < gc->nrc; i++)
        if (!gc->with_res[i]->nelts) { *empty = 1; return PL_OK; }
    return PL_OK;
}

/* ---- one group, single provider (granular groups, flat deployments) ------- */

/* (provider, root) of each row whose first two cells are they. */
static void push_pairs(apr_array_header_t *pairs, const pl_dbres *res)
{
    int i;
    for (i = 0; i < res->nrows; i++) {
        ac_pair *pr = apr_array_push(pairs);
        pr->rp = pl_cell_int(res, i, 0);
        pr->root = pl_cell_int(res, i, 1);
    }
}

/* Providers that alone satisfy a group with resources, in id order: the
 * trait, aggregate and tree filters are part of the one query, ahead of
 * the capacity tests, so usage is read only for providers that pass them.
 * s->early_limit (when set) stops the query after that many. */
static int fitting_providers(sctx *s, gctx *gc, apr_array_header_t *pairs)
{
    const pl_ac_group *g = gc->g;
    apr_array_header_t *args = apr_array_make(s->p, 4, sizeof(pl_dbarg));
    const char *caps = "", *from = "", *where = "", *sql;
    pl_dbres *res;
    int i, j;

    for (i = 0; i < gc->nrc; i++) {
        const char *inv = apr_psprintf(s->p, "i%d", i), *rc = num(s->p, gc->rc_ids[i]);
        caps = apr_pstrcat(s->p, caps, i ? ", " : "", pl_capacity_sql(s->p, inv), NULL);
        from = apr_pstrcat(s->p, from, " JOIN inventories ", inv, " ON ", inv,
                           ".resource_provider_id = rp.id AND ", inv, ".resource_class_id = ",
                           rc, NULL);
        /* with a LIMIT, usage as a subquery for the rows read until it is
         * reached; else no usage here, and usage_fits after */
        where = apr_pstrcat(s->p, where, i ? " AND " : "", s->early_limit
                            ? pl_fits_sql(s->p, inv, "rp.id", rc, gc->amounts[i])
                            : pl_fits_used_sql(s->p, inv, "0", gc->amounts[i]), NULL);
    }
    if (gc->tree_root)
        where = apr_pstrcat(s->p, where, " AND rp.root_provider_id = ",
                            num(s->p, gc->tree_root), NULL);
    for (i = 0; i < gc->required->nelts; i++)
        where = apr_pstrcat(s->p, where, " AND rp.id IN (SELECT resource_provider_id FROM "
                            "resource_provider_traits WHERE trait_id IN (",
                            ll_list(s->p, APR_ARRAY_IDX(gc->required, i, apr_array_header_t *)),
                            "))", NULL);
    if (gc->forbidden->nelts)
        where = apr_pstrcat(s->p, where, " AND NOT EXISTS (SELECT 1 FROM "
                            "resource_provider_traits ft WHERE ft.resource_provider_id = rp.id "
                            "AND ft.trait_id IN (", ll_list(s->p, gc->forbidden), "))", NULL);
    for (i = 0; i <= g->aggs.any_of->nelts; i++) {
        const apr_array_header_t *uu = i < g->aggs.any_of->nelts
            ? APR_ARRAY_IDX(g->aggs.any_of, i, const apr_array_header_t *) : g->aggs.forbidden;
        if (!uu->nelts) continue;
        where = apr_pstrcat(s->p, where, i < g->aggs.any_of->nelts ? " AND rp.id IN ("
                            : " AND rp.id NOT IN (", "SELECT ra.resource_provider_id FROM "
                            "resource_provider_aggregates ra JOIN placement_aggregates pa ON "
                            "pa.id = ra.aggregate_id WHERE pa.uuid IN (",
                            pl_db_placeholders(s->p, uu->nelts), "))", NULL);
        for (j = 0; j < uu->nelts; j++) {
            pl_dbarg *a = apr_array_push(args);
            memset(a, 0, sizeof(*a));
            a->type = 's';
            a->s = APR_ARRAY_IDX(uu, j, const char *);
        }
    }
    /* the capacity floors as one text cell, "c0 c1 ...": the server writes
     * them, and only those of providers with usage are read */
    sql = apr_pstrcat(s->p, "SELECT rp.id, rp.root_provider_id, CONCAT_WS(' ', ", caps,
                      ") FROM resource_providers rp", from, " WHERE ", where,
                      " ORDER BY rp.id", s->early_limit
                      ? apr_pstrcat(s->p, " LIMIT ", num(s->p, s->early_limit), NULL) : "",
                      NULL);
    if (pl_db_exec(s->q, &res, sql, (pl_dbarg *)args->elts, args->nelts) != PL_OK)
        return PL_FAIL;
    s->early_rows = res->nrows;
    if (!s->early_limit) {
        int k = 0, at = 0;
        if (read_usage_of(s, res, 0) != PL_OK) return PL_FAIL;
        for (i = 0; i < res->nrows; i++) {       /* keep the rows with room, in order */
            long long rp = pl_cell_int(res, i, 0);
            const char *cap = PL_CELL(res, i, 2);
            for (j = 0; j < gc->nrc; j++) {
                if (j && !(cap = strchr(cap, ' '))) break;
                if (j) cap++;
                if (!usage_fits(s, gc, &at, rp, gc->rc_ids[j], cap)) break;
            }
            if (j < gc->nrc) continue;
            for (j = 0; j < res->ncols; j++)
                res->cells[(size_t)k * res->ncols + j] = PL_CELL(res, i, j);
            k++;
        }
        res->nrows = k;
    }
    push_pairs(pairs, res);
    return PL_OK;
}

/* The providers in one of the group's forbidden aggregates. */
static int in_forbidden_aggs(sctx *s, const gctx *gc, idset **out)
{
    apr_array_header_t *one = apr_array_make(s->p, 1, sizeof(apr_array_header_t *));
    *(const apr_array_header_t **)apr_array_push(one) = gc->g->aggs.forbidden;
    return ac_match_all(s, 1, one, out);
}

/* A resourceless group: the providers its positive filters (required
 * traits, member_of) select, less the forbidden ones. */
static int resourceless_providers(sctx *s, gctx *gc, apr_array_header_t *pairs)
{
    idset *filt = NULL, *forb = ac_set_new(s->p), *bad;

    if (gc->required->nelts) {
        if (ac_match_all(s, 0, gc->required, &filt) != PL_OK) return PL_FAIL;
        if (!apr_hash_count(filt)) return PL_OK;
    }
    if (gc->in_aggs) {
        filt = filt ? ac_set_and(s->p, filt, gc->in_aggs) : gc->in_aggs;
        if (!apr_hash_count(filt)) return PL_OK;
    }
    if (gc->g->aggs.forbidden->nelts) {
        if (in_forbidden_aggs(s, gc, &bad) != PL_OK) return PL_FAIL;
        forb = bad;
        if (filt) {
            filt = ac_set_minus(s->p, filt, bad);
            if (!apr_hash_count(filt)) return PL_OK;
        }
    }
    if (gc->forbidden->nelts) {
        apr_hash_index_t *hi;
        if (having_any_trait(s, gc->forbidden, &bad) != PL_OK) return PL_FAIL;
        for (hi = apr_hash_first(s->p, bad); hi; hi = apr_hash_next(hi))
            ac_set_add(s->p, forb, ac_key_of(hi));
        if (filt) {
            filt = ac_set_minus(s->p, filt, bad);
            if (!apr_hash_count(filt)) return PL_OK;
        }
    }

    {
        pl_dbres *res;
        /* upstream: a resourceless group only matches through a positive
         * filter (required traits or member_of) */
        if (!filt) return PL_OK;
        if (pl_db_query_once(s->q, &res, apr_psprintf(s->p, IN_RANGES "SELECT id, root_provider_id "
                        "FROM resource_providers WHERE id IN (%s)%s%s ORDER BY id",
                        ac_set_sql(s->p, filt), apr_hash_count(forb) ? " AND id NOT IN " : "",
                        apr_hash_count(forb) ? apr_psprintf(s->p, "(%s)",
                                                            ac_set_sql(s->p, forb)) : "")) != PL_OK)
            return PL_FAIL;
        push_pairs(pairs, res);
    }
    return PL_OK;
}

static int single_provider(sctx *s, gctx *gc, apr_array_header_t *out)
{
    idset *sps, *roots;
    apr_array_header_t *pairs = apr_array_make(s->p, 8, sizeof(ac_pair));
    apr_hash_t *anchors;
    int i;

    if ((gc->nrc ? fitting_providers(s, gc, pairs) : resourceless_providers(s, gc, pairs))
        != PL_OK)
        return PL_FAIL;
    if (!pairs->nelts) return PL_OK;

    roots = ac_set_new(s->p);
    for (i = 0; i < pairs->nelts; i++)
        ac_set_add(s->p, roots, APR_ARRAY_IDX(pairs, i, ac_pair).root);
    if (load_trees(s, roots) != PL_OK) return PL_FAIL;

    sps = ac_set_new(s->p);
    for (i = 0; i < pairs->nelts; i++) {
        pl_ac_rp *rp = ac_map_get(s->rps, APR_ARRAY_IDX(pairs, i, ac_pair).rp);
        if (rp && rp->sharing) ac_set_add(s->p, sps, rp->id);
    }
    if (ac_anchors(s, sps, &anchors) != PL_OK) return PL_FAIL;

    for (i = 0; i < pairs->nelts; i++) {
        ac_pair *pr = &APR_ARRAY_IDX(pairs, i, ac_pair);
        pl_ac_rp *rp = ac_map_get(s->rps, pr->rp);
        idset *anc;
        apr_hash_index_t *hi;
        if (!rp) continue;
        if (!s->anchor_roots || ac_set_has(s->anchor_roots, pr->root))
            *(greq **)apr_array_push(out) = ac_greq_for(s, gc, rp, pr->root);
        if (!rp->sharing || !(anc = ac_map_get(anchors, rp->id))) continue;
        for (hi = apr_hash_first(s->p, anc); hi; hi = apr_hash_next(hi)) {
            long long a = ac_key_of(hi);
            if (a == pr->root) continue;
            if (s->anchor_roots && !ac_set_has(s->anchor_roots, a)) continue;
            *(greq **)apr_array_push(out) = ac_greq_for(s, gc, rp, a);
        }
    }
    return PL_OK;
}

/* ---- the whole search --------------------------------------------------------- */

/* With one group that one provider must satisfy alone, in a cloud without
 * trees or sharing providers, upstream's answer is the fitting providers in
 * id order: limit= (without randomization) and max_allocation_candidates
 * can then stop the database query early.  0 when that does not hold. */
static long long early_limit(sctx *s, const gctx *gc)
{
    long long lim = 0;
    int maxc = s->conf.max_candidates;
    if (s->r->groups->nelts != 1 || gc->multi || !gc->nrc || s->has_trees
        || apr_hash_count(s->sharing) || s->anchor_roots)
        return 0;
    if (s->r->limit > 0 && !s->conf.randomize)
        lim = s->r->limit;
    if (maxc > 0 && (!lim || maxc < lim)) lim = maxc;
    return lim;
}

static int search_once(sctx *s, int may_stop_early)
{
    pl_req *q = s->q;
    apr_array_header_t **per_group;
    int i, empty;

    s->rps = ac_map_new(s->p);
    s->loaded_roots = ac_set_new(s->p);
    s->order = apr_array_make(s->p, 16, sizeof(pl_ac_rp *));
    s->rc_ids = ac_map_new(s->p);
    s->trait_ids = ac_map_new(s->p);
    s->rc_names = ac_map_new(s->p);
    s->trait_names = ac_map_new(s->p);
    s->root_of = ac_map_new(s->p);
    s->use = apr_array_make(s->p, 64, sizeof(ac_use));
    s->use_read = apr_array_make(s->p, 64, sizeof(long long));
    s->anchor_roots = NULL;
    s->early_rows = 0;
    s->out->areqs = apr_array_make(s->p, 1, sizeof(pl_ac_areq *));
    s->out->summaries = apr_array_make(s->p, 1, sizeof(pl_ac_rp *));
    (void)q;

    if (prefetch_names(s) != PL_OK) return PL_FAIL;
    if (wide_setup(s, &empty) != PL_OK) return PL_FAIL;
    if (empty) return PL_OK;

    per_group = apr_pcalloc(s->p, sizeof(*per_group) * (size_t)s->r->groups->nelts);
    for (i = 0; i < s->r->groups->nelts; i++) {
        gctx gc;
        memset(&gc, 0, sizeof(gc));
        gc.g = &APR_ARRAY_IDX(s->r->groups, i, pl_ac_group);
        gc.gi = i;
        gc.multi = !gc.g->same_provider && (apr_hash_count(s->sharing) || s->has_trees);
        if (group_setup(s, &gc, &empty) != PL_OK) return PL_FAIL;
        if (empty) return PL_OK;
        per_group[i] = apr_array_make(s->p, 16, sizeof(greq *));
        s->early_limit = may_stop_early ? early_limit(s, &gc) : 0;
        if (gc.multi) {
            if (gc.g->aggs.forbidden->nelts && in_forbidden_aggs(s, &gc, &gc.bad_aggs) != PL_OK)
                return PL_FAIL;
            if (ac_multi_provider(s, &gc, per_group[i]) != PL_OK)
                return PL_FAIL;
        }
        else if (single_provider(s, &gc, per_group[i]) != PL_OK)
            return PL_FAIL;
        if (!per_group[i]->nelts) return PL_OK;
    }
    return ac_merge(s, per_group);
}

static int search(pl_req *q, void *vctx)
{
    sctx *s = vctx;
    (void)q;
    s->early_limit = 0;
    if (search_once(s, 1) != PL_OK) return PL_FAIL;
    /* the query stopped early, and the final capacity check refused one of
     * the providers it returned: then the first N are further on */
    if (s->early_limit && s->early_rows == s->early_limit
        && s->out->areqs->nelts < s->early_limit)
        return search_once(s, 0);
    return PL_OK;
}

int pl_ac_search(pl_req *q, const pl_ac_request *r, pl_ac_result *out)
{
    sctx s;
    memset(&s, 0, sizeof(s));
    s.q = q;
    s.src.anchors = ac_anchors;
    s.src.load_trees_of = load_trees_of;
    s.conf.max_candidates = pl_conf_int(q->conf->max_allocation_candidates, -1);
    s.conf.randomize = pl_conf_flag(q->conf->randomize_allocation_candidates, 0);
    s.conf.no_split_trees = !PL_MV_GE(q, 1, 29);
    s.p = q->pool;
    s.r = r;
    s.out = out;
    return pl_db_txn(q, search, &s);
}
