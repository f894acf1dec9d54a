/*
 * test_simhost_guests.c: guests on a private simulated host, driven through
 * the "sim" back end: build, info, pause, shutdown answered and ignored,
 * balloon, vCPUs, store layout, console, events, resume, and the refusals
 * (ENOMEM, non-PV kernels, 32-bit without pv32, log-dirty without it).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "simtest.h"

static SimTestHost *host;
static char *kernel64;
static char *kernel32;

#define OPS (host->hyp.ops)
#define HYP (&host->hyp)

static xenpvDomainInfo
info(uint32_t domid)
{
    xenpvDomainInfo i = { 0 };

    g_assert_cmpint(OPS->getDomainInfo(HYP, domid, &i), ==, 1);
    return i;
}


/* A node below the domain's directory. */
static char *
storeGet(uint32_t domid, const char *rel)
{
    g_autofree char *path = g_strdup_printf("/local/domain/%u/%s", domid, rel);
    char *value = NULL;

    g_assert_cmpint(OPS->storeRead(HYP, path, &value), ==, 0);
    return value;
}


static void
test_host_info(void)
{
    xenpvHostInfo hi;
    xenpvDomainInfo *list = NULL;
    size_t n = 0;

    g_assert_cmpint(OPS->getHostInfo(HYP, &hi), ==, 0);
    g_assert_cmpuint(hi.nrCpus, ==, 2);
    g_assert_cmpuint(hi.totalPages, ==, 2048ULL * 256);
    g_assert_cmpuint(hi.freePages, <=, hi.totalPages - 256ULL * 256);
    g_assert_true(hi.pv32);
    g_assert_true(hi.logDirty);
    g_assert_nonnull(strstr(hi.xenCaps, "xen-3.0-x86_64"));
    g_assert_nonnull(strstr(hi.xenCaps, "xen-3.0-x86_32p"));
    g_assert_cmpuint(hi.xenMajor, ==, 4);

    g_assert_cmpint(OPS->listDomains(HYP, &list, &n), ==, 0);
    g_assert_cmpuint(n, >=, 1);
    g_assert_cmpuint(list[0].domid, ==, 0);
    g_free(list);
}


static void
test_create_64_and_32(void)
{
    xenpvBuildSpec spec;
    xenpvDomainInfo i;
    uint32_t d64, d32;
    g_autofree char *name = NULL;
    g_autofree char *vm = NULL;
    g_autofree char *tty = NULL;

    simTestSpec(&spec, "guest64", kernel64, 64, "console=hvc0 sim.workload=idle");
    spec.maxVcpus = 4;
    spec.vcpus = 2;
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d64), ==, 0);
    xenpvBuildSpecClear(&spec);
    i = info(d64);
    g_assert_true(i.paused);
    g_assert_false(i.shutdown);
    g_assert_cmpint(i.abi, ==, XENPV_GUEST_ABI_X86_64);
    g_assert_cmpuint(i.nrPages, ==, 64 * 256);
    g_assert_cmpuint(i.maxPages, ==, 64 * 256);
    g_assert_cmpuint(i.nrOnlineVcpus, ==, 2);
    g_assert_cmpuint(i.maxVcpuId, ==, 3);

    simTestSpec(&spec, "guest32", kernel32, 32, NULL);
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d32), ==, 0);
    xenpvBuildSpecClear(&spec);
    g_assert_cmpuint(d32, >, d64);
    g_assert_cmpint(info(d32).abi, ==, XENPV_GUEST_ABI_X86_32P);

    name = storeGet(d64, "name");
    g_assert_cmpstr(name, ==, "guest64");
    vm = storeGet(d64, "vm");
    g_assert_true(g_str_has_prefix(vm, "/vm/"));
    tty = storeGet(d64, "console/tty");
    g_assert_true(g_str_has_prefix(tty, "/dev/pts/"));

    /* Booting: the console shows the guest type and the command line. */
    g_assert_cmpint(OPS->domainUnpause(HYP, d32), ==, 0);
    i = info(d32);
    g_assert_false(i.paused);
    g_assert_true(i.blocked);   /* idle */
    {
        g_autofree char *log = g_build_filename(host->consoleDir, "guest-guest32.log", NULL);
        g_autofree char *text = NULL;

        g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
        g_assert_nonnull(strstr(text, "xen-3.0-x86_32p"));
        g_assert_nonnull(strstr(text, "Command line: console=hvc0"));
        g_assert_nonnull(strstr(text, "root@guest32:~# "));
    }

    g_assert_cmpint(OPS->domainDestroy(HYP, d64), ==, 0);
    g_assert_cmpint(OPS->domainDestroy(HYP, d32), ==, 0);
    g_assert_cmpint(OPS->getDomainInfo(HYP, d64, &i), ==, 0);
    {
        g_autofree char *gone = storeGet(d64, "name");

        g_assert_null(gone);
    }
    /* Destroying what is gone names the domain. */
    g_assert_cmpint(OPS->domainDestroy(HYP, d64), ==, -1);
    g_assert_cmpint(simTestLastErrorCode(), ==, VIR_ERR_NO_DOMAIN);
}


