#!/usr/bin/python3
"""Write the standard resource classes and traits for placement-dbsync.

Reads the installed os-resource-classes and os-traits libraries, so that a
newer catalogue only needs this script re-run, not a C change.

  schema/data/resource_classes.txt  "<id> <name>", id = position in
                                    os_resource_classes.STANDARDS (upstream
                                    uses that index as the row id)
  schema/data/traits.txt            one trait name a line, sorted

Usage: tools/gen-standard-data.py [OUTDIR]   (default: schema/data)
"""
import os
import sys

import os_resource_classes
import os_traits


def write(path, lines):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        for line in lines:
            f.write(line + '\n')
    os.replace(tmp, path)


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        top, 'schema', 'data')
    os.makedirs(outdir, exist_ok=True)

    classes = ['%d %s' % (i, name)
               for i, name in enumerate(os_resource_classes.STANDARDS)]
    # Custom names are never standard data; guard against a catalogue bug.
    traits = sorted(t for t in os_traits.get_traits()
                    if not os_traits.is_custom(t))

    write(os.path.join(outdir, 'resource_classes.txt'), classes)
    write(os.path.join(outdir, 'traits.txt'), traits)
    print('%d resource classes, %d traits -> %s'
          % (len(classes), len(traits), outdir))


if __name__ == '__main__':
    main()
