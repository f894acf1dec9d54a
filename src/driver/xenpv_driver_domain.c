/*
 * xenpv_driver_domain.c: entry points that find, list, define and describe
 * domains, without changing what runs.
 */
#include <unistd.h>

#include "xenpv_driver.h"

#include "datatypes.h"
#include "domain_event.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"

#include "xenpv_dirs.h"
#include "xenpv_domain.h"
#include "xenpv_domain_abi.h"
#include "xenpv_domain_arch.h"
#include "xenpv_domain_build.h"
#include "xenpv_domain_graphics.h"
#include "xenpv_domain_support.h"
#include "xenpv_entry.h"
#include "xenpv_save.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver_domain");


virDomainPtr
xenpvDomainLookupByID(virConnectPtr conn, int id)
{
    virDomainObj *vm;
    virDomainPtr dom = NULL;

    if (!(vm = virDomainObjListFindByID(xenpv_driver->domains, id))) {
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching id %d"), id);
        return NULL;
    }
    if (virDomainLookupByIDEnsureACL(conn, vm->def) < 0)
        goto cleanup;
    dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);

 cleanup:
    virDomainObjEndAPI(&vm);
    return dom;
}


virDomainPtr
xenpvDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    virDomainObj *vm;
    virDomainPtr dom = NULL;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!(vm = virDomainObjListFindByUUID(xenpv_driver->domains, uuid))) {
        virUUIDFormat(uuid, uuidstr);
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching uuid '%s'"), uuidstr);
        return NULL;
    }
    if (virDomainLookupByUUIDEnsureACL(conn, vm->def) < 0)
        goto cleanup;
    dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);

 cleanup:
    virDomainObjEndAPI(&vm);
    return dom;
}


virDomainPtr
xenpvDomainLookupByName(virConnectPtr conn, const char *name)
{
    virDomainObj *vm;
    virDomainPtr dom = NULL;

    if (!(vm = virDomainObjListFindByName(xenpv_driver->domains, name))) {
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching name '%s'"), name);
        return NULL;
    }
    if (virDomainLookupByNameEnsureACL(conn, vm->def) < 0)
        goto cleanup;
    dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);

 cleanup:
    virDomainObjEndAPI(&vm);
    return dom;
}


