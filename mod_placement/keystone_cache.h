/* Validated tokens shared by every child of a server (and, with memcache or
 * redis, by many hosts) through httpd's mod_socache providers. */
#ifndef PL_KEYSTONE_CACHE_H
#define PL_KEYSTONE_CACHE_H

#include <httpd.h>
#include "keystone_client.h"
#include "keystone_token.h"

typedef struct pl_ks_cache pl_ks_cache;

/* pre_config: the global mutex type guarding host-local providers. */
void pl_ks_cache_pre_config(apr_pool_t *pconf);
/* check_config: NULL, or why the cache a configuration names cannot be
 * had (no such provider loaded). */
const char *pl_ks_cache_check(apr_pool_t *p, const pl_ks_conf *conf);
/* post_config: the cache, NULL when the configuration has none
 * (PlacementKeystoneCache none, or PlacementKeystoneTokenCacheTime -1);
 * *err set on failure. */
pl_ks_cache *pl_ks_cache_create(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                const pl_ks_conf *conf, const char **err);
void pl_ks_cache_child_init(pl_ks_cache *c, apr_pool_t *p, server_rec *s);

/* 1 and *tok filled when the token is cached and not expired; else 0. */
int pl_ks_cache_get(pl_ks_cache *c, request_rec *r, const char *token, pl_ks_token *tok);
/* Remember a validated token until the earlier of token_cache_time and its
 * expiry.  A failed store is only a later miss. */
void pl_ks_cache_put(pl_ks_cache *c, request_rec *r, const char *token,
                     const pl_ks_token *tok);

#endif
