/*
 * xenpv_domain_stream.c: a running domain streamed out to a descriptor
 * (a save image, a migration's data channel), with the guest suspended
 * through its control node and resumed if anything fails.
 */
#include "xenpv_domain_stream.h"

#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain_jobstats.h"
#include "xenpv_guest_control.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.domain_stream");

#define XENPV_STREAM_DOWNTIME_RESERVE_MS 25

/* What the back end's callbacks need, from the saving thread: no domain
 * lock is held there. */
typedef struct {
    xenpvDriver *driver;
    virDomainObj *vm;
    uint32_t domid;
    char *name;
    bool wasPaused;
    const xenpvSaveParams *tuning;      /* the caller's */
    xenpvSaveParams *params;            /* the back end's */
    xenpvStreamControl *control;
} xenpvDomainStreamCtx;


void
xenpvDomainStreamReportAborted(const char *job)
{
    virReportError(VIR_ERR_OPERATION_ABORTED, _("%s job: canceled by client"), job);
}


static int
xenpvDomainStreamSuspend(void *opaque)
{
    xenpvDomainStreamCtx *ctx = opaque;
    xenpvDriver *driver = ctx->driver;

    /* A paused guest cannot take the request: let it run to suspend. */
    if (ctx->wasPaused &&
        driver->hyp.ops->domainUnpause(&driver->hyp, ctx->domid) < 0)
        return -1;
    if (xenpvGuestRequest(driver, ctx->domid, ctx->name, "suspend",
                          XENPV_GUEST_WAIT_SUSPENDED, driver->config->suspendTimeout) < 0)
        return -1;
    virObjectLock(ctx->vm);
    xenpvJobStatsSuspended(ctx->vm);
    virObjectUnlock(ctx->vm);
    return 0;
}


/* Of a downtime target, the part the last round's copy may take: the rest
 * is kept for what else the stopped guest waits for: the bytes queued on
 * the way to the wire (@control's guess and what its socket holds now, at
 * the stream's rate @bps), and what follows the copy (the destination
 * finishing the restore, the hand-over, the unpause: a few ms on a LAN).
 * At most half of the target. */
static unsigned int
xenpvDomainStreamDowntimeBudget(xenpvStreamControl *control, uint64_t bps)
{
    unsigned int targetMs = g_atomic_int_get(&control->maxDowntimeMs);
    unsigned int reserve = XENPV_STREAM_DOWNTIME_RESERVE_MS;
    size_t queued = control->queued + xenpvStreamControlInFlight(control);

    if (bps)
        reserve += queued * 1000 / bps;
    return targetMs - MIN(targetMs / 2, reserve);
}


/* The back end's report: the job's statistics, the settings it is to
 * follow from now on (read by the back end right after this returns, on
 * this same thread), and whether it is to stop. */
static int
xenpvDomainStreamProgress(void *opaque, uint64_t sentPages,
                          uint64_t remainingPages, unsigned int iteration)
{
    xenpvDomainStreamCtx *ctx = opaque;
    xenpvStreamControl *control = ctx->control;
    uint64_t bps;
    gsize bytes;

    if (!control->metered)
        g_atomic_pointer_set(&control->bytes, (gsize)(sentPages * XENPV_PAGE_SIZE));
    bytes = (gsize)g_atomic_pointer_get(&control->bytes);
    virObjectLock(ctx->vm);
    xenpvJobStatsProgress(ctx->vm, sentPages, remainingPages, iteration, bytes);
    bps = xenpvJobStatsRate(ctx->vm);
    virObjectUnlock(ctx->vm);

    ctx->params->bandwidthBps = (uint64_t)g_atomic_int_get(&control->bandwidthMiB) << 20;
    if (ctx->params->bandwidthBps && (!bps || ctx->params->bandwidthBps < bps))
        bps = ctx->params->bandwidthBps;
    ctx->params->maxDowntimeMs = xenpvDomainStreamDowntimeBudget(control, bps);
    if (ctx->tuning && ctx->tuning->progress &&
        ctx->tuning->progress(ctx->tuning->opaque, sentPages, remainingPages, iteration) != 0)
        return -1;
    if (g_atomic_int_get(&control->abort)) {
        VIR_INFO("the stream of domain '%s' stops: its job was aborted", ctx->name);
        return -1;
    }
    return 0;
}


static void
xenpvDomainStreamConverge(void *opaque, const xenpvSaveRound *round)
{
    xenpvDomainStreamCtx *ctx = opaque;

    virObjectLock(ctx->vm);
    xenpvJobStatsRound(ctx->vm, round);
    virObjectUnlock(ctx->vm);
    if (ctx->tuning && ctx->tuning->converge)
        ctx->tuning->converge(ctx->tuning->opaque, round);
}


