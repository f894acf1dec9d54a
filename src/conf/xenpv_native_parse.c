/*
 * xenpv_native_parse.c: an xm or xl configuration file to a libvirt domain
 * definition.  libvirt's virConf reads the name = value syntax (and reports
 * syntax errors with their line); this maps each key and refuses, by name,
 * every key it cannot map.
 */
#include "internal.h"
#include "domain_conf.h"
#include "domain_postparse.h"
#include "domain_validate.h"
#include "viralloc.h"
#include "virbitmap.h"
#include "virstring.h"
#include "virconf.h"
#include "virerror.h"
#include "viruuid.h"

#include "xenpv_domain_check.h"
#include "xenpv_native.h"
#include "xenpv_native_cmdline.h"
#include "xenpv_native_devices.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define XENPV_NATIVE_DEFAULT_MEMORY_MIB 128

enum {
    KEY_XM = 1 << 0,
    KEY_XL = 1 << 1,
    KEY_BOTH = KEY_XM | KEY_XL,
};

/* Every key understood, and in which format. */
static const struct {
    const char *name;
    unsigned int formats;
} xenpvNativeKeys[] = {
    { "name", KEY_BOTH }, { "uuid", KEY_BOTH },
    { "builder", KEY_BOTH }, { "type", KEY_XL },
    { "memory", KEY_BOTH }, { "maxmem", KEY_BOTH },
    { "vcpus", KEY_BOTH }, { "maxvcpus", KEY_BOTH }, { "vcpu_avail", KEY_XM },
    { "cpus", KEY_BOTH },
    { "kernel", KEY_BOTH }, { "ramdisk", KEY_BOTH },
    { "extra", KEY_BOTH }, { "root", KEY_BOTH }, { "cmdline", KEY_XL },
    { "bootloader", KEY_BOTH }, { "bootloader_args", KEY_BOTH },
    { "ip", KEY_BOTH }, { "netmask", KEY_BOTH }, { "gateway", KEY_BOTH },
    { "hostname", KEY_BOTH }, { "interface", KEY_BOTH }, { "dhcp", KEY_BOTH },
    { "nfs_server", KEY_BOTH }, { "nfs_root", KEY_BOTH },
    { "on_poweroff", KEY_BOTH }, { "on_reboot", KEY_BOTH }, { "on_crash", KEY_BOTH },
    { "localtime", KEY_BOTH }, { "pae", KEY_BOTH },
    { "vif", KEY_BOTH }, { "disk", KEY_BOTH }, { "vfb", KEY_BOTH }, { "serial", KEY_BOTH },
    { "vnc", KEY_BOTH }, { "vnclisten", KEY_BOTH }, { "vncdisplay", KEY_BOTH },
    { "vncunused", KEY_BOTH }, { "vncpasswd", KEY_BOTH }, { "keymap", KEY_BOTH },
    { "sdl", KEY_BOTH }, { "display", KEY_BOTH }, { "xauthority", KEY_BOTH },
};

/* Keys users meet that mean something this driver cannot do: say why. */
static const struct {
    const char *name;
    const char *why;
} xenpvNativeRefusedKeys[] = {
    { "pci", "PCI passthrough is not supported yet" },
    { "usb", "USB needs a device model" },
    { "usbdevice", "USB needs a device model" },
    { "device_model", "a PV guest has no device model" },
    { "device_model_version", "a PV guest has no device model" },
    { "device_model_override", "a PV guest has no device model" },
    { "boot", "a PV guest has no firmware to choose a boot device" },
    { "acpi", "ACPI needs an HVM guest" },
    { "apic", "an APIC needs an HVM guest" },
    { "soundhw", "sound needs a device model" },
    { "vtpm", "virtual TPMs are not supported" },
    { "cpu_weight", "scheduler parameters are not supported yet" },
    { "cpu_cap", "scheduler parameters are not supported yet" },
    { "on_xend_start", "xend's own start policy; use libvirt's autostart" },
    { "on_xend_stop", "xend's own stop policy" },
};

static const char *
xenpvFormatName(xenpvNativeFormat format)
{
    return format == XENPV_NATIVE_XM ? XENPV_NATIVE_FORMAT_XM : XENPV_NATIVE_FORMAT_XL;
}

typedef struct {
    xenpvNativeFormat format;
} xenpvKeyCheck;

