/*
 * simhost_domain.c: the host and its domains with Xen's semantics: domids,
 * pause counts, shutdown reasons, page accounting, guest memory as a sparse
 * memfd, vCPU time, and the log-dirty bitmap.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "simhost.h"
#include "simhost_workload.h"
#include "xenpv_kernel.h"
#include "xenpv_simproto.h"

#define PAGE_SIZE XENPV_PAGE_SIZE
#define BITS_PER_LONG (sizeof(unsigned long) * 8)
#define BITMAP_LONGS(bits) (((bits) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define SIM_MAX_PAUSE_COUNT 255

static void simDomainFree(gpointer data);
static gboolean simDomainInitVcpus(SimDomain *dom, const xenpvBuildSpec *spec, GError **error);

SimHost *
simHostNew(const SimHostConfig *cfg)
{
    SimHost *host = g_new0(SimHost, 1);
    SimStore *st;

    host->cfg = *cfg;
    host->totalPages = cfg->memoryMiB << (20 - XENPV_PAGE_SHIFT);
    host->dom0Pages = cfg->dom0MemoryMiB << (20 - XENPV_PAGE_SHIFT);
    host->nextDomid = 1;
    host->startUs = g_get_monotonic_time();
    host->pcpuBusyNs = g_new0(guint64, MAX(cfg->cpus, 1));
    if (cfg->vncFont) {
        g_autoptr(GError) err = NULL;

        if (!(host->font = simFontLoad(cfg->vncFont, &err)))
            host->fontError = g_strdup(err->message);
    }
    host->domains = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, simDomainFree);
    host->store = st = simStoreNew();

    simStoreWrite(st, "/local/domain/0/name", "Domain-0", NULL);
    simStoreWrite(st, "/local/domain/0/domid", "0", NULL);
    simStoreWritef(st, "/local/domain/0/memory/target", "%" G_GUINT64_FORMAT,
                   XENPV_PAGES_TO_KIB(host->dom0Pages));
    simStoreWrite(st, "/local/domain/0/backend", "", NULL);
    simStoreWrite(st, "/vm", "", NULL);
    simStoreWrite(st, "/tool/xenstored", "", NULL);
    return host;
}


void
simHostFree(SimHost *host)
{
    if (!host)
        return;
    g_hash_table_destroy(host->domains);
    simStoreFree(host->store);
    g_free(host->pcpuBusyNs);
    simFontFree(host->font);
    g_free(host->fontError);
    g_free(host);
}


guint64
simHostFreePages(SimHost *host)
{
    GHashTableIter iter;
    gpointer value;
    guint64 used = host->dom0Pages;

    g_hash_table_iter_init(&iter, host->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        used += ((SimDomain *)value)->nrPages;
    return used >= host->totalPages ? 0 : host->totalPages - used;
}


void
simHostChanged(SimHost *host)
{
    if (host->notify)
        host->notify(host, host->notifyData);
}


void
simHostFillInfo(SimHost *host, xenpvHostInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->nrCpus = host->cfg.cpus;
    info->threadsPerCore = 1;
    info->coresPerSocket = host->cfg.cpus;
    info->nrNodes = 1;
    info->cpuKhz = 2400000;
    info->totalPages = host->totalPages;
    info->freePages = simHostFreePages(host);
    info->xenMajor = 4;
    info->xenMinor = 17;
    g_strlcpy(info->xenExtra, ".7-sim", sizeof(info->xenExtra));
    g_snprintf(info->xenCaps, sizeof(info->xenCaps), "%s%s%s%s",
               xenpvGuestAbiToCaps(XENPV_GUEST_ABI_X86_64),
               host->cfg.pv32 ? " " : "",
               host->cfg.pv32 ? xenpvGuestAbiToCaps(XENPV_GUEST_ABI_X86_32P) : "",
               host->cfg.hvm ? " hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64" : "");
    info->pv32 = host->cfg.pv32;
    info->logDirty = host->cfg.logDirty;
    /* HVM comes with HAP here; shadow paging is what PV log-dirty needs. */
    info->hvm = host->cfg.hvm;
    info->hap = host->cfg.hvm;
    info->shadow = host->cfg.logDirty;
}


