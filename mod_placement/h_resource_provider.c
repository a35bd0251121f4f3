/* h_resource_provider: GET/POST /resource_providers and GET/PUT/DELETE
 * /resource_providers/{uuid}, as upstream's handlers/resource_provider.py
 * with objects/resource_provider.py underneath. */
#include <string.h>
#include <apr_strings.h>
#include <apr_uuid.h>
#include <apr_lib.h>

#include "handlers.h"
#include "http.h"
#include <apr_hash.h>
#include "db.h"
#include "objects.h"
#include "qparams.h"
#include "jsonschema.h"

/* A provider's rows (objects.h's PL_RP_COLUMNS, pl_provider_from_row);
 * root is an inner join as upstream's. */
#define RP_FROM \
    "FROM resource_providers rp " \
    "JOIN resource_providers root ON root.id = rp.root_provider_id " \
    "LEFT JOIN resource_providers parent ON parent.id = rp.parent_provider_id "
#define RP_SELECT "SELECT " PL_RP_COLUMNS " " RP_FROM

/* The listing reads only what the answer shows (PL_RP_COLUMNS_BRIEF) and
 * (from 1.15) its updated_at or created_at as a number (YYYYMMDDhhmmss:
 * an integer cell costs the client library far less than a DATETIME's
 * text, and numbers compare in time order) after them. */
#define LS_COLUMNS "SELECT " PL_RP_COLUMNS_BRIEF
#define LS_MODIFIED_COLUMN ", COALESCE(rp.updated_at, rp.created_at) + 0 "
enum { LS_MODIFIED = PL_RP_BRIEF };

/* 1 found, 0 not, PL_FAIL. */
static int load(pl_req *q, const char *uuid, pl_provider *o, int for_update)
{
    pl_dbres *res;
    if (pl_db_query(q, &res, for_update ? RP_SELECT "WHERE rp.uuid = ? FOR UPDATE"
                    : RP_SELECT "WHERE rp.uuid = ?", "s", uuid) != PL_OK)
        return PL_FAIL;
    if (res->nrows == 0) return 0;
    pl_provider_from_row(o, res, 0, PL_RP_ALL);
    return 1;
}

/* The links of a provider at this microversion, written once per request:
 * each link's text before the provider's uuid (the URL prefix escaped
 * once) and after it, so a provider whose uuid needs no escape (every
 * uuid the API wrote: hex and dashes) costs a few copies. */
typedef struct rp_links {
    char *text;                 /* the whole of it for one uuid */
    const char *prefix;         /* pl_url(q, "/resource_providers/") */
    size_t head[6], tail[6];    /* per link: the bytes before / after the uuid */
    const char *rel[6], *path[6];
    int n;
} rp_links;

static void links_init(pl_req *q, rp_links *l)
{
    static const struct { const char *rel, *path; int since; } rels[] = {
        {"self", "", PL_V(1, 0)},
        {"inventories", "/inventories", PL_V(1, 0)}, {"usages", "/usages", PL_V(1, 0)},
        {"aggregates", "/aggregates", PL_V(1, 1)}, {"traits", "/traits", PL_V(1, 6)},
        {"allocations", "/allocations", PL_V(1, 11)},
    };
    pl_jw pw;
    size_t i, plen = 0, total = 0;
    char *pre = NULL, *o;

    memset(l, 0, sizeof(*l));
    l->prefix = pl_url(q, "/resource_providers/");
    /* the prefix as a JSON string, without its closing quote */
    pl_jw_init(&pw, 64);
    pl_jw_str(&pw, l->prefix);
    if (!pw.failed && pw.len >= 2) {
        plen = pw.len - 1;
        pre = apr_pmemdup(q->pool, pw.buf, plen);
    }
    pl_jw_free(&pw);
    for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        if (q->mv < rels[i].since) continue;
        l->rel[l->n] = rels[i].rel;
        l->path[l->n] = rels[i].path;
        l->n++;
    }
    if (!pre) return;           /* out of memory: links() escapes each */
    for (i = 0; i < (size_t)l->n; i++)
        total += 40 + strlen(l->rel[i]) + plen + 36 + strlen(l->path[i]) + 4;
    l->text = o = apr_palloc(q->pool, total);
#define PUT_LIT(lit) (memcpy(o, lit, sizeof(lit) - 1), o += sizeof(lit) - 1)
    for (i = 0; i < (size_t)l->n; i++) {
        size_t rl = strlen(l->rel[i]), pl = strlen(l->path[i]);
        if (i) PUT_LIT(",");
        PUT_LIT("{\"rel\":\"");
        memcpy(o, l->rel[i], rl);        /* the rel names need no escape */
        o += rl;
        PUT_LIT("\",\"href\":");
        memcpy(o, pre, plen);
        o += plen;
        l->head[i] = (size_t)(o - l->text);
        memcpy(o, l->path[i], pl);
        o += pl;
        PUT_LIT("\"}");
        l->tail[i] = (size_t)(o - l->text);
    }
