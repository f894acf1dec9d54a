/*
 * xenpv_guest_abi.h: the PV guest ABIs Xen knows, shared by the kernel
 * inspector, the hypervisor back ends, the simulated host and the driver.
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
