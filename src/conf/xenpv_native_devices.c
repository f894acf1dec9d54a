/*
 * xenpv_native_devices.c: one "disk", "vif" or "vfb" entry of an xm/xl
 * configuration to and from libvirt's device definitions.  Every option of
 * an entry is either mapped or refused by name; nothing is skipped.
 */
#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virstring.h"
#include "virmacaddr.h"
#include "virsocketaddr.h"

#include "xenpv_native_devices.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainGraphicsDef, virDomainGraphicsDefFree);

#define VNC_PORT_BASE 5900

/* Split "k=v, k=v" into trimmed pairs; "" gives none. */
static int
xenpvSplitOptions(const char *what, const char *spec, GStrv *keys, GStrv *values)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    g_autoptr(GPtrArray) k = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; items[i]; i++) {
        char *item = g_strstrip(items[i]);
        char *eq;

        if (!*item)
            continue;
        if (!(eq = strchr(item, '='))) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("%s '%s': option '%s' is not of the form key=value"),
                           what, spec, item);
            return -1;
        }
        *eq = '\0';
        g_ptr_array_add(k, g_strdup(g_strstrip(item)));
        g_ptr_array_add(v, g_strdup(g_strstrip(eq + 1)));
    }
    g_ptr_array_add(k, NULL);
    g_ptr_array_add(v, NULL);
    *keys = (GStrv)g_ptr_array_free(g_steal_pointer(&k), FALSE);
    *values = (GStrv)g_ptr_array_free(g_steal_pointer(&v), FALSE);
    return 0;
}

/* A value going into a comma-separated entry must not contain a comma. */
static int
xenpvCheckOptionValue(const char *what, const char *value)
{
    if (value && (strchr(value, ',') || strchr(value, '\n'))) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s '%s' contains a ',' or a newline, which xm/xl entries cannot hold"),
                       what, value);
        return -1;
    }
    return 0;
}

/* ---- disk ---- */

static const char *xenpvXlDiskKeys[] = {
    "target", "format", "vdev", "access", "backendtype", "devtype",
    "backend", "script", "cdrom", "discard", "no-discard",
    "direct-io-safe", "colo", "trusted", "untrusted", "specification",
};

static bool
xenpvDiskSpecIsKeyValue(const char *spec)
{
    size_t i;

    while (g_ascii_isspace(*spec))
        spec++;
    for (i = 0; i < G_N_ELEMENTS(xenpvXlDiskKeys); i++) {
        size_t len = strlen(xenpvXlDiskKeys[i]);

        if (STREQLEN(spec, xenpvXlDiskKeys[i], len) &&
            (spec[len] == '=' || spec[len] == ',' || spec[len] == '\0'))
            return true;
    }
    return false;
}

/* The source with its xm prefix: sets the driver name and format. */
static int
xenpvDiskParseSource(const char *spec, const char *src, virDomainDiskDef *disk)
{
    const char *path = src;
    const char *driver = NULL;
    const char *format = "raw";

    if (STRPREFIX(src, "phy:")) {
        driver = "phy";
        path = src + 4;
    } else if (STRPREFIX(src, "file:")) {
        driver = "file";
        path = src + 5;
    } else if (STRPREFIX(src, "tap2:") || STRPREFIX(src, "tap:")) {
        driver = STRPREFIX(src, "tap2:") ? "tap2" : "tap";
        path = strchr(src, ':') + 1;
        if (STRPREFIX(path, "tapdisk:"))
            path += strlen("tapdisk:");
        if (STRPREFIX(path, "aio:")) {
            path += 4;
        } else {
            const char *colon = strchr(path, ':');

            if (colon && path[0] != '/') {
                g_autofree char *fmt = g_strndup(path, colon - path);

                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("disk '%s': image format '%s' is not supported yet; use tap:aio: (raw)"),
                               spec, fmt);
                return -1;
            }
        }
    } else if (STRPREFIX(src, "qdisk:")) {
        driver = "qdisk";
        path = src + 6;
    } else if (STRPREFIX(src, "raw:") || STRPREFIX(src, "aio:")) {
        path = src + 4;
    } else if (path[0] != '/' && strchr(path, ':')) {
        g_autofree char *prefix = g_strndup(path, strchr(path, ':') - path);

        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': backend or format '%s:' is not supported; use phy:, file:, tap:aio:, tap2:aio: or qdisk:"),
                       spec, prefix);
        return -1;
    }

    if (!*path) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': no source (empty CD-ROM drives are not supported)"), spec);
        return -1;
    }
    /* xm took "phy:hda1" to mean /dev/hda1. */
    if (path[0] != '/' && STREQ_NULLABLE(driver, "phy"))
        disk->src->path = g_strdup_printf("/dev/%s", path);
    else
        disk->src->path = g_strdup(path);
    if (disk->src->path[0] != '/') {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': source '%s' is not an absolute path"), spec, path);
        return -1;
    }

    if (STREQ_NULLABLE(driver, "phy") ||
        (!driver && STRPREFIX(disk->src->path, "/dev/")))
        disk->src->type = VIR_STORAGE_TYPE_BLOCK;
    else
        disk->src->type = VIR_STORAGE_TYPE_FILE;
    disk->driverName = g_strdup(driver);
    disk->src->format = virStorageFileFormatTypeFromString(format);
    return 0;
}

