/*
 * xenpv_driver_stats.c: statistics: a domain's disks (domblkstat), network
 * interfaces (domifstat), memory (dommemstat) and CPU time (cpu-stats),
 * all of them at once for many domains (domstats, which virt-manager's
 * graphs poll), and the host's CPUs and memory (nodecpustats,
 * nodememstats).
 *
 * Every figure comes from the hypervisor back end at the moment it is
 * asked for (blkback's and the vif's counters, the domain's pages and
 * vCPU times, the host CPUs' idle time) or from what the guest itself
 * reports in the store (data/meminfo_free and data/meminfo_total, as Xen
 * guest agents write them): nothing is remembered between calls.
 *
 * The single-domain calls take a query job; domstats only locks each domain
 * in turn (it must not wait behind a long job), and a group whose figures
 * cannot be read for one domain is left out of that domain's record.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "xenpv_driver.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virmacaddr.h"
#include "virstring.h"
#include "virtypedparam.h"

#include "xenpv_domain.h"
#include "xenpv_entry.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver_stats");

/* The groups of domstats this driver fills. */
#define XENPV_DOMAIN_STATS_SUPPORTED \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | \
     VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU | \
     VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)

/* What nodecpustats and nodememstats report. */
#define XENPV_NODE_CPU_STATS 2
#define XENPV_NODE_MEMORY_STATS 2


/* The counters of one disk of a running domain. */
static int
xenpvStatsDisk(xenpvDriver *driver, virDomainObj *vm, const virDomainDiskDef *disk,
               xenpvBlockStats *stats)
{
    if (!XENPV_HYP_HAS(driver, domainBlockStats))
        return -1;
    return driver->hyp.ops->domainBlockStats(&driver->hyp, vm->def->id, disk->dst, stats);
}


/* The counters of one network interface of a running domain. */
static int
xenpvStatsNic(xenpvDriver *driver, virDomainObj *vm, const virDomainNetDef *net,
              xenpvNicStats *stats)
{
    char mac[VIR_MAC_STRING_BUFLEN];

    if (!XENPV_HYP_HAS(driver, domainNicStats))
        return -1;
    virMacAddrFormat(&net->mac, mac);
    return driver->hyp.ops->domainNicStats(&driver->hyp, vm->def->id, mac, stats);
}


/* One disk named by target or source, or every disk summed ("" or NULL),
 * as libvirt's Xen driver does. */
static int
xenpvStatsDisks(xenpvDriver *driver, virDomainObj *vm, const char *path,
                xenpvBlockStats *sum)
{
    size_t i;

    memset(sum, 0, sizeof(*sum));
    if (path && *path) {
        virDomainDiskDef *disk = virDomainDiskByName(vm->def, path, false);

        if (!disk) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("domain '%s' has no disk '%s' (give its target, such as xvda, or its source)"),
                           vm->def->name, path);
            return -1;
        }
        return xenpvStatsDisk(driver, vm, disk, sum);
    }
    for (i = 0; i < vm->def->ndisks; i++) {
        xenpvBlockStats one;

        if (xenpvStatsDisk(driver, vm, vm->def->disks[i], &one) < 0)
            return -1;
        sum->rdReq += one.rdReq;
        sum->rdBytes += one.rdBytes;
        sum->wrReq += one.wrReq;
        sum->wrBytes += one.wrBytes;
        sum->flReq += one.flReq;
        sum->errs += one.errs;
    }
    return 0;
}


