/*
 * xenpv_process.h: bringing a domain up and down, and keeping the driver's
 * view of it in step with the hypervisor.
 *
 * Every function here expects the domain object locked with a job held
 * (or, during daemon start, no client able to reach it yet).  A start drops
 * the lock while the back end builds or restores the domain.
 */
#pragma once

#include "xenpv_domain.h"

typedef enum {
    XENPV_START_PAUSED = (1 << 0),
    XENPV_START_AUTODESTROY = (1 << 1),
} xenpvStartFlags;

/* Check @def and turn it into a build spec: the PV checks, the kernel
 * (run through the bootloader when there is one) and its inspection, unless
 * @abi is already known as for a save image, the guest ABI against the
 * definition's arch (none when @archFromKernel) and the host, what the
 * guest runs in (chosen for a boot; @container, the stream's, for a save
 * image), and the host's free memory.  Returns 0 or -1 with the error that
 * names the cause (and nothing left behind). */
int xenpvProcessPrepareSpec(xenpvDriver *driver,
                            virDomainDef *def,
                            bool archFromKernel,
                            xenpvGuestAbi abi,
                            xenpvContainer container,
                            xenpvBuildSpec *spec);

/* Start @vm: build a new domain, or fill it from the save stream on
 * @restoreFd when that is >= 0 (then @restoreAbi is the ABI the image
 * records and @restoreContainer what its stream restores into, from the
 * stream's format).  On failure everything built is torn down and @vm is
 * left as it was.  Emits no event: callers know which one fits. */
int xenpvProcessStart(xenpvDriver *driver,
                      virDomainObj *vm,
                      virConnectPtr conn,
                      unsigned int flags,
                      virDomainRunningReason reason,
                      int restoreFd,
                      xenpvGuestAbi restoreAbi,
                      xenpvContainer restoreContainer);

/* Destroy the hypervisor's domain of a running @vm.  The driver's state is
 * not touched: follow with xenpvProcessCleanup. */
int xenpvProcessDestroyDomain(xenpvDriver *driver, virDomainObj *vm);

/* Destroy every hypervisor domain with @uuid: what a start or an incoming
 * migration interrupted by a daemon stop left half-built for domain @name
 * (which the driver holds no running domain for).  Logs what it does. */
void xenpvProcessDestroyStray(xenpvDriver *driver, const unsigned char *uuid,
                              const char *name);

/* Forget the running domain: state shut off for @reason, status and the
 * bootloader's files removed, the persistent definition back in place. */
void xenpvProcessCleanup(xenpvDriver *driver,
                         virDomainObj *vm,
                         virDomainShutoffReason reason);

/* After a daemon restart: is the domain the status XML describes still
 * there, with the same UUID?  If so adopt it with its state; if not clean
 * it up.  Returns 1 when adopted, 0 when it was gone. */
int xenpvProcessReconnect(xenpvDriver *driver, virDomainObj *vm);

/* Compare @vm with what the hypervisor now says and act on the difference:
 * a guest that shut itself down gets its on_poweroff / on_reboot /
 * on_crash action; a pause or unpause done elsewhere is recorded. */
void xenpvProcessHandleChange(xenpvDriver *driver, virDomainObj *vm);
