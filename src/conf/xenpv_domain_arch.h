/*
 * xenpv_domain_arch.h: whether a PV guest's arch was given by the user or
 * is left to its kernel.
 *
 * libvirt fills a missing <os><type arch=...> with the host's arch while it
 * parses, so a parsed definition cannot tell "x86_64" from "no arch".  For
 * a PV guest the difference matters: with no arch the kernel's ELF notes
 * decide (a 32-bit PAE kernel makes an i686 guest); a named arch must match
 * the kernel.  The user's XML is therefore looked at before libvirt parses
 * it, and the answer is kept by the driver beside the definition, never in
 * it: what users see is what libvirt's Xen driver shows.
 *
 * On disk the driver keeps the fact in its own copy of the definition (its
 * config file), as a <metadata> element it takes out again when it loads
 * the file:
 *
 *   <xenpvarch:arch xmlns:xenpvarch='urn:xenpv:arch:1' source='kernel' value='i686'/>
 *
 * where value is the arch the definition showed; a definition whose arch was
 * changed since is the user's.  XML that still carries such an element
 * (dumped by an older version of this driver) is read the same way.
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
 * alternate XML) like xenpvDomainDefParseString; *archFromKernel says
 * whether its arch is left to the kernel (no arch named, or the marker of
 * an older dump).  No marker is left in the definition. */
virDomainDef *xenpvDomainDefParseUserXML(const char *xml,
                                         virDomainXMLOption *xmlopt,
                                         unsigned int parseFlags,
                                         bool *archFromKernel);

/* Take the marker out of @def's <metadata> (dropping a <metadata> left
 * empty); true when it said the arch follows the kernel and its value is
 * still the definition's arch. */
bool xenpvDomainDefTakeArchMarker(virDomainDef *def);

/* Put the marker in, recording the current arch (for the driver's own
 * config file; take it out again once written). */
void xenpvDomainDefAddArchMarker(virDomainDef *def);

/* For a definition converted from a format that names no arch (xm, xl):
 * show the kernel's arch where the kernel can be read here (a bootloader's
 * kernel is inside the guest's disk: not read).  An unreadable kernel is no
 * error: the definition shows x86_64, as libvirt's Xen driver shows it. */
void xenpvDomainDefArchFromReadableKernel(virDomainDef *def);