static gboolean
simHostSupportsAbi(SimHost *host, xenpvGuestAbi abi)
{
    return abi == XENPV_GUEST_ABI_X86_64 ||
        (abi == XENPV_GUEST_ABI_X86_32P && host->cfg.pv32);
}


/* Learn the guest type from the kernel, as the domain builder does. */
static gboolean
simDomainCheckKernel(SimHost *host, const xenpvBuildSpec *spec, xenpvGuestAbi *abi,
                     GError **error)
{
    xenpvKernelInfo kinfo = { 0 };
    g_autoptr(GError) kerr = NULL;
    gboolean ret = FALSE;

    if (!spec->kernel || !*spec->kernel) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "a PV domain needs a kernel image to boot");
        return FALSE;
    }
    if (!xenpvKernelInspectFile(spec->kernel, &kinfo, &kerr)) {
        if (g_error_matches(kerr, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_UNSUPPORTED)) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "xc_dom_compat_check: guest type %s not supported by xen kernel (%s)",
                        xenpvGuestAbiToCaps(XENPV_GUEST_ABI_X86_32), kerr->message);
        } else if (g_error_matches(kerr, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO)) {
            g_set_error(error, XENPV_SIM_ERROR, ENOENT,
                        "xc_dom_kernel_file failed: %s", kerr->message);
        } else {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "xc_dom_find_loader: no loader found: %s", kerr->message);
        }
        goto cleanup;
    }
    if (spec->abi != XENPV_GUEST_ABI_UNKNOWN && spec->abi != kinfo.abi) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "kernel %s is a %s guest, not %s as the domain says",
                    spec->kernel, xenpvGuestAbiToCaps(kinfo.abi),
                    xenpvGuestAbiToCaps(spec->abi));
        goto cleanup;
    }
    *abi = kinfo.abi;
    ret = TRUE;

 cleanup:
    xenpvKernelInfoClear(&kinfo);
    return ret;
}


/* A guest in the PV-shim: an HVM domain (a PVH container) whose kernel is
 * the shim and whose first module is the PV kernel, as Xen's toolstack
 * builds it.  The host needs HVM; the shim must be a PVH image; the PV
 * kernel is checked like any, but the shim runs both PV ABIs whatever the
 * host's xen_caps say. */
static gboolean
simDomainCheckShim(SimHost *host, const xenpvBuildSpec *spec, gboolean restore,
                   xenpvGuestAbi *abi, GError **error)
{
    xenpvKernelInfo shim = { 0 };
    g_autoptr(GError) kerr = NULL;

    if (!host->cfg.hvm) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "xc_domain_create: this hypervisor offers no HVM guests (no hvm-3.0 in "
                    "xen_caps), so it cannot create the PVH container of domain %s",
                    spec->name);
        return FALSE;
    }
    if (restore)
        return TRUE;
    if (!spec->shim || !*spec->shim) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "a PVH container for the PV-shim needs the shim image to boot");
        return FALSE;
    }
    if (!xenpvKernelInspectPvhFile(spec->shim, &shim, &kerr)) {
        int code = EINVAL;

        if (g_error_matches(kerr, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO))
            code = ENOENT;
        g_set_error(error, XENPV_SIM_ERROR, code,
                    "xc_dom_kernel_file failed for the PV-shim: %s", kerr->message);
        xenpvKernelInfoClear(&shim);
        return FALSE;
    }
    xenpvKernelInfoClear(&shim);
    if (!simDomainCheckKernel(host, spec, abi, error))
        return FALSE;
    if (*abi != XENPV_GUEST_ABI_X86_64 && *abi != XENPV_GUEST_ABI_X86_32P) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "the PV-shim runs only xen-3.0-x86_64 and xen-3.0-x86_32p guests, "
                    "not %s", xenpvGuestAbiToCaps(*abi));
        return FALSE;
    }
    return TRUE;
}


