/*
 * xenpv_domain_check.h: what a Xen PV guest can and cannot be, split into the
 * domain-wide part and the per-device part so that libvirt's validation
 * callbacks (which run per device, also for hotplug XML) can use them.
 * xenpvDomainDefCheckPV (xenpv_domain_build.h) runs both.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"

/* Xen's limit on the vCPUs of one domain (MAX_VIRT_CPUS on x86). */
#define XENPV_MAX_VCPUS 8192

/* Domain-wide checks: virt type, os type, arch, machine, firmware, boot
 * order, emulator, counts of consoles and serials.  0 or -1 with
 * VIR_ERR_CONFIG_UNSUPPORTED naming the element. */
int xenpvDomainDefCheckPVDomain(const virDomainDef *def);

/* The domain and os types alone, and a disk's bus alone: the post-parse callbacks
 * refuse these early (xenpv_domain_xmlopt.c says why). */
int xenpvDomainDefCheckTypes(const virDomainDef *def);
int xenpvDomainDiskCheckBus(const virDomainDiskDef *disk);

/* One device of @def (which may be NULL when unknown). */
int xenpvDomainDeviceDefCheckPV(const virDomainDeviceDef *dev,
                                const virDomainDef *def);

/* Refuse elements in @xml that libvirt's parser skips for PV guests (it
 * reads them only for HVM) so that they cannot vanish silently.  A document
 * that is not well-formed is left to libvirt's parser to report: returns 0. */
int xenpvDomainXMLCheckDropped(const char *xml);