static int
xenpvNativeCheckKey(const char *name,
                    virConfValue *value G_GNUC_UNUSED,
                    void *opaque)
{
    xenpvKeyCheck *check = opaque;
    unsigned int want = check->format == XENPV_NATIVE_XM ? KEY_XM : KEY_XL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(xenpvNativeKeys); i++) {
        if (STREQ(name, xenpvNativeKeys[i].name) && (xenpvNativeKeys[i].formats & want))
            return 0;
    }
    for (i = 0; i < G_N_ELEMENTS(xenpvNativeRefusedKeys); i++) {
        if (STREQ(name, xenpvNativeRefusedKeys[i].name)) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' is not supported: %s"),
                           name, xenpvNativeRefusedKeys[i].why);
            return -1;
        }
    }
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                   _("key '%s' is not supported in %s configurations of PV guests"),
                   name, xenpvFormatName(check->format));
    return -1;
}

/* A string key, or NULL when absent or empty (as for xm: kernel = "" is no
 * kernel).  A number is refused: xm too wanted a string for these. */
static int
xenpvGetString(virConf *conf, const char *key, char **out)
{
    virConfValue *v = virConfGetValue(conf, key);

    *out = NULL;
    if (!v)
        return 0;
    if (v->type != VIR_CONF_STRING) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("key '%s' must be a string"), key);
        return -1;
    }
    if (v->str && *v->str)
        *out = g_strdup(v->str);
    return 0;
}

/* A non-negative number key, written as a number or a string of digits. */
static int
xenpvGetNumber(virConf *conf, const char *key, unsigned long long max,
               bool *present, unsigned long long *out)
{
    virConfValue *v = virConfGetValue(conf, key);

    *present = false;
    if (!v)
        return 0;
    if (v->type == VIR_CONF_LLONG || v->type == VIR_CONF_ULLONG) {
        if ((v->type == VIR_CONF_LLONG && v->l < 0) || (unsigned long long)v->l > max)
            goto bad;
        *out = v->l;
    } else if (v->type == VIR_CONF_STRING) {
        if (virStrToLong_ullp(v->str, NULL, 10, out) < 0 || *out > max)
            goto bad;
    } else {
        goto bad;
    }
    *present = true;
    return 0;

 bad:
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                   _("key '%s' must be a number from 0 to %llu"), key, max);
    return -1;
}

/* A list of strings; a single string counts as a list of one. */
static int
xenpvGetList(virConf *conf, const char *key, GStrv *out)
{
    virConfValue *v = virConfGetValue(conf, key);
    virConfValue *e;
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);

    *out = NULL;
    if (!v)
        return 0;
    if (v->type == VIR_CONF_STRING) {
        g_ptr_array_add(items, g_strdup(v->str));
    } else if (v->type == VIR_CONF_LIST) {
        for (e = v->list; e; e = e->next) {
            if (e->type != VIR_CONF_STRING) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("key '%s' must be a list of strings"), key);
                return -1;
            }
            g_ptr_array_add(items, g_strdup(e->str));
        }
    } else {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("key '%s' must be a list of strings"), key);
        return -1;
    }
    g_ptr_array_add(items, NULL);
    *out = (GStrv)g_ptr_array_free(g_steal_pointer(&items), FALSE);
    return 0;
}

static int
xenpvParseIdentity(virConf *conf, xenpvNativeFormat format, virDomainDef *def)
{
    g_autofree char *uuid = NULL;
    g_autofree char *builder = NULL;
    const char *builderKey = "builder";

    if (xenpvGetString(conf, "name", &def->name) < 0)
        return -1;
    if (!def->name || !*def->name) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s", _("key 'name' is missing"));
        return -1;
    }

    if (xenpvGetString(conf, "uuid", &uuid) < 0)
        return -1;
    if (uuid) {
        if (virUUIDParse(uuid, def->uuid) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'uuid': '%s' is not a UUID"), uuid);
            return -1;
        }
    } else if (virUUIDGenerate(def->uuid) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot generate a UUID"));
        return -1;
    }

    if (format == XENPV_NATIVE_XL && virConfGetValue(conf, "type"))
        builderKey = "type";
    if (xenpvGetString(conf, builderKey, &builder) < 0)
        return -1;
    if (builder && STRNEQ(builder, "linux") && STRNEQ(builder, "pv")) {
        if (STREQ(builder, "hvm"))
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' = 'hvm': this driver runs PV guests only"), builderKey);
        else
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' = '%s': this driver runs PV guests only"),
                           builderKey, builder);
        return -1;
    }
    return 0;
}

