/*
 * test_kernel_inspect.c: the kernel inspector on the built test kernels,
 * their compressed and bzImage-wrapped forms, the negative samples, and
 * truncated, damaged and oversized input.
 */
#include <elf.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>
#include <glib/gstdio.h>

#include "xenpv_kernel.h"
#include "kernel_test_util.h"

#define BASE_64 G_GUINT64_CONSTANT(0xffffffff80000000)
#define BASE_32 G_GUINT64_CONSTANT(0xc0000000)
#define NO_ERROR (-1)

typedef struct {
    const char *file;
    int error;                  /* expected xenpvKernelError, or NO_ERROR */
    xenpvGuestAbi abi;
    unsigned int elfClass;
    gboolean legacy;
    const char *guestOs;
    const char *paeMode;
    const char *features;
    guint64 virtBase;
} kernelSample;

#define FEATURES "!writable_page_tables|pae_pgdir_above_4gb"

static const kernelSample samples[] = {
    { "xenpv-test-x86_64.elf", NO_ERROR, XENPV_GUEST_ABI_X86_64, 64, FALSE,
      "xenpv-test", NULL, FEATURES, BASE_64 },
    { "xenpv-test-x86_32p.elf", NO_ERROR, XENPV_GUEST_ABI_X86_32P, 32, FALSE,
      "xenpv-test", "yes", FEATURES, BASE_32 },
    { "xenpv-test-x86_32-nopae.elf", NO_ERROR, XENPV_GUEST_ABI_X86_32, 32, FALSE,
      "xenpv-test", NULL, FEATURES, BASE_32 },
    { "xenpv-test-x86_32-pae-no.elf", NO_ERROR, XENPV_GUEST_ABI_X86_32, 32, FALSE,
      "xenpv-test", "no", FEATURES, BASE_32 },
    { "xenpv-test-legacy-x86_32p.elf", NO_ERROR, XENPV_GUEST_ABI_X86_32P, 32, TRUE,
      "linux", "yes[extended-cr3]", "writable_page_tables", BASE_32 },
    { "xenpv-test-nonotes-x86_64.elf", XENPV_KERNEL_ERROR_NOT_PV },
};

static const char *const compressions[][2] = {
    { "gz", "gzip" },
    { "bz2", "bzip2" },
    { "xz", "xz" },
    { "lzma", "lzma" },
    { "lz4", "lz4" },
    { "legacy.lz4", "lz4" },
    { "zst", "zstd" },
};

/* A compressed or wrapped form of a sample. */
typedef struct {
    const kernelSample *sample;
    char *file;
    const char *compression;
} kernelVariant;


static void
checkInfo(const kernelSample *s, const xenpvKernelInfo *info, const char *compression,
          gboolean bzImage)
{
    g_assert_cmpint(info->abi, ==, s->abi);
    g_assert_cmpuint(info->elfClass, ==, s->elfClass);
    g_assert_cmpuint(info->elfMachine, ==, s->elfClass == 64 ? EM_X86_64 : EM_386);
    g_assert_cmpstr(info->compression, ==, compression);
    g_assert_cmpint(info->bzImage, ==, bzImage);
    g_assert_cmpint(info->legacyGuestSection, ==, s->legacy);
    g_assert_cmpstr(info->guestOs, ==, s->guestOs);
    g_assert_cmpstr(info->xenVersion, ==, "xen-3.0");
    g_assert_cmpstr(info->loader, ==, "generic");
    g_assert_cmpstr(info->paeMode, ==, s->paeMode);
    g_assert_cmpstr(info->features, ==, s->features);
    g_assert_true(info->haveVirtBase);
    g_assert_cmphex(info->virtBase, ==, s->virtBase);
    g_assert_true(info->havePaddrOffset);
    g_assert_cmphex(info->paddrOffset, ==, 0);
    /* The kernels start at VIRT_BASE, the hypercall page one page on. */
    g_assert_cmphex(info->entry, ==, s->virtBase);
    g_assert_cmphex(info->entry, ==, info->elfEntry);
    g_assert_true(info->haveHypercallPage);
    g_assert_cmphex(info->hypercallPage, ==, s->virtBase + 0x1000);
    g_assert_cmphex(info->virtKernelStart, ==, s->virtBase);
    g_assert_cmphex(info->virtKernelEnd, >, info->hypercallPage);
    if (s->legacy) {
        g_assert_false(info->haveEntry);
        g_assert_false(info->haveSuspendCancel);
        g_assert_cmpstr(info->guestVersion, ==, "2.6");
    } else {
        g_assert_true(info->haveEntry);
        g_assert_true(info->haveSuspendCancel);
        g_assert_cmphex(info->suspendCancel, ==, 1);
        g_assert_cmpstr(info->guestVersion, ==, "1");
    }
    g_assert_false(info->haveSupportedFeatures);
    g_assert_false(info->havePhys32Entry);
}


