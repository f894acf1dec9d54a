#!/usr/bin/python3
"""
Jobs interrupted by a killed libvirtd are finished or undone by the next
one: libvirtd SIGKILLed while it saves a 1 GiB guest (running, or paused
for a managed save) leaves, after a restart, the guest running (or paused)
and intact, the half-written image gone, and nothing pmsuspended; killed
while it restores one leaves no half-built domain in the hypervisor, the
image in place, and a restore that works again.

The kill waits for the job to be under way (the job recorded in the status
XML, the guest suspended in the simulated host, the image growing), never
for a fixed time.
"""
import os
import re
import subprocess

import xenpvlab

SAVE_DIR = '/var/lib/xenpv/save'
STATUS_DIR = '/run/libvirt/xenpv'
MANAGED_SAVE_DIR = '/var/lib/libvirt/xenpv/save'
GUEST_MIB = 1024


def recorded_job(lab, name):
    """The kind of job the domain's status records, or None."""
    text = xenpvlab.read_file(lab.path(os.path.join(STATUS_DIR, name + '.xml')))
    m = re.search(r"<job kind='([a-z-]+)'", text)
    return m.group(1) if m else None


def sim_state(lab, name):
    """The simulated host's state flags of the domain called @name."""
    doms = lab.sim_domains() or {}
    for v in doms.values():
        if v['name'] == name:
            return v['state']
    return None


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def start_guest(tap, lab, name):
    xml = xenpvlab.guest_xml('x86_64', name=name, cmdline='sim.workload=selfcheck',
                             memory_mib=GUEST_MIB)
    if not tap.cmd_ok(lab.define(xml, start=True), '%s: a %d MiB selfcheck guest runs'
                      % (name, GUEST_MIB)):
        return False
    ok, text = lab.wait_selfcheck_ok(name, 60)
    return tap.ok(ok, '%s: selfcheck OK after boot' % name, repr(text))


def background_virsh(*args):
    return subprocess.Popen(['virsh', '-q', '-c', xenpvlab.URI] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when(tap, lab, what, proc, condition, timeout=60):
    """SIGKILL libvirtd as soon as @condition() holds; True if it did."""
    under_way = xenpvlab.wait_for(lambda: condition() or proc.poll() is not None,
                                  timeout, 0.01)
    if not tap.ok(under_way and proc.poll() is None and condition(),
                  '%s is under way when libvirtd is killed' % what,
                  lambda: 'the client ended first: rc %s, %s' % (proc.poll(),
                                                                  proc.communicate()[1])):
        proc.kill()
        proc.wait()
        return False
    tap.ok(lab.kill_libvirtd(), 'libvirtd killed (SIGKILL) while %s' % what)
    _, err = proc.communicate(timeout=60)
    tap.ok(proc.returncode != 0, 'the client reports the failure of %s' % what, err)
    return True


def interrupted_save(tap, lab, name, managed):
    """virsh save (or managedsave of a paused guest) killed mid-stream."""
    if not start_guest(tap, lab, name):
        return
    domid = lab.domid(name)
    resumes = int((xenpvlab.selfcheck_fields(lab.selfcheck(domid)) or {}).get('resumes', 0))
    if managed:
        tap.cmd_ok(lab.virsh('suspend', name), '%s: paused before its managed save' % name)
        path = os.path.join(MANAGED_SAVE_DIR, name + '.save')
        proc = background_virsh('managedsave', name)
        what = 'the managed save of %s' % name
    else:
        path = os.path.join(SAVE_DIR, name + '.save')
        proc = background_virsh('save', name, path)
        what = 'the save of %s' % name

    def saving():
        return (recorded_job(lab, name) == 'save' and 's' in (sim_state(lab, name) or '') and
                file_size(lab.path(path)) > 8 << 20)
    if not kill_when(tap, lab, what, proc, saving):
        return
    tap.ok('s' in (sim_state(lab, name) or ''),
           '%s: suspended in the hypervisor with no daemon' % name,
           lambda: repr(lab.sim_domains()))

    lab.start_libvirtd()
    expected = 'paused' if managed else 'running'
    tap.ok(lab.wait_state(name, expected, 30),
           '%s: %s again after the restart' % (name, expected),
           lambda: 'state %r' % lab.domstate(name))
    tap.eq(lab.domid(name), domid, '%s: the same domain (domid %d), not a copy' % (name, domid))
    tap.ok(not os.path.exists(lab.path(path)), '%s: the unfinished image is removed' % name,
           path)
    tap.eq(lab.dominfo(name).get('Managed save'), 'no', '%s: no managed save recorded' % name)
    tap.eq(recorded_job(lab, name), None, '%s: no job left in its status' % name)
    if managed:
        tap.cmd_ok(lab.virsh('resume', name), '%s: virsh resume' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=resumes + 1)
    tap.ok(ok, '%s: its memory verified intact after the resume' % name,
           lambda: 'store says %r; console:\n%s' % (text, lab.console_log(name)[-1500:]))
    state = lab.domstate(name) or ''
    tap.ok(state.startswith('running'), '%s: running, not pmsuspended (%s)' % (name, state))
    lab.virsh('destroy', name)
    lab.virsh('undefine', name)


def interrupted_restore(tap, lab, name):
    """virsh restore killed while the domain is being built from the image."""
    if not start_guest(tap, lab, name):
        return
    path = os.path.join(SAVE_DIR, name + '.save')
    if not tap.cmd_ok(lab.virsh('save', name, path, timeout=180), '%s: saved' % name):
        return
    proc = background_virsh('restore', path)

    def restoring():
        return recorded_job(lab, name) == 'start' and sim_state(lab, name) is not None
    if not kill_when(tap, lab, 'the restore of %s' % name, proc, restoring):
        return

    lab.start_libvirtd()
    state = lab.domstate(name) or ''
    tap.ok(state.startswith('shut off'), '%s: shut off after the restart (%s)' % (name, state))
    tap.ok(xenpvlab.wait_for(lambda: sim_state(lab, name) is None, 10),
           '%s: nothing half-built is left in the hypervisor' % name,
           lambda: lab.simctl('list').out)
    tap.ok(os.path.getsize(lab.path(path)) > GUEST_MIB << 20,
           '%s: the image is still there' % name)
    tap.cmd_ok(lab.virsh('restore', path, timeout=180), '%s: restore works again' % name)
    ok, text = lab.wait_selfcheck_ok(name, 60, min_resumes=1)
    tap.ok(ok, '%s: restored intact' % name, repr(text))
    lab.virsh('destroy', name)
    lab.virsh('undefine', name)


def body(tap, lab):
    interrupted_save(tap, lab, 'saving', managed=False)
    interrupted_save(tap, lab, 'managed', managed=True)
    interrupted_restore(tap, lab, 'restoring')


if __name__ == '__main__':
    xenpvlab.main(body)
