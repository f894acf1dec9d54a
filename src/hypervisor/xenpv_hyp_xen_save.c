/*
 * xenpv_hyp_xen_save.c: save, restore and resume on a real dom0, with
 * libxenguest's stream (Xen's migration stream v2, which Xen's
 * verify-stream-v2 checks).
 *
 * Save: the driver asks the guest to suspend through our callback; a live
 * save first copies memory while the guest runs, which needs log-dirty
 * mode (refused up front where the hypervisor lacks it).  Restore: an
 * empty domain made from the definition, filled from the stream, then the
 * same store entries, devices and introduction as a freshly built guest,
 * with the store and console pages the stream says the guest uses.  A
 * PV-shim guest is saved as its PVH container: an HVM-type stream, which
 * restores only into a container (made as for a boot, memory map and all).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_save");

/* Without a budget from the caller: a few rounds, then stop and copy. */
#define XENPV_XEN_DEFAULT_ITERATIONS 5
/* Pages still dirty below which another round is not worth it. */
#define XENPV_XEN_FEW_DIRTY_PAGES 50

typedef struct {
    xenpvXenPriv *priv;
    uint32_t domid;
    const xenpvSaveParams *params;
    gint64 startUs;
    bool suspendFailed;
} xenpvXenSaveCtx;


/* libxenguest's suspend callback: 1 when the guest is suspended, 0 not. */
static int
xenpvXenSaveSuspend(void *data)
{
    xenpvXenSaveCtx *ctx = data;

    if (ctx->params->suspend(ctx->params->opaque) < 0) {
        ctx->suspendFailed = true;
        return 0;
    }
    return 1;
}


/* libxenguest asks an HVM domain's device model to track the pages it
 * writes; a PV-shim's PVH container has none. */
static int
xenpvXenSaveNoDeviceModel(uint32_t domid G_GNUC_UNUSED, unsigned int enable G_GNUC_UNUSED,
                          void *data G_GNUC_UNUSED)
{
    return 0;
}


/* Can the hypervisor track the pages @domid dirties?  HAP does it for an
 * HVM domain (a PV-shim's container); shadow paging for a PV one. */
static bool
xenpvXenSaveCanTrack(xenpvXenPriv *priv, uint32_t domid)
{
    xc_domaininfo_t di = { 0 };

    if (xc_domain_getinfolist(priv->xch, domid, 1, &di) == 1 && di.domain == domid &&
        (di.flags & XEN_DOMINF_hvm_guest))
        return priv->hap || priv->shadow;
    return priv->logDirty;
}


/* Decide after each round of a live save whether to go on copying. */
static int
xenpvXenSavePolicy(struct precopy_stats stats, void *data)
{
    xenpvXenSaveCtx *ctx = data;
    const xenpvSaveParams *params = ctx->params;
    unsigned int maxIterations = params->maxIterations ? params->maxIterations
                                                       : XENPV_XEN_DEFAULT_ITERATIONS;
    uint64_t remaining = stats.dirty_count < 0 ? 0 : (uint64_t)stats.dirty_count;

    if (params->progress &&
        params->progress(params->opaque, stats.total_written, remaining, stats.iteration) != 0)
        return XGS_POLICY_ABORT;
    if (stats.dirty_count < 0)
        return XGS_POLICY_CONTINUE_PRECOPY;     /* first round: everything is dirty */
    if (stats.iteration >= maxIterations || remaining <= XENPV_XEN_FEW_DIRTY_PAGES)
        return XGS_POLICY_STOP_AND_COPY;
    if (params->maxDowntimeMs) {
        /* The rate so far, or the caller's limit, says how long the rest takes. */
        double elapsedS = (g_get_monotonic_time() - ctx->startUs) / 1e6;
        double bps = params->bandwidthBps ? (double)params->bandwidthBps :
                     elapsedS > 0 ? stats.total_written * (double)XENPV_PAGE_SIZE / elapsedS : 0;

        if (bps > 0 && remaining * (double)XENPV_PAGE_SIZE * 1000.0 / bps <= params->maxDowntimeMs)
            return XGS_POLICY_STOP_AND_COPY;
    }
    return XGS_POLICY_CONTINUE_PRECOPY;
}


