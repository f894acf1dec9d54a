/*
 * xenpv_guest_abi.c: names and properties of the PV guest ABIs, and the
 * names of the containers a PV guest runs in and of the ways to choose one.
 */
#include <string.h>

#include "xenpv_guest_abi.h"

typedef struct {
    const char *caps;
    const char *arch;
    unsigned int width;
    unsigned int levels;
} xenpvGuestAbiProps;

static const xenpvGuestAbiProps abiProps[XENPV_GUEST_ABI_LAST] = {
    [XENPV_GUEST_ABI_UNKNOWN] = { NULL, NULL, 0, 0 },
    [XENPV_GUEST_ABI_X86_64] = { "xen-3.0-x86_64", "x86_64", 8, 4 },
    [XENPV_GUEST_ABI_X86_32P] = { "xen-3.0-x86_32p", "i686", 4, 3 },
    [XENPV_GUEST_ABI_X86_32] = { "xen-3.0-x86_32", "i686", 4, 2 },
};

static const xenpvGuestAbiProps *
xenpvGuestAbiGet(xenpvGuestAbi abi)
{
    if (abi < 0 || abi >= XENPV_GUEST_ABI_LAST)
        abi = XENPV_GUEST_ABI_UNKNOWN;
    return &abiProps[abi];
}


const char *
xenpvGuestAbiToCaps(xenpvGuestAbi abi)
{
    return xenpvGuestAbiGet(abi)->caps;
}


xenpvGuestAbi
xenpvGuestAbiFromCaps(const char *word)
{
    int i;

    for (i = XENPV_GUEST_ABI_UNKNOWN + 1; i < XENPV_GUEST_ABI_LAST; i++) {
        if (word && strcmp(word, abiProps[i].caps) == 0)
            return i;
    }
    return XENPV_GUEST_ABI_UNKNOWN;
}


unsigned int
xenpvGuestAbiWidth(xenpvGuestAbi abi)
{
    return xenpvGuestAbiGet(abi)->width;
}


unsigned int
xenpvGuestAbiLevels(xenpvGuestAbi abi)
{
    return xenpvGuestAbiGet(abi)->levels;
}


const char *
xenpvGuestAbiArch(xenpvGuestAbi abi)
{
    return xenpvGuestAbiGet(abi)->arch;
}


static const char *const containerNames[XENPV_CONTAINER_LAST] = {
    [XENPV_CONTAINER_PV] = "pv",
    [XENPV_CONTAINER_PVSHIM] = "pvshim",
};

const char *
xenpvContainerToString(xenpvContainer container)
{
    if (container < 0 || container >= XENPV_CONTAINER_LAST)
        return NULL;
    return containerNames[container];
}


/* The index of @name in @names[first..count), or -1. */
static int
nameIndex(const char *const *names, int first, int count, const char *name)
{
    int i;

    for (i = first; i < count; i++) {
        if (name && names[i] && strcmp(name, names[i]) == 0)
            return i;
    }
    return -1;
}


int
xenpvContainerFromString(const char *name)
{
    return nameIndex(containerNames, 0, XENPV_CONTAINER_LAST, name);
}


static const char *const pvshimModeNames[XENPV_PVSHIM_LAST] = {
    [XENPV_PVSHIM_DEFAULT] = NULL,
    [XENPV_PVSHIM_NEVER] = "never",
    [XENPV_PVSHIM_AUTO] = "auto",
    [XENPV_PVSHIM_ALWAYS] = "always",
};

const char *
xenpvPvshimModeToString(xenpvPvshimMode mode)
{
    if (mode < 0 || mode >= XENPV_PVSHIM_LAST)
        return NULL;
    return pvshimModeNames[mode];
}


int
xenpvPvshimModeFromString(const char *name)
{
    return nameIndex(pvshimModeNames, XENPV_PVSHIM_DEFAULT + 1, XENPV_PVSHIM_LAST, name);
}
