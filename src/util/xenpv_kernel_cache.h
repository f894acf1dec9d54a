/*
 * xenpv_kernel_cache.h: decompressed PV kernel images kept between domain
 * builds, so that a guest's reboot, a start after define, or many guests
 * booting one distribution kernel decompress it once.
 */
#pragma once

#include <glib.h>

#include "xenpv_kernel.h"

typedef struct _xenpvKernelCache xenpvKernelCache;

/* A cache holding at most @maxBytes of decompressed images (0: none). */
xenpvKernelCache *xenpvKernelCacheNew(gsize maxBytes);
void xenpvKernelCacheFree(xenpvKernelCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xenpvKernelCache, xenpvKernelCacheFree);

/* xenpvKernelInspectFileImage(@path), answered from @cache when the file is
 * the one decompressed before (same device, inode, size, modification and
 * change times); a compressed kernel read from the file is added.  @cache
 * may be NULL (no cache).  *@cached (may be NULL) says whether the image
 * came from the cache.  info->image is the caller's reference: it stays
 * valid when the cache drops the image. */
gboolean xenpvKernelCacheInspect(xenpvKernelCache *cache, const char *path,
                                 xenpvKernelInfo *info, gboolean *cached,
                                 GError **error);

/* Bytes of images held, and how many. */
gsize xenpvKernelCacheBytes(xenpvKernelCache *cache);
guint xenpvKernelCacheCount(xenpvKernelCache *cache);
