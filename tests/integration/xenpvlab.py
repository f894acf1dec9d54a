"""
xenpvlab: the harness of xenpv's integration tests.

Each test file runs as PID 1 of its own lab (tests/lab/enter.sh): tmpfs over
libvirt's and xenpv's state directories, a private network namespace.  This
module fills that lab the way an administrator fills a host (test kernels in
/var/lib/xenpv/images and /boot, /etc/libvirt/libvirtd.conf and xenpv.conf),
starts the simulated Xen host and Debian's stock libvirtd with our module as
its Xen driver, and gives the tests virsh, the python binding and TAP output.
HostBase is such a host as the test process reaches it; Lab is the lab
itself as that host.  Tests that need several hosts use xenpvhosts, whose
hosts are HostBases in namespaces of their own.

Run with /usr/bin/python3: that is the interpreter Debian's python3-libvirt
is installed for.
"""
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET

try:
    import libvirt
except ImportError:  # reported as a bail-out by Tap.run
    libvirt = None

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get('XENPV_SOURCE_DIR') or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get('XENPV_BUILD_DIR') or os.path.join(SOURCE_DIR, 'build')

MODULE = os.path.join(BUILD_DIR, 'src', 'driver', 'libvirt_driver_libxl.so')
SIMHOST = os.path.join(BUILD_DIR, 'src', 'simhost', 'xenpv-simhost')
SIMCTL = os.path.join(BUILD_DIR, 'src', 'simhost', 'xenpv-simctl')
TEST_KERNELS = {
    'x86_64': os.path.join(BUILD_DIR, 'tests', 'kernels', 'xenpv-test-x86_64.elf'),
    'x86_32p': os.path.join(BUILD_DIR, 'tests', 'kernels', 'xenpv-test-x86_32p.elf'),
}
EXAMPLES_DIR = os.path.join(SOURCE_DIR, 'examples', 'xml')

STOCK_DRIVER_DIR = '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver'
IMAGES_DIR = '/var/lib/xenpv/images'
DVDSTORE_KERNEL = '/boot/vmlinuz-2.6-xenU'
CONSOLE_DIR = '/var/log/xenpv/console'
SIM_SOCKET = '/run/xenpv/simhost.sock'
SIM_PIDFILE = '/run/xenpv/simhost.pid'
LIBVIRTD_CONF = '/etc/libvirt/libvirtd.conf'
XENPV_CONF = '/etc/libvirt/xenpv.conf'
LIBVIRTD_PIDFILE = '/run/libvirt/xenpv-test-libvirtd.pid'
LIBVIRTD_LOG = '/var/log/libvirt/libvirtd.log'
LIBVIRT_SOCK = '/run/libvirt/libvirt-sock'
# Lab tmpfs, never the host's: private driver directory and scratch space.
SCRATCH_DIR = '/var/cache/libvirt/xenpv-test'
DRIVER_DIR = os.path.join(SCRATCH_DIR, 'drivers')
DOMAIN_RNG = '/usr/share/libvirt/schemas/domain.rng'

URI = 'xen:///system'
SHUTDOWN_ACK_TIMEOUT = 3

# A sanitizer build (meson's test setup says so, tests/meson.build): the
# sanitizers' names, and the ASan runtime of the compiler that built it, to
# preload into the programs that load our module (libvirtd, virsh or python
# on xen:///embed); the module brings UBSan's runtime in itself.  Every
# program writes its reports under SANITIZER_LOG_DIR, in the host it runs in;
# a test checks them once its body and clean-up are over.
SANITIZERS = os.environ.get('XENPV_SANITIZERS', '')
SANITIZER_PRELOAD = [p for p in os.environ.get('XENPV_SANITIZER_PRELOAD', '').split(':') if p]
SANITIZER_LOG_DIR = '/var/log/xenpv/sanitizers'
# The options meson's test setup gives, before the lab adds to them.
SANITIZER_OPTIONS = {k: os.environ.get(k, '') for k in ('ASAN_OPTIONS', 'UBSAN_OPTIONS')}


class Result:
    """What a command did: rc, stdout, stderr (and the argv, for diagnostics)."""

    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err

    @property
    def ok(self):
        return self.rc == 0

    def __str__(self):
        return 'command: %s\nrc: %s\nstdout: %s\nstderr: %s' % (
            ' '.join(self.argv), self.rc, self.out.rstrip(), self.err.rstrip())


