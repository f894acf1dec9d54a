"""
desktop: a desktop session for the tests that drive graphical programs
(virt-manager), inside the lab: an X server of its own (Xvfb), a D-Bus
session bus, the accessibility bus (AT-SPI) that dogtail reads and drives
the programs' widgets through, and GSettings in a key file (the programs'
preferences, as a person sets them in their dialogs).  Screenshots of the
screen or of a rectangle, as PNG files, and the pixels of one.

Everything it starts it stops by PID; the lab's PID namespace is the
backstop.  Needs the packages of scripts/deps/optional/desktop.txt.
"""
import os
import subprocess

import xenpvlab

X11_DIR = '/tmp/.X11-unix'
# dogtail keeps its files in /tmp/dogtail-$LOGNAME: a name of the lab's own.
DOGTAIL_USER = 'xenpv-lab'
DOGTAIL_DIR = '/tmp/dogtail-' + DOGTAIL_USER


class Desktop:
    def __init__(self, home, size=(1280, 1024)):
        self.home = home
        self.size = size
        self.procs = []
        self.mounts = []
        self.display = None
        self.env = None

    def start(self, settings):
        """Start the session; @settings: {schema path: {key: value text}}
        written as GSettings' key file."""
        os.makedirs(self.home, exist_ok=True)
        # Xvfb's socket directory and dogtail's files, of the lab's own (not
        # all of /tmp: the build tree may be there).  Xvfb picks a display
        # number no one on the machine holds (its lock files are in /tmp).
        # The mount points stay in /tmp when the test is over: another lab
        # may be using them meanwhile.
        for d in (X11_DIR, DOGTAIL_DIR):
            if not os.path.isdir(d):
                os.makedirs(d)
                os.chmod(d, 0o1777)
            res = xenpvlab.run(['mount', '-t', 'tmpfs', '-o', 'mode=1777', 'tmpfs', d])
            if res.rc != 0:
                raise xenpvlab.Bail('cannot mount a tmpfs on %s:\n%s' % (d, res))
            self.mounts.append(d)
        os.environ['LOGNAME'] = DOGTAIL_USER
        runtime = os.path.join(self.home, 'run')
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        config = os.path.join(self.home, 'config')
        keyfile = os.path.join(config, 'glib-2.0', 'settings', 'keyfile')
        os.makedirs(os.path.dirname(keyfile), exist_ok=True)
        with open(keyfile, 'w') as f:
            for group, keys in settings.items():
                f.write('[%s]\n' % group.strip('/'))
                for k, v in keys.items():
                    f.write('%s=%s\n' % (k, v))
                f.write('\n')

        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-nolisten', 'tcp',
                                 '-screen', '0', '%dx%dx24' % self.size],
                                pass_fds=[write_fd], stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(self.home, 'xvfb.log'), 'w'))
        self.procs.append(xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number.isdigit():
            raise xenpvlab.Bail('Xvfb did not start:\n%s' % xenpvlab.tail(
                os.path.join(self.home, 'xvfb.log')))
        self.display = ':' + number

        env = dict(os.environ)
        env.update({'DISPLAY': self.display, 'HOME': self.home, 'XDG_CONFIG_HOME': config,
                    'XDG_RUNTIME_DIR': runtime, 'GSETTINGS_BACKEND': 'keyfile',
                    'NO_AT_BRIDGE': '0', 'GTK_A11Y': 'atspi', 'LANG': 'C.UTF-8'})
        # None of these programs is ours: no sanitizer runtime or reports
        # for them in a sanitizer build (docs/sanitizers.md).
        for k in ('SESSION_MANAGER', 'LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS'):
            env.pop(k, None)
        bus = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--nopidfile',
                                '--print-address=1',
                                '--address=unix:path=%s' % os.path.join(runtime, 'bus')],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                               text=True)
        self.procs.append(bus)
        address = bus.stdout.readline().strip()
        if not address:
            raise xenpvlab.Bail('the D-Bus session bus did not start')
        env['DBUS_SESSION_BUS_ADDRESS'] = address
        # The accessibility bus: at-spi-bus-launcher starts its own bus
        # and the registry, and says where on the session bus.
        self.procs.append(subprocess.Popen(['/usr/libexec/at-spi-bus-launcher',
                                            '--launch-immediately'],
                                           stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, env=env))
        self.env = env
        # The test process is the accessibility client: it needs the same.
        os.environ.update({k: env[k] for k in ('DISPLAY', 'DBUS_SESSION_BUS_ADDRESS',
                                               'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME',
                                               'GSETTINGS_BACKEND', 'HOME')})

    def spawn(self, argv, log):
        """A program on this desktop, its output to @log."""
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=open(log, 'w'), stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def screenshot(self, path, rect=None):
        """The screen (or @rect: x, y, w, h) as a PNG at @path; returns
        the pixbuf."""
        import gi
        gi.require_version('Gdk', '3.0')
        from gi.repository import Gdk
        display = Gdk.Display.open(self.display)
        root = display.get_default_screen().get_root_window()
        x, y, w, h = rect or (0, 0, root.get_width(), root.get_height())
        pixbuf = Gdk.pixbuf_get_from_window(root, x, y, w, h)
        if pixbuf is not None:
            pixbuf.savev(path, 'png', [], [])
        return pixbuf

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                xenpvlab.stop_pid(p.pid, grace=5)
            try:
                p.wait(1)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
        for d in reversed(self.mounts):
            xenpvlab.run(['umount', d])
        self.mounts = []


def colour_counts(pixbuf):
    """{(r, g, b) bytes: how many pixels} of a GdkPixbuf."""
    data = pixbuf.get_pixels()
    n, stride, w, h = (pixbuf.get_n_channels(), pixbuf.get_rowstride(),
                       pixbuf.get_width(), pixbuf.get_height())
    counts = {}
    for row in range(h):
        line = data[row * stride: row * stride + w * n]
        for i in range(0, w * n, n):
            c = line[i:i + 3]
            counts[c] = counts.get(c, 0) + 1
    return counts


def near(colour, rgb, tolerance):
    return all(abs(colour[i] - rgb[i]) <= tolerance for i in range(3))


def count_colour(pixbuf, rgb, tolerance=24):
    """How many pixels of a GdkPixbuf are within @tolerance of @rgb in
    every channel."""
    return sum(k for c, k in colour_counts(pixbuf).items() if near(c, rgb, tolerance))


def count_other(pixbuf, tolerance=48):
    """How many pixels of a GdkPixbuf differ from its commonest colour by
    more than @tolerance in a channel."""
    counts = colour_counts(pixbuf)
    if not counts:
        return 0
    common = max(counts, key=counts.get)
    return sum(k for c, k in counts.items() if not near(c, common, tolerance))
