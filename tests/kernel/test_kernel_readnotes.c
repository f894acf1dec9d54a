/*
 * test_kernel_readnotes.c: our reading of the notes against Xen's own
 * readnotes (xen-utils-4.17), on every test kernel and on real PV images:
 * Debian's GRUB for Xen and Debian's stock kernel.
 *
 * readnotes 4.17 reads plain ELF and gzip only, and knows no notes past
 * PHYS32_ENTRY's predecessors (it prints "unknown note type" for
 * INIT_P2M, MOD_START_PFN and SUPPORTED_FEATURES).  Images it cannot read
 * are skipped with that reason, and compared instead on the ELF that the
 * distribution's own decompressor gets out of them.
 */
#include <string.h>
#include <glib/gstdio.h>

#include <xen/elfnote.h>

#include "xenpv_kernel.h"
#include "kernel_test_util.h"

typedef struct {
    GHashTable *values;     /* KEY -> value as printed */
    GHashTable *unknown;    /* note types readnotes could not name */
    char *legacy;           /* the __xen_guest string, if printed */
} readnotesResult;


static void
readnotesResultFree(readnotesResult *r)
{
    g_hash_table_unref(r->values);
    g_hash_table_unref(r->unknown);
    g_free(r->legacy);
    g_free(r);
}


G_DEFINE_AUTOPTR_CLEANUP_FUNC(readnotesResult, readnotesResultFree)


static readnotesResult *
parseReadnotes(const char *out)
{
    readnotesResult *r = g_new0(readnotesResult, 1);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    gsize i;

    r->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r->unknown = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (i = 0; lines[i]; i++) {
        char *colon;
        guint64 type;

        if (g_str_has_prefix(lines[i], "unknown note type ")) {
            type = g_ascii_strtoull(lines[i] + strlen("unknown note type "), NULL, 0);
            g_hash_table_add(r->unknown, GUINT_TO_POINTER((guint)type));
            continue;
        }
        if (!(colon = strstr(lines[i], ": ")))
            continue;
        *colon = '\0';
        if (g_str_equal(lines[i], "__xen_guest"))
            r->legacy = g_strdup(colon + 2);
        else
            g_hash_table_insert(r->values, g_strdup(lines[i]), g_strdup(colon + 2));
    }
    return r;
}


/* "0xffffffff80000000 (8 bytes)" or "         0 (8 bytes)" */
static guint64
numberOf(const char *printed)
{
    g_autofree char *copy = g_strstrip(g_strdup(printed));
    char *end = NULL;
    guint64 v = g_ascii_strtoull(copy, &end, 0);

    if (end == copy || !g_str_has_prefix(end, " ("))
        g_error("readnotes printed '%s', not a number", printed);
    return v;
}


static void
compareString(const readnotesResult *r, const char *key, const char *ours)
{
    const char *theirs = g_hash_table_lookup(r->values, key);

    if (g_strcmp0(theirs, ours) != 0)
        g_error("%s: readnotes says '%s', we say '%s'", key, theirs ? theirs : "(absent)",
                ours ? ours : "(absent)");
}


static void
compareNumber(const readnotesResult *r, const char *key, guint type,
              gboolean have, guint64 ours)
{
    const char *theirs = g_hash_table_lookup(r->values, key);

    if (!theirs && g_hash_table_contains(r->unknown, GUINT_TO_POINTER(type))) {
        g_test_message("%s: readnotes does not know note %u; we read 0x%" G_GINT64_MODIFIER "x",
                       key, type, ours);
        g_assert_true(have);
        return;
    }
    if (!theirs) {
        if (have)
            g_error("%s: readnotes shows none, we read 0x%" G_GINT64_MODIFIER "x", key, ours);
        return;
    }
    if (!have)
        g_error("%s: readnotes shows %s, we read none", key, theirs);
    g_assert_cmphex(numberOf(theirs), ==, ours);
}


