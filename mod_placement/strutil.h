/* Small string helpers with upstream's exact behaviour.  Pure C. */
#ifndef PL_STRUTIL_H
#define PL_STRUTIL_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>
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
 * header), since UTF-8 cannot carry it: the UTF-16 surrogates
 * U+D800..U+DFFF.  NULL when none is in s[0..n); else what and where
 * ("U+D800 at position 3"), positions counting bytes.  A NUL is text like
 * any other (upstream stores "a\u0000b" as sent): see pl_nul_mark. */
const char *pl_refused_text(apr_pool_t *p, const char *s, size_t n);

/* The same for the strings of JSON text (Python already accepted it):
 * escapes decoded, so an unpaired "\ud800" is refused, and "\u0000" in an
 * object key (json-c's keys are C strings; every key upstream's schemas
 * accept has a pattern or is a uuid, so it would refuse it too).
 * Also counts arrays and objects: more than max_containers is refused
 * too (each costs json-c a few hundred bytes).  NULL or the reason. */
const char *pl_refused_json(apr_pool_t *p, const char *s, size_t n, size_t max_containers);

/* Arrays and objects a request body may hold (json-c spends a few hundred
 * bytes on each; a valid 1 MiB claim of 2,350 consumers has ~12,000). */
#define PL_JSON_MAX_CONTAINERS 50000

/* U+0000 inside the module.  Handlers, query tables and database rows
 * hold text as C strings; a NUL in it travels as the two bytes C0 80 (an
 * overlong NUL, as in Java's "modified UTF-8"), which no input can hold
 * (bodies and query strings that are not valid UTF-8 are refused before).
 * The edges turn it back into a real NUL with an explicit length: the
 * database binding (db.c), JSON answers (http.c), Python reprs (pyrepr.c)
 * and the schema's view of a query string.  So "a\u0000b" is stored and
 * read back as sent, and ?name=a%00b matches only that name, never "a". */
#define PL_NUL_MARK "\xC0\x80"
/* s[0..n) -> C string, each NUL as PL_NUL_MARK (s itself when it has none
 * and is terminated at n). */
const char *pl_nul_mark(apr_pool_t *p, const char *s, size_t n);
/* C string s -> its bytes with each PL_NUL_MARK a NUL, length in *n (s
 * itself when it has none). */
const char *pl_nul_unmark(apr_pool_t *p, const char *s, size_t *n);
/* Every string of a document with its NULs as PL_NUL_MARK (pl_read_json
 * does it once the schema has seen the real text: handlers read C
 * strings).  Keys are left alone: pl_refused_json refuses a NUL in them. */
struct json_object;
void pl_json_mark_nuls(apr_pool_t *p, struct json_object *v);
/* Serialized JSON s[0..n) with each PL_NUL_MARK as "\u0000" (json-c
 * passes bytes >= 0x80 through, and the mark is only ever inside a
 * string); *outlen its length.  s itself when it has none. */
const char *pl_nul_json(apr_pool_t *p, const char *s, size_t n, size_t *outlen);

/* sep.join(items[0..n-1]) in one pass. */
char *pl_join(apr_pool_t *p, const char *const *items, int n, const char *sep);

/* Append s to arr (of const char *) unless arr holds it already.  seen,
 * a hash of what arr holds, answers that at once; NULL scans arr. */
void pl_add_unique(apr_hash_t *seen, apr_array_header_t *arr, const char *s);

/* A pool copy of s with A-Z lowered (uuids, hex). */
char *pl_lower(apr_pool_t *p, const char *s);

#endif