static void
test_pause_counts(void)
{
    xenpvBuildSpec spec;
    uint32_t d;

    simTestSpec(&spec, "pauser", kernel64, 16, "sim.workload=dirty sim.dirty_mbps=4");
    d = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    g_assert_true(info(d).running);
    g_assert_cmpint(OPS->domainPause(HYP, d), ==, 0);
    g_assert_cmpint(OPS->domainPause(HYP, d), ==, 0);
    g_assert_true(info(d).paused);
    g_assert_cmpint(OPS->domainUnpause(HYP, d), ==, 0);
    /* Xen counts pauses: one more unpause is needed. */
    g_assert_true(info(d).paused);
    g_assert_cmpint(OPS->domainUnpause(HYP, d), ==, 0);
    g_assert_false(info(d).paused);
    g_assert_cmpint(OPS->domainUnpause(HYP, d), ==, -1);
    g_assert_nonnull(strstr(simTestLastError(), "not paused"));
    g_assert_cmpint(OPS->domainDestroy(HYP, d), ==, 0);
}


static gboolean
cpuAccrued(gpointer opaque)
{
    uint32_t *d = opaque;

    return info(*d).cpuTimeNs > 20 * 1000 * 1000;
}


static void
test_cpu_time(void)
{
    xenpvBuildSpec spec;
    uint32_t busy, idle;

    simTestSpec(&spec, "busy", kernel64, 16, "sim.workload=dirty sim.dirty_mbps=50");
    busy = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    simTestSpec(&spec, "idle", kernel64, 16, NULL);
    idle = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);

    g_assert_true(simTestWaitFor(cpuAccrued, &busy, 10));
    /* The idle guest accrued far less in at least as much time. */
    g_assert_cmpuint(info(idle).cpuTimeNs * 10, <, info(busy).cpuTimeNs);
    OPS->domainDestroy(HYP, busy);
    OPS->domainDestroy(HYP, idle);
}


/* vCPU placement follows the affinity the build and later pins give. */
static void
test_vcpus_and_topology(void)
{
    xenpvBuildSpec spec;
    xenpvHostTopology topo = { 0 };
    g_autofree xenpvVcpuInfo *vcpus = NULL;
    unsigned char map[XENPV_CPUMAP_BYTES] = { 0 };
    g_autofree char *text = NULL;
    size_t n = 0;
    uint32_t domid;

    g_assert_cmpint(OPS->getHostTopology(HYP, &topo), ==, 0);
    g_assert_cmpuint(topo.nnodes, ==, 1);
    g_assert_cmpuint(topo.ncpus, ==, 2);
    g_assert_cmpuint(topo.nodeMemKiB[0], ==, 2048 * 1024);
    g_assert_cmpint(topo.cpuCore[1], ==, 1);
    xenpvHostTopologyClear(&topo);

    simTestSpec(&spec, "pinned", kernel64, 16, "sim.workload=dirty");
    spec.maxVcpus = 3;
    spec.vcpus = 2;
    spec.cpuset = g_strdup("1");
    spec.vcpuCpusets = g_new0(char *, 3);
    spec.vcpuCpusets[0] = g_strdup("0");
    domid = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);

    g_assert_cmpint(OPS->domainGetVcpus(HYP, domid, &vcpus, &n), ==, 0);
    g_assert_cmpuint(n, ==, 3);
    g_assert_true(vcpus[0].online && vcpus[1].online && !vcpus[2].online);
    g_assert_cmpint(vcpus[0].cpu, ==, 0);
    g_assert_cmpint(vcpus[1].cpu, ==, 1);
    g_assert_cmpint(vcpus[2].cpu, ==, -1);
    text = xenpvCpumapFormat(vcpus[1].affinity, sizeof(vcpus[1].affinity));
    g_assert_cmpstr(text, ==, "1");
    g_clear_pointer(&vcpus, g_free);

    map[0] = 0x1;
    g_assert_cmpint(OPS->domainSetVcpuAffinity(HYP, domid, 1, map, sizeof(map)), ==, 0);
    g_assert_cmpint(OPS->domainGetVcpus(HYP, domid, &vcpus, &n), ==, 0);
    g_assert_cmpint(vcpus[1].cpu, ==, 0);
    g_clear_pointer(&vcpus, g_free);

    /* A CPU the host does not have, and a vCPU the domain does not have. */
    map[0] = 0x20;
    g_assert_cmpint(OPS->domainSetVcpuAffinity(HYP, domid, 1, map, sizeof(map)), ==, -1);
    g_assert_nonnull(strstr(simTestLastError(), "names no CPU of this host"));
    map[0] = 0x1;
    g_assert_cmpint(OPS->domainSetVcpuAffinity(HYP, domid, 9, map, sizeof(map)), ==, -1);
    g_assert_nonnull(strstr(simTestLastError(), "has no vCPU 9"));

    /* A cpuset of the build naming no host CPU is refused. */
    simTestSpec(&spec, "badpin", kernel64, 16, NULL);
    spec.cpuset = g_strdup("4-5");
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &domid), ==, -1);
    g_assert_nonnull(strstr(simTestLastError(), "this host has CPUs 0-1"));
    xenpvBuildSpecClear(&spec);
    OPS->domainDestroy(HYP, domid);
}


