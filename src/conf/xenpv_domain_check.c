/*
 * xenpv_domain_check.c: refuse what a Xen PV guest cannot be.
 *
 * A PV guest has no firmware, no device model and no emulated hardware: it
 * boots a kernel (directly or through a bootloader run in dom0) and talks to
 * split drivers (blkfront, netfront, console ring, PV framebuffer).  Anything
 * in a definition that would need more is refused by name rather than
 * ignored, so that a definition never silently means less than it says.
 */
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virutil.h"
#include "virxml.h"
#include "virsocketaddr.h"

#include "xenpv_domain_check.h"
#include "xenpv_domain_build.h"
#include "xenpv_domain_xmlopt.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define xenpvRefuse(...) \
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, __VA_ARGS__)

/* What libvirt's schema calls a deviceName (bridges, host interfaces):
 * libvirt's parser takes more, but then formats XML its schema rejects. */
static bool
xenpvIsDeviceName(const char *name)
{
    return name && *name &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_.-\\:/") == strlen(name);
}


/* The schema's absFilePath: "/" and at least one more character. */
static bool
xenpvIsAbsFilePath(const char *path)
{
    return path && path[0] == '/' && path[1];
}


int
xenpvDomainDefCheckTypes(const virDomainDef *def)
{
    /* The domain type first: for a KVM guest that is the whole story. */
    if (def->virtType != VIR_DOMAIN_VIRT_XEN) {
        xenpvRefuse(_("<domain type='%s'>: this driver runs Xen guests; use type='xen'"),
                    virDomainVirtTypeToString(def->virtType));
        return -1;
    }
    if (def->os.type == VIR_DOMAIN_OSTYPE_HVM) {
        xenpvRefuse("%s", _("<os><type>hvm</type>: this driver runs PV guests only; use <type>xen</type>"));
        return -1;
    }
    if (def->os.type != VIR_DOMAIN_OSTYPE_XEN) {
        xenpvRefuse(_("<os><type>%s</type> is not supported: this driver runs PV guests only; use <type>xen</type>"),
                    virDomainOSTypeToString(def->os.type));
        return -1;
    }
    return 0;
}


int
xenpvDomainDiskCheckBus(const virDomainDiskDef *disk)
{
    /* Every disk of a PV guest is a blkfront; other buses would bring an
     * emulated controller along. */
    if (disk->bus != VIR_DOMAIN_DISK_BUS_XEN) {
        xenpvRefuse(_("<disk><target bus='%s'> (%s): a PV guest's disks are on bus 'xen'"),
                    virDomainDiskBusTypeToString(disk->bus), NULLSTR(disk->dst));
        return -1;
    }
    return 0;
}


static int
xenpvCheckOS(const virDomainDef *def)
{
    const virDomainOSDef *os = &def->os;

    if (os->arch != VIR_ARCH_X86_64 && os->arch != VIR_ARCH_I686) {
        xenpvRefuse(_("<os><type arch='%s'> is not supported: PV guests are x86_64 or i686"),
                    virArchToString(os->arch));
        return -1;
    }
    if (os->machine && STRNEQ(os->machine, XENPV_MACHINE)) {
        xenpvRefuse(_("<os><type machine='%s'> is not supported: PV guests use machine '%s'"),
                    os->machine, XENPV_MACHINE);
        return -1;
    }
    if (os->firmware != VIR_DOMAIN_OS_DEF_FIRMWARE_NONE || os->firmwareFeatures) {
        xenpvRefuse("%s", _("<os firmware>: a PV guest has no firmware"));
        return -1;
    }
    if (os->loader) {
        if (os->loader->nvram || os->loader->nvramTemplate)
            xenpvRefuse("%s", _("<os><nvram>: a PV guest has no firmware to keep NVRAM for"));
        else
            xenpvRefuse("%s", _("<os><loader>: a PV guest has no BIOS or UEFI loader; use <kernel> or <bootloader>"));
        return -1;
    }
    if (os->nBootDevs > 0) {
        xenpvRefuse("%s", _("<os><boot dev>: a PV guest has no firmware to choose a boot device; use <kernel> or <bootloader>"));
        return -1;
    }
    if (os->bootmenu != VIR_TRISTATE_BOOL_ABSENT || os->bm_timeout_set) {
        xenpvRefuse("%s", _("<os><bootmenu>: a PV guest has no firmware boot menu"));
        return -1;
    }
    if (os->bios.useserial != VIR_TRISTATE_BOOL_ABSENT || os->bios.rt_set) {
        xenpvRefuse("%s", _("<os><bios>: a PV guest has no BIOS"));
        return -1;
    }
    if (os->smbios_mode != VIR_DOMAIN_SMBIOS_NONE) {
        xenpvRefuse("%s", _("<os><smbios>: a PV guest has no SMBIOS tables"));
        return -1;
    }
    if (os->dtb) {
        xenpvRefuse("%s", _("<os><dtb>: not used by x86 PV guests"));
        return -1;
    }
    if (os->slic_table) {
        xenpvRefuse("%s", _("<os><acpi><table>: a PV guest has no ACPI"));
        return -1;
    }
    if (os->init || os->initargv || os->initenv || os->initdir ||
        os->inituser || os->initgroup) {
        xenpvRefuse("%s", _("<os><init>: container init is not supported for PV guests"));
        return -1;
    }
    if ((os->kernel && !xenpvIsAbsFilePath(os->kernel)) ||
        (os->initrd && !xenpvIsAbsFilePath(os->initrd))) {
        xenpvRefuse(_("<os><kernel>/<initrd> '%s': give an absolute path"),
                    os->kernel && !xenpvIsAbsFilePath(os->kernel) ? os->kernel : os->initrd);
        return -1;
    }
    /* With a bootloader (or none at all: pygrub, as libxl does), <kernel>,
     * <initrd> and <cmdline> are what the bootloader is asked for -- paths
     * inside the guest's disk and extra kernel arguments. */
    return 0;
}


