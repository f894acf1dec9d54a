/*
 * xenpv_native_disk.c: the "disk" entries of xm and xl configurations (see
 * xenpv_native_disk.h for the two grammars).  Every part of an entry is
 * either mapped or refused by name; nothing is skipped.
 */
#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virstring.h"

#include "xenpv_native_disk.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* Refuse the disk entry @spec, saying why. */
static void G_GNUC_PRINTF(2, 3)
xenpvDiskRefuse(const char *spec, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("disk '%s': %s"), spec, why);
}


/* xl's image format names (xl-disk-configuration(5)) and libvirt's. */
static int
xenpvDiskFormatFromXL(const char *name)
{
    if (STREQ(name, "") || STREQ(name, "raw"))
        return VIR_STORAGE_FILE_RAW;
    if (STREQ(name, "qcow"))
        return VIR_STORAGE_FILE_QCOW;
    if (STREQ(name, "qcow2"))
        return VIR_STORAGE_FILE_QCOW2;
    if (STREQ(name, "qed"))
        return VIR_STORAGE_FILE_QED;
    if (STREQ(name, "vhd"))
        return VIR_STORAGE_FILE_VHD;
    return -1;
}


static const char *
xenpvDiskFormatToXL(int format)
{
    switch (format) {
    case VIR_STORAGE_FILE_QCOW:
        return "qcow";
    case VIR_STORAGE_FILE_QCOW2:
        return "qcow2";
    case VIR_STORAGE_FILE_QED:
        return "qed";
    case VIR_STORAGE_FILE_VHD:
        return "vhd";
    default:
        return "raw";
    }
}


/* The source of a disk: a path, where xl's "/dev is prepended if the path
 * doesn't start with a '/'" (and xm's phy:hda1 meant /dev/hda1). */
static int
xenpvDiskSetSource(const char *spec, const char *path, bool block,
                   virDomainDiskDef *disk)
{
    if (!path || !*path) {
        xenpvDiskRefuse(spec, "%s", _("no source (empty CD-ROM drives are not supported for PV guests)"));
        return -1;
    }
    disk->src->path = path[0] == '/' ? g_strdup(path) : g_strdup_printf("/dev/%s", path);
    disk->src->type = block ? VIR_STORAGE_TYPE_BLOCK : VIR_STORAGE_TYPE_FILE;
    return 0;
}


/* VDEV, with xm's and xl's ":disk" and ":cdrom" suffixes. */
static int
xenpvDiskSetVdev(const char *spec, const char *vdev, virDomainDiskDef *disk)
{
    const char *colon = strrchr(vdev, ':');

    if (colon && STREQ(colon, ":cdrom")) {
        xenpvDiskRefuse(spec, "%s", _("CD-ROM devices are not supported for PV guests; attach the image as a disk"));
        return -1;
    }
    if (colon && STRNEQ(colon, ":disk")) {
        xenpvDiskRefuse(spec, _("device type '%s' is not 'disk'"), colon + 1);
        return -1;
    }
    if (disk->dst) {
        xenpvDiskRefuse(spec, "%s", _("vdev given twice"));
        return -1;
    }
    disk->dst = colon ? g_strndup(vdev, colon - vdev) : g_strdup(vdev);
    if (!*disk->dst) {
        xenpvDiskRefuse(spec, "%s", _("no virtual device name (vdev)"));
        return -1;
    }
    return 0;
}


/* ---- xm ---- */

/* xm's SOURCE,VDEV,MODE.  The driver prefix is kept as the driver name, as
 * libvirt's Xen driver keeps it; "qdisk:" is libvirt's 'qemu'. */
