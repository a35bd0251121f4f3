/* Upstream's verdict on a request body: the text of the ValueError that
 * oslo_serialization.jsonutils.loads (UTF-8 decode, then CPython 3.11's
 * json.loads with the _json accelerator) raises, which placement answers
 * as 400 "Malformed JSON: <text>". */
#ifndef PL_PYJSON_ERROR_H
#define PL_PYJSON_ERROR_H

#include <stddef.h>
#include <apr_pools.h>

/* Containers nested deeper than this raise Python's RecursionError in
 * upstream under mod_wsgi (956 opening brackets fail, 955 parse): the
 * interpreter's limit of 1000 less the frames of the WSGI stack. */
#define PL_PYJSON_MAX_DEPTH 955

/* The start of the RecursionError's text; upstream does not catch it, so
 * it is a 500 there, not a "Malformed JSON" 400. */
#define PL_PYJSON_RECURSION "maximum recursion depth exceeded"

/* NULL when Python would accept the body; else the exact str() of the
 * exception: a JSONDecodeError ("Expecting value: line 1 column 1 (char 0)"),
 * a UnicodeDecodeError ("'utf-8' codec can't decode byte 0xff in position
 * 0: invalid start byte"), int()'s 4300-digit limit, or the RecursionError
 * (see PL_PYJSON_RECURSION).  Lines, columns and chars count code points. */
const char *pl_pyjson_error(apr_pool_t *p, const char *body, size_t len);

#endif