typedef struct {
    uint32_t domid;
    int64_t wrBytes;
} IoWait;

static gboolean
diskWritten(gpointer opaque)
{
    IoWait *w = opaque;
    xenpvBlockStats st;

    return OPS->domainBlockStats(HYP, w->domid, "xvda", &st) == 0 && st.wrBytes > w->wrBytes;
}


/* Devices count the guest's I/O: a boot read, then its workload's rate
 * while it runs, nothing while it is paused; host CPUs count busy time. */
static void
test_io_counters(void)
{
    xenpvBuildSpec spec;
    xenpvBlockStats st;
    xenpvBlockStats again;
    xenpvNicStats net;
    g_autofree xenpvHostCpuTime *cpus = NULL;
    size_t ncpus = 0;
    IoWait w;

    simTestSpec(&spec, "io", kernel64, 16, "sim.disk_write_kbps=512 sim.net_tx_kbps=64");
    spec.ndisks = 1;
    spec.disks = g_new0(xenpvDiskSpec, 1);
    spec.disks[0].vdev = g_strdup("xvda");
    spec.disks[0].source = g_strdup("/dev/null");
    spec.nnics = 1;
    spec.nics = g_new0(xenpvNicSpec, 1);
    g_strlcpy(spec.nics[0].mac, "00:16:3e:00:00:99", sizeof(spec.nics[0].mac));
    w.domid = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);

    g_assert_cmpint(OPS->domainBlockStats(HYP, w.domid, "xvda", &st), ==, 0);
    g_assert_cmpint(st.rdBytes, >=, 1024 * 1024);
    g_assert_cmpint(st.rdReq, >=, 16);
    g_assert_cmpint(st.errs, ==, 0);
    w.wrBytes = st.wrBytes;
    g_assert_true(simTestWaitFor(diskWritten, &w, 5));

    g_assert_cmpint(OPS->domainNicStats(HYP, w.domid, "00:16:3E:00:00:99", &net), ==, 0);
    g_assert_cmpint(net.rxPackets, >=, 1);
    g_assert_cmpint(net.txBytes, >, 0);

    /* Paused: nothing moves. */
    g_assert_cmpint(OPS->domainPause(HYP, w.domid), ==, 0);
    g_assert_cmpint(OPS->domainBlockStats(HYP, w.domid, "xvda", &st), ==, 0);
    g_usleep(200 * 1000);
    g_assert_cmpint(OPS->domainBlockStats(HYP, w.domid, "xvda", &again), ==, 0);
    g_assert_cmpint(again.wrBytes, ==, st.wrBytes);

    g_assert_cmpint(OPS->domainBlockStats(HYP, w.domid, "xvdq", &st), ==, -1);
    g_assert_nonnull(strstr(simTestLastError(), "has no disk 'xvdq'"));
    g_assert_cmpint(OPS->domainNicStats(HYP, w.domid, "00:16:3e:00:00:01", &net), ==, -1);

    g_assert_cmpint(OPS->getHostCpuTimes(HYP, &cpus, &ncpus), ==, 0);
    g_assert_cmpuint(ncpus, ==, 2);
    g_assert_cmpuint(cpus[0].busyNs + cpus[0].idleNs, >, 0);
    OPS->domainDestroy(HYP, w.domid);
}