#undef PUT_LIT
}

/* "links":[...] for one provider. */
static void links(pl_jw *w, const rp_links *l, const char *uuid)
{
    size_t ulen = strlen(uuid), i, from = 0;
    PL_JW_KEY(w, "links");
    /* (a uuid starting with 0x80 could complete a NUL mark the prefix ends with) */
    if (l->text && ulen == 36 && (unsigned char)uuid[0] < 0x80 && pl_jw_plain(uuid, ulen)) {
        /* [ head0 uuid tail0 head1 uuid tail1 ... ] as one run of copies */
        char buf[2048], *o = buf;
        size_t need = 2 + l->tail[l->n - 1] + (size_t)l->n * ulen;
        if (need <= sizeof(buf)) {
            *o++ = '[';
            for (i = 0; i < (size_t)l->n; i++) {
                memcpy(o, l->text + from, l->head[i] - from);
                o += l->head[i] - from;
                memcpy(o, uuid, ulen);
                o += ulen;
                memcpy(o, l->text + l->head[i], l->tail[i] - l->head[i]);
                o += l->tail[i] - l->head[i];
                from = l->tail[i];
            }
            *o++ = ']';
            pl_jw_raw(w, buf, (size_t)(o - buf));
            return;
        }
    }
    pl_jw_arr(w);
    for (i = 0; i < (size_t)l->n; i++) {
        pl_jw_obj(w);
        PL_JW_KEY(w, "rel");
        pl_jw_str(w, l->rel[i]);
        PL_JW_KEY(w, "href");
        pl_jw_str3(w, l->prefix, uuid, *l->path[i] ? l->path[i] : NULL);
        pl_jw_end(w);
    }
    pl_jw_end(w);
}

/* One provider, written into w. */
static void serialize(pl_req *q, pl_jw *w, const rp_links *l, const pl_provider *rp)
{
    pl_jw_obj(w);
    PL_JW_KEY(w, "uuid");
    pl_jw_str(w, rp->uuid);
    PL_JW_KEY(w, "name");
    pl_jw_str(w, rp->name);
    PL_JW_KEY(w, "generation");
    pl_jw_int(w, rp->generation);
    links(w, l, rp->uuid);
    if (PL_MV_GE(q, 1, 14)) {
        PL_JW_KEY(w, "parent_provider_uuid");
        pl_jw_str(w, rp->parent_uuid);
        PL_JW_KEY(w, "root_provider_uuid");
        pl_jw_str(w, rp->root_uuid);
    }
    pl_jw_end(w);
}

static int send_one(pl_req *q, const pl_provider *rp)
{
    pl_jw *w = pl_jw_new(q, 1024);
    rp_links l;
    links_init(q, &l);
    serialize(q, w, &l, rp);
    return pl_send_jw(q, 200, w);
}

/* ---- GET /resource_providers ------------------------------------------ */

/* Exact (case-sensitive) name -> id, as upstream's in-memory caches match:
 * 1 found, 0 not, PL_FAIL. */
static int exact_id(pl_req *q, const char *table, const char *col, const char *name,
                    long long *id)
{
    enum { EX_ID, EX_NAME };
    pl_dbres *res;
    int i;
    if (pl_db_query(q, &res, apr_psprintf(q->pool, "SELECT id, %s FROM %s WHERE %s = ?",
                                          col, table, col), "s", name) != PL_OK)
        return PL_FAIL;
    for (i = 0; i < res->nrows; i++)
        if (PL_CELL(res, i, EX_NAME) && strcmp(PL_CELL(res, i, EX_NAME), name) == 0) {
            *id = pl_cell_int(res, i, EX_ID);
            return 1;
        }
    return 0;
}

/* A group of names as an id list; missing names are skipped, or (strict)
 * reported through *missing. */
static int name_ids(pl_req *q, const char *table, const char *col,
                    const apr_array_header_t *names, const char **ids, const char **missing)
{
    const char *s = "";
    int i, n = 0;
    for (i = 0; i < names->nelts; i++) {
        long long id;
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        int rc = exact_id(q, table, col, name, &id);
        if (rc == PL_FAIL) return PL_FAIL;
        if (rc == 0) {
            if (missing) { *missing = name; return 0; }
            continue;
        }
        s = apr_psprintf(q->pool, "%s%s%" APR_INT64_T_FMT, s, n++ ? "," : "",
                         (apr_int64_t)id);
    }
    *ids = s;
    return 1;
}

/* " AND rp.id IN (...)" for each group of ids (AND of ORs): upstream's
 * provider_ids_matching_required_traits / _aggregates, as subqueries of
 * the one listing statement. */
