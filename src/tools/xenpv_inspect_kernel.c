/*
 * xenpv_inspect_kernel.c: xenpv-inspect-kernel, a command that prints what
 * the kernel inspector reads from a PV kernel image, one "key: value" line
 * each, in a fixed order, so that people and scripts can check an image
 * before defining a guest with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>

#include "xenpv_kernel.h"

static void
printString(const char *key, const char *value)
{
    if (value)
        printf("%s: %s\n", key, value);
}


static void
printNumber(const char *key, guint64 value, gboolean have)
{
    if (have)
        printf("%s: 0x%" PRIx64 "\n", key, value);
}


static void
printInfo(const char *path, const xenpvKernelInfo *info)
{
    const char *abi = xenpvGuestAbiToCaps(info->abi);

    printf("file: %s\n", path);
    printf("container: %s\n", info->bzImage ? "bzImage" : "none");
    printf("compression: %s\n", info->compression);
    printf("elf-class: %u\n", info->elfClass);
    printf("elf-machine: %u\n", info->elfMachine);
    printf("abi: %s\n", abi ? abi : "unknown");
    printf("notes: %s\n", info->legacyGuestSection ? "__xen_guest" : "elf-notes");
    printString("guest-os", info->guestOs);
    printString("guest-version", info->guestVersion);
    printString("xen-version", info->xenVersion);
    printString("loader", info->loader);
    printString("pae-mode", info->paeMode);
    printString("features", info->features);
    printNumber("supported-features", info->supportedFeatures, info->haveSupportedFeatures);
    /* Always printed: Xen's defaults apply where the notes are silent. */
    printNumber("virt-base", info->virtBase, TRUE);
    printNumber("paddr-offset", info->paddrOffset, TRUE);
    printNumber("entry", info->entry, TRUE);
    printNumber("hypercall-page", info->hypercallPage, info->haveHypercallPage);
    printNumber("hv-start-low", info->hvStartLow, info->haveHvStartLow);
    printNumber("init-p2m", info->initP2m, info->haveInitP2m);
    printNumber("mod-start-pfn", info->modStartPfn, info->haveModStartPfn);
    printNumber("suspend-cancel", info->suspendCancel, info->haveSuspendCancel);
    printNumber("phys32-entry", info->phys32Entry, info->havePhys32Entry);
    printString("bsd-symtab", info->bsdSymtab);
}


int
main(int argc, char **argv)
{
    xenpvKernelInfo info = { 0 };
    g_autoptr(GError) err = NULL;
    int ret = EXIT_FAILURE;

    if (argc == 2 && g_str_equal(argv[1], "--version")) {
        printf("xenpv-inspect-kernel %s\n", XENPV_VERSION);
        return EXIT_SUCCESS;
    }
    if (argc != 2 || argv[1][0] == '-') {
        gboolean help = argc == 2 && g_str_equal(argv[1], "--help");

        fprintf(help ? stdout : stderr,
                "usage: xenpv-inspect-kernel PATH\n"
                "Print the Xen PV notes of a kernel image (ELF, bzImage, or compressed\n"
                "with gzip, bzip2, xz, lzma, lz4 or zstd) and the guest ABI it needs.\n");
        return help ? EXIT_SUCCESS : EXIT_FAILURE;
    }

    if (!xenpvKernelInspectFile(argv[1], &info, &err)) {
        fprintf(stderr, "xenpv-inspect-kernel: %s\n", err->message);
        goto cleanup;
    }
    printInfo(argv[1], &info);
    ret = EXIT_SUCCESS;

 cleanup:
    xenpvKernelInfoClear(&info);
    return ret;
}