/* A node of the domain's device @kind/@devid in dom0's backend directory. */
static char *
backendGet(uint32_t domid, const char *kind, const char *rel)
{
    g_autofree char *path = g_strdup_printf("/local/domain/0/backend/%s/%u/%s", kind, domid, rel);
    char *value = NULL;

    g_assert_cmpint(OPS->storeRead(HYP, path, &value), ==, 0);
    return value;
}


static gboolean
frontendConnected(gpointer opaque)
{
    uint32_t domid = *(uint32_t *)opaque;
    g_autofree char *state = storeGet(domid, "device/vbd/51728/state");

    return g_strcmp0(state, "4") == 0;
}


/* Hotplug through the store: dom0's backend takes a device at once, the
 * guest's frontend only while it runs; a detach is answered by a running
 * guest and forced for a paused one. */
static void
test_hotplug_handshake(void)
{
    xenpvBuildSpec spec;
    xenpvDiskSpec disk = { .vdev = (char *)"xvdb", .source = (char *)"/dev/null" };
    xenpvNicSpec nic = { .mac = "00:16:3e:00:00:51", .bridge = (char *)"xenbr0" };
    g_autofree char *beState = NULL;
    g_autofree char *feState = NULL;
    g_autofree char *gone = NULL;
    g_autofree char *bridge = NULL;
    uint32_t domid;
    int devid = -1;

    simTestSpec(&spec, "plug", kernel64, 16, NULL);
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &domid), ==, 0);
    xenpvBuildSpecClear(&spec);

    /* Not booted yet: the backend is ready, the frontend waits. */
    g_assert_cmpint(OPS->domainAttachDisk(HYP, domid, &disk), ==, 0);
    beState = backendGet(domid, "vbd", "51728/state");
    g_assert_cmpstr(beState, ==, "2");
    feState = storeGet(domid, "device/vbd/51728/state");
    g_assert_cmpstr(feState, ==, "1");
    g_assert_cmpint(OPS->domainAttachDisk(HYP, domid, &disk), ==, -1);
    g_assert_nonnull(strstr(simTestLastError(), "already has a disk xvdb"));

    g_assert_cmpint(OPS->domainUnpause(HYP, domid), ==, 0);
    g_assert_true(simTestWaitFor(frontendConnected, &domid, 5));
    g_assert_cmpint(OPS->domainDetachDisk(HYP, domid, "xvdb", 2000), ==, 0);
    gone = storeGet(domid, "device/vbd/51728/state");
    g_assert_null(gone);
    g_assert_cmpint(OPS->domainDetachDisk(HYP, domid, "xvdb", 100), ==, -1);
    g_assert_cmpint(simTestLastErrorCode(), ==, VIR_ERR_INVALID_ARG);

    /* Interfaces take the first free number; a paused guest's is forced out. */
    g_assert_cmpint(OPS->domainAttachNic(HYP, domid, &nic, &devid), ==, 0);
    g_assert_cmpint(devid, ==, 0);
    g_assert_cmpint(OPS->domainNicSetBridge(HYP, domid, nic.mac, "xenbr7"), ==, 0);
    bridge = backendGet(domid, "vif", "0/bridge");
    g_assert_cmpstr(bridge, ==, "xenbr7");
    g_assert_cmpint(OPS->domainPause(HYP, domid), ==, 0);
    g_assert_cmpint(OPS->domainDetachNic(HYP, domid, nic.mac, 200), ==, 1);
    g_assert_cmpint(OPS->domainAttachNic(HYP, domid, &nic, &devid), ==, 0);
    g_assert_cmpint(devid, ==, 0);
    OPS->domainDestroy(HYP, domid);
}


