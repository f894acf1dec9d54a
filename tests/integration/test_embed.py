#!/usr/bin/python3
"""
The daemon-less mode, xen:///embed?root=DIR: the client library loads the
driver itself.  The same basic lifecycle through virsh (one process per
command, so everything must be found again from DIR and the simulated host
each time) and through the python binding.
"""
import os
import re
import shutil

import xenpvlab
from xenpvlab import libvirt, wait_for

ROOT = os.path.join(xenpvlab.SCRATCH_DIR, 'embed-root')
EMBED_URI = 'xen:///embed?root=%s' % ROOT


def embed_env():
    env = xenpvlab.sanitizer_env(dict(os.environ), libvirt_process=True)
    env['LIBVIRT_DRIVER_DIR'] = xenpvlab.DRIVER_DIR
    return env


def virsh(lab, *args, **kw):
    return lab.virsh(*args, uri=EMBED_URI, env=embed_env(), **kw)


def state(lab, name):
    res = virsh(lab, 'domstate', '--reason', name)
    return res.out.strip() if res.rc == 0 else None


def domid(lab, name):
    try:
        return int(virsh(lab, 'domid', name).out.strip())
    except ValueError:
        return None


def with_virsh(tap, lab):
    name = 'embed-virsh'
    path = os.path.join(xenpvlab.SCRATCH_DIR, name + '.xml')
    with open(path, 'w') as f:
        f.write(xenpvlab.guest_xml('x86_64', name=name, cmdline='sim.workload=selfcheck'))

    res = virsh(lab, 'uri')
    tap.cmd_ok(res, 'virsh opens %s' % EMBED_URI)
    tap.eq(res.out.strip(), EMBED_URI, 'virsh uri is the embed URI')
    res = virsh(lab, 'define', path)
    tap.cmd_ok(res, 'embed virsh: define')
    res = virsh(lab, 'list', '--all', '--name')
    tap.ok(name in res.out.split(), 'embed virsh: the definition is found by the next process',
           str(res))
    tap.ok(os.path.isdir(ROOT) and any(name in f for _, _, files in os.walk(ROOT) for f in files),
           'embed virsh: the definition is kept under the root directory')
    res = virsh(lab, 'start', name)
    tap.cmd_ok(res, 'embed virsh: start')
    tap.eq(state(lab, name), 'running (booted)', 'embed virsh: running (booted)')
    d = domid(lab, name)
    doms = lab.sim_domains()
    tap.ok(d is not None and doms is not None and d in doms,
           'embed virsh: the guest runs in the simulated host after virsh exited',
           lambda: lab.simctl('list').out)
    # By domid: lab.domid() would ask the daemon, and none runs.
    ok = wait_for(lambda: (lab.selfcheck(d) or '').startswith('OK'), 60, 0.25)
    tap.ok(ok, 'embed virsh: the guest reports selfcheck OK', repr(lab.selfcheck(d)))

    res = virsh(lab, 'suspend', name)
    tap.cmd_ok(res, 'embed virsh: suspend')
    tap.eq(state(lab, name), 'paused (user)', 'embed virsh: paused (user)')
    res = virsh(lab, 'resume', name)
    tap.cmd_ok(res, 'embed virsh: resume')
    tap.eq(state(lab, name), 'running (unpaused)', 'embed virsh: running (unpaused)')
    res = virsh(lab, 'dominfo', name)
    tap.like(res.out, r'^Id:\s+%d$' % (d or -1), 'embed virsh: dominfo Id', re.M)

    res = virsh(lab, 'shutdown', name)
    tap.cmd_ok(res, 'embed virsh: shutdown')
    tap.ok(wait_for(lambda: (state(lab, name) or '').startswith('shut off'), 30),
           'embed virsh: shut off after shutdown (%s)' % state(lab, name))
    tap.ok(wait_for(lambda: d not in (lab.sim_domains() or {}), 10),
           'embed virsh: the guest is gone from the simulated host')

    res = virsh(lab, 'start', name)
    tap.cmd_ok(res, 'embed virsh: start again')
    d = domid(lab, name)
    res = virsh(lab, 'destroy', name)
    tap.cmd_ok(res, 'embed virsh: destroy')
    # (the reason of an inactive guest is not kept from one process to the next)
    tap.like(state(lab, name), r'^shut off', 'embed virsh: shut off after destroy')
    tap.ok(d not in (lab.sim_domains() or {}), 'embed virsh: destroyed in the simulated host')
    res = virsh(lab, 'undefine', name)
    tap.cmd_ok(res, 'embed virsh: undefine')
    res = virsh(lab, 'list', '--all', '--name')
    tap.ok(res.rc == 0 and name not in res.out.split(), 'embed virsh: gone after undefine',
           str(res))


