/*
 * xenpv_native_devices.c: the "vif", "vfb", "pci", "usbctrl", "usbdev" and
 * "channel" entries of xm/xl configurations to and from libvirt's device
 * definitions.  Every option of an entry is either mapped or refused by
 * name; nothing is skipped.
 */
#include "internal.h"
#include "datatypes.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virstring.h"
#include "virmacaddr.h"
#include "virsocketaddr.h"

#include "xenpv_native_devices.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainGraphicsDef, virDomainGraphicsDefFree);

#define VNC_PORT_BASE 5900
/* The interval of xl's "rate=RATE@INTERVAL" when none is given. */
#define VIF_RATE_DEFAULT_INTERVAL_US 50000

/* Refuse @spec, an entry of list @what, saying why. */
static void G_GNUC_PRINTF(3, 4)
xenpvEntryRefuse(const char *what, const char *spec, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("%s '%s': %s"), what, spec, why);
}


/* Split "k=v, k=v" into trimmed pairs; "" gives none; a key given twice is
 * refused (xl takes each once). */
static int
xenpvSplitOptions(const char *what, const char *spec, GStrv *keys, GStrv *values)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    g_autoptr(GPtrArray) k = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
    size_t i;
    size_t j;

    for (i = 0; items[i]; i++) {
        char *item = g_strstrip(items[i]);
        char *eq;

        if (!*item)
            continue;
        if (!(eq = strchr(item, '='))) {
            xenpvEntryRefuse(what, spec, _("option '%s' is not of the form key=value"), item);
            return -1;
        }
        *eq = '\0';
        g_strstrip(item);
        for (j = 0; j < k->len; j++) {
            if (STREQ(g_ptr_array_index(k, j), item)) {
                xenpvEntryRefuse(what, spec, _("option '%s' given twice"), item);
                return -1;
            }
        }
        g_ptr_array_add(k, g_strdup(item));
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


static int
xenpvParseBool(const char *what, const char *spec, const char *key, const char *value,
               bool *out)
{
    if (STRNEQ(value, "0") && STRNEQ(value, "1")) {
        xenpvEntryRefuse(what, spec, _("%s=%s is not 0 or 1"), key, value);
        return -1;
    }
    *out = STREQ(value, "1");
    return 0;
}


/* libvirt's Xen driver reads the numbers of usbctrl and usbdev entries as
 * hexadecimal, xl as decimal: below 10 both agree, and only those are
 * taken, so that the same entry never means two things. */
static int
xenpvParseSmallNumber(const char *what, const char *spec, const char *key,
                      const char *value, int *out)
{
    unsigned int n;

    if (virStrToLong_uip(value, NULL, 10, &n) < 0) {
        xenpvEntryRefuse(what, spec, _("%s '%s' is not a number"), key, value);
        return -1;
    }
    if (n > 9) {
        xenpvEntryRefuse(what, spec, _("%s=%s: libvirt's Xen driver reads this number as hexadecimal (%u), xl as decimal; give the device in domain XML instead"),
                         key, value, (unsigned int)strtoul(value, NULL, 16));
        return -1;
    }
    *out = n;
    return 0;
}


static int
xenpvCheckSmallNumber(const char *what, unsigned int value)
{
    if (value > 9) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s %u: libvirt's Xen driver writes this number in hexadecimal, which xl reads as decimal; it has no spelling both read alike"),
                       what, value);
        return -1;
    }
    return 0;
}


/* ---- vif ---- */

/* "bridge=BR", "bridge=BR.TAG" or "bridge=BR:TAG:TAG" (Open vSwitch). */
static int
xenpvVifParseBridge(const char *spec, const char *value, virDomainNetDef *net)
{
    const char *sep = strpbrk(value, ".:");
    g_auto(GStrv) tags = NULL;
    size_t i;

    net->type = VIR_DOMAIN_NET_TYPE_BRIDGE;
    if (!sep) {
        net->data.bridge.brname = g_strdup(value);
        return 0;
    }
    net->data.bridge.brname = g_strndup(value, sep - value);
    tags = g_strsplit(sep + 1, ":", -1);
    net->vlan.nTags = g_strv_length(tags);
    net->vlan.tag = g_new0(unsigned int, net->vlan.nTags);
    net->vlan.trunk = *sep == ':';
    if (*sep == '.' && net->vlan.nTags != 1) {
        xenpvEntryRefuse("vif", spec, _("bridge '%s': BRIDGE.TAG takes one VLAN tag"), value);
        return -1;
    }
    for (i = 0; tags[i]; i++) {
        if (virStrToLong_uip(tags[i], NULL, 10, &net->vlan.tag[i]) < 0 ||
            net->vlan.tag[i] > 4095) {
            xenpvEntryRefuse("vif", spec, _("bridge '%s': '%s' is not a VLAN tag"), value, tags[i]);
            return -1;
        }
    }
    net->virtPortProfile = g_new0(virNetDevVPortProfile, 1);
    net->virtPortProfile->virtPortType = VIR_NETDEV_VPORT_PROFILE_OPENVSWITCH;
    return 0;
}


