/*
 * xenpv_driver_hotplug.c: attach-device, detach-device and update-device
 * for disks and network interfaces, on the running guest (hotplug through
 * the back end's xenbus handshake) and in its persistent definition.
 *
 * As with libvirt's Xen driver, the persistent change is worked out first
 * on a copy of the definition, then the live change is made, and only if
 * both succeed is the copy saved: a failed hotplug changes no definition.
 *
 * A live detach asks the guest to let the device go and waits for it
 * (detach_timeout in xenpv.conf) without holding the domain's lock; the
 * job is held throughout, so nothing else changes the domain meanwhile.
 * Once the device is gone a device-removed event names it (a disk by its
 * target, an interface by its vif); a live attach sends device-added.
 */
#include "xenpv_driver.h"

#include "datatypes.h"
#include "domain_event.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virlog.h"
#include "virmacaddr.h"

#include "xenpv_domain.h"
#include "xenpv_domain_build.h"
#include "xenpv_domain_check.h"
#include "xenpv_domain_devices.h"
#include "xenpv_domain_support.h"
#include "xenpv_entry.h"
#include "xenpv_network.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver_hotplug");

typedef enum {
    XENPV_HOTPLUG_ATTACH,
    XENPV_HOTPLUG_DETACH,
    XENPV_HOTPLUG_UPDATE,
} xenpvHotplugAction;


/* What is plugged: disks and network interfaces.  Everything else a PV
 * guest has (console, framebuffer, keyboard) comes with the domain. */
static int
xenpvHotplugCheckType(const virDomainDeviceDef *dev, const char *verb)
{
    if (dev->type == VIR_DOMAIN_DEVICE_DISK || dev->type == VIR_DOMAIN_DEVICE_NET)
        return 0;
    virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                   _("cannot %s a <%s>: a PV guest's disks and network interfaces are plugged and unplugged, its other devices come with its definition"),
                   verb, virDomainDeviceTypeToString(dev->type));
    return -1;
}


/* A disk to plug: a plain disk, with a source that is there. */
static int
xenpvHotplugCheckDisk(virDomainObj *vm, const virDomainDiskDef *disk, bool live)
{
    if (disk->device != VIR_DOMAIN_DISK_DEVICE_DISK) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<disk device='%s'> (%s): a PV guest has no removable media, only disks"),
                       virDomainDiskDeviceTypeToString(disk->device), disk->dst);
        return -1;
    }
    if (live && !disk->src->path) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk %s has no source to plug in"), disk->dst);
        return -1;
    }
    if (live && xenpvDomainCheckDiskSource(vm->def->name, disk->dst, disk->src->path,
                                           disk->src->readonly) < 0)
        return -1;
    return 0;
}


/* --- the persistent definition ---------------------------------------- */

static int
xenpvHotplugConfigAttach(virDomainDef *vmdef, virDomainDeviceDef *dev)
{
    char mac[VIR_MAC_STRING_BUFLEN];

    if (dev->type == VIR_DOMAIN_DEVICE_DISK) {
        if (virDomainDiskByTarget(vmdef, dev->data.disk->dst)) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("domain '%s' already has a disk %s"),
                           vmdef->name, dev->data.disk->dst);
            return -1;
        }
        virDomainDiskInsert(vmdef, g_steal_pointer(&dev->data.disk));
        return 0;
    }
    if (virDomainHasNet(vmdef, dev->data.net)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain '%s' already has a network interface with MAC address %s"),
                       vmdef->name, virMacAddrFormat(&dev->data.net->mac, mac));
        return -1;
    }
    if (virDomainNetInsert(vmdef, dev->data.net) < 0)
        return -1;
    dev->data.net = NULL;
    return 0;
}


static int
xenpvHotplugConfigDetach(virDomainDef *vmdef, virDomainDeviceDef *dev)
{
    int idx;

    if (dev->type == VIR_DOMAIN_DEVICE_DISK) {
        virDomainDiskDef *disk = virDomainDiskRemoveByName(vmdef, dev->data.disk->dst);

        if (!disk) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("domain '%s' has no disk %s"), vmdef->name, dev->data.disk->dst);
            return -1;
        }
        virDomainDiskDefFree(disk);
        return 0;
    }
    if ((idx = virDomainNetFindIdx(vmdef, dev->data.net)) < 0)
        return -1;
    virDomainNetDefFree(virDomainNetRemove(vmdef, idx));
    return 0;
}