/* xenpvKernelInspectFileImage on @path: what was inspected is kept, and
 * is exactly the sample's ELF (none is kept for a plain ELF). */
static void
checkImageKept(const char *path, const kernelSample *s, gboolean compressed)
{
    g_autofree char *elfPath = ktSamplePath(s->file);
    g_autoptr(GBytes) elf = ktLoad(elfPath);
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };

    g_assert_true(xenpvKernelInspectFileImage(path, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.abi, ==, s->abi);
    if (compressed) {
        g_assert_nonnull(info.image);
        g_assert_true(g_bytes_equal(info.image, elf));
    } else {
        g_assert_null(info.image);
    }
    xenpvKernelInfoClear(&info);
    g_assert_null(info.image);
}


static void
testSample(gconstpointer opaque)
{
    const kernelSample *s = opaque;
    g_autofree char *path = ktSamplePath(s->file);
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    gboolean ok = xenpvKernelInspectFile(path, &info, &err);

    if (s->error == NO_ERROR) {
        g_assert_no_error(err);
        g_assert_true(ok);
        checkInfo(s, &info, "none", FALSE);
        checkImageKept(path, s, FALSE);
    } else {
        g_assert_false(ok);
        g_assert_error(err, XENPV_KERNEL_ERROR, s->error);
        /* The message names the file. */
        g_assert_nonnull(strstr(err->message, path));
        g_assert_cmpint(info.abi, ==, XENPV_GUEST_ABI_UNKNOWN);
        g_assert_null(info.guestOs);
    }
    xenpvKernelInfoClear(&info);
}


static void
testCompressed(gconstpointer opaque)
{
    const kernelVariant *v = opaque;
    g_autofree char *path = ktSamplePath(v->file);
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };

    g_assert_true(xenpvKernelInspectFile(path, &info, &err));
    g_assert_no_error(err);
    checkInfo(v->sample, &info, v->compression, FALSE);
    g_assert_null(info.image);
    xenpvKernelInfoClear(&info);
    checkImageKept(path, v->sample, TRUE);
}


/* The same, wrapped the way Debian ships its kernels: a bzImage whose
 * payload is the compressed ELF. */
static void
testBzImage(gconstpointer opaque)
{
    const kernelVariant *v = opaque;
    g_autofree char *path = ktSamplePath(v->file);
    g_autoptr(GBytes) payload = ktLoad(path);
    gsize len;
    const guint8 *p = g_bytes_get_data(payload, &len);
    g_autoptr(GBytes) img = ktMakeBzImage(p, len);
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    const guint8 *ip = g_bytes_get_data(img, &len);

    g_autofree char *tmp = NULL;
    int fd;

    g_assert_true(xenpvKernelInspectBuffer(ip, len, &info, &err));
    g_assert_no_error(err);
    checkInfo(v->sample, &info, v->compression, TRUE);
    xenpvKernelInfoClear(&info);

    /* As a file: the image decompressed from it is kept (sized from the
     * word after the payload, which for gzip is the real size and for the
     * others a wrong guess that costs nothing). */
    fd = g_file_open_tmp("xenpv-bzimage-XXXXXX", &tmp, &err);
    g_assert_no_error(err);
    g_assert_true(g_file_set_contents(tmp, (const char *)ip, len, &err));
    g_assert_no_error(err);
    close(fd);
    checkImageKept(tmp, v->sample, TRUE);
    g_unlink(tmp);
}