/* xl's "RATE[@INTERVAL]": RATE in B/s, KB/s, MB/s, GB/s or b/s .. Gb/s;
 * libvirt keeps it as an outbound average in KB/s. */
static int
xenpvVifParseRate(const char *spec, const char *value, virDomainNetDef *net)
{
    g_autoptr(GRegex) re = g_regex_new("^([0-9]+)([KMG]?)([Bb])/s(@([0-9]+)([mu]?)s)?$", 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    g_autofree char *num = NULL;
    g_autofree char *unit = NULL;
    g_autofree char *bits = NULL;
    g_autofree char *interval = NULL;
    g_autofree char *iunit = NULL;
    unsigned long long n;
    unsigned long long us = 0;

    if (!g_regex_match(re, value, 0, &match)) {
        xenpvEntryRefuse("vif", spec, _("rate '%s' is not RATE[@INTERVAL] (such as 10MB/s or 1Gb/s@20ms)"), value);
        return -1;
    }
    num = g_match_info_fetch(match, 1);
    unit = g_match_info_fetch(match, 2);
    bits = g_match_info_fetch(match, 3);
    interval = g_match_info_fetch(match, 5);
    iunit = g_match_info_fetch(match, 6);
    if (virStrToLong_ullp(num, NULL, 10, &n) < 0 || n > (1ULL << 40)) {
        xenpvEntryRefuse("vif", spec, _("rate '%s' is out of range"), value);
        return -1;
    }
    if (interval && *interval) {
        if (virStrToLong_ullp(interval, NULL, 10, &us) < 0 || us > G_MAXUINT32) {
            xenpvEntryRefuse("vif", spec, _("rate '%s': the interval is out of range"), value);
            return -1;
        }
        if (STREQ(iunit, "m"))
            us *= 1000;
        else if (STREQ(iunit, ""))
            us *= 1000000;
        if (us != VIF_RATE_DEFAULT_INTERVAL_US) {
            xenpvEntryRefuse("vif", spec, _("rate '%s': libvirt's <bandwidth> has no interval; only the default 50ms can be kept"),
                             value);
            return -1;
        }
    }
    /* To KB/s, as libvirt's Xen driver counts. */
    if (STREQ(unit, "G"))
        n *= 1024 * 1024;
    else if (STREQ(unit, "M"))
        n *= 1024;
    else if (STREQ(unit, ""))
        n /= 1024;
    if (STREQ(bits, "b"))
        n /= 8;
    if (n == 0) {
        xenpvEntryRefuse("vif", spec, _("rate '%s' is less than 1 KB/s"), value);
        return -1;
    }
    /* libvirt's schema takes an average of 1 to 2^32-1 KiB/s. */
    if (n > G_MAXUINT32) {
        xenpvEntryRefuse("vif", spec, _("rate '%s' is more than libvirt's <bandwidth> takes (%u KB/s)"),
                         value, G_MAXUINT32);
        return -1;
    }
    net->bandwidth = g_new0(virNetDevBandwidth, 1);
    net->bandwidth->out = g_new0(virNetDevBandwidthRate, 1);
    net->bandwidth->out->average = n;
    return 0;
}


static int
xenpvVifParseOption(const char *spec, const char *key, const char *v,
                    virDomainNetDef *net, bool *netfront)
{
    /* xl takes "model=" and the like as nothing given; kept as an empty
     * string they would give XML that libvirt's schema refuses. */
    if (!*v && (STREQ(key, "model") || STREQ(key, "script") ||
                STREQ(key, "vifname") || STREQ(key, "backend")))
        return 0;

    if (STREQ(key, "mac")) {
        if (virMacAddrParse(v, &net->mac) < 0) {
            xenpvEntryRefuse("vif", spec, _("'%s' is not a MAC address"), v);
            return -1;
        }
        if (virMacAddrIsMulticast(&net->mac)) {
            xenpvEntryRefuse("vif", spec, _("MAC address '%s' is a multicast address; a NIC needs a unicast one"), v);
            return -1;
        }
        net->mac_type = VIR_DOMAIN_NET_MAC_TYPE_DEFAULT;
    } else if (STREQ(key, "bridge")) {
        return xenpvVifParseBridge(spec, v, net);
    } else if (STREQ(key, "script")) {
        net->script = g_strdup(v);
    } else if (STREQ(key, "vifname")) {
        if (STRPREFIX(v, "vif")) {
            xenpvEntryRefuse("vif", spec, _("vifname '%s' starts with 'vif', which libvirt keeps for generated names; choose another"), v);
            return -1;
        }
        net->ifname = g_strdup(v);
    } else if (STREQ(key, "ip")) {
        g_auto(GStrv) addrs = g_strsplit(v, " ", -1);
        size_t i;

        for (i = 0; addrs[i]; i++) {
            if (*addrs[i] && virDomainNetAppendIPAddress(net, addrs[i], AF_UNSPEC, 0) < 0)
                return -1;
        }
    } else if (STREQ(key, "model")) {
        /* A PV guest's NIC is a netfront whatever the model (xl ignores it
         * for PV guests too); libvirt keeps it as written. */
        return virDomainNetSetModelString(net, v);
    } else if (STREQ(key, "type")) {
        if (STREQ(v, "ioemu")) {
            xenpvEntryRefuse("vif", spec, "%s", _("type 'ioemu' is an emulated NIC; a PV guest's interfaces are type=vif"));
            return -1;
        }
        if (STRNEQ(v, "vif") && STRNEQ(v, "netfront")) {
            xenpvEntryRefuse("vif", spec, _("type '%s' is not vif (or xm's netfront)"), v);
            return -1;
        }
        *netfront = true;
    } else if (STREQ(key, "rate")) {
        return xenpvVifParseRate(spec, v, net);
    } else if (STREQ(key, "backend")) {
        net->domain_name = g_strdup(v);
    } else {
        xenpvEntryRefuse("vif", spec, _("option '%s' is not supported: libvirt's domain XML has no place for it"), key);
        return -1;
    }
    return 0;
}


virDomainNetDef *
xenpvNativeParseVif(virDomainXMLOption *xmlopt, const char *spec)
{
    g_autoptr(virDomainNetDef) net = virDomainNetDefNew(xmlopt);
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    bool netfront = false;
    size_t i;

    if (!net || xenpvSplitOptions("vif", spec, &keys, &values) < 0)
        return NULL;
    /* Without a bridge the vif script alone connects it (vif-route,
     * vif-nat): libvirt's 'ethernet'. */
    net->type = VIR_DOMAIN_NET_TYPE_ETHERNET;
    for (i = 0; keys[i]; i++) {
        if (xenpvVifParseOption(spec, keys[i], values[i], net, &netfront) < 0)
            return NULL;
    }
    if (net->type != VIR_DOMAIN_NET_TYPE_BRIDGE && net->script &&
        (g_str_has_suffix(net->script, "vif-bridge") ||
         g_str_has_suffix(net->script, "vif-vnic"))) {
        xenpvEntryRefuse("vif", spec, _("script '%s' without bridge=: name the bridge"), net->script);
        return NULL;
    }
    if (netfront && net->model == VIR_DOMAIN_NET_MODEL_UNKNOWN && !net->modelstr)
        net->model = VIR_DOMAIN_NET_MODEL_NETFRONT;
    /* No mac=: one under Xen's prefix, as libvirt makes for domain XML
     * (libvirt's Xen driver would leave 00:00:00:00:00:00 here). */
    if (!g_strv_contains((const char * const *)keys, "mac")) {
        virDomainNetGenerateMAC(xmlopt, &net->mac);
        net->mac_type = VIR_DOMAIN_NET_MAC_TYPE_GENERATED;
    }
    return g_steal_pointer(&net);
}


/* The bridge of a libvirt network, as libvirt's Xen driver writes it. */
static char *
xenpvVifNetworkBridge(const virDomainNetDef *net, virConnectPtr conn)
{
    g_autoptr(virNetwork) network = NULL;
    char *bridge;

    if (!conn) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<interface type='network'> ('%s'): its bridge is known only to libvirt's network driver; convert through libvirtd"),
                       net->data.network.name);
        return NULL;
    }
    if (!(network = virNetworkLookupByName(conn, net->data.network.name)))
        return NULL;
    if (!(bridge = virNetworkGetBridgeName(network)))
        return NULL;
    return bridge;
}


