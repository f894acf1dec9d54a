#!/usr/bin/python3
"""
Guests outlive libvirtd: with several guests running (one paused), libvirtd
is stopped and started again, and every guest is found with its state and
domain id, while the simulated host ran them all along.  After a host
"reboot" (simulated host and /run started afresh) the autostart guest starts
with the daemon.  libvirtd --timeout exits when idle only if no guest runs,
and nothing is lost either way.
"""
import os
import shutil

import xenpvlab
from xenpvlab import wait_for

GUESTS = ['keep-a', 'keep-b', 'keep-c']
PAUSED = 'keep-c'
TRANSIENT = 'keep-transient'
AUTOSTART = 'auto-guest'
IDLE_TIMEOUT = 5


def snapshot(lab):
    """{name: (state, domid)} for every guest libvirt knows."""
    out = {}
    for name in lab.list_names('--all'):
        out[name] = (lab.domstate(name), lab.domid(name))
    return out


def set_up_guests(tap, lab):
    for name in GUESTS:
        xml = xenpvlab.guest_xml('x86_64', name=name, cmdline='sim.workload=selfcheck',
                                 memory_mib=64)
        tap.cmd_ok(lab.define(xml, start=True), '%s: define and start' % name)
    tap.cmd_ok(lab.virsh('suspend', PAUSED), '%s: suspend' % PAUSED)
    path = os.path.join(xenpvlab.SCRATCH_DIR, TRANSIENT + '.xml')
    with open(path, 'w') as f:
        f.write(xenpvlab.guest_xml('x86_64', name=TRANSIENT, memory_mib=64))
    tap.cmd_ok(lab.virsh('create', path), '%s: create (transient)' % TRANSIENT)
    xml = xenpvlab.guest_xml('x86_32p', name=AUTOSTART, memory_mib=64, arch='i686')
    tap.cmd_ok(lab.define(xml), '%s: define (not started)' % AUTOSTART)


def plain_restart(tap, lab):
    before = snapshot(lab)
    sim_before = lab.sim_view()
    tap.diag('before restart: %r' % before)
    tap.ok(sim_before is not None and len(sim_before) == len(GUESTS) + 1,
           'the simulated host runs %d guests' % (len(GUESTS) + 1), repr(sim_before))

    old_pid = lab.libvirtd_pid
    tap.ok(lab.stop_libvirtd(), 'libvirtd (pid %r) stopped' % old_pid)
    tap.eq(lab.sim_view(), sim_before, 'the simulated host runs the same guests with libvirtd down')
    lab.start_libvirtd()
    tap.ok(lab.libvirtd_pid != old_pid, 'libvirtd started again (pid %r)' % lab.libvirtd_pid)

    after = snapshot(lab)
    for name in GUESTS + [TRANSIENT]:
        state = 'paused (user)' if name == PAUSED else 'running (booted)'
        tap.eq(after.get(name, (None, None))[0], state, '%s: found again, %s' % (name, state))
        tap.eq(after.get(name, (None, None))[1], before[name][1],
               '%s: same domain id %r' % (name, before[name][1]))
    tap.eq(after.get(AUTOSTART), ('shut off (unknown)', None),
           '%s: still defined and shut off' % AUTOSTART)
    tap.eq(lab.dominfo(TRANSIENT).get('Persistent'), 'no', '%s: still transient' % TRANSIENT)
    tap.eq(lab.sim_view(), sim_before, 'the simulated host list is unchanged')

    # The daemon really drives them again.
    tap.cmd_ok(lab.virsh('resume', PAUSED), '%s: resume after the restart' % PAUSED)
    tap.eq(lab.domstate(PAUSED), 'running (unpaused)', '%s: running (unpaused)' % PAUSED)
    ok, text = lab.wait_selfcheck_ok(PAUSED, 30)
    tap.ok(ok, '%s: selfcheck OK' % PAUSED, repr(text))
    tap.cmd_ok(lab.virsh('suspend', PAUSED), '%s: suspend again' % PAUSED)
    tap.cmd_ok(lab.virsh('destroy', TRANSIENT), '%s: destroy after the restart' % TRANSIENT)
    tap.ok(TRANSIENT not in lab.list_names('--all'), '%s: gone' % TRANSIENT)

    # A guest that shuts down while libvirtd is away is found shut off.
    victim = GUESTS[1]
    victim_domid = lab.domid(victim)
    lab.stop_libvirtd()
    res = lab.simctl('shutdown', str(victim_domid), 'poweroff')
    if res.rc != 0:
        res = lab.simctl('destroy', str(victim_domid))
    tap.cmd_ok(res, '%s: stopped in the simulated host while libvirtd is down' % victim)
    wait_for(lambda: victim_domid not in (lab.sim_domains() or {}), 15)
    lab.start_libvirtd()
    tap.ok(lab.wait_state(victim, r'shut off', 15),
           '%s: found shut off after the restart (%s)' % (victim, lab.domstate(victim)))
    tap.ok(victim in lab.list_names('--all'), '%s: still defined' % victim)
    tap.cmd_ok(lab.virsh('start', victim), '%s: starts again' % victim)


