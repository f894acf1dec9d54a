/*
 * xenpv_dirs.h: where the driver keeps its files, and what libvirt's own
 * Xen driver (libxl) keeps beside them (docs/driver-config.md).
 */
#pragma once

#include "xenpv_driver.h"

/* Set the driver's paths: the system ones, or those under the root of an
 * embedded driver (@root). */
void xenpvDirsSet(xenpvDriver *driver, const char *root);

/* Create the driver's directories. */
int xenpvDirsMake(xenpvDriver *driver);

/* Move the definitions an earlier version of this driver kept in its own
 * directory to where they are kept now; problems are logged only. */
void xenpvDirsAdoptOldConfigs(xenpvDriver *driver);

/* Refuse to define @name when a definition of that name is on disk that
 * was not loaded (one this driver cannot run, such as an HVM guest of
 * libvirt's libxl driver): defining would overwrite it. */
int xenpvDirsCheckDefinable(xenpvDriver *driver, const char *name);

/* Refuse to start @name while the status of libvirt's libxl driver says
 * it started a domain of that name (it may still be running). */
int xenpvDirsCheckLibxlStatus(xenpvDriver *driver, const char *name);

/* Refuse to boot @name afresh while libvirt's libxl driver holds a managed
 * save image of it (its memory, which only that driver can restore), or
 * discard the image when @forceBoot. */
int xenpvDirsCheckLibxlManagedSave(xenpvDriver *driver, const char *name, bool forceBoot);
