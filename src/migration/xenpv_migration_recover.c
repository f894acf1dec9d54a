/*
 * xenpv_migration_recover.c: a migration a killed daemon left half done,
 * finished or undone by the next one, from the phase recorded in the
 * domain's status:
 *
 *   source, up to PERFORMED   the destination was never told GO and never
 *                             runs the guest: resume it here;
 *   source, COMMITTED         GO was sent: the guest is the destination's,
 *                             destroy it here (and undefine it if asked);
 *   source, FINISHING         (tunnelled) the destination's Finish may have
 *                             run it: ask the destination daemon, whose URI
 *                             was recorded, and act on its answer; if it
 *                             cannot be reached the guest stays suspended
 *                             and the record stays for the next start;
 *   destination, before RUN   tear down whatever was built under its UUID;
 *   destination, RUN          the source let go: run the guest here.
 *
 * The windows no record can close (a daemon killed between writing its
 * decision and sending it) are described in docs/migration.md.
 */
#include "xenpv_migration.h"

#include "datatypes.h"
#include "domain_event.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain_stream.h"
#include "xenpv_migration_priv.h"
#include "xenpv_process.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_recover");

/* How long a destination's incoming job gets to settle when asked. */
#define XENPV_RECOVER_ASK_SECONDS 30


/* Does the destination daemon at @uri run the guest @uuid (1), not have it
 * or be about to drop it (0), or cannot it be asked (-1)? */
static int
xenpvMigrationRecoverAsk(const char *uri, const unsigned char *uuid)
{
    virConnectPtr conn;
    gint64 deadline = g_get_monotonic_time() + XENPV_RECOVER_ASK_SECONDS * G_USEC_PER_SEC;
    int ret = -1;

    if (!uri || !(conn = virConnectOpenAuth(uri, virConnectAuthPtrDefault, 0)))
        return -1;
    for (;;) {
        virDomainPtr dom = virDomainLookupByUUID(conn, uuid);
        int state = 0;
        int reason = 0;

        if (!dom) {
            ret = virGetLastErrorCode() == VIR_ERR_NO_DOMAIN ? 0 : -1;
            break;
        }
        if (virDomainGetState(dom, &state, &reason, 0) < 0) {
            virObjectUnref(dom);
            break;
        }
        virObjectUnref(dom);
        /* Still being received, or being torn down: wait for it to settle. */
        if (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_MIGRATION &&
            g_get_monotonic_time() < deadline) {
            g_usleep(G_USEC_PER_SEC / 2);
            continue;
        }
        ret = 0;
        if (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED ||
            state == VIR_DOMAIN_BLOCKED)
            ret = 1;
        break;
    }
    virConnectClose(conn);
    virResetLastError();
    return ret;
}


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
    int asked = 0;

    if (!xenpvMigrationRecoverExists(driver, vm)) {
        xenpvJobRecordClear(job);
        return;
    }
    if (job->phase == XENPV_MIGRATION_PHASE_FINISHING) {
        asked = xenpvMigrationRecoverAsk(job->peer, vm->def->uuid);
        if (asked < 0) {
            VIR_ERROR(_("domain '%s' was handed to %s when the daemon stopped, and that daemon cannot be asked whether it runs the guest: it stays suspended here until the next daemon start asks again (or destroy it here if it runs there)"),
                      vm->def->name, NULLSTR(job->peer));
            virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
            xenpvDomainSaveStatus(driver, vm);
            return;
        }
    }

    if (job->phase == XENPV_MIGRATION_PHASE_COMMITTED || asked > 0) {
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


static void
xenpvMigrationRecoverIn(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvJobRecord *job = &priv->job;

    if (job->phase == XENPV_MIGRATION_PHASE_RUN && xenpvMigrationRecoverExists(driver, vm)) {
        VIR_WARN("domain '%s' had been handed over to this host when the daemon stopped: it runs here",
                 vm->def->name);
        if (xenpvMigrationDstRun(driver, vm, job->flags, job->wasPaused, NULL) < 0)
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
