/* Small string helpers with upstream's exact behaviour.  Pure C. */
#ifndef PL_STRUTIL_H
#define PL_STRUTIL_H

#include <apr_pools.h>
#include <stddef.h>

/* webob.exc.strip_tags: newlines -> spaces, CRs dropped, <br> -> newline,
 * comments and other tags removed. */
char *pl_strip_tags(apr_pool_t *p, const char *s);


/* "YYYY-MM-DD HH:MM:SS" (UTC, as MariaDB DATETIME) -> apr_time_t; 0 if bad. */
long long pl_parse_db_time(const char *s);

/* A WSGI path (PEP 3333): every byte of the decoded URL path is one
 * character U+0000..U+00FF, so upstream sees "%E2%98%83" as three
 * characters.  Returns that text in UTF-8; s itself when all ASCII. */
const char *pl_latin1_to_utf8(apr_pool_t *p, const char *s);

/* Python's UTF-8 decoding of n bytes: NULL when valid, else the text of
 * its UnicodeDecodeError ("'utf-8' codec can't decode byte 0xff in
 * position 0: invalid start byte"). */
const char *pl_utf8_decode_error(apr_pool_t *p, const char *s, size_t n);

/* s as valid UTF-8: well-formed sequences kept, every other byte read as
 * latin-1 (0xff -> U+00FF), the way WSGI reads a header.  s itself when
 * it is valid already. */
const char *pl_utf8_repair(apr_pool_t *p, const char *s);

/* Text Placement refuses wherever it comes from (body, path, query,
 * header), since C strings and MariaDB's binding would cut it at a NUL or
 * UTF-8 cannot carry it: U+0000 and the UTF-16 surrogates U+D800..U+DFFF.
 * NULL when none is in s[0..n); else what and where ("U+0000 at
 * position 3"), positions counting bytes. */
const char *pl_refused_text(apr_pool_t *p, const char *s, size_t n);

/* The same for the strings of JSON text (Python already accepted it):
 * escapes decoded, so "\u0000" and an unpaired "\ud800" are refused.
 * Also counts arrays and objects: more than max_containers is refused
 * too (each costs json-c a few hundred bytes).  NULL or the reason. */
const char *pl_refused_json(apr_pool_t *p, const char *s, size_t n, size_t max_containers);

/* Arrays and objects a request body may hold (json-c spends a few hundred
 * bytes on each; a valid 1 MiB claim of 2,350 consumers has ~12,000). */
#define PL_JSON_MAX_CONTAINERS 50000

/* sep.join(items[0..n-1]) in one pass. */
char *pl_join(apr_pool_t *p, const char *const *items, int n, const char *sep);

#endif