static void
expectError(const guint8 *data, gsize len, int code, const char *fragment)
{
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };

    g_assert_false(xenpvKernelInspectBuffer(data, len, &info, &err));
    g_assert_error(err, XENPV_KERNEL_ERROR, code);
    if (fragment && !strstr(err->message, fragment))
        g_error("'%s' does not say '%s'", err->message, fragment);
    g_assert_cmpint(info.abi, ==, XENPV_GUEST_ABI_UNKNOWN);
    g_assert_null(info.compression);
}


static void
testBzImageErrors(void)
{
    g_autofree char *path = ktSamplePath("xenpv-test-x86_64.elf.gz");
    g_autoptr(GBytes) payload = ktLoad(path);
    gsize len;
    const guint8 *p = g_bytes_get_data(payload, &len);
    g_autoptr(GBytes) img = ktMakeBzImage(p, len);
    gsize ilen = g_bytes_get_size(img);
    g_autofree guint8 *copy = g_memdup2(g_bytes_get_data(img, NULL), ilen);

    /* The payload runs past the end of the file. */
    expectError(copy, ilen - 1, XENPV_KERNEL_ERROR_CORRUPT, "truncated bzImage");
    /* Boot protocol 2.07 has no payload fields. */
    copy[0x206] = 0x07;
    expectError(copy, ilen, XENPV_KERNEL_ERROR_NOT_ELF, "2.08");
    copy[0x206] = 0x0f;
    /* A payload that is neither ELF nor compressed. */
    memset(copy + 1024, 'x', 16);
    expectError(copy, ilen, XENPV_KERNEL_ERROR_NOT_ELF, "payload");
}


static void
testNotElf(void)
{
    static const guint8 text[] = "#!/bin/sh\necho this is not a kernel\n";
    static const guint8 gzNotElf[] = {
        /* gzip of "hello\n" */
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48,
        0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00,
        0x00, 0x00,
    };

    expectError(text, 0, XENPV_KERNEL_ERROR_NOT_ELF, "empty");
    expectError(text, sizeof(text) - 1, XENPV_KERNEL_ERROR_NOT_ELF, "not an ELF image");
    expectError(gzNotElf, sizeof(gzNotElf), XENPV_KERNEL_ERROR_NOT_ELF, "gzip-compressed");
}


static void
testIoErrors(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    xenpvKernelInfo info = { 0 };
    g_autofree char *missing = g_build_filename(ktSampleDir(), "no-such-kernel", NULL);

    g_assert_false(xenpvKernelInspectFile(missing, &info, &err));
    g_assert_error(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, missing));
    g_assert_nonnull(strstr(err->message, "No such file"));

    g_assert_false(xenpvKernelInspectFile(ktSampleDir(), &info, &err2));
    g_assert_error(err2, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO);
    g_assert_nonnull(strstr(err2->message, "not a regular file"));
}


/* A FIFO named as a kernel is refused at once: opening it for reading must
 * not wait for a writer (libvirtd's call and the simulated host's loop
 * would wait with it).  SIGALRM ends a test that waits. */
static void
testFifo(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("xenpv-kernel-fifo-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "kernel", NULL);
    xenpvKernelInfo info = { 0 };

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    alarm(10);
    g_assert_false(xenpvKernelInspectFile(fifo, &info, &err));
    alarm(0);
    g_assert_error(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "not a regular file"));
    g_unlink(fifo);
    g_rmdir(dir);
}


