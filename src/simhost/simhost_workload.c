/*
 * simhost_workload.c: the kernel page, the idle and dirty workloads, and the
 * periodic tick that drives the busy ones (idle guests have no timer at all).
 */
#include <math.h>
#include <string.h>

#include "simhost_workload.h"
#include "xenpv_simproto.h"

#define SIM_MIN_PAGES 64

const char *
simWorkloadName(SimWorkloadKind kind)
{
    switch (kind) {
    case SIM_WORKLOAD_DIRTY:
        return "dirty";
    case SIM_WORKLOAD_SELFCHECK:
        return "selfcheck";
    case SIM_WORKLOAD_IDLE:
    default:
        return "idle";
    }
}


const SimKernelPage *
simKernelPageGet(SimDomain *dom)
{
    const SimKernelPage *kp = (const SimKernelPage *)simDomainPage(dom, 0);

    if (memcmp(kp->magic, SIM_KERNEL_MAGIC, sizeof(kp->magic)) != 0 ||
        kp->version != SIM_KERNEL_VERSION || kp->workload > SIM_WORKLOAD_SELFCHECK)
        return NULL;
    return kp;
}


SimKernelPage *
simKernelPageWrite(SimDomain *dom)
{
    return (SimKernelPage *)simDomainPageForWrite(dom, 0);
}


/* xorshift64*: the workload's randomness, its state kept in guest memory. */
guint64
simWorkloadRng(SimKernelPage *kp)
{
    guint64 x = kp->rng ? kp->rng : 0x9E3779B97F4A7C15ULL;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    kp->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}


static const char *
cmdlineValue(char **words, const char *key)
{
    size_t len = strlen(key);
    const char *found = NULL;
    size_t i;

    /* Like the kernel's own parameters, the last one wins. */
    for (i = 0; words && words[i]; i++) {
        if (strncmp(words[i], key, len) == 0 && words[i][len] == '=')
            found = words[i] + len + 1;
    }
    return found;
}


void
simWorkloadBoot(SimDomain *dom)
{
    g_auto(GStrv) words = g_strsplit_set(dom->cmdline, " \t\n", -1);
    const char *workload = cmdlineValue(words, "sim.workload");
    const char *shutdown = cmdlineValue(words, "sim.shutdown");
    const char *rate = NULL;
    SimKernelPage *kp = simKernelPageWrite(dom);
    guint64 mbps = 1;

    memset(kp, 0, sizeof(*kp));
    memcpy(kp->magic, SIM_KERNEL_MAGIC, sizeof(kp->magic));
    kp->version = SIM_KERNEL_VERSION;
    kp->abi = dom->abi;
    kp->bootPages = dom->nrPages;
    kp->rng = ((guint64)dom->domid << 32) ^ (guint64)g_get_real_time() ^ 0xA5A5A5A5ULL;
    g_strlcpy(kp->cmdline, dom->cmdline, sizeof(kp->cmdline));

    if (!workload || strcmp(workload, "idle") == 0) {
        kp->workload = SIM_WORKLOAD_IDLE;
    } else if (strcmp(workload, "dirty") == 0) {
        kp->workload = SIM_WORKLOAD_DIRTY;
        rate = cmdlineValue(words, "sim.dirty_mbps");
    } else if (strcmp(workload, "selfcheck") == 0) {
        kp->workload = SIM_WORKLOAD_SELFCHECK;
        rate = cmdlineValue(words, "sim.selfcheck_mbps");
    } else {
        simGuestPrintf(dom, "sim: unknown workload '%s', running idle\n", workload);
        kp->workload = SIM_WORKLOAD_IDLE;
    }
    if (rate && !xenpvSimParseU64(rate, &mbps))
        simGuestPrintf(dom, "sim: ignoring malformed rate '%s'\n", rate);
    kp->pagesPerSec = mbps << (20 - XENPV_PAGE_SHIFT);
    if (shutdown && strcmp(shutdown, "ignore") == 0)
        kp->flags |= SIM_KFLAG_IGNORE_SHUTDOWN;
    dom->workload = kp->workload;
}


