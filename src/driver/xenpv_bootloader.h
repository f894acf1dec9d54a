/*
 * xenpv_bootloader.h: running a PV guest's bootloader (pygrub) in dom0 to
 * find out which kernel, initrd and command line the guest boots, as
 * libxl does before it builds such a domain.
 */
#pragma once

#include "xenpv_driver.h"

/* Run @def's <bootloader> (pygrub when it names none) with its
 * <bootloader_args> on its first disk, non-interactively, extracting into a
 * directory of the domain's own under the driver's state directory.  Its
 * <kernel>, <initrd> and <cmdline> (spec->cmdline) are passed on as libxl
 * passes them: paths inside the guest's disk and extra kernel arguments.  Sets spec->kernel, spec->ramdisk and
 * spec->cmdline to what it picked (clearing spec->bootloader: the back end
 * is left a direct kernel boot) and @from to a description of where the
 * kernel came from, for messages.  Returns 0, or -1 with an error naming
 * the bootloader and the end of what it wrote to stderr. */
int xenpvBootloaderRun(xenpvDriver *driver,
                       const virDomainDef *def,
                       xenpvBuildSpec *spec,
                       char **from);

/* Remove what the bootloader extracted for @def (nothing if it has none). */
void xenpvBootloaderCleanup(xenpvDriver *driver, const virDomainDef *def);
