#!/usr/bin/env python3
"""List the longest C functions (lines from the signature to the closing
brace at column 0).  tools/function-lengths.py mod_placement/*.c tools/*.c;
env TOP=N lists N (default 15).  STYLE.md's bound is about 150."""
import re, sys, glob
rows = []
for path in sys.argv[1:]:
    lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
    i = 0
    while i < len(lines):
        l = lines[i]
        m = re.match(r'^[A-Za-z_][\w \*]*?\b([A-Za-z_]\w*)\s*\(', l)
        if m and not l.rstrip().endswith(';') and not l.startswith(('typedef', 'struct', 'static const', 'const')) or (m and l.startswith('static const') and '(' in l and '=' not in l):
            # find the opening brace at column 0 or end of a signature line
            j = i
            while j < len(lines) and not lines[j].rstrip().endswith('{') and not lines[j].rstrip().endswith(';'):
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith('{') and '=' not in lines[i].split('(')[0]:
                k = j + 1
                while k < len(lines) and lines[k] != '}':
                    k += 1
                rows.append((k - i + 1, path, i + 1, m.group(1)))
                i = k + 1
                continue
        i += 1
rows.sort(reverse=True)
n = int(__import__('os').environ.get('TOP', '15'))
for r in rows[:n]:
    print('%5d %s:%d %s' % r)
print('functions: %d, over 150 lines: %d, over 100: %d' % (len(rows), sum(1 for r in rows if r[0] > 150), sum(1 for r in rows if r[0] > 100)))
