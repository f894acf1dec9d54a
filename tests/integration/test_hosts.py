#!/usr/bin/python3
"""
The multi-host lab (xenpvhosts) works: two simulated Xen hosts, each with
its own libvirtd that answers locally and over TCP and TLS from the other,
distinct names and host UUIDs, per-host simulated hosts and knobs, storage
shared by both and private to one, a link that can be cut, restored, shaped
and measured, and a stranger that can reach a host's port.
"""
import os
import xml.etree.ElementTree as ET

import xenpvhosts
import xenpvlab

LOCAL = 'xen:///system'


def capabilities(host):
    res = host.virsh('capabilities')
    try:
        return ET.fromstring(res.out)
    except ET.ParseError:
        return None


def daemons(tap, lab):
    a, b = lab.hosts
    names = {}
    for h in lab.hosts:
        res = h.virsh('hostname')
        tap.cmd_ok(res, '%s: virsh -c %s answers inside the host' % (h.name, LOCAL))
        names[h.name] = res.out.strip()
        tap.eq(res.out.strip(), h.name, '%s: virsh hostname names the host' % h.name)
    for src, dst in ((a, b), (b, a)):
        res = src.virsh('hostname', uri=dst.uri('tcp'))
        tap.ok(res.rc == 0 and res.out.strip() == dst.name,
               '%s: virsh -c %s reaches %s' % (src.name, dst.uri('tcp'), dst.name), str(res))
        res = src.virsh('hostname', uri=dst.uri('tls'))
        tap.ok(res.rc == 0 and res.out.strip() == dst.name,
               '%s: virsh -c %s reaches %s with the lab PKI' % (src.name, dst.uri('tls'),
                                                              dst.name), str(res))
    uuids = {}
    for h in lab.hosts:
        caps = capabilities(h)
        uuids[h.name] = None if caps is None else caps.findtext('host/uuid')
        tap.eq(uuids[h.name], h.host_uuid, '%s: capabilities give its own host UUID' % h.name)
    tap.ok(len(set(uuids.values())) == 2, 'the host UUIDs differ', repr(uuids))
    for h in lab.hosts:
        for path in (xenpvhosts.CA_CERT, xenpvhosts.SERVER_CERT, xenpvhosts.SERVER_KEY,
                     xenpvhosts.CLIENT_CERT, xenpvhosts.CLIENT_KEY):
            tap.ok(os.path.getsize(h.path(path)) > 0, '%s: %s is there' % (h.name, path))

    # The test process's binding reaches each daemon by its unix socket; a
    # python inside A reaches B by name over TCP.
    for h in lab.hosts:
        tap.eq(h.conn().getHostname(), h.name, '%s: the binding connects to it' % h.name)
    res = a.python('import libvirt, sys\n'
                   'print(libvirt.open(sys.argv[1]).getHostname())', b.uri('tcp'))
    tap.ok(res.rc == 0 and res.out.strip() == b.name,
           '%s: /usr/bin/python3 inside it connects to %s' % (a.name, b.uri('tcp')), str(res))

    # Per-host simulated host knobs: B was made without 32-bit PV.
    archs = {}
    for h in lab.hosts:
        caps = capabilities(h)
        archs[h.name] = set() if caps is None else {
            g.find('arch').get('name') for g in caps.findall('guest')}
    tap.ok('i686' in archs[a.name] and 'i686' not in archs[b.name],
           'A offers 32-bit PV guests, B (--no-pv32) does not', repr(archs))


