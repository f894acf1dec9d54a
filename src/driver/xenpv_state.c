/*
 * xenpv_state.c: the state driver.  Brings the driver up when the daemon
 * starts (configuration, hypervisor back end, directories, domains found
 * again after a restart, autostart) and down when it stops.
 */
#include "xenpv_driver.h"

#include "domain_event.h"
#include "hypervisor/virclosecallbacks.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"

#include "xenpv_capabilities.h"
#include "xenpv_dirs.h"
#include "xenpv_domain.h"
#include "xenpv_domain_graphics.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_migration.h"
#include "xenpv_monitor.h"
#include "xenpv_process.h"
#include "xenpv_recover.h"
#include "xenpv_save.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.state");

static char *xenpvInitFailure;


const char *
xenpvDriverInitFailure(void)
{
    return xenpvInitFailure;
}


static void
xenpvDriverFree(xenpvDriver *driver)
{
    if (!driver)
        return;
    if (driver->domains)
        xenpvMonitorStop(driver);
    xenpvMigrationShutdown(driver);
    /* Last: the monitor notified changes, and a migration's threads may
     * have waited on them. */
    xenpvDriverChangesClear(driver);
    virObjectUnref(driver->domains);
    virObjectUnref(driver->domainEventState);
    virObjectUnref(driver->xmlopt);
    virObjectUnref(driver->caps);
    virPortAllocatorRangeFree(driver->vncPorts);
    if (driver->hyp.ops && driver->hyp.ops->close)
        driver->hyp.ops->close(&driver->hyp);
    g_free(driver->hyp.socketPath);
    xenpvPvshimHostClear(&driver->shim);
    xenpvKernelCacheFree(driver->kernelCache);
    xenpvDriverConfigFree(driver->config);
    g_free(driver->embeddedRoot);
    g_free(driver->configFile);
    g_free(driver->configDir);
    g_free(driver->autostartDir);
    g_free(driver->stateDir);
    g_free(driver->saveDir);
    g_free(driver->migrationDir);
    g_free(driver->logDir);
    g_free(driver->oldConfigDir);
    g_free(driver->libxlStateDir);
    g_free(driver->libxlSaveDir);
    g_free(driver);
}


static int
xenpvDriverOpenHypervisor(xenpvDriver *driver)
{
    xenpvDriverConfig *cfg = driver->config;

    switch (cfg->hypervisor) {
    case XENPV_HYPERVISOR_SIM:
        driver->hyp.ops = &xenpvSimHypervisorOps;
        break;
    case XENPV_HYPERVISOR_XEN:
    case XENPV_HYPERVISOR_LAST:
    default:
        driver->hyp.ops = &xenpvXenHypervisorOps;
        break;
    }
    driver->hyp.socketPath = g_strdup(cfg->simSocket);

    if (driver->hyp.ops->open(&driver->hyp) < 0) {
        driver->hyp.ops = NULL;
        return -1;
    }

    if (!driver->hyp.ops->getHostInfo) {
        VIR_WARN("the %s back end reports no host information", driver->hyp.ops->name);
        return 0;
    }
    if (driver->hyp.ops->getHostInfo(&driver->hyp, &driver->hostInfo) < 0)
        return -1;
    xenpvPvshimHostInit(&driver->shim, cfg, &driver->hostInfo);
    return 0;
}


/* The host's NUMA cells in the capabilities, as the back end reports them. */
static int
xenpvDriverLoadTopology(xenpvDriver *driver)
{
    xenpvHostTopology topo = { 0 };
    int ret;

    if (!driver->hyp.ops->getHostTopology)
        return 0;
    if (driver->hyp.ops->getHostTopology(&driver->hyp, &topo) < 0)
        return -1;
    ret = xenpvCapabilitiesSetTopology(driver->caps, &topo);
    xenpvHostTopologyClear(&topo);
    return ret;
}


