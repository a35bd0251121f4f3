#!/usr/bin/python3
"""mod_placement against upstream Placement on upstream's perfload data sets.

bench/run starts both servers on one MariaDB server (one database each) and
calls this driver.  The data sets are loaded through mod_placement's API and
then copied table by table into upstream's database, so both serve exactly
the same rows.  Python 3 standard library and wrk only.

Data sets (after upstream's gate/perfload-runner.sh, whose placeload tool is
not packaged, and gate/gabbits/nested-perfload.yaml):
  root    N root providers: VCPU 64 (ratio 16), MEMORY_MB 262144 (ratio
          1.5), DISK_GB 20480; one of three aggregates (the first is
          placeload's static 14a5c8a3-...); each of five CPU/disk traits
          with probability 1/2.  All choices derive from the index, so the
          1,000 set grows into the 10,000 set.
  nested  trees of 7 providers: compute node (DISK_GB,
          COMPUTE_VOLUME_MULTI_ATTACH), two NUMA nodes (VCPU, MEMORY_MB,
          HW_NUMA_ROOT, numa1 also CUSTOM_FOO), FPGA and VGPU children.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

STATIC_AGG = '14a5c8a3-5a99-4e8f-88be-00d85fcb1c17'
AGGS = [STATIC_AGG, 'a6a1bbd6-3cf7-4a8b-9d2b-5b3e8c2f0a01',
        'c3f0c2d4-7b1e-4f61-8e5a-2d9f4b6a0b02']
TRAITS = ['HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE42',
          'HW_CPU_X86_MMX', 'STORAGE_DISK_SSD']
RES = 'resources=VCPU:1,DISK_GB:10,MEMORY_MB:256'
PERFLOAD_Q = '/allocation_candidates?%s&member_of=%s&required=HW_CPU_X86_AVX2' % (RES, STATIC_AGG)
NESTED_Q = ('/allocation_candidates?resources=DISK_GB:10&required=COMPUTE_VOLUME_MULTI_ATTACH'
            '&resources_COMPUTE=VCPU:1,MEMORY_MB:256&required_COMPUTE=CUSTOM_FOO'
            '&resources_FPGA=FPGA:1&group_policy=none&same_subtree=_COMPUTE,_FPGA')
# bench.py --soak's rounds (bench/soak.py --nested)
SOAK_NESTED_PATHS = (NESTED_Q, '/resource_providers', '/allocation_candidates?resources=VGPU:1')
HEADERS = {'X-Auth-Token': 'admin', 'OpenStack-API-Version': 'placement 1.39',
           'Accept': 'application/json'}
TABLES = ['resource_classes', 'traits', 'projects', 'users', 'consumer_types', 'consumers',
          'placement_aggregates', 'resource_providers', 'inventories', 'allocations',
          'resource_provider_aggregates', 'resource_provider_traits']


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def det_uuid(*parts):
    h = hashlib.sha1(':'.join(str(p) for p in parts).encode()).hexdigest()
    return '%s-%s-4%s-8%s-%s' % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])


# ---------------------------------------------------------------- HTTP

class Client:
    """One keep-alive connection per thread."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port or 80
        self.local = threading.local()
        self.retries = 0

    def conn(self):
        c = getattr(self.local, 'c', None)
        if c is None:
            c = self.local.c = http.client.HTTPConnection(self.host, self.port, timeout=600)
        return c

    def req(self, method, path, body=None, expect=None):
        hdrs = dict(HEADERS)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs['Content-Type'] = 'application/json'
        for attempt in range(6):
            c = self.conn()
            try:
                c.request(method, path, data, hdrs)
                r = c.getresponse()
                raw = r.read()
            except (http.client.HTTPException, OSError):
                c.close()
                self.local.c = None
                if attempt == 5:
                    raise
                continue
            # a write that lost a database deadlock left nothing behind:
            # send it again, as clients do
            if r.status == 409 and b'concurrent_update' in raw and attempt < 5 \
                    and b'generation' not in raw:
                self.retries += 1
                time.sleep(0.05 * (attempt + 1))
                continue
            break
        doc = json.loads(raw) if raw and raw[:1] in (b'{', b'[') else None
        if expect and r.status not in expect:
            raise RuntimeError('%s %s -> %d %s' % (method, path, r.status, raw[:300]))
        return r.status, doc, len(raw)


def parallel(fn, items, workers=8):
    with ThreadPoolExecutor(workers) as ex:
        for _ in ex.map(fn, items):
            pass


