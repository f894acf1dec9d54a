/*
 * xenpv_native.h: the "xen-xm" and "xen-xl" native configuration formats
 * (the name = value files of xm create and xl create) to and from libvirt
 * domain XML, for PV guests.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"

#define XENPV_NATIVE_FORMAT_XM "xen-xm"
#define XENPV_NATIVE_FORMAT_XL "xen-xl"

typedef enum {
    XENPV_NATIVE_XM,
    XENPV_NATIVE_XL,
} xenpvNativeFormat;

/* "xen-xm" or "xen-xl" to the enum; -1 with VIR_ERR_INVALID_ARG otherwise. */
int xenpvNativeFormatFromString(const char *name);

/* A native configuration to a parsed, post-parsed and validated definition
 * (PV checks included).  Every key is either mapped or refused by name with
 * VIR_ERR_CONFIG_UNSUPPORTED; syntax errors carry virConf's line number. */
virDomainDef *xenpvNativeParseConfig(virDomainXMLOption *xmlopt,
                                     xenpvNativeFormat format,
                                     const char *config);

/* A definition to a native configuration, with the keys and in the order
 * libvirt's Xen driver writes.  What has no key in the format is refused by
 * name.  @conn (may be NULL) names the bridges of <interface type='network'>
 * through libvirt's network driver.  Returns a new string or NULL with an
 * error reported. */
char *xenpvNativeFormatConfig(xenpvNativeFormat format,
                              const virDomainDef *def,
                              virConnectPtr conn);

/* The same with XML on the other side, for tests and for the entry points
 * below: domain XML goes through xenpvDomainDefParseString.  The XML made
 * from a configuration shows everything in it, a VNC password included
 * (the user holds the configuration already); its arch is its kernel's
 * where the kernel can be read here, x86_64 otherwise. */
char *xenpvNativeConfigToXML(virDomainXMLOption *xmlopt,
                             const char *nativeFormat,
                             const char *nativeConfig);
char *xenpvNativeXMLToConfig(virDomainXMLOption *xmlopt,
                             const char *nativeFormat,
                             const char *domainXml,
                             virConnectPtr conn);

/* libvirt's connectDomainXMLFromNative / connectDomainXMLToNative, with
 * their ACL checks; usable as the driver's table entries as they are. */
char *xenpvConnectDomainXMLFromNative(virConnectPtr conn,
                                      const char *nativeFormat,
                                      const char *nativeConfig,
                                      unsigned int flags);
char *xenpvConnectDomainXMLToNative(virConnectPtr conn,
                                    const char *nativeFormat,
                                    const char *domainXml,
                                    unsigned int flags);
