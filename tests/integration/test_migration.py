#!/usr/bin/python3
"""
Live migration between simulated hosts, as users run it: every mode of
virsh migrate and of the python binding moves a running guest whose
workload checks its own memory, and the guest is verified intact on the
destination and gone from the source; every refusal names its cause before
anything moves and leaves the guest running on the source.

Hosts (migrationlab): xenpv-a and xenpv-b are full hosts; xenpv-c has no
32-bit PV, no log-dirty and 1 GiB of memory.
"""
import json
import os
import re

import migrationlab
import xenpvhosts
import xenpvlab
from migrationlab import Guest
from xenpvlab import libvirt

# Run inside a host: migrate3 (client-managed) or migrateToURI3 (peer to
# peer, as nova calls it) with typed parameters from JSON; prints what
# happened as JSON.
PY_MIGRATE = r'''
import json, sys
import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
how, dest, name, params, flags = sys.argv[1:6]
params, flags = json.loads(params), int(flags)
try:
    src = libvirt.open('xen:///system')
    dom = src.lookupByName(name)
    if how == 'migrate3':
        ddom = dom.migrate3(libvirt.open(dest), params, flags)
        print(json.dumps({'ok': True, 'name': ddom.name()}))
    elif how == 'migrate':
        # The protocol's forms without parameters.
        ddom = dom.migrate(libvirt.open(dest), flags, params.get('dname'), None, 0)
        print(json.dumps({'ok': True, 'name': ddom.name()}))
    elif how == 'migrateToURI':
        dom.migrateToURI(dest, flags, None, 0)
        print(json.dumps({'ok': True}))
    else:
        dom.migrateToURI3(dest, params, flags)
        print(json.dumps({'ok': True}))
except libvirt.libvirtError as e:
    print(json.dumps({'ok': False, 'code': e.get_error_code(), 'msg': e.get_error_message()}))
'''


def py_migrate(host, how, dest, name, params, flags):
    res = host.python(PY_MIGRATE, how, dest, name, json.dumps(params), flags, timeout=120)
    try:
        return json.loads(res.out)
    except ValueError:
        return {'ok': False, 'code': None, 'msg': str(res)}