# ---------------------------------------------------------------- data sets

def root_provider(c, i):
    u = det_uuid('root', i)
    h = hashlib.sha1(b'traits:%d' % i).digest()
    c.req('POST', '/resource_providers', {'uuid': u, 'name': 'rp-%05d' % i}, (200,))
    c.req('PUT', '/resource_providers/%s/inventories' % u, {
        'resource_provider_generation': 0, 'inventories': {
            'VCPU': {'total': 64, 'allocation_ratio': 16.0},
            'MEMORY_MB': {'total': 262144, 'allocation_ratio': 1.5},
            'DISK_GB': {'total': 20480}}}, (200,))
    c.req('PUT', '/resource_providers/%s/aggregates' % u, {
        'resource_provider_generation': 1, 'aggregates': [AGGS[h[0] % 3]]}, (200,))
    traits = [t for k, t in enumerate(TRAITS) if h[1 + k] & 1]
    c.req('PUT', '/resource_providers/%s/traits' % u, {
        'resource_provider_generation': 2, 'traits': traits}, (200,))


NESTED = [  # role, parent, inventories, traits
    ('cn', None, {'DISK_GB': {'total': 20480}}, ['COMPUTE_VOLUME_MULTI_ATTACH']),
    ('n0', 'cn', {'VCPU': {'total': 4, 'reserved': 2},
                  'MEMORY_MB': {'total': 2048, 'min_unit': 512, 'step_size': 256}},
     ['HW_NUMA_ROOT']),
    ('fpga0_0', 'n0', {'FPGA': {'total': 1}}, None),
    ('pgpu0_0', 'n0', {'VGPU': {'total': 8}}, None),
    ('n1', 'cn', {'VCPU': {'total': 4},
                  'MEMORY_MB': {'total': 2048, 'min_unit': 256, 'max_unit': 1024}},
     ['HW_NUMA_ROOT', 'CUSTOM_FOO']),
    ('fpga1_0', 'n1', {'FPGA': {'total': 1}}, None),
    ('fpga1_1', 'n1', {'FPGA': {'total': 1}}, None),
]


def nested_tree(c, t):
    ids = {role: det_uuid('nested', t, role) for role, *_ in NESTED}
    for role, parent, inv, traits in NESTED:
        body = {'uuid': ids[role], 'name': '%s-%05d' % (role, t)}
        if parent:
            body['parent_provider_uuid'] = ids[parent]
        c.req('POST', '/resource_providers', body, (200,))
        c.req('PUT', '/resource_providers/%s/inventories' % ids[role],
              {'resource_provider_generation': 0, 'inventories': inv}, (200,))
        if traits:
            c.req('PUT', '/resource_providers/%s/traits' % ids[role],
                  {'resource_provider_generation': 1, 'traits': traits}, (200,))


# ---------------------------------------------------------------- database

class DB:
    def __init__(self, socket, pl_db, ref_db):
        self.socket, self.pl, self.ref = socket, pl_db, ref_db

    def sql(self, text, db=None):
        cmd = ['mariadb', '-S', self.socket, '-uroot', '-N', '-B']
        if db:
            cmd.append(db)
        return subprocess.run(cmd, input=text, capture_output=True, text=True,
                              check=True).stdout

    def copy_to_ref(self):
        """upstream's database := mod_placement's, row for row."""
        # ids are copied as they are: VCPU's is 0, which AUTO_INCREMENT would renumber
        stmts = ["SET FOREIGN_KEY_CHECKS=0; SET sql_mode='NO_AUTO_VALUE_ON_ZERO';"]
        for t in TABLES:
            stmts.append('DELETE FROM `%s`.`%s`;' % (self.ref, t))
            stmts.append('INSERT INTO `%s`.`%s` SELECT * FROM `%s`.`%s`;'
                         % (self.ref, t, self.pl, t))
        self.sql('\n'.join(stmts))

    def wipe(self, db):
        self.sql('SET FOREIGN_KEY_CHECKS=0;' + ''.join(
            'DELETE FROM `%s`.`%s`;' % (db, t) for t in TABLES
            if t not in ('resource_classes', 'traits')))

    def slow_log_on(self, on):
        """Log every statement of connections opened from now on (the
        settings are per session, taken from the globals at connect)."""
        if on:
            self.sql("SET GLOBAL log_output='TABLE'; SET GLOBAL long_query_time=0; "
                     "SET GLOBAL slow_query_log=1;")
        else:
            self.sql('SET GLOBAL slow_query_log=0; SET GLOBAL long_query_time=10;')

    def slow_log(self, fn, db):
        """Run fn; what the statements of database db cost meanwhile."""
        self.sql('TRUNCATE mysql.slow_log;')
        fn()
        out = self.sql("SELECT COUNT(*), COALESCE(SUM(TIME_TO_SEC(query_time)),0), "
                       "COALESCE(SUM(rows_examined),0), COALESCE(SUM(rows_sent),0) "
                       "FROM mysql.slow_log WHERE db = '%s' AND (sql_text NOT LIKE 'SET %%' "
                       "OR sql_text LIKE 'SET STATEMENT %% FOR %%')"   # not SET NAMES etc.
                       % db).split()
        top = self.sql("SELECT TIME_TO_SEC(query_time), rows_examined, rows_sent, "
                       "LEFT(REPLACE(sql_text, '\\n', ' '), 150) FROM mysql.slow_log "
                       "WHERE db = '%s' ORDER BY query_time DESC LIMIT 3" % db)
        return {'statements': int(out[0]), 'sql_ms': float(out[1]) * 1000,
                'rows_examined': int(out[2]), 'rows_sent': int(out[3]),
                'top': top.strip().split('\n')}


