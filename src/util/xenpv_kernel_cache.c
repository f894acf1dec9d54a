/*
 * xenpv_kernel_cache.c: decompressed PV kernel images kept between domain
 * builds.
 *
 * A distribution's kernel is a compressed bzImage: reading its Xen notes
 * and building a domain from it means decompressing tens of MiB, most of a
 * create's time (seconds under emulation).  Every build of the same file
 * would do it again; the cache keeps the ELF images, each under the
 * identity of the file it came from: device, inode, size, modification
 * and change times.  A file rewritten in place or replaced by another
 * changes its change time, which no one can set back, so a stale image is
 * never handed out.  The images together stay within a bound in bytes;
 * the least recently used go first.
 *
 * Locking: the cache's mutex protects its entries and counters, and is
 * never held while a kernel is read or decompressed.  Images are GBytes,
 * immutable and handed out by reference: a build goes on with an image
 * the cache dropped meanwhile.  Two builds that miss the same file at once
 * both decompress it; the later insert replaces the earlier.
 */
#include "xenpv_kernel_cache.h"

#include <string.h>
#include <sys/stat.h>

typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;
} xenpvKernelFileId;

typedef struct {
    xenpvKernelFileId id;
    GBytes *image;
    char *compression;          /* of the file, as the inspector named it */
    gboolean bzImage;
    guint64 lastUse;            /* the cache's clock when last handed out */
} xenpvKernelCacheEntry;

struct _xenpvKernelCache {
    GMutex lock;
    gsize maxBytes;
    gsize bytes;
    guint64 clock;
    GPtrArray *entries;         /* xenpvKernelCacheEntry: a few at most */
};


static void
xenpvKernelCacheEntryFree(gpointer opaque)
{
    xenpvKernelCacheEntry *entry = opaque;

    g_bytes_unref(entry->image);
    g_free(entry->compression);
    g_free(entry);
}


xenpvKernelCache *
xenpvKernelCacheNew(gsize maxBytes)
{
    xenpvKernelCache *cache = g_new0(xenpvKernelCache, 1);

    g_mutex_init(&cache->lock);
    cache->maxBytes = maxBytes;
    cache->entries = g_ptr_array_new_with_free_func(xenpvKernelCacheEntryFree);
    return cache;
}


void
xenpvKernelCacheFree(xenpvKernelCache *cache)
{
    if (!cache)
        return;
    g_ptr_array_unref(cache->entries);
    g_mutex_clear(&cache->lock);
    g_free(cache);
}


static gboolean
xenpvKernelFileIdGet(const char *path, xenpvKernelFileId *id)
{
    struct stat st;

    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return FALSE;
    memset(id, 0, sizeof(*id));
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = st.st_size;
    id->mtime = st.st_mtim;
    id->ctime = st.st_ctim;
    return TRUE;
}


static gboolean
xenpvKernelFileIdEqual(const xenpvKernelFileId *a, const xenpvKernelFileId *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}


/* The index of the entry of the file at @id's device and inode, whatever
 * its times (*@found FALSE: none); caller holds the lock. */
static guint
xenpvKernelCacheFind(xenpvKernelCache *cache, const xenpvKernelFileId *id, gboolean *found)
{
    guint i;

    *found = FALSE;
    for (i = 0; i < cache->entries->len; i++) {
        xenpvKernelCacheEntry *entry = g_ptr_array_index(cache->entries, i);

        if (entry->id.dev == id->dev && entry->id.ino == id->ino) {
            *found = TRUE;
            break;
        }
    }
    return i;
}


/* Drop entry @i; caller holds the lock. */
static void
xenpvKernelCacheDrop(xenpvKernelCache *cache, guint i)
{
    xenpvKernelCacheEntry *entry = g_ptr_array_index(cache->entries, i);

    cache->bytes -= g_bytes_get_size(entry->image);
    g_ptr_array_remove_index_fast(cache->entries, i);
}


/* The image of the file @id names, with what the inspector said of the
 * file itself, if the cache holds it and the file has not changed. */
