/*
 * kernel_test_util.c: helpers shared by the kernel inspector's tests.
 */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "kernel_test_util.h"

#define READNOTES "/usr/lib/xen-4.17/bin/readnotes"


const char *const ktGrubImages[3] = {
    "/usr/lib/grub-xen/grub-i386-xen.bin",
    "/usr/lib/grub-xen/grub-x86_64-xen.bin",
    "/usr/lib/grub-xen/grub-i386-xen_pvh.bin",
};


const char *
ktSampleDir(void)
{
    const char *dir = g_getenv("XENPV_TEST_KERNEL_DIR");

    if (!dir)
        g_error("XENPV_TEST_KERNEL_DIR is not set: run the tests through meson test");
    return dir;
}


char *
ktSamplePath(const char *name)
{
    return g_build_filename(ktSampleDir(), name, NULL);
}


GBytes *
ktLoad(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, &err))
        g_error("cannot read %s: %s", path, err->message);
    return g_bytes_new_take(data, len);
}


char *
ktWriteTemp(const char *tmpl, const guint8 *data, gsize len)
{
    g_autoptr(GError) err = NULL;
    char *path = NULL;
    int fd;

    if ((fd = g_file_open_tmp(tmpl, &path, &err)) < 0)
        g_error("cannot create a temporary file: %s", err->message);
    close(fd);
    if (!g_file_set_contents(path, (const char *)data, len, &err))
        g_error("cannot write %s: %s", path, err->message);
    return path;
}


static gboolean
runShell(const char *script, const char *arg1, const char *arg2, char **why)
{
    const char *argv[] = { "/bin/sh", "-c", script, "sh", arg1, arg2, NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *errOut = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                      NULL, &errOut, &status, &err)) {
        *why = g_strdup(err->message);
        return FALSE;
    }
    if (!g_spawn_check_wait_status(status, &err)) {
        *why = g_strdup_printf("%s: %s", err->message, errOut ? errOut : "");
        return FALSE;
    }
    return TRUE;
}


gboolean
ktDecompressWithTool(const char *in, const char *out, char **why)
{
    static const struct {
        const guint8 magic[6];
        gsize len;
        const char *tool;
    } tools[] = {
        { { 0x1f, 0x8b }, 2, "gzip" },
        { { 'B', 'Z', 'h' }, 3, "bzip2" },
        { { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, "xz" },
        { { 0x5d, 0, 0 }, 3, "xz --format=lzma" },
        { { 0x04, 0x22, 0x4d, 0x18 }, 4, "lz4" },
        { { 0x02, 0x21, 0x4c, 0x18 }, 4, "lz4" },
        { { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd" },
    };
    g_autoptr(GBytes) data = ktLoad(in);
    gsize len;
    const guint8 *p = g_bytes_get_data(data, &len);
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(tools); i++) {
        if (len >= tools[i].len && memcmp(p, tools[i].magic, tools[i].len) == 0) {
            g_autofree char *script = g_strdup_printf("%s -dc <\"$1\" >\"$2\"", tools[i].tool);
            return runShell(script, in, out, why);
        }
    }
    *why = g_strdup_printf("%s: no decompressor for its format", in);
    return FALSE;
}


GBytes *
ktBzImagePayload(GBytes *data)
{
    gsize len;
    const guint8 *p = g_bytes_get_data(data, &len);
    guint64 start;
    guint32 plen;

    if (len < 0x250 || memcmp(p + 0x202, "HdrS", 4) != 0)
        return NULL;
    start = (guint64)((p[0x1f1] ? p[0x1f1] : 4) + 1) * 512 +
        (p[0x248] | p[0x249] << 8 | p[0x24a] << 16 | (guint32)p[0x24b] << 24);
    plen = p[0x24c] | p[0x24d] << 8 | p[0x24e] << 16 | (guint32)p[0x24f] << 24;
    if (start > len || plen > len - start || plen < 4)
        return NULL;
    return g_bytes_new(p + start, plen - 4);
}


GBytes *
ktMakeBzImage(const guint8 *payload, gsize len)
{
    /* One setup sector after the boot sector: the payload starts at 1 KiB. */
    gsize start = 2 * 512;
    guint8 *img = g_malloc0(start + len);

    img[0x1f1] = 1;
    img[0x1fe] = 0x55;
    img[0x1ff] = 0xaa;
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x0f;
    img[0x207] = 0x02;
    /* payload_offset 0 (relative to the end of the setup code) */
    img[0x24c] = len & 0xff;
    img[0x24d] = (len >> 8) & 0xff;
    img[0x24e] = (len >> 16) & 0xff;
    img[0x24f] = (len >> 24) & 0xff;
    memcpy(img + start, payload, len);
    return g_bytes_new_take(img, start + len);
}


const char *
ktReadnotesPath(void)
{
    return g_file_test(READNOTES, G_FILE_TEST_IS_EXECUTABLE) ? READNOTES : NULL;
}


gboolean
ktRunReadnotes(const char *path, char **out)
{
    const char *argv[] = { READNOTES, path, NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *errOut = NULL;
    int status = 0;

    *out = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, out, &errOut, &status, &err))
        g_error("cannot run %s: %s", READNOTES, err->message);
    /* readnotes says "is not an ELF image" on stdout and may still exit 0. */
    if (!g_spawn_check_wait_status(status, NULL) || strstr(*out, "is not an ELF image")) {
        g_autofree char *both = g_strconcat(*out, errOut, NULL);
        g_free(*out);
        *out = g_strdup(g_strstrip(both));
        return FALSE;
    }
    return TRUE;
}


char *
ktFetchDebianKernel(char **why)
{
    const char *script = g_getenv("XENPV_FETCH_DEBIAN_KERNEL");
    const char *argv[] = { script, NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errOut = NULL;
    int status = 0;

    if (!script) {
        *why = g_strdup("XENPV_FETCH_DEBIAN_KERNEL is not set");
        return NULL;
    }
    if (!g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, &errOut, &status, &err)) {
        *why = g_strdup(err->message);
        return NULL;
    }
    if (!g_spawn_check_wait_status(status, &err)) {
        *why = g_strdup_printf("%s failed: %s", script, errOut ? g_strstrip(errOut) : "");
        return NULL;
    }
    g_strstrip(out);
    if (!g_file_test(out, G_FILE_TEST_IS_REGULAR)) {
        *why = g_strdup_printf("%s printed no image path", script);
        return NULL;
    }
    return g_steal_pointer(&out);
}