char *
xenpvNativeFormatVif(xenpvNativeFormat format G_GNUC_UNUSED,
                     const virDomainNetDef *net,
                     virConnectPtr conn)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    char mac[VIR_MAC_STRING_BUFLEN];
    g_autofree char *ips = NULL;
    const char *model = virDomainNetGetModelString(net);
    size_t i;

    if (net->guestIP.nips > 0) {
        g_auto(GStrv) list = g_new0(char *, net->guestIP.nips + 1);

        for (i = 0; i < net->guestIP.nips; i++) {
            if (!(list[i] = virSocketAddrFormat(&net->guestIP.ips[i]->address)))
                return NULL;
        }
        ips = g_strjoinv(" ", list);
    }
    if (xenpvCheckOptionValue("vif script", net->script) < 0 ||
        xenpvCheckOptionValue("vif vifname", net->ifname) < 0 ||
        xenpvCheckOptionValue("vif model", model) < 0 ||
        xenpvCheckOptionValue("vif backend", net->domain_name) < 0)
        return NULL;

    /* In the order libvirt's Xen driver writes them. */
    virBufferAsprintf(&buf, "mac=%s", virMacAddrFormat(&net->mac, mac));
    switch (net->type) {
    case VIR_DOMAIN_NET_TYPE_BRIDGE: {
        const char *script = net->script;

        if (xenpvCheckOptionValue("vif bridge", net->data.bridge.brname) < 0)
            return NULL;
        virBufferAsprintf(&buf, ",bridge=%s", net->data.bridge.brname);
        if (net->virtPortProfile) {
            if (!script)
                script = "vif-openvswitch";
            for (i = 0; i < net->vlan.nTags; i++)
                virBufferAsprintf(&buf, "%c%u", net->vlan.trunk ? ':' : '.', net->vlan.tag[i]);
        }
        if (ips)
            virBufferAsprintf(&buf, ",ip=%s", ips);
        virBufferAsprintf(&buf, ",script=%s", script ? script : "vif-bridge");
        break;
    }
    case VIR_DOMAIN_NET_TYPE_ETHERNET:
        if (net->script)
            virBufferAsprintf(&buf, ",script=%s", net->script);
        if (ips)
            virBufferAsprintf(&buf, ",ip=%s", ips);
        break;
    case VIR_DOMAIN_NET_TYPE_NETWORK: {
        g_autofree char *bridge = xenpvVifNetworkBridge(net, conn);

        if (!bridge)
            return NULL;
        virBufferAsprintf(&buf, ",bridge=%s,script=vif-bridge", bridge);
        break;
    }
    default:
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<interface type='%s'> has no xm/xl vif spelling"),
                       virDomainNetTypeToString(net->type));
        return NULL;
    }
    if (model)
        virBufferAsprintf(&buf, ",model=%s", model);
    if (net->ifname)
        virBufferAsprintf(&buf, ",vifname=%s", net->ifname);
    if (net->bandwidth && net->bandwidth->out && net->bandwidth->out->average)
        virBufferAsprintf(&buf, ",rate=%lluKB/s", net->bandwidth->out->average);
    if (net->domain_name)
        virBufferAsprintf(&buf, ",backend=%s", net->domain_name);
    return virBufferContentAndReset(&buf);
}


