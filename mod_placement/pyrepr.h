/* Python repr() and pprint.pformat() of JSON values (pure: apr + json-c).
 *
 * Error texts of upstream placement embed Python reprs of the decoded
 * JSON (json.loads) values; these functions reproduce them byte for byte.
 */
#ifndef PL_PYREPR_H
#define PL_PYREPR_H

#include <stddef.h>
#include <apr_pools.h>
#include <json-c/json.h>

/* Error texts embed reprs of the client's values, and Python's are as long
 * as the value: a 1 MiB body would make texts of many megabytes (pformat
 * indents each nesting level).  Every repr and pformat here stops after
 * about PL_REPR_MAX bytes (on a UTF-8 boundary) and ends with PL_REPR_CUT,
 * so an error text costs at most a few times that. */
#define PL_REPR_MAX 65536
#define PL_REPR_CUT "...(truncated)"

/* repr() of the json.loads() value of v: dicts in insertion order,
 * True/False/None, floats as Python's shortest round-trip repr. */
const char *pl_json_pyrepr(apr_pool_t *p, json_object *v);

/* repr() of a Python str given as UTF-8 bytes. */
const char *pl_py_str_repr(apr_pool_t *p, const char *s, size_t len);

/* Python's repr() of a float into buf: the shortest text that reads back
 * exactly, with ".0" on whole numbers ("16.0", "0.1", "1e+20", "inf"); 32
 * bytes always suffice. */
void pl_format_pyfloat(char *buf, size_t size, double d);

/* pprint.pformat(v, width=width) of Python 3.11 (dict keys sorted). */
const char *pl_json_pformat(apr_pool_t *p, json_object *v, int width);

/* Number of code points in UTF-8 text (Python len() of the str). */
size_t pl_utf8_len(const char *s, size_t len);

#endif
