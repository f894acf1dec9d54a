/*
 * xenpv_pvshim.h: running PV guests in Xen's PV-shim (docs/pvshim.md).
 *
 * The PV-shim is a small Xen, built to run one unmodified PV guest inside
 * a PVH container (an HVM domain without emulated devices).  A hypervisor
 * without 32-bit PV (Debian's stock Xen 4.17, 'pv=no-32', CET shadow
 * stacks) runs 32-bit PV guests that way; xl calls it pvshim=1.  This says
 * what the host offers (HVM, the shim image), and decides, for one guest,
 * whether it runs as a PV domain or in the shim, refusing with every
 * remedy when it can do neither.
 */
#pragma once

#include "internal.h"
#include "xenpv_conf.h"
#include "xenpv_hypervisor.h"

/* The shim's own command line, as Xen's toolstack gives it by default:
 * a PV-shim, its console on the container's PV console. */
#define XENPV_PVSHIM_CMDLINE "pv-shim console=xen,pv"

/* What this host offers for the PV-shim, learnt when the driver starts. */
typedef struct _xenpvPvshimHost xenpvPvshimHost;
struct _xenpvPvshimHost {
    xenpvPvshimMode mode;       /* the host's setting (xenpv.conf pvshim) */
    char *configFile;           /* where the setting came from, for messages */
    char *path;                 /* the shim image (or where it was looked for) */
    char *cmdline;              /* the shim's command line, extra arguments included */
    bool usable;                /* a PVH container can run, and path is a PVH image */
    char *problem;              /* when not usable: why, for messages */
    char *fix;                  /* ... and what would make it usable */
};

void xenpvPvshimHostClear(xenpvPvshimHost *shim);

/* Fill @shim from the configuration and the hypervisor: the image is
 * pvshim_path, or where Xen's packages install it for the running
 * hypervisor's version (/usr/lib/xen-X.Y/boot/xen-shim, then
 * /usr/lib/xen/boot/xen-shim); it must be a PVH kernel, and the host
 * must run PVH containers.  Never fails: what is missing is recorded. */
void xenpvPvshimHostInit(xenpvPvshimHost *shim,
                         const xenpvDriverConfig *cfg,
                         const xenpvHostInfo *host);

/* Does a guest of @abi run in the shim by the host's setting alone (no
 * domain choice)?  For the capabilities. */
bool xenpvPvshimHostRuns(const xenpvHostInfo *host,
                         const xenpvPvshimHost *shim,
                         xenpvGuestAbi abi);

/* Decide what a guest of @abi (described as @what: "kernel /boot/k")
 * runs in on @host, with the domain's own choice @domainMode (DEFAULT: the
 * host's).  Returns 0 with *@container set, or -1 with
 * VIR_ERR_CONFIG_UNSUPPORTED: for a guest neither way can run, the message
 * names why each way is closed and every remedy (a hypervisor with the
 * guest's PV ABI, the shim, or a 64-bit kernel for a 32-bit userland). */
int xenpvPvshimChoose(const xenpvHostInfo *host,
                      const xenpvPvshimHost *shim,
                      xenpvPvshimMode domainMode,
                      xenpvGuestAbi abi,
                      const char *what,
                      xenpvContainer *container);

/* Can an i686 guest run here at all (natively, or in the shim unless
 * @domainMode or the host's setting says never)?  Returns 0, or -1 with
 * VIR_ERR_CONFIG_UNSUPPORTED naming why not and every remedy. */
int xenpvPvshimCheckArch32(const xenpvHostInfo *host,
                           const xenpvPvshimHost *shim,
                           xenpvPvshimMode domainMode);

/* Can a guest of @abi saved from a @container (what its stream needs to
 * be restored into) run on @host?  Returns 0, or -1 with
 * VIR_ERR_CONFIG_UNSUPPORTED naming the cause and what to do. */
int xenpvPvshimCheckRestore(const xenpvHostInfo *host,
                            xenpvContainer container,
                            xenpvGuestAbi abi,
                            const char *what);
