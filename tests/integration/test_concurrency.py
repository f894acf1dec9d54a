#!/usr/bin/python3
"""
Many clients at once, each with a connection of its own: workers run whole
lifecycles of guests of their own (persistent: define, start, suspend,
resume, setmem, save, restore, destroy, undefine; transient: the same from
create to destroy), while readers list domains and read their XML and info,
and listeners receive lifecycle events.  No call may fail (a reader may only
find a domain gone that it listed a moment before), every listener must see
each guest's events in order, and at the end no guest may be left behind in
libvirt or in the simulated host.  libvirtd's and the simulated host's
memory (RSS) before and after are printed; bench/results/concurrency.txt
records them.

Sized to take about a minute in a sanitizer build; XENPV_CONCURRENCY_WORKERS,
_ROUNDS, _READERS and _LISTENERS change the size, and _BATCHES runs it all
again in the same daemons (their memory is printed after each batch).
"""
import glob
import os
import threading
import time
import traceback
import xml.etree.ElementTree as ET

import xenpvlab
from xenpvlab import libvirt, wait_for

WORKERS = int(os.environ.get('XENPV_CONCURRENCY_WORKERS', '50'))
ROUNDS = int(os.environ.get('XENPV_CONCURRENCY_ROUNDS', '10'))
READERS = int(os.environ.get('XENPV_CONCURRENCY_READERS', '4'))
LISTENERS = int(os.environ.get('XENPV_CONCURRENCY_LISTENERS', '2'))
BATCHES = int(os.environ.get('XENPV_CONCURRENCY_BATCHES', '1'))
PREFIX = 'conc-'
GUEST_MIB = 64
BALLOON_MIB = 48
SAVE_DIR = os.path.join(xenpvlab.SCRATCH_DIR, 'concurrency-save')


