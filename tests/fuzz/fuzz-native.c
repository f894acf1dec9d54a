/*
 * fuzz-native.c: the xen-xm and xen-xl parsers.  The first input byte picks
 * the format, the rest is the configuration file.  Whatever parses must
 * format, and formatting must be stable: native -> def -> native -> def ->
 * native gives the same text twice, and the XML of a parsed definition must
 * parse again and validate against libvirt's domain schema.
 */
#include <stdint.h>
#include <stdlib.h>
#include <libxml/relaxng.h>

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "fuzz_common.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_native.h"

static virDomainXMLOption *xmlopt;
static xmlRelaxNGPtr schema;

static void
quietXML(void *ctx G_GNUC_UNUSED, const char *msg G_GNUC_UNUSED, ...)
{
}


static bool
validates(const char *xml)
{
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL, 0);
    bool ok;

    xmlRelaxNGSetValidErrors(vctxt, quietXML, quietXML, NULL);
    ok = doc && xmlRelaxNGValidateDoc(vctxt, doc) == 0;
    xmlFreeDoc(doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    return ok;
}


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
    xmlopt = fuzzSetup(true);
    xmlSetGenericErrorFunc(NULL, quietXML);
    {
        xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(XENPV_DOMAIN_RNG);

        if (!(schema = xmlRelaxNGParse(pctxt)))
            abort();
        xmlRelaxNGFreeParserCtxt(pctxt);
    }
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xenpvNativeFormat format;
    g_autofree char *config = NULL;
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virDomainDef) def2 = NULL;
    g_autoptr(virDomainDef) fromXML = NULL;
    g_autofree char *native1 = NULL;
    g_autofree char *native2 = NULL;
    g_autofree char *xml = NULL;

    if (size < 1)
        return 0;
    format = (data[0] & 1) ? XENPV_NATIVE_XL : XENPV_NATIVE_XM;
    config = g_strndup((const char *)data + 1, size - 1);

    if (!(def = xenpvNativeParseConfig(xmlopt, format, config)))
        goto done;

    if (!(xml = virDomainDefFormat(def, xmlopt, VIR_DOMAIN_DEF_FORMAT_INACTIVE)))
        abort();
    if (!(fromXML = xenpvDomainDefParseString(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE))) {
        fprintf(stderr, "XML of a parsed config does not parse: %s\n%s\n",
                virGetLastErrorMessage(), xml);
        abort();
    }

    if (!validates(xml)) {
        fprintf(stderr, "XML of a parsed config does not validate:\n%s\n", xml);
        abort();
    }

    /* Some definitions have no spelling in the format (a value with both
     * quote characters, say): refusing is fine, being unstable is not. */
    if (!(native1 = xenpvNativeFormatConfig(format, def, NULL)))
        goto done;
    if (!(def2 = xenpvNativeParseConfig(xmlopt, format, native1))) {
        fprintf(stderr, "formatted config does not parse: %s\n%s\n",
                virGetLastErrorMessage(), native1);
        abort();
    }
    if (!(native2 = xenpvNativeFormatConfig(format, def2, NULL)))
        abort();
    if (STRNEQ(native1, native2)) {
        fprintf(stderr, "unstable:\n%s---\n%s", native1, native2);
        abort();
    }

 done:
    virResetLastError();
    return 0;
}