static gboolean
simDomainMapMemory(SimDomain *dom, guint64 pages, GError **error)
{
    dom->memBytes = pages * PAGE_SIZE;
    dom->memfd = memfd_create(dom->name, MFD_CLOEXEC);
    if (dom->memfd < 0 || ftruncate(dom->memfd, dom->memBytes) < 0) {
        g_set_error(error, XENPV_SIM_ERROR, ENOMEM,
                    "cannot allocate the memory of domain %s: %s",
                    dom->name, g_strerror(errno));
        return FALSE;
    }
    dom->mem = mmap(NULL, dom->memBytes, PROT_READ | PROT_WRITE, MAP_SHARED, dom->memfd, 0);
    if (dom->mem == MAP_FAILED) {
        dom->mem = NULL;
        g_set_error(error, XENPV_SIM_ERROR, ENOMEM,
                    "cannot map the memory of domain %s: %s", dom->name, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}


static void
simDomainConsoleInput(const char *data, gsize len, gpointer opaque)
{
    simGuestConsoleInput(opaque, data, len);
}


static void
simDomainConsoleOutput(const char *data, gsize len, gpointer opaque)
{
    SimDomain *dom = opaque;

    simFbWrite(dom->fb, data, len);
}


/* The PV framebuffer: the console drawn into it, served over VNC. */
static gboolean
simDomainStartVnc(SimDomain *dom, const xenpvBuildSpec *spec, GError **error)
{
    SimHost *host = dom->host;

    if (g_strcmp0(spec->vfbType, "vnc") != 0) {
        g_set_error(error, XENPV_SIM_ERROR, EOPNOTSUPP,
                    "a '%s' framebuffer is not served by the simulated host: use vnc",
                    spec->vfbType ? spec->vfbType : "");
        return FALSE;
    }
    if (!host->font) {
        g_set_error(error, XENPV_SIM_ERROR, EOPNOTSUPP,
                    "the simulated host serves no VNC framebuffer: %s", host->fontError);
        return FALSE;
    }
    if (spec->vncPort < 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "VNC port %d is out of range", spec->vncPort);
        return FALSE;
    }
    dom->fb = simFbNew(host->font);
    if (!(dom->vnc = simVncNew(spec->vncListen ? spec->vncListen : "127.0.0.1", spec->vncPort,
                               spec->vncPassword, dom->fb, dom->name,
                               simDomainConsoleInput, dom, error)))
        return FALSE;
    simConsoleSetOutputTap(dom->console, simDomainConsoleOutput, dom);
    return TRUE;
}


SimDomain *
simDomainCreate(SimHost *host, const xenpvBuildSpec *spec, gboolean restore,
                guint64 restorePages, GError **error)
{
    SimDomain *dom = NULL;
    xenpvGuestAbi abi = spec->abi;
    guint64 maxPages = (spec->maxMemKiB + 3) / 4;
    guint64 pages = MIN((spec->targetMemKiB ? spec->targetMemKiB : spec->maxMemKiB) / 4, maxPages);
    guint64 freePages = simHostFreePages(host);

    if (restore) {
        pages = restorePages ? restorePages : pages;
        if (abi == XENPV_GUEST_ABI_UNKNOWN) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "a restored domain needs its guest type");
            return NULL;
        }
        if (pages > maxPages) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "the saved domain has %" G_GUINT64_FORMAT " pages, more than its "
                        "maximum of %" G_GUINT64_FORMAT, pages, maxPages);
            return NULL;
        }
    }
    if (spec->container == XENPV_CONTAINER_PVSHIM) {
        if (!simDomainCheckShim(host, spec, restore, &abi, error))
            return NULL;
    } else {
        if (!restore && !simDomainCheckKernel(host, spec, &abi, error))
            return NULL;
        if (!simHostSupportsAbi(host, abi)) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "xc_dom_compat_check: guest type %s not supported by xen kernel",
                        xenpvGuestAbiToCaps(abi));
            return NULL;
        }
    }
    if (pages == 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "the domain needs some memory");
        return NULL;
    }
    if (pages > freePages) {
        g_set_error(error, XENPV_SIM_ERROR, ENOMEM,
                    "cannot create domain %s: it needs %" G_GUINT64_FORMAT " KiB but only %"
                    G_GUINT64_FORMAT " KiB of the host's %" G_GUINT64_FORMAT " KiB are free",
                    spec->name, XENPV_PAGES_TO_KIB(pages), XENPV_PAGES_TO_KIB(freePages),
                    XENPV_PAGES_TO_KIB(host->totalPages));
        return NULL;
    }

    dom = g_new0(SimDomain, 1);
    dom->host = host;
    dom->memfd = -1;
    dom->domid = host->nextDomid++;
    dom->name = g_strdup(spec->name);
    memcpy(dom->uuid, spec->uuid, 16);
    xenpvSimUuidFormat(dom->uuid, dom->uuidStr);
    dom->abi = abi;
    dom->container = spec->container;
    dom->cmdline = g_strdup(spec->cmdline ? spec->cmdline : "");
    dom->shimCmdline = g_strdup(spec->shimCmdline ? spec->shimCmdline : "");
    dom->maxPages = maxPages;
    dom->nrPages = pages;
    dom->maxVcpus = spec->maxVcpus;
    dom->vcpus = g_new0(SimVcpu, dom->maxVcpus);
    dom->pauseCount = 1;
    dom->restored = restore;
    dom->consoleLine = g_string_new(NULL);
    dom->cpuSince = g_get_monotonic_time();
    dom->ioSince = dom->cpuSince;
    dom->devices = g_ptr_array_new_with_free_func(simDeviceFree);

    if (!simDomainInitVcpus(dom, spec, error) ||
        !simDomainMapMemory(dom, maxPages, error)) {
        simDomainFree(dom);
        return NULL;
    }
    dom->console = simConsoleNew(host->cfg.consoleDir, dom->name, simDomainConsoleInput, dom);
    if (spec->vfb && !simDomainStartVnc(dom, spec, error)) {
        simDomainFree(dom);
        return NULL;
    }
    g_hash_table_insert(host->domains, GUINT_TO_POINTER(dom->domid), dom);
    simDevicesWrite(dom, spec);
    /* dom0's backends take their devices at once, the guest paused or not. */
    simXenbusSettle(dom);
    g_message("domain %u (%s) created%s: %s%s, %" G_GUINT64_FORMAT " pages of %" G_GUINT64_FORMAT,
              dom->domid, dom->name, restore ? " for a restore" : "",
              xenpvGuestAbiToCaps(abi),
              dom->container == XENPV_CONTAINER_PVSHIM ? " in the PV-shim" : "",
              pages, maxPages);
    simHostChanged(host);
    return dom;
}