def run(argv, timeout=60, env=None, input=None):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           env=env, input=input)
        return Result(argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
        return Result(argv, -1, out, 'timed out after %ss' % timeout)
    except OSError as e:
        return Result(argv, -1, '', str(e))


def run_daemon(argv, log, env=None, timeout=60):
    """Start a program that detaches (--daemon): its output goes to @log, not
    to a pipe a detached child would keep open.  Returns a Result whose
    stdout/stderr hold what was logged by this start."""
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, 'a+') as f:
        start = f.seek(0, os.SEEK_END)
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=env)
        except OSError as e:
            return Result(argv, -1, '', str(e))
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            rc = -1
        f.seek(start)
        return Result(argv, rc, '', f.read() + ('' if rc != -1 else '\n(timed out)'))


def wait_for(predicate, timeout=10.0, interval=0.1):
    """Poll @predicate until it returns something true or @timeout passes.
    Returns the last value it returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def process_gone(pid):
    """True once @pid has exited.  We are PID 1 of the lab, so daemons that
    detached are our children: reap them, or they linger as zombies."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return True
    except ChildProcessError:
        pass
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state in ('Z', 'X')
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True


def read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def socket_accepts(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def read_file(path, default=''):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return default


def tail(path, lines=40):
    return '\n'.join(read_file(path, '(no %s)' % path).splitlines()[-lines:])


NOISE = ('virNetSocketReadWire', 'getaddrinfo failed')


def log_errors(lines=8, path=LIBVIRTD_LOG):
    """The last errors and warnings in libvirtd's log (at @path), without the
    noise of clients that hang up."""
    text = read_file(path, None)
    if text is None:
        return '(no %s)' % path
    picked = [line for line in text.splitlines()
              if (': error : ' in line or ': warning : ' in line)
              and not any(n in line for n in NOISE)]
    return 'libvirtd log, last errors:\n' + '\n'.join(picked[-lines:])


# --- sanitizer builds ---------------------------------------------------------

def sanitizer_vars(libvirt_process=False, leaks=True):
    """The environment variables of a program of a sanitizer build ({} in
    another build): each report goes to a file under SANITIZER_LOG_DIR whose
    name ends in the process id.  A @libvirt_process (libvirtd, or a program
    that loads the module on xen:///embed) is not instrumented itself: it
    gets the ASan runtime preloaded, and unwinds allocation stacks by frame
    pointers (ten times faster in libvirt; the stack of a bad access itself
    is always complete) unless XENPV_SANITIZER_FULL_STACKS=1 asks for full
    ones.  Without @leaks, no leak check at exit (for python, whose own
    allocations alive at exit would drown the module's)."""
    if not SANITIZERS:
        return {}
    asan = [SANITIZER_OPTIONS['ASAN_OPTIONS'], 'log_path=%s/asan' % SANITIZER_LOG_DIR]
    ubsan = [SANITIZER_OPTIONS['UBSAN_OPTIONS'], 'log_path=%s/ubsan' % SANITIZER_LOG_DIR]
    env = {}
    if libvirt_process:
        env['LD_PRELOAD'] = ':'.join(SANITIZER_PRELOAD)
        if os.environ.get('XENPV_SANITIZER_FULL_STACKS') != '1':
            asan.append('fast_unwind_on_malloc=1')
    if not leaks:
        asan.append('detect_leaks=0')
    env['ASAN_OPTIONS'] = ':'.join(o for o in asan if o)
    env['UBSAN_OPTIONS'] = ':'.join(o for o in ubsan if o)
    return env


def sanitizer_env(env, libvirt_process=False, leaks=True):
    """@env (a dict, changed and returned) with sanitizer_vars()."""
    env.update(sanitizer_vars(libvirt_process, leaks))
    return env


def sanitized_argv(argv):
    """@argv of libvirtd, made to start with sanitizer_vars() in a sanitizer
    build.  Through env(1) in front of it: a wrapper such as nsenter would
    take the preload off its own environment before it got there."""
    sanitizer = sanitizer_vars(libvirt_process=True)
    if not sanitizer:
        return list(argv)
    return ['env'] + ['%s=%s' % kv for kv in sorted(sanitizer.items())] + list(argv)


def sanitizer_reports(log_dir=SANITIZER_LOG_DIR):
    """Every sanitizer report in @log_dir, as one text ('' if none)."""
    try:
        names = sorted(os.listdir(log_dir))
    except OSError:
        return ''
    texts = []
    for name in names:
        text = read_file(os.path.join(log_dir, name)).strip()
        if text:
            texts.append('== %s\n%s' % (name, text))
    return '\n'.join(texts)


def sanitizer_runtime_loaded(pid):
    """Does process @pid have the runtime of every sanitizer mapped?"""
    maps = read_file('/proc/%d/maps' % pid)
    libs = [os.path.basename(os.path.realpath(p)) for p in SANITIZER_PRELOAD]
    if 'undefined' in SANITIZERS:
        libs.append('libubsan.so')
    return all(lib in maps for lib in libs)


def sanitizers_init():
    """In a sanitizer build, once in the test process: the runtime exists,
    and the instrumented programs the test runs (the simulated host,
    xenpv-simctl) inherit where to write their reports."""
    if not SANITIZERS:
        return
    missing = [p for p in SANITIZER_PRELOAD if not os.path.exists(p)]
    if missing:
        raise Bail('the sanitizer runtime %s is missing' % ':'.join(missing))
    os.makedirs(SANITIZER_LOG_DIR, exist_ok=True)
    sanitizer_env(os.environ)


def reexec_with_sanitizer_runtime():
    """Run this test again in a process that has the ASan runtime
    preloaded, for a test that loads the module into its own interpreter
    (xen:///embed).  Keeps the process id: the test stays PID 1 of its lab."""
    if not SANITIZERS or os.environ.get('XENPV_SANITIZER_PRELOADED') == '1':
        return
    env = sanitizer_env(dict(os.environ), libvirt_process=True, leaks=False)
    env['XENPV_SANITIZER_PRELOADED'] = '1'
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


# --- TAP -------------------------------------------------------------------

class Bail(Exception):
    """The lab cannot be set up: nothing after this can be tested."""


class Tap:
    """Test Anything Protocol output, as meson's 'tap' protocol reads it."""

    def __init__(self):
        self.count = 0
        self.failed = 0
        self.on_failure = []   # callables returning extra diagnostics

    def _emit(self, line, echo=False):
        print(line, flush=True)
        # meson reads stdout as TAP and shows only stderr in its error
        # logs: a failure is echoed there so that a CI log says why.
        if echo:
            print(line, file=sys.stderr, flush=True)

    def diag(self, text, echo=False):
        for line in str(text).splitlines() or ['']:
            self._emit('# ' + line, echo)

    def ok(self, cond, desc, diag=None):
        self.count += 1
        desc = desc.replace('#', '\\#')
        if cond:
            self._emit('ok %d - %s' % (self.count, desc))
        else:
            self.failed += 1
            self._emit('not ok %d - %s' % (self.count, desc), True)
            if diag is not None:
                self.diag(diag() if callable(diag) else diag, True)
            for hook in self.on_failure:
                try:
                    self.diag(hook(), True)
                except Exception as e:  # diagnostics must not end the test
                    self.diag('(diagnostic hook failed: %s)' % e, True)
        return bool(cond)

    def skip(self, desc, reason):
        self.count += 1
        self._emit('ok %d - %s # SKIP %s' % (self.count, desc, reason))

    def eq(self, got, expected, desc, diag=None):
        extra = '' if diag is None else '\n' + (diag() if callable(diag) else str(diag))
        return self.ok(got == expected, desc,
                       lambda: 'expected: %r\ngot:      %r%s' % (expected, got, extra))

    def like(self, text, pattern, desc, flags=re.I):
        return self.ok(text is not None and re.search(pattern, text, flags) is not None, desc,
                       lambda: 'text %r\ndoes not match /%s/' % (text, pattern))

    def cmd_ok(self, res, desc):
        return self.ok(res.rc == 0, desc, lambda: str(res))

    def cmd_fails(self, res, desc, pattern=None):
        good = res.rc != 0 and (pattern is None or re.search(pattern, res.err + res.out, re.I))
        return self.ok(good, desc, lambda: 'expected failure%s\n%s' % (
            '' if pattern is None else ' matching /%s/' % pattern, res))

    def libvirt_error(self, fn, codes, desc, pattern=None):
        """@fn must raise libvirtError with one of @codes (VIR_ERR_*) and a
        message matching @pattern.  Returns the error (or None)."""
        if isinstance(codes, int):
            codes = (codes,)
        try:
            value = fn()
        except libvirt.libvirtError as e:
            code, msg = e.get_error_code(), e.get_error_message() or ''
            names = [error_name(c) for c in codes]
            self.ok(code in codes, desc + ': error code ' + ' or '.join(names),
                    lambda: 'got %s (%d): %s' % (error_name(code), code, msg))
            if pattern is not None:
                self.like(msg, pattern, desc + ': message names the cause')
            return e
        self.ok(False, desc + ': fails', 'call succeeded and returned %r' % (value,))
        if pattern is not None:
            self.ok(False, desc + ': message names the cause', 'no error')
        return None

    def run(self, main):
        """Run @main(tap), turning exceptions into failures; print the plan
        and exit with TAP's status."""
        status = 0
        try:
            if libvirt is None:
                raise Bail('python3-libvirt is missing for %s' % sys.executable)
            main(self)
        except Bail as e:
            # One TAP line: the reason's further lines go before it as
            # comments (meson refuses lines that are not TAP).
            first, _, rest = str(e).partition('\n')
            if rest:
                self.diag(rest, True)
            self._emit('Bail out! %s' % first, True)
            status = 1
        except Exception:
            self.ok(False, 'test body ran to its end', traceback.format_exc())
        self._emit('1..%d' % self.count)
        sys.stdout.flush()
        os._exit(status or (1 if self.failed else 0))


def error_name(code):
    if libvirt is not None:
        for k in dir(libvirt):
            if k.startswith('VIR_ERR_') and getattr(libvirt, k) == code and k not in (
                    'VIR_ERR_NONE', 'VIR_ERR_WARNING', 'VIR_ERR_ERROR'):
                return k
    return str(code)


# --- domain XML -------------------------------------------------------------

LAB_DIRS = ('/var/lib/xenpv/', '/var/lib/libvirt/', '/var/cache/libvirt/', '/boot/')


def ensure_disk_images(root, size=64 << 20, path_of=lambda p: p):
    """Create the file-backed disks a definition names, as sparse files, if
    they are in the lab's own directories (never elsewhere); @path_of maps
    a disk's path to where the test process creates it."""
    for src in root.findall('devices/disk/source'):
        path = src.get('file')
        if not path or not path.startswith(LAB_DIRS):
            continue
        target = path_of(path)
        if not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'wb') as f:
                f.truncate(size)