static void
testTooLarge(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    xenpvKernelInfo info = { 0 };
    int fd = g_file_open_tmp("xenpv-kernel-large-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    /* Sparse: costs no disk. */
    g_assert_cmpint(ftruncate(fd, XENPV_KERNEL_MAX_IMAGE + 1), ==, 0);
    close(fd);
    g_assert_false(xenpvKernelInspectFile(path, &info, &err));
    g_unlink(path);
    g_assert_error(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT);
    g_assert_nonnull(strstr(err->message, "limit"));
}


/* gzip data that inflates past the limit must stop at it. */
static void
testDecompressionBomb(void)
{
    gsize total = XENPV_KERNEL_MAX_IMAGE + (1 << 20);
    gsize chunk = 1 << 20;
    g_autofree guint8 *zeros = g_malloc0(chunk);
    g_autoptr(GByteArray) out = g_byte_array_new();
    guint8 buf[65536];
    z_stream z = { 0 };
    gsize fed = 0;
    int rc;

    g_assert_cmpint(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
                    ==, Z_OK);
    do {
        int flush = Z_NO_FLUSH;

        if (z.avail_in == 0 && fed < total) {
            z.next_in = zeros;
            z.avail_in = chunk;
            fed += chunk;
        }
        if (fed >= total && z.avail_in == 0)
            flush = Z_FINISH;
        z.next_out = buf;
        z.avail_out = sizeof(buf);
        rc = deflate(&z, flush);
        g_byte_array_append(out, buf, sizeof(buf) - z.avail_out);
    } while (rc != Z_STREAM_END);
    deflateEnd(&z);

    expectError(out->data, out->len, XENPV_KERNEL_ERROR_CORRUPT, "limit");
}


/* Every prefix of a good image is refused, as truncated (or, when even
 * its magic number is cut, as not a kernel), and none crashes. */
static void
testTruncated(gconstpointer opaque)
{
    const char *file = opaque;
    g_autofree char *path = ktSamplePath(file);
    g_autoptr(GBytes) data = ktLoad(path);
    gsize len;
    const guint8 *p = g_bytes_get_data(data, &len);
    gsize cut;

    for (cut = 0; cut < len; cut += (cut < 1024 ? 1 : 37)) {
        g_autoptr(GError) err = NULL;
        xenpvKernelInfo info = { 0 };
        /* A copy of exactly @cut bytes, so that valgrind or ASan would see
         * any read past its end. */
        g_autofree guint8 *prefix = g_memdup2(p, cut);

        if (xenpvKernelInspectBuffer(prefix, cut, &info, &err))
            g_error("%s cut to %zu bytes was accepted", file, cut);
        if (!g_error_matches(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT) &&
            !(cut < 8 && g_error_matches(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF)))
            g_error("%s cut to %zu bytes: unexpected error %d: %s",
                    file, cut, err->code, err->message);
    }
}


/* Offset of @needle in @hay, which must hold it. */
static gsize
findBytes(const guint8 *hay, gsize len, const void *needle, gsize nlen)
{
    const guint8 *at = memmem(hay, len, needle, nlen);

    g_assert_nonnull(at);
    return at - hay;
}


/* The value of the 64-bit kernel's note @type (8-byte value). */
static gsize
noteValueOffset(const guint8 *p, gsize len, guint32 type, guint32 descsz)
{
    guint32 hdr[3] = { GUINT32_TO_LE(4), GUINT32_TO_LE(descsz), GUINT32_TO_LE(type) };
    guint8 pattern[16];

    memcpy(pattern, hdr, sizeof(hdr));
    memcpy(pattern + 12, "Xen", 4);
    return findBytes(p, len, pattern, sizeof(pattern)) + sizeof(pattern);
}


/* Little-endian stores at any offset: note values in a kernel image are
 * only 4-byte aligned, so an 8-byte value cannot be stored through a
 * guint64 pointer. */
static void
putLe32(guint8 *at, guint32 value)
{
    value = GUINT32_TO_LE(value);
    memcpy(at, &value, sizeof(value));
}


static void
putLe64(guint8 *at, guint64 value)
{
    value = GUINT64_TO_LE(value);
    memcpy(at, &value, sizeof(value));
}


/* Damage one field at a time and check the error says so. */
static void
testTargetedCorruption(void)
{
    g_autofree char *path = ktSamplePath("xenpv-test-x86_64.elf");
    g_autoptr(GBytes) data = ktLoad(path);
    gsize len;
    const guint8 *orig = g_bytes_get_data(data, &len);
    g_autofree guint8 *p = g_memdup2(orig, len);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)p;
    Elf64_Phdr *note = NULL;
    gsize off;
    int i;

    for (i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(p + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type == PT_NOTE)
            note = ph;
    }
    g_assert_nonnull(note);

#define RESTORE() memcpy(p, orig, len)

    p[EI_CLASS] = 7;
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "class");
    RESTORE();

    p[EI_DATA] = ELFDATA2MSB;
    expectError(p, len, XENPV_KERNEL_ERROR_UNSUPPORTED, "big-endian");
    RESTORE();

    eh->e_machine = EM_AARCH64;
    expectError(p, len, XENPV_KERNEL_ERROR_UNSUPPORTED, "not an x86 PV kernel");
    RESTORE();

    eh->e_phoff = G_MAXUINT64 - 8;
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "program header table");
    RESTORE();

    eh->e_phnum = 0xffff;
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "program header table");
    RESTORE();

    eh->e_shoff = len - 10;
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "section header table");
    RESTORE();

    note->p_filesz = G_MAXUINT64 / 2;
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "truncated");
    RESTORE();

    /* The first note's name size points past the note segment. */
    putLe32(p + note->p_offset, 0xfffffff0);
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "note");
    RESTORE();

    /* No program headers and no sections: no notes at all. */
    eh->e_phnum = 0;
    eh->e_shoff = 0;
    expectError(p, len, XENPV_KERNEL_ERROR_NOT_PV, "no Xen notes");
    RESTORE();

    off = findBytes(p, len, "xen-3.0", 8);
    p[off + 4] = '2';
    expectError(p, len, XENPV_KERNEL_ERROR_NOT_PV, "xen-2.0");
    RESTORE();

    off = findBytes(p, len, "generic", 8);
    memcpy(p + off, "special", 7);
    expectError(p, len, XENPV_KERNEL_ERROR_NOT_PV, "special");
    RESTORE();

    off = findBytes(p, len, "!writable_page_tables", 21);
    p[off + 2] = 'X';
    expectError(p, len, XENPV_KERNEL_ERROR_UNSUPPORTED, "wXitable_page_tables");
    RESTORE();

    /* ENTRY before the image. */
    off = noteValueOffset(p, len, 1, 8);
    putLe64(p + off, BASE_64 - 0x1000);
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "entry point");
    RESTORE();

    /* HYPERCALL_PAGE far past the image. */
    off = noteValueOffset(p, len, 2, 8);
    putLe64(p + off, BASE_64 + 0x10000000);
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "hypercall page");
    RESTORE();

    /* VIRT_BASE as a 3-byte number. */
    off = noteValueOffset(p, len, 3, 8);
    putLe32(p + off - 12, 3);
    expectError(p, len, XENPV_KERNEL_ERROR_CORRUPT, "3-byte number");
    RESTORE();