static void
simDomainFree(gpointer data)
{
    SimDomain *dom = data;

    simGuestStop(dom);
    if (dom->storeCheckSource)
        g_source_remove(dom->storeCheckSource);
    if (dom->reactSource)
        g_source_remove(dom->reactSource);
    if (dom->xenbusSource)
        g_source_remove(dom->xenbusSource);
    simVncFree(dom->vnc);
    simFbFree(dom->fb);
    simConsoleFree(dom->console);
    if (dom->mem)
        munmap(dom->mem, dom->memBytes);
    if (dom->memfd >= 0)
        close(dom->memfd);
    g_free(dom->dirtyBitmap);
    g_free(dom->vcpus);
    if (dom->devices)
        g_ptr_array_unref(dom->devices);
    g_free(dom->name);
    g_free(dom->cmdline);
    g_free(dom->shimCmdline);
    g_string_free(dom->consoleLine, TRUE);
    g_free(dom);
}


void
simDomainDestroy(SimDomain *dom)
{
    SimHost *host = dom->host;

    g_message("domain %u (%s) destroyed", dom->domid, dom->name);
    simDevicesRemove(dom);
    g_hash_table_remove(host->domains, GUINT_TO_POINTER(dom->domid));
    simHostChanged(host);
}


SimDomain *
simDomainLookup(SimHost *host, guint32 domid, GError **error)
{
    SimDomain *dom = g_hash_table_lookup(host->domains, GUINT_TO_POINTER(domid));

    if (!dom)
        g_set_error(error, XENPV_SIM_ERROR, ESRCH, "no domain with id %u", domid);
    return dom;
}


