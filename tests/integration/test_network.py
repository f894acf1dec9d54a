#!/usr/bin/python3
"""
<interface type='network'> through libvirt's own network driver, loaded in
the lab beside this driver as in a stock libvirtd: the default network (a
NAT bridge with dnsmasq, made in the lab's own network namespace) is
defined and started; a guest on it starts with a port of the network
allocated for its interface, its vif put into the network's bridge; the
port survives a daemon restart and goes away when the guest stops; a
network that forwards to a host bridge gives that bridge; a missing network
is refused by name with nothing built; an interface plugged into a running
guest gets a port and gives it back when unplugged; domxml-to-native names
the bridge;
and virt-install, with its defaults (the default network, a raw disk image
through <driver name='qemu'>), installs and starts a PV guest.
"""
import os
import re
import xml.etree.ElementTree as ET

import xenpvlab

DEFAULT_NET = """<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
"""
HOST_BRIDGE_NET = """<network>
  <name>hostbr</name>
  <forward mode='bridge'/>
  <bridge name='xenbr0'/>
</network>
"""
KERNEL = os.path.join(xenpvlab.IMAGES_DIR, 'xenpv-test-x86_64.elf')


def write_scratch(name, text):
    path = os.path.join(xenpvlab.SCRATCH_DIR, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def net_guest(name, network):
    return xenpvlab.guest_xml('x86_64', name=name, memory_mib=64, extra_devices=[
        "<interface type='network'><source network='%s'/></interface>" % network])


def ports(lab, network):
    """UUIDs of the network's ports (virsh net-port-list), or None."""
    res = lab.virsh('net-port-list', network)
    if res.rc != 0:
        return None
    return re.findall(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', res.out)


def port_owner(lab, network, port):
    res = lab.virsh('net-port-dumpxml', network, port)
    return ET.fromstring(res.out).findtext('owner/name') if res.rc == 0 else None


def vif_backend(lab, name, index):
    """The backend directory of the guest's vif @index in the store."""
    domid = lab.domid(name)
    return lab.store_read('/local/domain/%s/device/vif/%d/backend' % (domid, index))


def network_ifaces(lab, name):
    """The live XML's <interface type='network'> sources."""
    res = lab.virsh('dumpxml', name)
    if res.rc != 0:
        return []
    return [i.find('source').attrib for i in ET.fromstring(res.out).findall('devices/interface')
            if i.get('type') == 'network']


def check_default_network(tap, lab):
    tap.cmd_ok(lab.virsh('net-define', write_scratch('default-net.xml', DEFAULT_NET)),
               'net-define default (NAT, virbr0)')
    res = lab.virsh('net-start', 'default')
    tap.cmd_ok(res, 'net-start default (libvirt\'s network driver: bridge, dnsmasq, iptables)')
    if res.rc != 0:
        raise xenpvlab.Bail('the default network does not start:\n%s' % res)
    link = xenpvlab.run(['ip', '-d', 'link', 'show', 'virbr0'])
    tap.like(link.out, r'\bbridge\b', 'the lab has the virbr0 bridge', flags=0)

    name = 'net-guest'
    tap.cmd_ok(lab.define(net_guest(name, 'default'), start=True),
               '%s: defines and starts with <interface type=\'network\'>' % name)
    srcs = network_ifaces(lab, name)
    tap.eq([(s.get('network'), s.get('bridge')) for s in srcs], [('default', 'virbr0')],
           '%s: live XML shows the network and the bridge it gave' % name)
    portid = srcs[0].get('portid') if srcs else None
    tap.eq(ports(lab, 'default'), [portid] if portid else ['?'],
           '%s: the network has one port, the one in the live XML' % name)
    tap.eq(port_owner(lab, 'default', portid), name, '%s: the port is owned by the guest' % name)
    be = vif_backend(lab, name, 0)
    tap.eq(lab.store_read('%s/bridge' % be) if be else None, 'virbr0',
           '%s: the vif backend goes into virbr0' % name)
    inactive = lab.virsh('dumpxml', '--inactive', name).out
    tap.ok('portid' not in inactive and "bridge='virbr0'" not in inactive,
           '%s: the inactive definition keeps the network only' % name, inactive)

    # The port is part of the status: a restarted daemon still has it, and
    # releases it when the guest stops.
    lab.restart_libvirtd()
    tap.ok(lab.wait_state(name, r'^running'), '%s: running after a daemon restart' % name)
    tap.eq([s.get('portid') for s in network_ifaces(lab, name)], [portid],
           '%s: the same port in the live XML after the restart' % name)
    tap.eq(ports(lab, 'default'), [portid], '%s: the network still has its port' % name)
    tap.cmd_ok(lab.virsh('destroy', name), '%s: destroy' % name)
    tap.eq(ports(lab, 'default'), [], '%s: its port is gone once it stopped' % name)
    tap.cmd_ok(lab.virsh('start', name), '%s: starts again' % name)
    tap.eq(len(ports(lab, 'default') or []), 1, '%s: a port again' % name)
    lab.virsh('destroy', name)
    tap.eq(ports(lab, 'default'), [], '%s: gone again' % name)

    # The xl file of such a guest names the bridge, as libvirt's Xen
    # driver writes it.
    xml_path = write_scratch('net-guest.xml', net_guest(name, 'default'))
    res = lab.virsh('domxml-to-native', 'xen-xl', xml_path)
    tap.like(res.out, r'vif = \[ "mac=[0-9a-f:]+,bridge=virbr0,script=vif-bridge" \]',
             'domxml-to-native xen-xl names the network\'s bridge')
    lab.virsh('undefine', name)


def check_host_bridge_network(tap, lab):
    tap.cmd_ok(lab.virsh('net-define', write_scratch('hostbr-net.xml', HOST_BRIDGE_NET)),
               'net-define hostbr (forward mode bridge, xenbr0)')
    tap.cmd_ok(lab.virsh('net-start', 'hostbr'), 'net-start hostbr')
    name = 'hostbr-guest'
    tap.cmd_ok(lab.define(net_guest(name, 'hostbr'), start=True),
               '%s: starts on a network of a host bridge' % name)
    be = vif_backend(lab, name, 0)
    tap.eq(lab.store_read('%s/bridge' % be) if be else None, 'xenbr0',
           '%s: the vif backend goes into the host bridge xenbr0' % name)
    lab.virsh('destroy', name)
    tap.eq(ports(lab, 'hostbr'), [], '%s: no port left' % name)
    lab.virsh('undefine', name)


def check_missing_network(tap, lab):
    name = 'nonet-guest'
    before = lab.sim_domains()
    tap.cmd_ok(lab.define(net_guest(name, 'nosuch')), '%s: defines (networks are looked up at start)' % name)
    res = lab.virsh('start', name)
    tap.cmd_fails(res, '%s: start refused naming the network' % name, r"nosuch")
    tap.eq(lab.sim_domains(), before, '%s: no domain was built' % name)
    tap.eq(lab.domstate(name), 'shut off (unknown)', '%s: still shut off' % name)
    lab.virsh('undefine', name)


def check_hotplug(tap, lab):
    """An interface on a network plugged into a running guest gets a port,
    and gives it back when it is unplugged."""
    name = 'plug-guest'
    tap.cmd_ok(lab.define(xenpvlab.guest_xml('x86_64', name=name, memory_mib=64), start=True),
               '%s: starts without an interface' % name)
    res = lab.virsh('attach-interface', name, 'network', 'default', '--mac', '00:16:3e:5e:00:01',
                    '--live')
    tap.cmd_ok(res, '%s: attach-interface network default --live' % name)
    srcs = network_ifaces(lab, name)
    portid = srcs[0].get('portid') if srcs else None
    tap.eq(ports(lab, 'default'), [portid] if portid else ['?'],
           '%s: the plugged interface holds a port of the network' % name)
    be = vif_backend(lab, name, 0)
    tap.eq(lab.store_read('%s/bridge' % be) if be else None, 'virbr0',
           '%s: its vif goes into the network\'s bridge' % name)
    res = lab.virsh('detach-interface', name, 'network', '--mac', '00:16:3e:5e:00:01', '--live')
    tap.cmd_ok(res, '%s: detach-interface --live' % name)
    tap.eq(ports(lab, 'default'), [], '%s: the port is given back' % name)
    lab.virsh('destroy', name)
    lab.virsh('undefine', name)


def check_virt_install(tap, lab):
    """virt-install with its defaults: the default network, the disk image
    as <driver name='qemu'>, a PV guest from a kernel."""
    disk = os.path.join(xenpvlab.IMAGES_DIR, 'vi-guest.img')
    with open(disk, 'wb') as f:
        f.truncate(64 << 20)
    res = xenpvlab.run(['virt-install', '--connect', xenpvlab.URI, '--name', 'vi-guest',
                        '--paravirt', '--memory', '64', '--vcpus', '1',
                        '--boot', 'kernel=%s,kernel_args=console=hvc0' % KERNEL,
                        '--import', '--disk', 'path=%s' % disk, '--osinfo', 'generic',
                        '--noautoconsole'], timeout=120)
    tap.cmd_ok(res, 'virt-install --paravirt --import --disk path=IMG, with its defaults')
    if res.rc != 0:
        return
    tap.ok(lab.wait_state('vi-guest', r'^running'), 'the virt-install guest is running')
    root = ET.fromstring(lab.virsh('dumpxml', 'vi-guest').out)
    iface = root.find('devices/interface')
    tap.eq(iface.get('type') if iface is not None else None, 'network',
           'virt-install chose the default network')
    drv = root.find('devices/disk/driver')
    tap.eq(drv.attrib if drv is not None else None, {'name': 'qemu', 'type': 'raw'},
           "virt-install's disk is <driver name='qemu' type='raw'>")
    be = lab.store_read('/local/domain/%s/device/vbd/51712/backend' % lab.domid('vi-guest')) or ''
    tap.eq(lab.store_read(be + '/type'), 'qdisk', 'the disk is served by qdisk')
    tap.eq(len(ports(lab, 'default') or []), 1, 'the guest holds a port of the default network')
    lab.virsh('destroy', 'vi-guest')
    lab.virsh('undefine', 'vi-guest')
    tap.eq(ports(lab, 'default'), [], 'no port left')


def body(tap, lab):
    check_default_network(tap, lab)
    check_host_bridge_network(tap, lab)
    check_missing_network(tap, lab)
    check_hotplug(tap, lab)
    check_virt_install(tap, lab)
    tap.cmd_ok(lab.virsh('version'), 'daemon still serving')


if __name__ == '__main__':
    # As in a stock libvirtd: virt-install finds its disk through the
    # storage driver.
    xenpvlab.main(body, stock_drivers=('secret', 'network', 'storage'))