/* ---- vfb ---- */

typedef struct {
    int type;               /* -1: not said */
    int vnc;                /* vnc=BOOL, -1: not given */
    int sdl;                /* sdl=BOOL, -1: not given */
    const char *listen;
    int display;            /* -1: not given */
    int unused;             /* -1: not given */
    const char *passwd;
    const char *keymap;
    const char *xdisplay;
    const char *xauth;
    bool opengl;
} xenpvVfb;


static int
xenpvVfbParseOption(const char *spec, const char *k, const char *v, xenpvVfb *vfb)
{
    bool flag;

    if (STREQ(k, "type")) {
        if (STREQ(v, "vnc")) {
            vfb->type = VIR_DOMAIN_GRAPHICS_TYPE_VNC;
        } else if (STREQ(v, "sdl")) {
            vfb->type = VIR_DOMAIN_GRAPHICS_TYPE_SDL;
        } else {
            xenpvEntryRefuse("vfb", spec, _("type '%s' is not vnc or sdl"), v);
            return -1;
        }
    } else if (STREQ(k, "vnc") || STREQ(k, "sdl")) {
        if (xenpvParseBool("vfb", spec, k, v, &flag) < 0)
            return -1;
        *(STREQ(k, "vnc") ? &vfb->vnc : &vfb->sdl) = flag;
    } else if (STREQ(k, "vnclisten")) {
        vfb->listen = v;
    } else if (STREQ(k, "vncdisplay")) {
        if (virStrToLong_i(v, NULL, 10, &vfb->display) < 0 || vfb->display < 0 ||
            vfb->display > 65535 - VNC_PORT_BASE) {
            xenpvEntryRefuse("vfb", spec, _("vncdisplay '%s' is not a display number"), v);
            return -1;
        }
    } else if (STREQ(k, "vncunused")) {
        if (xenpvParseBool("vfb", spec, k, v, &flag) < 0)
            return -1;
        vfb->unused = flag;
    } else if (STREQ(k, "vncpasswd")) {
        vfb->passwd = v;
    } else if (STREQ(k, "keymap")) {
        vfb->keymap = v;
    } else if (STREQ(k, "display")) {
        vfb->xdisplay = v;
    } else if (STREQ(k, "xauthority")) {
        vfb->xauth = v;
    } else if (STREQ(k, "opengl")) {
        if (xenpvParseBool("vfb", spec, k, v, &vfb->opengl) < 0)
            return -1;
    } else if (STREQ(k, "vkb_device")) {
        if (xenpvParseBool("vfb", spec, k, v, &flag) < 0)
            return -1;
        if (!flag) {
            xenpvEntryRefuse("vfb", spec, "%s", _("vkb_device=0: libvirt always gives a PV framebuffer its keyboard"));
            return -1;
        }
    } else {
        xenpvEntryRefuse("vfb", spec, _("option '%s' is not supported: libvirt's domain XML has no place for it"), k);
        return -1;
    }
    return 0;
}


