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
#include "virlog.h"
#include "viruuid.h"

#include "xenpv_domain_check.h"
#include "xenpv_native.h"
#include "xenpv_native_cmdline.h"
#include "xenpv_native_devices.h"
#include "xenpv_native_disk.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.native_parse");

#define XENPV_NATIVE_DEFAULT_MEMORY_MIB 128

enum {
    KEY_XM = 1 << 0,
    KEY_XL = 1 << 1,
    KEY_BOTH = KEY_XM | KEY_XL,
};

/* Every key understood, and in which format.  libvirt's Xen driver reads
 * "type" and "bootargs" in both; xm's vcpu_avail and the NFS-root keys are
 * read beside xl's grammar. */
static const struct {
    const char *name;
    unsigned int formats;
} xenpvNativeKeys[] = {
    { "name", KEY_BOTH }, { "uuid", KEY_BOTH },
    { "builder", KEY_BOTH }, { "type", KEY_BOTH },
    { "memory", KEY_BOTH }, { "maxmem", KEY_BOTH },
    { "vcpus", KEY_BOTH }, { "maxvcpus", KEY_BOTH }, { "vcpu_avail", KEY_XM },
    { "cpus", KEY_BOTH },
    { "kernel", KEY_BOTH }, { "ramdisk", KEY_BOTH },
    { "extra", KEY_BOTH }, { "root", KEY_BOTH }, { "cmdline", KEY_XL },
    { "bootloader", KEY_BOTH }, { "bootargs", KEY_BOTH }, { "bootloader_args", KEY_BOTH },
    { "ip", KEY_BOTH }, { "netmask", KEY_BOTH }, { "gateway", KEY_BOTH },
    { "hostname", KEY_BOTH }, { "interface", KEY_BOTH }, { "dhcp", KEY_BOTH },
    { "nfs_server", KEY_BOTH }, { "nfs_root", KEY_BOTH },
    { "on_poweroff", KEY_BOTH }, { "on_reboot", KEY_BOTH }, { "on_crash", KEY_BOTH },
    { "localtime", KEY_BOTH }, { "pae", KEY_BOTH },
    { "e820_host", KEY_BOTH }, { "passthrough", KEY_BOTH }, { "tsc_mode", KEY_BOTH },
    { "vif", KEY_BOTH }, { "disk", KEY_BOTH }, { "vfb", KEY_BOTH }, { "serial", KEY_BOTH },
    { "pci", KEY_BOTH },
    { "vnc", KEY_BOTH }, { "vnclisten", KEY_BOTH }, { "vncdisplay", KEY_BOTH },
    { "vncunused", KEY_BOTH }, { "vncpasswd", KEY_BOTH }, { "keymap", KEY_BOTH },
    { "sdl", KEY_BOTH }, { "opengl", KEY_BOTH }, { "display", KEY_BOTH }, { "xauthority", KEY_BOTH },
    { "max_event_channels", KEY_XL }, { "max_grant_frames", KEY_XL },
    { "usbctrl", KEY_XL }, { "usbdev", KEY_XL }, { "channel", KEY_XL },
};

/* Keys users meet that PV cannot have, or that libvirt's domain XML has no
 * place for: say which. */
