#!/usr/bin/python3
"""
vCPUs as the scheduler sees them: `virsh vcpuinfo` (the host CPU each vCPU
runs on, its time, its affinity), `virsh vcpupin` live and --config and its
query, <cputune><vcpupin> applied when the guest starts, refusals by name,
and the same through the python binding.
"""
import re

import xenpvlab
from xenpvlab import libvirt, wait_for

NAME = 'vcpus-guest'
HOST_CPUS = 4


def vcpuinfo(lab, name):
    """[{'VCPU': '0', 'CPU': '2', 'State': 'running', 'CPU time': '0.1s',
    'CPU Affinity': 'yyyy'}, ...] from `virsh vcpuinfo`."""
    res = lab.virsh('vcpuinfo', name)
    out, cur = [], None
    for line in res.out.splitlines():
        if ':' not in line:
            continue
        k, v = (x.strip() for x in line.split(':', 1))
        if k == 'VCPU':
            cur = {}
            out.append(cur)
        if cur is not None:
            cur[k] = v
    return out


def pin_query(lab, name, *flags):
    """{vcpu: 'cpu list'} from `virsh vcpupin NAME` (the query)."""
    res = lab.virsh('vcpupin', name, *flags)
    pins = {}
    for line in res.out.splitlines():
        m = re.match(r'\s*(\d+)\s+(\S+)\s*$', line)
        if m:
            pins[int(m.group(1))] = m.group(2)
    return pins