static const char *in_each(pl_req *q, const char *w, const char *table, const char *col,
                           const apr_array_header_t *groups)
{
    int i;
    for (i = 0; i < groups->nelts; i++)
        w = apr_pstrcat(q->pool, w, " AND rp.id IN (SELECT resource_provider_id FROM ", table,
                        " WHERE ", col, " IN (", APR_ARRAY_IDX(groups, i, const char *), "))",
                        NULL);
    return w;
}

/* Whether any provider passes the filters so far: 1, 0, PL_FAIL. */
static int any_match(pl_req *q, const char *where, const apr_array_header_t *args)
{
    pl_dbarg *dargs = apr_pcalloc(q->pool, sizeof(pl_dbarg) * (size_t)(args->nelts + 1));
    pl_dbres *res;
    int i;
    for (i = 0; i < args->nelts; i++) {
        dargs[i].type = 's';
        dargs[i].s = APR_ARRAY_IDX(args, i, const char *);
    }
    if (pl_db_exec(q, &res, apr_pstrcat(q->pool, "SELECT 1 FROM resource_providers rp ",
                                        where, " LIMIT 1", NULL), dargs, args->nelts) != PL_OK)
        return PL_FAIL;
    return res->nrows > 0;
}

typedef struct list_filters {
    const char *name, *uuid, *in_tree;
    pl_qp_traits traits;
    pl_qp_aggs aggs;
    apr_array_header_t *resources;      /* of pl_qp_amount, or NULL */
    int has_traits, has_aggs;
} list_filters;

/* Builds the WHERE clause the way upstream's _get_all_by_filters_from_db
 * does, with its early "no match" returns.  1 query ready, 0 empty result,
 * PL_FAIL. */
static int build_where(pl_req *q, list_filters *f, const char **where,
                       apr_array_header_t *args)
{
    const char *w = "WHERE 1=1";
    int i, rc;

#define ARG(v) (*(const char **)apr_array_push(args) = (v))
    if (f->name && *f->name) { w = apr_pstrcat(q->pool, w, " AND rp.name = ?", NULL); ARG(f->name); }
    if (f->uuid && *f->uuid) { w = apr_pstrcat(q->pool, w, " AND rp.uuid = ?", NULL); ARG(f->uuid); }
    if (f->in_tree && *f->in_tree) {
        pl_provider t;
        if ((rc = load(q, f->in_tree, &t, 0)) != 1) return rc;
        w = apr_psprintf(q->pool, "%s AND rp.root_provider_id = %" APR_INT64_T_FMT, w,
                         (apr_int64_t)t.root_id);
    }
    if (f->has_traits && f->traits.all_of->nelts) {
        apr_array_header_t *groups = apr_array_make(q->pool, 4, sizeof(const char *));
        for (i = 0; i < f->traits.all_of->nelts; i++) {
            const char *ids, *missing = NULL;
            if (name_ids(q, "traits", "name", APR_ARRAY_IDX(f->traits.all_of, i,
                         apr_array_header_t *), &ids, &missing) == PL_FAIL)
                return PL_FAIL;
            if (missing)
                return pl_fail(q, 400, NULL, "Invalid trait(s) in \"required\" parameter: "
                               "No such trait(s): %s.", missing);
            *(const char **)apr_array_push(groups) = ids;
        }
        w = in_each(q, w, "resource_provider_traits", "trait_id", groups);
        /* upstream answers [] here, before it looks up forbidden traits and
         * resource classes (whose absence would be a 400) */
        if ((f->traits.forbidden->nelts || f->resources)
            && (rc = any_match(q, w, args)) != 1)
            return rc;
    }
    if (f->has_traits && f->traits.forbidden->nelts) {
        const char *ids, *missing = NULL;
        if (name_ids(q, "traits", "name", f->traits.forbidden, &ids, &missing) == PL_FAIL)
            return PL_FAIL;
        if (missing)
            return pl_fail(q, 400, NULL, "Invalid trait(s) in \"required\" parameter: "
                           "No such trait(s): %s.", missing);
        w = apr_pstrcat(q->pool, w, " AND NOT EXISTS (SELECT 1 FROM resource_provider_traits "
                        "ft WHERE ft.resource_provider_id = rp.id AND ft.trait_id IN (", ids,
                        "))", NULL);
    }
    if (f->has_aggs && f->aggs.any_of->nelts) {
        apr_array_header_t *groups = apr_array_make(q->pool, 4, sizeof(const char *));
        for (i = 0; i < f->aggs.any_of->nelts; i++) {
            const char *ids;
            if (name_ids(q, "placement_aggregates", "uuid", APR_ARRAY_IDX(f->aggs.any_of, i,
                         apr_array_header_t *), &ids, NULL) == PL_FAIL)
                return PL_FAIL;
            if (!*ids) return 0;     /* only unknown aggregates: nothing matches */
            *(const char **)apr_array_push(groups) = ids;
        }
        w = in_each(q, w, "resource_provider_aggregates", "aggregate_id", groups);
        if (f->resources && (rc = any_match(q, w, args)) != 1) return rc;
    }
    if (f->has_aggs && f->aggs.forbidden->nelts) {
        const char *ids;
        if (name_ids(q, "placement_aggregates", "uuid", f->aggs.forbidden, &ids, NULL)
            == PL_FAIL)
            return PL_FAIL;
        if (*ids)
            w = apr_pstrcat(q->pool, w, " AND rp.id NOT IN (SELECT resource_provider_id FROM "
                            "resource_provider_aggregates WHERE aggregate_id IN (", ids, "))",
                            NULL);
    }
    if (f->resources && f->resources->nelts) {
        /* every class asked for has an inventory row where the amount fits:
         * one statement over the inventories of those classes, the usage
         * grouped once and joined, instead of a usage subquery per provider
         * and class (at 10,000 providers 0.09 s of SQL against 0.21) */
        const char *ids = "", *fits = "";
        for (i = 0; i < f->resources->nelts; i++) {
            const pl_qp_amount *a = &APR_ARRAY_IDX(f->resources, i, pl_qp_amount);
            long long rc_id;
            const char *id;
            if ((rc = exact_id(q, "resource_classes", "name", a->rc, &rc_id)) == PL_FAIL)
                return PL_FAIL;
            if (rc == 0)
                return pl_fail(q, 400, NULL, "Invalid resource class in resources parameter: "
                               "No such resource class %s.", a->rc);
            id = apr_psprintf(q->pool, "%" APR_INT64_T_FMT, (apr_int64_t)rc_id);
            ids = apr_pstrcat(q->pool, ids, i ? "," : "", id, NULL);
            fits = apr_pstrcat(q->pool, fits, i ? " OR " : "", "(inv.resource_class_id = ", id,
                               " AND ", pl_fits_used_sql(q->pool, "inv", "COALESCE(u.used, 0)",
                                                         a->amount), ")", NULL);
        }
        w = apr_pstrcat(q->pool, w, " AND rp.id IN (SELECT inv.resource_provider_id "
                        "FROM inventories inv LEFT JOIN (SELECT a.resource_provider_id, "
                        "a.resource_class_id, SUM(a.used) AS used FROM allocations a "
                        "WHERE a.resource_class_id IN (", ids, ") GROUP BY "
                        "a.resource_provider_id, a.resource_class_id) u "
                        "ON u.resource_provider_id = inv.resource_provider_id "
                        "AND u.resource_class_id = inv.resource_class_id WHERE ", fits,
                        " GROUP BY inv.resource_provider_id HAVING COUNT(*) = ",
                        apr_itoa(q->pool, f->resources->nelts), ")", NULL);
    }
#undef ARG
    *where = w;
    return 1;
}

