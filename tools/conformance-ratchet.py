#!/usr/bin/python3
"""Fail when a conformance test recorded as passing now fails.

usage: conformance-ratchet.py EXPECTED RESULTS.json [--update]

EXPECTED lists "file.yaml :: test name" lines that passed before.  With
--update, tests passing now are added (the list only grows).
"""
import json
import sys


def passing(results):
    out = set()
    for f in results['files']:
        for t in f['tests']:
            if t['status'] == 'pass':
                out.add('%s :: %s' % (f['file'], t['name']))
    return out


def main(argv):
    expected_path, results_path = argv[1], argv[2]
    with open(results_path) as fh:
        now = passing(json.load(fh))
    try:
        with open(expected_path) as fh:
            expected = {l.rstrip('\n') for l in fh if l.strip()}
    except FileNotFoundError:
        expected = set()
    lost = sorted(expected - now)
    if '--update' in argv:
        with open(expected_path, 'w') as fh:
            fh.write(''.join(l + '\n' for l in sorted(expected | now)))
    print('conformance ratchet: %d expected, %d passing now, %d newly passing'
          % (len(expected), len(now), len(now - expected)))
    for line in lost:
        print('REGRESSION: ' + line)
    return 1 if lost else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