gboolean
simWorkloadResume(SimDomain *dom)
{
    SimKernelPage *kp;

    if (!simKernelPageGet(dom))
        return FALSE;
    kp = simKernelPageWrite(dom);
    kp->resumes++;
    kp->creditMicroPages = 0;
    dom->workload = kp->workload;
    if (dom->workload == SIM_WORKLOAD_SELFCHECK)
        simSelfcheckVerifyAll(dom, kp, "resume");
    return TRUE;
}


static void
simDirtyTick(SimDomain *dom, SimKernelPage *kp, guint64 pages)
{
    guint64 region = MIN(dom->nrPages, dom->memBytes / XENPV_PAGE_SIZE);
    guint64 i;

    if (region < 2)
        return;
    for (i = 0; i < pages; i++) {
        guint64 pfn = 1 + simWorkloadRng(kp) % (region - 1);
        guint64 *words = (guint64 *)simDomainPageForWrite(dom, pfn);

        words[0] = pfn;
        words[1] = kp->ticks;
        words[2] = simWorkloadRng(kp);
    }
}


/* The share of its full speed a workload gets under the domain's CPU
 * cap: its vCPUs would keep every online vCPU busy, the cap gives them
 * cap % of one host CPU in all. */
static double
simWorkloadCapShare(SimDomain *dom)
{
    double full = 100.0 * MAX(simDomainOnlineVcpus(dom), 1);

    if (!dom->cpuCap || dom->cpuCap >= full)
        return 1.0;
    return dom->cpuCap / full;
}


static gboolean
simWorkloadTick(gpointer opaque)
{
    SimDomain *dom = opaque;
    gint64 now = g_get_monotonic_time();
    guint64 elapsedUs = now > dom->lastTickUs ? now - dom->lastTickUs : 0;
    guint64 pages;
    SimKernelPage *kp;

    dom->lastTickUs = now;
    if (!simKernelPageGet(dom)) {
        dom->tickSource = 0;
        simGuestPrintf(dom, "BUG: unable to handle page fault: kernel page overwritten\n"
                       "Kernel panic - not syncing: Fatal exception\n");
        simDomainShutdown(dom, XENPV_SHUTDOWN_CRASH);
        return G_SOURCE_REMOVE;
    }
    kp = simKernelPageWrite(dom);
    kp->ticks++;
    /* Bound a tick's work: a host that stalled does not make up for it. */
    elapsedUs = MIN(elapsedUs, 10 * SIM_TICK_MS * 1000);
    kp->creditMicroPages += (guint64)(kp->pagesPerSec * elapsedUs * simWorkloadCapShare(dom));
    pages = kp->creditMicroPages / G_USEC_PER_SEC;
    kp->creditMicroPages %= G_USEC_PER_SEC;

    if (kp->workload == SIM_WORKLOAD_DIRTY)
        simDirtyTick(dom, kp, pages);
    else if (kp->workload == SIM_WORKLOAD_SELFCHECK)
        simSelfcheckTick(dom, kp, pages);
    if (kp->ticks % SIM_MEMINFO_TICKS == 0)
        simWorkloadReportMemory(dom);
    return G_SOURCE_CONTINUE;
}


/* What the guest uses, in pages: its kernel, a page cache of a sixteenth
 * of its memory, and what its workload has touched so far. */
static guint64
simWorkloadUsedPages(SimDomain *dom, const SimKernelPage *kp)
{
    guint64 used = (SIM_KERNEL_FOOTPRINT_KIB >> 2) + dom->nrPages / 16;

    if (kp && kp->workload == SIM_WORKLOAD_SELFCHECK) {
        used += kp->regionPages;
    } else if (kp && kp->workload == SIM_WORKLOAD_DIRTY) {
        /* Random writes over the whole memory touch 1 - e^(-written/size). */
        double written = kp->ticks * (SIM_TICK_MS / 1000.0) * kp->pagesPerSec;

        used += (guint64)(dom->nrPages * (1.0 - exp(-written / MAX(dom->nrPages, 1))));
    }
    return MIN(used, dom->nrPages);
}


void
simWorkloadReportMemory(SimDomain *dom)
{
    SimStore *st = dom->host->store;
    g_autofree char *total = simDomainPath(dom, "data/meminfo_total");
    g_autofree char *free = simDomainPath(dom, "data/meminfo_free");
    guint64 used = simWorkloadUsedPages(dom, simKernelPageGet(dom));

    simStoreWritef(st, total, "%" G_GUINT64_FORMAT, XENPV_PAGES_TO_KIB(dom->nrPages));
    simStoreWritef(st, free, "%" G_GUINT64_FORMAT, XENPV_PAGES_TO_KIB(dom->nrPages - used));
}