/* A DATETIME read as a number (YYYYMMDDhhmmss) as the time it is. */
static apr_time_t modified_from_number(pl_req *q, const char *n)
{
    if (strlen(n) != 14) return 0;
    return pl_modified(apr_psprintf(q->pool, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s", n, n + 4,
                                    n + 6, n + 8, n + 10, n + 12), NULL);
}

typedef struct listing {
    pl_req *q;
    const pl_dbres *res;        /* NULL: no provider matches */
    rp_links l;
} listing;

static void write_listing(pl_jw *w, void *ctx)
{
    const listing *ls = ctx;
    int i;
    pl_jw_obj(w);
    PL_JW_KEY(w, "resource_providers");
    pl_jw_arr(w);
    for (i = 0; ls->res && i < ls->res->nrows; i++) {
        pl_provider row;
        pl_provider_from_row(&row, ls->res, i, PL_RP_BRIEF);
        serialize(ls->q, w, &ls->l, &row);
    }
    pl_jw_end(w);
    pl_jw_end(w);
}

int pl_h_resource_providers_list(pl_req *q)
{
    const char *schema = "resource_provider.GET_RPS_SCHEMA_1_0", *err, *where = NULL;
    list_filters f;
    listing ls;
    apr_array_header_t *args = apr_array_make(q->pool, 4, sizeof(const char *));
    apr_array_header_t *vals;
    pl_dbres *res;
    apr_time_t last = 0;
    const char *newest = NULL;
    int rc, i;

    if (PL_MV_GE(q, 1, 18)) schema = "resource_provider.GET_RPS_SCHEMA_1_18";
    else if (PL_MV_GE(q, 1, 14)) schema = "resource_provider.GET_RPS_SCHEMA_1_14";
    else if (PL_MV_GE(q, 1, 4)) schema = "resource_provider.GET_RPS_SCHEMA_1_4";
    else if (PL_MV_GE(q, 1, 3)) schema = "resource_provider.GET_RPS_SCHEMA_1_3";
    if (pl_validate_query(q, schema) != PL_OK) return pl_send_failure(q);

    memset(&f, 0, sizeof(f));
    vals = pl_query_all(q, "member_of");
    if (vals->nelts) {
        if (pl_qp_member_of(q->pool, vals, "", q->mv, &f.aggs, &err))
            return pl_error(q, 400, NULL, "%s", err);
        f.has_aggs = 1;
    }
    vals = pl_query_all(q, "required");
    if (vals->nelts) {
        if (pl_qp_required(q->pool, vals, q->mv, &f.traits, &err))
            return pl_error(q, 400, NULL, "%s", err);
        f.has_traits = 1;
    }
    f.uuid = pl_query_last(q, "uuid");
    f.name = pl_query_last(q, "name");
    f.in_tree = pl_query_last(q, "in_tree");
    {
        const char *r = pl_query_last(q, "resources");
        if (r && pl_qp_resources(q->pool, r, &f.resources, &err))
            return pl_error(q, 400, NULL, "%s", err);
    }

    /* Filters are statements of their own before the one that reads the
     * providers: all of them read one moment, so a provider listed matches
     * the filters at the generation shown. */
    if ((f.in_tree || f.has_traits || f.has_aggs || f.resources) && pl_db_snapshot(q) != PL_OK)
        return pl_send_failure(q);
    if ((rc = build_where(q, &f, &where, args)) == PL_FAIL) return pl_send_failure(q);
    res = NULL;
    if (rc == 1) {
        pl_dbarg *dargs = apr_pcalloc(q->pool, sizeof(pl_dbarg) * (args->nelts + 1));
        for (i = 0; i < args->nelts; i++) {
            dargs[i].type = 's';
            dargs[i].s = APR_ARRAY_IDX(args, i, const char *);
        }
        if (pl_db_exec(q, &res, apr_pstrcat(q->pool, LS_COLUMNS, PL_MV_GE(q, 1, 15)
                                            ? LS_MODIFIED_COLUMN : " ", RP_FROM, where,
                                            " ORDER BY rp.id", NULL),
                       dargs, args->nelts) != PL_OK)
            return pl_send_failure(q);
    }
    for (i = 0; res && res->ncols > LS_MODIFIED && i < res->nrows; i++) {
        const char *t = PL_CELL(res, i, LS_MODIFIED);
        /* the newest: equal-length digits compare in time order */
        if (t && (!newest || strlen(t) > strlen(newest)
                  || (strlen(t) == strlen(newest) && strcmp(t, newest) > 0)))
            newest = t;
    }
    if (newest) last = modified_from_number(q, newest);
    pl_set_last_modified(q, last);
    ls.q = q;
    ls.res = res;
    links_init(q, &ls.l);
    /* about 740 bytes a provider at 1.39 (5.4 MB at 7,000): streamed */
    return pl_send_rendered(q, 200, write_listing, &ls);
}

