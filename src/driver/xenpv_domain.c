/*
 * xenpv_domain.c: per-domain private data (kept in the status XML), and
 * the domain object helpers shared by the entry points.
 *
 * Locking of domain objects (libvirt's virDomainObj lock and jobs):
 *  - Everything of a domain object (def, newDef, state, the private data
 *    but for rescanQueued, which is atomic) is read and written with the
 *    object's lock held.  A reference keeps the object alive, not its
 *    definition: a destroy, the stop of a persistent domain, an undefine
 *    or a redefinition frees vm->def or puts another in its place, so a
 *    pointer into a definition never outlives the lock it was read under.
 *  - A change also holds a job (virDomainObjBeginJob): API calls, the
 *    monitor's rescans, close callbacks and autostart take turns by it.
 *    The job holder may drop the lock for a slow hypervisor call (a save
 *    stream, a guest request, a device detach): it copies what it needs
 *    first (domain id, name) and reads nothing of the object until it has
 *    the lock again, and then checks that the domain still runs.
 *  - A migration holds an async job, during which libvirt admits a
 *    destroy and queries: a migration's code and threads running without
 *    the lock must assume the definition replaced or freed meanwhile
 *    (xenpv_migration_priv.h keeps the name for them).
 *  - A domain removed from the list (vm->removing) refuses new jobs; a
 *    caller that waited for a job may find its domain gone.
 *  - Code without a domain lock: the monitor's event handler (it only
 *    queues domains, xenpv_monitor.c) and the migration's threads.
 *
 * The driver-wide rules are in xenpv_driver_shared.c.
 */
#include "xenpv_domain.h"
#include "xenpv_domain_arch.h"
#include "xenpv_migration.h"

#include "datatypes.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.domain");


static void *
xenpvDomainObjPrivateAlloc(void *opaque G_GNUC_UNUSED)
{
    xenpvDomainObjPrivate *priv = g_new0(xenpvDomainObjPrivate, 1);

    xenpvJobRecordClear(&priv->job);
    return priv;
}


static void
xenpvDomainObjPrivateFree(void *data)
{
    xenpvDomainObjPrivate *priv = data;

    xenpvJobRecordClear(&priv->job);
    g_free(priv->shim);
    g_free(priv);
}


/* <xenpv domid='N' abi='xen-3.0-x86_64' width='8' levels='4' container='pv'
 * [shim='PATH'] shutdownHandled='no' resumeSuspend='no' archFromKernel='yes'>,
 * with the job under way inside it (xenpv_domain_job.h), inside the status
 * XML's <domstatus>. */
static int
xenpvDomainObjPrivateFormat(virBuffer *buf, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    const char *abi = xenpvGuestAbiToCaps(priv->abi);

    virBufferAsprintf(buf, "<xenpv domid='%d'", vm->def->id);
    if (abi) {
        virBufferAsprintf(buf, " abi='%s' width='%u' levels='%u'", abi,
                          xenpvGuestAbiWidth(priv->abi),
                          xenpvGuestAbiLevels(priv->abi));
    }
    virBufferAsprintf(buf, " container='%s'", xenpvContainerToString(priv->container));
    if (priv->shim)
        virBufferEscapeString(buf, " shim='%s'", priv->shim);
    virBufferAsprintf(buf, " shutdownHandled='%s' resumeSuspend='%s'",
                      priv->shutdownHandled ? "yes" : "no",
                      priv->resumeSuspend ? "yes" : "no");
    if (priv->archFromKernel)
        virBufferAddLit(buf, " archFromKernel='yes'");
    if (priv->job.kind == XENPV_JOB_NONE) {
        virBufferAddLit(buf, "/>\n");
        return 0;
    }
    virBufferAddLit(buf, ">\n");
    virBufferAdjustIndent(buf, 2);
    xenpvJobRecordFormat(buf, &priv->job);
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</xenpv>\n");
    return 0;
}