# ---------------------------------------------------------------- measuring

def wrk(url, path, seconds, conns=10, script='reads.lua', env=None):
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = ['wrk', '-t2', '-c%d' % conns, '-d%ds' % seconds, '--timeout', '60s',
           '-s', os.path.join(here, script)]
    for k, v in HEADERS.items():
        cmd += ['-H', '%s: %s' % (k, v)]
    cmd.append(url + path)
    out = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, **(env or {}))).stdout
    m = re.search(r'Requests/sec:\s+([\d.]+)', out)
    doc = json.loads(out.split('BENCH ', 1)[1].splitlines()[0])
    doc['rps'] = float(m.group(1)) if m else 0.0
    # the slowest request: how long one abandoned at the deadline may still run
    m = re.search(r'Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b', out)
    if m:
        doc['max_ms'] = float(m.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000, 'm': 60000}[m.group(2)]
    return doc


def settle(c, last=None):
    """Wait until requests wrk abandoned at its end have finished: as long
    as the slowest request of that run took (they started before its end,
    and the load only falls after it), then one request answered.  (That
    one alone is not enough: a server with free threads answers it while
    the abandoned ones still run, and they would run under the next
    measurement, the other server's.)"""
    t0 = time.time()
    if last and last.get('max_ms'):
        time.sleep(min(last['max_ms'], 60000) / 1000)
    c.req('GET', '/')
    return time.time() - t0


def seq_latency(c, path, samples):
    c.req('GET', path, expect=(200,))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        _, doc, size = c.req('GET', path, expect=(200,))
        times.append((time.perf_counter() - t0) * 1000)
    n = len(doc.get('allocation_requests', doc.get('resource_providers', [])))
    return {'median_ms': statistics.median(times), 'min_ms': min(times), 'results': n,
            'bytes': size}


def one_request(c, path):
    t0 = time.perf_counter()
    c.req('GET', path, expect=(200,))
    return {'median_ms': (time.perf_counter() - t0) * 1000}


def rss_of_children(pidfile, match):
    """RSS (MB) of the processes whose parent is the pid in pidfile and
    whose command line contains match (httpd children; mod_wsgi daemons)."""
    try:
        ppid = open(pidfile).read().strip()
    except OSError:
        return []
    out = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            st = open('/proc/%s/status' % pid).read()
            cmd = open('/proc/%s/cmdline' % pid, 'rb').read().replace(b'\0', b' ').decode()
        except OSError:
            continue
        pp = re.search(r'PPid:\s+(\d+)', st).group(1)
        if pp == ppid and match in cmd:
            out.append(int(re.search(r'VmRSS:\s+(\d+)', st).group(1)) / 1024)
    return sorted(out)


# ---------------------------------------------------------------- claims

