#!/usr/bin/python3
"""
Lifecycle events: a python client with a lifecycle callback and `virsh event
--loop --all` running beside it both see define, start, suspend, resume,
shutdown, destroy and undefine of a guest.
"""
import os
import pty
import select
import subprocess
import threading

import xenpvlab
from xenpvlab import libvirt, wait_for

NAME = 'events-guest'


class VirshEvents:
    """`virsh event --loop --all` on a pty (so its output is line-buffered),
    its lines collected by a thread."""

    def __init__(self, lab):
        self.lines = []
        self.lock = threading.Lock()
        master, slave = pty.openpty()
        self.master = master
        self.proc = subprocess.Popen(['virsh', '-c', xenpvlab.URI, 'event', '--loop', '--all'],
                                     stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        os.close(slave)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buf = b''
        while True:
            r, _, _ = select.select([self.master], [], [], 0.5)
            if not r:
                if self.proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                break
            if not data:
                break
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                with self.lock:
                    self.lines.append(line.decode(errors='replace').strip())

    def seen(self, text):
        with self.lock:
            return any(text in line for line in self.lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)


def body(tap, lab):
    lab.start_event_loop()
    conn = lab.conn()
    events = []
    lock = threading.Lock()

    def lifecycle_cb(c, dom, event, detail, opaque):
        with lock:
            events.append((dom.name(), event, detail))

    cb_id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                        lifecycle_cb, None)
    tap.ok(cb_id >= 0, 'lifecycle callback registered')
    conn.setKeepAlive(5, 3)

    virsh_events = VirshEvents(lab)
    # virsh prints nothing until an event comes: it is listening once it
    # reports one of a throwaway guest defined (and undefined) for the purpose.
    probe_xml = xenpvlab.guest_xml('x86_64', name='events-probe')

    def probe():
        try:
            conn.defineXML(probe_xml).undefine()
        except libvirt.libvirtError:
            return False
        return wait_for(lambda: virsh_events.seen("domain 'events-probe'"), 1)
    tap.ok(wait_for(probe, 20), 'virsh event --loop --all is listening',
           lambda: 'virsh printed:\n' + '\n'.join(virsh_events.lines))
    with lock:
        events.clear()

    def saw(event, detail):
        return wait_for(lambda: (NAME, event, detail) in list(events), 15)

    def step(what, action, event, detail, virsh_text):
        try:
            action()
        except libvirt.libvirtError as e:
            tap.ok(False, what, str(e))
            return
        tap.ok(saw(event, detail), 'callback: %s gives %s' % (what, virsh_text),
               lambda: 'events seen: %r' % events)
        text = "event 'lifecycle' for domain '%s': %s" % (NAME, virsh_text)
        tap.ok(wait_for(lambda: virsh_events.seen(text), 15), 'virsh event: %s' % text,
               lambda: 'virsh printed:\n' + '\n'.join(virsh_events.lines))

    xml = xenpvlab.guest_xml('x86_64', name=NAME)
    holder = {}

    def define():
        holder['dom'] = conn.defineXML(xml)
    step('define', define, libvirt.VIR_DOMAIN_EVENT_DEFINED,
         libvirt.VIR_DOMAIN_EVENT_DEFINED_ADDED, 'Defined Added')
    dom = holder.get('dom') or conn.lookupByName(NAME)
    step('start', lambda: dom.create(), libvirt.VIR_DOMAIN_EVENT_STARTED,
         libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED, 'Started Booted')
    step('suspend', lambda: dom.suspend(), libvirt.VIR_DOMAIN_EVENT_SUSPENDED,
         libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, 'Suspended Paused')
    step('resume', lambda: dom.resume(), libvirt.VIR_DOMAIN_EVENT_RESUMED,
         libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED, 'Resumed Unpaused')
    step('shutdown', lambda: dom.shutdown(), libvirt.VIR_DOMAIN_EVENT_STOPPED,
         libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, 'Stopped Shutdown')
    step('start again', lambda: dom.create(), libvirt.VIR_DOMAIN_EVENT_STARTED,
         libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED, 'Started Booted')
    step('destroy', lambda: dom.destroy(), libvirt.VIR_DOMAIN_EVENT_STOPPED,
         libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED, 'Stopped Destroyed')
    step('undefine', lambda: dom.undefine(), libvirt.VIR_DOMAIN_EVENT_UNDEFINED,
         libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED, 'Undefined Removed')

    # Order as the callback saw it.  (A driver may or may not announce the
    # guest's shutdown sequence before it stops: that event is left out.)
    with lock:
        kinds = [e for (n, e, d) in events
                 if n == NAME and e != libvirt.VIR_DOMAIN_EVENT_SHUTDOWN]
    expected = [libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_STARTED,
                libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_EVENT_RESUMED,
                libvirt.VIR_DOMAIN_EVENT_STOPPED,
                libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STOPPED,
                libvirt.VIR_DOMAIN_EVENT_UNDEFINED]
    tap.eq(kinds, expected, 'events arrive once each, in order')

    # A transient guest: started and stopped, no define/undefine.
    with lock:
        events.clear()
    xml2 = xenpvlab.guest_xml('x86_64', name=NAME)
    try:
        dom2 = conn.createXML(xml2, 0)
        tap.ok(saw(libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED),
               'callback: transient guest started')
        dom2.destroy()
        tap.ok(saw(libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
               'callback: transient guest destroyed')
        with lock:
            kinds = [e for (n, e, d) in events if n == NAME]
        tap.ok(libvirt.VIR_DOMAIN_EVENT_DEFINED not in kinds
               and libvirt.VIR_DOMAIN_EVENT_UNDEFINED not in kinds,
               'no define/undefine events for a transient guest', repr(events))
    except libvirt.libvirtError as e:
        tap.ok(False, 'transient guest create/destroy', str(e))

    tap.ok(virsh_events.proc.poll() is None, 'virsh event is still running at the end')
    virsh_events.stop()
    conn.domainEventDeregisterAny(cb_id)


if __name__ == '__main__':
    xenpvlab.main(body)