static double
simWorkloadLoad(SimDomain *dom)
{
    const SimKernelPage *kp = simKernelPageGet(dom);
    double perVcpu = 0.002;

    if (kp && kp->workload == SIM_WORKLOAD_DIRTY)
        perVcpu = MIN(1.0, 0.05 + (double)(kp->pagesPerSec >> 8) / 100.0);
    else if (kp && kp->workload == SIM_WORKLOAD_SELFCHECK)
        perVcpu = kp->failed ? 0.01 : 0.25;
    return perVcpu * simDomainOnlineVcpus(dom);
}


/* A rate of the command line in KiB/s (sim.NAME=N), else @def (bytes/s). */
static double
simWorkloadRate(char **words, const char *key, double def)
{
    const char *value = cmdlineValue(words, key);
    guint64 kbps;

    if (value && xenpvSimParseU64(value, &kbps))
        return kbps * 1024.0;
    return def;
}


/* The workload's steady I/O: an idle guest writes its logs and hears
 * broadcasts; one that dirties memory writes a quarter of it back and
 * talks about it; the selfcheck one reads and writes a little. */
static SimIoRates
simWorkloadIoRates(SimDomain *dom)
{
    const SimKernelPage *kp = simKernelPageGet(dom);
    g_auto(GStrv) words = g_strsplit_set(dom->cmdline, " \t\n", -1);
    SimIoRates rates = { 0, 4096, 1024, 256 };

    if (kp && kp->workload == SIM_WORKLOAD_DIRTY) {
        double dirty = kp->pagesPerSec * (double)XENPV_PAGE_SIZE;

        rates.diskWriteBps = dirty / 4;
        rates.diskReadBps = dirty / 32;
        rates.netTxBps = dirty / 8;
        rates.netRxBps = dirty / 16;
    } else if (kp && kp->workload == SIM_WORKLOAD_SELFCHECK) {
        rates.diskReadBps = rates.diskWriteBps = 64 * 1024;
        rates.netRxBps = rates.netTxBps = 16 * 1024;
    }
    rates.diskReadBps = simWorkloadRate(words, "sim.disk_read_kbps", rates.diskReadBps);
    rates.diskWriteBps = simWorkloadRate(words, "sim.disk_write_kbps", rates.diskWriteBps);
    rates.netRxBps = simWorkloadRate(words, "sim.net_rx_kbps", rates.netRxBps);
    rates.netTxBps = simWorkloadRate(words, "sim.net_tx_kbps", rates.netTxBps);
    return rates;
}


void
simWorkloadSchedule(SimDomain *dom)
{
    gboolean busy = simDomainIsRunning(dom) && dom->workload != SIM_WORKLOAD_IDLE;

    simDomainAccrueCpu(dom);
    dom->load = simWorkloadLoad(dom) * simWorkloadCapShare(dom);
    dom->ioRates = simWorkloadIoRates(dom);
    if (busy && !dom->tickSource) {
        dom->lastTickUs = g_get_monotonic_time();
        dom->tickSource = g_timeout_add(SIM_TICK_MS, simWorkloadTick, dom);
    } else if (!busy && dom->tickSource) {
        g_source_remove(dom->tickSource);
        dom->tickSource = 0;
    }
}


guint64
simWorkloadMinPages(SimDomain *dom)
{
    guint64 min = SIM_MIN_PAGES;

    if (dom->workload == SIM_WORKLOAD_SELFCHECK)
        min = MAX(min, simSelfcheckMinPages(dom->memBytes / XENPV_PAGE_SIZE));
    return min;
}


void
simWorkloadBalloon(SimDomain *dom, guint64 oldPages, guint64 newPages)
{
    const SimKernelPage *kp = simKernelPageGet(dom);

    if (kp && kp->workload == SIM_WORKLOAD_SELFCHECK)
        simSelfcheckResize(dom, simKernelPageWrite(dom), newPages);
    /* Pages handed back to Xen leave the guest's memory. */
    if (newPages < oldPages)
        simDomainReleasePages(dom, newPages, oldPages);
    simWorkloadReportMemory(dom);
}
