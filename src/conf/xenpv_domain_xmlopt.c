/*
 * xenpv_domain_xmlopt.c: libvirt's domain XML layer configured for Xen PV
 * guests.  libvirt parses and formats; this fills in what a PV guest
 * implies when the XML leaves it out -- the same defaults libvirt's own Xen
 * driver fills in, so that a definition reads the same whichever driver is
 * loaded -- and hooks the PV checks into libvirt's validation so that a
 * definition PV cannot run never gets defined.
 */
#include "internal.h"
#include "viralloc.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_xmlopt.h"
#include "xenpv_domain_check.h"
#include "xenpv_domain_support.h"
#include "xenpv_domain_ns.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* What the validation callbacks check: what PV can be, and for the driver
 * also what it can run (conversions only need the former). */
typedef struct {
    bool checkSupport;
} xenpvValidateMode;

static xenpvValidateMode xenpvValidateDriver = { .checkSupport = true };
static xenpvValidateMode xenpvValidateConversion = { .checkSupport = false };

/* Before device defaults: the guest-wide things devices depend on. */
static int
xenpvDomainDefPostParseBasic(virDomainDef *def,
                             void *opaque G_GNUC_UNUSED)
{
    if (def->os.arch == VIR_ARCH_NONE)
        def->os.arch = VIR_ARCH_X86_64;

    /* The machine only means something for PV; leave others alone so the
     * validator can name the os type instead of a machine. */
    if (def->os.type == VIR_DOMAIN_OSTYPE_XEN && !def->os.machine)
        def->os.machine = g_strdup(XENPV_MACHINE);

    return 0;
}


static int
xenpvDomainDeviceDefPostParse(virDomainDeviceDef *dev,
                              const virDomainDef *def,
                              unsigned int parseFlags,
                              void *opaque G_GNUC_UNUSED,
                              void *parseOpaque G_GNUC_UNUSED)
{
    switch ((virDomainDeviceType)dev->type) {
    case VIR_DOMAIN_DEVICE_CHR: {
        virDomainChrDef *chr = dev->data.chr;

        /* A PV guest's console is the xenconsole ring, not a UART. */
        if (chr->deviceType == VIR_DOMAIN_CHR_DEVICE_TYPE_CONSOLE &&
            chr->targetType == VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_NONE &&
            def->os.type == VIR_DOMAIN_OSTYPE_XEN)
            chr->targetType = VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_XEN;
        break;
    }

    case VIR_DOMAIN_DEVICE_DISK: {
        virDomainDiskDef *disk = dev->data.disk;
        int srcType = virStorageSourceGetActualType(disk->src);

        /* Refused here, not only by the validator: after this callback
         * libvirt numbers the drive addresses of a disk on an emulated bus
         * (an HVM guest's, or one given bus='ide') and adds controllers up
         * to the number its name spells -- billions for a long name --
         * before any validation runs. */
        if (!(parseFlags & VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE)) {
            if (xenpvDomainDefCheckTypes(def) < 0)
                return -1;
            if (disk->bus != VIR_DOMAIN_DISK_BUS_NONE && xenpvDomainDiskCheckBus(disk) < 0)
                return -1;
        }
        if (def->os.type != VIR_DOMAIN_OSTYPE_XEN)
            break;
        /* Every block device of a PV guest is a blkfront, whatever its name. */
        if (disk->bus == VIR_DOMAIN_DISK_BUS_NONE)
            disk->bus = VIR_DOMAIN_DISK_BUS_XEN;
        /* Xen's default image format (xl-disk-configuration(5)).  No driver
         * name is filled in, as libvirt's Xen driver fills in none: without
         * one the backend is chosen at start. */
        if (disk->src->format == VIR_STORAGE_FILE_NONE &&
            (srcType == VIR_STORAGE_TYPE_BLOCK || srcType == VIR_STORAGE_TYPE_FILE))
            disk->src->format = VIR_STORAGE_FILE_RAW;
        break;
    }

    case VIR_DOMAIN_DEVICE_HOSTDEV: {
        virDomainHostdevDef *hostdev = dev->data.hostdev;

        /* Xen's own PCI back end (pciback) is the only one there is. */
        if (hostdev->mode == VIR_DOMAIN_HOSTDEV_MODE_SUBSYS &&
            hostdev->source.subsys.type == VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_PCI &&
            hostdev->source.subsys.u.pci.backend == VIR_DOMAIN_HOSTDEV_PCI_BACKEND_DEFAULT)
            hostdev->source.subsys.u.pci.backend = VIR_DOMAIN_HOSTDEV_PCI_BACKEND_XEN;
        break;
    }

    case VIR_DOMAIN_DEVICE_VIDEO:
        /* The only display a PV guest has is the PV framebuffer. */
        if (dev->data.video->type == VIR_DOMAIN_VIDEO_TYPE_DEFAULT &&
            def->os.type == VIR_DOMAIN_OSTYPE_XEN)
            dev->data.video->type = VIR_DOMAIN_VIDEO_TYPE_XEN;
        break;

    case VIR_DOMAIN_DEVICE_NONE:
    case VIR_DOMAIN_DEVICE_NET:
    case VIR_DOMAIN_DEVICE_LEASE:
    case VIR_DOMAIN_DEVICE_FS:
    case VIR_DOMAIN_DEVICE_INPUT:
    case VIR_DOMAIN_DEVICE_SOUND:
    case VIR_DOMAIN_DEVICE_WATCHDOG:
    case VIR_DOMAIN_DEVICE_CONTROLLER:
    case VIR_DOMAIN_DEVICE_GRAPHICS:
    case VIR_DOMAIN_DEVICE_HUB:
    case VIR_DOMAIN_DEVICE_REDIRDEV:
    case VIR_DOMAIN_DEVICE_SMARTCARD:
    case VIR_DOMAIN_DEVICE_MEMBALLOON:
    case VIR_DOMAIN_DEVICE_NVRAM:
    case VIR_DOMAIN_DEVICE_RNG:
    case VIR_DOMAIN_DEVICE_SHMEM:
    case VIR_DOMAIN_DEVICE_TPM:
    case VIR_DOMAIN_DEVICE_PANIC:
    case VIR_DOMAIN_DEVICE_MEMORY:
    case VIR_DOMAIN_DEVICE_IOMMU:
    case VIR_DOMAIN_DEVICE_VSOCK:
    case VIR_DOMAIN_DEVICE_AUDIO:
    case VIR_DOMAIN_DEVICE_LAST:
        break;
    }

    return 0;
}


