/* TAP tests for jsonschema.c, pyrepr.c and schemas.c.  Expected texts
 * were produced by Python jsonschema 4.10.3 / CPython 3.11.
 * Usage: test_jsonschema [schema/json directory]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "jsonschema.h"
#include "pyrepr.h"
#include "schemas.h"
#include "tap.h"

static apr_pool_t *pool;

/* message of validating instance (JSON text) against schema (JSON text);
 * "VALID" when valid, "COMPILE: ..." when the schema does not compile */
static const char *msg(const char *schema, const char *instance, int full)
{
    json_object *s = json_tokener_parse(schema);
    json_object *i = json_tokener_parse(instance);
    char *err = NULL;
    pl_schema *c = pl_schema_compile(pool, s, &err);
    const pl_schema_error *e;

    if (!c)
        return apr_pstrcat(pool, "COMPILE: ", err, NULL);
    e = pl_schema_validate(pool, c, i);
    if (!e)
        return "VALID";
    return full ? e->full : e->message;
}

static const char *repr(const char *json)
{
    return pl_json_pyrepr(pool, json_tokener_parse(json));
}

static void keyword_messages(void)
{
    static const char *cases[][3] = {
        {"{\"type\":\"integer\"}", "\"x\"", "'x' is not of type 'integer'"},
        {"{\"type\":[\"integer\",\"null\"]}", "\"x\"",
         "'x' is not of type 'integer', 'null'"},
        {"{\"type\":\"integer\"}", "1.0", "VALID"},
        {"{\"type\":\"integer\"}", "true", "True is not of type 'integer'"},
        {"{\"type\":\"number\"}", "null", "None is not of type 'number'"},
        {"{\"properties\":{\"a\":{\"minimum\":1}}}", "{\"a\":0}",
         "0 is less than the minimum of 1"},
        {"{\"maximum\":2147483647}", "2147483648",
         "2147483648 is greater than the maximum of 2147483647"},
        {"{\"maximum\":3.40282e+38}", "1e39",
         "1e+39 is greater than the maximum of 3.40282e+38"},
        {"{\"exclusiveMinimum\":1}", "1",
         "1 is less than or equal to the minimum of 1"},
        {"{\"required\":[\"name\"]}", "{}", "'name' is a required property"},
        {"{\"additionalProperties\":false}", "{\"bad_field\":1}",
         "Additional properties are not allowed ('bad_field' was "
         "unexpected)"},
        {"{\"additionalProperties\":false}", "{\"b\":1,\"a\":2}",
         "Additional properties are not allowed ('a', 'b' were "
         "unexpected)"},
        {"{\"patternProperties\":{\"^[A-Z0-9_]+$\":{}},"
         "\"additionalProperties\":false}", "{\"vcpu\":1}",
         "'vcpu' does not match any of the regexes: '^[A-Z0-9_]+$'"},
        {"{\"minProperties\":1}", "{}", "{} does not have enough properties"},
        {"{\"maxProperties\":1}", "{\"a\":1,\"b\":[]}",
         "{'a': 1, 'b': []} has too many properties"},
        {"{\"minItems\":1}", "[]", "[] is too short"},
        {"{\"maxItems\":1}", "[1,2]", "[1, 2] is too long"},
        {"{\"minLength\":1}", "\"\"", "'' is too short"},
        {"{\"maxLength\":2}", "\"\\u00e9\\u00e9\"", "VALID"},
        {"{\"maxLength\":2}", "\"abc\"", "'abc' is too long"},
        {"{\"pattern\":\"^[A-Z]+$\"}", "\"abc\"",
         "'abc' does not match '^[A-Z]+$'"},
        {"{\"pattern\":\"^[A-Z]+$\"}", "\"ABC\\n\"", "VALID"},
        {"{\"pattern\":\"[a-z]{1,3}\"}", "\"XXabXX\"", "VALID"},
        {"{\"pattern\":\"^\\\\d$\"}", "\"\\u0664\"", "VALID"},
        {"{\"format\":\"uuid\"}", "\"x\"", "'x' is not a 'uuid'"},
        {"{\"format\":\"uuid\"}", "5", "5 is not a 'uuid'"},
        {"{\"enum\":[\"none\",\"isolate\"]}", "\"x\"",
         "'x' is not one of ['none', 'isolate']"},
        {"{\"enum\":[1]}", "true", "True is not one of [1]"},
        {"{\"enum\":[1]}", "1.0", "VALID"},
        {"{\"uniqueItems\":true}", "[\"a\",\"a\"]",
         "['a', 'a'] has non-unique elements"},
        {"{\"uniqueItems\":true}", "[1,true]", "VALID"},
        {"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "{}",
         "{} is not valid under any of the given schemas"},
        {"{\"anyOf\":[{\"type\":\"string\",\"format\":\"uuid\"},"
         "{\"type\":\"null\"}]}", "\"abc\"", "'abc' is not a 'uuid'"},
        {"{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}", "3",
         "3 is valid under each of {'minimum': 2}, {'type': 'integer'}"},
        {"{\"allOf\":[{\"required\":[\"x\"]}]}", "{}",
         "'x' is a required property"},
        {"{\"not\":{\"type\":\"string\"}}", "\"a\"",
         "'a' should not be valid under {'type': 'string'}"},
        {"{\"const\":false}", "0", "False was expected"},
        {"{\"multipleOf\":0.5}", "1.25", "1.25 is not a multiple of 0.5"},
        {"{\"items\":{\"type\":\"string\"}}", "[\"a\",1]",
         "1 is not of type 'string'"},
        {"{\"definitions\":{\"p\":{\"minimum\":1}},"
         "\"items\":{\"$ref\":\"#/definitions/p\"}}", "[0]",
         "0 is less than the minimum of 1"},
        {"false", "1", "False schema does not allow 1"},
        /* best_match: shallower error wins; ties go to schema order */
        {"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
         "\"string\"}},\"required\":[\"name\"],\"additionalProperties\":"
         "false}", "{\"bad\":1}", "'name' is a required property"},
        {"{\"properties\":{\"a\":{\"type\":\"string\"}},"
         "\"additionalProperties\":false}", "{\"a\":1,\"b\":1}",
         "Additional properties are not allowed ('b' was unexpected)"},
        {"{\"properties\":{\"u\":{\"type\":\"string\",\"format\":\"uuid\"}}}",
         "{\"u\":5}", "5 is not of type 'string'"},
        {"{\"foo\":1}", "1", "COMPILE: unsupported keyword 'foo' at #"},
        {"{\"format\":\"email\"}", "1",
         "COMPILE: unsupported format at #/format"},
        {"{\"$ref\":\"#/nope\"}", "1",
         "COMPILE: unresolvable $ref '#/nope' at #/$ref"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        is_str(msg(cases[i][0], cases[i][1], 0), cases[i][2],
               "message: %s on %s", cases[i][0], cases[i][1]);
}

static void full_texts(void)
{
    is_str(msg("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
               "\"string\",\"maxLength\":200}},\"required\":[\"name\"],"
               "\"additionalProperties\":false}", "{\"name\":5}", 1),
           "5 is not of type 'string'\n\n"
           "Failed validating 'type' in schema['properties']['name']:\n"
           "    {'maxLength': 200, 'type': 'string'}\n\n"
           "On instance['name']:\n    5", "full: nested type error");
    is_str(msg("{\"properties\":{\"p\":{\"anyOf\":[{\"type\":\"string\","
               "\"format\":\"uuid\"},{\"type\":\"null\"}]}}}",
               "{\"p\":\"abc\"}", 1),
           "'abc' is not a 'uuid'\n\n"
           "Failed validating 'format' in schema[0]:\n"
           "    {'format': 'uuid', 'type': 'string'}\n\n"
           "On instance:\n    'abc'", "full: error picked from anyOf context");
    is_str(msg("{\"required\":[\"a\"]}", "{\"b\":[0,1,2,3,4,5,6,7,8,9,10,"
               "11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]}", 1),
           "'a' is a required property\n\n"
           "Failed validating 'required' in schema:\n"
           "    {'required': ['a']}\n\n"
           "On instance:\n"
           "    {'b': [0,\n"
           "           1,\n"
           "           2,\n"
           "           3,\n"
           "           4,\n"
           "           5,\n"
           "           6,\n"
           "           7,\n"
           "           8,\n"
           "           9,\n"
           "           10,\n"
           "           11,\n"
           "           12,\n"
           "           13,\n"
           "           14,\n"
           "           15,\n"
           "           16,\n"
           "           17,\n"
           "           18,\n"
           "           19,\n"
           "           20,\n"
           "           21,\n"
           "           22,\n"
           "           23,\n"
           "           24,\n"
           "           25]}", "full: pformat wraps long values");
    is_str(msg("{\"items\":{\"minimum\":1}}", "[1,0]", 1),
           "0 is less than the minimum of 1\n\n"
           "Failed validating 'minimum' in schema['items']:\n"
           "    {'minimum': 1}\n\n"
           "On instance[1]:\n    0", "full: array index in path");
}

static void uuids(void)
{
    static const char *good[] = {
        "a1b2c3d4-0000-4000-8000-00000000000a",
        "A1B2C3D4-0000-4000-8000-00000000000A",
        "a1b2c3d4000040008000000000000000",
        "{a1b2c3d4-0000-4000-8000-00000000000a}",
        "urn:uuid:a1b2c3d4-0000-4000-8000-00000000000a",
        "uuid:{a1b2c3d4-0000-4000-8000-00000000000a}",
        "{{a1b2c3d4-0000-4000-8000-00000000000a}",
        "a-1b2c3d4000040008000000000000000-",
    };
    static const char *bad[] = {
        "", "x", "a1b2c3d4-0000-4000-8000-00000000000g",
        "a1b2c3d4-0000-4000-8000-00000000000",
        "a1b2c3d4-0000-4000-8000-00000000000aa",
        "URN:UUID:a1b2c3d4-0000-4000-8000-00000000000a",
        "0xa1b2c3d4000040008000000000000000",
        " a1b2c3d4000040008000000000000000",
        "a1b2c3d4_000040008000000000000000",
        "(a1b2c3d4-0000-4000-8000-00000000000a)",
    };
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++)
        ok(pl_uuid_is_like(good[i]), "uuid-like: %s", good[i]);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(!pl_uuid_is_like(bad[i]), "not uuid-like: '%s'", bad[i]);
    ok(!pl_uuid_is_like(NULL), "NULL is not uuid-like");
    /* str(uuid.UUID(s)) of each: one form, whatever the spelling */
    for (i = 0; i < sizeof good / sizeof good[0]; i++)
        is_str(pl_uuid_canonical(pool, good[i]),
               i == 2 ? "a1b2c3d4-0000-4000-8000-000000000000"
               : i == 7 ? "a1b2c3d4-0000-4000-8000-000000000000"
               : "a1b2c3d4-0000-4000-8000-00000000000a", "canonical: %s", good[i]);
    /* Python's replace() removes every 'urn:' and 'uuid:', in that order */
    is_str(pl_uuid_canonical(pool, "uuid:urn:a1b2c3d4-0000-4000-8000-00000000000a"),
           "a1b2c3d4-0000-4000-8000-00000000000a", "canonical: uuid:urn: prefix");
    is_str(pl_uuid_canonical(pool, "urn:urn:a1b2c3d4-0000-4000-8000-00000000000a"),
           "a1b2c3d4-0000-4000-8000-00000000000a", "canonical: urn: twice");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(!pl_uuid_canonical(pool, bad[i]), "no canonical form: '%s'", bad[i]);
}

static void reprs(void)
{
    static const char *cases[][2] = {
        {"\"abc\"", "'abc'"},
        {"\"it's\"", "\"it's\""},
        {"\"it's \\\"x\\\"\"", "'it\\'s \"x\"'"},
        {"\"a\\\\b\\n\\t\\r\\u0007\\u007f\"", "'a\\\\b\\n\\t\\r\\x07\\x7f'"},
        {"\"\\u00e9\\u00a0\\u200b\\u2028\\ud83d\\ude00\"",
         "'\xc3\xa9\\xa0\\u200b\\u2028\xf0\x9f\x98\x80'"},
        {"true", "True"}, {"false", "False"}, {"null", "None"},
        {"1", "1"}, {"-9223372036854775808", "-9223372036854775808"},
        {"18446744073709551615", "18446744073709551615"},
        {"1.0", "1.0"}, {"0.1", "0.1"}, {"1e100", "1e+100"},
        {"1e16", "1e+16"}, {"1e15", "1000000000000000.0"},
        {"0.0001", "0.0001"}, {"0.00001", "1e-05"}, {"-0.0", "-0.0"},
        {"3.40282e+38", "3.40282e+38"}, {"5e-324", "5e-324"},
        {"[1, 2.5, [], {}]", "[1, 2.5, [], {}]"},
        {"{\"b\": 1, \"a\": [true, null]}", "{'b': 1, 'a': [True, None]}"},
    };
    size_t i;
    json_object *inf = json_object_new_double(1.0 / 0.0);

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        is_str(repr(cases[i][0]), cases[i][1], "repr of %s", cases[i][0]);
    is_str(pl_json_pyrepr(pool, inf), "inf", "repr of inf");
    json_object_put(inf);
    is_str(pl_json_pformat(pool, json_tokener_parse(
                               "{\"b\": 1, \"a\": 2}"), 72),
           "{'a': 2, 'b': 1}", "pformat sorts dict keys");
    is_str(pl_json_pformat(pool, json_tokener_parse(
                               "\"word word word word word word word word "
                               "word word word word word word word\""), 30),
           "('word word word word word '\n 'word word word word word '\n"
           " 'word word word word word')", "pformat splits long strings");
}

static void registry(const char *dir)
{
    char *err = NULL;
    const char *tmp;
    FILE *f;
    const pl_schema *s;
    const pl_schema_error *e;

    ok(pl_schemas_load(pool, dir, &err) == 0, "load %s (%s)", dir,
       err ? err : "ok");
    s = pl_schema_lookup("resource_provider.POST_RESOURCE_PROVIDER_SCHEMA");
    ok(s != NULL, "lookup POST_RESOURCE_PROVIDER_SCHEMA");
    ok(pl_schema_lookup("allocation_candidate.GET_SCHEMA_1_36") != NULL,
       "lookup GET_SCHEMA_1_36");
    ok(pl_schema_lookup("nope.NOPE") == NULL, "unknown name is NULL");
    if (s) {
        e = pl_schema_validate(pool, s, json_tokener_parse(
                                   "{\"name\": \"n\", \"uuid\": \"abc\"}"));
        is_str(e ? e->message : NULL, "'abc' is not a 'uuid'",
               "registry schema validates");
        ok(pl_schema_validate(pool, s, json_tokener_parse(
                                  "{\"name\": \"n\"}")) == NULL,
           "registry schema accepts valid body");
    }

    tmp = apr_psprintf(pool, "/tmp/pl_schemas_test.%d", (int)getpid());
    mkdir(tmp, 0700);
    f = fopen(apr_pstrcat(pool, tmp, "/bad.X.json", NULL), "w");
    fputs("{\"type\": \"object\", \"bogus\": 1}", f);
    fclose(f);
    err = NULL;
    ok(pl_schemas_load(pool, tmp, &err) != 0 && err &&
       strstr(err, "bad.X.json") && strstr(err, "unsupported keyword"),
       "unsupported keyword names the file (%s)", err ? err : "");
    f = fopen(apr_pstrcat(pool, tmp, "/bad.X.json", NULL), "w");
    fputs("{\"type\": ", f);
    fclose(f);
    err = NULL;
    ok(pl_schemas_load(pool, tmp, &err) != 0 && err &&
       strstr(err, "bad.X.json"), "bad JSON names the file (%s)",
       err ? err : "");
    unlink(apr_pstrcat(pool, tmp, "/bad.X.json", NULL));
    rmdir(tmp);
    /* the failed loads must not have replaced the good registry */
    ok(pl_schema_lookup("trait.CUSTOM_TRAIT") != NULL,
       "registry kept after failed load");
}

/* Many threads share one compiled schema (patterns included). */
static const pl_schema *shared;
static int thread_bad[8];

static void *worker(void *arg)
{
    int id = (int)(long)arg, i;
    apr_pool_t *p;

    apr_pool_create_unmanaged(&p);
    for (i = 0; i < 2000; i++) {
        json_object *inst = json_tokener_parse(
            i % 2 ? "{\"VCPU\": 1, \"vcpu\": 2}" : "{\"VCPU\": 1}");
        const pl_schema_error *e = pl_schema_validate(p, shared, inst);
        if (i % 2 ? !e || strcmp(e->message, "'vcpu' does not match any of "
                                 "the regexes: '^[A-Z0-9_]+$'") : e != NULL)
            thread_bad[id]++;
        json_object_put(inst);
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

static void threads(void)
{
    pthread_t th[8];
    json_object *doc = json_tokener_parse(
        "{\"patternProperties\": {\"^[A-Z0-9_]+$\": {\"type\": "
        "\"integer\"}}, \"additionalProperties\": false}");
    char *err = NULL;
    long i;
    int bad = 0;

    shared = pl_schema_compile(pool, doc, &err);
    for (i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        bad += thread_bad[i];
    }
    is_int(bad, 0, "8 threads x 2000 validations with one schema");
    json_object_put(doc);
}

int main(int argc, char **argv)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    keyword_messages();
    full_texts();
    uuids();
    reprs();
    registry(argc > 1 ? argv[1] : "schema/json");
    threads();
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