gboolean
simDomainIsRunning(SimDomain *dom)
{
    return dom->pauseCount == 0 && !dom->shutdown;
}


guint
simDomainOnlineVcpus(SimDomain *dom)
{
    guint i, n = 0;

    for (i = 0; i < dom->maxVcpus; i++)
        n += dom->vcpus[i].online ? 1 : 0;
    return n;
}


/* The domain's CPU time since the last call, shared out equally among its
 * online vCPUs and charged to the host CPUs they sit on. */
void
simDomainAccrueCpu(SimDomain *dom)
{
    gint64 now = g_get_monotonic_time();
    guint online = simDomainOnlineVcpus(dom);
    guint64 ns;
    guint i;

    simIoAccrue(dom, now);
    if (simDomainIsRunning(dom) && now > dom->cpuSince && online > 0) {
        ns = (guint64)((now - dom->cpuSince) * 1000.0 * dom->load);
        dom->cpuNs += ns;
        for (i = 0; i < dom->maxVcpus; i++) {
            SimVcpu *v = &dom->vcpus[i];

            if (!v->online)
                continue;
            v->cpuNs += ns / online;
            if (v->cpu >= 0 && (guint)v->cpu < dom->host->cfg.cpus)
                dom->host->pcpuBusyNs[v->cpu] += ns / online;
        }
    }
    dom->cpuSince = now;
}


static gboolean
simCpumapTest(const guint8 *map, guint cpu)
{
    return cpu < XENPV_MAX_HOST_CPUS && (map[cpu / 8] & (1U << (cpu % 8)));
}


/* Put @vcpu on a host CPU it may run on: the domains spread over the host
 * as Xen's scheduler would spread busy vCPUs. */
static void
simVcpuPlace(SimDomain *dom, guint vcpu)
{
    SimVcpu *v = &dom->vcpus[vcpu];
    guint ncpus = dom->host->cfg.cpus;
    guint i;

    if (!v->online || ncpus == 0) {
        v->cpu = -1;
        return;
    }
    if (v->cpu >= 0 && simCpumapTest(v->affinity, v->cpu) && (guint)v->cpu < ncpus)
        return;
    for (i = 0; i < ncpus; i++) {
        guint cpu = (dom->domid + vcpu + i) % ncpus;

        if (simCpumapTest(v->affinity, cpu)) {
            v->cpu = cpu;
            return;
        }
    }
    v->cpu = -1;
}


/* Does @map name a CPU of this host? */
static gboolean
simHostHasCpuIn(SimHost *host, const guint8 *map)
{
    guint cpu;

    for (cpu = 0; cpu < host->cfg.cpus; cpu++) {
        if (simCpumapTest(map, cpu))
            return TRUE;
    }
    return FALSE;
}