int
xenpvConnectListDomains(virConnectPtr conn, int *ids, int maxids)
{
    if (virConnectListDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListGetActiveIDs(xenpv_driver->domains, ids, maxids,
                                        virConnectListDomainsCheckACL, conn);
}


int
xenpvConnectNumOfDomains(virConnectPtr conn)
{
    if (virConnectNumOfDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListNumOfDomains(xenpv_driver->domains, true,
                                        virConnectNumOfDomainsCheckACL, conn);
}


int
xenpvConnectListDefinedDomains(virConnectPtr conn, char **const names, int maxnames)
{
    if (virConnectListDefinedDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListGetInactiveNames(xenpv_driver->domains, names, maxnames,
                                            virConnectListDefinedDomainsCheckACL, conn);
}


int
xenpvConnectNumOfDefinedDomains(virConnectPtr conn)
{
    if (virConnectNumOfDefinedDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListNumOfDomains(xenpv_driver->domains, false,
                                        virConnectNumOfDefinedDomainsCheckACL, conn);
}


int
xenpvConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags)
{
    virCheckFlags(VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL, -1);

    if (virConnectListAllDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListExport(xenpv_driver->domains, conn, domains,
                                  virConnectListAllDomainsCheckACL, flags);
}


/* A redefinition that shows the arch its predecessor showed, when that one
 * followed its kernel, follows it still: a virsh edit round trip. */
static bool
xenpvDomainArchStillFromKernel(xenpvDriver *driver, const virDomainDef *def)
{
    virDomainObj *vm = virDomainObjListFindByUUID(driver->domains, def->uuid);
    const virDomainDef *previous;
    bool ret;

    if (!vm)
        return false;
    previous = vm->newDef ? vm->newDef : vm->def;
    ret = vm->persistent && ((xenpvDomainObjPrivate *)vm->privateData)->archFromKernel &&
          previous->os.arch == def->os.arch;
    virDomainObjEndAPI(&vm);
    return ret;
}


virDomainPtr
xenpvDomainDefineXMLFlags(virConnectPtr conn, const char *xml, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    g_autoptr(virDomainDef) def = NULL;
    virDomainDef *oldDef = NULL;
    virDomainObj *vm = NULL;
    virDomainPtr dom = NULL;
    unsigned int parseFlags = VIR_DOMAIN_DEF_PARSE_INACTIVE;
    bool wasPersistent;
    bool archFromKernel = false;
    int definedHow = VIR_DOMAIN_EVENT_DEFINED_ADDED;

    virCheckFlags(VIR_DOMAIN_DEFINE_VALIDATE, NULL);

    if (flags & VIR_DOMAIN_DEFINE_VALIDATE)
        parseFlags |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;

    if (!(def = xenpvDomainDefParseUserXML(xml, driver->xmlopt, parseFlags, &archFromKernel)))
        return NULL;
    if (virDomainDefineXMLFlagsEnsureACL(conn, def) < 0)
        return NULL;
    if (!archFromKernel)
        archFromKernel = xenpvDomainArchStillFromKernel(driver, def);
    if (xenpvDomainDefCheckRunnable(def) < 0 ||
        xenpvDomainAbiCheckDefine(driver, def, archFromKernel) < 0 ||
        xenpvGraphicsCheckDefine(driver, def) < 0 ||
        xenpvDirsCheckDefinable(driver, def->name) < 0)
        return NULL;

    if (!(vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt, 0, &oldDef)))
        return NULL;

    wasPersistent = vm->persistent;
    vm->persistent = 1;
    ((xenpvDomainObjPrivate *)vm->privateData)->archFromKernel = archFromKernel;
    if (xenpvDomainSaveConfig(driver, vm) < 0) {
        if (!wasPersistent) {
            vm->persistent = 0;
            xenpvDomainRemoveInactive(driver, vm);
        }
        goto cleanup;
    }

    xenpvSaveCheckManaged(driver, vm);
    if (oldDef)
        definedHow = VIR_DOMAIN_EVENT_DEFINED_UPDATED;
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_DEFINED, definedHow));
    VIR_INFO("defined domain '%s'", vm->def->name);
    dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);

 cleanup:
    virDomainDefFree(oldDef);
    virDomainObjEndAPI(&vm);
    return dom;
}


virDomainPtr
xenpvDomainDefineXML(virConnectPtr conn, const char *xml)
{
    return xenpvDomainDefineXMLFlags(conn, xml, 0);
}


int
xenpvDomainUndefineFlags(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree char *managedSave = NULL;
    int ret = -1;

    /* PV guests have no NVRAM: those flags change nothing. */
    virCheckFlags(VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                  VIR_DOMAIN_UNDEFINE_NVRAM |
                  VIR_DOMAIN_UNDEFINE_KEEP_NVRAM, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainUndefineFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    if (xenpvDomainCheckPersistent(vm, _("there is no definition to undefine")) < 0)
        goto endjob;

    managedSave = xenpvDomainManagedSavePath(driver, vm);
    if (virFileExists(managedSave)) {
        if (!(flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' has a managed save image; remove it first (virsh managedsave-remove) or undefine with --managed-save"),
                           vm->def->name);
            goto endjob;
        }
        if (unlink(managedSave) < 0) {
            virReportSystemError(errno, _("cannot remove managed save image '%s'"),
                                 managedSave);
            goto endjob;
        }
        vm->hasManagedSave = false;
    }

    if (virDomainDeleteConfig(driver->configDir, driver->autostartDir, vm) < 0)
        goto endjob;

    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_UNDEFINED,
                                                            VIR_DOMAIN_EVENT_UNDEFINED_REMOVED));
    vm->autostart = 0;
    /* A running domain goes on, as a transient one. */
    vm->persistent = 0;
    g_clear_pointer(&vm->newDef, virDomainDefFree);
    VIR_INFO("undefined domain '%s'", vm->def->name);
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
    xenpvDomainRemoveInactive(driver, vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainUndefine(virDomainPtr dom)
{
    return xenpvDomainUndefineFlags(dom, 0);
}


/* What the hypervisor says about a running domain, or zeroes. */
static int
xenpvDomainLiveInfo(virDomainObj *vm, xenpvDomainInfo *info)
{
    xenpvDriver *driver = xenpv_driver;
    int rc;

    memset(info, 0, sizeof(*info));
    if (!virDomainObjIsActive(vm) || !driver->hyp.ops->getDomainInfo)
        return 0;
    rc = driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, info);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        /* Gone this instant; the event about it is on its way. */
        memset(info, 0, sizeof(*info));
    }
    return 0;
}


