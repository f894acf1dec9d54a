/*
 * simhost_requests.c: the protocol's verbs (docs/simhost.md), each checking
 * its arguments and turning the host's errors into "ERR" replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "simhost_server.h"
#include "simhost_workload.h"
#include "xenpv_simproto.h"

/* The console log a client can fetch: its tail, at most this much. */
#define SIM_CONSOLE_TAIL (1024 * 1024)

typedef gboolean (*SimHandler)(SimHost *host, xenpvSimMsg *msg, SimReply *reply,
                               GError **error);

static gboolean
argCount(xenpvSimMsg *msg, guint n, const char *usage, GError **error)
{
    if (msg->args->len != n) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "usage: %s", usage);
        return FALSE;
    }
    return TRUE;
}


static const char *
arg(xenpvSimMsg *msg, guint i)
{
    return g_ptr_array_index(msg->args, i);
}


static gboolean
argU64(xenpvSimMsg *msg, guint i, const char *what, guint64 *value, GError **error)
{
    if (!xenpvSimParseU64(arg(msg, i), value)) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "%s '%s' is not a number", what, arg(msg, i));
        return FALSE;
    }
    return TRUE;
}


/* The domain named by the first argument; dom0 is not a guest here. */
static SimDomain *
argDomain(SimHost *host, xenpvSimMsg *msg, GError **error)
{
    guint64 domid;

    if (msg->args->len < 1 || !xenpvSimParseU64(arg(msg, 0), &domid) || domid > G_MAXUINT32) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "%s needs a domain id", msg->head);
        return NULL;
    }
    if (domid == 0) {
        g_set_error(error, XENPV_SIM_ERROR, EPERM,
                    "%s does not apply to Domain-0", msg->head);
        return NULL;
    }
    return simDomainLookup(host, domid, error);
}


static gboolean
reqHello(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    xenpvSimLineAddU64(reply->line, "version", XENPV_SIM_PROTO_VERSION);
    xenpvSimLineAddNamed(reply->line, "name", "xenpv-simhost");
    return TRUE;
}


static gboolean
reqInfo(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    xenpvHostInfo info;

    simHostFillInfo(host, &info);
    xenpvSimLineAddU64(reply->line, "nr_cpus", info.nrCpus);
    xenpvSimLineAddU64(reply->line, "threads_per_core", info.threadsPerCore);
    xenpvSimLineAddU64(reply->line, "cores_per_socket", info.coresPerSocket);
    xenpvSimLineAddU64(reply->line, "nr_nodes", info.nrNodes);
    xenpvSimLineAddU64(reply->line, "cpu_khz", info.cpuKhz);
    xenpvSimLineAddU64(reply->line, "total_pages", info.totalPages);
    xenpvSimLineAddU64(reply->line, "free_pages", info.freePages);
    xenpvSimLineAddU64(reply->line, "xen_major", info.xenMajor);
    xenpvSimLineAddU64(reply->line, "xen_minor", info.xenMinor);
    xenpvSimLineAddNamed(reply->line, "xen_extra", info.xenExtra);
    xenpvSimLineAddNamed(reply->line, "xen_caps", info.xenCaps);
    xenpvSimLineAddU64(reply->line, "pv32", info.pv32);
    xenpvSimLineAddU64(reply->line, "log_dirty", info.logDirty);
    xenpvSimLineAddU64(reply->line, "hvm", info.hvm);
    xenpvSimLineAddU64(reply->line, "hap", info.hap);
    xenpvSimLineAddU64(reply->line, "shadow", info.shadow);
    xenpvSimLineAddU64(reply->line, "nr_domains", g_hash_table_size(host->domains) + 1);
    xenpvSimLineAddU64(reply->line, "vnc", host->font != NULL);
    if (!host->font)
        xenpvSimLineAddNamed(reply->line, "vnc_why", host->fontError ? host->fontError : "no font");
    return TRUE;
}


static void
addDom0Info(SimHost *host, GString *line)
{
    xenpvDomainInfo info = { 0 };

    info.domid = 0;
    info.running = true;
    info.nrPages = host->dom0Pages;
    info.maxPages = host->dom0Pages;
    /* The toolstack's own work: a few percent of one CPU. */
    info.cpuTimeNs = (guint64)(g_get_monotonic_time() - host->startUs) * 1000 / SIM_DOM0_LOAD_DIVISOR;
    info.nrOnlineVcpus = host->cfg.cpus;
    info.maxVcpuId = host->cfg.cpus - 1;
    info.abi = XENPV_GUEST_ABI_X86_64;
    xenpvSimLineAddDomainInfo(line, &info, "Domain-0");
}