def modes(tap, lab):
    a, b, c = lab.hosts
    LIVE = libvirt.VIR_MIGRATE_LIVE

    g = Guest(tap, a, 'mover')
    if g.ok:
        g.moved(a.virsh('migrate', '--live', g.name, b.uri(), timeout=120), b,
                'virsh migrate --live (client-managed)')
        g.moved(b.virsh('migrate', '--live', '--p2p', g.name, a.uri(), timeout=120), a,
                'virsh migrate --live --p2p')
        g.moved(a.virsh('migrate', '--live', '--p2p', '--tunnelled', g.name, b.uri(),
                        timeout=120), b, 'virsh migrate --live --p2p --tunnelled')
        g.moved(b.virsh('migrate', '--live', '--tls', g.name, a.uri(), timeout=120), a,
                'virsh migrate --live --tls')
        g.moved(a.virsh('migrate', g.name, b.uri(), timeout=120), b,
                'virsh migrate without --live (suspended, copied once)')
        g.moved(b.virsh('migrate', '--live', '--migrateuri', 'tcp://%s:50123' % a.name,
                        g.name, a.uri(), timeout=120), a,
                'virsh migrate --migrateuri tcp://%s:50123 (a port of its own)' % a.name)
        res = a.virsh('dumpxml', '--inactive', g.name)
        xml = res.out.replace('</name>', '</name>\n  <description>moved with --xml</description>')
        path = os.path.join(xenpvlab.SCRATCH_DIR, 'mover-dest.xml')
        with open(a.path(path), 'w') as f:
            f.write(xml)
        if g.moved(a.virsh('migrate', '--live', '--xml', path, g.name, b.uri(), timeout=120),
                   b, 'virsh migrate --xml (a new description)'):
            tap.like(b.virsh('dumpxml', g.name).out, 'moved with --xml',
                     'mover: the destination runs the definition given with --xml')
        # A keeps mover's definition (same UUID): a new name needs it gone.
        a.virsh('undefine', g.name)
        g.moved(b.virsh('migrate', '--live', '--dname', 'renamed', g.name, a.uri(),
                        timeout=120), a, 'virsh migrate --dname renamed', name='renamed')
        g.name = 'renamed'
        # python: migrate3, client-managed, with typed parameters.
        r = py_migrate(a, 'migrate3', b.uri(), 'renamed',
                       {libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 500,
                        libvirt.VIR_MIGRATE_PARAM_DEST_NAME: 'mover'}, LIVE)
        tap.ok(r.get('ok') and r.get('name') == 'mover',
               'python migrate3 with bandwidth and destination_name', repr(r))
        g.name = 'mover'
        g.only_on(b, [a], 'python migrate3')
        g.intact_on(b, 'python migrate3')
        # python: migrate (libvirt's client then calls the protocol's forms
        # without parameters) and migrateToURI, peer to peer.
        r = py_migrate(b, 'migrate', a.uri(), 'mover', {}, LIVE)
        tap.ok(r.get('ok') and r.get('name') == 'mover',
               'python migrate (Begin3, Prepare3, Perform3, Finish3, Confirm3)', repr(r))
        g.only_on(a, [b], 'python migrate')
        g.intact_on(a, 'python migrate')
        r = py_migrate(a, 'migrateToURI', b.uri(), 'mover', {},
                       LIVE | libvirt.VIR_MIGRATE_PEER2PEER)
        tap.ok(r.get('ok'), 'python migrateToURI, peer to peer', repr(r))
        g.only_on(b, [a], 'python migrateToURI')
        g.intact_on(b, 'python migrateToURI')
        b.virsh('destroy', 'mover')

    # nova's call: migrateToURI3, peer to peer, persistent, source
    # undefined, with its parameters.
    n = Guest(tap, a, 'nova')
    if n.ok:
        xml = a.virsh('dumpxml', '--migratable', n.name).out
        r = py_migrate(a, 'migrateToURI3', b.uri(), n.name,
                       {libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 0,
                        libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml,
                        libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: xml,
                        libvirt.VIR_MIGRATE_PARAM_URI: 'tcp://%s' % b.name},
                       LIVE | libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE |
                       libvirt.VIR_MIGRATE_PERSIST_DEST)
        tap.ok(r.get('ok'), "python migrateToURI3 as nova calls it (p2p, persistent, undefine source, "
               "bandwidth, destination_xml, persistent_xml, migrate_uri)", repr(r))
        n.only_on(b, [a], 'migrateToURI3')
        n.intact_on(b, 'migrateToURI3')
        tap.ok('nova' in b.list_names('--persistent'), 'nova: persistent on %s' % b.name)
        tap.ok('nova' not in a.list_names('--all'), 'nova: undefined on %s' % a.name)
        b.virsh('destroy', 'nova')
        b.virsh('undefine', 'nova')

    # --persistent --undefinesource with virsh, a transient guest made
    # persistent on the way.
    p = Guest(tap, a, 'keeper', persistent=False)
    if p.ok:
        p.moved(a.virsh('migrate', '--live', '--persistent', '--undefinesource', p.name,
                        b.uri(), timeout=120), b, 'virsh migrate --persistent --undefinesource')
        tap.ok('keeper' in b.list_names('--persistent'), 'keeper: persistent on %s' % b.name)
        inactive = b.virsh('dumpxml', '--inactive', 'keeper').out
        tap.ok('<name>keeper</name>' in inactive and 'urn:xenpv:guest-abi' not in inactive,
               'keeper: its persistent definition on %s has no live-only guest ABI' % b.name,
               inactive)
        tap.ok('keeper' not in a.list_names('--all'), 'keeper: gone from %s' % a.name)
        b.virsh('destroy', 'keeper')
        b.virsh('undefine', 'keeper')

    # --offline --persistent: a definition, no guest.
    o = Guest(tap, a, 'sleeper', start=False)
    if o.ok:
        res = a.virsh('migrate', '--offline', '--persistent', o.name, b.uri(), timeout=60)
        tap.cmd_ok(res, 'sleeper: virsh migrate --offline --persistent')
        tap.like(b.domstate(o.name) or '', '^shut off', 'sleeper: defined, shut off, on %s'
                 % b.name)
        tap.like(a.domstate(o.name) or '', '^shut off', 'sleeper: still defined on %s' % a.name)
        tap.ok(not migrationlab.sim_names(b), '%s: nothing runs after an offline migration'
               % b.name)
        tap.cmd_ok(b.virsh('start', o.name), 'sleeper: starts on %s from the migrated definition'
                   % b.name)
        b.virsh('destroy', o.name)
        b.virsh('undefine', o.name)
        a.virsh('undefine', o.name)

    # A 32-bit PAE guest, and a paused one that stays paused.
    g32 = Guest(tap, a, 'pae32', kind='x86_32p', arch='i686')
    if g32.ok:
        g32.moved(a.virsh('migrate', '--live', '--p2p', g32.name, b.uri(), timeout=120), b,
                  'virsh migrate --live --p2p of a 32-bit PAE guest')
        tap.like(b.virsh('dumpxml', g32.name).out, "abi=.xen-3.0-x86_32p.",
                 'pae32: a 32-bit PAE guest on %s' % b.name)
        b.virsh('destroy', g32.name)
        a.virsh('undefine', g32.name)
    # A 32-bit guest in the PV-shim's container moves into one.
    sh = Guest(tap, a, 'shimmed', kind='x86_32p', arch='i686', pvshim='always')
    if sh.ok:
        tap.like(a.virsh('dumpxml', sh.name).out, "container=.pvshim.",
                 'shimmed: runs in the PV-shim on %s' % a.name)
        sh.moved(a.virsh('migrate', '--live', sh.name, b.uri(), timeout=120), b,
                 'virsh migrate --live of a guest in the PV-shim')
        tap.like(b.virsh('dumpxml', sh.name).out, "container=.pvshim.",
                 'shimmed: runs in the PV-shim on %s' % b.name)
        refused(tap, sh, b, c, 'a guest in the PV-shim to a host without PVH containers',
                b.virsh('migrate', sh.name, c.uri(), timeout=60),
                r'ran in Xen.s PV-shim: its state restores only into a PVH container')
        b.virsh('destroy', sh.name)
        a.virsh('undefine', sh.name)
    pz = Guest(tap, a, 'sleepy')
    if pz.ok:
        tap.cmd_ok(a.virsh('suspend', pz.name), 'sleepy: paused on %s' % a.name)
        res = a.virsh('migrate', '--live', pz.name, b.uri(), timeout=120)
        tap.cmd_ok(res, 'sleepy: a paused guest migrates')
        tap.like(b.domstate(pz.name) or '', '^paused', 'sleepy: paused on %s' % b.name)
        tap.cmd_ok(b.virsh('resume', pz.name), 'sleepy: resumed on %s' % b.name)
        pz.intact_on(b, 'paused migration')
        b.virsh('destroy', pz.name)
        a.virsh('undefine', pz.name)