#define NO_XML "libvirt's domain XML has no place for it"
#define NO_DM "a PV guest has no device model to configure"
static const struct {
    const char *name;
    const char *why;
} xenpvNativeRefusedKeys[] = {
    { "usb", "emulated USB needs an HVM guest; PV guests take usbctrl/usbdev (xen-xl)" },
    { "usbdevice", "emulated USB input needs an HVM guest" },
    { "device_model", NO_DM },
    { "device_model_version", NO_DM },
    { "device_model_override", NO_DM },
    { "device_model_args", NO_DM },
    { "device_model_args_pv", NO_DM },
    { "boot", "a PV guest has no firmware to choose a boot device" },
    { "bios", "a PV guest has no firmware" },
    { "acpi", "ACPI needs an HVM guest" },
    { "apic", "an APIC needs an HVM guest" },
    { "hap", "hardware-assisted paging is an HVM setting" },
    { "viridian", "Hyper-V enlightenments need an HVM guest" },
    { "nestedhvm", "nested virtualisation needs an HVM guest" },
    { "soundhw", "sound needs a device model" },
    { "parallel", "a PV guest has no emulated parallel port" },
    { "spice", "SPICE needs an HVM guest" },
    { "vtpm", "virtual TPMs are not supported" },
    { "cpu_weight", "scheduler parameters are not part of the definition (use virsh schedinfo)" },
    { "cap", "scheduler parameters are not part of the definition (use virsh schedinfo)" },
    { "cpu_cap", "scheduler parameters are not part of the definition (use virsh schedinfo)" },
    { "on_xend_start", "xend's own start policy; use libvirt's autostart" },
    { "on_xend_stop", "xend's own stop policy" },
    { "on_soft_reset", NO_XML },
    { "on_watchdog", NO_XML },
    { "pool", NO_XML },
    { "cpus_soft", NO_XML },
    { "vkb", NO_XML },
    { "p9", NO_XML },
    { "seclabel", NO_XML },
    { "iomem", NO_XML },
    { "ioports", NO_XML },
    { "irqs", NO_XML },
    { "max_maptrack_frames", NO_XML },
    { "nomigrate", NO_XML },
    { "driver_domain", NO_XML },
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
        if (STREQ(name, xenpvNativeKeys[i].name)) {
            if (xenpvNativeKeys[i].formats & want)
                return 0;
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' belongs to %s configurations; convert this file as %s"),
                           name, xenpvFormatName(!check->format),
                           xenpvFormatName(!check->format));
            return -1;
        }
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


/* xl's type (pv, pvh, hvm) and xm's builder (linux, hvm): looked at before
 * anything else, since for another kind of guest that is the whole story. */
static int
xenpvParseGuestType(virConf *conf)
{
    const char *keys[] = { "type", "builder" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *value = NULL;

        if (xenpvGetString(conf, keys[i], &value) < 0)
            return -1;
        if (!value || STREQ(value, "pv") || STREQ(value, "linux"))
            continue;
        if (STREQ(value, "pvh"))
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' = 'pvh': this driver runs PV guests only (PVH guests run in an HVM container)"),
                           keys[i]);
        else
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key '%s' = '%s': this driver runs PV guests only"),
                           keys[i], value);
        return -1;
    }
    return 0;
}


static int
xenpvParseIdentity(virConf *conf, virDomainDef *def)
{
    if (xenpvGetString(conf, "name", &def->name) < 0)
        return -1;
    if (!def->name || !*def->name) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s", _("key 'name' is missing"));
        return -1;
    }

    if (virConfGetValue(conf, "uuid")) {
        g_autofree char *uuid = NULL;

        if (xenpvGetString(conf, "uuid", &uuid) < 0)
            return -1;
        if (!uuid || virUUIDParse(uuid, def->uuid) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'uuid': '%s' is not a UUID"), NULLSTR(uuid));
            return -1;
        }
    } else if (virUUIDGenerate(def->uuid) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot generate a UUID"));
        return -1;
    }
    return 0;
}


static int
xenpvParseResources(virConf *conf, virDomainXMLOption *xmlopt, virDomainDef *def)
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
        /* xl's "all" is no restriction at all. */
        if (STREQ(cpus->str, "all"))
            return 0;
        if (STRPREFIX(cpus->str, "node")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'cpus' = '%s': NUMA node placement has no place in libvirt's domain XML; list the CPUs"),
                           cpus->str);
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
    return 0;
}


/* bootloader_args is xl's key (a string or a list), bootargs xm's (and the
 * one libvirt's Xen driver reads in both formats). */
static int
xenpvParseBootloaderArgs(virConf *conf, virDomainDef *def)
{
    g_auto(GStrv) args = NULL;
    g_autofree char *joined = NULL;

    if (virConfGetValue(conf, "bootargs") && virConfGetValue(conf, "bootloader_args")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("keys 'bootargs' and 'bootloader_args' both give the bootloader's arguments; give one"));
        return -1;
    }
    if (virConfGetValue(conf, "bootargs"))
        return xenpvGetString(conf, "bootargs", &def->os.bootloaderArgs);
    if (xenpvGetList(conf, "bootloader_args", &args) < 0)
        return -1;
    if (args && *(joined = g_strjoinv(" ", args)))
        def->os.bootloaderArgs = g_steal_pointer(&joined);
    return 0;
}


