/*
 * xenpv_hyp_xen_build.c: creating, building and destroying PV domains on
 * a real dom0 with libxenctrl and libxenguest's domain builder.
 *
 * A guest comes to life in steps: an empty domain (xc_domain_create: PV,
 * its vCPU and event-channel/grant limits, its UUID), its memory ceiling
 * and CPU policy, the event channels its console and store rings signal
 * on, the memory image (the builder loads the kernel and ramdisk, lays
 * out start_info, page tables, p2m, console and store pages, and seeds
 * the grant table so dom0's daemons can map those two pages), then its
 * xenstore subtree, its devices, and its introduction to xenstored (which
 * also makes xenconsoled attach to its console).  It is left paused.
 * A guest in Xen's PV-shim is the same with an HVM domain and the image
 * of xenpv_hyp_xen_pvh.c.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_build");


int
xenpvXenDomainMake(xenpvXenPriv *priv, const xenpvBuildSpec *spec, uint32_t *domid)
{
    struct xen_domctl_createdomain create = { 0 };
    xc_physinfo_t phys = { 0 };
    bool pvh = spec->container == XENPV_CONTAINER_PVSHIM;
    uint32_t newDomid = 0;

    /* Refusals come before anything is created. */
    if (xenpvXenCheckGuest(priv, spec) < 0)
        return -1;
    if (spec->bootloader && *spec->bootloader) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' names a bootloader (%s); this driver boots the kernel given in <os><kernel> and runs no bootloader in dom0"),
                       spec->name, spec->bootloader);
        return -1;
    }
    if (spec->maxVcpus == 0 || spec->vcpus > spec->maxVcpus) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' asks for %u vCPUs online of at most %u"),
                       spec->name, spec->vcpus, spec->maxVcpus);
        return -1;
    }

    memcpy(create.handle, spec->uuid, sizeof(create.handle));
    if (pvh) {
        /* The PV-shim's PVH container: HVM, paged by HAP where there is
         * HAP, with nothing emulated but the local APIC. */
        create.flags = XEN_DOMCTL_CDF_hvm | (priv->hap ? XEN_DOMCTL_CDF_hap : 0);
        create.arch.emulation_flags = XEN_X86_EMU_LAPIC;
    } else {
        create.flags = 0;   /* PV: neither HVM nor HAP */
    }
    create.max_vcpus = spec->maxVcpus;
    /* xl's max_event_channels and max_grant_frames, as libxl passes them. */
    create.max_evtchn_port = spec->maxEventChannels ? spec->maxEventChannels : XENPV_XEN_MAX_EVTCHN_PORT;
    create.max_grant_frames = spec->maxGrantFrames ? spec->maxGrantFrames : XENPV_XEN_MAX_GRANT_FRAMES;
    create.max_maptrack_frames = XENPV_XEN_MAX_MAPTRACK_FRAMES;
    /* Grant table v2 where the hypervisor offers it, as Xen's toolstack does. */
    create.grant_opts = XEN_DOMCTL_GRANT_version(
        xc_physinfo(priv->xch, &phys) == 0 &&
        (phys.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2) ? 2 : 1);
    xenpvXenClearLastError();

    if (xc_domain_create(priv->xch, &newDomid, &create) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot create domain '%s'"), spec->name);
        return -1;
    }
    VIR_DEBUG("domain '%s' created as domid %u", spec->name, newDomid);
    /* Leftovers of an earlier domain with this ID or UUID go first: what
     * comes next (devices on a restore, the subtree on a build) is new. */
    xenpvXenStoreRemoveLeftovers(priv, newDomid, spec->uuid);

    /* createdomain only sets the limit: the vCPUs themselves come from
     * max_vcpus, and the builder's SETVCPUCONTEXT needs vCPU 0 to exist. */
    if (xc_domain_max_vcpus(priv->xch, newDomid, spec->maxVcpus) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot create the %u vCPUs of domain '%s'"),
                            spec->maxVcpus, spec->name);
        goto error;
    }
    if (xc_cpuid_apply_policy(priv->xch, newDomid, false, NULL, 0, true, false, false,
                              NULL, NULL) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot set the CPU policy of domain '%s'"), spec->name);
        goto error;
    }
    /* A PV domain's pseudo-physical map ends at its memory; a container's
     * memory map comes with the rest of its set-up. */
    if (xc_domain_setmaxmem(priv->xch, newDomid,
                            spec->maxMemKiB + XENPV_XEN_MAXMEM_SLACK_KIB) < 0 ||
        (!pvh && xc_domain_set_memmap_limit(priv->xch, newDomid, spec->maxMemKiB) < 0)) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot set the memory limit of domain '%s' to %llu KiB"),
                            spec->name, (unsigned long long)spec->maxMemKiB);
        goto error;
    }
    if (pvh && xenpvXenPvhPrepare(priv, newDomid, spec) < 0)
        goto error;
    if (xenpvXenApplyAffinity(priv, newDomid, spec) < 0)
        goto error;

    *domid = newDomid;
    return 0;

 error:
    xenpvXenDomainAbandon(priv, newDomid);
    return -1;
}