static void
test_shutdown_answered_and_ignored(void)
{
    xenpvBuildSpec spec;
    uint32_t obeys, ignores, reboots;
    g_autofree char *node = NULL;
    g_autofree char *left = NULL;
    g_autofree char *cleared = NULL;

    simTestSpec(&spec, "obeys", kernel64, 16, NULL);
    obeys = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    simTestSpec(&spec, "ignores", kernel64, 16, "sim.shutdown=ignore");
    ignores = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    simTestSpec(&spec, "reboots", kernel64, 16, NULL);
    reboots = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);

    node = g_strdup_printf("/local/domain/%u/control/shutdown", ignores);
    g_assert_cmpint(OPS->storeWrite(HYP, node, "poweroff"), ==, 0);
    g_free(node);
    node = g_strdup_printf("/local/domain/%u/control/shutdown", reboots);
    g_assert_cmpint(OPS->storeWrite(HYP, node, "reboot"), ==, 0);
    g_free(node);
    node = g_strdup_printf("/local/domain/%u/control/shutdown", obeys);
    g_assert_cmpint(OPS->storeWrite(HYP, node, "poweroff"), ==, 0);

    g_assert_true(simTestWaitShutdown(host, obeys, XENPV_SHUTDOWN_POWEROFF, 10));
    g_assert_true(simTestWaitShutdown(host, reboots, XENPV_SHUTDOWN_REBOOT, 10));
    cleared = storeGet(obeys, "control/shutdown");
    g_assert_cmpstr(cleared, ==, "");
    /* The ignoring guest had its request before the others acted on theirs. */
    g_assert_false(info(ignores).shutdown);
    left = storeGet(ignores, "control/shutdown");
    g_assert_cmpstr(left, ==, "poweroff");

    OPS->domainDestroy(HYP, obeys);
    OPS->domainDestroy(HYP, ignores);
    OPS->domainDestroy(HYP, reboots);
}


typedef struct {
    uint32_t domid;
    uint64_t pages;
} PagesWait;

static gboolean
pagesReached(gpointer opaque)
{
    PagesWait *w = opaque;

    return info(w->domid).nrPages == w->pages;
}


static gboolean
vcpusReached(gpointer opaque)
{
    PagesWait *w = opaque;

    return info(w->domid).nrOnlineVcpus == w->pages;
}


static void
test_balloon_and_vcpus(void)
{
    xenpvBuildSpec spec;
    xenpvHostInfo before, after;
    PagesWait w;
    g_autofree char *target = NULL;
    g_autofree char *node = NULL;

    simTestSpec(&spec, "balloon", kernel64, 64, "sim.workload=selfcheck");
    spec.maxVcpus = 4;
    spec.vcpus = 4;
    w.domid = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    node = g_strdup_printf("/local/domain/%u/data/selfcheck", w.domid);
    g_free(simTestWaitStore(host, node, "OK", 10));

    g_assert_cmpint(OPS->getHostInfo(HYP, &before), ==, 0);
    target = g_strdup_printf("/local/domain/%u/memory/target", w.domid);
    g_assert_cmpint(OPS->storeWrite(HYP, target, "32768"), ==, 0);
    w.pages = 32 * 256;
    g_assert_true(simTestWaitFor(pagesReached, &w, 10));
    g_assert_cmpint(OPS->getHostInfo(HYP, &after), ==, 0);
    g_assert_cmpuint(after.freePages, ==, before.freePages + 32 * 256);

    /* Beyond the maximum, the balloon stops at the maximum. */
    g_assert_cmpint(OPS->storeWrite(HYP, target, "1048576"), ==, 0);
    w.pages = 64 * 256;
    g_assert_true(simTestWaitFor(pagesReached, &w, 10));

    {
        g_autofree char *cpu = g_strdup_printf("/local/domain/%u/cpu/3/availability", w.domid);

        g_assert_cmpint(OPS->storeWrite(HYP, cpu, "offline"), ==, 0);
        w.pages = 3;
        g_assert_true(simTestWaitFor(vcpusReached, &w, 10));
    }
    OPS->domainDestroy(HYP, w.domid);
}


