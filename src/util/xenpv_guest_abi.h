/*
 * xenpv_guest_abi.h: the PV guest ABIs Xen knows, and the containers a PV
 * guest runs in, shared by the kernel inspector, the hypervisor back ends,
 * the simulated host and the driver.
 */
#pragma once

typedef enum {
    XENPV_GUEST_ABI_UNKNOWN = 0,
    XENPV_GUEST_ABI_X86_64,     /* "xen-3.0-x86_64": 64-bit, 4 levels */
    XENPV_GUEST_ABI_X86_32P,    /* "xen-3.0-x86_32p": 32-bit PAE, 3 levels */
    XENPV_GUEST_ABI_X86_32,     /* "xen-3.0-x86_32": non-PAE, no current Xen runs it */
    XENPV_GUEST_ABI_LAST
} xenpvGuestAbi;

/* "xen-3.0-x86_64" etc., or NULL for UNKNOWN. */
const char *xenpvGuestAbiToCaps(xenpvGuestAbi abi);
/* Parse a xen_caps word; UNKNOWN if it is none of ours. */
xenpvGuestAbi xenpvGuestAbiFromCaps(const char *word);
/* Guest word size in bytes (8 or 4) and page-table levels (4, 3 or 2). */
unsigned int xenpvGuestAbiWidth(xenpvGuestAbi abi);
unsigned int xenpvGuestAbiLevels(xenpvGuestAbi abi);
/* libvirt arch name: "x86_64" or "i686". */
const char *xenpvGuestAbiArch(xenpvGuestAbi abi);

/* What a PV guest runs in (docs/pvshim.md): a PV domain of its own, or
 * Xen's PV-shim, a small Xen that runs the unmodified PV guest inside a
 * PVH container (an HVM domain without emulated devices) on a hypervisor
 * that lacks the guest's PV ABI (32-bit PV) or to isolate it. */
typedef enum {
    XENPV_CONTAINER_PV = 0,
    XENPV_CONTAINER_PVSHIM,
    XENPV_CONTAINER_LAST
} xenpvContainer;

/* "pv" or "pvshim"; NULL for a value out of range. */
const char *xenpvContainerToString(xenpvContainer container);
/* The container named @name, or -1. */
int xenpvContainerFromString(const char *name);

/* When a PV guest runs in the PV-shim: never (only as a PV domain), auto
 * (when the hypervisor cannot run the guest's ABI itself), always.  DEFAULT
 * is a domain that leaves it to the host's setting. */
typedef enum {
    XENPV_PVSHIM_DEFAULT = 0,
    XENPV_PVSHIM_NEVER,
    XENPV_PVSHIM_AUTO,
    XENPV_PVSHIM_ALWAYS,
    XENPV_PVSHIM_LAST
} xenpvPvshimMode;

/* "never", "auto", "always"; NULL for DEFAULT or a value out of range. */
const char *xenpvPvshimModeToString(xenpvPvshimMode mode);
/* The mode named @name (never DEFAULT), or -1. */
int xenpvPvshimModeFromString(const char *name);