static int
xenpvDomainObjPrivateParse(xmlXPathContextPtr ctxt,
                           virDomainObj *vm,
                           virDomainDefParserConfig *config G_GNUC_UNUSED)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    g_autofree char *abi = virXPathString("string(./xenpv/@abi)", ctxt);
    g_autofree char *handled = virXPathString("string(./xenpv/@shutdownHandled)", ctxt);
    g_autofree char *resume = virXPathString("string(./xenpv/@resumeSuspend)", ctxt);
    g_autofree char *fromKernel = virXPathString("string(./xenpv/@archFromKernel)", ctxt);
    g_autofree char *container = virXPathString("string(./xenpv/@container)", ctxt);
    int value;
    VIR_XPATH_NODE_AUTORESTORE(ctxt)

    if (abi && *abi) {
        priv->abi = xenpvGuestAbiFromCaps(abi);
        if (priv->abi == XENPV_GUEST_ABI_UNKNOWN) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("unknown guest ABI '%s' in the status of domain '%s'"),
                           abi, vm->def->name);
            return -1;
        }
    }
    /* Status written before containers were recorded: a PV domain. */
    if (container && *container) {
        if ((value = xenpvContainerFromString(container)) < 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("unknown container '%s' in the status of domain '%s'"),
                           container, vm->def->name);
            return -1;
        }
        priv->container = value;
    }
    priv->shim = virXPathString("string(./xenpv/@shim)", ctxt);
    if (priv->shim && !*priv->shim)
        g_clear_pointer(&priv->shim, g_free);
    priv->shutdownHandled = handled && STREQ(handled, "yes");
    priv->resumeSuspend = resume && STREQ(resume, "yes");
    /* The status of an older version of this driver kept it in the
     * definition itself. */
    priv->archFromKernel = xenpvDomainDefTakeArchMarker(vm->def) ||
                           (fromKernel && STREQ(fromKernel, "yes"));

    if (!(ctxt->node = virXPathNode("./xenpv", ctxt)))
        return 0;
    return xenpvJobRecordParse(ctxt, &priv->job);
}


virDomainXMLPrivateDataCallbacks xenpvDomainPrivateDataCallbacks = {
    .alloc = xenpvDomainObjPrivateAlloc,
    .free = xenpvDomainObjPrivateFree,
    .format = xenpvDomainObjPrivateFormat,
    .parse = xenpvDomainObjPrivateParse,
};

static void *
xenpvJobDataPrivateAlloc(void)
{
    return g_new0(xenpvJobDataPrivate, 1);
}


static void *
xenpvJobDataPrivateCopy(void *data)
{
    xenpvJobDataPrivate *copy = g_new0(xenpvJobDataPrivate, 1);

    *copy = *(xenpvJobDataPrivate *)data;
    return copy;
}


static void
xenpvJobDataPrivateFree(void *data)
{
    g_free(data);
}


/* libvirt's job framework gives every async job's data a private part:
 * ours is what the stream reports of its progress. */
virDomainJobObjConfig xenpvDomainJobConfig = {
    .jobDataPrivateCb = {
        .allocPrivateData = xenpvJobDataPrivateAlloc,
        .copyPrivateData = xenpvJobDataPrivateCopy,
        .freePrivateData = xenpvJobDataPrivateFree,
    },
    .maxQueuedJobs = 0,
};


virDomainObj *
xenpvDomObjFromDomain(virDomainPtr dom)
{
    virDomainObj *vm;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!xenpv_driver) {
        virReportError(VIR_ERR_NO_CONNECT, "%s",
                       _("the Xen PV driver is not running"));
        return NULL;
    }

    if (!(vm = virDomainObjListFindByUUID(xenpv_driver->domains, dom->uuid))) {
        virUUIDFormat(dom->uuid, uuidstr);
        virReportError(VIR_ERR_NO_DOMAIN,
                       _("no domain with matching uuid '%s' (%s)"),
                       uuidstr, dom->name);
        return NULL;
    }
    return vm;
}


int
xenpvDomainSaveStatus(xenpvDriver *driver, virDomainObj *vm)
{
    if (virDomainObjSave(vm, driver->xmlopt, driver->stateDir) < 0) {
        VIR_WARN("failed to save the status of domain '%s'", vm->def->name);
        return -1;
    }
    return 0;
}


void
xenpvDomainRemoveStatus(xenpvDriver *driver, virDomainObj *vm)
{
    g_autofree char *path = virDomainConfigFile(driver->stateDir, vm->def->name);

    if (unlink(path) < 0 && errno != ENOENT)
        VIR_WARN("failed to remove %s: %s", path, g_strerror(errno));
}


int
xenpvDomainJobBegin(xenpvDriver *driver, virDomainObj *vm, xenpvJobKind kind,
                    const char *path)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (xenpvMigrationSrcUnsettled(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is held paused until %s says whether it took the guest from the migration that did not finish: 'virsh resume' it if it does not run there, 'virsh destroy' it if it does"),
                       vm->def->name, NULLSTR(priv->job.peer));
        return -1;
    }
    xenpvJobRecordClear(&priv->job);
    priv->job.kind = kind;
    priv->job.path = g_strdup(path);
    priv->job.wasPaused = virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED;
    /* A new job's own requests are what the guest answers from now on. */
    priv->resumeSuspend = false;
    if (xenpvDomainSaveStatus(driver, vm) < 0) {
        xenpvJobRecordClear(&priv->job);
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot record the %s job of domain '%s' in %s: it does not start"),
                       xenpvJobTypeToString(kind), vm->def->name, driver->stateDir);
        return -1;
    }
    return 0;
}


