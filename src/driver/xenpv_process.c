/*
 * xenpv_process.c: domain start and stop, reconnection after a daemon
 * restart, and the actions taken when a guest shuts itself down.
 */
#include "xenpv_process.h"

#include "datatypes.h"
#include "domain_event.h"
#include "hypervisor/virclosecallbacks.h"
#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"

#include "xenpv_bootloader.h"
#include "xenpv_dirs.h"
#include "xenpv_network.h"
#include "xenpv_domain_abi.h"
#include "xenpv_domain_arch.h"
#include "xenpv_domain_build.h"
#include "xenpv_domain_support.h"
#include "xenpv_domain_devices.h"
#include "xenpv_domain_graphics.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.process");


int
xenpvProcessPrepareSpec(xenpvDriver *driver,
                        virDomainDef *def,
                        bool archFromKernel,
                        xenpvGuestAbi abi,
                        xenpvContainer container,
                        xenpvBuildSpec *spec)
{
    xenpvHostInfo host = { 0 };
    uint64_t freeKiB;

    if (xenpvDomainDefCheckRunnable(def) < 0)
        return -1;
    if (xenpvBuildSpecFromDef(def, spec) < 0)
        return -1;
    if (xenpvDomainCheckDiskSources(spec) < 0)
        goto error;

    /* The kernel (or the bootloader's pick) against the definition's arch
     * and the host, before anything is built; a save image says what its
     * guest is. */
    if (abi == XENPV_GUEST_ABI_UNKNOWN) {
        if (xenpvDomainAbiForStart(driver, def, archFromKernel, spec) < 0)
            goto error;
    } else {
        if (xenpvDomainAbiCheckRestore(driver, def, archFromKernel, abi, container, NULL) < 0)
            goto error;
        spec->abi = abi;
        spec->container = container;
    }

    if (!XENPV_HYP_HAS(driver, getHostInfo) ||
        driver->hyp.ops->getHostInfo(&driver->hyp, &host) < 0)
        goto error;
    freeKiB = XENPV_PAGES_TO_KIB(host.freePages);
    if (spec->targetMemKiB > freeKiB) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("not enough free memory on the host to start domain '%s': it needs %llu KiB, the host has %llu KiB free"),
                       def->name, (unsigned long long)spec->targetMemKiB,
                       (unsigned long long)freeKiB);
        goto error;
    }
    return 0;

 error:
    xenpvBootloaderCleanup(driver, def);
    xenpvBuildSpecClear(spec);
    return -1;
}


static void
xenpvProcessAutoDestroy(virDomainObj *vm, virConnectPtr conn G_GNUC_UNUSED)
{
    xenpvDriver *driver = xenpv_driver;
    virObjectEvent *event = NULL;

    if (!driver || !virDomainObjIsActive(vm))
        return;

    VIR_DEBUG("destroying domain '%s': its connection closed", vm->def->name);
    if (virDomainObjBeginJob(vm, VIR_JOB_DESTROY) < 0)
        return;
    if (virDomainObjIsActive(vm) &&
        xenpvProcessDestroyDomain(driver, vm) == 0) {
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_DESTROYED);
        event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                  VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    }
    virDomainObjEndJob(vm);
    xenpvDomainRemoveInactive(driver, vm);
    xenpvDriverQueueEvent(driver, event);
}


static void
xenpvProcessShowDiskBackends(virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        if (!def->disks[i]->driverName)
            def->disks[i]->driverName = g_strdup("phy");
    }
}


