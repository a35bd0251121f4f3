/* Token cache keys and record protection (OpenSSL libcrypto; pure).
 *
 * A cache never sees a token: entries are found under a digest of it.  In
 * a cache other hosts can write to (memcache, redis), anyone with access
 * could plant "digest -> admin" for a token of their choosing, so records
 * there are MACed or encrypted with keys derived from a shared secret AND
 * the token, as auth_token's memcache_security_strategy does. */
#ifndef PL_KEYSTONE_CRYPT_H
#define PL_KEYSTONE_CRYPT_H

#include <stddef.h>
#include <apr_pools.h>

typedef enum {
    PL_KS_PROTECT_NONE = 0,     /* plain records (a host-local cache) */
    PL_KS_PROTECT_MAC,          /* HMAC-SHA256 appended */
    PL_KS_PROTECT_ENCRYPT       /* AES-256-GCM: nonce, ciphertext, tag */
} pl_ks_protect;

#define PL_KS_CACHE_ID_LEN 32

/* The protection a cache uses for a strategy name ("None", "MAC",
 * "ENCRYPT", any case); -1 for another word. */
int pl_ks_protect_from_name(const char *name);

/* The cache id of a token: SHA-256(token) without a secret, else the first
 * half of HMAC-SHA512(secret, token) (the second half keys the record). */
void pl_ks_cache_id(const char *secret, const char *token,
                    unsigned char id[PL_KS_CACHE_ID_LEN]);

/* Protect a record for the cache.  Returns 0, or -1 when libcrypto fails. */
int pl_ks_seal(apr_pool_t *p, pl_ks_protect how, const char *secret, const char *token,
               const char *record, size_t len, unsigned char **out, size_t *outlen);

/* Check and recover a record; the result is NUL-terminated.  Returns 0, or
 * -1 when the entry was not written with this secret for this token. */
int pl_ks_open(apr_pool_t *p, pl_ks_protect how, const char *secret, const char *token,
               const unsigned char *in, size_t inlen, char **record, size_t *len);

#endif
