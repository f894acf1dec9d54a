#!/usr/bin/python3
"""
A live migration watched and steered, as users do it: virsh migrate
--verbose shows a percentage that moves; virsh domjobinfo, during and
--completed after, and the python binding's jobStats() show the job's
statistics on both sides (with the downtime measured); domjobabort and
Ctrl-C in virsh migrate stop a migration before its switch-over, leaving
the guest running intact on the source and nothing on the destination, and
are refused after it, saying why.  The rate shown holds to --bandwidth,
also once a destination that stalled reads again.  Saves, restores and
managed saves report their jobs too; a managed save can be aborted.

The guests' workload checks its own memory (selfcheck); the stream is
slowed with --bandwidth so that a migration lasts long enough to be
watched; every wait polls a condition with a deadline.
"""
import json
import os
import re
import signal
import subprocess

import migrationlab
import xenpvlab
from migrationlab import HANDING, PERFORM, PERFORMED, Guest, background_virsh, recorded_job, sim_names
from xenpvlab import libvirt

SLOW = '12'     # MiB/s: a 64 MiB guest takes about five seconds
# How far above --bandwidth a rate shown may be: the data channel takes a
# chunk before it paces it.
RATE_SLACK = 1.15

# Run inside a host: poll jobStats() of domain NAME every INTERVAL seconds
# until the job ends (or for at most SECONDS), then read the completed
# statistics with KEEP_COMPLETED (twice: they are kept); prints JSON.
PY_WATCH = r'''
import json, sys, time
import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
name, interval, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
conn = libvirt.open('xen:///system')
deadline = time.monotonic() + seconds
dom = None
while dom is None and time.monotonic() < deadline:
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        time.sleep(0.01)
seen = []
started = False
while time.monotonic() < deadline:
    try:
        stats = dom.jobStats()
    except libvirt.libvirtError as e:
        seen.append({'error': e.get_error_message()})
        break
    if stats.get('type') == libvirt.VIR_DOMAIN_JOB_NONE:
        if started:
            break
    else:
        started = True
        seen.append(stats)
    time.sleep(interval)
flags = libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED | libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED
done = [dom.jobStats(flags) for _ in range(2)]
print(json.dumps({'during': seen, 'completed': done}))
'''


# Run inside a host: the completed statistics of domain NAME, kept.
PY_COMPLETED = r'''
import json, sys
import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
dom = libvirt.open('xen:///system').lookupByName(sys.argv[1])
print(json.dumps(dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED |
                              libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)))
'''


def proc_result(proc, out, err):
    """A xenpvlab.Result of a finished background virsh."""
    return xenpvlab.Result(proc.args, proc.returncode, out, err)


def jobinfo(host, name, *flags):
    """virsh domjobinfo as a dict of its 'Key: value' lines."""
    res = host.virsh('domjobinfo', *flags, name)
    fields = {}
    for line in res.out.splitlines():
        if ':' in line:
            key, value = line.split(':', 1)
            fields[key.strip()] = value.strip()
    return fields


def number(text):
    m = re.match(r'\s*([0-9.]+)', text or '')
    return float(m.group(1)) if m else None


def job_rate(host, name):
    """The rate domjobinfo shows for @name's job, in MiB/s (None: none)."""
    return number(jobinfo(host, name).get('Memory bandwidth'))


