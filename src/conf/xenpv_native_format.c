/*
 * xenpv_native_format.c: a libvirt domain definition to an xm or xl
 * configuration file, written by libvirt's virConf with the keys and in the
 * order libvirt's own Xen driver writes them.  What has no key in the format
 * is refused by name; implied devices (the PV console, the xen keyboard,
 * mouse and video, the xen balloon, the xenbus controller) are left out
 * because reading the file back brings them back.
 */
#include "internal.h"
#include "domain_conf.h"
#include "virbitmap.h"
#include "virconf.h"
#include "virerror.h"
#include "viruuid.h"

#include "xenpv_domain_build.h"
#include "xenpv_native.h"
#include "xenpv_native_cmdline.h"
#include "xenpv_native_devices.h"
#include "xenpv_native_disk.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* virConf quotes with " or ' and has no escapes: a value holding both, or a
 * line break, cannot be written so that it reads back the same. */
static int
xenpvCheckWritable(const char *key, const char *value)
{
    if ((strchr(value, '"') && strchr(value, '\'')) || strchr(value, '\n') ||
        strchr(value, '\r')) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("the value of '%s' holds both quote characters or a line break, which %s"),
                       key, "xm/xl configuration files cannot express");
        return -1;
    }
    return 0;
}


static int
xenpvSetString(virConf *conf, const char *key, const char *value)
{
    virConfValue *v;

    if (!value)
        return 0;
    if (xenpvCheckWritable(key, value) < 0)
        return -1;
    v = g_new0(virConfValue, 1);
    v->type = VIR_CONF_STRING;
    v->str = g_strdup(value);
    return virConfSetValue(conf, key, &v);
}


static int
xenpvSetNumber(virConf *conf, const char *key, unsigned long long value)
{
    virConfValue *v = g_new0(virConfValue, 1);

    v->type = VIR_CONF_ULLONG;
    v->l = value;
    return virConfSetValue(conf, key, &v);
}


/* A list of the strings in @items; no key at all when it is empty. */
static int
xenpvSetList(virConf *conf, const char *key, GPtrArray *items)
{
    virConfValue *list;
    virConfValue **tail;
    size_t i;

    if (items->len == 0)
        return 0;
    list = g_new0(virConfValue, 1);
    list->type = VIR_CONF_LIST;
    tail = &list->list;
    for (i = 0; i < items->len; i++) {
        virConfValue *e;

        if (xenpvCheckWritable(key, g_ptr_array_index(items, i)) < 0) {
            virConfFreeValue(list);
            return -1;
        }
        e = g_new0(virConfValue, 1);
        e->type = VIR_CONF_STRING;
        e->str = g_strdup(g_ptr_array_index(items, i));
        *tail = e;
        tail = &e->next;
    }
    return virConfSetValue(conf, key, &list);
}


static int
xenpvCheckFormattable(xenpvNativeFormat format, const virDomainDef *def)
{
    const char *what = NULL;
    size_t i;

    if (def->title)
        what = "<title>";
    else if (def->description)
        what = "<description>";
    else if (def->metadata)
        what = "<metadata>";
    for (i = 0; !what && i < def->nconsoles; i++) {
        if (def->consoles[i]->source->data.file.path)
            what = "<console><source path>";
    }
    for (i = 0; !what && i < def->nhostdevs; i++) {
        if (def->hostdevs[i]->info->type != VIR_DOMAIN_DEVICE_ADDRESS_TYPE_NONE)
            what = "<hostdev><address>";
    }
    if (what) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s has no key in xm/xl configuration files; remove it to convert"), what);
        return -1;
    }
    if (virDomainDefGetMemoryTotal(def) % 1024 || def->mem.cur_balloon % 1024) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("<memory> and <currentMemory> must be whole MiB: xm/xl give memory in MiB"));
        return -1;
    }
    if (format == XENPV_NATIVE_XL)
        return 0;

    /* What only xl has keys for. */
    if (def->nchannels > 0)
        what = "<channel>";
    for (i = 0; !what && i < def->ncontrollers; i++) {
        const virDomainControllerDef *ctrl = def->controllers[i];

        if (ctrl->type == VIR_DOMAIN_CONTROLLER_TYPE_USB)
            what = "<controller type='usb'>";
        else if (ctrl->type == VIR_DOMAIN_CONTROLLER_TYPE_XENBUS &&
                 (ctrl->opts.xenbusopts.maxEventChannels > 0 || ctrl->opts.xenbusopts.maxGrantFrames > 0))
            what = "<controller type='xenbus' maxEventChannels|maxGrantFrames>";
    }
    for (i = 0; !what && i < def->nhostdevs; i++) {
        if (def->hostdevs[i]->source.subsys.type == VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_USB)
            what = "<hostdev type='usb'>";
    }
    if (what) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s has no key in xm configuration files; use xen-xl"), what);
        return -1;
    }
    return 0;
}


