/* Keystone token documents -> pl_ks_token, and back as the cache record.
 * Fields as keystonemiddleware's auth_token reads them (keystoneauth's
 * AccessInfoV3): a missing "roles" is no roles, a missing is_admin_project
 * is True, and only "system": {"all": true} is a system scope. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* timegm */
#endif
#include "keystone_token.h"

#include <string.h>
#include <stdio.h>
#include <time.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <json-c/json.h>

const char *const pl_ks_identity_headers[] = {
    "X-Identity-Status", "X-Service-Identity-Status", "X-Service-Catalog",
    "X-Is-Admin-Project", "X-Roles", "X-Service-Roles",
    "X-User-Id", "X-User-Name", "X-User-Domain-Id", "X-User-Domain-Name",
    "X-Project-Id", "X-Project-Name", "X-Project-Domain-Id", "X-Project-Domain-Name",
    "X-Domain-Id", "X-Domain-Name",
    "X-Service-User-Id", "X-Service-User-Name", "X-Service-User-Domain-Id",
    "X-Service-User-Domain-Name",
    "X-Service-Project-Id", "X-Service-Project-Name", "X-Service-Project-Domain-Id",
    "X-Service-Project-Domain-Name",
    "X-Service-Domain-Id", "X-Service-Domain-Name",
    "X-Role", "X-User", "X-Tenant-Id", "X-Tenant-Name", "X-Tenant",
    /* not in auth_token's list, but Placement reads it: never from a client */
    "OpenStack-System-Scope",
    NULL
};

/* Deepest nesting a token document has is 5 ({"token":{"user":{"domain":{}}}}
 * and the roles array); anything much deeper is not Keystone talking. */
#define TOKEN_MAX_DEPTH 16

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* A string member: *out = copy or NULL when absent or null.  -1 when the
 * member is not a string or carries a NUL (a name cut at the NUL would be
 * a different name). */
static int string_member(apr_pool_t *p, json_object *o, const char *key, const char **out)
{
    json_object *v = member(o, key);
    const char *s;
    int len;
    *out = NULL;
    if (!v || json_object_is_type(v, json_type_null)) return 0;
    if (!json_object_is_type(v, json_type_string)) return -1;
    s = json_object_get_string(v);
    len = json_object_get_string_len(v);
    if ((int)strlen(s) != len) return -1;
    *out = apr_pstrmemdup(p, s, len);
    return 0;
}

/* {"id":..., "name":..., "domain": {"id":..., "name":...}} */
static int named_member(apr_pool_t *p, json_object *o, const char **id, const char **name,
                        const char **dom_id, const char **dom_name)
{
    json_object *dom = member(o, "domain");
    if (string_member(p, o, "id", id) || string_member(p, o, "name", name)) return -1;
    if (!dom_id) return 0;
    if (dom && !json_object_is_type(dom, json_type_object)) return -1;
    return string_member(p, dom, "id", dom_id) || string_member(p, dom, "name", dom_name)
        ? -1 : 0;
}

static int parse_roles(apr_pool_t *p, json_object *roles, pl_ks_token *tok)
{
    size_t i, n;
    if (!roles || json_object_is_type(roles, json_type_null)) return 0;
    if (!json_object_is_type(roles, json_type_array)) return -1;
    n = json_object_array_length(roles);
    tok->roles = apr_pcalloc(p, (n + 1) * sizeof(*tok->roles));
    for (i = 0; i < n; i++) {
        const char *name;
        if (string_member(p, json_object_array_get_idx(roles, i), "name", &name) || !name)
            return -1;
        tok->roles[tok->nroles++] = name;
    }
    return 0;
}

int pl_ks_parse_time(const char *s, apr_time_t *out)
{
    struct tm tm;
    int n = 0;
    long usec = 0;
    time_t secs;
    memset(&tm, 0, sizeof(tm));
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
        return -1;
    s += n;
    if (*s == '.') {
        long scale = 100000;
        if (!apr_isdigit(*++s)) return -1;
        for (; apr_isdigit(*s); s++, scale /= 10)
            if (scale) usec += (*s - '0') * scale;
    }
    if (*s && strcmp(s, "Z") && strcmp(s, "+00:00")) return -1;
    /* before 1970 is no time a token lives in (and apr_time_t goes negative) */
    if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31
        || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    secs = timegm(&tm);
    if (secs == (time_t)-1) return -1;
    *out = apr_time_from_sec(secs) + usec;
    return 0;
}