static int
xenpvCheckFeatures(const virDomainDef *def)
{
    size_t i;

    for (i = 0; i < VIR_DOMAIN_FEATURE_LAST; i++) {
        /* PAE only restates what the kernel's notes say (xen-3.0-x86_32p);
         * <xen> holds e820_host and passthrough, which are PV options. */
        if (i == VIR_DOMAIN_FEATURE_PAE || i == VIR_DOMAIN_FEATURE_XEN ||
            def->features[i] == 0)
            continue;
        xenpvRefuse(_("<features><%s>: needs an HVM guest; PV guests take no platform features"),
                    virDomainFeatureTypeToString(i));
        return -1;
    }

    if (def->clock.offset != VIR_DOMAIN_CLOCK_OFFSET_UTC &&
        def->clock.offset != VIR_DOMAIN_CLOCK_OFFSET_LOCALTIME) {
        xenpvRefuse(_("<clock offset='%s'>: PV guests take 'utc' or 'localtime'"),
                    virDomainClockOffsetTypeToString(def->clock.offset));
        return -1;
    }
    /* The TSC mode is the one timer setting a PV guest has (xl's tsc_mode). */
    for (i = 0; i < def->clock.ntimers; i++) {
        if (def->clock.timers[i]->name != VIR_DOMAIN_TIMER_NAME_TSC) {
            xenpvRefuse(_("<clock><timer name='%s'>: a PV guest has no emulated timers; only the tsc mode can be set"),
                        virDomainTimerNameTypeToString(def->clock.timers[i]->name));
            return -1;
        }
    }
    return 0;
}


/* Tuning and platform elements no PV build can honour yet. */
static int
xenpvCheckPlatform(const virDomainDef *def)
{
    const char *what = NULL;
    size_t i;

    if (virDomainDefGetVcpus(def) == 0)
        what = N_("<vcpu current='0'>: a guest needs at least one vCPU online");
    else if (def->emulator)
        what = N_("<emulator>: a PV guest has no device model");
    else if (def->cpu)
        what = N_("<cpu>: CPU models and features are not supported for PV guests");
    else if (def->numa && virDomainNumaGetNodeCount(def->numa) > 0)
        what = N_("<cpu><numa>: guest NUMA is not supported for PV guests");
    else if (def->placement_mode == VIR_DOMAIN_CPU_PLACEMENT_MODE_AUTO)
        what = N_("<vcpu placement='auto'>: automatic placement is not supported; give cpuset");
    else if (def->niothreadids > 0 || def->defaultIOThread)
        what = N_("<iothreads>: I/O threads belong to a device model");
    else if (def->cputune.sharesSpecified || def->cputune.period || def->cputune.quota ||
             def->cputune.emulatorpin || def->cputune.emulatorsched ||
             def->cputune.emulator_period || def->cputune.global_period ||
             def->cputune.iothread_period)
        what = N_("<cputune>: not supported yet");
    else if (virMemoryLimitIsSet(def->mem.hard_limit) ||
             virMemoryLimitIsSet(def->mem.soft_limit) ||
             virMemoryLimitIsSet(def->mem.swap_hard_limit) ||
             def->mem.min_guarantee || def->mem.nhugepages || def->mem.locked ||
             def->mem.nosharepages || def->mem.source || def->mem.access ||
             def->mem.allocation || def->mem.discard)
        what = N_("<memtune>/<memoryBacking>: not supported for PV guests");
    else if (def->blkio.weight || def->blkio.ndevices)
        what = N_("<blkiotune>: not supported for PV guests");
    else if (def->resource)
        what = N_("<resource>: resource partitions are not supported");
    else if (def->idmap.nuidmap || def->idmap.ngidmap)
        what = N_("<idmap>: a container feature");
    else if (def->nsysinfo > 0)
        what = N_("<sysinfo>: a PV guest has no SMBIOS tables");
    else if (def->genidRequested)
        what = N_("<genid>: needs an HVM guest");
    else if (def->pm.s3 || def->pm.s4)
        what = N_("<pm>: ACPI suspend states need an HVM guest");
    else if (def->keywrap)
        what = N_("<keywrap>: an s390 feature");
    else if (def->sec)
        what = N_("<launchSecurity>: needs an HVM guest");
    else if (def->nresctrls > 0)
        what = N_("<cputune><cachetune>: not supported for PV guests");
    else if (def->onLockFailure != VIR_DOMAIN_LOCK_FAILURE_DEFAULT)
        what = N_("<on_lockfailure>: no lock manager is used by this driver");

    for (i = 0; !what && i < def->maxvcpus; i++) {
        if (def->vcpus[i]->sched.policy)
            what = N_("<cputune><vcpusched>: not supported for PV guests");
    }

    if (what) {
        xenpvRefuse("%s", _(what));
        return -1;
    }
    return 0;
}