/* The device of the definition replaced by the new one of the same target
 * (disk) or MAC address (interface). */
static int
xenpvHotplugConfigUpdate(virDomainDef *vmdef, virDomainDeviceDef *dev)
{
    virDomainNetDef *old;
    int idx;

    if (dev->type == VIR_DOMAIN_DEVICE_DISK) {
        if ((idx = virDomainDiskIndexByName(vmdef, dev->data.disk->dst, false)) < 0) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("domain '%s' has no disk %s to update"),
                           vmdef->name, dev->data.disk->dst);
            return -1;
        }
        virDomainDiskDefFree(vmdef->disks[idx]);
        vmdef->disks[idx] = g_steal_pointer(&dev->data.disk);
        return 0;
    }
    if ((idx = virDomainNetFindIdx(vmdef, dev->data.net)) < 0)
        return -1;
    old = vmdef->nets[idx];
    if (virDomainNetUpdate(vmdef, idx, dev->data.net) < 0)
        return -1;
    /* libvirt puts the new one in place and leaves the old one to us. */
    virDomainNetDefFree(old);
    dev->data.net = NULL;
    return 0;
}


/* --- the running guest ------------------------------------------------ */

/* Run a back end's detach with the domain unlocked: the guest may take
 * its time.  The job keeps everything else away; a domain that went
 * meanwhile is reported. */
static int
xenpvHotplugDetachUnlocked(xenpvDriver *driver, virDomainObj *vm, bool disk,
                           const char *name)
{
    unsigned int timeoutMs = driver->config->detachTimeout * 1000;
    int domid = vm->def->id;
    int rc;

    virObjectUnlock(vm);
    if (disk)
        rc = driver->hyp.ops->domainDetachDisk(&driver->hyp, domid, name, timeoutMs);
    else
        rc = driver->hyp.ops->domainDetachNic(&driver->hyp, domid, name, timeoutMs);
    virObjectLock(vm);

    if (rc > 0)
        VIR_WARN("domain '%s' did not let go of %s within %u s: it was removed anyway",
                 vm->def->name, name, driver->config->detachTimeout);
    if (rc >= 0 && (!virDomainObjIsActive(vm) || vm->def->id != domid)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("domain '%s' stopped while %s was being detached"),
                       vm->def->name, name);
        return -1;
    }
    return rc < 0 ? -1 : 0;
}


static int
xenpvHotplugLiveAttachDisk(xenpvDriver *driver, virDomainObj *vm, virDomainDeviceDef *dev)
{
    virDomainDiskDef *disk = dev->data.disk;
    xenpvDiskSpec spec = { 0 };
    int ret = -1;

    if (virDomainDiskByTarget(vm->def, disk->dst)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' already has a disk %s"), vm->def->name, disk->dst);
        return -1;
    }
    if (xenpvHotplugCheckDisk(vm, disk, true) < 0)
        return -1;
    if (!XENPV_HYP_HAS(driver, domainAttachDisk))
        return -1;

    xenpvBuildDisk(disk, &spec);
    if (driver->hyp.ops->domainAttachDisk(&driver->hyp, vm->def->id, &spec) < 0)
        goto cleanup;
    xenpvDriverQueueEvent(driver, virDomainEventDeviceAddedNewFromObj(vm, disk->dst));
    virDomainDiskInsert(vm->def, g_steal_pointer(&dev->data.disk));
    ret = 0;

 cleanup:
    xenpvDiskSpecClear(&spec);
    return ret;
}


