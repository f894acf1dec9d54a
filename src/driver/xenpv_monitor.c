/*
 * xenpv_monitor.c: the back end's event fd, and rescans of running domains.
 *
 * Locking: the event handler runs in the event loop's thread and takes no
 * domain lock (a domain's lock may be held for a hypervisor call, and the
 * event loop serves every client).  It queues every domain of the list
 * (holding a reference, not the lock) for a rescan; it reads nothing of a
 * domain object but its private rescanQueued flag, which is atomic and
 * lives as long as the object.  The definition is read only by the rescan
 * worker, under the domain's lock and a job: a destroy or an undefine may
 * free the definition (a transient domain's, or the live one of a
 * persistent domain) at any moment a lock is not held, and a domain that
 * is not running when its worker gets the lock is left alone.  Workers of
 * the pool (xenpvMonitorStop) finish before the driver goes.
 */
#include "xenpv_monitor.h"

#include "virevent.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_process.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.monitor");

static void
xenpvMonitorRescanWorker(gpointer data, gpointer opaque)
{
    virDomainObj *vm = data;
    xenpvDriver *driver = opaque;
    xenpvDomainObjPrivate *priv;

    virObjectLock(vm);
    priv = vm->privateData;
    g_atomic_int_set(&priv->rescanQueued, 0);

    /* A migration owns its domain's state until it ends: the domain is
     * rescanned then. */
    if (virDomainObjIsActive(vm) && vm->job->asyncJob == VIR_ASYNC_JOB_NONE &&
        virDomainObjBeginJob(vm, VIR_JOB_MODIFY) == 0) {
        xenpvProcessHandleChange(driver, vm);
        virDomainObjEndJob(vm);
        xenpvDomainRemoveInactive(driver, vm);
    }
    virDomainObjEndAPI(&vm);
}


void
xenpvMonitorRescanAll(xenpvDriver *driver)
{
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    size_t i;

    if (!driver->rescanPool)
        return;

    virDomainObjListCollectAll(driver->domains, &vms, &nvms);
    for (i = 0; i < nvms; i++) {
        virDomainObj *vm = vms[i];
        xenpvDomainObjPrivate *priv = vm->privateData;

        /* Running or not is for the worker to see, under the lock: the
         * definition that says so may be freed under us here. */
        if (!g_atomic_int_compare_and_exchange(&priv->rescanQueued, 0, 1))
            continue;
        g_thread_pool_push(driver->rescanPool, virObjectRef(vm), NULL);
    }
    virObjectListFreeCount(vms, nvms);
}


static void
xenpvMonitorEvent(int watch G_GNUC_UNUSED,
                  int fd G_GNUC_UNUSED,
                  int events,
                  void *opaque)
{
    xenpvDriver *driver = opaque;

    if (events & (VIR_EVENT_HANDLE_ERROR | VIR_EVENT_HANDLE_HANGUP)) {
        /* The back end lost its hypervisor: say so once, stop watching. */
        VIR_ERROR(_("the %s hypervisor back end's event channel failed; domain state changes are no longer followed"),
                  driver->hyp.ops->name);
        virEventRemoveHandle(driver->eventWatch);
        driver->eventWatch = -1;
        return;
    }

    if (driver->hyp.ops->eventAck &&
        driver->hyp.ops->eventAck(&driver->hyp) < 0)
        VIR_WARN("cannot acknowledge a hypervisor event: %s", virGetLastErrorMessage());

    /* Waiters first: a save waiting for its guest to suspend must not wait
     * for the rescan of that very domain, which waits for the save's job. */
    xenpvDriverNotifyChange(driver);
    xenpvMonitorRescanAll(driver);
}


int
xenpvMonitorStart(xenpvDriver *driver)
{
    int fd = -1;

    driver->eventWatch = -1;

    driver->rescanPool = g_thread_pool_new(xenpvMonitorRescanWorker, driver,
                                           8, FALSE, NULL);

    if (driver->hyp.ops->eventFd)
        fd = driver->hyp.ops->eventFd(&driver->hyp);
    if (fd < 0) {
        VIR_WARN("the %s hypervisor back end gives no event channel: "
                 "guests' own shutdowns are noticed only when asked about",
                 driver->hyp.ops->name);
        return 0;
    }

    driver->eventWatch = virEventAddHandle(fd, VIR_EVENT_HANDLE_READABLE,
                                           xenpvMonitorEvent, driver, NULL);
    if (driver->eventWatch < 0) {
        /* An embedding application without an event loop. */
        VIR_WARN("no event loop to watch the hypervisor's events on");
        virResetLastError();
    }
    return 0;
}


void
xenpvMonitorStop(xenpvDriver *driver)
{
    if (driver->eventWatch >= 0) {
        virEventRemoveHandle(driver->eventWatch);
        driver->eventWatch = -1;
    }
    if (driver->rescanPool) {
        /* Let queued rescans finish: they hold domain references. */
        g_thread_pool_free(driver->rescanPool, FALSE, TRUE);
        driver->rescanPool = NULL;
    }
}