/* Which protocol: xm's type=, or xl's vnc= (default on) and sdl=. */
static int
xenpvVfbType(const char *spec, const xenpvVfb *vfb)
{
    bool vnc = vfb->vnc == 1 || (vfb->vnc < 0 && vfb->sdl != 1);
    bool sdl = vfb->sdl == 1;

    if (vfb->type >= 0) {
        if ((vfb->type == VIR_DOMAIN_GRAPHICS_TYPE_VNC && vfb->sdl == 1) ||
            (vfb->type == VIR_DOMAIN_GRAPHICS_TYPE_SDL && vfb->vnc == 1)) {
            xenpvEntryRefuse("vfb", spec, "%s", _("type= names one protocol and vnc=/sdl= another"));
            return -1;
        }
        return vfb->type;
    }
    if (vfb->sdl == 1 && vfb->vnc == 1) {
        xenpvEntryRefuse("vfb", spec, "%s", _("vnc=1 and sdl=1: libvirt gives a framebuffer one protocol; set one of them to 0"));
        return -1;
    }
    if (!vnc && !sdl) {
        xenpvEntryRefuse("vfb", spec, "%s", _("neither vnc nor sdl is enabled: a framebuffer nobody can see; remove the entry"));
        return -1;
    }
    return sdl ? VIR_DOMAIN_GRAPHICS_TYPE_SDL : VIR_DOMAIN_GRAPHICS_TYPE_VNC;
}


static int
xenpvVfbSetVnc(const char *spec, xenpvVfb *vfb, virDomainGraphicsDef *gfx)
{
    g_autofree char *listen = NULL;
    const char *colon;

    if (vfb->xdisplay || vfb->xauth || vfb->opengl) {
        xenpvEntryRefuse("vfb", spec, "%s", _("display, xauthority and opengl are sdl options, given for a vnc framebuffer"));
        return -1;
    }
    /* xl's vnclisten=ADDRESS:DISPLAYNUM (one colon: not an IPv6 address). */
    if (vfb->listen && (colon = strchr(vfb->listen, ':')) && !strchr(colon + 1, ':')) {
        int display;

        if (vfb->display >= 0 ||
            virStrToLong_i(colon + 1, NULL, 10, &display) < 0 || display < 0 ||
            display > 65535 - VNC_PORT_BASE) {
            xenpvEntryRefuse("vfb", spec, _("vnclisten '%s': give the display number once, after the address or in vncdisplay"),
                             vfb->listen);
            return -1;
        }
        vfb->display = display;
        listen = g_strndup(vfb->listen, colon - vfb->listen);
    } else {
        listen = g_strdup(vfb->listen);
    }

    if (vfb->display >= 0 && vfb->unused == 1) {
        xenpvEntryRefuse("vfb", spec, "%s", _("a display number with vncunused=1: libvirt takes a fixed display or any free one; drop one of them"));
        return -1;
    }
    if (vfb->display >= 0 || vfb->unused == 0) {
        /* xl's display number defaults to 0. */
        gfx->data.vnc.port = VNC_PORT_BASE + MAX(vfb->display, 0);
        gfx->data.vnc.autoport = false;
    } else {
        gfx->data.vnc.port = -1;
        gfx->data.vnc.autoport = true;
    }
    /* An empty password is no password (xl.cfg(5)). */
    if (vfb->passwd && *vfb->passwd)
        gfx->data.vnc.auth.passwd = g_strdup(vfb->passwd);
    gfx->data.vnc.keymap = g_strdup(vfb->keymap);
    /* libvirt always has a listen for vnc, with no address when none given. */
    return virDomainGraphicsListenAppendAddress(gfx, listen && *listen ? listen : NULL);
}


virDomainGraphicsDef *
xenpvNativeParseVfb(virDomainXMLOption *xmlopt, const char *spec)
{
    g_autoptr(virDomainGraphicsDef) gfx = virDomainGraphicsDefNew(xmlopt);
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    xenpvVfb vfb = { .type = -1, .vnc = -1, .sdl = -1, .display = -1, .unused = -1 };
    int type;
    size_t i;

    if (!gfx || xenpvSplitOptions("vfb", spec, &keys, &values) < 0)
        return NULL;
    for (i = 0; keys[i]; i++) {
        if (xenpvVfbParseOption(spec, keys[i], values[i], &vfb) < 0)
            return NULL;
    }
    if ((type = xenpvVfbType(spec, &vfb)) < 0)
        return NULL;
    gfx->type = type;

    if (gfx->type == VIR_DOMAIN_GRAPHICS_TYPE_SDL) {
        if (vfb.listen || vfb.display >= 0 || vfb.unused >= 0 || vfb.passwd || vfb.keymap) {
            xenpvEntryRefuse("vfb", spec, "%s", _("vnc options given for an sdl framebuffer"));
            return NULL;
        }
        gfx->data.sdl.display = g_strdup(vfb.xdisplay);
        gfx->data.sdl.xauth = g_strdup(vfb.xauth);
        if (vfb.opengl)
            gfx->data.sdl.gl = VIR_TRISTATE_BOOL_YES;
        return g_steal_pointer(&gfx);
    }
    if (xenpvVfbSetVnc(spec, &vfb, gfx) < 0)
        return NULL;
    return g_steal_pointer(&gfx);
}


