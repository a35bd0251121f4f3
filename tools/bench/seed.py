#!/usr/bin/python3
"""Seed a Placement server for benchmarks: N compute nodes with VCPU,
MEMORY_MB and DISK_GB inventory (half with HW_CPU_X86_AVX2).  Prints the
provider uuids, one a line.  usage: seed.py URL [N]"""
import json
import sys
import urllib.request
import uuid

url, n = sys.argv[1].rstrip('/'), int(sys.argv[2]) if len(sys.argv) > 2 else 100


def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode()
                                 if body is not None else None,
                                 headers={'x-auth-token': 'admin',
                                          'openstack-api-version': 'placement 1.39',
                                          'content-type': 'application/json'})
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


tag = uuid.uuid4().hex[:8]
for i in range(n):
    rp = call('POST', '/resource_providers', {'name': 'bench-%s-%d' % (tag, i)})
    u = rp['uuid']
    inv = call('PUT', '/resource_providers/%s/inventories' % u, {
        'resource_provider_generation': rp['generation'],
        'inventories': {
            'VCPU': {'total': 64, 'allocation_ratio': 16.0},
            'MEMORY_MB': {'total': 262144, 'allocation_ratio': 1.5},
            'DISK_GB': {'total': 2000}}})
    if i % 2 == 0:
        call('PUT', '/resource_providers/%s/traits' % u, {
            'resource_provider_generation': inv['resource_provider_generation'],
            'traits': ['HW_CPU_X86_AVX2']})
    print(u)
