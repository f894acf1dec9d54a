/*
 * xenpv_domain_build.c: from a checked libvirt domain definition to the
 * build spec the hypervisor back ends take.  The checks themselves live in
 * xenpv_domain_check.c; this only translates.
 */
#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virbitmap.h"
#include "virmacaddr.h"
#include "virsocketaddr.h"

#include "xenpv_domain_build.h"
#include "xenpv_domain_support.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* Xen's "root" was the kernel's root= parameter put before the rest of the
 * command line; libvirt keeps it apart in <os><root>. */
static char *
xenpvBuildCmdline(const virDomainOSDef *os)
{
    if (os->root && os->cmdline && *os->cmdline)
        return g_strdup_printf("root=%s %s", os->root, os->cmdline);
    if (os->root)
        return g_strdup_printf("root=%s", os->root);
    return g_strdup(os->cmdline);
}


/* The back end that serves a disk, as libvirt's Xen driver picks it:
 * 'qemu' is QEMU's qdisk, and so are tap/tap2 for the image formats only
 * qdisk reads (qcow, qcow2, qed).  'file' is blkback over a loop device, as
 * xm's file: was.  Without a driver name: blkback, the device as it is or a
 * file on a loop device (what libxl picks for a raw image). */
static const char *
xenpvDiskBackendType(const virDomainDiskDef *disk)
{
    const char *driver = disk->driverName;
    int format = disk->src->format;

    if (STREQ_NULLABLE(driver, "qemu") || STREQ_NULLABLE(driver, "qdisk"))
        return "qdisk";
    if ((STREQ_NULLABLE(driver, "tap") || STREQ_NULLABLE(driver, "tap2")) &&
        (format == VIR_STORAGE_FILE_QCOW || format == VIR_STORAGE_FILE_QCOW2 ||
         format == VIR_STORAGE_FILE_QED))
        return "qdisk";
    if (driver)
        return driver;
    if (virStorageSourceGetActualType(disk->src) == VIR_STORAGE_TYPE_BLOCK)
        return "phy";
    return "file";
}


void
xenpvBuildDisk(const virDomainDiskDef *disk, xenpvDiskSpec *out)
{
    out->source = g_strdup(disk->src->path);
    out->vdev = g_strdup(disk->dst);
    out->backendType = g_strdup(xenpvDiskBackendType(disk));
    if (disk->src->format > VIR_STORAGE_FILE_RAW)
        out->format = g_strdup(virStorageFileFormatTypeToString(disk->src->format));
    out->readonly = disk->src->readonly;
    out->shareable = disk->src->shared;
}


int
xenpvBuildNic(const virDomainNetDef *net, xenpvNicSpec *out)
{
    g_auto(GStrv) ips = NULL;
    size_t i;

    virMacAddrFormat(&net->mac, out->mac);
    if (net->type == VIR_DOMAIN_NET_TYPE_BRIDGE)
        out->bridge = g_strdup(net->data.bridge.brname);
    out->script = g_strdup(net->script);
    out->vifname = g_strdup(net->ifname);
    out->model = g_strdup("netfront");

    if (net->guestIP.nips > 0) {
        ips = g_new0(char *, net->guestIP.nips + 1);
        for (i = 0; i < net->guestIP.nips; i++) {
            if (!(ips[i] = virSocketAddrFormat(&net->guestIP.ips[i]->address)))
                return -1;
        }
        /* Xen's vif scripts take several addresses separated by spaces. */
        out->ip = g_strjoinv(" ", ips);
    }
    return 0;
}


int
xenpvBuildSpecFromDef(const virDomainDef *def, xenpvBuildSpec *spec)
{
    size_t i;

    memset(spec, 0, sizeof(*spec));

    if (xenpvDomainDefCheckRunnable(def) < 0)
        goto error;

    spec->name = g_strdup(def->name);
    memcpy(spec->uuid, def->uuid, sizeof(spec->uuid));

    spec->maxMemKiB = virDomainDefGetMemoryTotal(def);
    spec->targetMemKiB = def->mem.cur_balloon;
    if (spec->targetMemKiB == 0 || spec->targetMemKiB > spec->maxMemKiB)
        spec->targetMemKiB = spec->maxMemKiB;

    spec->maxVcpus = virDomainDefGetVcpusMax(def);
    spec->vcpus = virDomainDefGetVcpus(def);
    if (def->cpumask && !(spec->cpuset = virBitmapFormat(def->cpumask)))
        goto error;
    /* <cputune><vcpupin> for some vCPUs: theirs override the cpuset. */
    for (i = 0; i < def->maxvcpus && i < spec->maxVcpus; i++) {
        if (!def->vcpus[i]->cpumask)
            continue;
        if (!spec->vcpuCpusets)
            spec->vcpuCpusets = g_new0(char *, spec->maxVcpus);
        if (!(spec->vcpuCpusets[i] = virBitmapFormat(def->vcpus[i]->cpumask)))
            goto error;
    }

    spec->kernel = g_strdup(def->os.kernel);
    spec->ramdisk = g_strdup(def->os.initrd);
    spec->cmdline = xenpvBuildCmdline(&def->os);
    /* Neither a kernel nor a bootloader: pygrub, as libxl boots it. */
    if (def->os.bootloader)
        spec->bootloader = g_strdup(def->os.bootloader);
    else if (!def->os.kernel)
        spec->bootloader = g_strdup(XENPV_DEFAULT_BOOTLOADER);
    spec->bootloaderArgs = g_strdup(def->os.bootloaderArgs);
    spec->abi = XENPV_GUEST_ABI_UNKNOWN;

    spec->disks = g_new0(xenpvDiskSpec, def->ndisks);
    spec->ndisks = def->ndisks;
    for (i = 0; i < def->ndisks; i++)
        xenpvBuildDisk(def->disks[i], &spec->disks[i]);

    spec->nics = g_new0(xenpvNicSpec, def->nnets);
    spec->nnics = def->nnets;
    for (i = 0; i < def->nnets; i++) {
        if (xenpvBuildNic(def->nets[i], &spec->nics[i]) < 0)
            goto error;
    }

    for (i = 0; i < def->ncontrollers; i++) {
        const virDomainControllerDef *ctrl = def->controllers[i];

        if (ctrl->type != VIR_DOMAIN_CONTROLLER_TYPE_XENBUS)
            continue;
        if (ctrl->opts.xenbusopts.maxEventChannels > 0)
            spec->maxEventChannels = ctrl->opts.xenbusopts.maxEventChannels;
        if (ctrl->opts.xenbusopts.maxGrantFrames > 0)
            spec->maxGrantFrames = ctrl->opts.xenbusopts.maxGrantFrames;
    }

    if (def->ngraphics == 1) {
        spec->vfb = true;
        spec->vfbType = g_strdup(virDomainGraphicsTypeToString(def->graphics[0]->type));
    }

    return 0;

 error:
    xenpvBuildSpecClear(spec);
    return -1;
}