static void
xenpvDriverLoadNotify(virDomainObj *vm, int newDomain G_GNUC_UNUSED, void *opaque)
{
    xenpvDomainLoadedConfig(vm);
    xenpvSaveCheckManaged(opaque, vm);
}


/* Run @fn on every domain in turn, each locked.  Not virDomainObjListForEach:
 * that holds the list's lock, and @fn may remove a domain from the list. */
static void
xenpvDriverForEachDomain(xenpvDriver *driver,
                         void (*fn)(xenpvDriver *driver, virDomainObj *vm))
{
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    size_t i;

    virDomainObjListCollectAll(driver->domains, &vms, &nvms);
    for (i = 0; i < nvms; i++) {
        virObjectLock(vms[i]);
        fn(driver, vms[i]);
        virObjectUnlock(vms[i]);
    }
    virObjectListFreeCount(vms, nvms);
}


/* Adopt a domain whose status XML survived a daemon restart, once the job
 * it was in is finished or undone, or forget it. */
static void
xenpvDriverReconnectOne(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvRecoverJob(driver, vm);
    if (xenpvProcessReconnect(driver, vm) == 0)
        xenpvDomainRemoveInactive(driver, vm);
}


static void
xenpvDriverAutostartOne(xenpvDriver *driver, virDomainObj *vm)
{
    virObjectEvent *event = NULL;

    if (!vm->autostart || !vm->persistent || virDomainObjIsActive(vm))
        return;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        return;
    if (xenpvSaveStartDomain(driver, vm, NULL, 0, false, &event) < 0)
        VIR_ERROR(_("failed to autostart domain '%s': %s"),
                  vm->def->name, virGetLastErrorMessage());
    virDomainObjEndJob(vm);
    xenpvDriverQueueEvent(driver, event);
}


/* The last error's message without the "no connection driver available
 * for" that libvirt puts before every VIR_ERR_NO_CONNECT message: the
 * reason is quoted inside another such message later. */
static const char *
xenpvDriverLastReason(void)
{
    virErrorPtr err = virGetLastError();
    const char *prefix = _("no connection driver available for ");
    const char *msg = virGetLastErrorMessage();

    if (err && err->code == VIR_ERR_NO_CONNECT && g_str_has_prefix(msg, prefix))
        msg += strlen(prefix);
    return msg;
}


/* Say why the driver is not serving, and let the daemon go on without it. */
static virDrvStateInitResult
xenpvDriverSkip(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    g_free(xenpvInitFailure);
    xenpvInitFailure = g_steal_pointer(&why);
    VIR_WARN("Xen PV driver not started: %s", xenpvInitFailure);
    virResetLastError();
    return VIR_DRV_STATE_INIT_SKIPPED;
}


