/*
 * fuzz_common.c: the set-up the fuzz targets share.
 */
#include <stdlib.h>

#include "virerror.h"

#include "fuzz_common.h"
#include "xenpv_domain_xmlopt.h"

static void
fuzzQuietErrors(void *opaque G_GNUC_UNUSED, virErrorPtr err G_GNUC_UNUSED)
{
}


virDomainXMLOption *
fuzzSetup(bool forConversion)
{
    virDomainXMLOption *xmlopt = NULL;

    if (virInitialize() < 0)
        abort();
    if (forConversion)
        xmlopt = xenpvDomainXMLOptionNewForConversion();
    else
        xmlopt = xenpvDomainXMLOptionNew(NULL, NULL);
    if (!xmlopt)
        abort();
    virSetErrorFunc(NULL, fuzzQuietErrors);
    return xmlopt;
}