/* Check the legacy string readnotes printed against what we parsed. */
static void
compareLegacy(const readnotesResult *r, const xenpvKernelInfo *info)
{
    g_auto(GStrv) items = g_strsplit(r->legacy, ",", -1);
    gsize i;

    g_assert_true(info->legacyGuestSection);
    for (i = 0; items[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(items[i], "=", 2);
        const char *k = kv[0];
        const char *v = kv[1] ? kv[1] : "";

        if (g_str_equal(k, "GUEST_OS"))
            g_assert_cmpstr(info->guestOs, ==, v);
        else if (g_str_equal(k, "GUEST_VER"))
            g_assert_cmpstr(info->guestVersion, ==, v);
        else if (g_str_equal(k, "XEN_VER"))
            g_assert_cmpstr(info->xenVersion, ==, v);
        else if (g_str_equal(k, "LOADER"))
            g_assert_cmpstr(info->loader, ==, v);
        else if (g_str_equal(k, "PAE"))
            g_assert_cmpstr(info->paeMode, ==, v);
        else if (g_str_equal(k, "FEATURES"))
            g_assert_cmpstr(info->features, ==, v);
        else if (g_str_equal(k, "VIRT_BASE"))
            g_assert_cmphex(info->virtBase, ==, g_ascii_strtoull(v, NULL, 0));
        else if (g_str_equal(k, "ELF_PADDR_OFFSET"))
            g_assert_cmphex(info->paddrOffset, ==, g_ascii_strtoull(v, NULL, 0));
        else if (g_str_equal(k, "VIRT_ENTRY"))
            g_assert_cmphex(info->entry, ==, g_ascii_strtoull(v, NULL, 0));
        else if (g_str_equal(k, "HYPERCALL_PAGE"))
            g_assert_cmphex(info->hypercallPage, ==,
                            info->virtBase + (g_ascii_strtoull(v, NULL, 0) << 12));
        else
            g_test_message("__xen_guest setting %s not compared", k);
    }
}


/* What readnotes says about @elfPath against what we read (from @ourPath,
 * which may be the compressed or wrapped form of the same kernel). */
static void
compareWithReadnotes(const char *ourPath, const char *elfPath)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autoptr(readnotesResult) r = NULL;
    xenpvKernelInfo info = { 0 };
    gboolean ours;

    if (!ktRunReadnotes(elfPath, &out))
        g_error("readnotes cannot read %s: %s", elfPath, out);
    r = parseReadnotes(out);
    ours = xenpvKernelInspectFile(ourPath, &info, &err);

    if (!ours) {
        /* We refuse only what Xen's loader refuses: readnotes shows no
         * XEN_VERSION "xen-3.0" for such images. */
        g_test_message("%s: %s", ourPath, err->message);
        g_assert_true(g_error_matches(err, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_PV));
        g_assert_cmpstr(g_hash_table_lookup(r->values, "XEN_VERSION"), !=, "xen-3.0");
        g_assert_null(r->legacy);
        return;
    }

    if (r->legacy) {
        compareLegacy(r, &info);
        xenpvKernelInfoClear(&info);
        return;
    }
    g_assert_false(info.legacyGuestSection);
    compareString(r, "GUEST_OS", info.guestOs);
    compareString(r, "GUEST_VERSION", info.guestVersion);
    compareString(r, "XEN_VERSION", info.xenVersion);
    compareString(r, "LOADER", info.loader);
    compareString(r, "PAE_MODE", info.paeMode);
    compareString(r, "FEATURES", info.features);
    compareString(r, "BSD_SYMTAB", info.bsdSymtab);
    compareNumber(r, "ENTRY", XEN_ELFNOTE_ENTRY, info.haveEntry, info.entry);
    compareNumber(r, "HYPERCALL_PAGE", XEN_ELFNOTE_HYPERCALL_PAGE,
                  info.haveHypercallPage, info.hypercallPage);
    compareNumber(r, "VIRT_BASE", XEN_ELFNOTE_VIRT_BASE, info.haveVirtBase, info.virtBase);
    compareNumber(r, "PADDR_OFFSET", XEN_ELFNOTE_PADDR_OFFSET,
                  info.havePaddrOffset, info.paddrOffset);
    compareNumber(r, "HV_START_LOW", XEN_ELFNOTE_HV_START_LOW,
                  info.haveHvStartLow, info.hvStartLow);
    compareNumber(r, "SUSPEND_CANCEL", XEN_ELFNOTE_SUSPEND_CANCEL,
                  info.haveSuspendCancel, info.suspendCancel);
    compareNumber(r, "INIT_P2M", XEN_ELFNOTE_INIT_P2M, info.haveInitP2m, info.initP2m);
    compareNumber(r, "MOD_START_PFN", XEN_ELFNOTE_MOD_START_PFN,
                  info.haveModStartPfn, info.modStartPfn);
    compareNumber(r, "SUPPORTED_FEATURES", XEN_ELFNOTE_SUPPORTED_FEATURES,
                  info.haveSupportedFeatures, info.supportedFeatures);
    compareNumber(r, "PHYS32_ENTRY", XEN_ELFNOTE_PHYS32_ENTRY,
                  info.havePhys32Entry, info.phys32Entry);
    /* Xen's loader takes the image: readnotes must show its version. */
    g_assert_cmpstr(g_hash_table_lookup(r->values, "XEN_VERSION"), ==, "xen-3.0");
    xenpvKernelInfoClear(&info);
}


static gboolean
haveReadnotes(void)
{
    if (ktReadnotesPath())
        return TRUE;
    g_test_skip("Xen's readnotes is not installed (xen-utils-4.17; scripts/install-deps.sh)");
    return FALSE;
}


