/*
 * xenpv_hyp_xen_cpus.c: CPUs on a real dom0: the host's NUMA nodes and CPU
 * topology (xc_numainfo, xc_cputopoinfo), its CPUs' idle and busy time
 * (xc_getcpuinfo), a domain's vCPUs as the scheduler sees them
 * (xc_vcpu_getinfo) and their hard affinity (xc_vcpu_getaffinity /
 * xc_vcpu_setaffinity), applied at build and changed later by vcpupin,
 * and the scheduler's cap on a domain's CPU time (auto-converge).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "virbitmap.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_cpus");


/* A CPU map of the hypervisor's size, or NULL with an error reported. */
static xc_cpumap_t
xenpvXenCpumapNew(xenpvXenPriv *priv, int *bytes)
{
    xc_cpumap_t map;

    if ((*bytes = xc_get_cpumap_size(priv->xch)) <= 0 ||
        !(map = xc_cpumap_alloc(priv->xch))) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot size a map of the host's CPUs"));
        return NULL;
    }
    return map;
}


/* Pin @vcpu to the CPUs of @cpumap (@maplen bytes, ours). */
static int
xenpvXenSetVcpuMap(xenpvXenPriv *priv, uint32_t domid, unsigned int vcpu,
                   const unsigned char *cpumap, size_t maplen, const char *what)
{
    xc_cpumap_t map = NULL;
    int bytes = 0;
    int ret = -1;

    if (!(map = xenpvXenCpumapNew(priv, &bytes)))
        return -1;
    memcpy(map, cpumap, MIN((size_t)bytes, maplen));
    if (xc_vcpu_setaffinity(priv->xch, domid, vcpu, map, NULL, XEN_VCPUAFFINITY_HARD) < 0) {
        xenpvXenReportError(errno == ESRCH ? VIR_ERR_NO_DOMAIN : VIR_ERR_OPERATION_FAILED,
                            _("cannot pin vCPU %u of %s"), vcpu, what);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    free(map);
    return ret;
}


int
xenpvXenApplyAffinity(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec)
{
    g_autofree char *what = g_strdup_printf("domain '%s'", spec->name);
    unsigned int vcpu;

    for (vcpu = 0; vcpu < spec->maxVcpus; vcpu++) {
        const char *set = xenpvBuildSpecVcpuCpuset(spec, vcpu);
        unsigned char map[XENPV_CPUMAP_BYTES];

        if (!set || !*set)
            continue;
        if (!xenpvCpumapParse(set, map, sizeof(map))) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("cannot pin vCPU %u of domain '%s' to host CPUs '%s': not a list of CPUs below %d"),
                           vcpu, spec->name, set, XENPV_MAX_HOST_CPUS);
            return -1;
        }
        if (xenpvXenSetVcpuMap(priv, domid, vcpu, map, sizeof(map), what) < 0)
            return -1;
    }
    return 0;
}


int
xenpvXenDomainSetVcpuAffinity(xenpvHypervisor *hyp, uint32_t domid, unsigned int vcpu,
                              const unsigned char *cpumap, size_t maplen)
{
    g_autofree char *what = g_strdup_printf("domain %u", domid);

    return xenpvXenSetVcpuMap(hyp->priv, domid, vcpu, cpumap, maplen, what);
}


int
xenpvXenDomainGetVcpus(xenpvHypervisor *hyp, uint32_t domid,
                       xenpvVcpuInfo **vcpus, size_t *nvcpus)
{
    xenpvXenPriv *priv = hyp->priv;
    xc_domaininfo_t di = { 0 };
    g_autofree xenpvVcpuInfo *out = NULL;
    xc_cpumap_t map = NULL;
    int bytes = 0;
    unsigned int n;
    unsigned int i;
    int ret = -1;

    if (xc_domain_getinfolist(priv->xch, domid, 1, &di) != 1 || di.domain != domid) {
        xenpvXenReportError(VIR_ERR_NO_DOMAIN, _("no domain %u"), domid);
        return -1;
    }
    if (!(map = xenpvXenCpumapNew(priv, &bytes)))
        return -1;

    n = di.max_vcpu_id + 1;
    out = g_new0(xenpvVcpuInfo, n);
    for (i = 0; i < n; i++) {
        xc_vcpuinfo_t vi = { 0 };

        if (xc_vcpu_getinfo(priv->xch, domid, i, &vi) < 0) {
            xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                                _("cannot read vCPU %u of domain %u"), i, domid);
            goto cleanup;
        }
        out[i].id = i;
        out[i].online = vi.online;
        out[i].running = vi.running;
        out[i].blocked = vi.blocked;
        out[i].cpu = vi.online ? (int)vi.cpu : -1;
        out[i].cpuTimeNs = vi.cpu_time;

        memset(map, 0, bytes);
        if (xc_vcpu_getaffinity(priv->xch, domid, i, map, NULL, XEN_VCPUAFFINITY_HARD) < 0) {
            xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                                _("cannot read the affinity of vCPU %u of domain %u"), i, domid);
            goto cleanup;
        }
        memcpy(out[i].affinity, map, MIN((size_t)bytes, sizeof(out[i].affinity)));
    }
    *vcpus = g_steal_pointer(&out);
    *nvcpus = n;
    ret = 0;

 cleanup:
    free(map);
    return ret;
}


