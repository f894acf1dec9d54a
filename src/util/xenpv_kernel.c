/*
 * xenpv_kernel.c: inspection of PV kernel images.
 *
 * Unwraps an image the way distributions ship it (an x86 bzImage, and/or
 * one layer of compression) down to the ELF inside, has its Xen notes
 * read (xenpv_kernel_elf.c), then decides, as Xen's PV loader does,
 * whether it is a PV kernel and which guest ABI it needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>

#include "xenpv_kernel.h"
#include "xenpv_kernel_decompress.h"
#include "xenpv_kernel_elf.h"

/* The x86 boot protocol's setup header (Documentation/x86/boot.rst). */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_HEADER_MAGIC 0x202
#define BZ_VERSION 0x206
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c
#define BZ_HEADER_END 0x250
/* payload_offset and payload_length exist from boot protocol 2.08 on. */
#define BZ_PAYLOAD_MIN_VERSION 0x0208

G_DEFINE_QUARK(xenpv-kernel-error-quark, xenpv_kernel_error)


void
xenpvKernelInfoClear(xenpvKernelInfo *info)
{
    if (!info)
        return;
    g_free(info->compression);
    g_free(info->guestOs);
    g_free(info->guestVersion);
    g_free(info->xenVersion);
    g_free(info->loader);
    g_free(info->paeMode);
    g_free(info->features);
    g_free(info->bsdSymtab);
    if (info->image)
        g_bytes_unref(info->image);
    memset(info, 0, sizeof(*info));
}


static const char *
orNone(const char *s)
{
    return s ? s : "(none)";
}


static gboolean
isElf(const guint8 *data, gsize len)
{
    return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}


static guint32
rd32(const guint8 *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}


gboolean
xenpvKernelIsBzImage(const guint8 *data, gsize len)
{
    return len >= BZ_HEADER_END && memcmp(data + BZ_HEADER_MAGIC, "HdrS", 4) == 0;
}


gboolean
xenpvKernelBzImagePayload(const char *name, const guint8 *data, gsize len,
                          const guint8 **payload, gsize *payloadLen, GError **error)
{
    unsigned int version = data[BZ_VERSION] | (data[BZ_VERSION + 1] << 8);
    unsigned int setupSects = data[BZ_SETUP_SECTS];
    guint64 start;
    guint32 length;

    if (version < BZ_PAYLOAD_MIN_VERSION) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF,
                    "%s: bzImage of boot protocol %u.%02u, older than 2.08: it does not "
                    "say where its ELF payload is", name, version >> 8, version & 0xff);
        return FALSE;
    }
    /* 0 means 4, for compatibility with ancient images. */
    if (setupSects == 0)
        setupSects = 4;
    start = (guint64)(setupSects + 1) * 512 + rd32(data + BZ_PAYLOAD_OFFSET);
    length = rd32(data + BZ_PAYLOAD_LENGTH);
    if (start > len || length > len - start || length == 0) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: truncated bzImage: its payload (%u bytes at offset %" G_GUINT64_FORMAT
                    ") lies outside the %zu-byte file", name, length, start, len);
        return FALSE;
    }
    *payload = data + start;
    *payloadLen = length;
    return TRUE;
}


gsize
xenpvKernelBzImageSizeWord(const guint8 *payload, gsize len)
{
    return len >= 4 ? rd32(payload + len - 4) : 0;
}


/* PAE_MODE as Xen reads it: a note must say exactly "yes" (which implies
 * extended-cr3) or mention "bimodal"; the __xen_guest form's PAE setting
 * must start with "yes" ("yes[extended-cr3]" and the like). */
static gboolean
paeEnabled(const xenpvKernelInfo *info)
{
    const char *pae = info->paeMode;

    if (!pae)
        return FALSE;
    if (info->legacyGuestSection)
        return g_str_has_prefix(pae, "yes");
    return g_str_equal(pae, "yes") || strstr(pae, "bimodal") != NULL;
}