char *
xenpvNativeFormatVfb(xenpvNativeFormat format, const virDomainGraphicsDef *gfx)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    const char *vals[4] = { NULL };
    size_t i;

    /* xm names the protocol with type=; xl with vnc= and sdl= (vnc is on
     * unless turned off). */
    if (gfx->type == VIR_DOMAIN_GRAPHICS_TYPE_SDL) {
        if (gfx->data.sdl.fullscreen) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<graphics type='sdl' fullscreen='yes'> has no xm/xl vfb option"));
            return NULL;
        }
        if (format == XENPV_NATIVE_XM && gfx->data.sdl.gl == VIR_TRISTATE_BOOL_YES) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<graphics type='sdl'><gl enable='yes'> has no xm vfb option; use xen-xl"));
            return NULL;
        }
        virBufferAdd(&buf, format == XENPV_NATIVE_XM ? "type=sdl" : "sdl=1,vnc=0", -1);
        if (gfx->data.sdl.display)
            virBufferAsprintf(&buf, ",display=%s", gfx->data.sdl.display);
        if (gfx->data.sdl.xauth)
            virBufferAsprintf(&buf, ",xauthority=%s", gfx->data.sdl.xauth);
        if (gfx->data.sdl.gl == VIR_TRISTATE_BOOL_YES)
            virBufferAddLit(&buf, ",opengl=1");
        vals[0] = gfx->data.sdl.display;
        vals[1] = gfx->data.sdl.xauth;
    } else {
        const char *listen = gfx->nListens > 0 ? gfx->listens[0].address : NULL;

        if (gfx->data.vnc.auth.expires || gfx->data.vnc.sharePolicy ||
            gfx->data.vnc.powerControl || gfx->data.vnc.auth.connected) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<graphics type='vnc'> passwdValidTo, connected, sharePolicy and powerControl have no xm/xl vfb option"));
            return NULL;
        }
        if (!gfx->data.vnc.autoport && gfx->data.vnc.port < VNC_PORT_BASE) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("<graphics type='vnc' port='%d'>: xm/xl give a display number, ports from %d"),
                           gfx->data.vnc.port, VNC_PORT_BASE);
            return NULL;
        }
        virBufferAdd(&buf, format == XENPV_NATIVE_XM ? "type=vnc" : "vnc=1", -1);
        virBufferAsprintf(&buf, ",vncunused=%d", gfx->data.vnc.autoport ? 1 : 0);
        if (!gfx->data.vnc.autoport)
            virBufferAsprintf(&buf, ",vncdisplay=%d", gfx->data.vnc.port - VNC_PORT_BASE);
        if (listen)
            virBufferAsprintf(&buf, ",vnclisten=%s", listen);
        if (gfx->data.vnc.auth.passwd)
            virBufferAsprintf(&buf, ",vncpasswd=%s", gfx->data.vnc.auth.passwd);
        if (gfx->data.vnc.keymap)
            virBufferAsprintf(&buf, ",keymap=%s", gfx->data.vnc.keymap);
        vals[0] = listen;
        vals[1] = gfx->data.vnc.auth.passwd;
        vals[2] = gfx->data.vnc.keymap;
    }
    for (i = 0; i < G_N_ELEMENTS(vals); i++) {
        if (xenpvCheckOptionValue("vfb option", vals[i]) < 0)
            return NULL;
    }
    return virBufferContentAndReset(&buf);
}


/* ---- pci, usbdev ---- */