void
xenpvXenDomainAbandon(xenpvXenPriv *priv, uint32_t domid)
{
    virErrorPtr orig = NULL;

    virErrorPreserveLast(&orig);
    xc_domain_pause(priv->xch, domid);
    xenpvXenDevicesRemove(priv, domid);
    if (xc_domain_destroy(priv->xch, domid) < 0)
        VIR_WARN("cannot destroy the half-built domain %u: %s", domid,
                 NULLSTR(xenpvXenLastError()));
    xenpvXenStoreRemoveDomain(priv, domid);
    xenpvXenClearLastError();
    virErrorRestore(&orig);
}


int
xenpvXenDomainFinish(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec,
                     unsigned int storePort, unsigned long storeMfn,
                     unsigned int consolePort, unsigned long consoleMfn)
{
    VIR_DEBUG("domain '%s' (%u): store entries", spec->name, domid);
    if (xenpvXenStoreWriteEntries(priv, domid, spec, storePort, storeMfn,
                                  consolePort, consoleMfn) < 0)
        return -1;
    /* The console entries are in place: xenconsoled attaches on this. */
    VIR_DEBUG("domain '%s' (%u): introduction to xenstored", spec->name, domid);
    if (xenpvXenStoreIntroduce(priv, domid, storeMfn, storePort) < 0)
        return -1;
    VIR_DEBUG("domain '%s' (%u): %zu disks, %zu network interfaces",
              spec->name, domid, spec->ndisks, spec->nnics);
    return xenpvXenDevicesAdd(priv, domid, spec);
}


/* The two event channels dom0's daemons talk to the guest on. */
static int
xenpvXenAllocPorts(xenpvXenPriv *priv, uint32_t domid, const char *name,
                   unsigned int *storePort, unsigned int *consolePort)
{
    int store = xc_evtchn_alloc_unbound(priv->xch, domid, 0);
    int console = store < 0 ? -1 : xc_evtchn_alloc_unbound(priv->xch, domid, 0);

    if (store < 0 || console < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot allocate the store and console event channels of domain '%s'"),
                            name);
        return -1;
    }
    *storePort = store;
    *consolePort = console;
    return 0;
}


struct xc_dom_image *
xenpvXenDomAllocate(xenpvXenPriv *priv, const xenpvBuildSpec *spec, const char *cmdline,
                    int containerType, unsigned int storePort, unsigned int consolePort)
{
    struct xc_dom_image *dom;

    if (!(dom = xc_dom_allocate(priv->xch, cmdline ? cmdline : "", NULL))) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot start building domain '%s' (xc_dom_allocate)"), spec->name);
        return NULL;
    }
    dom->container_type = containerType;
    dom->console_evtchn = consolePort;
    dom->console_domid = 0;
    dom->xenstore_evtchn = storePort;
    dom->xenstore_domid = 0;
    dom->max_vcpus = spec->maxVcpus;
    dom->claim_enabled = 0;
    return dom;
}


int
xenpvXenDomBuild(xenpvXenPriv *priv, struct xc_dom_image *dom, uint32_t domid,
                 unsigned int memMiB, const char **step)
{
    /* Each step is logged: where a slow build spends its time. */
#define XENPV_XEN_DOM_STEP(stepName, call) \
    do { \
        *step = (stepName); \
        VIR_DEBUG("domain %u: %s", domid, *step); \
        if ((call) != 0) \
            return -1; \
    } while (0)

    XENPV_XEN_DOM_STEP("xc_dom_boot_xen_init", xc_dom_boot_xen_init(dom, priv->xch, domid));
    XENPV_XEN_DOM_STEP("xc_dom_parse_image", xc_dom_parse_image(dom));
    XENPV_XEN_DOM_STEP("xc_dom_mem_init", xc_dom_mem_init(dom, memMiB));
    XENPV_XEN_DOM_STEP("xc_dom_boot_mem_init", xc_dom_boot_mem_init(dom));
    XENPV_XEN_DOM_STEP("xc_dom_build_image", xc_dom_build_image(dom));
    XENPV_XEN_DOM_STEP("xc_dom_boot_image", xc_dom_boot_image(dom));
    XENPV_XEN_DOM_STEP("xc_dom_gnttab_init", xc_dom_gnttab_init(dom));
#undef XENPV_XEN_DOM_STEP
    return 0;
}