def example_files():
    try:
        return sorted(os.path.join(EXAMPLES_DIR, f) for f in os.listdir(EXAMPLES_DIR)
                      if f.endswith('.xml'))
    except OSError:
        return []


def example_path(kind):
    """The example of @kind: 'x86_64' (the minimal 64-bit guest), 'x86_32p'
    (the 32-bit PAE one) or 'dvdstore'.  Chosen by the kernel they boot, so
    file names may change."""
    if kind == 'dvdstore':
        p = os.path.join(EXAMPLES_DIR, 'dvdstore.xml')
        return p if os.path.exists(p) else None
    suffix = 'xenpv-test-%s.elf' % kind
    for path in example_files():
        try:
            kernel = ET.parse(path).getroot().findtext('os/kernel') or ''
        except ET.ParseError:
            continue
        if kernel.endswith(suffix):
            return path
    return None


def need_example(kind):
    path = example_path(kind)
    if path is None:
        raise Bail('no example domain XML for %s in examples/xml' % kind)
    return path


def guest_xml(kind='x86_64', name=None, cmdline=None, memory_mib=None, vcpus=None,
              max_vcpus=None, kernel=None, ostype=None, arch=None, extra_devices=None):
    """An example's XML, changed for a test: a new name (and no UUID, so
    copies can coexist), words added to the kernel command line, memory,
    vCPUs, kernel, os type, extra device elements (XML strings)."""
    root = ET.parse(need_example(kind)).getroot()
    if name is not None:
        root.find('name').text = name
        uuid = root.find('uuid')
        if uuid is not None:
            root.remove(uuid)
        # Disks of its own too: copies of one example may run side by side.
        for src in root.findall('devices/disk/source'):
            path = src.get('file')
            if path:
                src.set('file', os.path.join(os.path.dirname(path),
                                             '%s-%s' % (name, os.path.basename(path))))
        # ... and MAC addresses libvirt picks for it.
        for iface in root.findall('devices/interface'):
            for mac in iface.findall('mac'):
                iface.remove(mac)
    os_el = root.find('os')
    if cmdline:
        c = os_el.find('cmdline')
        if c is None:
            c = ET.SubElement(os_el, 'cmdline')
            c.text = cmdline
        else:
            c.text = ((c.text or '') + ' ' + cmdline).strip()
    if kernel is not None:
        os_el.find('kernel').text = kernel
    if ostype is not None:
        os_el.find('type').text = ostype
    if arch is not None:
        os_el.find('type').set('arch', arch)
    if memory_mib is not None:
        for tag in ('memory', 'currentMemory'):
            el = root.find(tag)
            if el is not None:
                el.text = str(memory_mib * 1024)
                el.set('unit', 'KiB')
    if vcpus is not None or max_vcpus is not None:
        el = root.find('vcpu')
        if el is None:
            el = ET.SubElement(root, 'vcpu')
        maxv = max_vcpus if max_vcpus is not None else vcpus
        el.text = str(maxv)
        if vcpus is not None and vcpus != maxv:
            el.set('current', str(vcpus))
        elif 'current' in el.attrib:
            del el.attrib['current']
    if extra_devices:
        devices = root.find('devices')
        if devices is None:
            devices = ET.SubElement(root, 'devices')
        for d in extra_devices:
            devices.append(ET.fromstring(d))
    ensure_disk_images(root)
    return ET.tostring(root, encoding='unicode')


