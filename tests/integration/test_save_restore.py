#!/usr/bin/python3
"""
Save and restore a guest whose workload checks its own memory
(sim.workload=selfcheck): virsh save / restore twice over, each time the
guest reports its memory intact from its new domain; managed save and start;
save-image-dumpxml; the same for a 32-bit PAE guest.
"""
import os
import re
import xml.etree.ElementTree as ET

import xenpvlab
from xenpvlab import libvirt

SAVE_DIR = '/var/lib/xenpv/save'


def console_selfchecks(lab, name):
    return re.findall(r'selfcheck: (OK|FAIL)[^\n]*', lab.console_log(name))


def save_restore_cycle(tap, lab, name, n):
    path = os.path.join(SAVE_DIR, '%s-%d.save' % (name, n))
    domid = lab.domid(name)
    before = xenpvlab.selfcheck_fields(lab.selfcheck(domid)) or {}
    resumes = int(before.get('resumes', 0))
    checks_before = len(console_selfchecks(lab, name))
    res = lab.virsh('save', name, path, timeout=120)
    tap.cmd_ok(res, '%s: save #%d' % (name, n))
    tap.ok(os.path.exists(path) and os.path.getsize(path) > 0,
           '%s: save #%d wrote %s' % (name, n, path))
    tap.eq(lab.domstate(name), 'shut off (saved)', '%s: state after save' % name)
    doms = lab.sim_domains()
    tap.ok(doms is not None and domid not in doms,
           '%s: domain %r gone from the simulated host after save' % (name, domid),
           lambda: lab.simctl('list').out)

    res = lab.virsh('save-image-dumpxml', path)
    if tap.cmd_ok(res, '%s: save-image-dumpxml #%d' % (name, n)):
        root = ET.fromstring(res.out)
        tap.eq(root.findtext('name'), name, '%s: the saved image names the guest' % name)
        tap.ok(root.get('type') == 'xen' and root.findtext('os/type') in ('xen', 'linux'),
               '%s: the saved image is a xen PV guest' % name, res.out)
        val = xenpvlab.validate_domain_xml(res.out)
        tap.ok(val.rc == 0, '%s: the saved XML is valid against domain.rng' % name, val.err)

    res = lab.virsh('restore', path, timeout=120)
    tap.cmd_ok(res, '%s: restore #%d' % (name, n))
    tap.eq(lab.domstate(name), 'running (restored)', '%s: running (restored)' % name)
    new_domid = lab.domid(name)
    tap.ok(new_domid is not None and new_domid > 0, '%s: restored as domain %r' % (name, new_domid))
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=resumes + 1)
    tap.ok(ok, '%s: selfcheck verified all memory OK after restore #%d (domain %r)'
           % (name, n, new_domid),
           lambda: 'store says %r; console:\n%s' % (text, lab.console_log(name)[-2000:]))
    checks = console_selfchecks(lab, name)
    tap.ok(len(checks) > checks_before and 'FAIL' not in checks,
           '%s: the console shows a new selfcheck after restore, and no FAIL' % name,
           lambda: repr(checks))


def managed_save(tap, lab, name):
    before = xenpvlab.selfcheck_fields(lab.selfcheck(lab.domid(name))) or {}
    resumes = int(before.get('resumes', 0))
    res = lab.virsh('managedsave', name, timeout=120)
    tap.cmd_ok(res, '%s: managedsave' % name)
    tap.eq(lab.domstate(name), 'shut off (saved)', '%s: state after managedsave' % name)
    tap.eq(lab.dominfo(name).get('Managed save'), 'yes', '%s: dominfo Managed save yes' % name)
    res = lab.virsh('list', '--all', '--managed-save', '--name')
    tap.ok(name in res.out.split(), '%s: in list --managed-save' % name, str(res))
    res = lab.virsh('managedsave-dumpxml', name)
    tap.ok(res.rc == 0 and '<name>%s</name>' % name in res.out,
           '%s: managedsave-dumpxml' % name, str(res))

    res = lab.virsh('start', name, timeout=120)
    tap.cmd_ok(res, '%s: start restores the managed save' % name)
    tap.eq(lab.domstate(name), 'running (restored)', '%s: running (restored)' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=resumes + 1)
    tap.ok(ok, '%s: selfcheck OK after managed save and start' % name, repr(text))
    tap.eq(lab.dominfo(name).get('Managed save'), 'no',
           '%s: the managed save image is used up' % name)

    # managedsave-remove: the next start boots afresh.
    res = lab.virsh('managedsave', name, timeout=120)
    tap.cmd_ok(res, '%s: managedsave again' % name)
    res = lab.virsh('managedsave-remove', name)
    tap.cmd_ok(res, '%s: managedsave-remove' % name)
    tap.eq(lab.dominfo(name).get('Managed save'), 'no', '%s: no managed save after remove' % name)
    res = lab.virsh('start', name)
    tap.cmd_ok(res, '%s: start after managedsave-remove' % name)
    tap.eq(lab.domstate(name), 'running (booted)', '%s: booted afresh' % name)