/* ---- GET /resource_providers/{uuid} ----------------------------------- */

int pl_h_resource_provider_show(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    pl_provider rp;
    int rc = load(q, uuid, &rp, 0);
    if (rc == PL_FAIL) return pl_send_failure(q);
    if (rc == 0) {
        pl_fail_not_found(q, "No resource provider with uuid %s found", uuid);
        return pl_send_failure(q);
    }
    pl_set_last_modified(q, rp.modified);
    return send_one(q, &rp);
}

/* ---- POST /resource_providers ----------------------------------------- */

typedef struct create_ctx {
    const char *uuid, *name, *parent_uuid;
    pl_provider made;
} create_ctx;

static int create_txn(pl_req *q, void *vctx)
{
    create_ctx *c = vctx;
    long long parent_id = 0, root_id = 0;
    const char *root_uuid = c->uuid;
    pl_dbres *res;
    const char *prefix = apr_psprintf(q->pool, "Unable to create resource provider \"%s\", "
                                      "%s: Object action create failed because: ",
                                      c->name, c->uuid);

    if (c->parent_uuid) {
        pl_provider parent;
        int rc;
        if (strcmp(c->parent_uuid, c->uuid) == 0)
            return pl_fail(q, 400, NULL, "%sparent provider UUID cannot be same as UUID. "
                           "Please set parent provider UUID to None if there is no parent.",
                           prefix);
        if ((rc = load(q, c->parent_uuid, &parent, 0)) == PL_FAIL) return PL_FAIL;
        if (rc == 0)
            return pl_fail(q, 400, NULL, "%sparent provider UUID does not exist.", prefix);
        parent_id = parent.id;
        root_id = parent.root_id;
        root_uuid = parent.root_uuid;
    }
    if (pl_db_query(q, &res, "INSERT INTO resource_providers (created_at, uuid, name, "
                    "generation, root_provider_id, parent_provider_id) "
                    "VALUES (UTC_TIMESTAMP(), ?, ?, 0, NULLIF(?, 0), NULLIF(?, 0))", "ssii",
                    c->uuid, c->name, root_id, parent_id) != PL_OK) {
        if (q->db_errno == PL_ER_DUP_ENTRY) {
            /* MariaDB reports the first unique key violated: name, then uuid */
            pl_dbres *d;
            q->db_errno = 0;
            if (pl_db_query(q, &d, "SELECT 1 FROM resource_providers WHERE name = ?", "s",
                            c->name) != PL_OK)
                return PL_FAIL;
            if (d->nrows)
                return pl_fail(q, 409, PL_CODE_DUPLICATE_NAME, "Conflicting resource provider "
                               "name: %s already exists.", c->name);
            return pl_fail(q, 409, PL_CODE_DUPLICATE_NAME, "Conflicting resource provider "
                           "uuid: %s already exists.", c->uuid);
        }
        if (q->db_errno == PL_ER_NO_REFERENCED_ROW)
            return pl_fail(q, 400, NULL, "%sparent provider UUID does not exist.", prefix);
        return PL_FAIL;
    }
    c->made.id = (long long)res->insert_id;
    if (!root_id) {
        /* a second write of the new row, as upstream's second flush (which
         * also stamps updated_at) */
        if (pl_db_query(q, &res, "UPDATE resource_providers SET root_provider_id = id, "
                        "updated_at = UTC_TIMESTAMP() WHERE id = ?", "i", c->made.id) != PL_OK)
            return PL_FAIL;
    }
    c->made.uuid = c->uuid;
    c->made.name = c->name;
    c->made.generation = 0;
    c->made.parent_uuid = c->parent_uuid;
    c->made.root_uuid = root_uuid;
    return PL_OK;
}

