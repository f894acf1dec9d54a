#!/usr/bin/python3
"""
The hand-over of a migration, with a daemon killed at each of its commit
points: the source right after recording GO (before sending it), the
destination right after receiving GO (before recording that it runs the
guest), the destination right after recording it (before telling the
source), and the source right after hearing TAKEN (before recording it).  The daemons end themselves exactly there (XENPV_TEST_CRASH_AT,
the test-only crash points of docs/migration.md).  Whatever happens, the
guest ends up running exactly once, intact: the source asks the
destination what came of the migration, keeps the guest paused while it
cannot be asked, and settles it once it can.  An operator's virsh resume
settles a held guest too.

Every wait polls a condition (a daemon gone, the job recorded, where the
guest runs) with a deadline.
"""
import migrationlab
import xenpvlab
from migrationlab import HANDING, Guest, recorded_job, sim_names

CRASH = 'XENPV_TEST_CRASH_AT'


def arm(host, point):
    """Restart @host's libvirtd so that it ends itself at @point."""
    host.stop_libvirtd()
    host.start_libvirtd(env={CRASH: point})


def migrate_into_crash(tap, lab, name, victim, point, what, *flags):
    """A guest @name started on xenpv-a and migrated live (virsh migrate
    @flags) to xenpv-b, whose side @victim ends itself at @point:
    (the Guest, virsh's Result, whether the daemon ended there), or
    (None, None, False) if the guest did not start."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, name)
    if not g.ok:
        return None, None, False
    arm(victim, point)
    res = a.virsh('migrate', '--live', *flags, g.name, b.uri(), timeout=120)
    tap.ok(res.rc != 0, '%s: %s: virsh migrate fails' % (g.name, what), res.err)
    ended = tap.ok(xenpvlab.wait_for(lambda: not victim.libvirtd_running(), 60),
                   '%s: %s: libvirtd on %s ended itself at %s' % (g.name, what, victim.name,
                                                                   point),
                   lambda: victim.log_tail(10))
    return g, res, ended


def held(tap, g, src, what):
    """The source keeps the guest paused, for the migration, while the
    destination cannot be asked."""
    ok = xenpvlab.wait_for(lambda: (recorded_job(src, g.name) or (None, None))[1] == HANDING and
                           (src.virsh('domstate', '--reason', g.name).out.strip() ==
                            'paused (migrating)'), 30)
    tap.ok(ok, '%s: %s: %s holds the guest paused (migrating) while the destination is down'
           % (g.name, what, src.name),
           lambda: 'job %r, state %r' % (recorded_job(src, g.name),
                                         src.virsh('domstate', '--reason', g.name).out))
    res = src.virsh('save', g.name, '/var/lib/xenpv/save/held.save')
    tap.ok(res.rc != 0 and 'held paused' in res.err,
           '%s: %s: a save of the held guest is refused, saying why' % (g.name, what), res.err)


def settled(tap, src, name, what):
    return tap.ok(xenpvlab.wait_for(lambda: recorded_job(src, name) is None, 60),
                  '%s: %s: %s settled the migration' % (name, what, src.name),
                  lambda: repr(recorded_job(src, name)))


def handed_over(tap, g, src, dst, what):
    """@src settled the migration the destination @dst took: its copy is
    destroyed, and the guest runs on @dst only, intact."""
    settled(tap, src, g.name, what)
    tap.ok(xenpvlab.wait_for(lambda: g.name not in sim_names(src), 30),
           '%s: %s: the copy on %s is destroyed' % (g.name, what, src.name),
           lambda: src.simctl('list').out)
    state = dst.domstate(g.name) or ''
    tap.ok(state.startswith('running'), '%s: %s: running on %s (%s)' % (g.name, what, dst.name,
                                                                      state))
    g.only_on(dst, [src], what)
    g.intact_on(dst, what)


def source_killed_before_go(tap, lab):
    """Client-managed: the source records GO and ends.  The destination,
    never told GO, tears down; the restarted source asks it (at the URI its
    cookie named: xen+tls) and resumes the guest."""
    a, b, c = lab.hosts
    what = 'source killed after recording GO'
    g, res, ended = migrate_into_crash(tap, lab, 'gorec', a, 'src-go-recorded', what)
    if not g:
        return
    if ended:
        tap.eq((recorded_job(a, g.name) or (None, None))[1], HANDING,
               '%s: %s: its status records the hand-over under way' % (g.name, what))
    a.start_libvirtd()
    settled(tap, a, g.name, what)
    g.stayed(a, b, what)
    g.remove()


def destination_killed_before_deciding(tap, lab):
    """Peer to peer: the destination receives GO and ends before recording
    that it runs the guest.  The source cannot learn the outcome: it holds
    the guest paused; once the destination is back (and has torn down its
    undecided copy) the source asks again and resumes the guest."""
    a, b, c = lab.hosts
    what = 'destination killed after receiving GO'
    g, res, ended = migrate_into_crash(tap, lab, 'gorecv', b, 'dst-go-received', what, '--p2p')
    if not g:
        return
    tap.ok('cannot be asked' in res.err,
           '%s: %s: the error says the outcome is not known yet' % (g.name, what), res.err)
    held(tap, g, a, what)
    view = b.sim_view() or {}
    tap.ok(all(paused for name, paused in view.values() if name == g.name),
           '%s: %s: what %s built of it stays paused meanwhile' % (g.name, what, b.name),
           repr(view))
    b.start_libvirtd()
    settled(tap, a, g.name, what)
    g.stayed(a, b, what)
    g.remove()


def destination_killed_after_deciding(tap, lab):
    """Peer to peer, tunnelled: the destination records that it runs the
    guest and ends before answering.  Restarted, it runs the guest; the
    source, asking again, destroys its copy."""
    a, b, c = lab.hosts
    what = 'destination killed after taking the guest'
    g, res, ended = migrate_into_crash(tap, lab, 'taken', b, 'dst-run-recorded', what, '--p2p',
                                       '--tunnelled', '--persistent', '--undefinesource')
    if not g:
        return
    held(tap, g, a, what)
    b.start_libvirtd()
    handed_over(tap, g, a, b, what)
    tap.ok(g.name not in a.list_names('--all'),
           '%s: %s: and undefined (--undefinesource)' % (g.name, what), repr(a.list_names('--all')))
    b.virsh('destroy', g.name)
    b.virsh('undefine', g.name)


def source_killed_after_taken(tap, lab):
    """Peer to peer: the destination takes the guest and says so; the
    source ends before recording it.  The restarted source, finding the
    hand-over under way, asks the destination (the daemon it talked to),
    learns that it runs the guest, and destroys its copy."""
    a, b, c = lab.hosts
    what = 'source killed after hearing TAKEN'
    g, res, ended = migrate_into_crash(tap, lab, 'heard', a, 'src-taken-received', what,
                                       '--p2p')
    if not g:
        return
    if ended:
        tap.eq((recorded_job(a, g.name) or (None, None))[1], HANDING,
               '%s: %s: its status records the hand-over under way' % (g.name, what))
    a.start_libvirtd()
    handed_over(tap, g, a, b, what)
    b.virsh('destroy', g.name)
    a.virsh('undefine', g.name)


def operator_resumes(tap, lab):
    """A held guest, the destination down for good: the operator, having
    seen that it does not run there, resumes it on the source."""
    a, b, c = lab.hosts
    what = 'the operator resumes a held guest'
    g, res, ended = migrate_into_crash(tap, lab, 'vouched', b, 'dst-go-received', what, '--p2p')
    if not g:
        return
    held(tap, g, a, what)
    res = a.virsh('resume', g.name)
    tap.cmd_ok(res, '%s: %s: virsh resume on %s' % (g.name, what, a.name))
    tap.ok(recorded_job(a, g.name) is None,
           '%s: %s: the migration is over on %s' % (g.name, what, a.name),
           lambda: repr(recorded_job(a, g.name)))
    b.start_libvirtd()
    g.stayed(a, b, what)
    g.remove()


def body(tap, lab):
    source_killed_before_go(tap, lab)
    destination_killed_before_deciding(tap, lab)
    destination_killed_after_deciding(tap, lab)
    source_killed_after_taken(tap, lab)
    operator_resumes(tap, lab)


if __name__ == '__main__':
    migrationlab.main(body)
