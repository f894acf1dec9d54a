#!/usr/bin/python3
"""
Migrations that fail end with exactly one running, intact guest: on the
source, or on the destination once its Finish succeeded; the destination
tears down what it built.  Injected: the link cut mid-stream, the
destination's restore failing (its simulated host killed), either libvirtd
SIGKILLed mid-stream or between the steps of the protocol (a restarted
daemon recovers the job from its status), the client going away, and a
stranger sending garbage to the destination's migration port mid-stream.

The stream is slowed with --bandwidth so that each fault lands while it
flows; every wait polls the condition (the job's phase in the status XML,
the domains the simulated hosts run), never a fixed time.
"""
import signal

import migrationlab
import xenpvlab
from migrationlab import (HANDING, PERFORM, PERFORMED, Guest, background_virsh, recorded_job,
                          sim_names, wait_job)

# MiB/s: a 64 MiB guest takes some seconds to move.
SLOW = '12'


def streaming(tap, g, src, dst, what):
    """The migration of @g is under way: the source sends, the destination
    has begun to build the guest."""
    ok = wait_job(src, g.name, (PERFORM,)) and \
        xenpvlab.wait_for(lambda: g.name in sim_names(dst), 30, 0.01)
    return tap.ok(ok, '%s: %s: the stream flows' % (g.name, what),
                  lambda: 'source job %r, destination runs %r' % (recorded_job(src, g.name),
                                                                  sim_names(dst)))


def slow_migration(tap, g, src, dst, what, *flags):
    """Start migrating @g from @src to @dst slowly (virsh, in the
    background); returns the process and whether the stream flows."""
    proc = background_virsh(src, 'migrate', '--live', '--bandwidth', SLOW, *flags,
                            g.name, dst.uri())
    return proc, streaming(tap, g, src, dst, what)


def finish(tap, proc, what, expect_ok=False):
    out, err = proc.communicate(timeout=120)
    if expect_ok:
        return tap.ok(proc.returncode == 0, '%s: virsh migrate succeeds' % what, err)
    return tap.ok(proc.returncode != 0, '%s: virsh migrate reports the failure' % what, err)


def link_cut(tap, lab):
    a, b, c = lab.hosts
    g = Guest(tap, a, 'cut')
    if not g.ok:
        return
    proc, flowing = slow_migration(tap, g, a, b, 'link cut')
    if flowing:
        b.cut_link('drop')
        tap.ok(xenpvlab.wait_for(lambda: (a.domstate(g.name) or '').startswith('running') and
                                 recorded_job(a, g.name) is not None and
                                 recorded_job(a, g.name)[1] != PERFORM, 30),
               'cut: the source gives up on the cut link and resumes the guest',
               lambda: 'job %r, state %r' % (recorded_job(a, g.name), a.domstate(g.name)))
        b.restore_link()
    finish(tap, proc, 'cut')
    g.stayed(a, b, 'link cut mid-stream')
    g.remove()


def restore_fails(tap, lab):
    a, b, c = lab.hosts
    g = Guest(tap, a, 'unbuilt')
    if not g.ok:
        return
    proc, flowing = slow_migration(tap, g, a, b, "the destination's restore fails")
    if flowing:
        tap.ok(b.stop_simhost(), "unbuilt: the destination's simulated host stops mid-restore")
    finish(tap, proc, 'unbuilt')
    b.start_simhost()
    b.restart_libvirtd()
    g.stayed(a, b, "the destination's restore failed")
    g.remove()


def daemon_killed(tap, lab, side, stop_client):
    """The libvirtd of @side ('source' or 'destination') SIGKILLed
    mid-stream, or (@stop_client) once the guest was sent and built, before
    the client reached Finish (it is held stopped meanwhile).  The guest
    stays on the source; the daemon, restarted, settles the job."""
    a, b, c = lab.hosts
    victim = a if side == 'source' else b
    what = '%s killed %s' % (side, 'between Perform and Finish' if stop_client
                             else 'mid-stream')
    g = Guest(tap, a, '%skill%d' % (side[:3], stop_client))
    if not g.ok:
        return
    proc, flowing = slow_migration(tap, g, a, b, what)
    if flowing:
        if stop_client:
            migrationlab.stop(proc, signal.SIGSTOP)
            tap.ok(wait_job(a, g.name, (PERFORMED,)), '%s: %s: sent' % (g.name, what))
        tap.ok(victim.kill_libvirtd(), '%s: %s: libvirtd SIGKILLed' % (g.name, what))
        if stop_client:
            migrationlab.stop(proc, signal.SIGCONT)
    finish(tap, proc, what)
    victim.start_libvirtd()
    tap.ok(xenpvlab.wait_for(lambda: recorded_job(victim, g.name) is None, 30),
           '%s: %s: the restarted daemon settled the job' % (g.name, what),
           lambda: repr(recorded_job(victim, g.name)))
    g.stayed(a, b, what)
    g.remove()


