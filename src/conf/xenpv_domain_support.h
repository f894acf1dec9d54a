/*
 * xenpv_domain_support.h: what this driver can run, among what a PV guest
 * can be.
 *
 * Two questions are kept apart.  xenpv_domain_check.h says what a Xen PV
 * guest cannot be at all (an emulated device, a BIOS): conversions from and
 * to xm/xl files refuse only that, so that a configuration xl accepts for a
 * PV guest converts without loss.  This says what PV allows but this driver
 * does not build yet (PCI and USB passthrough, PV channels, ...): define,
 * create and start refuse it by name, so that a definition never silently
 * means less than it says.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"

/* Domain-wide: 0, or -1 with VIR_ERR_CONFIG_UNSUPPORTED naming the element. */
int xenpvDomainDefCheckSupportedDomain(const virDomainDef *def);

/* One device of @def (which may be NULL when unknown). */
int xenpvDomainDeviceDefCheckSupported(const virDomainDeviceDef *dev,
                                       const virDomainDef *def);

/* Everything: what PV can be (xenpvDomainDefCheckPV) and what this driver
 * runs, domain-wide and for every device.  Define, create and start use it. */
int xenpvDomainDefCheckRunnable(const virDomainDef *def);
