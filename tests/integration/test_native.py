#!/usr/bin/python3
"""
Xen config files in and out through virsh, as administrators use them:
`virsh domxml-from-native xen-xm` of the DVD Store guest's xm file (as its
2006 guide wrote it) gives XML that defines and starts on the simulated host
with the NFS-root settings on the kernel command line, and converts to xl and
back; every example converts both ways and validates against libvirt's
schema; every PV case of libvirt's own Xen driver tests (its xlconfigdata
and xmconfigdata) converts through this driver to exactly the XML and files
libvirt's driver gives, and the HVM and PVH cases are refused by name; what
PV allows but this driver does not run yet converts, and is refused at
define by name; an image format goes to QEMU's qdisk; a malformed file is
refused with its line number.
"""
import os
import re
import xml.etree.ElementTree as ET

import xenpvlab

FORMATS = (('xen-xm', '.xm.cfg'), ('xen-xl', '.xl.cfg'))
LIBVIRT_DATA = os.environ.get('XENPV_LIBVIRT_TESTDATA', '')
# The cases libvirt tests in one direction only (cfg -> XML), and the files
# it ships without testing them (tests/native/test-native-libvirt.c has the
# whole list).
LIBVIRT_TO_XML_ONLY = {'paravirt-cmdline-bogus-extra-root', 'paravirt-cmdline-extra-root',
                       'paravirt-type', 'paravirt-root', 'paravirt-extra-root'}
LIBVIRT_UNTESTED = {'paravirt-net-modelstr', 'sexpr2xml-pv-bootloader'}


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


def printed(res):
    """What a conversion gave, without the newline virsh prints after it
    (or its error)."""
    if res.rc != 0:
        return res.err
    return res.out[:-1] if res.out.endswith('\n') else res.out


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
    tap.eq(root.find('clock').attrib, {'offset': 'utc', 'adjustment': 'reset'},
           "clock as libvirt's Xen driver reads a PV file: utc, adjustment='reset'")
    tap.eq([(c.get('type')) for c in root.findall('devices/controller')], ['xenbus'],
           'the xenbus controller is there')
    tap.eq([(i.get('type'), i.get('bus')) for i in root.findall('devices/input')],
           [('mouse', 'xen'), ('keyboard', 'xen')], 'the PV mouse and keyboard are there')
    balloon = root.find('devices/memballoon')
    tap.eq(balloon.get('model') if balloon is not None else None, 'xen', 'the xen balloon is there')
    tap.ok(root.find('metadata') is None, 'no <metadata> of the driver in converted XML')

    xml_path = write_scratch('dvdstore-from-xm.xml', xml)
    tap.cmd_ok(lab.virsh('define', xml_path), 'converted DVD Store guest defines')
    tap.cmd_ok(lab.virsh('start', 'NFS-DVDStore'), 'converted DVD Store guest starts')
    tap.ok(lab.wait_state('NFS-DVDStore', r'^running'), 'DVD Store guest is running')
    domid = lab.domid('NFS-DVDStore')
    nfs_cmdline = re.compile(r'nfsroot=192\.168\.1\.1:/dvdstore')
    tap.ok(xenpvlab.wait_for(lambda: nfs_cmdline.search(lab.console_log('NFS-DVDStore'))),
           'the guest booted with the NFS-root command line (console)',
           lambda: lab.console_log('NFS-DVDStore')[-2000:])

    # The defined domain back out as an xl file, and that file back in: the
    # same XML, once libvirt's Xen driver's normalisation (the bridge's
    # vif-bridge script) has been applied by the first conversion.
    dumped = lab.virsh('dumpxml', '--inactive', 'NFS-DVDStore', quiet=False)
    tap.cmd_ok(dumped, 'dumpxml --inactive')
    tap.ok(ET.fromstring(dumped.out).find('metadata') is None,
           'no <metadata> in the defined guest\'s XML')
    dumped_path = write_scratch('dvdstore-defined.xml', dumped.out)
    xl = to_native(lab, 'xen-xl', dumped_path)
    tap.cmd_ok(xl, 'domxml-to-native xen-xl of the defined guest')
    tap.like(xl.out, r'cmdline = ".*nfsroot=192\.168\.1\.1:/dvdstore', 'xl config carries the NFS root settings')
    back = from_native(lab, 'xen-xl', write_scratch('dvdstore.xl.cfg', xl.out))
    tap.cmd_ok(back, 'domxml-from-native xen-xl of that config')
    again = to_native(lab, 'xen-xl', write_scratch('dvdstore-again.xml', back.out))
    tap.eq(again.out, xl.out, 'xl -> XML -> xl gives the same file')
    tap.eq(ET.fromstring(back.out).findtext('os/cmdline'), cmdline, 'the same command line')
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