static int
xenpvDiskParseVdev(const char *spec, const char *vdev, virDomainDiskDef *disk)
{
    const char *colon;

    if (STRPREFIX(vdev, "ioemu:")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': 'ioemu:' devices need a device model (HVM)"), spec);
        return -1;
    }
    if ((colon = strchr(vdev, ':'))) {
        if (STREQ(colon, ":cdrom")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': CD-ROM devices are not supported for PV guests; attach the image as a disk"),
                           spec);
            return -1;
        }
        if (STRNEQ(colon, ":disk")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': device '%s' is not a disk"), spec, vdev);
            return -1;
        }
    }
    disk->dst = colon ? g_strndup(vdev, colon - vdev) : g_strdup(vdev);
    if (!*disk->dst) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': no virtual device name (vdev)"), spec);
        return -1;
    }
    return 0;
}

static int
xenpvDiskParseAccess(const char *spec, const char *mode, virDomainDiskDef *disk)
{
    if (STREQ(mode, "r") || STREQ(mode, "ro")) {
        disk->src->readonly = true;
    } else if (STREQ(mode, "w") || STREQ(mode, "rw")) {
        disk->src->readonly = false;
    } else if (STREQ(mode, "w!")) {
        disk->src->shared = true;
    } else {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': access mode '%s' is not one of r, ro, w, rw, w!"),
                       spec, mode);
        return -1;
    }
    return 0;
}

/* xl's "key=value, ..., target=SOURCE" form; target takes the rest. */
static int
xenpvDiskParseKeyValue(const char *spec, virDomainDiskDef *disk)
{
    g_autofree char *copy = g_strdup(spec);
    g_autofree char *source = NULL;
    g_autofree char *backend = NULL;
    char *target = strstr(copy, "target=");
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    bool haveAccess = false;
    size_t i;

    if (target && (target == copy || target[-1] == ',' || g_ascii_isspace(target[-1]))) {
        source = g_strdup(target + strlen("target="));
        *target = '\0';
    }
    if (xenpvSplitOptions("disk", copy, &keys, &values) < 0)
        return -1;
    if (!source) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': no target= (source); it must come last"), spec);
        return -1;
    }

    for (i = 0; keys[i]; i++) {
        size_t j;

        for (j = 0; j < i; j++) {
            if (STREQ(keys[i], keys[j])) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("disk '%s': option '%s' given twice"), spec, keys[i]);
                return -1;
            }
        }
        if (STREQ(keys[i], "vdev")) {
            if (xenpvDiskParseVdev(spec, values[i], disk) < 0)
                return -1;
        } else if (STREQ(keys[i], "access")) {
            if (xenpvDiskParseAccess(spec, values[i], disk) < 0)
                return -1;
            haveAccess = true;
        } else if (STREQ(keys[i], "format")) {
            if (STRNEQ(values[i], "raw")) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("disk '%s': format '%s' is not supported yet; only raw"),
                               spec, values[i]);
                return -1;
            }
        } else if (STREQ(keys[i], "backendtype")) {
            if (STRNEQ(values[i], "phy") && STRNEQ(values[i], "tap") &&
                STRNEQ(values[i], "qdisk")) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("disk '%s': backendtype '%s' is not supported; use phy, tap or qdisk"),
                               spec, values[i]);
                return -1;
            }
            g_free(backend);
            backend = g_strdup(values[i]);
        } else if (STREQ(keys[i], "devtype") && STREQ(values[i], "disk")) {
            continue;
        } else {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': option '%s' is not supported for PV guests"),
                           spec, keys[i]);
            return -1;
        }
    }
    if (!disk->dst) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("disk '%s': no vdev="), spec);
        return -1;
    }
    if (!haveAccess)
        disk->src->readonly = false;

    if (xenpvDiskParseSource(spec, source, disk) < 0)
        return -1;
    if (backend) {
        if (disk->driverName && STRNEQ(disk->driverName, backend)) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': backendtype '%s' contradicts the '%s:' prefix"),
                           spec, backend, disk->driverName);
            return -1;
        }
        g_free(disk->driverName);
        disk->driverName = g_steal_pointer(&backend);
        if (STREQ(disk->driverName, "phy"))
            disk->src->type = VIR_STORAGE_TYPE_BLOCK;
    }
    return 0;
}