static int
xenpvParseBoot(virConf *conf, xenpvNativeFormat format, virDomainDef *def)
{
    xenpvNativeBoot boot = { 0 };
    g_autofree char *cmdline = NULL;
    int ret = -1;

    if (xenpvGetString(conf, "kernel", &def->os.kernel) < 0 ||
        xenpvGetString(conf, "ramdisk", &def->os.initrd) < 0 ||
        xenpvGetString(conf, "bootloader", &def->os.bootloader) < 0 ||
        xenpvParseBootloaderArgs(conf, def) < 0)
        goto cleanup;

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
        /* xl and libvirt's Xen driver ignore root and extra beside cmdline
         * (xl says so on its output); the NFS-root keys, which xl never
         * had, are refused rather than ignored. */
        if (boot.ip || boot.netmask || boot.gateway || boot.hostname ||
            boot.interface || boot.dhcp || boot.nfsServer || boot.nfsRoot) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("key 'cmdline' replaces the NFS-root keys (ip, netmask, gateway, hostname, interface, dhcp, nfs_server, nfs_root): give one or the other"));
            goto cleanup;
        }
        if (boot.root || boot.extra)
            VIR_WARN("domain '%s': ignoring root= and extra= in favour of cmdline=, as xl does",
                     def->name);
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

    /* libvirt's Xen driver's defaults (xl's on_crash is destroy). */
    def->onPoweroff = VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;
    def->onReboot = VIR_DOMAIN_LIFECYCLE_ACTION_RESTART;
    def->onCrash = VIR_DOMAIN_LIFECYCLE_ACTION_RESTART;

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


/* xl's tsc_mode, by name or number. */
static int
xenpvParseTscMode(virConf *conf, virDomainDef *def)
{
    const char *names[] = { "default", "always_emulate", "native", "native_paravirt" };
    const int modes[] = { VIR_DOMAIN_TIMER_MODE_AUTO, VIR_DOMAIN_TIMER_MODE_EMULATE,
                          VIR_DOMAIN_TIMER_MODE_NATIVE, VIR_DOMAIN_TIMER_MODE_PARAVIRT };
    virConfValue *v = virConfGetValue(conf, "tsc_mode");
    virDomainTimerDef *timer;
    size_t i;

    if (!v)
        return 0;
    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if ((v->type == VIR_CONF_STRING && STREQ(v->str, names[i])) ||
            (v->type != VIR_CONF_STRING && v->type != VIR_CONF_LIST && v->l == i))
            break;
    }
    if (i == G_N_ELEMENTS(names)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("key 'tsc_mode' is not one of default, always_emulate, native, native_paravirt (or 0 to 3)"));
        return -1;
    }
    timer = g_new0(virDomainTimerDef, 1);
    timer->name = VIR_DOMAIN_TIMER_NAME_TSC;
    timer->present = VIR_TRISTATE_BOOL_YES;
    timer->tickpolicy = VIR_DOMAIN_TIMER_TICKPOLICY_NONE;
    timer->track = VIR_DOMAIN_TIMER_TRACK_NONE;
    timer->mode = modes[i];
    VIR_APPEND_ELEMENT(def->clock.timers, def->clock.ntimers, timer);
    return 0;
}


