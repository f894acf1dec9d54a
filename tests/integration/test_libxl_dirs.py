#!/usr/bin/python3
"""
A host that switches from libvirt's own Xen driver (libxl) to this one keeps
its guests: definitions are read and written where libxl keeps them
(/etc/libvirt/libxl, autostart links in its autostart/), so that the files
libxl left are this driver's guests, autostart included, and a switch back
finds what was defined here.  An HVM guest's definition is listed and kept
as it is, its start refused by name; a file that cannot be loaded at all is
left alone and not overwritten by a define of its name.  A guest with
libxl's status file (it may still run under libxl) or libxl's managed save
image (its memory) is not booted afresh, except with --force-boot, which
discards the image as libxl does.  Definitions of an earlier version of this driver, in
/etc/libvirt/xenpv, are moved over with their autostart links.
"""
import os

import xenpvlab

LIBXL_DIR = '/etc/libvirt/libxl'
LIBXL_AUTOSTART = os.path.join(LIBXL_DIR, 'autostart')
LIBXL_STATUS_DIR = '/run/libvirt/libxl'
LIBXL_SAVE_DIR = '/var/lib/libvirt/libxl/save'
OLD_DIR = '/etc/libvirt/xenpv'

# What libvirt writes at the top of every definition it keeps.
HEADER = """<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit %s
or other application using the libvirt API.
-->

"""

HVM_XML = """<domain type='xen'>
  <name>libxl-hvm</name>
  <uuid>4b7e0c52-7d57-4a9b-8f55-0d1f9a4a1c01</uuid>
  <memory unit='KiB'>131072</memory>
  <currentMemory unit='KiB'>131072</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='xenfv'>hvm</type>
    <loader type='rom'>/usr/lib/xen-4.17/boot/hvmloader</loader>
    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/><pae/></features>
  <clock offset='variable' adjustment='0' basis='utc'/>
  <devices>
    <emulator>/usr/lib/xen-4.17/bin/qemu-system-i386</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/libxl-hvm.img'/>
      <target dev='hda' bus='ide'/>
    </disk>
  </devices>
</domain>
"""


# A definition cut short (a full disk, an editor's crash): libvirt cannot
# parse it.
BROKEN_XML = """<domain type='xen'>
  <name>broken</name>
  <memory unit='KiB'>131072</memory>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</t"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def libxl_definition(name, directory=LIBXL_DIR, autostart=False):
    """A PV guest's definition placed as libvirt's driver leaves it."""
    path = os.path.join(directory, name + '.xml')
    xml = xenpvlab.guest_xml(name=name, memory_mib=64, cmdline='sim.workload=selfcheck')
    write(path, HEADER % name + xml + '\n')
    if autostart:
        link = os.path.join(directory, 'autostart', name + '.xml')
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(path, link)
    return path


def place_files():
    """What a host run by libvirt's Xen driver (and by an earlier version of
    this one) has on disk, before this driver's daemon starts."""
    libxl_definition('libxl-pv', autostart=True)
    libxl_definition('libxl-running')
    write(os.path.join(LIBXL_STATUS_DIR, 'libxl-running.xml'),
          "<domstatus state='running' reason='booted' pid='-1'/>\n")
    libxl_definition('libxl-saved')
    write(os.path.join(LIBXL_SAVE_DIR, 'libxl-saved.save'), 'libxl save image\n')
    write(os.path.join(LIBXL_DIR, 'libxl-hvm.xml'), HEADER % 'libxl-hvm' + HVM_XML)
    write(os.path.join(LIBXL_DIR, 'broken.xml'), BROKEN_XML)
    libxl_definition('old-pv', directory=OLD_DIR, autostart=True)


def check_loaded(tap, lab):
    names = lab.list_names('--all')
    for name in ('libxl-pv', 'libxl-running', 'libxl-saved', 'old-pv'):
        tap.ok(name in names, '%s: listed by virsh list --all' % name, names)
    tap.ok(lab.wait_state('libxl-pv', r'^running'),
           'libxl-pv: started by itself (its autostart link in %s)' % LIBXL_AUTOSTART,
           lambda: lab.domstate('libxl-pv'))
    tap.eq(lab.dominfo('libxl-pv').get('Autostart'), 'enable', 'libxl-pv: dominfo says autostart')
    tap.ok(lab.wait_selfcheck_ok('libxl-pv')[0], 'libxl-pv: the guest runs')
    info = lab.dominfo('libxl-running')
    tap.eq(info.get('State'), 'shut off', 'libxl-running: shut off here')