/* The XENFEAT_* names the FEATURES string may use (xen/features.h). */
static const char *const knownFeatures[] = {
    "writable_page_tables",
    "writable_descriptor_tables",
    "auto_translated_physmap",
    "supervisor_mode_kernel",
    "pae_pgdir_above_4gb",
    "hvm_callback_vector",
    "dom0",
};


/* A feature marked required ("!name") that Xen does not know makes it
 * refuse the kernel. */
static const char *
unknownRequiredFeature(const char *features, char **unknown)
{
    g_auto(GStrv) items = NULL;
    gsize i;
    gsize j;

    *unknown = NULL;
    if (!features)
        return NULL;
    items = g_strsplit(features, "|", -1);
    for (i = 0; items[i]; i++) {
        gboolean known = FALSE;

        if (items[i][0] != '!')
            continue;
        for (j = 0; j < G_N_ELEMENTS(knownFeatures); j++) {
            if (g_str_equal(items[i] + 1, knownFeatures[j]))
                known = TRUE;
        }
        if (!known) {
            *unknown = g_strdup(items[i] + 1);
            return *unknown;
        }
    }
    return NULL;
}


/* Where the image lands in the guest's address space, with Xen's defaults
 * for what the notes leave out, and whether its entry point and hypercall
 * page lie inside it. */
static gboolean
placeImage(const char *name, xenpvKernelInfo *info, const xenpvElfLayout *layout,
           GError **error)
{
    guint64 virtOffset;

    if (info->havePaddrOffset && !info->haveVirtBase) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: the Xen notes give PADDR_OFFSET but no VIRT_BASE", name);
        return FALSE;
    }
    if (!layout->haveLoad) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: the ELF image has no loadable segment", name);
        return FALSE;
    }
    if (!info->haveVirtBase)
        info->virtBase = 0;
    if (!info->havePaddrOffset)
        info->paddrOffset = info->legacyGuestSection ? info->virtBase : 0;
    if (!info->haveEntry)
        info->entry = info->elfEntry;

    /* Unsigned wrap-around is what Xen computes too. */
    virtOffset = info->virtBase - info->paddrOffset;
    info->virtKernelStart = layout->pstart + virtOffset;
    info->virtKernelEnd = layout->pend + virtOffset;

    if (info->virtKernelStart > info->virtKernelEnd ||
        info->entry < info->virtKernelStart ||
        info->entry > info->virtKernelEnd ||
        info->virtBase > info->virtKernelStart) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: entry point 0x%" G_GINT64_MODIFIER "x or VIRT_BASE 0x%"
                    G_GINT64_MODIFIER "x lies outside the loaded image (0x%"
                    G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)",
                    name, info->entry, info->virtBase,
                    info->virtKernelStart, info->virtKernelEnd);
        return FALSE;
    }
    if (info->haveHypercallPage &&
        (info->hypercallPage < info->virtKernelStart ||
         info->hypercallPage >= info->virtKernelEnd)) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: hypercall page 0x%" G_GINT64_MODIFIER "x lies outside the "
                    "loaded image (0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)",
                    name, info->hypercallPage, info->virtKernelStart, info->virtKernelEnd);
        return FALSE;
    }
    return TRUE;
}