static int
xenpvParseFeatures(virConf *conf, virDomainDef *def)
{
    g_autofree char *passthrough = NULL;
    unsigned long long value = 0;
    bool have;

    if (xenpvGetNumber(conf, "localtime", 1, &have, &value) < 0)
        return -1;
    def->clock.offset = value ? VIR_DOMAIN_CLOCK_OFFSET_LOCALTIME : VIR_DOMAIN_CLOCK_OFFSET_UTC;
    /* A PV guest has no emulated RTC: its offset is fixed at boot, which
     * libvirt's Xen driver says as adjustment='reset'. */
    def->clock.data.utc_reset = true;

    value = 0;
    if (xenpvGetNumber(conf, "pae", 1, &have, &value) < 0)
        return -1;
    if (value)
        def->features[VIR_DOMAIN_FEATURE_PAE] = VIR_TRISTATE_SWITCH_ON;

    value = 0;
    if (xenpvGetNumber(conf, "e820_host", 1, &have, &value) < 0)
        return -1;
    if (value) {
        def->features[VIR_DOMAIN_FEATURE_XEN] = VIR_TRISTATE_SWITCH_ON;
        def->xen_features[VIR_DOMAIN_XEN_E820_HOST] = VIR_TRISTATE_SWITCH_ON;
    }

    if (xenpvGetString(conf, "passthrough", &passthrough) < 0)
        return -1;
    if (passthrough) {
        int mode = -1;

        if (STRNEQ(passthrough, "enabled") && STRNEQ(passthrough, "disabled") &&
            (mode = virDomainXenPassthroughModeTypeFromString(passthrough)) <= 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("key 'passthrough' = '%s' is not one of enabled, disabled, sync_pt, share_pt"),
                           passthrough);
            return -1;
        }
        if (STREQ(passthrough, "disabled")) {
            /* libvirt keeps an explicit "off" of the whole <xen> group
             * (unless e820_host turned it on). */
            if (def->features[VIR_DOMAIN_FEATURE_XEN] != VIR_TRISTATE_SWITCH_ON)
                def->features[VIR_DOMAIN_FEATURE_XEN] = VIR_TRISTATE_SWITCH_OFF;
            def->xen_features[VIR_DOMAIN_XEN_PASSTHROUGH] = VIR_TRISTATE_SWITCH_OFF;
        } else {
            def->features[VIR_DOMAIN_FEATURE_XEN] = VIR_TRISTATE_SWITCH_ON;
            def->xen_features[VIR_DOMAIN_XEN_PASSTHROUGH] = VIR_TRISTATE_SWITCH_ON;
            if (mode > 0)
                def->xen_passthrough_mode = mode;
        }
    }
    return xenpvParseTscMode(conf, def);
}


