"""
xenpvhosts: several simulated Xen hosts in one lab, joined by a network,
for the integration tests that need more than one host (migration above all).

Everything happens inside the lab of tests/lab/enter.sh (the test process is
its PID 1; its network namespace has loopback only and no route out).  In it:

    lab namespace: bridge labbr0, 192.0.2.1 "xenpv-lab" (the test process)
      +-- veth lv0 -- eth0 192.0.2.11 "xenpv-a"   )  hosts: network, mount
      +-- veth lv1 -- eth0 192.0.2.12 "xenpv-b"   )  and UTS namespaces
      +-- veth lvs -- eth0 192.0.2.99 "xenpv-stranger"  (network only)

Addresses come from a documentation range (192.0.2.0/24) and nobody has a
default route.  Each namespace is held by an anchor process (`sleep
infinity`) and found by its PID: nothing is added to the machine's /run/netns.

Each Host has:
  - its hostname, a distinct libvirt host_uuid, and an /etc of its own (an
    overlay on the machine's /etc whose writes stay in the host's memory),
    whose /etc/hosts resolves every lab name;
  - tmpfs over libvirt's and xenpv's state directories, as enter.sh gives
    the single-host lab, and over /etc/pki;
  - its own xenpv-simhost (knobs: memory_mib, cpus, pv32, log_dirty) and
    Debian's stock /usr/sbin/libvirtd loading our module, listening on TCP
    (`listen_tcp = 1`, `auth_tcp = "none"`) on its lab address, keepalive
    settings left at libvirt's defaults; TLS too (`listen_tls = 1`) when the
    lab is made with tls=True;
  - with pki=True (implied by tls=True): a CA certificate and the host's
    server and client certificates and keys (certtool) at libvirt's default
    paths: CA_CERT, SERVER_CERT, SERVER_KEY, CLIENT_CERT, CLIENT_KEY;
  - storage: SHARED_DIR (/var/lib/xenpv/images, where the test kernels and
    the examples' disks live) is one directory bind-mounted at the same path
    on every host and in the lab itself, standing in for the NFS share guests
    live on; PRIVATE_DIR (/var/lib/xenpv/private) is each host's own, for a
    guest whose kernel or disk exists on one host only.

The API (paths given to a host are paths inside it; commands run inside it
with nsenter, so `a.virsh('migrate', '--live', 'g', b.uri())` is what a user
on xenpv-a types):

HostsLab(tap, hosts=2, tls=False, pki=None, stranger=True, host_args=None,
         **host_defaults)      made by main(body, **same); setup(), cleanup()
    .hosts [Host], .host(name), .stranger (Stranger or None), .tls, .pki
    .measure_link(a, b, seconds=2, port=5201) -> bits/s iperf3 carried a->b
    .spawn(node, argv) -> Background (as node.spawn)
Host (a xenpvlab.HostBase, so all that the single-host Lab offers, run in
the host):
    .name .address .host_uuid .link (bridge end) .anchor_pid
    .uri('tcp'|'tls') -> 'xen+tcp://NAME/system'; .client_uri, .conn(),
        .close_conn(): the test process's binding, by the host's unix socket
    .virsh(*args, uri='xen:///system', timeout=60, input=None, quiet=True)
    .run(argv, timeout=60, input=None, env=None) -> xenpvlab.Result
    .python(script, *args, timeout=60, input=None): /usr/bin/python3 -c
    .spawn(argv, env=None) -> Background; .probe(...), .reaches(...)
    .path(P): where the test process opens the host's P (after cleanup: the
        copy of the host's logs); .copy_in(src, dst): a lab file into it
    .simctl(*args), .sim_domains(), .sim_view(), .store_read(path),
        .selfcheck(domid), .wait_selfcheck_ok(name, timeout, min_resumes)
    .define(xml, start=False), .domstate(name), .domid(name),
        .dominfo(name), .wait_state(name, pattern), .list_names(*flags),
        .console_log(name)
    .start_libvirtd(env=None): env adds variables to its environment,
        .stop_libvirtd(), .restart_libvirtd(),
        .kill_libvirtd(sig=SIGKILL, wait=True), .libvirtd_running(),
        .libvirtd_pid; .start_simhost(), .stop_simhost(), .simhost_pid
    .write_xenpv_conf(extra=None), .write_libvirtd_conf() (then restart)
    .log_tail(lines), .log_errors(lines), .simhost_log_tail(lines)
    .cut_link(mode='down'|'drop'), .restore_link(),
        .shape_link(rate=None, delay=None), .unshape_link()
    Host keyword arguments (host_defaults, host_args per name): memory_mib,
        cpus, pv32, log_dirty, hvm (PVH containers, for the PV-shim),
        shutdown_ack_timeout, stock_drivers, libvirtd_conf and xenpv_conf
        (extra lines for those files)
Stranger: .name .address, .run, .python, .spawn, .probe, .reaches, the link
    helpers (no libvirtd, no mount or UTS namespace of its own)
Node.probe(address, port, data=b'', wait=1.0, timeout=5.0) -> Probe
    (.connected, .sent, .received, .closed 'eof'|'reset'|None, .error);
    Node.reaches(address, port=TCP_PORT, timeout=2.0) -> bool
Background: .pid, .running(), .wait(timeout) -> Result, .stop(sig,
    grace) -> Result, .output() -> (stdout, stderr)

xenpvlab.guest_xml() makes a definition's disks in the lab's directories,
which for SHARED_DIR is the shared storage; a disk or kernel private to a
host is put there with host.copy_in(), or with
xenpvlab.ensure_disk_images(root, path_of=host.path).

A test file:

    import xenpvhosts, xenpvlab

    def body(tap, lab):
        a, b = lab.hosts
        xml = xenpvlab.guest_xml('x86_64', name='g1')   # disk in SHARED_DIR
        tap.cmd_ok(a.define(xml, start=True), 'g1 runs on xenpv-a')
        tap.cmd_ok(a.virsh('list', uri=b.uri()), 'A reaches B over TCP')
        b.cut_link(); ...; b.restore_link()
        bps = lab.measure_link(a, b, seconds=2)

    if __name__ == '__main__':
        xenpvhosts.main(body, tls=True, host_args={'xenpv-b': {'pv32': False}})

Cleanup stops, by PID, every daemon, background command and anchor it
started, also when the test fails; the lab's PID namespace is the backstop.
"""
import json
import os
import shutil
import signal
import subprocess
import uuid

