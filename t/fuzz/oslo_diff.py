#!/usr/bin/python3
"""Differential test of mod_placement's policy rule engine against
oslo.policy (Debian python3-oslo.policy): random rules are parsed and
evaluated by both and the results compared.

  gcc -std=gnu99 -I mod_placement $(pkg-config --cflags apr-1) \
      t/fuzz/oslo_diff.c mod_placement/policy_rule.c \
      $(pkg-config --libs apr-1) -o /tmp/oslo_diff
  /usr/bin/python3 t/fuzz/oslo_diff.py /tmp/oslo_diff [N]
"""
import logging
import random
import subprocess
import sys

from oslo_policy import _checks, _parser

logging.disable(logging.CRITICAL)

ATOMS = ['role:admin', 'role:ADMIN', 'role:%(x)s', 'role:%(nokey)s',
         'roles:admin', 'roles:Admin', 'project_id:%(project_id)s',
         'project_id:p', 'user_id:%(user_id)s', 'user_id:None',
         'system_scope:all', 'system:all', 'domain_id:None',
         'is_admin_project:True', "'admin':%(x)s", 'True:%(b)s', '42:%(n)s',
         'None:None', 'nosuch:x', 'rule:undefined', '@', '!',
         'project_id.a:p', 'roles.x:admin', 'service_roles:x',
         '(', ')', '((', '))', '(role:reader', 'role:x)', 'and', 'or', 'not',
         'AND', 'Or', 'NOT']
OPS = ['and', 'or', 'and not', 'or not']


def creds(i):
    c = dict(user_id='u', user_domain_id=None, system_scope=None,
             domain_id=None, project_id='p', project_domain_id=None,
             roles=['Admin', 'reader'], is_admin_project=True,
             service_user_id=None, service_user_domain_id=None,
             service_project_id=None, service_project_domain_id=None,
             service_roles=[])
    if i == 1:
        c.update(project_id=None, system_scope='all', roles=['admin'],
                 system='all')
    if i == 2:
        c.update(user_id=None, roles=[])
    return c


def oslo(rule, ci, ti):
    if rule:
        st = _parser.ParseState()
        for tok, val in _parser._parse_tokenize(rule):
            st.shift(tok, val)
        if len(st.values) != 1 or not isinstance(st.values[0],
                                                 _checks.BaseCheck):
            return 'ERR', 'ERR'
        chk = st.values[0]
    else:
        chk = _checks.TrueCheck()
    cr = creds(ci)
    if ti:
        tg = dict(project_id='p', x='admin', n='42', b='True')
    else:
        tg = dict(project_id=cr['project_id'], user_id=cr['user_id'])

    class Enf:
        rules = {}
    try:
        res = str(int(bool(_checks._check(chk, tg, cr, Enf(), None))))
    except TypeError:
        res = '-1'
    return str(chk), res


def main():
    drv = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    random.seed(n)
    cases = []
    for _ in range(n):
        if random.random() < 0.5:
            r = ' '.join(random.choice(ATOMS)
                         for _ in range(random.randint(1, 12)))
        else:
            r = random.choice(ATOMS[:25])
            for _ in range(random.randint(0, 5)):
                r += ' %s %s' % (random.choice(OPS), random.choice(ATOMS[:25]))
        cases.append((r, random.randint(0, 2), random.randint(0, 1)))
    inp = ''.join('%s\t%d\t%d\n' % c for c in cases)
    out = subprocess.run([drv], input=inp, capture_output=True,
                         text=True).stdout.split('\n')
    bad = 0
    for c, o in zip(cases, out):
        want = '\t'.join(oslo(*c))
        if want != o:
            bad += 1
            if bad <= 10:
                print('MISMATCH %r: oslo %r ours %r' % (c, want, o))
    print('%d of %d cases differ' % (bad, len(cases)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