def xml_name(xml):
    return ET.fromstring(xml).findtext('name')


def validate_domain_xml(xml):
    """xmllint against libvirt's own domain schema; returns a Result."""
    return run(['xmllint', '--noout', '--relaxng', DOMAIN_RNG, '-'], input=xml)


# --- a simulated Xen host and its libvirtd ----------------------------------

_event_loop_started = False


def start_event_loop():
    """libvirt's default event loop in a thread (for events, keepalive and
    embedded drivers), once per process; must run before a connection that
    needs it is opened."""
    global _event_loop_started
    if _event_loop_started:
        return
    libvirt.virEventRegisterDefaultImpl()

    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=loop, daemon=True, name='libvirt-events').start()
    _event_loop_started = True


class HostBase:
    """A simulated Xen host (xenpv-simhost) with Debian's libvirtd loading
    our module, filled as an administrator fills a host, and the clients a
    test drives it with.  The single-host Lab is one; the multi-host lab
    (xenpvhosts) has several, each in namespaces of its own.

    Paths and commands are written as they are inside the host; two hooks
    say how the test process reaches them: path(P) is where the test process
    opens the host's P, command(ARGV) is ARGV run inside the host.  Here both
    are the identity (the host is the test process's own namespaces)."""

    name = None            # a host's name, for messages (None: the lab itself)
    client_uri = URI       # what the test process's binding connects to

    def __init__(self, tap, memory_mib=4096, cpus=4, pv32=True, log_dirty=True, hvm=False,
                 shutdown_ack_timeout=SHUTDOWN_ACK_TIMEOUT, stock_drivers=('secret',)):
        self.tap = tap
        self.memory_mib = memory_mib
        self.cpus = cpus
        self.pv32 = pv32
        self.log_dirty = log_dirty
        self.hvm = hvm
        self.shutdown_ack_timeout = shutdown_ack_timeout
        self.stock_drivers = stock_drivers
        self.libvirtd_pid = None
        self.simhost_pid = None
        self._conn = None

    # how the test process reaches the host -------------------------------
    def path(self, path):
        """Where the test process opens the host's absolute @path."""
        return path

    def command(self, argv):
        """@argv as a command that runs inside the host."""
        return list(argv)

    def _what(self, thing):
        return thing if self.name is None else '%s: %s' % (self.name, thing)

    # files ------------------------------------------------------------
    def install_files(self):
        self.install_images()
        self.install_host_files()

    def install_images(self):
        """The test kernels in IMAGES_DIR and the examples' disk images."""
        os.makedirs(self.path(IMAGES_DIR), exist_ok=True)
        for arch, src in TEST_KERNELS.items():
            if not os.path.exists(src):
                raise Bail('test kernel %s is not built' % src)
            shutil.copy(src, self.path(os.path.join(IMAGES_DIR, os.path.basename(src))))
        # The examples' file-backed disks, as an administrator creates them.
        for path in example_files():
            try:
                ensure_disk_images(ET.parse(path).getroot(), path_of=self.path)
            except ET.ParseError:
                pass

    def install_host_files(self):
        """What is the host's own: /boot, directories, the driver module."""
        for d in (DRIVER_DIR, CONSOLE_DIR, '/var/lib/xenpv/save'):
            os.makedirs(self.path(d), exist_ok=True)
        if SANITIZERS:
            os.makedirs(self.path(SANITIZER_LOG_DIR), exist_ok=True)
        # The DVD Store guest boots a "2.6 xenU" kernel from /boot: the lab's
        # /boot is a tmpfs, so give it the 64-bit test kernel under that name.
        shutil.copy(TEST_KERNELS['x86_64'], self.path(DVDSTORE_KERNEL))
        if not os.path.exists(MODULE):
            raise Bail('driver module %s is not built' % MODULE)
        # A copy, not a link: the module a test starts with is the one it
        # restarts with, whatever a concurrent build does to the build tree.
        module_copy = os.path.join(SCRATCH_DIR, 'libvirt_driver_xenpv.so')
        shutil.copy(MODULE, self.path(module_copy))
        links = {'libvirt_driver_libxl.so': module_copy, 'libvirt_driver_xen.so': module_copy}
        for d in self.stock_drivers:
            links['libvirt_driver_%s.so' % d] = os.path.join(STOCK_DRIVER_DIR,
                                                             'libvirt_driver_%s.so' % d)
        for name, target in links.items():
            link = self.path(os.path.join(DRIVER_DIR, name))
            if os.path.lexists(link):
                os.unlink(link)
            if os.path.exists(self.path(target)):
                os.symlink(target, link)

    def libvirtd_conf(self):
        """The text of libvirtd.conf."""
        return ('auth_unix_ro = "none"\n'
                'auth_unix_rw = "none"\n'
                'log_filters = "3:rpc 3:util 3:event 3:object 3:access 3:conf 3:security"\n'
                'log_outputs = "1:file:%s"\n' % LIBVIRTD_LOG)

    def write_libvirtd_conf(self):
        with open(self.path(LIBVIRTD_CONF), 'w') as f:
            f.write(self.libvirtd_conf())

    def write_xenpv_conf(self, extra=''):
        with open(self.path(XENPV_CONF), 'w') as f:
            f.write('hypervisor = "sim"\n'
                    'sim_socket = "%s"\n'
                    'shutdown_ack_timeout = %d\n%s' % (SIM_SOCKET, self.shutdown_ack_timeout,
                                                       extra))

    def remove_xenpv_conf(self):
        if os.path.exists(self.path(XENPV_CONF)):
            os.unlink(self.path(XENPV_CONF))

    # simhost ------------------------------------------------------------
    def simhost_argv(self):
        argv = [SIMHOST, '--daemon', '--pidfile', SIM_PIDFILE, '--socket', SIM_SOCKET]
        if self.memory_mib is not None:
            argv += ['--memory', str(self.memory_mib)]
        if self.cpus is not None:
            argv += ['--cpus', str(self.cpus)]
        if not self.pv32:
            argv.append('--no-pv32')
        if not self.log_dirty:
            argv.append('--no-log-dirty')
        if self.hvm:
            argv.append('--hvm')
        return argv

    def start_simhost(self):
        if not os.path.exists(SIMHOST):
            raise Bail('%s is not built' % SIMHOST)
        res = run_daemon(self.command(self.simhost_argv()),
                         self.path('/var/log/xenpv/simhost-start.log'), timeout=30)
        if res.rc != 0:
            raise Bail(self._what('xenpv-simhost did not start:\n%s' % res))
        if not wait_for(lambda: read_pidfile(self.path(SIM_PIDFILE)) and
                        socket_accepts(self.path(SIM_SOCKET)), 10):
            raise Bail(self._what('xenpv-simhost: no pidfile %s or socket %s within 10s'
                                  % (SIM_PIDFILE, SIM_SOCKET)))
        self.simhost_pid = read_pidfile(self.path(SIM_PIDFILE))

    def stop_simhost(self):
        pid, self.simhost_pid = self.simhost_pid, None
        if pid is None:
            return True
        return stop_pid(pid)

    # libvirtd -----------------------------------------------------------
    def libvirtd_env(self):
        env = dict(os.environ)
        env['LIBVIRT_DRIVER_DIR'] = DRIVER_DIR
        return env

    def libvirtd_argv(self, timeout=None):
        argv = ['/usr/sbin/libvirtd', '--daemon', '--pid-file', LIBVIRTD_PIDFILE]
        if timeout is not None:
            argv += ['--timeout', str(timeout)]
        return argv

    def start_libvirtd(self, timeout=None, expect_up=True, env=None):
        """Start libvirtd (with @env's variables added to its environment)."""
        res = run_daemon(self.command(sanitized_argv(self.libvirtd_argv(timeout))),
                         self.path('/var/log/libvirt/libvirtd-start.log'),
                         env=dict(self.libvirtd_env(), **(env or {})))
        if res.rc != 0:
            raise Bail(self._what('libvirtd did not start:\n%s\n%s' % (res, self.log_tail())))
        up = wait_for(lambda: read_pidfile(self.path(LIBVIRTD_PIDFILE)) and
                      socket_accepts(self.path(LIBVIRT_SOCK)), 30)
        self.libvirtd_pid = read_pidfile(self.path(LIBVIRTD_PIDFILE))
        if not up and expect_up:
            raise Bail(self._what('libvirtd: socket %s not accepting within 30s\n%s'
                                  % (LIBVIRT_SOCK, self.log_tail())))
        if up and SANITIZERS and not sanitizer_runtime_loaded(self.libvirtd_pid):
            raise Bail(self._what('libvirtd runs without the runtime of %s' % SANITIZERS))
        return self.libvirtd_pid

    def libvirtd_running(self):
        return self.libvirtd_pid is not None and not process_gone(self.libvirtd_pid)

    def stop_libvirtd(self):
        self.close_conn()
        pid, self.libvirtd_pid = self.libvirtd_pid, None
        if pid is None:
            return True
        return stop_pid(pid)

    def restart_libvirtd(self, timeout=None, env=None):
        if not self.stop_libvirtd():
            raise Bail(self._what('libvirtd did not stop'))
        return self.start_libvirtd(timeout=timeout, env=env)

    def kill_libvirtd(self, sig=signal.SIGKILL, wait=True):
        """Send @sig to libvirtd by its PID; unless @wait is False, wait until
        it has gone (and forget it).  Returns whether it has gone."""
        pid = self.libvirtd_pid
        if pid is None:
            return True
        self.close_conn()
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
        if not wait:
            return process_gone(pid)
        gone = bool(wait_for(lambda: process_gone(pid), 20))
        if gone:
            self.libvirtd_pid = None
        return gone

    def log_tail(self, lines=40):
        """The end of libvirtd's log."""
        return tail(self.path(LIBVIRTD_LOG), lines)

    def log_errors(self, lines=8):
        """The last errors and warnings in libvirtd's log."""
        text = log_errors(lines, self.path(LIBVIRTD_LOG))
        return text if self.name is None else '%s: %s' % (self.name, text)

    # clients ------------------------------------------------------------
    def virsh(self, *args, uri=URI, timeout=60, input=None, env=None, quiet=True):
        """virsh -c URI ARGS, run inside the host (-q unless @quiet is False:
        it also silences messages such as "Domain 'x' defined")."""
        argv = ['virsh'] + (['-q'] if quiet else []) + ['-c', uri] + list(args)
        return run(self.command(argv), timeout=timeout, input=input, env=env)

    def start_event_loop(self):
        start_event_loop()

    def conn(self):
        """The python binding's connection from the test process to this
        host's libvirtd (opened once, again after a daemon restart)."""
        if self._conn is None:
            libvirt.registerErrorHandler(lambda ctx, err: None, None)
            self._conn = libvirt.open(self.client_uri)
        return self._conn

    def close_conn(self):
        c, self._conn = self._conn, None
        if c is not None:
            try:
                c.close()
            except libvirt.libvirtError:
                pass

    # the simulated host --------------------------------------------------
    def simctl(self, *args, timeout=30):
        return run(self.command([SIMCTL, '--socket', SIM_SOCKET] + list(args)), timeout=timeout)

    def sim_domains(self):
        """{domid: {'name', 'mem', 'vcpus', 'state'}} from `xenpv-simctl
        list` (columns Name ID Mem(MiB) VCPUs State Time(s), like xl list),
        dom0 left out; None if the command failed."""
        res = self.simctl('list')
        if res.rc != 0:
            return None
        doms = {}
        for line in res.out.splitlines():
            fields = line.split()
            if len(fields) < 6 or not fields[-5].isdigit():
                continue
            domid = int(fields[-5])
            if domid == 0:
                continue
            doms[domid] = {'name': ' '.join(fields[:-5]), 'mem': fields[-4],
                           'vcpus': fields[-3], 'state': fields[-2]}
        return doms

    def sim_view(self):
        """What must not change while nobody touches the guests: {domid:
        (name, paused)}; None if the simulated host did not answer."""
        doms = self.sim_domains()
        if doms is None:
            return None
        return {d: (v['name'], 'p' in v['state']) for d, v in doms.items()}

    def store_read(self, path):
        res = self.simctl('store-read', path)
        return res.out.strip() if res.rc == 0 else None

    # guests ---------------------------------------------------------------
    def domstate(self, name):
        """'running (booted)' and the like, or None."""
        res = self.virsh('domstate', '--reason', name)
        return res.out.strip() if res.rc == 0 else None

    def domid(self, name):
        res = self.virsh('domid', name)
        try:
            return int(res.out.strip())
        except ValueError:
            return None

    def dominfo(self, name):
        res = self.virsh('dominfo', name)
        info = {}
        for line in res.out.splitlines():
            if ':' in line:
                k, v = line.split(':', 1)
                info[k.strip()] = v.strip()
        return info

    def wait_state(self, name, pattern, timeout=30):
        return wait_for(lambda: re.match(pattern, self.domstate(name) or '') is not None, timeout)

    def list_names(self, *flags):
        res = self.virsh('list', '--name', *flags)
        return [line.strip() for line in res.out.splitlines() if line.strip()]

    def define(self, xml, start=False):
        path = os.path.join(SCRATCH_DIR, '%s.xml' % xml_name(xml))
        with open(self.path(path), 'w') as f:
            f.write(xml)
        res = self.virsh('define', path)
        if res.rc == 0 and start:
            res = self.virsh('start', xml_name(xml))
        return res

    def console_log(self, name):
        return read_file(self.path(os.path.join(CONSOLE_DIR, 'guest-%s.log' % name)))

    def selfcheck(self, domid):
        """The selfcheck workload's verdict in the store, or None."""
        if domid is None:
            return None
        return self.store_read('/local/domain/%d/data/selfcheck' % domid)

    def wait_selfcheck_ok(self, name, timeout=30, min_resumes=0, domid=None):
        """Waits until the guest's selfcheck node says OK (having verified its
        memory after at least @min_resumes resumes); returns (ok, text)."""
        last = {}

        def check():
            last['v'] = self.selfcheck(domid if domid is not None else self.domid(name))
            fields = selfcheck_fields(last['v'])
            return fields is not None and fields.get('verdict') == 'OK' and \
                int(fields.get('resumes', 0)) >= min_resumes and \
                (min_resumes == 0 or int(fields.get('verified', 0)) > 0)
        ok = wait_for(check, timeout, 0.25)
        return bool(ok), last.get('v')

    def sanitizer_reports(self):
        """What the host's programs reported in a sanitizer build ('' if
        nothing)."""
        return sanitizer_reports(self.path(SANITIZER_LOG_DIR))

    def cleanup(self):
        self.close_conn()
        self.stop_libvirtd()
        self.stop_simhost()


