#!/usr/bin/python3
"""
OpenStack nova's live migration, as current nova drives it through the
python binding (nova/virt/libvirt/driver.py, guest.py, migration.py): a
thread calls migrateToURI3 with flags LIVE | PEER2PEER | UNDEFINE_SOURCE |
PERSIST_DEST and parameters bandwidth (0: the domain's own speed),
destination_xml, persistent_xml (the same XML) and migrate_uri; meanwhile
nova's monitor polls jobStats() every half second, works the progress out
of memory_remaining and memory_total, steps the downtime up with
migrateSetMaxDowntime (nova's downtime_steps: base downtime/steps, up to
live_migration_downtime over `steps` steps, `delay` seconds per GiB apart)
and calls abortJob() once the migration has run longer than its
completion timeout.  A migration that completes leaves the guest on the
destination, persistent and intact; one nova aborts leaves it running on
the source, intact, and nothing on the destination.

nova 22, the last with virt_type=xen, called migrateToURI3 without
PEER2PEER, to xenmigr://HOST/system: libvirt's client library refuses that
before any migration entry point of any driver is called (it asks the
source's driver for direct migration, which no driver of today offers).

The guest is slowed by its own migrate-setspeed (nova passes bandwidth 0,
which leaves that in force) so that the monitor sees it run; nova's time
constants are scaled down to the lab's guests.  As nova, the monitor and
the migrating thread share one connection, with libvirt's default event
loop: libvirt 9.0's client library then sometimes holds a call made while
another thread waits for a long one until the connection's next keep-alive
(5 s), which the assertions allow for.
"""
import json

import migrationlab
import xenpvlab
from migrationlab import Guest

# nova's monitor, reduced to what it does with libvirt: run inside a host
# with the JSON of its settings.
PY_NOVA = r'''
import json, sys, threading, time
import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
cfg = json.loads(sys.argv[1])
# As nova's Host: libvirt's default event loop, run by a native thread.
libvirt.virEventRegisterDefaultImpl()
def event_loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=event_loop, daemon=True).start()
conn = libvirt.open('xen:///system')
dom = conn.lookupByName(cfg['name'])
dest_xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)
flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER |
         libvirt.VIR_MIGRATE_UNDEFINE_SOURCE | libvirt.VIR_MIGRATE_PERSIST_DEST)
params = {'destination_xml': dest_xml, 'persistent_xml': dest_xml,
          'bandwidth': 0, 'migrate_uri': cfg['migrate_uri']}
result = {}

def migrate():
    try:
        dom.migrateToURI3(cfg['dest'], params=params, flags=flags)
        result['ok'] = True
    except libvirt.libvirtError as e:
        result['ok'] = False
        result['error'] = e.get_error_message()

def downtime_steps(data_gb):
    downtime = cfg['downtime']
    steps = cfg['steps']
    delay = int(cfg['delay'] * data_gb)
    base = downtime / steps
    offset = (downtime - base) / steps
    for i in range(steps + 1):
        yield (int(delay * i), int(base + offset * i))

def job_stats():
    try:
        stats = dom.jobStats()
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return {'type': dom.jobInfo()[0]}
        if e.get_error_code() in (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_OPERATION_INVALID):
            return {'type': libvirt.VIR_DOMAIN_JOB_COMPLETED}
        raise
    return stats

data_gb = max(cfg['memory_gb'], 2)
completion_timeout = cfg['completion_timeout'] * data_gb
steps = list(downtime_steps(data_gb))
thread = threading.Thread(target=migrate)
start = time.monotonic()
thread.start()
seen = {'progress': [], 'downtimes': [], 'aborted': False, 'types': set()}
while True:
    stats = job_stats()
    jtype = stats.get('type', libvirt.VIR_DOMAIN_JOB_NONE)
    seen['types'].add(jtype)
    elapsed = time.monotonic() - start
    if jtype == libvirt.VIR_DOMAIN_JOB_NONE:
        if not thread.is_alive():
            break
    elif jtype == libvirt.VIR_DOMAIN_JOB_UNBOUNDED:
        if stats.get('memory_total'):
            seen['progress'].append(100 - stats['memory_remaining'] * 100 // stats['memory_total'])
        # As nova: a downtime step that fails is logged, and the loop goes on.
        if steps and elapsed > steps[0][0]:
            delay, downtime = steps.pop(0)
            try:
                dom.migrateSetMaxDowntime(downtime, 0)
                got = dom.migrateGetMaxDowntime(0)
                # The binding gives None for a failed read-back: one that finds
                # the domain gone, the migration having ended in between, is
                # no answer to compare.
                if got is None and libvirt.virGetLastErrorCode() == libvirt.VIR_ERR_NO_DOMAIN:
                    seen['gone_at'] = downtime
                else:
                    seen['downtimes'].append((downtime, got))
            except libvirt.libvirtError as e:
                seen.setdefault('warnings', []).append(e.get_error_message())
        if elapsed > completion_timeout and not seen['aborted']:
            dom.abortJob()
            seen['aborted'] = True
    else:
        break
    time.sleep(0.5)
thread.join()
seen['types'] = sorted(seen['types'])
seen.update(result)
print(json.dumps(seen))
'''