static int
xenpvDiskParseXM(const char *spec, virDomainDiskDef *disk)
{
    g_auto(GStrv) fields = g_strsplit(spec, ",", -1);
    const char *src;
    const char *vdev;
    const char *mode;
    const char *colon;
    g_autofree char *driver = NULL;

    if (g_strv_length(fields) != 3) {
        xenpvDiskRefuse(spec, "%s", _("expected SOURCE,VDEV,MODE"));
        return -1;
    }
    src = g_strstrip(fields[0]);
    vdev = g_strstrip(fields[1]);
    mode = g_strstrip(fields[2]);

    if ((colon = strchr(src, ':')) && src[0] != '/') {
        driver = g_strndup(src, colon - src);
        src = colon + 1;
        if (STREQ(driver, "qdisk")) {
            g_free(driver);
            driver = g_strdup("qemu");
        }
        if (STRNEQ(driver, "phy") && STRNEQ(driver, "file") && STRNEQ(driver, "tap") &&
            STRNEQ(driver, "tap2") && STRNEQ(driver, "qemu")) {
            xenpvDiskRefuse(spec, _("driver '%s:' is not one of phy:, file:, tap:, tap2:, qdisk:, qemu: (or xl's syntax)"),
                            driver);
            return -1;
        }
    }
    if (STREQ_NULLABLE(driver, "tap") || STREQ_NULLABLE(driver, "tap2")) {
        const char *sub;
        g_autofree char *subtype = NULL;
        int format;

        if (STRPREFIX(src, "tapdisk:"))
            src += strlen("tapdisk:");
        if (!(sub = strchr(src, ':')) || src[0] == '/') {
            xenpvDiskRefuse(spec, _("%s: needs the image type (aio: for raw, qcow:, qcow2:, qed:, vhd:)"),
                            driver);
            return -1;
        }
        subtype = g_strndup(src, sub - src);
        format = STREQ(subtype, "aio") ? VIR_STORAGE_FILE_RAW : xenpvDiskFormatFromXL(subtype);
        if (format < 0 || STREQ(subtype, "raw")) {
            xenpvDiskRefuse(spec, _("image type '%s:' is not aio:, qcow:, qcow2:, qed: or vhd:"), subtype);
            return -1;
        }
        disk->src->format = format;
        src = sub + 1;
    }
    /* No driver: phy, as xm and libvirt take it. */
    if (!driver)
        driver = g_strdup("phy");

    if (xenpvDiskSetSource(spec, src, STREQ(driver, "phy"), disk) < 0)
        return -1;
    disk->driverName = g_steal_pointer(&driver);

    /* "ioemu:" marked HVM devices for xend; the device is the same. */
    if (STRPREFIX(vdev, "ioemu:"))
        vdev += strlen("ioemu:");
    if (xenpvDiskSetVdev(spec, vdev, disk) < 0)
        return -1;

    if (STREQ(mode, "r") || STREQ(mode, "ro")) {
        disk->src->readonly = true;
    } else if (STREQ(mode, "w!") || STREQ(mode, "!")) {
        disk->src->shared = true;
    } else if (STRNEQ(mode, "w") && STRNEQ(mode, "rw")) {
        xenpvDiskRefuse(spec, _("access mode '%s' is not one of r, ro, w, rw, w!"), mode);
        return -1;
    }
    return 0;
}


/* ---- xl ---- */

typedef struct {
    char *target;
    bool haveTarget;
    int format;             /* -1: not given */
    char *vdev;
    char *access;
    int backend;            /* XL_BACKEND_*; 0: not given */
    bool deprecatedPrefix;
} xenpvXLDisk;

enum {
    XL_BACKEND_NONE = 0,
    XL_BACKEND_PHY,
    XL_BACKEND_TAP,
    XL_BACKEND_QDISK,
};


static void
xenpvXLDiskClear(xenpvXLDisk *d)
{
    g_free(d->target);
    g_free(d->vdev);
    g_free(d->access);
}


static int
xenpvXLDiskSetString(const char *spec, const char *what, char **field, const char *value)
{
    /* xl lets an empty value be given again; anything else once only. */
    if (*field && **field) {
        xenpvDiskRefuse(spec, _("%s given twice"), what);
        return -1;
    }
    g_free(*field);
    *field = g_strdup(value);
    return 0;
}


