#!/usr/bin/python3
"""
The life of a guest through virsh, for every example in examples/xml:
define, start, list, dominfo, domstate --reason, dumpxml (inactive and live,
valid against libvirt's schema), suspend/resume, setmem, setvcpus, the
autostart flag, shutdown, reboot, destroy, undefine; a guest that ignores
shutdown requests; transient guests (virsh create).
"""
import os
import re
import time
import xml.etree.ElementTree as ET

import xenpvlab
from xenpvlab import wait_for


def sim_has(lab, domid):
    doms = lab.sim_domains()
    return doms is not None and domid in doms


def check_xml(tap, lab, name, live):
    flags = [] if live else ['--inactive']
    res = lab.virsh('dumpxml', *flags, name)
    what = 'live' if live else 'inactive'
    if not tap.cmd_ok(res, '%s: dumpxml (%s)' % (name, what)):
        return
    root = ET.fromstring(res.out)
    tap.eq(root.get('type'), 'xen', '%s: %s XML has domain type xen' % (name, what))
    # "linux" is libvirt's older name for the xen os type; both are PV.
    tap.ok(root.findtext('os/type') in ('xen', 'linux'),
           '%s: %s XML has os type xen (or linux)' % (name, what), res.out)
    if live:
        tap.ok(root.get('id') not in (None, '-1'), '%s: live XML has the domain id' % name,
               res.out)
    else:
        tap.ok(root.get('id') in (None, '-1'), '%s: inactive XML has no domain id' % name,
               res.out)
    val = xenpvlab.validate_domain_xml(res.out)
    tap.ok(val.rc == 0, '%s: %s XML is valid against domain.rng' % (name, what),
           lambda: val.err + '\n' + res.out)


