#!/usr/bin/python3
"""
The host as libvirt describes it: NUMA cells in the capabilities,
`virsh freecell` (--all, --cellno, the total) against the simulated host's
free memory, and `virsh sysinfo` (the host's SMBIOS tables, as every libvirt
driver reports them).
"""
import re
import xml.etree.ElementTree as ET

import xenpvlab
from xenpvlab import libvirt

HOST_MIB = 4096
HOST_CPUS = 4


def sim_free_kib(lab):
    res = lab.simctl('info')
    m = re.search(r'free_pages\s*[:=]\s*(\d+)', res.out)
    return int(m.group(1)) * 4 if m else None


def body(tap, lab):
    caps = ET.fromstring(lab.virsh('capabilities').out)
    cells = caps.findall('host/topology/cells/cell')
    tap.eq(len(cells), 1, 'capabilities: the host has one NUMA cell')
    if cells:
        tap.eq(cells[0].findtext('memory'), str(HOST_MIB * 1024),
               'capabilities: cell 0 holds the host memory (KiB)')
        cpus = cells[0].findall('cpus/cpu')
        tap.eq([c.get('id') for c in cpus], [str(i) for i in range(HOST_CPUS)],
               'capabilities: cell 0 has the host CPUs')
        tap.ok(all(c.get('socket_id') == '0' and c.get('siblings') == c.get('id') for c in cpus),
               'capabilities: CPUs have a socket and themselves as siblings',
               lambda: ET.tostring(cells[0], encoding='unicode'))

    free = sim_free_kib(lab)
    res = lab.virsh('freecell', '--all', quiet=False)
    tap.cmd_ok(res, 'freecell --all')
    m = re.search(r'^\s*0:\s+(\d+) KiB', res.out, re.M)
    tap.ok(m is not None and free is not None and int(m.group(1)) == free,
           'freecell --all: cell 0 has the free memory of the host (%s KiB)' % free, res.out)
    tap.like(res.out, r'Total:\s+%s KiB' % free, 'freecell --all: the total is not 0')
    res = lab.virsh('freecell', '--cellno', '0')
    tap.like(res.out, r'^0: %s KiB' % free, 'freecell --cellno 0')
    res = lab.virsh('freecell', '--cellno', '1')
    tap.cmd_fails(res, 'freecell --cellno 1 is refused: the host has one cell', r'out of range')
    res = lab.virsh('freecell')
    tap.like(res.out, r'Total: %s KiB' % free, 'freecell: the total')

    # A guest takes memory: the cell's free memory goes down by as much.
    xml = xenpvlab.guest_xml(name='host-guest', memory_mib=256)
    tap.cmd_ok(lab.define(xml, start=True), 'start a guest of 256 MiB')
    after = sim_free_kib(lab)
    res = lab.virsh('freecell', '--all')
    tap.like(res.out, r'^\s*0:\s+%s KiB' % after, 'freecell --all follows the guest\'s memory')
    tap.ok(free is not None and after == free - 256 * 1024, 'the cell lost 256 MiB to the guest',
           '%r -> %r' % (free, after))
    cells = lab.conn().getCellsFreeMemory(0, 4)
    tap.eq(cells, [after * 1024], 'python getCellsFreeMemory: one cell, in bytes')
    lab.virsh('destroy', 'host-guest')
    lab.virsh('undefine', 'host-guest')

    res = lab.virsh('sysinfo')
    if res.rc != 0 and 'not available' in res.err:
        tap.diag(res.err.strip())
        tap.skip('sysinfo lists SMBIOS tables', 'this machine has none')
        tap.libvirt_error(lambda: lab.conn().getSysinfo(), libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                          'sysinfo without SMBIOS', r'SMBIOS information is not available')
    else:
        tap.cmd_ok(res, 'sysinfo')
        tap.ok(res.out.lstrip().startswith("<sysinfo type='smbios'>"),
               'sysinfo: an SMBIOS <sysinfo> document', res.out[:200])
        root = ET.fromstring(res.out)
        tap.ok(root.find('system') is not None or root.find('bios') is not None,
               'sysinfo: it describes the BIOS or the system', res.out[:400])


if __name__ == '__main__':
    xenpvlab.main(body, memory_mib=HOST_MIB, cpus=HOST_CPUS)
