/*
 * test_driver_caps.c: host and domain capabilities from what the
 * hypervisor reports, with and without 32-bit PV.
 */
#include "internal.h"
#include "virerror.h"

#include "xenpv_capabilities.h"


static void
host_init(xenpvHostInfo *host, bool pv32)
{
    memset(host, 0, sizeof(*host));
    host->nrCpus = 4;
    host->threadsPerCore = 1;
    host->coresPerSocket = 4;
    host->nrNodes = 1;
    host->cpuKhz = 2400000;
    host->totalPages = 1 << 20;
    host->freePages = 1 << 19;
    host->xenMajor = 4;
    host->xenMinor = 17;
    g_strlcpy(host->xenCaps,
              pv32 ? "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_64" : "xen-3.0-x86_64",
              sizeof(host->xenCaps));
    host->pv32 = pv32;
}


static void
assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("'%s' not found in:\n%s", needle, haystack);
}


static void
assert_lacks(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        g_error("'%s' unexpectedly found in:\n%s", needle, haystack);
}


static void
assert_last_error(int code, const char *needle)
{
    virErrorPtr err = virGetLastError();

    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, code);
    assert_contains(err->message, needle);
    virResetLastError();
}


static void
test_caps_with_pv32(void)
{
    xenpvHostInfo host;
    g_autoptr(virCaps) caps = NULL;
    g_autofree char *xml = NULL;

    host_init(&host, true);
    caps = xenpvCapabilitiesNew(&host);
    g_assert_nonnull(caps);
    g_assert_cmpuint(caps->nguests, ==, 2);
    g_assert_true(virCapabilitiesDomainSupported(caps, VIR_DOMAIN_OSTYPE_XEN,
                                                 VIR_ARCH_X86_64, VIR_DOMAIN_VIRT_XEN));
    g_assert_true(virCapabilitiesDomainSupported(caps, VIR_DOMAIN_OSTYPE_XEN,
                                                 VIR_ARCH_I686, VIR_DOMAIN_VIRT_XEN));
    xml = virCapabilitiesFormatXML(caps);
    g_assert_nonnull(xml);
    assert_contains(xml, "<os_type>xen</os_type>");
    assert_contains(xml, "<arch name='x86_64'>");
    assert_contains(xml, "<arch name='i686'>");
    assert_contains(xml, "<machine>xenpv</machine>");
    assert_contains(xml, "<domain type='xen'");
    assert_contains(xml, "<pae/>");
    assert_lacks(xml, "hvm");
}


static void
test_caps_without_pv32(void)
{
    xenpvHostInfo host;
    g_autoptr(virCaps) caps = NULL;
    g_autofree char *xml = NULL;

    host_init(&host, false);
    caps = xenpvCapabilitiesNew(&host);
    g_assert_nonnull(caps);
    g_assert_cmpuint(caps->nguests, ==, 1);
    g_assert_false(virCapabilitiesDomainSupported(caps, VIR_DOMAIN_OSTYPE_XEN,
                                                  VIR_ARCH_I686, VIR_DOMAIN_VIRT_XEN));
    xml = virCapabilitiesFormatXML(caps);
    assert_contains(xml, "<arch name='x86_64'>");
    assert_lacks(xml, "i686");
    assert_lacks(xml, "<pae/>");
}


/* Two nodes with memory and CPUs (two threads of one core on the first),
 * and a node number Xen lists without either. */
static void
test_caps_topology(void)
{
    xenpvHostInfo host;
    g_autoptr(virCaps) caps = NULL;
    g_autofree char *xml = NULL;
    uint64_t mem[] = { 1048576, 2097152, 0 };
    uint64_t memFree[] = { 524288, 1048576, 0 };
    int node[] = { 0, 0, 1, 1 };
    int socket[] = { 0, 0, 1, 1 };
    int core[] = { 0, 0, 0, 1 };
    xenpvHostTopology topo = {
        .nnodes = 3, .nodeMemKiB = mem, .nodeFreeKiB = memFree,
        .ncpus = 4, .cpuNode = node, .cpuSocket = socket, .cpuCore = core,
    };

    host_init(&host, false);
    caps = xenpvCapabilitiesNew(&host);
    g_assert_nonnull(caps);
    g_assert_cmpint(xenpvCapabilitiesSetTopology(caps, &topo), ==, 0);
    xml = virCapabilitiesFormatXML(caps);
    g_assert_nonnull(xml);
    assert_contains(xml, "<cells num='2'>");
    assert_contains(xml, "<cell id='0'>\n          <memory unit='KiB'>1048576</memory>");
    assert_contains(xml, "<cell id='1'>\n          <memory unit='KiB'>2097152</memory>");
    assert_contains(xml, "<cpu id='1' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>");
    assert_contains(xml, "<cpu id='3' socket_id='1' die_id='0' core_id='1' siblings='3'/>");
    assert_lacks(xml, "<cell id='2'>");

    /* Set again: the new topology replaces the old one. */
    topo.nnodes = 1;
    topo.ncpus = 2;
    g_assert_cmpint(xenpvCapabilitiesSetTopology(caps, &topo), ==, 0);
    g_clear_pointer(&xml, g_free);
    xml = virCapabilitiesFormatXML(caps);
    assert_contains(xml, "<cells num='1'>");
    assert_lacks(xml, "<cell id='1'>");
}


