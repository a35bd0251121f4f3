/* The module's side of Keystone, as keystonemiddleware's auth_token talks
 * to it (keystoneauth's password plugin + keystoneclient's tokens.validate):
 *
 *   POST {auth_url}/auth/tokens          the module's own token (password,
 *                                        project scope); its catalog names
 *                                        the identity endpoint to use
 *   GET  {identity}/auth/tokens?nocatalog  X-Auth-Token: own token,
 *                                        X-Subject-Token: the client's
 *
 * 200 valid, 404 invalid, 401 (own token revoked) -> log in again and ask
 * once more, anything else -> unavailable.  Connection failures are
 * retried http_request_max_retries times, 0.5 s apart and doubling. */
#include "keystone_client.h"

#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_lib.h>

#include "keystone_token.h"

#define MAX_ANSWER (1024 * 1024)         /* a token document is a few KB */
#define MAX_TOKEN 8192                   /* Fernet ~250 bytes, JWS ~1 KB */
#define RENEW_BEFORE apr_time_from_sec(120)   /* keystoneauth's rule */

struct pl_ks_client {
    const pl_ks_conf *conf;
    apr_thread_mutex_t *lock;   /* guards the three fields below */
    char *token;                /* malloc'd; NULL before the first login */
    apr_time_t token_expires;
    char *identity_url;         /* malloc'd; from the catalog, else auth_url */
};

/* One HTTP exchange ------------------------------------------------------ */

typedef struct {
    apr_pool_t *pool;
    char *data;
    size_t len, cap;
    int too_big;
    const char *subject_token;   /* X-Subject-Token of the answer */
} answer;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    answer *a = ud;
    size_t add = size * n;
    if (a->len + add > MAX_ANSWER) {
        a->too_big = 1;
        return 0;                 /* curl aborts the transfer */
    }
    if (a->len + add + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        char *grown;
        while (cap < a->len + add + 1) cap *= 2;
        grown = apr_palloc(a->pool, cap);
        if (a->len) memcpy(grown, a->data, a->len);
        a->data = grown;
        a->cap = cap;
    }
    memcpy(a->data + a->len, ptr, add);
    a->len += add;
    a->data[a->len] = '\0';
    return add;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
    answer *a = ud;
    size_t len = size * n;
    static const char name[] = "x-subject-token:";
    if (len > sizeof(name) - 1 && !strncasecmp(ptr, name, sizeof(name) - 1)) {
        const char *v = ptr + sizeof(name) - 1;
        size_t vlen = len - (sizeof(name) - 1);
        while (vlen && apr_isspace(*v)) v++, vlen--;
        while (vlen && apr_isspace(v[vlen - 1])) vlen--;
        a->subject_token = apr_pstrmemdup(a->pool, v, vlen);
    }
    return len;
}

typedef enum { CALL_ANSWERED, CALL_NO_CONNECTION, CALL_FAILED } call_result;

/* One request; *status is the HTTP status when CALL_ANSWERED. */
static call_result call_once(pl_ks_client *c, const char *method, const char *url,
                             struct curl_slist *headers, const char *body,
                             long *status, answer *a, const char **why)
{
    const pl_ks_conf *k = c->conf;
    CURL *h = curl_easy_init();
    CURLcode rc;
    call_result res = CALL_ANSWERED;
    if (!h) {
        *why = "curl_easy_init failed";
        return CALL_FAILED;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)k->http_connect_timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)k->http_connect_timeout);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mod_placement keystone");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    if (k->cafile) curl_easy_setopt(h, CURLOPT_CAINFO, k->cafile);
    if (k->certfile) curl_easy_setopt(h, CURLOPT_SSLCERT, k->certfile);
    if (k->keyfile) curl_easy_setopt(h, CURLOPT_SSLKEY, k->keyfile);
    if (k->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!strcmp(method, "POST")) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    }
    else {
        *why = apr_psprintf(a->pool, "%s %s: %s", method, url,
                            a->too_big ? "answer larger than 1 MiB" : curl_easy_strerror(rc));
        /* a refused connection is retried; a timeout is not (it already
         * held the thread for the whole timeout) */
        res = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
              ? CALL_NO_CONNECTION : CALL_FAILED;
    }
    curl_easy_cleanup(h);
    return res;
}

