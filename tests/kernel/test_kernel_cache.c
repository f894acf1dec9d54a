/*
 * test_kernel_cache.c: the cache of decompressed kernel images, on copies
 * of the built test kernels in a temporary directory: hits only for the
 * unchanged file, never a stale image after the file is touched, rewritten
 * or replaced, the bound in bytes with the least recently used dropped,
 * plain ELF files and unreadable ones left out.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "xenpv_kernel_cache.h"
#include "kernel_test_util.h"

typedef struct {
    char *dir;
    char *kernel64;     /* xz-compressed 64-bit test kernel */
    char *kernel32;     /* xz-compressed 32-bit PAE one */
    char *plain;        /* the 64-bit one as a plain ELF */
} cacheFixture;


/* Copy sample @name to @dir/@as; its path. */
static char *
copySample(const char *dir, const char *name, const char *as)
{
    g_autofree char *from = ktSamplePath(name);
    g_autoptr(GBytes) data = ktLoad(from);
    g_autoptr(GError) err = NULL;
    char *to = g_build_filename(dir, as, NULL);

    g_assert_true(g_file_set_contents(to, g_bytes_get_data(data, NULL),
                                      g_bytes_get_size(data), &err));
    g_assert_no_error(err);
    return to;
}


static void
fixtureSetUp(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("xenpv-kcache-XXXXXX", &err);
    g_assert_no_error(err);
    f->kernel64 = copySample(f->dir, "xenpv-test-x86_64.elf.xz", "vmlinuz-64");
    f->kernel32 = copySample(f->dir, "xenpv-test-x86_32p.elf.xz", "vmlinuz-32");
    f->plain = copySample(f->dir, "xenpv-test-x86_64.elf", "vmlinux");
}


static void
fixtureTearDown(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);
        g_unlink(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f->kernel64);
    g_free(f->kernel32);
    g_free(f->plain);
}


/* Inspect @path through @cache: its ABI, whether it was a hit, and (if
 * @image) a reference to its image. */
static xenpvGuestAbi
inspect(xenpvKernelCache *cache, const char *path, gboolean *hit, GBytes **image)
{
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    xenpvGuestAbi abi;

    g_assert_true(xenpvKernelCacheInspect(cache, path, &info, hit, &err));
    g_assert_no_error(err);
    abi = info.abi;
    if (image)
        *image = info.image ? g_bytes_ref(info.image) : NULL;
    xenpvKernelInfoClear(&info);
    return abi;
}


/* The size of the decompressed image of @path. */
static gsize
imageSize(const char *path)
{
    g_autoptr(GBytes) image = NULL;
    gboolean hit;

    inspect(NULL, path, &hit, &image);
    g_assert_nonnull(image);
    return g_bytes_get_size(image);
}


static void
testHit(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autoptr(xenpvKernelCache) cache = xenpvKernelCacheNew(64 << 20);
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    gboolean hit = TRUE;

    g_assert_cmpint(inspect(cache, f->kernel64, &hit, &first), ==, XENPV_GUEST_ABI_X86_64);
    g_assert_false(hit);
    g_assert_nonnull(first);
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 1);
    g_assert_cmpuint(xenpvKernelCacheBytes(cache), ==, g_bytes_get_size(first));

    g_assert_cmpint(inspect(cache, f->kernel64, &hit, &second), ==, XENPV_GUEST_ABI_X86_64);
    g_assert_true(hit);
    g_assert_true(g_bytes_equal(first, second));
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 1);

    /* A hit tells what the file itself is, as a miss does. */
    g_assert_true(xenpvKernelCacheInspect(cache, f->kernel64, &info, &hit, &err));
    g_assert_no_error(err);
    g_assert_true(hit);
    g_assert_cmpstr(info.compression, ==, "xz");
    g_assert_cmpuint(info.elfClass, ==, 64);
    g_assert_cmpstr(info.guestOs, ==, "xenpv-test");
    xenpvKernelInfoClear(&info);
}


static void
testTouched(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autoptr(xenpvKernelCache) cache = xenpvKernelCacheNew(64 << 20);
    gboolean hit = TRUE;

    inspect(cache, f->kernel64, &hit, NULL);
    g_assert_false(hit);
    /* As touch(1) does: a new modification time, the content the same. */
    {
        struct stat st;
        struct timespec times[2];

        g_assert_cmpint(stat(f->kernel64, &st), ==, 0);
        times[0] = st.st_atim;
        times[1] = st.st_mtim;
        times[1].tv_sec += 1;
        g_assert_cmpint(utimensat(AT_FDCWD, f->kernel64, times, 0), ==, 0);
    }
    inspect(cache, f->kernel64, &hit, NULL);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 1);
}