int
xenpvProcessStart(xenpvDriver *driver,
                  virDomainObj *vm,
                  virConnectPtr conn,
                  unsigned int flags,
                  virDomainRunningReason reason,
                  int restoreFd,
                  xenpvGuestAbi restoreAbi,
                  xenpvContainer restoreContainer)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvBuildSpec spec = { 0 };
    virErrorPtr origErr = NULL;
    uint32_t domid = 0;
    bool created = false;
    bool transient = false;
    bool networked = false;
    bool recorded = false;
    /* A migration's incoming job covers the start; anything else records
     * its own. */
    bool ownJob = priv->job.kind == XENPV_JOB_NONE;
    int rc;
    int ret = -1;

    if (virDomainObjIsActive(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is already running"), vm->def->name);
        return -1;
    }
    VIR_DEBUG("starting domain '%s'", vm->def->name);
    if (xenpvDirsCheckLibxlStatus(driver, vm->def->name) < 0)
        return -1;
    if (restoreFd >= 0 && !XENPV_HYP_HAS(driver, domainRestore))
        goto cleanup;
    if (restoreFd < 0 && !XENPV_HYP_HAS(driver, domainCreate))
        goto cleanup;
    if (!XENPV_HYP_HAS(driver, domainUnpause) ||
        !XENPV_HYP_HAS(driver, domainDestroy))
        goto cleanup;

    if (xenpvProcessPrepareSpec(driver, vm->def,
                                ((xenpvDomainObjPrivate *)vm->privateData)->archFromKernel,
                                restoreFd >= 0 ? restoreAbi : XENPV_GUEST_ABI_UNKNOWN,
                                restoreContainer, &spec) < 0)
        goto cleanup;

    /* From here the running domain has a definition of its own, so that
     * live changes never leak into the persistent one. */
    if (virDomainObjSetDefTransient(driver->xmlopt, vm, NULL) < 0)
        goto cleanup;
    transient = true;

    /* Ports of libvirt's networks, in the live definition (which keeps
     * them in the status XML), and their bridges for the build. */
    if (xenpvNetworkPrepare(vm->def, &spec) < 0)
        goto cleanup;
    networked = true;
    /* The framebuffer's VNC port and address, likewise. */
    if (xenpvGraphicsPrepare(driver, vm->def, &spec) < 0)
        goto cleanup;

    /* Recorded before anything is built: a daemon killed while building
     * leaves a status saying so, and the next one tears down what it finds
     * with this domain's UUID. */
    if (ownJob && xenpvDomainJobBegin(driver, vm, XENPV_JOB_START, NULL) < 0)
        goto cleanup;
    if (!ownJob && xenpvDomainSaveStatus(driver, vm) < 0)
        goto cleanup;
    recorded = true;

    /* A restore reads the whole guest (from a migration's channel, for as
     * long as it takes to arrive): queries go on meanwhile, the job keeps
     * everyone else out. */
    virObjectUnlock(vm);
    if (restoreFd >= 0)
        rc = ops->domainRestore(&driver->hyp, &spec, restoreFd, &domid);
    else
        rc = ops->domainCreate(&driver->hyp, &spec, &domid);
    virObjectLock(vm);
    if (rc < 0)
        goto cleanup;
    created = true;
    vm->def->id = domid;
    xenpvDomainNameInterfaces(vm->def);
    /* The live definition says what the guest really is, and, as libvirt's
     * Xen driver shows it, the back end picked for a disk that named none
     * (blkback: 'phy', for a device or a file on a loop device). */
    vm->def->os.arch = virArchFromString(xenpvGuestAbiArch(spec.abi));
    xenpvProcessShowDiskBackends(vm->def);
    VIR_DEBUG("domain '%s' built as domid %u (%s, %s)", vm->def->name, domid,
              xenpvGuestAbiToCaps(spec.abi), xenpvContainerToString(spec.container));

    virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP);
    if (xenpvDomainSetAbi(driver, vm, spec.abi, spec.container, spec.shim) < 0)
        goto cleanup;

    if (flags & XENPV_START_PAUSED) {
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED,
                             VIR_DOMAIN_PAUSED_USER);
    } else {
        if (ops->domainUnpause(&driver->hyp, domid) < 0)
            goto cleanup;
        virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, reason);
    }

    if (flags & XENPV_START_AUTODESTROY)
        virCloseCallbacksDomainAdd(vm, conn, xenpvProcessAutoDestroy);

    xenpvDriverDomainStarted(driver);
    if (ownJob)
        xenpvJobRecordClear(&priv->job);
    if (xenpvDomainSaveStatus(driver, vm) < 0) {
        /* A running guest the next daemon could not find again would be
         * lost to libvirt: better not to start it at all.  Torn down first,
         * so that the error reported is this one. */
        if (ops->domainDestroy(&driver->hyp, domid) < 0)
            VIR_WARN("failed to tear down domid %u of domain '%s'", domid, vm->def->name);
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_FAILED);
        created = transient = recorded = false;
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot record the status of domain '%s' in %s"),
                       vm->def->name, driver->stateDir);
        goto cleanup;
    }
    VIR_DEBUG("domain '%s' started, its status recorded", vm->def->name);
    ret = 0;

 cleanup:
    if (ret < 0) {
        virErrorPreserveLast(&origErr);
        if (created) {
            if (ops->domainDestroy(&driver->hyp, domid) < 0)
                VIR_WARN("failed to tear down domid %u of domain '%s'", domid, vm->def->name);
            vm->def->id = -1;
            virDomainObjSetState(vm, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_FAILED);
        }
        if (networked && !virDomainObjIsActive(vm)) {
            xenpvNetworkRelease(vm->def);
            xenpvGraphicsRelease(vm->def);
        }
        /* Also undoes a live definition the caller put in place (a
         * transient create over a defined domain, a restore). */
        if (transient || !virDomainObjIsActive(vm))
            virDomainObjRemoveTransientDef(vm);
        if (!virDomainObjIsActive(vm))
            xenpvBootloaderCleanup(driver, vm->def);
        if (recorded)
            xenpvDomainRemoveStatus(driver, vm);
        if (ownJob)
            xenpvJobRecordClear(&priv->job);
        virErrorRestore(&origErr);
    }
    xenpvBuildSpecClear(&spec);
    return ret;
}


