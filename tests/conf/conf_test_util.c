/*
 * conf_test_util.c: helpers shared by the domain definition and native
 * format tests.
 */
#include <glib.h>
#include <string.h>
#include <libxml/relaxng.h>

#include "conf_test_util.h"

char *
confTestReadExample(const char *name)
{
    g_autofree char *path = g_build_filename(XENPV_EXAMPLES_DIR, name, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err))
        g_error("%s: %s", path, err->message);
    return text;
}


bool
confTestValidatesAgainstSchema(const char *xml)
{
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(XENPV_DOMAIN_RNG);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL, 0);
    bool ok = doc && xmlRelaxNGValidateDoc(vctxt, doc) == 0;

    xmlFreeDoc(doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctxt);
    return ok;
}
