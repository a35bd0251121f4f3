#!/usr/bin/python3
"""Run upstream Placement's own code (Debian python3-placement) against a
database, for t/db/roundtrip.sh.

  upstream.py migrate URL REVISION   alembic upgrade to REVISION (an older
                                     upstream schema, to test upgrades)
  upstream.py ensure-sync URL        upstream's boot-time standard trait and
                                     resource class sync
  upstream.py use URL                build upstream's WSGI app with loadapp()
                                     (which also runs ensure-sync) and drive
                                     its API through webob, no server needed;
                                     prints TAP lines without a plan
"""
import json
import sys
import tempfile
import uuid

from oslo_config import cfg
import webob

from placement import conf
from placement import db_api
from placement.db.sqlalchemy import migration
from placement import deploy

N = 0
FAILED = 0


def ok(cond, what):
    global N, FAILED
    N += 1
    if not cond:
        FAILED += 1
    print('%sok - upstream: %s' % ('' if cond else 'not ', what))


def make_config(url):
    with tempfile.NamedTemporaryFile('w', suffix='.conf') as f:
        f.write('[placement_database]\nconnection = %s\n'
                '[api]\nauth_strategy = noauth2\n' % url)
        f.flush()
        config = cfg.ConfigOpts()
        conf.register_opts(config)
        config([], project='placement', default_config_files=[f.name])
    db_api.configure(config)
    return config


def use(config):
    app = deploy.loadapp(config)

    def req(method, path, body=None, mv='1.39'):
        r = webob.Request.blank(path, method=method)
        r.headers['X-Auth-Token'] = 'admin'
        r.headers['OpenStack-API-Version'] = 'placement %s' % mv
        r.headers['Accept'] = 'application/json'
        if body is not None:
            r.body = json.dumps(body).encode()
            r.content_type = 'application/json'
        resp = r.get_response(app)
        try:
            data = json.loads(resp.body) if resp.body else None
        except ValueError:
            data = None
        return resp.status_int, data

    rp = str(uuid.uuid4())
    child = str(uuid.uuid4())
    cons = str(uuid.uuid4())
    agg = str(uuid.uuid4())

    st, d = req('GET', '/resource_classes')
    names = [c['name'] for c in d['resource_classes']] if d else []
    ok(st == 200 and 'VCPU' in names and 'MEMORY_MB' in names,
       'list resource classes (%d)' % len(names))
    st, d = req('GET', '/traits')
    ok(st == 200 and 'HW_CPU_X86_AVX2' in d['traits'],
       'list traits (%d)' % len(d['traits'] if d else []))
    st, _ = req('PUT', '/resource_classes/CUSTOM_RT_GOLD')
    ok(st == 201, 'create custom resource class (%d)' % st)
    st, _ = req('PUT', '/traits/CUSTOM_RT_FAST')
    ok(st == 201, 'create custom trait (%d)' % st)
    st, _ = req('POST', '/resource_providers', {'name': 'rt-root',
                                                 'uuid': rp})
    ok(st == 200, 'create provider (%d)' % st)
    st, _ = req('POST', '/resource_providers',
                {'name': 'rt-child', 'uuid': child, 'parent_provider_uuid': rp})
    ok(st == 200, 'create child provider (%d)' % st)
    st, d = req('PUT', '/resource_providers/%s/inventories' % rp, {
        'resource_provider_generation': 0,
        'inventories': {'VCPU': {'total': 8},
                        'MEMORY_MB': {'total': 4096, 'max_unit': 2048},
                        'CUSTOM_RT_GOLD': {'total': 2}}})
    ok(st == 200, 'set inventories (%d)' % st)
    st, d = req('PUT', '/resource_providers/%s/traits' % rp, {
        'resource_provider_generation': 1,
        'traits': ['HW_CPU_X86_AVX2', 'CUSTOM_RT_FAST']})
    ok(st == 200, 'set traits (%d)' % st)
    st, d = req('PUT', '/resource_providers/%s/aggregates' % rp, {
        'resource_provider_generation': 2, 'aggregates': [agg]})
    ok(st == 200, 'set aggregates (%d)' % st)
    st, d = req('PUT', '/allocations/%s' % cons, {
        'allocations': {rp: {'resources': {'VCPU': 2, 'MEMORY_MB': 512,
                                           'CUSTOM_RT_GOLD': 1}}},
        'project_id': str(uuid.uuid4()), 'user_id': str(uuid.uuid4()),
        'consumer_generation': None, 'consumer_type': 'INSTANCE'})
    ok(st == 204, 'put allocations with consumer_type (%d)' % st)
    st, d = req('GET', '/resource_providers/%s/usages' % rp)
    ok(st == 200 and d['usages'].get('VCPU') == 2, 'usages')
    st, d = req('GET', '/allocation_candidates?resources=VCPU:1,MEMORY_MB:256'
                '&required=HW_CPU_X86_AVX2&member_of=%s' % agg)
    ok(st == 200 and len(d['allocation_requests']) == 1,
       'allocation candidates (%d)' % st)
    st, d = req('GET', '/usages?project_id=x')
    ok(st == 200, 'project usages (%d)' % st)
    st, _ = req('DELETE', '/allocations/%s' % cons)
    ok(st == 204, 'delete allocations (%d)' % st)
    st, _ = req('DELETE', '/resource_providers/%s' % child)
    ok(st == 204, 'delete child provider (%d)' % st)
    st, _ = req('DELETE', '/resource_providers/%s' % rp)
    ok(st == 204, 'delete provider (%d)' % st)
    st, _ = req('DELETE', '/resource_classes/CUSTOM_RT_GOLD')
    ok(st == 204, 'delete custom resource class (%d)' % st)
    st, _ = req('DELETE', '/traits/CUSTOM_RT_FAST')
    ok(st == 204, 'delete custom trait (%d)' % st)
    return 1 if FAILED else 0


def main():
    cmd, url = sys.argv[1], sys.argv[2]
    config = make_config(url)
    if cmd == 'migrate':
        migration.upgrade(sys.argv[3])
        return 0
    if cmd == 'ensure-sync':
        deploy.update_database(config)
        return 0
    if cmd == 'use':
        return use(config)
    print('unknown command %s' % cmd, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