static int
xenpvXLDiskSetFormat(const char *spec, xenpvXLDisk *d, const char *value)
{
    int format = xenpvDiskFormatFromXL(value);

    if (format < 0) {
        xenpvDiskRefuse(spec, _("format '%s' is not one of raw, qcow, qcow2, qed, vhd"), value);
        return -1;
    }
    if (d->format >= 0 && d->format != format) {
        xenpvDiskRefuse(spec, "%s", _("format given twice"));
        return -1;
    }
    d->format = format;
    return 0;
}


/* The deprecated prefixes xl still reads: formats, block scripts (refused),
 * and the ones it ignores.  Returns the length of the prefix at @p, 0 when
 * there is none, -1 when it is one xl does not know. */
static int
xenpvXLDiskPrefix(const char *spec, xenpvXLDisk *d, const char *p)
{
    const char *ignored[] = { "tapdisk:", "tap2:", "tap:", "aio:", "ioemu:", "file:", "phy:" };
    const char *formats[] = { "raw:", "qcow:", "qcow2:", "vhd:" };
    const char *scripts[] = { "iscsi:", "nbd:", "enbd:", "drbd:" };
    size_t len;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ignored); i++) {
        if (STRPREFIX(p, ignored[i]))
            return strlen(ignored[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (STRPREFIX(p, formats[i])) {
            g_autofree char *name = g_strndup(p, strlen(formats[i]) - 1);

            if (xenpvXLDiskSetFormat(spec, d, name) < 0)
                return -1;
            return strlen(formats[i]);
        }
    }
    for (i = 0; i < G_N_ELEMENTS(scripts); i++) {
        if (STRPREFIX(p, scripts[i])) {
            xenpvDiskRefuse(spec, _("block script prefix '%s' is not supported: this driver serves local block devices and images"),
                            scripts[i]);
            return -1;
        }
    }
    /* xl's rule: lower-case letters and digits, a colon, then no letter or
     * digit (a path, or nothing). */
    len = 0;
    if (g_ascii_islower(p[0])) {
        while (g_ascii_islower(p[len]) || g_ascii_isdigit(p[len]))
            len++;
        if (p[len] == ':' && !g_ascii_isalnum(p[len + 1])) {
            g_autofree char *prefix = g_strndup(p, len + 1);

            xenpvDiskRefuse(spec, _("unknown deprecated prefix '%s'"), prefix);
            return -1;
        }
    }
    return 0;
}


/* A positional parameter goes to the first of TARGET, FORMAT, VDEV, ACCESS
 * still free; after a deprecated prefix there is no FORMAT (xm's
 * "phy:/dev/x,xvda,w"). */
static int
xenpvXLDiskPositional(const char *spec, xenpvXLDisk *d, const char *value)
{
    if (!d->haveTarget) {
        d->haveTarget = true;
        return xenpvXLDiskSetString(spec, "target", &d->target, value);
    }
    if (!d->deprecatedPrefix && d->format < 0) {
        /* ",hdc:cdrom,r": xend's empty CD-ROM (refused below); the
         * vdev takes the format's place. */
        if (!*d->target && strchr(value, ':')) {
            d->format = VIR_STORAGE_FILE_RAW;
            return xenpvXLDiskSetString(spec, "vdev", &d->vdev, value);
        }
        return xenpvXLDiskSetFormat(spec, d, value);
    }
    if (!d->vdev)
        return xenpvXLDiskSetString(spec, "vdev", &d->vdev, value);
    if (!d->access)
        return xenpvXLDiskSetString(spec, "access", &d->access, value);
    xenpvDiskRefuse(spec, _("too many positional parameters at '%s'"), value);
    return -1;
}


static int
xenpvXLDiskKey(const char *spec, xenpvXLDisk *d, virDomainDiskDef *disk,
               const char *key, const char *value)
{
    if (STREQ(key, "format"))
        return xenpvXLDiskSetFormat(spec, d, value);
    if (STREQ(key, "vdev"))
        return xenpvXLDiskSetString(spec, "vdev", &d->vdev, value);
    if (STREQ(key, "access"))
        return xenpvXLDiskSetString(spec, "access", &d->access, value);
    if (STREQ(key, "devtype")) {
        if (STREQ(value, "disk"))
            return 0;
        if (STREQ(value, "cdrom"))
            xenpvDiskRefuse(spec, "%s", _("CD-ROM devices are not supported for PV guests; attach the image as a disk"));
        else
            xenpvDiskRefuse(spec, _("devtype '%s' is not disk or cdrom"), value);
        return -1;
    }
    if (STREQ(key, "backendtype")) {
        int backend;

        if (STREQ(value, "phy")) {
            backend = XL_BACKEND_PHY;
        } else if (STREQ(value, "tap")) {
            backend = XL_BACKEND_TAP;
        } else if (STREQ(value, "qdisk")) {
            backend = XL_BACKEND_QDISK;
        } else {
            xenpvDiskRefuse(spec, _("backendtype '%s' is not supported for PV guests; use phy, tap or qdisk"),
                            value);
            return -1;
        }
        if (d->backend && d->backend != backend) {
            xenpvDiskRefuse(spec, "%s", _("backendtype given twice"));
            return -1;
        }
        d->backend = backend;
        return 0;
    }
    if (STREQ(key, "backend"))
        return xenpvXLDiskSetString(spec, "backend", &disk->domain_name, value);
    if (STREQ(key, "specification")) {
        if (STREQ(value, "xen"))
            return 0;
        xenpvDiskRefuse(spec, _("specification '%s': a PV guest's disks are Xen block devices"), value);
        return -1;
    }
    if (STREQ(key, "script")) {
        xenpvDiskRefuse(spec, _("script '%s': block scripts are not supported; this driver serves local block devices and images"),
                        value);
        return -1;
    }
    xenpvDiskRefuse(spec, _("parameter '%s' is not supported: libvirt's domain XML has no place for it"), key);
    return -1;
}


static int
xenpvXLDiskFlag(const char *spec, virDomainDiskDef *disk, const char *flag)
{
    if (STREQ(flag, "discard")) {
        disk->discard = VIR_DOMAIN_DISK_DISCARD_UNMAP;
    } else if (STREQ(flag, "no-discard")) {
        disk->discard = VIR_DOMAIN_DISK_DISCARD_IGNORE;
    } else if (STREQ(flag, "cdrom")) {
        xenpvDiskRefuse(spec, "%s", _("CD-ROM devices are not supported for PV guests; attach the image as a disk"));
        return -1;
    } else {
        xenpvDiskRefuse(spec, _("flag '%s' is not supported: libvirt's domain XML has no place for it"), flag);
        return -1;
    }
    return 0;
}


static bool
xenpvXLDiskIsFlag(const char *word)
{
    const char *flags[] = { "cdrom", "discard", "no-discard", "direct-io-safe", "colo",
                            "no-colo", "trusted", "untrusted" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(flags); i++) {
        if (STREQ(word, flags[i]))
            return true;
    }
    return false;
}


/* A key=value parameter: a lower-case name as xl's lexer takes it. */
static bool
xenpvXLDiskIsKey(const char *word, const char **eq)
{
    size_t len = 0;

    if (!g_ascii_islower(word[0]))
        return false;
    while (g_ascii_islower(word[len]) || g_ascii_isdigit(word[len]) ||
           word[len] == '-' || word[len] == '_')
        len++;
    if (word[len] != '=')
        return false;
    *eq = word + len;
    return true;
}


static int
xenpvDiskParseXL(const char *spec, virDomainDiskDef *disk)
{
    xenpvXLDisk d = { .format = -1 };
    const char *p = spec;
    int ret = -1;

    while (*p) {
        g_autofree char *word = NULL;
        const char *end;
        const char *eq;
        int prefix;

        while (g_ascii_isspace(*p))
            p++;
        if (STRPREFIX(p, "target=")) {
            /* Takes the rest of the entry, commas and all. */
            if (d.haveTarget && d.target && *d.target) {
                xenpvDiskRefuse(spec, "%s", _("target given twice"));
                goto cleanup;
            }
            g_free(d.target);
            d.target = g_strdup(p + strlen("target="));
            d.haveTarget = true;
            break;
        }
        while ((prefix = xenpvXLDiskPrefix(spec, &d, p)) > 0) {
            d.deprecatedPrefix = true;
            p += prefix;
        }
        if (prefix < 0)
            goto cleanup;
        end = strchrnul(p, ',');
        word = g_strndup(p, end - p);
        p = *end ? end + 1 : end;

        if (xenpvXLDiskIsKey(word, &eq)) {
            g_autofree char *key = g_strndup(word, eq - word);

            if (xenpvXLDiskKey(spec, &d, disk, key, eq + 1) < 0)
                goto cleanup;
        } else if (xenpvXLDiskIsFlag(word)) {
            if (xenpvXLDiskFlag(spec, disk, word) < 0)
                goto cleanup;
        } else if (strchr(word, '=')) {
            xenpvDiskRefuse(spec, _("'%s' is not a parameter xl knows"), word);
            goto cleanup;
        } else if (xenpvXLDiskPositional(spec, &d, word) < 0) {
            goto cleanup;
        }
    }

    if (!d.vdev) {
        xenpvDiskRefuse(spec, "%s", _("no vdev (it is mandatory)"));
        goto cleanup;
    }
    if (xenpvDiskSetVdev(spec, d.vdev, disk) < 0)
        goto cleanup;
    if (!d.access || STREQ(d.access, "") || STREQ(d.access, "rw") || STREQ(d.access, "w")) {
        disk->src->readonly = false;
    } else if (STREQ(d.access, "r") || STREQ(d.access, "ro")) {
        disk->src->readonly = true;
    } else {
        xenpvDiskRefuse(spec, _("access '%s' is not one of r, ro, w, rw"), d.access);
        goto cleanup;
    }
    disk->src->format = d.format < 0 ? VIR_STORAGE_FILE_RAW : d.format;

    /* The back end as libvirt's Xen driver reads it: what backendtype says,
     * QEMU's qdisk when it says nothing (prefixes are ignored, as by xl). */
    switch (d.backend) {
    case XL_BACKEND_PHY:
        disk->driverName = g_strdup("phy");
        break;
    case XL_BACKEND_TAP:
        disk->driverName = g_strdup("tap");
        break;
    default:
        disk->driverName = g_strdup("qemu");
        break;
    }
    if (xenpvDiskSetSource(spec, d.target, d.backend == XL_BACKEND_PHY, disk) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    xenpvXLDiskClear(&d);
    return ret;
}


/* Does an entry in an xm file use xl's syntax (four positional fields, or
 * key=value parameters)? */
static bool
xenpvDiskSpecIsXL(const char *spec)
{
    g_auto(GStrv) fields = g_strsplit(spec, ",", -1);
    size_t i;

    if (g_strv_length(fields) != 3)
        return true;
    for (i = 0; fields[i]; i++) {
        const char *eq;

        if (xenpvXLDiskIsKey(g_strstrip(fields[i]), &eq))
            return true;
    }
    return false;
}


virDomainDiskDef *
xenpvNativeParseDisk(virDomainXMLOption *xmlopt,
                     xenpvNativeFormat format,
                     const char *spec)
{
    g_autoptr(virDomainDiskDef) disk = virDomainDiskDefNew(xmlopt);
    int rc;

    if (!disk)
        return NULL;
    disk->device = VIR_DOMAIN_DISK_DEVICE_DISK;
    disk->bus = VIR_DOMAIN_DISK_BUS_XEN;

    if (format == XENPV_NATIVE_XM && !xenpvDiskSpecIsXL(spec))
        rc = xenpvDiskParseXM(spec, disk);
    else
        rc = xenpvDiskParseXL(spec, disk);
    if (rc < 0)
        return NULL;
    return g_steal_pointer(&disk);
}


/* ---- writing ---- */

/* A value going into a comma-separated entry must not contain a comma. */
static int
xenpvDiskCheckValue(const char *what, const char *value)
{
    if (value && strchr(value, ',')) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk %s '%s' contains a ',', which this entry cannot hold"),
                       what, value);
        return -1;
    }
    return 0;
}