def guest(tap, lab, kind, name, arch=None):
    xml = xenpvlab.guest_xml(kind, name=name, cmdline='sim.workload=selfcheck', memory_mib=128,
                             arch=arch)
    res = lab.define(xml, start=True)
    if not tap.cmd_ok(res, '%s: define and start a selfcheck guest' % name):
        lab.virsh('undefine', name)
        return
    ok, text = lab.wait_selfcheck_ok(name, 60)
    tap.ok(ok, '%s: selfcheck OK after boot' % name,
           lambda: 'store says %r; console:\n%s' % (text, lab.console_log(name)[-2000:]))
    for n in (1, 2):
        save_restore_cycle(tap, lab, name, n)
    managed_save(tap, lab, name)

    # A paused guest stays paused through save/restore --paused.
    path = os.path.join(SAVE_DIR, '%s-paused.save' % name)
    res = lab.virsh('save', name, path, '--paused', timeout=120)
    tap.cmd_ok(res, '%s: save --paused' % name)
    res = lab.virsh('restore', path, timeout=120)
    tap.cmd_ok(res, '%s: restore of an image saved --paused' % name)
    tap.ok((lab.domstate(name) or '').startswith('paused'),
           '%s: restored paused (%s)' % (name, lab.domstate(name)))
    res = lab.virsh('resume', name)
    tap.cmd_ok(res, '%s: resume after restore' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=1)
    tap.ok(ok, '%s: selfcheck OK after a paused restore and resume' % name, repr(text))

    lab.virsh('destroy', name)
    lab.virsh('undefine', name)


STREAM_FORMAT_OFFSET = 88    # docs/save-format.md


def foreign_streams(tap, lab):
    """A save image records its back end's stream format and version; a
    stream this host's back end does not read is refused before anything is
    built, and the image and the guest's definition are left as they were."""
    name = 'streamfmt'
    xml = xenpvlab.guest_xml('x86_64', name=name, memory_mib=32)
    if not tap.cmd_ok(lab.define(xml, start=True), '%s: define and start' % name):
        return
    path = os.path.join(SAVE_DIR, '%s.save' % name)
    if not tap.cmd_ok(lab.virsh('save', name, path, timeout=120), '%s: save' % name):
        return
    with open(path, 'rb') as f:
        header = f.read(128)
    fmt = header[STREAM_FORMAT_OFFSET:STREAM_FORMAT_OFFSET + 16].rstrip(b'\0').decode()
    version = int.from_bytes(header[STREAM_FORMAT_OFFSET + 16:STREAM_FORMAT_OFFSET + 20],
                             'little')
    tap.eq((fmt, version), ('xenpv-sim', 1), '%s: the image records the sim stream, version 1'
           % name)

    def patched(label, new_fmt, new_version):
        copy = os.path.join(SAVE_DIR, '%s-%s.save' % (name, label))
        with open(path, 'rb') as src, open(copy, 'wb') as dst:
            data = bytearray(src.read())
            data[STREAM_FORMAT_OFFSET:STREAM_FORMAT_OFFSET + 16] = new_fmt.encode().ljust(16, b'\0')
            data[STREAM_FORMAT_OFFSET + 16:STREAM_FORMAT_OFFSET + 20] = \
                new_version.to_bytes(4, 'little')
            dst.write(data)
        return copy

    conn = lab.conn()
    xen_image = patched('xen', 'libxc', 3)
    tap.libvirt_error(lambda: conn.restore(xen_image), libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
                      '%s: restore of a Xen (libxc) stream on the simulated host' % name,
                      r"'libxc' save stream.*'sim' hypervisor back end reads only 'xenpv-sim'")
    newer = patched('newer', 'xenpv-sim', 2)
    tap.libvirt_error(lambda: conn.restore(newer), libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
                      '%s: restore of a newer sim stream' % name,
                      r'version 2, newer than the version 1')
    res = lab.virsh('save-image-dumpxml', xen_image)
    tap.ok(res.rc == 0 and '<name>%s</name>' % name in res.out,
           '%s: the definition in a foreign image can still be read' % name, str(res))
    tap.eq(lab.domstate(name), 'shut off (saved)', '%s: untouched by the refused restores' % name)
    tap.cmd_ok(lab.virsh('restore', path, timeout=120), '%s: the genuine image restores' % name)
    lab.virsh('destroy', name)
    lab.virsh('undefine', name)


def body(tap, lab):
    foreign_streams(tap, lab)
    guest(tap, lab, 'x86_64', 'saver64')
    guest(tap, lab, 'x86_32p', 'saver32', arch='i686')

    # Restoring a file that is not a save image fails cleanly.
    bogus = os.path.join(SAVE_DIR, 'bogus.save')
    with open(bogus, 'wb') as f:
        f.write(b'this is not a libvirt save image\n' * 64)
    res = lab.virsh('restore', bogus)
    tap.cmd_fails(res, 'restore of a file that is not a save image fails')
    tap.eq(lab.list_names('--all'), [], 'nothing was created by the bogus restore')

    # Nor does a FIFO hold up the daemon, waiting for someone to write it.
    fifo = os.path.join(SAVE_DIR, 'fifo.save')
    os.mkfifo(fifo)
    res = lab.virsh('restore', fifo, timeout=20)
    tap.cmd_fails(res, 'restore of a FIFO fails at once', r'not a regular file')
    tap.ok(lab.virsh('list').rc == 0, 'libvirtd still answers after the FIFO restore')


if __name__ == '__main__':
    xenpvlab.main(body)
