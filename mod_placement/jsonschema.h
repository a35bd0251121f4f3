/* JSON Schema validation over json-c values (pure: apr + json-c + pcre2).
 *
 * Behaves like upstream placement's use of Python jsonschema 4.10.3:
 *   jsonschema.validate(data, schema, format_checker=FormatChecker())
 * i.e. Draft 2020-12 semantics unless the root "$schema" names draft 4,
 * the error reported is best_match() of all errors, and the texts equal
 * the Python exception message and str(ValidationError).
 *
 * Keywords: type, properties, patternProperties, additionalProperties,
 * required, minProperties, maxProperties, items (draft 4: also the array
 * form), additionalItems, minItems, maxItems, uniqueItems, enum, const,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum (draft 4: boolean
 * form), multipleOf, minLength, maxLength, pattern, format ("uuid" only),
 * anyOf, oneOf, allOf, not, $ref (same-document JSON pointers).
 * Annotations ($schema, title, description, default, definitions, $defs,
 * $comment, examples) are accepted and ignored; anything else is refused
 * by pl_schema_compile().
 *
 * A compiled schema is read-only: regexes are compiled up front, so one
 * schema may be used from many threads at once.
 */
#ifndef PL_JSONSCHEMA_H
#define PL_JSONSCHEMA_H

#include <apr_pools.h>
#include <json-c/json.h>

#include "pyrepr.h"   /* pl_json_pyrepr() */

typedef struct pl_schema pl_schema;              /* a compiled schema */

/* Compile schema_doc (which must outlive the result).  On failure returns
 * NULL and sets *err (from p) to a message with a JSON pointer. */
pl_schema *pl_schema_compile(apr_pool_t *p, json_object *schema_doc,
                             char **err);

typedef struct {
    const char *message;   /* ValidationError.message */
    const char *full;      /* str(ValidationError) */
} pl_schema_error;

/* NULL when instance is valid; else the best_match() error, all
 * allocated from p. */
const pl_schema_error *pl_schema_validate(apr_pool_t *p, const pl_schema *s,
                                          json_object *instance);

/* oslo_utils.uuidutils.is_uuid_like() for a NUL-terminated string. */
int pl_uuid_is_like(const char *s);

/* str(uuid.UUID(s)), lowercase with dashes, for a string pl_uuid_is_like()
 * accepts; NULL for any other.  The one home of uuid canonicalisation. */
const char *pl_uuid_canonical(apr_pool_t *p, const char *s);

#endif