int pl_h_resource_provider_create(pl_req *q)
{
    json_object *b, *v;
    create_ctx c;

    b = pl_read_json(q, PL_MV_GE(q, 1, 14) ? "resource_provider.POST_RP_SCHEMA_V1_14"
                                          : "resource_provider.POST_RESOURCE_PROVIDER_SCHEMA");
    if (!b) return pl_send_failure(q);
    memset(&c, 0, sizeof(c));
    c.name = apr_pstrdup(q->pool, json_object_get_string(json_object_object_get(b, "name")));
    if (json_object_object_get_ex(b, "uuid", &v) && json_object_get_string_len(v))
        c.uuid = pl_uuid_canonical(q->pool, json_object_get_string(v));   /* format: uuid */
    else {
        apr_uuid_t u;
        char buf[APR_UUID_FORMATTED_LENGTH + 1];
        apr_uuid_get(&u);
        apr_uuid_format(buf, &u);
        c.uuid = apr_pstrdup(q->pool, buf);
    }
    if (json_object_object_get_ex(b, "parent_provider_uuid", &v) && v)
        c.parent_uuid = apr_pstrdup(q->pool, json_object_get_string(v));

    if (!*c.name)
        return pl_error(q, 400, NULL, "Unable to create resource provider \"%s\", %s: Object "
                        "action create failed because: name is required", c.name, c.uuid);
    if (pl_db_txn(q, create_txn, &c) != PL_OK) return pl_send_failure(q);

    pl_set_location(q, apr_pstrcat(q->pool, "/resource_providers/", c.uuid, NULL));
    if (!PL_MV_GE(q, 1, 20)) return pl_send_empty(q, 201);
    pl_set_last_modified(q, 0);
    return send_one(q, &c.made);
}

/* ---- PUT /resource_providers/{uuid} ----------------------------------- */

typedef struct update_ctx {
    pl_provider rp;                  /* as loaded, then as answered */
    const char *name;
    int has_parent;                  /* body named parent_provider_uuid */
    const char *parent_uuid;         /* as given (may be NULL) */
} update_ctx;

/* Ids of the provider's subtree (itself first), from its tree's rows. */
static int subtree(pl_req *q, const pl_provider *me, apr_array_header_t **ids,
                   apr_array_header_t **uuids)
{
    enum { ST_ID, ST_UUID, ST_PARENT_ID };
    pl_dbres *res;
    int i, head = 0;
    char *seen;
    if (pl_db_query(q, &res, "SELECT rp.id, rp.uuid, rp.parent_provider_id "
                    "FROM resource_providers rp JOIN resource_providers root "
                    "ON root.id = rp.root_provider_id WHERE rp.root_provider_id = ?", "i",
                    me->root_id) != PL_OK)
        return PL_FAIL;
    seen = apr_pcalloc(q->pool, (size_t)res->nrows + 1);
    *ids = apr_array_make(q->pool, 8, sizeof(long long));
    *uuids = apr_array_make(q->pool, 8, sizeof(const char *));
    *(long long *)apr_array_push(*ids) = me->id;
    *(const char **)apr_array_push(*uuids) = me->uuid;
    for (i = 0; i < res->nrows; i++)
        if (pl_cell_int(res, i, ST_ID) == me->id) seen[i] = 1;
    /* breadth first; seen[] guards against a cycle in bad data */
    while (head < (*ids)->nelts) {
        long long pid = APR_ARRAY_IDX(*ids, head, long long);
        head++;
        for (i = 0; i < res->nrows; i++) {
            if (seen[i] || !PL_CELL(res, i, ST_PARENT_ID)
                || pl_cell_int(res, i, ST_PARENT_ID) != pid)
                continue;
            seen[i] = 1;
            *(long long *)apr_array_push(*ids) = pl_cell_int(res, i, ST_ID);
            *(const char **)apr_array_push(*uuids) = PL_CELL(res, i, ST_UUID);
        }
    }
    return PL_OK;
}