static void
test_devices_in_store(void)
{
    xenpvBuildSpec spec;
    uint32_t d;
    g_autofree char *be = NULL;
    g_autofree char *params = NULL;
    g_autofree char *mac = NULL;
    g_autofree char *state = NULL;
    g_autofree char *bepath = NULL;

    simTestSpec(&spec, "devices", kernel64, 16, NULL);
    spec.ndisks = 1;
    spec.disks = g_new0(xenpvDiskSpec, 1);
    spec.disks[0].source = g_strdup("/var/lib/xenpv/images/disk.img");
    spec.disks[0].vdev = g_strdup("xvda");
    spec.disks[0].backendType = g_strdup("qdisk");
    spec.nnics = 1;
    spec.nics = g_new0(xenpvNicSpec, 1);
    g_strlcpy(spec.nics[0].mac, "00:16:3e:00:00:11", sizeof(spec.nics[0].mac));
    spec.nics[0].bridge = g_strdup("xenbr0");
    spec.vfb = true;
    spec.vfbType = g_strdup("vnc");
    /* On loopback, a port the kernel picks: nothing else is disturbed. */
    spec.vncListen = g_strdup("127.0.0.1");
    spec.vncPort = 0;
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d), ==, 0);
    xenpvBuildSpecClear(&spec);

    /* xvda is Xen's virtual device 51712 (202 << 8). */
    be = storeGet(d, "device/vbd/51712/backend");
    g_assert_nonnull(be);
    bepath = g_strdup_printf("%s/params", be);
    g_assert_cmpint(OPS->storeRead(HYP, bepath, &params), ==, 0);
    /* QEMU's qdisk takes FORMAT:PATH, as libxl writes it ("aio": raw). */
    g_assert_cmpstr(params, ==, "aio:/var/lib/xenpv/images/disk.img");
    mac = storeGet(d, "device/vif/0/mac");
    g_assert_cmpstr(mac, ==, "00:16:3e:00:00:11");
    state = storeGet(d, "device/vfb/0/state");
    g_assert_cmpstr(state, ==, "1");
    g_free(state);

    /* Booting connects the frontends. */
    g_assert_cmpint(OPS->domainUnpause(HYP, d), ==, 0);
    state = storeGet(d, "device/vbd/51712/state");
    g_assert_cmpstr(state, ==, "4");

    g_assert_cmpint(OPS->domainDestroy(HYP, d), ==, 0);
    g_free(params);
    params = NULL;
    g_assert_cmpint(OPS->storeRead(HYP, bepath, &params), ==, 0);
    g_assert_null(params);
}


static gboolean
eventPending(gpointer opaque)
{
    struct pollfd pfd = { .fd = OPS->eventFd(HYP), .events = POLLIN };

    return poll(&pfd, 1, 0) == 1;
}


static void
test_events(void)
{
    xenpvBuildSpec spec;
    uint32_t d;

    g_assert_cmpint(OPS->eventAck(HYP), ==, 0);
    g_assert_false(eventPending(NULL));
    simTestSpec(&spec, "events", kernel64, 16, NULL);
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d), ==, 0);
    xenpvBuildSpecClear(&spec);
    g_assert_true(simTestWaitFor(eventPending, NULL, 5));
    g_assert_cmpint(OPS->eventAck(HYP), ==, 0);
    g_assert_false(eventPending(NULL));
    g_assert_cmpint(OPS->domainDestroy(HYP, d), ==, 0);
    g_assert_true(simTestWaitFor(eventPending, NULL, 5));
    g_assert_cmpint(OPS->eventAck(HYP), ==, 0);
}


static void
test_suspend_resume(void)
{
    xenpvBuildSpec spec;
    SimTestSuspend s = { .host = host };
    g_autofree char *node = NULL;
    g_autofree char *verdict = NULL;

    simTestSpec(&spec, "resumer", kernel64, 32, "sim.workload=selfcheck sim.selfcheck_mbps=8");
    s.domid = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    node = g_strdup_printf("/local/domain/%u/data/selfcheck", s.domid);
    g_free(simTestWaitStore(host, node, "OK", 10));

    /* Resuming a running guest is refused. */
    g_assert_cmpint(OPS->domainResume(HYP, s.domid), ==, -1);
    g_assert_cmpint(simTestSuspend(&s), ==, 0);
    g_assert_cmpint(OPS->domainResume(HYP, s.domid), ==, 0);
    g_assert_false(info(s.domid).shutdown);
    verdict = simTestWaitStore(host, node, "OK verified=", 10);
    g_assert_nonnull(verdict);
    g_assert_nonnull(strstr(verdict, "resumes=1"));
    g_assert_nonnull(strstr(verdict, "after=resume"));
    OPS->domainDestroy(HYP, s.domid);
}


