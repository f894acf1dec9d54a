/*
 * xenpv_save.c: save images and managed save.
 *
 * The image file itself is xenpv_save_image.c's, the stream
 * xenpv_domain_stream.c's; this puts the stream after the image's header,
 * stops the saved domain, and starts domains from images again.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenpv_save.h"

#include "datatypes.h"
#include "domain_event.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_dirs.h"
#include "xenpv_domain_abi.h"
#include "xenpv_domain_arch.h"
#include "xenpv_domain_jobstats.h"
#include "xenpv_domain_stream.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_process.h"
#include "xenpv_save_image.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.save");


/* Save running @vm to @path and stop it, as @control steers.  Called with
 * the save's async job held. */
static int
xenpvSaveDomainToFile(xenpvDriver *driver, virDomainObj *vm, const char *path,
                      const char *dxml, unsigned int flags, xenpvStreamControl *control)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    xenpvDomainObjPrivate *priv = vm->privateData;
    g_autofree char *xml = NULL;
    VIR_AUTOCLOSE fd = -1;
    uint64_t streamOffset = 0;
    uint32_t imageFlags;
    uint32_t domid;
    int state;
    bool wasPaused;
    virErrorPtr origErr = NULL;

    if (virDomainObjCheckActive(vm) < 0)
        return -1;
    if (!XENPV_HYP_HAS(driver, domainDestroy))
        return -1;

    state = virDomainObjGetState(vm, NULL);
    if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is %s: only a running or paused domain can be saved"),
                       vm->def->name, virDomainStateTypeToString(state));
        return -1;
    }
    wasPaused = state == VIR_DOMAIN_PAUSED;

    if (dxml) {
        g_autoptr(virDomainDef) def = NULL;
        bool archFromKernel;

        if (!(def = xenpvDomainDefParseUserXML(dxml, driver->xmlopt,
                                               VIR_DOMAIN_DEF_PARSE_INACTIVE,
                                               &archFromKernel)))
            return -1;
        /* The image's guest is the running one: the XML's arch must be it. */
        if (xenpvDomainAbiCheckRestore(driver, def, archFromKernel, priv->abi, priv->container,
                                       path) < 0)
            return -1;
        if (!virDomainDefCheckABIStability(vm->def, def, driver->xmlopt))
            return -1;
        xml = virDomainDefFormat(def, driver->xmlopt,
                                 VIR_DOMAIN_DEF_FORMAT_SECURE | VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    } else {
        xml = virDomainDefFormat(vm->def, driver->xmlopt,
                                 VIR_DOMAIN_DEF_FORMAT_SECURE | VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    }
    if (!xml)
        return -1;

    imageFlags = wasPaused ? XENPV_SAVE_FLAG_PAUSED : XENPV_SAVE_FLAG_RUNNING;
    if (flags & VIR_DOMAIN_SAVE_RUNNING)
        imageFlags = XENPV_SAVE_FLAG_RUNNING;
    else if (flags & VIR_DOMAIN_SAVE_PAUSED)
        imageFlags = XENPV_SAVE_FLAG_PAUSED;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create save image '%s'"), path);
        return -1;
    }
    if (xenpvSaveImageWriteHeader(fd, path, xml, priv->abi,
                                  xenpvDriverStreamFormat(driver, priv->container),
                                  ops->streamVersion, imageFlags, &streamOffset) < 0)
        goto error;

    /* From here a killed daemon leaves a record: the next one resumes the
     * guest and removes the image, or keeps a complete image of a guest
     * already destroyed. */
    if (xenpvDomainJobBegin(driver, vm, XENPV_JOB_SAVE, path) < 0)
        goto error;

    if (xenpvDomainStreamOut(driver, vm, fd, NULL, control) < 0) {
        if (g_atomic_int_get(&control->abort)) {
            virResetLastError();
            xenpvDomainStreamReportAborted(_("save"));
        }
        goto endjob;
    }

    if (xenpvSaveImageFinish(fd, path, streamOffset) < 0) {
        virErrorPreserveLast(&origErr);
        ignore_value(xenpvDomainStreamUndo(driver, vm, wasPaused));
        virErrorRestore(&origErr);
        goto endjob;
    }

    domid = vm->def->id;
    if (ops->domainDestroy(&driver->hyp, domid) < 0)
        VIR_WARN("saved domain '%s' but could not destroy domid %u", vm->def->name, domid);
    xenpvJobRecordClear(&priv->job);
    xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_SAVED);
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                            VIR_DOMAIN_EVENT_STOPPED_SAVED));
    VIR_INFO("saved domain '%s' to %s", vm->def->name, path);
    return 0;

 endjob:
    /* The image goes first: a record cleared before it would let a
     * complete image of a guest that still runs survive a killed daemon. */
    unlink(path);
    xenpvDomainJobEnd(driver, vm);
    return -1;

 error:
    unlink(path);
    return -1;
}