def refused(tap, g, src, dst, what, res, pattern):
    """@res (a Result, or a py_migrate dict) is a refusal naming its cause,
    and the guest stayed (@dst None: the source itself was the destination)."""
    if isinstance(res, dict):
        tap.ok(not res.get('ok') and res.get('msg') and re.search(pattern, res['msg'], re.I),
               '%s: refused, naming the cause' % what, repr(res))
    else:
        tap.cmd_fails(res, '%s: refused, naming the cause' % what, pattern)
    g.stayed(src, dst, what)



def refusals(tap, lab):
    a, b, c = lab.hosts
    LIVE = libvirt.VIR_MIGRATE_LIVE
    P2P = libvirt.VIR_MIGRATE_PEER2PEER
    g = Guest(tap, a, 'stayer')
    if not g.ok:
        return

    def virsh(*args):
        return a.virsh('migrate', *(list(args[:-1]) + [g.name, args[-1]]), timeout=60)

    refused(tap, g, a, b, '--copy-storage-all', virsh('--live', '--copy-storage-all', b.uri()),
            r'VIR_MIGRATE_NON_SHARED_DISK.*storage both hosts share')
    refused(tap, g, a, b, '--postcopy', virsh('--live', '--postcopy', b.uri()),
            r'VIR_MIGRATE_POSTCOPY.*pre-copy')
    refused(tap, g, a, b, '--parallel', virsh('--live', '--p2p', '--parallel', b.uri()),
            r'VIR_MIGRATE_PARALLEL')
    refused(tap, g, a, b, '--compressed --comp-methods xbzrle',
            virsh('--live', '--compressed', '--comp-methods', 'xbzrle', b.uri()),
            r"'compression' is 'xbzrle': the stream is compressed with zstd only")
    refused(tap, g, a, b, 'an unknown parameter',
            py_migrate(a, 'migrateToURI3', b.uri(), g.name, {'frobnicate': 'yes'}, LIVE | P2P),
            r"unknown migration parameter 'frobnicate'")
    refused(tap, g, a, b, 'parameter compression without VIR_MIGRATE_COMPRESSED',
            py_migrate(a, 'migrate3', b.uri(), g.name,
                       {libvirt.VIR_MIGRATE_PARAM_COMPRESSION: 'zstd'}, LIVE),
            r"'compression' needs VIR_MIGRATE_COMPRESSED")
    refused(tap, g, a, b, 'parameter migrate_disks naming a disk',
            py_migrate(a, 'migrateToURI3', b.uri(), g.name,
                       {libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS: ['xvda']}, LIVE | P2P),
            r"'migrate_disks' names disk 'xvda'.*copies no disks")
    xml = a.virsh('dumpxml', '--inactive', g.name).out
    path = os.path.join(xenpvlab.SCRATCH_DIR, 'stayer-abi.xml')
    with open(a.path(path), 'w') as f:
        f.write(xml.replace('<vcpu placement=\'static\'>1</vcpu>',
                            '<vcpu placement=\'static\'>2</vcpu>'))
    refused(tap, g, a, b, '--xml changing the ABI', virsh('--live', '--xml', path, b.uri()),
            r'vCPU.*does not match')
    refused(tap, g, a, b, '--offline of a running guest', virsh('--offline', '--persistent',
                                                               b.uri()),
            r'is running: an offline migration moves only a definition')
    refused(tap, g, a, None, 'to the host it runs on', virsh('--live', a.uri()),
            r'same host UUID|host it runs on')
    big_guest_refusal(tap, a, c)

    # Clashes on the destination: the name, the UUID.
    twin = xenpvlab.guest_xml('x86_64', name='stayer-twin', memory_mib=32)
    twin = twin.replace('<name>stayer-twin</name>', '<name>stayer</name>')
    tap.cmd_ok(b.define(twin, start=True), 'another guest named stayer runs on %s' % b.name)
    res = virsh('--live', b.uri())
    tap.cmd_fails(res, 'a guest of the same name runs there: refused',
                  r"domain named 'stayer' is already running")
    tap.ok((a.domstate(g.name) or '').startswith('running'), 'stayer: still running on %s'
           % a.name)
    b.virsh('destroy', 'stayer')
    b.virsh('undefine', 'stayer')
    uuid = a.virsh('domuuid', g.name).out.strip()
    same = xenpvlab.guest_xml('x86_64', name='stayer-uuid', memory_mib=32)
    same = same.replace('<name>stayer-uuid</name>',
                        '<name>stayer-uuid</name><uuid>%s</uuid>' % uuid)
    tap.cmd_ok(b.define(same, start=True), "a guest with stayer's UUID runs on %s" % b.name)
    refused(tap, g, a, b, 'a guest of the same UUID runs there', virsh('--live', b.uri()),
            r'UUID %s .*already running' % uuid)
    b.virsh('destroy', 'stayer-uuid')
    b.virsh('undefine', 'stayer-uuid')

    # 32-bit to a host without 32-bit PV; live from a host without log-dirty.
    g32 = Guest(tap, a, 'pae-stayer', kind='x86_32p', arch='i686')
    if g32.ok:
        refused(tap, g32, a, c, '32-bit guest to a host without 32-bit PV',
                a.virsh('migrate', '--live', g32.name, c.uri(), timeout=60),
                r'32-bit PAE PV kernel .*lacks xen-3.0-x86_32p')
        g32.remove()
    gc = Guest(tap, c, 'on-c')
    if gc.ok:
        refused(tap, gc, c, a, '--live from a host without log-dirty',
                c.virsh('migrate', '--live', gc.name, a.uri(), timeout=60),
                r'log-dirty.*migrate it without --live')
        gc.moved(c.virsh('migrate', gc.name, a.uri(), timeout=120), a,
                 'the same guest migrated without --live')
        a.virsh('destroy', gc.name)
        c.virsh('undefine', gc.name)

    # Storage the destination cannot see.
    kernel = os.path.join(xenpvhosts.PRIVATE_DIR, 'a-only.elf')
    a.copy_in(xenpvlab.TEST_KERNELS['x86_64'], kernel)
    gp = Guest(tap, a, 'private', kernel=kernel)
    if gp.ok:
        refused(tap, gp, a, b, 'a kernel on storage only the source sees',
                a.virsh('migrate', '--live', gp.name, b.uri(), timeout=60),
                r"cannot see '%s'.*storage both hosts share" % kernel)
        gp.remove()

    # TLS where the destination lacks libvirt's certificates.
    os.rename(c.path(xenpvhosts.CA_CERT), c.path(xenpvhosts.CA_CERT + '.away'))
    refused(tap, g, a, c, '--tls to a host without certificates', virsh('--live', '--tls',
                                                                        c.uri()),
            r'TLS certificates.*cacert\.pem')
    os.rename(c.path(xenpvhosts.CA_CERT + '.away'), c.path(xenpvhosts.CA_CERT))

    # migration_allow on the destination names other hosts only.
    b.write_xenpv_conf(migrationlab.XENPV_CONF + 'migration_allow = [ "%s" ]\n' % c.name)
    b.restart_libvirtd()
    refused(tap, g, a, b, 'a source migration_allow does not name', virsh('--live', b.uri()),
            r'migration_allow')
    b.write_xenpv_conf(migrationlab.XENPV_CONF)
    b.restart_libvirtd()
    g.remove()