static void
test_selfcheck_detects_corruption(void)
{
    xenpvBuildSpec spec;
    SimTestSuspend s = { .host = host };
    g_autofree char *node = NULL;
    g_autofree char *verdict = NULL;
    uint8_t *page;
    /* 32 MiB: 8192 pages, 8 table pages after the kernel page. */
    const uint64_t victim = 4000;

    simTestSpec(&spec, "victim", kernel64, 32, "sim.workload=selfcheck sim.selfcheck_mbps=0");
    s.domid = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    node = g_strdup_printf("/local/domain/%u/data/selfcheck", s.domid);
    g_free(simTestWaitStore(host, node, "OK", 10));
    g_assert_cmpint(simTestSuspend(&s), ==, 0);

    page = OPS->mapForeign(HYP, s.domid, PROT_READ | PROT_WRITE, victim, 1);
    g_assert_nonnull(page);
    page[2000] ^= 0x40;
    OPS->unmapForeign(HYP, page, 1);

    g_assert_cmpint(OPS->domainResume(HYP, s.domid), ==, 0);
    verdict = simTestWaitStore(host, node, "FAIL", 10);
    g_assert_nonnull(verdict);
    g_assert_nonnull(strstr(verdict, "page=4000"));
    g_assert_nonnull(strstr(verdict, "corrupt content"));
    OPS->domainDestroy(HYP, s.domid);
}


static void
test_map_foreign_bounds(void)
{
    xenpvBuildSpec spec;
    uint32_t d;
    void *p;

    simTestSpec(&spec, "mapper", kernel64, 8, NULL);
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d), ==, 0);
    xenpvBuildSpecClear(&spec);
    p = OPS->mapForeign(HYP, d, PROT_READ, 2047, 2);
    g_assert_null(p);
    g_assert_cmpint(simTestLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    p = OPS->mapForeign(HYP, d, PROT_READ, 2047, 1);
    g_assert_nonnull(p);
    OPS->unmapForeign(HYP, p, 1);
    OPS->domainDestroy(HYP, d);
}


static void
test_enomem(void)
{
    xenpvBuildSpec spec;
    xenpvHostInfo hi;
    uint32_t d;

    g_assert_cmpint(OPS->getHostInfo(HYP, &hi), ==, 0);
    simTestSpec(&spec, "huge", kernel64, 4096, NULL);
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d), ==, -1);
    xenpvBuildSpecClear(&spec);
    g_assert_nonnull(strstr(simTestLastError(), "4194304 KiB"));
    g_assert_nonnull(strstr(simTestLastError(), "free"));
    g_test_message("ENOMEM: %s", simTestLastError());
}


static void
test_non_pv_kernel(void)
{
    xenpvBuildSpec spec;
    g_autofree char *plain = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_64, FALSE);
    uint32_t d;

    simTestSpec(&spec, "notpv", plain, 16, NULL);
    g_assert_cmpint(OPS->domainCreate(HYP, &spec, &d), ==, -1);
    xenpvBuildSpecClear(&spec);
    g_assert_nonnull(strstr(simTestLastError(), "no loader found"));
    g_test_message("non-PV: %s", simTestLastError());
}


static void
test_store_ops(void)
{
    char *value = NULL;

    g_assert_cmpint(OPS->storeWrite(HYP, "/local/domain/0/data/x", "a b=c%d"), ==, 0);
    g_assert_cmpint(OPS->storeRead(HYP, "/local/domain/0/data/x", &value), ==, 0);
    g_assert_cmpstr(value, ==, "a b=c%d");
    g_free(value);
    g_assert_cmpint(OPS->storeWrite(HYP, "/local/domain/0/data/empty", ""), ==, 0);
    g_assert_cmpint(OPS->storeRead(HYP, "/local/domain/0/data/empty", &value), ==, 0);
    g_assert_cmpstr(value, ==, "");
    g_free(value);
    g_assert_cmpint(OPS->storeRemove(HYP, "/local/domain/0/data"), ==, 0);
    g_assert_cmpint(OPS->storeRead(HYP, "/local/domain/0/data/x", &value), ==, 0);
    g_assert_null(value);
    g_assert_cmpint(OPS->storeRemove(HYP, "/local/domain/0/data"), ==, 0);
    g_assert_cmpint(OPS->storeWrite(HYP, "relative/path", "x"), ==, -1);
}


typedef struct {
    uint32_t domid;
    unsigned int index;
    unsigned int failures;
} ThreadJob;

static gpointer
hammer(gpointer opaque)
{
    ThreadJob *job = opaque;
    g_autofree char *path = g_strdup_printf("/local/domain/%u/data/t%u", job->domid, job->index);
    unsigned int i;

    for (i = 0; i < 200; i++) {
        g_autofree char *want = g_strdup_printf("%u-%u", job->index, i);
        g_autofree char *got = NULL;
        xenpvDomainInfo di;

        if (OPS->storeWrite(HYP, path, want) < 0 ||
            OPS->storeRead(HYP, path, &got) < 0 || g_strcmp0(got, want) != 0 ||
            OPS->getDomainInfo(HYP, job->domid, &di) != 1)
            job->failures++;
    }
    return NULL;
}