static int
xenpvHotplugLiveAttachNet(xenpvDriver *driver, virDomainObj *vm, virDomainDeviceDef *dev)
{
    virDomainNetDef *net = dev->data.net;
    xenpvNicSpec spec = { 0 };
    char mac[VIR_MAC_STRING_BUFLEN];
    bool ported = false;
    int devid = -1;
    int ret = -1;

    if (virDomainHasNet(vm->def, net)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' already has a network interface with MAC address %s"),
                       vm->def->name, virMacAddrFormat(&net->mac, mac));
        return -1;
    }
    if (!XENPV_HYP_HAS(driver, domainAttachNic))
        return -1;

    if (xenpvBuildNic(net, &spec) < 0)
        goto cleanup;
    /* A port of a libvirt network says which bridge the vif joins. */
    if (xenpvNetworkPrepareOne(vm->def, net, &spec) < 0)
        goto cleanup;
    ported = true;
    if (driver->hyp.ops->domainAttachNic(&driver->hyp, vm->def->id, &spec, &devid) < 0)
        goto cleanup;
    if (!net->ifname)
        net->ifname = g_strdup_printf("vif%d.%d", vm->def->id, devid);
    if (virDomainNetInsert(vm->def, net) < 0)
        goto cleanup;
    dev->data.net = NULL;
    xenpvDriverQueueEvent(driver, virDomainEventDeviceAddedNewFromObj(vm, net->ifname));
    ret = 0;

 cleanup:
    if (ret < 0 && ported)
        xenpvNetworkReleaseOne(vm->def, net);
    xenpvNicSpecClear(&spec);
    return ret;
}


static int
xenpvHotplugLiveDetach(xenpvDriver *driver, virDomainObj *vm, virDomainDeviceDef *dev)
{
    virObjectEvent *event;
    char mac[VIR_MAC_STRING_BUFLEN];
    int idx;

    if (dev->type == VIR_DOMAIN_DEVICE_DISK) {
        g_autofree char *dst = g_strdup(dev->data.disk->dst);

        if ((idx = virDomainDiskIndexByName(vm->def, dst, false)) < 0) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("domain '%s' has no disk %s"), vm->def->name, dst);
            return -1;
        }
        if (!XENPV_HYP_HAS(driver, domainDetachDisk) ||
            xenpvHotplugDetachUnlocked(driver, vm, true, dst) < 0)
            return -1;
        /* The definition may have moved while unlocked: look again. */
        if ((idx = virDomainDiskIndexByName(vm->def, dst, false)) >= 0)
            virDomainDiskDefFree(virDomainDiskRemove(vm->def, idx));
        event = virDomainEventDeviceRemovedNewFromObj(vm, dst);
    } else {
        virDomainNetDef *net;
        g_autofree char *alias = NULL;

        if ((idx = virDomainNetFindIdx(vm->def, dev->data.net)) < 0)
            return -1;
        net = vm->def->nets[idx];
        virMacAddrFormat(&net->mac, mac);
        alias = g_strdup(net->ifname ? net->ifname : mac);
        if (!XENPV_HYP_HAS(driver, domainDetachNic) ||
            xenpvHotplugDetachUnlocked(driver, vm, false, mac) < 0)
            return -1;
        if ((idx = virDomainNetFindIdx(vm->def, dev->data.net)) >= 0) {
            net = virDomainNetRemove(vm->def, idx);
            xenpvNetworkReleaseOne(vm->def, net);
            virDomainNetDefFree(net);
        }
        event = virDomainEventDeviceRemovedNewFromObj(vm, alias);
    }
    xenpvDriverQueueEvent(driver, event);
    return 0;
}


/* What of a disk cannot change while the guest has it. */
static int
xenpvHotplugLiveUpdateDisk(virDomainObj *vm, const virDomainDiskDef *disk)
{
    virDomainDiskDef *cur = virDomainDiskByTarget(vm->def, disk->dst);
    const char *what = NULL;

    if (!cur) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain '%s' has no disk %s to update"), vm->def->name, disk->dst);
        return -1;
    }
    if (STRNEQ_NULLABLE(cur->src->path, disk->src->path))
        what = N_("its source");
    else if (cur->src->readonly != disk->src->readonly)
        what = N_("whether it is read-only");
    else if (cur->src->shared != disk->src->shared)
        what = N_("whether it is shareable");
    else if (cur->device != disk->device || cur->bus != disk->bus)
        what = N_("its kind");
    if (what) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("cannot change %s of disk %s of running domain '%s': a PV disk has no media to change; detach it and attach the new one"),
                       _(what), disk->dst, vm->def->name);
        return -1;
    }
    return 0;
}