virDomainHostdevDef *
xenpvNativeParsePCI(const char *spec)
{
    g_autoptr(GRegex) re =
        g_regex_new("^(([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])$",
                    0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    g_autofree char *bdf = NULL;
    g_autofree char *opts = NULL;
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    virDomainHostdevDef *hostdev;
    virDomainHostdevSubsysPCI *pci;
    const char *comma = strchr(spec, ',');
    int filtered = VIR_TRISTATE_BOOL_ABSENT;
    bool seize = false;
    unsigned int n[4] = { 0 };
    size_t i;

    bdf = comma ? g_strndup(spec, comma - spec) : g_strdup(spec);
    g_strstrip(bdf);
    if (!g_regex_match(re, bdf, 0, &match)) {
        xenpvEntryRefuse("pci", spec, "%s", _("not [DDDD:]BB:DD.F (virtual slots and function wildcards are not supported)"));
        return NULL;
    }
    for (i = 0; i < 4; i++) {
        g_autofree char *part = g_match_info_fetch(match, i == 0 ? 2 : i + 2);

        if (part && *part)
            ignore_value(virStrToLong_uip(part, NULL, 16, &n[i]));
    }
    /* Two hex digits spell more devices than a PCI bus has. */
    if (n[2] > 0x1f) {
        xenpvEntryRefuse("pci", spec, _("device (slot) 0x%02x: a PCI bus has devices 0x00 to 0x1f"), n[2]);
        return NULL;
    }
    opts = g_strdup(comma ? comma + 1 : "");
    if (xenpvSplitOptions("pci", opts, &keys, &values) < 0)
        return NULL;
    for (i = 0; keys[i]; i++) {
        bool flag;

        if (STRNEQ(keys[i], "permissive") && STRNEQ(keys[i], "seize")) {
            xenpvEntryRefuse("pci", spec, _("option '%s' is not supported: libvirt's domain XML has no place for it"),
                             keys[i]);
            return NULL;
        }
        if (xenpvParseBool("pci", spec, keys[i], values[i], &flag) < 0)
            return NULL;
        /* seize: take the device from its host driver, libvirt's managed. */
        if (STREQ(keys[i], "seize"))
            seize = flag;
        else
            filtered = flag ? VIR_TRISTATE_BOOL_NO : VIR_TRISTATE_BOOL_YES;
    }

    if (!(hostdev = virDomainHostdevDefNew()))
        return NULL;
    hostdev->managed = seize;
    hostdev->writeFiltering = filtered;
    hostdev->source.subsys.type = VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_PCI;
    pci = &hostdev->source.subsys.u.pci;
    pci->addr.domain = n[0];
    pci->addr.bus = n[1];
    pci->addr.slot = n[2];
    pci->addr.function = n[3];
    return hostdev;
}


virDomainHostdevDef *
xenpvNativeParseUSBDev(const char *spec)
{
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    virDomainHostdevDef *hostdev;
    int bus = -1;
    int device = -1;
    size_t i;

    if (xenpvSplitOptions("usbdev", spec, &keys, &values) < 0)
        return NULL;
    for (i = 0; keys[i]; i++) {
        if (STREQ(keys[i], "hostbus")) {
            if (xenpvParseSmallNumber("usbdev", spec, keys[i], values[i], &bus) < 0)
                return NULL;
        } else if (STREQ(keys[i], "hostaddr")) {
            if (xenpvParseSmallNumber("usbdev", spec, keys[i], values[i], &device) < 0)
                return NULL;
        } else if (STREQ(keys[i], "type") && STREQ(values[i], "hostdev")) {
            continue;
        } else {
            xenpvEntryRefuse("usbdev", spec, _("option '%s' is not supported: libvirt's domain XML has no place for it"),
                             keys[i]);
            return NULL;
        }
    }
    if (bus < 0 || device < 0) {
        xenpvEntryRefuse("usbdev", spec, "%s", _("needs hostbus= and hostaddr="));
        return NULL;
    }
    if (!(hostdev = virDomainHostdevDefNew()))
        return NULL;
    hostdev->managed = false;
    hostdev->source.subsys.type = VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_USB;
    hostdev->source.subsys.u.usb.bus = bus;
    hostdev->source.subsys.u.usb.device = device;
    return hostdev;
}


char *
xenpvNativeFormatHostdev(const virDomainHostdevDef *hostdev)
{
    const virDomainHostdevSubsys *sub = &hostdev->source.subsys;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    if (sub->type == VIR_DOMAIN_HOSTDEV_SUBSYS_TYPE_USB) {
        if (hostdev->managed) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<hostdev type='usb' managed='yes'> has no xl usbdev spelling"));
            return NULL;
        }
        if (xenpvCheckSmallNumber("<hostdev type='usb'> bus", sub->u.usb.bus) < 0 ||
            xenpvCheckSmallNumber("<hostdev type='usb'> device", sub->u.usb.device) < 0)
            return NULL;
        return g_strdup_printf("hostbus=%x,hostaddr=%x", sub->u.usb.bus, sub->u.usb.device);
    }
    virBufferAsprintf(&buf, "%04x:%02x:%02x.%x",
                      sub->u.pci.addr.domain, sub->u.pci.addr.bus,
                      sub->u.pci.addr.slot, sub->u.pci.addr.function);
    if (hostdev->writeFiltering == VIR_TRISTATE_BOOL_YES)
        virBufferAddLit(&buf, ",permissive=0");
    else if (hostdev->writeFiltering == VIR_TRISTATE_BOOL_NO)
        virBufferAddLit(&buf, ",permissive=1");
    if (hostdev->managed)
        virBufferAddLit(&buf, ",seize=1");
    return virBufferContentAndReset(&buf);
}


/* ---- usbctrl ---- */