static int
xenpvCheckChrCounts(const virDomainDef *def)
{
    size_t i;
    size_t xenConsoles = 0;

    if (def->nserials > 1) {
        xenpvRefuse("%s", _("a second <serial>: a PV guest has one console; only one <serial> can be mapped to it"));
        return -1;
    }
    for (i = 0; i < def->nconsoles; i++) {
        const virDomainChrDef *con = def->consoles[i];

        if (con->targetType == VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_XEN)
            xenConsoles++;
        else if (con->targetType == VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_SERIAL &&
                 (i != 0 || def->nserials == 0)) {
            /* libvirt keeps console[0] with target serial as an alias of
             * serial[0]; anything else is a second console. */
            xenpvRefuse("%s", _("<console><target type='serial'> without a matching <serial>"));
            return -1;
        }
    }
    /* A <serial> and a xen <console> are both the one console ring. */
    if (xenConsoles > 1) {
        xenpvRefuse("%s", _("a second <console>: a PV guest has one console"));
        return -1;
    }
    if (def->ngraphics > 1) {
        xenpvRefuse("%s", _("a second <graphics>: a PV guest has one framebuffer"));
        return -1;
    }
    return 0;
}


int
xenpvDomainDefCheckPVDomain(const virDomainDef *def)
{
    /* The domain and os types first: for a KVM or HVM guest that is the
     * whole story. */
    if (xenpvDomainDefCheckTypes(def) < 0 ||
        xenpvCheckOS(def) < 0 ||
        xenpvCheckPlatform(def) < 0 ||
        xenpvCheckFeatures(def) < 0 ||
        xenpvCheckChrCounts(def) < 0)
        return -1;
    return 0;
}


