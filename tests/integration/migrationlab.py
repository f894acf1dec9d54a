"""
migrationlab: what the migration tests share, on top of the multi-host lab
(xenpvhosts): the lab they run in, guests whose workload checks their own
memory (sim.workload=selfcheck), a look at the job a host records for a
domain (its status XML), the migration port a destination listens on, and
the check that a guest runs exactly once, intact.

    import migrationlab
    def body(tap, lab):
        a, b, c = lab.hosts
        g = migrationlab.Guest(tap, a, 'g1')      # defined and started on a
        res = a.virsh('migrate', '--live', g.name, b.uri())
        g.moved(res, b, 'client-managed')         # runs on b only, intact
    migrationlab.main(body)

Hosts: xenpv-a and xenpv-b are full hosts (32-bit PV, log-dirty, HVM for
the PV-shim's containers); xenpv-c has none of these, and little memory
(1 GiB); all have the lab's PKI and see the PV-shim image on the shared
storage.  Every host's xenpv.conf sets a short migration_io_timeout
(IO_TIMEOUT), so that a cut link fails a migration in seconds, and a
migration_inquiry_interval of a second.
"""
import os
import re
import shutil
import subprocess

import xenpvhosts
import xenpvlab

IO_TIMEOUT = 3
STATUS_DIR = '/run/libvirt/xenpv'
PORT_MIN = 49152
PORT_MAX = 49215
GUEST_MIB = 64
# The PV-shim image, on the shared storage (a stand-in built with the tests).
SHIM = os.path.join(xenpvhosts.SHARED_DIR, 'xen-shim')
SHIM_STAND_IN = os.path.join(xenpvlab.BUILD_DIR, 'tests', 'kernels', 'xenpv-test-pvh.elf')
# A source that lost track of a migration's outcome asks again every second.
XENPV_CONF = ('migration_io_timeout = %d\npvshim_path = "%s"\nmigration_inquiry_interval = 1\n'
              % (IO_TIMEOUT, SHIM))

# Phases a host records (src/migration/xenpv_migration_priv.h).
PERFORM = 2
PERFORMED = 3
HANDING = 4
COMMITTED = 5
PREPARED = 11
RECEIVED = 12


def recorded_job(host, name):
    """(kind, phase) of the job @host records for domain @name, or None."""
    text = xenpvlab.read_file(host.path(os.path.join(STATUS_DIR, name + '.xml')))
    m = re.search(r"<job kind='([a-z-]+)' phase='(\d+)'", text)
    return (m.group(1), int(m.group(2))) if m else None


def sim_names(host):
    """The names of the domains @host's simulated host runs."""
    return sorted(v['name'] for v in (host.sim_domains() or {}).values())


def migration_ports(host):
    """The ports in the migration range @host listens on."""
    res = host.run(['ss', '-Hltn'])
    ports = set()
    for line in res.out.splitlines():
        m = re.search(r':(\d+)\s', line.split()[3] + ' ') if len(line.split()) > 3 else None
        if m and PORT_MIN <= int(m.group(1)) <= PORT_MAX:
            ports.add(int(m.group(1)))
    return sorted(ports)


