/*
 * xenpv_migration_recover.c: a migration a killed daemon left half done,
 * finished or undone by the next one, from the phase recorded in the
 * domain's status:
 *
 *   source, up to PERFORMED   the destination was never told GO and never
 *                             runs the guest: resume it here;
 *   source, HANDING           GO may have been sent (or, tunnelled, the
 *                             destination's Finish called): only the
 *                             destination knows whether it took the guest.
 *                             The guest stays paused here and the
 *                             destination is asked, at once and until it
 *                             answers (xenpv_migration_inquiry.c);
 *   source, COMMITTED         the destination took it: destroy it here
 *                             (and undefine it if asked);
 *   destination               its outcome record decides
 *                             (xenpv_migration_outcome.h): taken, the guest
 *                             runs here; not decided, it is decided now as
 *                             refused and whatever was built is torn down.
 */
#include "xenpv_migration.h"

#include "datatypes.h"
#include "domain_event.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain_stream.h"
#include "xenpv_migration_outcome.h"
#include "xenpv_migration_priv.h"
#include "xenpv_process.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_recover");

static bool
xenpvMigrationRecoverExists(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainInfo info;

    if (vm->def->id < 0 || !driver->hyp.ops->getDomainInfo)
        return false;
    return driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info) > 0 &&
           memcmp(info.uuid, vm->def->uuid, VIR_UUID_BUFLEN) == 0;
}


static void
xenpvMigrationRecoverOut(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvJobRecord *job = &priv->job;

    if (!xenpvMigrationRecoverExists(driver, vm)) {
        xenpvJobRecordClear(job);
        return;
    }
    /* Slowed down by auto-converge when the daemon stopped: no longer. */
    xenpvMigrationConvergeRelease(driver, vm);
    if (job->phase == XENPV_MIGRATION_PHASE_HANDING) {
        VIR_WARN("domain '%s' was being handed to %s when the daemon stopped: it stays paused here until that host says whether it took it",
                 vm->def->name, NULLSTR(job->peer));
        ignore_value(xenpvMigrationSrcHold(driver, vm));
        virResetLastError();
        return;
    }

    if (job->phase == XENPV_MIGRATION_PHASE_COMMITTED) {
        VIR_WARN("domain '%s' had been handed to the destination when the daemon stopped: its copy here is destroyed",
                 vm->def->name);
        xenpvDriverDomainStarted(driver);
        xenpvMigrationSrcHandOver(driver, vm, job->flags);
        xenpvJobRecordClear(job);
        return;
    }

    VIR_WARN("the migration of domain '%s' was interrupted by a daemon stop: the guest carries on here",
             vm->def->name);
    xenpvDomainStreamAbandoned(driver, vm);
    xenpvMigrationSrcRestoreState(vm, job->wasPaused, VIR_DOMAIN_PAUSED_UNKNOWN);
    xenpvDomainJobEnd(driver, vm);
}


/* The outcome the destination's record holds for @job, deciding an
 * undecided one as refused; a job recorded without an id (by an older
 * version) goes by its phase. */
static bool
xenpvMigrationRecoverTaken(xenpvDriver *driver, xenpvJobRecord *job)
{
    xenpvMigrationOutcome held;

    if (!job->id || strlen(job->id) != XENPV_MIGRATION_ID_HEX)
        return job->phase == XENPV_MIGRATION_PHASE_RUN;
    if ((held = xenpvMigrationOutcomeGet(driver, job->id)) != XENPV_OUTCOME_RUN)
        held = xenpvMigrationOutcomeDecide(driver, job->id, XENPV_OUTCOME_REFUSED);
    if (held == XENPV_OUTCOME_ERROR)
        VIR_WARN("cannot record that this host refuses migration %s: %s", job->id,
                 virGetLastErrorMessage());
    return held == XENPV_OUTCOME_RUN;
}


static void
xenpvMigrationRecoverIn(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvJobRecord *job = &priv->job;

    if (xenpvMigrationRecoverTaken(driver, job) && xenpvMigrationRecoverExists(driver, vm)) {
        VIR_WARN("domain '%s' had been handed over to this host when the daemon stopped: it runs here",
                 vm->def->name);
        if (xenpvMigrationDstRun(driver, vm, job->flags, job->wasPaused, NULL, 0) < 0)
            VIR_WARN("migrated domain '%s' could not be made persistent: %s", vm->def->name,
                     virGetLastErrorMessage());
        xenpvDomainJobEnd(driver, vm);
        return;
    }
    VIR_WARN("domain '%s' was being received when the daemon stopped: what was built is torn down",
             vm->def->name);
    xenpvProcessDestroyStray(driver, vm->def->uuid, vm->def->name);
    xenpvJobRecordClear(job);
    if (virDomainObjIsActive(vm)) {
        xenpvDriverDomainStarted(driver);
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_FAILED);
    } else {
        xenpvDomainRemoveStatus(driver, vm);
    }
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                            VIR_DOMAIN_EVENT_STOPPED_FAILED));
}


void
xenpvMigrationRecover(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (priv->job.kind == XENPV_JOB_MIGRATION_OUT)
        xenpvMigrationRecoverOut(driver, vm);
    else if (priv->job.kind == XENPV_JOB_MIGRATION_IN)
        xenpvMigrationRecoverIn(driver, vm);
}