static gint
compareDomid(gconstpointer a, gconstpointer b)
{
    guint32 x = (*(SimDomain *const *)a)->domid;
    guint32 y = (*(SimDomain *const *)b)->domid;

    return x < y ? -1 : x > y;
}


static gboolean
reqList(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    g_autoptr(GPtrArray) doms = g_ptr_array_new();
    GString *out = g_string_new(NULL);
    GHashTableIter iter;
    gpointer value;
    guint i;

    g_hash_table_iter_init(&iter, host->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(doms, value);
    g_ptr_array_sort(doms, compareDomid);

    g_string_append(out, "DOMAIN");
    addDom0Info(host, out);
    g_string_append_c(out, '\n');
    for (i = 0; i < doms->len; i++) {
        SimDomain *dom = g_ptr_array_index(doms, i);
        xenpvDomainInfo info;

        simDomainFillInfo(dom, &info);
        g_string_append(out, "DOMAIN");
        xenpvSimLineAddDomainInfo(out, &info, dom->name);
        g_string_append_c(out, '\n');
    }
    xenpvSimLineAddU64(reply->line, "count", doms->len + 1);
    reply->payload = g_string_free_to_bytes(out);
    return TRUE;
}


static gboolean
reqDomInfo(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    guint64 domid;
    SimDomain *dom;
    xenpvDomainInfo info;

    if (!argCount(msg, 1, "DOMINFO DOMID", error) ||
        !argU64(msg, 0, "domain id", &domid, error))
        return FALSE;
    if (domid == 0) {
        addDom0Info(host, reply->line);
        return TRUE;
    }
    if (domid > G_MAXUINT32) {
        g_set_error(error, XENPV_SIM_ERROR, ESRCH, "no domain with id %" G_GUINT64_FORMAT,
                    domid);
        return FALSE;
    }
    if (!(dom = simDomainLookup(host, domid, error)))
        return FALSE;
    simDomainFillInfo(dom, &info);
    xenpvSimLineAddDomainInfo(reply->line, &info, dom->name);
    xenpvSimLineAddNamed(reply->line, "workload", simWorkloadName(dom->workload));
    xenpvSimLineAddU64(reply->line, "pause_count", dom->pauseCount);
    xenpvSimLineAddU64(reply->line, "cpu_cap", dom->cpuCap);
    if (simConsoleTty(dom->console))
        xenpvSimLineAddNamed(reply->line, "tty", simConsoleTty(dom->console));
    if (dom->vnc)
        xenpvSimLineAddU64(reply->line, "vnc_port", simVncPort(dom->vnc));
    return TRUE;
}


/* CREATE's arguments (xenpvSimLineAddSpec's encoding) as a build spec. */
/* Value of "PREFIX<idx>.FIELD". */
static char *
msgDup(const xenpvSimMsg *msg, const char *prefix, size_t idx, const char *field)
{
    g_autofree char *key = g_strdup_printf("%s%zu.%s", prefix, idx, field);
    const char *v = xenpvSimMsgGet(msg, key);

    return v && *v ? g_strdup(v) : NULL;
}


static bool
msgFlag(const xenpvSimMsg *msg, const char *prefix, size_t idx, const char *field)
{
    g_autofree char *key = g_strdup_printf("%s%zu.%s", prefix, idx, field);

    return xenpvSimMsgGetU64Default(msg, key, 0) != 0;
}


/* Disk @i ("diskI.*"), as xenpvSimLineAddSpec encodes it. */
static gboolean
diskFromMsg(const xenpvSimMsg *msg, size_t i, xenpvDiskSpec *disk, GError **error)
{
    disk->source = msgDup(msg, "disk", i, "source");
    disk->vdev = msgDup(msg, "disk", i, "vdev");
    disk->backendType = msgDup(msg, "disk", i, "type");
    disk->format = msgDup(msg, "disk", i, "format");
    disk->readonly = msgFlag(msg, "disk", i, "ro");
    disk->shareable = msgFlag(msg, "disk", i, "share");
    if (!disk->vdev) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "disk %zu has no vdev", i);
        return FALSE;
    }
    return TRUE;
}


