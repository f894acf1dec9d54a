/*
 * xenpv_hyp_xen_save.c: save, restore and resume on a real dom0, with
 * libxenguest's stream (Xen's migration stream v2, which Xen's
 * verify-stream-v2 checks).
 *
 * Save: the driver asks the guest to suspend through our callback; a live
 * save first copies memory while the guest runs, which needs log-dirty
 * mode (refused up front where the hypervisor lacks it), for as many
 * rounds as the pre-copy policy (xenpv_precopy.h) finds worth it; once
 * the stream is written the guest's disks are flushed.  Restore: an
 * empty domain made from the definition, filled from the stream while its
 * devices are set up beside it (their hotplug scripts are slow, and a
 * migration's guest stays stopped until the restore is done), then the
 * same store entries and introduction as a freshly built guest, with the
 * store and console pages the stream says the guest uses.  A
 * PV-shim guest is saved as its PVH container: an HVM-type stream, which
 * restores only into a container (made as for a boot, memory map and all).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"
#include "xenpv_precopy.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_save");

typedef struct {
    xenpvXenPriv *priv;
    uint32_t domid;
    const xenpvSaveParams *params;
    xenpvXenPrecopy precopy;
    bool suspendFailed;
    bool peekFailed;
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


/* libxenguest calls its policy twice a round: before sending what is dirty
 * (@stats.dirty_count pages), and after with dirty_count -1, not yet having
 * looked at what the guest dirtied meanwhile.  That second call is where
 * the round is judged, on @peeked: the pages dirty now (-1 if unknown). */
int
xenpvXenPrecopyDecide(xenpvXenPrecopy *p, struct precopy_stats stats,
                      gint64 nowUs, int64_t peeked)
{
    const xenpvSaveParams *params = p->params;
    xenpvSaveRound round = { 0 };
    double seconds;

    if (stats.dirty_count >= 0) {
        /* A round begins: everything on the first, what got dirty after. */
        p->roundStartUs = nowUs;
        p->roundStartSent = stats.total_written;
        p->lastDirty = stats.dirty_count;
        if (params->progress &&
            params->progress(params->opaque, stats.total_written, stats.dirty_count,
                             stats.iteration) != 0)
            return XGS_POLICY_ABORT;
        return XGS_POLICY_CONTINUE_PRECOPY;
    }

    /* Not knowing, the last count is the best guess (and never "0 left"). */
    if (peeked >= 0)
        p->lastDirty = peeked;
    seconds = MAX(nowUs - p->roundStartUs, 1000) / 1e6;
    round.iteration = stats.iteration;
    round.sentPages = stats.total_written;
    round.dirtyPages = p->lastDirty;
    round.sendRate = (stats.total_written - p->roundStartSent) / seconds;
    round.dirtyRate = round.dirtyPages / seconds;

    if (params->progress &&
        params->progress(params->opaque, round.sentPages, round.dirtyPages, round.iteration) != 0)
        return XGS_POLICY_ABORT;
    if (xenpvPrecopyShouldStop(params, &round))
        return XGS_POLICY_STOP_AND_COPY;
    if (params->converge)
        params->converge(params->opaque, &round);
    return XGS_POLICY_CONTINUE_PRECOPY;
}


/* The pages the guest has dirtied since libxenguest last collected them,
 * without collecting them (a peek with no bitmap: counts only). */
static int64_t
xenpvXenSavePeekDirty(xenpvXenSaveCtx *ctx)
{
    xc_shadow_op_stats_t stats = { 0 };

    if (xc_logdirty_control(ctx->priv->xch, ctx->domid, XEN_DOMCTL_SHADOW_OP_PEEK,
                            NULL, 0, 0, &stats) < 0) {
        if (!ctx->peekFailed)
            VIR_WARN("cannot count the dirty pages of domain %u: %s", ctx->domid,
                     NULLSTR(xenpvXenLastError()));
        ctx->peekFailed = true;
        xenpvXenClearLastError();
        return -1;
    }
    return stats.dirty_count;
}


/* A pre-copy decision, for the debug log. */
static const char *
xenpvXenPolicyName(int decision)
{
    if (decision == XGS_POLICY_CONTINUE_PRECOPY)
        return "continue";
    if (decision == XGS_POLICY_STOP_AND_COPY)
        return "stop and copy";
    return "abort";
}


