#!/usr/bin/python3
"""
32-bit PV guests on a host whose hypervisor runs no 32-bit PV, through Xen's
PV-shim, with the same virsh commands as on a host that does: a simulated
host like Debian's stock Xen on a machine with HVM (--no-pv32 --no-log-dirty
--hvm) and a shim image.  The 32-bit example defines and starts unchanged,
runs in the shim's PVH container (the live XML, virsh dominfo and the
capabilities say so), answers on its console, saves and restores (its
stream named apart, its memory checked by the guest), runs on across a
libvirtd restart and shuts down when asked.  The per-domain choice in the
driver's XML namespace and the host's setting in xenpv.conf are honoured;
a host with neither 32-bit PV nor a usable shim refuses the guest, naming
every remedy, and builds nothing.
"""
import os
import shutil
import struct
import xml.etree.ElementTree as ET

import libvirt

import xenpvlab
from xenpvlab import wait_for

ABI_NS = 'urn:xenpv:guest-abi:1'
DOMAIN_NS = 'urn:xenpv:domain:1'
SHIM = '/var/lib/xenpv/images/xen-shim'
SHIM_STAND_IN = os.path.join(xenpvlab.BUILD_DIR, 'tests', 'kernels', 'xenpv-test-pvh.elf')
SAVE_DIR = '/var/lib/xenpv/save'
STREAM_FORMAT_OFFSET = 88    # docs/save-format.md
NAME = 'shim32'
MEMORY_MIB = 64
REMEDIES = (r'CONFIG_PV32', r'pv=no-32', r'CET', r"Xen's PV-shim", r'64-bit PV kernel')


def conf(extra=''):
    return 'pvshim_path = "%s"\n%s' % (SHIM, extra)


def live_abi(lab, name):
    res = lab.virsh('dumpxml', name)
    if res.rc != 0:
        return None
    el = ET.fromstring(res.out).find('metadata/{%s}guest' % ABI_NS)
    return None if el is None else dict(el.attrib)


def guest_caps(lab):
    """{arch: (loader, features)} of the capabilities' xen guests."""
    res = lab.virsh('capabilities')
    out = {}
    for guest in ET.fromstring(res.out).findall('guest'):
        arch = guest.find('arch')
        feats = guest.find('features')
        out[arch.get('name')] = (arch.findtext('loader'),
                                 set() if feats is None else {f.tag for f in feats})
    return out


def stream_format(path):
    with open(path, 'rb') as f:
        f.seek(STREAM_FORMAT_OFFSET)
        return f.read(16).rstrip(b'\0').decode()


def with_ns(xml, mode):
    """@xml with <xenpv:pvshim mode=@mode/> in the driver's namespace."""
    ET.register_namespace('xenpv', DOMAIN_NS)
    root = ET.fromstring(xml)
    ET.SubElement(root, '{%s}pvshim' % DOMAIN_NS, {'mode': mode})
    return ET.tostring(root, encoding='unicode')


def restart_host(tap, lab, hvm, extra=''):
    """The host rebooted with or without HVM, xenpv.conf rewritten: the
    driver reads both when libvirtd starts."""
    lab.stop_libvirtd()
    lab.stop_simhost()
    lab.hvm = hvm
    lab.write_xenpv_conf(extra)
    lab.start_simhost()
    lab.start_libvirtd()
    tap.diag('host restarted: --no-pv32 %s, xenpv.conf: %s' % (
        '--hvm' if hvm else '--no-hvm', extra.strip().replace('\n', '; ')))


def refused_naming(tap, res, desc, patterns):
    tap.cmd_fails(res, desc)
    tap.diag('%s: %s' % (desc, res.err.strip()))
    for p in patterns:
        tap.like(res.err, p, '%s: names %s' % (desc, p))


# --- on a host with HVM and the shim ---------------------------------------------

def capabilities(tap, lab):
    caps = guest_caps(lab)
    tap.eq(caps.get('i686'), (SHIM, {'pae'}),
           'capabilities: i686 xen guests, with pae, the PV-shim image as their loader')
    tap.eq(caps.get('x86_64'), (None, set()), 'capabilities: x86_64 guests run as PV domains')
    res = lab.virsh('domcapabilities', '--virttype', 'xen', '--arch', 'i686')
    tap.cmd_ok(res, 'domcapabilities for xen i686')


