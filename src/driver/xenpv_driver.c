/*
 * xenpv_driver.c: registration of the Xen PV driver with libvirt, and the
 * connection- and host-level entry points.
 */
#include <unistd.h>

#include "xenpv_driver.h"

#include "datatypes.h"
#include "domain_event.h"
#include "viraccessapicheck.h"
#include "hypervisor/virclosecallbacks.h"
#include "virerror.h"
#include "virlog.h"
#include "viruri.h"
#include "virutil.h"
#include "virstring.h"
#include "virsysinfo.h"

#include "xenpv_capabilities.h"
#include "xenpv_domain.h"
#include "xenpv_entry.h"
#include "xenpv_migration.h"
#include "xenpv_native.h"
#include "xenpv_save.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver");

int libxlRegister(void);
int xenRegister(void);


/* Is @path one this daemon serves?  xen:///system, also written xen:/// */
static int
xenpvConnectCheckURI(virConnectPtr conn, xenpvDriver *driver)
{
    const char *path = conn->uri->path ? conn->uri->path : "";

    if (driver->embeddedRoot) {
        const char *root = virURIGetParam(conn->uri, "root");

        if (STRNEQ(path, "/embed") || !root) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("an embedded Xen PV driver serves only xen:///embed?root=%s"),
                           driver->embeddedRoot);
            return -1;
        }
        if (STRNEQ(root, driver->embeddedRoot)) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("this process embeds the Xen PV driver with root '%s', not '%s'"),
                           driver->embeddedRoot, root);
            return -1;
        }
        return 0;
    }

    if (STRNEQ(path, "") && STRNEQ(path, "/") && STRNEQ(path, "/system")) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("unexpected Xen URI path '%s', try xen:///system"), path);
        return -1;
    }
    return 0;
}


static virDrvOpenStatus
xenpvConnectOpen(virConnectPtr conn,
                 virConnectAuthPtr auth G_GNUC_UNUSED,
                 virConf *conf G_GNUC_UNUSED,
                 unsigned int flags)
{
    virCheckFlags(VIR_CONNECT_RO, VIR_DRV_OPEN_ERROR);

    if (!conn->uri) {
        /* Probing for a default hypervisor: answer only when serving. */
        if (!xenpv_driver)
            return VIR_DRV_OPEN_DECLINED;
        if (xenpv_driver->embeddedRoot)
            conn->uri = virURIParse("xen:///embed");
        else
            conn->uri = virURIParse("xen:///system");
        if (!conn->uri)
            return VIR_DRV_OPEN_ERROR;
    } else if (!conn->uri->scheme || STRNEQ(conn->uri->scheme, "xen")) {
        return VIR_DRV_OPEN_DECLINED;
    }

    if (!xenpv_driver) {
        const char *why = xenpvDriverInitFailure();
        g_autofree char *uri = virURIFormat(conn->uri);

        /* libvirt words this "no connection driver available for ...". */
        virReportError(VIR_ERR_NO_CONNECT,
                       _("%s: the Xen PV driver is not running: %s (the driver looks once, when it starts: after fixing this, restart libvirtd)"),
                       NULLSTR(uri),
                       why ? why : _("its state driver was not initialised"));
        return VIR_DRV_OPEN_ERROR;
    }

    if (xenpvConnectCheckURI(conn, xenpv_driver) < 0)
        return VIR_DRV_OPEN_ERROR;

    if (virConnectOpenEnsureACL(conn) < 0)
        return VIR_DRV_OPEN_ERROR;

    return VIR_DRV_OPEN_SUCCESS;
}


static int
xenpvConnectClose(virConnectPtr conn)
{
    if (xenpv_driver)
        virCloseCallbacksDomainRunForConn(xenpv_driver->domains, conn);
    return 0;
}


static const char *
xenpvConnectGetType(virConnectPtr conn)
{
    if (virConnectGetTypeEnsureACL(conn) < 0)
        return NULL;
    return "Xen";
}