def storage(tap, lab):
    a, b = lab.hosts
    xml = xenpvlab.guest_xml('x86_64', name='shared1', cmdline='sim.workload=selfcheck',
                             memory_mib=64)
    root = ET.fromstring(xml)
    disk = root.find('devices/disk/source').get('file')
    kernel = root.findtext('os/kernel')
    for path in (disk, kernel):
        tap.ok(path.startswith(xenpvhosts.SHARED_DIR + '/') and
               os.path.exists(a.path(path)) and os.path.exists(b.path(path)),
               'both hosts see %s on the shared storage' % path)
    tap.cmd_ok(a.define(xml, start=True), '%s: a guest on the shared storage starts' % a.name)
    ok, text = a.wait_selfcheck_ok('shared1', 30)
    tap.ok(ok, '%s: its selfcheck says OK' % a.name, repr(text))
    tap.eq(b.sim_domains(), {}, '%s: its own simulated host runs no guest' % b.name)

    # A kernel in A's private directory: A boots it, B has no such file.
    private_kernel = os.path.join(xenpvhosts.PRIVATE_DIR, 'only-on-a.elf')
    a.copy_in(xenpvlab.TEST_KERNELS['x86_64'], private_kernel)
    tap.ok(not os.path.exists(b.path(private_kernel)) and
           b.run(['test', '-e', private_kernel]).rc != 0,
           '%s: %s (private to %s) is not there' % (b.name, private_kernel, a.name))
    xml = xenpvlab.guest_xml('x86_64', name='private1', kernel=private_kernel, memory_mib=64)
    tap.cmd_ok(a.define(xml, start=True), '%s: a guest with a private kernel starts' % a.name)
    res = b.define(xml, start=True)
    tap.cmd_fails(res, '%s: the same guest does not start without the kernel' % b.name,
                  'only-on-a.elf')
    a.virsh('destroy', 'private1')
    a.virsh('destroy', 'shared1')


def daemon_control(tap, lab):
    a, b = lab.hosts
    pid = b.libvirtd_pid
    tap.ok(b.kill_libvirtd(), '%s: libvirtd killed by PID %s' % (b.name, pid))
    res = a.virsh('hostname', uri=b.uri(), timeout=30)
    tap.cmd_fails(res, '%s: %s refuses while its libvirtd is down' % (a.name, b.name))
    b.start_libvirtd()
    res = a.virsh('hostname', uri=b.uri())
    tap.ok(res.rc == 0 and b.libvirtd_pid != pid,
           '%s: reaches %s again after a new libvirtd started' % (a.name, b.name), str(res))


def network(tap, lab):
    a, b = lab.hosts
    tap.ok(a.reaches(b.address, xenpvhosts.TCP_PORT),
           "%s: reaches %s's libvirtd port" % (a.name, b.name))
    for mode in ('down', 'drop'):
        b.cut_link(mode)
        tap.ok(not a.reaches(b.address, xenpvhosts.TCP_PORT, timeout=1),
               "%s: link cut (%s): %s's port is unreachable" % (b.name, mode, b.name))
        b.restore_link()
        res = a.virsh('hostname', uri=b.uri())
        tap.ok(res.rc == 0 and res.out.strip() == b.name,
               '%s: link restored (%s): virsh reaches it again' % (b.name, mode), str(res))

    # The stranger reaches B's libvirtd port and sends garbage; B serves on.
    probe = lab.stranger.probe(b.address, xenpvhosts.TCP_PORT,
                               b'\xff\xff\x00\x10garbage, not libvirt RPC\n' * 8)
    tap.ok(probe.connected and probe.sent,
           "the stranger connects to %s's libvirtd port and sends garbage" % b.name, repr(probe))
    tap.ok(probe.closed is not None, '%s: libvirtd hangs up on the garbage' % b.name,
           repr(probe))
    res = a.virsh('hostname', uri=b.uri())
    tap.cmd_ok(res, '%s: libvirtd still serves after the garbage' % b.name)
    tap.ok(not lab.stranger.reaches(b.address, port=1), '%s: nothing listens on port 1' % b.name)

    unshaped = lab.measure_link(a, b, seconds=1)
    tap.ok(unshaped > 200e6, 'measure_link: %.3g bit/s unshaped' % unshaped)
    b.shape_link(rate='100mbit')
    shaped = lab.measure_link(a, b, seconds=1)
    b.unshape_link()
    tap.ok(10e6 < shaped <= 110e6,
           'measure_link: %.3g bit/s with the link shaped to 100 Mbit/s' % shaped)
    try:
        b.shape_link(delay='2ms')
    except xenpvhosts.LabError as e:
        if 'NETEM' not in str(e):
            raise
        tap.skip('shape_link(delay=...)', 'this kernel has no netem')
    else:
        tap.ok(a.reaches(b.address), 'shape_link(delay=2ms): the link still carries')
    b.unshape_link()


def body(tap, lab):
    daemons(tap, lab)
    storage(tap, lab)
    daemon_control(tap, lab)
    network(tap, lab)


if __name__ == '__main__':
    xenpvhosts.main(body, tls=True, memory_mib=1024, host_args={'xenpv-b': {'pv32': False}})