int
simDomainSetVcpuAffinity(SimDomain *dom, guint vcpu, const guint8 *map, GError **error)
{
    if (vcpu >= dom->maxVcpus) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "domain %u has no vCPU %u (it has %u)", dom->domid, vcpu, dom->maxVcpus);
        return -1;
    }
    if (!simHostHasCpuIn(dom->host, map)) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "the affinity of vCPU %u of domain %u names no CPU of this host (0-%u)",
                    vcpu, dom->domid, dom->host->cfg.cpus - 1);
        return -1;
    }
    simDomainAccrueCpu(dom);
    memcpy(dom->vcpus[vcpu].affinity, map, XENPV_CPUMAP_BYTES);
    dom->vcpus[vcpu].cpu = -1;
    simVcpuPlace(dom, vcpu);
    return 0;
}


void
simDomainSetVcpuOnline(SimDomain *dom, guint vcpu, gboolean online)
{
    if (vcpu >= dom->maxVcpus || dom->vcpus[vcpu].online == online)
        return;
    simDomainAccrueCpu(dom);
    dom->vcpus[vcpu].online = online;
    simVcpuPlace(dom, vcpu);
}


/* Each vCPU's affinity (its own cpuset, else the domain's, else every
 * host CPU), whether it is online, and where it runs. */
static gboolean
simDomainInitVcpus(SimDomain *dom, const xenpvBuildSpec *spec, GError **error)
{
    guint i;

    for (i = 0; i < dom->maxVcpus; i++) {
        SimVcpu *v = &dom->vcpus[i];
        const char *set = xenpvBuildSpecVcpuCpuset(spec, i);

        v->cpu = -1;
        v->online = i < spec->vcpus;
        if (!set) {
            memset(v->affinity, 0xff, sizeof(v->affinity));
        } else if (!xenpvCpumapParse(set, v->affinity, sizeof(v->affinity)) ||
                   !simHostHasCpuIn(dom->host, v->affinity)) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "cannot pin vCPU %u of domain %s to host CPUs '%s': this host has CPUs 0-%u",
                        i, spec->name, set, dom->host->cfg.cpus - 1);
            return FALSE;
        }
        simVcpuPlace(dom, i);
    }
    return TRUE;
}


void
simHostCpuTimes(SimHost *host, guint64 *busyNs, guint64 *idleNs)
{
    GHashTableIter iter;
    gpointer value;
    guint64 upNs = (guint64)(g_get_monotonic_time() - host->startUs) * 1000;
    guint ncpus = MAX(host->cfg.cpus, 1);
    guint cpu;

    g_hash_table_iter_init(&iter, host->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        simDomainAccrueCpu(value);
    for (cpu = 0; cpu < ncpus; cpu++) {
        /* Domain-0's own work (see its vCPU time) is spread evenly. */
        guint64 busy = host->pcpuBusyNs[cpu] + upNs / SIM_DOM0_LOAD_DIVISOR / ncpus;

        busyNs[cpu] = MIN(busy, upNs);
        idleNs[cpu] = upNs - busyNs[cpu];
    }
}


int
simDomainPause(SimDomain *dom, GError **error)
{
    if (dom->pauseCount >= SIM_MAX_PAUSE_COUNT) {
        g_set_error(error, XENPV_SIM_ERROR, EOVERFLOW,
                    "domain %u is already paused %u times", dom->domid, dom->pauseCount);
        return -1;
    }
    simDomainAccrueCpu(dom);
    if (dom->pauseCount++ == 0)
        simGuestStop(dom);
    simHostChanged(dom->host);
    return 0;
}


int
simDomainUnpause(SimDomain *dom, GError **error)
{
    if (dom->pauseCount == 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "domain %u is not paused", dom->domid);
        return -1;
    }
    simDomainAccrueCpu(dom);
    if (--dom->pauseCount == 0 && !dom->shutdown)
        simGuestStart(dom);
    simHostChanged(dom->host);
    return 0;
}


int
simDomainResume(SimDomain *dom, GError **error)
{
    if (!dom->shutdown || dom->shutdownReason != XENPV_SHUTDOWN_SUSPEND) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "domain %u has not suspended itself, there is nothing to resume",
                    dom->domid);
        return -1;
    }
    simDomainAccrueCpu(dom);
    dom->shutdown = FALSE;
    dom->shutdownReason = 0;
    dom->needResume = TRUE;
    if (dom->pauseCount == 0)
        simGuestStart(dom);
    simHostChanged(dom->host);
    return 0;
}