/* readnotes on the file itself, where it can read it. */
static void
testDirect(gconstpointer opaque)
{
    const char *path = opaque;
    g_autofree char *out = NULL;

    if (!haveReadnotes())
        return;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_test_skip("image not installed (grub-xen-host; scripts/install-deps.sh)");
        return;
    }
    if (!ktRunReadnotes(path, &out)) {
        g_autofree char *why = g_strdup_printf("readnotes cannot read this format: %s", out);
        g_test_skip(why);
        return;
    }
    compareWithReadnotes(path, path);
}


/* readnotes on what the distribution's decompressor gets out of the file. */
static void
testDecompressed(gconstpointer opaque)
{
    const char *path = opaque;
    g_autofree char *why = NULL;
    g_autofree char *elf = NULL;
    int fd;

    if (!haveReadnotes())
        return;
    fd = g_file_open_tmp("xenpv-kernel-elf-XXXXXX", &elf, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    if (!ktDecompressWithTool(path, elf, &why))
        g_error("%s", why);
    compareWithReadnotes(path, elf);
    g_unlink(elf);
}


/* Debian's stock kernel: a bzImage readnotes cannot read, so its payload
 * is cut out and decompressed with the distribution's tool. */
static void
testDebianKernel(void)
{
    g_autofree char *why = NULL;
    g_autofree char *vmlinuz = NULL;
    g_autofree char *payloadPath = NULL;
    g_autofree char *elf = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GBytes) image = NULL;
    g_autoptr(GBytes) payload = NULL;
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    gsize len;
    const guint8 *p;
    int fd;

    if (!haveReadnotes())
        return;
    if (!(vmlinuz = ktFetchDebianKernel(&why))) {
        g_autofree char *msg = g_strdup_printf("Debian's kernel is unavailable: %s", why);
        g_test_skip(msg);
        return;
    }
    g_test_message("Debian kernel: %s", vmlinuz);

    g_assert_true(xenpvKernelInspectFile(vmlinuz, &info, &err));
    g_assert_no_error(err);
    g_assert_true(info.bzImage);
    g_assert_cmpint(info.abi, ==, XENPV_GUEST_ABI_X86_64);
    g_assert_cmpstr(info.guestOs, ==, "linux");
    g_test_message("Debian kernel payload: %s", info.compression);
    xenpvKernelInfoClear(&info);

    /* What readnotes makes of the bzImage itself, said rather than hidden. */
    if (ktRunReadnotes(vmlinuz, &out))
        g_test_message("readnotes reads the bzImage directly");
    else
        g_test_message("readnotes cannot read a bzImage (%s): comparing on its payload", out);

    image = ktLoad(vmlinuz);
    payload = ktBzImagePayload(image);
    g_assert_nonnull(payload);
    p = g_bytes_get_data(payload, &len);
    payloadPath = ktWriteTemp("xenpv-kernel-payload-XXXXXX", p, len);
    fd = g_file_open_tmp("xenpv-kernel-vmlinux-XXXXXX", &elf, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    if (!ktDecompressWithTool(payloadPath, elf, &why))
        g_error("%s", why);
    compareWithReadnotes(vmlinuz, elf);
    g_unlink(payloadPath);
    g_unlink(elf);
}


int
main(int argc, char **argv)
{
    static const char *const plain[] = {
        "xenpv-test-x86_64.elf", "xenpv-test-x86_32p.elf", "xenpv-test-x86_32-nopae.elf",
        "xenpv-test-x86_32-pae-no.elf", "xenpv-test-legacy-x86_32p.elf",
        "xenpv-test-nonotes-x86_64.elf",
    };
    static const char *const suffixes[] = {
        "gz", "bz2", "xz", "lzma", "lz4", "legacy.lz4", "zst",
    };
    gsize i;
    gsize j;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(plain); i++) {
        g_autofree char *name = g_strdup_printf("/kernel/readnotes/%s", plain[i]);
        g_test_add_data_func(name, ktSamplePath(plain[i]), testDirect);
    }
    for (i = 0; i < 2; i++) {
        for (j = 0; j < G_N_ELEMENTS(suffixes); j++) {
            g_autofree char *file = g_strdup_printf("%s.%s", plain[i], suffixes[j]);
            g_autofree char *name = g_strdup_printf("/kernel/readnotes/%s", file);
            g_autofree char *dname = g_strdup_printf("/kernel/readnotes/decompressed/%s", file);
            g_test_add_data_func(name, ktSamplePath(file), testDirect);
            g_test_add_data_func(dname, ktSamplePath(file), testDecompressed);
        }
    }
    for (i = 0; i < G_N_ELEMENTS(ktGrubImages); i++) {
        g_autofree char *name = g_strdup_printf("/kernel/readnotes/real/%s",
                                                strrchr(ktGrubImages[i], '/') + 1);
        g_test_add_data_func(name, ktGrubImages[i], testDirect);
    }
    g_test_add_func("/kernel/readnotes/real/debian-vmlinuz", testDebianKernel);

    return g_test_run();
}