def virsh_on_tty(host, *args):
    """virsh ARGS inside @host with a terminal for its standard input, as
    a user runs it (virsh reads Ctrl-C from the terminal while it watches a
    job): (Popen, the terminal's master end)."""
    master, slave = os.openpty()
    proc = subprocess.Popen(host.command(['virsh', '-q', '-c', 'xen:///system'] + list(args)),
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    os.close(slave)
    return proc, master


def press_ctrl_c(proc, master, timeout=30):
    """Type Ctrl-C on virsh's terminal until it takes it (it does once
    the job has started) and ends."""
    def typed():
        if proc.poll() is not None:
            return True
        try:
            os.write(master, b'\x03')
        except OSError:
            pass
        return False
    return xenpvlab.wait_for(typed, timeout, 0.2)


def watch(host, name, seconds=60):
    """Start PY_WATCH on @host for domain @name (a Popen)."""
    return subprocess.Popen(host.command(['/usr/bin/python3', '-c', PY_WATCH, name, '0.1',
                                          str(seconds)]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def watched(tap, proc, what):
    out, err = proc.communicate(timeout=120)
    try:
        return json.loads(out)
    except ValueError:
        tap.ok(False, '%s: the python watcher ran' % what, err)
        return {'during': [], 'completed': [{}, {}]}


def statistics(tap, lab):
    """virsh migrate --verbose, domjobinfo during and after, jobStats."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'watched')
    if not g.ok:
        return
    what = 'statistics'
    src_watch = watch(a, g.name)
    proc = background_virsh(a, 'migrate', '--live', '--verbose', '--persistent',
                            '--bandwidth', SLOW, g.name, b.uri())
    during = {}
    incoming = {}

    keys = ('Time elapsed', 'Data processed', 'Data remaining', 'Data total',
            'Memory processed', 'Memory remaining', 'Memory total', 'Memory bandwidth',
            'Dirty rate', 'Page size', 'Iteration', 'Setup time')

    # Some fields appear once measured (the bandwidth after the first
    # chunks): the samples' fields are gathered until every one has shown.
    def sample():
        source = jobinfo(a, g.name)
        if source.get('Job type') == 'Unbounded':
            during.update(source)
        incoming.update(jobinfo(b, g.name))
        return (number(during.get('Data processed')) and all(k in during for k in keys) and
                incoming.get('Job type') == 'Unbounded')
    tap.ok(xenpvlab.wait_for(sample, 30, 0.2),
           '%s: virsh domjobinfo shows the job on both hosts while it runs' % what,
           lambda: 'source %r, destination %r' % (during, incoming))
    tap.eq(during.get('Operation'), 'Outgoing migration', '%s: the source\'s operation' % what)
    tap.eq(incoming.get('Operation'), 'Incoming migration',
           '%s: the destination\'s operation' % what)
    for key in keys:
        tap.ok(key in during, '%s: domjobinfo during the migration shows %s' % (what, key),
               repr(during))
    out, err = proc.communicate(timeout=120)
    tap.ok(proc.returncode == 0, '%s: virsh migrate --verbose succeeds' % what, err)
    percents = [int(p) for p in re.findall(r'Migration: \[\s*(\d+) %\]', out + err)]
    # It may fall back as a pre-copy round begins (what the guest dirtied
    # meanwhile is to send again), and ends at 100.
    tap.ok(len(set(percents)) >= 3 and percents[0] < percents[-1] == 100,
           '%s: migrate --verbose shows a percentage that moves up to 100 (%s)'
           % (what, ' '.join(str(p) for p in sorted(set(percents)))), repr(percents))
    g.only_on(b, [a], what)
    g.intact_on(b, what)
    # The watcher reads the source's completed statistics (kept) before
    # anything below reads them without keeping them.
    seen = watched(tap, src_watch, what)

    for host, op in ((b, 'Incoming migration'), (a, 'Outgoing migration')):
        done = jobinfo(host, g.name, '--completed', '--keep-completed')
        tap.ok(done.get('Job type') == 'Completed' and done.get('Operation') == op,
               '%s: domjobinfo --completed on %s: a completed %s' % (what, host.name, op.lower()),
               repr(done))
        downtime = number(done.get('Total downtime'))
        tap.ok(downtime is not None and 0 < downtime < 5000,
               '%s: ... with its downtime measured (%s)' % (what, done.get('Total downtime')),
               repr(done))
    kept = jobinfo(a, g.name, '--completed')
    gone = jobinfo(a, g.name, '--completed')
    tap.ok(kept.get('Job type') == 'Completed' and gone.get('Job type') == 'None',
           '%s: --keep-completed keeps the completed statistics; without it they are read once'
           % what, 'kept %r, then %r' % (kept, gone))

    running = [s for s in seen['during'] if s.get('type') == libvirt.VIR_DOMAIN_JOB_UNBOUNDED]
    tap.ok(len(running) >= 3, '%s: jobStats() every 0.1 s saw the job running (%d samples)'
           % (what, len(running)), repr(seen['during'][-3:]))
    remaining = [s.get('memory_remaining') for s in running]
    # As for domjobinfo: the rate shows once measured, not in every sample
    # (the last ones, in the stop-and-copy, may have none).
    fields = {k for s in running for k in s}
    tap.ok(running and all(k in fields for k in ('memory_total', 'memory_processed',
                                                 'memory_remaining', 'data_total', 'memory_bps',
                                                 'time_elapsed', 'memory_iteration',
                                                 'memory_page_size', 'setup_time')),
           '%s: jobStats() gives the memory and data figures, rate, round, page size' % what,
           repr(sorted(fields)))
    tap.ok(len(set(remaining)) >= 3, '%s: memory_remaining moves' % what, repr(remaining))
    # virsh shows it for bounded jobs only; a migration's is unbounded.
    tap.ok(any(s.get('time_remaining', 0) > 0 and s.get('data_remaining', 0) > 0
               for s in running),
           '%s: jobStats() gives the time remaining while data remains' % what,
           repr(running[:3]))
    done = seen['completed']
    tap.ok(done[0].get('type') == libvirt.VIR_DOMAIN_JOB_COMPLETED and
           done[0].get('downtime', 0) > 0 and done[1].get('type') == libvirt.VIR_DOMAIN_JOB_COMPLETED,
           '%s: jobStats(COMPLETED | KEEP_COMPLETED): completed, with the downtime, kept' % what,
           repr(done))
    b.virsh('destroy', g.name)
    b.virsh('undefine', g.name)
    a.virsh('undefine', g.name)


def aborted(tap, g, src, dst, proc, what):
    out, err = proc.communicate(timeout=120)
    tap.ok(proc.returncode != 0 and 'canceled by client' in err,
           '%s: virsh migrate fails, saying the job was canceled' % what, err)
    g.stayed(src, dst, what)
    tap.ok(xenpvlab.wait_for(lambda: recorded_job(src, g.name) is None, 30),
           '%s: the source has no job left' % what, lambda: repr(recorded_job(src, g.name)))
    done = jobinfo(src, g.name, '--completed')
    tap.eq(done.get('Job type'), 'Cancelled', '%s: domjobinfo --completed: cancelled' % what)


def abort(tap, lab):
    """virsh domjobabort, and Ctrl-C in virsh migrate, mid-stream."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'stopped')
    if not g.ok:
        return
    what = 'domjobabort mid-stream'
    proc = background_virsh(a, 'migrate', '--live', '--bandwidth', SLOW, g.name, b.uri())
    if tap.ok(migrationlab.wait_job(a, g.name, (PERFORM,)) and
              xenpvlab.wait_for(lambda: g.name in sim_names(b), 30, 0.02),
              '%s: the stream flows' % what):
        tap.cmd_ok(a.virsh('domjobabort', g.name), '%s: virsh domjobabort' % what)
    aborted(tap, g, a, b, proc, what)

    what = 'Ctrl-C in virsh migrate --p2p'
    proc, tty = virsh_on_tty(a, 'migrate', '--live', '--p2p', '--verbose', '--bandwidth', SLOW,
                             g.name, b.uri())
    if tap.ok(migrationlab.wait_job(a, g.name, (PERFORM,)), '%s: the stream flows' % what):
        press_ctrl_c(proc, tty)
    aborted(tap, g, a, b, proc, what)
    os.close(tty)
    res = a.virsh('domjobabort', g.name)
    tap.ok(res.rc != 0 and 'no job' in res.err,
           '%s: domjobabort without a job is refused, saying so' % g.name, res.err)
    g.remove()


def abort_after_stream(tap, lab):
    """domjobabort once the stream is sent, while the destination builds
    the guest (before the switch-over): the guest stays on the source, and
    virsh migrate says the job was canceled (the abort is the cause, not
    the destination's being told to give up), peer to peer or driven by
    the client."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'between')
    if not g.ok:
        return
    b.stop_libvirtd()
    b.start_libvirtd(env={'XENPV_TEST_STALL_AT': 'dst-built:6'})
    for mode in (['--p2p'], []):
        what = 'domjobabort after the stream, before the switch-over (%s)' % (mode or ['client'])[0]
        proc = background_virsh(a, 'migrate', '--live', *mode, g.name, b.uri())
        if tap.ok(migrationlab.wait_job(a, g.name, (PERFORMED,), 60),
                  '%s: the source sent the stream' % what):
            tap.cmd_ok(a.virsh('domjobabort', g.name), '%s: virsh domjobabort' % what)
        aborted(tap, g, a, b, proc, what)
    b.restart_libvirtd()
    g.remove()


def abort_refused(tap, lab):
    """After the switch-over (GO sent, the destination slow to answer)
    abort is refused, saying why."""
    a, b = lab.hosts[:2]
    what = 'domjobabort after the switch-over'
    g = Guest(tap, a, 'late')
    if not g.ok:
        return
    b.stop_libvirtd()
    b.start_libvirtd(env={'XENPV_TEST_STALL_AT': 'dst-go-received:%d'
                          % (migrationlab.IO_TIMEOUT + 2)})
    proc = background_virsh(a, 'migrate', '--live', g.name, b.uri())
    if tap.ok(migrationlab.wait_job(a, g.name, (HANDING,), 60),
              '%s: the source handed the guest over' % what):
        res = a.virsh('domjobabort', g.name)
        tap.ok(res.rc != 0 and 'can no longer be aborted' in res.err,
               '%s: refused: "%s"' % (what, res.err.strip()), res.err)
    proc.communicate(timeout=120)
    b.restart_libvirtd()
    ok = xenpvlab.wait_for(lambda: recorded_job(a, g.name) is None and
                           (g.name in sim_names(a)) != (g.name in sim_names(b)), 60)
    where = b if g.name in sim_names(b) else a
    tap.ok(ok, '%s: the guest runs on exactly one host (%s)' % (what, where.name),
           lambda: 'a %r b %r' % (sim_names(a), sim_names(b)))
    g.intact_on(where, what, min_resumes=1)
    for h in (a, b):
        h.virsh('destroy', g.name)
        h.virsh('undefine', g.name)


def saves(tap, lab):
    """virsh save, restore, managedsave: their statistics while they run
    and once done; domjobabort stops a managed save."""
    a = lab.hosts[0]
    g = Guest(tap, a, 'stored', memory_mib=512)
    if not g.ok:
        return
    image = '/var/lib/xenpv/save/stored.save'
    for verb, args, op in (('save', (g.name, image), libvirt.VIR_DOMAIN_JOB_OPERATION_SAVE),
                           ('restore', (image,), libvirt.VIR_DOMAIN_JOB_OPERATION_RESTORE)):
        proc = watch(a, g.name, 30)
        res = a.virsh(verb, *args, timeout=120)
        tap.cmd_ok(res, 'stored: virsh %s' % verb)
        seen = watched(tap, proc, verb)
        running = [x for x in seen['during'] if x.get('type') == libvirt.VIR_DOMAIN_JOB_UNBOUNDED]
        tap.ok(running and running[-1].get('operation') == op and
               running[-1].get('data_processed', 0) > 0 and running[-1].get('data_total', 0) > 0,
               'stored: jobStats() while virsh %s runs: its operation, data processed of total'
               % verb, repr(seen['during'][-2:]))
        done = seen['completed'][0]
        tap.ok(done.get('type') == libvirt.VIR_DOMAIN_JOB_COMPLETED and done.get('operation') == op
               and done.get('data_processed', 0) >= 500 << 20,
               'stored: the completed statistics of virsh %s' % verb, repr(done))
    g.intact_on(a, 'save and restore')

    what = 'managedsave aborted'
    proc = background_virsh(a, 'managedsave', g.name)
    running = {}

    def started():
        running.update(jobinfo(a, g.name))
        return running.get('Operation') == 'Save' or proc.poll() is not None
    if tap.ok(xenpvlab.wait_for(started, 30, 0.01) and proc.poll() is None,
              '%s: domjobinfo shows the managed save running' % what, repr(running)):
        tap.cmd_ok(a.virsh('domjobabort', g.name), '%s: virsh domjobabort' % what)
    out, err = proc.communicate(timeout=60)
    tap.ok(proc.returncode != 0 and 'canceled by client' in err,
           '%s: virsh managedsave fails, saying the job was canceled' % what, err)
    tap.like(a.domstate(g.name) or '', '^running', '%s: the guest runs on' % what)
    tap.ok('no' in (a.dominfo(g.name) or {}).get('Managed save', ''),
           '%s: no managed save image is left' % what, repr(a.dominfo(g.name)))
    g.intact_on(a, what)
    tap.cmd_ok(a.virsh('managedsave', g.name), 'stored: virsh managedsave')
    done = jobinfo(a, g.name, '--completed')
    tap.ok(done.get('Job type') == 'Completed' and done.get('Operation') == 'Save',
           'stored: domjobinfo --completed after the managed save', repr(done))
    a.virsh('managedsave-remove', g.name)
    a.virsh('undefine', g.name)


def completed(host, name):
    """The completed statistics of @name on @host, as jobStats() gives
    them (kept)."""
    res = host.python(PY_COMPLETED, name)
    try:
        return json.loads(res.out)
    except ValueError:
        return {'error': str(res)}


def downtime(tap, lab):
    """A downtime target set before a migration of a guest that dirties
    its memory is honoured; one changed during a migration that does not
    converge to the first applies at once."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'busy', cmdline='sim.selfcheck_mbps=16')
    if not g.ok:
        return
    what = 'downtime target 300 ms'
    tap.cmd_ok(a.virsh('migrate-setmaxdowntime', g.name, '300'),
               '%s: virsh migrate-setmaxdowntime before' % what)
    tap.eq(a.virsh('migrate-getmaxdowntime', g.name).out.strip(), '300',
           '%s: virsh migrate-getmaxdowntime' % what)
    res = a.virsh('migrate', '--live', '--persistent', '--bandwidth', '32', g.name, b.uri(),
                  timeout=120)
    g.moved(res, b, what)
    done = completed(a, g.name)
    tap.ok(done.get('memory_iteration', 0) >= 2 and 0 < done.get('downtime', 0) <= 300,
           '%s: honoured by a guest dirtying 16 MiB/s over 32 MiB/s: %s rounds, %s ms down'
           % (what, done.get('memory_iteration'), done.get('downtime')), repr(done))

    what = 'downtime target raised during the migration'
    tap.cmd_ok(b.virsh('migrate-setmaxdowntime', g.name, '50'),
               '%s: a target of 50 ms before' % what)
    proc = background_virsh(b, 'migrate', '--live', '--bandwidth', '8', g.name, a.uri())
    rounds = {}

    def iterating():
        rounds.update(jobinfo(b, g.name))
        return number(rounds.get('Iteration')) and number(rounds.get('Iteration')) >= 2
    if tap.ok(xenpvlab.wait_for(iterating, 60, 0.2),
              '%s: the migration goes on past its first round' % what, repr(rounds)):
        tap.cmd_ok(b.virsh('migrate-setmaxdowntime', g.name, '60000'),
                   '%s: virsh migrate-setmaxdowntime 60000 during it' % what)
        tap.eq(b.virsh('migrate-getmaxdowntime', g.name).out.strip(), '60000',
               '%s: virsh migrate-getmaxdowntime during it' % what)
    out, err = proc.communicate(timeout=120)
    tap.ok(proc.returncode == 0, '%s: the migration ends' % what, err)
    done = completed(b, g.name)
    tap.ok(2 <= done.get('memory_iteration', 99) <= 3,
           '%s: it stopped at the round the new target applied to (%s)'
           % (what, done.get('memory_iteration')), repr(done))
    g.only_on(a, [b], what)
    g.intact_on(a, what)
    a.virsh('destroy', g.name)
    a.virsh('undefine', g.name)
    b.virsh('undefine', g.name)


def bandwidth(tap, lab):
    """A bandwidth set before a migration holds it to that rate; one set
    during it applies at once."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'paced')
    if not g.ok:
        return
    what = 'bandwidth 8 MiB/s, then 64'
    tap.cmd_ok(a.virsh('migrate-setspeed', g.name, '8'), '%s: virsh migrate-setspeed before' % what)
    tap.eq(a.virsh('migrate-getspeed', g.name).out.strip(), '8', '%s: virsh migrate-getspeed' % what)
    proc = background_virsh(a, 'migrate', '--live', g.name, b.uri())
    rates = []

    def sampled():
        rates.append(job_rate(a, g.name))
        return len([r for r in rates if r]) >= 8
    tap.ok(xenpvlab.wait_for(sampled, 30, 0.25), '%s: the job\'s rate is sampled' % what,
           repr(rates))
    # Every sample: the rate is measured over two seconds or more, so that
    # the chunks the channel takes ahead of its pace show no bursts.
    seen = [r for r in rates if r]
    tap.ok(seen and max(seen) <= 8 * RATE_SLACK,
           '%s: the stream goes at 8 MiB/s at most (%s)' % (what, seen), repr(rates))
    tap.cmd_ok(a.virsh('migrate-setspeed', g.name, '64'), '%s: virsh migrate-setspeed 64 during it'
               % what)
    tap.eq(a.virsh('migrate-getspeed', g.name).out.strip(), '64',
           '%s: virsh migrate-getspeed during it' % what)
    out, err = proc.communicate(timeout=120)
    tap.ok(proc.returncode == 0, '%s: the migration ends' % what, err)
    g.moved(proc_result(proc, out, err), b, what)
    b.virsh('destroy', g.name)
    a.virsh('undefine', g.name)


def send_queue(host, peer):
    """The most bytes any TCP connection of @host's to @peer holds unsent
    or unacknowledged (ss's Send-Q)."""
    res = host.run(['ss', '-tnH', 'state', 'established', 'dst', peer.address])
    queues = [int(line.split()[1]) for line in res.out.splitlines() if len(line.split()) > 1]
    return max(queues, default=0)


def stalled_peer(tap, lab):
    """A destination that stops reading for a while: the megabytes its
    source's socket holds meanwhile leave at once when it reads again, and
    the job's rate still shows the stream held to its bandwidth."""
    a = lab.hosts[0]
    wmem = a.run(['sysctl', '-n', 'net.ipv4.tcp_wmem']).out.split()
    # As a kernel's autotuning reaches on a fast link: megabytes of send
    # buffer from the start.
    if tap.cmd_ok(a.run(['sysctl', '-w', 'net.ipv4.tcp_wmem=4096 8388608 16777216']),
                  'the source\'s sockets may hold 8 MiB'):
        try:
            stalled_migration(tap, lab, 2)
        finally:
            a.run(['sysctl', '-w', 'net.ipv4.tcp_wmem=%s' % ' '.join(wmem)])


def stalled_migration(tap, lab, rate):
    a, b = lab.hosts[:2]
    what = 'bandwidth %d MiB/s, the destination stalled' % rate
    g = Guest(tap, a, 'stalled')
    if not g.ok:
        return
    proc = background_virsh(a, 'migrate', '--live', '--bandwidth', str(rate), g.name, b.uri())
    if tap.ok(xenpvlab.wait_for(lambda: job_rate(a, g.name), 30, 0.25),
              '%s: the stream flows, its rate measured' % what):
        migrationlab.stop_pid(b.libvirtd_pid, signal.SIGSTOP)
        # Stalled for a whole rate window, watched meanwhile (the window
        # slides as the rate is asked for): nothing went out within it.
        try:
            tap.ok(xenpvlab.wait_for(lambda: (send_queue(a, b) >= 2 << 20 and
                                              not job_rate(a, g.name)),
                                     30, 0.25),
                   '%s: the source\'s socket holds 2 MiB or more, no rate shown' % what,
                   lambda: 'Send-Q %d, %r' % (send_queue(a, b), jobinfo(a, g.name)))
        finally:
            migrationlab.stop_pid(b.libvirtd_pid, signal.SIGCONT)
        rates = []

        def sampled():
            rates.append(job_rate(a, g.name))
            return len(rates) >= 24
        xenpvlab.wait_for(sampled, 30, 0.25)
        seen = [r for r in rates if r]
        tap.ok(seen and max(seen) <= rate * RATE_SLACK,
               '%s: the queue drains, the rate shown stays at %d MiB/s at most (%s)'
               % (what, rate, seen), repr(rates))
        tap.cmd_ok(a.virsh('domjobabort', g.name), '%s: virsh domjobabort' % what)
    aborted(tap, g, a, b, proc, what)
    g.remove()


def cpu_cap(host, name):
    """The CPU cap the simulated host applies to @name (-1: unknown)."""
    m = re.search(r'cap\s*:\s*(\d+)', host.simctl('cpucap', str(host.domid(name))).out)
    return int(m.group(1)) if m else -1


def converge(tap, lab):
    """A guest that dirties its memory twice as fast as the link carries:
    without auto-converge its migration goes round after round with as
    much left; with it the guest is slowed step by step (the steps show in
    the job's statistics) until the migration ends within its downtime
    target, and the guest's CPU is given back (also when the migration is
    aborted)."""
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'racer', memory_mib=16, cmdline='sim.selfcheck_mbps=32')
    if not g.ok:
        return
    a.virsh('migrate-setmaxdowntime', g.name, '200')

    what = 'without auto-converge'
    proc = background_virsh(a, 'migrate', '--live', '--bandwidth', '16', g.name, b.uri())
    info = {}

    def rounds(n):
        info.update(jobinfo(a, g.name))
        return (number(info.get('Iteration')) or 0) >= n
    tap.ok(xenpvlab.wait_for(lambda: rounds(3), 60, 0.1) and
           (number(info.get('Expected downtime')) or 0) > 200,
           '%s: round %s, still %s down expected: it does not converge'
           % (what, info.get('Iteration'), info.get('Expected downtime')), repr(info))
    a.virsh('domjobabort', g.name)
    proc.communicate(timeout=60)
    g.stayed(a, b, what)

    what = 'auto-converge aborted'
    proc = background_virsh(a, 'migrate', '--live', '--auto-converge', '--bandwidth', '16',
                            g.name, b.uri())
    info.clear()
    tap.ok(xenpvlab.wait_for(lambda: info.update(jobinfo(a, g.name)) or
                             (number(info.get('Auto converge throttle')) or 0) >= 20, 60, 0.1) and
           cpu_cap(a, g.name) == 80,
           '%s: the guest is slowed (throttle %s, CPU cap %d%%)'
           % (what, info.get('Auto converge throttle'), cpu_cap(a, g.name)), repr(info))
    a.virsh('domjobabort', g.name)
    proc.communicate(timeout=60)
    g.stayed(a, b, what)
    tap.eq(cpu_cap(a, g.name), 0, '%s: the guest has its CPU back' % what)

    what = 'auto-converge'
    watcher = watch(a, g.name, 60)
    proc = background_virsh(a, 'migrate', '--live', '--auto-converge', '--bandwidth', '16',
                            '--persistent', g.name, b.uri())
    out, err = proc.communicate(timeout=120)
    g.moved(proc_result(proc, out, err), b, what)
    seen = watched(tap, watcher, what)
    steps = sorted(set(x.get('auto_converge_throttle') for x in seen['during']) - {None})
    done = seen['completed'][0]
    tap.ok(len(steps) >= 2 and steps[-1] > steps[0],
           '%s: jobStats() shows the throttle step by step (%s %%)' % (what, steps),
           repr(seen['during'][-2:]))
    tap.ok(0 < done.get('downtime', 0) <= 200 and done.get('auto_converge_throttle', 0) > 0,
           '%s: it converged within its 200 ms target (%s ms, %s rounds, throttle %s %%)'
           % (what, done.get('downtime'), done.get('memory_iteration'),
              done.get('auto_converge_throttle')), repr(done))
    tap.eq(cpu_cap(b, g.name), 0, '%s: the guest runs at full speed on %s' % (what, b.name))
    b.virsh('destroy', g.name)
    b.virsh('undefine', g.name)
    a.virsh('undefine', g.name)


def memstat(host, name):
    """virsh dommemstat of @name as a dict of KiB."""
    stats = {}
    for line in host.virsh('dommemstat', name).out.splitlines():
        words = line.split()
        if len(words) == 2 and words[1].isdigit():
            stats[words[0]] = int(words[1])
    return stats


def compressed(tap, lab):
    """--compressed: zstd, agreed on in the cookie: a guest whose pages
    compress well goes in fewer bytes than it has; one whose pages do not
    (selfcheck's) arrives intact all the same."""
    a, b = lab.hosts[:2]
    what = 'virsh migrate --compressed'
    xml = xenpvlab.guest_xml('x86_64', name='sparse', memory_mib=64,
                             cmdline='sim.workload=dirty sim.dirty_mbps=64')
    if not tap.cmd_ok(a.define(xml, start=True), 'sparse: a guest that writes a little into '
                      'every page it touches runs on %s' % a.name):
        return
    # Migrated once it has touched half of its memory (as the guest itself
    # says: dommemstat's unused), its stream is tens of MiB.
    tap.ok(xenpvlab.wait_for(lambda: 0 < memstat(a, 'sparse').get('unused', 0) < 32 << 10, 30),
           'sparse: it touched half of its memory', lambda: repr(memstat(a, 'sparse')))
    res = a.virsh('migrate', '--live', '--compressed', 'sparse', b.uri(), timeout=120)
    tap.ok(res.rc == 0 and 'sparse' in b.list_names(), '%s: it moves' % what, res.err)
    done = completed(a, 'sparse')
    tap.ok(done.get('data_processed', 0) >= 16 << 20 and
           0 < done.get('compression_bytes', 0) < done.get('data_processed', 0) / 4,
           '%s: %s bytes on the wire for %s of stream' % (what, done.get('compression_bytes'),
                                                          done.get('data_processed')),
           repr(done))
    b.virsh('destroy', 'sparse')
    a.virsh('undefine', 'sparse')
    g = Guest(tap, a, 'dense')
    if g.ok:
        g.moved(a.virsh('migrate', '--live', '--p2p', '--compressed', g.name, b.uri(),
                        timeout=120), b, what + ' --p2p of a guest with incompressible memory')
        b.virsh('destroy', g.name)
        a.virsh('undefine', g.name)


def body(tap, lab):
    compressed(tap, lab)
    converge(tap, lab)
    downtime(tap, lab)
    bandwidth(tap, lab)
    stalled_peer(tap, lab)
    saves(tap, lab)
    statistics(tap, lab)
    abort(tap, lab)
    abort_after_stream(tap, lab)
    abort_refused(tap, lab)


if __name__ == '__main__':
    migrationlab.main(body, hosts=2)
