/*
 * fuzz-build.c: domain XML through the PV XML option to a build spec.  A
 * definition that parses has passed the PV checks, so the build mapping
 * must accept it; formatting it as xm and xl must not crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_build.h"
#include "fuzz_common.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_native.h"

static virDomainXMLOption *xmlopt;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
    xmlopt = fuzzSetup(false);
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *xm = NULL;
    g_autofree char *xl = NULL;
    xenpvBuildSpec spec;

    if (!(def = xenpvDomainDefParseString(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        goto done;

    if (xenpvBuildSpecFromDef(def, &spec) < 0) {
        fprintf(stderr, "parsed definition refused by the build: %s\n",
                virGetLastErrorMessage());
        abort();
    }
    if (!spec.name || (!spec.kernel && !spec.bootloader) ||
        spec.vcpus == 0 || spec.vcpus > spec.maxVcpus ||
        spec.targetMemKiB == 0 || spec.targetMemKiB > spec.maxMemKiB)
        abort();
    xenpvBuildSpecClear(&spec);

    xm = xenpvNativeFormatConfig(XENPV_NATIVE_XM, def, NULL);
    xl = xenpvNativeFormatConfig(XENPV_NATIVE_XL, def, NULL);

 done:
    virResetLastError();
    return 0;
}
