/*
 * test-domain-arch.c: telling an arch the user named from one left to the
 * kernel, across libvirt's parse; the marker that keeps the fact in the
 * driver's own config files, and never in the definition users see.
 */

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_arch.h"
#include "xenpv_domain_xmlopt.h"
#include "conf_test_util.h"

static virDomainXMLOption *xmlopt;

#define HEAD "<domain type='xen'><name>t</name><memory>262144</memory>"
#define KERNEL "<kernel>/boot/vmlinuz</kernel></os>"
#define TAIL "</domain>"
#define NO_ARCH HEAD "<os><type>xen</type>" KERNEL TAIL
#define X86_64 HEAD "<os><type arch='x86_64'>xen</type>" KERNEL TAIL
#define I686 HEAD "<os><type arch='i686'>xen</type>" KERNEL TAIL
#define MARKER "<xenpvarch:arch xmlns:xenpvarch=\"urn:xenpv:arch:1\" source=\"kernel\" value=\"%s\"/>"

static virDomainDef *
parse(const char *xml, bool *fromKernel)
{
    virDomainDef *def = xenpvDomainDefParseUserXML(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE,
                                                   fromKernel);

    if (!def)
        g_error("cannot parse %s: %s", xml, virGetLastErrorMessage());
    return def;
}


static char *
format(virDomainDef *def)
{
    return virDomainDefFormat(def, xmlopt, VIR_DOMAIN_DEF_FORMAT_INACTIVE);
}


static void
testNamesArch(void)
{
    g_assert_cmpint(xenpvDomainXMLNamesArch(NO_ARCH), ==, 0);
    g_assert_cmpint(xenpvDomainXMLNamesArch(X86_64), ==, 1);
    g_assert_cmpint(xenpvDomainXMLNamesArch(I686), ==, 1);
    /* Only the first <type> counts, as for libvirt. */
    g_assert_cmpint(xenpvDomainXMLNamesArch(HEAD "<os><type>xen</type><type arch='i686'>xen</type>"
                                            KERNEL TAIL), ==, 0);
    g_assert_cmpint(xenpvDomainXMLNamesArch("not xml <"), ==, -1);
    g_assert_cmpint(xenpvDomainXMLNamesArch(NULL), ==, -1);
}


/* Named: the user's.  Absent: the kernel's, with libvirt's default shown.
 * Neither puts anything into the definition. */
static void
testNamedAndAbsent(void)
{
    bool fromKernel = true;
    g_autoptr(virDomainDef) def64 = parse(X86_64, &fromKernel);
    g_autoptr(virDomainDef) def32 = NULL;
    g_autoptr(virDomainDef) none = NULL;
    g_autofree char *xml = NULL;

    g_assert_false(fromKernel);
    def32 = parse(I686, &fromKernel);
    g_assert_false(fromKernel);
    g_assert_cmpint(def32->os.arch, ==, VIR_ARCH_I686);
    none = parse(NO_ARCH, &fromKernel);
    g_assert_true(fromKernel);
    g_assert_cmpint(none->os.arch, ==, VIR_ARCH_X86_64);
    xml = format(none);
    g_assert_null(strstr(xml, "<metadata"));
    g_assert_true(confTestValidatesAgainstSchema(xml));
}


/* The driver's config file: the marker goes in for the write and comes out
 * again; loaded back it says the arch follows the kernel. */