static char *
xenpvDiskFormatXM(const virDomainDiskDef *disk)
{
    const char *driver = disk->driverName;
    const char *mode = "w";
    g_autofree char *prefix = NULL;

    if (disk->src->readonly)
        mode = "r";
    else if (disk->src->shared)
        mode = "!";

    if (xenpvDiskCheckValue("source", disk->src->path) < 0 ||
        xenpvDiskCheckValue("target", disk->dst) < 0)
        return NULL;

    if (STREQ_NULLABLE(driver, "tap") || STREQ_NULLABLE(driver, "tap2")) {
        const char *format = "aio";

        if (disk->src->format > VIR_STORAGE_FILE_RAW)
            format = xenpvDiskFormatToXL(disk->src->format);
        prefix = g_strdup_printf("%s:%s:", driver, format);
    } else if (disk->src->format > VIR_STORAGE_FILE_RAW) {
        /* xm gives an image format with tap: only. */
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<disk><driver name='%s' type='%s'> (%s): xm names image formats with tap: only; use xen-xl"),
                       NULLSTR(driver), virStorageFileFormatTypeToString(disk->src->format),
                       disk->dst);
        return NULL;
    } else if (driver) {
        /* libvirt's 'qemu' is written as its xm prefix too; qdisk is its
         * older name. */
        prefix = g_strdup_printf("%s:", STREQ(driver, "qdisk") ? "qemu" : driver);
    } else {
        /* No driver: what xm would make of the source. */
        prefix = g_strdup(disk->src->type == VIR_STORAGE_TYPE_BLOCK ? "phy:" : "file:");
    }
    return g_strdup_printf("%s%s,%s,%s", prefix, disk->src->path, disk->dst, mode);
}