int
xenpvDomainBlockStats(virDomainPtr dom, const char *path, virDomainBlockStatsPtr stats)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    xenpvBlockStats st;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainBlockStatsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_QUERY) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    if (xenpvStatsDisks(driver, vm, path, &st) < 0)
        goto endjob;

    stats->rd_req = st.rdReq;
    stats->rd_bytes = st.rdBytes;
    stats->wr_req = st.wrReq;
    stats->wr_bytes = st.wrBytes;
    stats->errs = st.errs;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainBlockStatsFlags(virDomainPtr dom, const char *path,
                           virTypedParameterPtr params, int *nparams, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    xenpvBlockStats st;
    struct {
        const char *field;
        int64_t value;
    } fields[] = {
        { VIR_DOMAIN_BLOCK_STATS_WRITE_BYTES, 0 },
        { VIR_DOMAIN_BLOCK_STATS_WRITE_REQ, 0 },
        { VIR_DOMAIN_BLOCK_STATS_READ_BYTES, 0 },
        { VIR_DOMAIN_BLOCK_STATS_READ_REQ, 0 },
        { VIR_DOMAIN_BLOCK_STATS_FLUSH_REQ, 0 },
        { VIR_DOMAIN_BLOCK_STATS_ERRS, 0 },
    };
    int n = 0;
    size_t i;
    int ret = -1;

    virCheckFlags(VIR_TYPED_PARAM_STRING_OKAY, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainBlockStatsFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_QUERY) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;

    /* How many there are, for a caller sizing its array. */
    if (*nparams == 0) {
        *nparams = G_N_ELEMENTS(fields);
        ret = 0;
        goto endjob;
    }
    if (xenpvStatsDisks(driver, vm, path, &st) < 0)
        goto endjob;

    fields[0].value = st.wrBytes;
    fields[1].value = st.wrReq;
    fields[2].value = st.rdBytes;
    fields[3].value = st.rdReq;
    fields[4].value = st.flReq;
    fields[5].value = st.errs;
    for (i = 0; i < G_N_ELEMENTS(fields) && n < *nparams; i++) {
        if (fields[i].value < 0)
            continue;
        if (virTypedParameterAssign(&params[n++], fields[i].field,
                                    VIR_TYPED_PARAM_LLONG, (long long)fields[i].value) < 0)
            goto endjob;
    }
    *nparams = n;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainInterfaceStats(virDomainPtr dom, const char *device,
                          virDomainInterfaceStatsPtr stats)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    virDomainNetDef *net;
    xenpvNicStats st;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainInterfaceStatsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_QUERY) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    /* By the vif's name (vif5.0) or the MAC address. */
    if (!(net = virDomainNetFind(vm->def, device)))
        goto endjob;
    if (xenpvStatsNic(driver, vm, net, &st) < 0)
        goto endjob;

    stats->rx_bytes = st.rxBytes;
    stats->rx_packets = st.rxPackets;
    stats->rx_errs = st.rxErrs;
    stats->rx_drop = st.rxDrop;
    stats->tx_bytes = st.txBytes;
    stats->tx_packets = st.txPackets;
    stats->tx_errs = st.txErrs;
    stats->tx_drop = st.txDrop;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


/* A KiB figure the guest writes under data/ (a guest agent), or 0 when it
 * does not; the guest owns the node, so anything else is ignored too. */
static unsigned long long
xenpvStatsGuestKiB(xenpvDriver *driver, virDomainObj *vm, const char *rel)
{
    g_autofree char *path = xenpvDomainStorePath(vm, rel);
    g_autofree char *value = NULL;
    unsigned long long kib = 0;

    if (!driver->hyp.ops->storeRead ||
        driver->hyp.ops->storeRead(&driver->hyp, path, &value) < 0) {
        virResetLastError();
        return 0;
    }
    if (!value || virStrToLong_ullp(value, NULL, 10, &kib) < 0)
        return 0;
    return kib;
}


/* The domain's memory now: its pages (the balloon), its maximum, and what
 * the guest says it has and leaves unused, where it says so. */
typedef struct {
    unsigned long long actualKiB;
    unsigned long long maximumKiB;
    unsigned long long guestTotalKiB;   /* 0: not reported */
    unsigned long long guestFreeKiB;
} xenpvStatsMemory;

static int
xenpvStatsMemoryRead(xenpvDriver *driver, virDomainObj *vm, xenpvStatsMemory *mem)
{
    xenpvDomainInfo info = { 0 };
    int rc;

    if (!XENPV_HYP_HAS(driver, getDomainInfo))
        return -1;
    if ((rc = driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info)) < 0)
        return -1;
    memset(mem, 0, sizeof(*mem));
    mem->actualKiB = rc ? XENPV_PAGES_TO_KIB(info.nrPages) : vm->def->mem.cur_balloon;
    mem->maximumKiB = virDomainDefGetMemoryTotal(vm->def);
    mem->guestTotalKiB = xenpvStatsGuestKiB(driver, vm, "data/meminfo_total");
    if (mem->guestTotalKiB)
        mem->guestFreeKiB = xenpvStatsGuestKiB(driver, vm, "data/meminfo_free");
    return 0;
}


