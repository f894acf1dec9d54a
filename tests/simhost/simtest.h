/*
 * simtest.h: helpers for the simulated host's tests: a private xenpv-simhost
 * on a socket in a temporary directory, PV kernel images made on the spot,
 * the "sim" back end opened against it, and waiting on conditions.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "xenpv_hypervisor.h"

typedef struct {
    char *dir;
    char *socketPath;
    char *consoleDir;
    GPid pid;
    xenpvHypervisor hyp;
    gboolean opened;
} SimTestHost;

/* Start a simulated host with extra options (NULL-terminated) and open the
 * back end on it.  Aborts the test on failure. */
SimTestHost *simTestHostStart(const char *first, ...) G_GNUC_NULL_TERMINATED;
void simTestHostStop(SimTestHost *host);
/* The host process's resident set in KiB. */
guint64 simTestHostRssKiB(SimTestHost *host);

/* A PV kernel of that ABI (64-bit, or 32-bit PAE with @pae), or one with no
 * Xen notes at all (@pv FALSE), written into @dir.  Uses the project's test
 * kernels when XENPV_TEST_KERNELS names their directory. */
char *simTestKernel(const char *dir, xenpvGuestAbi abi, gboolean pv);
gboolean simTestWriteKernel(const char *path, xenpvGuestAbi abi, gboolean pv);

/* A spec for a guest of @mib MiB with that kernel and command line. */
void simTestSpec(xenpvBuildSpec *spec, const char *name, const char *kernel,
                 guint64 mib, const char *cmdline);

/* Create (from @spec), unpause, and return the domid. */
uint32_t simTestStartGuest(SimTestHost *host, const xenpvBuildSpec *spec);

/* Poll @check until it returns TRUE or @seconds pass. */
gboolean simTestWaitFor(gboolean (*check)(gpointer), gpointer opaque, double seconds);
/* Wait until the domain is shut down with @reason (or any if < 0). */
gboolean simTestWaitShutdown(SimTestHost *host, uint32_t domid, int reason, double seconds);
/* Wait until a store node's value starts with @prefix; returns the value. */
char *simTestWaitStore(SimTestHost *host, const char *path, const char *prefix,
                       double seconds);

/* Suspend callback for saves: asks through control/shutdown and waits. */
typedef struct {
    SimTestHost *host;
    uint32_t domid;
    unsigned int calls;
} SimTestSuspend;
int simTestSuspend(void *opaque);

/* The last libvirt error's message, never NULL. */
const char *simTestLastError(void);
int simTestLastErrorCode(void);