def lifecycle(tap, lab, xml):
    res = lab.define(xml)
    tap.cmd_ok(res, 'virsh define of the unchanged 32-bit example')
    res = lab.virsh('start', NAME)
    tap.cmd_ok(res, 'virsh start: the 32-bit guest starts without 32-bit PV')
    tap.ok(lab.wait_state(NAME, r'running'), 'it is running', lambda: lab.domstate(NAME))

    abi = live_abi(lab, NAME)
    tap.eq(abi, {'abi': 'xen-3.0-x86_32p', 'arch': 'i686', 'width': '4', 'levels': '3',
                 'container': 'pvshim', 'shim': SHIM},
           'live XML: a 32-bit PAE guest running in the PV-shim, and which shim')
    res = lab.virsh('dumpxml', '--inactive', NAME)
    tap.ok(res.rc == 0 and 'pvshim' not in res.out and 'xmlns:xenpv' not in res.out,
           'the persistent definition is the user\'s, unchanged', str(res))
    info = lab.dominfo(NAME)
    tap.eq(info.get('OS Type'), 'xen', 'virsh dominfo: os type xen (a PV guest)')
    tap.like(info.get('Messages', ''), r"i686 guest \(xen-3\.0-x86_32p\) running in Xen's PV-shim "
             r"\(%s\) inside a PVH container" % SHIM, 'virsh dominfo: a note says it runs in the PV-shim')
    dom = lab.conn().lookupByName(NAME)
    tap.eq(dom.OSType(), 'xen', 'python OSType(): xen')

    domid = lab.domid(NAME)
    res = lab.simctl('dominfo', str(domid))
    tap.like(res.out, r'hvm\s*:\s*1', 'the hypervisor holds an HVM domain (the PVH container)')

    log = wait_for(lambda: (lambda t: t if 'root@%s' % NAME in t else None)(lab.console_log(NAME)), 15)
    tap.ok(log and log.index('(XEN) Dom0 kernel: 32-bit, PAE') < log.index('Linux version'),
           'console: the shim boots first ("Dom0 kernel: 32-bit, PAE"), then the guest',
           lambda: lab.console_log(NAME))
    tap.like(log or '', r'Command line: pv-shim console=xen,pv', 'console: the shim got its command line')
    ok, text = lab.wait_selfcheck_ok(NAME)
    tap.ok(ok, 'the guest checks its memory', text)


def save_restore(tap, lab):
    path = os.path.join(SAVE_DIR, '%s.save' % NAME)
    res = lab.virsh('save', NAME, path)
    tap.cmd_ok(res, 'virsh save of the guest in the PV-shim')
    tap.eq(stream_format(lab.path(path)), 'xenpv-sim-shim',
           'the save image names its stream a PV-shim container\'s')
    res = lab.virsh('restore', path)
    tap.cmd_ok(res, 'virsh restore')
    tap.ok(lab.wait_state(NAME, r'running'), 'running after restore', lambda: lab.domstate(NAME))
    tap.eq((live_abi(lab, NAME) or {}).get('container'), 'pvshim', 'restored into the PV-shim')
    ok, text = lab.wait_selfcheck_ok(NAME, min_resumes=1)
    tap.ok(ok, 'the guest verified its memory after the restore', text)

    res = lab.virsh('managedsave', NAME)
    tap.cmd_ok(res, 'virsh managedsave')
    res = lab.virsh('start', NAME)
    tap.cmd_ok(res, 'virsh start from the managed save image')
    tap.eq((live_abi(lab, NAME) or {}).get('container'), 'pvshim', 'back in the PV-shim')
    ok, text = lab.wait_selfcheck_ok(NAME, min_resumes=2)
    tap.ok(ok, 'memory intact after the managed save', text)
    return path


def daemon_restart(tap, lab):
    lab.restart_libvirtd()
    tap.ok(lab.wait_state(NAME, r'running'), 'found running after a libvirtd restart',
           lambda: lab.domstate(NAME))
    tap.eq((live_abi(lab, NAME) or {}).get('container'), 'pvshim',
           'still known to run in the PV-shim after the restart')
    tap.like(lab.dominfo(NAME).get('Messages', ''), r'PV-shim', 'dominfo note after the restart')
    res = lab.virsh('shutdown', NAME)
    tap.cmd_ok(res, 'virsh shutdown')
    tap.ok(wait_for(lambda: lab.domstate(NAME) == 'shut off (shutdown)', 20),
           'the guest powered itself off', lambda: lab.domstate(NAME))
    tap.like(lab.console_log(NAME), r'reboot: Power down', 'its console says so')