/* Interface @i ("nicI.*"). */
static void
nicFromMsg(const xenpvSimMsg *msg, size_t i, xenpvNicSpec *nic)
{
    g_autofree char *mac = msgDup(msg, "nic", i, "mac");

    if (mac)
        g_strlcpy(nic->mac, mac, sizeof(nic->mac));
    nic->bridge = msgDup(msg, "nic", i, "bridge");
    nic->script = msgDup(msg, "nic", i, "script");
    nic->ip = msgDup(msg, "nic", i, "ip");
    nic->vifname = msgDup(msg, "nic", i, "vifname");
    nic->model = msgDup(msg, "nic", i, "model");
}


static gboolean
specFromMsg(const xenpvSimMsg *msg, xenpvBuildSpec *spec, GError **error)
{
    guint64 v;
    const char *s;
    size_t i;

    memset(spec, 0, sizeof(*spec));
    if (!(s = xenpvSimMsgGet(msg, "name")) || !*s) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "the domain needs a name");
        goto error;
    }
    spec->name = g_strdup(s);
    if ((s = xenpvSimMsgGet(msg, "uuid")) && !xenpvSimUuidParse(s, spec->uuid)) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "malformed UUID '%s'", s);
        goto error;
    }
    if (!xenpvSimMsgGetU64(msg, "max_kib", &spec->maxMemKiB) || spec->maxMemKiB == 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "max_kib must be a positive number");
        goto error;
    }
    spec->targetMemKiB = xenpvSimMsgGetU64Default(msg, "target_kib", spec->maxMemKiB);
    if (!xenpvSimMsgGetU64(msg, "max_vcpus", &v) || v == 0 || v > 512) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "max_vcpus must be between 1 and 512");
        goto error;
    }
    spec->maxVcpus = v;
    spec->vcpus = xenpvSimMsgGetU64Default(msg, "vcpus", v);
    if (spec->vcpus == 0 || spec->vcpus > spec->maxVcpus) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "vcpus (%u) must be between 1 and max_vcpus (%u)",
                    spec->vcpus, spec->maxVcpus);
        goto error;
    }
    spec->cpuset = g_strdup(xenpvSimMsgGet(msg, "cpuset"));
    spec->vcpuCpusets = g_new0(char *, spec->maxVcpus);
    for (i = 0; i < spec->maxVcpus; i++)
        spec->vcpuCpusets[i] = msgDup(msg, "vcpu", i, "affinity");
    spec->kernel = g_strdup(xenpvSimMsgGet(msg, "kernel"));
    spec->ramdisk = g_strdup(xenpvSimMsgGet(msg, "ramdisk"));
    spec->cmdline = g_strdup(xenpvSimMsgGet(msg, "cmdline"));
    if ((s = xenpvSimMsgGet(msg, "abi"))) {
        spec->abi = xenpvGuestAbiFromCaps(s);
        if (spec->abi == XENPV_GUEST_ABI_UNKNOWN) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL, "unknown guest type '%s'", s);
            goto error;
        }
    }
    if ((s = xenpvSimMsgGet(msg, "container"))) {
        int container = xenpvContainerFromString(s);

        if (container < 0) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL, "unknown container '%s'", s);
            goto error;
        }
        spec->container = container;
    }
    spec->shim = g_strdup(xenpvSimMsgGet(msg, "shim"));
    spec->shimCmdline = g_strdup(xenpvSimMsgGet(msg, "shim_cmdline"));

    v = xenpvSimMsgGetU64Default(msg, "ndisks", 0);
    if (v > 256) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "too many disks");
        goto error;
    }
    spec->disks = g_new0(xenpvDiskSpec, v);
    for (i = 0; i < v; i++) {
        if (!diskFromMsg(msg, i, &spec->disks[spec->ndisks++], error))
            goto error;
    }
    v = xenpvSimMsgGetU64Default(msg, "nnics", 0);
    if (v > 256) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "too many network interfaces");
        goto error;
    }
    spec->nics = g_new0(xenpvNicSpec, v);
    for (i = 0; i < v; i++)
        nicFromMsg(msg, i, &spec->nics[spec->nnics++]);
    if ((s = xenpvSimMsgGet(msg, "vfb"))) {
        spec->vfb = true;
        spec->vfbType = g_strdup(s);
    }
    spec->vncListen = g_strdup(xenpvSimMsgGet(msg, "vnc_listen"));
    spec->vncPassword = g_strdup(xenpvSimMsgGet(msg, "vnc_passwd"));
    if ((v = xenpvSimMsgGetU64Default(msg, "vnc_port", 0)) > 65535) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "VNC port %" G_GUINT64_FORMAT " is out of range", v);
        goto error;
    }
    spec->vncPort = v;
    return TRUE;

 error:
    xenpvBuildSpecClear(spec);
    return FALSE;
}


