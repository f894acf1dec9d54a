/*
 * xenpv_domain_support.c: refuse, by name, what a PV guest may have but
 * this driver does not build yet.  Everything here is accepted by the xm/xl
 * conversions (libvirt's Xen driver maps it too); a definition holding it is
 * refused at define, create and start, never started without it.
 */
#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_build.h"
#include "xenpv_domain_support.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define xenpvRefuseUnsupported(...) \
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, __VA_ARGS__)


int
xenpvDomainDefCheckSupportedDomain(const virDomainDef *def)
{
    size_t i;

    /* libvirt's names for its <xen> features, in enum order. */
    const char *xenFeatures[VIR_DOMAIN_XEN_LAST] = { "e820_host", "passthrough" };

    if (def->features[VIR_DOMAIN_FEATURE_XEN] == VIR_TRISTATE_SWITCH_ON) {
        for (i = 0; i < VIR_DOMAIN_XEN_LAST; i++) {
            if (def->xen_features[i] != VIR_TRISTATE_SWITCH_ON)
                continue;
            xenpvRefuseUnsupported(_("<features><xen><%s state='on'>: not supported yet by this driver (it goes with PCI passthrough)"),
                                   xenFeatures[i]);
            return -1;
        }
    }
    if (def->clock.ntimers > 0) {
        xenpvRefuseUnsupported("%s", _("<clock><timer name='tsc'>: setting the TSC mode is not supported yet by this driver"));
        return -1;
    }
    return 0;
}


int
xenpvDomainDeviceDefCheckSupported(const virDomainDeviceDef *dev,
                                   const virDomainDef *def G_GNUC_UNUSED)
{
    /* The other devices are what PV allows and this driver runs. */
    switch (dev->type) {
    case VIR_DOMAIN_DEVICE_HOSTDEV:
        xenpvRefuseUnsupported(_("<hostdev type='%s'>: PCI and USB passthrough are not supported yet by this driver"),
                               virDomainHostdevSubsysTypeToString(dev->data.hostdev->source.subsys.type));
        return -1;

    case VIR_DOMAIN_DEVICE_CONTROLLER:
        if (dev->data.controller->type == VIR_DOMAIN_CONTROLLER_TYPE_USB) {
            xenpvRefuseUnsupported("%s", _("<controller type='usb'>: PV USB controllers are not supported yet by this driver"));
            return -1;
        }
        return 0;

    case VIR_DOMAIN_DEVICE_CHR:
        if (dev->data.chr->deviceType == VIR_DOMAIN_CHR_DEVICE_TYPE_CHANNEL) {
            xenpvRefuseUnsupported(_("<channel> '%s': PV channels are not supported yet by this driver"),
                                   NULLSTR(dev->data.chr->target.name));
            return -1;
        }
        return 0;

    case VIR_DOMAIN_DEVICE_DISK: {
        const virDomainDiskDef *disk = dev->data.disk;

        if (disk->discard || disk->domain_name) {
            xenpvRefuseUnsupported(_("<disk> (%s): discard and backenddomain (a driver domain) are not supported yet by this driver"),
                                   disk->dst);
            return -1;
        }
        return 0;
    }

    case VIR_DOMAIN_DEVICE_NET: {
        const virDomainNetDef *net = dev->data.net;

        if (net->bandwidth) {
            xenpvRefuseUnsupported("%s", _("<interface><bandwidth>: rate limits are not supported yet by this driver"));
            return -1;
        }
        if (net->virtPortProfile || net->vlan.nTags > 0) {
            xenpvRefuseUnsupported("%s", _("<interface><virtualport>/<vlan>: Open vSwitch ports are not supported yet by this driver"));
            return -1;
        }
        if (net->domain_name) {
            xenpvRefuseUnsupported("%s", _("<interface><backenddomain>: driver domains are not supported yet by this driver"));
            return -1;
        }
        return 0;
    }

    default:
        break;
    }
    return 0;
}


static int
xenpvCheckDeviceList(const virDomainDef *def, virDomainDeviceType type,
                     void **devices, size_t ndevices)
{
    virDomainDeviceDef dev = { .type = type };
    size_t i;

    for (i = 0; i < ndevices; i++) {
        /* The data union's members are all pointers to the device. */
        dev.data.disk = devices[i];
        if (xenpvDomainDeviceDefCheckSupported(&dev, def) < 0)
            return -1;
    }
    return 0;
}


int
xenpvDomainDefCheckRunnable(const virDomainDef *def)
{
    if (xenpvDomainDefCheckPV(def) < 0 ||
        xenpvDomainDefCheckSupportedDomain(def) < 0 ||
        xenpvCheckDeviceList(def, VIR_DOMAIN_DEVICE_HOSTDEV,
                             (void **)def->hostdevs, def->nhostdevs) < 0 ||
        xenpvCheckDeviceList(def, VIR_DOMAIN_DEVICE_CONTROLLER,
                             (void **)def->controllers, def->ncontrollers) < 0 ||
        xenpvCheckDeviceList(def, VIR_DOMAIN_DEVICE_CHR,
                             (void **)def->channels, def->nchannels) < 0 ||
        xenpvCheckDeviceList(def, VIR_DOMAIN_DEVICE_NET,
                             (void **)def->nets, def->nnets) < 0 ||
        xenpvCheckDeviceList(def, VIR_DOMAIN_DEVICE_DISK,
                             (void **)def->disks, def->ndisks) < 0)
        return -1;
    return 0;
}
