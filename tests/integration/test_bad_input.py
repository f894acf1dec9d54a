#!/usr/bin/python3
"""
Wrong requests get the right error: malformed XML, an HVM guest, a device
PV has no use for, an unknown domain, starting a running guest, resuming a
running one, a kernel that does not exist, a file that is no PV kernel, more
memory than the host has.  Each is refused with the VIR_ERR_* code libvirt
uses for it and a message naming the cause; the daemon keeps serving and an
unrelated running guest is untouched.
"""
import os
import shutil

import xenpvlab
from xenpvlab import libvirt

HOST_MEMORY_MIB = 2048
BYSTANDER = 'bystander'


def define_and_start(conn, xml):
    dom = conn.defineXML(xml)
    try:
        dom.create()
    finally:
        # Leave nothing behind whatever happened.
        try:
            if dom.isActive():
                dom.destroy()
        except libvirt.libvirtError:
            pass
        try:
            dom.undefine()
        except libvirt.libvirtError:
            pass


def create_transient(conn, xml):
    dom = conn.createXML(xml, 0)
    dom.destroy()
    return dom


def body(tap, lab):
    conn = lab.conn()
    E = libvirt

    xml = xenpvlab.guest_xml('x86_64', name=BYSTANDER, cmdline='sim.workload=selfcheck',
                             memory_mib=128)
    tap.cmd_ok(lab.define(xml, start=True), 'bystander guest started')
    ok, text = lab.wait_selfcheck_ok(BYSTANDER, 60)
    tap.ok(ok, 'bystander selfcheck OK', repr(text))
    bystander_domid = lab.domid(BYSTANDER)

    # Malformed XML.
    tap.libvirt_error(lambda: conn.defineXML('<domain type="xen"><name>broken</name'),
                      (E.VIR_ERR_XML_DETAIL, E.VIR_ERR_XML_ERROR), 'malformed XML',
                      r'XML|parse|broken|expected')
    tap.libvirt_error(lambda: conn.createXML('not xml at all', 0),
                      (E.VIR_ERR_XML_DETAIL, E.VIR_ERR_XML_ERROR), 'text that is not XML')
    # XML of the wrong domain type.
    kvm = xenpvlab.guest_xml('x86_64', name='kvm-guest').replace("type='xen'", "type='kvm'", 1) \
        .replace('type="xen"', 'type="kvm"', 1)
    tap.libvirt_error(lambda: conn.defineXML(kvm),
                      (E.VIR_ERR_CONFIG_UNSUPPORTED, E.VIR_ERR_INVALID_ARG),
                      'a kvm domain type', r'kvm')

    # An HVM guest.
    hvm = xenpvlab.guest_xml('x86_64', name='hvm-guest', ostype='hvm')
    # libvirt's own capability lookup answers VIR_ERR_INVALID_ARG ("could not
    # find capabilities for ostype=hvm ..."), a driver check
    # VIR_ERR_CONFIG_UNSUPPORTED: either names hvm.
    unsupported = (E.VIR_ERR_CONFIG_UNSUPPORTED, E.VIR_ERR_INVALID_ARG)
    tap.libvirt_error(lambda: conn.defineXML(hvm), unsupported, 'an hvm guest', r'hvm')
    tap.libvirt_error(lambda: conn.createXML(hvm, 0), unsupported, 'an hvm guest, created',
                      r'hvm')

    # A device a PV guest cannot have.
    sound = xenpvlab.guest_xml('x86_64', name='sound-guest',
                               extra_devices=["<sound model='ich6'/>"])
    tap.libvirt_error(lambda: conn.defineXML(sound), E.VIR_ERR_CONFIG_UNSUPPORTED,
                      'a <sound> device', r'sound')

    # Unknown domains.
    tap.libvirt_error(lambda: conn.lookupByName('no-such-guest'), E.VIR_ERR_NO_DOMAIN,
                      'lookup of an unknown name', r'no-such-guest')
    tap.libvirt_error(lambda: conn.lookupByUUIDString('6b1e5f1c-0000-4000-8000-000000000001'),
                      E.VIR_ERR_NO_DOMAIN, 'lookup of an unknown UUID',
                      r'6b1e5f1c-0000-4000-8000-000000000001')
    tap.libvirt_error(lambda: conn.lookupByID(4242), E.VIR_ERR_NO_DOMAIN,
                      'lookup of an unknown id', r'4242')
    res = lab.virsh('start', 'no-such-guest')
    tap.cmd_fails(res, 'virsh start of an unknown guest', r'no-such-guest')

    # Operations that do not fit the state.
    dom = conn.lookupByName(BYSTANDER)
    tap.libvirt_error(lambda: dom.create(), E.VIR_ERR_OPERATION_INVALID,
                      'start a running guest', r'already running|is running|active')
    tap.libvirt_error(lambda: dom.resume(), E.VIR_ERR_OPERATION_INVALID,
                      'resume a running guest', r'not paused|running')
    tap.libvirt_error(lambda: conn.defineXML(xenpvlab.guest_xml('x86_64', name='other-name')
                                             .replace('<name>other-name</name>',
                                                      '<name>other-name</name><uuid>%s</uuid>'
                                                      % dom.UUIDString())),
                      E.VIR_ERR_OPERATION_FAILED, 'a second guest with the bystander\'s UUID',
                      BYSTANDER)
    stopped = conn.defineXML(xenpvlab.guest_xml('x86_64', name='stopped-guest'))
    tap.libvirt_error(lambda: stopped.suspend(), E.VIR_ERR_OPERATION_INVALID,
                      'suspend a guest that is not running', r'not running')
    tap.libvirt_error(lambda: stopped.destroy(), E.VIR_ERR_OPERATION_INVALID,
                      'destroy a guest that is not running', r'not running')
    stopped.undefine()

    # Kernels.
    missing = '/var/lib/xenpv/images/no-such-kernel'
    xml = xenpvlab.guest_xml('x86_64', name='no-kernel', kernel=missing)
    tap.libvirt_error(lambda: define_and_start(conn, xml),
                      (E.VIR_ERR_SYSTEM_ERROR, E.VIR_ERR_INVALID_ARG, E.VIR_ERR_NO_KERNEL,
                       E.VIR_ERR_OPERATION_FAILED, E.VIR_ERR_NO_SOURCE),
                      'a kernel path that does not exist', missing)
    notpv = '/var/lib/xenpv/images/not-a-kernel'
    with open(notpv, 'w') as f:
        f.write('#!/bin/sh\necho this is not a kernel\n' * 100)
    xml = xenpvlab.guest_xml('x86_64', name='not-pv', kernel=notpv)
    tap.libvirt_error(lambda: define_and_start(conn, xml),
                      (E.VIR_ERR_CONFIG_UNSUPPORTED, E.VIR_ERR_INVALID_ARG,
                       E.VIR_ERR_OPERATION_FAILED),
                      'a file that is not a kernel', notpv)
    # An ELF executable, but no PV kernel: /bin/true.
    elf = '/var/lib/xenpv/images/plain-elf'
    shutil.copy('/bin/true', elf)
    xml = xenpvlab.guest_xml('x86_64', name='plain-elf', kernel=elf)
    err = tap.libvirt_error(lambda: define_and_start(conn, xml),
                            (E.VIR_ERR_CONFIG_UNSUPPORTED, E.VIR_ERR_INVALID_ARG,
                             E.VIR_ERR_OPERATION_FAILED),
                            'an ELF file that is not a PV kernel', elf)
    if err is not None:
        tap.like(err.get_error_message(), r'PV|Xen|note', 'the message says it is not a PV kernel')

    # More memory than the host has.
    xml = xenpvlab.guest_xml('x86_64', name='too-big', memory_mib=HOST_MEMORY_MIB * 2)
    tap.libvirt_error(lambda: create_transient(conn, xml),
                      (E.VIR_ERR_OPERATION_FAILED, E.VIR_ERR_INVALID_ARG,
                       E.VIR_ERR_CONFIG_UNSUPPORTED, E.VIR_ERR_RESOURCE_BUSY),
                      'a guest with more memory than the host', r'memory')
    tap.ok('too-big' not in lab.list_names('--all'), 'the guest that did not fit is not left behind')

    # No trace of the refused guests, in libvirt or the simulated host.
    names = lab.list_names('--all')
    tap.eq(names, [BYSTANDER], 'only the bystander is known to libvirt')
    doms = lab.sim_domains()
    tap.eq(sorted(doms or {}), [bystander_domid], 'only the bystander runs in the simulated host',
           lambda: lab.simctl('list').out)

    # The daemon serves, the bystander is untouched.
    tap.ok(lab.libvirtd_running(), 'libvirtd still running')
    try:
        c = libvirt.open(xenpvlab.URI)
        tap.eq(c.getHostname(), 'xenpv-lab', 'a new connection is served')
        c.close()
    except libvirt.libvirtError as e:
        tap.ok(False, 'a new connection is served', str(e))
    tap.eq(lab.domstate(BYSTANDER), 'running (booted)', 'bystander still running')
    tap.eq(lab.domid(BYSTANDER), bystander_domid, 'bystander has the same domain id')
    ok, text = lab.wait_selfcheck_ok(BYSTANDER, 30)
    tap.ok(ok, 'bystander selfcheck still OK', repr(text))
    tap.ok(os.path.exists(xenpvlab.LIBVIRTD_LOG), 'libvirtd log exists')


if __name__ == '__main__':
    xenpvlab.main(body, memory_mib=HOST_MEMORY_MIB)
