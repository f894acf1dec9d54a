/*
 * xenpv_native.c: the driver's connectDomainXMLFromNative and
 * connectDomainXMLToNative for the "xen-xm" and "xen-xl" formats.
 */
#include "internal.h"
#include "datatypes.h"
#include "domain_conf.h"
#include "viraccessapicheck.h"
#include "virerror.h"

#include "xenpv_domain_xmlopt.h"
#include "xenpv_domain_arch.h"
#include "xenpv_native.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

int
xenpvNativeFormatFromString(const char *name)
{
    if (STREQ_NULLABLE(name, XENPV_NATIVE_FORMAT_XM))
        return XENPV_NATIVE_XM;
    if (STREQ_NULLABLE(name, XENPV_NATIVE_FORMAT_XL))
        return XENPV_NATIVE_XL;
    virReportError(VIR_ERR_INVALID_ARG,
                   _("unsupported config type %s; use %s or %s"),
                   NULLSTR(name), XENPV_NATIVE_FORMAT_XM, XENPV_NATIVE_FORMAT_XL);
    return -1;
}


char *
xenpvNativeConfigToXML(virDomainXMLOption *xmlopt,
                       const char *nativeFormat,
                       const char *nativeConfig)
{
    g_autoptr(virDomainDef) def = NULL;
    int format;

    if ((format = xenpvNativeFormatFromString(nativeFormat)) < 0)
        return NULL;
    if (!(def = xenpvNativeParseConfig(xmlopt, format, nativeConfig)))
        return NULL;
    /* xm and xl files name no arch: the guest's kernel decides. */
    xenpvDomainDefArchFromReadableKernel(def);
    /* libvirt's Xen driver leaves a VNC password out of this XML; here it
     * stays, so that nothing in the configuration is lost. */
    return virDomainDefFormat(def, xmlopt,
                              VIR_DOMAIN_DEF_FORMAT_INACTIVE | VIR_DOMAIN_DEF_FORMAT_SECURE);
}


char *
xenpvNativeXMLToConfig(virDomainXMLOption *xmlopt,
                       const char *nativeFormat,
                       const char *domainXml,
                       virConnectPtr conn)
{
    g_autoptr(virDomainDef) def = NULL;
    int format;

    if ((format = xenpvNativeFormatFromString(nativeFormat)) < 0)
        return NULL;
    if (!(def = xenpvDomainDefParseString(domainXml, xmlopt,
                                          VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return NULL;
    return xenpvNativeFormatConfig(format, def, conn);
}


char *
xenpvConnectDomainXMLFromNative(virConnectPtr conn,
                                const char *nativeFormat,
                                const char *nativeConfig,
                                unsigned int flags)
{
    g_autoptr(virDomainXMLOption) xmlopt = NULL;

    virCheckFlags(0, NULL);
    if (virConnectDomainXMLFromNativeEnsureACL(conn) < 0)
        return NULL;
    if (!(xmlopt = xenpvDomainXMLOptionNewForConversion()))
        return NULL;
    return xenpvNativeConfigToXML(xmlopt, nativeFormat, nativeConfig);
}


char *
xenpvConnectDomainXMLToNative(virConnectPtr conn,
                              const char *nativeFormat,
                              const char *domainXml,
                              unsigned int flags)
{
    g_autoptr(virDomainXMLOption) xmlopt = NULL;

    virCheckFlags(0, NULL);
    if (virConnectDomainXMLToNativeEnsureACL(conn) < 0)
        return NULL;
    if (!(xmlopt = xenpvDomainXMLOptionNewForConversion()))
        return NULL;
    return xenpvNativeXMLToConfig(xmlopt, nativeFormat, domainXml, conn);
}