static int parse_token(apr_pool_t *p, json_object *t, pl_ks_token *tok, const char **err)
{
    json_object *system = member(t, "system"), *admin = member(t, "is_admin_project");
    json_object *all = member(system, "all");
    const char *expires;

    if (named_member(p, member(t, "user"), &tok->user_id, &tok->user_name,
                     &tok->user_domain_id, &tok->user_domain_name) || !tok->user_id) {
        *err = "the token has no user id";
        return -1;
    }
    if (named_member(p, member(t, "project"), &tok->project_id, &tok->project_name,
                     &tok->project_domain_id, &tok->project_domain_name)
        || named_member(p, member(t, "domain"), &tok->domain_id, &tok->domain_name,
                        NULL, NULL)) {
        *err = "the token's project or domain is malformed";
        return -1;
    }
    tok->system_all = all && json_object_is_type(all, json_type_boolean)
                      && json_object_get_boolean(all);
    tok->is_admin_project = !admin || !json_object_is_type(admin, json_type_boolean)
                            || json_object_get_boolean(admin);
    if (parse_roles(p, member(t, "roles"), tok)) {
        *err = "the token's roles are malformed";
        return -1;
    }
    if (string_member(p, t, "expires_at", &expires) || !expires
        || pl_ks_parse_time(expires, &tok->expires_at)) {
        *err = "the token has no valid expires_at";
        return -1;
    }
    /* only in cache records: when the entry itself expires */
    if (string_member(p, t, "cache_until", &expires)
        || (expires && pl_ks_parse_time(expires, &tok->cache_until))) {
        *err = "the record has no valid cache_until";
        return -1;
    }
    return 0;
}

int pl_ks_token_parse(apr_pool_t *p, const char *doc, size_t len, pl_ks_token *tok,
                      const char **err)
{
    json_tokener *jt = json_tokener_new_ex(TOKEN_MAX_DEPTH);
    json_object *root, *t;
    int rv = -1;

    memset(tok, 0, sizeof(*tok));
    *err = "the answer is not a JSON document";
    if (!jt) return -1;
    if (len > (size_t)0x7fffffff) len = 0x7fffffff;
    root = json_tokener_parse_ex(jt, doc, (int)len);
    if (root && json_tokener_get_parse_end(jt) == len) {
        t = member(root, "token");
        if (!t || !json_object_is_type(t, json_type_object)) *err = "no \"token\" object";
        else rv = parse_token(p, t, tok, err);
    }
    if (rv == 0) *err = NULL;
    json_object_put(root);
    json_tokener_free(jt);
    return rv;
}

const char *pl_ks_v3_url(apr_pool_t *p, const char *url)
{
    size_t n = strlen(url);
    while (n && url[n - 1] == '/') n--;
    if (n >= 3 && !strncmp(url + n - 3, "/v3", 3)) return apr_pstrmemdup(p, url, n);
    return apr_pstrcat(p, apr_pstrmemdup(p, url, n), "/v3", NULL);
}

const char *pl_ks_clean_token(apr_pool_t *p, const char *raw)
{
    const char *end;
    if (!raw) return NULL;
    while (apr_isspace(*raw)) raw++;
    end = raw + strlen(raw);
    while (end > raw && apr_isspace(end[-1])) end--;
    return end > raw ? apr_pstrmemdup(p, raw, end - raw) : NULL;
}

int pl_ks_token_has_any_role(const pl_ks_token *tok, const char *const *roles, int n)
{
    int i, j;
    for (i = 0; i < tok->nroles; i++)
        for (j = 0; j < n; j++)
            if (!strcasecmp(tok->roles[i], roles[j])) return 1;
    return 0;
}

/* Packed copy ------------------------------------------------------------- */

#define NAME_FIELDS 10