static gboolean
reqCreate(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    xenpvBuildSpec spec;
    gboolean restore = xenpvSimMsgGetU64Default(msg, "restore", 0) != 0;
    guint64 pages = xenpvSimMsgGetU64Default(msg, "pages", 0);
    SimDomain *dom;

    if (!specFromMsg(msg, &spec, error))
        return FALSE;
    dom = simDomainCreate(host, &spec, restore, pages, error);
    xenpvBuildSpecClear(&spec);
    if (!dom)
        return FALSE;
    xenpvSimLineAddU64(reply->line, "domid", dom->domid);
    return TRUE;
}


static gboolean
reqPause(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);

    return dom && simDomainPause(dom, error) == 0;
}


static gboolean
reqUnpause(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);

    return dom && simDomainUnpause(dom, error) == 0;
}


static gboolean
reqResume(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);

    return dom && simDomainResume(dom, error) == 0;
}


static gboolean
reqDestroy(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);

    if (!dom)
        return FALSE;
    simDomainDestroy(dom);
    return TRUE;
}


static gboolean
reqCrash(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);

    if (!dom)
        return FALSE;
    if (!dom->shutdown) {
        simGuestPrintf(dom, "sysrq: Trigger a crash\nKernel panic - not syncing: sysrq "
                       "triggered crash\n");
        simDomainShutdown(dom, XENPV_SHUTDOWN_CRASH);
    }
    return TRUE;
}


static gboolean
reqSetMaxMem(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    guint64 kib;

    return dom && argCount(msg, 2, "SETMAXMEM DOMID KIB", error) &&
        argU64(msg, 1, "memory", &kib, error) && simDomainSetMaxMem(dom, kib, error) == 0;
}


static gboolean
reqSetMaxVcpus(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    guint64 n;

    return dom && argCount(msg, 2, "SETMAXVCPUS DOMID N", error) &&
        argU64(msg, 1, "vCPU count", &n, error) &&
        simDomainSetMaxVcpus(dom, MIN(n, G_MAXUINT), error) == 0;
}


/* CPUCAP DOMID [CAP]: set the domain's CPU cap if CAP is given; reply
 * with the one in force. */
static gboolean
reqCpuCap(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    guint64 cap;

    if (!dom)
        return FALSE;
    if (msg->args->len > 2) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "usage: CPUCAP DOMID [CAP]");
        return FALSE;
    }
    if (msg->args->len == 2 &&
        (!argU64(msg, 1, "CPU cap", &cap, error) ||
         simDomainSetCpuCap(dom, MIN(cap, G_MAXUINT), error) < 0))
        return FALSE;
    xenpvSimLineAddU64(reply->line, "cap", dom->cpuCap);
    return TRUE;
}


/* One NUMA node holding every CPU, one socket, one thread a core. */
static gboolean
reqTopology(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    guint cpu;

    xenpvSimLineAddU64(reply->line, "nodes", 1);
    xenpvSimLineAddU64(reply->line, "node0.mem_kib", XENPV_PAGES_TO_KIB(host->totalPages));
    xenpvSimLineAddU64(reply->line, "node0.free_kib", XENPV_PAGES_TO_KIB(simHostFreePages(host)));
    xenpvSimLineAddU64(reply->line, "cpus", host->cfg.cpus);
    for (cpu = 0; cpu < host->cfg.cpus; cpu++) {
        g_autofree char *node = g_strdup_printf("cpu%u.node", cpu);
        g_autofree char *socket = g_strdup_printf("cpu%u.socket", cpu);
        g_autofree char *core = g_strdup_printf("cpu%u.core", cpu);

        xenpvSimLineAddU64(reply->line, node, 0);
        xenpvSimLineAddU64(reply->line, socket, 0);
        xenpvSimLineAddU64(reply->line, core, cpu);
    }
    return TRUE;
}