def big_guest_refusal(tap, a, c):
    """A 768 MiB guest from a to c (1 GiB, half of it dom0's): refused."""
    big = Guest(tap, a, 'big', memory_mib=768)
    if big.ok:
        refused(tap, big, a, c, 'a 768 MiB guest to a 1 GiB host',
                a.virsh('migrate', '--live', big.name, c.uri(), timeout=60),
                r'not enough free memory')
        big.remove()


# virDrvFeature numbers (libvirt_internal.h).
FEATURES = {'MIGRATION_V2': (3, 0), 'MIGRATION_P2P': (4, 1), 'MIGRATION_DIRECT': (5, 0),
            'MIGRATION_V3': (6, 1), 'MIGRATE_CHANGE_PROTECTION': (7, 1),
            'MIGRATION_OFFLINE': (12, 1), 'MIGRATION_PARAMS': (13, 1)}


def capabilities(tap, lab):
    a, b, c = lab.hosts
    for h, live in ((a, True), (c, False)):
        caps = h.virsh('capabilities').out
        tap.ok(('<live/>' in caps) == live and '<uri_transport>tcp</uri_transport>' in caps,
               '%s: capabilities %s live migration' % (h.name, 'offer' if live else 'do not offer'),
               caps[:400])
    conn = a.conn()
    got = {name: xenpvlab.supports_feature(conn, num) for name, (num, _) in FEATURES.items()}
    tap.eq(got, {name: want for name, (_, want) in FEATURES.items()},
           'the migration features the driver answers')


def body(tap, lab):
    capabilities(tap, lab)
    modes(tap, lab)
    refusals(tap, lab)


if __name__ == '__main__':
    migrationlab.main(body)
