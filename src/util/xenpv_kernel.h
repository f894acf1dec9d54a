/*
 * xenpv_kernel.h: inspection of PV kernel images.
 *
 * Reads an ELF32 or ELF64 kernel, plain or compressed the way distributions
 * ship them, and its Xen ELF notes (or the legacy __xen_guest section), to
 * learn which PV ABI the guest needs before anything is built.  GLib only:
 * used by the driver and by the simulated host alike.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "xenpv_guest_abi.h"

#define XENPV_KERNEL_ERROR (xenpv_kernel_error_quark())
GQuark xenpv_kernel_error_quark(void);

typedef enum {
    XENPV_KERNEL_ERROR_IO,          /* cannot open or read the file */
    XENPV_KERNEL_ERROR_NOT_ELF,     /* not an ELF image, even decompressed */
    XENPV_KERNEL_ERROR_NOT_PV,      /* ELF, but no Xen notes: not a PV kernel */
    XENPV_KERNEL_ERROR_CORRUPT,     /* truncated or inconsistent image */
    XENPV_KERNEL_ERROR_UNSUPPORTED, /* not an x86 PV ABI; callers use it to refuse non-PAE */
} xenpvKernelError;

typedef struct _xenpvKernelInfo xenpvKernelInfo;
struct _xenpvKernelInfo {
    xenpvGuestAbi abi;
    unsigned int elfClass;          /* 32 or 64 */
    unsigned int elfMachine;        /* EM_386 or EM_X86_64 */
    char *compression;              /* "none", "gzip", "bzip2", "xz", "lzma", "lz4", "zstd" */
    gboolean legacyGuestSection;    /* notes came from __xen_guest */
    char *guestOs;                  /* XEN_ELFNOTE_GUEST_OS, e.g. "linux" */
    char *guestVersion;
    char *xenVersion;               /* "xen-3.0" */
    char *loader;                   /* "generic" */
    char *paeMode;                  /* "yes", "no", "bimodal", "yes[extended-cr3]" */
    char *features;                 /* XEN_ELFNOTE_FEATURES */
    guint32 supportedFeatures;      /* XEN_ELFNOTE_SUPPORTED_FEATURES bitmap */
    gboolean haveSupportedFeatures;
    guint64 virtBase;
    guint64 paddrOffset;
    guint64 entry;
    guint64 hypercallPage;
    gboolean haveHypercallPage;

    /* Where the image came from, and the rest of what the notes say.
     * virtBase, paddrOffset and entry above hold Xen's defaults when the
     * notes leave them out (0; 0, or virtBase for __xen_guest; e_entry):
     * the have* flags say whether the notes set them. */
    gboolean bzImage;               /* the ELF was the payload of an x86 bzImage */
    gboolean haveVirtBase;
    gboolean havePaddrOffset;
    gboolean haveEntry;
    guint64 elfEntry;               /* the ELF header's e_entry */
    guint64 hvStartLow;             /* XEN_ELFNOTE_HV_START_LOW */
    gboolean haveHvStartLow;
    guint64 initP2m;                /* XEN_ELFNOTE_INIT_P2M */
    gboolean haveInitP2m;
    guint64 modStartPfn;            /* XEN_ELFNOTE_MOD_START_PFN */
    gboolean haveModStartPfn;
    guint64 suspendCancel;          /* XEN_ELFNOTE_SUSPEND_CANCEL */
    gboolean haveSuspendCancel;
    guint64 phys32Entry;            /* XEN_ELFNOTE_PHYS32_ENTRY (PVH entry) */
    gboolean havePhys32Entry;
    char *bsdSymtab;                /* XEN_ELFNOTE_BSD_SYMTAB */
    guint64 virtKernelStart;        /* where the loaded image starts and ends */
    guint64 virtKernelEnd;          /* in the guest's virtual address space */

    /* xenpvKernelInspectFileImage only: the ELF image inspected, when it
     * had to be decompressed (NULL when the file is a plain ELF). */
    GBytes *image;
};

/* The largest image, compressed or decompressed, the inspector reads. */
#define XENPV_KERNEL_MAX_IMAGE ((gsize)256 << 20)

void xenpvKernelInfoClear(xenpvKernelInfo *info);

/* Inspect the image at @path.  On failure returns FALSE with @error set
 * (domain XENPV_KERNEL_ERROR) and a message naming the file and the cause.
 * A 32-bit kernel without PAE is inspected successfully with abi
 * XENPV_GUEST_ABI_X86_32: no current Xen runs one, and it is the caller
 * that refuses it (with XENPV_KERNEL_ERROR_UNSUPPORTED's meaning).
 * UNSUPPORTED itself is returned for ELF images that are not x86 or not
 * little endian.  @info is cleared first and filled on success only. */
gboolean xenpvKernelInspectFile(const char *path, xenpvKernelInfo *info, GError **error);
/* The same, keeping in info->image the ELF image decompressed from the
 * file (if it was compressed): a domain builder handed it need not
 * decompress the kernel a second time, which for a distribution's kernel
 * under emulation takes seconds. */
gboolean xenpvKernelInspectFileImage(const char *path, xenpvKernelInfo *info, GError **error);
/* The same for an image already in memory (the fuzz target's entry point). */
gboolean xenpvKernelInspectBuffer(const guint8 *data, gsize len, xenpvKernelInfo *info,
                                  GError **error);

/* Whether @data starts with an x86 bzImage's setup header. */
gboolean xenpvKernelIsBzImage(const guint8 *data, gsize len);

/* The payload of the bzImage @data (its setup header checked with
 * xenpvKernelIsBzImage): the compressed (or, rarely, plain) vmlinux, the
 * Linux build's size word its last 4 bytes.  @name names the image in
 * errors. */
gboolean xenpvKernelBzImagePayload(const char *name, const guint8 *data, gsize len,
                                   const guint8 **payload, gsize *payloadLen,
                                   GError **error);

/* The size the Linux build appends to a bzImage's payload (its last 4
 * bytes, little endian): what the payload decompresses to, as it claims;
 * 0 if the payload is too short to have one. */
gsize xenpvKernelBzImageSizeWord(const guint8 *payload, gsize len);

/* Inspect @path as an image Xen boots in a PVH container, as it boots its
 * PV-shim: an ELF image (plain or compressed) whose notes give a PVH entry
 * point (XEN_ELFNOTE_PHYS32_ENTRY); XENPV_KERNEL_ERROR_NOT_PV without one.
 * @info's abi stays UNKNOWN: a PVH kernel has no PV ABI. */
gboolean xenpvKernelInspectPvhFile(const char *path, xenpvKernelInfo *info, GError **error);
