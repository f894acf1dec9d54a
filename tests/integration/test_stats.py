#!/usr/bin/python3
"""
Statistics: `virsh domstats` and getAllDomainStats (what virt-manager's
graphs poll: state, cpu-total, balloon, vcpu, interface, block), domblkstat,
domifstat, dommemstat, cpu-stats, nodecpustats and nodememstats, with
figures from the simulated host that move with the guest's workload.
"""
import os
import re

import xenpvlab
from xenpvlab import libvirt, wait_for

NAME = 'stats-guest'
HOST_CPUS = 4
HOST_MIB = 4096
DISK_BYTES = 64 << 20
# The dirty workload at 8 MiB/s writes 2 MiB/s to its disks and sends
# 1 MiB/s (docs/simhost.md).
CMDLINE = 'sim.workload=dirty sim.dirty_mbps=8'


def domstats(lab, *args):
    """{key: value} of `virsh domstats ARGS` (the first domain's record)."""
    res = lab.virsh('domstats', *args)
    out = {}
    for line in res.out.splitlines():
        line = line.strip()
        if '=' in line:
            k, v = line.split('=', 1)
            out[k] = v
    return out


def kv_lines(text):
    """{name: number} of virsh's lines 'xvdb rd_req 18', 'actual 262144',
    'user:  1234' or 'total  :  4194304 KiB'."""
    out = {}
    for line in text.splitlines():
        words = [w.rstrip(':') for w in line.split() if w not in (':', 'KiB')]
        if len(words) >= 2 and re.match(r'^-?\d+$', words[-1]):
            out[words[-2]] = int(words[-1])
    return out


