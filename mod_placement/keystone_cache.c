/* The token cache on mod_socache, as mod_authn_socache and mod_ssl use it:
 * a provider named by "provider[:args]" (shmcb by default), a global mutex
 * around every call when the provider is not safe across processes, ids
 * that are digests of the token (their first byte random, which shmcb's
 * subcaches need), records protected when a network cache is shared.
 *
 * In front of it, each process keeps the tokens it has seen, parsed, in a
 * small table under a read-write lock: a hit there takes no global mutex,
 * which every thread of every child would otherwise queue on, and no JSON
 * parse.  An entry there
 * lives no longer than the shared entry it came from (the record carries
 * that deadline), so revocation takes no longer to show than without it. */
#include "keystone_cache.h"
#include "keystone_crypt.h"
#include "placement.h"

#include <ap_socache.h>
#include <ap_provider.h>
#include <util_mutex.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_global_mutex.h>
#include <apr_thread_rwlock.h>
#include <stdlib.h>

#define MUTEX_TYPE "placement-keystone-cache"
#define MAX_RECORD 16384        /* a record is ~500 bytes */
#define LOCAL_SLOTS 1024        /* per process: ~500 KB when full */

typedef struct {
    unsigned char id[PL_KS_CACHE_ID_LEN];
    apr_time_t until;               /* the shared entry's deadline */
    pl_ks_token *token;             /* malloc'd, packed; NULL: empty */
    size_t size;
} local_slot;

struct pl_ks_cache {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;      /* NULL for providers safe without one */
    const pl_ks_conf *conf;
    const char *secret;             /* NULL unless MAC or ENCRYPT */
    apr_thread_rwlock_t *local_lock;    /* the process's own table */
    local_slot *local;                  /* LOCAL_SLOTS, from child_init */
};

/* The slot of an id: its first bytes are random. */
static local_slot *local_slot_of(pl_ks_cache *c, const unsigned char *id)
{
    return &c->local[(id[0] | id[1] << 8) % LOCAL_SLOTS];
}

/* 1 and *tok a copy in p when the process holds the token: already parsed,
 * so a hit costs a copy, not a JSON parse. */
static int local_get(pl_ks_cache *c, const unsigned char *id, apr_pool_t *p,
                     pl_ks_token *tok)
{
    int found = 0;
    local_slot *slot;
    if (!c->local || apr_thread_rwlock_rdlock(c->local_lock) != APR_SUCCESS) return 0;
    slot = local_slot_of(c, id);
    if (slot->token && !memcmp(slot->id, id, PL_KS_CACHE_ID_LEN)
        && slot->until > apr_time_now()) {
        *tok = *pl_ks_token_pack(slot->token, apr_palloc(p, slot->size));
        found = 1;
    }
    apr_thread_rwlock_unlock(c->local_lock);
    return found;
}

static void local_put(pl_ks_cache *c, const unsigned char *id, apr_time_t until,
                      const pl_ks_token *tok)
{
    local_slot *slot;
    size_t size = pl_ks_token_packed_size(tok);
    void *copy = malloc(size);
    if (!copy || !c->local || apr_thread_rwlock_wrlock(c->local_lock) != APR_SUCCESS) {
        free(copy);
        return;
    }
    slot = local_slot_of(c, id);
    free(slot->token);
    memcpy(slot->id, id, PL_KS_CACHE_ID_LEN);
    slot->until = until;
    slot->token = pl_ks_token_pack(tok, copy);
    slot->size = size;
    apr_thread_rwlock_unlock(c->local_lock);
}

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
    else if (strcasecmp(name, "shmcb") && strcasecmp(name, "dbm"))
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PL_LOGNO(506)
                     "the Keystone token cache (%s) is shared over the network without "
                     "PlacementKeystoneMemcacheSecurityStrategy MAC or ENCRYPT: whoever can "
                     "write to it can plant an identity for any token", name);
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
    if (!c) return;
    if (c->mutex)
        apr_global_mutex_child_init(&c->mutex, apr_global_mutex_lockfile(c->mutex), p);
    /* the table's tokens live as long as the process */
    if (apr_thread_rwlock_create(&c->local_lock, p) == APR_SUCCESS)
        c->local = apr_pcalloc(p, sizeof(local_slot) * LOCAL_SLOTS);
}

int pl_ks_cache_get(pl_ks_cache *c, request_rec *r, const char *token, pl_ks_token *tok)
{
    unsigned char id[PL_KS_CACHE_ID_LEN], *data;
    unsigned int len = MAX_RECORD;
    const char *err;
    char *record;
    size_t rlen;
    apr_status_t rv;

    if (!c) return 0;
    pl_ks_cache_id(c->secret, token, id);
    if (local_get(c, id, r->pool, tok)) return tok->expires_at > apr_time_now();
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
    /* records without a deadline (none are written so) stay shared-only */
    if (tok->cache_until) local_put(c, id, tok->cache_until, tok);
    return tok->expires_at > apr_time_now();
}

void pl_ks_cache_put(pl_ks_cache *c, request_rec *r, const char *token,
                     const pl_ks_token *tok)
{
    unsigned char id[PL_KS_CACHE_ID_LEN], *data;
    size_t len;
    const char *record;
    pl_ks_token entry = *tok;

    if (!c) return;
    entry.cache_until = apr_time_now() + apr_time_from_sec(c->conf->token_cache_time);
    if (tok->expires_at < entry.cache_until) entry.cache_until = tok->expires_at;
    if (entry.cache_until <= apr_time_now()) return;
    record = pl_ks_token_record(r->pool, &entry);
    if (pl_ks_seal(r->pool, c->conf->security_strategy, c->secret, token, record,
                   strlen(record), &data, &len) || len > MAX_RECORD)
        return;
    pl_ks_cache_id(c->secret, token, id);
    local_put(c, id, entry.cache_until, &entry);
    if (c->mutex && apr_global_mutex_lock(c->mutex) != APR_SUCCESS) return;
    if (c->provider->store(c->instance, r->server, id, sizeof(id), entry.cache_until, data,
                           (unsigned int)len, r->pool) != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PL_LOGNO(803)
                      "the token cache did not take an entry");
    if (c->mutex) apr_global_mutex_unlock(c->mutex);
}
