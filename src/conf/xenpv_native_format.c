/*
 * xenpv_native_format.c: a libvirt domain definition to an xm or xl
 * configuration file, written by libvirt's virConf.  What has no key in the
 * format is refused by name; implied devices (the PV console, the xen video
 * and input devices of a framebuffer, the xen balloon) are left out because
 * reading the file back brings them back.
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
xenpvCheckFormattable(const virDomainDef *def)
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
    return 0;
}

static int
xenpvFormatResources(virConf *conf, xenpvNativeFormat format, const virDomainDef *def)
{
    unsigned long long maxKiB = virDomainDefGetMemoryTotal(def);
    unsigned long long curKiB = def->mem.cur_balloon ? def->mem.cur_balloon : maxKiB;
    unsigned int maxv = virDomainDefGetVcpusMax(def);
    unsigned int cur = virDomainDefGetVcpus(def);

    if (xenpvSetNumber(conf, "memory", curKiB / 1024) < 0)
        return -1;
    if (maxKiB != curKiB && xenpvSetNumber(conf, "maxmem", maxKiB / 1024) < 0)
        return -1;

    if (format == XENPV_NATIVE_XL) {
        if (xenpvSetNumber(conf, "vcpus", cur) < 0 ||
            (maxv != cur && xenpvSetNumber(conf, "maxvcpus", maxv) < 0))
            return -1;
    } else {
        if (xenpvSetNumber(conf, "vcpus", maxv) < 0)
            return -1;
        if (maxv != cur) {
            if (cur >= 64) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                               _("<vcpu current> of 64 or more has no xm 'vcpu_avail' bitmap; use xen-xl"));
                return -1;
            }
            if (xenpvSetNumber(conf, "vcpu_avail", (1ULL << cur) - 1) < 0)
                return -1;
        }
    }

    if (def->cpumask) {
        g_autofree char *cpus = virBitmapFormat(def->cpumask);

        if (!cpus || xenpvSetString(conf, "cpus", cpus) < 0)
            return -1;
    }
    return 0;
}

/* The command line goes back into xm's keys where that is exact (see
 * xenpv_native_cmdline.h); xl writes it whole. */
static int
xenpvFormatBoot(virConf *conf, xenpvNativeFormat format, const virDomainDef *def)
{
    xenpvNativeBoot boot = { 0 };
    g_autofree char *cmdline = NULL;
    int ret = -1;

    if (xenpvSetString(conf, "bootloader", def->os.bootloader) < 0 ||
        xenpvSetString(conf, "bootloader_args", def->os.bootloaderArgs) < 0 ||
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
xenpvFormatDevices(virConf *conf, xenpvNativeFormat format, const virDomainDef *def)
{
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) vifs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) vfbs = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; i < def->nnets; i++) {
        char *vif = xenpvNativeFormatVif(format, def->nets[i]);

        if (!vif)
            return -1;
        g_ptr_array_add(vifs, vif);
    }
    for (i = 0; i < def->ndisks; i++) {
        char *disk = xenpvNativeFormatDisk(format, def->disks[i]);

        if (!disk)
            return -1;
        g_ptr_array_add(disks, disk);
    }
    for (i = 0; i < def->ngraphics; i++) {
        char *vfb = xenpvNativeFormatVfb(format, def->graphics[i]);

        if (!vfb)
            return -1;
        g_ptr_array_add(vfbs, vfb);
    }
    if (xenpvSetList(conf, "vif", vifs) < 0 ||
        xenpvSetList(conf, "disk", disks) < 0 ||
        xenpvSetList(conf, "vfb", vfbs) < 0)
        return -1;
    if (def->nserials > 0 && xenpvSetString(conf, "serial", "pty") < 0)
        return -1;
    return 0;
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
xenpvNativeFormatConfig(xenpvNativeFormat format, const virDomainDef *def)
{
    g_autoptr(virConf) conf = virConfNew();
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *lifecycle[] = { "on_poweroff", "on_reboot", "on_crash" };
    int actions[] = { def->onPoweroff, def->onReboot, def->onCrash };
    size_t i;

    if (xenpvDomainDefCheckPV(def) < 0 || xenpvCheckFormattable(def) < 0)
        return NULL;

    if (xenpvSetString(conf, "name", def->name) < 0 ||
        xenpvSetString(conf, "uuid", virUUIDFormat(def->uuid, uuid)) < 0)
        return NULL;
    if (format == XENPV_NATIVE_XL && xenpvSetString(conf, "type", "pv") < 0)
        return NULL;
    if (xenpvFormatResources(conf, format, def) < 0 ||
        xenpvFormatBoot(conf, format, def) < 0)
        return NULL;

    for (i = 0; i < G_N_ELEMENTS(lifecycle); i++) {
        if (xenpvSetString(conf, lifecycle[i], virDomainLifecycleActionTypeToString(actions[i])) < 0)
            return NULL;
    }
    if (def->clock.offset == VIR_DOMAIN_CLOCK_OFFSET_LOCALTIME &&
        xenpvSetNumber(conf, "localtime", 1) < 0)
        return NULL;
    if (def->features[VIR_DOMAIN_FEATURE_PAE] == VIR_TRISTATE_SWITCH_ON &&
        xenpvSetNumber(conf, "pae", 1) < 0)
        return NULL;

    if (xenpvFormatDevices(conf, format, def) < 0)
        return NULL;

    return xenpvConfToString(conf);
}
