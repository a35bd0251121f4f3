/* Runs the official JSON-Schema-Test-Suite (draft 4) through jsonschema.c
 * for the keywords it implements: one TAP line per test case.  Groups
 * whose schema does not compile (remote refs, "id", keywords we refuse)
 * are reported as skipped.
 * Usage: test_jsonschema_suite [suite draft4 directory]
 */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "jsonschema.h"
#include "tap.h"

#define DEFAULT_DIR "/usr/share/json-schema-test-suite/tests/draft4"

static const char *files[] = {
    "additionalItems", "additionalProperties", "allOf", "anyOf", "default",
    "definitions", "enum", "items", "maxItems", "maxLength",
    "maxProperties", "maximum", "minItems", "minLength", "minProperties",
    "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties",
    "properties", "ref", "required", "type", "uniqueItems",
};

static int skipped;

static void skip(const char *what, const char *why)
{
    printf("ok %d - %s # SKIP %s\n", ++tap_n, what, why);
    skipped++;
}

static void run_file(apr_pool_t *p, const char *dir, const char *name)
{
    const char *path = apr_psprintf(p, "%s/%s.json", dir, name);
    json_object *groups = json_object_from_file(path);
    size_t g, t;

    ok(groups != NULL, "%s.json readable", name);
    if (!groups)
        return;
    for (g = 0; g < json_object_array_length(groups); g++) {
        json_object *grp = json_object_array_get_idx(groups, g);
        json_object *schema = json_object_object_get(grp, "schema");
        json_object *tests = json_object_object_get(grp, "tests");
        const char *gdesc = json_object_get_string(
            json_object_object_get(grp, "description"));
        char *err = NULL;
        pl_schema *s;

        /* the suite's draft-4 semantics, as jsonschema picks them */
        if (json_object_is_type(schema, json_type_object) &&
            !json_object_object_get_ex(schema, "$schema", NULL))
            json_object_object_add(schema, "$schema", json_object_new_string(
                                       "http://json-schema.org/draft-04/"
                                       "schema#"));
        s = pl_schema_compile(p, schema, &err);
        for (t = 0; t < json_object_array_length(tests); t++) {
            json_object *tc = json_object_array_get_idx(tests, t);
            const char *what = apr_psprintf(
                p, "%s: %s: %s", name, gdesc, json_object_get_string(
                    json_object_object_get(tc, "description")));
            int want = json_object_get_boolean(
                json_object_object_get(tc, "valid"));
            const pl_schema_error *e;

            if (!s) {
                skip(what, err);
                continue;
            }
            e = pl_schema_validate(p, s, json_object_object_get(tc, "data"));
            ok((e == NULL) == want, "%s", what);
            if ((e == NULL) != want)
                printf("#   expected %s, got %s\n", want ? "valid" : "invalid",
                       e ? e->message : "valid");
        }
    }
    json_object_put(groups);
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    const char *dir = argc > 1 ? argv[1] : DEFAULT_DIR;
    size_t i;

    apr_initialize();
    apr_pool_create(&p, NULL);
    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        run_file(p, dir, files[i]);
    printf("# %d skipped\n", skipped);
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