#undef RESTORE
}


/* Random damage: whatever comes out, nothing crashes and the result is
 * either a sane kernel or one of our errors. */
static void
testRandomCorruption(gconstpointer opaque)
{
    const char *file = opaque;
    g_autofree char *path = ktSamplePath(file);
    g_autoptr(GBytes) data = ktLoad(path);
    g_autoptr(GRand) rand = g_rand_new_with_seed(20260417);
    gsize len;
    const guint8 *orig = g_bytes_get_data(data, &len);
    g_autofree guint8 *p = g_malloc(len);
    unsigned int accepted = 0;
    int iter;

    for (iter = 0; iter < 400; iter++) {
        g_autoptr(GError) err = NULL;
        xenpvKernelInfo info = { 0 };
        int flips = g_rand_int_range(rand, 1, 9);
        int i;

        memcpy(p, orig, len);
        for (i = 0; i < flips; i++) {
            /* Mostly the first pages, where headers and notes live. */
            gsize at = g_rand_boolean(rand) ? g_rand_int_range(rand, 0, MIN(len, 4096))
                                            : g_rand_int_range(rand, 0, len);
            p[at] = g_rand_int_range(rand, 0, 256);
        }
        if (xenpvKernelInspectBuffer(p, len, &info, &err)) {
            g_assert_cmpint(info.abi, >, XENPV_GUEST_ABI_UNKNOWN);
            g_assert_cmpint(info.abi, <, XENPV_GUEST_ABI_LAST);
            g_assert_nonnull(info.compression);
            accepted++;
        } else {
            g_assert_nonnull(err);
            g_assert_true(err->domain == XENPV_KERNEL_ERROR);
            g_assert_cmpint(err->code, <=, XENPV_KERNEL_ERROR_UNSUPPORTED);
            g_assert_cmpstr(err->message, !=, "");
        }
        xenpvKernelInfoClear(&info);
    }
    g_test_message("%s: %u of 400 damaged copies still read as PV kernels", file, accepted);
}