/* Save under an async job of its own, so that job queries and AbortJob
 * run beside it (nothing else: a destroy waits, as for any save). */
static int
xenpvSaveJob(xenpvDriver *driver, virDomainObj *vm, const char *path, const char *dxml,
             unsigned int flags)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvStreamControl control = { 0 };
    virDomainJobStatus status = VIR_DOMAIN_JOB_STATUS_COMPLETED;
    int ret;

    if (virDomainObjBeginAsyncJob(vm, VIR_ASYNC_JOB_SAVE, VIR_DOMAIN_JOB_OPERATION_SAVE,
                                  flags) < 0)
        return -1;
    vm->job->mask = JOB_MASK(VIR_JOB_QUERY) | JOB_MASK(VIR_JOB_ABORT);
    priv->stream = &control;
    priv->abortRequested = false;
    if ((ret = xenpvSaveDomainToFile(driver, vm, path, dxml, flags, &control)) < 0) {
        status = VIR_DOMAIN_JOB_STATUS_FAILED;
        if (g_atomic_int_get(&control.abort))
            status = VIR_DOMAIN_JOB_STATUS_CANCELED;
    }
    xenpvJobStatsComplete(vm, status, ret < 0 ? virGetLastErrorMessage() : NULL);
    priv->stream = NULL;
    virDomainObjEndAsyncJob(vm);
    return ret;
}


int
xenpvDomainSaveFlags(virDomainPtr dom, const char *to, const char *dxml,
                     unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_BYPASS_CACHE |
                  VIR_DOMAIN_SAVE_RUNNING |
                  VIR_DOMAIN_SAVE_PAUSED, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainSaveFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;

    if (xenpvSaveJob(driver, vm, to, dxml, flags) == 0) {
        dom->id = -1;
        ret = 0;
    }
    xenpvDomainRemoveInactive(driver, vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainSave(virDomainPtr dom, const char *to)
{
    return xenpvDomainSaveFlags(dom, to, NULL, 0);
}


/* Start @vm from the image open on @fd.  When @def is set it becomes the
 * live definition (the persistent one is kept aside as usual).  Called
 * with a job held; when it is the restore's async job, the job's
 * statistics follow the reading of the image. */
static int
xenpvSaveRestoreInto(xenpvDriver *driver, virDomainObj *vm, virConnectPtr conn,
                     xenpvSaveImage *img, virDomainDef **def, int fd,
                     unsigned int startFlags)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvStreamControl control = { .fromFile = true, .file = fd };
    struct stat sb;
    uint64_t bytes = 0;
    int ret;

    if (*def) {
        if (virDomainObjSetDefTransient(driver->xmlopt, vm, NULL) < 0)
            return -1;
        virDomainDefFree(vm->def);
        vm->def = g_steal_pointer(def);
    }
    control.fileStart = img->hdr.streamOffset;
    if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_size > control.fileStart)
        bytes = sb.st_size - control.fileStart;
    xenpvJobStatsStreamStart(vm, vm->def->mem.cur_balloon * 1024, bytes);
    priv->stream = &control;
    ret = xenpvProcessStart(driver, vm, conn, startFlags, VIR_DOMAIN_RUNNING_RESTORED,
                            fd, img->abi, img->container);
    /* The descriptor is the caller's to close: it is looked at no more. */
    priv->stream = NULL;
    if (ret == 0)
        xenpvJobStatsProgress(vm, 0, 0, 1, bytes);
    return ret;
}