static int
xenpvHostInfoNow(xenpvDriver *driver, xenpvHostInfo *info)
{
    if (!XENPV_HYP_HAS(driver, getHostInfo))
        return -1;
    return driver->hyp.ops->getHostInfo(&driver->hyp, info);
}


static int
xenpvConnectGetVersion(virConnectPtr conn, unsigned long *version)
{
    xenpvHostInfo info = { 0 };

    if (virConnectGetVersionEnsureACL(conn) < 0)
        return -1;
    if (xenpvHostInfoNow(xenpv_driver, &info) < 0)
        return -1;
    *version = info.xenMajor * 1000000UL + info.xenMinor * 1000UL;
    return 0;
}


static char *
xenpvConnectGetHostname(virConnectPtr conn)
{
    if (virConnectGetHostnameEnsureACL(conn) < 0)
        return NULL;
    return virGetHostname();
}


/* The host's SMBIOS tables, as dmidecode reads them in dom0 (libvirt's
 * own reader, as every driver uses). */
static char *
xenpvConnectGetSysinfo(virConnectPtr conn, unsigned int flags)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_autoptr(virSysinfoDef) sysinfo = NULL;

    virCheckFlags(0, NULL);

    if (virConnectGetSysinfoEnsureACL(conn) < 0)
        return NULL;
    if (!(sysinfo = virSysinfoRead())) {
        g_autofree char *why = g_strdup(virGetLastErrorMessage());

        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("the host's SMBIOS information is not available: %s"), why);
        return NULL;
    }
    if (virSysinfoFormat(&buf, sysinfo) < 0)
        return NULL;
    return virBufferContentAndReset(&buf);
}


static int
xenpvConnectGetMaxVcpus(virConnectPtr conn, const char *type)
{
    if (virConnectGetMaxVcpusEnsureACL(conn) < 0)
        return -1;
    if (type && STRCASENEQ(type, "xen")) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("unknown virtualization type '%s', only 'xen' is served"), type);
        return -1;
    }
    return XENPV_MAX_VCPUS;
}


static char *
xenpvConnectGetCapabilities(virConnectPtr conn)
{
    if (virConnectGetCapabilitiesEnsureACL(conn) < 0)
        return NULL;
    return virCapabilitiesFormatXML(xenpv_driver->caps);
}


static char *
xenpvConnectGetDomainCapabilities(virConnectPtr conn,
                                  const char *emulatorbin,
                                  const char *arch,
                                  const char *machine,
                                  const char *virttype,
                                  unsigned int flags)
{
    g_autoptr(virDomainCaps) domCaps = NULL;

    virCheckFlags(0, NULL);

    if (virConnectGetDomainCapabilitiesEnsureACL(conn) < 0)
        return NULL;
    if (!(domCaps = xenpvDomainCapsNew(&xenpv_driver->hostInfo, &xenpv_driver->shim,
                                       emulatorbin, arch, machine, virttype)))
        return NULL;
    return virDomainCapsFormat(domCaps);
}


static int
xenpvNodeGetInfo(virConnectPtr conn, virNodeInfoPtr nodeinfo)
{
    xenpvHostInfo info = { 0 };
    unsigned int perSocket;

    if (virNodeGetInfoEnsureACL(conn) < 0)
        return -1;
    if (xenpvHostInfoNow(xenpv_driver, &info) < 0)
        return -1;

    memset(nodeinfo, 0, sizeof(*nodeinfo));
    if (virStrcpyStatic(nodeinfo->model, "x86_64") < 0)
        return -1;
    nodeinfo->memory = XENPV_PAGES_TO_KIB(info.totalPages);
    nodeinfo->cpus = info.nrCpus;
    nodeinfo->mhz = info.cpuKhz / 1000;
    nodeinfo->nodes = info.nrNodes ? info.nrNodes : 1;
    nodeinfo->threads = info.threadsPerCore ? info.threadsPerCore : 1;
    nodeinfo->cores = info.coresPerSocket ? info.coresPerSocket : 1;
    perSocket = nodeinfo->nodes * nodeinfo->cores * nodeinfo->threads;
    nodeinfo->sockets = perSocket ? MAX(1, info.nrCpus / perSocket) : 1;
    return 0;
}


