#!/usr/bin/python3
"""
Connecting to xen:///system: what the host looks like through libvirt
(type, version, hostname, capabilities, domain capabilities, node info, free
memory, features, vCPU limit), a host without 32-bit PV, and a daemon whose
driver is not configured yet: the connection fails with a message saying
what to configure, and libvirtd keeps serving.
"""
import re
import xml.etree.ElementTree as ET

import xenpvlab
from xenpvlab import URI, libvirt, wait_for

MEMORY_MIB = 3072
CPUS = 3

# libvirt-private feature numbers (src/libvirt_internal.h, virDrvFeature)
FEATURE_MIGRATION_V1 = 1
FEATURE_TYPED_PARAM_STRING = 9
FEATURE_LAST = 16


def guest_arches(caps_xml):
    """{arch: set of guest features} for every <guest> with os type xen."""
    arches = {}
    for guest in ET.fromstring(caps_xml).findall('guest'):
        if guest.findtext('os_type') != 'xen':
            continue
        arch = guest.find('arch').get('name')
        feats = guest.find('features')
        arches[arch] = set() if feats is None else {f.tag for f in feats}
    return arches


def host_checks(tap, lab, conn, pv32):
    tap.eq(conn.getType(), 'Xen', 'connection type is Xen')
    version = conn.getVersion()
    tap.ok(version > 0, 'hypervisor version is reported (%d)' % version)
    tap.eq(conn.getHostname(), 'xenpv-lab', 'hostname is the host\'s')
    tap.eq(conn.getURI(), URI, 'URI is xen:///system')
    tap.eq(conn.isAlive(), 1, 'connection is alive')

    caps = conn.getCapabilities()
    arches = guest_arches(caps)
    tap.ok('x86_64' in arches, 'capabilities: os type xen on x86_64', caps)
    if pv32:
        tap.ok('i686' in arches, 'capabilities: os type xen on i686 (32-bit PV host)', caps)
        tap.ok('pae' in arches.get('i686', ()), 'capabilities: i686 guests have <pae/>', caps)
    else:
        tap.ok('i686' not in arches, 'capabilities: no i686 guest when the host has no 32-bit PV',
               caps)
    host = ET.fromstring(caps).find('host')
    tap.eq(host.findtext('cpu/arch'), 'x86_64', 'capabilities: host arch x86_64')
    tap.ok(host.findtext('uuid'), 'capabilities: host has a UUID')

    info = conn.getInfo()
    tap.eq(info[1], MEMORY_MIB, 'nodeinfo memory (MiB) is the host\'s --memory')
    tap.eq(info[2], CPUS, 'nodeinfo CPUs is the host\'s --cpus')
    tap.eq(info[4] * info[5] * info[6] * info[7], CPUS,
           'nodeinfo nodes*sockets*cores*threads equals CPUs', repr(info))
    free = conn.getFreeMemory()
    tap.ok(0 < free <= MEMORY_MIB * 1024 * 1024, 'free memory is within host memory (%d bytes)' % free)
    cells = conn.getCellsFreeMemory(0, 1)
    tap.ok(len(cells) == 1 and 0 < cells[0] <= MEMORY_MIB * 1024 * 1024,
           'free memory of cell 0 is within host memory', repr(cells))

    res = lab.virsh('nodeinfo')
    tap.like(res.out, r'^CPU\(s\):\s+%d$' % CPUS, 'virsh nodeinfo shows the CPU count', re.M)
    tap.like(res.out, r'^Memory size:\s+%d KiB$' % (MEMORY_MIB * 1024),
             'virsh nodeinfo shows the memory size', re.M)

    maxv = conn.getMaxVcpus('xen')
    tap.ok(maxv >= CPUS, 'getMaxVcpus(xen) is at least the host CPU count (%d)' % maxv)
    tap.eq(conn.getMaxVcpus(None), maxv, 'getMaxVcpus without a type is the same')

    try:
        dcaps = conn.getDomainCapabilities(None, 'x86_64', None, 'xen')
        root = ET.fromstring(dcaps)
        tap.eq(root.findtext('domain'), 'xen', 'domcapabilities: domain xen')
        tap.eq(root.findtext('arch'), 'x86_64', 'domcapabilities: arch x86_64')
        vcpu = root.find('vcpu')
        tap.ok(vcpu is not None and int(vcpu.get('max', 0)) >= 1,
               'domcapabilities: vcpu max given', dcaps)
    except libvirt.libvirtError as e:
        tap.ok(False, 'domcapabilities for xen x86_64', str(e))
    res = lab.virsh('domcapabilities', '--virttype', 'xen', '--arch', 'x86_64')
    tap.cmd_ok(res, 'virsh domcapabilities --virttype xen --arch x86_64')
    if pv32:
        try:
            dcaps = conn.getDomainCapabilities(None, 'i686', None, 'xen')
            tap.eq(ET.fromstring(dcaps).findtext('arch'), 'i686', 'domcapabilities: arch i686')
        except libvirt.libvirtError as e:
            tap.ok(False, 'domcapabilities for xen i686', str(e))

    feats = {}
    for f in range(1, FEATURE_LAST + 1):
        feats[f] = xenpvlab.supports_feature(conn, f)
    tap.ok(all(v in (0, 1) for v in feats.values()),
           'supportsFeature answers 0 or 1 for every feature', repr(feats))
    tap.eq(feats[FEATURE_TYPED_PARAM_STRING], 1, 'supportsFeature: typed string parameters')
    tap.eq(feats[FEATURE_MIGRATION_V1], 0, 'supportsFeature: no v1 migration')

    res = lab.virsh('version')
    tap.like(res.out, r'Running hypervisor: Xen \d+\.\d+', 'virsh version names the Xen version')
    res = lab.virsh('hostname')
    tap.eq(res.out.strip(), 'xenpv-lab', 'virsh hostname')