def stop_pid(pid, grace=20):
    """SIGTERM @pid, SIGKILL it after @grace seconds; True once it is gone."""
    if process_gone(pid):
        return True
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    if wait_for(lambda: process_gone(pid), grace):
        return True
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return wait_for(lambda: process_gone(pid), 5)


# --- the lab ---------------------------------------------------------------

class Lab(HostBase):
    """One lab, which is the host: simhost, libvirtd, clients, all in the
    lab's own namespaces.  Everything it starts it stops by PID in cleanup();
    the PID namespace is the backstop."""

    def __init__(self, tap, memory_mib=4096, cpus=4, pv32=True, log_dirty=True, hvm=False,
                 write_xenpv_conf=True, simhost=True, libvirtd=True,
                 libvirtd_timeout=None, shutdown_ack_timeout=SHUTDOWN_ACK_TIMEOUT,
                 stock_drivers=('secret',)):
        super().__init__(tap, memory_mib=memory_mib, cpus=cpus, pv32=pv32,
                         log_dirty=log_dirty, hvm=hvm, shutdown_ack_timeout=shutdown_ack_timeout,
                         stock_drivers=stock_drivers)
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        require_lab()
        tap.on_failure.append(self.log_errors)
        self._setup_plan = (write_xenpv_conf, simhost, libvirtd, libvirtd_timeout)

    def setup(self):
        write_xenpv_conf, simhost, libvirtd, libvirtd_timeout = self._setup_plan
        self.install_files()
        self.write_libvirtd_conf()
        if write_xenpv_conf:
            self.write_xenpv_conf()
        if simhost:
            self.start_simhost()
        if libvirtd:
            self.start_libvirtd(timeout=libvirtd_timeout)