static unsigned long long
xenpvNodeGetFreeMemory(virConnectPtr conn)
{
    xenpvHostInfo info = { 0 };

    if (virNodeGetFreeMemoryEnsureACL(conn) < 0)
        return 0;
    if (xenpvHostInfoNow(xenpv_driver, &info) < 0)
        return 0;
    return info.freePages * XENPV_PAGE_SIZE;
}


static int
xenpvNodeGetCellsFreeMemory(virConnectPtr conn,
                            unsigned long long *freeMems,
                            int startCell,
                            int maxCells)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvHostTopology topo = { 0 };
    int n = 0;
    int ret = -1;

    if (virNodeGetCellsFreeMemoryEnsureACL(conn) < 0)
        return -1;
    if (!XENPV_HYP_HAS(driver, getHostTopology) ||
        driver->hyp.ops->getHostTopology(&driver->hyp, &topo) < 0)
        return -1;

    if (startCell < 0 || (size_t)startCell >= topo.nnodes) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("start cell %d out of range: the host has NUMA cells 0-%zu"),
                       startCell, topo.nnodes ? topo.nnodes - 1 : 0);
        goto cleanup;
    }
    for (n = 0; n < maxCells && (size_t)(startCell + n) < topo.nnodes; n++)
        freeMems[n] = topo.nodeFreeKiB[startCell + n] * 1024;
    ret = n;

 cleanup:
    xenpvHostTopologyClear(&topo);
    return ret;
}


static int
xenpvNodeGetCPUMap(virConnectPtr conn,
                   unsigned char **cpumap,
                   unsigned int *online,
                   unsigned int flags)
{
    xenpvHostInfo info = { 0 };
    unsigned int cpu;

    virCheckFlags(0, -1);

    if (virNodeGetCPUMapEnsureACL(conn) < 0)
        return -1;
    if (xenpvHostInfoNow(xenpv_driver, &info) < 0)
        return -1;
    /* Every physical CPU the hypervisor reports is online. */
    if (cpumap) {
        *cpumap = g_new0(unsigned char, VIR_CPU_MAPLEN(info.nrCpus));
        for (cpu = 0; cpu < info.nrCpus; cpu++)
            VIR_USE_CPU(*cpumap, cpu);
    }
    if (online)
        *online = info.nrCpus;
    return info.nrCpus;
}


static int
xenpvNodeGetSecurityModel(virConnectPtr conn, virSecurityModelPtr secmodel)
{
    if (virNodeGetSecurityModelEnsureACL(conn) < 0)
        return -1;
    /* No security driver confines PV guests: an empty model says so. */
    memset(secmodel, 0, sizeof(*secmodel));
    return 0;
}


static int
xenpvConnectSupportsFeature(virConnectPtr conn, int feature)
{
    int supported;

    if (virConnectSupportsFeatureEnsureACL(conn) < 0)
        return -1;
    if (virDriverFeatureIsGlobal(feature, &supported))
        return supported;

    switch ((virDrvFeature)feature) {
    case VIR_DRV_FEATURE_TYPED_PARAM_STRING:
    /* Migration: protocol v3 with parameters, client-managed or peer to
     * peer, change protection, offline (docs/migration.md). */
    case VIR_DRV_FEATURE_MIGRATION_V3:
    case VIR_DRV_FEATURE_MIGRATION_P2P:
    case VIR_DRV_FEATURE_MIGRATE_CHANGE_PROTECTION:
    case VIR_DRV_FEATURE_MIGRATION_OFFLINE:
    case VIR_DRV_FEATURE_MIGRATION_PARAMS:
        return 1;
    case VIR_DRV_FEATURE_MIGRATION_V1:
    case VIR_DRV_FEATURE_MIGRATION_V2:
    case VIR_DRV_FEATURE_MIGRATION_DIRECT:
    case VIR_DRV_FEATURE_XML_MIGRATABLE:
    case VIR_DRV_FEATURE_FD_PASSING:
    case VIR_DRV_FEATURE_REMOTE:
    case VIR_DRV_FEATURE_PROGRAM_KEEPALIVE:
    case VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK:
    case VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK:
    case VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
    default:
        return 0;
    }
}