static gboolean
xenpvKernelCacheLookup(xenpvKernelCache *cache, const xenpvKernelFileId *id,
                       GBytes **image, char **compression, gboolean *bzImage)
{
    xenpvKernelCacheEntry *entry;
    gboolean found;
    guint i;
    gboolean ret = FALSE;

    g_mutex_lock(&cache->lock);
    i = xenpvKernelCacheFind(cache, id, &found);
    if (!found)
        goto cleanup;
    entry = g_ptr_array_index(cache->entries, i);
    if (!xenpvKernelFileIdEqual(&entry->id, id)) {
        /* The file changed since: its image is of no more use. */
        xenpvKernelCacheDrop(cache, i);
        goto cleanup;
    }
    entry->lastUse = ++cache->clock;
    *image = g_bytes_ref(entry->image);
    *compression = g_strdup(entry->compression);
    *bzImage = entry->bzImage;
    ret = TRUE;

 cleanup:
    g_mutex_unlock(&cache->lock);
    return ret;
}


/* Drop least recently used images until @need more bytes fit. */
static void
xenpvKernelCacheMakeRoom(xenpvKernelCache *cache, gsize need)
{
    while (cache->entries->len && cache->bytes + need > cache->maxBytes) {
        guint oldest = 0;
        guint i;

        for (i = 1; i < cache->entries->len; i++) {
            xenpvKernelCacheEntry *a = g_ptr_array_index(cache->entries, i);
            xenpvKernelCacheEntry *b = g_ptr_array_index(cache->entries, oldest);

            if (a->lastUse < b->lastUse)
                oldest = i;
        }
        xenpvKernelCacheDrop(cache, oldest);
    }
}


static void
xenpvKernelCacheInsert(xenpvKernelCache *cache, const xenpvKernelFileId *id,
                       const xenpvKernelInfo *info)
{
    gsize size = g_bytes_get_size(info->image);
    xenpvKernelCacheEntry *entry;
    gboolean found;
    guint i;

    g_mutex_lock(&cache->lock);
    i = xenpvKernelCacheFind(cache, id, &found);
    if (found)
        xenpvKernelCacheDrop(cache, i);
    if (size <= cache->maxBytes) {
        xenpvKernelCacheMakeRoom(cache, size);
        entry = g_new0(xenpvKernelCacheEntry, 1);
        entry->id = *id;
        entry->image = g_bytes_ref(info->image);
        entry->compression = g_strdup(info->compression);
        entry->bzImage = info->bzImage;
        entry->lastUse = ++cache->clock;
        g_ptr_array_add(cache->entries, entry);
        cache->bytes += size;
    }
    g_mutex_unlock(&cache->lock);
}


gboolean
xenpvKernelCacheInspect(xenpvKernelCache *cache, const char *path,
                        xenpvKernelInfo *info, gboolean *cached, GError **error)
{
    xenpvKernelFileId before;
    xenpvKernelFileId after;
    g_autoptr(GBytes) image = NULL;
    g_autofree char *compression = NULL;
    gboolean bzImage = FALSE;
    gboolean known = cache && cache->maxBytes && xenpvKernelFileIdGet(path, &before);
    const guint8 *data;
    gsize len;
    gboolean ret = FALSE;

    if (cached)
        *cached = FALSE;

    if (known && xenpvKernelCacheLookup(cache, &before, &image, &compression, &bzImage)) {
        /* The notes are read again from the image (milliseconds): only
         * the decompression is saved. */
        data = g_bytes_get_data(image, &len);
        if (!xenpvKernelInspectBuffer(data, len, info, error))
            goto cleanup;
        g_free(info->compression);
        info->compression = g_steal_pointer(&compression);
        info->bzImage = bzImage;
        info->image = g_steal_pointer(&image);
        if (cached)
            *cached = TRUE;
        ret = TRUE;
        goto cleanup;
    }

    if (!xenpvKernelInspectFileImage(path, info, error))
        goto cleanup;
    /* Only what was decompressed is worth keeping, and only if the file
     * stayed the one looked up while it was read. */
    if (known && info->image && xenpvKernelFileIdGet(path, &after) &&
        xenpvKernelFileIdEqual(&before, &after))
        xenpvKernelCacheInsert(cache, &before, info);
    ret = TRUE;

 cleanup:
    return ret;
}


gsize
xenpvKernelCacheBytes(xenpvKernelCache *cache)
{
    gsize bytes;

    g_mutex_lock(&cache->lock);
    bytes = cache->bytes;
    g_mutex_unlock(&cache->lock);
    return bytes;
}


guint
xenpvKernelCacheCount(xenpvKernelCache *cache)
{
    guint count;

    g_mutex_lock(&cache->lock);
    count = cache->entries->len;
    g_mutex_unlock(&cache->lock);
    return count;
}