int
xenpvDomainGetInfo(virDomainPtr dom, virDomainInfoPtr info)
{
    virDomainObj *vm;
    xenpvDomainInfo live;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetInfoEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (xenpvDomainLiveInfo(vm, &live) < 0)
        goto cleanup;

    info->state = virDomainObjGetState(vm, NULL);
    info->maxMem = virDomainDefGetMemoryTotal(vm->def);
    info->nrVirtCpu = virDomainDefGetVcpus(vm->def);
    if (virDomainObjIsActive(vm) && live.nrPages) {
        info->memory = XENPV_PAGES_TO_KIB(live.nrPages);
        info->cpuTime = live.cpuTimeNs;
        if (live.nrOnlineVcpus)
            info->nrVirtCpu = live.nrOnlineVcpus;
    } else {
        /* A shut-off guest has the memory it will start with. */
        info->memory = vm->def->mem.cur_balloon;
        info->cpuTime = 0;
    }
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainGetState(virDomainPtr dom, int *state, int *reason, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetStateEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    *state = virDomainObjGetState(vm, reason);
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


char *
xenpvDomainGetXMLDesc(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    virDomainDef *def;
    char *xml = NULL;

    virCheckFlags(VIR_DOMAIN_XML_COMMON_FLAGS, NULL);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetXMLDescEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;

    def = (flags & VIR_DOMAIN_XML_INACTIVE) && vm->newDef ? vm->newDef : vm->def;
    xml = virDomainDefFormat(def, xenpv_driver->xmlopt,
                             virDomainDefFormatConvertXMLFlags(flags));

 cleanup:
    virDomainObjEndAPI(&vm);
    return xml;
}


char *
xenpvDomainGetOSType(virDomainPtr dom)
{
    virDomainObj *vm;
    char *type = NULL;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetOSTypeEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    type = g_strdup(virDomainOSTypeToString(vm->def->os.type));

 cleanup:
    virDomainObjEndAPI(&vm);
    return type;
}


unsigned long long
xenpvDomainGetMaxMemory(virDomainPtr dom)
{
    virDomainObj *vm;
    unsigned long long ret = 0;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return 0;
    if (virDomainGetMaxMemoryEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    ret = virDomainDefGetMemoryTotal(vm->def);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainIsActive(virDomainPtr dom)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainIsActiveEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    ret = virDomainObjIsActive(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainIsPersistent(virDomainPtr dom)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainIsPersistentEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    ret = vm->persistent;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainIsUpdated(virDomainPtr dom)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainIsUpdatedEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    ret = vm->updated;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainGetAutostart(virDomainPtr dom, int *autostart)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetAutostartEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    *autostart = vm->autostart;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainSetAutostart(virDomainPtr dom, int autostart)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree char *configFile = NULL;
    g_autofree char *autostartLink = NULL;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainSetAutostartEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    if (xenpvDomainCheckPersistent(vm, _("autostart needs a persistent definition")) < 0)
        goto endjob;

    autostart = (autostart != 0);
    if (vm->autostart != autostart) {
        configFile = virDomainConfigFile(driver->configDir, vm->def->name);
        autostartLink = virDomainConfigFile(driver->autostartDir, vm->def->name);

        if (autostart) {
            if (g_mkdir_with_parents(driver->autostartDir, 0755) < 0) {
                virReportSystemError(errno, _("cannot create autostart directory %s"),
                                     driver->autostartDir);
                goto endjob;
            }
            if (symlink(configFile, autostartLink) < 0) {
                virReportSystemError(errno, _("failed to create symlink '%s' to '%s'"),
                                     autostartLink, configFile);
                goto endjob;
            }
        } else {
            if (unlink(autostartLink) < 0 && errno != ENOENT && errno != ENOTDIR) {
                virReportSystemError(errno, _("failed to delete symlink '%s'"),
                                     autostartLink);
                goto endjob;
            }
        }
        vm->autostart = autostart;
    }
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


char *
xenpvDomainGetSchedulerType(virDomainPtr dom, int *nparams)
{
    virDomainObj *vm;
    char *type = NULL;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetSchedulerTypeEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    /* Xen's default scheduler; its parameters are not offered (yet). */
    if (nparams)
        *nparams = 0;
    type = g_strdup("credit");

 cleanup:
    virDomainObjEndAPI(&vm);
    return type;
}


int
xenpvDomainGetVcpusFlags(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    virDomainDef *def;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE |
                  VIR_DOMAIN_AFFECT_CONFIG |
                  VIR_DOMAIN_VCPU_MAXIMUM |
                  VIR_DOMAIN_VCPU_GUEST, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetVcpusFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;

    if (flags & VIR_DOMAIN_VCPU_GUEST) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("there is no guest agent to ask about vCPUs"));
        goto cleanup;
    }
    if (!(def = virDomainObjGetOneDef(vm, flags)))
        goto cleanup;

    if (flags & VIR_DOMAIN_VCPU_MAXIMUM)
        ret = virDomainDefGetVcpusMax(def);
    else
        ret = virDomainDefGetVcpus(def);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainGetMaxVcpus(virDomainPtr dom)
{
    return xenpvDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM);
}


int
xenpvDomainGetMessages(virDomainPtr dom, char ***msgs, unsigned int flags)
{
    virDomainObj *vm;
    g_autofree char *note = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_MESSAGE_DEPRECATION |
                  VIR_DOMAIN_MESSAGE_TAINTING, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetMessagesEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    /* Nothing taints a PV domain and nothing in its XML is deprecated.  A
     * guest in the PV-shim says so (what virsh dominfo shows), unless only
     * those kinds of message were asked for. */
    *msgs = NULL;
    ret = 0;
    if (flags == 0 && virDomainObjIsActive(vm) && (note = xenpvDomainContainerNote(vm))) {
        *msgs = g_new0(char *, 2);
        (*msgs)[0] = g_steal_pointer(&note);
        ret = 1;
    }

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


char *
xenpvDomainGetMetadata(virDomainPtr dom, int type, const char *uri, unsigned int flags)
{
    virDomainObj *vm;
    char *ret = NULL;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, NULL);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetMetadataEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    /* The running guest's ABI is there, in the live definition. */
    ret = virDomainObjGetMetadata(vm, type, uri, flags);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainSetMetadata(virDomainPtr dom, int type, const char *metadata,
                       const char *key, const char *uri, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainSetMetadataEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    ret = virDomainObjSetMetadata(vm, type, metadata, key, uri, driver->xmlopt,
                                  driver->stateDir, driver->configDir, flags);
    if (ret == 0)
        xenpvDriverQueueEvent(driver, virDomainEventMetadataChangeNewFromObj(vm, type, uri));

    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