def body(tap, lab):
    xml = xenpvlab.guest_xml(name=NAME, vcpus=2, max_vcpus=3,
                             cmdline='sim.workload=dirty sim.dirty_mbps=4')
    # vCPU 1 pinned in the definition, the rest by the domain's cpuset.
    xml = xml.replace("<vcpu ", "<vcpu cpuset='1-3' ", 1)
    xml = xml.replace('</vcpu>', '</vcpu><cputune><vcpupin vcpu="1" cpuset="2"/></cputune>', 1)
    res = lab.define(xml, start=True)
    if not tap.cmd_ok(res, 'define and start a guest with a cpuset and a <vcpupin>'):
        return

    info = vcpuinfo(lab, NAME)
    tap.eq(len(info), 2, 'vcpuinfo lists the 2 online vCPUs', lambda: repr(info))
    cpus = [v.get('CPU') for v in info]
    tap.ok(all(c is not None and c.isdigit() for c in cpus),
           'vcpuinfo: every vCPU runs on a host CPU (no -1)', repr(info))
    tap.ok(info and info[0].get('CPU') in ('1', '2', '3'),
           'vcpuinfo: vCPU 0 runs inside the cpuset 1-3', repr(info))
    tap.eq(info[1].get('CPU') if len(info) > 1 else None, '2',
           'vcpuinfo: vCPU 1 runs on host CPU 2, as pinned by <vcpupin>')
    tap.eq(info[1].get('CPU Affinity') if len(info) > 1 else None, '--y-',
           'vcpuinfo: vCPU 1 affinity is CPU 2 only')
    tap.eq(info[0].get('CPU Affinity') if info else None, '-yyy',
           'vcpuinfo: vCPU 0 affinity is the cpuset 1-3')

    def cpu_time():
        i = vcpuinfo(lab, NAME)
        return float(i[0]['CPU time'].rstrip('s')) if i else 0.0
    t0 = cpu_time()
    tap.ok(wait_for(lambda: cpu_time() > t0, 10), 'vcpuinfo: a busy vCPU accrues CPU time')

    tap.eq(pin_query(lab, NAME), {0: '1-3', 1: '2', 2: '1-3'},
           'vcpupin query (live): pins of all 3 vCPUs')

    res = lab.virsh('vcpupin', NAME, '0', '3', '--live')
    tap.cmd_ok(res, 'vcpupin 0 3 --live')
    info = vcpuinfo(lab, NAME)
    tap.eq(info[0].get('CPU') if info else None, '3', 'vcpuinfo: vCPU 0 moved to host CPU 3')
    tap.eq(info[0].get('CPU Affinity') if info else None, '---y', 'vcpuinfo: vCPU 0 affinity 3')
    tap.eq(pin_query(lab, NAME).get(0), '3', 'vcpupin query shows the live pin')
    tap.eq(pin_query(lab, NAME, '--config').get(0), '1-3',
           'vcpupin --config query: the persistent definition is unchanged')
    dumped = lab.virsh('dumpxml', NAME).out
    tap.like(dumped, r"<vcpupin vcpu=.0. cpuset=.3./>", 'live XML has <vcpupin vcpu=0 cpuset=3>')

    res = lab.virsh('vcpupin', NAME, '2', '0', '--config')
    tap.cmd_ok(res, 'vcpupin 2 0 --config (an offline vCPU)')
    tap.eq(pin_query(lab, NAME, '--config').get(2), '0', 'vcpupin --config query shows it')
    tap.eq(pin_query(lab, NAME).get(2), '1-3', 'the live pins are unchanged by --config')
    tap.like(lab.virsh('dumpxml', '--inactive', NAME).out, r"<vcpupin vcpu=.2. cpuset=.0./>",
             'inactive XML has <vcpupin vcpu=2 cpuset=0>')

    res = lab.virsh('vcpupin', NAME, '2', '0', '--live')
    tap.cmd_fails(res, 'vcpupin --live of an offline vCPU is refused', r'vCPU 2 .*not online')
    res = lab.virsh('vcpupin', NAME, '7', '0')
    tap.cmd_fails(res, 'vcpupin of a vCPU the domain does not have is refused', r'no vCPU 7')
    # (virsh and the binding check CPU numbers against the host themselves.)
    res = lab.virsh('vcpupin', NAME, '0', '%d' % (HOST_CPUS + 2), '--live')
    tap.cmd_fails(res, 'vcpupin to a CPU the host does not have is refused', r'exceed')
    dom = lab.conn().lookupByName(NAME)
    tap.libvirt_error(lambda: dom.pinVcpuFlags(0, (False,) * HOST_CPUS, libvirt.VIR_DOMAIN_AFFECT_LIVE),
                      libvirt.VIR_ERR_INVALID_ARG, 'pinning to no CPU at all', r'empty list')
    tap.eq(pin_query(lab, NAME).get(0), '3', 'a refused pin changes nothing')

    # The python binding: vcpus() and pinVcpuFlags.
    infos, maps = dom.vcpus()
    tap.eq([i[0] for i in infos], [0, 1], 'python vcpus(): numbers of the online vCPUs')
    tap.ok(all(i[3] >= 0 for i in infos), 'python vcpus(): host CPUs are real', repr(infos))
    dom.pinVcpuFlags(1, tuple(c in (0, 1) for c in range(HOST_CPUS)), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    infos, maps = dom.vcpus()
    tap.eq(maps[1][:HOST_CPUS], (True, True, False, False),
           'python pinVcpuFlags: vCPU 1 may run on CPUs 0-1')
    tap.eq(dom.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)[1][:HOST_CPUS],
           (False, False, True, False), 'python vcpuPinInfo --config: vCPU 1 on CPU 2')

    # The persistent pins are what a new start applies.
    tap.cmd_ok(lab.virsh('destroy', NAME), 'destroy')
    tap.cmd_ok(lab.virsh('setvcpus', NAME, '3', '--config'), 'setvcpus 3 --config')
    tap.cmd_ok(lab.virsh('start', NAME), 'start again')
    info = vcpuinfo(lab, NAME)
    tap.eq([v.get('CPU') for v in info][1:], ['2', '0'],
           'after a restart vCPUs 1 and 2 run where the definition pins them', repr(info))
    res = lab.virsh('vcpuinfo', '--pretty', NAME)
    tap.like(res.out, r'CPU Affinity:\s+0 \(out of %d\)' % HOST_CPUS, 'vcpuinfo --pretty: affinity 0')
    lab.virsh('destroy', NAME)

    res = lab.virsh('vcpuinfo', NAME)
    tap.cmd_ok(res, 'vcpuinfo of a shut-off guest reads the definition')
    tap.like(res.out, r'CPU:\s+N/A', 'vcpuinfo of a shut-off guest: CPU N/A')
    lab.virsh('undefine', NAME)


if __name__ == '__main__':
    xenpvlab.main(body, cpus=HOST_CPUS)