static gboolean
reqVcpus(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    gboolean running;
    guint i;

    if (!dom || !argCount(msg, 1, "VCPUS DOMID", error))
        return FALSE;
    simDomainAccrueCpu(dom);
    running = simDomainIsRunning(dom) && dom->workload != SIM_WORKLOAD_IDLE;
    xenpvSimLineAddU64(reply->line, "count", dom->maxVcpus);
    for (i = 0; i < dom->maxVcpus; i++) {
        const SimVcpu *v = &dom->vcpus[i];
        g_autofree char *pfx = g_strdup_printf("vcpu%u.", i);
        g_autofree char *kState = g_strconcat(pfx, "state", NULL);
        g_autofree char *kCpu = g_strconcat(pfx, "cpu", NULL);
        g_autofree char *kTime = g_strconcat(pfx, "time_ns", NULL);
        g_autofree char *kAff = g_strconcat(pfx, "affinity", NULL);
        g_autofree char *aff = xenpvCpumapFormat(v->affinity, XENPV_CPUMAP_BYTES);
        const char *state = "blocked";

        if (!v->online)
            state = "offline";
        else if (running)
            state = "running";
        xenpvSimLineAddNamed(reply->line, kState, state);
        if (v->cpu >= 0)
            xenpvSimLineAddU64(reply->line, kCpu, v->cpu);
        xenpvSimLineAddU64(reply->line, kTime, v->cpuNs);
        xenpvSimLineAddNamed(reply->line, kAff, aff);
    }
    return TRUE;
}


static gboolean
reqVcpuAffinity(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    guint8 map[XENPV_CPUMAP_BYTES];
    guint64 vcpu;

    if (!dom || !argCount(msg, 3, "VCPUAFFINITY DOMID VCPU CPUSET", error) ||
        !argU64(msg, 1, "vCPU", &vcpu, error))
        return FALSE;
    if (!xenpvCpumapParse(arg(msg, 2), map, sizeof(map))) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "malformed CPU set '%s'", arg(msg, 2));
        return FALSE;
    }
    return simDomainSetVcpuAffinity(dom, MIN(vcpu, G_MAXUINT), map, error) == 0;
}


static gboolean
reqCpuTimes(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    guint ncpus = MAX(host->cfg.cpus, 1);
    g_autofree guint64 *busy = g_new0(guint64, ncpus);
    g_autofree guint64 *idle = g_new0(guint64, ncpus);
    guint cpu;

    simHostCpuTimes(host, busy, idle);
    xenpvSimLineAddU64(reply->line, "cpus", ncpus);
    for (cpu = 0; cpu < ncpus; cpu++) {
        g_autofree char *kBusy = g_strdup_printf("cpu%u.busy_ns", cpu);
        g_autofree char *kIdle = g_strdup_printf("cpu%u.idle_ns", cpu);

        xenpvSimLineAddU64(reply->line, kBusy, busy[cpu]);
        xenpvSimLineAddU64(reply->line, kIdle, idle[cpu]);
    }
    return TRUE;
}


/* The device of the domain named by argument 0 that argument 1 names. */
static SimDevice *
argDevice(SimHost *host, xenpvSimMsg *msg, SimDeviceKind kind, const char *usage,
          SimDomain **dom, GError **error)
{
    SimDevice *dev;

    if (!(*dom = argDomain(host, msg, error)) || !argCount(msg, 2, usage, error))
        return NULL;
    if (!(dev = simDeviceFind(*dom, kind, arg(msg, 1)))) {
        g_set_error(error, XENPV_SIM_ERROR, ENOENT, "domain %u has no %s %s", (*dom)->domid,
                    kind == SIM_DEVICE_VBD ? "disk" : "network interface", arg(msg, 1));
        return NULL;
    }
    return dev;
}