static int
xenpvCheckDisk(const virDomainDiskDef *disk)
{
    const char *dst = NULLSTR(disk->dst);
    int srcType = disk->src->type;
    int format;

    if (disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM) {
        xenpvRefuse(_("<disk device='cdrom'> (%s): CD-ROM drives need a device model; attach the image as a disk"), dst);
        return -1;
    }
    if (disk->device != VIR_DOMAIN_DISK_DEVICE_DISK) {
        xenpvRefuse(_("<disk device='%s'> (%s): PV guests take disks only"),
                    virDomainDiskDeviceTypeToString(disk->device), dst);
        return -1;
    }
    if (xenpvDomainDiskCheckBus(disk) < 0)
        return -1;
    if (!(STRPREFIX(dst, "xvd") || STRPREFIX(dst, "sd") || STRPREFIX(dst, "hd")) ||
        strspn(dst + (dst[0] == 'x' ? 3 : 2),
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
        strlen(dst + (dst[0] == 'x' ? 3 : 2)) ||
        !dst[dst[0] == 'x' ? 3 : 2]) {
        xenpvRefuse(_("<disk><target dev='%s'>: PV disks are named xvd*, sd* or hd*"), dst);
        return -1;
    }
    if (srcType != VIR_STORAGE_TYPE_FILE && srcType != VIR_STORAGE_TYPE_BLOCK) {
        xenpvRefuse(_("<disk type='%s'> (%s): only 'file' and 'block' sources are supported"),
                    virStorageTypeToString(srcType), dst);
        return -1;
    }
    if (!xenpvIsAbsFilePath(disk->src->path)) {
        xenpvRefuse(_("<disk> (%s): a disk needs a <source> with an absolute path"), dst);
        return -1;
    }
    if (disk->driverName &&
        STRNEQ(disk->driverName, "phy") && STRNEQ(disk->driverName, "file") &&
        STRNEQ(disk->driverName, "tap") && STRNEQ(disk->driverName, "tap2") &&
        STRNEQ(disk->driverName, "qemu") && STRNEQ(disk->driverName, "qdisk")) {
        xenpvRefuse(_("<disk><driver name='%s'> (%s): use qemu, phy, file, tap or tap2"),
                    disk->driverName, dst);
        return -1;
    }
    format = disk->src->format;
    if (format != VIR_STORAGE_FILE_NONE && format != VIR_STORAGE_FILE_RAW &&
        format != VIR_STORAGE_FILE_QCOW && format != VIR_STORAGE_FILE_QCOW2 &&
        format != VIR_STORAGE_FILE_QED && format != VIR_STORAGE_FILE_VHD) {
        xenpvRefuse(_("<disk><driver type='%s'> (%s): Xen's disk back ends take raw, qcow, qcow2, qed and vhd images"),
                    virStorageFileFormatTypeToString(format), dst);
        return -1;
    }
    /* blkback serves raw data only (a device, or a file on a loop device);
     * image formats need QEMU's qdisk back end. */
    if ((STREQ_NULLABLE(disk->driverName, "phy") || STREQ_NULLABLE(disk->driverName, "file")) &&
        format > VIR_STORAGE_FILE_RAW) {
        xenpvRefuse(_("<disk><driver name='%s' type='%s'> (%s): the %s back end serves raw images only; use <driver name='qemu'> for %s"),
                    disk->driverName, virStorageFileFormatTypeToString(format), dst,
                    disk->driverName, virStorageFileFormatTypeToString(format));
        return -1;
    }
    if (disk->src->encryption || disk->src->auth || disk->transient ||
        disk->cachemode || disk->iomode || disk->serial || disk->wwn ||
        disk->vendor || disk->product || disk->geometry.cylinders ||
        disk->blockio.logical_block_size || disk->blockio.physical_block_size ||
        disk->startupPolicy || disk->iothread || disk->error_policy ||
        disk->detect_zeroes) {
        xenpvRefuse(_("<disk> (%s): encryption, transient, cache/io modes, serial, wwn, vendor, geometry, blockio, startupPolicy, error policies and detect_zeroes are not supported for PV disks"), dst);
        return -1;
    }
    return 0;
}


static int
xenpvCheckNet(const virDomainNetDef *net)
{
    size_t i;

    if (net->type == VIR_DOMAIN_NET_TYPE_BRIDGE &&
        !xenpvIsDeviceName(net->data.bridge.brname)) {
        xenpvRefuse(_("<interface><source bridge='%s'>: not a network device name"),
                    NULLSTR(net->data.bridge.brname));
        return -1;
    }
    if (net->ifname && !xenpvIsDeviceName(net->ifname)) {
        xenpvRefuse(_("<interface><target dev='%s'>: not a network device name"), net->ifname);
        return -1;
    }
    if (net->script && !*net->script) {
        xenpvRefuse("%s", _("<interface><script path=''>: empty script path"));
        return -1;
    }
    for (i = 0; i < net->guestIP.nips; i++) {
        if (net->guestIP.ips[i]->prefix ||
            VIR_SOCKET_ADDR_VALID(&net->guestIP.ips[i]->peer)) {
            xenpvRefuse("%s", _("<interface><ip prefix|peer>: Xen's vif scripts take plain addresses; give address only"));
            return -1;
        }
    }
    if (net->type != VIR_DOMAIN_NET_TYPE_BRIDGE &&
        net->type != VIR_DOMAIN_NET_TYPE_ETHERNET &&
        net->type != VIR_DOMAIN_NET_TYPE_NETWORK) {
        xenpvRefuse(_("<interface type='%s'>: not supported yet; use type='network', 'bridge' or 'ethernet'"),
                    virDomainNetTypeToString(net->type));
        return -1;
    }
    /* A PV guest's NIC is a netfront whatever <model> says (xl ignores a
     * PV vif's model too); the model is kept as the user wrote it. */
    if (net->bandwidth &&
        (net->bandwidth->in || !net->bandwidth->out || !net->bandwidth->out->average ||
         net->bandwidth->out->peak || net->bandwidth->out->burst ||
         net->bandwidth->out->floor)) {
        xenpvRefuse("%s", _("<interface><bandwidth>: Xen's netback limits the guest's outbound traffic to an average rate only; give <outbound average> alone"));
        return -1;
    }
    if (net->virtPortProfile &&
        net->virtPortProfile->virtPortType != VIR_NETDEV_VPORT_PROFILE_OPENVSWITCH) {
        xenpvRefuse(_("<interface><virtualport type='%s'>: Xen's vif scripts handle 'openvswitch' only"),
                    virNetDevVPortTypeToString(net->virtPortProfile->virtPortType));
        return -1;
    }
    if (net->filter || net->downscript || net->mtu || net->coalesce || net->hostIP.nips ||
        net->hostIP.nroutes || net->guestIP.nroutes || net->nPortForwards ||
        net->teaming || net->linkstate) {
        xenpvRefuse("%s", _("<interface>: filterref, downscript, mtu, coalesce, routes, port forwarding, teaming and link state are not supported yet"));
        return -1;
    }
    return 0;
}


/* A PV channel (xl's channel=): a named stream between the guest and a
 * pty or a UNIX socket in dom0. */
static int
xenpvCheckChannel(const virDomainChrDef *chr)
{
    if (chr->targetType != VIR_DOMAIN_CHR_CHANNEL_TARGET_TYPE_XEN) {
        xenpvRefuse("%s", _("<channel><target>: a PV guest's channels are <target type='xen'>"));
        return -1;
    }
    if (!chr->target.name || !*chr->target.name) {
        xenpvRefuse("%s", _("<channel><target type='xen'>: a PV channel needs a name"));
        return -1;
    }
    if (chr->source->type != VIR_DOMAIN_CHR_TYPE_PTY &&
        chr->source->type != VIR_DOMAIN_CHR_TYPE_UNIX) {
        xenpvRefuse(_("<channel type='%s'>: a PV channel connects to a pty or a UNIX socket"),
                    virDomainChrTypeToString(chr->source->type));
        return -1;
    }
    return 0;
}


static int
xenpvCheckChr(const virDomainChrDef *chr)
{
    const char *elem = virDomainChrDeviceTypeToString(chr->deviceType);

    switch ((virDomainChrDeviceType)chr->deviceType) {
    case VIR_DOMAIN_CHR_DEVICE_TYPE_SERIAL:
    case VIR_DOMAIN_CHR_DEVICE_TYPE_CONSOLE:
        break;
    case VIR_DOMAIN_CHR_DEVICE_TYPE_CHANNEL:
        return xenpvCheckChannel(chr);
    case VIR_DOMAIN_CHR_DEVICE_TYPE_PARALLEL:
    case VIR_DOMAIN_CHR_DEVICE_TYPE_LAST:
    default:
        xenpvRefuse(_("<%s>: a PV guest has no emulated serial or parallel ports, only its console and PV channels"),
                    elem);
        return -1;
    }
    if (chr->deviceType == VIR_DOMAIN_CHR_DEVICE_TYPE_CONSOLE &&
        chr->targetType != VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_XEN &&
        chr->targetType != VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_SERIAL) {
        xenpvRefuse(_("<console><target type='%s'>: a PV guest's console is type 'xen'"),
                    virDomainChrConsoleTargetTypeToString(chr->targetType));
        return -1;
    }
    if (chr->deviceType == VIR_DOMAIN_CHR_DEVICE_TYPE_SERIAL &&
        (chr->target.port > 0 || chr->targetModel != 0)) {
        xenpvRefuse("%s", _("<serial><target>: the serial port of a PV guest is its console; give no port or model"));
        return -1;
    }
    if (chr->source->type != VIR_DOMAIN_CHR_TYPE_PTY) {
        xenpvRefuse(_("<%s type='%s'>: the PV console is a pty; use type='pty'"),
                    elem, virDomainChrTypeToString(chr->source->type));
        return -1;
    }
    return 0;
}


/* The schema's addrIPorName: a DNS name (which covers IPv4) or IPv6. */
static bool
xenpvIsListenAddress(const char *addr)
{
    virSocketAddr sa;
    size_t len = strlen(addr);

    if (len == 0)
        return false;
    if (strspn(addr, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == len)
        return true;
    return strspn(addr, "0123456789abcdefABCDEF:.") == len &&
           virSocketAddrParse(&sa, addr, AF_INET6) > 0;
}


static int
xenpvCheckGraphics(const virDomainGraphicsDef *gfx)
{
    if (gfx->type != VIR_DOMAIN_GRAPHICS_TYPE_VNC &&
        gfx->type != VIR_DOMAIN_GRAPHICS_TYPE_SDL) {
        xenpvRefuse(_("<graphics type='%s'>: the PV framebuffer offers 'vnc' or 'sdl'"),
                    virDomainGraphicsTypeToString(gfx->type));
        return -1;
    }
    if (gfx->nListens > 1) {
        xenpvRefuse("%s", _("<graphics><listen>: the PV framebuffer listens on one address"));
        return -1;
    }
    if (gfx->nListens == 1 &&
        gfx->listens[0].type != VIR_DOMAIN_GRAPHICS_LISTEN_TYPE_ADDRESS) {
        xenpvRefuse("%s", _("<graphics><listen>: the PV framebuffer listens on an address; use type='address'"));
        return -1;
    }
    /* An address or a host name: libvirt writes it into an attribute as it
     * is, so anything else could break the XML it formats. */
    if (gfx->nListens == 1 && gfx->listens[0].address &&
        !xenpvIsListenAddress(gfx->listens[0].address)) {
        xenpvRefuse(_("<graphics listen='%s'>: not an IP address or host name"),
                    gfx->listens[0].address);
        return -1;
    }
    if (gfx->type == VIR_DOMAIN_GRAPHICS_TYPE_VNC && gfx->data.vnc.websocket) {
        xenpvRefuse("%s", _("<graphics websocket>: not supported by the PV framebuffer backend"));
        return -1;
    }
    return 0;
}


static int
xenpvCheckController(const virDomainControllerDef *ctrl)
{
    switch (ctrl->type) {
    case VIR_DOMAIN_CONTROLLER_TYPE_XENBUS:
        return 0;
    case VIR_DOMAIN_CONTROLLER_TYPE_USB:
        /* PVUSB: xl's usbctrl, a USB controller served by QEMU in dom0. */
        if (ctrl->model == VIR_DOMAIN_CONTROLLER_MODEL_USB_QUSB1 ||
            ctrl->model == VIR_DOMAIN_CONTROLLER_MODEL_USB_QUSB2)
            return 0;
        xenpvRefuse(_("<controller type='usb' model='%s'>: a PV guest's USB controllers are 'qusb1' or 'qusb2'"),
                    ctrl->model < 0 ? "default" : virDomainControllerModelUSBTypeToString(ctrl->model));
        return -1;
    case VIR_DOMAIN_CONTROLLER_TYPE_VIRTIO_SERIAL:
        xenpvRefuse("%s", _("<controller type='virtio-serial'> (a virtio <console> or <channel> implies it): a PV guest's console and channels are <target type='xen'>"));
        return -1;
    default:
        xenpvRefuse(_("<controller type='%s'>: emulated controllers need a device model"),
                    virDomainControllerTypeToString(ctrl->type));
        return -1;
    }
}


/* PCI devices (pciback) and USB devices (PVUSB) can be given to a PV guest. */
static int
xenpvCheckHostdev(const virDomainHostdevDef *hostdev)
{
    if (hostdev->mode != VIR_DOMAIN_HOSTDEV_MODE_SUBSYS ||
        (hostdev->source.subsys.type != VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_PCI &&
         hostdev->source.subsys.type != VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_USB)) {
        xenpvRefuse("%s", _("<hostdev>: a PV guest takes PCI and USB host devices (mode='subsystem') only"));
        return -1;
    }
    return 0;
}


static const char *
xenpvDeviceElementName(const virDomainDeviceDef *dev)
{
    switch ((virDomainDeviceType)dev->type) {
    case VIR_DOMAIN_DEVICE_LEASE: return "<lease>";
    case VIR_DOMAIN_DEVICE_FS: return "<filesystem>";
    case VIR_DOMAIN_DEVICE_SOUND: return "<sound>";
    case VIR_DOMAIN_DEVICE_WATCHDOG: return "<watchdog>";
    case VIR_DOMAIN_DEVICE_HUB: return "<hub>";
    case VIR_DOMAIN_DEVICE_REDIRDEV: return "<redirdev>";
    case VIR_DOMAIN_DEVICE_SMARTCARD: return "<smartcard>";
    case VIR_DOMAIN_DEVICE_NVRAM: return "<nvram>";
    case VIR_DOMAIN_DEVICE_RNG: return "<rng>";
    case VIR_DOMAIN_DEVICE_SHMEM: return "<shmem>";
    case VIR_DOMAIN_DEVICE_TPM: return "<tpm>";
    case VIR_DOMAIN_DEVICE_PANIC: return "<panic>";
    case VIR_DOMAIN_DEVICE_MEMORY: return "<memory> (device)";
    case VIR_DOMAIN_DEVICE_IOMMU: return "<iommu>";
    case VIR_DOMAIN_DEVICE_VSOCK: return "<vsock>";
    case VIR_DOMAIN_DEVICE_AUDIO: return "<audio>";
    case VIR_DOMAIN_DEVICE_NONE:
    case VIR_DOMAIN_DEVICE_DISK:
    case VIR_DOMAIN_DEVICE_NET:
    case VIR_DOMAIN_DEVICE_INPUT:
    case VIR_DOMAIN_DEVICE_VIDEO:
    case VIR_DOMAIN_DEVICE_HOSTDEV:
    case VIR_DOMAIN_DEVICE_CONTROLLER:
    case VIR_DOMAIN_DEVICE_GRAPHICS:
    case VIR_DOMAIN_DEVICE_CHR:
    case VIR_DOMAIN_DEVICE_MEMBALLOON:
    case VIR_DOMAIN_DEVICE_LAST:
        break;
    }
    return "a device";
}


int
xenpvDomainDeviceDefCheckPV(const virDomainDeviceDef *dev,
                            const virDomainDef *def G_GNUC_UNUSED)
{
    switch ((virDomainDeviceType)dev->type) {
    case VIR_DOMAIN_DEVICE_DISK:
        return xenpvCheckDisk(dev->data.disk);

    case VIR_DOMAIN_DEVICE_NET:
        return xenpvCheckNet(dev->data.net);

    case VIR_DOMAIN_DEVICE_CHR:
        return xenpvCheckChr(dev->data.chr);

    case VIR_DOMAIN_DEVICE_GRAPHICS:
        return xenpvCheckGraphics(dev->data.graphics);

    case VIR_DOMAIN_DEVICE_INPUT:
        if (dev->data.input->bus != VIR_DOMAIN_INPUT_BUS_XEN) {
            xenpvRefuse(_("<input bus='%s'>: a PV guest's input devices are on bus 'xen'"),
                        virDomainInputBusTypeToString(dev->data.input->bus));
            return -1;
        }
        if (dev->data.input->type != VIR_DOMAIN_INPUT_TYPE_MOUSE &&
            dev->data.input->type != VIR_DOMAIN_INPUT_TYPE_KBD) {
            xenpvRefuse(_("<input type='%s'>: the PV framebuffer has a mouse and a keyboard"),
                        virDomainInputTypeToString(dev->data.input->type));
            return -1;
        }
        return 0;

    case VIR_DOMAIN_DEVICE_VIDEO:
        if (dev->data.video->type != VIR_DOMAIN_VIDEO_TYPE_XEN) {
            xenpvRefuse(_("<video><model type='%s'>: a PV guest's display is the PV framebuffer, type 'xen'"),
                        virDomainVideoTypeToString(dev->data.video->type));
            return -1;
        }
        return 0;

    case VIR_DOMAIN_DEVICE_CONTROLLER:
        return xenpvCheckController(dev->data.controller);

    case VIR_DOMAIN_DEVICE_MEMBALLOON:
        if (dev->data.memballoon->model != VIR_DOMAIN_MEMBALLOON_MODEL_XEN &&
            dev->data.memballoon->model != VIR_DOMAIN_MEMBALLOON_MODEL_NONE) {
            xenpvRefuse(_("<memballoon model='%s'>: a PV guest's balloon is model 'xen'"),
                        virDomainMemballoonModelTypeToString(dev->data.memballoon->model));
            return -1;
        }
        return 0;

    case VIR_DOMAIN_DEVICE_HOSTDEV:
        return xenpvCheckHostdev(dev->data.hostdev);

    case VIR_DOMAIN_DEVICE_NONE:
    case VIR_DOMAIN_DEVICE_LEASE:
    case VIR_DOMAIN_DEVICE_FS:
    case VIR_DOMAIN_DEVICE_SOUND:
    case VIR_DOMAIN_DEVICE_WATCHDOG:
    case VIR_DOMAIN_DEVICE_HUB:
    case VIR_DOMAIN_DEVICE_REDIRDEV:
    case VIR_DOMAIN_DEVICE_SMARTCARD:
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
    default:
        break;
    }

    xenpvRefuse(_("%s: not supported for PV guests"), xenpvDeviceElementName(dev));
    return -1;
}


/* Every device list of @def, in the order libvirt formats them. */
static int
xenpvCheckDevices(const virDomainDef *def)
{
    virDomainDeviceDef dev = { 0 };
    size_t i;

#define XENPV_CHECK_LIST(devtype, member, array, count) \
    for (i = 0; i < def->count; i++) { \
        dev.type = devtype; \
        dev.data.member = def->array[i]; \
        if (xenpvDomainDeviceDefCheckPV(&dev, def) < 0) \
            return -1; \
    }
#define XENPV_CHECK_ONE(devtype, member, field) \
    if (def->field) { \
        dev.type = devtype; \
        dev.data.member = def->field; \
        if (xenpvDomainDeviceDefCheckPV(&dev, def) < 0) \
            return -1; \
    }

    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_DISK, disk, disks, ndisks);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_CONTROLLER, controller, controllers, ncontrollers);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_LEASE, lease, leases, nleases);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_FS, fs, fss, nfss);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_NET, net, nets, nnets);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_SMARTCARD, smartcard, smartcards, nsmartcards);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_CHR, chr, serials, nserials);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_CHR, chr, parallels, nparallels);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_CHR, chr, consoles, nconsoles);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_CHR, chr, channels, nchannels);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_INPUT, input, inputs, ninputs);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_TPM, tpm, tpms, ntpms);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_GRAPHICS, graphics, graphics, ngraphics);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_SOUND, sound, sounds, nsounds);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_AUDIO, audio, audios, naudios);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_VIDEO, video, videos, nvideos);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_HOSTDEV, hostdev, hostdevs, nhostdevs);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_REDIRDEV, redirdev, redirdevs, nredirdevs);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_HUB, hub, hubs, nhubs);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_RNG, rng, rngs, nrngs);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_SHMEM, shmem, shmems, nshmems);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_MEMORY, memory, mems, nmems);
    XENPV_CHECK_LIST(VIR_DOMAIN_DEVICE_PANIC, panic, panics, npanics);
    XENPV_CHECK_ONE(VIR_DOMAIN_DEVICE_WATCHDOG, watchdog, watchdog);
    XENPV_CHECK_ONE(VIR_DOMAIN_DEVICE_MEMBALLOON, memballoon, memballoon);
    XENPV_CHECK_ONE(VIR_DOMAIN_DEVICE_NVRAM, nvram, nvram);
    XENPV_CHECK_ONE(VIR_DOMAIN_DEVICE_IOMMU, iommu, iommu);
    XENPV_CHECK_ONE(VIR_DOMAIN_DEVICE_VSOCK, vsock, vsock);