/* After devices: what every PV guest has, shown as libvirt's Xen driver
 * shows it -- the console ring, the PV keyboard and mouse (the framebuffer's
 * input devices), the balloon driver and the xenbus the devices sit on. */
static int
xenpvDomainDefPostParse(virDomainDef *def,
                        unsigned int parseFlags G_GNUC_UNUSED,
                        void *opaque G_GNUC_UNUSED,
                        void *parseOpaque G_GNUC_UNUSED)
{
    if (def->os.type != VIR_DOMAIN_OSTYPE_XEN)
        return 0;

    if (def->nconsoles == 0) {
        virDomainChrDef *chr;

        if (!(chr = virDomainChrDefNew(NULL)))
            return -1;
        chr->deviceType = VIR_DOMAIN_CHR_DEVICE_TYPE_CONSOLE;
        chr->targetType = VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_XEN;
        chr->source->type = VIR_DOMAIN_CHR_TYPE_PTY;
        chr->target.port = 0;
        VIR_APPEND_ELEMENT(def->consoles, def->nconsoles, chr);
    }

    if (virDomainDefMaybeAddInput(def, VIR_DOMAIN_INPUT_TYPE_MOUSE,
                                  VIR_DOMAIN_INPUT_BUS_XEN) < 0 ||
        virDomainDefMaybeAddInput(def, VIR_DOMAIN_INPUT_TYPE_KBD,
                                  VIR_DOMAIN_INPUT_BUS_XEN) < 0)
        return -1;

    if (!def->memballoon) {
        def->memballoon = g_new0(virDomainMemballoonDef, 1);
        def->memballoon->model = VIR_DOMAIN_MEMBALLOON_MODEL_XEN;
    }

    if (virDomainControllerFindByType(def, VIR_DOMAIN_CONTROLLER_TYPE_XENBUS) < 0 &&
        !virDomainDefAddController(def, VIR_DOMAIN_CONTROLLER_TYPE_XENBUS, -1, -1))
        return -1;
    return 0;
}


static int
xenpvDomainDefValidate(const virDomainDef *def,
                       void *opaque,
                       void *parseOpaque G_GNUC_UNUSED)
{
    const xenpvValidateMode *mode = opaque;

    if (xenpvDomainDefCheckPVDomain(def) < 0)
        return -1;
    if (mode->checkSupport && xenpvDomainDefCheckSupportedDomain(def) < 0)
        return -1;
    return 0;
}


static int
xenpvDomainDeviceDefValidate(const virDomainDeviceDef *dev,
                             const virDomainDef *def,
                             void *opaque,
                             void *parseOpaque G_GNUC_UNUSED)
{
    const xenpvValidateMode *mode = opaque;

    if (xenpvDomainDeviceDefCheckPV(dev, def) < 0)
        return -1;
    if (mode->checkSupport && xenpvDomainDeviceDefCheckSupported(dev, def) < 0)
        return -1;
    return 0;
}


static virDomainXMLOption *
xenpvDomainXMLOptionNewMode(virDomainXMLPrivateDataCallbacks *priv,
                            virDomainJobObjConfig *jobConfig,
                            xenpvValidateMode *mode)
{
    virDomainDefParserConfig config = {
        .domainPostParseBasicCallback = xenpvDomainDefPostParseBasic,
        .domainPostParseCallback = xenpvDomainDefPostParse,
        .devicesPostParseCallback = xenpvDomainDeviceDefPostParse,
        .domainValidateCallback = xenpvDomainDefValidate,
        .deviceValidateCallback = xenpvDomainDeviceDefValidate,
        .priv = mode,
        .macPrefix = XENPV_MAC_PREFIX,
        .defArch = VIR_ARCH_X86_64,
        .netPrefix = "vif",
        /* PV guests have no boot order (no firmware to read it); a vCPU can
         * be pinned before the domain runs. */
        .features = VIR_DOMAIN_DEF_FEATURE_NO_BOOT_ORDER |
                    VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN |
                    VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING,
    };

    return virDomainXMLOptionNew(&config, priv, &xenpvDomainXMLNamespace, NULL, NULL,
                                 jobConfig);
}


virDomainXMLOption *
xenpvDomainXMLOptionNew(virDomainXMLPrivateDataCallbacks *priv,
                        virDomainJobObjConfig *jobConfig)
{
    return xenpvDomainXMLOptionNewMode(priv, jobConfig, &xenpvValidateDriver);
}


virDomainXMLOption *
xenpvDomainXMLOptionNewForConversion(void)
{
    return xenpvDomainXMLOptionNewMode(NULL, NULL, &xenpvValidateConversion);
}


virDomainDef *
xenpvDomainDefParseString(const char *xml,
                          virDomainXMLOption *xmlopt,
                          unsigned int parseFlags)
{
    if (xenpvDomainXMLCheckDropped(xml) < 0)
        return NULL;
    return virDomainDefParseString(xml, xmlopt, NULL, parseFlags);
}
