/* GET /allocation_candidates: query string -> pl_ac_request, with
 * upstream's checks in upstream's order (schema, request-wide parameters,
 * groups, group consistency, group_policy). */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "candidates.h"
#include "http.h"
#include "pyrepr.h"
#include "strutil.h"

#define STR(a, i) (APR_ARRAY_IDX((a), (i), const char *))

static const char *schema_for(int mv)
{
    static const struct { int v; const char *name; } tab[] = {
        { PL_V(1, 36), "allocation_candidate.GET_SCHEMA_1_36" },
        { PL_V(1, 35), "allocation_candidate.GET_SCHEMA_1_35" },
        { PL_V(1, 33), "allocation_candidate.GET_SCHEMA_1_33" },
        { PL_V(1, 31), "allocation_candidate.GET_SCHEMA_1_31" },
        { PL_V(1, 25), "allocation_candidate.GET_SCHEMA_1_25" },
        { PL_V(1, 21), "allocation_candidate.GET_SCHEMA_1_21" },
        { PL_V(1, 17), "allocation_candidate.GET_SCHEMA_1_17" },
        { PL_V(1, 16), "allocation_candidate.GET_SCHEMA_1_16" },
    };
    size_t i;
    for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (mv >= tab[i].v) return tab[i].name;
    return "allocation_candidate.GET_SCHEMA_1_10";
}

static int contains(const apr_array_header_t *a, const char *s)
{
    int i;
    for (i = 0; a && i < a->nelts; i++)
        if (strcmp(STR(a, i), s) == 0) return 1;
    return 0;
}