/* Run libxenguest's builder: the guest's memory image, booted paused. */
static int
xenpvXenBuildImage(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec,
                   unsigned int storePort, unsigned long *storeMfn,
                   unsigned int consolePort, unsigned long *consoleMfn)
{
    struct xc_dom_image *dom;
    const char *step = "kernel";
    int ret = -1;

    if (!(dom = xenpvXenDomAllocate(priv, spec, spec->cmdline, XC_DOM_PV_CONTAINER,
                                    storePort, consolePort)))
        return -1;
    dom->flags = 0;

    /* The image the driver decompressed to read the kernel's notes, or
     * else the file (which the builder would decompress once more). */
    if (spec->kernelImage) {
        gsize size = 0;
        const void *image = g_bytes_get_data(spec->kernelImage, &size);

        VIR_DEBUG("domain '%s' (%u): kernel image of %zu bytes", spec->name, domid, size);
        if (xc_dom_kernel_mem(dom, image, size) != 0)
            goto error;
    } else {
        VIR_DEBUG("domain '%s' (%u): kernel %s", spec->name, domid, spec->kernel);
        if (xc_dom_kernel_file(dom, spec->kernel) != 0)
            goto error;
    }
    step = "ramdisk";
    if (spec->ramdisk && *spec->ramdisk &&
        xc_dom_module_file(dom, spec->ramdisk, NULL) != 0)
        goto error;
    if (xenpvXenDomBuild(priv, dom, domid, spec->targetMemKiB / 1024, &step) < 0)
        goto error;

    *consoleMfn = xc_dom_p2m(dom, dom->console_pfn);
    *storeMfn = xc_dom_p2m(dom, dom->xenstore_pfn);
    VIR_DEBUG("domain '%s' (%u) built as %s: store mfn 0x%lx port %u, console mfn 0x%lx port %u",
              spec->name, domid, NULLSTR(dom->guest_type), *storeMfn, storePort,
              *consoleMfn, consolePort);
    ret = 0;
    goto cleanup;

 error:
    xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                        _("cannot build domain '%s' from kernel '%s' (%s)"),
                        spec->name, NULLSTR(spec->kernel), step);
 cleanup:
    xc_dom_release(dom);
    return ret;
}


/* The memory image of a PV domain, or of the PV-shim's container. */
static int
xenpvXenBuildGuestImage(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec,
                        unsigned int storePort, unsigned long *storeMfn,
                        unsigned int consolePort, unsigned long *consoleMfn)
{
    if (spec->container == XENPV_CONTAINER_PVSHIM)
        return xenpvXenPvhBuildImage(priv, domid, spec, storePort, storeMfn,
                                     consolePort, consoleMfn);
    return xenpvXenBuildImage(priv, domid, spec, storePort, storeMfn,
                              consolePort, consoleMfn);
}


int
xenpvXenDomainCreate(xenpvHypervisor *hyp, const xenpvBuildSpec *spec, uint32_t *domid)
{
    xenpvXenPriv *priv = hyp->priv;
    unsigned int storePort = 0;
    unsigned int consolePort = 0;
    unsigned long storeMfn = 0;
    unsigned long consoleMfn = 0;
    uint32_t newDomid;

    if (!spec->kernel || !*spec->kernel) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' has no kernel to boot"), spec->name);
        return -1;
    }
    if (spec->container == XENPV_CONTAINER_PVSHIM && (!spec->shim || !*spec->shim)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' is to run in Xen's PV-shim, but no shim image was given"),
                       spec->name);
        return -1;
    }
    if (xenpvXenDomainMake(priv, spec, &newDomid) < 0)
        return -1;
    if (xenpvXenAllocPorts(priv, newDomid, spec->name, &storePort, &consolePort) < 0 ||
        xenpvXenBuildGuestImage(priv, newDomid, spec, storePort, &storeMfn,
                                consolePort, &consoleMfn) < 0 ||
        xenpvXenDomainFinish(priv, newDomid, spec, storePort, storeMfn,
                             consolePort, consoleMfn) < 0) {
        xenpvXenDomainAbandon(priv, newDomid);
        return -1;
    }
    *domid = newDomid;
    return 0;
}


int
xenpvXenDomainDestroy(xenpvHypervisor *hyp, uint32_t domid)
{
    xenpvXenPriv *priv = hyp->priv;
    xc_domaininfo_t di = { 0 };
    int n;

    if (domid == 0) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("domain 0 is the control domain and cannot be destroyed"));
        return -1;
    }
    n = xc_domain_getinfolist(priv->xch, domid, 1, &di);
    if (n == 1 && di.domain == domid) {
        /* Stopped first, so its frontends cannot race the teardown. */
        xc_domain_pause(priv->xch, domid);
    }
    xenpvXenClearLastError();

    /* Devices go while the domain exists: their backends must let go of
     * its pages, or it lingers as a zombie. */
    xenpvXenDevicesRemove(priv, domid);
    if (n == 1 && di.domain == domid &&
        xc_domain_destroy(priv->xch, domid) < 0 && errno != ESRCH) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot destroy domain %u"), domid);
        return -1;
    }
    xenpvXenStoreRemoveDomain(priv, domid);
    return 0;
}