void
simDomainShutdown(SimDomain *dom, guint reason)
{
    if (dom->shutdown)
        return;
    simDomainAccrueCpu(dom);
    simGuestStop(dom);
    dom->shutdown = TRUE;
    dom->shutdownReason = reason;
    g_message("domain %u (%s) shut down, reason %u", dom->domid, dom->name, reason);
    simHostChanged(dom->host);
}


int
simDomainSetMaxMem(SimDomain *dom, guint64 kib, GError **error)
{
    guint64 pages = (kib + 3) / 4;

    if (pages == 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "maximum memory must be positive");
        return -1;
    }
    if (pages * PAGE_SIZE > dom->memBytes) {
        gsize bytes = pages * PAGE_SIZE;
        void *mem;

        if (ftruncate(dom->memfd, bytes) < 0 ||
            (mem = mremap(dom->mem, dom->memBytes, bytes, MREMAP_MAYMOVE)) == MAP_FAILED) {
            g_set_error(error, XENPV_SIM_ERROR, ENOMEM,
                        "cannot grow the memory of domain %u: %s", dom->domid,
                        g_strerror(errno));
            return -1;
        }
        dom->mem = mem;
        dom->memBytes = bytes;
    }
    /* Like Xen, a ceiling below the current allocation is allowed: the guest
     * simply cannot grow until it is under it again. */
    dom->maxPages = pages;
    if (dom->dirtyBitmap && pages > dom->dirtyBits) {
        dom->dirtyBitmap = g_renew(unsigned long, dom->dirtyBitmap, BITMAP_LONGS(pages));
        memset(dom->dirtyBitmap + BITMAP_LONGS(dom->dirtyBits), 0,
               (BITMAP_LONGS(pages) - BITMAP_LONGS(dom->dirtyBits)) * sizeof(unsigned long));
        dom->dirtyBits = pages;
    }
    return 0;
}


int
simDomainSetMaxVcpus(SimDomain *dom, guint max, GError **error)
{
    guint i;

    if (dom->everRun) {
        g_set_error(error, XENPV_SIM_ERROR, EBUSY,
                    "the vCPU limit of domain %u is fixed once it has run", dom->domid);
        return -1;
    }
    if (max == 0 || max > 512) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "vCPU limit %u is out of range", max);
        return -1;
    }
    dom->vcpus = g_renew(SimVcpu, dom->vcpus, max);
    for (i = dom->maxVcpus; i < max; i++) {
        memset(&dom->vcpus[i], 0, sizeof(dom->vcpus[i]));
        memset(dom->vcpus[i].affinity, 0xff, sizeof(dom->vcpus[i].affinity));
        dom->vcpus[i].cpu = -1;
    }
    dom->maxVcpus = max;
    return 0;
}


int
simDomainSetCpuCap(SimDomain *dom, guint cap, GError **error)
{
    /* As Xen's credit scheduler: at most every host CPU's full time. */
    if (cap > 100 * dom->host->cfg.cpus) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "CPU cap %u%% is beyond the host's %u CPUs", cap, dom->host->cfg.cpus);
        return -1;
    }
    dom->cpuCap = cap;
    simWorkloadSchedule(dom);
    return 0;
}