static int
xenpvXenSavePolicy(struct precopy_stats stats, void *data)
{
    xenpvXenSaveCtx *ctx = data;
    int64_t peeked = stats.dirty_count < 0 ? xenpvXenSavePeekDirty(ctx) : -1;
    int decision = xenpvXenPrecopyDecide(&ctx->precopy, stats, g_get_monotonic_time(), peeked);

    VIR_DEBUG("domain %u: round %u, %llu pages sent, %lld dirty: %s", ctx->domid,
              stats.iteration, (unsigned long long)stats.total_written,
              (long long)(stats.dirty_count >= 0 ? stats.dirty_count : peeked),
              xenpvXenPolicyName(decision));
    return decision;
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
                       _("cannot save domain %u live: this hypervisor cannot track the pages a PV guest dirties (log-dirty mode; %s); a hypervisor built with CONFIG_SHADOW_PAGING=y can, or save it without --live"),
                       domid, priv->logDirtyHow);
        return -1;
    }

    callbacks.suspend = xenpvXenSaveSuspend;
    callbacks.precopy_policy = xenpvXenSavePolicy;
    callbacks.switch_qemu_logdirty = xenpvXenSaveNoDeviceModel;
    callbacks.data = &ctx;
    ctx.precopy.params = params;

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
    /* What the guest wrote must be on the storage before it runs again
     * elsewhere (or is restored from this image): a loop device's writes
     * may still be in dom0's page cache. */
    if (xenpvXenDevicesFlush(priv, domid) < 0)
        return -1;
    VIR_DEBUG("domain %u saved", domid);
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


/* The restored guest's devices, set up while its memory streams in: their
 * hotplug scripts take seconds (tens of seconds under emulation), which a
 * migration's guest would otherwise spend stopped. */
typedef struct {
    xenpvXenPriv *priv;
    uint32_t domid;
    const xenpvBuildSpec *spec;
    int rc;
    virErrorPtr error;
} xenpvXenRestoreDevices;


static gpointer
xenpvXenRestoreDevicesThread(gpointer data)
{
    xenpvXenRestoreDevices *devs = data;

    VIR_DEBUG("domain '%s' (%u): %zu disks, %zu network interfaces, while its memory comes in",
              devs->spec->name, devs->domid, devs->spec->ndisks, devs->spec->nnics);
    if ((devs->rc = xenpvXenDevicesAdd(devs->priv, devs->domid, devs->spec)) < 0)
        devs->error = virSaveLastError();
    return NULL;
}


int
xenpvXenDomainRestore(xenpvHypervisor *hyp, const xenpvBuildSpec *spec,
                      int fd, uint32_t *domid)
{
    xenpvXenPriv *priv = hyp->priv;
    struct restore_callbacks callbacks = { 0 };
    xenpvXenRestoreCtx ctx = { .priv = priv };
    xenpvXenRestoreDevices devs = { .priv = priv, .spec = spec };
    GThread *devThread = NULL;
    unsigned long storeMfn = 0;
    unsigned long consoleMfn = 0;
    int storePort;
    int consolePort;
    uint32_t newDomid;
    int rc;

    if (xenpvXenDomainMake(priv, spec, &newDomid) < 0)
        return -1;
    ctx.domid = newDomid;
    devs.domid = newDomid;

    if ((storePort = xc_evtchn_alloc_unbound(priv->xch, newDomid, 0)) < 0 ||
        (consolePort = xc_evtchn_alloc_unbound(priv->xch, newDomid, 0)) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot allocate the store and console event channels of domain '%s'"),
                            spec->name);
        goto error;
    }

    /* The backends wait in InitWait for the frontends the guest reconnects
     * when it resumes; only the stream's reading is on this thread. */
    devThread = g_thread_new("xenpv-restore-devices", xenpvXenRestoreDevicesThread, &devs);

    callbacks.static_data_done = xenpvXenRestoreStaticDataDone;
    callbacks.data = &ctx;
    xenpvXenClearLastError();
    rc = xc_domain_restore(priv->xch, fd, newDomid, storePort, &storeMfn, 0,
                           consolePort, &consoleMfn, 0, XC_STREAM_PLAIN, &callbacks, -1);
    if (rc != 0)
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot restore domain '%s' from its save stream"), spec->name);
    else
        VIR_DEBUG("domain '%s' restored as %u: store mfn 0x%lx, console mfn 0x%lx",
                  spec->name, newDomid, storeMfn, consoleMfn);
    g_thread_join(g_steal_pointer(&devThread));
    if (rc != 0)
        goto error;
    if (devs.rc < 0) {
        virSetError(devs.error);
        goto error;
    }

    VIR_DEBUG("domain '%s' (%u): store entries", spec->name, newDomid);
    if (xenpvXenStoreWriteEntries(priv, newDomid, spec, storePort, storeMfn,
                                  consolePort, consoleMfn) < 0 ||
        xenpvXenStoreIntroduce(priv, newDomid, storeMfn, storePort) < 0)
        goto error;
    virFreeError(devs.error);
    *domid = newDomid;
    return 0;

 error:
    virFreeError(devs.error);
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
