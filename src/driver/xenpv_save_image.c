/*
 * xenpv_save_image.c: reading and writing save image files
 * (docs/save-format.md).  What goes into the stream is the back end's.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenpv_save_image.h"
#include "xenpv_domain_arch.h"

#include "virerror.h"
#include "virfile.h"
#include "virutil.h"

#include "xenpv_domain_xmlopt.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define XENPV_SAVE_MAGIC "XENPV-SAVE-IMAGE"
#define XENPV_SAVE_VERSION 1
#define XENPV_SAVE_HEADER_SIZE 128
#define XENPV_SAVE_ALIGN 4096
/* Far above any real definition; guards against reading garbage. */
#define XENPV_SAVE_XML_MAX (16 * 1024 * 1024)

G_STATIC_ASSERT(sizeof(xenpvSaveHeader) == XENPV_SAVE_HEADER_SIZE);

void
xenpvSaveImageClear(xenpvSaveImage *img)
{
    g_free(img->xml);
    memset(img, 0, sizeof(*img));
}


int
xenpvSaveImageOpen(const char *path, xenpvSaveImage *img)
{
    VIR_AUTOCLOSE fd = -1;
    xenpvSaveHeader *hdr = &img->hdr;
    struct stat st;
    ssize_t got;
    int ret;

    memset(img, 0, sizeof(*img));
    /* Non-blocking until it is known to be a regular file: a FIFO must not
     * hold the call up waiting for a writer. */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
        virReportSystemError(errno, _("cannot open save image '%s'"), path);
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        virReportSystemError(errno, _("cannot stat save image '%s'"), path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("save image '%s' is not a regular file"), path);
        return -1;
    }
    if (virSetBlocking(fd, true) < 0) {
        virReportSystemError(errno, _("cannot read save image '%s'"), path);
        return -1;
    }
    got = saferead(fd, hdr, sizeof(*hdr));
    if (got < XENPV_SAVE_MAGIC_LEN ||
        memcmp(hdr->magic, XENPV_SAVE_MAGIC, XENPV_SAVE_MAGIC_LEN) != 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("'%s' is not a Xen PV save image (bad magic)"), path);
        return -1;
    }
    if (got != sizeof(*hdr)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("save image '%s' is truncated in its header"), path);
        return -1;
    }
    hdr->version = GUINT32_FROM_LE(hdr->version);
    hdr->headerSize = GUINT32_FROM_LE(hdr->headerSize);
    hdr->xmlLen = GUINT32_FROM_LE(hdr->xmlLen);
    hdr->flags = GUINT32_FROM_LE(hdr->flags);
    hdr->width = GUINT32_FROM_LE(hdr->width);
    hdr->levels = GUINT32_FROM_LE(hdr->levels);
    hdr->streamOffset = GUINT64_FROM_LE(hdr->streamOffset);
    hdr->streamLength = GUINT64_FROM_LE(hdr->streamLength);
    hdr->streamVersion = GUINT32_FROM_LE(hdr->streamVersion);
    hdr->abi[sizeof(hdr->abi) - 1] = '\0';
    hdr->streamFormat[sizeof(hdr->streamFormat) - 1] = '\0';

    if (hdr->version != XENPV_SAVE_VERSION) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("save image '%s' has format version %u; this driver reads version %u"),
                       path, hdr->version, XENPV_SAVE_VERSION);
        return -1;
    }
    if (hdr->headerSize < XENPV_SAVE_HEADER_SIZE ||
        hdr->xmlLen == 0 || hdr->xmlLen > XENPV_SAVE_XML_MAX ||
        hdr->streamOffset < (uint64_t)hdr->headerSize + hdr->xmlLen) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("save image '%s' has an inconsistent header"), path);
        return -1;
    }
    if (hdr->streamLength == 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("save image '%s' is incomplete: its save never finished"), path);
        return -1;
    }
    img->abi = xenpvGuestAbiFromCaps(hdr->abi);
    if (img->abi == XENPV_GUEST_ABI_UNKNOWN ||
        xenpvGuestAbiWidth(img->abi) != hdr->width ||
        xenpvGuestAbiLevels(img->abi) != hdr->levels) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("save image '%s' records an unknown guest ABI '%s' (width %u, levels %u)"),
                       path, hdr->abi, hdr->width, hdr->levels);
        return -1;
    }

    img->xml = g_new0(char, hdr->xmlLen);
    if (lseek(fd, hdr->headerSize, SEEK_SET) < 0 ||
        saferead(fd, img->xml, hdr->xmlLen) != hdr->xmlLen ||
        img->xml[hdr->xmlLen - 1] != '\0') {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("save image '%s' is truncated in its domain XML"), path);
        goto error;
    }
    if (lseek(fd, hdr->streamOffset, SEEK_SET) < 0) {
        virReportSystemError(errno, _("cannot seek in save image '%s'"), path);
        goto error;
    }
    ret = fd;
    fd = -1;
    return ret;

 error:
    xenpvSaveImageClear(img);
    return -1;
}


