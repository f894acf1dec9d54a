/*
 * xenpv_kernel_decompress.h: recognising and undoing the compressions that
 * distributions and the Linux build apply to kernel images, through the
 * compression libraries, with a hard limit on the size of the result.
 * Internal to the kernel inspector.
 */
#pragma once

#include <glib.h>

typedef enum {
    XENPV_KERNEL_COMP_NONE = 0,
    XENPV_KERNEL_COMP_GZIP,
    XENPV_KERNEL_COMP_BZIP2,
    XENPV_KERNEL_COMP_XZ,
    XENPV_KERNEL_COMP_LZMA,
    XENPV_KERNEL_COMP_LZ4,          /* lz4 frame format (the lz4 tool's default) */
    XENPV_KERNEL_COMP_LZ4_LEGACY,   /* lz4 -l, which the Linux build uses */
    XENPV_KERNEL_COMP_ZSTD,
} xenpvKernelCompression;

/* Which compression @data starts with, from its magic number; NONE if none
 * we know. */
xenpvKernelCompression xenpvKernelDetectCompression(const guint8 *data, gsize len);

/* "gzip", "bzip2", "xz", "lzma", "lz4", "zstd" or "none" (both lz4 formats
 * are "lz4"). */
const char *xenpvKernelCompressionName(xenpvKernelCompression comp);

/* Fault @buf in with one call, ahead of writing it (buffers under a
 * megabyte are left alone). */
void xenpvKernelPopulate(void *buf, gsize len);

/* Decompress the first stream in @data (bytes after its end, such as the
 * size word the Linux build appends, are ignored).  Fails with
 * XENPV_KERNEL_ERROR_CORRUPT if the data is truncated or damaged or would
 * decompress to more than @maxOut bytes.  @sizeHint, if not 0, is the size
 * the data claims to decompress to (that size word): the output is then
 * allocated once, which spares a kernel's worth of page faults in a Xen
 * dom0; a hint that is wrong only costs memory, within reason (at most a
 * ratio a real kernel never reaches is believed).  @name names the image
 * in messages.  On success *out is owned by the caller (g_free). */
gboolean xenpvKernelDecompress(const char *name,
                               xenpvKernelCompression comp,
                               const guint8 *data, gsize len,
                               gsize maxOut,
                               gsize sizeHint,
                               guint8 **out, gsize *outLen,
                               GError **error);