int
xenpvDomainMemoryStats(virDomainPtr dom, virDomainMemoryStatPtr stats,
                       unsigned int nr_stats, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    xenpvStatsMemory mem;
    unsigned int n = 0;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainMemoryStatsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_QUERY) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    if (xenpvStatsMemoryRead(driver, vm, &mem) < 0)
        goto endjob;

#define XENPV_MEMSTAT(tagValue, figure) \
    do { \
        if (n < nr_stats) { \
            stats[n].tag = (tagValue); \
            stats[n].val = (figure); \
            n++; \
        } \
    } while (0)

    /* libvirt's Xen driver reports the balloon and the maximum. */
    XENPV_MEMSTAT(VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, mem.actualKiB);
    XENPV_MEMSTAT(VIR_DOMAIN_MEMORY_STAT_AVAILABLE, mem.maximumKiB);
    if (mem.guestTotalKiB) {
        XENPV_MEMSTAT(VIR_DOMAIN_MEMORY_STAT_UNUSED, mem.guestFreeKiB);
        XENPV_MEMSTAT(VIR_DOMAIN_MEMORY_STAT_USABLE, mem.guestFreeKiB);
    }
#undef XENPV_MEMSTAT
    ret = n;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainGetCPUStats(virDomainPtr dom, virTypedParameterPtr params,
                       unsigned int nparams, int start_cpu, unsigned int ncpus,
                       unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree xenpvVcpuInfo *vcpus = NULL;
    size_t nvcpus = 0;
    xenpvDomainInfo info = { 0 };
    size_t i;
    int ret = -1;

    virCheckFlags(VIR_TYPED_PARAM_STRING_OKAY, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetCPUStatsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto cleanup;

    /* Sizes first: one figure (cpu_time) per entry; as libvirt's Xen
     * driver does, the entries past the total are the domain's vCPUs. */
    if (nparams == 0) {
        ret = (start_cpu == -1 || ncpus != 0) ? 1 : (int)virDomainDefGetVcpusMax(vm->def);
        goto cleanup;
    }

    if (start_cpu == -1) {
        if (!XENPV_HYP_HAS(driver, getDomainInfo) ||
            driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info) < 0)
            goto cleanup;
        if (virTypedParameterAssign(&params[0], VIR_DOMAIN_CPU_STATS_CPUTIME,
                                    VIR_TYPED_PARAM_ULLONG, info.cpuTimeNs) < 0)
            goto cleanup;
        ret = 1;
        goto cleanup;
    }

    if (!XENPV_HYP_HAS(driver, domainGetVcpus) ||
        driver->hyp.ops->domainGetVcpus(&driver->hyp, vm->def->id, &vcpus, &nvcpus) < 0)
        goto cleanup;
    if (start_cpu < 0 || (size_t)start_cpu >= nvcpus) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("start %d is beyond the %zu vCPUs of domain '%s'"),
                       start_cpu, nvcpus, vm->def->name);
        goto cleanup;
    }
    for (i = start_cpu; i < nvcpus && i < (size_t)start_cpu + ncpus; i++) {
        if (virTypedParameterAssign(&params[(i - start_cpu) * nparams],
                                    VIR_DOMAIN_CPU_STATS_CPUTIME,
                                    VIR_TYPED_PARAM_ULLONG, vcpus[i].cpuTimeNs) < 0)
            goto cleanup;
    }
    ret = 1;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


/* --- domstats --------------------------------------------------------- */

typedef struct {
    virTypedParameterPtr params;
    int nparams;
    int maxparams;
} xenpvStatsRecord;

static int
xenpvStatsAddULL(xenpvStatsRecord *rec, const char *name, unsigned long long value)
{
    return virTypedParamsAddULLong(&rec->params, &rec->nparams, &rec->maxparams, name, value);
}


static int
xenpvStatsAddULLn(xenpvStatsRecord *rec, const char *group, size_t idx,
                  const char *name, long long value)
{
    g_autofree char *field = g_strdup_printf("%s.%zu.%s", group, idx, name);

    /* A counter the back end does not keep is left out. */
    if (value < 0)
        return 0;
    return xenpvStatsAddULL(rec, field, value);
}