import xenpvlab
from xenpvlab import Bail, HostBase, Result, run, wait_for

BRIDGE = 'labbr0'
NET_PREFIX = '192.0.2.'          # TEST-NET-1 (RFC 5737): never routed anywhere
PREFIX_LEN = 24
LAB_ADDRESS = NET_PREFIX + '1'
LAB_NAME = 'xenpv-lab'
STRANGER_ADDRESS = NET_PREFIX + '99'
STRANGER_NAME = 'xenpv-stranger'
HOST_NAMES = ('xenpv-a', 'xenpv-b', 'xenpv-c', 'xenpv-d')

# The lab's own files (on the lab's tmpfs, never the machine's).
LAB_DIR = '/var/lib/xenpv/lab'
SHARED_DIR = xenpvlab.IMAGES_DIR
PRIVATE_DIR = '/var/lib/xenpv/private'

TCP_PORT = 16509
TLS_PORT = 16514

# libvirt's default PKI paths (for root, server and client alike).
CA_CERT = '/etc/pki/CA/cacert.pem'
SERVER_CERT = '/etc/pki/libvirt/servercert.pem'
SERVER_KEY = '/etc/pki/libvirt/private/serverkey.pem'
CLIENT_CERT = '/etc/pki/libvirt/clientcert.pem'
CLIENT_KEY = '/etc/pki/libvirt/private/clientkey.pem'

# What a host keeps to itself (enter.sh's list, and /etc/pki).
HOST_TMPFS = ('/etc/libvirt', '/etc/pki', '/run/libvirt', '/var/lib/libvirt',
              '/var/cache/libvirt', '/var/log/libvirt', '/var/lib/xenpv', '/var/log/xenpv',
              '/boot')

SIMHOST_LOG = '/var/log/xenpv/simhost.log'
# Kept in the lab when a host is destroyed (Host.path() then points there).
LOG_DIRS = ('/var/log/libvirt', '/var/log/xenpv')