def tunnelled_source_killed(tap, lab):
    """Peer to peer, tunnelled: the source daemon SIGKILLed while it calls
    the destination's Finish (the destination daemon held stopped meanwhile).
    Whoever ran it, the guest runs exactly once, intact."""
    a, b, c = lab.hosts
    what = 'source killed during a tunnelled Finish'
    g = Guest(tap, a, 'tunkill')
    if not g.ok:
        return
    proc = background_virsh(a, 'migrate', '--live', '--p2p', '--tunnelled', '--bandwidth', SLOW,
                            g.name, b.uri())
    finishing = wait_job(a, g.name, (HANDING,), 60)
    if tap.ok(finishing, '%s: %s: the destination is asked to Finish' % (g.name, what)):
        migrationlab.stop_pid(b.libvirtd_pid, signal.SIGSTOP)
        tap.ok(a.kill_libvirtd(), '%s: %s: libvirtd SIGKILLed' % (g.name, what))
        migrationlab.stop_pid(b.libvirtd_pid, signal.SIGCONT)
    proc.communicate(timeout=120)
    a.start_libvirtd()
    ok = xenpvlab.wait_for(lambda: recorded_job(a, g.name) is None and
                           (g.name in sim_names(a)) != (g.name in sim_names(b)), 60)
    where = b if g.name in sim_names(b) else a
    tap.ok(ok, '%s: %s: the guest runs on exactly one host (%s)' % (g.name, what, where.name),
           lambda: 'a runs %r, b runs %r, a records %r' % (sim_names(a), sim_names(b),
                                                          recorded_job(a, g.name)))
    g.intact_on(where, what, min_resumes=1)
    for h in (a, b):
        h.virsh('destroy', g.name)
        h.virsh('undefine', g.name)


def client_gone(tap, lab):
    a, b, c = lab.hosts
    what = 'the client killed mid-stream'
    g = Guest(tap, a, 'orphan')
    if not g.ok:
        return
    proc, flowing = slow_migration(tap, g, a, b, what)
    if flowing:
        proc.kill()
    proc.communicate(timeout=60)
    tap.ok(xenpvlab.wait_for(lambda: recorded_job(a, g.name) is None, 60),
           '%s: %s: the source ends the job' % (g.name, what),
           lambda: repr(recorded_job(a, g.name)))
    g.stayed(a, b, what)
    g.remove()


def stranger(tap, lab):
    a, b, c = lab.hosts
    what = 'a stranger sends garbage to the migration port'
    g = Guest(tap, a, 'visited')
    if not g.ok:
        return
    proc, flowing = slow_migration(tap, g, a, b, what)
    if flowing:
        ports = migrationlab.migration_ports(b)
        tap.eq(len(ports), 1, '%s: the destination listens on one migration port' % g.name)
        for port in ports:
            probe = lab.stranger.probe(b.address, port, b'GET / HTTP/1.0\r\n\r\n' + b'\xff' * 200,
                                       wait=15)
            tap.ok(probe.connected and probe.closed is not None and not probe.received,
                   '%s: the stranger is dropped without an answer' % g.name, repr(probe))
            probe = lab.stranger.probe(b.address, port, b'XENPVMIG\x01\x00\x00\x00' + b'\0' * 40,
                                       wait=15)
            tap.ok(probe.connected and probe.closed is not None and not probe.received,
                   '%s: a greeting with a wrong token is dropped too' % g.name, repr(probe))
    finish(tap, proc, what, expect_ok=True)
    g.only_on(b, [a], what)
    g.intact_on(b, what)
    b.virsh('destroy', g.name)
    a.virsh('undefine', g.name)


def body(tap, lab):
    link_cut(tap, lab)
    restore_fails(tap, lab)
    for side in ('source', 'destination'):
        for stop_client in (False, True):
            daemon_killed(tap, lab, side, stop_client)
    tunnelled_source_killed(tap, lab)
    client_gone(tap, lab)
    stranger(tap, lab)


if __name__ == '__main__':
    migrationlab.main(body)
