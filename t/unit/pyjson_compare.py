#!/usr/bin/python3
"""Compare pl_pyjson_error with what upstream's jsonutils.loads raises.

Feeds generated and mutated JSON texts (bytes) to Python -- UTF-8 decode,
then json.loads, as oslo_serialization.jsonutils.loads does -- and to a
small driver around mod_placement/pyjson_error.c, and reports every text
where the two disagree (acceptance or message).

    t/unit/pyjson_compare.py [-n COUNT] [--seed N] [--driver PATH] [-v]

Without --driver it compiles one in a temporary directory (gcc, apr-1-config).
Nesting stays shallow: Python's RecursionError depends on the caller's stack
(the unit test covers PL_PYJSON_MAX_DEPTH, measured against upstream).
Exit status 1 on any mismatch.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

DRIVER_C = r'''
#include "pyjson_error.h"
#include <stdio.h>
#include <stdlib.h>
#include <apr_general.h>
int main(void)
{
    apr_pool_t *p;
    size_t n;
    apr_initialize();
    apr_pool_create(&p, NULL);
    while (scanf("%zu", &n) == 1) {
        char *b = malloc(n + 1);
        const char *m;
        getchar();
        if (fread(b, 1, n, stdin) != n) return 1;
        m = pl_pyjson_error(p, b, n);
        printf("%s\n", m ? m : "OK");
        free(b);
        apr_pool_clear(p);
    }
    return 0;
}
'''


def build_driver(tmp):
    src = os.path.join(tmp, 'driver.c')
    exe = os.path.join(tmp, 'driver')
    with open(src, 'w') as f:
        f.write(DRIVER_C)
    flags = subprocess.check_output(
        ['apr-1-config', '--cflags', '--cppflags', '--includes']).decode().split()
    libs = subprocess.check_output(['apr-1-config', '--link-ld', '--libs']).decode().split()
    subprocess.check_call(['gcc', '-std=gnu99', '-O1', '-g', '-fsanitize=address,undefined',
                           '-I' + os.path.join(TOP, 'mod_placement')] + flags
                          + ['-o', exe, src, os.path.join(TOP, 'mod_placement', 'pyjson_error.c')]
                          + libs)
    return exe


def python_says(body):
    """What placement.util.extract_json puts after 'Malformed JSON: '."""
    try:
        json.loads(body.decode('utf-8'))
    except RecursionError as e:
        return 'RECURSION ' + str(e)
    except ValueError as e:
        return str(e)
    return 'OK'


# --- generation ------------------------------------------------------------

ATOMS = ['0', '-0', '1', '-1', '12', '1.5', '-0.25', '1e5', '1E+2', '2e-3', '1.5e10',
         '123456789012345678901234567890', '1e999', '-1e999', 'true', 'false', 'null',
         'NaN', 'Infinity', '-Infinity', '""', '"a"', '"\\u00e9"', '"\\ud83d\\ude00"',
         '"\\ud800"', '"\\udc00x"', '"\\ud800\\u0041"', '"\\n\\t\\"\\\\\\/\\b\\f\\r"',
         '"\u00e9t\u00e9"', '"\u2603"', '"\U0001F600"', '"\\u0000"', '"x\\u1234y"']

NOISE = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '\r', '\t', '\x0c', '\x0b',
         '\x00', '\x01', '\x1f', '\x7f', 'a', 'u', 'x', 'e', 'E', '.', '-', '+', '0', '1',
         '9', 'n', 't', 'f', 'N', 'I', 'nul', 'tru', 'fals', 'Na', 'Infinit', '-Inf',
         '\\u', '\\ud800\\u', '\\q', '\\x41', '\u00e9', '\u2603', '\U0001F600', '\ufeff',
         "'", 'True', 'None', '//', '/*', '01', '1.', '.5', '1e', '1e+', '-.1']

BAD_BYTES = [b'\xff', b'\xfe', b'\x80', b'\xbf', b'\xc0\x80', b'\xc1\xbf', b'\xc2',
             b'\xc3\x28', b'\xe0\x80\x80', b'\xe0\xa0', b'\xe2\x82', b'\xe2\x28\xa1',
             b'\xe2\x82\x28', b'\xed\xa0\x80', b'\xed\x9f\xbf', b'\xef\xbb\xbf',
             b'\xf0\x80\x80\x80', b'\xf0\x90', b'\xf0\x90\x80', b'\xf0\x90\x28\x80',
             b'\xf0\x90\x80\x28', b'\xf4\x8f\xbf\xbf', b'\xf4\x90\x80\x80', b'\xf5\x80',
             b'\xf8\x88\x80\x80\x80', b'\xc3\xa9']


def gen_value(rnd, depth=0):
    r = rnd.random()
    if depth > 4 or r < 0.45:
        return rnd.choice(ATOMS)
    ws = lambda: rnd.choice(['', '', '', ' ', '\n', ' \r\n\t', '  '])
    if r < 0.72:
        items = [gen_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
        return '[' + ws() + (ws() + ',' + ws()).join(items) + ws() + ']'
    keys = ['"a"', '"b"', '"name"', '"uuid"', '"\\u00e9"', '"k\\"q"', '"a"']
    items = [rnd.choice(keys) + ws() + ':' + ws() + gen_value(rnd, depth + 1)
             for _ in range(rnd.randint(0, 4))]
    return '{' + ws() + (ws() + ',' + ws()).join(items) + ws() + '}'


def mutate(rnd, text):
    b = bytearray(text.encode('utf-8'))
    for _ in range(rnd.randint(1, 3)):
        op = rnd.random()
        pos = rnd.randint(0, len(b))
        if op < 0.3 and b:                      # delete a run
            del b[pos:pos + rnd.randint(1, 3)]
        elif op < 0.55:                         # insert noise
            b[pos:pos] = rnd.choice(NOISE).encode('utf-8')
        elif op < 0.65:                         # insert invalid UTF-8
            b[pos:pos] = rnd.choice(BAD_BYTES)
        elif op < 0.8 and b:                    # replace a byte
            b[min(pos, len(b) - 1)] = rnd.choice(b'{}[],:"\\ \n0a-.eE\x01')
        elif op < 0.9:                          # truncate
            del b[pos:]
        else:                                   # duplicate a slice
            q = rnd.randint(0, len(b))
            b[pos:pos] = b[min(pos, q):max(pos, q)]
    return bytes(b)


def cases(rnd, count):
    fixed = [b'', b' ', b'\n', b'{}', b'[]', b'\xef\xbb\xbf{}', b'{} x', b'{}\n\n  x',
             b'"\\ud800\\udc00', b'"\\ud800\\udc00"', b'"\\ud800\\udc0"',
             b'1' * 4300, b'1' * 4301, b'-' + b'1' * 4301, b'[' + b'1' * 4301 + b'x',
             b'1.' + b'1' * 5000, b'1' + b'0' * 4300 + b'e1', b'{"a":1,"a":2}']
    for t in fixed:
        yield t
    for i in range(count):
        v = gen_value(rnd).encode('utf-8')
        if i % 4 == 0:
            yield v
        else:
            yield mutate(rnd, v.decode('utf-8'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-n', type=int, default=5000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--driver')
    ap.add_argument('-v', action='store_true')
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    texts = list(cases(rnd, args.n))

    with tempfile.TemporaryDirectory() as tmp:
        exe = args.driver or build_driver(tmp)
        feed = b''.join(b'%d\n' % len(t) + t for t in texts)
        env = dict(os.environ, ASAN_OPTIONS='detect_leaks=0')
        out = subprocess.run([exe], input=feed, stdout=subprocess.PIPE, env=env,
                             check=True).stdout.decode('utf-8').split('\n')

    bad = valid = 0
    for t, c in zip(texts, out):
        py = python_says(t)
        valid += py == 'OK'
        if py != c:
            bad += 1
            if bad <= 30 or args.v:
                print('MISMATCH %r\n  python: %s\n  C:      %s' % (t[:120], py, c))
    print('%d texts (%d valid, %d invalid), %d mismatches'
          % (len(texts), valid, len(texts) - valid, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