static int
xenpvParseResources(virConf *conf, xenpvNativeFormat format,
                    virDomainXMLOption *xmlopt, virDomainDef *def)
{
    unsigned long long memory = XENPV_NATIVE_DEFAULT_MEMORY_MIB;
    unsigned long long maxmem = 0;
    unsigned long long vcpus = 1;
    unsigned long long maxvcpus = 0;
    unsigned long long avail = 0;
    unsigned long long current;
    bool have;
    bool haveMaxvcpus;
    bool haveAvail;
    const unsigned long long memLimit = 1ULL << 40; /* MiB: far above any host */
    virConfValue *cpus;

    if (xenpvGetNumber(conf, "memory", memLimit, &have, &memory) < 0 ||
        xenpvGetNumber(conf, "maxmem", memLimit, &have, &maxmem) < 0)
        return -1;
    if (!have)
        maxmem = memory;
    if (memory == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s", _("key 'memory' must not be 0"));
        return -1;
    }
    if (maxmem < memory) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("key 'maxmem' (%llu) is smaller than 'memory' (%llu)"), maxmem, memory);
        return -1;
    }
    virDomainDefSetMemoryTotal(def, maxmem * 1024);
    def->mem.cur_balloon = memory * 1024;

    if (xenpvGetNumber(conf, "vcpus", XENPV_MAX_VCPUS, &have, &vcpus) < 0 ||
        xenpvGetNumber(conf, "maxvcpus", XENPV_MAX_VCPUS, &haveMaxvcpus, &maxvcpus) < 0 ||
        xenpvGetNumber(conf, "vcpu_avail", G_MAXUINT64, &haveAvail, &avail) < 0)
        return -1;
    if (!have)
        vcpus = 1;
    if (haveMaxvcpus && haveAvail) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("keys 'maxvcpus' and 'vcpu_avail' both say how many vCPUs are online; give one"));
        return -1;
    }
    if (haveMaxvcpus) {
        /* xl: vcpus online at boot, maxvcpus the ceiling. */
        current = vcpus;
        if (maxvcpus < vcpus) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'maxvcpus' (%llu) is smaller than 'vcpus' (%llu)"), maxvcpus, vcpus);
            return -1;
        }
    } else {
        /* xm: vcpus is the ceiling, vcpu_avail the bitmap of online ones. */
        maxvcpus = vcpus;
        current = vcpus;
        if (haveAvail) {
            if (avail == 0 || (avail & (avail + 1)) != 0 ||
                (vcpus < 64 && avail >= (1ULL << vcpus))) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("key 'vcpu_avail' (%llu) must name the first vCPUs (1, 3, 7, ...) within 'vcpus'"),
                               avail);
                return -1;
            }
            current = __builtin_popcountll(avail);
        }
    }
    if (current == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s", _("key 'vcpus' must not be 0"));
        return -1;
    }
    if (virDomainDefSetVcpusMax(def, maxvcpus, xmlopt) < 0 ||
        virDomainDefSetVcpus(def, current) < 0)
        return -1;

    if ((cpus = virConfGetValue(conf, "cpus"))) {
        if (cpus->type != VIR_CONF_STRING) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("key 'cpus': only a string such as \"0-3\" is supported (not per-vCPU lists)"));
            return -1;
        }
        if (virBitmapParse(cpus->str, &def->cpumask, VIR_DOMAIN_CPUMASK_LEN) < 0)
            return -1;
        if (virBitmapIsAllClear(def->cpumask)) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'cpus' = '%s' names no CPU"), cpus->str);
            return -1;
        }
    }
    (void)format;
    return 0;
}