def background_virsh(host, *args):
    """virsh ARGS started inside @host, not waited for (a Popen)."""
    return subprocess.Popen(host.command(['virsh', '-q', '-c', 'xen:///system'] + list(args)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc, sig):
    """Send @sig (SIGSTOP, SIGCONT) to the Popen @proc."""
    try:
        proc.send_signal(sig)
    except ProcessLookupError:
        pass


def stop_pid(pid, sig):
    """Send @sig to the process @pid (one the lab started)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_job(host, name, phases, timeout=30):
    """Wait until @host records a job of @name in one of @phases."""
    return xenpvlab.wait_for(lambda: (recorded_job(host, name) or (None, None))[1] in phases,
                             timeout, 0.01)


class Guest:
    """A selfcheck guest, defined (persistent) and started on @host (with
    @cmdline added to its kernel's, such as 'sim.selfcheck_mbps=16' for a
    guest that dirties 16 MiB/s)."""

    def __init__(self, tap, host, name, kind='x86_64', memory_mib=GUEST_MIB, start=True,
                 persistent=True, arch=None, kernel=None, pvshim=None, cmdline=''):
        self.tap = tap
        self.name = name
        self.xml = xenpvlab.guest_xml(kind, name=name,
                                      cmdline=('sim.workload=selfcheck ' + cmdline).strip(),
                                      memory_mib=memory_mib, arch=arch, kernel=kernel)
        if pvshim:
            # The driver's namespace: <xenpv:pvshim mode='always'/>.
            self.xml = self.xml.replace(
                '</domain>', "<xenpv:pvshim xmlns:xenpv='urn:xenpv:domain:1' mode='%s'/></domain>"
                % pvshim)
        self.host = host
        self.resumes = 0
        self.ok = False
        if persistent:
            res = host.define(self.xml, start=start)
        else:
            path = os.path.join(xenpvlab.SCRATCH_DIR, name + '.xml')
            with open(host.path(path), 'w') as f:
                f.write(self.xml)
            res = host.virsh('create', path)
        if not tap.cmd_ok(res, '%s: %s on %s' % (name, 'runs' if start else 'defined',
                                                 host.name)):
            return
        if start:
            ok, text = host.wait_selfcheck_ok(name, 30)
            self.ok = tap.ok(ok, '%s: selfcheck OK on %s' % (name, host.name), repr(text))
        else:
            self.ok = True

    def verdict(self, host, name=None):
        return xenpvlab.selfcheck_fields(host.selfcheck(host.domid(name or self.name))) or {}

    def intact_on(self, host, what, name=None, min_resumes=None):
        """The guest runs on @host and has verified all its memory after
        one more resume than before (its arrival): it moved intact."""
        name = name or self.name
        want = self.resumes + 1 if min_resumes is None else min_resumes
        ok, text = host.wait_selfcheck_ok(name, 30, min_resumes=want)
        self.tap.ok(ok, '%s: %s: memory verified intact on %s (resume %d)'
                    % (name, what, host.name, want),
                    lambda: 'store says %r; console:\n%s' % (text, host.console_log(name)[-1500:]))
        if ok:
            self.resumes = int(xenpvlab.selfcheck_fields(text).get('resumes', want))
            self.host = host
        return ok

    def only_on(self, host, others, what, name=None):
        """@host's hypervisor runs the guest, none of @others' does."""
        name = name or self.name
        where = {h.name: name in sim_names(h) for h in [host] + list(others)}
        return self.tap.ok(where[host.name] and not any(where[h.name] for h in others),
                           '%s: %s: runs on %s only' % (name, what, host.name), repr(where))

    def moved(self, res, dst, what, name=None, others=None):
        """A migration @res to @dst succeeded: the guest runs there only,
        intact, and the source has no running copy."""
        src = self.host
        if not self.tap.cmd_ok(res, '%s: %s to %s' % (self.name, what, dst.name)):
            return False
        state = dst.domstate(name or self.name) or ''
        self.tap.ok(state.startswith('running'), '%s: %s: running on %s (%s)'
                    % (self.name, what, dst.name, state))
        self.only_on(dst, [src] + list(others or []), what, name)
        return self.intact_on(dst, what, name)

    def stayed(self, src, dst, what):
        """A migration failed or was refused: the guest still runs on @src,
        intact, and @dst (None: @src was the destination too) has nothing
        of it."""
        self.tap.ok(xenpvlab.wait_for(lambda: (src.domstate(self.name) or '').startswith(
                    'running'), 30),
                    '%s: %s: still running on %s (%s)' % (self.name, what, src.name,
                                                         src.domstate(self.name)))
        if dst is None:
            self.tap.eq(sim_names(src).count(self.name), 1,
                        '%s: %s: runs once on %s' % (self.name, what, src.name))
            ok, text = src.wait_selfcheck_ok(self.name, 30)
            self.tap.ok(ok, '%s: %s: selfcheck OK on %s' % (self.name, what, src.name),
                        repr(text))
            return
        self.tap.ok(xenpvlab.wait_for(lambda: self.name not in sim_names(dst), 30),
                    '%s: %s: nothing of it is left on %s' % (self.name, what, dst.name),
                    lambda: dst.simctl('list').out)
        names = dst.list_names()
        self.tap.ok(self.name not in names, '%s: %s: %s lists no running copy'
                    % (self.name, what, dst.name), repr(names))
        ok, text = src.wait_selfcheck_ok(self.name, 30)
        self.tap.ok(ok, '%s: %s: selfcheck OK on %s' % (self.name, what, src.name), repr(text))
        self.only_on(src, [dst], what)

    def remove(self):
        for h in (self.host,):
            h.virsh('destroy', self.name)
            h.virsh('undefine', self.name)


def main(body, hosts=3):
    """Run @body(tap, lab) in the migration lab (three hosts, PKI, TLS; or
    only xenpv-a and xenpv-b with @hosts=2)."""
    def with_shim(tap, lab):
        if not os.path.exists(SHIM_STAND_IN):
            raise xenpvlab.Bail('%s is not built' % SHIM_STAND_IN)
        shutil.copy(SHIM_STAND_IN, SHIM)
        # The driver looks at the shim image when it starts.
        for h in lab.hosts[:2]:
            h.restart_libvirtd()
        body(tap, lab)
    host_args = {'xenpv-c': {'pv32': False, 'log_dirty': False, 'hvm': False,
                             'memory_mib': 1024}}
    xenpvhosts.main(with_shim, hosts=hosts, tls=True, memory_mib=4096, hvm=True,
                    xenpv_conf=XENPV_CONF, host_args=host_args if hosts > 2 else None)