static int
xenpvStatsGroupState(xenpvDriver *driver G_GNUC_UNUSED, virDomainObj *vm,
                     xenpvStatsRecord *rec)
{
    int reason;
    int state = virDomainObjGetState(vm, &reason);

    if (virTypedParamsAddInt(&rec->params, &rec->nparams, &rec->maxparams,
                             "state.state", state) < 0 ||
        virTypedParamsAddInt(&rec->params, &rec->nparams, &rec->maxparams,
                             "state.reason", reason) < 0)
        return -1;
    return 0;
}


static int
xenpvStatsGroupCpu(xenpvDriver *driver, virDomainObj *vm, xenpvStatsRecord *rec)
{
    xenpvDomainInfo info = { 0 };

    if (!driver->hyp.ops->getDomainInfo ||
        driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info) <= 0)
        return 1;
    return xenpvStatsAddULL(rec, "cpu.time", info.cpuTimeNs);
}


static int
xenpvStatsGroupBalloon(xenpvDriver *driver, virDomainObj *vm, xenpvStatsRecord *rec)
{
    xenpvStatsMemory mem;

    if (xenpvStatsMemoryRead(driver, vm, &mem) < 0)
        return 1;
    if (xenpvStatsAddULL(rec, "balloon.current", mem.actualKiB) < 0 ||
        xenpvStatsAddULL(rec, "balloon.maximum", mem.maximumKiB) < 0)
        return -1;
    if (mem.guestTotalKiB &&
        (xenpvStatsAddULL(rec, "balloon.available", mem.guestTotalKiB) < 0 ||
         xenpvStatsAddULL(rec, "balloon.unused", mem.guestFreeKiB) < 0 ||
         xenpvStatsAddULL(rec, "balloon.usable", mem.guestFreeKiB) < 0))
        return -1;
    return 0;
}


static int
xenpvStatsGroupVcpu(xenpvDriver *driver, virDomainObj *vm, xenpvStatsRecord *rec)
{
    g_autofree xenpvVcpuInfo *vcpus = NULL;
    size_t nvcpus = 0;
    size_t i;

    if (!driver->hyp.ops->domainGetVcpus ||
        driver->hyp.ops->domainGetVcpus(&driver->hyp, vm->def->id, &vcpus, &nvcpus) < 0)
        return 1;
    if (virTypedParamsAddUInt(&rec->params, &rec->nparams, &rec->maxparams,
                              "vcpu.current", virDomainDefGetVcpus(vm->def)) < 0 ||
        virTypedParamsAddUInt(&rec->params, &rec->nparams, &rec->maxparams,
                              "vcpu.maximum", virDomainDefGetVcpusMax(vm->def)) < 0)
        return -1;
    for (i = 0; i < nvcpus; i++) {
        g_autofree char *state = g_strdup_printf("vcpu.%zu.state", i);
        int value = VIR_VCPU_BLOCKED;

        if (!vcpus[i].online)
            value = VIR_VCPU_OFFLINE;
        else if (vcpus[i].running)
            value = VIR_VCPU_RUNNING;

        if (virTypedParamsAddInt(&rec->params, &rec->nparams, &rec->maxparams,
                                 state, value) < 0 ||
            xenpvStatsAddULLn(rec, "vcpu", i, "time", vcpus[i].cpuTimeNs) < 0)
            return -1;
    }
    return 0;
}