/* Whether Xen's PV loader would take the image, and the ABI it needs. */
static gboolean
decideAbi(const char *name, xenpvKernelInfo *info, const xenpvElfLayout *layout,
          GError **error)
{
    g_autofree char *unknown = NULL;

    if (!layout->foundNotes) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV,
                    "%s: not a Xen PV kernel: the ELF image has no Xen notes and no "
                    "__xen_guest section", name);
        return FALSE;
    }
    if (!info->xenVersion || !g_str_has_prefix(info->xenVersion, "xen-3.0")) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV,
                    "%s: not a Xen PV kernel: its Xen notes give XEN_VERSION '%s', not "
                    "'xen-3.0'%s", name, orNone(info->xenVersion),
                    info->havePhys32Entry ? " (it has only a PVH entry point)" : "");
        return FALSE;
    }
    if (!(info->loader && g_str_has_prefix(info->loader, "generic")) &&
        !(info->guestOs && g_str_has_prefix(info->guestOs, "linux"))) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV,
                    "%s: not a Xen PV kernel Xen loads: LOADER is '%s' and GUEST_OS '%s', "
                    "but Xen loads only 'generic' or Linux images",
                    name, orNone(info->loader), orNone(info->guestOs));
        return FALSE;
    }
    if (unknownRequiredFeature(info->features, &unknown)) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_UNSUPPORTED,
                    "%s: the kernel requires Xen feature '%s', which Xen does not know",
                    name, unknown);
        return FALSE;
    }

    if (info->elfClass == 64 && info->elfMachine == EM_X86_64) {
        info->abi = XENPV_GUEST_ABI_X86_64;
    } else if (info->elfClass == 32 && info->elfMachine == EM_386) {
        info->abi = paeEnabled(info) ? XENPV_GUEST_ABI_X86_32P : XENPV_GUEST_ABI_X86_32;
    } else {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_UNSUPPORTED,
                    "%s: ELF%u image for machine %u is not an x86 PV kernel",
                    name, info->elfClass, info->elfMachine);
        return FALSE;
    }

    return placeImage(name, info, layout, error);
}


/* What an image is inspected as. */
typedef enum {
    INSPECT_PV,     /* a PV kernel: its ABI decides how Xen builds the guest */
    INSPECT_PVH,    /* a PVH kernel such as Xen's PV-shim: it needs a PVH entry */
} inspectKind;


/* Whether Xen can boot the image in a PVH container: it needs the entry
 * point a PVH kernel gives in its notes. */
static gboolean
decidePvh(const char *name, const xenpvKernelInfo *info, const xenpvElfLayout *layout,
          GError **error)
{
    if (!layout->foundNotes || !info->havePhys32Entry) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV,
                    "%s: not a PVH kernel: the ELF image has no XEN_ELFNOTE_PHYS32_ENTRY note "
                    "(the entry point Xen boots a PVH container at)", name);
        return FALSE;
    }
    return TRUE;
}


static gboolean
inspectNamed(const char *name, const guint8 *data, gsize len, inspectKind kind,
             gboolean keepImage, xenpvKernelInfo *info, GError **error)
{
    g_autofree guint8 *decompressed = NULL;
    const guint8 *elf = data;
    gsize elfLen = len;
    xenpvKernelCompression comp = XENPV_KERNEL_COMP_NONE;
    gboolean bzImage = FALSE;
    xenpvElfLayout layout;

    xenpvKernelInfoClear(info);

    if (len == 0) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF,
                    "%s: empty, not a kernel image", name);
        goto error;
    }
    if (len > XENPV_KERNEL_MAX_IMAGE) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: %zu bytes is more than the %zu MiB limit for a kernel image",
                    name, len, XENPV_KERNEL_MAX_IMAGE >> 20);
        goto error;
    }

    if (!isElf(elf, elfLen)) {
        if (xenpvKernelIsBzImage(data, len)) {
            if (!xenpvKernelBzImagePayload(name, data, len, &elf, &elfLen, error))
                goto error;
            bzImage = TRUE;
        }
        comp = xenpvKernelDetectCompression(elf, elfLen);
        if (comp == XENPV_KERNEL_COMP_NONE && !isElf(elf, elfLen)) {
            if (bzImage)
                g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF,
                            "%s: the bzImage's payload is neither an ELF image nor compressed data of a known kind (gzip, bzip2, xz, lzma, lz4, zstd)",
                            name);
            else
                g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF,
                            "%s: not an ELF image, a bzImage, or compressed data of a known kind (gzip, bzip2, xz, lzma, lz4, zstd)",
                            name);
            goto error;
        }
        if (comp != XENPV_KERNEL_COMP_NONE) {
            gsize sizeHint = bzImage ? xenpvKernelBzImageSizeWord(elf, elfLen) : 0;

            if (!xenpvKernelDecompress(name, comp, elf, elfLen, XENPV_KERNEL_MAX_IMAGE, sizeHint,
                                       &decompressed, &elfLen, error))
                goto error;
            elf = decompressed;
            if (!isElf(elf, elfLen)) {
                g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF,
                            "%s: the %s-compressed data is not an ELF image",
                            name, xenpvKernelCompressionName(comp));
                goto error;
            }
        }
    }

    if (!xenpvKernelReadElf(name, elf, elfLen, info, &layout, error))
        goto error;
    if (kind == INSPECT_PVH) {
        if (!decidePvh(name, info, &layout, error))
            goto error;
    } else if (!decideAbi(name, info, &layout, error)) {
        goto error;
    }
    info->compression = g_strdup(xenpvKernelCompressionName(comp));
    info->bzImage = bzImage;
    if (keepImage && decompressed)
        info->image = g_bytes_new_take(g_steal_pointer(&decompressed), elfLen);
    return TRUE;

 error:
    xenpvKernelInfoClear(info);
    return FALSE;
}


