/*
 * xenpv_driver_lifecycle.c: entry points that start, stop and change
 * running domains: create, shutdown, reboot, destroy, pause, resume,
 * balloon, vCPUs, console.
 */
#include <fcntl.h>

#include "xenpv_driver.h"

#include "datatypes.h"
#include "domain_event.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfdstream.h"
#include "virlog.h"

#include "xenpv_capabilities.h"
#include "xenpv_domain.h"
#include "xenpv_domain_abi.h"
#include "xenpv_domain_arch.h"
#include "xenpv_domain_build.h"
#include "xenpv_domain_graphics.h"
#include "xenpv_domain_support.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_entry.h"
#include "xenpv_guest_control.h"
#include "xenpv_migration.h"
#include "xenpv_process.h"
#include "xenpv_save.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver_lifecycle");


virDomainPtr
xenpvDomainCreateXML(virConnectPtr conn, const char *xml, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    g_autoptr(virDomainDef) def = NULL;
    virDomainObj *vm = NULL;
    virDomainPtr dom = NULL;
    unsigned int parseFlags = VIR_DOMAIN_DEF_PARSE_INACTIVE;
    unsigned int startFlags = 0;
    bool archFromKernel = false;

    virCheckFlags(VIR_DOMAIN_START_PAUSED |
                  VIR_DOMAIN_START_AUTODESTROY |
                  VIR_DOMAIN_START_VALIDATE, NULL);

    if (flags & VIR_DOMAIN_START_VALIDATE)
        parseFlags |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;
    if (flags & VIR_DOMAIN_START_PAUSED)
        startFlags |= XENPV_START_PAUSED;
    if (flags & VIR_DOMAIN_START_AUTODESTROY)
        startFlags |= XENPV_START_AUTODESTROY;

    /* With the start's own messages, where a create's time goes. */
    VIR_DEBUG("creating a domain from %zu bytes of XML", strlen(xml));
    if (!(def = xenpvDomainDefParseUserXML(xml, driver->xmlopt, parseFlags, &archFromKernel)))
        return NULL;
    if (virDomainCreateXMLEnsureACL(conn, def) < 0)
        return NULL;
    if (xenpvDomainDefCheckRunnable(def) < 0 ||
        xenpvDomainAbiCheckCreate(driver, def, archFromKernel) < 0 ||
        xenpvGraphicsCheckDefine(driver, def) < 0)
        return NULL;

    if (!(vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt,
                                   VIR_DOMAIN_OBJ_LIST_ADD_LIVE |
                                   VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE, NULL)))
        return NULL;
    ((xenpvDomainObjPrivate *)vm->privateData)->archFromKernel = archFromKernel;

    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0) {
        xenpvDomainRemoveInactive(driver, vm);
        goto cleanup;
    }

    if (xenpvProcessStart(driver, vm, conn, startFlags, VIR_DOMAIN_RUNNING_BOOTED,
                          -1, XENPV_GUEST_ABI_UNKNOWN, XENPV_CONTAINER_PV) < 0) {
        virDomainObjEndJob(vm);
        xenpvDomainRemoveInactive(driver, vm);
        goto cleanup;
    }

    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                            VIR_DOMAIN_EVENT_STARTED_BOOTED));
    if (flags & VIR_DOMAIN_START_PAUSED)
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                                VIR_DOMAIN_EVENT_SUSPENDED_PAUSED));
    dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return dom;
}