# Run inside a fresh host's namespaces, before anything else: a private /etc,
# the state tmpfs, and the shared directory moved into its place (it is
# bound first to a scratch tmpfs, since /var/lib/xenpv is covered after).
HOST_SETUP = r'''
set -eu
name=$1 shared=$2 private=$3
shift 3
hostname "$name"
mount -t tmpfs -o mode=0755 tmpfs /run/xenpv
mkdir /run/xenpv/etc-upper /run/xenpv/etc-work /run/xenpv/shared
mount --bind "$shared" /run/xenpv/shared
mount -t overlay overlay \
    -o lowerdir=/etc,upperdir=/run/xenpv/etc-upper,workdir=/run/xenpv/etc-work /etc
mkdir -p /etc/pki
for d in "$@"; do
    mount -t tmpfs -o mode=0755 tmpfs "$d"
done
mkdir -p "$shared" "$private"
mount --move /run/xenpv/shared "$shared"
mount -t tmpfs -o mode=0755 tmpfs /run/xenpv
'''

# Connect to ADDRESS PORT, send the bytes of HEX, read until the peer closes
# or WAIT seconds pass; print what happened as JSON.
PROBE = r'''
import json, socket, sys, time
addr, port, data, wait, timeout = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), \
    float(sys.argv[4]), float(sys.argv[5])
r = {'connected': False, 'sent': False, 'received': '', 'closed': None, 'error': None}
got = b''
try:
    s = socket.create_connection((addr, port), timeout=timeout)
    r['connected'] = True
    s.sendall(data)
    r['sent'] = True
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            r['closed'] = 'eof'
            break
        got += chunk
    s.close()
except (ConnectionResetError, BrokenPipeError) as e:
    if r['connected']:
        r['closed'] = 'reset'
    else:
        r['error'] = '%s: %s' % (type(e).__name__, e)
except OSError as e:
    r['error'] = '%s: %s' % (type(e).__name__, e)
r['received'] = got.hex()
print(json.dumps(r))
'''


class LabError(Exception):
    """A lab operation that failed (the message says which and why)."""


def checked(res, what):
    if res.rc != 0:
        raise LabError('%s failed:\n%s' % (what, res))
    return res


class Probe:
    """What a probe() saw: connected (bool), sent (all the data went out),
    received (bytes the peer sent), closed ('eof' or 'reset' if the peer
    closed the connection first, else None), error (None, or why the
    connection or the sending failed)."""

    def __init__(self, connected, sent, received, closed, error):
        self.connected = connected
        self.sent = sent
        self.received = received
        self.closed = closed
        self.error = error

    def __repr__(self):
        return 'Probe(connected=%r, sent=%r, received=%r, closed=%r, error=%r)' % (
            self.connected, self.sent, self.received[:64], self.closed, self.error)


