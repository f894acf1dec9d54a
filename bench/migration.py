#!/usr/bin/python3
"""
Live migration between two simulated Xen hosts, measured against the link.

Two hosts of the multi-host lab (tests/integration/xenpvhosts.py), xenpv-a
and xenpv-b, joined by the lab's veth pairs and bridge; each with its own
simulated Xen host and Debian's stock libvirtd loading this build's module.
For every link (unshaped, then tbf-shaped to 1 Gbit/s; 10 Gbit/s only if
the unshaped link carries more than that), guest size and dirty rate:

  - iperf3 measures the link in the direction of the migration, right
    before it (lab.measure_link), in the same run;
  - a selfcheck guest (sim.workload=selfcheck: all of its memory stamped,
    re-stamping sim.selfcheck_mbps MiB/s of it at random) migrates live,
    peer to peer, with the driver's downtime target (migrate-setmaxdowntime
    TARGET_MS) from xenpv-a to xenpv-b, then back without a target, under
    Xen's default policy (5 rounds, or fewer than 50 dirty pages);
  - the figures come from the jobs' completed statistics (the destination's
    for the downtime, from the moment the source stopped the guest to the
    moment the destination unpaused it), the guest is checked intact on
    arrival.

Runs inside a lab (tests/lab/enter.sh), like the integration tests; one
command from the source tree, after `ninja -C build`:

    sudo tests/lab/enter.sh /usr/bin/python3 bench/migration.py [--quick]
        [--sizes 256,1024,4096] [--dirty 0,10,50] [--links none,1gbit]
        [--target-ms 100] [--out bench/results/migration-DATE.txt]

--quick is 256 MiB and 1 GiB guests, idle and 50 %, the shaped link only
(a few minutes). Prints the table (and writes it with --out); a benchmark,
not a test: it asserts nothing about speed. bench/results/migration.md
says what was run, and what the figures show.
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                                'tests', 'integration'))
import libvirt  # noqa: E402
import xenpvhosts  # noqa: E402
import xenpvlab  # noqa: E402

MIB = 1 << 20
# Xen's default policy, for the table's notes (src/hypervisor/xenpv_precopy.h).
XEN_ROUNDS = 5
XEN_DIRTY_PAGES = 50
FLAGS = libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST


def completed_stats(dom):
    try:
        return dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED |
                            libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
    except libvirt.libvirtError as e:
        return {'error': str(e)}


def boot(tap, host, name, mib, dirty_mibps):
    xml = xenpvlab.guest_xml('x86_64', name=name, memory_mib=mib,
                             cmdline='sim.workload=selfcheck sim.selfcheck_mbps=%d' % dirty_mibps)
    res = host.define(xml, start=True)
    if not tap.cmd_ok(res, '%s: started on %s' % (name, host.name)):
        return False
    # Stamping the whole of a large guest's memory takes a while.
    ok, text = host.wait_selfcheck_ok(name, 60 + mib // 32)
    return tap.ok(ok, '%s: selfcheck OK on %s' % (name, host.name), repr(text))


def remove(host, name):
    host.virsh('destroy', name)
    host.virsh('undefine', name)


def migrate_once(tap, lab, src, dst, name, target_ms, resumes):
    """Migrate @name from @src to @dst with downtime target @target_ms (0:
    Xen's default policy); the row's figures, or None."""
    link_bps = lab.measure_link(src, dst, seconds=2)
    dom = src.conn().lookupByName(name)
    dom.migrateSetMaxDowntime(target_ms, 0)
    start = time.monotonic()
    try:
        dom.migrateToURI3(dst.uri('tcp'), {libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 0}, FLAGS)
        error = None
    except libvirt.libvirtError as e:
        error = str(e)
    wall = time.monotonic() - start
    if not tap.ok(error is None, '%s: migrated %s -> %s (target %d ms)'
                  % (name, src.name, dst.name, target_ms), error):
        return None
    out = completed_stats(src.conn().lookupByName(name))
    into = completed_stats(dst.conn().lookupByName(name))
    ok, text = dst.wait_selfcheck_ok(name, 120, min_resumes=resumes)
    tap.ok(ok, '%s: intact on %s' % (name, dst.name), repr(text))
    stream_bps = out.get('memory_bps', 0) * 8
    return {
        'link': link_bps,
        'wall': wall,
        'elapsed': out.get('time_elapsed', 0) / 1000.0,
        'ratio': stream_bps / link_bps if link_bps else 0,
        'stream_bps': stream_bps,
        'downtime': into.get('downtime', out.get('downtime')),
        'src_downtime': out.get('downtime'),
        'rounds': out.get('memory_iteration'),
        'dirty_mibps': out.get('memory_dirty_rate', 0) * 4096 / MIB,
        'data': out.get('data_processed', 0),
        'intact': ok,
    }


def fmt_row(link, mib, dirty_pct, dirty_mibps, policy, r):
    if r is None:
        return '%-7s %5d %4d%% %6.0f  %-10s  failed' % (link, mib, dirty_pct, dirty_mibps, policy)
    return ('%-7s %5d %4d%% %6.0f  %-10s %6.2f %7.0f %8.0f %6.3f %8s %6s %7.0f %6s'
            % (link, mib, dirty_pct, dirty_mibps, policy, r['elapsed'], r['link'] / 1e6,
               r['stream_bps'] / 1e6, r['ratio'],
               '-' if r['downtime'] is None else '%d' % r['downtime'],
               '-' if r['rounds'] is None else '%d' % r['rounds'],
               r['data'] / MIB, 'yes' if r['intact'] else 'NO'))


HEADER = ('%-7s %5s %5s %6s  %-10s %6s %7s %8s %6s %8s %6s %7s %6s'
          % ('link', 'MiB', 'dirty', 'MiB/s', 'policy', 'time', 'iperf3', 'stream',
             'ratio', 'downtime', 'rounds', 'sentMiB', 'intact'))
LEGEND = """\
# link: tc shaping of both hosts' links (none: the veth as it is)
# MiB: guest memory; dirty: asked-for dirty rate, % of the link iperf3
#   measured; MiB/s: that rate (sim.selfcheck_mbps); policy: target-N is the
#   driver's downtime target of N ms, xen-default is Xen's (5 rounds or < 50
#   dirty pages)
# time: the source's job, end to end (s); iperf3: Mbit/s on the link just
#   before; stream: the data channel's average Mbit/s over the stream;
#   ratio: stream / iperf3; downtime (ms): the destination's, from the
#   source's stop to the moment it lets the guest run; rounds: pre-copy
#   rounds (the last is the stop-and-copy); sentMiB: bytes through the data
#   channel"""


def run(tap, lab, args):
    a, b = lab.hosts[:2]
    sizes = [int(s) for s in args.sizes.split(',')]
    dirties = [int(d) for d in args.dirty.split(',')]
    links = args.links.split(',')
    lines = []

    def emit(line):
        lines.append(line)
        print(line, flush=True)

    emit('# live migration between two simulated Xen hosts, against iperf3 on the same link')
    emit('# %s, %s, %d cores, %s' % (time.strftime('%Y-%m-%d %H:%M'), platform.node(),
                                     os.cpu_count(), platform.release()))
    with open('/proc/loadavg') as f:
        emit('# load average at the start: %s' % ' '.join(f.read().split()[:3]))
    unshaped = lab.measure_link(a, b, seconds=3)
    emit('# the unshaped veth carries %.2f Gbit/s (iperf3, 3 s)' % (unshaped / 1e9))
    emit(LEGEND)
    emit(HEADER)
    for link in links:
        rate = None if link == 'none' else xenpvhosts.parse_rate(link)
        if rate is not None and rate > unshaped:
            emit('# %s skipped: the veth carries only %.2f Gbit/s' % (link, unshaped / 1e9))
            continue
        for h in (a, b):
            if rate is None:
                h.unshape_link()
            else:
                h.shape_link(rate=link)
        link_bps = lab.measure_link(a, b, seconds=2)
        for mib in sizes:
            for pct in dirties:
                dirty_mibps = int(link_bps / 8 / MIB * pct / 100)
                name = 'bench-%s-%d-%d' % (link, mib, pct)
                if not boot(tap, a, name, mib, dirty_mibps):
                    remove(a, name)
                    continue
                r = migrate_once(tap, lab, a, b, name, args.target_ms, 1)
                emit(fmt_row(link, mib, pct, dirty_mibps, 'target-%d' % args.target_ms, r))
                if r is not None:
                    r = migrate_once(tap, lab, b, a, name, 0, 2)
                    emit(fmt_row(link, mib, pct, dirty_mibps, 'xen-default', r))
                for h in (a, b):
                    remove(h, name)
        for h in (a, b):
            h.unshape_link()
    with open('/proc/loadavg') as f:
        emit('# load average at the end: %s' % ' '.join(f.read().split()[:3]))
    if args.out:
        with open(args.out, 'w') as f:
            f.write('\n'.join(lines) + '\n')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true')
    p.add_argument('--sizes', default='256,1024,4096', help='guest sizes, MiB')
    p.add_argument('--dirty', default='0,10,50', help='dirty rates, %% of the link')
    p.add_argument('--links', default='none,1gbit,10gbit',
                   help="tc rates ('none': unshaped)")
    p.add_argument('--target-ms', type=int, default=100)
    p.add_argument('--out')
    args = p.parse_args()
    if args.quick:
        args.sizes, args.dirty, args.links = '256,1024', '0,50', '1gbit'
    if args.out:
        args.out = os.path.abspath(args.out)
    biggest = max(int(s) for s in args.sizes.split(','))
    xenpvhosts.main(lambda tap, lab: run(tap, lab, args), hosts=2, stranger=False,
                    memory_mib=biggest + 1024,
                    xenpv_conf='migration_io_timeout = 30\n')


if __name__ == '__main__':
    main()