int
xenpvDomainCreateWithFlags(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    unsigned int startFlags = 0;
    int ret = -1;

    /* Save images are read through the page cache either way. */
    virCheckFlags(VIR_DOMAIN_START_PAUSED |
                  VIR_DOMAIN_START_AUTODESTROY |
                  VIR_DOMAIN_START_BYPASS_CACHE |
                  VIR_DOMAIN_START_FORCE_BOOT, -1);

    if (flags & VIR_DOMAIN_START_PAUSED)
        startFlags |= XENPV_START_PAUSED;
    if (flags & VIR_DOMAIN_START_AUTODESTROY)
        startFlags |= XENPV_START_AUTODESTROY;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainCreateWithFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    if (virDomainObjIsActive(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is already running"), vm->def->name);
        goto endjob;
    }

    if (xenpvSaveStartDomain(driver, vm, dom->conn, startFlags,
                             !!(flags & VIR_DOMAIN_START_FORCE_BOOT), &event) < 0)
        goto endjob;
    dom->id = vm->def->id;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    xenpvDriverQueueEvent(driver, event);
    return ret;
}


int
xenpvDomainCreate(virDomainPtr dom)
{
    return xenpvDomainCreateWithFlags(dom, 0);
}


/* Ask the guest to power off or reboot and wait for it to take the
 * request.  Called with the domain locked and a job held; the lock is
 * dropped while waiting. */
static int
xenpvDomainAskGuest(xenpvDriver *driver, virDomainObj *vm, const char *request)
{
    g_autofree char *name = NULL;
    uint32_t domid;
    int ret;

    if (xenpvDomainCheckRunning(vm) < 0)
        return -1;

    domid = vm->def->id;
    name = g_strdup(vm->def->name);
    virObjectUnlock(vm);
    ret = xenpvGuestRequest(driver, domid, name, request, XENPV_GUEST_WAIT_TAKEN,
                            driver->config->shutdownAckTimeout);
    virObjectLock(vm);
    return ret;
}


int
xenpvDomainShutdownFlags(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SHUTDOWN_PARAVIRT, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainShutdownFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    ret = xenpvDomainAskGuest(driver, vm, "poweroff");

    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainShutdown(virDomainPtr dom)
{
    return xenpvDomainShutdownFlags(dom, 0);
}


int
xenpvDomainReboot(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_REBOOT_PARAVIRT, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainRebootEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    ret = xenpvDomainAskGuest(driver, vm, "reboot");

    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainDestroyFlags(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    /* There is no gentler destroy for a PV domain: both are the same. */
    virCheckFlags(VIR_DOMAIN_DESTROY_GRACEFUL, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainDestroyFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_DESTROY) < 0)
        goto cleanup;

    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    if (xenpvProcessDestroyDomain(driver, vm) < 0)
        goto endjob;

    xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_DESTROYED);
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                            VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
    dom->id = -1;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
    xenpvDomainRemoveInactive(driver, vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainDestroy(virDomainPtr dom)
{
    return xenpvDomainDestroyFlags(dom, 0);
}


int
xenpvDomainSuspend(virDomainPtr dom)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainSuspendEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_SUSPEND) < 0)
        goto cleanup;

    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    if (virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is already paused"), vm->def->name);
        goto endjob;
    }
    if (xenpvDomainCheckRunning(vm) < 0)
        goto endjob;
    if (!XENPV_HYP_HAS(driver, domainPause) ||
        driver->hyp.ops->domainPause(&driver->hyp, vm->def->id) < 0)
        goto endjob;

    virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                            VIR_DOMAIN_EVENT_SUSPENDED_PAUSED));
    xenpvDomainSaveStatus(driver, vm);
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainResume(virDomainPtr dom)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainResumeEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    if (virDomainObjGetState(vm, NULL) != VIR_DOMAIN_PAUSED) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not paused"), vm->def->name);
        goto endjob;
    }
    /* Held by a migration whose outcome is unknown: the operator decides. */
    if (xenpvMigrationSrcUnsettled(vm)) {
        ret = xenpvMigrationSrcResumeUnsettled(driver, vm);
        goto endjob;
    }
    if (!XENPV_HYP_HAS(driver, domainUnpause) ||
        driver->hyp.ops->domainUnpause(&driver->hyp, vm->def->id) < 0)
        goto endjob;

    virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_RESUMED,
                                                            VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
    xenpvDomainSaveStatus(driver, vm);
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


/* Write @value to @rel under the domain's store directory. */
static int
xenpvDomainStoreWrite(xenpvDriver *driver, virDomainObj *vm,
                      const char *rel, const char *value)
{
    g_autofree char *path = xenpvDomainStorePath(vm, rel);

    if (!XENPV_HYP_HAS(driver, storeWrite))
        return -1;
    return driver->hyp.ops->storeWrite(&driver->hyp, path, value);
}


/* The least a PV guest is ballooned down to.  Xen would take a target of
 * a few pages, and a Linux guest would try to reach it and fail in its
 * out-of-memory killer; what runs a kernel and a shell is the floor. */
#define XENPV_MIN_BALLOON_KIB (32 * 1024ULL)

