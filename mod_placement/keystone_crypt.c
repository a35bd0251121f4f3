/* Token cache keys and record protection with OpenSSL's libcrypto. */
#include "keystone_crypt.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define MAC_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16

int pl_ks_protect_from_name(const char *name)
{
    if (!strcasecmp(name, "None")) return PL_KS_PROTECT_NONE;
    if (!strcasecmp(name, "MAC")) return PL_KS_PROTECT_MAC;
    if (!strcasecmp(name, "ENCRYPT")) return PL_KS_PROTECT_ENCRYPT;
    return -1;
}

/* 64 bytes bound to secret and token: id, then record key. */
static void derive(const char *secret, const char *token, unsigned char out[64])
{
    unsigned int n = 64;
    HMAC(EVP_sha512(), secret, (int)strlen(secret), (const unsigned char *)token,
         strlen(token), out, &n);
}

/* SHA-256 fetched once: SHA256() looks the algorithm up on every call,
 * which costs as much again as hashing a token. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void pl_ks_cache_id(const char *secret, const char *token,
                    unsigned char id[PL_KS_CACHE_ID_LEN])
{
    unsigned char k[64];
    if (!secret) {
        pthread_once(&sha256_once, fetch_sha256);
        if (!sha256 || !EVP_Digest(token, strlen(token), id, NULL, sha256, NULL))
            SHA256((const unsigned char *)token, strlen(token), id);
        return;
    }
    derive(secret, token, k);
    memcpy(id, k, PL_KS_CACHE_ID_LEN);
    OPENSSL_cleanse(k, sizeof(k));
}

static void record_mac(const unsigned char *key, const unsigned char *data, size_t len,
                       unsigned char mac[MAC_LEN])
{
    unsigned int n = MAC_LEN;
    HMAC(EVP_sha256(), key, 32, data, len, mac, &n);
}

/* AES-256-GCM one shot; enc 1 seals, 0 opens (tag checked).  0 or -1. */
static int gcm(int enc, const unsigned char *key, const unsigned char *nonce,
               const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok;
    if (!c) return -1;
    ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1
         && (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1)
         && (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1)
         && EVP_CipherFinal_ex(c, out + n, &n) == 1
         && (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int pl_ks_seal(apr_pool_t *p, pl_ks_protect how, const char *secret, const char *token,
               const char *record, size_t len, unsigned char **out, size_t *outlen)
{
    unsigned char k[64], *buf;
    int rv = 0;
    if (how == PL_KS_PROTECT_NONE || !secret) {
        *out = apr_pmemdup(p, record, len);
        *outlen = len;
        return 0;
    }
    derive(secret, token, k);
    if (how == PL_KS_PROTECT_MAC) {
        buf = apr_palloc(p, len + MAC_LEN);
        memcpy(buf, record, len);
        record_mac(k + 32, buf, len, buf + len);
        *outlen = len + MAC_LEN;
    }
    else {
        buf = apr_palloc(p, NONCE_LEN + len + TAG_LEN);
        if (RAND_bytes(buf, NONCE_LEN) != 1
            || gcm(1, k + 32, buf, (const unsigned char *)record, len, buf + NONCE_LEN,
                   buf + NONCE_LEN + len))
            rv = -1;
        *outlen = NONCE_LEN + len + TAG_LEN;
    }
    OPENSSL_cleanse(k, sizeof(k));
    *out = buf;
    return rv;
}

int pl_ks_open(apr_pool_t *p, pl_ks_protect how, const char *secret, const char *token,
               const unsigned char *in, size_t inlen, char **record, size_t *len)
{
    unsigned char k[64], mac[MAC_LEN];
    char *buf;
    int rv = 0;
    if (how == PL_KS_PROTECT_NONE || !secret) {
        *record = apr_pstrmemdup(p, (const char *)in, inlen);
        *len = inlen;
        return 0;
    }
    derive(secret, token, k);
    if (how == PL_KS_PROTECT_MAC) {
        if (inlen < MAC_LEN) rv = -1;
        else {
            *len = inlen - MAC_LEN;
            record_mac(k + 32, in, *len, mac);
            if (CRYPTO_memcmp(mac, in + *len, MAC_LEN)) rv = -1;
            else *record = apr_pstrmemdup(p, (const char *)in, *len);
        }
    }
    else if (inlen < NONCE_LEN + TAG_LEN) {
        rv = -1;
    }
    else {
        *len = inlen - NONCE_LEN - TAG_LEN;
        buf = apr_palloc(p, *len + 1);
        memcpy(mac, in + NONCE_LEN + *len, TAG_LEN);
        if (gcm(0, k + 32, in, in + NONCE_LEN, *len, (unsigned char *)buf, mac)) rv = -1;
        else {
            buf[*len] = '\0';
            *record = buf;
        }
    }
    OPENSSL_cleanse(k, sizeof(k));
    return rv;
}
