/*
 * xenpv_domain_xmlopt.h: libvirt's domain XML layer configured for Xen PV
 * guests (defaults filled in after parse, and what PV cannot do refused).
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"

/* The MAC prefix Xen assigns to guest NICs (XenSource's OUI). */
#define XENPV_MAC_PREFIX { 0x00, 0x16, 0x3e }

/* The machine name PV guests carry in <os><type machine=...>. */
#define XENPV_MACHINE "xenpv"

/* A domain XML option for PV guests: libvirt's parser and formatter with
 * the post-parse defaults of libvirt's Xen driver (arch x86_64, machine
 * xenpv, a PV console, the xen keyboard and mouse, the xen balloon, the
 * xenbus controller, disk bus xen and format raw, MACs under 00:16:3e) and
 * validation callbacks that refuse what a PV guest cannot have and what this
 * driver cannot run yet, and the driver's own XML namespace
 * (xenpv_domain_ns.h).  @priv and @jobConfig are passed through to
 * virDomainXMLOptionNew and may be NULL. */
virDomainXMLOption *
xenpvDomainXMLOptionNew(virDomainXMLPrivateDataCallbacks *priv,
                        virDomainJobObjConfig *jobConfig);

/* The same for converting to and from xm/xl files: validation refuses only
 * what a PV guest cannot have, so that a configuration converts without
 * loss even where this driver cannot run all of it yet (define says what). */
virDomainXMLOption *
xenpvDomainXMLOptionNewForConversion(void);

/* virDomainDefParseString for PV guests: first refuses, naming them, the
 * elements libvirt's parser reads only for HVM guests and would otherwise
 * drop without a word (<os><boot dev>, <bootmenu>, <bios>, <acpi>, <init>,
 * <firmware>, <os firmware=...>), then parses with @xmlopt.  Drivers should
 * use this wherever they take domain XML from a user. */
virDomainDef *
xenpvDomainDefParseString(const char *xml,
                          virDomainXMLOption *xmlopt,
                          unsigned int parseFlags);