virDomainControllerDef *
xenpvNativeParseUSBCtrl(const char *spec)
{
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    virDomainControllerDef *ctrl;
    int version = 2;
    int ports = 8;
    size_t i;

    if (xenpvSplitOptions("usbctrl", spec, &keys, &values) < 0)
        return NULL;
    for (i = 0; keys[i]; i++) {
        if (STREQ(keys[i], "type")) {
            /* auto picks pv or qusb; libvirt's XML knows qusb. */
            if (STRNEQ(values[i], "qusb") && STRNEQ(values[i], "auto")) {
                xenpvEntryRefuse("usbctrl", spec, _("type '%s': libvirt's XML has QEMU's PVUSB back end (type=qusb) only"),
                                 values[i]);
                return NULL;
            }
        } else if (STREQ(keys[i], "version")) {
            if (xenpvParseSmallNumber("usbctrl", spec, keys[i], values[i], &version) < 0)
                return NULL;
            if (version != 1 && version != 2) {
                xenpvEntryRefuse("usbctrl", spec, _("version %d: PVUSB controllers are USB 1.1 or 2.0"), version);
                return NULL;
            }
        } else if (STREQ(keys[i], "ports")) {
            if (xenpvParseSmallNumber("usbctrl", spec, keys[i], values[i], &ports) < 0)
                return NULL;
        } else {
            xenpvEntryRefuse("usbctrl", spec, _("option '%s' is not supported: libvirt's domain XML has no place for it"),
                             keys[i]);
            return NULL;
        }
    }
    if (!(ctrl = virDomainControllerDefNew(VIR_DOMAIN_CONTROLLER_TYPE_USB)))
        return NULL;
    ctrl->model = VIR_DOMAIN_CONTROLLER_MODEL_USB_QUSB2;
    if (version == 1)
        ctrl->model = VIR_DOMAIN_CONTROLLER_MODEL_USB_QUSB1;
    ctrl->opts.usbopts.ports = ports;
    return ctrl;
}


char *
xenpvNativeFormatUSBCtrl(const virDomainControllerDef *ctrl)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virBufferAsprintf(&buf, "type=qusb,version=%d",
                      ctrl->model == VIR_DOMAIN_CONTROLLER_MODEL_USB_QUSB1 ? 1 : 2);
    if (ctrl->opts.usbopts.ports != -1) {
        if (xenpvCheckSmallNumber("<controller type='usb'> ports", ctrl->opts.usbopts.ports) < 0)
            return NULL;
        virBufferAsprintf(&buf, ",ports=%x", ctrl->opts.usbopts.ports);
    }
    return virBufferContentAndReset(&buf);
}


/* ---- channel ---- */

virDomainChrDef *
xenpvNativeParseChannel(virDomainXMLOption *xmlopt, const char *spec)
{
    g_autoptr(virDomainChrDef) chr = virDomainChrDefNew(xmlopt);
    g_auto(GStrv) keys = NULL;
    g_auto(GStrv) values = NULL;
    const char *connection = NULL;
    const char *path = NULL;
    size_t i;

    if (!chr || xenpvSplitOptions("channel", spec, &keys, &values) < 0)
        return NULL;
    /* target is a union: a new device has a port there (-1), not a name;
     * the types say it is a name, so that freeing the device frees it. */
    chr->target.name = NULL;
    chr->deviceType = VIR_DOMAIN_CHR_DEVICE_TYPE_CHANNEL;
    chr->targetType = VIR_DOMAIN_CHR_CHANNEL_TARGET_TYPE_XEN;
    for (i = 0; keys[i]; i++) {
        if (STREQ(keys[i], "connection")) {
            connection = values[i];
        } else if (STREQ(keys[i], "name")) {
            chr->target.name = g_strdup(values[i]);
        } else if (STREQ(keys[i], "path")) {
            path = values[i];
        } else {
            xenpvEntryRefuse("channel", spec, _("option '%s' is not supported: libvirt's domain XML has no place for it"),
                             keys[i]);
            return NULL;
        }
    }
    if (!chr->target.name || !*chr->target.name) {
        xenpvEntryRefuse("channel", spec, "%s", _("name= is mandatory"));
        return NULL;
    }
    if (STREQ_NULLABLE(connection, "pty") && !path) {
        chr->source->type = VIR_DOMAIN_CHR_TYPE_PTY;
    } else if (STREQ_NULLABLE(connection, "socket") && path && *path) {
        /* The backend binds the socket and listens on it. */
        chr->source->type = VIR_DOMAIN_CHR_TYPE_UNIX;
        chr->source->data.nix.listen = true;
        chr->source->data.nix.path = g_strdup(path);
    } else {
        xenpvEntryRefuse("channel", spec, "%s", _("needs connection=pty, or connection=socket with path="));
        return NULL;
    }
    return g_steal_pointer(&chr);
}


char *
xenpvNativeFormatChannel(const virDomainChrDef *chr)
{
    if (xenpvCheckOptionValue("channel name", chr->target.name) < 0)
        return NULL;
    if (chr->source->type == VIR_DOMAIN_CHR_TYPE_PTY)
        return g_strdup_printf("connection=pty,name=%s", chr->target.name);
    if (!chr->source->data.nix.listen) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<channel type='unix'> '%s': xl's socket channels bind their socket; use <source mode='bind'>"),
                       chr->target.name);
        return NULL;
    }
    if (xenpvCheckOptionValue("channel path", chr->source->data.nix.path) < 0)
        return NULL;
    return g_strdup_printf("connection=socket,path=%s,name=%s",
                           chr->source->data.nix.path, chr->target.name);
}
