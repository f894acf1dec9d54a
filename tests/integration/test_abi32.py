#!/usr/bin/python3
"""
32-bit PAE PV guests on a 64-bit host, through virsh and python3-libvirt:
the guest's ABI comes from its kernel (directly, or from the kernel pygrub
picks from the guest's own disk), is advertised in the capabilities only
when the host runs 32-bit PV, is recorded in the live XML and survives a
daemon restart; a named arch that is not the kernel's is refused at define
naming both; a missing arch takes the kernel's; a host without 32-bit PV
refuses the guest, naming the likely causes, before any domain is built; a
non-PAE kernel is refused.  The second half runs on a simulated host
started with --no-pv32.
"""
import os
import shutil
import xml.etree.ElementTree as ET

import libvirt

import xenpvlab
from xenpvlab import wait_for

ABI_NS = 'urn:xenpv:guest-abi:1'
IMAGES = xenpvlab.IMAGES_DIR
SAVE_DIR = '/var/lib/xenpv/save'
BOOTLOADER_DIR = '/run/libvirt/xenpv/bootloader'
KERNELS_DIR = os.path.join(xenpvlab.BUILD_DIR, 'tests', 'kernels')
NOPAE_KERNEL = 'xenpv-test-x86_32-nopae.elf'
K32 = os.path.join(IMAGES, 'xenpv-test-x86_32p.elf')
K64 = os.path.join(IMAGES, 'xenpv-test-x86_64.elf')
PV32_CAUSES = (r'CONFIG_PV32', r'pv=no-32', r'CET')
MEMORY_MIB = 64


# --- helpers ------------------------------------------------------------------

def xen_guest_arches(caps_xml):
    """{arch: set of features} of the capabilities' os type xen guests."""
    arches = {}
    for guest in ET.fromstring(caps_xml).findall('guest'):
        if guest.findtext('os_type') != 'xen':
            continue
        feats = guest.find('features')
        arches[guest.find('arch').get('name')] = set() if feats is None else \
            {f.tag for f in feats}
    return arches


def dumpxml(lab, name, inactive=False):
    res = lab.virsh('dumpxml', *(['--inactive'] if inactive else []), name)
    return ET.fromstring(res.out) if res.rc == 0 else None


def xml_arch(root):
    return None if root is None else root.find('os/type').get('arch')


def abi_element(root):
    """The live XML's <metadata><xenpv:guest .../> as a dict, or None."""
    if root is None:
        return None
    el = root.find('metadata/{%s}guest' % ABI_NS)
    return None if el is None else dict(el.attrib)


def has_metadata(root):
    """Does the XML carry a <metadata> element (none of the driver's own
    belongs in what users see)?"""
    return root is not None and root.find('metadata') is not None


# ... and what the guest runs in: a PV domain of its own on these hosts.
ABI32 = {'abi': 'xen-3.0-x86_32p', 'arch': 'i686', 'width': '4', 'levels': '3',
         'container': 'pv'}
ABI64 = {'abi': 'xen-3.0-x86_64', 'arch': 'x86_64', 'width': '8', 'levels': '4',
         'container': 'pv'}


def plain_guest(name, kernel, arch=None, no_arch=False, cmdline=None):
    """A copy of the 32-bit example with @kernel, its arch set to @arch, or
    removed altogether (@no_arch)."""
    root = ET.fromstring(xenpvlab.guest_xml('x86_32p', name=name, memory_mib=MEMORY_MIB,
                                            kernel=kernel, arch=arch, cmdline=cmdline))
    if no_arch:
        del root.find('os/type').attrib['arch']
    return ET.tostring(root, encoding='unicode')