virDomainDiskDef *
xenpvNativeParseDisk(virDomainXMLOption *xmlopt, const char *spec)
{
    g_autoptr(virDomainDiskDef) disk = virDomainDiskDefNew(xmlopt);
    g_auto(GStrv) fields = NULL;
    guint nfields;
    size_t i;

    if (!disk)
        return NULL;
    disk->device = VIR_DOMAIN_DISK_DEVICE_DISK;
    disk->bus = VIR_DOMAIN_DISK_BUS_XEN;

    if (xenpvDiskSpecIsKeyValue(spec)) {
        if (xenpvDiskParseKeyValue(spec, disk) < 0)
            return NULL;
        return g_steal_pointer(&disk);
    }

    /* xm's SOURCE,VDEV,MODE, or xl's positional SOURCE,FORMAT,VDEV,ACCESS. */
    fields = g_strsplit(spec, ",", -1);
    for (i = 0; fields[i]; i++)
        g_strstrip(fields[i]);
    nfields = g_strv_length(fields);
    if (nfields != 3 && nfields != 4) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': expected SOURCE,VDEV,MODE"), spec);
        return NULL;
    }
    if (xenpvDiskParseSource(spec, fields[0], disk) < 0)
        return NULL;
    if (nfields == 4 && *fields[1] && STRNEQ(fields[1], "raw")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': format '%s' is not supported yet; only raw"),
                       spec, fields[1]);
        return NULL;
    }
    if (xenpvDiskParseVdev(spec, fields[nfields - 2], disk) < 0 ||
        xenpvDiskParseAccess(spec, fields[nfields - 1], disk) < 0)
        return NULL;
    return g_steal_pointer(&disk);
}

static const char *
xenpvDiskMode(const virDomainDiskDef *disk)
{
    if (disk->src->readonly)
        return "r";
    return disk->src->shared ? "w!" : "w";
}

static const char *
xenpvDiskDriver(const virDomainDiskDef *disk)
{
    if (disk->driverName)
        return disk->driverName;
    return disk->src->type == VIR_STORAGE_TYPE_BLOCK ? "phy" : "file";
}

char *
xenpvNativeFormatDisk(xenpvNativeFormat format, const virDomainDiskDef *disk)
{
    const char *driver = xenpvDiskDriver(disk);
    const char *prefix;

    if (xenpvCheckOptionValue("disk vdev", disk->dst) < 0)
        return NULL;

    if (STREQ(driver, "phy"))
        prefix = "phy:";
    else if (STREQ(driver, "file"))
        prefix = "file:";
    else if (STREQ(driver, "tap"))
        prefix = "tap:aio:";
    else if (STREQ(driver, "tap2"))
        prefix = "tap2:aio:";
    else
        prefix = "qdisk:";

    /* xl's own form where it can say the same thing: raw image, one of its
     * backend types, no shared-write mode; the rest in xm's form, which xl
     * reads too (tap2: and w! are understood by this driver). */
    if (format == XENPV_NATIVE_XL && !disk->src->shared && STRNEQ(driver, "tap2")) {
        g_autofree char *backend = NULL;

        if (STRNEQ(driver, "file"))
            backend = g_strdup_printf("backendtype=%s, ", driver);
        return g_strdup_printf("format=raw, vdev=%s, access=%s, %starget=%s",
                               disk->dst, disk->src->readonly ? "ro" : "rw",
                               NULLSTR_EMPTY(backend), disk->src->path);
    }

    if (xenpvCheckOptionValue("disk source", disk->src->path) < 0)
        return NULL;
    return g_strdup_printf("%s%s,%s,%s", prefix, disk->src->path, disk->dst,
                           xenpvDiskMode(disk));
}