int
xenpvProcessDestroyDomain(xenpvDriver *driver, virDomainObj *vm)
{
    if (!XENPV_HYP_HAS(driver, domainDestroy))
        return -1;
    return driver->hyp.ops->domainDestroy(&driver->hyp, vm->def->id);
}


void
xenpvProcessDestroyStray(xenpvDriver *driver, const unsigned char *uuid, const char *name)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    g_autofree xenpvDomainInfo *infos = NULL;
    size_t ninfos = 0;
    size_t i;

    if (!ops->listDomains || ops->listDomains(&driver->hyp, &infos, &ninfos) < 0) {
        VIR_ERROR(_("cannot list the hypervisor's domains to tear down what was built for domain '%s': %s"),
                  name, virGetLastErrorMessage());
        return;
    }
    for (i = 0; i < ninfos; i++) {
        if (infos[i].domid == 0 || memcmp(infos[i].uuid, uuid, VIR_UUID_BUFLEN) != 0)
            continue;
        if (ops->domainDestroy(&driver->hyp, infos[i].domid) < 0)
            VIR_ERROR(_("cannot tear down domid %u, built for domain '%s': %s"),
                      infos[i].domid, name, virGetLastErrorMessage());
        else
            VIR_WARN("tore down domid %u, left half-built for domain '%s' by a daemon that stopped",
                     infos[i].domid, name);
    }
}


void
xenpvProcessCleanup(xenpvDriver *driver,
                    virDomainObj *vm,
                    virDomainShutoffReason reason)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (!virDomainObjIsActive(vm))
        return;

    VIR_DEBUG("domain '%s' (domid %d) stopped", vm->def->name, vm->def->id);
    xenpvDomainRemoveStatus(driver, vm);
    virCloseCallbacksDomainRemove(vm, NULL, xenpvProcessAutoDestroy);

    virDomainObjSetState(vm, VIR_DOMAIN_SHUTOFF, reason);
    vm->def->id = -1;
    priv->abi = XENPV_GUEST_ABI_UNKNOWN;
    priv->container = XENPV_CONTAINER_PV;
    g_clear_pointer(&priv->shim, g_free);
    /* The kernel the bootloader extracted, and the network ports, served
     * this run only. */
    xenpvBootloaderCleanup(driver, vm->def);
    xenpvNetworkRelease(vm->def);
    xenpvGraphicsRelease(vm->def);
    priv->shutdownHandled = false;
    xenpvDriverDomainStopped(driver);

    /* Changes made to the persistent definition while running apply now. */
    virDomainObjRemoveTransientDef(vm);
}


