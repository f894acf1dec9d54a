/*
 * xenpv_recover.c: interrupted jobs, finished or undone by the next daemon.
 *
 *   start   the domain was being built (booted, or restored from a
 *           stream): whatever the hypervisor has under its UUID is torn
 *           down and the domain is shut off (a managed save image stays,
 *           since it is removed only once the guest runs from it);
 *   save    the guest was being streamed into a save image: if it still
 *           exists, the save did not happen: a pending suspend request is
 *           withdrawn, a suspended guest resumed (paused again if it was
 *           paused) and the image removed.  If it is gone the save had
 *           finished but for the bookkeeping: a complete image is kept and
 *           the domain is shut off as saved.
 *
 * Migrations are the migration code's (xenpv_migration_recover.c).
 */
#include <unistd.h>

#include "xenpv_recover.h"

#include "domain_event.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_domain_stream.h"
#include "xenpv_migration.h"
#include "xenpv_process.h"
#include "xenpv_save_image.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.recover");


/* Is the domain the status names still in the hypervisor, as itself? */
static bool
xenpvRecoverDomainExists(xenpvDriver *driver, virDomainObj *vm, xenpvDomainInfo *info)
{
    if (vm->def->id < 0 || !driver->hyp.ops->getDomainInfo)
        return false;
    return driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, info) > 0 &&
           memcmp(info->uuid, vm->def->uuid, VIR_UUID_BUFLEN) == 0;
}


/* Forget the running domain of @vm, counted as the reconnect would. */
static void
xenpvRecoverStop(xenpvDriver *driver, virDomainObj *vm, virDomainShutoffReason reason,
                 int eventDetail)
{
    if (virDomainObjIsActive(vm)) {
        xenpvDriverDomainStarted(driver);
        xenpvProcessCleanup(driver, vm, reason);
    } else {
        xenpvDomainRemoveStatus(driver, vm);
        virDomainObjSetState(vm, VIR_DOMAIN_SHUTOFF, reason);
    }
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                            eventDetail));
}


static void
xenpvRecoverStart(xenpvDriver *driver, virDomainObj *vm)
{
    VIR_WARN("domain '%s' was being started when the daemon stopped: what was built is torn down",
             vm->def->name);
    xenpvProcessDestroyStray(driver, vm->def->uuid, vm->def->name);
    xenpvRecoverStop(driver, vm, VIR_DOMAIN_SHUTOFF_FAILED, VIR_DOMAIN_EVENT_STOPPED_FAILED);
}


static void
xenpvRecoverSave(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    g_autofree char *path = g_strdup(priv->job.path);
    xenpvSaveImage img = { 0 };
    xenpvDomainInfo info;
    int fd;

    if (xenpvRecoverDomainExists(driver, vm, &info)) {
        VIR_WARN("the save of domain '%s' to '%s' was interrupted by a daemon stop: the guest carries on and the image is removed",
                 vm->def->name, NULLSTR(path));
        xenpvDomainStreamAbandoned(driver, vm);
        if (path && unlink(path) < 0 && errno != ENOENT)
            VIR_WARN("cannot remove the interrupted save image '%s': %s", path, g_strerror(errno));
        xenpvDomainJobEnd(driver, vm);
        return;
    }

    /* Gone: destroyed once its image was complete, before the daemon could
     * say so. */
    if (path && (fd = xenpvSaveImageOpen(path, &img)) >= 0) {
        VIR_FORCE_CLOSE(fd);
        VIR_INFO("domain '%s' was saved to '%s' just before the daemon stopped",
                 vm->def->name, path);
        xenpvJobRecordClear(&priv->job);
        xenpvRecoverStop(driver, vm, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
    } else {
        virResetLastError();
        VIR_ERROR(_("domain '%s' is gone and its save to '%s' is incomplete: its memory is lost"),
                  vm->def->name, NULLSTR(path));
        if (path)
            unlink(path);
        xenpvJobRecordClear(&priv->job);
        xenpvRecoverStop(driver, vm, VIR_DOMAIN_SHUTOFF_UNKNOWN,
                         VIR_DOMAIN_EVENT_STOPPED_FAILED);
    }
    xenpvSaveImageClear(&img);
}


void
xenpvRecoverJob(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    switch (priv->job.kind) {
    case XENPV_JOB_NONE:
        return;
    case XENPV_JOB_START:
        xenpvRecoverStart(driver, vm);
        break;
    case XENPV_JOB_SAVE:
        xenpvRecoverSave(driver, vm);
        break;
    case XENPV_JOB_MIGRATION_OUT:
    case XENPV_JOB_MIGRATION_IN:
        /* Its own record: kept when the job cannot be settled yet. */
        xenpvMigrationRecover(driver, vm);
        return;
    case XENPV_JOB_LAST:
    default:
        VIR_ERROR(_("domain '%s' records an unknown job %d"), vm->def->name, priv->job.kind);
        break;
    }
    xenpvJobRecordClear(&priv->job);
}