def write_scratch(name, text):
    path = os.path.join(xenpvlab.SCRATCH_DIR, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def refused(tap, fn, desc, patterns, code=libvirt.VIR_ERR_CONFIG_UNSUPPORTED):
    e = tap.libvirt_error(fn, code, desc)
    msg = e.get_error_message() if e is not None else ''
    tap.diag('%s: %s' % (desc, msg))
    for p in patterns:
        tap.like(msg, p, '%s: message names %s' % (desc, p.replace('\\', '')))
    return msg


def no_new_domain(tap, lab, before, desc):
    tap.eq(lab.sim_domains(), before, '%s: no domain was built (xenpv-simctl list)' % desc,
           lambda: lab.simctl('list').out)


def make_pygrub_disk(path, kernel, cmdline, initrd=True):
    """An ext4 image made from a directory (no loop mount) holding
    /boot/grub/grub.cfg and @kernel, as a distribution installs them."""
    tree = path + '.d'
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, 'boot', 'grub'))
    shutil.copy(kernel, os.path.join(tree, 'boot', 'vmlinuz-test'))
    lines = ['set default=0', 'set timeout=0', 'menuentry "xenpv test" {',
             '  linux /boot/vmlinuz-test %s' % cmdline]
    if initrd:
        with open(os.path.join(tree, 'boot', 'initrd.img-test'), 'wb') as f:
            f.write(b'xenpv test initrd\n' * 64)
        lines.append('  initrd /boot/initrd.img-test')
    lines.append('}')
    with open(os.path.join(tree, 'boot', 'grub', 'grub.cfg'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    if os.path.exists(path):
        os.unlink(path)
    res = xenpvlab.run(['mke2fs', '-q', '-F', '-t', 'ext4', '-d', tree, path, '16M'])
    shutil.rmtree(tree, ignore_errors=True)
    return res


def pygrub_guest(name, disk, arch=None, bootloader=None, cmdline=None):
    """The pygrub example with its disk at @disk and its arch @arch (None:
    no arch at all); bootloader '' leaves <bootloader> out; @cmdline is put
    beside the bootloader."""
    root = ET.parse(os.path.join(xenpvlab.EXAMPLES_DIR, 'pygrub.xml')).getroot()
    root.find('name').text = name
    root.remove(root.find('uuid'))
    for iface in root.findall('devices/interface'):
        for mac in iface.findall('mac'):
            iface.remove(mac)
    for tag in ('memory', 'currentMemory'):
        root.find(tag).text = str(MEMORY_MIB * 1024)
        root.find(tag).set('unit', 'KiB')
    root.find('devices/disk/source').set('file', disk)
    ostype = root.find('os/type')
    if arch is None:
        ostype.attrib.pop('arch', None)
    else:
        ostype.set('arch', arch)
    if bootloader == '':
        root.remove(root.find('bootloader'))
        root.remove(root.find('bootloader_args'))
    elif bootloader is not None:
        root.find('bootloader').text = bootloader
    if cmdline is not None:
        ET.SubElement(root.find('os'), 'cmdline').text = cmdline
    return ET.tostring(root, encoding='unicode')


def bootloader_files(name):
    try:
        return sorted(os.listdir(os.path.join(BOOTLOADER_DIR, name)))
    except OSError:
        return None


# --- a host with 32-bit PV --------------------------------------------------------

def capabilities(tap, lab, pv32):
    conn = lab.conn()
    caps = conn.getCapabilities()
    arches = xen_guest_arches(caps)
    tap.ok('x86_64' in arches, 'capabilities: xen guests on x86_64', caps)
    if pv32:
        tap.ok('pae' in arches.get('i686', ()),
               'capabilities: i686 xen guest with <pae/> (host has xen-3.0-x86_32p)', caps)
        res = lab.virsh('domcapabilities', '--virttype', 'xen', '--arch', 'i686')
        tap.cmd_ok(res, 'domcapabilities for xen i686')
    else:
        tap.ok('i686' not in arches, 'capabilities: no i686 xen guest without 32-bit PV', caps)
        res = lab.virsh('domcapabilities', '--virttype', 'xen', '--arch', 'i686')
        tap.cmd_fails(res, 'domcapabilities for xen i686 refused', r'CONFIG_PV32')
        refused(tap, lambda: conn.getDomainCapabilities(None, 'i686', None, 'xen'),
                'getDomainCapabilities(i686)', [r'32-bit PV'])


def example_guest(tap, lab):
    """The 32-bit example (its arch named i686) through define, start, save,
    restore and a daemon restart, with its memory checked by the guest."""
    name = 'abi32'
    xml = xenpvlab.guest_xml('x86_32p', name=name, arch='i686', memory_mib=MEMORY_MIB,
                             cmdline='sim.workload=selfcheck')
    tap.cmd_ok(lab.define(xml), '%s: 32-bit example (arch i686) defines' % name)
    inactive = dumpxml(lab, name, inactive=True)
    tap.eq(xml_arch(inactive), 'i686', '%s: inactive XML keeps arch i686' % name)
    tap.ok(not has_metadata(inactive), '%s: no <metadata> in the inactive XML' % name)
    tap.cmd_ok(lab.virsh('start', name), '%s: starts' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60)
    tap.ok(ok, '%s: selfcheck OK after boot' % name, repr(text))
    tap.like(lab.console_log(name), r'guest type: xen-3\.0-x86_32p',
             '%s: the guest boots as xen-3.0-x86_32p (console)' % name)

    live = dumpxml(lab, name)
    tap.eq(xml_arch(live), 'i686', '%s: live XML arch i686' % name)
    tap.eq(abi_element(live), ABI32, '%s: live XML records the ABI (width 4, 3 levels)' % name)
    val = xenpvlab.validate_domain_xml(ET.tostring(live, encoding='unicode'))
    tap.ok(val.rc == 0, '%s: live XML valid against domain.rng' % name, val.err)
    tap.eq(lab.dominfo(name).get('OS Type'), 'xen', '%s: dominfo OS Type xen' % name)
    dom = lab.conn().lookupByName(name)
    tap.eq(dom.OSType(), 'xen', '%s: python OSType() xen' % name)
    meta = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, ABI_NS,
                        libvirt.VIR_DOMAIN_AFFECT_LIVE)
    tap.eq(dict(ET.fromstring(meta).attrib), ABI32, '%s: python metadata() gives the ABI' % name)
    res = lab.virsh('metadata', name, '--uri', ABI_NS)
    tap.ok(res.rc == 0 and dict(ET.fromstring(res.out).attrib) == ABI32,
           '%s: virsh metadata --uri %s gives the ABI' % (name, ABI_NS), str(res))

    # Save and restore, the guest verifying its memory afterwards.
    path = os.path.join(SAVE_DIR, name + '.save')
    tap.cmd_ok(lab.virsh('save', name, path, timeout=120), '%s: save' % name)
    tap.eq(lab.domstate(name), 'shut off (saved)', '%s: saved' % name)
    tap.cmd_ok(lab.virsh('restore', path, timeout=120), '%s: restore' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=1)
    tap.ok(ok, '%s: selfcheck verified its memory intact after restore' % name, repr(text))
    tap.eq(abi_element(dumpxml(lab, name)), ABI32, '%s: ABI recorded after restore' % name)

    # Restore with an alternate XML: without an arch it takes the image's;
    # naming another arch is refused, naming both.
    tap.cmd_ok(lab.virsh('save', name, path, timeout=120), '%s: save again' % name)
    saved = lab.virsh('save-image-dumpxml', path)
    tap.cmd_ok(saved, '%s: save-image-dumpxml' % name)
    alt_root = ET.fromstring(saved.out)
    del alt_root.find('os/type').attrib['arch']
    bad_root = ET.fromstring(saved.out)
    bad_root.find('os/type').set('arch', 'x86_64')
    bad_path = write_scratch('abi32-restore-x86_64.xml', ET.tostring(bad_root, encoding='unicode'))
    res = lab.virsh('restore', path, '--xml', bad_path, timeout=120)
    tap.cmd_fails(res, '%s: restore with an x86_64 XML refused' % name,
                  r'arch x86_64 does not match .*xen-3\.0-x86_32p')
    alt_path = write_scratch('abi32-restore-noarch.xml', ET.tostring(alt_root, encoding='unicode'))
    res = lab.virsh('restore', path, '--xml', alt_path, timeout=120)
    tap.cmd_ok(res, '%s: restore with an XML that names no arch' % name)
    tap.eq(xml_arch(dumpxml(lab, name)), 'i686', '%s: ... takes the image\'s arch' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=2)
    tap.ok(ok, '%s: selfcheck OK after the second restore' % name, repr(text))

    # The ABI is part of the status: a new daemon shows it too.
    domid = lab.domid(name)
    lab.restart_libvirtd()
    tap.eq(lab.domid(name), domid, '%s: found again after a libvirtd restart' % name)
    live = dumpxml(lab, name)
    tap.eq(abi_element(live), ABI32, '%s: ABI still in the live XML after restart' % name)
    tap.eq(xml_arch(live), 'i686', '%s: arch i686 after restart' % name)
    tap.eq(lab.dominfo(name).get('OS Type'), 'xen', '%s: dominfo after restart' % name)
    tap.cmd_ok(lab.virsh('destroy', name), '%s: destroy' % name)
    tap.cmd_ok(lab.virsh('undefine', name), '%s: undefine' % name)


def arch_rules(tap, lab):
    conn = lab.conn()
    before = lab.sim_domains()

    # A named arch that is not the kernel's, both ways, at define and create.
    for kernel, arch, abi, want in ((K32, 'x86_64', r'xen-3\.0-x86_32p', 'i686'),
                                    (K64, 'i686', r'xen-3\.0-x86_64', 'x86_64')):
        xml = plain_guest('abi-mismatch', kernel, arch=arch)
        pats = [r'arch %s does not match kernel %s' % (arch, kernel), abi,
                r"<type arch='%s'>" % want]
        refused(tap, lambda: conn.defineXML(xml), 'define %s with an %s kernel' % (arch, want),
                pats)
        refused(tap, lambda: conn.createXML(xml, 0), 'create %s with an %s kernel' % (arch, want),
                pats)
        res = lab.define(xml)
        tap.cmd_fails(res, 'virsh define %s with an %s kernel refused' % (arch, want),
                      r'does not match')
    tap.ok('abi-mismatch' not in lab.list_names('--all'), 'nothing defined by the refusals')
    no_new_domain(tap, lab, before, 'mismatches')

    # No arch: the kernel's, in the definition and when running.
    for kernel, arch in ((K32, 'i686'), (K64, 'x86_64')):
        name = 'abi-noarch-' + arch
        tap.cmd_ok(lab.define(plain_guest(name, kernel, no_arch=True)),
                   '%s: defines without an arch' % name)
        inactive = dumpxml(lab, name, inactive=True)
        tap.eq(xml_arch(inactive), arch, '%s: takes the kernel\'s arch %s' % (name, arch))
        tap.ok(not has_metadata(inactive),
               '%s: following the kernel leaves nothing in the XML' % name)
        tap.cmd_ok(lab.virsh('start', name), '%s: starts' % name)
        tap.eq(abi_element(dumpxml(lab, name)), ABI32 if arch == 'i686' else ABI64,
               '%s: live ABI' % name)
        lab.virsh('destroy', name)

    # A round trip (virsh edit) keeps it following the kernel, across a
    # daemon restart too: when its kernel turns 64-bit, it starts as x86_64
    # where a named i686 is refused; a changed arch is the user's, and checked.
    name = 'abi-noarch-i686'
    text = lab.virsh('dumpxml', '--inactive', name).out
    tap.cmd_ok(lab.virsh('define', write_scratch('rt.xml', text)), '%s: redefined as dumped' % name)
    changed = text.replace("arch='i686'", "arch='x86_64'")
    res = lab.virsh('define', write_scratch('rt2.xml', changed))
    tap.cmd_fails(res, '%s: arch changed to x86_64 in the XML refused' % name,
                  r'arch x86_64 does not match')
    for arch in ('i686', 'x86_64'):
        lab.virsh('undefine', 'abi-noarch-' + arch)
    swap = os.path.join(IMAGES, 'swap-kernel.elf')
    shutil.copy(K32, swap)
    tap.cmd_ok(lab.define(plain_guest('abi-follows', swap, no_arch=True)),
               'abi-follows: defines without an arch (32-bit kernel)')
    tap.cmd_ok(lab.define(plain_guest('abi-named', swap, arch='i686')),
               'abi-named: defines with arch i686 (32-bit kernel)')
    text = lab.virsh('dumpxml', '--inactive', 'abi-follows').out
    tap.eq(xml_arch(ET.fromstring(text)), 'i686', 'abi-follows: shows i686')
    tap.cmd_ok(lab.virsh('define', write_scratch('rt3.xml', text)),
               'abi-follows: redefined as dumped (arch i686 now in the XML)')
    lab.restart_libvirtd()
    conn = lab.conn()
    shutil.copy(K64, swap)
    tap.cmd_ok(lab.virsh('start', 'abi-follows'),
               'abi-follows: after the round trip and a restart it still follows its kernel, now 64-bit')
    tap.eq(abi_element(dumpxml(lab, 'abi-follows')), ABI64, 'abi-follows: runs as a 64-bit guest')
    lab.virsh('destroy', 'abi-follows')
    res = lab.virsh('start', 'abi-named')
    tap.cmd_fails(res, 'abi-named: the named i686 is refused with the 64-bit kernel',
                  r'arch i686 does not match kernel .*xen-3\.0-x86_64')
    for name in ('abi-follows', 'abi-named'):
        lab.virsh('undefine', name)

    # A kernel not there yet is checked at start.
    late = os.path.join(IMAGES, 'late-kernel.elf')
    if os.path.exists(late):
        os.unlink(late)
    name = 'abi-late'
    tap.cmd_ok(lab.define(plain_guest(name, late, no_arch=True)),
               '%s: defines while its kernel is not there yet' % name)
    res = lab.virsh('start', name)
    tap.cmd_fails(res, '%s: start without the kernel fails naming it' % name, r'late-kernel')
    shutil.copy(K32, late)
    tap.cmd_ok(lab.virsh('start', name), '%s: starts once the 32-bit kernel is there' % name)
    tap.eq(xml_arch(dumpxml(lab, name)), 'i686', '%s: runs as i686' % name)
    lab.virsh('destroy', name)
    lab.virsh('undefine', name)
    name = 'abi-late-named'
    tap.cmd_ok(lab.define(plain_guest(name, late + '.new', arch='x86_64')),
               '%s: x86_64 defines while its kernel is not there yet' % name)
    shutil.copy(K32, late + '.new')
    res = lab.virsh('start', name)
    tap.cmd_fails(res, '%s: start with a 32-bit kernel refused naming both' % name,
                  r'arch x86_64 does not match kernel .*xen-3\.0-x86_32p')
    lab.virsh('undefine', name)

    # Non-PAE 32-bit kernels: no current Xen runs them.
    nopae = os.path.join(IMAGES, NOPAE_KERNEL)
    shutil.copy(os.path.join(KERNELS_DIR, NOPAE_KERNEL), nopae)
    pats = [r'non-PAE 32-bit PV guests are not supported by any current Xen',
            r'xen-3\.0-x86_32\b']
    for arch in (None, 'i686'):
        xml = plain_guest('abi-nopae', nopae, arch=arch, no_arch=arch is None)
        refused(tap, lambda: conn.defineXML(xml), 'non-PAE kernel at define (arch %s)' % arch,
                pats)
    refused(tap, lambda: conn.createXML(plain_guest('abi-nopae', nopae, no_arch=True), 0),
            'non-PAE kernel at create', pats)
    moved = os.path.join(IMAGES, 'nopae-later.elf')
    if os.path.exists(moved):
        os.unlink(moved)
    tap.cmd_ok(lab.define(plain_guest('abi-nopae', moved, no_arch=True)),
               'abi-nopae: defines before its kernel is there')
    shutil.copy(nopae, moved)
    refused(tap, lambda: conn.lookupByName('abi-nopae').create(), 'non-PAE kernel at start',
            pats)
    lab.virsh('undefine', 'abi-nopae')
    no_new_domain(tap, lab, before, 'non-PAE kernels')


def pygrub(tap, lab):
    conn = lab.conn()
    disk = os.path.join(IMAGES, 'abi-pygrub.img')
    res = make_pygrub_disk(disk, K32, 'root=/dev/xvda ro console=hvc0 sim.workload=selfcheck')
    if not tap.cmd_ok(res, 'mke2fs -d: ext4 disk with grub.cfg and a 32-bit kernel'):
        return

    name = 'abi-pygrub'
    tap.cmd_ok(lab.define(pygrub_guest(name, disk)), '%s: defines (no arch)' % name)
    tap.cmd_ok(lab.virsh('start', name, timeout=120), '%s: starts through pygrub' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60)
    tap.ok(ok, '%s: the guest runs with the command line from grub.cfg' % name, repr(text))
    live = dumpxml(lab, name)
    tap.eq(xml_arch(live), 'i686', '%s: the kernel pygrub picked made it i686' % name)
    tap.eq(abi_element(live), ABI32, '%s: live ABI 32-bit PAE' % name)
    files = bootloader_files(name) or []
    tap.ok(any(f.startswith('boot_kernel.') for f in files) and
           any(f.startswith('boot_ramdisk.') for f in files),
           '%s: kernel and initrd extracted into the driver\'s state directory' % name,
           repr(files))
    uuid = conn.lookupByName(name).UUIDString()
    ramdisk = lab.store_read('/vm/%s/image/ramdisk' % uuid) or ''
    tap.ok(ramdisk.startswith(os.path.join(BOOTLOADER_DIR, name)),
           '%s: the domain was built with the extracted initrd' % name, ramdisk)
    tap.cmd_ok(lab.virsh('destroy', name), '%s: destroy' % name)
    tap.eq(bootloader_files(name), None, '%s: extracted files removed when it stopped' % name)

    # A bare bootloader name is looked up as libxl does.
    lab.virsh('undefine', name)
    tap.cmd_ok(lab.define(pygrub_guest(name, disk, bootloader='pygrub')),
               '%s: redefined with bootloader "pygrub"' % name)
    tap.cmd_ok(lab.virsh('start', name, timeout=120), '%s: starts with a bare "pygrub"' % name)
    lab.virsh('destroy', name)

    # <cmdline> beside a bootloader is handed to it (pygrub --args), as libxl
    # does; with neither <bootloader> nor <kernel>, pygrub is run.
    for variant, bootloader in (('cmdline', None), ('default', '')):
        vname = '%s-%s' % (name, variant)
        tap.cmd_ok(lab.define(pygrub_guest(vname, disk, bootloader=bootloader,
                                           cmdline='xenpv.extra=%s' % variant)),
                   '%s: defines (%s)' % (vname, 'no bootloader, no kernel' if bootloader == ''
                                         else '<cmdline> beside <bootloader>'))
        tap.cmd_ok(lab.virsh('start', vname, timeout=120), '%s: starts through pygrub' % vname)
        vuuid = conn.lookupByName(vname).UUIDString()
        args = lab.store_read('/vm/%s/image/cmdline' % vuuid) or ''
        tap.like(args, r'sim\.workload=selfcheck.* xenpv\.extra=%s$' % variant,
                 '%s: the command line is grub.cfg\'s with the extra words after it' % vname)
        lab.virsh('destroy', vname)
        lab.virsh('undefine', vname)

    # Named x86_64: refused at start, once the bootloader has picked.
    before = lab.sim_domains()
    lab.virsh('undefine', name)
    tap.cmd_ok(lab.define(pygrub_guest(name, disk, arch='x86_64')),
               '%s: redefined with arch x86_64 (nothing to check at define)' % name)
    refused(tap, lambda: conn.lookupByName(name).create(), '%s: x86_64 start' % name,
            [r'arch x86_64 does not match', r'pygrub', r'xen-3\.0-x86_32p',
             r"<type arch='i686'>"])
    no_new_domain(tap, lab, before, '%s: mismatch' % name)
    tap.eq(bootloader_files(name), None, '%s: nothing left extracted after the refusal' % name)

    # A disk pygrub finds nothing on: its complaint in the error.
    empty = os.path.join(IMAGES, 'abi-pygrub-empty.img')
    with open(empty, 'wb') as f:
        f.truncate(8 << 20)
    tap.cmd_ok(lab.define(pygrub_guest('abi-pygrub-empty', empty)), 'empty-disk guest defines')
    refused(tap, lambda: conn.lookupByName('abi-pygrub-empty').create(),
            'pygrub on a disk without a kernel', [r'pygrub', r'could not pick a kernel',
                                                  r'Unable to find partition|Error'],
            code=libvirt.VIR_ERR_OPERATION_FAILED)
    no_new_domain(tap, lab, before, 'empty disk')
    lab.virsh('undefine', 'abi-pygrub-empty')
    # Left defined (no arch) for the host without 32-bit PV.
    lab.virsh('undefine', name)
    tap.cmd_ok(lab.define(pygrub_guest(name, disk)), '%s: redefined without an arch' % name)


# --- a host without 32-bit PV -------------------------------------------------

def without_pv32(tap, lab):
    # Defined while the host ran 32-bit PV; the host is then rebooted with
    # pv=no-32 (here: the simulated host restarted with --no-pv32).
    tap.cmd_ok(lab.define(xenpvlab.guest_xml('x86_32p', name='abi32-later', arch='i686',
                                             memory_mib=MEMORY_MIB)),
               'abi32-later: defined on the 32-bit PV host')
    tap.cmd_ok(lab.define(plain_guest('abi32-noarch-later', K32, no_arch=True)),
               'abi32-noarch-later: defined on the 32-bit PV host (no arch)')
    lab.stop_libvirtd()
    lab.stop_simhost()
    lab.pv32 = False
    lab.start_simhost()
    lab.start_libvirtd()
    tap.diag('simulated host restarted with --no-pv32')
    capabilities(tap, lab, pv32=False)
    conn = lab.conn()
    before = lab.sim_domains()

    for name in ('abi32-later', 'abi32-noarch-later', 'abi-pygrub'):
        refused(tap, lambda: conn.lookupByName(name).create(), '%s: start' % name,
                [r'32-bit PAE'] + list(PV32_CAUSES))
        no_new_domain(tap, lab, before, '%s: start refused' % name)
        tap.eq(lab.domstate(name), 'shut off (unknown)', '%s: still shut off' % name)
    res = lab.virsh('start', 'abi32-later')
    tap.cmd_fails(res, 'virsh start of the 32-bit guest refused with the reason', r'CONFIG_PV32')

    xml = plain_guest('abi32-new', K32, no_arch=True)
    refused(tap, lambda: conn.defineXML(xml), 'define of a 32-bit guest (no arch)',
            list(PV32_CAUSES))
    refused(tap, lambda: conn.createXML(xml, 0), 'create of a 32-bit guest', list(PV32_CAUSES))
    refused(tap, lambda: conn.defineXML(plain_guest('abi32-new', K32, arch='i686')),
            'define of an i686 guest', list(PV32_CAUSES))
    no_new_domain(tap, lab, before, 'refusals on a host without 32-bit PV')

    # 64-bit guests are not affected.
    xml = plain_guest('abi64-here', K64, no_arch=True)
    tap.cmd_ok(lab.define(xml, start=True), 'a 64-bit guest still defines and starts')
    tap.eq(abi_element(dumpxml(lab, 'abi64-here')), ABI64, 'the 64-bit guest\'s ABI')
    lab.virsh('destroy', 'abi64-here')
    for name in ('abi64-here', 'abi32-later', 'abi32-noarch-later', 'abi-pygrub'):
        lab.virsh('undefine', name)


def body(tap, lab):
    capabilities(tap, lab, pv32=True)
    example_guest(tap, lab)
    arch_rules(tap, lab)
    pygrub(tap, lab)
    without_pv32(tap, lab)
    lab.pv32 = True
    tap.eq(lab.list_names('--all'), [], 'no guest left behind')


if __name__ == '__main__':
    xenpvlab.main(body)