static gboolean
reqBlkStats(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = NULL;
    SimDevice *dev = argDevice(host, msg, SIM_DEVICE_VBD, "BLKSTATS DOMID VDEV", &dom, error);
    xenpvBlockStats st;

    if (!dev)
        return FALSE;
    simIoBlockStats(dom, dev, &st);
    xenpvSimLineAddU64(reply->line, "rd_req", st.rdReq);
    xenpvSimLineAddU64(reply->line, "rd_bytes", st.rdBytes);
    xenpvSimLineAddU64(reply->line, "wr_req", st.wrReq);
    xenpvSimLineAddU64(reply->line, "wr_bytes", st.wrBytes);
    xenpvSimLineAddU64(reply->line, "fl_req", st.flReq);
    xenpvSimLineAddU64(reply->line, "errs", st.errs);
    return TRUE;
}


static gboolean
reqNicStats(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = NULL;
    SimDevice *dev = argDevice(host, msg, SIM_DEVICE_VIF, "NICSTATS DOMID MAC", &dom, error);
    xenpvNicStats st;

    if (!dev)
        return FALSE;
    simIoNicStats(dom, dev, &st);
    xenpvSimLineAddU64(reply->line, "rx_bytes", st.rxBytes);
    xenpvSimLineAddU64(reply->line, "rx_packets", st.rxPackets);
    xenpvSimLineAddU64(reply->line, "rx_errs", st.rxErrs);
    xenpvSimLineAddU64(reply->line, "rx_drop", st.rxDrop);
    xenpvSimLineAddU64(reply->line, "tx_bytes", st.txBytes);
    xenpvSimLineAddU64(reply->line, "tx_packets", st.txPackets);
    xenpvSimLineAddU64(reply->line, "tx_errs", st.txErrs);
    xenpvSimLineAddU64(reply->line, "tx_drop", st.txDrop);
    return TRUE;
}


/* "vbd" or "vif", as a device kind. */
static gboolean
argKind(xenpvSimMsg *msg, guint i, SimDeviceKind *kind, GError **error)
{
    if (g_strcmp0(arg(msg, i), "vbd") == 0) {
        *kind = SIM_DEVICE_VBD;
    } else if (g_strcmp0(arg(msg, i), "vif") == 0) {
        *kind = SIM_DEVICE_VIF;
    } else {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "device kind '%s' is not vbd or vif",
                    arg(msg, i));
        return FALSE;
    }
    return TRUE;
}


/* A toolstack's hotplug: one disk (disk0.*) or interface (nic0.*) more, as
 * one transaction writes it; the handshake follows by itself. */
static gboolean
reqDeviceAdd(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    xenpvBuildSpec spec = { 0 };
    int devid;

    if (!dom || !argCount(msg, 1, "DEVICE-ADD DOMID disk0.*=... | nic0.*=...", error))
        return FALSE;
    if (xenpvSimMsgGet(msg, "disk0.vdev")) {
        spec.disks = g_new0(xenpvDiskSpec, 1);
        spec.ndisks = 1;
        devid = -1;
        if (diskFromMsg(msg, 0, &spec.disks[0], error))
            devid = simDevicesAddDisk(dom, &spec.disks[0], -1, error);
    } else if (xenpvSimMsgGet(msg, "nic0.mac")) {
        spec.nics = g_new0(xenpvNicSpec, 1);
        spec.nnics = 1;
        nicFromMsg(msg, 0, &spec.nics[0]);
        devid = simDevicesAddNic(dom, &spec.nics[0], -1, error);
    } else {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "DEVICE-ADD needs disk0.vdev= or nic0.mac=");
        devid = -1;
    }
    xenpvBuildSpecClear(&spec);
    if (devid < 0)
        return FALSE;
    simXenbusSettle(dom);
    xenpvSimLineAddU64(reply->line, "devid", devid);
    return TRUE;
}


/* Where a device's directories are: the toolstack finds its devices by
 * their name (a disk's vdev, an interface's MAC). */
static gboolean
reqDevice(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    SimDeviceKind kind;
    SimDevice *dev;

    if (!dom || !argCount(msg, 3, "DEVICE DOMID vbd|vif NAME", error) ||
        !argKind(msg, 1, &kind, error))
        return FALSE;
    if (!(dev = simDeviceFind(dom, kind, arg(msg, 2)))) {
        g_set_error(error, XENPV_SIM_ERROR, ENOENT, "domain %u has no %s %s", dom->domid,
                    kind == SIM_DEVICE_VBD ? "disk" : "network interface", arg(msg, 2));
        return FALSE;
    }
    xenpvSimLineAddU64(reply->line, "devid", dev->devid);
    return TRUE;
}


