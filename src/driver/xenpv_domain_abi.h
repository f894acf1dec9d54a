/*
 * xenpv_domain_abi.h: a PV guest's ABI (64-bit, or 32-bit PAE) learnt from
 * its kernel, directly or through its bootloader, and checked against its
 * definition's arch and against what the host runs, at define, at start
 * and at restore.
 */
#pragma once

#include "xenpv_driver.h"

/* At define and create.  When @def's kernel is there to read, it is
 * inspected: a definition that left the arch to the kernel
 * (@archFromKernel) gets the kernel's; a named arch must be the kernel's;
 * the host must run it.  A kernel not there yet, or one a bootloader will
 * pick, is checked at start (only a named arch is checked against the host
 * now).  Returns 0 or -1
 * with VIR_ERR_CONFIG_UNSUPPORTED (or VIR_ERR_INVALID_ARG for an unreadable
 * kernel) naming the cause. */
int xenpvDomainAbiCheckDefine(xenpvDriver *driver, virDomainDef *def,
                              bool archFromKernel);

/* At create (a domain started at once): only a named arch is checked
 * against the host.  The kernel is inspected once, by the start, which
 * hands the image it decompressed to the builder. */
int xenpvDomainAbiCheckCreate(xenpvDriver *driver, const virDomainDef *def,
                              bool archFromKernel);

/* At start, before anything is built: find the kernel (running the
 * bootloader when the definition has one, or has no kernel either, which
 * sets spec->kernel, spec->ramdisk and spec->cmdline), read its ABI into
 * spec->abi and check it as at define, and choose what it runs in:
 * spec->container, and for the PV-shim spec->shim and spec->shimCmdline.
 * On failure the bootloader's files are removed. */
int xenpvDomainAbiForStart(xenpvDriver *driver,
                           const virDomainDef *def,
                           bool archFromKernel,
                           xenpvBuildSpec *spec);

/* At restore: the ABI a save image records (@abi) against @def, and the
 * container its stream restores into (@container) against the host,
 * described as the guest saved in @image (NULL: "its save image").  A
 * definition that left its arch to the kernel takes the image's. */
int xenpvDomainAbiCheckRestore(xenpvDriver *driver,
                               virDomainDef *def,
                               bool archFromKernel,
                               xenpvGuestAbi abi,
                               xenpvContainer container,
                               const char *image);