def expected_events(persistent):
    """The lifecycle events (event, detail) one guest's lifecycle raises."""
    L = libvirt
    seq = [(L.VIR_DOMAIN_EVENT_STARTED, L.VIR_DOMAIN_EVENT_STARTED_BOOTED),
           (L.VIR_DOMAIN_EVENT_SUSPENDED, L.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
           (L.VIR_DOMAIN_EVENT_RESUMED, L.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
           (L.VIR_DOMAIN_EVENT_STOPPED, L.VIR_DOMAIN_EVENT_STOPPED_SAVED),
           (L.VIR_DOMAIN_EVENT_STARTED, L.VIR_DOMAIN_EVENT_STARTED_RESTORED),
           (L.VIR_DOMAIN_EVENT_STOPPED, L.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)]
    if persistent:
        seq = ([(L.VIR_DOMAIN_EVENT_DEFINED, L.VIR_DOMAIN_EVENT_DEFINED_ADDED)] + seq +
               [(L.VIR_DOMAIN_EVENT_UNDEFINED, L.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)])
    return seq


def rss_kib(pid):
    """VmRSS of @pid in KiB, or None."""
    for line in xenpvlab.read_file('/proc/%d/status' % pid).splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return None


class Failures:
    """What went wrong, from any thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, who, what):
        with self.lock:
            self.items.append('%s: %s' % (who, what))


class Worker(threading.Thread):
    """Whole lifecycles of its own guests, one after the other, on a
    connection of its own; persistent and transient guests alternate."""

    def __init__(self, batch, index, failures):
        super().__init__(name='worker-%d' % index, daemon=True)
        self.batch = batch
        self.index = index
        self.failures = failures
        self.guests = []        # (name, persistent)
        self.step = None

    def call(self, step, fn, *args):
        self.step = step
        return fn(*args)

    def wait_memory(self, dom, kib):
        if not wait_for(lambda: dom.info()[2] == kib, 30):
            raise AssertionError('memory did not become %d KiB (info %r)' % (kib, dom.info()))

    def lifecycle(self, conn, name, persistent, xml):
        path = os.path.join(SAVE_DIR, name + '.save')
        if persistent:
            dom = self.call('define', conn.defineXML, xml)
            self.call('start', dom.create)
        else:
            dom = self.call('create', conn.createXML, xml, 0)
        self.call('suspend', dom.suspend)
        self.call('resume', dom.resume)
        self.call('setmem', dom.setMemory, BALLOON_MIB * 1024)
        self.call('balloon', self.wait_memory, dom, BALLOON_MIB * 1024)
        self.call('save', dom.save, path)
        self.call('restore', conn.restore, path)
        os.unlink(path)
        dom = self.call('lookup after restore', conn.lookupByName, name)
        state = self.call('state after restore', dom.state)
        if state != [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_RESTORED]:
            raise AssertionError('state after restore is %r' % state)
        self.call('destroy', dom.destroy)
        if persistent:
            self.call('undefine', dom.undefine)

    def run(self):
        conn = None
        name = None
        try:
            conn = libvirt.open(xenpvlab.URI)
            for r in range(ROUNDS):
                persistent = (self.index + r) % 2 == 0
                name = '%s%d-%02d-%d' % (PREFIX, self.batch, self.index, r)
                self.guests.append((name, persistent))
                xml = xenpvlab.guest_xml('x86_64', name=name, memory_mib=GUEST_MIB)
                self.lifecycle(conn, name, persistent, xml)
        except Exception:
            self.failures.add('%s, guest %s, step %s' % (self.name, name, self.step),
                              traceback.format_exc())
        finally:
            if conn is not None:
                try:
                    conn.close()
                except libvirt.libvirtError:
                    pass


class Reader(threading.Thread):
    """Lists every domain and reads each one's XML, info and state until
    told to stop.  A domain that vanished after the listing is answered
    with VIR_ERR_NO_DOMAIN: that is the right answer, not a failure."""

    def __init__(self, index, failures, stop):
        super().__init__(name='reader-%d' % index, daemon=True)
        self.failures = failures
        self.stop = stop
        self.passes = 0
        self.reads = 0
        self.vanished = 0

    def run(self):
        try:
            conn = libvirt.open(xenpvlab.URI)
        except libvirt.libvirtError as e:
            self.failures.add(self.name, 'open: %s' % e)
            return
        try:
            while not self.stop.is_set():
                conn.numOfDomains()
                conn.listDefinedDomains()
                for dom in conn.listAllDomains(0):
                    try:
                        xml = dom.XMLDesc(0)
                        if ET.fromstring(xml).findtext('name') != dom.name():
                            raise AssertionError('the XML of %s names another domain:\n%s'
                                                 % (dom.name(), xml))
                        dom.info()
                        dom.state()
                        self.reads += 1
                    except libvirt.libvirtError as e:
                        if e.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                            raise
                        self.vanished += 1
                self.passes += 1
        except Exception:
            self.failures.add(self.name, traceback.format_exc())
        finally:
            try:
                conn.close()
            except libvirt.libvirtError:
                pass


class Listener:
    """A connection of its own with a lifecycle event callback, recording
    the events of this test's guests by guest name."""

    def __init__(self, index, failures):
        self.name = 'listener-%d' % index
        self.lock = threading.Lock()
        self.events = {}
        self.conn = libvirt.open(xenpvlab.URI)
        self.cb = self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                   self._event, None)

    def _event(self, conn, dom, event, detail, opaque):
        name = dom.name()
        if name.startswith(PREFIX):
            with self.lock:
                self.events.setdefault(name, []).append((event, detail))

    def seen(self, name):
        with self.lock:
            return list(self.events.get(name, []))

    def close(self):
        try:
            self.conn.domainEventDeregisterAny(self.cb)
            self.conn.close()
        except libvirt.libvirtError:
            pass


def leftovers(lab):
    """Everything of this test's guests still anywhere: libvirt's list, the
    simulated host's, status and definition files, save images."""
    left = []
    try:
        left += ['libvirt: ' + d.name() for d in lab.conn().listAllDomains(0)
                 if d.name().startswith(PREFIX)]
    except libvirt.libvirtError as e:
        left.append('libvirt: cannot list: %s' % e)
    doms = lab.sim_domains()
    if doms is None:
        left.append('simulated host: cannot list')
    else:
        left += ['simulated host: %s (domain %d)' % (v['name'], d) for d, v in doms.items()
                 if v['name'].startswith(PREFIX)]
    for pattern in ('/run/libvirt/xenpv/%s*' % PREFIX, '/etc/libvirt/xenpv/%s*' % PREFIX,
                    os.path.join(SAVE_DIR, '*')):
        left += ['file: ' + p for p in glob.glob(pattern)]
    return left


def run_batch(tap, lab, batch):
    """One batch: the workers' lifecycles, the readers and the listeners
    at once, then the checks."""
    what = 'batch %d: ' % batch if BATCHES > 1 else ''
    failures = Failures()
    listeners = [Listener(i, failures) for i in range(LISTENERS)]
    stop = threading.Event()
    readers = [Reader(i, failures, stop) for i in range(READERS)]
    workers = [Worker(batch, i, failures) for i in range(WORKERS)]
    started = time.monotonic()
    for t in readers + workers:
        t.start()
    for w in workers:
        w.join(600)
    elapsed = time.monotonic() - started
    stop.set()
    for r in readers:
        r.join(60)
    tap.diag('%sthe lifecycles took %.1f s' % (what, elapsed))

    tap.ok(not any(t.is_alive() for t in workers + readers),
           what + 'every worker and reader finished',
           lambda: 'still running: %s' % [t.name for t in workers + readers if t.is_alive()])
    tap.ok(not failures.items, what + 'no call failed',
           lambda: '\n'.join(failures.items[:10]))
    tap.ok(all(r.passes > 0 for r in readers) and sum(r.reads for r in readers) > 0,
           what + 'the readers listed the domains and read them while the lifecycles ran',
           lambda: repr([(r.name, r.passes, r.reads) for r in readers]))
    tap.diag('readers: %d passes over the list, %d domains read, %d vanished while read'
             % (sum(r.passes for r in readers), sum(r.reads for r in readers),
                sum(r.vanished for r in readers)))

    guests = [g for w in workers for g in w.guests]
    tap.eq(len(guests), WORKERS * ROUNDS, what + 'every lifecycle was run')

    def all_events_in():
        return all(len(li.seen(n)) >= len(expected_events(p))
                   for li in listeners for n, p in guests)
    wait_for(all_events_in, 30)
    wrong = ['%s, %s: %r' % (li.name, n, li.seen(n)) for li in listeners for n, p in guests
             if li.seen(n) != expected_events(p)]
    tap.ok(not wrong, what + 'every listener saw each guest\'s lifecycle events, in order',
           lambda: 'expected persistent %r, transient %r; got:\n%s'
           % (expected_events(True), expected_events(False), '\n'.join(wrong[:10])))
    for li in listeners:
        li.close()

    wait_for(lambda: not leftovers(lab), 10)
    left = leftovers(lab)
    tap.ok(not left, what + 'no guest is left in libvirt or the simulated host, no file behind',
           lambda: '\n'.join(left))


def body(tap, lab):
    os.makedirs(SAVE_DIR, exist_ok=True)
    lab.start_event_loop()
    libvirtd_pid, simhost_pid = lab.libvirtd_pid, lab.simhost_pid
    tap.diag('%d workers x %d lifecycles, %d readers, %d event listeners%s'
             % (WORKERS, ROUNDS, READERS, LISTENERS,
                ', %d batches' % BATCHES if BATCHES > 1 else ''))
    tap.diag('RSS before: libvirtd %s KiB, simulated host %s KiB'
             % (rss_kib(libvirtd_pid), rss_kib(simhost_pid)))
    for batch in range(1, BATCHES + 1):
        run_batch(tap, lab, batch)
        lab.close_conn()
        tap.diag('RSS after%s: libvirtd %s KiB, simulated host %s KiB'
                 % (' batch %d' % batch if BATCHES > 1 else '', rss_kib(libvirtd_pid),
                    rss_kib(simhost_pid)))

    tap.ok(lab.libvirtd_running() and lab.libvirtd_pid == libvirtd_pid,
           'libvirtd is still the same process')
    tap.ok(not xenpvlab.process_gone(simhost_pid), 'the simulated host still runs')
    tap.diag('build: %s' % (xenpvlab.SANITIZERS or 'no sanitizers'))


if __name__ == '__main__':
    # Room on the simulated host for every worker's guest at once.
    xenpvlab.main(body, memory_mib=2048 + WORKERS * GUEST_MIB)
