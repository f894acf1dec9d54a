#!/usr/bin/python3
"""
How long the driver's operations take through Debian's stock libvirtd, as a
client sees them (python3-libvirt over libvirtd's socket), on the simulated
Xen host; and what running guests cost libvirtd in memory.

Runs inside a lab (tests/lab/enter.sh) like the integration tests:

    sudo tests/lab/enter.sh /usr/bin/python3 bench/driver-ops.py [ROUNDS] [GUESTS]

Prints a report (median and 90th percentile of each operation over ROUNDS,
libvirtd's resident memory before and with GUESTS small running guests);
bench/results/ keeps one per machine and date.  A benchmark, not a test: it
asserts nothing about speed.
"""
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                                'tests', 'integration'))
import xenpvlab  # noqa: E402


def rss_kib(pid):
    for line in xenpvlab.read_file('/proc/%d/status' % pid).splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return 0


def timed(samples, name, fn):
    start = time.perf_counter()
    result = fn()
    samples.setdefault(name, []).append(time.perf_counter() - start)
    return result


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(tap, lab, rounds, guests):
    conn = lab.conn()
    samples = {}
    save_path = os.path.join(xenpvlab.SCRATCH_DIR, 'bench.save')
    for i in range(rounds):
        xml = xenpvlab.guest_xml('x86_64', name='bench-%d' % i, memory_mib=128,
                                 cmdline='sim.workload=selfcheck')
        dom = timed(samples, 'define', lambda: conn.defineXML(xml))
        timed(samples, 'start', dom.create)
        timed(samples, 'suspend', dom.suspend)
        timed(samples, 'resume', dom.resume)
        timed(samples, 'save 128 MiB', lambda: dom.save(save_path))
        timed(samples, 'restore 128 MiB', lambda: conn.restore(save_path))
        os.unlink(save_path)
        dom = conn.lookupByName('bench-%d' % i)
        timed(samples, 'destroy', dom.destroy)
        timed(samples, 'undefine', dom.undefine)

    rss_before = rss_kib(lab.libvirtd_pid)
    start = time.perf_counter()
    for i in range(guests):
        xml = xenpvlab.guest_xml('x86_64', name='idle-%d' % i, memory_mib=16)
        conn.createXML(xml, 0)
    create_all = time.perf_counter() - start
    rss_with = rss_kib(lab.libvirtd_pid)
    start = time.perf_counter()
    listed = len(conn.listAllDomains(0))
    list_all = time.perf_counter() - start
    for dom in conn.listAllDomains(0):
        dom.destroy()

    print('# xenpv driver operations through libvirtd, simulated Xen host')
    print('# %s, %s, %d cores, %s' % (time.strftime('%Y-%m-%d'), platform.node(),
                                      os.cpu_count(), platform.release()))
    print('# %d rounds; seconds as python3-libvirt sees them' % rounds)
    print('%-18s %10s %10s' % ('operation', 'median', 'p90'))
    for name, values in samples.items():
        print('%-18s %10.4f %10.4f' % (name, statistics.median(values),
                                       percentile(values, 0.9)))
    print('# %d transient 16 MiB guests: created in %.2f s (%.1f ms each), '
          'listAllDomains of %d in %.4f s'
          % (guests, create_all, 1000 * create_all / max(guests, 1), listed, list_all))
    print('# libvirtd RSS: %d KiB before, %d KiB with %d guests (%.1f KiB per guest)'
          % (rss_before, rss_with, guests, (rss_with - rss_before) / max(guests, 1)))
    tap.ok(True, 'benchmark ran')


if __name__ == '__main__':
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    guests = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    xenpvlab.main(lambda tap, lab: run(tap, lab, rounds, guests),
                  memory_mib=rounds * 128 + guests * 16 + 4096)