static void
test_check_arch(void)
{
    xenpvHostInfo host;

    host_init(&host, false);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, VIR_ARCH_X86_64), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, VIR_ARCH_I686), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "CONFIG_PV32");
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, VIR_ARCH_I686), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "pv=no-32");
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, VIR_ARCH_AARCH64), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "aarch64");

    host_init(&host, true);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, VIR_ARCH_I686), ==, 0);
}


/* A kernel's ABI against the definition's arch and the host. */
static void
test_check_guest_abi(void)
{
    xenpvHostInfo host;
    const char *k = "kernel /boot/k";

    host_init(&host, true);
    /* Left to the kernel, or named and the kernel's: fine. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_32P, k), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_I686,
                                                   XENPV_GUEST_ABI_X86_32P, k), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_X86_64,
                                                   XENPV_GUEST_ABI_X86_64, k), ==, 0);

    /* Named and not the kernel's, both ways: both named, and the fix. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_X86_64,
                                                   XENPV_GUEST_ABI_X86_32P, k), ==, -1);
    assert_contains(virGetLastErrorMessage(),
                    "domain arch x86_64 does not match kernel /boot/k: "
                    "a 32-bit PAE PV kernel (xen-3.0-x86_32p); "
                    "set <type arch='i686'> or remove the arch");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "x86_64");
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_I686,
                                                   XENPV_GUEST_ABI_X86_64, k), ==, -1);
    assert_contains(virGetLastErrorMessage(), "domain arch i686 does not match kernel /boot/k");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "xen-3.0-x86_64");

    /* Non-PAE: refused whatever the arch and the host. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_32, k), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED,
                      "non-PAE 32-bit PV guests are not supported by any current Xen");
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_I686,
                                                   XENPV_GUEST_ABI_X86_32, k), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "xen-3.0-x86_32)");
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_UNKNOWN, k), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "/boot/k");

    /* No 32-bit PV: the kernel, the ABI and the likely causes. */
    host_init(&host, false);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_64, k), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_32P, k), ==, -1);
    assert_contains(virGetLastErrorMessage(), "kernel /boot/k is a 32-bit PAE PV kernel");
    assert_contains(virGetLastErrorMessage(), "pv=no-32");
    assert_contains(virGetLastErrorMessage(), "CET");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "CONFIG_PV32");
    /* A mismatch is named first: it is wrong on any host. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, VIR_ARCH_X86_64,
                                                   XENPV_GUEST_ABI_X86_32P, k), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "does not match");
}


static void
test_domcaps_default(void)
{
    xenpvHostInfo host;
    g_autoptr(virDomainCaps) domCaps = NULL;
    g_autofree char *xml = NULL;

    host_init(&host, false);
    domCaps = xenpvDomainCapsNew(&host, NULL, NULL, NULL, NULL);
    g_assert_nonnull(domCaps);
    g_assert_cmpint(domCaps->arch, ==, VIR_ARCH_X86_64);
    g_assert_cmpint(domCaps->virttype, ==, VIR_DOMAIN_VIRT_XEN);
    xml = virDomainCapsFormat(domCaps);
    g_assert_nonnull(xml);
    assert_contains(xml, "<domain>xen</domain>");
    assert_contains(xml, "<machine>xenpv</machine>");
    assert_contains(xml, "<arch>x86_64</arch>");
    assert_contains(xml, "<vcpu max='512'/>");
}


static void
test_domcaps_i686(void)
{
    xenpvHostInfo host;
    g_autoptr(virDomainCaps) with = NULL;
    g_autofree char *xml = NULL;

    host_init(&host, false);
    g_assert_null(xenpvDomainCapsNew(&host, NULL, "i686", NULL, "xen"));
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "32-bit PV");

    host_init(&host, true);
    with = xenpvDomainCapsNew(&host, NULL, "i686", "xenpv", "xen");
    g_assert_nonnull(with);
    xml = virDomainCapsFormat(with);
    assert_contains(xml, "<arch>i686</arch>");
}


static void
test_domcaps_refusals(void)
{
    xenpvHostInfo host;

    host_init(&host, true);
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, NULL, "kvm"));
    assert_last_error(VIR_ERR_INVALID_ARG, "kvm");
    g_assert_null(xenpvDomainCapsNew(&host, "/usr/bin/qemu", NULL, NULL, NULL));
    assert_last_error(VIR_ERR_INVALID_ARG, "/usr/bin/qemu");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, "pc", NULL));
    assert_last_error(VIR_ERR_INVALID_ARG, "'pc'");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, "nosucharch", NULL, NULL));
    assert_last_error(VIR_ERR_INVALID_ARG, "nosucharch");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, "ppc64", NULL, NULL));
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "ppc64");
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0)
        return 1;

    g_test_add_func("/driver/caps/with-pv32", test_caps_with_pv32);
    g_test_add_func("/driver/caps/without-pv32", test_caps_without_pv32);
    g_test_add_func("/driver/caps/topology", test_caps_topology);
    g_test_add_func("/driver/caps/check-arch", test_check_arch);
    g_test_add_func("/driver/caps/check-guest-abi", test_check_guest_abi);
    g_test_add_func("/driver/domcaps/default", test_domcaps_default);
    g_test_add_func("/driver/domcaps/i686", test_domcaps_i686);
    g_test_add_func("/driver/domcaps/refusals", test_domcaps_refusals);
    return g_test_run();
}