class Background:
    """A command running in the background inside a host or the stranger,
    its output going to files in the lab.  The lab stops it at cleanup."""

    def __init__(self, node, argv, out_path, env=None):
        self.node = node
        self.argv = list(argv)
        self.out_path = out_path
        self.err_path = out_path[:-len('.out')] + '.err'
        with open(self.out_path, 'w') as out, open(self.err_path, 'w') as err:
            self.proc = subprocess.Popen(node.command(argv), stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, env=env)
        self.pid = self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def output(self):
        """(stdout, stderr) so far."""
        return xenpvlab.read_file(self.out_path), xenpvlab.read_file(self.err_path)

    def result(self):
        out, err = self.output()
        rc = self.proc.returncode
        return Result(self.argv, -1 if rc is None else rc, out, err)

    def wait(self, timeout=60):
        """Wait for it to end; a Result (rc -1 if it had not ended)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return self.result()

    def stop(self, sig=signal.SIGTERM, grace=5):
        """Send @sig by PID, SIGKILL after @grace seconds; the Result."""
        if self.running():
            try:
                self.proc.send_signal(sig)
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.result()


class Node:
    """A machine on the lab's network: a network namespace (held by an
    anchor process, found by its PID) joined to the lab's bridge by a veth
    pair, `eth0` inside, `link` (lv0, lv1, ...) on the bridge."""

    def __init__(self, lab, name, address, link):
        self.lab = lab
        self.name = name
        self.address = address
        self.link = link
        self.anchor = None
        self._cut = None

    @property
    def anchor_pid(self):
        return None if self.anchor is None else self.anchor.pid

    def nsenter_flags(self):
        return ['-n']

    def unshare_flags(self):
        return ['--net']

    def command(self, argv):
        """@argv as a command that runs inside this node."""
        return ['nsenter', '-t', str(self.anchor_pid)] + self.nsenter_flags() + ['--'] + list(argv)

    def create(self):
        """The anchor and its namespaces, the veth pair and the address."""
        self.anchor = subprocess.Popen(['unshare'] + self.unshare_flags() +
                                       ['--', 'sleep', 'infinity'],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        own_net = os.readlink('/proc/self/ns/net')

        def unshared():
            try:
                return (os.readlink('/proc/%d/exe' % self.anchor.pid).endswith('/sleep') and
                        os.readlink('/proc/%d/ns/net' % self.anchor.pid) != own_net)
            except OSError:
                return False
        if not wait_for(unshared, 10, 0.02):
            raise Bail('%s: the anchor process did not make its namespaces' % self.name)
        checked(run(['ip', 'link', 'add', self.link, 'type', 'veth', 'peer', 'name', 'eth0',
                     'netns', str(self.anchor.pid)]), '%s: veth pair' % self.name)
        checked(run(['ip', 'link', 'set', self.link, 'master', BRIDGE, 'up']),
                '%s: veth on the bridge' % self.name)
        self.configure()

    def configure(self):
        cidr = '%s/%d' % (self.address, PREFIX_LEN)
        for argv in (['ip', 'link', 'set', 'lo', 'up'],
                     ['ip', 'addr', 'add', cidr, 'dev', 'eth0'],
                     ['ip', 'link', 'set', 'eth0', 'up']):
            checked(self.run(argv), '%s: %s' % (self.name, ' '.join(argv)))

    def destroy(self):
        if self.anchor is not None:
            self.anchor.kill()
            self.anchor.wait()
            self.anchor = None
        run(['ip', 'link', 'del', self.link])

    # commands ----------------------------------------------------------
    def run(self, argv, timeout=60, input=None, env=None):
        """@argv run inside this node, waited for: a xenpvlab.Result."""
        return run(self.command(argv), timeout=timeout, input=input, env=env)

    def python(self, script, *args, timeout=60, input=None):
        """/usr/bin/python3 -c @script @args inside this node (the python
        with Debian's libvirt binding): a xenpvlab.Result."""
        return self.run(['/usr/bin/python3', '-c', script] + [str(a) for a in args],
                        timeout=timeout, input=input)

    def spawn(self, argv, env=None):
        """@argv started in the background inside this node: a Background
        (pid, running(), wait(timeout), stop(sig), output())."""
        return self.lab.spawn(self, argv, env=env)

    def probe(self, address, port, data=b'', wait=1.0, timeout=5.0):
        """From this node, connect to @address:@port, send @data, read what
        comes back until the peer closes or @wait seconds pass: a Probe."""
        res = self.python(PROBE, address, port, bytes(data).hex(), wait, timeout,
                          timeout=timeout + wait + 30)
        try:
            r = json.loads(res.out)
        except ValueError:
            raise LabError('%s: probe of %s:%s failed:\n%s' % (self.name, address, port, res))
        return Probe(r['connected'], r['sent'], bytes.fromhex(r['received']), r['closed'],
                     r['error'])

    def reaches(self, address, port=TCP_PORT, timeout=2.0):
        """Whether a TCP connection from this node to @address:@port is
        accepted within @timeout seconds."""
        return self.probe(address, port, wait=0, timeout=timeout).connected

    # the link ----------------------------------------------------------
    def cut_link(self, mode='down'):
        """Cut this node's link to the bridge.  'down': the cable pulled
        (the bridge end goes down, eth0 loses its carrier).  'drop': carriers
        stay up but the bridge drops every frame to and from this node
        (a failure further along the path).  Either way established TCP
        connections stall rather than reset."""
        if mode == 'down':
            checked(run(['ip', 'link', 'set', self.link, 'down']), '%s: link down' % self.name)
        elif mode == 'drop':
            checked(run(['bridge', 'link', 'set', 'dev', self.link, 'state', '0']),
                    '%s: bridge port disabled' % self.name)
        else:
            raise ValueError('cut_link mode is "down" or "drop", not %r' % mode)
        self._cut = mode

    def restore_link(self, timeout=10):
        """Undo cut_link(); returns once the bridge forwards again."""
        checked(run(['ip', 'link', 'set', self.link, 'up']), '%s: link up' % self.name)
        if self._cut == 'drop':
            checked(run(['bridge', 'link', 'set', 'dev', self.link, 'state', '3']),
                    '%s: bridge port forwarding' % self.name)
        self._cut = None
        if not wait_for(lambda: self.port_state() == 'forwarding', timeout):
            raise LabError('%s: bridge port %s is %s, not forwarding, %ss after restore'
                           % (self.name, self.link, self.port_state(), timeout))

    def port_state(self):
        res = run(['bridge', '-j', 'link', 'show', 'dev', self.link])
        try:
            return json.loads(res.out)[0].get('state')
        except (ValueError, IndexError, AttributeError):
            return None

    def shape_link(self, rate=None, delay=None):
        """Shape this node's link both ways with tc: @rate (tc's units,
        '1gbit', '100mbit', or bits/s as an int) by a token bucket on each
        end; @delay ('5ms', each way) needs netem, which some kernels lack
        (LabError then, naming it).  shape_link() with neither unshapes."""
        self.unshape_link()
        if rate is None and delay is None:
            return
        if delay is not None:
            argv = ['netem', 'delay', str(delay), 'limit', '100000']
            if rate is not None:
                argv += ['rate', tc_rate(rate)]
            self._set_qdisc(argv, 'netem (CONFIG_NET_SCH_NETEM) for a delay')
        else:
            bps = parse_rate(rate)
            # The bucket holds 2 ms at the rate, and never less than a
            # full-size GSO packet (64 KiB) twice over.
            burst = max(bps // 8 // 500, 128 << 10)
            self._set_qdisc(['tbf', 'rate', tc_rate(rate), 'burst', str(burst),
                             'latency', '20ms'], 'tbf (CONFIG_NET_SCH_TBF) for a rate')

    def _set_qdisc(self, qdisc, needs):
        # eth0 inside the node shapes what it sends, the bridge end what it
        # receives.
        for dev, runner in (('eth0', self.run), (self.link, run)):
            res = runner(['tc', 'qdisc', 'replace', 'dev', dev, 'root'] + qdisc)
            if res.rc != 0:
                self.unshape_link()
                raise LabError('%s: shaping %s with tc failed (this needs %s in the kernel):\n%s'
                               % (self.name, dev, needs, res))

    def unshape_link(self):
        """Remove any shaping (no error if there was none)."""
        self.run(['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'])
        run(['tc', 'qdisc', 'del', 'dev', self.link, 'root'])


def parse_rate(rate):
    """Bits per second from an int or a tc rate ('1gbit', '100mbit', '10kbit')."""
    if isinstance(rate, int):
        return rate
    text = str(rate).strip().lower()
    for suffix, mult in (('gbit', 10 ** 9), ('mbit', 10 ** 6), ('kbit', 10 ** 3), ('bit', 1)):
        if text.endswith(suffix):
            return int(float(text[:-len(suffix)]) * mult)
    raise ValueError('rate %r: give bits/s or a number with gbit, mbit, kbit or bit' % rate)


def tc_rate(rate):
    return '%dbit' % parse_rate(rate)


class Stranger(Node):
    """An address on the lab's bridge with nothing listening and no
    libvirtd: the place a test connects from to send garbage to a host's
    ports (run, python, probe, spawn work as on a host)."""


class Host(Node, HostBase):
    """One simulated Xen host of the lab (see the module's docstring).
    Beyond xenpvlab.HostBase: name, address, host_uuid, link, anchor_pid;
    uri(transport), run, python, spawn, probe, reaches; cut_link,
    restore_link, shape_link, unshape_link; simhost_log_tail."""

    def __init__(self, lab, name, address, link, memory_mib=4096, cpus=4, pv32=True,
                 log_dirty=True, hvm=False, shutdown_ack_timeout=xenpvlab.SHUTDOWN_ACK_TIMEOUT,
                 stock_drivers=('secret',), libvirtd_conf='', xenpv_conf=''):
        Node.__init__(self, lab, name, address, link)
        HostBase.__init__(self, lab.tap, memory_mib=memory_mib, cpus=cpus, pv32=pv32,
                          log_dirty=log_dirty, hvm=hvm,
                          shutdown_ack_timeout=shutdown_ack_timeout,
                          stock_drivers=stock_drivers)
        self.host_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, name + '.xenpv-lab'))
        self.remains = os.path.join(LAB_DIR, 'remains', name)
        self.extra_libvirtd_conf = libvirtd_conf
        self.extra_xenpv_conf = xenpv_conf

    # how the test process reaches the host -------------------------------
    def nsenter_flags(self):
        # -r: the anchor's root directory.  Entering a mount namespace
        # otherwise puts the command at that namespace's own root, outside
        # any chroot the lab runs in (the fresh-root test runs the suite in
        # one).
        return ['-n', '-m', '-u', '-r']

    def unshare_flags(self):
        return ['--net', '--mount', '--uts', '--propagation', 'private']

    def path(self, path):
        """Where the test process opens the host's absolute @path (through
        the anchor's root, which is in the host's mount namespace).  Once
        the host is gone, the copy of its logs kept in the lab (LOG_DIRS)."""
        if self.anchor is None:
            return os.path.join(self.remains, path.lstrip('/'))
        return '/proc/%d/root%s' % (self.anchor_pid, path)

    @property
    def client_uri(self):
        """The test process's binding reaches libvirtd by its unix socket."""
        return 'xen:///system?socket=' + self.path(xenpvlab.LIBVIRT_SOCK)

    def uri(self, transport='tcp'):
        """This host's URI for a client elsewhere in the lab: 'tcp' or 'tls'."""
        return 'xen+%s://%s/system' % (transport, self.name)

    # set-up ---------------------------------------------------------------
    def create(self):
        Node.create(self)
        res = self.run(['sh', '-c', HOST_SETUP, 'host-setup', self.name, SHARED_DIR,
                        PRIVATE_DIR] + list(HOST_TMPFS))
        if res.rc != 0:
            raise Bail('%s: setting up its namespaces failed:\n%s' % (self.name, res))
        with open(self.path('/etc/hosts'), 'w') as f:
            f.write(self.lab.hosts_file())
        with open(self.path('/etc/hostname'), 'w') as f:
            f.write(self.name + '\n')
        self.install_host_files()
        self.write_libvirtd_conf()
        self.write_xenpv_conf()

    def libvirtd_conf(self):
        return HostBase.libvirtd_conf(self) + (
            'listen_tcp = 1\n'
            'listen_tls = %d\n'
            'auth_tcp = "none"\n'
            'auth_tls = "none"\n'
            'listen_addr = "%s"\n'
            'host_uuid = "%s"\n%s' % (1 if self.lab.tls else 0, self.address, self.host_uuid,
                                      self.extra_libvirtd_conf))

    def write_xenpv_conf(self, extra=None):
        HostBase.write_xenpv_conf(self, self.extra_xenpv_conf if extra is None else extra)

    def libvirtd_argv(self, timeout=None):
        return HostBase.libvirtd_argv(self, timeout) + ['--listen']

    def simhost_argv(self):
        return HostBase.simhost_argv(self) + ['--log-file', SIMHOST_LOG]

    def simhost_log_tail(self, lines=40):
        return xenpvlab.tail(self.path(SIMHOST_LOG), lines)

    def copy_in(self, src, dst, mode=None):
        """Copy the lab's file @src to @dst in this host (directories made);
        @mode as for chmod, else @src's."""
        os.makedirs(os.path.dirname(self.path(dst)), exist_ok=True)
        shutil.copyfile(src, self.path(dst))
        os.chmod(self.path(dst), os.stat(src).st_mode & 0o7777 if mode is None else mode)

    def install_pki(self, pki_dir):
        """The lab CA's certificate and this host's certificates and keys,
        from @pki_dir (the lab's), at libvirt's default paths."""
        files = ((os.path.join(pki_dir, 'cacert.pem'), CA_CERT, 0o644),
                 (os.path.join(pki_dir, self.name + '-server.pem'), SERVER_CERT, 0o644),
                 (os.path.join(pki_dir, self.name + '-server-key.pem'), SERVER_KEY, 0o600),
                 (os.path.join(pki_dir, self.name + '-client.pem'), CLIENT_CERT, 0o644),
                 (os.path.join(pki_dir, self.name + '-client-key.pem'), CLIENT_KEY, 0o600))
        for src, dst, mode in files:
            self.copy_in(src, dst, mode)

    def destroy(self):
        HostBase.cleanup(self)
        if self.anchor is not None:
            # Its logs outlive it, for diagnostics reported after cleanup.
            for d in LOG_DIRS:
                try:
                    shutil.copytree(self.path(d), os.path.join(self.remains, d.lstrip('/')),
                                    symlinks=True, dirs_exist_ok=True)
                except OSError:
                    pass
        Node.destroy(self)