def libvirt_cases():
    """(format, dir, name, kind) of every case in libvirt's test data, kind
    being 'pv', 'hvm' or 'pvh' as the .cfg says."""
    cases = []
    for fmt, sub in (('xen-xl', 'xlconfigdata'), ('xen-xm', 'xmconfigdata')):
        d = os.path.join(LIBVIRT_DATA, sub)
        for f in sorted(os.listdir(d)):
            if not f.endswith('.cfg'):
                continue
            name = re.sub(r'^test-', '', f[:-len('.cfg')])
            if name in LIBVIRT_UNTESTED:
                continue
            text = open(os.path.join(d, f)).read()
            kind = 'pv'
            if re.search(r'^(builder|type) = "hvm"', text, re.M):
                kind = 'hvm'
            elif re.search(r'^type = "pvh"', text, re.M):
                kind = 'pvh'
            cases.append((fmt, d, f[:-len('.cfg')], name, kind))
    return cases


def check_libvirt_data(tap, lab):
    """Through virsh, every case of libvirt's own Xen driver tests: the PV
    ones give exactly libvirt's XML (and its file back, where libvirt tests
    that direction); HVM and PVH are refused by name both ways."""
    if not os.path.isdir(os.path.join(LIBVIRT_DATA, 'xlconfigdata')):
        raise xenpvlab.Bail("libvirt's Xen test data is missing (%r); run "
                            "scripts/fetch-libvirt-headers.sh --test-data" % LIBVIRT_DATA)
    counts = {'pv': 0, 'hvm': 0, 'pvh': 0}
    for fmt, d, base, name, kind in libvirt_cases():
        cfg = os.path.join(d, base + '.cfg')
        xml = os.path.join(d, base + '.xml')
        counts[kind] += 1
        res = from_native(lab, fmt, cfg)
        if kind != 'pv':
            tap.cmd_fails(res, '%s %s (%s): refused' % (fmt, name, kind), kind)
            tap.cmd_fails(to_native(lab, fmt, xml), '%s %s (%s): its XML refused' % (fmt, name, kind),
                          kind)
            continue
        with open(xml) as f:
            want = f.read()
        tap.eq(printed(res), want,
               '%s %s: the XML libvirt\'s Xen driver gives' % (fmt, name))
        if name in LIBVIRT_TO_XML_ONLY:
            continue
        with open(cfg) as f:
            want = f.read()
        back = to_native(lab, fmt, xml)
        tap.eq(printed(back), want,
               '%s %s: the file libvirt\'s Xen driver writes' % (fmt, name))
    tap.diag('libvirt cases: %d PV, %d HVM, %d PVH' % (counts['pv'], counts['hvm'], counts['pvh']))
    tap.ok(counts['pv'] >= 20 and counts['hvm'] >= 40, 'all of libvirt\'s cases were looked at')


def check_not_runnable_yet(tap, lab):
    """What PV has and libvirt's XML can say, but this driver does not run
    yet, converts both ways and is refused at define, by name."""
    cases = [
        ('channel = [ "connection=pty,name=org.qemu.guest_agent.0" ]\n', r'PV channels'),
        ('usbctrl = [ "type=qusb,version=2,ports=4" ]\n', r'PV USB controllers'),
        ('pci = [ "0000:01:00.0" ]\n', r'PCI and USB passthrough'),
        ('e820_host = 1\n', r'e820_host'),
    ]
    head = 'name = "later"\nmemory = 64\nkernel = "%s"\n' % xenpvlab.DVDSTORE_KERNEL
    for extra, pattern in cases:
        key = extra.split()[0]
        res = from_native(lab, 'xen-xl', write_scratch('later.cfg', head + extra))
        tap.cmd_ok(res, 'xl key %s converts' % key)
        if res.rc != 0:
            continue
        path = write_scratch('later.xml', res.out)
        tap.cmd_ok(to_native(lab, 'xen-xl', path), 'xl key %s converts back' % key)
        tap.cmd_fails(lab.virsh('define', path), 'define with %s refused by name' % key, pattern)
    tap.ok('later' not in lab.list_names('--all'), 'nothing defined by those refusals')