int
xenpvProcessReconnect(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainInfo info = { 0 };
    int state;
    int reason;
    int rc;

    if (!virDomainObjIsActive(vm))
        return 0;
    xenpvGraphicsReconnect(vm->def);

    rc = -1;
    if (XENPV_HYP_HAS(driver, getDomainInfo))
        rc = driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info);
    if (rc < 0) {
        /* We cannot tell: keep it, a later rescan will look again. */
        VIR_WARN("cannot check domain '%s' (domid %d) against the hypervisor: %s",
                 vm->def->name, vm->def->id, virGetLastErrorMessage());
        xenpvDriverDomainStarted(driver);
        return 1;
    }
    if (rc == 0 || memcmp(info.uuid, vm->def->uuid, VIR_UUID_BUFLEN) != 0) {
        VIR_INFO("domain '%s' (domid %d) is gone from the hypervisor, marking it shut off",
                 vm->def->name, vm->def->id);
        /* Count it first: cleanup uncounts it. */
        xenpvDriverDomainStarted(driver);
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_UNKNOWN);
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
        return 0;
    }

    xenpvDriverDomainStarted(driver);

    /* The status XML holds the state and its reason; only what the
     * hypervisor contradicts is changed.  Shutdowns are left to the rescan
     * that follows, which applies the lifecycle actions. */
    state = virDomainObjGetState(vm, &reason);
    if (!info.shutdown) {
        if (info.paused && state == VIR_DOMAIN_RUNNING)
            virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN);
        else if (!info.paused && state == VIR_DOMAIN_PAUSED)
            virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    }
    VIR_INFO("found domain '%s' again as domid %d, %s", vm->def->name, vm->def->id,
             virDomainStateTypeToString(virDomainObjGetState(vm, NULL)));
    xenpvDomainSaveStatus(driver, vm);
    return 1;
}


/* Restart a domain whose guest rebooted or crashed, with the definition it
 * should now have.  Returns 0, or -1 when it could not be started again. */
static int
xenpvProcessRestart(xenpvDriver *driver, virDomainObj *vm,
                    virDomainShutoffReason stopReason)
{
    if (xenpvProcessDestroyDomain(driver, vm) < 0)
        return -1;
    xenpvProcessCleanup(driver, vm, stopReason);
    if (xenpvProcessStart(driver, vm, NULL, 0, VIR_DOMAIN_RUNNING_BOOTED,
                          -1, XENPV_GUEST_ABI_UNKNOWN, XENPV_CONTAINER_PV) < 0) {
        VIR_ERROR(_("cannot restart domain '%s': %s"), vm->def->name,
                  virGetLastErrorMessage());
        return -1;
    }
    return 0;
}