static int
xenpvConnectIsAlive(virConnectPtr conn G_GNUC_UNUSED)
{
    return 1;
}


static int
xenpvConnectIsSecure(virConnectPtr conn G_GNUC_UNUSED)
{
    /* Local only: nothing travels over a network. */
    return 1;
}


static int
xenpvConnectIsEncrypted(virConnectPtr conn G_GNUC_UNUSED)
{
    return 0;
}


static int
xenpvConnectDomainEventRegisterAny(virConnectPtr conn,
                                   virDomainPtr dom,
                                   int eventID,
                                   virConnectDomainEventGenericCallback callback,
                                   void *opaque,
                                   virFreeCallback freecb)
{
    int callbackID;

    if (virConnectDomainEventRegisterAnyEnsureACL(conn) < 0)
        return -1;
    if (virDomainEventStateRegisterID(conn, xenpv_driver->domainEventState,
                                      dom, eventID, callback, opaque, freecb,
                                      &callbackID) < 0)
        return -1;
    return callbackID;
}


static int
xenpvConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID)
{
    if (virConnectDomainEventDeregisterAnyEnsureACL(conn) < 0)
        return -1;
    if (virObjectEventStateDeregisterID(conn, xenpv_driver->domainEventState,
                                        callbackID, true) < 0)
        return -1;
    return 0;
}


static int
xenpvConnectDomainEventRegister(virConnectPtr conn,
                                virConnectDomainEventCallback callback,
                                void *opaque,
                                virFreeCallback freecb)
{
    if (virConnectDomainEventRegisterEnsureACL(conn) < 0)
        return -1;
    if (virDomainEventStateRegister(conn, xenpv_driver->domainEventState,
                                    callback, opaque, freecb) < 0)
        return -1;
    return 0;
}


static int
xenpvConnectDomainEventDeregister(virConnectPtr conn,
                                  virConnectDomainEventCallback callback)
{
    if (virConnectDomainEventDeregisterEnsureACL(conn) < 0)
        return -1;
    if (virDomainEventStateDeregister(conn, xenpv_driver->domainEventState,
                                      callback) < 0)
        return -1;
    return 0;
}