def with_python(tap, lab):
    name = 'embed-python'
    os.environ['LIBVIRT_DRIVER_DIR'] = xenpvlab.DRIVER_DIR
    lab.start_event_loop()   # an embedded driver needs the client's event loop
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    try:
        conn = libvirt.open(EMBED_URI)
    except libvirt.libvirtError as e:
        tap.ok(False, 'python opens %s' % EMBED_URI, str(e))
        return
    tap.ok(True, 'python opens %s' % EMBED_URI)
    try:
        tap.eq(conn.getType(), 'Xen', 'embed python: type Xen')
        tap.eq(conn.getInfo()[2], lab.cpus, 'embed python: nodeinfo CPUs')
        dom = conn.defineXML(xenpvlab.guest_xml('x86_64', name=name))
        tap.ok(dom.isPersistent() == 1, 'embed python: defined')
        dom.create()
        tap.eq(dom.state(), [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED],
               'embed python: running (booted)')
        d = dom.ID()
        tap.ok(d in (lab.sim_domains() or {}), 'embed python: running in the simulated host')
        dom.suspend()
        tap.eq(dom.state(), [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER],
               'embed python: paused (user)')
        dom.resume()
        tap.eq(dom.state(), [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED],
               'embed python: running (unpaused)')
        info = dom.info()
        tap.eq(info[0], libvirt.VIR_DOMAIN_RUNNING, 'embed python: info state running')
        dom.destroy()
        tap.eq(dom.state(), [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED],
               'embed python: shut off (destroyed)')
        tap.ok(d not in (lab.sim_domains() or {}), 'embed python: gone from the simulated host')
        # Leave it defined and running for virsh to find.
        dom.create()
        d = dom.ID()
    except libvirt.libvirtError as e:
        tap.ok(False, 'embed python: lifecycle', str(e))
        return
    finally:
        conn.close()

    tap.eq(state(lab, name), 'running (booted)',
           'embed: a guest started from python is found running by virsh')
    tap.eq(domid(lab, name), d, 'embed: with the same domain id')
    tap.cmd_ok(virsh(lab, 'destroy', name), 'embed: virsh destroys it')
    tap.cmd_ok(virsh(lab, 'undefine', name), 'embed: virsh undefines it')


def body(tap, lab):
    os.makedirs(ROOT, exist_ok=True)
    # The driver's config, where an embedded driver may look for it too.
    os.makedirs(os.path.join(ROOT, 'etc'), exist_ok=True)
    shutil.copy(xenpvlab.XENPV_CONF, os.path.join(ROOT, 'etc', 'xenpv.conf'))
    tap.ok(not lab.libvirtd_running() and not os.path.exists(xenpvlab.LIBVIRT_SOCK),
           'no libvirtd runs')
    with_virsh(tap, lab)
    with_python(tap, lab)
    tap.ok(not os.path.exists(xenpvlab.LIBVIRT_SOCK), 'still no libvirtd')


if __name__ == '__main__':
    xenpvlab.main(body, libvirtd=False, in_process_driver=True)