static int
xenpvFormatResources(virConf *conf, const virDomainDef *def)
{
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(def);
    unsigned long long curKiB = def->mem.cur_balloon ? def->mem.cur_balloon : maxKiB;
    unsigned int maxv = virDomainDefGetVcpusMax(def);
    unsigned int cur = virDomainDefGetVcpus(def);

    /* As libvirt's Xen driver writes both formats: vcpus online at boot,
     * maxvcpus the ceiling (xm's vcpu_avail is read, not written). */
    if (xenpvSetNumber(conf, "maxmem", maxKiB / 1024) < 0 ||
        xenpvSetNumber(conf, "memory", curKiB / 1024) < 0)
        return -1;
    if (cur < maxv && xenpvSetNumber(conf, "maxvcpus", maxv) < 0)
        return -1;
    if (xenpvSetNumber(conf, "vcpus", cur) < 0)
        return -1;
    if (def->cpumask) {
        g_autofree char *cpus = virBitmapFormat(def->cpumask);

        if (!cpus || xenpvSetString(conf, "cpus", cpus) < 0)
            return -1;
    }
    return 0;
}


/* xl's passthrough= for @def's enabled <passthrough>: its mode, if any. */
static const char *
xenpvPassthroughName(const virDomainDef *def)
{
    if (def->xen_passthrough_mode > 0)
        return virDomainXenPassthroughModeTypeToString(def->xen_passthrough_mode);
    return "enabled";
}


static int
xenpvFormatFeatures(virConf *conf, const virDomainDef *def)
{
    const char *tscModes[VIR_DOMAIN_TIMER_MODE_LAST] = {
        [VIR_DOMAIN_TIMER_MODE_NONE] = "default",
        [VIR_DOMAIN_TIMER_MODE_AUTO] = "default",
        [VIR_DOMAIN_TIMER_MODE_NATIVE] = "native",
        [VIR_DOMAIN_TIMER_MODE_EMULATE] = "always_emulate",
        [VIR_DOMAIN_TIMER_MODE_PARAVIRT] = "native_paravirt",
        [VIR_DOMAIN_TIMER_MODE_SMPSAFE] = "default",
    };
    size_t i;

    if (def->features[VIR_DOMAIN_FEATURE_XEN] == VIR_TRISTATE_SWITCH_ON) {
        if (def->xen_features[VIR_DOMAIN_XEN_E820_HOST] == VIR_TRISTATE_SWITCH_ON &&
            xenpvSetNumber(conf, "e820_host", 1) < 0)
            return -1;
        if (def->xen_features[VIR_DOMAIN_XEN_PASSTHROUGH] == VIR_TRISTATE_SWITCH_ON &&
            xenpvSetString(conf, "passthrough", xenpvPassthroughName(def)) < 0)
            return -1;
    }
    if (def->features[VIR_DOMAIN_FEATURE_XEN] == VIR_TRISTATE_SWITCH_OFF &&
        def->xen_features[VIR_DOMAIN_XEN_PASSTHROUGH] == VIR_TRISTATE_SWITCH_OFF &&
        xenpvSetString(conf, "passthrough", "disabled") < 0)
        return -1;
    for (i = 0; i < def->clock.ntimers; i++) {
        if (xenpvSetString(conf, "tsc_mode", tscModes[def->clock.timers[i]->mode]) < 0)
            return -1;
    }
    if (def->features[VIR_DOMAIN_FEATURE_PAE] == VIR_TRISTATE_SWITCH_ON &&
        xenpvSetNumber(conf, "pae", 1) < 0)
        return -1;
    return xenpvSetNumber(conf, "localtime",
                          def->clock.offset == VIR_DOMAIN_CLOCK_OFFSET_LOCALTIME);
}