class HostsLab:
    """The multi-host lab.  @hosts: how many hosts (names from HOST_NAMES)
    or their names; addresses 192.0.2.11, .12, ... in that order.
    Keyword arguments of Host (memory_mib, cpus, pv32, log_dirty,
    shutdown_ack_timeout, stock_drivers, libvirtd_conf: extra lines for
    libvirtd.conf, xenpv_conf: extra lines for xenpv.conf) apply to every
    host; @host_args {name: {arg: value}} overrides them per host.
    @tls: libvirtd also listens on TLS (and pki is made); @pki: certificates
    without TLS listening; @stranger: add the stranger node.  Attributes:
    hosts (list), stranger (or None), tls, pki; host(name)."""

    def __init__(self, tap, hosts=2, tls=False, pki=None, stranger=True, host_args=None,
                 **defaults):
        xenpvlab.require_lab()
        if xenpvlab.libvirt is not None:
            xenpvlab.libvirt.registerErrorHandler(lambda ctx, err: None, None)
        self.tap = tap
        self.tls = tls
        self.pki = tls if pki is None else pki
        names = list(HOST_NAMES[:hosts]) if isinstance(hosts, int) else list(hosts)
        if isinstance(hosts, int) and hosts > len(HOST_NAMES):
            raise Bail('at most %d hosts by number: name them' % len(HOST_NAMES))
        host_args = host_args or {}
        unknown = set(host_args) - set(names)
        if unknown:
            raise Bail('host_args for hosts that are not in the lab: %s' % sorted(unknown))
        self.hosts = [Host(self, name, '%s%d' % (NET_PREFIX, 11 + i), 'lv%d' % i,
                           **dict(defaults, **host_args.get(name, {})))
                      for i, name in enumerate(names)]
        self.stranger = (Stranger(self, STRANGER_NAME, STRANGER_ADDRESS, 'lvs')
                         if stranger else None)
        self._background = []
        self._hosts_bound = False
        for h in self.hosts:
            tap.on_failure.append(h.log_errors)

    def host(self, name):
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(name)

    def nodes(self):
        return self.hosts + ([self.stranger] if self.stranger else [])

    def hosts_file(self):
        lines = ['127.0.0.1\tlocalhost', '%s\t%s' % (LAB_ADDRESS, LAB_NAME)]
        lines += ['%s\t%s' % (n.address, n.name) for n in self.nodes()]
        return '\n'.join(lines) + '\n'

    def setup(self):
        os.makedirs(os.path.join(LAB_DIR, 'background'), exist_ok=True)
        os.makedirs(SHARED_DIR, exist_ok=True)
        checked(run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge', 'forward_delay', '0']),
                'the lab bridge')
        checked(run(['ip', 'addr', 'add', '%s/%d' % (LAB_ADDRESS, PREFIX_LEN), 'dev', BRIDGE]),
                'the lab bridge address')
        checked(run(['ip', 'link', 'set', BRIDGE, 'up']), 'the lab bridge up')
        # The lab's own name service, for the test process and the stranger.
        hosts = os.path.join(LAB_DIR, 'hosts')
        with open(hosts, 'w') as f:
            f.write(self.hosts_file())
        checked(run(['mount', '--bind', hosts, '/etc/hosts']), 'the lab /etc/hosts')
        self._hosts_bound = True
        if self.pki:
            make_pki(os.path.join(LAB_DIR, 'pki'), self.hosts)
        for node in self.nodes():
            node.create()
        if self.pki:
            for h in self.hosts:
                h.install_pki(os.path.join(LAB_DIR, 'pki'))
        self.hosts[0].install_images()
        for h in self.hosts:
            h.start_simhost()
        for h in self.hosts:
            h.start_libvirtd()

    def spawn(self, node, argv, env=None):
        path = os.path.join(LAB_DIR, 'background', '%d-%s.out' % (len(self._background),
                                                                  node.name))
        bg = Background(node, argv, path, env=env)
        self._background.append(bg)
        return bg

    def measure_link(self, a, b, seconds=2, port=5201):
        """iperf3 from node @a to node @b for @seconds over their lab
        addresses: the bits per second @b received.  LabError if it fails
        (iperf3's own words in the message)."""
        server = b.spawn(['iperf3', '--server', '--one-off', '--json', '--bind', b.address,
                          '--port', str(port)])
        try:
            listening = wait_for(lambda: b.run(['ss', '-Hltn', 'sport', '=', ':%d' % port])
                                 .out.strip() or not server.running(), 10)
            if not listening or not server.running():
                raise LabError('iperf3 server on %s did not listen:\n%s'
                               % (b.name, server.stop()))
            res = a.run(['iperf3', '--client', b.address, '--port', str(port), '--bind',
                         a.address, '--time', str(seconds), '--json',
                         '--connect-timeout', '3000'], timeout=seconds + 30)
            try:
                report = json.loads(res.out)
                return float(report['end']['sum_received']['bits_per_second'])
            except (ValueError, KeyError, TypeError):
                raise LabError('iperf3 from %s to %s failed:\n%s' % (a.name, b.name, res))
        finally:
            server.stop()

    def cleanup(self):
        """Stop everything the lab started, by PID: background commands,
        each host's libvirtd and simhost, the anchors (and with them the
        namespaces and veths); then the bridge and the lab's /etc/hosts.
        The first error is raised once everything was tried."""
        errors = []
        for stop in [bg.stop for bg in self._background] + \
                [n.destroy for n in reversed(self.nodes())]:
            try:
                stop()
            except Exception as e:
                errors.append(e)
        self._background = []
        run(['ip', 'link', 'del', BRIDGE])
        if self._hosts_bound:
            run(['umount', '/etc/hosts'])
            self._hosts_bound = False
        if errors:
            raise errors[0]


