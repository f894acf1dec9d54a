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

/* Give every network interface of the running domain @def the name its vif
 * has in dom0 unless the definition named it: vifDOMID.DEVID, the device id
 * being the interface's place in the definition, as at the build.  libvirt
 * shows it as <target dev>, and domifstat and domstats go by it. */
void xenpvDomainNameInterfaces(virDomainDef *def);