static int update_txn(pl_req *q, void *vctx)
{
    update_ctx *c = vctx;
    pl_provider me;
    const char *parent_uuid = c->has_parent ? c->parent_uuid : c->rp.parent_uuid;
    long long new_parent = 0, new_root = 0;
    const char *new_root_uuid = NULL;
    apr_array_header_t *ids = NULL, *uuids = NULL;
    int allow = PL_MV_GE(q, 1, 37), rc, i;
    const char *prefix = apr_psprintf(q->pool, "Unable to save resource provider %s: ",
                                      PL_PARAM(q, 0));
    pl_dbres *res;

    if ((rc = load(q, c->rp.uuid, &me, 1)) == PL_FAIL) return PL_FAIL;
    if (rc == 0)
        return pl_fail(q, 404, NULL, "No resource provider with uuid %s found", PL_PARAM(q, 0));

    if (parent_uuid) {
        pl_provider parent;
        if ((rc = load(q, parent_uuid, &parent, 0)) == PL_FAIL) return PL_FAIL;
        if (rc == 0)
            return pl_fail(q, 400, NULL, "%sObject action create failed because: parent "
                           "provider UUID does not exist.", prefix);
        if (me.parent_id && me.parent_id != parent.id && !allow)
            return pl_fail(q, 400, NULL, "%sObject action update failed because: "
                           "re-parenting a provider is not currently allowed.", prefix);
        if (subtree(q, &me, &ids, &uuids) != PL_OK) return PL_FAIL;
        for (i = 0; i < uuids->nelts; i++)
            if (strcmp(APR_ARRAY_IDX(uuids, i, const char *), parent_uuid) == 0)
                return pl_fail(q, 400, NULL, "%sObject action update failed because: "
                               "creating loop in the provider tree is not allowed.", prefix);
        new_parent = parent.id;
        new_root = parent.root_id;
        new_root_uuid = parent.root_uuid;
    }
    else if (me.parent_id) {
        if (!allow)
            return pl_fail(q, 400, NULL, "%sObject action update failed because: "
                           "un-parenting a provider is not currently allowed.", prefix);
        if (subtree(q, &me, &ids, &uuids) != PL_OK) return PL_FAIL;
        new_parent = 0;
        new_root = me.id;
        new_root_uuid = me.uuid;
    }

    /* write only what changed (upstream's ORM skips unchanged rows, and
     * only a written row gets a new updated_at) */
    if (!me.name || strcmp(me.name, c->name) != 0 ||
        (ids && (new_parent != me.parent_id || new_root != me.root_id))) {
        if ((ids ? pl_db_query(q, &res, "UPDATE resource_providers SET name = ?, "
                               "parent_provider_id = NULLIF(?, 0), root_provider_id = ?, "
                               "updated_at = UTC_TIMESTAMP() WHERE id = ?", "siii", c->name,
                               new_parent, new_root, me.id)
                 : pl_db_query(q, &res, "UPDATE resource_providers SET name = ?, "
                               "updated_at = UTC_TIMESTAMP() WHERE id = ?", "si", c->name,
                               me.id)) != PL_OK) {
            if (q->db_errno == PL_ER_DUP_ENTRY)
                return pl_fail(q, 409, PL_CODE_DUPLICATE_NAME, "Conflicting resource provider "
                               "%s already exists.", c->name);
            if (q->db_errno == PL_ER_NO_REFERENCED_ROW)
                return pl_fail(q, 400, NULL, "%sObject action update failed because: parent "
                               "provider UUID does not exist.", prefix);
            return PL_FAIL;
        }
    }
    /* every descendant follows the new root */
    if (ids && ids->nelts > 1) {
        const char *list = "";
        for (i = 1; i < ids->nelts; i++)
            list = apr_psprintf(q->pool, "%s%s%" APR_INT64_T_FMT, list, i > 1 ? "," : "",
                                (apr_int64_t)APR_ARRAY_IDX(ids, i, long long));
        if (pl_db_query(q, &res, apr_psprintf(q->pool, "UPDATE resource_providers SET "
                        "root_provider_id = ?, updated_at = UTC_TIMESTAMP() WHERE id IN (%s) "
                        "AND NOT root_provider_id <=> ?", list), "ii", new_root, new_root)
            != PL_OK)
            return PL_FAIL;
    }
    c->rp.name = c->name;
    c->rp.parent_uuid = parent_uuid;
    if (new_root_uuid) c->rp.root_uuid = new_root_uuid;
    return PL_OK;
}