# nova 22's call for virt_type=xen.
PY_OLD_NOVA = r'''
import sys
import libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
dom = libvirt.open('xen:///system').lookupByName(sys.argv[1])
xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)
try:
    dom.migrateToURI3('xenmigr://%s/system' % sys.argv[2],
                      {'destination_xml': xml, 'persistent_xml': xml, 'bandwidth': 0},
                      libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE |
                      libvirt.VIR_MIGRATE_PERSIST_DEST)
    print('migrated')
except libvirt.libvirtError as e:
    print('%d %s' % (e.get_error_code(), e.get_error_message()))
'''


def nova_migrate(tap, host, dest, name, speed, completion_timeout):
    """nova's migration of @name from @host to @dest, its guest held to
    @speed MiB/s by the domain's own setting; the monitor's observations."""
    tap.cmd_ok(host.virsh('migrate-setspeed', name, str(speed)),
               '%s: migrate-setspeed %d on %s' % (name, speed, host.name))
    cfg = {'name': name, 'dest': dest.uri(), 'migrate_uri': 'tcp://%s' % dest.name,
           'memory_gb': migrationlab.GUEST_MIB / 1024.0, 'downtime': 500, 'steps': 10,
           'delay': 0.25, 'completion_timeout': completion_timeout}
    res = host.python(PY_NOVA, json.dumps(cfg), timeout=180)
    try:
        return json.loads(res.out)
    except ValueError:
        return {'ok': None, 'error': str(res)}


def body(tap, lab):
    a, b = lab.hosts[:2]
    g = Guest(tap, a, 'instance-1')
    if not g.ok:
        return

    what = "nova 22's Xen call (no PEER2PEER, xenmigr://)"
    res = a.python(PY_OLD_NOVA, g.name, b.name)
    tap.ok(res.out.startswith('%d ' % xenpvlab.libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED) and
           'direct migration is not supported by the source host' in res.out,
           "%s: libvirt's client library refuses it: %s" % (what, res.out.strip()), str(res))
    g.stayed(a, b, what)

    what = "nova's live migration"
    seen = nova_migrate(tap, a, b, g.name, 6, 800)
    tap.ok(seen.get('ok'), '%s: migrateToURI3 succeeds' % what, repr(seen))
    progress = seen.get('progress', [])
    # A new pre-copy round has the pages dirtied meanwhile to send again:
    # the progress may fall back as it begins, and grows over the whole.
    tap.ok(len(set(progress)) >= 3 and all(0 <= p <= 100 for p in progress) and
           progress[-1] > progress[0],
           '%s: the monitor, polling jobStats() every 0.5 s, sees the progress grow (%s %%)'
           % (what, progress), repr(seen))
    steps = seen.get('downtimes', [])
    ended = ''
    if 'gone_at' in seen:
        ended = '; the migration had ended when %d was read back' % seen['gone_at']
    tap.ok(len(steps) >= 1 and all(set_ == got for set_, got in steps),
           '%s: its downtime steps take (%s ms%s)' % (what, [s for s, _ in steps], ended),
           repr(steps))
    g.only_on(b, [a], what)
    g.intact_on(b, what)
    tap.ok(g.name in b.list_names('--persistent'), '%s: persistent on %s' % (what, b.name))
    tap.ok(g.name not in a.list_names('--all'), '%s: undefined on %s' % (what, a.name))

    what = "nova's abort path"
    seen = nova_migrate(tap, b, a, g.name, 4, 1)
    tap.ok(seen.get('aborted') and seen.get('ok') is False and
           'canceled by client' in seen.get('error', ''),
           '%s: past its completion timeout the monitor calls abortJob(), and migrateToURI3 fails'
           % what, repr(seen))
    g.stayed(b, a, what)
    tap.ok(g.name in b.list_names('--persistent'), '%s: still defined on %s' % (what, b.name))
    b.virsh('destroy', g.name)
    b.virsh('undefine', g.name)


if __name__ == '__main__':
    migrationlab.main(body, hosts=2)