def claims(name, srv, rps, body, seconds, tag):
    """Concurrent claims for new consumers, then the usages check."""
    with tempfile.NamedTemporaryFile('w', delete=False) as pf, \
            tempfile.NamedTemporaryFile('w', delete=False) as bf:
        pf.write('\n'.join(rps) + '\n')
        json.dump(body, bf)
    before = {u: srv.req('GET', '/resource_providers/%s/usages' % u)[1]['usages']
              for u in rps}
    try:
        r = wrk(srv_url[name], '/', seconds, script='claims.lua',
                env={'BENCH_PROVIDERS': pf.name, 'BENCH_BODY': bf.name, 'BENCH_TAG': tag})
    finally:
        os.unlink(pf.name)
        os.unlink(bf.name)
    # requests wrk abandoned at its deadline may still be running: wait
    # until the usages stop moving before checking them
    last, t_end = None, time.time() + 120
    while time.time() < t_end:
        now = [srv.req('GET', '/resource_providers/%s/usages' % u)[1]['usages']
               for u in rps[:50]]
        if now == last:
            break
        last = now
        time.sleep(2)
    # every provider's usage moved by exactly the allocations of this run's
    # consumers, and those allocations are the body's
    mine, bad = 0, []
    for u in rps:
        allocs = srv.req('GET', '/resource_providers/%s/allocations' % u)[1]['allocations']
        usages = srv.req('GET', '/resource_providers/%s/usages' % u)[1]['usages']
        want = dict(before[u])
        for consumer, a in allocs.items():
            if consumer[24:32] != tag:
                continue
            mine += 1
            if a['resources'] != body['allocations']['%RP%']['resources']:
                bad.append('%s: %s' % (consumer, a['resources']))
            for rc, n in a['resources'].items():
                want[rc] = want.get(rc, 0) + n
        if {k: v for k, v in usages.items() if v} != {k: v for k, v in want.items() if v}:
            bad.append('%s usages %s != %s' % (u, usages, want))
    r['consumers'] = mine
    # wrk stops counting at its deadline; requests it abandoned may still
    # have completed (at most one per connection)
    r['usages_exact'] = not bad and 0 < r['ok'] <= mine <= r['ok'] + 10
    r['problems'] = bad[:5]
    return r


# ---------------------------------------------------------------- driver