def body(tap, lab):
    extra = [
        "<disk type='file' device='disk'><source file='/var/lib/xenpv/images/stats-data.img'/>"
        "<target dev='xvdb' bus='xen'/></disk>",
        "<interface type='bridge'><mac address='00:16:3e:5a:00:01'/><source bridge='xenbr0'/></interface>",
        "<interface type='bridge'><mac address='00:16:3e:5a:00:02'/><source bridge='xenbr1'/></interface>",
    ]
    xml = xenpvlab.guest_xml(name=NAME, cmdline=CMDLINE, vcpus=2, max_vcpus=3,
                             memory_mib=256, extra_devices=extra)
    tap.cmd_ok(lab.define(xml), 'define a guest with two disks and two interfaces')

    # A shut-off guest: its state only.
    st = domstats(lab, NAME)
    tap.eq(st.get('state.state'), '5', 'domstats of a shut-off guest: state 5 (shut off)')
    tap.ok('cpu.time' not in st and 'block.count' not in st,
           'domstats of a shut-off guest: nothing but its state', repr(st))

    tap.cmd_ok(lab.virsh('start', NAME), 'start')
    domid = lab.domid(NAME)

    st = domstats(lab, NAME)
    tap.eq(st.get('state.state'), '1', 'domstats: state.state 1 (running)')
    tap.eq(st.get('state.reason'), '1', 'domstats: state.reason 1 (booted)')
    tap.ok(int(st.get('cpu.time', '0')) > 0, 'domstats: cpu.time', repr(st))
    tap.eq(st.get('balloon.current'), str(256 * 1024), 'domstats: balloon.current')
    tap.eq(st.get('balloon.maximum'), str(256 * 1024), 'domstats: balloon.maximum')
    tap.ok(0 < int(st.get('balloon.unused', '-1')) < 256 * 1024,
           'domstats: balloon.unused, as the guest reports it', repr(st))
    tap.eq((st.get('vcpu.current'), st.get('vcpu.maximum')), ('2', '3'),
           'domstats: vcpu.current 2 of vcpu.maximum 3')
    tap.eq((st.get('vcpu.0.state'), st.get('vcpu.2.state')), ('1', '0'),
           'domstats: vcpu.0 running, vcpu.2 offline')
    tap.ok('vcpu.1.time' in st, 'domstats: vcpu.N.time')
    tap.eq(st.get('net.count'), '2', 'domstats: net.count 2')
    tap.eq(st.get('net.1.name'), 'vif%d.1' % domid, 'domstats: net.1.name is the vif')
    tap.ok(int(st.get('net.0.rx.pkts', '0')) >= 1 and int(st.get('net.0.tx.bytes', '0')) > 0,
           'domstats: net.0 has counters (DHCP at boot, then traffic)', repr(st))
    tap.eq(st.get('block.count'), '2', 'domstats: block.count 2')
    tap.eq(st.get('block.1.name'), 'xvdb', 'domstats: block.1.name')
    tap.eq(st.get('block.1.path'), '/var/lib/xenpv/images/stats-data.img', 'domstats: block.1.path')
    tap.ok(int(st.get('block.1.rd.bytes', '0')) >= 1 << 20,
           'domstats: block.1.rd.bytes has the boot read', repr(st))
    tap.eq(st.get('block.1.capacity'), str(DISK_BYTES), 'domstats: block.1.capacity')

    def grew(key, before):
        return lambda: int(domstats(lab, NAME).get(key, '0')) > int(before.get(key, '0'))
    for key in ('cpu.time', 'vcpu.0.time', 'block.0.wr.bytes', 'block.1.wr.reqs',
                'net.1.tx.bytes', 'net.0.rx.pkts'):
        tap.ok(wait_for(grew(key, st), 10), 'domstats: %s moves with the workload' % key)

    only = domstats(lab, '--block', NAME)
    tap.ok('block.count' in only and 'cpu.time' not in only and 'state.state' not in only,
           'domstats --block: that group only', repr(only))
    res = lab.virsh('domstats', '--perf', '--enforce', NAME)
    tap.cmd_fails(res, 'domstats --perf --enforce is refused', r'not supported')

    # The python binding, as virt-manager calls it.
    conn = lab.conn()
    flags = (libvirt.VIR_DOMAIN_STATS_STATE | libvirt.VIR_DOMAIN_STATS_CPU_TOTAL |
             libvirt.VIR_DOMAIN_STATS_VCPU | libvirt.VIR_DOMAIN_STATS_BALLOON |
             libvirt.VIR_DOMAIN_STATS_BLOCK | libvirt.VIR_DOMAIN_STATS_INTERFACE)
    recs = dict((d.name(), s) for d, s in conn.getAllDomainStats(flags, 0))
    tap.ok(NAME in recs and recs[NAME].get('vcpu.current') == 2,
           'getAllDomainStats: the guest, with typed values', lambda: repr(recs))
    recs = conn.getAllDomainStats(flags, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE)
    tap.eq(recs, [], 'getAllDomainStats --inactive: no inactive domains')
    dom = conn.lookupByName(NAME)
    recs = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_BALLOON)
    tap.ok(len(recs) == 1 and 'balloon.current' in recs[0][1],
           'domainListGetStats: balloon of the one domain', repr(recs))

    # domblkstat: one disk, all of them summed, a wrong name.
    one = kv_lines(lab.virsh('domblkstat', NAME, 'xvdb').out)
    tap.ok(one.get('rd_bytes', 0) >= 1 << 20 and 'wr_req' in one and 'flush_operations' in one,
           'domblkstat xvdb', repr(one))
    byPath = kv_lines(lab.virsh('domblkstat', NAME, '/var/lib/xenpv/images/stats-data.img').out)
    tap.ok(byPath.get('rd_bytes', -1) >= one.get('rd_bytes', 0), 'domblkstat by source path',
           repr(byPath))
    allDisks = kv_lines(lab.virsh('domblkstat', NAME).out)
    tap.ok(allDisks.get('rd_bytes', 0) >= 2 << 20, 'domblkstat with no disk: every disk summed',
           repr(allDisks))
    res = lab.virsh('domblkstat', NAME, 'xvdz')
    tap.cmd_fails(res, 'domblkstat of a disk the guest does not have', r"no disk 'xvdz'")
    bs = dom.blockStats('xvda')
    tap.ok(len(bs) == 5 and bs[0] > 0 and bs[4] == 0, 'python blockStats', repr(bs))

    # domifstat: by the vif's name and by MAC.
    ifs = kv_lines(lab.virsh('domifstat', NAME, 'vif%d.1' % domid).out)
    tap.ok(ifs.get('tx_bytes', 0) > 0, 'domifstat by the vif name', repr(ifs))
    ifs = kv_lines(lab.virsh('domifstat', NAME, '00:16:3e:5a:00:01').out)
    tap.ok(ifs.get('rx_packets', 0) >= 1, 'domifstat by MAC', repr(ifs))
    res = lab.virsh('domifstat', NAME, 'vif99.9')
    tap.cmd_fails(res, 'domifstat of an interface the guest does not have', r'vif99.9')

    # dommemstat, and after ballooning.
    mem = kv_lines(lab.virsh('dommemstat', NAME).out)
    tap.eq(mem.get('actual'), 256 * 1024, 'dommemstat: actual')
    tap.eq(mem.get('available'), 256 * 1024, 'dommemstat: available (the maximum)')
    tap.ok(0 < mem.get('unused', -1) < 256 * 1024, 'dommemstat: unused', repr(mem))
    tap.cmd_ok(lab.virsh('setmem', NAME, '128M'), 'setmem 128M')
    tap.ok(wait_for(lambda: kv_lines(lab.virsh('dommemstat', NAME).out).get('actual') == 128 * 1024,
                    10), 'dommemstat: actual follows the balloon')
    tap.ok(wait_for(lambda: domstats(lab, '--balloon', NAME).get('balloon.current') ==
                    str(128 * 1024), 10), 'domstats: balloon.current follows too')

    # cpu-stats: the total, and per vCPU as libvirt's Xen driver gives it.
    res = lab.virsh('cpu-stats', NAME)
    tap.cmd_ok(res, 'cpu-stats')
    tap.like(res.out, r'CPU0:\s+cpu_time\s+[\d.]+ seconds', 'cpu-stats: vCPU 0')
    tap.like(res.out, r'Total:\s+cpu_time\s+[\d.]+ seconds', 'cpu-stats: the total')
    tot = dom.getCPUStats(True)
    tap.ok(tot and tot[0].get('cpu_time', 0) > 0, 'python getCPUStats(total)', repr(tot))

    # The host.
    res = lab.virsh('nodecpustats')
    cpu = kv_lines(res.out)
    tap.ok('user' in cpu and 'idle' in cpu, 'nodecpustats: user and idle', res.out)
    tap.ok(cpu.get('user', 0) > 0, 'nodecpustats: the CPUs have been busy', res.out)
    res = lab.virsh('nodecpustats', '--cpu', '1')
    tap.cmd_ok(res, 'nodecpustats --cpu 1')
    res = lab.virsh('nodecpustats', '--cpu', str(HOST_CPUS + 5))
    tap.cmd_fails(res, 'nodecpustats of a CPU the host does not have', r'no CPU')
    res = lab.virsh('nodecpustats', '--percent')
    tap.like(res.out, r'usage:\s+[\d.]+%', 'nodecpustats --percent: usage')
    before = conn.getCPUStats(-1)
    tap.ok(wait_for(lambda: conn.getCPUStats(-1)['user'] > before['user'], 10),
           'python getCPUStats: busy time moves while the guest works')

    res = lab.virsh('nodememstats')
    mem = kv_lines(res.out)
    tap.eq(mem.get('total'), HOST_MIB * 1024, 'nodememstats: total', res.out)
    sim = lab.simctl('info').out
    free = re.search(r'free_pages\s*[:=]\s*(\d+)', sim)
    tap.eq(mem.get('free'), int(free.group(1)) * 4 if free else None,
           'nodememstats: free is the simulated host\'s', res.out)
    res = lab.virsh('nodememstats', '--cell', '0')
    tap.eq(kv_lines(res.out).get('total'), HOST_MIB * 1024, 'nodememstats --cell 0')
    res = lab.virsh('nodememstats', '--cell', '3')
    tap.cmd_fails(res, 'nodememstats of a cell the host does not have', r'no NUMA cell 3')

    # Queries of a guest that is not running are refused by name.
    lab.virsh('destroy', NAME)
    for args in (('domblkstat', NAME, 'xvda'), ('domifstat', NAME, '00:16:3e:5a:00:01'),
                 ('dommemstat', NAME), ('cpu-stats', NAME)):
        res = lab.virsh(*args)
        tap.cmd_fails(res, '%s of a shut-off guest is refused' % args[0], r'not running')
    lab.virsh('undefine', NAME)


if __name__ == '__main__':
    xenpvlab.main(body, cpus=HOST_CPUS, memory_mib=HOST_MIB)