static void
xenpvProcessHandleShutdown(xenpvDriver *driver, virDomainObj *vm,
                           unsigned int xenReason)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    int action;
    bool crashed = false;
    virDomainShutoffReason stopReason = VIR_DOMAIN_SHUTOFF_SHUTDOWN;
    int stopDetail = VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN;

    switch ((xenpvShutdownReason)xenReason) {
    case XENPV_SHUTDOWN_POWEROFF:
        action = vm->def->onPoweroff;
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SHUTDOWN,
                                                                VIR_DOMAIN_EVENT_SHUTDOWN_GUEST));
        break;
    case XENPV_SHUTDOWN_REBOOT:
    case XENPV_SHUTDOWN_SOFT_RESET:
        action = vm->def->onReboot;
        break;
    case XENPV_SHUTDOWN_CRASH:
    case XENPV_SHUTDOWN_WATCHDOG:
        action = vm->def->onCrash;
        crashed = true;
        stopReason = VIR_DOMAIN_SHUTOFF_CRASHED;
        stopDetail = VIR_DOMAIN_EVENT_STOPPED_CRASHED;
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_CRASHED,
                                                                VIR_DOMAIN_EVENT_CRASHED_PANICKED));
        break;
    case XENPV_SHUTDOWN_SUSPEND:
        /* Not for a save or migration of ours (those hold the job until the
         * domain is gone or resumed, or, a migration whose outcome is not
         * known yet, keep their record).  For one a killed daemon left
         * behind, the guest is resumed; otherwise it suspended by itself
         * and stays so until resumed or destroyed. */
        if (priv->job.kind == XENPV_JOB_MIGRATION_OUT)
            return;
        if (priv->resumeSuspend) {
            priv->resumeSuspend = false;
            if (driver->hyp.ops->domainResume &&
                driver->hyp.ops->domainResume(&driver->hyp, vm->def->id) == 0) {
                VIR_INFO("domain '%s' suspended for a job that no longer exists: resumed",
                         vm->def->name);
                xenpvDomainSaveStatus(driver, vm);
                return;
            }
            VIR_WARN("domain '%s' suspended for a job that no longer exists and cannot be resumed: %s",
                     vm->def->name, virGetLastErrorMessage());
        }
        if (virDomainObjGetState(vm, NULL) != VIR_DOMAIN_PMSUSPENDED) {
            virDomainObjSetState(vm, VIR_DOMAIN_PMSUSPENDED, VIR_DOMAIN_PMSUSPENDED_UNKNOWN);
            xenpvDriverQueueEvent(driver,
                                  virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_PMSUSPENDED,
                                                                    VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY));
            xenpvDomainSaveStatus(driver, vm);
        }
        return;
    default:
        VIR_WARN("domain '%s' shut down for unknown reason %u; treating it as a crash",
                 vm->def->name, xenReason);
        action = vm->def->onCrash;
        crashed = true;
        stopReason = VIR_DOMAIN_SHUTOFF_CRASHED;
        stopDetail = VIR_DOMAIN_EVENT_STOPPED_CRASHED;
        break;
    }

    VIR_INFO("domain '%s' (domid %d) shut down by itself (Xen reason %u), on_* action %d",
             vm->def->name, vm->def->id, xenReason, action);

    switch ((virDomainLifecycleAction)action) {
    case VIR_DOMAIN_LIFECYCLE_ACTION_PRESERVE:
        priv->shutdownHandled = true;
        if (crashed)
            virDomainObjSetState(vm, VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED);
        else
            virDomainObjSetState(vm, VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER);
        xenpvDomainSaveStatus(driver, vm);
        return;

    case VIR_DOMAIN_LIFECYCLE_ACTION_RESTART:
    case VIR_DOMAIN_LIFECYCLE_ACTION_RESTART_RENAME:
    case VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_RESTART:
        /* rename-restart would keep the dead domain under another name for
         * inspection; a PV domain that shut down holds nothing worth that,
         * so it restarts like "restart".  No core dumps are taken. */
        if (xenReason == XENPV_SHUTDOWN_REBOOT || xenReason == XENPV_SHUTDOWN_SOFT_RESET)
            xenpvDriverQueueEvent(driver, virDomainEventRebootNewFromObj(vm));
        else
            xenpvDriverQueueEvent(driver,
                                  virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                    stopDetail));
        if (xenpvProcessRestart(driver, vm, stopReason) < 0) {
            if (virDomainObjIsActive(vm))
                return;
            xenpvDriverQueueEvent(driver,
                                  virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                    VIR_DOMAIN_EVENT_STOPPED_FAILED));
        } else if (xenReason != XENPV_SHUTDOWN_REBOOT &&
                   xenReason != XENPV_SHUTDOWN_SOFT_RESET) {
            xenpvDriverQueueEvent(driver,
                                  virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                                    VIR_DOMAIN_EVENT_STARTED_BOOTED));
        }
        return;

    case VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY:
    case VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_DESTROY:
    default:
        if (xenpvProcessDestroyDomain(driver, vm) < 0) {
            VIR_WARN("cannot destroy domain '%s' after its shutdown: %s",
                     vm->def->name, virGetLastErrorMessage());
            return;
        }
        xenpvProcessCleanup(driver, vm, stopReason);
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                stopDetail));
        return;
    }
}


void
xenpvProcessHandleChange(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvDomainInfo info = { 0 };
    int state;
    int rc;

    if (!virDomainObjIsActive(vm) || !driver->hyp.ops->getDomainInfo)
        return;

    rc = driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info);
    if (rc < 0) {
        VIR_WARN("cannot read the state of domain '%s': %s",
                 vm->def->name, virGetLastErrorMessage());
        return;
    }
    if (rc == 0 || memcmp(info.uuid, vm->def->uuid, VIR_UUID_BUFLEN) != 0) {
        VIR_INFO("domain '%s' (domid %d) disappeared from the hypervisor",
                 vm->def->name, vm->def->id);
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_DESTROYED);
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
        return;
    }
    if (info.dying)
        return;     /* its release raises another event */

    if (info.shutdown) {
        if (!priv->shutdownHandled)
            xenpvProcessHandleShutdown(driver, vm, info.shutdownReason);
        return;
    }

    state = virDomainObjGetState(vm, NULL);
    if (info.paused && state == VIR_DOMAIN_RUNNING) {
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN);
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                                VIR_DOMAIN_EVENT_SUSPENDED_PAUSED));
        xenpvDomainSaveStatus(driver, vm);
    } else if (!info.paused &&
               (state == VIR_DOMAIN_PAUSED || state == VIR_DOMAIN_PMSUSPENDED)) {
        virDomainRunningReason reason = VIR_DOMAIN_RUNNING_WAKEUP;

        if (state == VIR_DOMAIN_PAUSED)
            reason = VIR_DOMAIN_RUNNING_UNPAUSED;
        virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, reason);
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_RESUMED,
                                                                VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
        xenpvDomainSaveStatus(driver, vm);
    }
}