gboolean
xenpvKernelInspectBuffer(const guint8 *data, gsize len, xenpvKernelInfo *info,
                         GError **error)
{
    return inspectNamed("kernel image", data, len, INSPECT_PV, FALSE, info, error);
}


static gboolean
inspectFile(const char *path, inspectKind kind, gboolean keepImage, xenpvKernelInfo *info,
            GError **error)
{
    g_autofree guint8 *data = NULL;
    gsize got = 0;
    struct stat st;
    gboolean ret = FALSE;
    int fd;

    xenpvKernelInfoClear(info);

    /* Non-blocking: a FIFO named as a kernel must not wait for a writer
     * (it is refused below); on a regular file the flag changes nothing. */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
        int err = errno;
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO,
                    "%s: cannot open kernel image: %s", path, g_strerror(err));
        return FALSE;
    }
    if (fstat(fd, &st) < 0) {
        int err = errno;
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO,
                    "%s: cannot stat kernel image: %s", path, g_strerror(err));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO,
                    "%s: not a regular file", path);
        goto cleanup;
    }
    if ((guint64)st.st_size > XENPV_KERNEL_MAX_IMAGE) {
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                    "%s: %" G_GUINT64_FORMAT " bytes is more than the %zu MiB limit "
                    "for a kernel image", path, (guint64)st.st_size,
                    XENPV_KERNEL_MAX_IMAGE >> 20);
        goto cleanup;
    }

    /* Read what fstat promised, and no more if the file grows meanwhile. */
    data = g_malloc(st.st_size ? st.st_size : 1);
    xenpvKernelPopulate(data, st.st_size);
    while (got < (gsize)st.st_size) {
        ssize_t n = read(fd, data + got, st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO,
                        "%s: cannot read kernel image: %s", path, g_strerror(err));
            goto cleanup;
        }
        if (n == 0)
            break;
        got += n;
    }

    ret = inspectNamed(path, data, got, kind, keepImage, info, error);

 cleanup:
    close(fd);
    return ret;
}


gboolean
xenpvKernelInspectFile(const char *path, xenpvKernelInfo *info, GError **error)
{
    return inspectFile(path, INSPECT_PV, FALSE, info, error);
}


gboolean
xenpvKernelInspectPvhFile(const char *path, xenpvKernelInfo *info, GError **error)
{
    return inspectFile(path, INSPECT_PVH, FALSE, info, error);
}


gboolean
xenpvKernelInspectFileImage(const char *path, xenpvKernelInfo *info, GError **error)
{
    return inspectFile(path, INSPECT_PV, TRUE, info, error);
}