srv_url = {}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--pl', required=True, help='mod_placement URL')
    ap.add_argument('--ref', required=True, help='upstream URL')
    ap.add_argument('--socket', required=True, help='MariaDB socket (root access)')
    ap.add_argument('--pl-db', default='bench_pl')
    ap.add_argument('--ref-db', default='bench_ref')
    ap.add_argument('--pl-pidfile', required=True)
    ap.add_argument('--ref-pidfile', required=True)
    ap.add_argument('--ref-restart', required=True, help='command restarting upstream')
    ap.add_argument('--pl-restart', required=True, help='command restarting mod_placement')
    ap.add_argument('--small', type=int, default=1000)
    ap.add_argument('--large', type=int, default=10000)
    ap.add_argument('--trees', type=int, default=1000)
    ap.add_argument('--seconds', type=int, default=10, help='each wrk run')
    ap.add_argument('--samples', type=int, default=7, help='sequential requests')
    ap.add_argument('--soak', type=int, default=0,
                    help='seconds of mixed load on mod_placement, RSS of each child sampled every 30 s')
    ap.add_argument('--out', help='write all results as JSON here')
    a = ap.parse_args()

    srv_url.update(pl=a.pl, ref=a.ref)
    pl, ref = Client(a.pl), Client(a.ref)
    srv = {'pl': pl, 'ref': ref}
    db = DB(a.socket, a.pl_db, a.ref_db)
    rows, results = [], {'meta': {'load_before': os.getloadavg(), 'args': vars(a)}}

    def both(label, fn, better='rps'):
        r = {}
        for name in ('ref', 'pl'):
            r[name] = fn(name)
            settle(srv[name], r[name])
        results[label] = r
        rows.append((label, r, better))
        log('%-44s upstream %s | mod_placement %s' % (label, short(r['ref'], better),
                                                      short(r['pl'], better)))
        return r

    def restart_both():
        subprocess.run(a.ref_restart, shell=True, check=True)
        subprocess.run(a.pl_restart, shell=True, check=True)
        ref.local = threading.local()
        pl.local = threading.local()

    def refresh_ref():
        db.copy_to_ref()
        subprocess.run(a.ref_restart, shell=True, check=True)
        ref.local = threading.local()

    # ---- 1,000 root providers
    t0 = time.time()
    pl.req('PUT', '/traits/CUSTOM_FOO')
    parallel(lambda i: root_provider(pl, i), range(a.small))
    results['load_small_s'] = time.time() - t0
    log('loaded %d root providers in %.1f s (%d deadlock retries)' % (a.small, results['load_small_s'], pl.retries))
    refresh_ref()
    N = '%s providers' % format(a.small, ',')
    both('candidates, %s, c10' % N,
         lambda n: wrk(srv_url[n], PERFLOAD_Q, a.seconds))
    both('candidates unfiltered, %s, c10' % N,
         lambda n: wrk(srv_url[n], '/allocation_candidates?' + RES, a.seconds))
    both('GET /resource_providers?resources, %s, c10' % N,
         lambda n: wrk(srv_url[n], '/resource_providers?' + RES, a.seconds))
    both('GET /resource_providers (all), %s, c10' % N,
         lambda n: wrk(srv_url[n], '/resource_providers', a.seconds))
    rp_uuids = [det_uuid('root', i) for i in range(a.small)]
    claim = {'allocations': {'%RP%': {'resources': {'VCPU': 1, 'MEMORY_MB': 256,
                                                    'DISK_GB': 10}}},
             'project_id': det_uuid('project'), 'user_id': det_uuid('user'),
             'consumer_generation': None, 'consumer_type': 'INSTANCE'}
    both('claims, spread over %s, c10' % N,
         lambda n: claims(n, srv[n], rp_uuids, claim, a.seconds, '%08x' % (int(time.time()) & 0xffffffff)))
    hot = dict(claim, allocations={'%RP%': {'resources': {'MEMORY_MB': 16}}})
    both('claims, one hot provider, c10',
         lambda n: claims(n, srv[n], rp_uuids[:1], hot, a.seconds, '%08x' % ((int(time.time()) + 7) & 0xffffffff)))

    # ---- 10,000 root providers (the 1,000 grown; allocations from the claims kept)
    t0 = time.time()
    parallel(lambda i: root_provider(pl, i), range(a.small, a.large))
    results['load_large_s'] = time.time() - t0
    log('grown to %d root providers in %.1f s' % (a.large, results['load_large_s']))
    refresh_ref()
    N = '%s providers' % format(a.large, ',')
    both('candidates, %s, one request' % N,
         lambda n: seq_latency(srv[n], PERFLOAD_Q, a.samples), better='ms')
    both('candidates &limit=5, %s, one request' % N,
         lambda n: seq_latency(srv[n], PERFLOAD_Q + '&limit=5', a.samples), better='ms')
    both('candidates, %s, c10' % N,
         lambda n: wrk(srv_url[n], PERFLOAD_Q, a.seconds))
    both('candidates &limit=5, %s, c10' % N,
         lambda n: wrk(srv_url[n], PERFLOAD_Q + '&limit=5', a.seconds))
    both('GET /resource_providers?resources, %s, c10' % N,
         lambda n: wrk(srv_url[n], '/resource_providers?' + RES, a.seconds))
    # SQL time: both servers restarted so that their new connections log
    # every statement, then restarted again without
    results['rss_mb_large'] = {'pl': rss_of_children(a.pl_pidfile, 'apache2'),
                               'ref': rss_of_children(a.ref_pidfile, 'wsgi')}
    db.slow_log_on(True)
    restart_both()
    sql = {}
    for name, dbname in (('ref', a.ref_db), ('pl', a.pl_db)):
        for key, path in ((name, PERFLOAD_Q), (name + '_limit5', PERFLOAD_Q + '&limit=5')):
            seq_latency(srv[name], path, 2)
            box = {}
            sql[key] = db.slow_log(lambda: box.update(one_request(srv[name], path)),
                                   dbname)
            sql[key]['total_ms'] = box['median_ms']
    results['sql_time'] = sql
    db.slow_log_on(False)
    restart_both()

    # ---- nested perfload
    db.wipe(a.pl_db)
    t0 = time.time()
    parallel(lambda t: nested_tree(pl, t), range(a.trees))
    results['load_nested_s'] = time.time() - t0
    log('loaded %d nested trees in %.1f s' % (a.trees, results['load_nested_s']))
    refresh_ref()
    N = '%s trees (%s providers)' % (format(a.trees, ','), format(a.trees * 7, ','))
    both('nested candidates, %s, one request' % N,
         lambda n: seq_latency(srv[n], NESTED_Q, 3), better='ms')
    both('nested candidates, %s, c10' % N,
         lambda n: wrk(srv_url[n], NESTED_Q, a.seconds))

    results['rss_mb'] = {'pl': rss_of_children(a.pl_pidfile, 'apache2'),
                         'ref': rss_of_children(a.ref_pidfile, 'wsgi')}
    if a.soak:
        results['soak_rss_mb'] = soak(a, pl)
        results['rss_mb_after_soak'] = rss_of_children(a.pl_pidfile, 'apache2')
    results['meta']['load_after'] = os.getloadavg()
    report(rows, results)
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(results, f, indent=1)


