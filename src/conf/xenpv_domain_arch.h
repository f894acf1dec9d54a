/*
 * xenpv_domain_arch.h: whether a PV guest's arch was given by the user or
 * is left to its kernel.
 *
 * libvirt fills a missing <os><type arch=...> with the host's arch while it
 * parses, so a parsed definition cannot tell "x86_64" from "no arch".  For
 * a PV guest the difference matters: with no arch the kernel's ELF notes
 * decide (a 32-bit PAE kernel makes an i686 guest); a named arch must match
 * the kernel.  The user's XML is therefore looked at before libvirt parses
 * it, and a definition that left the arch to the kernel carries a marker in
 * its <metadata>:
 *
 *   <xenpvarch:arch xmlns:xenpvarch='urn:xenpv:arch:1' source='kernel' value='i686'/>
 *
 * where value is the arch the definition shows.  The marker survives
 * dumpxml / define round trips (virsh edit); changing <type arch=...> to
 * something else than value makes the arch the user's again.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"

#define XENPV_ARCH_NS_URI "urn:xenpv:arch:1"
#define XENPV_ARCH_NS_PREFIX "xenpvarch"

/* Does @xml name an arch in /domain/os/type/@arch?  1 yes, 0 no, -1 when
 * it is not XML at all (no error reported: libvirt's parser will). */
int xenpvDomainXMLNamesArch(const char *xml);

/* Parse domain XML a user gave (define, create, restore or save with an
 * alternate XML) like xenpvDomainDefParseString, and record whether its
 * arch is the user's or the kernel's (see above). */
virDomainDef *xenpvDomainDefParseUserXML(const char *xml,
                                         virDomainXMLOption *xmlopt,
                                         unsigned int parseFlags);

/* Is the arch of @def left to its kernel?  True when the marker is there
 * and its value is the definition's arch. */
bool xenpvDomainDefArchFromKernel(const virDomainDef *def);

/* Put the marker in (recording the current arch) or take it out. */
void xenpvDomainDefSetArchFromKernel(virDomainDef *def, bool fromKernel);

/* For a definition converted from a format that names no arch (xm, xl):
 * mark the arch as the kernel's and, where the kernel can be read here,
 * show its arch already.  An unreadable kernel is no error: define and
 * start read it again. */
void xenpvDomainDefArchFromKernelIfReadable(virDomainDef *def);

/* The kernel's arch became known: set it, keeping the marker in step. */
void xenpvDomainDefSetKernelArch(virDomainDef *def, virArch arch);