static int
xenpvParseBoot(virConf *conf, xenpvNativeFormat format, virDomainDef *def)
{
    xenpvNativeBoot boot = { 0 };
    g_autofree char *cmdline = NULL;
    g_auto(GStrv) bootArgs = NULL;
    int ret = -1;

    if (xenpvGetString(conf, "kernel", &def->os.kernel) < 0 ||
        xenpvGetString(conf, "ramdisk", &def->os.initrd) < 0 ||
        xenpvGetString(conf, "bootloader", &def->os.bootloader) < 0 ||
        xenpvGetList(conf, "bootloader_args", &bootArgs) < 0)
        goto cleanup;
    if (bootArgs) {
        def->os.bootloaderArgs = g_strjoinv(" ", bootArgs);
        if (!*def->os.bootloaderArgs)
            g_clear_pointer(&def->os.bootloaderArgs, g_free);
    }

    if (xenpvGetString(conf, "root", &boot.root) < 0 ||
        xenpvGetString(conf, "extra", &boot.extra) < 0 ||
        xenpvGetString(conf, "ip", &boot.ip) < 0 ||
        xenpvGetString(conf, "netmask", &boot.netmask) < 0 ||
        xenpvGetString(conf, "gateway", &boot.gateway) < 0 ||
        xenpvGetString(conf, "hostname", &boot.hostname) < 0 ||
        xenpvGetString(conf, "interface", &boot.interface) < 0 ||
        xenpvGetString(conf, "dhcp", &boot.dhcp) < 0 ||
        xenpvGetString(conf, "nfs_server", &boot.nfsServer) < 0 ||
        xenpvGetString(conf, "nfs_root", &boot.nfsRoot) < 0)
        goto cleanup;

    if (format == XENPV_NATIVE_XL && virConfGetValue(conf, "cmdline")) {
        if (boot.root || boot.extra || boot.ip || boot.netmask || boot.gateway ||
            boot.hostname || boot.interface || boot.dhcp || boot.nfsServer || boot.nfsRoot) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("key 'cmdline' replaces 'root', 'extra' and the NFS-root keys; xl would ignore them: give one or the other"));
            goto cleanup;
        }
        if (xenpvGetString(conf, "cmdline", &cmdline) < 0)
            goto cleanup;
    } else if (xenpvNativeBootCompose(&boot, &cmdline) < 0) {
        goto cleanup;
    }
    if (cmdline && *cmdline)
        def->os.cmdline = g_steal_pointer(&cmdline);
    ret = 0;

 cleanup:
    xenpvNativeBootClear(&boot);
    return ret;
}

static int
xenpvParseLifecycle(virConf *conf, virDomainDef *def)
{
    const char *keys[] = { "on_poweroff", "on_reboot", "on_crash" };
    int *fields[] = { &def->onPoweroff, &def->onReboot, &def->onCrash };
    size_t i;

    def->onPoweroff = VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;
    def->onReboot = VIR_DOMAIN_LIFECYCLE_ACTION_RESTART;
    def->onCrash = VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;

    for (i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *value = NULL;
        int action;

        if (xenpvGetString(conf, keys[i], &value) < 0)
            return -1;
        if (!value)
            continue;
        if ((action = virDomainLifecycleActionTypeFromString(value)) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' = '%s' is not one of destroy, restart, preserve, rename-restart, coredump-destroy, coredump-restart"),
                           keys[i], value);
            return -1;
        }
        *fields[i] = action;
    }
    return 0;
}

static int
xenpvParseFlags(virConf *conf, virDomainDef *def)
{
    unsigned long long value = 0;
    bool have;

    if (xenpvGetNumber(conf, "localtime", 1, &have, &value) < 0)
        return -1;
    def->clock.offset = value ? VIR_DOMAIN_CLOCK_OFFSET_LOCALTIME : VIR_DOMAIN_CLOCK_OFFSET_UTC;

    value = 0;
    if (xenpvGetNumber(conf, "pae", 1, &have, &value) < 0)
        return -1;
    if (value)
        def->features[VIR_DOMAIN_FEATURE_PAE] = VIR_TRISTATE_SWITCH_ON;
    return 0;
}

/* The top-level vnc/sdl keys, as one vfb entry. */
static int
xenpvParseTopLevelVfb(virConf *conf, GStrv *vfbs)
{
    const char *keys[] = { "vnc", "vnclisten", "vncdisplay", "vncunused",
                           "vncpasswd", "keymap", "sdl", "display", "xauthority" };
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(g_free);
    bool any = false;
    bool enabled = false;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(keys); i++) {
        virConfValue *v = virConfGetValue(conf, keys[i]);
        g_autofree char *str = NULL;

        if (!v)
            continue;
        any = true;
        if (v->type == VIR_CONF_STRING)
            str = g_strdup(v->str);
        else if (v->type == VIR_CONF_LLONG || v->type == VIR_CONF_ULLONG)
            str = g_strdup_printf("%lld", v->l);
        else {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' must be a string or a number"), keys[i]);
            return -1;
        }
        if ((STREQ(keys[i], "vnc") || STREQ(keys[i], "sdl")) && STREQ(str, "1"))
            enabled = true;
        if (strchr(str, ',')) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' = '%s' contains a ','"), keys[i], str);
            return -1;
        }
        g_ptr_array_add(opts, g_strdup_printf("%s=%s", keys[i], str));
    }
    if (!any)
        return 0;
    if (*vfbs) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("both 'vfb' and the top-level vnc/sdl keys: give the framebuffer once"));
        return -1;
    }
    if (!enabled) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vnc/sdl keys without vnc = 1 or sdl = 1 have no effect; set one or remove them"));
        return -1;
    }
    g_ptr_array_add(opts, NULL);
    *vfbs = g_new0(char *, 2);
    (*vfbs)[0] = g_strjoinv(",", (char **)opts->pdata);
    return 0;
}