/* call_once, again after connection failures: 0.5 s, 1 s, 2 s ... */
static call_result call(pl_ks_client *c, apr_pool_t *p, const char *method, const char *url,
                        struct curl_slist *headers, const char *body, long *status,
                        answer *a, const char **why)
{
    apr_interval_time_t pause = apr_time_from_msec(500);
    int attempt;
    call_result res = CALL_FAILED;
    for (attempt = 0; attempt <= c->conf->http_request_max_retries; attempt++) {
        memset(a, 0, sizeof(*a));
        a->pool = p;
        res = call_once(c, method, url, headers, body, status, a, why);
        if (res != CALL_NO_CONNECTION || attempt == c->conf->http_request_max_retries)
            break;
        apr_sleep(pause);
        if (pause < apr_time_from_sec(60)) pause *= 2;
    }
    return res;
}

/* The service token ------------------------------------------------------ */

static json_object *id_or_name(const char *id, const char *name)
{
    json_object *o = json_object_new_object();
    if (id) json_object_object_add(o, "id", json_object_new_string(id));
    else json_object_object_add(o, "name", json_object_new_string(name ? name : ""));
    return o;
}

static const char *login_body(apr_pool_t *p, const pl_ks_conf *k)
{
    json_object *doc = json_object_new_object(), *auth = json_object_new_object();
    json_object *ident = json_object_new_object(), *pw = json_object_new_object();
    json_object *user = id_or_name(k->user_id, k->username), *methods = json_object_new_array();
    json_object *scope = json_object_new_object(), *project;
    const char *text;

    if (!k->user_id)
        json_object_object_add(user, "domain", id_or_name(k->user_domain_id,
                                                          k->user_domain_name));
    json_object_object_add(user, "password", json_object_new_string(k->password));
    json_object_object_add(pw, "user", user);
    json_object_array_add(methods, json_object_new_string("password"));
    json_object_object_add(ident, "methods", methods);
    json_object_object_add(ident, "password", pw);
    json_object_object_add(auth, "identity", ident);
    project = id_or_name(k->project_id, k->project_name);
    if (!k->project_id)
        json_object_object_add(project, "domain", id_or_name(k->project_domain_id,
                                                             k->project_domain_name));
    json_object_object_add(scope, "project", project);
    json_object_object_add(auth, "scope", scope);
    json_object_object_add(doc, "auth", auth);
    text = apr_pstrdup(p, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
    json_object_put(doc);
    return text;
}


/* The identity endpoint of the catalog for the configured interface and
 * region, or NULL. */
static const char *catalog_identity_url(apr_pool_t *p, const pl_ks_conf *k, json_object *token)
{
    json_object *catalog = NULL;
    size_t i, j;
    if (!json_object_object_get_ex(token, "catalog", &catalog)
        || !json_object_is_type(catalog, json_type_array))
        return NULL;
    for (i = 0; i < json_object_array_length(catalog); i++) {
        json_object *svc = json_object_array_get_idx(catalog, i), *type = NULL, *eps = NULL;
        if (!json_object_object_get_ex(svc, "type", &type)
            || strcmp(json_object_get_string(type), "identity")
            || !json_object_object_get_ex(svc, "endpoints", &eps)
            || !json_object_is_type(eps, json_type_array))
            continue;
        for (j = 0; j < json_object_array_length(eps); j++) {
            json_object *ep = json_object_array_get_idx(eps, j), *v = NULL;
            const char *iface = NULL, *region = NULL, *region_id = NULL, *url = NULL;
            if (json_object_object_get_ex(ep, "interface", &v)) iface = json_object_get_string(v);
            if (json_object_object_get_ex(ep, "region", &v)) region = json_object_get_string(v);
            if (json_object_object_get_ex(ep, "region_id", &v))
                region_id = json_object_get_string(v);
            if (json_object_object_get_ex(ep, "url", &v)) url = json_object_get_string(v);
            if (!url || !iface || strcmp(iface, k->interface)) continue;
            if (k->region_name && !(region && !strcmp(region, k->region_name))
                && !(region_id && !strcmp(region_id, k->region_name)))
                continue;
            return pl_ks_v3_url(p, url);
        }
    }
    return NULL;
}

static char *set_string(char *old, const char *s)
{
    free(old);
    return s ? strdup(s) : NULL;
}

/* Log in (the lock is held).  0 or -1 with *why. */
static int login(pl_ks_client *c, apr_pool_t *p, const char **why)
{
    const pl_ks_conf *k = c->conf;
    const char *url = apr_pstrcat(p, k->auth_url, "/auth/tokens", NULL);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    json_object *doc, *token = NULL, *exp = NULL;
    apr_time_t expires = 0;
    long status = 0;
    answer a;
    call_result res;

    h = curl_slist_append(h, "Accept: application/json");
    res = call(c, p, "POST", url, h, login_body(p, k), &status, &a, why);
    curl_slist_free_all(h);
    if (res != CALL_ANSWERED) return -1;
    if (status != 201 || !a.subject_token) {
        *why = apr_psprintf(p, "POST %s as %s: HTTP %ld", url,
                            k->username ? k->username : k->user_id, status);
        return -1;
    }
    doc = a.data ? json_tokener_parse(a.data) : NULL;
    if (!json_object_object_get_ex(doc, "token", &token)
        || !json_object_object_get_ex(token, "expires_at", &exp)
        || pl_ks_parse_time(json_object_get_string(exp), &expires)) {
        json_object_put(doc);
        *why = apr_psprintf(p, "POST %s: no token expiry in the answer", url);
        return -1;
    }
    c->token = set_string(c->token, a.subject_token);
    c->token_expires = expires;
    url = catalog_identity_url(p, k, token);
    c->identity_url = set_string(c->identity_url, url ? url : k->auth_url);
    json_object_put(doc);
    return 0;
}

/* The service token to use (copied into p) and the validation URL; after a
 * 401, rejected names the token Keystone refused so it is renewed once, not
 * by every thread that saw it fail. */
static int service_token(pl_ks_client *c, apr_pool_t *p, const char *rejected,
                         const char **token, const char **identity_url, const char **why)
{
    int rv = 0;
    apr_thread_mutex_lock(c->lock);
    if (!c->token || c->token_expires - apr_time_now() < RENEW_BEFORE
        || (rejected && !strcmp(rejected, c->token)))
        rv = login(c, p, why);
    if (rv == 0) {
        *token = apr_pstrdup(p, c->token);
        *identity_url = apr_pstrdup(p, c->identity_url);
    }
    apr_thread_mutex_unlock(c->lock);
    return rv;
}

/* Validation ------------------------------------------------------------- */


static int token_is_sendable(const char *t)
{
    size_t n = 0;
    for (; *t; t++, n++)
        if (*t < 0x21 || *t > 0x7e || n >= MAX_TOKEN) return 0;
    return 1;
}

pl_ks_result pl_ks_validate(pl_ks_client *c, apr_pool_t *p, const char *token,
                            int allow_expired, char **body, size_t *len, const char **why)
{
    const char *own = NULL, *rejected = NULL, *base = NULL;
    int attempt;

    *why = NULL;
    if (!token_is_sendable(token)) {
        *why = "the token is not printable ASCII or too long";
        return PL_KS_INVALID;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        struct curl_slist *h = NULL;
        long status = 0;
        answer a;
        call_result res;
        const char *url;
        if (service_token(c, p, rejected, &own, &base, why)) return PL_KS_UNAVAILABLE;
        url = apr_pstrcat(p, base, "/auth/tokens?nocatalog",
                          allow_expired ? "&allow_expired=1" : "", NULL);
        h = curl_slist_append(h, apr_pstrcat(p, "X-Auth-Token: ", own, NULL));
        h = curl_slist_append(h, apr_pstrcat(p, "X-Subject-Token: ", token, NULL));
        h = curl_slist_append(h, "Accept: application/json");
        res = call(c, p, "GET", url, h, NULL, &status, &a, why);
        curl_slist_free_all(h);
        if (res != CALL_ANSWERED) return PL_KS_UNAVAILABLE;
        if (status == 200) {
            *body = a.data ? a.data : apr_pstrdup(p, "");
            *len = a.len;
            return PL_KS_VALID;
        }
        if (status == 404) {
            *why = "Keystone does not know the token (404)";
            return PL_KS_INVALID;
        }
        *why = apr_psprintf(p, "GET %s: HTTP %ld", url, status);
        if (status != 401) return PL_KS_UNAVAILABLE;
        rejected = own;     /* our own token was refused: renew, ask once more */
    }
    return PL_KS_UNAVAILABLE;
}

/* Set-up ----------------------------------------------------------------- */

static apr_status_t client_cleanup(void *data)
{
    pl_ks_client *c = data;
    free(c->token);
    free(c->identity_url);
    c->token = c->identity_url = NULL;
    return APR_SUCCESS;
}

pl_ks_client *pl_ks_client_create(apr_pool_t *p, const pl_ks_conf *conf)
{
    pl_ks_client *c = apr_pcalloc(p, sizeof(*c));
    c->conf = conf;
    apr_pool_cleanup_register(p, c, client_cleanup, apr_pool_cleanup_null);
    return c;
}

int pl_ks_client_child_init(pl_ks_client *c, apr_pool_t *p)
{
    return apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p)
           == APR_SUCCESS ? 0 : -1;
}
