#!/usr/bin/python3
"""
virt-install and virt-manager against xen:///system, as a person uses them,
with libvirt's network and storage drivers loaded as in a stock libvirtd.

virt-install with its defaults (no --network, no --graphics: libvirt's
default network and a VNC framebuffer) installs and starts a PV guest.
Debian's virt-manager, on an X server of the lab's own (Xvfb) and driven
through its widgets' accessibility interface (dogtail, as virt-manager's
own UI tests drive it), then:

- shows the guest's VNC framebuffer: its debug log says the viewer
  connected, and the console area holds the guest's text (light pixels on
  the console's black), not a message page;
- shows its text console (View > Consoles > Text Console 1): the terminal
  holds the guest's prompt, and a command typed there is answered;
- shows its performance graphs (Details > Performance, with disk, network
  and memory polling on, as in Edit > Preferences > Polling): none says
  "Disabled", memory reads "N MiB of N MiB", disk and network rates are not
  zero, the graphs have data drawn, and its debug log traces
  getAllDomainStats at each poll, never failing;
- adds a disk and a network interface to the running guest through its
  Add Hardware dialog: both show up in the live XML, and in the guest (its
  console says the devices connected).

Screenshots go to tests/integration/virt-manager/ in the build tree (their
paths are TAP comments).  Needs scripts/deps/optional/desktop.txt; without
virt-manager the test is skipped, saying how to install it.
"""
import contextlib
import io
import os
import re
import shutil
import uuid
import xml.etree.ElementTree as ET

import desktop
import test_network
import xenpvlab

NAME = 'vm-gui'
MARKER = 'xenpv.gui=%s' % uuid.uuid4().hex[:12]
KERNEL_ARGS = ('console=hvc0 %s sim.workload=dirty sim.dirty_mbps=4 sim.disk_read_kbps=400 '
               'sim.disk_write_kbps=800 sim.net_rx_kbps=300 sim.net_tx_kbps=200' % MARKER)
SHOTS_DIR = os.path.join(xenpvlab.BUILD_DIR, 'tests', 'integration', 'virt-manager')
DESKTOP_DIR = os.path.join(xenpvlab.SCRATCH_DIR, 'desktop')
VM_LOG = os.path.join(DESKTOP_DIR, 'virt-manager.log')
NEW_DISK = os.path.join(xenpvlab.IMAGES_DIR, 'vm-gui-added.img')

# Preferences as a person sets them in Edit > Preferences > Polling (disk,
# network and memory polling are off by default), and accessibility on.
SETTINGS = {
    'org/gnome/desktop/interface': {'toolkit-accessibility': 'true'},
    'org/virt-manager/virt-manager/stats': {
        'enable-cpu-poll': 'true', 'enable-disk-poll': 'true',
        'enable-net-poll': 'true', 'enable-memory-poll': 'true', 'update-interval': '1'},
    'org/virt-manager/virt-manager/confirm': {'unapplied-dev': 'false'},
}
# The console of the simulated host's framebuffer: light text on black.
CONSOLE_BG = (0, 0, 0)


def missing_tools():
    return [t for t in ('virt-manager', 'Xvfb', 'dbus-daemon', '/usr/libexec/at-spi-bus-launcher')
            if not shutil.which(t)] + \
        ([] if os.path.exists('/usr/lib/python3/dist-packages/dogtail') else ['dogtail'])