/* ---- vif ---- */

virDomainNetDef *
xenpvNativeParseVif(virDomainXMLOption *xmlopt, const char *spec)
{
    g_autoptr(virDomainNetDef) net = virDomainNetDefNew(xmlopt);
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    g_autofree char *bridge = NULL;
    size_t i;

    if (!net || xenpvSplitOptions("vif", spec, &keys, &values) < 0)
        return NULL;

    for (i = 0; keys[i]; i++) {
        const char *v = values[i];

        if (STREQ(keys[i], "mac")) {
            if (virMacAddrParse(v, &net->mac) < 0) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vif '%s': '%s' is not a MAC address"), spec, v);
                return NULL;
            }
            if (virMacAddrIsMulticast(&net->mac)) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vif '%s': MAC address '%s' is a multicast address; a NIC needs a unicast one"),
                               spec, v);
                return NULL;
            }
            net->mac_type = VIR_DOMAIN_NET_MAC_TYPE_DEFAULT;
        } else if (STREQ(keys[i], "bridge")) {
            g_free(bridge);
            bridge = g_strdup(v);
        } else if (STREQ(keys[i], "script")) {
            g_free(net->script);
            net->script = g_strdup(v);
        } else if (STREQ(keys[i], "vifname")) {
            if (STRPREFIX(v, "vif")) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vif '%s': vifname '%s' starts with 'vif', which is kept for generated names; choose another"),
                               spec, v);
                return NULL;
            }
            g_free(net->ifname);
            net->ifname = g_strdup(v);
        } else if (STREQ(keys[i], "ip")) {
            g_auto(GStrv) addrs = g_strsplit(v, " ", -1);
            size_t j;

            for (j = 0; addrs[j]; j++) {
                if (!*addrs[j])
                    continue;
                if (virDomainNetAppendIPAddress(net, addrs[j], AF_UNSPEC, 0) < 0)
                    return NULL;
            }
        } else if (STREQ(keys[i], "model")) {
            int model = virDomainNetModelTypeFromString(v);

            if (model != VIR_DOMAIN_NET_MODEL_NETFRONT) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vif '%s': model '%s' is an emulated NIC; PV guests use netfront"),
                               spec, v);
                return NULL;
            }
            net->model = model;
        } else if (STREQ(keys[i], "type")) {
            if (STRNEQ(v, "vif") && STRNEQ(v, "netfront")) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vif '%s': type '%s' needs a device model; PV guests use type=vif"),
                               spec, v);
                return NULL;
            }
        } else {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("vif '%s': option '%s' is not supported"), spec, keys[i]);
            return NULL;
        }
    }

    if (bridge) {
        net->type = VIR_DOMAIN_NET_TYPE_BRIDGE;
        net->data.bridge.brname = g_steal_pointer(&bridge);
    } else {
        /* No bridge: the vif script alone connects it (vif-route, vif-nat). */
        net->type = VIR_DOMAIN_NET_TYPE_ETHERNET;
    }
    return g_steal_pointer(&net);
}