/* Real PV images shipped by Debian (grub-xen-host). */
static void
testGrub(gconstpointer opaque)
{
    const char *path = opaque;
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    gboolean ok;

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_test_skip("grub-xen-host is not installed (scripts/install-deps.sh installs it)");
        return;
    }
    ok = xenpvKernelInspectFile(path, &info, &err);
    if (strstr(path, "_pvh")) {
        /* Only a PVH entry point: no PV loader takes it. */
        g_assert_false(ok);
        g_assert_error(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV);
        g_assert_nonnull(strstr(err->message, "PVH"));
        return;
    }
    g_assert_no_error(err);
    g_assert_true(ok);
    g_assert_cmpint(info.abi, ==, strstr(path, "i386") ? XENPV_GUEST_ABI_X86_32P
                                                        : XENPV_GUEST_ABI_X86_64);
    g_assert_cmpstr(info.guestOs, ==, "GRUB");
    g_assert_cmpstr(info.loader, ==, "generic");
    g_assert_cmpstr(info.xenVersion, ==, "xen-3.0");
    xenpvKernelInfoClear(&info);
}


/* Images Xen boots in a PVH container (its PV-shim, GRUB's PVH build, our
 * stand-in) pass as PVH kernels; PV kernels and images without notes do
 * not. */
