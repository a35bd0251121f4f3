#!/usr/bin/python3
"""Dump upstream placement's JSON request schemas to schema/json/.

Run with /usr/bin/python3 (upstream placement is installed there):
    /usr/bin/python3 tools/gen-schemas.py [outdir]

Every public module-level dict of placement.schemas.* that looks like a
JSON schema is written as <module>.<CONSTANT>.json.  Upstream derives
many schemas from others by (deep)copying and editing them; the dumped
files hold the final values.

Keys are written in upstream's insertion order, NOT sorted: jsonschema
checks keywords in dict order and best_match() breaks ties by order, so
the order decides which error message a client sees.
"""

import importlib
import json
import os
import pkgutil
import re
import sys

import placement.handlers
import placement.schemas

SCHEMA_KEYWORDS = {'type', 'properties', 'patternProperties', 'anyOf',
                   'oneOf', 'allOf', '$ref', 'items', 'enum'}


def looks_like_schema(value):
    return isinstance(value, dict) and bool(SCHEMA_KEYWORDS & set(value))


def collect():
    found = {}
    for mod in pkgutil.iter_modules(placement.schemas.__path__):
        module = importlib.import_module('placement.schemas.' + mod.name)
        for name, value in vars(module).items():
            if name.startswith('_') or name != name.upper():
                continue
            if looks_like_schema(value):
                found['%s.%s' % (mod.name, name)] = value
    return found


def handler_references():
    """Schema names the handlers refer to, as (module, CONSTANT) pairs."""
    refs = set()
    hdir = os.path.dirname(placement.handlers.__file__)
    for fname in sorted(os.listdir(hdir)):
        if not fname.endswith('.py'):
            continue
        with open(os.path.join(hdir, fname)) as f:
            text = f.read()
        aliases = dict(
            (alias, mod) for mod, alias in re.findall(
                r'from placement\.schemas import (\w+) as (\w+)', text))
        for alias, mod in aliases.items():
            for const in re.findall(r'\b%s\.([A-Z][A-Z0-9_]*)' % alias, text):
                refs.add((mod, const))
        # allocation_candidate builds 'GET_SCHEMA_%d_%d' from a list
        m = re.search(r'_GET_SCHEMA_MICROVERSIONS = \[(.*?)\]', text, re.S)
        if m:
            for maj, mnr in re.findall(r'\((\d+), (\d+)\)', m.group(1)):
                refs.add((aliases['schema'],
                          'GET_SCHEMA_%s_%s' % (maj, mnr)))
    return refs


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', 'schema', 'json')
    os.makedirs(outdir, exist_ok=True)
    schemas = collect()
    missing = ['%s.%s' % r for r in handler_references()
               if '%s.%s' % r not in schemas]
    if missing:
        sys.exit('handler schemas not exported: %s' % ', '.join(missing))
    for name, value in sorted(schemas.items()):
        with open(os.path.join(outdir, name + '.json'), 'w') as f:
            json.dump(value, f, indent=2)
            f.write('\n')
    print('wrote %d schemas to %s' % (len(schemas), outdir))


if __name__ == '__main__':
    main()
