#!/usr/bin/python3
"""Compare mod_placement/jsonschema*.c with Python jsonschema 4.10.3.

Builds a small C driver, then validates many (schema, instance) pairs
derived from schema/json/*.json (a valid skeleton, then every node
replaced by assorted wrong values, keys removed and added) with both, and
compares the message and str(ValidationError).  Also compares repr() and
pprint.pformat() of every instance.

    /usr/bin/python3 t/unit/jsonschema_compare.py [-v] [-n MAX_FAILS]
Exit status 0 when everything agrees.
"""
import copy
import glob
import json
import os
import pprint
import subprocess
import sys
import tempfile

import jsonschema
import placement.util  # noqa: registers placement's 'uuid' format checker

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SRC = os.path.join(TOP, 'mod_placement')

DRIVER = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include "jsonschema.h"
int main(void)
{
    static char line[1 << 20];
    apr_pool_t *root, *p;
    apr_initialize();
    apr_pool_create(&root, NULL);
    while (fgets(line, sizeof line, stdin)) {
        json_object *pair = json_tokener_parse(line), *sch, *inst;
        char *err = NULL;
        pl_schema *s;
        const pl_schema_error *e;
        apr_pool_create(&p, root);
        sch = json_object_array_get_idx(pair, 0);
        inst = json_object_array_get_idx(pair, 1);
        s = pl_schema_compile(p, sch, &err);
        if (!s) {
            printf("COMPILE ERROR %s\n\x01\n", err);
        } else {
            e = pl_schema_validate(p, s, inst);
            if (e)
                printf("%s\n\x02%s\n\x01\n", e->message, e->full);
            else
                printf("VALID\n\x01\n");
        }
        printf("%s\n\x02%s\n\x01\n", pl_json_pyrepr(p, inst),
               pl_json_pformat(p, inst, 72));
        fflush(stdout);
        json_object_put(pair);
        apr_pool_destroy(p);
    }
    return 0;
}
'''

UUID = 'a1b2c3d4-0000-4000-8000-00000000000a'
WRONG = [None, True, False, 0, 1, -1, 1.0, 1.5, 2147483648, 3.5e+38, '',
         'x', 'CUSTOM_X', "it's", 'say "hi"', UUID, UUID.upper(),
         '{%s}' % UUID, 'urn:uuid:' + UUID, UUID.replace('-', ''),
         UUID[:-1] + 'g', 'x' * 300, 'word ' * 30, [], [1], ['a', 'a'],
         [UUID, UUID], {}, {'a': 1}, {'VCPU': 1}, 'all', 'unknown',
         'isolate', '1', '0', 'VCPU', ['x' * 80, 'y' * 80]]


# Keywords placement does not use today, and corner cases of those it does.
EXTRA = [
    ({'oneOf': [{'type': 'integer'}, {'minimum': 2}]}, 3),
    ({'oneOf': [{'type': 'integer'}, {'minimum': 2}]}, 1.5),
    ({'oneOf': [{'type': 'string'}, {'type': 'null'}]}, 5),
    ({'not': {'type': 'string', 'enum': ['a']}}, 'a'),
    ({'allOf': [{'type': 'object'}, {'required': ['x']}]}, {}),
    ({'enum': [1, 'a', None, [1, 2], {'k': True}]}, True),
    ({'enum': [True]}, 1), ({'enum': [1.0]}, 1), ({'enum': [[True]]}, [1]),
    ({'enum': [0]}, False), ({'enum': [{'a': 1}]}, {'a': 1.0}),
    ({'const': {'a': [1, 2]}}, {'a': [1, 3]}), ({'const': 1}, True),
    ({'uniqueItems': True}, [1, True]), ({'uniqueItems': True}, [1, 1.0]),
    ({'uniqueItems': True}, [{'a': 1}, {'a': 1}]),
    ({'uniqueItems': True}, [[1], [True]]),
    ({'minimum': 1.5}, 1), ({'maximum': 2}, 2.0000001),
    ({'exclusiveMinimum': 1}, 1), ({'exclusiveMaximum': 1.5}, 2),
    ({'multipleOf': 2}, 7), ({'multipleOf': 0.1}, 0.3),
    ({'multipleOf': 0.5}, 4.5), ({'multipleOf': 3}, 4.5),
    ({'minItems': 2, 'maxItems': 3}, [1]), ({'maxItems': 1}, [1, 2]),
    ({'maxProperties': 1}, {'a': 1, 'b': 2}),
    ({'items': {'type': 'integer'}}, [1, 'x', 2.0, 2.5]),
    ({'items': False}, [1, 2]),
    ({'type': ['integer', 'null']}, 'x'), ({'type': 'integer'}, 1.0),
    ({'type': 'number'}, True), ({'type': 'object'}, [{'a': 1}]),
    ({'definitions': {'pos': {'minimum': 1}},
      'properties': {'a': {'$ref': '#/definitions/pos'}}}, {'a': 0}),
    ({'properties': {'a': {'$ref': '#'}}, 'type': 'object'},
     {'a': {'a': 5}}),
    ({'anyOf': [{'properties': {'a': {'type': 'string'}}},
                {'properties': {'a': {'type': 'integer'}}}]}, {'a': None}),
    ({'anyOf': [{'type': 'object', 'required': ['a']},
                {'type': 'array'}]}, {'b': 1}),
    ({'anyOf': [{'anyOf': [{'type': 'string'}, {'minimum': 3}]},
                {'type': 'null', 'maximum': 0}]}, 1),
    ({'pattern': r'^\d+$'}, '\u0664\u0665'), ({'pattern': r'^\w+$'}, 'h\xe9'),
    ({'pattern': '^[A-Z]+$'}, 'ABC\n'), ({'pattern': 'a\\Z'}, 'a\n'),
    ({'maxLength': 2}, '\U0001f600\U0001f600\U0001f600'),
    ({'minLength': 3}, '\xe9\xe9'),
    ({'type': 'string'}, '\x00\x07\x7f\x85\xa0\u200b\u2028\ud7ff\ue000'),
    ({'type': 'string'}, 1e100), ({'type': 'string'}, 1e16),
    ({'type': 'string'}, 123456789012345678), ({'type': 'string'}, 2 ** 64 - 1),
    ({'type': 'string'}, -2 ** 63), ({'type': 'string'}, 5e-324),
    ({'type': 'string'}, 0.1 + 0.2), ({'type': 'string'}, -0.0),
    ({'type': 'integer'}, 'a long string with spaces ' * 8),
    ({'type': 'integer'}, ['a long string with spaces ' * 3] * 3),
    ({'type': 'integer'}, {'k%d' % i: list(range(i)) for i in range(12)}),
    ({'additionalProperties': {'type': 'integer'}}, {'a': 'x'}),
    ({'patternProperties': {'^a': {}, '^b': {}},
      'additionalProperties': False}, {'c': 1, 'd': 2}),
    ({'patternProperties': {}, 'additionalProperties': False}, {'c': 1}),
    ({'properties': {'b': {}}, 'additionalProperties': False},
     {'z': 1, 'y': 2, '\xe9': 3}),
    ({'format': 'uuid'}, 'urn:uuid:{%s}' % UUID), ({'format': 'uuid'}, None),
    ({'format': 'uuid'}, 'uuid:' + UUID.upper()),
    ({'format': 'uuid'}, '0x' + UUID.replace('-', '')[2:]),
    ({'format': 'uuid'}, '{{' + UUID + '}'), ({'format': 'uuid'}, 'urn:' + UUID),
    ({'format': 'uuid'}, UUID + '-'), ({'format': 'uuid'}, 'URN:' + UUID),
    ({'format': 'uuid'}, '-'.join(UUID.replace('-', ''))),
    ({'required': ['it\'s', 'say "x"']}, {}),
    (False, 1), ({'properties': {'a': False}}, {'a': 1}),
]


def skeleton(schema, depth=0):
    """A plausible valid instance for schema."""
    if depth > 12 or not isinstance(schema, dict):
        return None
    if 'anyOf' in schema:
        return skeleton(schema['anyOf'][0], depth + 1)
    t = schema.get('type')
    if isinstance(t, list):
        t = t[0]
    if t == 'object':
        out = {}
        for name, sub in schema.get('properties', {}).items():
            out[name] = skeleton(sub, depth + 1)
        for pat, sub in schema.get('patternProperties', {}).items():
            key = {'^[A-Z0-9_]+$': 'VCPU'}.get(pat)
            if key is None:
                key = UUID if '0-9a-fA-F' in pat else (
                    'resources1' if pat.startswith('^resources') else
                    pat.strip('^$').split('(')[0] or 'k')
            out[key] = skeleton(sub, depth + 1)
        return out
    if t == 'array':
        return [skeleton(schema.get('items', {}), depth + 1)]
    if t == 'string':
        if schema.get('format') == 'uuid':
            return UUID
        if 'enum' in schema:
            return schema['enum'][0]
        if 'pattern' in schema:
            return {'^CUSTOM_[A-Z0-9_]+$': 'CUSTOM_X',
                    '^[1-9][0-9]*$': '5'}.get(schema['pattern'], 'VCPU')
        return 'name'
    if t == 'integer':
        return 1
    if t == 'number':
        return 1.5
    return None


def nodes(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from nodes(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nodes(v, path + (i,))


def replaced(value, path, new):
    if not path:
        return new
    out = copy.deepcopy(value)
    cur = out
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = new
    return out


def instances(schema):
    base = skeleton(schema)
    yield base
    for path, node in list(nodes(base)):
        for w in WRONG:
            yield replaced(base, path, w)
        if isinstance(node, dict):
            for k in list(node):
                d = dict(node)
                del d[k]
                yield replaced(base, path, d)
            for extra in ({'bad_field': 1}, {'zz': 1, 'aa': 2},
                          {'lower': 1}):
                d = dict(node)
                d.update(extra)
                yield replaced(base, path, d)
        if isinstance(node, list):
            yield replaced(base, path, node + node)
            yield replaced(base, path, [])


def python_result(schema, inst):
    try:
        jsonschema.validate(inst, schema,
                            format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError as exc:
        return '%s\n\x02%s\n' % (exc.message, exc)
    return 'VALID\n'


def main():
    verbose = '-v' in sys.argv
    max_fails = 10
    if '-n' in sys.argv:
        max_fails = int(sys.argv[sys.argv.index('-n') + 1])
    tmp = tempfile.mkdtemp()
    drv = os.path.join(tmp, 'drv')
    with open(drv + '.c', 'w') as f:
        f.write(DRIVER)
    flags = subprocess.check_output(
        ['pkg-config', '--cflags', '--libs', 'json-c', 'apr-1',
         'libpcre2-8']).decode().split()
    subprocess.check_call(
        ['gcc', '-std=gnu99', '-O1', '-I', SRC, drv + '.c',
         os.path.join(SRC, 'jsonschema.c'),
         os.path.join(SRC, 'jsonschema_validate.c'),
         os.path.join(SRC, 'pyrepr.c'), '-o', drv, '-lm'] + flags)

    cases = []
    for fname in sorted(glob.glob(os.path.join(TOP, 'schema/json/*.json'))):
        with open(fname) as f:
            schema = json.load(f)
        seen = set()
        for inst in instances(schema):
            key = json.dumps(inst)
            if key not in seen:
                seen.add(key)
                cases.append((os.path.basename(fname), schema, inst))
    for schema, inst in EXTRA:
        cases.append(('extra', schema, inst))
    text = ''.join(json.dumps([s, i]) + '\n' for _, s, i in cases)
    out = subprocess.run([drv], input=text.encode(), capture_output=True,
                         check=True).stdout.decode()
    results = out.split('\x01\n')
    fails = 0
    for n, (fname, schema, inst) in enumerate(cases):
        got_v, got_r = results[2 * n], results[2 * n + 1]
        want_v = python_result(schema, inst)
        want_r = '%r\n\x02%s\n' % (inst, pprint.pformat(inst, width=72))
        for what, got, want in (('validate', got_v, want_v),
                                ('repr', got_r, want_r)):
            if got != want:
                fails += 1
                if fails <= max_fails:
                    print('MISMATCH %s %s instance=%s\n--- C:\n%s--- Python:'
                          '\n%s' % (what, fname, json.dumps(inst)[:300],
                                    got, want))
            elif verbose:
                print('ok', fname, json.dumps(inst)[:100])
    print('%d cases, %d mismatches' % (len(cases), fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