def soak(a, pl):
    """Mixed reads, candidates and claims against mod_placement (nested data
    set) for a.soak seconds, each child's RSS sampled by pid every 30 s
    (bench/soak.py)."""
    import soak as soakmod
    roots = [det_uuid('nested', t, 'cn') for t in range(min(a.trees, 100))]
    samples = soakmod.run(a.pl, a.pl_pidfile, a.soak, SOAK_NESTED_PATHS, roots, 30, log=log)
    return [(t, {str(p): r for p, (r, _) in s.items()}) for t, s in samples]


def short(r, better):
    if better == 'ms':
        return '%.1f ms (%d results)' % (r['median_ms'], r['results'])
    s = '%.1f req/s p99 %.0f ms' % (r['rps'], r['p99_ms'])
    if 'usages_exact' in r:
        s += ', 409: %d, other 4xx: %d, 5xx: %d, usages %s' % (
            r['conflict'], r['bad'], r['s5xx'], 'exact' if r['usages_exact'] else 'WRONG')
    elif r.get('s5xx') or r.get('bad'):
        s += ' (non-2xx %d)' % (r['s5xx'] + r['bad'])
    return s


def report(rows, results):
    print('| scenario | upstream | mod_placement | ratio |')
    print('|---|---|---|---|')
    for label, r, better in rows:
        if better == 'ms':
            ratio = r['ref']['median_ms'] / max(r['pl']['median_ms'], 1e-6)
        else:
            ratio = r['pl']['rps'] / max(r['ref']['rps'], 1e-6)
        zero = better != 'ms' and not (r['ref']['rps'] and r['pl']['rps'])
        print('| %s | %s | %s | %s |' % (label, short(r['ref'], better),
                                         short(r['pl'], better),
                                         'n/a' if zero else '%.1fx' % ratio))
    s = results['sql_time']
    print()
    print('Candidates query at the large scale, one request, every statement in the slow log:')
    print()
    print('| server | total | SQL | statements | rows examined | rows sent |')
    print('|---|---|---|---|---|---|')
    for name, label in (('ref', 'upstream'), ('pl', 'mod_placement'),
                        ('ref_limit5', 'upstream, &limit=5'),
                        ('pl_limit5', 'mod_placement, &limit=5')):
        x = s[name]
        print('| %s | %.1f ms | %.1f ms | %d | %d | %d |' % (
            label, x['total_ms'], x['sql_ms'], x['statements'], x['rows_examined'],
            x['rows_sent']))
    print()
    for key, when in (('rss_mb_large', 'after the root-provider scenarios'),
                      ('rss_mb', 'at the end (servers restarted after the SQL timing)')):
        print('Child RSS %s (MB): mod_placement %s; upstream mod_wsgi %s' % (
            when, ', '.join('%.0f' % x for x in results[key]['pl']),
            ', '.join('%.0f' % x for x in results[key]['ref'])))
        print()
    print("Slowest statements of mod_placement's candidates request (s, examined, sent, text):")
    print()
    for line in s['pl']['top']:
        print('    ' + line)
    if 'soak_rss_mb' in results:
        import soak as soakmod
        samples = results['soak_rss_mb']
        pids = sorted({p for _, s in samples for p in s})
        print()
        print('Soak (mixed load on mod_placement), RSS (MB) of each child (by pid) by time:')
        print()
        print('    %6s  %s' % ('', '  '.join('%6s' % p for p in pids)))
        for t, s in samples:
            print('    %4d s  %s' % (t, '  '.join('%6s' % ('%.0f' % s[p] if p in s else '-')
                                               for p in pids)))
        print()
        print('After the first 60 s (warm-up: a child grows to its working size with '
              'its first large answers), per child: lowest, highest, spread:')
        print()
        for p, lo, hi, spread, every in soakmod.summary(
                [(t, {k: (v, 0) for k, v in s.items()}) for t, s in samples], 60):
            print('    %s: %.0f-%.0f MB, %.1f%%%s' % (p, lo, hi, spread,
                                                   '' if every else ' (not in every sample)'))
    print()
    print('Load average before %s, after %s' % (
        ' '.join('%.2f' % x for x in results['meta']['load_before']),
        ' '.join('%.2f' % x for x in results['meta']['load_after'])))


if __name__ == '__main__':
    main()