static char *
xenpvDiskFormatXL(const virDomainDiskDef *disk)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    const char *driver = disk->driverName;

    if (disk->src->shared) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<disk><shareable/> (%s): xl has no shared-write access; use xen-xm"),
                       disk->dst);
        return NULL;
    }
    if (STREQ_NULLABLE(driver, "tap2")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<disk><driver name='tap2'> (%s): xl has no tap2 back end; use 'tap' or xen-xm"),
                       disk->dst);
        return NULL;
    }
    if (xenpvDiskCheckValue("target", disk->dst) < 0 ||
        xenpvDiskCheckValue("backend domain", disk->domain_name) < 0)
        return NULL;

    virBufferAsprintf(&buf, "format=%s,vdev=%s,access=%s",
                      xenpvDiskFormatToXL(disk->src->format), disk->dst,
                      disk->src->readonly ? "ro" : "rw");
    /* As libvirt's Xen driver writes it: 'file' is QEMU's qdisk there. */
    if (driver && (STREQ(driver, "qemu") || STREQ(driver, "qdisk") || STREQ(driver, "file")))
        virBufferAddLit(&buf, ",backendtype=qdisk");
    else if (driver)
        virBufferAsprintf(&buf, ",backendtype=%s", driver);
    if (disk->domain_name)
        virBufferAsprintf(&buf, ",backend=%s", disk->domain_name);
    if (disk->discard == VIR_DOMAIN_DISK_DISCARD_UNMAP)
        virBufferAddLit(&buf, ",discard");
    else if (disk->discard == VIR_DOMAIN_DISK_DISCARD_IGNORE)
        virBufferAddLit(&buf, ",no-discard");
    /* target= takes the rest of the entry: last, and it may hold commas. */
    virBufferAsprintf(&buf, ",target=%s", disk->src->path);
    return virBufferContentAndReset(&buf);
}


char *
xenpvNativeFormatDisk(xenpvNativeFormat format, const virDomainDiskDef *disk)
{
    if (format == XENPV_NATIVE_XM) {
        if (disk->domain_name || disk->discard) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("<disk> (%s): backenddomain and discard have no xm spelling; use xen-xl"),
                           disk->dst);
            return NULL;
        }
        return xenpvDiskFormatXM(disk);
    }
    return xenpvDiskFormatXL(disk);
}