int
xenpvDomainRestoreFlags(virConnectPtr conn, const char *from, const char *dxml,
                        unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvSaveImage img = { 0 };
    g_autoptr(virDomainDef) def = NULL;
    virDomainObj *vm = NULL;
    VIR_AUTOCLOSE fd = -1;
    unsigned int startFlags = 0;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_BYPASS_CACHE |
                  VIR_DOMAIN_SAVE_RUNNING |
                  VIR_DOMAIN_SAVE_PAUSED, -1);

    if ((fd = xenpvSaveImageLoad(driver, from, &img, &def)) < 0 ||
        xenpvSaveImageCheckStream(driver, &img, from) < 0)
        goto cleanup;
    if (dxml) {
        g_autoptr(virDomainDef) newDef = NULL;
        bool archFromKernel;

        if (!(newDef = xenpvDomainDefParseUserXML(dxml, driver->xmlopt,
                                                  VIR_DOMAIN_DEF_PARSE_INACTIVE,
                                                  &archFromKernel)))
            goto cleanup;
        /* Before libvirt's own comparison, which would only say the arch
         * differs: an XML without one takes the image's. */
        if (xenpvDomainAbiCheckRestore(driver, newDef, archFromKernel, img.abi, img.container,
                                       from) < 0)
            goto cleanup;
        if (!virDomainDefCheckABIStability(def, newDef, driver->xmlopt))
            goto cleanup;
        virDomainDefFree(def);
        def = g_steal_pointer(&newDef);
    }
    if (virDomainRestoreFlagsEnsureACL(conn, def) < 0)
        goto cleanup;

    if (flags & VIR_DOMAIN_SAVE_PAUSED)
        startFlags |= XENPV_START_PAUSED;
    else if (!(flags & VIR_DOMAIN_SAVE_RUNNING) && (img.hdr.flags & XENPV_SAVE_FLAG_PAUSED))
        startFlags |= XENPV_START_PAUSED;

    if (!(vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt,
                                   VIR_DOMAIN_OBJ_LIST_ADD_LIVE |
                                   VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE, NULL)))
        goto cleanup;
    /* An async job of its own: its statistics can be looked at meanwhile. */
    if (virDomainObjBeginAsyncJob(vm, VIR_ASYNC_JOB_START, VIR_DOMAIN_JOB_OPERATION_RESTORE,
                                  flags) < 0) {
        xenpvDomainRemoveInactive(driver, vm);
        goto cleanup;
    }
    vm->job->mask = JOB_MASK(VIR_JOB_QUERY);

    if (xenpvSaveRestoreInto(driver, vm, conn, &img, &def, fd, startFlags) == 0) {
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                                VIR_DOMAIN_EVENT_STARTED_RESTORED));
        VIR_INFO("restored domain '%s' from %s", vm->def->name, from);
        ret = 0;
    }
    if (ret == 0)
        xenpvJobStatsComplete(vm, VIR_DOMAIN_JOB_STATUS_COMPLETED, NULL);
    else
        xenpvJobStatsComplete(vm, VIR_DOMAIN_JOB_STATUS_FAILED, virGetLastErrorMessage());

    virDomainObjEndAsyncJob(vm);
    xenpvDomainRemoveInactive(driver, vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    xenpvSaveImageClear(&img);
    return ret;
}


int
xenpvDomainRestore(virConnectPtr conn, const char *from)
{
    return xenpvDomainRestoreFlags(conn, from, NULL, 0);
}


char *
xenpvDomainSaveImageGetXMLDesc(virConnectPtr conn, const char *path, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvSaveImage img = { 0 };
    g_autoptr(virDomainDef) def = NULL;
    VIR_AUTOCLOSE fd = -1;
    char *xml = NULL;

    virCheckFlags(VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, NULL);

    if ((fd = xenpvSaveImageLoad(driver, path, &img, &def)) < 0)
        goto cleanup;
    if (virDomainSaveImageGetXMLDescEnsureACL(conn, def) < 0)
        goto cleanup;
    xml = xenpvSaveImageFormatDef(driver, def, flags);

 cleanup:
    xenpvSaveImageClear(&img);
    return xml;
}


