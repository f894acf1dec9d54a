/*
 * xenpv_domain_ns.c: parsing and formatting the driver's XML namespace in
 * domain definitions (see xenpv_domain_ns.h).  Anything in the namespace
 * that is not understood is refused by name: a misspelt element must not
 * silently leave the guest running some other way than asked.
 */
#include "xenpv_domain_ns.h"

#include "virerror.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


static void
xenpvDomainNamespaceFree(void *nsdata)
{
    g_free(nsdata);
}


static int
xenpvDomainNamespaceParsePvshim(xmlNodePtr node, xenpvDomainNamespaceDef *nsdef)
{
    g_autofree char *mode = virXMLPropString(node, "mode");
    int value;

    if (!mode) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("<xenpv:pvshim> needs a mode: 'never', 'auto' or 'always'"));
        return -1;
    }
    if ((value = xenpvPvshimModeFromString(mode)) < 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("<xenpv:pvshim mode='%s'>: the mode is 'never', 'auto' or 'always'"),
                       mode);
        return -1;
    }
    nsdef->pvshim = value;
    return 0;
}


static int
xenpvDomainNamespaceParse(xmlXPathContextPtr ctxt, void **data)
{
    g_autofree xmlNodePtr *nodes = NULL;
    g_autofree xenpvDomainNamespaceDef *nsdef = g_new0(xenpvDomainNamespaceDef, 1);
    bool havePvshim = false;
    int n;
    int i;

    /* Only the domain's own children: libvirt calls this at its root. */
    if ((n = virXPathNodeSet("./" XENPV_DOMAIN_NS_PREFIX ":*", ctxt, &nodes)) < 0)
        return -1;

    for (i = 0; i < n; i++) {
        const char *name = (const char *)nodes[i]->name;

        if (STRNEQ(name, "pvshim")) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("unknown element <xenpv:%s> in the driver's namespace %s: it has <xenpv:pvshim> only"),
                           name, XENPV_DOMAIN_NS_URI);
            return -1;
        }
        if (havePvshim) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("a second <xenpv:pvshim>: a domain chooses its container once"));
            return -1;
        }
        if (xenpvDomainNamespaceParsePvshim(nodes[i], nsdef) < 0)
            return -1;
        havePvshim = true;
    }

    if (havePvshim)
        *data = g_steal_pointer(&nsdef);
    return 0;
}


static int
xenpvDomainNamespaceFormat(virBuffer *buf, void *nsdata)
{
    xenpvDomainNamespaceDef *nsdef = nsdata;

    if (nsdef->pvshim != XENPV_PVSHIM_DEFAULT)
        virBufferAsprintf(buf, "<xenpv:pvshim mode='%s'/>\n",
                          xenpvPvshimModeToString(nsdef->pvshim));
    return 0;
}


virXMLNamespace xenpvDomainXMLNamespace = {
    .parse = xenpvDomainNamespaceParse,
    .free = xenpvDomainNamespaceFree,
    .format = xenpvDomainNamespaceFormat,
    .prefix = XENPV_DOMAIN_NS_PREFIX,
    .uri = XENPV_DOMAIN_NS_URI,
};


xenpvPvshimMode
xenpvDomainDefPvshimMode(const virDomainDef *def)
{
    const xenpvDomainNamespaceDef *nsdef = def->namespaceData;

    return nsdef ? nsdef->pvshim : XENPV_PVSHIM_DEFAULT;
}
