/*
 * xenpv_domain_xmlopt.c: libvirt's domain XML layer configured for Xen PV
 * guests.  libvirt parses and formats; this only fills in what a PV guest
 * implies when the XML leaves it out, and hooks the PV checks into libvirt's
 * validation so that a definition PV cannot run never gets defined.
 */
#include "internal.h"
#include "viralloc.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_xmlopt.h"
#include "xenpv_domain_check.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

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
                              unsigned int parseFlags G_GNUC_UNUSED,
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

        if (def->os.type != VIR_DOMAIN_OSTYPE_XEN)
            break;
        /* Every block device of a PV guest is a blkfront, whatever its name. */
        if (disk->bus == VIR_DOMAIN_DISK_BUS_NONE)
            disk->bus = VIR_DOMAIN_DISK_BUS_XEN;
        /* Show the backend blkback will use, as xm did: a device is handed
         * over as is ("phy"), a file through a loop device ("file"). */
        if (!disk->driverName && srcType == VIR_STORAGE_TYPE_BLOCK)
            disk->driverName = g_strdup("phy");
        else if (!disk->driverName && srcType == VIR_STORAGE_TYPE_FILE)
            disk->driverName = g_strdup("file");
        /* Xen's default image format. */
        if (disk->src->format == VIR_STORAGE_FILE_NONE &&
            (srcType == VIR_STORAGE_TYPE_BLOCK || srcType == VIR_STORAGE_TYPE_FILE))
            disk->src->format = VIR_STORAGE_FILE_RAW;
        break;
    }

    case VIR_DOMAIN_DEVICE_NET:
        if (dev->data.net->model == VIR_DOMAIN_NET_MODEL_UNKNOWN &&
            !dev->data.net->modelstr &&
            def->os.type == VIR_DOMAIN_OSTYPE_XEN)
            dev->data.net->model = VIR_DOMAIN_NET_MODEL_NETFRONT;
        break;

    case VIR_DOMAIN_DEVICE_VIDEO:
        /* The only display a PV guest has is the PV framebuffer. */
        if (dev->data.video->type == VIR_DOMAIN_VIDEO_TYPE_DEFAULT &&
            def->os.type == VIR_DOMAIN_OSTYPE_XEN)
            dev->data.video->type = VIR_DOMAIN_VIDEO_TYPE_XEN;
        break;

    case VIR_DOMAIN_DEVICE_NONE:
    case VIR_DOMAIN_DEVICE_LEASE:
    case VIR_DOMAIN_DEVICE_FS:
    case VIR_DOMAIN_DEVICE_INPUT:
    case VIR_DOMAIN_DEVICE_SOUND:
    case VIR_DOMAIN_DEVICE_HOSTDEV:
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

/* After devices: a PV guest always has its console ring, so show it. */
static int
xenpvDomainDefPostParse(virDomainDef *def,
                        unsigned int parseFlags G_GNUC_UNUSED,
                        void *opaque G_GNUC_UNUSED,
                        void *parseOpaque G_GNUC_UNUSED)
{
    virDomainChrDef *chr;

    if (def->os.type != VIR_DOMAIN_OSTYPE_XEN || def->nconsoles > 0)
        return 0;

    if (!(chr = virDomainChrDefNew(NULL)))
        return -1;
    chr->deviceType = VIR_DOMAIN_CHR_DEVICE_TYPE_CONSOLE;
    chr->targetType = VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_XEN;
    chr->source->type = VIR_DOMAIN_CHR_TYPE_PTY;
    chr->target.port = 0;

    VIR_APPEND_ELEMENT(def->consoles, def->nconsoles, chr);
    return 0;
}

static int
xenpvDomainDefValidate(const virDomainDef *def,
                       void *opaque G_GNUC_UNUSED,
                       void *parseOpaque G_GNUC_UNUSED)
{
    return xenpvDomainDefCheckPVDomain(def);
}

static int
xenpvDomainDeviceDefValidate(const virDomainDeviceDef *dev,
                             const virDomainDef *def,
                             void *opaque G_GNUC_UNUSED,
                             void *parseOpaque G_GNUC_UNUSED)
{
    return xenpvDomainDeviceDefCheckPV(dev, def);
}

virDomainXMLOption *
xenpvDomainXMLOptionNew(virDomainXMLPrivateDataCallbacks *priv,
                        virDomainJobObjConfig *jobConfig)
{
    virDomainDefParserConfig config = {
        .domainPostParseBasicCallback = xenpvDomainDefPostParseBasic,
        .domainPostParseCallback = xenpvDomainDefPostParse,
        .devicesPostParseCallback = xenpvDomainDeviceDefPostParse,
        .domainValidateCallback = xenpvDomainDefValidate,
        .deviceValidateCallback = xenpvDomainDeviceDefValidate,
        .macPrefix = XENPV_MAC_PREFIX,
        .defArch = VIR_ARCH_X86_64,
        .netPrefix = "vif",
        /* PV guests have no boot order (no firmware to read it); a vCPU can
         * be pinned before the domain runs. */
        .features = VIR_DOMAIN_DEF_FEATURE_NO_BOOT_ORDER |
                    VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN |
                    VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING,
    };

    return virDomainXMLOptionNew(&config, priv, NULL, NULL, NULL, jobConfig);
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