/* A running interface can move to another bridge; nothing else of it
 * changes while the guest has it. */
static int
xenpvHotplugLiveUpdateNet(xenpvDriver *driver, virDomainObj *vm, const virDomainNetDef *net)
{
    virDomainNetDef *cur;
    char mac[VIR_MAC_STRING_BUFLEN];
    int idx;

    if ((idx = virDomainNetFindIdx(vm->def, (virDomainNetDef *)net)) < 0)
        return -1;
    cur = vm->def->nets[idx];
    virMacAddrFormat(&net->mac, mac);

    if (cur->type != net->type || STRNEQ_NULLABLE(cur->script, net->script) ||
        (net->ifname && STRNEQ_NULLABLE(cur->ifname, net->ifname)) ||
        (net->type == VIR_DOMAIN_NET_TYPE_NETWORK &&
         STRNEQ_NULLABLE(cur->data.network.name, net->data.network.name))) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("cannot change network interface %s of running domain '%s' but for its bridge: detach it and attach the new one"),
                       mac, vm->def->name);
        return -1;
    }
    if (net->type != VIR_DOMAIN_NET_TYPE_BRIDGE ||
        STREQ_NULLABLE(cur->data.bridge.brname, net->data.bridge.brname))
        return 0;

    if (!XENPV_HYP_HAS(driver, domainNicSetBridge) ||
        driver->hyp.ops->domainNicSetBridge(&driver->hyp, vm->def->id, mac,
                                            net->data.bridge.brname) < 0)
        return -1;
    g_free(cur->data.bridge.brname);
    cur->data.bridge.brname = g_strdup(net->data.bridge.brname);
    return 0;
}


static int
xenpvHotplugLive(xenpvDriver *driver, virDomainObj *vm, virDomainDeviceDef *dev,
                 xenpvHotplugAction action)
{
    bool disk = dev->type == VIR_DOMAIN_DEVICE_DISK;

    switch (action) {
    case XENPV_HOTPLUG_ATTACH:
        if (disk)
            return xenpvHotplugLiveAttachDisk(driver, vm, dev);
        return xenpvHotplugLiveAttachNet(driver, vm, dev);
    case XENPV_HOTPLUG_DETACH:
        return xenpvHotplugLiveDetach(driver, vm, dev);
    case XENPV_HOTPLUG_UPDATE:
        if (disk)
            return xenpvHotplugLiveUpdateDisk(vm, dev->data.disk);
        return xenpvHotplugLiveUpdateNet(driver, vm, dev->data.net);
    }
    return -1;
}


static int
xenpvHotplugConfig(virDomainDef *vmdef, virDomainDeviceDef *dev, xenpvHotplugAction action)
{
    int rc = -1;

    switch (action) {
    case XENPV_HOTPLUG_ATTACH:
        rc = xenpvHotplugConfigAttach(vmdef, dev);
        break;
    case XENPV_HOTPLUG_DETACH:
        rc = xenpvHotplugConfigDetach(vmdef, dev);
        break;
    case XENPV_HOTPLUG_UPDATE:
        rc = xenpvHotplugConfigUpdate(vmdef, dev);
        break;
    }
    if (rc < 0)
        return -1;
    /* The whole definition must still be one this driver runs. */
    return xenpvDomainDefCheckRunnable(vmdef);
}


static const char *
xenpvHotplugVerb(xenpvHotplugAction action)
{
    switch (action) {
    case XENPV_HOTPLUG_ATTACH:
        return "attach";
    case XENPV_HOTPLUG_DETACH:
        return "detach";
    case XENPV_HOTPLUG_UPDATE:
        return "update";
    }
    return "change";
}


/* The device XML @xml parsed against the domain, with the checks every
 * hotplug shares. */