/* No lower than a guest can live in, or than its maximum if that is less:
 * a guest defined smaller than the floor keeps what it has. */
static int
xenpvDomainCheckMemoryFloor(const virDomainDef *def, unsigned long long kib)
{
    unsigned long long floor = MIN(XENPV_MIN_BALLOON_KIB, virDomainDefGetMemoryTotal(def));

    if (kib < floor) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("cannot set the memory of domain '%s' to %llu KiB: a PV guest needs at least %llu KiB"),
                       def->name, kib, floor);
        return -1;
    }
    return 0;
}


/* The balloon can go no higher than the memory the domain has at most,
 * nor below the floor. */
static int
xenpvDomainCheckBalloonTarget(const virDomainDef *def, unsigned long long kib)
{
    unsigned long long max = virDomainDefGetMemoryTotal(def);

    if (kib > max) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("cannot set the memory of domain '%s' to %llu KiB, above its maximum of %llu KiB"),
                       def->name, kib, max);
        return -1;
    }
    return xenpvDomainCheckMemoryFloor(def, kib);
}


static int
xenpvDomainSetMemoryLive(xenpvDriver *driver, virDomainObj *vm,
                         unsigned long long kib, bool maximum)
{
    virDomainDef *def = vm->def;
    g_autofree char *target = NULL;

    if (maximum) {
        if (xenpvDomainCheckMemoryFloor(def, kib) < 0)
            return -1;
        if (!XENPV_HYP_HAS(driver, domainSetMaxMem) ||
            driver->hyp.ops->domainSetMaxMem(&driver->hyp, def->id, kib) < 0)
            return -1;
        virDomainDefSetMemoryTotal(def, kib);
        if (def->mem.cur_balloon <= kib)
            return 0;
        /* The balloon cannot stay above the new ceiling. */
    } else if (xenpvDomainCheckBalloonTarget(def, kib) < 0) {
        return -1;
    }

    target = g_strdup_printf("%llu", kib);
    if (xenpvDomainStoreWrite(driver, vm, "memory/target", target) < 0)
        return -1;
    def->mem.cur_balloon = kib;
    return 0;
}


static int
xenpvDomainSetMemoryConfig(xenpvDriver *driver, virDomainObj *vm, virDomainDef *def,
                           unsigned long long kib, bool maximum)
{
    if (maximum) {
        if (xenpvDomainCheckMemoryFloor(def, kib) < 0)
            return -1;
        virDomainDefSetMemoryTotal(def, kib);
        if (def->mem.cur_balloon > kib)
            def->mem.cur_balloon = kib;
    } else {
        if (xenpvDomainCheckBalloonTarget(def, kib) < 0)
            return -1;
        def->mem.cur_balloon = kib;
    }
    return xenpvDomainSaveConfigDef(driver, vm, def);
}


int
xenpvDomainSetMemoryFlags(virDomainPtr dom, unsigned long memory, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    virDomainDef *def = NULL;
    virDomainDef *persistentDef = NULL;
    bool maximum = !!(flags & VIR_DOMAIN_MEM_MAXIMUM);
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE |
                  VIR_DOMAIN_AFFECT_CONFIG |
                  VIR_DOMAIN_MEM_MAXIMUM, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainSetMemoryFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjGetDefs(vm, flags, &def, &persistentDef) < 0)
        goto endjob;

    if (memory == 0) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", _("memory size must be above 0 KiB"));
        goto endjob;
    }

    if (def) {
        if (xenpvDomainSetMemoryLive(driver, vm, memory, maximum) < 0)
            goto endjob;
        xenpvDomainSaveStatus(driver, vm);
    }
    if (persistentDef &&
        xenpvDomainSetMemoryConfig(driver, vm, persistentDef, memory, maximum) < 0)
        goto endjob;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainSetMemory(virDomainPtr dom, unsigned long memory)
{
    return xenpvDomainSetMemoryFlags(dom, memory, VIR_DOMAIN_AFFECT_LIVE);
}


int
xenpvDomainSetMaxMemory(virDomainPtr dom, unsigned long memory)
{
    return xenpvDomainSetMemoryFlags(dom, memory,
                                     VIR_DOMAIN_AFFECT_CURRENT | VIR_DOMAIN_MEM_MAXIMUM);
}