char *
xenpvNativeFormatVif(xenpvNativeFormat format, const virDomainNetDef *net)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(g_free);
    char mac[VIR_MAC_STRING_BUFLEN];
    size_t i;

    g_ptr_array_add(opts, g_strdup_printf("mac=%s", virMacAddrFormat(&net->mac, mac)));
    if (net->type == VIR_DOMAIN_NET_TYPE_BRIDGE) {
        if (xenpvCheckOptionValue("vif bridge", net->data.bridge.brname) < 0)
            return NULL;
        g_ptr_array_add(opts, g_strdup_printf("bridge=%s", net->data.bridge.brname));
    }
    if (net->script) {
        if (xenpvCheckOptionValue("vif script", net->script) < 0)
            return NULL;
        g_ptr_array_add(opts, g_strdup_printf("script=%s", net->script));
    }
    if (net->guestIP.nips > 0) {
        g_auto(GStrv) ips = g_new0(char *, net->guestIP.nips + 1);
        g_autofree char *joined = NULL;

        for (i = 0; i < net->guestIP.nips; i++) {
            if (!(ips[i] = virSocketAddrFormat(&net->guestIP.ips[i]->address)))
                return NULL;
        }
        joined = g_strjoinv(" ", ips);

        g_ptr_array_add(opts, g_strdup_printf("ip=%s", joined));
    }
    if (net->ifname) {
        if (xenpvCheckOptionValue("vif vifname", net->ifname) < 0)
            return NULL;
        g_ptr_array_add(opts, g_strdup_printf("vifname=%s", net->ifname));
    }
    g_ptr_array_add(opts, NULL);
    return g_strjoinv(format == XENPV_NATIVE_XM ? ", " : ",", (char **)opts->pdata);
}

/* ---- vfb ---- */

virDomainGraphicsDef *
xenpvNativeParseVfb(virDomainXMLOption *xmlopt, const char *spec)
{
    g_autoptr(virDomainGraphicsDef) gfx = virDomainGraphicsDefNew(xmlopt);
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    /* Collected apart: libvirt's vnc and sdl members share a union. */
    const char *listen = NULL;
    const char *passwd = NULL;
    const char *keymap = NULL;
    const char *display = NULL;
    const char *xauth = NULL;
    int type = -1;
    int vncdisplay = -1;
    int unused = -1;
    size_t i;

    if (!gfx || xenpvSplitOptions("vfb", spec, &keys, &values) < 0)
        return NULL;

    for (i = 0; keys[i]; i++) {
        const char *k = keys[i];
        const char *v = values[i];

        if (STREQ(k, "type")) {
            if (STREQ(v, "vnc")) {
                type = VIR_DOMAIN_GRAPHICS_TYPE_VNC;
            } else if (STREQ(v, "sdl")) {
                type = VIR_DOMAIN_GRAPHICS_TYPE_SDL;
            } else {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vfb '%s': type '%s' is not vnc or sdl"), spec, v);
                return NULL;
            }
        } else if (STREQ(k, "vnc") || STREQ(k, "sdl")) {
            if (STREQ(v, "1")) {
                type = STREQ(k, "vnc") ? VIR_DOMAIN_GRAPHICS_TYPE_VNC : VIR_DOMAIN_GRAPHICS_TYPE_SDL;
            } else if (STRNEQ(v, "0")) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vfb '%s': %s=%s is not 0 or 1"), spec, k, v);
                return NULL;
            }
        } else if (STREQ(k, "vnclisten")) {
            listen = v;
        } else if (STREQ(k, "vncdisplay")) {
            if (virStrToLong_i(v, NULL, 10, &vncdisplay) < 0 || vncdisplay < 0 ||
                vncdisplay > 65535 - VNC_PORT_BASE) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vfb '%s': vncdisplay '%s' is not a display number"), spec, v);
                return NULL;
            }
        } else if (STREQ(k, "vncunused")) {
            if (STRNEQ(v, "0") && STRNEQ(v, "1")) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("vfb '%s': vncunused '%s' is not 0 or 1"), spec, v);
                return NULL;
            }
            unused = STREQ(v, "1");
        } else if (STREQ(k, "vncpasswd")) {
            passwd = v;
        } else if (STREQ(k, "keymap")) {
            keymap = v;
        } else if (STREQ(k, "display")) {
            display = v;
        } else if (STREQ(k, "xauthority")) {
            xauth = v;
        } else {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("vfb '%s': option '%s' is not supported"), spec, k);
            return NULL;
        }
    }

    if (type < 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("vfb '%s': no type=vnc or type=sdl"), spec);
        return NULL;
    }
    gfx->type = type;

    if (type == VIR_DOMAIN_GRAPHICS_TYPE_SDL) {
        if (listen || vncdisplay >= 0 || unused >= 0 || passwd || keymap) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("vfb '%s': vnc options given for an sdl framebuffer"), spec);
            return NULL;
        }
        gfx->data.sdl.display = g_strdup(display);
        gfx->data.sdl.xauth = g_strdup(xauth);
        return g_steal_pointer(&gfx);
    }

    if (display || xauth) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("vfb '%s': display/xauthority given for a vnc framebuffer"), spec);
        return NULL;
    }
    if (vncdisplay >= 0) {
        if (unused == 1) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("vfb '%s': vncdisplay with vncunused=1: libvirt takes a fixed display or any free one; drop one of them"),
                           spec);
            return NULL;
        }
        gfx->data.vnc.port = VNC_PORT_BASE + vncdisplay;
        gfx->data.vnc.autoport = false;
    } else if (unused == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("vfb '%s': vncunused=0 needs a vncdisplay"), spec);
        return NULL;
    } else {
        gfx->data.vnc.port = -1;
        gfx->data.vnc.autoport = true;
    }
    gfx->data.vnc.auth.passwd = g_strdup(passwd);
    gfx->data.vnc.keymap = g_strdup(keymap);
    /* libvirt always has a listen for vnc, with no address when none given. */
    if (virDomainGraphicsListenAppendAddress(gfx, listen) < 0)
        return NULL;
    return g_steal_pointer(&gfx);
}