static void
testReplaced(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autoptr(xenpvKernelCache) cache = xenpvKernelCacheNew(64 << 20);
    g_autofree char *copy = g_build_filename(f->dir, "vmlinuz-32-copy", NULL);
    g_autoptr(GBytes) data = ktLoad(f->kernel32);
    g_autoptr(GError) err = NULL;
    gboolean hit = TRUE;
    int fd;

    g_assert_cmpint(inspect(cache, f->kernel64, &hit, NULL), ==, XENPV_GUEST_ABI_X86_64);

    /* Rewritten in place (same inode) with the 32-bit kernel. */
    g_assert_cmpint(fd = open(f->kernel64, O_WRONLY | O_TRUNC), >=, 0);
    g_assert_cmpint(write(fd, g_bytes_get_data(data, NULL), g_bytes_get_size(data)), ==,
                    g_bytes_get_size(data));
    g_assert_cmpint(close(fd), ==, 0);
    g_assert_cmpint(inspect(cache, f->kernel64, &hit, NULL), ==, XENPV_GUEST_ABI_X86_32P);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 1);

    /* Replaced by another file (a package upgrade's rename). */
    {
        g_autofree char *src = ktSamplePath("xenpv-test-x86_64.elf.xz");
        g_autoptr(GBytes) k64 = ktLoad(src);

        g_assert_true(g_file_set_contents(copy, g_bytes_get_data(k64, NULL),
                                          g_bytes_get_size(k64), &err));
        g_assert_no_error(err);
    }
    g_assert_cmpint(rename(copy, f->kernel64), ==, 0);
    g_assert_cmpint(inspect(cache, f->kernel64, &hit, NULL), ==, XENPV_GUEST_ABI_X86_64);
    g_assert_false(hit);
    g_assert_cmpint(inspect(cache, f->kernel64, &hit, NULL), ==, XENPV_GUEST_ABI_X86_64);
    g_assert_true(hit);
}


static void
testBound(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    gsize size64 = imageSize(f->kernel64);
    gsize size32 = imageSize(f->kernel32);
    g_autoptr(xenpvKernelCache) cache = xenpvKernelCacheNew(MAX(size64, size32));
    g_autoptr(GBytes) held = NULL;
    g_autoptr(GBytes) again = NULL;
    gboolean hit = TRUE;

    inspect(cache, f->kernel64, &hit, &held);
    g_assert_cmpuint(xenpvKernelCacheBytes(cache), ==, size64);
    /* Room for one: the 32-bit image pushes the 64-bit one out. */
    inspect(cache, f->kernel32, &hit, NULL);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 1);
    g_assert_cmpuint(xenpvKernelCacheBytes(cache), ==, size32);
    inspect(cache, f->kernel32, &hit, NULL);
    g_assert_true(hit);
    /* The image handed out before stays whole. */
    inspect(NULL, f->kernel64, &hit, &again);
    g_assert_true(g_bytes_equal(held, again));
    inspect(cache, f->kernel64, &hit, NULL);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheBytes(cache), <=, MAX(size64, size32));
}


static void
testLeastRecent(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autofree char *third = g_build_filename(f->dir, "vmlinuz-64b", NULL);
    gsize size64 = imageSize(f->kernel64);
    gsize size32 = imageSize(f->kernel32);
    g_autoptr(xenpvKernelCache) cache = xenpvKernelCacheNew(size64 + size32 + size64 / 2);
    g_autoptr(GBytes) data = ktLoad(f->kernel64);
    g_autoptr(GError) err = NULL;
    gboolean hit = TRUE;

    g_assert_true(g_file_set_contents(third, g_bytes_get_data(data, NULL),
                                      g_bytes_get_size(data), &err));
    g_assert_no_error(err);
    inspect(cache, f->kernel64, &hit, NULL);
    inspect(cache, f->kernel32, &hit, NULL);
    inspect(cache, f->kernel64, &hit, NULL);
    g_assert_true(hit);
    /* The 32-bit image, used least recently, makes room. */
    inspect(cache, third, &hit, NULL);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 2);
    inspect(cache, f->kernel64, &hit, NULL);
    g_assert_true(hit);
    inspect(cache, third, &hit, NULL);
    g_assert_true(hit);
}


static void
testNotKept(cacheFixture *f, gconstpointer unused G_GNUC_UNUSED)
{
    g_autoptr(xenpvKernelCache) cache = xenpvKernelCacheNew(64 << 20);
    g_autoptr(xenpvKernelCache) none = xenpvKernelCacheNew(0);
    g_autofree char *missing = g_build_filename(f->dir, "missing", NULL);
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    gboolean hit = TRUE;

    /* A plain ELF needs no decompressing: the builder reads the file. */
    g_assert_cmpint(inspect(cache, f->plain, &hit, NULL), ==, XENPV_GUEST_ABI_X86_64);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheCount(cache), ==, 0);

    /* A bound of 0 keeps nothing. */
    inspect(none, f->kernel64, &hit, NULL);
    inspect(none, f->kernel64, &hit, NULL);
    g_assert_false(hit);
    g_assert_cmpuint(xenpvKernelCacheCount(none), ==, 0);

    /* An image larger than the bound is not kept. */
    {
        g_autoptr(xenpvKernelCache) small = xenpvKernelCacheNew(imageSize(f->kernel64) - 1);

        inspect(small, f->kernel64, &hit, NULL);
        g_assert_cmpuint(xenpvKernelCacheCount(small), ==, 0);
    }

    g_assert_false(xenpvKernelCacheInspect(cache, missing, &info, &hit, &err));
    g_assert_error(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO);
    g_assert_false(hit);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/kernel-cache/hit", cacheFixture, NULL, fixtureSetUp, testHit, fixtureTearDown);
    g_test_add("/kernel-cache/touched", cacheFixture, NULL, fixtureSetUp, testTouched,
               fixtureTearDown);
    g_test_add("/kernel-cache/replaced", cacheFixture, NULL, fixtureSetUp, testReplaced,
               fixtureTearDown);
    g_test_add("/kernel-cache/bound", cacheFixture, NULL, fixtureSetUp, testBound,
               fixtureTearDown);
    g_test_add("/kernel-cache/least-recent", cacheFixture, NULL, fixtureSetUp, testLeastRecent,
               fixtureTearDown);
    g_test_add("/kernel-cache/not-kept", cacheFixture, NULL, fixtureSetUp, testNotKept,
               fixtureTearDown);
    return g_test_run();
}