int
xenpvDomainStreamOut(xenpvDriver *driver,
                     virDomainObj *vm,
                     int fd,
                     const xenpvSaveParams *tuning,
                     xenpvStreamControl *control)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    xenpvDomainStreamCtx ctx = { 0 };
    xenpvSaveParams params = { 0 };
    virErrorPtr origErr = NULL;
    int state;
    int rc;

    if (virDomainObjCheckActive(vm) < 0)
        return -1;
    if (!XENPV_HYP_HAS(driver, domainSave) || !XENPV_HYP_HAS(driver, getDomainInfo) ||
        !XENPV_HYP_HAS(driver, domainUnpause))
        return -1;

    state = virDomainObjGetState(vm, NULL);
    if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is %s: only a running or paused domain can be saved or migrated"),
                       vm->def->name, virDomainStateTypeToString(state));
        return -1;
    }

    ctx.driver = driver;
    ctx.vm = vm;
    ctx.domid = vm->def->id;
    ctx.name = g_strdup(vm->def->name);
    ctx.wasPaused = state == VIR_DOMAIN_PAUSED;
    ctx.tuning = tuning;
    ctx.params = &params;
    ctx.control = control;
    if (tuning)
        params = *tuning;
    params.bandwidthBps = (uint64_t)g_atomic_int_get(&control->bandwidthMiB) << 20;
    params.maxDowntimeMs = xenpvDomainStreamDowntimeBudget(control, params.bandwidthBps);
    params.suspend = xenpvDomainStreamSuspend;
    params.progress = xenpvDomainStreamProgress;
    params.converge = xenpvDomainStreamConverge;
    params.opaque = &ctx;
    xenpvJobStatsStreamStart(vm, vm->def->mem.cur_balloon * 1024, 0);

    /* Queries go on while the memory is written; the job keeps others out. */
    virObjectUnlock(vm);
    rc = ops->domainSave(&driver->hyp, ctx.domid, fd, &params);
    virObjectLock(vm);
    if (rc == 0)
        xenpvJobStatsStreamEnd(vm);

    if (rc < 0) {
        virErrorPreserveLast(&origErr);
        ignore_value(xenpvDomainStreamUndo(driver, vm, ctx.wasPaused));
        virErrorRestore(&origErr);
    }
    g_free(ctx.name);
    return rc;
}


int
xenpvDomainStreamUndo(xenpvDriver *driver, virDomainObj *vm, bool wasPaused)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    xenpvDomainInfo info;
    int rc;

    if ((rc = ops->getDomainInfo(&driver->hyp, vm->def->id, &info)) <= 0) {
        if (rc == 0)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("domain '%s' is gone from the hypervisor: it cannot be resumed"),
                           vm->def->name);
        return -1;
    }
    if (info.shutdown && info.shutdownReason == XENPV_SHUTDOWN_SUSPEND) {
        if (!XENPV_HYP_HAS(driver, domainResume) ||
            ops->domainResume(&driver->hyp, vm->def->id) < 0) {
            VIR_WARN("domain '%s' stays suspended: %s", vm->def->name,
                     virGetLastErrorMessage());
            return -1;
        }
        VIR_INFO("domain '%s' resumed after an abandoned stream", vm->def->name);
    }
    if (wasPaused && !info.paused && ops->domainPause &&
        ops->domainPause(&driver->hyp, vm->def->id) < 0) {
        VIR_WARN("domain '%s' could not be paused again: %s", vm->def->name,
                 virGetLastErrorMessage());
        return -1;
    }
    return 0;
}


/* Withdraw a suspend request the guest has not taken yet. */
static void
xenpvDomainStreamWithdrawSuspend(xenpvDriver *driver, virDomainObj *vm)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    g_autofree char *path = xenpvDomainStorePath(vm, "control/shutdown");
    g_autofree char *value = NULL;

    if (!ops->storeRead || !ops->storeRemove ||
        ops->storeRead(&driver->hyp, path, &value) < 0) {
        virResetLastError();
        return;
    }
    if (value && STREQ(value, "suspend") && ops->storeRemove(&driver->hyp, path) < 0)
        virResetLastError();
}


void
xenpvDomainStreamAbandoned(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    const xenpvHypervisorOps *ops = driver->hyp.ops;

    xenpvDomainStreamWithdrawSuspend(driver, vm);
    /* A live stream's log-dirty mode died with the daemon's stream. */
    if (ops->logDirtyEnable && ops->logDirtyEnable(&driver->hyp, vm->def->id, false) < 0)
        virResetLastError();
    if (xenpvDomainStreamUndo(driver, vm, priv->job.wasPaused) < 0)
        VIR_ERROR(_("domain '%s' could not be resumed: %s"), vm->def->name,
                  virGetLastErrorMessage());
    /* The guest may have taken the request just before it was withdrawn,
     * and suspend in a moment: then the monitor resumes it. */
    priv->resumeSuspend = true;
}