char *
xenpvNativeFormatVfb(xenpvNativeFormat format, const virDomainGraphicsDef *gfx)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(g_free);
    const char *vals[6] = { NULL };
    size_t i;

    if (gfx->type == VIR_DOMAIN_GRAPHICS_TYPE_SDL) {
        if (gfx->data.sdl.fullscreen || gfx->data.sdl.gl) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<graphics type='sdl' fullscreen|gl> has no xm/xl vfb option"));
            return NULL;
        }
        g_ptr_array_add(opts, g_strdup("type=sdl"));
        if (gfx->data.sdl.display)
            g_ptr_array_add(opts, g_strdup_printf("display=%s", gfx->data.sdl.display));
        if (gfx->data.sdl.xauth)
            g_ptr_array_add(opts, g_strdup_printf("xauthority=%s", gfx->data.sdl.xauth));
        vals[0] = gfx->data.sdl.display;
        vals[1] = gfx->data.sdl.xauth;
    } else {
        const char *listen = NULL;

        if (gfx->nListens > 0)
            listen = gfx->listens[0].address;
        if (gfx->data.vnc.auth.expires || gfx->data.vnc.sharePolicy ||
            gfx->data.vnc.powerControl || gfx->data.vnc.auth.connected) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<graphics type='vnc'> passwdValidTo, connected, sharePolicy and powerControl have no xm/xl vfb option"));
            return NULL;
        }
        g_ptr_array_add(opts, g_strdup("type=vnc"));
        if (listen)
            g_ptr_array_add(opts, g_strdup_printf("vnclisten=%s", listen));
        if (gfx->data.vnc.autoport || gfx->data.vnc.port <= 0) {
            g_ptr_array_add(opts, g_strdup("vncunused=1"));
        } else if (gfx->data.vnc.port < VNC_PORT_BASE) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("<graphics type='vnc' port='%d'>: xm/xl give a display number, ports from %d"),
                           gfx->data.vnc.port, VNC_PORT_BASE);
            return NULL;
        } else {
            g_ptr_array_add(opts, g_strdup_printf("vncdisplay=%d", gfx->data.vnc.port - VNC_PORT_BASE));
            g_ptr_array_add(opts, g_strdup("vncunused=0"));
        }
        if (gfx->data.vnc.auth.passwd)
            g_ptr_array_add(opts, g_strdup_printf("vncpasswd=%s", gfx->data.vnc.auth.passwd));
        if (gfx->data.vnc.keymap)
            g_ptr_array_add(opts, g_strdup_printf("keymap=%s", gfx->data.vnc.keymap));
        vals[0] = listen;
        vals[1] = gfx->data.vnc.auth.passwd;
        vals[2] = gfx->data.vnc.keymap;
    }
    for (i = 0; i < G_N_ELEMENTS(vals); i++) {
        if (xenpvCheckOptionValue("vfb option", vals[i]) < 0)
            return NULL;
    }
    g_ptr_array_add(opts, NULL);
    return g_strjoinv(format == XENPV_NATIVE_XM ? ", " : ",", (char **)opts->pdata);
}
