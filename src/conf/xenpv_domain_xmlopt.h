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
 * post-parse defaults (os type xen, arch x86_64, machine xenpv, a PV console,
 * disk bus xen, netfront NICs, MACs under 00:16:3e) and validation callbacks
 * that refuse what a PV guest cannot have.  @priv and @jobConfig are passed
 * through to virDomainXMLOptionNew and may be NULL. */
virDomainXMLOption *
xenpvDomainXMLOptionNew(virDomainXMLPrivateDataCallbacks *priv,
                        virDomainJobObjConfig *jobConfig);

/* virDomainDefParseString for PV guests: first refuses, naming them, the
 * elements libvirt's parser reads only for HVM guests and would otherwise
 * drop without a word (<os><boot dev>, <bootmenu>, <bios>, <acpi>, <init>,
 * <firmware>, <os firmware=...>), then parses with @xmlopt.  Drivers should
 * use this wherever they take domain XML from a user. */
virDomainDef *
xenpvDomainDefParseString(const char *xml,
                          virDomainXMLOption *xmlopt,
                          unsigned int parseFlags);