static int
xenpvStatsGroupInterface(xenpvDriver *driver, virDomainObj *vm, xenpvStatsRecord *rec)
{
    size_t i;

    if (virTypedParamsAddUInt(&rec->params, &rec->nparams, &rec->maxparams,
                              "net.count", vm->def->nnets) < 0)
        return -1;
    for (i = 0; i < vm->def->nnets; i++) {
        virDomainNetDef *net = vm->def->nets[i];
        g_autofree char *name = g_strdup_printf("net.%zu.name", i);
        xenpvNicStats st;

        if (net->ifname &&
            virTypedParamsAddString(&rec->params, &rec->nparams, &rec->maxparams,
                                    name, net->ifname) < 0)
            return -1;
        if (xenpvStatsNic(driver, vm, net, &st) < 0) {
            VIR_DEBUG("no counters for interface %zu of '%s': %s", i, vm->def->name,
                      virGetLastErrorMessage());
            virResetLastError();
            continue;
        }
        if (xenpvStatsAddULLn(rec, "net", i, "rx.bytes", st.rxBytes) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "rx.pkts", st.rxPackets) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "rx.errs", st.rxErrs) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "rx.drop", st.rxDrop) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "tx.bytes", st.txBytes) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "tx.pkts", st.txPackets) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "tx.errs", st.txErrs) < 0 ||
            xenpvStatsAddULLn(rec, "net", i, "tx.drop", st.txDrop) < 0)
            return -1;
    }
    return 0;
}


/* The size of a disk's source: allocated, as the guest sees it, and in
 * dom0 (the same for a raw file or a device); 0 where unknown. */
static void
xenpvStatsDiskSize(const char *path, unsigned long long *allocation,
                   unsigned long long *capacity)
{
    struct stat sb;
    int fd;

    *allocation = *capacity = 0;
    if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return;
    if (fstat(fd, &sb) == 0) {
        if (S_ISBLK(sb.st_mode)) {
            uint64_t bytes = 0;

            if (ioctl(fd, BLKGETSIZE64, &bytes) == 0)
                *allocation = *capacity = bytes;
        } else {
            *allocation = (unsigned long long)sb.st_blocks * 512;
            *capacity = sb.st_size;
        }
    }
    VIR_FORCE_CLOSE(fd);
}


static int
xenpvStatsGroupBlock(xenpvDriver *driver, virDomainObj *vm, xenpvStatsRecord *rec)
{
    size_t i;

    if (virTypedParamsAddUInt(&rec->params, &rec->nparams, &rec->maxparams,
                              "block.count", vm->def->ndisks) < 0)
        return -1;
    for (i = 0; i < vm->def->ndisks; i++) {
        virDomainDiskDef *disk = vm->def->disks[i];
        g_autofree char *name = g_strdup_printf("block.%zu.name", i);
        g_autofree char *path = g_strdup_printf("block.%zu.path", i);
        unsigned long long allocation;
        unsigned long long capacity;
        xenpvBlockStats st;

        if (virTypedParamsAddString(&rec->params, &rec->nparams, &rec->maxparams,
                                    name, disk->dst) < 0 ||
            (disk->src->path &&
             virTypedParamsAddString(&rec->params, &rec->nparams, &rec->maxparams,
                                     path, disk->src->path) < 0))
            return -1;
        if (xenpvStatsDisk(driver, vm, disk, &st) == 0) {
            if (xenpvStatsAddULLn(rec, "block", i, "rd.reqs", st.rdReq) < 0 ||
                xenpvStatsAddULLn(rec, "block", i, "rd.bytes", st.rdBytes) < 0 ||
                xenpvStatsAddULLn(rec, "block", i, "wr.reqs", st.wrReq) < 0 ||
                xenpvStatsAddULLn(rec, "block", i, "wr.bytes", st.wrBytes) < 0 ||
                xenpvStatsAddULLn(rec, "block", i, "fl.reqs", st.flReq) < 0)
                return -1;
        } else {
            VIR_DEBUG("no counters for disk %s of '%s': %s", disk->dst, vm->def->name,
                      virGetLastErrorMessage());
            virResetLastError();
        }
        xenpvStatsDiskSize(disk->src->path, &allocation, &capacity);
        if (capacity &&
            (xenpvStatsAddULLn(rec, "block", i, "allocation", allocation) < 0 ||
             xenpvStatsAddULLn(rec, "block", i, "capacity", capacity) < 0 ||
             xenpvStatsAddULLn(rec, "block", i, "physical", capacity) < 0))
            return -1;
    }
    return 0;
}