def lifecycle(tap, lab, kind):
    path = xenpvlab.example_path(kind)
    if path is None:
        tap.ok(False, 'example for %s exists in examples/xml' % kind)
        return
    xml = open(path).read()
    root = ET.fromstring(xml)
    name = root.findtext('name')
    ostype = root.find('os/type')
    if kind == 'x86_32p' and ostype.get('arch') not in (None, 'i686'):
        # A named arch must be the kernel's: a 32-bit PAE kernel needs i686
        # (or no arch at all).  Define a copy with the arch put right.
        tap.diag('%s names arch %s for a 32-bit kernel: defining it as i686'
                 % (os.path.basename(path), ostype.get('arch')))
        ostype.set('arch', 'i686')
        path = os.path.join(xenpvlab.SCRATCH_DIR, os.path.basename(path))
        with open(path, 'w') as f:
            f.write(ET.tostring(root, encoding='unicode'))
    mem_kib = int(root.findtext('memory'))
    unit = root.find('memory').get('unit', 'KiB')
    mem_kib *= {'KiB': 1, 'k': 1, 'MiB': 1024, 'M': 1024, 'GiB': 1 << 20, 'G': 1 << 20}.get(unit, 1)
    tap.diag('example %s: %s' % (kind, os.path.basename(path)))

    res = lab.virsh('define', path, quiet=False)
    tap.cmd_ok(res, '%s: define %s' % (name, os.path.basename(path)))
    tap.like(res.out, r"Domain '%s' defined" % re.escape(name), '%s: virsh says defined' % name)
    tap.ok(name in lab.list_names('--all'), '%s: in list --all' % name)
    tap.ok(name in lab.list_names('--inactive'), '%s: in list --inactive' % name)
    tap.ok(name not in lab.list_names('--state-running'), '%s: not in list --state-running'
           % name)
    tap.eq(lab.domstate(name), 'shut off (unknown)', '%s: domstate --reason after define' % name)
    info = lab.dominfo(name)
    tap.eq(info.get('Persistent'), 'yes', '%s: dominfo Persistent yes' % name)
    tap.eq(info.get('Autostart'), 'disable', '%s: dominfo Autostart disable' % name)
    tap.eq(info.get('OS Type'), 'xen', '%s: dominfo OS Type xen' % name)
    check_xml(tap, lab, name, live=False)

    # Room for vCPU hot-plug: the maximum goes up in the persistent config.
    maxv = int(root.findtext('vcpu'))
    if maxv < 2:
        res = lab.virsh('setvcpus', name, '2', '--maximum', '--config')
        tap.cmd_ok(res, '%s: setvcpus --maximum --config 2' % name)
        maxv = 2

    res = lab.virsh('start', name)
    if not tap.cmd_ok(res, '%s: start' % name):
        lab.virsh('undefine', name)
        return
    tap.eq(lab.domstate(name), 'running (booted)', '%s: domstate running (booted)' % name)
    domid = lab.domid(name)
    tap.ok(domid is not None and domid > 0, '%s: has a domain id (%r)' % (name, domid))
    tap.ok(name in lab.list_names('--state-running'), '%s: in list --state-running' % name)
    tap.ok(name not in lab.list_names('--inactive'), '%s: not in list --inactive' % name)
    tap.ok(sim_has(lab, domid), '%s: the simulated host runs domain %r' % (name, domid),
           lambda: lab.simctl('list').out)
    res = lab.virsh('list')
    tap.like(res.out, r'^\s*%d\s+%s\s+running\s*$' % (domid or -1, re.escape(name)),
             '%s: virsh list shows id, name, running' % name, re.M)
    info = lab.dominfo(name)
    tap.eq(info.get('State'), 'running', '%s: dominfo State running' % name)
    tap.eq(info.get('Id'), str(domid), '%s: dominfo Id is the domid' % name)
    tap.eq(info.get('Max memory'), '%d KiB' % mem_kib, '%s: dominfo Max memory' % name)
    tap.ok(info.get('CPU(s)') is not None and int(info['CPU(s)']) >= 1,
           '%s: dominfo CPU(s)' % name, repr(info))
    check_xml(tap, lab, name, live=True)

    res = lab.virsh('suspend', name)
    tap.cmd_ok(res, '%s: suspend' % name)
    tap.eq(lab.domstate(name), 'paused (user)', '%s: domstate paused (user)' % name)
    tap.ok(name in lab.list_names('--state-paused'), '%s: in list --state-paused' % name)
    res = lab.virsh('resume', name)
    tap.cmd_ok(res, '%s: resume' % name)
    tap.eq(lab.domstate(name), 'running (unpaused)', '%s: domstate running (unpaused)' % name)

    target = (mem_kib // 2) // 1024 * 1024
    res = lab.virsh('setmem', name, '%dK' % target, '--live')
    tap.cmd_ok(res, '%s: setmem %d KiB --live' % (name, target))
    tap.ok(wait_for(lambda: lab.dominfo(name).get('Used memory') == '%d KiB' % target, 15),
           '%s: dominfo Used memory becomes %d KiB' % (name, target),
           lambda: repr(lab.dominfo(name)))
    tap.eq(lab.dominfo(name).get('Max memory'), '%d KiB' % mem_kib,
           '%s: Max memory unchanged by setmem' % name)

    res = lab.virsh('setvcpus', name, str(maxv), '--live')
    tap.cmd_ok(res, '%s: setvcpus %d --live' % (name, maxv))
    tap.ok(wait_for(lambda: lab.dominfo(name).get('CPU(s)') == str(maxv), 15),
           '%s: dominfo CPU(s) becomes %d' % (name, maxv), lambda: repr(lab.dominfo(name)))
    res = lab.virsh('setvcpus', name, '1', '--live')
    tap.cmd_ok(res, '%s: setvcpus 1 --live' % name)
    tap.ok(wait_for(lambda: lab.dominfo(name).get('CPU(s)') == '1', 15),
           '%s: dominfo CPU(s) becomes 1' % name, lambda: repr(lab.dominfo(name)))
    res = lab.virsh('setvcpus', name, str(maxv + 1), '--live')
    tap.cmd_fails(res, '%s: setvcpus above the maximum fails' % name)

    res = lab.virsh('autostart', name)
    tap.cmd_ok(res, '%s: autostart' % name)
    tap.eq(lab.dominfo(name).get('Autostart'), 'enable', '%s: dominfo Autostart enable' % name)
    tap.ok(name in lab.list_names('--all', '--autostart'), '%s: in list --autostart' % name)
    res = lab.virsh('autostart', '--disable', name)
    tap.cmd_ok(res, '%s: autostart --disable' % name)
    tap.eq(lab.dominfo(name).get('Autostart'), 'disable', '%s: dominfo Autostart disable' % name)
    tap.ok(name in lab.list_names('--all', '--no-autostart'), '%s: in list --no-autostart' % name)

    res = lab.virsh('reboot', name)
    tap.cmd_ok(res, '%s: reboot' % name)
    # A PV reboot is a shutdown with reason reboot: the toolstack builds the
    # guest again, under a new domain id.
    rebooted = wait_for(lambda: lab.domid(name) not in (None, domid)
                        and (lab.domstate(name) or '').startswith('running'), 30)
    tap.ok(rebooted, '%s: reboot: running again under a new domain id' % name,
           lambda: 'domid before %r, now %r, state %r' % (domid, lab.domid(name),
                                                         lab.domstate(name)))
    tap.ok(wait_for(lambda: not sim_has(lab, domid), 10),
           '%s: reboot: the old domain is gone from the simulated host' % name,
           lambda: lab.simctl('list').out)
    domid = lab.domid(name)

    res = lab.virsh('shutdown', name)
    tap.cmd_ok(res, '%s: shutdown' % name)
    tap.ok(lab.wait_state(name, r'shut off \(shutdown\)$', 30),
           '%s: shutdown: state becomes shut off (shutdown)' % name,
           lambda: 'state %r' % lab.domstate(name))
    tap.ok(not sim_has(lab, domid), '%s: shutdown: the domain is gone from the simulated host'
           % name, lambda: lab.simctl('list').out)
    tap.ok(name in lab.list_names('--all'), '%s: still defined after shutdown' % name)
    tap.eq(lab.domid(name), None, '%s: no domain id when shut off' % name)

    res = lab.virsh('start', name)
    tap.cmd_ok(res, '%s: start again' % name)
    domid = lab.domid(name)
    res = lab.virsh('destroy', name)
    tap.cmd_ok(res, '%s: destroy' % name)
    tap.eq(lab.domstate(name), 'shut off (destroyed)', '%s: domstate shut off (destroyed)' % name)
    tap.ok(not sim_has(lab, domid), '%s: destroy: the domain is gone from the simulated host'
           % name, lambda: lab.simctl('list').out)

    res = lab.virsh('undefine', name)
    tap.cmd_ok(res, '%s: undefine' % name)
    tap.ok(name not in lab.list_names('--all'), '%s: gone from list --all' % name)
    res = lab.virsh('dominfo', name)
    tap.cmd_fails(res, '%s: dominfo after undefine fails' % name, r'failed to get domain')


def ignores_shutdown(tap, lab):
    name = 'stubborn'
    xml = xenpvlab.guest_xml('x86_64', name=name, cmdline='sim.shutdown=ignore')
    res = lab.define(xml, start=True)
    tap.cmd_ok(res, '%s: define and start a guest that ignores shutdown requests' % name)
    domid = lab.domid(name)
    started = time.monotonic()
    res = lab.virsh('shutdown', name, timeout=xenpvlab.SHUTDOWN_ACK_TIMEOUT + 30)
    elapsed = time.monotonic() - started
    tap.cmd_fails(res, '%s: shutdown fails' % name)
    tap.ok(elapsed <= xenpvlab.SHUTDOWN_ACK_TIMEOUT + 5,
           '%s: within the configured ack timeout of %ds (took %.1fs)'
           % (name, xenpvlab.SHUTDOWN_ACK_TIMEOUT, elapsed))
    tap.like(res.err, r'acknowledg|respond|answer|ignor',
             '%s: the message says the guest did not acknowledge' % name)
    # The same through the python binding: libvirt's code for a timeout.
    dom = lab.conn().lookupByName(name)
    tap.libvirt_error(lambda: dom.shutdown(), xenpvlab.libvirt.VIR_ERR_OPERATION_TIMEOUT,
                      '%s: python shutdown' % name, r'acknowledg|respond|answer|ignor')
    tap.libvirt_error(lambda: dom.reboot(0), xenpvlab.libvirt.VIR_ERR_OPERATION_TIMEOUT,
                      '%s: python reboot' % name, r'acknowledg|respond|answer|ignor')
    tap.eq(lab.domstate(name), 'running (booted)', '%s: still running' % name)
    tap.eq(lab.domid(name), domid, '%s: same domain id' % name)
    tap.ok(sim_has(lab, domid), '%s: still in the simulated host' % name)
    res = lab.virsh('destroy', name)
    tap.cmd_ok(res, '%s: destroy works' % name)
    lab.virsh('undefine', name)


def transient(tap, lab):
    name = 'transient-guest'
    xml = xenpvlab.guest_xml('x86_64', name=name)
    path = os.path.join(xenpvlab.SCRATCH_DIR, name + '.xml')
    with open(path, 'w') as f:
        f.write(xml)
    res = lab.virsh('create', path, quiet=False)
    tap.cmd_ok(res, '%s: virsh create' % name)
    tap.like(res.out, r"Domain '%s' created" % name, '%s: virsh says created' % name)
    tap.eq(lab.domstate(name), 'running (booted)', '%s: running (booted)' % name)
    tap.eq(lab.dominfo(name).get('Persistent'), 'no', '%s: dominfo Persistent no' % name)
    res = lab.virsh('autostart', name)
    tap.cmd_fails(res, '%s: autostart refused for a transient guest' % name)
    res = lab.virsh('dumpxml', '--inactive', name)
    tap.cmd_ok(res, '%s: dumpxml --inactive of a transient guest' % name)
    domid = lab.domid(name)
    res = lab.virsh('destroy', name)
    tap.cmd_ok(res, '%s: destroy' % name)
    tap.ok(name not in lab.list_names('--all'), '%s: gone from list --all after destroy' % name)
    tap.ok(not sim_has(lab, domid), '%s: gone from the simulated host' % name)

    # A transient guest that shuts itself down is gone as well.
    res = lab.virsh('create', path)
    tap.cmd_ok(res, '%s: virsh create again' % name)
    res = lab.virsh('shutdown', name)
    tap.cmd_ok(res, '%s: shutdown' % name)
    tap.ok(wait_for(lambda: name not in lab.list_names('--all'), 30),
           '%s: gone from list --all after shutdown' % name)


def body(tap, lab):
    for kind in ('x86_64', 'x86_32p', 'dvdstore'):
        lifecycle(tap, lab, kind)
    ignores_shutdown(tap, lab)
    transient(tap, lab)
    res = lab.virsh('list', '--all')
    tap.eq(res.out.strip(), '', 'no guest left behind', str(res))
    doms = lab.sim_domains()
    tap.eq(doms, {}, 'the simulated host has no guest left')


if __name__ == '__main__':
    xenpvlab.main(body)
