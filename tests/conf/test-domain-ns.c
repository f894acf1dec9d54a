/*
 * test-domain-ns.c: the driver's XML namespace in domain definitions
 * (<xenpv:pvshim mode=.../>): parsed through libvirt's own parser,
 * formatted back with its namespace declared, kept across round trips,
 * and refused by name when it is not understood.
 */

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_ns.h"
#include "xenpv_domain_xmlopt.h"
#include "conf_test_util.h"

static virDomainXMLOption *xmlopt;

#define NS "xmlns:xenpv='urn:xenpv:domain:1'"
#define BODY "<name>t</name><memory>262144</memory>" \
             "<os><type arch='i686'>xen</type><kernel>/boot/vmlinuz</kernel></os>"
#define DOMAIN(extra) "<domain type='xen' " NS ">" BODY extra "</domain>"


static virDomainDef *
parse(const char *xml)
{
    return xenpvDomainDefParseString(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE);
}


static char *
format(virDomainDef *def)
{
    return virDomainDefFormat(def, xmlopt, VIR_DOMAIN_DEF_FORMAT_INACTIVE);
}


static void
assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("'%s' not found in:\n%s", needle, haystack);
}


/* Each mode reads back as written, in the driver's namespace, and the
 * output is a definition libvirt and this driver read again. */
static void
testModes(void)
{
    static const xenpvPvshimMode modes[] = {
        XENPV_PVSHIM_NEVER, XENPV_PVSHIM_AUTO, XENPV_PVSHIM_ALWAYS,
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(modes); i++) {
        const char *name = xenpvPvshimModeToString(modes[i]);
        g_autofree char *xml = g_strdup_printf(DOMAIN("<xenpv:pvshim mode='%s'/>"), name);
        g_autofree char *element = g_strdup_printf("<xenpv:pvshim mode='%s'/>", name);
        g_autoptr(virDomainDef) def = parse(xml);
        g_autoptr(virDomainDef) again = NULL;
        g_autofree char *out = NULL;
        g_autofree char *out2 = NULL;

        g_assert_nonnull(def);
        g_assert_cmpint(xenpvDomainDefPvshimMode(def), ==, modes[i]);
        out = format(def);
        assert_contains(out, "<domain type='xen' xmlns:xenpv='urn:xenpv:domain:1'>");
        assert_contains(out, element);
        again = parse(out);
        g_assert_nonnull(again);
        g_assert_cmpint(xenpvDomainDefPvshimMode(again), ==, modes[i]);
        out2 = format(again);
        g_assert_cmpstr(out, ==, out2);
    }
}


/* Without the element: the host decides, and nothing is added. */
static void
testAbsent(void)
{
    g_autoptr(virDomainDef) def = parse("<domain type='xen'>" BODY "</domain>");
    g_autofree char *out = NULL;

    g_assert_nonnull(def);
    g_assert_null(def->namespaceData);
    g_assert_cmpint(xenpvDomainDefPvshimMode(def), ==, XENPV_PVSHIM_DEFAULT);
    out = format(def);
    g_assert_null(strstr(out, "xmlns:xenpv"));
    g_assert_null(strstr(out, "pvshim"));
}


/* Another prefix for the same namespace means the same. */
static void
testOtherPrefix(void)
{
    g_autoptr(virDomainDef) def =
        parse("<domain type='xen' xmlns:x='urn:xenpv:domain:1'>" BODY
              "<x:pvshim mode='always'/></domain>");

    g_assert_nonnull(def);
    g_assert_cmpint(xenpvDomainDefPvshimMode(def), ==, XENPV_PVSHIM_ALWAYS);
}


static void
expectRefused(const char *xml, const char *needle)
{
    g_autoptr(virDomainDef) def = NULL;
    virErrorPtr err;

    virResetLastError();
    def = parse(xml);
    g_assert_null(def);
    err = virGetLastError();
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, VIR_ERR_XML_ERROR);
    assert_contains(err->message, needle);
    virResetLastError();
}


static void
testRefused(void)
{
    expectRefused(DOMAIN("<xenpv:pvshim mode='sometimes'/>"),
                  "<xenpv:pvshim mode='sometimes'>: the mode is 'never', 'auto' or 'always'");
    expectRefused(DOMAIN("<xenpv:pvshim/>"), "needs a mode");
    expectRefused(DOMAIN("<xenpv:pvshim mode='auto'/><xenpv:pvshim mode='never'/>"),
                  "a second <xenpv:pvshim>");
    expectRefused(DOMAIN("<xenpv:pvshm mode='auto'/>"), "unknown element <xenpv:pvshm>");
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0 || !(xmlopt = xenpvDomainXMLOptionNew(NULL, NULL)))
        return 1;

    g_test_add_func("/conf/ns/modes", testModes);
    g_test_add_func("/conf/ns/absent", testAbsent);
    g_test_add_func("/conf/ns/other-prefix", testOtherPrefix);
    g_test_add_func("/conf/ns/refused", testRefused);
    return g_test_run();
}