def require_lab():
    """Refuse to run anywhere but as PID 1 of tests/lab/enter.sh."""
    if os.environ.get('XENPV_IN_LAB') != '1' or os.getpid() != 1:
        raise Bail('not inside tests/lab/enter.sh: refusing to touch this host')


def selfcheck_fields(text):
    """'OK verified=N pass=N resumes=N restamps=N after=WHY' (or 'FAIL ...')
    as a dict with 'verdict'; None for no text."""
    if not text:
        return None
    words = text.split()
    fields = {'verdict': words[0]}
    for w in words[1:]:
        if '=' in w:
            k, v = w.split('=', 1)
            fields[k] = v
    return fields


def supports_feature(conn, feature):
    """virConnectSupportsFeature (libvirt-private, not in the binding)."""
    lib = ctypes.CDLL('libvirt.so.0')
    fn = lib.virConnectSupportsFeature
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn(conn.c_pointer(), feature)


def check_sanitizer_reports(tap, lab):
    """In a sanitizer build, the test fails if any program of the lab or of
    its hosts wrote a report, crash or not: leaks are reported at exit,
    UBSan's findings as they happen."""
    if not SANITIZERS:
        return
    reports = [sanitizer_reports()]
    for host in getattr(lab, 'hosts', []):
        reports.append(host.sanitizer_reports())
    text = '\n'.join(r for r in reports if r)
    tap.ok(not text, 'no %s report from any program of the lab' % SANITIZERS, text)


def main(body, lab_class=None, in_process_driver=False, **lab_args):
    """Entry point of a test file: @body(tap, lab) inside a fresh lab, a
    @lab_class (Lab by default) made with @lab_args, set up and cleaned up.
    A test whose own interpreter loads the module (@in_process_driver) runs
    with the ASan runtime preloaded in a sanitizer build."""
    if in_process_driver:
        reexec_with_sanitizer_runtime()
    tap = Tap()

    def wrapped(t):
        sanitizers_init()
        lab = (lab_class or Lab)(t, **lab_args)
        try:
            lab.setup()
            body(t, lab)
        finally:
            lab.cleanup()
            # After clean-up: what the daemons report at exit counts too.
            check_sanitizer_reports(t, lab)
    tap.run(wrapped)