def domain_choice(tap, lab):
    """<xenpv:pvshim mode=.../> in the definition overrides the host."""
    xml64 = xenpvlab.guest_xml('x86_64', name='shim64', memory_mib=MEMORY_MIB)
    res = lab.define(with_ns(xml64, 'always'))
    tap.cmd_ok(res, 'define a 64-bit guest with <xenpv:pvshim mode=\'always\'/>')
    res = lab.virsh('dumpxml', '--inactive', 'shim64')
    tap.like(res.out, r"<domain type='xen' xmlns:xenpv='urn:xenpv:domain:1'>",
             'its definition keeps the driver\'s namespace')
    tap.like(res.out, r"<xenpv:pvshim mode='always'/>", '... and the choice')
    res = lab.virsh('start', 'shim64')
    tap.cmd_ok(res, 'the 64-bit guest starts')
    tap.eq((live_abi(lab, 'shim64') or {}).get('container'), 'pvshim',
           'a 64-bit guest asked to runs in the PV-shim')
    lab.virsh('destroy', 'shim64')
    lab.virsh('undefine', 'shim64')

    before = lab.sim_domains()
    xml = xenpvlab.guest_xml('x86_32p', name='never32', memory_mib=MEMORY_MIB)
    res = lab.define(with_ns(xml, 'never'))
    refused_naming(tap, res, "define of a 32-bit guest saying mode='never'",
                   REMEDIES + (r"mode='never'",))
    tap.eq(lab.sim_domains(), before, 'nothing was built')

    res = lab.define(with_ns(xml, 'sometimes'))
    refused_naming(tap, res, 'a mode the driver does not know', (r"mode='sometimes'", r'always'))


def refusals(tap, lab, image):
    """Where neither way exists, every remedy is named."""
    restart_host(tap, lab, hvm=False, extra=conf())
    tap.ok('i686' not in guest_caps(lab), 'no HVM: no i686 guests in the capabilities')
    before = lab.sim_domains()
    res = lab.virsh('start', NAME)
    refused_naming(tap, res, 'no 32-bit PV and no HVM: virsh start refused',
                   REMEDIES + (r'no HVM guests', r'VT-x or AMD-V'))
    tap.eq(lab.sim_domains(), before, 'nothing was built')
    res = lab.virsh('restore', image)
    refused_naming(tap, res, 'the PV-shim guest\'s image cannot be restored without HVM',
                   (r'PVH container', r'restore it on a host with HVM'))

    restart_host(tap, lab, hvm=True, extra=conf('pvshim = "never"\n'))
    res = lab.virsh('start', NAME)
    refused_naming(tap, res, 'pvshim = "never" in xenpv.conf: virsh start refused',
                   REMEDIES + (r'pvshim = "never" in /etc/libvirt/xenpv.conf',))

    restart_host(tap, lab, hvm=True, extra='pvshim_path = "/nonexistent/xen-shim"\n')
    res = lab.virsh('start', NAME)
    refused_naming(tap, res, 'no shim image: virsh start refused',
                   REMEDIES + (r'/nonexistent/xen-shim', r'xen-utils-4\.17'))
    tap.eq(lab.sim_domains(), before, 'still nothing was built')


def body(tap, lab):
    xml = xenpvlab.guest_xml('x86_32p', name=NAME, memory_mib=MEMORY_MIB,
                             cmdline='sim.workload=selfcheck')
    capabilities(tap, lab)
    lifecycle(tap, lab, xml)
    image = save_restore(tap, lab)
    daemon_restart(tap, lab)
    domain_choice(tap, lab)
    res = lab.virsh('start', NAME)
    tap.cmd_ok(res, 'started again')
    res = lab.virsh('save', NAME, image)
    tap.cmd_ok(res, 'saved again, for the host without HVM')
    refusals(tap, lab, image)


class ShimLab(xenpvlab.Lab):
    """The lab's host with the PV-shim's image where pvshim_path says."""

    def install_files(self):
        super().install_files()
        if not os.path.exists(SHIM_STAND_IN):
            raise xenpvlab.Bail('%s is not built' % SHIM_STAND_IN)
        shutil.copy(SHIM_STAND_IN, self.path(SHIM))

    def write_xenpv_conf(self, extra=None):
        super().write_xenpv_conf(conf() if extra is None else extra)


if __name__ == '__main__':
    xenpvlab.main(body, lab_class=ShimLab, pv32=False, log_dirty=False, hvm=True)