static virDomainDeviceDef *
xenpvHotplugParse(xenpvDriver *driver, virDomainObj *vm, const char *xml,
                  xenpvHotplugAction action)
{
    g_autoptr(virDomainDeviceDef) dev = NULL;

    if (!(dev = virDomainDeviceDefParse(xml, vm->def, driver->xmlopt, NULL,
                                        VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return NULL;
    if (xenpvHotplugCheckType(dev, xenpvHotplugVerb(action)) < 0)
        return NULL;
    if (action != XENPV_HOTPLUG_DETACH &&
        (xenpvDomainDeviceDefCheckSupported(dev, vm->def) < 0 ||
         (dev->type == VIR_DOMAIN_DEVICE_DISK &&
          xenpvHotplugCheckDisk(vm, dev->data.disk, false) < 0)))
        return NULL;
    return g_steal_pointer(&dev);
}


static int
xenpvHotplug(virDomainPtr dom, const char *xml, unsigned int flags,
             xenpvHotplugAction action)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autoptr(virDomainDef) vmdef = NULL;
    g_autoptr(virDomainDeviceDef) devConf = NULL;
    g_autoptr(virDomainDeviceDef) devLive = NULL;
    virMacAddr confMac;
    bool haveConfMac = false;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;

    switch (action) {
    case XENPV_HOTPLUG_ATTACH:
        if (virDomainAttachDeviceFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
            goto cleanup;
        break;
    case XENPV_HOTPLUG_DETACH:
        if (virDomainDetachDeviceFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
            goto cleanup;
        break;
    case XENPV_HOTPLUG_UPDATE:
        if (virDomainUpdateDeviceFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
            goto cleanup;
        break;
    }
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjUpdateModificationImpact(vm, &flags) < 0)
        goto endjob;

    if (flags & VIR_DOMAIN_AFFECT_CONFIG) {
        if (!(devConf = xenpvHotplugParse(driver, vm, xml, action)))
            goto endjob;
        if (devConf->type == VIR_DOMAIN_DEVICE_NET) {
            virMacAddrSet(&confMac, &devConf->data.net->mac);
            haveConfMac = true;
        }
        if (!(vmdef = virDomainObjCopyPersistentDef(vm, driver->xmlopt, NULL)))
            goto endjob;
        if (xenpvHotplugConfig(vmdef, devConf, action) < 0)
            goto endjob;
    }

    if (flags & VIR_DOMAIN_AFFECT_LIVE) {
        if (!(devLive = xenpvHotplugParse(driver, vm, xml, action)))
            goto endjob;
        /* One MAC address for both, when libvirt made one up for each parse. */
        if (haveConfMac && devLive->type == VIR_DOMAIN_DEVICE_NET)
            virMacAddrSet(&devLive->data.net->mac, &confMac);
        if (xenpvHotplugLive(driver, vm, devLive, action) < 0) {
            xenpvDomainSaveStatus(driver, vm);
            goto endjob;
        }
        xenpvDomainSaveStatus(driver, vm);
    }

    if (vmdef) {
        if (virDomainDefSave(vmdef, driver->xmlopt, driver->configDir) < 0)
            goto endjob;
        virDomainObjAssignDef(vm, &vmdef, false, NULL);
    }
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    return xenpvHotplug(dom, xml, flags, XENPV_HOTPLUG_ATTACH);
}


int
xenpvDomainAttachDevice(virDomainPtr dom, const char *xml)
{
    return xenpvDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE);
}


int
xenpvDomainDetachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    return xenpvHotplug(dom, xml, flags, XENPV_HOTPLUG_DETACH);
}


int
xenpvDomainDetachDevice(virDomainPtr dom, const char *xml)
{
    return xenpvDomainDetachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE);
}


int
xenpvDomainUpdateDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
    /* FORCE is for ejecting media, which PV disks have none of. */
    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG |
                  VIR_DOMAIN_DEVICE_MODIFY_FORCE, -1);
    return xenpvHotplug(dom, xml, flags & ~VIR_DOMAIN_DEVICE_MODIFY_FORCE,
                        XENPV_HOTPLUG_UPDATE);
}