#undef XENPV_CHECK_LIST
#undef XENPV_CHECK_ONE
    return 0;
}


int
xenpvDomainDefCheckPV(const virDomainDef *def)
{
    if (xenpvDomainDefCheckPVDomain(def) < 0 ||
        xenpvCheckDevices(def) < 0)
        return -1;
    return 0;
}


/* libvirt reads these only when <os><type> is hvm. */
static const struct {
    const char *xpath;
    const char *element;
} xenpvHVMOnlyOS[] = {
    { "/domain/os/boot", N_("<os><boot dev>: a PV guest has no firmware to choose a boot device; use <kernel> or <bootloader>") },
    { "/domain/os/bootmenu", N_("<os><bootmenu>: a PV guest has no firmware boot menu") },
    { "/domain/os/bios", N_("<os><bios>: a PV guest has no BIOS") },
    { "/domain/os/acpi", N_("<os><acpi>: a PV guest has no ACPI tables") },
    { "/domain/os/firmware", N_("<os><firmware>: a PV guest has no firmware") },
    { "/domain/os/@firmware", N_("<os firmware=...>: a PV guest has no firmware") },
    { "/domain/os/init|/domain/os/initarg|/domain/os/initenv|/domain/os/initdir|"
      "/domain/os/inituser|/domain/os/initgroup",
      N_("<os><init>: container init is not supported for PV guests") },
};