static virDrvStateInitResult
xenpvStateInitialize(bool privileged,
                     const char *root,
                     bool monolithic G_GNUC_UNUSED,
                     virStateInhibitCallback callback,
                     void *opaque)
{
    xenpvDriver *driver = NULL;
    bool autostart = true;
    virDrvStateInitResult ret = VIR_DRV_STATE_INIT_ERROR;

    g_clear_pointer(&xenpvInitFailure, g_free);

    if (!privileged && !root)
        return xenpvDriverSkip(_("it runs only in a privileged daemon (xen:///system) or embedded (xen:///embed?root=DIR)"));

    driver = g_new0(xenpvDriver, 1);
    driver->privileged = privileged;
    driver->embeddedRoot = g_strdup(root);
    driver->inhibitCallback = callback;
    driver->inhibitOpaque = opaque;
    driver->eventWatch = -1;
    xenpvDriverChangesInit(driver);
    xenpvDirsSet(driver, root);

    driver->config = xenpvDriverConfigNew(driver->configFile);
    if (xenpvDriverConfigLoadFile(driver->config, driver->configFile) < 0) {
        ret = xenpvDriverSkip(_("invalid configuration: %s"), xenpvDriverLastReason());
        goto cleanup;
    }

    driver->kernelCache = xenpvKernelCacheNew((gsize)driver->config->kernelCacheMiB << 20);

    if (xenpvDriverOpenHypervisor(driver) < 0) {
        ret = xenpvDriverSkip(_("hypervisor = \"%s\" (%s) cannot be used: %s"),
                              xenpvHypervisorKindToString(driver->config->hypervisor),
                              driver->configFile, xenpvDriverLastReason());
        goto cleanup;
    }

    if (xenpvDirsMake(driver) < 0 ||
        xenpvMigrationInit(driver) < 0)
        goto cleanup;

    if (!(driver->caps = xenpvCapabilitiesNew(&driver->hostInfo, &driver->shim)))
        goto cleanup;
    if (xenpvDriverLoadTopology(driver) < 0)
        goto cleanup;
    if (!(driver->vncPorts = xenpvGraphicsPortRangeNew()))
        goto cleanup;
    if (!(driver->xmlopt = xenpvDomainXMLOptionNew(&xenpvDomainPrivateDataCallbacks,
                                                   &xenpvDomainJobConfig)))
        goto cleanup;
    virDomainXMLOptionSetCloseCallbackAlloc(driver->xmlopt, virCloseCallbacksDomainAlloc);
    if (!(driver->domains = virDomainObjListNew()))
        goto cleanup;
    if (!(driver->domainEventState = virObjectEventStateNew()))
        goto cleanup;
    if (xenpvMonitorStart(driver) < 0)
        goto cleanup;

    xenpv_driver = driver;

    /* Running domains first, from their status, then the persistent
     * definitions, which attach to the running ones of the same name. */
    if (virDomainObjListLoadAllConfigs(driver->domains, driver->stateDir, NULL,
                                       true, driver->xmlopt, NULL, NULL) < 0)
        VIR_ERROR(_("failed to load the status of running domains: %s"),
                  virGetLastErrorMessage());
    xenpvDriverForEachDomain(driver, xenpvDriverReconnectOne);

    xenpvDirsAdoptOldConfigs(driver);
    if (virDomainObjListLoadAllConfigs(driver->domains, driver->configDir,
                                       driver->autostartDir, false, driver->xmlopt,
                                       xenpvDriverLoadNotify, driver) < 0)
        VIR_ERROR(_("failed to load domain definitions: %s"), virGetLastErrorMessage());

    /* Guests that shut down while no daemon watched get their actions now. */
    xenpvMonitorRescanAll(driver);

    if (virDriverShouldAutostart(driver->stateDir, &autostart) < 0)
        goto cleanup;
    if (autostart && driver->config->autostart)
        xenpvDriverForEachDomain(driver, xenpvDriverAutostartOne);

    VIR_INFO("Xen PV driver serving with the %s back end (Xen %u.%u%s)",
             driver->hyp.ops->name, driver->hostInfo.xenMajor,
             driver->hostInfo.xenMinor, driver->hostInfo.xenExtra);
    return VIR_DRV_STATE_INIT_COMPLETE;

 cleanup:
    xenpv_driver = NULL;
    xenpvDriverFree(driver);
    return ret;
}


static int
xenpvStateCleanup(void)
{
    xenpvDriver *driver = xenpv_driver;

    g_clear_pointer(&xenpvInitFailure, g_free);
    if (!driver)
        return -1;
    xenpv_driver = NULL;
    xenpvDriverFree(driver);
    return 0;
}


static int
xenpvStateReload(void)
{
    xenpvDriver *driver = xenpv_driver;

    if (!driver)
        return 0;
    return virDomainObjListLoadAllConfigs(driver->domains, driver->configDir,
                                          driver->autostartDir, false,
                                          driver->xmlopt,
                                          xenpvDriverLoadNotify, driver);
}


virStateDriver xenpvStateDriver = {
    .name = "Xen",
    .stateInitialize = xenpvStateInitialize,
    .stateCleanup = xenpvStateCleanup,
    .stateReload = xenpvStateReload,
};