static void
testConfigFileMarker(void)
{
    bool fromKernel;
    g_autoptr(virDomainDef) def = parse(NO_ARCH, &fromKernel);
    g_autoptr(virDomainDef) loaded = NULL;
    g_autofree char *onDisk = NULL;
    g_autofree char *shown = NULL;
    g_autofree char *marker = g_strdup_printf(MARKER, "i686");

    def->os.arch = VIR_ARCH_I686;
    xenpvDomainDefAddArchMarker(def);
    onDisk = format(def);
    if (!strstr(onDisk, marker))
        g_error("no '%s' in:\n%s", marker, onDisk);
    g_assert_true(confTestValidatesAgainstSchema(onDisk));
    g_assert_true(xenpvDomainDefTakeArchMarker(def));
    shown = format(def);
    g_assert_null(strstr(shown, "<metadata"));

    /* As libvirt loads the file: plain parse, then the marker taken out. */
    loaded = virDomainDefParseString(onDisk, xmlopt, NULL, VIR_DOMAIN_DEF_PARSE_INACTIVE);
    g_assert_nonnull(loaded);
    g_assert_true(xenpvDomainDefTakeArchMarker(loaded));
    g_assert_cmpint(loaded->os.arch, ==, VIR_ARCH_I686);
    g_free(onDisk);
    onDisk = format(loaded);
    g_assert_cmpstr(onDisk, ==, shown);
    /* Taken once, it is gone. */
    g_assert_false(xenpvDomainDefTakeArchMarker(loaded));
}


/* XML an older version dumped, marker included: still follows the kernel
 * unless its arch was edited since; the marker never stays. */
static void
testLegacyDump(void)
{
    g_autofree char *marker = g_strdup_printf(MARKER, "i686");
    g_autofree char *dump = g_strdup_printf(HEAD "<metadata>%s</metadata>"
                                            "<os><type arch='i686'>xen</type>" KERNEL TAIL, marker);
    g_autofree char *edited = g_strdup_printf(HEAD "<metadata>%s</metadata>"
                                              "<os><type arch='x86_64'>xen</type>" KERNEL TAIL, marker);
    bool fromKernel = false;
    g_autoptr(virDomainDef) def = parse(dump, &fromKernel);
    g_autoptr(virDomainDef) def2 = NULL;
    g_autofree char *xml = format(def);
    g_autofree char *xml2 = NULL;

    g_assert_true(fromKernel);
    g_assert_null(strstr(xml, "urn:xenpv:arch:1"));
    g_assert_null(strstr(xml, "<metadata"));
    def2 = parse(edited, &fromKernel);
    g_assert_false(fromKernel);
    xml2 = format(def2);
    g_assert_null(strstr(xml2, "urn:xenpv:arch:1"));
}


/* Other applications' metadata is left alone; a marker that is not ours
 * (another source) does not count, and is not left behind either. */
static void
testOtherMetadata(void)
{
    const char *xml = HEAD "<metadata><app:x xmlns:app='urn:app:1' k='v'/></metadata>"
                      "<os><type>xen</type>" KERNEL TAIL;
    const char *foreign = HEAD "<metadata><xenpvarch:arch xmlns:xenpvarch='urn:xenpv:arch:1' "
                          "source='user' value='x86_64'/></metadata>"
                          "<os><type arch='x86_64'>xen</type>" KERNEL TAIL;
    bool fromKernel;
    g_autoptr(virDomainDef) def = parse(xml, &fromKernel);
    g_autoptr(virDomainDef) def2 = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    g_assert_true(fromKernel);
    xenpvDomainDefAddArchMarker(def);
    out = format(def);
    g_assert_nonnull(strstr(out, "urn:app:1"));
    g_assert_nonnull(strstr(out, "urn:xenpv:arch:1"));
    g_assert_true(xenpvDomainDefTakeArchMarker(def));
    g_free(out);
    out = format(def);
    g_assert_nonnull(strstr(out, "urn:app:1"));
    g_assert_null(strstr(out, "urn:xenpv:arch:1"));

    def2 = parse(foreign, &fromKernel);
    g_assert_false(fromKernel);
    out2 = format(def2);
    g_assert_null(strstr(out2, "<metadata"));
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0 || !(xmlopt = xenpvDomainXMLOptionNew(NULL, NULL)))
        return 1;

    g_test_add_func("/conf/arch/names-arch", testNamesArch);
    g_test_add_func("/conf/arch/named-and-absent", testNamedAndAbsent);
    g_test_add_func("/conf/arch/config-file-marker", testConfigFileMarker);
    g_test_add_func("/conf/arch/legacy-dump", testLegacyDump);
    g_test_add_func("/conf/arch/other-metadata", testOtherMetadata);
    return g_test_run();
}
