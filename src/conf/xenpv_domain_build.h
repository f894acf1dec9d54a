/*
 * xenpv_domain_build.h: from a libvirt domain definition to a PV guest build.
 *
 * libvirt's own parser owns the XML; this decides whether a parsed definition
 * is something a Xen PV guest can be, and turns it into the build spec the
 * hypervisor back ends take.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"
#include "xenpv_hypervisor.h"

/* The bootloader of a PV guest that names neither a kernel nor a
 * bootloader, as libxl and libvirt's Xen driver boot it. */
#define XENPV_DEFAULT_BOOTLOADER "pygrub"

/* Refuse what PV cannot do (an emulated device model, a BIOS, ...) with
 * VIR_ERR_CONFIG_UNSUPPORTED naming the element.  Called at define and at
 * create, after libvirt's own parse.  Returns 0 or -1 with an error reported. */
int xenpvDomainDefCheckPV(const virDomainDef *def);

/* Fill @spec from @def (kernel, memory, vCPUs, disks, NICs, framebuffer).
 * Does not inspect the kernel: spec->abi is left UNKNOWN for the caller.
 * Returns 0 or -1 with an error reported; on failure @spec is cleared. */
int xenpvBuildSpecFromDef(const virDomainDef *def, xenpvBuildSpec *spec);

/* One disk, and one network interface, as the build spec carries them
 * (also for hotplug).  Clear them with xenpvDiskSpecClear and
 * xenpvNicSpecClear.  The interface's returns 0 or -1 with an error. */
void xenpvBuildDisk(const virDomainDiskDef *disk, xenpvDiskSpec *out);
int xenpvBuildNic(const virDomainNetDef *net, xenpvNicSpec *out);
