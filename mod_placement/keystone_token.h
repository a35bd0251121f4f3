/* Keystone token documents: what a validated token says about its holder.
 *
 * Pure (apr + json-c): the body of Keystone's GET /v3/auth/tokens becomes a
 * pl_ks_token; the same shape, trimmed to what Placement reads, is the
 * record the token cache keeps.  The list of identity headers a client may
 * never set lives here too, so it can be tested without httpd. */
#ifndef PL_KEYSTONE_TOKEN_H
#define PL_KEYSTONE_TOKEN_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct pl_ks_token {
    const char *user_id, *user_name, *user_domain_id, *user_domain_name;
    const char *project_id, *project_name, *project_domain_id, *project_domain_name;
    const char *domain_id, *domain_name;      /* domain-scoped tokens only */
    int system_all;                           /* "system": {"all": true} */
    const char **roles;                       /* Keystone's names and order */
    int nroles;
    int is_admin_project;                     /* absent: 1, as keystoneauth */
    apr_time_t expires_at;
    apr_time_t cache_until;                   /* record only: the cache's deadline */
} pl_ks_token;

/* Parse a token document ({"token": {...}}) of len bytes.  Returns 0, or -1
 * with *err saying what is wrong (not JSON, no user id, bad expires_at...).
 * Strings are copied into p. */
int pl_ks_token_parse(apr_pool_t *p, const char *doc, size_t len,
                      pl_ks_token *tok, const char **err);

/* The token as a small document of the same shape, which
 * pl_ks_token_parse reads back to an equal pl_ks_token: the cache record. */
const char *pl_ks_token_record(apr_pool_t *p, const pl_ks_token *tok);

/* The token as one block of pl_ks_token_packed_size() bytes at buf: the
 * struct, its roles array and every string, pointers internal.  One
 * free() or one pool releases the copy; the per-process cache keeps tokens
 * so, already parsed. */
size_t pl_ks_token_packed_size(const pl_ks_token *tok);
pl_ks_token *pl_ks_token_pack(const pl_ks_token *tok, void *buf);

/* Keystone's timestamp "2026-11-29T22:05:08.000000Z" (fraction and the
 * zone suffix "Z" or "+00:00" optional).  Returns 0 or -1. */
int pl_ks_parse_time(const char *s, apr_time_t *out);

/* 1 when the token holds one of the roles (case-insensitive, as oslo). */
int pl_ks_token_has_any_role(const pl_ks_token *tok, const char *const *roles, int n);

/* ".../v3" whatever the endpoint's spelling: "/v3/", "/v3" or unversioned
 * (Keystone's identity root; version discovery is not done). */
const char *pl_ks_v3_url(apr_pool_t *p, const char *url);

/* A token a client sent, trimmed of whitespace (auth_token strips it);
 * NULL when absent or empty. */
const char *pl_ks_clean_token(apr_pool_t *p, const char *raw);

/* The request headers that carry identity (auth_token's 31, plus
 * OpenStack-System-Scope), NULL-terminated.  They are removed from every
 * request before anything reads them; only a validated token sets them. */
extern const char *const pl_ks_identity_headers[];

#endif
