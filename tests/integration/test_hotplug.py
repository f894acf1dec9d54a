#!/usr/bin/python3
"""
Disks and network interfaces plugged into a running guest and out of it
(attach-disk, attach-interface, attach-device, detach-*, update-device),
live and --config: the xenbus handshake in the simulated host's store
(both ends Connected, then Closed), the guest's counters on the new device,
device-added and device-removed events, a detach that waits for a guest holding
the disk until it lets go, one forced when a paused guest cannot answer,
and refusals by name.
"""
import os
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import xenpvlab
from xenpvlab import libvirt, wait_for

NAME = 'hotplug-guest'
IMAGES = '/var/lib/xenpv/images'
DETACH_TIMEOUT = 2


def disk_file(name, size=32 << 20):
    path = os.path.join(IMAGES, name)
    with open(path, 'wb') as f:
        f.truncate(size)
    return path


def type_in_console(lab, domid, line):
    """Type @line at the guest's console, as a user in `virsh console`."""
    tty = lab.store_read('/local/domain/%d/console/tty' % domid)
    fd = os.open(tty, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, (line + '\r').encode())
    finally:
        os.close(fd)


def targets(lab, *flags):
    root = ET.fromstring(lab.virsh('dumpxml', *flags, NAME).out)
    return [t.get('dev') for t in root.findall('devices/disk/target')]


def macs(lab, *flags):
    root = ET.fromstring(lab.virsh('dumpxml', *flags, NAME).out)
    return [m.get('address') for m in root.findall('devices/interface/mac')]


