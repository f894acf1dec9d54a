/*
 * test-domain-arch.c: telling an arch the user named from one left to the
 * kernel, across libvirt's parse, dumpxml / define round trips and edits.
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
parse(const char *xml)
{
    virDomainDef *def = xenpvDomainDefParseUserXML(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE);

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

/* Named: the user's, no marker, whatever it is. */
static void
testNamed(void)
{
    g_autoptr(virDomainDef) def64 = parse(X86_64);
    g_autoptr(virDomainDef) def32 = parse(I686);
    g_autofree char *xml = format(def64);

    g_assert_false(xenpvDomainDefArchFromKernel(def64));
    g_assert_false(xenpvDomainDefArchFromKernel(def32));
    g_assert_cmpint(def32->os.arch, ==, VIR_ARCH_I686);
    g_assert_null(strstr(xml, "urn:xenpv:arch:1"));
    g_assert_null(strstr(xml, "<metadata"));
}

/* Absent: libvirt's default shows, the marker says it follows the kernel;
 * setting the kernel's arch keeps the marker in step; a round trip keeps
 * following; the output is valid domain XML. */
static void
testAbsentAndRoundTrip(void)
{
    g_autoptr(virDomainDef) def = parse(NO_ARCH);
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *xml2 = NULL;
    g_autofree char *marker = g_strdup_printf(MARKER, "i686");

    g_assert_cmpint(def->os.arch, ==, VIR_ARCH_X86_64);
    g_assert_true(xenpvDomainDefArchFromKernel(def));

    xenpvDomainDefSetKernelArch(def, VIR_ARCH_I686);
    g_assert_cmpint(def->os.arch, ==, VIR_ARCH_I686);
    g_assert_true(xenpvDomainDefArchFromKernel(def));
    xml = format(def);
    if (!strstr(xml, marker))
        g_error("no '%s' in:\n%s", marker, xml);
    if (!strstr(xml, "<type arch='i686' machine='xenpv'>"))
        g_error("no i686 type in:\n%s", xml);
    g_assert_true(confTestValidatesAgainstSchema(xml));

    again = parse(xml);
    g_assert_true(xenpvDomainDefArchFromKernel(again));
    g_assert_cmpint(again->os.arch, ==, VIR_ARCH_I686);
    xml2 = format(again);
    g_assert_cmpstr(xml2, ==, xml);
}

/* The user changes the arch of a dumped definition: it is theirs now. */
static void
testEditedArch(void)
{
    g_autoptr(virDomainDef) def = parse(NO_ARCH);
    g_autoptr(virDomainDef) edited = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *changed = NULL;
    g_autofree char *xml2 = NULL;
    g_auto(GStrv) parts = NULL;

    xenpvDomainDefSetKernelArch(def, VIR_ARCH_I686);
    xml = format(def);
    parts = g_strsplit(xml, "arch='i686'", -1);
    g_assert_cmpuint(g_strv_length(parts), ==, 2);
    changed = g_strjoinv("arch='x86_64'", parts);
    edited = parse(changed);
    g_assert_false(xenpvDomainDefArchFromKernel(edited));
    g_assert_cmpint(edited->os.arch, ==, VIR_ARCH_X86_64);
    xml2 = format(edited);
    g_assert_null(strstr(xml2, "urn:xenpv:arch:1"));
    /* Setting the arch of a definition that does not follow the kernel
     * adds no marker. */
    xenpvDomainDefSetKernelArch(edited, VIR_ARCH_I686);
    g_assert_false(xenpvDomainDefArchFromKernel(edited));
}

/* Other applications' metadata is left alone; a marker that is not ours
 * (other source) does not count. */
static void
testOtherMetadata(void)
{
    const char *xml = HEAD "<metadata><app:x xmlns:app='urn:app:1' k='v'/></metadata>"
                      "<os><type>xen</type>" KERNEL TAIL;
    const char *foreign = HEAD "<metadata><xenpvarch:arch xmlns:xenpvarch='urn:xenpv:arch:1' "
                          "source='user' value='x86_64'/></metadata>"
                          "<os><type arch='x86_64'>xen</type>" KERNEL TAIL;
    g_autoptr(virDomainDef) def = parse(xml);
    g_autoptr(virDomainDef) def2 = parse(foreign);
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    g_assert_true(xenpvDomainDefArchFromKernel(def));
    out = format(def);
    g_assert_nonnull(strstr(out, "urn:app:1"));
    g_assert_nonnull(strstr(out, "urn:xenpv:arch:1"));
    xenpvDomainDefSetArchFromKernel(def, false);
    g_free(out);
    out = format(def);
    g_assert_nonnull(strstr(out, "urn:app:1"));
    g_assert_null(strstr(out, "urn:xenpv:arch:1"));

    g_assert_false(xenpvDomainDefArchFromKernel(def2));
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
    g_test_add_func("/conf/arch/named", testNamed);
    g_test_add_func("/conf/arch/absent-round-trip", testAbsentAndRoundTrip);
    g_test_add_func("/conf/arch/edited", testEditedArch);
    g_test_add_func("/conf/arch/other-metadata", testOtherMetadata);
    return g_test_run();
}