def virt_install(tap, lab):
    """virt-install with the defaults of the issue: no --network, no
    --graphics.  --noautoconsole: with no viewer installed, virt-install
    would otherwise wait for the guest to shut down."""
    disk = os.path.join(xenpvlab.IMAGES_DIR, 'vm-gui.img')
    with open(disk, 'wb') as f:
        f.truncate(64 << 20)
    res = xenpvlab.run(['virt-install', '--connect', xenpvlab.URI, '--name', NAME, '--paravirt',
                        '--memory', '128',
                        '--boot', 'kernel=%s,kernel_args=%s' % (test_network.KERNEL, KERNEL_ARGS),
                        '--import', '--disk', 'path=%s' % disk, '--noautoconsole'], timeout=120)
    tap.cmd_ok(res, 'virt-install --paravirt --boot kernel=... --import --disk path=IMG, defaults')
    if res.rc != 0:
        raise xenpvlab.Bail('virt-install failed: nothing to show')
    tap.ok(lab.wait_state(NAME, r'^running'), '%s: running' % NAME)
    root = ET.fromstring(lab.virsh('dumpxml', NAME).out)
    iface = root.find('devices/interface')
    tap.eq((iface.get('type'), iface.find('source').get('network')) if iface is not None else None,
           ('network', 'default'), '%s: on libvirt\'s default network' % NAME)
    gfx = root.find('devices/graphics')
    tap.ok(gfx is not None and gfx.get('type') == 'vnc' and int(gfx.get('port', '-1')) >= 5900,
           '%s: a VNC framebuffer with its real port' % NAME,
           lambda: ET.tostring(gfx, encoding='unicode') if gfx is not None else 'none')


class Gui:
    """virt-manager on the lab's desktop, seen through dogtail."""

    def __init__(self, tap, desk):
        self.tap = tap
        self.desk = desk
        self.shots = 0
        # dogtail announces its log file as it loads: not on TAP's stdout.
        with contextlib.redirect_stdout(io.StringIO()):
            from dogtail.config import config
            config.logDebugToFile = False
        config.actionDelay = 0.2
        config.defaultDelay = 0.2
        config.typingDelay = 0.02
        config.searchBackoffDuration = 0.25
        config.searchCutoffCount = 40
        config.logDebugToStdOut = False
        # The details window has more widgets than dogtail walks by default.
        config.childrenLimit = 2000
        from dogtail import tree
        self.tree = tree

    def log(self):
        return xenpvlab.read_file(VM_LOG)

    def app(self):
        return self.tree.root.application('virt-manager')

    def find(self, parent, pred, timeout=20):
        """The first showing descendant of @parent for which @pred(node) is
        true, waiting for it; None when there is none by then."""
        def look():
            try:
                found = parent.findChildren(lambda n: n.showing and pred(n), showingOnly=False)
            except Exception:  # the tree changes while it is walked
                return None
            return found[0] if found else None
        return xenpvlab.wait_for(look, timeout, 0.25)

    def shot(self, what):
        """A screenshot kept with the test's output; returns its pixbuf."""
        self.shots += 1
        path = os.path.join(SHOTS_DIR, '%02d-%s.png' % (self.shots, what))
        pixbuf = self.desk.screenshot(path)
        self.tap.diag('screenshot: %s' % path)
        return pixbuf

    def rect(self, node):
        (x, y), (w, h) = node.position, node.size
        return x, y, w, h


def check_vnc(tap, gui, win):
    tap.ok(xenpvlab.wait_for(lambda: 'Viewer connected cb' in gui.log(), 20),
           'virt-manager: its VNC viewer connected to the framebuffer',
           lambda: xenpvlab.tail(VM_LOG, 20))
    pages = gui.find(win, lambda n: n.roleName == 'page tab list')
    if not tap.ok(pages is not None, 'virt-manager: the console page is there'):
        return
    x, y, w, h = gui.rect(pages)

    def console_drawn():
        pixbuf = gui.desk.screenshot(os.path.join(DESKTOP_DIR, 'probe.png'), (x, y, w, h))
        light = desktop.count_colour(pixbuf, (200, 200, 200), tolerance=55)
        dark = desktop.count_colour(pixbuf, CONSOLE_BG, tolerance=8) / max(1, w * h)
        return (light, round(dark, 2)) if light > 2000 and dark > 0.5 else None
    got = xenpvlab.wait_for(console_drawn, 20, 0.5)
    gui.shot('vnc-console')
    tap.ok(got, 'virt-manager: the console area shows the guest\'s framebuffer '
           '(its text, light on black)', lambda: 'not seen in %dx%d at %d,%d' % (w, h, x, y))