def check_old_dir(tap, lab):
    moved = os.path.join(LIBXL_DIR, 'old-pv.xml')
    tap.ok(os.path.exists(moved) and not os.path.exists(OLD_DIR),
           'old-pv: its definition moved from %s to %s' % (OLD_DIR, LIBXL_DIR),
           lambda: xenpvlab.run(['ls', '-lR', OLD_DIR, LIBXL_DIR]).out)
    link = os.path.join(LIBXL_AUTOSTART, 'old-pv.xml')
    tap.eq(os.readlink(link) if os.path.islink(link) else None, moved,
           'old-pv: its autostart link too')
    tap.ok(lab.wait_state('old-pv', r'^running'), 'old-pv: autostarted')


def check_hvm(tap, lab, before):
    path = os.path.join(LIBXL_DIR, 'libxl-hvm.xml')
    tap.ok('libxl-hvm' in lab.list_names('--all'), 'libxl-hvm: an HVM guest is listed')
    res = lab.virsh('start', 'libxl-hvm')
    tap.cmd_fails(res, 'libxl-hvm: its start is refused by name', r'PV guests only')
    tap.eq(xenpvlab.read_file(path), before, 'libxl-hvm: its file is unchanged')


def check_unloadable(tap, lab, before):
    path = os.path.join(LIBXL_DIR, 'broken.xml')
    tap.ok('broken' not in lab.list_names('--all'), 'broken: a file that does not parse is not loaded')
    res = lab.define(xenpvlab.guest_xml(name='broken', memory_mib=64))
    tap.cmd_fails(res, 'broken: defining a guest of its name is refused, naming the file',
                  r'%s.*did not load' % path)
    tap.eq(xenpvlab.read_file(path), before, 'broken: its file is unchanged')
    tap.ok('broken' not in lab.list_names('--all'), 'broken: still nothing of that name')


def check_libxl_running(tap, lab):
    status = os.path.join(LIBXL_STATUS_DIR, 'libxl-running.xml')
    before = lab.sim_domains()
    res = lab.virsh('start', 'libxl-running')
    tap.cmd_fails(res, 'libxl-running: start refused while libxl\'s status says it runs',
                  r"libxl driver and may still be running.*%s" % status)
    tap.eq(lab.sim_domains(), before, 'libxl-running: nothing was built')
    os.unlink(status)
    tap.cmd_ok(lab.virsh('start', 'libxl-running'), 'libxl-running: starts once that status is gone')
    lab.virsh('destroy', 'libxl-running')


def check_libxl_saved(tap, lab):
    image = os.path.join(LIBXL_SAVE_DIR, 'libxl-saved.save')
    res = lab.virsh('start', 'libxl-saved')
    tap.cmd_fails(res, 'libxl-saved: start refused, naming libxl\'s managed save image',
                  r"managed save image of libvirt's libxl driver.*%s.*--force-boot" % image)
    tap.ok(os.path.exists(image), 'libxl-saved: the image is kept')
    tap.cmd_ok(lab.virsh('start', '--force-boot', 'libxl-saved'),
               'libxl-saved: start --force-boot boots it')
    tap.ok(not os.path.exists(image), 'libxl-saved: --force-boot discarded libxl\'s image')
    lab.virsh('destroy', 'libxl-saved')


def check_define_here(tap, lab):
    name = 'new-pv'
    path = os.path.join(LIBXL_DIR, name + '.xml')
    tap.cmd_ok(lab.define(xenpvlab.guest_xml(name=name, memory_mib=64)), '%s: define' % name)
    tap.ok(os.path.exists(path), '%s: its definition is in %s' % (name, LIBXL_DIR))
    valid = xenpvlab.run(['xmllint', '--noout', '--relaxng', xenpvlab.DOMAIN_RNG, path])
    tap.cmd_ok(valid, '%s: the file is libvirt domain XML (its schema), for libxl to read' % name)
    tap.cmd_ok(lab.virsh('autostart', name), '%s: autostart' % name)
    link = os.path.join(LIBXL_AUTOSTART, name + '.xml')
    tap.eq(os.readlink(link) if os.path.islink(link) else None, path,
           '%s: its autostart link is in %s' % (name, LIBXL_AUTOSTART))

    lab.restart_libvirtd()
    tap.ok(name in lab.list_names('--all'), '%s: still defined after a daemon restart' % name)
    tap.cmd_ok(lab.virsh('undefine', name), '%s: undefine' % name)
    tap.ok(not os.path.exists(path) and not os.path.lexists(link),
           '%s: its file and link are gone' % name)


def body(tap, lab):
    place_files()
    hvm_before = xenpvlab.read_file(os.path.join(LIBXL_DIR, 'libxl-hvm.xml'))
    broken_before = xenpvlab.read_file(os.path.join(LIBXL_DIR, 'broken.xml'))
    lab.start_libvirtd()
    check_loaded(tap, lab)
    check_old_dir(tap, lab)
    check_hvm(tap, lab, hvm_before)
    check_unloadable(tap, lab, broken_before)
    check_libxl_running(tap, lab)
    check_libxl_saved(tap, lab)
    check_define_here(tap, lab)


if __name__ == '__main__':
    xenpvlab.main(body, libvirtd=False)