def idle_timeout(tap, lab):
    """libvirtd --timeout N: stays while guests run, exits once none does."""
    before = snapshot(lab)
    lab.stop_libvirtd()
    lab.start_libvirtd(timeout=IDLE_TIMEOUT)
    pid = lab.libvirtd_pid
    lab.close_conn()
    exited = wait_for(lambda: xenpvlab.process_gone(pid), IDLE_TIMEOUT * 3)
    tap.ok(not exited, 'libvirtd --timeout %d does not exit while guests run' % IDLE_TIMEOUT)
    if exited:
        lab.start_libvirtd(timeout=IDLE_TIMEOUT)
        pid = lab.libvirtd_pid
    tap.eq(snapshot(lab), before, 'every guest as it was')

    for name in lab.list_names('--state-running') + lab.list_names('--state-paused'):
        lab.virsh('destroy', name)
    tap.eq(lab.list_names(), [], 'no guest runs')
    tap.ok(wait_for(lambda: xenpvlab.process_gone(pid), IDLE_TIMEOUT * 6),
           'libvirtd --timeout %d exits once no guest runs' % IDLE_TIMEOUT)
    lab.libvirtd_pid = None
    lab.start_libvirtd()
    after = snapshot(lab)
    tap.eq(sorted(after), sorted(before), 'every definition is still there')
    tap.ok(all((s or '').startswith('shut off') and d is None for (s, d) in after.values()),
           'all shut off after the idle exit', repr(after))


def host_reboot(tap, lab):
    """Daemon and host gone, /run empty: on its first start the daemon
    starts the autostart guest."""
    tap.cmd_ok(lab.virsh('autostart', AUTOSTART), '%s: autostart' % AUTOSTART)
    tap.cmd_ok(lab.virsh('start', GUESTS[0]), '%s: started before the reboot' % GUESTS[0])
    lab.stop_libvirtd()
    lab.stop_simhost()
    for entry in os.listdir('/run/libvirt'):
        p = os.path.join('/run/libvirt', entry)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)
    lab.start_simhost()
    lab.start_libvirtd()
    tap.ok(lab.wait_state(AUTOSTART, r'running', 30),
           '%s: started on daemon start after the host reboot (%s)'
           % (AUTOSTART, lab.domstate(AUTOSTART)))
    domid = lab.domid(AUTOSTART)
    tap.ok(domid is not None and domid in (lab.sim_domains() or {}),
           '%s: running in the simulated host' % AUTOSTART)
    for name in GUESTS:
        tap.ok((lab.domstate(name) or '').startswith('shut off'),
               '%s: shut off after the host reboot (%s)' % (name, lab.domstate(name)))
    # A plain restart does not start it a second time.
    tap.cmd_ok(lab.virsh('destroy', AUTOSTART), '%s: destroy' % AUTOSTART)
    lab.restart_libvirtd()
    tap.ok(not wait_for(lambda: (lab.domstate(AUTOSTART) or '').startswith('running'), 5),
           '%s: not started again by a plain daemon restart' % AUTOSTART)


def body(tap, lab):
    set_up_guests(tap, lab)
    plain_restart(tap, lab)
    idle_timeout(tap, lab)
    host_reboot(tap, lab)


if __name__ == '__main__':
    xenpvlab.main(body)
