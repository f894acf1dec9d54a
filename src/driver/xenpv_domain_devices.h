/*
 * xenpv_domain_devices.h: what starting a domain and plugging devices into
 * a running one share about its disks and network interfaces.
 */
#pragma once

#include "xenpv_domain.h"

/* Is the source of the disk @vdev there for domain @name to use (read,
 * and written unless @readonly)?  0, or -1 with a system error naming the
 * path and the disk. */
int xenpvDomainCheckDiskSource(const char *name, const char *vdev,
                               const char *source, bool readonly);

/* The same for every disk of @spec, before anything is built. */
int xenpvDomainCheckDiskSources(const xenpvBuildSpec *spec);