/* The top-level vnc/sdl keys, as one vfb entry. */
static int
xenpvParseTopLevelVfb(virConf *conf, GStrv *vfbs)
{
    const char *keys[] = { "vnc", "vnclisten", "vncdisplay", "vncunused", "vncpasswd",
                           "keymap", "sdl", "opengl", "display", "xauthority" };
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


/* xl's limits of the domain's event channels and grant table, which
 * libvirt keeps on the xenbus controller; the controller is there for every
 * PV guest, and comes first among the controllers as libvirt lists them. */
static int
xenpvParseXenbus(virConf *conf, virDomainDef *def)
{
    virDomainControllerDef *xenbus;
    unsigned long long value = 0;
    bool have;

    if (!(xenbus = virDomainDefAddController(def, VIR_DOMAIN_CONTROLLER_TYPE_XENBUS, -1, -1)))
        return -1;
    if (xenpvGetNumber(conf, "max_event_channels", G_MAXINT, &have, &value) < 0)
        return -1;
    if (value > 0)
        xenbus->opts.xenbusopts.maxEventChannels = value;
    value = 0;
    if (xenpvGetNumber(conf, "max_grant_frames", G_MAXINT, &have, &value) < 0)
        return -1;
    if (value > 0)
        xenbus->opts.xenbusopts.maxGrantFrames = value;
    return 0;
}


typedef void *(*xenpvEntryParser)(virDomainXMLOption *xmlopt, const char *spec);

/* Every entry of list @key, parsed and appended to *@devices. */
static int
xenpvParseEntries(virConf *conf, const char *key, virDomainXMLOption *xmlopt,
                  xenpvEntryParser parse, void ***devices, size_t *ndevices)
{
    g_auto(GStrv) entries = NULL;
    size_t i;

    if (xenpvGetList(conf, key, &entries) < 0)
        return -1;
    for (i = 0; entries && entries[i]; i++) {
        void *dev = parse(xmlopt, entries[i]);

        if (!dev)
            return -1;
        VIR_APPEND_ELEMENT(*devices, *ndevices, dev);
    }
    return 0;
}


static void *
xenpvParseVifEntry(virDomainXMLOption *xmlopt, const char *spec)
{
    return xenpvNativeParseVif(xmlopt, spec);
}


static void *
xenpvParsePCIEntry(virDomainXMLOption *xmlopt G_GNUC_UNUSED, const char *spec)
{
    return xenpvNativeParsePCI(spec);
}


static void *
xenpvParseUSBDevEntry(virDomainXMLOption *xmlopt G_GNUC_UNUSED, const char *spec)
{
    return xenpvNativeParseUSBDev(spec);
}


static void *
xenpvParseUSBCtrlEntry(virDomainXMLOption *xmlopt G_GNUC_UNUSED, const char *spec)
{
    return xenpvNativeParseUSBCtrl(spec);
}


static void *
xenpvParseChannelEntry(virDomainXMLOption *xmlopt, const char *spec)
{
    return xenpvNativeParseChannel(xmlopt, spec);
}


static int
xenpvParseDevices(virConf *conf, xenpvNativeFormat format,
                  virDomainXMLOption *xmlopt, virDomainDef *def)
{
    g_auto(GStrv) disks = NULL;
    g_auto(GStrv) vfbs = NULL;
    g_autofree char *serial = NULL;
    size_t i;

    if (xenpvGetList(conf, "disk", &disks) < 0)
        return -1;
    for (i = 0; disks && disks[i]; i++) {
        virDomainDiskDef *disk = xenpvNativeParseDisk(xmlopt, format, disks[i]);

        if (!disk)
            return -1;
        VIR_APPEND_ELEMENT(def->disks, def->ndisks, disk);
    }
    if (xenpvParseEntries(conf, "vif", xmlopt, xenpvParseVifEntry,
                          (void ***)&def->nets, &def->nnets) < 0)
        return -1;

    if (xenpvGetList(conf, "vfb", &vfbs) < 0 ||
        xenpvParseTopLevelVfb(conf, &vfbs) < 0)
        return -1;
    if (vfbs && g_strv_length(vfbs) > 1) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("key 'vfb' lists more than one framebuffer; a PV guest has one"));
        return -1;
    }
    for (i = 0; vfbs && vfbs[i]; i++) {
        virDomainGraphicsDef *gfx = xenpvNativeParseVfb(xmlopt, vfbs[i]);

        if (!gfx)
            return -1;
        VIR_APPEND_ELEMENT(def->graphics, def->ngraphics, gfx);
    }

    /* A PV guest's console is always there; xm and xl read 'serial' for HVM
     * guests only, and so does libvirt's Xen driver. */
    if (xenpvGetString(conf, "serial", &serial) < 0)
        return -1;
    if (serial && STRNEQ(serial, "pty")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("key 'serial' = '%s': a PV guest has no serial port, only its console (a pty)"),
                       serial);
        return -1;
    }

    if (xenpvParseEntries(conf, "pci", xmlopt, xenpvParsePCIEntry,
                          (void ***)&def->hostdevs, &def->nhostdevs) < 0 ||
        xenpvParseXenbus(conf, def) < 0 ||
        xenpvParseEntries(conf, "usbdev", xmlopt, xenpvParseUSBDevEntry,
                          (void ***)&def->hostdevs, &def->nhostdevs) < 0 ||
        xenpvParseEntries(conf, "usbctrl", xmlopt, xenpvParseUSBCtrlEntry,
                          (void ***)&def->controllers, &def->ncontrollers) < 0 ||
        xenpvParseEntries(conf, "channel", xmlopt, xenpvParseChannelEntry,
                          (void ***)&def->channels, &def->nchannels) < 0)
        return -1;
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
    if (xenpvParseGuestType(conf) < 0 ||
        virConfWalk(conf, xenpvNativeCheckKey, &check) < 0)
        return NULL;

    if (!(def = virDomainDefNew(xmlopt)))
        return NULL;
    def->virtType = VIR_DOMAIN_VIRT_XEN;
    def->id = -1;
    def->os.type = VIR_DOMAIN_OSTYPE_XEN;

    if (xenpvParseIdentity(conf, def) < 0 ||
        xenpvParseResources(conf, xmlopt, def) < 0 ||
        xenpvParseBoot(conf, format, def) < 0 ||
        xenpvParseLifecycle(conf, def) < 0 ||
        xenpvParseFeatures(conf, def) < 0 ||
        xenpvParseDevices(conf, format, xmlopt, def) < 0)
        return NULL;

    if (virDomainDefPostParse(def, VIR_DOMAIN_DEF_PARSE_INACTIVE, xmlopt, NULL) < 0 ||
        virDomainDefValidate(def, VIR_DOMAIN_DEF_PARSE_INACTIVE, xmlopt, NULL) < 0)
        return NULL;

    return g_steal_pointer(&def);
}