char *
xenpvDomainManagedSaveGetXMLDesc(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    xenpvSaveImage img = { 0 };
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *path = NULL;
    VIR_AUTOCLOSE fd = -1;
    char *xml = NULL;

    virCheckFlags(VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, NULL);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return NULL;
    if (virDomainManagedSaveGetXMLDescEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;

    path = xenpvDomainManagedSavePath(driver, vm);
    if (!virFileExists(path)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' has no managed save image"), vm->def->name);
        goto cleanup;
    }
    if ((fd = xenpvSaveImageLoad(driver, path, &img, &def)) < 0)
        goto cleanup;
    xml = xenpvSaveImageFormatDef(driver, def, flags);

 cleanup:
    xenpvSaveImageClear(&img);
    virDomainObjEndAPI(&vm);
    return xml;
}


void
xenpvSaveCheckManaged(xenpvDriver *driver, virDomainObj *vm)
{
    g_autofree char *path = xenpvDomainManagedSavePath(driver, vm);

    vm->hasManagedSave = virFileExists(path);
}


int
xenpvSaveStartDomain(xenpvDriver *driver,
                     virDomainObj *vm,
                     virConnectPtr conn,
                     unsigned int startFlags,
                     bool forceBoot,
                     virObjectEvent **event)
{
    g_autofree char *path = xenpvDomainManagedSavePath(driver, vm);
    xenpvSaveImage img = { 0 };
    g_autoptr(virDomainDef) def = NULL;
    VIR_AUTOCLOSE fd = -1;
    int ret = -1;

    *event = NULL;
    if (xenpvDirsCheckLibxlManagedSave(driver, vm->def->name, forceBoot) < 0)
        return -1;
    if (virFileExists(path)) {
        if (forceBoot) {
            if (unlink(path) < 0) {
                virReportSystemError(errno, _("cannot discard managed save image '%s'"), path);
                return -1;
            }
            vm->hasManagedSave = false;
        } else {
            if ((fd = xenpvSaveImageLoad(driver, path, &img, &def)) < 0 ||
                xenpvSaveImageCheckStream(driver, &img, path) < 0)
                goto cleanup;
            if (memcmp(def->uuid, vm->def->uuid, VIR_UUID_BUFLEN) != 0 ||
                STRNEQ(def->name, vm->def->name)) {
                virReportError(VIR_ERR_OPERATION_FAILED,
                               _("managed save image '%s' holds another domain ('%s')"),
                               path, def->name);
                goto cleanup;
            }
            if (img.hdr.flags & XENPV_SAVE_FLAG_PAUSED)
                startFlags |= XENPV_START_PAUSED;
            /* The image stays until the domain runs from it: a failed
             * restore must not lose the guest's memory. */
            if (xenpvSaveRestoreInto(driver, vm, conn, &img, &def, fd, startFlags) < 0)
                goto cleanup;
            if (unlink(path) < 0)
                VIR_WARN("cannot remove used managed save image '%s': %s", path, g_strerror(errno));
            vm->hasManagedSave = false;
            *event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                       VIR_DOMAIN_EVENT_STARTED_RESTORED);
            ret = 0;
            goto cleanup;
        }
    }

    if (xenpvProcessStart(driver, vm, conn, startFlags, VIR_DOMAIN_RUNNING_BOOTED,
                          -1, XENPV_GUEST_ABI_UNKNOWN, XENPV_CONTAINER_PV) < 0)
        goto cleanup;
    *event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                               VIR_DOMAIN_EVENT_STARTED_BOOTED);
    ret = 0;

 cleanup:
    xenpvSaveImageClear(&img);
    return ret;
}


int
xenpvDomainManagedSave(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree char *path = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_BYPASS_CACHE |
                  VIR_DOMAIN_SAVE_RUNNING |
                  VIR_DOMAIN_SAVE_PAUSED, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainManagedSaveEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (xenpvDomainCheckPersistent(vm, _("managed save needs a persistent definition (use virsh save to a file instead)")) < 0)
        goto cleanup;

    path = xenpvDomainManagedSavePath(driver, vm);
    if (xenpvSaveJob(driver, vm, path, NULL, flags) < 0)
        goto cleanup;
    vm->hasManagedSave = true;
    dom->id = -1;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainHasManagedSaveImage(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainHasManagedSaveImageEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    ret = vm->hasManagedSave;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainManagedSaveRemove(virDomainPtr dom, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree char *path = NULL;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainManagedSaveRemoveEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    path = xenpvDomainManagedSavePath(driver, vm);
    if (unlink(path) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove managed save image '%s'"), path);
        goto endjob;
    }
    vm->hasManagedSave = false;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
