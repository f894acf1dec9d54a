/*
 * xenpv_domain_arch.c: telling a PV guest's arch given by the user from one
 * left to its kernel, across libvirt's parse (which fills in a default);
 * the marker that keeps the fact in the driver's own config files.
 */
#include "internal.h"
#include "domain_conf.h"
#include "virarch.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "xenpv_domain_arch.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_kernel.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define XENPV_ARCH_MARKER "arch"


int
xenpvDomainXMLNamesArch(const char *xml)
{
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr ctxt = NULL;
    xmlXPathObjectPtr obj = NULL;
    int ret = -1;

    if (!xml)
        return -1;
    doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !(ctxt = xmlXPathNewContext(doc)))
        goto cleanup;
    /* libvirt reads the first <type> only; an empty attribute is still one
     * the user wrote (and libvirt refuses it). */
    obj = xmlXPathEval(BAD_CAST "boolean(/domain/os/type[1]/@arch)", ctxt);
    if (!obj || obj->type != XPATH_BOOLEAN)
        goto cleanup;
    ret = obj->boolval ? 1 : 0;

 cleanup:
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctxt);
    xmlFreeDoc(doc);
    return ret;
}


static bool
xenpvIsArchMarker(xmlNodePtr node)
{
    return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           STREQ((const char *)node->ns->href, XENPV_ARCH_NS_URI) &&
           STREQ((const char *)node->name, XENPV_ARCH_MARKER);
}


static xmlNodePtr
xenpvFindArchMarker(const virDomainDef *def)
{
    xmlNodePtr node;

    if (!def->metadata)
        return NULL;
    for (node = def->metadata->children; node; node = node->next) {
        if (xenpvIsArchMarker(node))
            return node;
    }
    return NULL;
}


static void
xenpvRemoveArchMarkers(virDomainDef *def)
{
    xmlNodePtr node;
    xmlNodePtr next;

    if (!def->metadata)
        return;
    for (node = def->metadata->children; node; node = next) {
        next = node->next;
        if (xenpvIsArchMarker(node)) {
            xmlUnlinkNode(node);
            xmlFreeNode(node);
        }
    }
    /* Do not leave an empty <metadata/> that was not the user's. */
    if (!def->metadata->children)
        g_clear_pointer(&def->metadata, xmlFreeNode);
}


bool
xenpvDomainDefTakeArchMarker(virDomainDef *def)
{
    xmlNodePtr marker = xenpvFindArchMarker(def);
    g_autofree char *source = NULL;
    g_autofree char *value = NULL;

    if (!marker)
        return false;
    source = (char *)xmlGetProp(marker, BAD_CAST "source");
    value = (char *)xmlGetProp(marker, BAD_CAST "value");
    xenpvRemoveArchMarkers(def);
    /* A value that is not the arch shown means the user changed the arch
     * since: it is theirs now. */
    return source && STREQ(source, "kernel") &&
           value && virArchFromString(value) == def->os.arch;
}


void
xenpvDomainDefAddArchMarker(virDomainDef *def)
{
    xmlNodePtr marker;
    xmlNsPtr ns;

    xenpvRemoveArchMarkers(def);
    if (!def->metadata &&
        !(def->metadata = xmlNewNode(NULL, BAD_CAST "metadata")))
        abort();    /* out of memory, as libvirt treats it */
    if (!(marker = xmlNewNode(NULL, BAD_CAST XENPV_ARCH_MARKER)) ||
        !(ns = xmlNewNs(marker, BAD_CAST XENPV_ARCH_NS_URI, BAD_CAST XENPV_ARCH_NS_PREFIX)))
        abort();
    xmlSetNs(marker, ns);
    if (!xmlNewProp(marker, BAD_CAST "source", BAD_CAST "kernel") ||
        !xmlNewProp(marker, BAD_CAST "value", BAD_CAST virArchToString(def->os.arch)))
        abort();
    xmlAddChild(def->metadata, marker);
}


void
xenpvDomainDefArchFromReadableKernel(virDomainDef *def)
{
    xenpvKernelInfo info = { 0 };
    const char *arch;

    if (def->os.kernel && !def->os.bootloader &&
        xenpvKernelInspectFile(def->os.kernel, &info, NULL) &&
        (arch = xenpvGuestAbiArch(info.abi)))
        def->os.arch = virArchFromString(arch);
    xenpvKernelInfoClear(&info);
}


virDomainDef *
xenpvDomainDefParseUserXML(const char *xml,
                           virDomainXMLOption *xmlopt,
                           unsigned int parseFlags,
                           bool *archFromKernel)
{
    g_autoptr(virDomainDef) def = NULL;
    bool marked;

    if (!(def = xenpvDomainDefParseString(xml, xmlopt, parseFlags)))
        return NULL;
    /* Named and unchanged since a marker recorded it (a dump by an older
     * version of this driver) still follows the kernel. */
    marked = xenpvDomainDefTakeArchMarker(def);
    *archFromKernel = xenpvDomainXMLNamesArch(xml) == 0 || marked;
    return g_steal_pointer(&def);
}