def free_memory_follows_guests(tap, lab, conn):
    before = conn.getFreeMemory()
    xml = xenpvlab.guest_xml('x86_64', name='connect-mem', memory_mib=512)
    try:
        dom = conn.createXML(xml, 0)
    except libvirt.libvirtError as e:
        tap.ok(False, 'a 512 MiB guest starts', str(e))
        return
    after = conn.getFreeMemory()
    used = (before - after) // (1024 * 1024)
    tap.ok(480 <= used <= 640, 'free memory drops by about 512 MiB with a 512 MiB guest (%d MiB)'
           % used)
    info = conn.getInfo()
    tap.eq(info[1], MEMORY_MIB, 'nodeinfo memory does not change with a guest running')
    dom.destroy()
    back = wait_for(lambda: conn.getFreeMemory() == before, 10)
    tap.ok(back, 'free memory is back when the guest is gone',
           lambda: 'before %d, now %d' % (before, conn.getFreeMemory()))


def unconfigured(tap, lab):
    """libvirtd with our module but no xenpv.conf, then no simhost."""
    lab.stop_libvirtd()
    lab.stop_simhost()
    lab.remove_xenpv_conf()
    lab.start_libvirtd()
    tap.ok(lab.libvirtd_running(), 'libvirtd starts without xenpv.conf')

    try:
        libvirt.open(URI).close()
        tap.ok(False, 'without xenpv.conf connecting fails', 'connection opened')
    except libvirt.libvirtError as e:
        msg = e.get_error_message() or ''
        tap.ok(True, 'without xenpv.conf connecting fails')
        tap.like(msg, r'xenpv\.conf', 'the message names the configuration file')
        tap.like(msg, r'hypervisor', 'the message names the setting to make')
    res = lab.virsh('list', '--all')
    tap.cmd_fails(res, 'virsh list fails too', r'xenpv\.conf')

    tap.ok(lab.libvirtd_running(), 'libvirtd keeps running after the failed connection')
    res = lab.virsh('secret-list', uri='secret:///system')
    tap.cmd_ok(res, 'another driver of the same daemon (secret:///system) still answers')

    # Configured now: the same daemon connects, or at least its message
    # says that libvirtd must be restarted to read the new configuration.
    lab.write_xenpv_conf()
    lab.start_simhost()
    try:
        c = libvirt.open(URI)
        tap.eq(c.getType(), 'Xen', 'once configured, the same daemon connects')
        c.close()
    except libvirt.libvirtError as e:
        tap.like(e.get_error_message(), r'restart|reload',
                 'once configured, the same daemon connects or says to restart libvirtd')
    lab.restart_libvirtd()
    try:
        c = libvirt.open(URI)
        tap.eq(c.getType(), 'Xen', 'once configured and restarted, libvirtd connects')
        c.close()
    except libvirt.libvirtError as e:
        tap.ok(False, 'once configured and restarted, libvirtd connects', str(e))

    # Configured, but the simulated host is not running when libvirtd starts.
    lab.stop_libvirtd()
    lab.stop_simhost()
    lab.start_libvirtd()
    try:
        libvirt.open(URI).close()
        tap.ok(False, 'without a running simhost connecting fails', 'connection opened')
    except libvirt.libvirtError as e:
        msg = e.get_error_message() or ''
        tap.ok(True, 'without a running simhost connecting fails')
        tap.like(msg, r'simhost|simulated|%s' % xenpvlab.SIM_SOCKET,
                 'the message names the simulated host or its socket')
    tap.ok(lab.libvirtd_running(), 'libvirtd keeps running without the simulated host')
    res = lab.virsh('secret-list', uri='secret:///system')
    tap.cmd_ok(res, 'another driver of the same daemon still answers')
    lab.start_simhost()
    try:
        c = libvirt.open(URI)
        tap.eq(c.getType(), 'Xen', 'once the simulated host is up, the same daemon connects')
        c.close()
    except libvirt.libvirtError as e:
        tap.like(e.get_error_message(), r'restart|reload',
                 'once the simulated host is up, the same daemon connects or says to restart it')

    # The simulated host goes away under a running daemon, and comes back.
    lab.restart_libvirtd()
    c = libvirt.open(URI)
    c.getInfo()
    lab.stop_simhost()
    # (lists and host facts may come from the driver's own records; starting
    # a guest cannot)
    try:
        c.createXML(xenpvlab.guest_xml('x86_64', name='connect-nohost'), 0).destroy()
        tap.ok(False, 'with the simulated host gone, starting a guest fails', 'it succeeded')
    except libvirt.libvirtError as e:
        tap.like(e.get_error_message(), r'simhost|simulated|%s' % xenpvlab.SIM_SOCKET,
                 'with the simulated host gone, starting a guest fails naming it')
    try:
        c.close()
    except libvirt.libvirtError:
        pass
    tap.ok(lab.libvirtd_running(), 'libvirtd keeps running when the simulated host goes away')
    lab.start_simhost()
    ok = wait_for(lambda: _opens(), 10)
    tap.ok(ok, 'once the simulated host is back, the same daemon serves again')