static void name_fields(pl_ks_token *t, const char **f[NAME_FIELDS])
{
    f[0] = &t->user_id;          f[1] = &t->user_name;
    f[2] = &t->user_domain_id;   f[3] = &t->user_domain_name;
    f[4] = &t->project_id;       f[5] = &t->project_name;
    f[6] = &t->project_domain_id; f[7] = &t->project_domain_name;
    f[8] = &t->domain_id;        f[9] = &t->domain_name;
}

size_t pl_ks_token_packed_size(const pl_ks_token *tok)
{
    pl_ks_token t = *tok;
    const char **f[NAME_FIELDS];
    size_t n = sizeof(t) + (t.nroles + 1) * sizeof(*t.roles);
    int i;
    name_fields(&t, f);
    for (i = 0; i < NAME_FIELDS; i++)
        if (*f[i]) n += strlen(*f[i]) + 1;
    for (i = 0; i < t.nroles; i++) n += strlen(t.roles[i]) + 1;
    return n;
}

static const char *put_string(char **at, const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = memcpy(*at, s, n);
    *at += n;
    return copy;
}

pl_ks_token *pl_ks_token_pack(const pl_ks_token *tok, void *buf)
{
    pl_ks_token *t = buf;
    const char **f[NAME_FIELDS];
    char *at;
    int i;
    *t = *tok;
    t->roles = (const char **)(t + 1);       /* sizeof(*t) keeps pointers aligned */
    at = (char *)(t->roles + tok->nroles + 1);
    name_fields(t, f);
    for (i = 0; i < NAME_FIELDS; i++)
        if (*f[i]) *f[i] = put_string(&at, *f[i]);
    for (i = 0; i < tok->nroles; i++) t->roles[i] = put_string(&at, tok->roles[i]);
    t->roles[tok->nroles] = NULL;
    return t;
}

/* Record ------------------------------------------------------------------ */

static void add_str(json_object *o, const char *key, const char *v)
{
    if (v) json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *named(const char *id, const char *name, const char *dom_id,
                          const char *dom_name)
{
    json_object *o = json_object_new_object();
    add_str(o, "id", id);
    add_str(o, "name", name);
    if (dom_id || dom_name) {
        json_object *d = json_object_new_object();
        add_str(d, "id", dom_id);
        add_str(d, "name", dom_name);
        json_object_object_add(o, "domain", d);
    }
    return o;
}

static const char *stamp(apr_pool_t *p, apr_time_t when)
{
    apr_time_exp_t x;
    apr_time_exp_gmt(&x, when);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", x.tm_year + 1900,
                        x.tm_mon + 1, x.tm_mday, x.tm_hour, x.tm_min, x.tm_sec, x.tm_usec);
}

const char *pl_ks_token_record(apr_pool_t *p, const pl_ks_token *tok)
{
    json_object *doc = json_object_new_object(), *t = json_object_new_object();
    json_object *roles = json_object_new_array();
    const char *text;
    int i;

    json_object_object_add(t, "user", named(tok->user_id, tok->user_name,
                                            tok->user_domain_id, tok->user_domain_name));
    if (tok->project_id)
        json_object_object_add(t, "project", named(tok->project_id, tok->project_name,
                                                   tok->project_domain_id,
                                                   tok->project_domain_name));
    if (tok->domain_id)
        json_object_object_add(t, "domain", named(tok->domain_id, tok->domain_name,
                                                  NULL, NULL));
    if (tok->system_all) {
        json_object *s = json_object_new_object();
        json_object_object_add(s, "all", json_object_new_boolean(1));
        json_object_object_add(t, "system", s);
    }
    for (i = 0; i < tok->nroles; i++) {
        json_object *r = json_object_new_object();
        add_str(r, "name", tok->roles[i]);
        json_object_array_add(roles, r);
    }
    json_object_object_add(t, "roles", roles);
    json_object_object_add(t, "is_admin_project",
                           json_object_new_boolean(tok->is_admin_project));
    json_object_object_add(t, "expires_at", json_object_new_string(stamp(p, tok->expires_at)));
    if (tok->cache_until)
        json_object_object_add(t, "cache_until",
                               json_object_new_string(stamp(p, tok->cache_until)));
    json_object_object_add(doc, "token", t);
    text = apr_pstrdup(p, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
    json_object_put(doc);
    return text;
}