int
xenpvDomainXMLCheckDropped(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlXPathObject) osType = NULL;
    g_autoptr(xmlXPathObject) vcpus = NULL;
    size_t i;

    if (!xml)
        return 0;
    doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    /* XML that does not parse is libvirt's parser's to report, with where. */
    if (!doc || !(ctxt = xmlXPathNewContext(doc)))
        return 0;

    /* For an HVM guest the os check names the real problem. */
    if ((osType = xmlXPathEval(BAD_CAST "string(/domain/os/type[1])", ctxt)) &&
        osType->type == XPATH_STRING && osType->stringval &&
        STREQ((const char *)osType->stringval, "hvm"))
        return 0;

    /* libvirt allocates per vCPU while parsing: stop absurd counts first. */
    if ((vcpus = xmlXPathEval(BAD_CAST "number(/domain/vcpu[1])", ctxt)) &&
        vcpus->type == XPATH_NUMBER &&
        (vcpus->floatval > XENPV_MAX_VCPUS || vcpus->floatval < 0)) {
        xenpvRefuse(_("<vcpu> of %.0f: a PV guest has at most %d vCPUs"),
                    vcpus->floatval, XENPV_MAX_VCPUS);
        return -1;
    }

    for (i = 0; i < G_N_ELEMENTS(xenpvHVMOnlyOS); i++) {
        g_autoptr(xmlXPathObject) nodes = xmlXPathEval(BAD_CAST xenpvHVMOnlyOS[i].xpath, ctxt);

        if (nodes && nodes->type == XPATH_NODESET &&
            nodes->nodesetval && nodes->nodesetval->nodeNr > 0) {
            xenpvRefuse("%s", _(xenpvHVMOnlyOS[i].element));
            return -1;
        }
    }
    return 0;
}
