/*
 * xenpv_migration_converge.c: auto-converge (VIR_MIGRATE_AUTO_CONVERGE).
 * A guest that dirties its memory about as fast as the migration sends it
 * never gets to a last round short enough: after each pre-copy round that
 * did not shrink what is left by half, the guest's CPU time is capped a
 * step further (the scheduler's cap: the credit schedulers' on Xen, the
 * simulated host's likewise), from auto_converge.initial % of it taken
 * away, by auto_converge.increment % a step, to 99 %.  The cap in force
 * shows in the job's statistics (auto_converge_throttle); the guest's own
 * cap comes back when the migration ends, whatever its outcome (and at a
 * restarted daemon's recovery: the job record keeps it).
 *
 * The steps run on the saving thread (the back end's converge callback),
 * without the domain's lock but for the moments they record something.
 */
#include "xenpv_migration_priv.h"

#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain_jobstats.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_converge");

#define XENPV_CONVERGE_MAX_THROTTLE 99


/* The cap that takes @throttle % of @vcpus' full time away. */
static unsigned int
xenpvMigrationConvergeCap(unsigned int throttle, unsigned int vcpus)
{
    return MAX((100 - throttle) * vcpus, 1);
}


void
xenpvMigrationConverge(void *opaque, const xenpvSaveRound *round)
{
    xenpvMigration *mig = opaque;
    xenpvDriver *driver = mig->driver;
    virDomainObj *vm = mig->vm;
    xenpvDomainObjPrivate *priv = vm->privateData;
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    unsigned int throttle;
    unsigned int original;

    if (!(mig->flags & VIR_MIGRATE_AUTO_CONVERGE) || !ops->domainSetCpuCap ||
        !ops->domainGetCpuCap)
        return;
    /* A round that left at least half of what it sent dirty again. */
    if (round->dirtyPages * 2 < round->sentPages - mig->converge.lastSent) {
        mig->converge.lastSent = round->sentPages;
        return;
    }
    mig->converge.lastSent = round->sentPages;
    if (mig->converge.throttle >= XENPV_CONVERGE_MAX_THROTTLE)
        return;
    throttle = mig->converge.initial;
    if (mig->converge.throttle)
        throttle = mig->converge.throttle + mig->converge.increment;
    throttle = MIN(throttle, XENPV_CONVERGE_MAX_THROTTLE);

    virObjectLock(vm);
    if (!virDomainObjIsActive(vm)) {
        virObjectUnlock(vm);
        return;
    }
    /* The guest's own cap is remembered, in the status too, before it is
     * slowed. */
    if (priv->job.cpuCap < 0 &&
        ops->domainGetCpuCap(&driver->hyp, vm->def->id, &original) == 0) {
        priv->job.cpuCap = original;
        if (xenpvDomainSaveStatus(driver, vm) < 0)
            priv->job.cpuCap = -1;
    }
    if (priv->job.cpuCap < 0) {
        VIR_WARN("auto-converge leaves domain '%s' alone: its CPU cap cannot be kept track of",
                 vm->def->name);
        mig->converge.throttle = XENPV_CONVERGE_MAX_THROTTLE;
        virObjectUnlock(vm);
        virResetLastError();
        return;
    }
    if (ops->domainSetCpuCap(&driver->hyp, vm->def->id,
                             xenpvMigrationConvergeCap(throttle, mig->converge.vcpus)) == 0) {
        mig->converge.throttle = throttle;
        xenpvJobStatsThrottle(vm, throttle);
        VIR_INFO("auto-converge: domain '%s' slowed by %u%% after round %u (%llu pages dirty of %llu sent)",
                 vm->def->name, throttle, round->iteration,
                 (unsigned long long)round->dirtyPages, (unsigned long long)round->sentPages);
    } else {
        VIR_WARN("auto-converge cannot slow domain '%s': %s", vm->def->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
    virObjectUnlock(vm);
}


void
xenpvMigrationConvergeRelease(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    const xenpvHypervisorOps *ops = driver->hyp.ops;

    if (priv->job.cpuCap < 0)
        return;
    if (virDomainObjIsActive(vm) && ops->domainSetCpuCap &&
        ops->domainSetCpuCap(&driver->hyp, vm->def->id, priv->job.cpuCap) < 0) {
        VIR_WARN("domain '%s' stays slowed down by auto-converge: %s", vm->def->name,
                 virGetLastErrorMessage());
        virResetLastError();
    } else {
        VIR_DEBUG("domain '%s': CPU cap %d again", vm->def->name, priv->job.cpuCap);
    }
    priv->job.cpuCap = -1;
}