/* The driver calls from many threads at once on one back end. */
static void
test_threads(void)
{
    xenpvBuildSpec spec;
    ThreadJob jobs[8];
    GThread *threads[8];
    uint32_t d;
    size_t i;

    simTestSpec(&spec, "threads", kernel64, 16, NULL);
    d = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    for (i = 0; i < G_N_ELEMENTS(jobs); i++) {
        jobs[i] = (ThreadJob){ .domid = d, .index = i };
        threads[i] = g_thread_new("hammer", hammer, &jobs[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(jobs); i++) {
        g_thread_join(threads[i]);
        g_assert_cmpuint(jobs[i].failures, ==, 0);
    }
    OPS->domainDestroy(HYP, d);
}


static void
test_knobs_refuse(void)
{
    SimTestHost *stock = simTestHostStart("--no-pv32", "--no-log-dirty", "--memory", "1024",
                                          NULL);
    const xenpvHypervisorOps *ops = stock->hyp.ops;
    xenpvHostInfo hi;
    xenpvBuildSpec spec;
    uint32_t d;
    g_autofree char *k32 = simTestKernel(stock->dir, XENPV_GUEST_ABI_X86_32P, TRUE);

    g_assert_cmpint(ops->getHostInfo(&stock->hyp, &hi), ==, 0);
    g_assert_false(hi.pv32);
    g_assert_false(hi.logDirty);
    g_assert_null(strstr(hi.xenCaps, "x86_32p"));

    simTestSpec(&spec, "old32", k32, 16, NULL);
    g_assert_cmpint(ops->domainCreate(&stock->hyp, &spec, &d), ==, -1);
    xenpvBuildSpecClear(&spec);
    g_assert_nonnull(strstr(simTestLastError(),
                            "xc_dom_compat_check: guest type xen-3.0-x86_32p not "
                            "supported by xen kernel"));

    simTestSpec(&spec, "new64", kernel64, 16, NULL);
    d = simTestStartGuest(stock, &spec);
    xenpvBuildSpecClear(&spec);
    g_assert_cmpint(ops->logDirtyEnable(&stock->hyp, d, true), ==, -1);
    g_assert_cmpint(simTestLastErrorCode(), ==, VIR_ERR_OPERATION_UNSUPPORTED);
    g_assert_nonnull(strstr(simTestLastError(), "Failed to enable logdirty: 95"));
    simTestHostStop(stock);
}


int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    virInitialize();
    host = simTestHostStart("--memory", "2048", "--dom0-memory", "256", "--cpus", "2", NULL);
    kernel64 = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_64, TRUE);
    kernel32 = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_32P, TRUE);

    g_test_add_func("/simhost/host-info", test_host_info);
    g_test_add_func("/simhost/create-64-and-32", test_create_64_and_32);
    g_test_add_func("/simhost/pause-counts", test_pause_counts);
    g_test_add_func("/simhost/cpu-time", test_cpu_time);
    g_test_add_func("/simhost/vcpus-and-topology", test_vcpus_and_topology);
    g_test_add_func("/simhost/io-counters", test_io_counters);
    g_test_add_func("/simhost/hotplug-handshake", test_hotplug_handshake);
    g_test_add_func("/simhost/shutdown-answered-and-ignored", test_shutdown_answered_and_ignored);
    g_test_add_func("/simhost/balloon-and-vcpus", test_balloon_and_vcpus);
    g_test_add_func("/simhost/devices-in-store", test_devices_in_store);
    g_test_add_func("/simhost/events", test_events);
    g_test_add_func("/simhost/suspend-resume", test_suspend_resume);
    g_test_add_func("/simhost/selfcheck-detects-corruption", test_selfcheck_detects_corruption);
    g_test_add_func("/simhost/map-foreign-bounds", test_map_foreign_bounds);
    g_test_add_func("/simhost/enomem", test_enomem);
    g_test_add_func("/simhost/non-pv-kernel", test_non_pv_kernel);
    g_test_add_func("/simhost/store", test_store_ops);
    g_test_add_func("/simhost/threads", test_threads);
    g_test_add_func("/simhost/stock-debian-knobs", test_knobs_refuse);
    ret = g_test_run();

    simTestHostStop(host);
    g_free(kernel64);
    g_free(kernel32);
    return ret;
}