/* Python repr() of a list of str. */
static const char *py_list(apr_pool_t *p, const apr_array_header_t *a)
{
    const char *s = "[";
    int i;
    for (i = 0; i < a->nelts; i++)
        s = apr_pstrcat(p, s, i ? ", " : "", pl_py_str_repr(p, STR(a, i), strlen(STR(a, i))),
                        NULL);
    return apr_pstrcat(p, s, "]", NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Key -> (prefix, suffix) as lib._QS_KEY_PATTERN(_1_33); 0 when no match. */
static int split_key(const char *key, int verbose, const char **prefix, const char **suffix)
{
    static const char *prefixes[] = { "resources", "required", "member_of", "in_tree" };
    size_t i, n;
    for (i = 0; i < 4; i++) {
        const char *s;
        n = strlen(prefixes[i]);
        if (strncmp(key, prefixes[i], n) != 0) continue;
        s = key + n;
        if (*s) {
            size_t k, len = strlen(s);
            if (verbose) {
                if (len > 64) continue;
                for (k = 0; k < len; k++)
                    if (!apr_isalnum(s[k]) && s[k] != '_' && s[k] != '-') break;
            }
            else {
                if (s[0] < '1' || s[0] > '9') continue;
                for (k = 1; k < len; k++)
                    if (!apr_isdigit(s[k])) break;
            }
            if (k != len) continue;
        }
        *prefix = prefixes[i];
        *suffix = s;
        return 1;
    }
    return 0;
}

static pl_ac_group *group_for(pl_req *q, apr_array_header_t *groups, const char *suffix)
{
    pl_ac_group *g;
    int i;
    for (i = 0; i < groups->nelts; i++) {
        g = &APR_ARRAY_IDX(groups, i, pl_ac_group);
        if (strcmp(g->suffix, suffix) == 0) return g;
    }
    g = apr_array_push(groups);
    memset(g, 0, sizeof(*g));
    g->suffix = suffix;
    g->same_provider = *suffix != '\0';
    g->resources = apr_array_make(q->pool, 1, sizeof(pl_qp_amount));
    g->traits.all_of = apr_array_make(q->pool, 1, sizeof(apr_array_header_t *));
    g->traits.forbidden = apr_array_make(q->pool, 1, sizeof(const char *));
    g->aggs.any_of = apr_array_make(q->pool, 1, sizeof(apr_array_header_t *));
    g->aggs.forbidden = apr_array_make(q->pool, 1, sizeof(const char *));
    return g;
}

static const char *joined(pl_req *q, apr_array_header_t *a)
{
    const char *s = "";
    int i;
    for (i = 0; i < a->nelts; i++)
        s = apr_pstrcat(q->pool, s, i ? ", " : "", STR(a, i), NULL);
    return s;
}

/* lib.RequestWideParams.from_request */
static int parse_wide(pl_req *q, pl_ac_request *r)
{
    apr_array_header_t *vals;
    const char *err;
    int i, j;

    vals = pl_query_all(q, "limit");
    if (vals->nelts && pl_qp_pyint(STR(vals, 0), &r->limit) != 0) r->limit = 0;
    vals = pl_query_all(q, "group_policy");
    if (vals->nelts) r->group_policy = STR(vals, 0);

    vals = pl_query_all(q, "root_required");
    if (vals->nelts) {
        pl_qp_traits t;
        apr_array_header_t *conflicts;
        if (vals->nelts > 1)
            return pl_fail(q, 400, PL_CODE_QUERY_DUPLICATE_KEY,
                           "Query parameter 'root_required' may be specified only once.");
        memset(&t, 0, sizeof(t));
        if (pl_qp_traits_value(q->pool, STR(vals, 0), 1, 0, &t, &err))
            return pl_fail(q, 400, NULL, "%s", err);
        r->root_required = apr_array_make(q->pool, 4, sizeof(const char *));
        r->root_forbidden = t.forbidden;
        for (i = 0; i < t.all_of->nelts; i++) {
            apr_array_header_t *g = APR_ARRAY_IDX(t.all_of, i, apr_array_header_t *);
            pl_add_unique(NULL, r->root_required, STR(g, 0));
        }
        conflicts = apr_array_make(q->pool, 2, sizeof(const char *));
        for (i = 0; i < r->root_forbidden->nelts; i++)
            if (contains(r->root_required, STR(r->root_forbidden, i)))
                *(const char **)apr_array_push(conflicts) = STR(r->root_forbidden, i);
        if (conflicts->nelts)
            return pl_fail(q, 400, PL_CODE_QUERY_BAD_VALUE, "Conflicting required and "
                           "forbidden traits found in root_required: %s",
                           joined(q, conflicts));
    }

    r->same_subtrees = apr_array_make(q->pool, 2, sizeof(apr_array_header_t *));
    vals = pl_query_all(q, "same_subtree");
    for (i = 0; i < vals->nelts; i++) {
        apr_array_header_t *set = apr_array_make(q->pool, 4, sizeof(const char *));
        const char *s = STR(vals, i);
        for (;;) {
            const char *e = strchr(s, ',');
            const char *piece = pl_qp_strip(q->pool, e ? apr_pstrndup(q->pool, s, (size_t)(e - s))
                                                       : s);
            pl_add_unique(NULL, set, piece);
            if (!e) break;
            s = e + 1;
        }
        for (j = 0; j < set->nelts; j++)
            if (!*STR(set, j))
                return pl_fail(q, 400, PL_CODE_QUERY_BAD_VALUE, "Empty string (unsuffixed "
                               "group) can not be specified in `same_subtree` ");
        *(apr_array_header_t **)apr_array_push(r->same_subtrees) = set;
    }
    return PL_OK;
}

/* RequestGroup._parse_request_items */
static int parse_groups(pl_req *q, pl_ac_request *r)
{
    const apr_array_header_t *a = apr_table_elts(q->query);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    apr_array_header_t *done = apr_array_make(q->pool, 4, sizeof(const char *));
    int verbose = PL_MV_GE(q, 1, 33), i;
    const char *err;

    r->groups = apr_array_make(q->pool, 4, sizeof(pl_ac_group));
    for (i = 0; i < a->nelts; i++) {
        const char *prefix, *suffix;
        pl_ac_group *g;
        if (!split_key(e[i].key, verbose, &prefix, &suffix)) continue;
        g = group_for(q, r->groups, suffix);
        if (prefix[0] == 'r' && prefix[2] == 's') {           /* resources */
            if (pl_qp_resources(q->pool, e[i].val, &g->resources, &err))
                return pl_fail(q, 400, NULL, "%s", err);
        }
        else if (prefix[0] == 'i') {                          /* in_tree */
            if (pl_qp_in_tree(q->pool, e[i].val, &g->in_tree, &err))
                return pl_fail(q, 400, NULL, "%s", err);
        }
        else {
            /* required / member_of read every value of the key: once is enough */
            if (contains(done, e[i].key)) continue;
            *(const char **)apr_array_push(done) = e[i].key;
            if (prefix[0] == 'r') {
                if (pl_qp_required(q->pool, pl_query_all(q, e[i].key), q->mv, &g->traits, &err))
                    return pl_fail(q, 400, NULL, "%s", err);
            }
            else if (pl_qp_member_of(q->pool, pl_query_all(q, e[i].key), suffix, q->mv,
                                     &g->aggs, &err))
                return pl_fail(q, 400, NULL, "%s", err);
        }
    }
    return PL_OK;
}

#define GROUP(r, i) (&APR_ARRAY_IDX((r)->groups, (i), pl_ac_group))

/* 1.36+: resourceless groups must be named in same_subtree. */
static int check_subtree_groups(pl_req *q, pl_ac_request *r)
{
    apr_array_header_t *resourceless = apr_array_make(q->pool, 2, sizeof(const char *));
    apr_array_header_t *subtree = apr_array_make(q->pool, 4, sizeof(const char *));
    apr_array_header_t *bad = apr_array_make(q->pool, 2, sizeof(const char *));
    apr_array_header_t *keys = apr_array_make(q->pool, 4, sizeof(const char *));
    int i, j;

    for (i = 0; i < r->groups->nelts; i++) {
        *(const char **)apr_array_push(keys) = GROUP(r, i)->suffix;
        if (!GROUP(r, i)->resources->nelts)
            *(const char **)apr_array_push(resourceless) = GROUP(r, i)->suffix;
    }
    for (i = 0; i < r->same_subtrees->nelts; i++) {
        apr_array_header_t *set = APR_ARRAY_IDX(r->same_subtrees, i, apr_array_header_t *);
        for (j = 0; j < set->nelts; j++) pl_add_unique(NULL, subtree, STR(set, j));
    }
    if (resourceless->nelts == r->groups->nelts)
        return pl_fail(q, 400, PL_CODE_QUERY_MISSING_VALUE, "There must be at least one "
                       "resources or resources[$S] parameter.");
    for (i = 0; i < resourceless->nelts; i++)
        if (!contains(subtree, STR(resourceless, i)))
            *(const char **)apr_array_push(bad) = STR(resourceless, i);
    if (bad->nelts)
        return pl_fail(q, 400, PL_CODE_QUERY_BAD_VALUE, "Resourceless suffixed group request "
                       "should be specified in `same_subtree` query param: bad group(s) - "
                       "%s.", py_list(q->pool, bad));
    for (i = 0; i < subtree->nelts; i++)
        if (!contains(keys, STR(subtree, i)))
            *(const char **)apr_array_push(bad) = STR(subtree, i);
    if (bad->nelts)
        return pl_fail(q, 400, PL_CODE_QUERY_BAD_VALUE, "Real suffixes should be specified in "
                       "`same_subtree`: %s not found in %s.", py_list(q->pool, bad),
                       py_list(q->pool, keys));
    return PL_OK;
}

/* Before 1.36: traits and member_of need resources in the same group. */
static int check_orphans(pl_req *q, pl_ac_request *r)
{
    apr_array_header_t *orphans = apr_array_make(q->pool, 2, sizeof(const char *));
    int i;
    for (i = 0; i < r->groups->nelts; i++)
        if (GROUP(r, i)->traits.all_of->nelts && !GROUP(r, i)->resources->nelts)
            *(const char **)apr_array_push(orphans) =
                apr_pstrcat(q->pool, "required", GROUP(r, i)->suffix, NULL);
    if (orphans->nelts)
        return pl_fail(q, 400, NULL, "All traits parameters must be associated with "
                       "resources.  Found the following orphaned traits keys: %s",
                       joined(q, orphans));
    for (i = 0; i < r->groups->nelts; i++)
        if (!GROUP(r, i)->resources->nelts && (GROUP(r, i)->aggs.any_of->nelts
                                               || GROUP(r, i)->aggs.forbidden->nelts))
            *(const char **)apr_array_push(orphans) =
                apr_pstrcat(q->pool, "member_of", GROUP(r, i)->suffix, NULL);
    if (orphans->nelts)
        return pl_fail(q, 400, NULL, "All member_of parameters must be associated with "
                       "resources. Found the following orphaned member_of keys: %s",
                       joined(q, orphans));
    for (i = 0; i < r->groups->nelts; i++)
        if (!GROUP(r, i)->resources->nelts)
            return pl_fail(q, 400, NULL, "All request groups must specify resources.");
    if (!r->groups->nelts)
        return pl_fail(q, 400, NULL, "At least one request group (`resources` or "
                       "`resources{$S}`) is required.");
    return PL_OK;
}

static int check_forbidden(pl_req *q, pl_ac_request *r)
{
    apr_array_header_t *bad = apr_array_make(q->pool, 2, sizeof(const char *));
    int i, j, k;
    for (i = 0; i < r->groups->nelts; i++) {
        pl_ac_group *g = GROUP(r, i);
        for (j = 0; j < g->traits.all_of->nelts; j++) {
            apr_array_header_t *any = APR_ARRAY_IDX(g->traits.all_of, j, apr_array_header_t *);
            apr_array_header_t *sorted;
            int all = 1;
            for (k = 0; k < any->nelts; k++)
                if (!contains(g->traits.forbidden, STR(any, k))) all = 0;
            if (!all) continue;
            sorted = apr_array_copy(q->pool, any);
            qsort(sorted->elts, (size_t)sorted->nelts, sizeof(const char *), cmp_str);
            *(const char **)apr_array_push(bad) =
                apr_psprintf(q->pool, "required%s: (%s)", g->suffix, joined(q, sorted));
        }
    }
    if (!bad->nelts) return PL_OK;
    qsort(bad->elts, (size_t)bad->nelts, sizeof(const char *), cmp_str);
    return pl_fail(q, 400, NULL, "Conflicting required and forbidden traits found in the "
                   "following traits keys: %s", joined(q, bad));
}

int pl_ac_parse(pl_req *q, pl_ac_request *r)
{
    int i, granular = 0;

    if (pl_validate_query(q, schema_for(q->mv)) != PL_OK) return PL_FAIL;
    memset(r, 0, sizeof(*r));
    if (parse_wide(q, r) != PL_OK || parse_groups(q, r) != PL_OK) return PL_FAIL;
    if (PL_MV_GE(q, 1, 36)) {
        if (check_subtree_groups(q, r) != PL_OK) return PL_FAIL;
    }
    else if (check_orphans(q, r) != PL_OK)
        return PL_FAIL;
    if (PL_MV_GE(q, 1, 22) && check_forbidden(q, r) != PL_OK) return PL_FAIL;

    for (i = 0; i < r->groups->nelts; i++)
        if (GROUP(r, i)->same_provider) granular++;
    if (!r->group_policy && granular > 1)
        return pl_fail(q, 400, NULL, "The \"group_policy\" parameter is required when "
                       "specifying more than one \"resources{N}\" parameter.");
    return PL_OK;
}