int
xenpvSaveImageLoad(xenpvDriver *driver, const char *path,
                   xenpvSaveImage *img, virDomainDef **def)
{
    VIR_AUTOCLOSE fd = -1;
    int ret;

    if ((fd = xenpvSaveImageOpen(path, img)) < 0)
        return -1;
    img->container = xenpvDriverStreamContainer(driver, img->hdr.streamFormat);
    if (!(*def = xenpvDomainDefParseString(img->xml, driver->xmlopt,
                                           VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return -1;
    /* Images of an older version of this driver carry the arch marker in
     * the definition; the image's guest ABI says what it is. */
    ignore_value(xenpvDomainDefTakeArchMarker(*def));
    ret = fd;
    fd = -1;
    return ret;
}


int
xenpvSaveImageCheckStream(xenpvDriver *driver, const xenpvSaveImage *img, const char *path)
{
    g_autofree char *origin = NULL;

    /* Images written before the format was recorded leave it empty: the
     * back end's own header check is all there is for those. */
    if (!img->hdr.streamFormat[0])
        return 0;
    origin = g_strdup_printf(_("save image '%s'"), path);
    return xenpvDriverCheckStream(driver, img->hdr.streamFormat,
                                  img->hdr.streamVersion, origin);
}


char *
xenpvSaveImageFormatDef(xenpvDriver *driver, virDomainDef *def, unsigned int flags)
{
    unsigned int formatFlags = VIR_DOMAIN_DEF_FORMAT_INACTIVE;

    if (flags & VIR_DOMAIN_SAVE_IMAGE_XML_SECURE)
        formatFlags |= VIR_DOMAIN_DEF_FORMAT_SECURE;
    return virDomainDefFormat(def, driver->xmlopt, formatFlags);
}


int
xenpvSaveImageWriteHeader(int fd, const char *path, const char *xml,
                          xenpvGuestAbi abi, const char *streamFormat,
                          unsigned int streamVersion, uint32_t flags,
                          uint64_t *streamOffset)
{
    xenpvSaveHeader hdr = { 0 };
    size_t xmlLen = strlen(xml) + 1;
    uint64_t offset = VIR_ROUND_UP(XENPV_SAVE_HEADER_SIZE + xmlLen, XENPV_SAVE_ALIGN);
    g_autofree char *padding = NULL;
    size_t padLen = offset - XENPV_SAVE_HEADER_SIZE - xmlLen;

    memcpy(hdr.magic, XENPV_SAVE_MAGIC, XENPV_SAVE_MAGIC_LEN);
    hdr.version = GUINT32_TO_LE(XENPV_SAVE_VERSION);
    hdr.headerSize = GUINT32_TO_LE(XENPV_SAVE_HEADER_SIZE);
    hdr.xmlLen = GUINT32_TO_LE((uint32_t)xmlLen);
    hdr.flags = GUINT32_TO_LE(flags);
    hdr.width = GUINT32_TO_LE(xenpvGuestAbiWidth(abi));
    hdr.levels = GUINT32_TO_LE(xenpvGuestAbiLevels(abi));
    g_strlcpy(hdr.abi, xenpvGuestAbiToCaps(abi), sizeof(hdr.abi));
    hdr.streamOffset = GUINT64_TO_LE(offset);
    g_strlcpy(hdr.streamFormat, streamFormat, sizeof(hdr.streamFormat));
    hdr.streamVersion = GUINT32_TO_LE(streamVersion);

    padding = g_new0(char, padLen ? padLen : 1);
    if (safewrite(fd, &hdr, sizeof(hdr)) < 0 ||
        safewrite(fd, xml, xmlLen) < 0 ||
        (padLen && safewrite(fd, padding, padLen) < 0)) {
        virReportSystemError(errno, _("cannot write save image '%s'"), path);
        return -1;
    }
    *streamOffset = offset;
    return 0;
}


int
xenpvSaveImageFinish(int fd, const char *path, uint64_t streamOffset)
{
    struct stat sb;
    uint64_t length;

    if (fstat(fd, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat save image '%s'"), path);
        return -1;
    }
    length = GUINT64_TO_LE((uint64_t)sb.st_size - streamOffset);
    if (pwrite(fd, &length, sizeof(length),
               G_STRUCT_OFFSET(xenpvSaveHeader, streamLength)) != sizeof(length) ||
        fsync(fd) < 0) {
        virReportSystemError(errno, _("cannot complete save image '%s'"), path);
        return -1;
    }
    return 0;
}
