#!/usr/bin/python3
"""
Xen config files in and out through virsh, as administrators use them:
`virsh domxml-from-native xen-xm` of the DVD Store guest's xm file (as its
2006 guide wrote it) gives XML that defines and starts on the simulated host
with the NFS-root settings on the kernel command line; `domxml-to-native
xen-xl` of it converts back to the same XML; every example converts both ways
and validates against libvirt's schema; what cannot be mapped is refused by
name, and a malformed file by line number.
"""
import os
import re
import xml.etree.ElementTree as ET

import xenpvlab

FORMATS = (('xen-xm', '.xm.cfg'), ('xen-xl', '.xl.cfg'))


def write_scratch(name, text):
    path = os.path.join(xenpvlab.SCRATCH_DIR, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def canonical(xml):
    """The XML with what libvirt generates afresh on every parse removed
    (nothing else), so two conversions can be compared."""
    root = ET.fromstring(xml)
    for tag in ('uuid',):
        for el in root.findall(tag):
            root.remove(el)
    return ET.tostring(root, encoding='unicode')


def from_native(lab, fmt, path):
    return lab.virsh('domxml-from-native', fmt, path, quiet=False)


def to_native(lab, fmt, xml_path):
    return lab.virsh('domxml-to-native', fmt, xml_path, quiet=False)


def check_dvdstore(tap, lab):
    cfg = os.path.join(xenpvlab.EXAMPLES_DIR, 'dvdstore.cfg')
    res = from_native(lab, 'xen-xm', cfg)
    tap.cmd_ok(res, 'domxml-from-native xen-xm dvdstore.cfg')
    xml = res.out
    valid = xenpvlab.validate_domain_xml(xml)
    tap.ok(valid.rc == 0, 'DVD Store XML validates against domain.rng', lambda: str(valid))
    root = ET.fromstring(xml)
    cmdline = root.findtext('os/cmdline') or ''
    tap.like(cmdline, r'(^|\s)root=/dev/nfs(\s|$)', 'command line has root=/dev/nfs')
    tap.like(cmdline, r'nfsroot=192\.168\.1\.1:/dvdstore', 'command line has nfsroot=SERVER:ROOT')
    tap.like(cmdline, r'ip=XXX\.XXX\.XXX\.XXX:192\.168\.1\.1:[^ ]*:XXX\.XXX\.XXX\.XXX',
             'command line has the ip= settings as xm composed them')
    tap.eq(root.findtext('os/kernel'), xenpvlab.DVDSTORE_KERNEL, 'kernel from the xm file')
    tap.eq(root.findtext('name'), 'NFS-DVDStore', 'name from the xm file')
    mac = root.find('devices/interface/mac')
    tap.eq(mac.get('address') if mac is not None else None, '00:16:3e:00:00:11',
           'vif MAC from the xm file')

    xml_path = write_scratch('dvdstore-from-xm.xml', xml)
    tap.cmd_ok(lab.virsh('define', xml_path), 'converted DVD Store guest defines')
    tap.cmd_ok(lab.virsh('start', 'NFS-DVDStore'), 'converted DVD Store guest starts')
    tap.ok(lab.wait_state('NFS-DVDStore', r'^running'), 'DVD Store guest is running')
    domid = lab.domid('NFS-DVDStore')
    nfs_cmdline = re.compile(r'nfsroot=192\.168\.1\.1:/dvdstore')
    tap.ok(xenpvlab.wait_for(lambda: nfs_cmdline.search(lab.console_log('NFS-DVDStore'))),
           'the guest booted with the NFS-root command line (console)',
           lambda: lab.console_log('NFS-DVDStore')[-2000:])

    # The defined domain back out as an xl file, and that file back in.
    dumped = lab.virsh('dumpxml', '--inactive', 'NFS-DVDStore', quiet=False)
    tap.cmd_ok(dumped, 'dumpxml --inactive')
    dumped_path = write_scratch('dvdstore-defined.xml', dumped.out)
    xl = to_native(lab, 'xen-xl', dumped_path)
    tap.cmd_ok(xl, 'domxml-to-native xen-xl of the defined guest')
    tap.like(xl.out, r'nfs|root', 'xl config carries the NFS root settings')
    xl_path = write_scratch('dvdstore.xl.cfg', xl.out)
    back = from_native(lab, 'xen-xl', xl_path)
    tap.cmd_ok(back, 'domxml-from-native xen-xl of that config')
    tap.eq(canonical(back.out), canonical(dumped.out),
           'xl config converts back to the same XML')
    tap.eq(lab.domid('NFS-DVDStore'), domid, 'guest untouched by the conversions')
    tap.cmd_ok(lab.virsh('destroy', 'NFS-DVDStore'), 'destroy')
    tap.cmd_ok(lab.virsh('undefine', 'NFS-DVDStore'), 'undefine')


def check_examples(tap, lab):
    for path in sorted(os.listdir(xenpvlab.EXAMPLES_DIR)):
        if not path.endswith('.xml'):
            continue
        base = path[:-len('.xml')]
        xml_path = os.path.join(xenpvlab.EXAMPLES_DIR, path)
        for fmt, suffix in FORMATS:
            native = to_native(lab, fmt, xml_path)
            tap.cmd_ok(native, '%s: domxml-to-native %s' % (path, fmt))
            if native.rc != 0:
                continue
            native_path = write_scratch(base + suffix, native.out)
            xml1 = from_native(lab, fmt, native_path)
            tap.cmd_ok(xml1, '%s: back from %s' % (path, fmt))
            if xml1.rc != 0:
                continue
            valid = xenpvlab.validate_domain_xml(xml1.out)
            tap.ok(valid.rc == 0, '%s: XML from %s validates' % (path, fmt), str(valid))
            # native -> XML -> native is stable.
            again = to_native(lab, fmt, write_scratch(base + '.again.xml', xml1.out))
            tap.eq(again.out, native.out, '%s: %s -> XML -> %s is stable' % (path, fmt, fmt))
            shipped = os.path.join(xenpvlab.EXAMPLES_DIR, base + suffix)
            if os.path.exists(shipped):
                xml2 = from_native(lab, fmt, shipped)
                tap.cmd_ok(xml2, '%s: shipped %s converts' % (path, base + suffix))
                tap.eq(canonical(xml2.out), canonical(xml1.out),
                       '%s: shipped %s gives the same XML' % (path, base + suffix))


def check_arch_from_kernel(tap, lab):
    """xm and xl files name no arch: the kernel decides, so the 32-bit
    example converts to an i686 guest that defines and starts."""
    for fmt, suffix in FORMATS:
        res = from_native(lab, fmt, os.path.join(xenpvlab.EXAMPLES_DIR, 'pae-i686' + suffix))
        tap.cmd_ok(res, 'pae-i686%s converts' % suffix)
        root = ET.fromstring(res.out) if res.rc == 0 else None
        arch = root.find('os/type').get('arch') if root is not None else None
        tap.eq(arch, 'i686', 'the 32-bit kernel makes it an i686 guest (%s)' % fmt)
    path = write_scratch('pae-from-xl.xml', res.out)
    tap.cmd_ok(lab.virsh('define', path), 'converted 32-bit guest defines')
    name = ET.fromstring(res.out).findtext('name')
    tap.cmd_ok(lab.virsh('start', name), 'converted 32-bit guest starts')
    tap.cmd_ok(lab.virsh('destroy', name), 'destroy')
    tap.cmd_ok(lab.virsh('undefine', name), 'undefine')


def check_refusals(tap, lab):
    cases = [
        ('builder = "hvm"\nname = "h"\nmemory = 128\n', r'builder|hvm', 'HVM builder'),
        ('name = "d"\nmemory = 128\nkernel = "/k"\ndevice_model_version = "qemu-xen"\n',
         r'device_model_version', 'a device-model key'),
        ('name = "u"\nmemory = 128\nkernel = "/k"\nusbdevice = "tablet"\n',
         r'usbdevice', 'an emulated USB device'),
    ]
    for text, pattern, desc in cases:
        for fmt, suffix in FORMATS:
            res = from_native(lab, fmt, write_scratch('refuse' + suffix, text))
            tap.cmd_fails(res, '%s refused (%s)' % (desc, fmt), pattern)
    res = from_native(lab, 'xen-xm', write_scratch('bad.cfg', 'name = "x"\nmemory = = 3\n'))
    tap.cmd_fails(res, 'malformed xm file refused with its line number', r'conf:2:|line 2')
    sound = ET.fromstring(xenpvlab.guest_xml('x86_64', name='sound'))
    ET.SubElement(sound.find('devices'), 'sound', model='ich6')
    path = write_scratch('sound.xml', ET.tostring(sound, encoding='unicode'))
    res = to_native(lab, 'xen-xl', path)
    tap.cmd_fails(res, 'XML with <sound> refused by to-native', r'sound')
    tap.cmd_ok(lab.virsh('version'), 'daemon still serving')


def body(tap, lab):
    check_dvdstore(tap, lab)
    check_examples(tap, lab)
    check_arch_from_kernel(tap, lab)
    check_refusals(tap, lab)


if __name__ == '__main__':
    xenpvlab.main(body)