static void
testPvh(void)
{
    static const char *const pvh[] = {
        "/usr/lib/xen-4.17/boot/xen-shim", "/usr/lib/grub-xen/grub-i386-xen_pvh.bin",
    };
    static const char *const notPvh[] = {
        "xenpv-test-x86_32p.elf", "xenpv-test-nonotes-x86_64.elf",
    };
    g_autofree char *standIn = ktSamplePath("xenpv-test-pvh.elf");
    xenpvKernelInfo info = { 0 };
    gsize i;

    g_assert_true(xenpvKernelInspectPvhFile(standIn, &info, NULL));
    g_assert_true(info.havePhys32Entry);
    g_assert_cmpuint(info.phys32Entry, ==, 0x100000);
    g_assert_cmpint(info.abi, ==, XENPV_GUEST_ABI_UNKNOWN);
    xenpvKernelInfoClear(&info);
    /* ... and is no PV kernel. */
    g_assert_false(xenpvKernelInspectFile(standIn, &info, NULL));

    for (i = 0; i < G_N_ELEMENTS(pvh); i++) {
        g_autoptr(GError) err = NULL;

        if (!g_file_test(pvh[i], G_FILE_TEST_EXISTS)) {
            g_test_message("%s is not installed", pvh[i]);
            continue;
        }
        g_assert_true(xenpvKernelInspectPvhFile(pvh[i], &info, &err));
        g_assert_no_error(err);
        g_assert_true(info.havePhys32Entry);
        xenpvKernelInfoClear(&info);
    }
    for (i = 0; i < G_N_ELEMENTS(notPvh); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *path = ktSamplePath(notPvh[i]);

        g_assert_false(xenpvKernelInspectPvhFile(path, &info, &err));
        g_assert_error(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV);
        g_assert_nonnull(strstr(err->message, "PHYS32_ENTRY"));
    }
}


int
main(int argc, char **argv)
{
    static const char *const truncate[] = {
        "xenpv-test-x86_64.elf", "xenpv-test-x86_32p.elf",
        "xenpv-test-legacy-x86_32p.elf",
        "xenpv-test-x86_64.elf.gz", "xenpv-test-x86_64.elf.bz2",
        "xenpv-test-x86_64.elf.xz", "xenpv-test-x86_64.elf.lzma",
        "xenpv-test-x86_64.elf.lz4", "xenpv-test-x86_64.elf.legacy.lz4",
        "xenpv-test-x86_64.elf.zst",
    };
    gsize i;
    gsize j;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(samples); i++) {
        g_autofree char *name = g_strdup_printf("/kernel/sample/%s", samples[i].file);
        g_test_add_data_func(name, &samples[i], testSample);
    }
    /* The compressed copies of the two good kernels. */
    for (i = 0; i < 2; i++) {
        for (j = 0; j < G_N_ELEMENTS(compressions); j++) {
            kernelVariant *v = g_new0(kernelVariant, 1);
            g_autofree char *name = NULL;
            g_autofree char *bzName = NULL;

            v->sample = &samples[i];
            v->file = g_strdup_printf("%s.%s", samples[i].file, compressions[j][0]);
            v->compression = compressions[j][1];
            name = g_strdup_printf("/kernel/compressed/%s", v->file);
            bzName = g_strdup_printf("/kernel/bzimage/%s", v->file);
            g_test_add_data_func(name, v, testCompressed);
            g_test_add_data_func(bzName, v, testBzImage);
        }
    }
    g_test_add_func("/kernel/bzimage/errors", testBzImageErrors);
    g_test_add_func("/kernel/errors/not-elf", testNotElf);
    g_test_add_func("/kernel/errors/io", testIoErrors);
    g_test_add_func("/kernel/errors/fifo", testFifo);
    g_test_add_func("/kernel/errors/too-large", testTooLarge);
    g_test_add_func("/kernel/errors/decompression-bomb", testDecompressionBomb);
    g_test_add_func("/kernel/corrupt/targeted", testTargetedCorruption);
    g_test_add_func("/kernel/pvh", testPvh);
    for (i = 0; i < G_N_ELEMENTS(truncate); i++) {
        g_autofree char *name = g_strdup_printf("/kernel/truncated/%s", truncate[i]);
        g_autofree char *rname = g_strdup_printf("/kernel/corrupt/random/%s", truncate[i]);
        g_test_add_data_func(name, truncate[i], testTruncated);
        g_test_add_data_func(rname, truncate[i], testRandomCorruption);
    }
    for (i = 0; i < G_N_ELEMENTS(ktGrubImages); i++) {
        g_autofree char *name = g_strdup_printf("/kernel/real/%s", strrchr(ktGrubImages[i], '/') + 1);
        g_test_add_data_func(name, ktGrubImages[i], testGrub);
    }

    return g_test_run();
}