static gboolean
reqDeviceRemove(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    SimDeviceKind kind;

    if (!dom || !argCount(msg, 3, "DEVICE-REMOVE DOMID vbd|vif NAME", error) ||
        !argKind(msg, 1, &kind, error))
        return FALSE;
    return simDevicesRemoveOne(dom, kind, arg(msg, 2), error);
}


static gboolean
reqMemfd(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);

    if (!dom)
        return FALSE;
    if ((reply->fd = fcntl(dom->memfd, F_DUPFD_CLOEXEC, 0)) < 0) {
        g_set_error(error, XENPV_SIM_ERROR, errno, "cannot pass the memory of domain %u: %s",
                    dom->domid, g_strerror(errno));
        return FALSE;
    }
    xenpvSimLineAddU64(reply->line, "size", dom->memBytes);
    xenpvSimLineAddU64(reply->line, "pages", dom->memBytes / XENPV_PAGE_SIZE);
    return TRUE;
}


static gboolean
reqLogDirty(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    const char *mode;

    if (!dom || !argCount(msg, 2, "LOGDIRTY DOMID on|off", error))
        return FALSE;
    mode = arg(msg, 1);
    if (strcmp(mode, "on") != 0 && strcmp(mode, "off") != 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "log-dirty mode must be on or off");
        return FALSE;
    }
    return simDomainLogDirty(dom, strcmp(mode, "on") == 0, error) == 0;
}


static gboolean
reqPeekClean(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    guint64 clean, nrPages, dirty;
    gsize bytes;
    guint8 *bitmap;

    if (!dom || !argCount(msg, 3, "PEEKCLEAN DOMID CLEAN NRPAGES", error) ||
        !argU64(msg, 1, "clean flag", &clean, error) ||
        !argU64(msg, 2, "page count", &nrPages, error))
        return FALSE;
    if (!dom->dirtyBitmap) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "log-dirty mode is not enabled for domain %u", dom->domid);
        return FALSE;
    }
    if (nrPages > dom->memBytes / XENPV_PAGE_SIZE) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "domain %u has only %" G_GSIZE_FORMAT " pages", dom->domid,
                    dom->memBytes / XENPV_PAGE_SIZE);
        return FALSE;
    }
    bytes = ((nrPages + 63) / 64) * 8;
    bitmap = g_malloc0(MAX(bytes, 8));
    dirty = simDomainPeekClean(dom, clean != 0, bitmap, nrPages);
    xenpvSimLineAddU64(reply->line, "dirty", dirty);
    reply->payload = g_bytes_new_take(bitmap, bytes);
    return TRUE;
}


/* A toolstack write under a guest's directory may be a request to it, and
 * one under a backend directory of dom0 concerns that backend's guest. */
static void
storeTouched(SimHost *host, const char *path)
{
    guint64 domid;
    g_autofree char *num = NULL;
    const char *rest;
    SimDomain *dom;

    if (g_str_has_prefix(path, "/local/domain/0/backend/")) {
        rest = path + strlen("/local/domain/0/backend/");
        rest += strcspn(rest, "/");
        if (*rest == '/')
            rest++;
    } else if (g_str_has_prefix(path, "/local/domain/")) {
        rest = path + strlen("/local/domain/");
    } else {
        return;
    }
    num = g_strndup(rest, strcspn(rest, "/"));
    if (xenpvSimParseU64(num, &domid) && domid > 0 && domid <= G_MAXUINT32 &&
        (dom = simDomainLookup(host, domid, NULL)))
        simGuestStoreChanged(dom);
}


static gboolean
reqRead(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    const char *value;

    if (!argCount(msg, 1, "READ PATH", error) || !simStorePathValid(arg(msg, 0), error))
        return FALSE;
    if (!(value = simStoreRead(host->store, arg(msg, 0)))) {
        g_set_error(error, XENPV_SIM_ERROR, ENOENT, "no store node %s", arg(msg, 0));
        return FALSE;
    }
    xenpvSimLineAddNamed(reply->line, "value", value);
    return TRUE;
}


static gboolean
reqWrite(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    if (!argCount(msg, 2, "WRITE PATH VALUE", error) ||
        !simStoreWrite(host->store, arg(msg, 0), arg(msg, 1), error))
        return FALSE;
    storeTouched(host, arg(msg, 0));
    return TRUE;
}