def body(tap, lab):
    lab.write_xenpv_conf('detach_timeout = %d\n' % DETACH_TIMEOUT)
    lab.restart_libvirtd()
    lab.start_event_loop()
    conn = lab.conn()
    events = []
    lock = threading.Lock()

    def added_cb(c, dom, alias, opaque):
        with lock:
            events.append(('added', alias))

    def removed_cb(c, dom, alias, opaque):
        with lock:
            events.append(('removed', alias))
    cbs = [conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                                       added_cb, None),
           conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                       removed_cb, None)]

    xml = xenpvlab.guest_xml(name=NAME, cmdline='sim.disk_read_kbps=256')
    tap.cmd_ok(lab.define(xml, start=True), 'define and start')
    domid = lab.domid(NAME)
    be = '/local/domain/0/backend/vbd/%d/51728' % domid
    fe = '/local/domain/%d/device/vbd/51728' % domid

    # A disk, live and in the definition.
    data = disk_file('hotplug-data.img')
    res = lab.virsh('attach-disk', NAME, data, 'xvdb', '--live', '--config')
    tap.cmd_ok(res, 'attach-disk xvdb --live --config')
    tap.ok('xvdb' in targets(lab), 'the live XML has xvdb')
    tap.ok('xvdb' in targets(lab, '--inactive'), 'the persistent XML has xvdb')
    tap.ok(wait_for(lambda: lab.store_read(be + '/state') == '4' and
                    lab.store_read(fe + '/state') == '4', 5),
           'xenbus: backend and frontend of xvdb reach Connected (4)',
           lambda: '%s %s' % (lab.store_read(be + '/state'), lab.store_read(fe + '/state')))
    tap.eq(lab.store_read(be + '/params'), data, 'the backend serves the file')
    tap.eq(lab.store_read(be + '/hotplug-status'), 'connected', 'the hotplug script ran')
    tap.ok(lab.store_read(fe + '/ring-ref') is not None, 'the guest wrote its ring reference')
    tap.like(lab.console_log(NAME), r'xen_blkfront: xvdb', 'the guest kernel saw the disk')
    tap.ok(wait_for(lambda: ('added', 'xvdb') in events, 5), 'a device-added event for xvdb',
           lambda: repr(events))
    res = lab.virsh('domblkstat', NAME, 'xvdb')
    tap.like(res.out, r'rd_bytes\s+[1-9]', 'domblkstat on the new disk counts its reads')

    res = lab.virsh('attach-disk', NAME, data, 'xvdb', '--live')
    tap.cmd_fails(res, 'attaching a second xvdb is refused', r'already has a disk xvdb')
    res = lab.virsh('attach-disk', NAME, '/var/lib/xenpv/no-such.img', 'xvdc', '--live')
    tap.cmd_fails(res, 'attaching a missing file is refused, naming it',
                  r"no-such.img.*No such file")
    res = lab.virsh('attach-disk', NAME, data, 'xvdd', '--type', 'cdrom', '--live')
    tap.cmd_fails(res, 'attaching a cdrom is refused by name', r'CD-ROM')
    sound = os.path.join(xenpvlab.SCRATCH_DIR, 'sound.xml')
    with open(sound, 'w') as f:
        f.write("<sound model='ich6'/>")
    res = lab.virsh('attach-device', NAME, sound, '--live')
    tap.cmd_fails(res, 'attaching a <sound> is refused by name', r'sound')
    tap.eq(targets(lab), ['xvda', 'xvdb'], 'refused attaches changed nothing')

    res = lab.virsh('detach-disk', NAME, 'xvdb', '--live')
    tap.cmd_ok(res, 'detach-disk xvdb --live')
    tap.eq(lab.store_read(be + '/state'), None, 'the backend directory is gone')
    tap.eq(lab.store_read(fe + '/state'), None, 'the frontend directory is gone')
    tap.like(lab.console_log(NAME), r'xvdb: device closed', 'the guest closed its end')
    tap.ok(wait_for(lambda: ('removed', 'xvdb') in events, 5), 'a device-removed event for xvdb',
           lambda: repr(events))
    tap.eq(targets(lab), ['xvda'], 'the live XML lost xvdb')
    tap.ok('xvdb' in targets(lab, '--inactive'), 'the persistent XML keeps it (--live only)')
    res = lab.virsh('detach-disk', NAME, 'xvdb', '--live')
    tap.cmd_fails(res, 'detaching it again is refused', r'xvdb')
    res = lab.virsh('detach-disk', NAME, 'xvdb', '--config')
    tap.cmd_ok(res, 'detach-disk xvdb --config')
    tap.ok('xvdb' not in targets(lab, '--inactive'), 'the persistent XML lost it')

    # An interface, hot-plugged, counted, moved to another bridge, removed.
    res = lab.virsh('attach-interface', NAME, 'bridge', 'xenbr0', '--mac', '00:16:3e:4b:00:07',
                    '--live', '--config')
    tap.cmd_ok(res, 'attach-interface bridge xenbr0 --live --config')
    vif_be = '/local/domain/0/backend/vif/%d/0' % domid
    tap.ok(wait_for(lambda: lab.store_read(vif_be + '/state') == '4', 5),
           'xenbus: the vif backend reaches Connected')
    tap.eq(lab.store_read(vif_be + '/mac'), '00:16:3e:4b:00:07', 'the vif has the MAC')
    root = ET.fromstring(lab.virsh('dumpxml', NAME).out)
    tap.eq(root.find('devices/interface/target').get('dev') if root.find(
        'devices/interface/target') is not None else None, 'vif%d.0' % domid,
        'the live XML names the vif')
    res = lab.virsh('domifstat', NAME, 'vif%d.0' % domid)
    tap.like(res.out, r'rx_packets\s+[1-9]', 'domifstat on the new interface')
    tap.ok('00:16:3e:4b:00:07' in macs(lab, '--inactive'), 'the persistent XML has it')
    tap.ok(wait_for(lambda: ('added', 'vif%d.0' % domid) in events, 5),
           'a device-added event for the vif', lambda: repr(events))

    upd = os.path.join(xenpvlab.SCRATCH_DIR, 'nic-update.xml')
    with open(upd, 'w') as f:
        f.write("<interface type='bridge'><mac address='00:16:3e:4b:00:07'/>"
                "<source bridge='xenbr1'/></interface>")
    res = lab.virsh('update-device', NAME, upd, '--live', '--config')
    tap.cmd_ok(res, 'update-device: move the running interface to xenbr1')
    tap.eq(lab.store_read(vif_be + '/bridge'), 'xenbr1', 'the vif is in xenbr1')
    tap.like(lab.virsh('dumpxml', NAME).out, r"<source bridge='xenbr1'/>", 'the live XML says so')
    tap.like(lab.virsh('dumpxml', '--inactive', NAME).out, r"<source bridge='xenbr1'/>",
             'and the persistent one')
    with open(upd, 'w') as f:
        f.write("<interface type='bridge'><mac address='00:16:3e:4b:00:07'/>"
                "<source bridge='xenbr1'/><script path='vif-route'/></interface>")
    res = lab.virsh('update-device', NAME, upd, '--live')
    tap.cmd_fails(res, 'update-device of more than the bridge is refused live', r'but for its bridge')
    res = lab.virsh('update-device', NAME, upd, '--config')
    tap.cmd_ok(res, 'the same update --config is taken')
    tap.like(lab.virsh('dumpxml', '--inactive', NAME).out, r"<script path='vif-route'/>",
             'the persistent interface has the new script')

    res = lab.virsh('detach-interface', NAME, 'bridge', '--mac', '00:16:3e:4b:00:07',
                    '--live', '--config')
    tap.cmd_ok(res, 'detach-interface --live --config')
    tap.eq(lab.store_read(vif_be + '/state'), None, 'the vif backend is gone')
    tap.eq(macs(lab) + macs(lab, '--inactive'), [], 'both definitions lost the interface')
    tap.ok(wait_for(lambda: ('removed', 'vif%d.0' % domid) in events, 5),
           'a device-removed event for the vif', lambda: repr(events))

    # A guest holding the disk (mounted) does not let it go: the detach
    # waits, without holding up other calls, until the guest unmounts it.
    tap.cmd_ok(lab.virsh('attach-disk', NAME, data, 'xvdc', '--live'), 'attach xvdc')
    be_c = '/local/domain/0/backend/vbd/%d/51744' % domid
    fe_c = '/local/domain/%d/device/vbd/51744' % domid
    tap.ok(wait_for(lambda: lab.store_read(be_c + '/state') == '4', 5), 'xvdc connected')
    type_in_console(lab, domid, 'mount /dev/xvdc')
    argv = ['virsh', '-q', '-c', xenpvlab.URI, 'detach-disk', NAME, 'xvdc', '--live']
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tap.ok(wait_for(lambda: lab.store_read(fe_c + '/state') == '5', 5),
           'the guest holds the disk in Closing (5)',
           lambda: repr((lab.store_read(be_c + '/state'), lab.store_read(fe_c + '/state'))))
    tap.eq(lab.store_read(be_c + '/state'), '5', 'the backend waits in Closing (5)')
    tap.like(lab.console_log(NAME), r'xvdc: device in use', 'the guest says the disk is in use')
    tap.ok(proc.poll() is None, 'the detach waits for the guest')
    tap.eq(lab.domstate(NAME), 'running (booted)', 'other calls go on meanwhile')
    start = time.monotonic()
    type_in_console(lab, domid, 'umount /dev/xvdc')
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - start
    tap.eq(proc.returncode, 0, 'the detach finishes once the guest unmounts the disk', err)
    tap.ok(took < DETACH_TIMEOUT, 'at once, not at the timeout (%.1fs)' % took)
    tap.like(lab.console_log(NAME), r'xvdc: device closed', 'the guest let it go itself')
    tap.eq(lab.store_read(be_c + '/state'), None, 'the device is gone')

    # A guest that stays paused has the device removed after the timeout.
    tap.cmd_ok(lab.virsh('attach-disk', NAME, data, 'xvdc', '--live'), 'attach xvdc again')
    tap.ok(wait_for(lambda: lab.store_read(be_c + '/state') == '4', 5), 'xvdc connected again')
    tap.cmd_ok(lab.virsh('suspend', NAME), 'pause the guest')
    start = time.monotonic()
    res = lab.virsh('detach-disk', NAME, 'xvdc', '--live')
    took = time.monotonic() - start
    tap.cmd_ok(res, 'detach of a paused guest succeeds once forced')
    tap.ok(took >= DETACH_TIMEOUT - 0.2, 'after detach_timeout (%.1fs)' % took)
    tap.eq(lab.store_read(be_c + '/state'), None, 'the device is removed anyway')
    tap.ok('xvdc' not in targets(lab), 'and gone from the live XML')
    lab.virsh('resume', NAME)

    # A shut-off guest: --config only; --live is refused.
    lab.virsh('destroy', NAME)
    res = lab.virsh('attach-disk', NAME, data, 'xvde', '--live')
    tap.cmd_fails(res, 'attach --live to a shut-off guest is refused', r'not running|not active')
    res = lab.virsh('attach-disk', NAME, data, 'xvde', '--config')
    tap.cmd_ok(res, 'attach --config to a shut-off guest')
    tap.cmd_ok(lab.virsh('start', NAME), 'it starts with the disk')
    domid = lab.domid(NAME)
    tap.ok(wait_for(lambda: lab.store_read('/local/domain/%d/device/vbd/51776/state' % domid) == '4',
                    5), 'the disk added --config is connected at boot')

    for cb in cbs:
        conn.domainEventDeregisterAny(cb)
    lab.virsh('destroy', NAME)
    lab.virsh('undefine', NAME)


if __name__ == '__main__':
    xenpvlab.main(body)
