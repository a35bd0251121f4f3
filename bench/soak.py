#!/usr/bin/python3
"""Memory soak against a running mod_placement loaded with bench.py's
1,000 root providers (tools/bench/perfload-data URL root 1000 2000):

    bench/soak.py URL PIDFILE [--seconds 600] [--every 30] [--warmup 60]

Mixed load in rounds (perfload candidates, unfiltered candidates, the
provider listing, `?resources=` listing, 15 s each at c10, then 5 s of
claims), while a sampler records each httpd child's RSS by pid every
--every seconds (a child followed, not a sorted column in which children
swap places).  The first --warmup seconds are load too but are reported
apart: a child's RSS climbs to its working size with its first large
answers, and flatness is what comes after.  Prints one line per sample
(pid:RSS/anonymous MB) and, per child, the lowest and highest RSS after the
warm-up and their spread ((max - min) / min).  bench.py --soak runs the same
on its nested data set; --nested runs those rounds here, against a server
loaded with `tools/bench/perfload-data URL nested 1000`."""
import argparse
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def children(pidfile):
    """{pid: (rss_mb, anon_mb)} of the httpd children (of the pid in pidfile)."""
    try:
        ppid = open(pidfile).read().strip()
    except OSError:
        return {}
    out = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            st = open('/proc/%s/status' % pid).read()
            if re.search(r'PPid:\s+(\d+)', st).group(1) != ppid:
                continue
            roll = open('/proc/%s/smaps_rollup' % pid).read()
        except (OSError, AttributeError):
            continue
        rss = int(re.search(r'VmRSS:\s+(\d+)', st).group(1)) / 1024
        m = re.search(r'Anonymous:\s+(\d+)', roll)
        out[int(pid)] = (rss, int(m.group(1)) / 1024 if m else 0)
    return out


def run(url, pidfile, seconds, paths, roots, every=30, log=print):
    """Rounds of wrk on each of paths (15 s, c10) and 5 s of claims on
    roots for seconds; returns [(t, {pid: (rss, anon)})] sampled every
    every seconds from the start (and once at the end)."""
    bench.srv_url['pl'] = url
    pl = bench.Client(url)
    claim = {'allocations': {'%RP%': {'resources': {'DISK_GB': 1}}},
             'project_id': bench.det_uuid('project'), 'user_id': bench.det_uuid('user'),
             'consumer_generation': None, 'consumer_type': 'INSTANCE'}
    t0 = time.time()
    t_end = t0 + seconds
    samples = []
    stop = threading.Event()

    def sample():
        samples.append((round(time.time() - t0), children(pidfile)))
        t, s = samples[-1]
        log('soak %4d s: child RSS/anon MB %s' % (t, '  '.join(
            '%d:%.0f/%.0f' % (p, r, an) for p, (r, an) in sorted(s.items()))))

    def sampler():
        k = 0
        while not stop.is_set():
            sample()
            k += 1
            stop.wait(max(0, t0 + k * every - time.time()))

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    k = 0
    while time.time() < t_end:
        for path in paths:
            left = t_end - time.time()
            if left < 1:
                break
            bench.wrk(url, path, int(min(15, left)), conns=10)
        if t_end - time.time() >= 1:
            group = roots[k % 10::10] or roots
            bench.claims('pl', pl, group, claim, 5,
                         '%08x' % (0x60000000 + (int(t0) & 0xffff) * 256 + k % 256))
        k += 1
    stop.set()
    th.join()
    sample()
    return samples


def summary(samples, warmup):
    """Per child after warmup seconds: (pid, min, max, spread %, in every sample)."""
    after = [s for t, s in samples if t >= warmup]
    out = []
    for p in sorted({p for s in after for p in s}):
        v = [s[p][0] for s in after if p in s]
        out.append((p, min(v), max(v), 100 * (max(v) - min(v)) / min(v),
                    all(p in s for s in after)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('url')
    ap.add_argument('pidfile')
    ap.add_argument('--seconds', type=int, default=600)
    ap.add_argument('--every', type=int, default=30)
    ap.add_argument('--warmup', type=int, default=60)
    ap.add_argument('--providers', type=int, default=1000)
    ap.add_argument('--nested', action='store_true',
                    help="bench.py --soak's rounds on its nested data set (--providers trees)")
    a = ap.parse_args()
    if a.nested:
        roots = [bench.det_uuid('nested', t, 'cn') for t in range(min(a.providers, 100))]
        paths = bench.SOAK_NESTED_PATHS
    else:
        roots = [bench.det_uuid('root', i) for i in range(a.providers)]
        paths = (bench.PERFLOAD_Q, '/allocation_candidates?' + bench.RES,
                 '/resource_providers', '/resource_providers?' + bench.RES)
    samples = run(a.url, a.pidfile, a.seconds, paths, roots, a.every,
                  log=lambda m: print(m, flush=True))
    print('RSS after the %d s warm-up (MB), per child: min max spread' % a.warmup)
    for p, lo, hi, spread, every in summary(samples, a.warmup):
        print('  %d: %.0f %.0f %.1f%%%s' % (p, lo, hi, spread, '' if every else ' (not in every sample)'))


if __name__ == '__main__':
    main()