int
xenpvXenGetHostTopology(xenpvHypervisor *hyp, xenpvHostTopology *topo)
{
    xenpvXenPriv *priv = hyp->priv;
    g_autofree xc_meminfo_t *mem = NULL;
    g_autofree xc_cputopo_t *cpus = NULL;
    unsigned int nnodes = 0;
    unsigned int ncpus = 0;
    size_t i;

    memset(topo, 0, sizeof(*topo));
    /* First the sizes, then the contents. */
    if (xc_numainfo(priv->xch, &nnodes, NULL, NULL) < 0 ||
        xc_cputopoinfo(priv->xch, &ncpus, NULL) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot read the host's NUMA and CPU topology"));
        return -1;
    }
    mem = g_new0(xc_meminfo_t, MAX(nnodes, 1));
    cpus = g_new0(xc_cputopo_t, MAX(ncpus, 1));
    if (xc_numainfo(priv->xch, &nnodes, mem, NULL) < 0 ||
        xc_cputopoinfo(priv->xch, &ncpus, cpus) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot read the host's NUMA and CPU topology"));
        return -1;
    }

    topo->nnodes = nnodes;
    topo->nodeMemKiB = g_new0(uint64_t, nnodes);
    topo->nodeFreeKiB = g_new0(uint64_t, nnodes);
    for (i = 0; i < nnodes; i++) {
        if (mem[i].memsize == XEN_INVALID_MEM_SZ)
            continue;
        topo->nodeMemKiB[i] = mem[i].memsize >> 10;
        topo->nodeFreeKiB[i] = mem[i].memfree >> 10;
    }
    topo->ncpus = MIN(ncpus, XENPV_MAX_HOST_CPUS);
    topo->cpuNode = g_new0(int, topo->ncpus);
    topo->cpuSocket = g_new0(int, topo->ncpus);
    topo->cpuCore = g_new0(int, topo->ncpus);
    for (i = 0; i < topo->ncpus; i++) {
        topo->cpuNode[i] = cpus[i].node == XEN_INVALID_NODE_ID ? -1 : (int)cpus[i].node;
        topo->cpuSocket[i] = cpus[i].socket == XEN_INVALID_SOCKET_ID ? -1 : (int)cpus[i].socket;
        topo->cpuCore[i] = cpus[i].core == XEN_INVALID_CORE_ID ? -1 : (int)cpus[i].core;
    }
    return 0;
}



/* Xen counts each CPU's idle time since it booted (XEN_SYSCTL_getcpuinfo);
 * busy is the rest of the host's uptime, which dom0's own boot clock
 * measures within the second dom0 took to start. */
int
xenpvXenGetHostCpuTimes(xenpvHypervisor *hyp, xenpvHostCpuTime **cpus, size_t *ncpus)
{
    xenpvXenPriv *priv = hyp->priv;
    int max = xc_get_max_cpus(priv->xch);
    g_autofree xc_cpuinfo_t *info = NULL;
    struct timespec ts;
    uint64_t upNs;
    int n = 0;
    int i;

    if (max <= 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot read the number of host CPUs"));
        return -1;
    }
    info = g_new0(xc_cpuinfo_t, max);
    if (xc_getcpuinfo(priv->xch, max, info, &n) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot read the host CPUs' idle time"));
        return -1;
    }
    if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0) {
        virReportSystemError(errno, "%s", _("cannot read the host's uptime"));
        return -1;
    }
    upNs = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;

    *cpus = g_new0(xenpvHostCpuTime, MAX(n, 1));
    for (i = 0; i < n; i++) {
        (*cpus)[i].idleNs = info[i].idletime;
        (*cpus)[i].busyNs = upNs > info[i].idletime ? upNs - info[i].idletime : 0;
    }
    *ncpus = n;
    return 0;
}


/* The domain's cap under the host's scheduler, credit or credit2 (the
 * two with a cap), read or, with @set, changed to *@set.  Both schedulers
 * keep the weight and the cap together: the weight is kept as it is. */
static int
xenpvXenDomainCpuCap(xenpvXenPriv *priv, uint32_t domid, const unsigned int *set,
                     unsigned int *cap)
{
    int sched = 0;
    int rc;

    if (xc_sched_id(priv->xch, &sched) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot tell which scheduler the hypervisor runs"));
        return -1;
    }
    if (set && *set > UINT16_MAX) {
        virReportError(VIR_ERR_INVALID_ARG, _("CPU cap %u%% is out of range"), *set);
        return -1;
    }
    if (sched == XEN_SCHEDULER_CREDIT) {
        struct xen_domctl_sched_credit sdom = { 0 };

        if ((rc = xc_sched_credit_domain_get(priv->xch, domid, &sdom)) == 0 && set) {
            sdom.cap = *set;
            rc = xc_sched_credit_domain_set(priv->xch, domid, &sdom);
        }
        *cap = sdom.cap;
    } else if (sched == XEN_SCHEDULER_CREDIT2) {
        struct xen_domctl_sched_credit2 sdom = { 0 };

        if ((rc = xc_sched_credit2_domain_get(priv->xch, domid, &sdom)) == 0 && set) {
            sdom.cap = *set;
            rc = xc_sched_credit2_domain_set(priv->xch, domid, &sdom);
        }
        *cap = sdom.cap;
    } else {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("the hypervisor's scheduler (id %d) has no cap on a domain's CPU time: only credit and credit2 have one"),
                       sched);
        return -1;
    }
    if (rc < 0 && set) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot set the CPU cap of domain %u"), domid);
        return -1;
    }
    if (rc < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot read the CPU cap of domain %u"), domid);
        return -1;
    }
    return 0;
}


int
xenpvXenDomainGetCpuCap(xenpvHypervisor *hyp, uint32_t domid, unsigned int *cap)
{
    return xenpvXenDomainCpuCap(hyp->priv, domid, NULL, cap);
}


int
xenpvXenDomainSetCpuCap(xenpvHypervisor *hyp, uint32_t domid, unsigned int cap)
{
    unsigned int now;

    return xenpvXenDomainCpuCap(hyp->priv, domid, &cap, &now);
}