static const struct {
    unsigned int stat;
    bool live;          /* only for a running domain */
    /* 0, 1 when the figures could not be read (the group is left out),
     * or -1 on an error that fails the whole call. */
    int (*fill)(xenpvDriver *driver, virDomainObj *vm, xenpvStatsRecord *rec);
} xenpvStatsGroups[] = {
    { VIR_DOMAIN_STATS_STATE, false, xenpvStatsGroupState },
    { VIR_DOMAIN_STATS_CPU_TOTAL, true, xenpvStatsGroupCpu },
    { VIR_DOMAIN_STATS_BALLOON, true, xenpvStatsGroupBalloon },
    { VIR_DOMAIN_STATS_VCPU, true, xenpvStatsGroupVcpu },
    { VIR_DOMAIN_STATS_INTERFACE, true, xenpvStatsGroupInterface },
    { VIR_DOMAIN_STATS_BLOCK, true, xenpvStatsGroupBlock },
};


static virDomainStatsRecordPtr
xenpvStatsDomain(xenpvDriver *driver, virConnectPtr conn, virDomainObj *vm,
                 unsigned int stats)
{
    g_autofree virDomainStatsRecordPtr record = g_new0(virDomainStatsRecord, 1);
    xenpvStatsRecord rec = { 0 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(xenpvStatsGroups); i++) {
        int rc;

        if (!(stats & xenpvStatsGroups[i].stat) ||
            (xenpvStatsGroups[i].live && !virDomainObjIsActive(vm)))
            continue;
        if ((rc = xenpvStatsGroups[i].fill(driver, vm, &rec)) < 0)
            goto error;
        if (rc > 0) {
            VIR_DEBUG("stats group 0x%x of '%s' left out: %s", xenpvStatsGroups[i].stat,
                      vm->def->name, virGetLastErrorMessage());
            virResetLastError();
        }
    }
    if (!(record->dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id)))
        goto error;
    record->params = rec.params;
    record->nparams = rec.nparams;
    return g_steal_pointer(&record);

 error:
    virTypedParamsFree(rec.params, rec.nparams);
    return NULL;
}


int
xenpvConnectGetAllDomainStats(virConnectPtr conn, virDomainPtr *doms, unsigned int ndoms,
                              unsigned int stats, virDomainStatsRecordPtr **retStats,
                              unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    virDomainStatsRecordPtr *records = NULL;
    int nrecords = 0;
    unsigned int listFlags = flags & (VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE |
                                      VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT |
                                      VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE);
    size_t i;
    int ret = -1;

    /* Every query here is quick and takes no job, so there is nothing to
     * wait for (NOWAIT) and no backing chain to walk (BACKING). */
    virCheckFlags(VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE |
                  VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT |
                  VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE |
                  VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT |
                  VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING |
                  VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS, -1);

    if (virConnectGetAllDomainStatsEnsureACL(conn) < 0)
        return -1;

    if (stats == 0) {
        stats = XENPV_DOMAIN_STATS_SUPPORTED;
    } else if ((flags & VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS) &&
               (stats & ~XENPV_DOMAIN_STATS_SUPPORTED)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("statistics groups 0x%x are not supported for Xen PV guests (state, cpu-total, balloon, vcpu, interface and block are)"),
                       stats & ~XENPV_DOMAIN_STATS_SUPPORTED);
        return -1;
    }

    if (ndoms) {
        if (virDomainObjListConvert(driver->domains, conn, doms, ndoms, &vms, &nvms,
                                    virConnectGetAllDomainStatsCheckACL, listFlags, true) < 0)
            return -1;
    } else {
        virDomainObjListCollect(driver->domains, conn, &vms, &nvms,
                                virConnectGetAllDomainStatsCheckACL, listFlags);
    }

    records = g_new0(virDomainStatsRecordPtr, nvms + 1);
    for (i = 0; i < nvms; i++) {
        virDomainStatsRecordPtr record;

        virObjectLock(vms[i]);
        record = xenpvStatsDomain(driver, conn, vms[i], stats);
        virObjectUnlock(vms[i]);
        if (!record)
            goto cleanup;
        records[nrecords++] = record;
    }
    *retStats = g_steal_pointer(&records);
    ret = nrecords;

 cleanup:
    virDomainStatsRecordListFree(records);
    virObjectListFreeCount(vms, nvms);
    return ret;
}


/* --- the host ---------------------------------------------------------- */