def _opens():
    try:
        c = libvirt.open(URI)
        c.getFreeMemory()
        c.close()
        return True
    except libvirt.libvirtError:
        return False


def body(tap, lab):
    conn = lab.conn()
    host_checks(tap, lab, conn, pv32=True)
    free_memory_follows_guests(tap, lab, conn)

    # A second run: the host has no 32-bit PV.
    lab.stop_libvirtd()
    lab.stop_simhost()
    lab.pv32 = False
    lab.start_simhost()
    lab.start_libvirtd()
    tap.diag('simhost restarted with --no-pv32')
    host_checks(tap, lab, lab.conn(), pv32=False)
    try:
        xml = xenpvlab.guest_xml('x86_32p', name='connect-32', arch='i686')
        lab.conn().createXML(xml, 0)
        tap.ok(False, 'a 32-bit PV guest is refused on a host without 32-bit PV')
    except libvirt.libvirtError as e:
        tap.ok(e.get_error_code() in (libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                                      libvirt.VIR_ERR_INVALID_ARG),
               'a 32-bit PV guest is refused on a host without 32-bit PV (unsupported)',
               '%s: %s' % (xenpvlab.error_name(e.get_error_code()), e.get_error_message()))
        tap.like(e.get_error_message(), r'i686|32', 'the message names the 32-bit guest')
    lab.pv32 = True

    unconfigured(tap, lab)


if __name__ == '__main__':
    xenpvlab.main(body, memory_mib=MEMORY_MIB, cpus=CPUS)