void
simDomainFillInfo(SimDomain *dom, xenpvDomainInfo *info)
{
    gboolean running = simDomainIsRunning(dom);

    simDomainAccrueCpu(dom);
    memset(info, 0, sizeof(*info));
    info->domid = dom->domid;
    memcpy(info->uuid, dom->uuid, 16);
    info->shutdown = dom->shutdown;
    info->shutdownReason = dom->shutdown ? dom->shutdownReason : 0;
    info->paused = dom->pauseCount > 0;
    info->running = running && dom->workload != SIM_WORKLOAD_IDLE;
    info->blocked = running && dom->workload == SIM_WORKLOAD_IDLE;
    info->nrPages = dom->nrPages;
    info->maxPages = dom->maxPages;
    info->cpuTimeNs = dom->cpuNs;
    info->nrOnlineVcpus = simDomainOnlineVcpus(dom);
    info->maxVcpuId = dom->maxVcpus - 1;
    info->abi = dom->abi;
    info->hvm = dom->container == XENPV_CONTAINER_PVSHIM;
}


int
simDomainLogDirty(SimDomain *dom, gboolean enable, GError **error)
{
    /* A PVH container's memory is tracked by HAP: no shadow paging needed. */
    gboolean pvh = dom->container == XENPV_CONTAINER_PVSHIM;
    gboolean tracked = pvh ? dom->host->cfg.hvm : dom->host->cfg.logDirty;

    if (enable && !tracked) {
        g_set_error(error, XENPV_SIM_ERROR, EOPNOTSUPP,
                    "Failed to enable logdirty: %d (this Xen has no log-dirty mode for "
                    "PV guests, so they can only be saved or migrated while paused)",
                    EOPNOTSUPP);
        return -1;
    }
    g_clear_pointer(&dom->dirtyBitmap, g_free);
    dom->dirtyBits = 0;
    if (enable) {
        dom->dirtyBits = dom->memBytes / PAGE_SIZE;
        dom->dirtyBitmap = g_new0(unsigned long, BITMAP_LONGS(dom->dirtyBits));
    }
    return 0;
}


guint64
simDomainPeekClean(SimDomain *dom, gboolean clean, guint8 *bitmap, guint64 nrPages)
{
    guint64 n = MIN(nrPages, dom->dirtyBits);
    guint64 i, count = 0;

    memset(bitmap, 0, BITMAP_LONGS(nrPages) * sizeof(unsigned long));
    if (!dom->dirtyBitmap)
        return 0;
    /* The bitmap travels as bytes of x86's little-endian longs. */
    memcpy(bitmap, dom->dirtyBitmap, (n + 7) / 8);
    if (n % 8)
        bitmap[n / 8] &= (1u << (n % 8)) - 1;
    for (i = 0; i < (n + 7) / 8; i++)
        count += __builtin_popcount(bitmap[i]);
    if (clean)
        memset(dom->dirtyBitmap, 0, BITMAP_LONGS(dom->dirtyBits) * sizeof(unsigned long));
    return count;
}


static void
simDomainMarkDirty(SimDomain *dom, guint64 pfn)
{
    if (dom->dirtyBitmap && pfn < dom->dirtyBits)
        dom->dirtyBitmap[pfn / BITS_PER_LONG] |= 1UL << (pfn % BITS_PER_LONG);
}


guint8 *
simDomainPageForWrite(SimDomain *dom, guint64 pfn)
{
    g_assert(pfn < dom->memBytes / PAGE_SIZE);
    simDomainMarkDirty(dom, pfn);
    return dom->mem + pfn * PAGE_SIZE;
}


const guint8 *
simDomainPage(SimDomain *dom, guint64 pfn)
{
    g_assert(pfn < dom->memBytes / PAGE_SIZE);
    return dom->mem + pfn * PAGE_SIZE;
}


void
simDomainReleasePages(SimDomain *dom, guint64 from, guint64 to)
{
    guint64 pfn;

    to = MIN(to, dom->memBytes / PAGE_SIZE);
    if (from >= to)
        return;
    if (fallocate(dom->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  from * PAGE_SIZE, (to - from) * PAGE_SIZE) < 0)
        memset(dom->mem + from * PAGE_SIZE, 0, (to - from) * PAGE_SIZE);
    for (pfn = from; pfn < to; pfn++)
        simDomainMarkDirty(dom, pfn);
}
