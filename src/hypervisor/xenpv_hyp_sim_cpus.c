/*
 * xenpv_hyp_sim_cpus.c: the "sim" back end's view of CPUs: the host's
 * topology and its CPUs' busy and idle time, a domain's vCPUs (state, host
 * CPU, time, affinity) and their pinning, as requests to xenpv-simhost
 * (docs/simhost.md).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_hyp_sim_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


/* The value of "PREFIX<index>.FIELD" in @msg, or NULL. */
static const char *
xenpvSimMsgGetIndexed(const xenpvSimMsg *msg, const char *prefix, size_t index,
                      const char *field)
{
    g_autofree char *key = g_strdup_printf("%s%zu.%s", prefix, index, field);

    return xenpvSimMsgGet(msg, key);
}


static guint64
xenpvSimMsgGetIndexedU64(const xenpvSimMsg *msg, const char *prefix, size_t index,
                         const char *field, guint64 def)
{
    g_autofree char *key = g_strdup_printf("%s%zu.%s", prefix, index, field);

    return xenpvSimMsgGetU64Default(msg, key, def);
}


/* A count in a reply, bounded so that a confused host cannot make us
 * allocate without limit. */
static int
xenpvSimReplyCount(const xenpvSimMsg *reply, const char *key, guint64 max, size_t *count)
{
    guint64 n;

    if (!xenpvSimMsgGetU64(reply, key, &n) || n > max) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the simulated Xen host sent a malformed '%s' count"), key);
        return -1;
    }
    *count = n;
    return 0;
}


int
xenpvSimGetHostTopology(xenpvHypervisor *hyp, xenpvHostTopology *topo)
{
    g_autoptr(GString) line = xenpvSimLineNew("TOPOLOGY");
    g_autoptr(xenpvSimMsg) reply = NULL;
    size_t i;

    memset(topo, 0, sizeof(*topo));
    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (xenpvSimReplyCount(reply, "nodes", 1024, &topo->nnodes) < 0 ||
        xenpvSimReplyCount(reply, "cpus", XENPV_MAX_HOST_CPUS, &topo->ncpus) < 0)
        goto error;

    topo->nodeMemKiB = g_new0(uint64_t, topo->nnodes);
    topo->nodeFreeKiB = g_new0(uint64_t, topo->nnodes);
    for (i = 0; i < topo->nnodes; i++) {
        topo->nodeMemKiB[i] = xenpvSimMsgGetIndexedU64(reply, "node", i, "mem_kib", 0);
        topo->nodeFreeKiB[i] = xenpvSimMsgGetIndexedU64(reply, "node", i, "free_kib", 0);
    }
    topo->cpuNode = g_new0(int, topo->ncpus);
    topo->cpuSocket = g_new0(int, topo->ncpus);
    topo->cpuCore = g_new0(int, topo->ncpus);
    for (i = 0; i < topo->ncpus; i++) {
        topo->cpuNode[i] = xenpvSimMsgGetIndexedU64(reply, "cpu", i, "node", 0);
        topo->cpuSocket[i] = xenpvSimMsgGetIndexedU64(reply, "cpu", i, "socket", 0);
        topo->cpuCore[i] = xenpvSimMsgGetIndexedU64(reply, "cpu", i, "core", i);
    }
    return 0;

 error:
    xenpvHostTopologyClear(topo);
    return -1;
}


int
xenpvSimDomainGetVcpus(xenpvHypervisor *hyp, uint32_t domid,
                       xenpvVcpuInfo **vcpus, size_t *nvcpus)
{
    g_autoptr(GString) line = xenpvSimLineNew("VCPUS");
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autofree xenpvVcpuInfo *out = NULL;
    size_t n;
    size_t i;

    g_string_append_printf(line, " %u", domid);
    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (xenpvSimReplyCount(reply, "count", 4096, &n) < 0)
        return -1;

    out = g_new0(xenpvVcpuInfo, n);
    for (i = 0; i < n; i++) {
        const char *state = xenpvSimMsgGetIndexed(reply, "vcpu", i, "state");
        const char *affinity = xenpvSimMsgGetIndexed(reply, "vcpu", i, "affinity");

        out[i].id = i;
        out[i].online = g_strcmp0(state, "offline") != 0;
        out[i].running = g_strcmp0(state, "running") == 0;
        out[i].blocked = g_strcmp0(state, "blocked") == 0;
        out[i].cpu = -1;
        if (out[i].online)
            out[i].cpu = (int)xenpvSimMsgGetIndexedU64(reply, "vcpu", i, "cpu", 0);
        out[i].cpuTimeNs = xenpvSimMsgGetIndexedU64(reply, "vcpu", i, "time_ns", 0);
        if (!xenpvCpumapParse(affinity, out[i].affinity, sizeof(out[i].affinity))) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("the simulated Xen host sent a malformed affinity for vCPU %zu of domain %u"),
                           i, domid);
            return -1;
        }
    }
    *vcpus = g_steal_pointer(&out);
    *nvcpus = n;
    return 0;
}


int
xenpvSimDomainSetVcpuAffinity(xenpvHypervisor *hyp, uint32_t domid, unsigned int vcpu,
                              const unsigned char *cpumap, size_t maplen)
{
    g_autoptr(GString) line = xenpvSimLineNew("VCPUAFFINITY");
    unsigned char map[XENPV_CPUMAP_BYTES] = { 0 };
    g_autofree char *text = NULL;

    memcpy(map, cpumap, MIN(maplen, sizeof(map)));
    text = xenpvCpumapFormat(map, sizeof(map));
    g_string_append_printf(line, " %u %u", domid, vcpu);
    xenpvSimLineAdd(line, text);
    return xenpvSimRequestSimple(hyp, line);
}


int
xenpvSimGetHostCpuTimes(xenpvHypervisor *hyp, xenpvHostCpuTime **cpus, size_t *ncpus)
{
    g_autoptr(GString) line = xenpvSimLineNew("CPUTIMES");
    g_autoptr(xenpvSimMsg) reply = NULL;
    size_t n;
    size_t i;

    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (xenpvSimReplyCount(reply, "cpus", XENPV_MAX_HOST_CPUS, &n) < 0)
        return -1;
    *cpus = g_new0(xenpvHostCpuTime, n);
    for (i = 0; i < n; i++) {
        (*cpus)[i].busyNs = xenpvSimMsgGetIndexedU64(reply, "cpu", i, "busy_ns", 0);
        (*cpus)[i].idleNs = xenpvSimMsgGetIndexedU64(reply, "cpu", i, "idle_ns", 0);
    }
    *ncpus = n;
    return 0;
}