def main_menu(gui, win, *path):
    """Click through a menu path of the window, e.g. 'View', 'Consoles',
    'Text Console 1'."""
    node = win
    for i, name in enumerate(path):
        node = gui.find(node if i else win,
                        lambda n, name=name: n.name == name and 'menu' in n.roleName,
                        timeout=10)
        if node is None:
            return False
        node.doActionNamed('click')
    return True


def check_text_console(tap, gui, win):
    tap.ok(main_menu(gui, win, 'View', 'Consoles', 'Text Console 1'),
           'virt-manager: View > Consoles > Text Console 1')
    term = gui.find(win, lambda n: n.roleName == 'terminal')
    if not tap.ok(term is not None, 'virt-manager: a terminal shows the text console'):
        return
    prompt = 'root@%s:~# ' % NAME
    # What the guest printed before virt-manager opened its console is not
    # sent again: Enter brings a new prompt.
    x, y, w, h = gui.rect(term)
    from dogtail import rawinput
    rawinput.click(x + w // 2, y + h // 2)
    rawinput.pressKey('Return')
    tap.ok(xenpvlab.wait_for(lambda: prompt in (term.text or ''), 15),
           'virt-manager text console: the guest\'s prompt', lambda: repr(term.text))
    rawinput.typeText('cat /proc/cmdline\n')
    tap.ok(xenpvlab.wait_for(lambda: re.search(r'cat /proc/cmdline\s+.*%s' % re.escape(MARKER),
                                               term.text or ''), 15),
           'virt-manager text console: a typed command is answered by the guest',
           lambda: repr((term.text or '')[-400:]))
    gui.shot('text-console')


PERF_LABELS = {
    'cpu': r'^\d+ %$',
    'memory': r'^\d+(\.\d+)? MiB of \d+(\.\d+)? MiB$',
    'disk': r'^(\d+) KiB/s read (\d+) KiB/s write$',
    'network': r'^(\d+) KiB/s in (\d+) KiB/s out$',
}


def perf_labels(gui, win):
    """{kind: label node} of the performance page."""
    found = {}
    for kind, pattern in PERF_LABELS.items():
        found[kind] = gui.find(win, lambda n, p=pattern: n.roleName == 'label' and
                               (re.match(p, n.name or '') or n.name == 'Disabled'), timeout=10)
    return found


def check_performance(tap, gui, win):
    details = gui.find(win, lambda n: n.roleName == 'radio button' and n.name == 'Details')
    if details is None:
        tap.ok(False, 'virt-manager: the Details button')
        return
    details.doActionNamed('click')
    cell = gui.find(win, lambda n: n.roleName == 'table cell' and n.name == 'Performance')
    if not tap.ok(cell is not None, 'virt-manager: Details lists Performance'):
        return
    cell.click()
    labels = perf_labels(gui, win)
    tap.ok(all(labels.values()), 'virt-manager: the performance page has its four graphs\' labels',
           repr({k: v.name if v else None for k, v in labels.items()}))
    if not all(labels.values()):
        return

    def busy():
        names = {k: v.name for k, v in labels.items()}
        d = re.match(PERF_LABELS['disk'], names['disk'])
        n = re.match(PERF_LABELS['network'], names['network'])
        return names if d and n and int(d.group(1)) > 0 and int(d.group(2)) > 0 and \
            int(n.group(1)) > 0 and int(n.group(2)) > 0 else None
    names = xenpvlab.wait_for(busy, 20, 0.5)
    names = names or {k: v.name for k, v in labels.items()}
    tap.diag('performance: %r' % names)
    tap.ok('Disabled' not in names.values(), 'virt-manager performance: no graph is "Disabled"',
           repr(names))
    tap.like(names['memory'], PERF_LABELS['memory'], 'virt-manager performance: memory "N of N"')
    tap.ok(busy() is not None,
           'virt-manager performance: disk read/write and network in/out rates are not 0',
           repr(names))
    shot = gui.shot('performance')
    # Each graph sits above its label; below its lowest grid line (at three
    # quarters of its height) it is blank but for the data drawn there: a
    # series is drawn up from the bottom, and a zero one not at all.
    for kind, label in labels.items():
        box = label.parent.children[0] if label.parent.children else None
        x, y, w, h = gui.rect(box) if box is not None else (0, 0, 0, 0)
        band = (x + 4, y + int(h * 0.78), w - 8, h - int(h * 0.78) - 4)
        drawn = desktop.count_other(shot.new_subpixbuf(*band)) if shot and w > 8 and h > 8 else 0
        tap.ok(drawn > 0, 'virt-manager performance: the %s graph has data drawn' % kind,
               'nothing drawn in %r' % (band,))
    # virt-manager stops calling getAllDomainStats at its first failure
    # (and says so in its log): one call per poll, a poll a second.
    log = gui.log()
    calls = len(re.findall(r'TRACE [0-9.]+: thread=[^:]*: virConnect\.getAllDomainStats', log))
    tap.ok(calls >= 3 and 'Error call getAllDomainStats' not in log and
           'does not support getAllDomainStats' not in log,
           'virt-manager: its graphs come from getAllDomainStats, called at each poll '
           'without an error (%d calls)' % calls,
           lambda: '\n'.join(l for l in log.splitlines() if 'AllDomainStats' in l)[-2000:])


def add_hardware(gui, win, kind, fill):
    """Details > Add Hardware > @kind; @fill(dialog) sets it up; Finish.
    Returns what went wrong, or None."""
    button = gui.find(win, lambda n: n.roleName == 'push button' and n.name == 'add-hardware')
    if button is None:
        return 'no Add Hardware button'
    button.doActionNamed('click')
    dialog = gui.find(gui.app(), lambda n: n.roleName == 'frame' and
                      n.name == 'Add New Virtual Hardware')
    if dialog is None:
        return 'no Add New Virtual Hardware dialog'
    cell = gui.find(dialog, lambda n: n.roleName == 'table cell' and n.name == kind)
    if cell is None:
        return 'no %s in the dialog' % kind
    cell.click()
    why = fill(dialog)
    if why:
        return why
    finish = gui.find(dialog, lambda n: n.roleName == 'push button' and n.name == 'Finish')
    finish.doActionNamed('click')
    gone = xenpvlab.wait_for(lambda: not gui.app().findChildren(
        lambda n: n.roleName == 'frame' and n.name == 'Add New Virtual Hardware' and n.showing,
        showingOnly=False), 20, 0.5)
    if not gone:
        alerts = gui.app().findChildren(lambda n: n.roleName == 'alert', showingOnly=False)
        return 'the dialog stayed open: %s' % '; '.join(
            ' / '.join(c.name for c in a.findChildren(lambda n: n.roleName == 'label'))
            for a in alerts)
    return None


def fill_storage(dialog, gui):
    custom = gui.find(dialog, lambda n: n.roleName == 'radio button' and
                      n.name == 'Select or create custom storage')
    if custom is None:
        return 'no "Select or create custom storage" choice'
    custom.doActionNamed('click')
    entry = gui.find(dialog, lambda n: n.roleName == 'text' and n.name == 'storage-entry')
    if entry is None:
        return 'no storage path entry'
    entry.text = NEW_DISK
    return None


def live_devices(lab):
    root = ET.fromstring(lab.virsh('dumpxml', NAME).out)
    return root.findall('devices/disk'), root.findall('devices/interface')


def check_add_hardware(tap, gui, win, lab):
    with open(NEW_DISK, 'wb') as f:
        f.truncate(32 << 20)
    why = add_hardware(gui, win, 'Storage', lambda d: fill_storage(d, gui))
    tap.ok(why is None, 'virt-manager Add Hardware > Storage: %s, Finish' % NEW_DISK, why)
    disks = xenpvlab.wait_for(lambda: [d for d in live_devices(lab)[0]
                                       if d.find('source') is not None and
                                       d.find('source').get('file') == NEW_DISK], 15)
    tap.ok(disks, 'the added disk is in the live XML', lambda: lab.virsh('dumpxml', NAME).out)
    target = disks[0].find('target').get('dev') if disks else None
    tap.diag('added disk: %s' % target)
    gui.shot('added-disk')

    why = add_hardware(gui, win, 'Network', lambda d: None)
    tap.ok(why is None, 'virt-manager Add Hardware > Network (its default source), Finish', why)
    ifaces = xenpvlab.wait_for(lambda: len(live_devices(lab)[1]) == 2 and live_devices(lab)[1], 15)
    tap.ok(ifaces, 'the added interface is in the live XML: two interfaces now',
           lambda: lab.virsh('dumpxml', NAME).out)
    if ifaces:
        src = ifaces[1].find('source')
        tap.eq(src.get('network') if src is not None else None, 'default',
               'the added interface is on the default network')
    inactive = ET.fromstring(lab.virsh('dumpxml', '--inactive', NAME).out)
    tap.ok(len(inactive.findall('devices/interface')) == 2 and
           any(d.find('source') is not None and d.find('source').get('file') == NEW_DISK
               for d in inactive.findall('devices/disk')),
           'both are in the persistent definition too')
    gui.shot('added-nic')
    # The guest's side: its frontends connect to the new backends.
    log = lambda: lab.console_log(NAME)
    tap.ok(xenpvlab.wait_for(lambda: re.search(r'xen_blkfront: %s: ' % target, log()), 10),
           'the guest connected the added disk %s' % target, lambda: log()[-600:])
    tap.ok(xenpvlab.wait_for(lambda: re.search(r'xen_netfront: eth1 .*link up', log()), 10),
           'the guest connected the added interface (eth1)', lambda: log()[-600:])


def body(tap, lab):
    missing = missing_tools()
    if missing:
        tap.skip('virt-manager under Xvfb', 'not installed: %s (bash scripts/install-deps.sh '
                 '--with desktop)' % ', '.join(missing))
        return
    shutil.rmtree(SHOTS_DIR, ignore_errors=True)
    os.makedirs(SHOTS_DIR)
    tap.cmd_ok(lab.virsh('net-define', test_network.write_scratch('default-net.xml',
                                                                  test_network.DEFAULT_NET)),
               'net-define default')
    tap.cmd_ok(lab.virsh('net-start', 'default'), 'net-start default')
    virt_install(tap, lab)

    desk = desktop.Desktop(DESKTOP_DIR)
    try:
        desk.start(SETTINGS)
        # --trace-libvirt: every libvirt call virt-manager makes is in its
        # debug log.
        desk.spawn(['virt-manager', '--debug', '--no-fork', '--trace-libvirt', 'all',
                    '--connect', xenpvlab.URI, '--show-domain-console', NAME], VM_LOG)
        gui = Gui(tap, desk)
        title = '%s on Xen' % NAME
        win = xenpvlab.wait_for(lambda: gui.find(gui.tree.root, lambda n: n.roleName == 'frame'
                                                 and n.name == title, timeout=1), 30, 0.5)
        if not tap.ok(win is not None, 'virt-manager opens the console window "%s"' % title,
                      lambda: xenpvlab.tail(VM_LOG, 30)):
            return
        check_vnc(tap, gui, win)
        check_text_console(tap, gui, win)
        check_performance(tap, gui, win)
        check_add_hardware(tap, gui, win, lab)
    finally:
        desk.stop()
        if os.path.exists(VM_LOG):
            shutil.copy(VM_LOG, SHOTS_DIR)
        tap.diag('virt-manager\'s debug log: %s' % os.path.join(SHOTS_DIR, 'virt-manager.log'))


if __name__ == '__main__':
    xenpvlab.main(body, stock_drivers=('secret', 'network', 'storage'))