static int
xenpvParseDevices(virConf *conf, virDomainXMLOption *xmlopt, virDomainDef *def)
{
    g_auto(GStrv) disks = NULL;
    g_auto(GStrv) vifs = NULL;
    g_auto(GStrv) vfbs = NULL;
    g_autofree char *serial = NULL;
    size_t i;

    if (xenpvGetList(conf, "disk", &disks) < 0 ||
        xenpvGetList(conf, "vif", &vifs) < 0 ||
        xenpvGetList(conf, "vfb", &vfbs) < 0 ||
        xenpvParseTopLevelVfb(conf, &vfbs) < 0 ||
        xenpvGetString(conf, "serial", &serial) < 0)
        return -1;

    for (i = 0; disks && disks[i]; i++) {
        virDomainDiskDef *disk = xenpvNativeParseDisk(xmlopt, disks[i]);

        if (!disk)
            return -1;
        VIR_APPEND_ELEMENT(def->disks, def->ndisks, disk);
    }
    for (i = 0; vifs && vifs[i]; i++) {
        virDomainNetDef *net = xenpvNativeParseVif(xmlopt, vifs[i]);

        if (!net)
            return -1;
        VIR_APPEND_ELEMENT(def->nets, def->nnets, net);
    }
    for (i = 0; vfbs && vfbs[i]; i++) {
        virDomainGraphicsDef *gfx = xenpvNativeParseVfb(xmlopt, vfbs[i]);

        if (!gfx)
            return -1;
        VIR_APPEND_ELEMENT(def->graphics, def->ngraphics, gfx);
    }
    if (serial) {
        virDomainChrDef *chr;

        if (STRNEQ(serial, "pty")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'serial' = '%s': a PV guest's serial port is its console, a pty; use 'pty'"),
                           serial);
            return -1;
        }
        if (!(chr = virDomainChrDefNew(xmlopt)))
            return -1;
        chr->deviceType = VIR_DOMAIN_CHR_DEVICE_TYPE_SERIAL;
        chr->source->type = VIR_DOMAIN_CHR_TYPE_PTY;
        chr->target.port = 0;
        VIR_APPEND_ELEMENT(def->serials, def->nserials, chr);
    }
    return 0;
}

/* Values end up in XML, which takes UTF-8 without control characters. */
static int
xenpvCheckText(const char *config)
{
    const char *p;
    int line = 1;

    if (!g_utf8_validate(config, -1, NULL)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("the configuration is not valid UTF-8"));
        return -1;
    }
    for (p = config; *p; p++) {
        if (*p == '\n')
            line++;
        else if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\r') {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("line %d: control character 0x%02x is not allowed"),
                           line, (unsigned int)*p);
            return -1;
        }
    }
    return 0;
}

virDomainDef *
xenpvNativeParseConfig(virDomainXMLOption *xmlopt,
                       xenpvNativeFormat format,
                       const char *config)
{
    g_autoptr(virConf) conf = NULL;
    g_autoptr(virDomainDef) def = NULL;
    xenpvKeyCheck check = { .format = format };

    if (xenpvCheckText(config) < 0)
        return NULL;
    if (!(conf = virConfReadString(config, 0)))
        return NULL;
    if (virConfWalk(conf, xenpvNativeCheckKey, &check) < 0)
        return NULL;

    if (!(def = virDomainDefNew(xmlopt)))
        return NULL;
    def->virtType = VIR_DOMAIN_VIRT_XEN;
    def->id = -1;
    def->os.type = VIR_DOMAIN_OSTYPE_XEN;

    if (xenpvParseIdentity(conf, format, def) < 0 ||
        xenpvParseResources(conf, format, xmlopt, def) < 0 ||
        xenpvParseBoot(conf, format, def) < 0 ||
        xenpvParseLifecycle(conf, def) < 0 ||
        xenpvParseFlags(conf, def) < 0 ||
        xenpvParseDevices(conf, xmlopt, def) < 0)
        return NULL;

    if (virDomainDefPostParse(def, VIR_DOMAIN_DEF_PARSE_INACTIVE, xmlopt, NULL) < 0 ||
        virDomainDefValidate(def, VIR_DOMAIN_DEF_PARSE_INACTIVE, xmlopt, NULL) < 0)
        return NULL;

    return g_steal_pointer(&def);
}
