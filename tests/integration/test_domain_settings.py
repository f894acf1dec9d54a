#!/usr/bin/python3
"""
A guest's settings outside its devices: description and title (`virsh
desc`) and custom <metadata> (`virsh metadata`), live and --config, with
the metadata-change event; the floor below which `virsh setmem` and
`setmaxmem` refuse; the memory a shut-off guest reports; and a start
refused, naming the path, when a disk's source does not exist.
"""
import os
import threading

import xenpvlab
from xenpvlab import libvirt, wait_for

NAME = 'settings-guest'
META_URI = 'http://example.org/xenpv-test/1'
FLOOR_KIB = 32 * 1024


def body(tap, lab):
    lab.start_event_loop()
    conn = lab.conn()
    events = []
    lock = threading.Lock()

    def meta_cb(c, dom, mtype, nsuri, opaque):
        with lock:
            events.append((dom.name(), mtype, nsuri))
    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                     meta_cb, None)

    xml = xenpvlab.guest_xml(name=NAME, memory_mib=256)
    tap.cmd_ok(lab.define(xml), 'define')

    # A shut-off guest reports the memory it will start with.
    info = lab.dominfo(NAME)
    tap.eq(info.get('Used memory'), '262144 KiB', 'dominfo of a shut-off guest: Used memory')
    tap.cmd_ok(lab.virsh('setmem', NAME, '200M', '--config'), 'setmem 200M --config')
    tap.eq(lab.dominfo(NAME).get('Used memory'), '204800 KiB',
           'dominfo of a shut-off guest follows its <currentMemory>')

    # Description and title of the shut-off guest (its definition).
    res = lab.virsh('desc', NAME, '--new-desc', 'a guest for the settings test')
    tap.cmd_ok(res, 'desc --new-desc on a shut-off guest')
    tap.eq(lab.virsh('desc', NAME).out.strip(), 'a guest for the settings test', 'desc reads it back')
    res = lab.virsh('desc', NAME, '--title', '--new-desc', 'Settings')
    tap.cmd_ok(res, 'desc --title --new-desc')
    tap.like(lab.virsh('dumpxml', NAME).out, r'<title>Settings</title>', 'the title is in the XML')
    tap.ok(wait_for(lambda: (NAME, libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, None) in events, 5),
           'a metadata-change event for the description', lambda: repr(events))

    tap.cmd_ok(lab.virsh('start', NAME), 'start')
    res = lab.virsh('desc', NAME, '--live', '--new-desc', 'running now')
    tap.cmd_ok(res, 'desc --live on the running guest')
    tap.eq(lab.virsh('desc', NAME, '--live').out.strip(), 'running now', 'desc --live reads it back')
    tap.eq(lab.virsh('desc', NAME, '--config').out.strip(), 'a guest for the settings test',
           'desc --config: the definition keeps its own')
    res = lab.virsh('desc', NAME, '--config', '--new-desc', 'after the next boot')
    tap.cmd_ok(res, 'desc --config on the running guest')
    tap.eq(lab.virsh('desc', NAME, '--live').out.strip(), 'running now', 'the live one is unchanged')

    # Custom metadata, live and persistent.
    res = lab.virsh('metadata', NAME, '--uri', META_URI, '--key', 'xt', '--live', '--config',
                    '--set', '<owner team="qa">alice</owner>')
    tap.cmd_ok(res, 'metadata --set --live --config')
    res = lab.virsh('metadata', NAME, '--uri', META_URI)
    tap.like(res.out, r'<owner team="qa">alice</owner>', 'metadata reads it back (live)')
    res = lab.virsh('metadata', NAME, '--uri', META_URI, '--config')
    tap.like(res.out, r'alice', 'metadata reads it back (config)')
    tap.like(lab.virsh('dumpxml', '--inactive', NAME).out, r'<xt:owner xmlns:xt="%s"' % META_URI,
             'the persistent XML carries the element in its namespace')
    tap.ok(wait_for(lambda: (NAME, libvirt.VIR_DOMAIN_METADATA_ELEMENT, META_URI) in events, 5),
           'a metadata-change event for the element, with its namespace', lambda: repr(events))
    res = lab.virsh('metadata', NAME, '--uri', META_URI, '--remove', '--live')
    tap.cmd_ok(res, 'metadata --remove --live')
    res = lab.virsh('metadata', NAME, '--uri', META_URI)
    tap.cmd_fails(res, 'the live element is gone', r'metadata not found|no domain metadata')
    tap.like(lab.virsh('metadata', NAME, '--uri', META_URI, '--config').out, r'alice',
             'the persistent element stays')
    res = lab.virsh('metadata', NAME, '--uri', META_URI, '--key', 'xt', '--set', '<not-closed>')
    tap.cmd_fails(res, 'malformed metadata is refused', r'XML|parse')
    tap.eq(lab.virsh('domstate', NAME).out.strip(), 'running', 'the guest runs on')

    # The floor of the balloon.
    res = lab.virsh('setmem', NAME, '1000')
    tap.cmd_fails(res, 'setmem 1000 (KiB) is refused', r'at least %d KiB' % FLOOR_KIB)
    res = lab.virsh('setmem', NAME, '%dK' % (FLOOR_KIB - 4), '--config')
    tap.cmd_fails(res, 'setmem below the floor --config is refused', r'at least %d KiB' % FLOOR_KIB)
    res = lab.virsh('setmaxmem', NAME, '2M', '--config')
    tap.cmd_fails(res, 'setmaxmem 2M --config is refused', r'at least %d KiB' % FLOOR_KIB)
    res = lab.virsh('setmem', NAME, '%dK' % FLOOR_KIB)
    tap.cmd_ok(res, 'setmem to the floor itself is taken')
    tap.ok(wait_for(lambda: lab.dominfo(NAME).get('Used memory') == '%d KiB' % FLOOR_KIB, 10),
           'the guest balloons down to the floor', lambda: repr(lab.dominfo(NAME)))
    lab.virsh('destroy', NAME)

    # A definition smaller than the floor keeps what it has.
    small = xenpvlab.guest_xml(name='small-guest', memory_mib=16)
    tap.cmd_ok(lab.define(small), 'define a guest of 16 MiB')
    tap.cmd_ok(lab.virsh('setmem', 'small-guest', '16M', '--config'),
               'setmem to its own 16 MiB maximum is taken')
    lab.virsh('undefine', 'small-guest')

    # A disk whose source is missing is refused at start, naming it.
    # (Outside the directories whose disk files guest_xml creates.)
    missing = '/run/xenpv/no-such-disk.img'
    bad = xenpvlab.guest_xml(name='nodisk-guest', extra_devices=[
        "<disk type='file' device='disk'><source file='%s'/>"
        "<target dev='xvdc' bus='xen'/></disk>" % missing])
    tap.cmd_ok(lab.define(bad), 'define a guest whose disk file does not exist')
    doms = lab.sim_domains()
    res = lab.virsh('start', 'nodisk-guest')
    tap.cmd_fails(res, 'start is refused', r"'%s'.*xvdc.*No such file" % missing)
    tap.eq(lab.domstate('nodisk-guest'), 'shut off (unknown)', 'the guest stays shut off')
    tap.eq(lab.sim_domains(), doms, 'nothing was built on the simulated host')
    open(missing, 'wb').close()
    tap.cmd_ok(lab.virsh('start', 'nodisk-guest'), 'once the file exists, it starts')
    lab.virsh('destroy', 'nodisk-guest')
    os.unlink(missing)
    lab.virsh('undefine', 'nodisk-guest')

    conn.domainEventDeregisterAny(cb)
    lab.virsh('undefine', NAME)


if __name__ == '__main__':
    xenpvlab.main(body)