def check_password_and_qdisk(tap, lab):
    """A VNC password survives the conversion; a qcow2 image and a raw one
    with <driver name='qemu'> (virt-install's default) run through QEMU's
    qdisk back end, as with libvirt's Xen driver."""
    img = '/var/lib/xenpv/images/qdisk-guest.qcow2'
    raw = '/var/lib/xenpv/images/qdisk-guest.raw'
    for p in (img, raw):
        with open(p, 'wb') as f:
            f.truncate(1 << 20)
    cfg = ('name = "qdisk-guest"\nmemory = 64\nkernel = "%s"\n'
           'vfb = [ "vnc=1,vncpasswd=s3cret" ]\n'
           'disk = [ "%s,qcow2,xvda,rw", "format=raw,vdev=xvdb,access=ro,target=%s" ]\n'
           % (os.path.join(xenpvlab.IMAGES_DIR, 'xenpv-test-x86_64.elf'), img, raw))
    res = from_native(lab, 'xen-xl', write_scratch('qdisk.cfg', cfg))
    tap.cmd_ok(res, 'xl file with qcow2 and a VNC password converts')
    if res.rc != 0:
        return
    root = ET.fromstring(res.out)
    tap.eq(root.find('devices/graphics').get('passwd'), 's3cret', 'the VNC password is kept')
    tap.eq([(d.find('driver').get('name'), d.find('driver').get('type'))
            for d in root.findall('devices/disk')], [('qemu', 'qcow2'), ('qemu', 'raw')],
           "disks are <driver name='qemu'> with their format")
    tap.cmd_ok(lab.virsh('define', write_scratch('qdisk.xml', res.out)), 'qdisk guest defines')
    tap.cmd_ok(lab.virsh('start', 'qdisk-guest'), 'qdisk guest starts')
    domid = lab.domid('qdisk-guest')
    for vdev, devid, params in (('xvda', 51712, 'qcow2:' + img), ('xvdb', 51728, 'aio:' + raw)):
        be = lab.store_read('/local/domain/%s/device/vbd/%d/backend' % (domid, devid)) or ''
        tap.eq(lab.store_read(be + '/type'), 'qdisk', '%s: served by qdisk' % vdev)
        tap.eq(lab.store_read(be + '/params'), params, '%s: qdisk params FORMAT:PATH' % vdev)
    # A disk that names no driver: none in the definition, and in the live
    # XML the back end it got, as libvirt's Xen driver shows it.
    plain = ET.fromstring(xenpvlab.guest_xml('x86_64', name='nodriver-guest', memory_mib=64))
    for drv in plain.findall('devices/disk/driver'):
        drv.attrib.pop('name', None)
    tap.cmd_ok(lab.define(ET.tostring(plain, encoding='unicode'), start=True),
               'a guest whose disk names no driver starts')
    live = ET.fromstring(lab.virsh('dumpxml', 'nodriver-guest').out)
    inactive = ET.fromstring(lab.virsh('dumpxml', '--inactive', 'nodriver-guest').out)
    tap.eq(live.find('devices/disk/driver').get('name'), 'phy',
           "its live XML shows the back end it got: <driver name='phy'>")
    tap.eq(inactive.find('devices/disk/driver').get('name'), None,
           'its definition still names no driver')
    for name in ('qdisk-guest', 'nodriver-guest'):
        lab.virsh('destroy', name)
        lab.virsh('undefine', name)


def check_refusals(tap, lab):
    cases = [
        ('builder = "hvm"\nname = "h"\nmemory = 128\n', r'builder|hvm', 'HVM builder'),
        ('type = "pvh"\nname = "h"\nmemory = 128\n', r'pvh', 'a PVH guest'),
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
    check_libvirt_data(tap, lab)
    check_not_runnable_yet(tap, lab)
    check_password_and_qdisk(tap, lab)
    check_refusals(tap, lab)


if __name__ == '__main__':
    xenpvlab.main(body)