int
xenpvXenDomainSave(xenpvHypervisor *hyp, uint32_t domid, int fd,
                   const xenpvSaveParams *params)
{
    xenpvXenPriv *priv = hyp->priv;
    xenpvXenSaveCtx ctx = { .priv = priv, .domid = domid, .params = params };
    struct save_callbacks callbacks = { 0 };

    if (!params->suspend) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("a save needs a way to suspend the guest"));
        return -1;
    }
    if (params->live && !xenpvXenSaveCanTrack(priv, domid)) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("cannot save domain %u live: this hypervisor cannot track the pages a "
                         "PV guest dirties (log-dirty mode; %s); a hypervisor built with "
                         "CONFIG_SHADOW_PAGING=y can, or save it without --live"),
                       domid, priv->logDirtyHow);
        return -1;
    }

    callbacks.suspend = xenpvXenSaveSuspend;
    callbacks.precopy_policy = xenpvXenSavePolicy;
    callbacks.switch_qemu_logdirty = xenpvXenSaveNoDeviceModel;
    callbacks.data = &ctx;
    ctx.startUs = g_get_monotonic_time();

    xenpvXenClearLastError();
    if (xc_domain_save(priv->xch, fd, domid, params->live ? XCFLAGS_LIVE : 0,
                       &callbacks, XC_STREAM_PLAIN, -1) != 0) {
        /* The driver's own error (the guest would not suspend) says more. */
        if (ctx.suspendFailed)
            return -1;
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot save domain %u"), domid);
        return -1;
    }
    VIR_DEBUG("domain %u saved in %.2f s", domid,
              (g_get_monotonic_time() - ctx.startUs) / 1e6);
    return 0;
}


typedef struct {
    xenpvXenPriv *priv;
    uint32_t domid;
} xenpvXenRestoreCtx;


/* Streams older than the CPU-policy records carry none: the guest then
 * gets the policy a fresh domain gets, as restored. */
static int
xenpvXenRestoreStaticDataDone(unsigned int missing, void *data)
{
    xenpvXenRestoreCtx *ctx = data;

    if ((missing & XGR_SDD_MISSING_CPUID) &&
        xc_cpuid_apply_policy(ctx->priv->xch, ctx->domid, true, NULL, 0, true, false,
                              false, NULL, NULL) < 0)
        return -1;
    return 0;
}


int
xenpvXenDomainRestore(xenpvHypervisor *hyp, const xenpvBuildSpec *spec,
                      int fd, uint32_t *domid)
{
    xenpvXenPriv *priv = hyp->priv;
    struct restore_callbacks callbacks = { 0 };
    xenpvXenRestoreCtx ctx = { .priv = priv };
    unsigned long storeMfn = 0;
    unsigned long consoleMfn = 0;
    int storePort;
    int consolePort;
    uint32_t newDomid;

    if (xenpvXenDomainMake(priv, spec, &newDomid) < 0)
        return -1;
    ctx.domid = newDomid;

    if ((storePort = xc_evtchn_alloc_unbound(priv->xch, newDomid, 0)) < 0 ||
        (consolePort = xc_evtchn_alloc_unbound(priv->xch, newDomid, 0)) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot allocate the store and console event channels of domain '%s'"),
                            spec->name);
        goto error;
    }

    callbacks.static_data_done = xenpvXenRestoreStaticDataDone;
    callbacks.data = &ctx;
    xenpvXenClearLastError();
    if (xc_domain_restore(priv->xch, fd, newDomid, storePort, &storeMfn, 0,
                          consolePort, &consoleMfn, 0, XC_STREAM_PLAIN, &callbacks, -1) != 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot restore domain '%s' from its save stream"), spec->name);
        goto error;
    }
    VIR_DEBUG("domain '%s' restored as %u: store mfn 0x%lx, console mfn 0x%lx",
              spec->name, newDomid, storeMfn, consoleMfn);

    if (xenpvXenDomainFinish(priv, newDomid, spec, storePort, storeMfn,
                             consolePort, consoleMfn) < 0)
        goto error;
    *domid = newDomid;
    return 0;

 error:
    xenpvXenDomainAbandon(priv, newDomid);
    return -1;
}


int
xenpvXenDomainResume(xenpvHypervisor *hyp, uint32_t domid)
{
    xenpvXenPriv *priv = hyp->priv;

    /* Cooperative: the guest sees its suspend call return "cancelled" and
     * carries on with its devices as they were. */
    if (xc_domain_resume(priv->xch, domid, 1) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot resume domain %u"), domid);
        return -1;
    }
    /* xenstored reports a domain's shutdown once; it must know the guest
     * runs again to report the next one. */
    if (!xs_resume_domain(priv->xsh, domid))
        VIR_WARN("xenstored did not take the resume of domain %u: %s",
                 domid, g_strerror(errno));
    return 0;
}