void
xenpvDomainJobEnd(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    xenpvJobRecordClear(&priv->job);
    if (virDomainObjIsActive(vm))
        xenpvDomainSaveStatus(driver, vm);
}


int
xenpvDomainSetAbi(xenpvDriver *driver, virDomainObj *vm, xenpvGuestAbi abi,
                  xenpvContainer container, const char *shim)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_autofree char *xml = NULL;

    priv->abi = abi;
    priv->container = container;
    g_free(priv->shim);
    priv->shim = container == XENPV_CONTAINER_PVSHIM ? g_strdup(shim) : NULL;
    if (abi == XENPV_GUEST_ABI_UNKNOWN)
        return 0;

    virBufferAsprintf(&buf, "<guest abi='%s' arch='%s' width='%u' levels='%u' container='%s'",
                      xenpvGuestAbiToCaps(abi), xenpvGuestAbiArch(abi),
                      xenpvGuestAbiWidth(abi), xenpvGuestAbiLevels(abi),
                      xenpvContainerToString(container));
    if (priv->shim)
        virBufferEscapeString(&buf, " shim='%s'", priv->shim);
    virBufferAddLit(&buf, "/>");
    xml = virBufferContentAndReset(&buf);
    /* The live definition only: the persistent one is the user's. */
    return virDomainObjSetMetadata(vm, VIR_DOMAIN_METADATA_ELEMENT, xml,
                                   XENPV_METADATA_NS_PREFIX, XENPV_METADATA_NS_URI,
                                   driver->xmlopt, driver->stateDir, NULL,
                                   VIR_DOMAIN_AFFECT_LIVE);
}


char *
xenpvDomainContainerNote(virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (priv->container != XENPV_CONTAINER_PVSHIM)
        return NULL;
    return g_strdup_printf(_("%s guest (%s) running in Xen's PV-shim (%s) inside a PVH container, not as a PV domain of its own"),
                           NULLSTR(xenpvGuestAbiArch(priv->abi)),
                           NULLSTR(xenpvGuestAbiToCaps(priv->abi)), NULLSTR(priv->shim));
}


int
xenpvDomainSaveConfigDef(xenpvDriver *driver, virDomainObj *vm, virDomainDef *def)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    int ret;

    /* The marker is in the file only, never in the definition users see;
     * the domain is locked meanwhile. */
    if (priv->archFromKernel)
        xenpvDomainDefAddArchMarker(def);
    ret = virDomainDefSave(def, driver->xmlopt, driver->configDir);
    if (priv->archFromKernel)
        ignore_value(xenpvDomainDefTakeArchMarker(def));
    return ret;
}


int
xenpvDomainSaveConfig(xenpvDriver *driver, virDomainObj *vm)
{
    return xenpvDomainSaveConfigDef(driver, vm, vm->newDef ? vm->newDef : vm->def);
}


void
xenpvDomainLoadedConfig(virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    priv->archFromKernel = xenpvDomainDefTakeArchMarker(vm->newDef ? vm->newDef : vm->def);
}


void
xenpvDomainDefDropAbi(virDomainDef *def)
{
    xmlNodePtr node;
    xmlNodePtr next;

    if (!def->metadata)
        return;
    for (node = def->metadata->children; node; node = next) {
        next = node->next;
        if (node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
            STREQ((const char *)node->ns->href, XENPV_METADATA_NS_URI)) {
            xmlUnlinkNode(node);
            xmlFreeNode(node);
        }
    }
    if (!def->metadata->children)
        g_clear_pointer(&def->metadata, xmlFreeNode);
}


void
xenpvDomainRemoveInactive(xenpvDriver *driver, virDomainObj *vm)
{
    if (!vm->persistent && !virDomainObjIsActive(vm))
        virDomainObjListRemove(driver->domains, vm);
}


char *
xenpvDomainManagedSavePath(xenpvDriver *driver, virDomainObj *vm)
{
    return g_strdup_printf("%s/%s.save", driver->saveDir, vm->def->name);
}


char *
xenpvDomainStorePath(virDomainObj *vm, const char *rel)
{
    return g_strdup_printf("/local/domain/%d/%s", vm->def->id, rel);
}


int
xenpvDomainCheckPersistent(virDomainObj *vm, const char *why)
{
    if (!vm->persistent) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is transient: %s"), vm->def->name, why);
        return -1;
    }
    return 0;
}


int
xenpvDomainCheckRunning(virDomainObj *vm)
{
    int reason;
    int state;

    if (virDomainObjCheckActive(vm) < 0)
        return -1;
    state = virDomainObjGetState(vm, &reason);
    if (state != VIR_DOMAIN_RUNNING) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running (it is %s)"),
                       vm->def->name, virDomainStateTypeToString(state));
        return -1;
    }
    return 0;
}
