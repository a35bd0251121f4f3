/* The token cache on mod_socache, as mod_authn_socache and mod_ssl use it:
 * a provider named by "provider[:args]" (shmcb by default), a global mutex
 * around every call when the provider is not safe across processes, ids
 * that are digests of the token (their first byte random, which shmcb's
 * subcaches need), records protected when a network cache is shared. */
#include "keystone_cache.h"
#include "keystone_crypt.h"
#include "placement.h"

#include <ap_socache.h>
#include <ap_provider.h>
#include <util_mutex.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_global_mutex.h>

#define MUTEX_TYPE "placement-keystone-cache"
#define MAX_RECORD 16384        /* a record is ~500 bytes */

struct pl_ks_cache {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;      /* NULL for providers safe without one */
    const pl_ks_conf *conf;
    const char *secret;             /* NULL unless MAC or ENCRYPT */
};

void pl_ks_cache_pre_config(apr_pool_t *pconf)
{
    ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

/* "shmcb:/path(size)" -> provider "shmcb", args "/path(size)". */
static const char *cache_spec(apr_pool_t *p, const pl_ks_conf *conf, const char **args)
{
    const char *spec = conf->cache, *colon;
    *args = NULL;
    if (conf->memcached_servers && !spec)
        spec = apr_pstrcat(p, "memcache:", conf->memcached_servers, NULL);
    if (!spec) spec = "shmcb";
    colon = strchr(spec, ':');
    if (!colon) return spec;
    *args = colon + 1;
    return apr_pstrmemdup(p, spec, colon - spec);
}

/* Unset (before defaults are applied) means the default, 300 s. */
static int cache_wanted(const pl_ks_conf *conf, const char *name)
{
    return conf->token_cache_time != 0 && strcasecmp(name, "none") != 0;
}

const char *pl_ks_cache_check(apr_pool_t *p, const pl_ks_conf *conf)
{
    const char *args, *name = cache_spec(p, conf, &args);
    if (!cache_wanted(conf, name)) return NULL;
    if (!ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION))
        return apr_psprintf(p, "PlacementKeystoneCache: unknown cache provider '%s' "
                            "(maybe you need to load mod_socache_%s)", name, name);
    return NULL;
}

static apr_status_t destroy_cache(void *data)
{
    pl_ks_cache *c = data;
    c->provider->destroy(c->instance, NULL);
    return APR_SUCCESS;
}

pl_ks_cache *pl_ks_cache_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                const pl_ks_conf *conf, const char **err)
{
    static const struct ap_socache_hints hints = {
        PL_KS_CACHE_ID_LEN, 512, 300 * APR_USEC_PER_SEC
    };
    const char *args, *name = cache_spec(ptemp, conf, &args);
    pl_ks_cache *c;
    apr_status_t rv;

    *err = NULL;
    if (!cache_wanted(conf, name)) return NULL;
    c = apr_pcalloc(pconf, sizeof(*c));
    c->conf = conf;
    c->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                     AP_SOCACHE_PROVIDER_VERSION);
    if (!c->provider) {
        *err = pl_ks_cache_check(ptemp, conf);
        return NULL;
    }
    if (conf->security_strategy != PL_KS_PROTECT_NONE) c->secret = conf->secret_key;
    if ((*err = c->provider->create(&c->instance, args, ptemp, pconf))) return NULL;
    if (c->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        /* one mutex per cache: the instance id keeps their lock files apart */
        static unsigned int caches;
        const char *instance = apr_psprintf(pconf, "%u", caches++);
        rv = ap_global_mutex_create(&c->mutex, NULL, MUTEX_TYPE, instance, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            *err = "cannot create the token cache's mutex";
            return NULL;
        }
    }
    rv = c->provider->init(c->instance, "placement-keystone", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(ptemp, "cannot initialise the %s token cache", name);
        return NULL;
    }
    apr_pool_cleanup_register(pconf, c, destroy_cache, apr_pool_cleanup_null);
    return c;
}

void pl_ks_cache_child_init(pl_ks_cache *c, apr_pool_t *p, server_rec *s)
{
    if (c && c->mutex)
        apr_global_mutex_child_init(&c->mutex, apr_global_mutex_lockfile(c->mutex), p);
}

int pl_ks_cache_get(pl_ks_cache *c, request_rec *r, const char *token, pl_ks_token *tok)
{
    unsigned char id[PL_KS_CACHE_ID_LEN], *data;
    unsigned int len = MAX_RECORD;
    char *record;
    size_t rlen;
    const char *err;
    apr_status_t rv;

    if (!c) return 0;
    pl_ks_cache_id(c->secret, token, id);
    data = apr_palloc(r->pool, MAX_RECORD);
    if (c->mutex && apr_global_mutex_lock(c->mutex) != APR_SUCCESS) return 0;
    rv = c->provider->retrieve(c->instance, r->server, id, sizeof(id), data, &len, r->pool);
    if (c->mutex) apr_global_mutex_unlock(c->mutex);
    if (rv != APR_SUCCESS) return 0;
    if (pl_ks_open(r->pool, c->conf->security_strategy, c->secret, token, data, len,
                   &record, &rlen)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PL_LOGNO(801)
                      "a token cache entry failed its integrity check: ignored");
        return 0;
    }
    if (pl_ks_token_parse(r->pool, record, rlen, tok, &err)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PL_LOGNO(802)
                      "an unreadable token cache entry was ignored: %s", err);
        return 0;
    }
    return tok->expires_at > apr_time_now();
}

void pl_ks_cache_put(pl_ks_cache *c, request_rec *r, const char *token,
                     const pl_ks_token *tok)
{
    unsigned char id[PL_KS_CACHE_ID_LEN], *data;
    size_t len;
    const char *record;
    apr_time_t expiry;

    if (!c) return;
    expiry = apr_time_now() + apr_time_from_sec(c->conf->token_cache_time);
    if (tok->expires_at < expiry) expiry = tok->expires_at;
    if (expiry <= apr_time_now()) return;
    record = pl_ks_token_record(r->pool, tok);
    if (pl_ks_seal(r->pool, c->conf->security_strategy, c->secret, token, record,
                   strlen(record), &data, &len) || len > MAX_RECORD)
        return;
    pl_ks_cache_id(c->secret, token, id);
    if (c->mutex && apr_global_mutex_lock(c->mutex) != APR_SUCCESS) return;
    if (c->provider->store(c->instance, r->server, id, sizeof(id), expiry, data,
                           (unsigned int)len, r->pool) != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PL_LOGNO(803)
                      "the token cache did not take an entry");
    if (c->mutex) apr_global_mutex_unlock(c->mutex);
}