static gboolean
reqRm(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    if (!argCount(msg, 1, "RM PATH", error) ||
        !simStoreRemove(host->store, arg(msg, 0), error))
        return FALSE;
    storeTouched(host, arg(msg, 0));
    return TRUE;
}


static gboolean
reqLs(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    g_autoptr(GPtrArray) names = NULL;
    guint i;

    if (!argCount(msg, 1, "LS PATH", error) ||
        !(names = simStoreList(host->store, arg(msg, 0), error)))
        return FALSE;
    for (i = 0; i < names->len; i++)
        xenpvSimLineAdd(reply->line, g_ptr_array_index(names, i));
    return TRUE;
}


static gboolean
reqConsole(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    SimDomain *dom = argDomain(host, msg, error);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) ferr = NULL;

    if (!dom)
        return FALSE;
    if (!g_file_get_contents(simConsoleLogPath(dom->console), &data, &len, &ferr)) {
        if (!g_error_matches(ferr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_set_error(error, XENPV_SIM_ERROR, EIO, "%s", ferr->message);
            return FALSE;
        }
        len = 0;
    }
    if (len > SIM_CONSOLE_TAIL)
        reply->payload = g_bytes_new(data + len - SIM_CONSOLE_TAIL, SIM_CONSOLE_TAIL);
    else
        reply->payload = g_bytes_new(data ? data : "", len);
    xenpvSimLineAddNamed(reply->line, "log", simConsoleLogPath(dom->console));
    return TRUE;
}


static gboolean
reqSubscribe(SimHost *host, xenpvSimMsg *msg, SimReply *reply, GError **error)
{
    reply->subscribe = TRUE;
    return TRUE;
}


static const struct {
    const char *verb;
    SimHandler handler;
} handlers[] = {
    { "HELLO", reqHello },
    { "INFO", reqInfo },
    { "LIST", reqList },
    { "DOMINFO", reqDomInfo },
    { "CREATE", reqCreate },
    { "PAUSE", reqPause },
    { "UNPAUSE", reqUnpause },
    { "RESUME", reqResume },
    { "DESTROY", reqDestroy },
    { "CRASH", reqCrash },
    { "SETMAXMEM", reqSetMaxMem },
    { "SETMAXVCPUS", reqSetMaxVcpus },
    { "CPUCAP", reqCpuCap },
    { "TOPOLOGY", reqTopology },
    { "VCPUS", reqVcpus },
    { "VCPUAFFINITY", reqVcpuAffinity },
    { "CPUTIMES", reqCpuTimes },
    { "BLKSTATS", reqBlkStats },
    { "NICSTATS", reqNicStats },
    { "DEVICE-ADD", reqDeviceAdd },
    { "DEVICE", reqDevice },
    { "DEVICE-REMOVE", reqDeviceRemove },
    { "MEMFD", reqMemfd },
    { "LOGDIRTY", reqLogDirty },
    { "PEEKCLEAN", reqPeekClean },
    { "READ", reqRead },
    { "WRITE", reqWrite },
    { "RM", reqRm },
    { "LS", reqLs },
    { "CONSOLE", reqConsole },
    { "SUBSCRIBE", reqSubscribe },
};

void
simRequestDispatch(SimHost *host, const char *line, SimReply *reply)
{
    g_autoptr(xenpvSimMsg) msg = NULL;
    g_autoptr(GError) error = NULL;
    SimHandler handler = NULL;
    size_t i;

    g_string_assign(reply->line, "OK");
    if ((msg = xenpvSimMsgParse(line, &error))) {
        for (i = 0; i < G_N_ELEMENTS(handlers); i++) {
            if (strcmp(handlers[i].verb, msg->head) == 0)
                handler = handlers[i].handler;
        }
        if (!handler)
            g_set_error(&error, XENPV_SIM_ERROR, EINVAL, "unknown request '%s'", msg->head);
        else if (handler(host, msg, reply, &error))
            return;
    }
    if (reply->fd >= 0) {
        close(reply->fd);
        reply->fd = -1;
    }
    g_clear_pointer(&reply->payload, g_bytes_unref);
    reply->subscribe = FALSE;
    g_string_assign(reply->line, "ERR ");
    g_string_append(reply->line, xenpvSimErrnoName(error ? error->code : EIO));
    xenpvSimLineAdd(reply->line, error ? error->message : "unknown failure");
}