/* The command line goes back into xm's keys where that is exact (see
 * xenpv_native_cmdline.h); xl writes it whole. */
static int
xenpvFormatBoot(virConf *conf, xenpvNativeFormat format, const virDomainDef *def)
{
    xenpvNativeBoot boot = { 0 };
    g_autofree char *cmdline = NULL;
    int ret = -1;

    /* xl reads bootloader_args; xm (and libvirt's Xen driver) bootargs. */
    if (xenpvSetString(conf, "bootloader", def->os.bootloader) < 0 ||
        xenpvSetString(conf, format == XENPV_NATIVE_XL ? "bootloader_args" : "bootargs",
                       def->os.bootloaderArgs) < 0 ||
        xenpvSetString(conf, "kernel", def->os.kernel) < 0 ||
        xenpvSetString(conf, "ramdisk", def->os.initrd) < 0)
        goto cleanup;

    /* libvirt's <root> is the kernel's root=, ahead of the rest. */
    if (def->os.root && def->os.cmdline)
        cmdline = g_strdup_printf("root=%s %s", def->os.root, def->os.cmdline);
    else if (def->os.root)
        cmdline = g_strdup_printf("root=%s", def->os.root);
    else
        cmdline = g_strdup(def->os.cmdline);
    if (!cmdline) {
        ret = 0;
        goto cleanup;
    }

    if (format == XENPV_NATIVE_XL) {
        ret = xenpvSetString(conf, "cmdline", cmdline);
        goto cleanup;
    }

    xenpvNativeBootDecompose(cmdline, &boot);
    if (xenpvSetString(conf, "root", boot.root) < 0 ||
        xenpvSetString(conf, "extra", boot.extra) < 0 ||
        xenpvSetString(conf, "ip", boot.ip) < 0 ||
        xenpvSetString(conf, "netmask", boot.netmask) < 0 ||
        xenpvSetString(conf, "gateway", boot.gateway) < 0 ||
        xenpvSetString(conf, "hostname", boot.hostname) < 0 ||
        xenpvSetString(conf, "interface", boot.interface) < 0 ||
        xenpvSetString(conf, "dhcp", boot.dhcp) < 0 ||
        xenpvSetString(conf, "nfs_server", boot.nfsServer) < 0 ||
        xenpvSetString(conf, "nfs_root", boot.nfsRoot) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    xenpvNativeBootClear(&boot);
    return ret;
}


static int
xenpvFormatXenbus(virConf *conf, const virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ncontrollers; i++) {
        const virDomainControllerDef *ctrl = def->controllers[i];

        if (ctrl->type != VIR_DOMAIN_CONTROLLER_TYPE_XENBUS)
            continue;
        if (ctrl->opts.xenbusopts.maxEventChannels > 0 &&
            xenpvSetNumber(conf, "max_event_channels", ctrl->opts.xenbusopts.maxEventChannels) < 0)
            return -1;
        if (ctrl->opts.xenbusopts.maxGrantFrames > 0 &&
            xenpvSetNumber(conf, "max_grant_frames", ctrl->opts.xenbusopts.maxGrantFrames) < 0)
            return -1;
    }
    return 0;
}


/* One list key from the entries the callback writes (NULL: skipped). */
static int
xenpvFormatList(virConf *conf, const char *key, size_t n,
                char *(*entry)(const virDomainDef *def, size_t i, bool *skip,
                               xenpvNativeFormat format, virConnectPtr conn),
                const virDomainDef *def, xenpvNativeFormat format, virConnectPtr conn)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; i < n; i++) {
        bool skip = false;
        char *item = entry(def, i, &skip, format, conn);

        if (skip)
            continue;
        if (!item)
            return -1;
        g_ptr_array_add(items, item);
    }
    return xenpvSetList(conf, key, items);
}


static char *
xenpvVfbEntry(const virDomainDef *def, size_t i, bool *skip G_GNUC_UNUSED,
              xenpvNativeFormat format, virConnectPtr conn G_GNUC_UNUSED)
{
    return xenpvNativeFormatVfb(format, def->graphics[i]);
}


static char *
xenpvVifEntry(const virDomainDef *def, size_t i, bool *skip G_GNUC_UNUSED,
              xenpvNativeFormat format, virConnectPtr conn)
{
    return xenpvNativeFormatVif(format, def->nets[i], conn);
}


