/*
 * xenpv_domain_ns.h: the driver's own XML namespace in domain definitions,
 * in the style of libvirt's driver namespaces (the qemu driver's
 * <qemu:commandline>):
 *
 *   <domain type='xen' xmlns:xenpv='urn:xenpv:domain:1'>
 *     ...
 *     <xenpv:pvshim mode='never|auto|always'/>
 *   </domain>
 *
 * It is registered with the driver's domain XML options, so libvirt parses
 * it with the definition, keeps it through copies, status XML and save
 * images, and formats it back (docs/pvshim.md).
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"
#include "xenpv_guest_abi.h"

#define XENPV_DOMAIN_NS_PREFIX "xenpv"
#define XENPV_DOMAIN_NS_URI "urn:xenpv:domain:1"

typedef struct _xenpvDomainNamespaceDef xenpvDomainNamespaceDef;
struct _xenpvDomainNamespaceDef {
    xenpvPvshimMode pvshim;         /* DEFAULT: the host's pvshim setting */
};

/* For virDomainXMLOptionNew. */
extern virXMLNamespace xenpvDomainXMLNamespace;

/* The domain's own choice of container: XENPV_PVSHIM_DEFAULT when its
 * definition leaves it to the host. */
xenpvPvshimMode xenpvDomainDefPvshimMode(const virDomainDef *def);