int pl_h_resource_provider_update(pl_req *q)
{
    const char *uuid = PL_PARAM(q, 0);
    update_ctx c;
    json_object *b, *v;
    int rc;

    memset(&c, 0, sizeof(c));
    if ((rc = load(q, uuid, &c.rp, 0)) == PL_FAIL) return pl_send_failure(q);
    if (rc == 0) {
        pl_fail_not_found(q, "No resource provider with uuid %s found", uuid);
        return pl_send_failure(q);
    }
    b = pl_read_json(q, PL_MV_GE(q, 1, 14) ? "resource_provider.PUT_RP_SCHEMA_V1_14"
                                          : "resource_provider.PUT_RESOURCE_PROVIDER_SCHEMA");
    if (!b) return pl_send_failure(q);
    c.name = apr_pstrdup(q->pool, json_object_get_string(json_object_object_get(b, "name")));
    if (json_object_object_get_ex(b, "parent_provider_uuid", &v)) {
        c.has_parent = 1;
        c.parent_uuid = v ? apr_pstrdup(q->pool, json_object_get_string(v)) : NULL;
    }

    if (pl_db_txn(q, update_txn, &c) != PL_OK) return pl_send_failure(q);
    /* upstream answers with the updated_at it read before saving: no
     * last-modified at all when the row was never updated */
    if (PL_MV_GE(q, 1, 15)) {
        if (c.rp.updated) pl_set_last_modified(q, c.rp.modified);
        else apr_table_setn(q->r->headers_out, "cache-control", "no-cache");
    }
    return send_one(q, &c.rp);
}

/* ---- DELETE /resource_providers/{uuid} -------------------------------- */

static int delete_txn(pl_req *q, void *vctx)
{
    const char *uuid = vctx;
    pl_provider rp;
    pl_dbres *res;
    int rc;

    if ((rc = load(q, uuid, &rp, 1)) == PL_FAIL) return PL_FAIL;
    if (rc == 0)
        return pl_fail(q, 404, NULL, "No resource provider with uuid %s found for delete", uuid);
    if (pl_db_query(q, &res, "SELECT id FROM resource_providers WHERE parent_provider_id = ? "
                    "LIMIT 1", "i", rp.id) != PL_OK)
        return PL_FAIL;
    if (res->nrows)
        goto parent;
    if (pl_db_query(q, &res, "SELECT COUNT(*) FROM allocations WHERE resource_provider_id = ?",
                    "i", rp.id) != PL_OK)
        return PL_FAIL;
    if (pl_cell_int(res, 0, 0))
        return pl_fail(q, 409, PL_CODE_PROVIDER_IN_USE, "Unable to delete resource provider "
                       "%s: Resource provider has allocations.", uuid);
    if (pl_db_query(q, NULL, "DELETE FROM inventories WHERE resource_provider_id = ?", "i",
                    rp.id) != PL_OK ||
        pl_db_query(q, NULL, "DELETE FROM resource_provider_aggregates "
                    "WHERE resource_provider_id = ?", "i", rp.id) != PL_OK ||
        pl_db_query(q, NULL, "DELETE FROM resource_provider_traits "
                    "WHERE resource_provider_id = ?", "i", rp.id) != PL_OK ||
        pl_db_query(q, NULL, "UPDATE resource_providers SET root_provider_id = NULL "
                    "WHERE id = ? AND root_provider_id = ?", "ii", rp.id, rp.id) != PL_OK)
        return PL_FAIL;
    if (pl_db_query(q, &res, "DELETE FROM resource_providers WHERE id = ?", "i", rp.id)
        != PL_OK) {
        if (q->db_errno == PL_ER_ROW_IS_REFERENCED) goto parent;
        return PL_FAIL;
    }
    if (res->affected == 0)
        return pl_fail(q, 404, NULL, "No resource provider with uuid %s found for delete", uuid);
    return PL_OK;
parent:
    return pl_fail(q, 409, PL_CODE_CANNOT_DELETE_PARENT, "Unable to delete parent resource "
                   "provider %s: It has child resource providers.", uuid);
}

int pl_h_resource_provider_delete(pl_req *q)
{
    if (pl_db_txn(q, delete_txn, (void *)PL_PARAM(q, 0)) != PL_OK)
        return pl_send_failure(q);
    return pl_send_empty(q, 204);
}