static virHypervisorDriver xenpvHypervisorDriver = {
    .name = "Xen",
    .connectOpen = xenpvConnectOpen,
    .connectClose = xenpvConnectClose,
    .connectGetType = xenpvConnectGetType,
    .connectGetVersion = xenpvConnectGetVersion,
    .connectGetHostname = xenpvConnectGetHostname,
    .connectGetSysinfo = xenpvConnectGetSysinfo,
    .connectGetMaxVcpus = xenpvConnectGetMaxVcpus,
    .connectGetCapabilities = xenpvConnectGetCapabilities,
    .connectGetDomainCapabilities = xenpvConnectGetDomainCapabilities,
    .connectSupportsFeature = xenpvConnectSupportsFeature,
    .connectIsAlive = xenpvConnectIsAlive,
    .connectIsSecure = xenpvConnectIsSecure,
    .connectIsEncrypted = xenpvConnectIsEncrypted,
    .connectListDomains = xenpvConnectListDomains,
    .connectNumOfDomains = xenpvConnectNumOfDomains,
    .connectListDefinedDomains = xenpvConnectListDefinedDomains,
    .connectNumOfDefinedDomains = xenpvConnectNumOfDefinedDomains,
    .connectListAllDomains = xenpvConnectListAllDomains,
    .connectDomainEventRegister = xenpvConnectDomainEventRegister,
    .connectDomainEventDeregister = xenpvConnectDomainEventDeregister,
    .connectDomainEventRegisterAny = xenpvConnectDomainEventRegisterAny,
    .connectDomainEventDeregisterAny = xenpvConnectDomainEventDeregisterAny,
    .connectDomainXMLFromNative = xenpvConnectDomainXMLFromNative,
    .connectDomainXMLToNative = xenpvConnectDomainXMLToNative,
    .nodeGetInfo = xenpvNodeGetInfo,
    .nodeGetFreeMemory = xenpvNodeGetFreeMemory,
    .nodeGetCellsFreeMemory = xenpvNodeGetCellsFreeMemory,
    .nodeGetSecurityModel = xenpvNodeGetSecurityModel,
    .nodeGetCPUMap = xenpvNodeGetCPUMap,
    .domainLookupByID = xenpvDomainLookupByID,
    .domainLookupByUUID = xenpvDomainLookupByUUID,
    .domainLookupByName = xenpvDomainLookupByName,
    .domainDefineXML = xenpvDomainDefineXML,
    .domainDefineXMLFlags = xenpvDomainDefineXMLFlags,
    .domainUndefine = xenpvDomainUndefine,
    .domainUndefineFlags = xenpvDomainUndefineFlags,
    .domainCreateXML = xenpvDomainCreateXML,
    .domainCreate = xenpvDomainCreate,
    .domainCreateWithFlags = xenpvDomainCreateWithFlags,
    .domainGetInfo = xenpvDomainGetInfo,
    .domainGetState = xenpvDomainGetState,
    .domainGetXMLDesc = xenpvDomainGetXMLDesc,
    .domainGetOSType = xenpvDomainGetOSType,
    .domainGetMaxMemory = xenpvDomainGetMaxMemory,
    .domainIsActive = xenpvDomainIsActive,
    .domainIsPersistent = xenpvDomainIsPersistent,
    .domainIsUpdated = xenpvDomainIsUpdated,
    .domainGetAutostart = xenpvDomainGetAutostart,
    .domainSetAutostart = xenpvDomainSetAutostart,
    .domainGetSchedulerType = xenpvDomainGetSchedulerType,
    .domainShutdown = xenpvDomainShutdown,
    .domainShutdownFlags = xenpvDomainShutdownFlags,
    .domainReboot = xenpvDomainReboot,
    .domainDestroy = xenpvDomainDestroy,
    .domainDestroyFlags = xenpvDomainDestroyFlags,
    .domainSuspend = xenpvDomainSuspend,
    .domainResume = xenpvDomainResume,
    .domainSetMemory = xenpvDomainSetMemory,
    .domainSetMemoryFlags = xenpvDomainSetMemoryFlags,
    .domainSetMaxMemory = xenpvDomainSetMaxMemory,
    .domainSetVcpus = xenpvDomainSetVcpus,
    .domainSetVcpusFlags = xenpvDomainSetVcpusFlags,
    .domainGetVcpusFlags = xenpvDomainGetVcpusFlags,
    .domainGetMaxVcpus = xenpvDomainGetMaxVcpus,
    .domainGetVcpus = xenpvDomainGetVcpus,
    .domainGetMessages = xenpvDomainGetMessages,
    .domainGetMetadata = xenpvDomainGetMetadata,
    .domainSetMetadata = xenpvDomainSetMetadata,
    .domainPinVcpu = xenpvDomainPinVcpu,
    .domainPinVcpuFlags = xenpvDomainPinVcpuFlags,
    .domainGetVcpuPinInfo = xenpvDomainGetVcpuPinInfo,
    .domainBlockStats = xenpvDomainBlockStats,
    .domainBlockStatsFlags = xenpvDomainBlockStatsFlags,
    .domainInterfaceStats = xenpvDomainInterfaceStats,
    .domainMemoryStats = xenpvDomainMemoryStats,
    .domainGetCPUStats = xenpvDomainGetCPUStats,
    .connectGetAllDomainStats = xenpvConnectGetAllDomainStats,
    .nodeGetCPUStats = xenpvNodeGetCPUStats,
    .nodeGetMemoryStats = xenpvNodeGetMemoryStats,
    .domainAttachDevice = xenpvDomainAttachDevice,
    .domainAttachDeviceFlags = xenpvDomainAttachDeviceFlags,
    .domainDetachDevice = xenpvDomainDetachDevice,
    .domainDetachDeviceFlags = xenpvDomainDetachDeviceFlags,
    .domainUpdateDeviceFlags = xenpvDomainUpdateDeviceFlags,
    .domainSave = xenpvDomainSave,
    .domainSaveFlags = xenpvDomainSaveFlags,
    .domainRestore = xenpvDomainRestore,
    .domainRestoreFlags = xenpvDomainRestoreFlags,
    .domainSaveImageGetXMLDesc = xenpvDomainSaveImageGetXMLDesc,
    .domainManagedSave = xenpvDomainManagedSave,
    .domainHasManagedSaveImage = xenpvDomainHasManagedSaveImage,
    .domainManagedSaveRemove = xenpvDomainManagedSaveRemove,
    .domainManagedSaveGetXMLDesc = xenpvDomainManagedSaveGetXMLDesc,
    .domainOpenConsole = xenpvDomainOpenConsole,
    .domainMigrateBegin3 = xenpvDomainMigrateBegin3,
    .domainMigratePrepare3 = xenpvDomainMigratePrepare3,
    .domainMigratePrepareTunnel3 = xenpvDomainMigratePrepareTunnel3,
    .domainMigratePerform3 = xenpvDomainMigratePerform3,
    .domainMigrateFinish3 = xenpvDomainMigrateFinish3,
    .domainMigrateConfirm3 = xenpvDomainMigrateConfirm3,
    .domainMigrateBegin3Params = xenpvDomainMigrateBegin3Params,
    .domainMigratePrepare3Params = xenpvDomainMigratePrepare3Params,
    .domainMigratePrepareTunnel3Params = xenpvDomainMigratePrepareTunnel3Params,
    .domainMigratePerform3Params = xenpvDomainMigratePerform3Params,
    .domainMigrateFinish3Params = xenpvDomainMigrateFinish3Params,
    .domainMigrateConfirm3Params = xenpvDomainMigrateConfirm3Params,
    .domainGetJobInfo = xenpvDomainGetJobInfo,
    .domainGetJobStats = xenpvDomainGetJobStats,
    .domainAbortJob = xenpvDomainAbortJob,
    .domainAbortJobFlags = xenpvDomainAbortJobFlags,
    .domainMigrateSetMaxDowntime = xenpvDomainMigrateSetMaxDowntime,
    .domainMigrateGetMaxDowntime = xenpvDomainMigrateGetMaxDowntime,
    .domainMigrateSetMaxSpeed = xenpvDomainMigrateSetMaxSpeed,
    .domainMigrateGetMaxSpeed = xenpvDomainMigrateGetMaxSpeed,
};


static virConnectDriver xenpvConnectDriver = {
    .localOnly = true,
    .embeddable = true,
    .uriSchemes = (const char *[]){ "xen", NULL },
    .hypervisorDriver = &xenpvHypervisorDriver,
};


int
libxlRegister(void)
{
    if (virRegisterConnectDriver(&xenpvConnectDriver, true) < 0)
        return -1;
    if (virRegisterStateDriver(&xenpvStateDriver) < 0)
        return -1;
    return 0;
}


/* The daemon-less xen:///embed?root=DIR loads the module under this name. */
int
xenRegister(void)
{
    return libxlRegister();
}