/* pci (PCI host devices) or usbdev (USB ones). */
static int
xenpvFormatHostdevs(virConf *conf, const char *key, int subsysType, const virDomainDef *def)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; i < def->nhostdevs; i++) {
        char *item;

        if (def->hostdevs[i]->source.subsys.type != subsysType)
            continue;
        if (!(item = xenpvNativeFormatHostdev(def->hostdevs[i])))
            return -1;
        g_ptr_array_add(items, item);
    }
    return xenpvSetList(conf, key, items);
}


static char *
xenpvDiskEntry(const virDomainDef *def, size_t i, bool *skip G_GNUC_UNUSED,
               xenpvNativeFormat format, virConnectPtr conn G_GNUC_UNUSED)
{
    return xenpvNativeFormatDisk(format, def->disks[i]);
}


static char *
xenpvUSBCtrlEntry(const virDomainDef *def, size_t i, bool *skip,
                  xenpvNativeFormat format G_GNUC_UNUSED, virConnectPtr conn G_GNUC_UNUSED)
{
    *skip = def->controllers[i]->type != VIR_DOMAIN_CONTROLLER_TYPE_USB;
    return *skip ? NULL : xenpvNativeFormatUSBCtrl(def->controllers[i]);
}


static char *
xenpvChannelEntry(const virDomainDef *def, size_t i, bool *skip G_GNUC_UNUSED,
                  xenpvNativeFormat format G_GNUC_UNUSED, virConnectPtr conn G_GNUC_UNUSED)
{
    return xenpvNativeFormatChannel(def->channels[i]);
}


static char *
xenpvConfToString(virConf *conf)
{
    int len = 4096;

    /* virConfWriteMem says how much it needed when the buffer was short. */
    for (;;) {
        g_autofree char *buf = g_new0(char, len + 1);
        int want = len;
        int n = virConfWriteMem(buf, &want, conf);

        if (n >= 0) {
            buf[n] = '\0';
            return g_steal_pointer(&buf);
        }
        if (want <= len) {
            virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                           _("cannot write the configuration"));
            return NULL;
        }
        len = want + 1;
    }
}


char *
xenpvNativeFormatConfig(xenpvNativeFormat format,
                        const virDomainDef *def,
                        virConnectPtr conn)
{
    g_autoptr(virConf) conf = virConfNew();
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *lifecycle[] = { "on_poweroff", "on_reboot", "on_crash" };
    int actions[] = { def->onPoweroff, def->onReboot, def->onCrash };
    size_t i;

    if (xenpvDomainDefCheckPV(def) < 0 || xenpvCheckFormattable(format, def) < 0)
        return NULL;

    if (xenpvSetString(conf, "name", def->name) < 0 ||
        xenpvSetString(conf, "uuid", virUUIDFormat(def->uuid, uuid)) < 0 ||
        xenpvFormatResources(conf, def) < 0 ||
        xenpvFormatFeatures(conf, def) < 0)
        return NULL;
    for (i = 0; i < G_N_ELEMENTS(lifecycle); i++) {
        if (xenpvSetString(conf, lifecycle[i], virDomainLifecycleActionTypeToString(actions[i])) < 0)
            return NULL;
    }
    if (xenpvFormatList(conf, "vfb", def->ngraphics, xenpvVfbEntry, def, format, conn) < 0 ||
        xenpvFormatList(conf, "vif", def->nnets, xenpvVifEntry, def, format, conn) < 0 ||
        xenpvFormatHostdevs(conf, "pci", VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_PCI, def) < 0 ||
        xenpvFormatBoot(conf, format, def) < 0 ||
        xenpvFormatXenbus(conf, def) < 0 ||
        xenpvFormatList(conf, "disk", def->ndisks, xenpvDiskEntry, def, format, conn) < 0 ||
        xenpvFormatHostdevs(conf, "usbdev", VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_USB, def) < 0 ||
        xenpvFormatList(conf, "usbctrl", def->ncontrollers, xenpvUSBCtrlEntry, def, format, conn) < 0 ||
        xenpvFormatList(conf, "channel", def->nchannels, xenpvChannelEntry, def, format, conn) < 0)
        return NULL;

    return xenpvConfToString(conf);
}