int
xenpvNodeGetCPUStats(virConnectPtr conn, int cpuNum, virNodeCPUStatsPtr params,
                     int *nparams, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    g_autofree xenpvHostCpuTime *cpus = NULL;
    size_t ncpus = 0;
    unsigned long long busy = 0;
    unsigned long long idle = 0;
    size_t i;

    virCheckFlags(0, -1);

    if (virNodeGetCPUStatsEnsureACL(conn) < 0)
        return -1;
    if (*nparams == 0) {
        *nparams = XENPV_NODE_CPU_STATS;
        return 0;
    }
    if (*nparams < XENPV_NODE_CPU_STATS) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("room for %d CPU statistics, %d are reported"),
                       *nparams, XENPV_NODE_CPU_STATS);
        return -1;
    }
    if (!XENPV_HYP_HAS(driver, getHostCpuTimes) ||
        driver->hyp.ops->getHostCpuTimes(&driver->hyp, &cpus, &ncpus) < 0)
        return -1;
    if (cpuNum != VIR_NODE_CPU_STATS_ALL_CPUS && (cpuNum < 0 || (size_t)cpuNum >= ncpus)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("the host has no CPU %d: it has CPUs 0-%zu"),
                       cpuNum, ncpus ? ncpus - 1 : 0);
        return -1;
    }
    for (i = 0; i < ncpus; i++) {
        if (cpuNum != VIR_NODE_CPU_STATS_ALL_CPUS && (size_t)cpuNum != i)
            continue;
        busy += cpus[i].busyNs;
        idle += cpus[i].idleNs;
    }

    /* Xen counts each CPU's idle time; the rest ran vCPUs (guests' and
     * dom0's), which a Linux host counts as user time (guest time is in
     * it). */
    if (virStrcpyStatic(params[0].field, VIR_NODE_CPU_STATS_USER) < 0 ||
        virStrcpyStatic(params[1].field, VIR_NODE_CPU_STATS_IDLE) < 0)
        return -1;
    params[0].value = busy;
    params[1].value = idle;
    *nparams = XENPV_NODE_CPU_STATS;
    return 0;
}


int
xenpvNodeGetMemoryStats(virConnectPtr conn, int cellNum, virNodeMemoryStatsPtr params,
                        int *nparams, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvHostInfo host = { 0 };
    xenpvHostTopology topo = { 0 };
    unsigned long long totalKiB;
    unsigned long long freeKiB;
    int ret = -1;

    virCheckFlags(0, -1);

    if (virNodeGetMemoryStatsEnsureACL(conn) < 0)
        return -1;
    if (*nparams == 0) {
        *nparams = XENPV_NODE_MEMORY_STATS;
        return 0;
    }
    if (*nparams < XENPV_NODE_MEMORY_STATS) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("room for %d memory statistics, %d are reported"),
                       *nparams, XENPV_NODE_MEMORY_STATS);
        return -1;
    }

    if (cellNum == VIR_NODE_MEMORY_STATS_ALL_CELLS) {
        if (!XENPV_HYP_HAS(driver, getHostInfo) ||
            driver->hyp.ops->getHostInfo(&driver->hyp, &host) < 0)
            return -1;
        totalKiB = XENPV_PAGES_TO_KIB(host.totalPages);
        freeKiB = XENPV_PAGES_TO_KIB(host.freePages);
    } else {
        if (!XENPV_HYP_HAS(driver, getHostTopology) ||
            driver->hyp.ops->getHostTopology(&driver->hyp, &topo) < 0)
            return -1;
        if (cellNum < 0 || (size_t)cellNum >= topo.nnodes) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("the host has no NUMA cell %d: it has cells 0-%zu"),
                           cellNum, topo.nnodes ? topo.nnodes - 1 : 0);
            goto cleanup;
        }
        totalKiB = topo.nodeMemKiB[cellNum];
        freeKiB = topo.nodeFreeKiB[cellNum];
    }

    if (virStrcpyStatic(params[0].field, VIR_NODE_MEMORY_STATS_TOTAL) < 0 ||
        virStrcpyStatic(params[1].field, VIR_NODE_MEMORY_STATS_FREE) < 0)
        goto cleanup;
    params[0].value = totalKiB;
    params[1].value = freeKiB;
    *nparams = XENPV_NODE_MEMORY_STATS;
    ret = 0;

 cleanup:
    xenpvHostTopologyClear(&topo);
    return ret;
}