/* Bring vCPUs 0..@nvcpus-1 online and the rest of the maximum offline,
 * through the store (the guest's PV CPU hotplug). */
static int
xenpvDomainSetVcpusLive(xenpvDriver *driver, virDomainObj *vm, unsigned int nvcpus)
{
    unsigned int max = virDomainDefGetVcpusMax(vm->def);
    unsigned int i;

    if (nvcpus > max) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("cannot give domain '%s' %u vCPUs: it was started with a maximum of %u"),
                       vm->def->name, nvcpus, max);
        return -1;
    }
    for (i = 0; i < max; i++) {
        g_autofree char *rel = g_strdup_printf("cpu/%u/availability", i);

        if (xenpvDomainStoreWrite(driver, vm, rel, i < nvcpus ? "online" : "offline") < 0)
            return -1;
    }
    return virDomainDefSetVcpus(vm->def, nvcpus);
}


static int
xenpvDomainSetVcpusConfig(xenpvDriver *driver, virDomainObj *vm, virDomainDef *def,
                          unsigned int nvcpus, bool maximum)
{
    if (maximum) {
        if (nvcpus > XENPV_MAX_VCPUS) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("%u vCPUs is above the limit of %d for a PV guest"),
                           nvcpus, XENPV_MAX_VCPUS);
            return -1;
        }
        if (virDomainDefSetVcpusMax(def, nvcpus, driver->xmlopt) < 0)
            return -1;
    } else {
        if (nvcpus > virDomainDefGetVcpusMax(def)) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("cannot set %u vCPUs, above the maximum of %u of domain '%s'"),
                           nvcpus, virDomainDefGetVcpusMax(def), def->name);
            return -1;
        }
        if (virDomainDefSetVcpus(def, nvcpus) < 0)
            return -1;
    }
    return xenpvDomainSaveConfigDef(driver, vm, def);
}


int
xenpvDomainSetVcpusFlags(virDomainPtr dom, unsigned int nvcpus, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    virDomainDef *def = NULL;
    virDomainDef *persistentDef = NULL;
    bool maximum = !!(flags & VIR_DOMAIN_VCPU_MAXIMUM);
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE |
                  VIR_DOMAIN_AFFECT_CONFIG |
                  VIR_DOMAIN_VCPU_MAXIMUM, -1);

    if (nvcpus == 0) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", _("a domain needs at least one vCPU"));
        return -1;
    }

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainSetVcpusFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjGetDefs(vm, flags, &def, &persistentDef) < 0)
        goto endjob;

    if (def) {
        if (maximum) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("the maximum vCPUs of running domain '%s' cannot change; use --config and restart it"), vm->def->name);
            goto endjob;
        }
        if (xenpvDomainSetVcpusLive(driver, vm, nvcpus) < 0)
            goto endjob;
        xenpvDomainSaveStatus(driver, vm);
    }
    if (persistentDef &&
        xenpvDomainSetVcpusConfig(driver, vm, persistentDef, nvcpus, maximum) < 0)
        goto endjob;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainSetVcpus(virDomainPtr dom, unsigned int nvcpus)
{
    return xenpvDomainSetVcpusFlags(dom, nvcpus, VIR_DOMAIN_AFFECT_LIVE);
}


int
xenpvDomainOpenConsole(virDomainPtr dom, const char *devname,
                       virStreamPtr st, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree char *path = NULL;
    g_autofree char *tty = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_CONSOLE_FORCE, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainOpenConsoleEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto cleanup;

    /* A PV guest has one console, the xenconsole ring. */
    if (devname && STRNEQ(devname, "console0") && STRNEQ(devname, "serial0")) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain '%s' has no console '%s', only console0"),
                       vm->def->name, devname);
        goto cleanup;
    }
    if (!XENPV_HYP_HAS(driver, storeRead))
        goto cleanup;

    path = xenpvDomainStorePath(vm, "console/tty");
    if (driver->hyp.ops->storeRead(&driver->hyp, path, &tty) < 0)
        goto cleanup;
    if (!tty || !*tty) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("domain '%s' has no console pty yet (%s is empty): is the console daemon running?"), vm->def->name, path);
        goto cleanup;
    }

    if (virFDStreamOpenPTY(st, tty, 0, 0, O_RDWR) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