def make_pki(pki_dir, hosts):
    """A lab CA, and for each host a server certificate (its name and
    address) and a client certificate, by certtool, into @pki_dir."""
    os.makedirs(pki_dir, exist_ok=True)

    def certtool(*args):
        checked(run(['certtool'] + list(args), timeout=60), 'certtool ' + args[0])

    def template(name, text):
        path = os.path.join(pki_dir, name + '.info')
        with open(path, 'w') as f:
            f.write(text + 'expiration_days = 30\n')
        return path

    def key(name):
        path = os.path.join(pki_dir, name + '-key.pem')
        certtool('--generate-privkey', '--key-type', 'rsa', '--sec-param', 'medium',
                 '--outfile', path)
        return path

    ca_key = key('ca')
    ca_cert = os.path.join(pki_dir, 'cacert.pem')
    certtool('--generate-self-signed', '--load-privkey', ca_key,
             '--template', template('ca', 'cn = xenpv lab CA\nca\ncert_signing_key\n'),
             '--outfile', ca_cert)
    for h in hosts:
        for role, extra in (('server', 'dns_name = %s\nip_address = %s\ntls_www_server\n'
                             % (h.name, h.address)),
                            ('client', 'tls_www_client\n')):
            name = '%s-%s' % (h.name, role)
            text = ('organization = xenpv lab\ncn = %s\n%sencryption_key\nsigning_key\n'
                    % (h.name, extra))
            certtool('--generate-certificate', '--load-privkey', key(name),
                     '--load-ca-certificate', ca_cert, '--load-ca-privkey', ca_key,
                     '--template', template(name, text),
                     '--outfile', os.path.join(pki_dir, name + '.pem'))


def main(body, **lab_args):
    """Entry point of a test file: @body(tap, lab) in a fresh HostsLab made
    with @lab_args, cleaned up however the body ends."""
    xenpvlab.main(body, lab_class=HostsLab, **lab_args)
