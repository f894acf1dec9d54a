/*
 * test_driver_caps.c: host and domain capabilities from what the
 * hypervisor reports, with and without 32-bit PV, and the choice between
 * a PV domain and Xen's PV-shim.
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
    caps = xenpvCapabilitiesNew(&host, NULL);
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
    caps = xenpvCapabilitiesNew(&host, NULL);
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
    caps = xenpvCapabilitiesNew(&host, NULL);
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


/* Live migration is advertised only where log-dirty exists; offline
 * migration and the tcp transport always. */
static void
test_caps_migration(void)
{
    xenpvHostInfo host;
    size_t i;

    for (i = 0; i < 2; i++) {
        g_autoptr(virCaps) caps = NULL;
        g_autofree char *xml = NULL;

        host_init(&host, true);
        host.logDirty = i == 1;
        caps = xenpvCapabilitiesNew(&host, NULL);
        g_assert_nonnull(caps);
        xml = virCapabilitiesFormatXML(caps);
        assert_contains(xml, "<migration_features>");
        assert_contains(xml, "<uri_transport>tcp</uri_transport>");
        if (host.logDirty)
            assert_contains(xml, "<live/>");
        else
            assert_lacks(xml, "<live/>");
    }
}


static void
test_check_arch(void)
{
    xenpvHostInfo host;

    host_init(&host, false);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_X86_64), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_I686), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "CONFIG_PV32");
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_I686), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "pv=no-32");
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_AARCH64), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "aarch64");

    host_init(&host, true);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_I686), ==, 0);
}


/* A kernel's ABI against the definition's arch and the host. */
static void
test_check_guest_abi(void)
{
    xenpvHostInfo host;
    const char *k = "kernel /boot/k";

    host_init(&host, true);
    /* Left to the kernel, or named and the kernel's: fine. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_32P, k, NULL), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_I686,
                                                   XENPV_GUEST_ABI_X86_32P, k, NULL), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_X86_64,
                                                   XENPV_GUEST_ABI_X86_64, k, NULL), ==, 0);

    /* Named and not the kernel's, both ways: both named, and the fix. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_X86_64,
                                                   XENPV_GUEST_ABI_X86_32P, k, NULL), ==, -1);
    assert_contains(virGetLastErrorMessage(),
                    "domain arch x86_64 does not match kernel /boot/k: "
                    "a 32-bit PAE PV kernel (xen-3.0-x86_32p); "
                    "set <type arch='i686'> or remove the arch");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "x86_64");
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_I686,
                                                   XENPV_GUEST_ABI_X86_64, k, NULL), ==, -1);
    assert_contains(virGetLastErrorMessage(), "domain arch i686 does not match kernel /boot/k");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "xen-3.0-x86_64");

    /* Non-PAE: refused whatever the arch and the host. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_32, k, NULL), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED,
                      "non-PAE 32-bit PV guests are not supported by any current Xen");
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_I686,
                                                   XENPV_GUEST_ABI_X86_32, k, NULL), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "xen-3.0-x86_32)");
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_UNKNOWN, k, NULL), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "/boot/k");

    /* No 32-bit PV: the kernel, the ABI and the likely causes. */
    host_init(&host, false);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_64, k, NULL), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_NONE,
                                                   XENPV_GUEST_ABI_X86_32P, k, NULL), ==, -1);
    assert_contains(virGetLastErrorMessage(), "kernel /boot/k is a 32-bit PAE PV kernel");
    assert_contains(virGetLastErrorMessage(), "pv=no-32");
    assert_contains(virGetLastErrorMessage(), "CET");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "CONFIG_PV32");
    /* A mismatch is named first: it is wrong on any host. */
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, NULL, XENPV_PVSHIM_DEFAULT, VIR_ARCH_X86_64,
                                                   XENPV_GUEST_ABI_X86_32P, k, NULL), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "does not match");
}


static void
test_domcaps_default(void)
{
    xenpvHostInfo host;
    g_autoptr(virDomainCaps) domCaps = NULL;
    g_autofree char *xml = NULL;

    host_init(&host, false);
    domCaps = xenpvDomainCapsNew(&host, NULL, NULL, NULL, NULL, NULL);
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
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, "i686", NULL, "xen"));
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "32-bit PV");

    host_init(&host, true);
    with = xenpvDomainCapsNew(&host, NULL, NULL, "i686", "xenpv", "xen");
    g_assert_nonnull(with);
    xml = virDomainCapsFormat(with);
    assert_contains(xml, "<arch>i686</arch>");
}


static void
test_domcaps_refusals(void)
{
    xenpvHostInfo host;

    host_init(&host, true);
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, NULL, NULL, "kvm"));
    assert_last_error(VIR_ERR_INVALID_ARG, "kvm");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, "/usr/bin/qemu", NULL, NULL, NULL));
    assert_last_error(VIR_ERR_INVALID_ARG, "/usr/bin/qemu");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, NULL, "pc", NULL));
    assert_last_error(VIR_ERR_INVALID_ARG, "'pc'");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, "nosucharch", NULL, NULL));
    assert_last_error(VIR_ERR_INVALID_ARG, "nosucharch");
    g_assert_null(xenpvDomainCapsNew(&host, NULL, NULL, "ppc64", NULL, NULL));
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "ppc64");
}


/* A shim as the driver would find it: usable, or not for @problem. */
static void
shim_init(xenpvPvshimHost *shim, xenpvPvshimMode mode, const char *problem)
{
    memset(shim, 0, sizeof(*shim));
    shim->mode = mode;
    shim->configFile = g_strdup("/etc/libvirt/xenpv.conf");
    shim->path = g_strdup("/usr/lib/xen-4.17/boot/xen-shim");
    shim->cmdline = g_strdup(XENPV_PVSHIM_CMDLINE);
    shim->usable = !problem;
    if (problem) {
        shim->problem = g_strdup(problem);
        shim->fix = g_strdup("the fix for it");
    }
}


static void
host_init_hvm(xenpvHostInfo *host, bool pv32, bool hvm)
{
    host_init(host, pv32);
    host->hvm = hvm;
    host->hap = hvm;
    g_strlcat(host->xenCaps, hvm ? " hvm-3.0-x86_32 hvm-3.0-x86_32p" : "", sizeof(host->xenCaps));
}


/* The capabilities say honestly what runs in the shim: its image is the
 * guest's <loader>. */
static void
test_caps_with_shim(void)
{
    xenpvHostInfo host;
    xenpvPvshimHost shim;
    g_autoptr(virCaps) caps = NULL;
    g_autoptr(virCaps) always = NULL;
    g_autoptr(virCaps) never = NULL;
    g_autoptr(virCaps) broken = NULL;
    g_autoptr(virCaps) native = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *alwaysXml = NULL;
    g_autofree char *nativeXml = NULL;

    host_init_hvm(&host, false, true);
    shim_init(&shim, XENPV_PVSHIM_AUTO, NULL);
    caps = xenpvCapabilitiesNew(&host, &shim);
    g_assert_cmpuint(caps->nguests, ==, 2);
    g_assert_true(virCapabilitiesDomainSupported(caps, VIR_DOMAIN_OSTYPE_XEN,
                                                 VIR_ARCH_I686, VIR_DOMAIN_VIRT_XEN));
    xml = virCapabilitiesFormatXML(caps);
    assert_contains(xml, "<arch name='i686'>\n      <wordsize>32</wordsize>\n"
                         "      <loader>/usr/lib/xen-4.17/boot/xen-shim</loader>");
    assert_contains(xml, "<pae/>");
    /* x86_64 runs as a PV domain: no loader. */
    assert_contains(xml, "<arch name='x86_64'>\n      <wordsize>64</wordsize>\n"
                         "      <machine>xenpv</machine>");

    shim.mode = XENPV_PVSHIM_ALWAYS;
    always = xenpvCapabilitiesNew(&host, &shim);
    alwaysXml = virCapabilitiesFormatXML(always);
    assert_contains(alwaysXml, "<arch name='x86_64'>\n      <wordsize>64</wordsize>\n"
                               "      <loader>/usr/lib/xen-4.17/boot/xen-shim</loader>");

    shim.mode = XENPV_PVSHIM_NEVER;
    never = xenpvCapabilitiesNew(&host, &shim);
    g_assert_cmpuint(never->nguests, ==, 1);
    xenpvPvshimHostClear(&shim);

    shim_init(&shim, XENPV_PVSHIM_AUTO, "no HVM here");
    broken = xenpvCapabilitiesNew(&host, &shim);
    g_assert_cmpuint(broken->nguests, ==, 1);

    /* With 32-bit PV, "auto" keeps 32-bit guests PV. */
    host_init_hvm(&host, true, true);
    native = xenpvCapabilitiesNew(&host, &shim);
    nativeXml = virCapabilitiesFormatXML(native);
    assert_contains(nativeXml, "<arch name='i686'>");
    assert_lacks(nativeXml, "<loader>");
    xenpvPvshimHostClear(&shim);
}


/* A 32-bit guest without 32-bit PV: the shim if it can, else a refusal
 * naming every remedy. */
static void
test_choose_container(void)
{
    xenpvHostInfo host;
    xenpvPvshimHost shim;
    xenpvContainer c = XENPV_CONTAINER_LAST;
    const char *k = "kernel /boot/k32";
    const char *msg;

    host_init_hvm(&host, false, true);
    shim_init(&shim, XENPV_PVSHIM_AUTO, NULL);
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                      XENPV_GUEST_ABI_X86_32P, k, &c), ==, 0);
    g_assert_cmpint(c, ==, XENPV_CONTAINER_PVSHIM);
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                      XENPV_GUEST_ABI_X86_64, k, &c), ==, 0);
    g_assert_cmpint(c, ==, XENPV_CONTAINER_PV);
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_ALWAYS,
                                      XENPV_GUEST_ABI_X86_64, k, &c), ==, 0);
    g_assert_cmpint(c, ==, XENPV_CONTAINER_PVSHIM);

    /* The domain says never: every remedy, and what turned the shim off. */
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_NEVER,
                                      XENPV_GUEST_ABI_X86_32P, k, &c), ==, -1);
    msg = virGetLastErrorMessage();
    assert_contains(msg, "kernel /boot/k32 is a 32-bit PAE PV kernel (xen-3.0-x86_32p)");
    assert_contains(msg, "CONFIG_PV32");
    assert_contains(msg, "pv=no-32");
    assert_contains(msg, "CET");
    assert_contains(msg, "turned off by <xenpv:pvshim mode='never'/> in the domain's definition");
    assert_contains(msg, "Xen's PV-shim");
    assert_contains(msg, "64-bit PV kernel");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "Remedies");

    /* The host says never. */
    shim.mode = XENPV_PVSHIM_NEVER;
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                      XENPV_GUEST_ABI_X86_32P, k, &c), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED,
                      "pvshim = \"never\" in /etc/libvirt/xenpv.conf");
    /* ... and the domain may still ask for it. */
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_AUTO,
                                      XENPV_GUEST_ABI_X86_32P, k, &c), ==, 0);
    g_assert_cmpint(c, ==, XENPV_CONTAINER_PVSHIM);
    xenpvPvshimHostClear(&shim);

    /* No shim here: why, and its fix, among the remedies. */
    host_init_hvm(&host, false, false);
    shim_init(&shim, XENPV_PVSHIM_AUTO, "this hypervisor runs no PVH containers");
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                      XENPV_GUEST_ABI_X86_32P, k, &c), ==, -1);
    msg = virGetLastErrorMessage();
    assert_contains(msg, "it cannot run in Xen's PV-shim instead: this hypervisor runs no PVH containers");
    assert_contains(msg, "Xen's PV-shim: the fix for it");
    assert_contains(msg, "CONFIG_PV32");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "64-bit PV kernel");
    /* Asked for always: refused with the reason. */
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_ALWAYS,
                                      XENPV_GUEST_ABI_X86_64, k, &c), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED,
                      "is to run in Xen's PV-shim (<xenpv:pvshim mode='always'/> in the domain's definition), but this hypervisor runs no PVH containers");

    /* 32-bit PV: auto keeps it PV. */
    host_init_hvm(&host, true, false);
    g_assert_cmpint(xenpvPvshimChoose(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                      XENPV_GUEST_ABI_X86_32P, k, &c), ==, 0);
    g_assert_cmpint(c, ==, XENPV_CONTAINER_PV);
    xenpvPvshimHostClear(&shim);

    /* Through the capabilities' check, as the driver calls it. */
    host_init_hvm(&host, false, true);
    shim_init(&shim, XENPV_PVSHIM_AUTO, NULL);
    c = XENPV_CONTAINER_LAST;
    g_assert_cmpint(xenpvCapabilitiesCheckGuestAbi(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                                   VIR_ARCH_I686, XENPV_GUEST_ABI_X86_32P,
                                                   k, &c), ==, 0);
    g_assert_cmpint(c, ==, XENPV_CONTAINER_PVSHIM);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, &shim, XENPV_PVSHIM_DEFAULT,
                                               VIR_ARCH_I686), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckArch(&host, &shim, XENPV_PVSHIM_NEVER,
                                               VIR_ARCH_I686), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "64-bit PV kernel");
    xenpvPvshimHostClear(&shim);
}


/* A save stream restores into the container it was saved from. */
static void
test_check_restore(void)
{
    xenpvHostInfo host;
    const char *what = "the guest saved in /s";

    host_init_hvm(&host, false, true);
    g_assert_cmpint(xenpvCapabilitiesCheckRestore(&host, VIR_ARCH_NONE, XENPV_GUEST_ABI_X86_32P,
                                                  XENPV_CONTAINER_PVSHIM, what), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckRestore(&host, VIR_ARCH_NONE, XENPV_GUEST_ABI_X86_32P,
                                                  XENPV_CONTAINER_PV, what), ==, -1);
    assert_contains(virGetLastErrorMessage(), "CONFIG_PV32");
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "boot the guest afresh to run it in the PV-shim");
    g_assert_cmpint(xenpvCapabilitiesCheckRestore(&host, VIR_ARCH_X86_64, XENPV_GUEST_ABI_X86_32P,
                                                  XENPV_CONTAINER_PVSHIM, what), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "does not match");

    host_init_hvm(&host, true, false);
    g_assert_cmpint(xenpvCapabilitiesCheckRestore(&host, VIR_ARCH_NONE, XENPV_GUEST_ABI_X86_32P,
                                                  XENPV_CONTAINER_PV, what), ==, 0);
    g_assert_cmpint(xenpvCapabilitiesCheckRestore(&host, VIR_ARCH_NONE, XENPV_GUEST_ABI_X86_64,
                                                  XENPV_CONTAINER_PVSHIM, what), ==, -1);
    assert_last_error(VIR_ERR_CONFIG_UNSUPPORTED, "restore it on a host with HVM");
}


/* What the driver learns about the shim when it starts. */
static void
test_shim_host_init(void)
{
    const char *dir = g_getenv("XENPV_TEST_KERNEL_DIR");
    g_autofree char *standIn = NULL;
    g_autofree char *pvKernel = NULL;
    g_autoptr(xenpvDriverConfig) cfg = xenpvDriverConfigNew("/etc/libvirt/xenpv.conf");
    xenpvHostInfo host;
    xenpvPvshimHost shim;

    g_assert_nonnull(dir);
    standIn = g_build_filename(dir, "xenpv-test-pvh.elf", NULL);
    pvKernel = g_build_filename(dir, "xenpv-test-x86_32p.elf", NULL);

    host_init_hvm(&host, false, true);
    cfg->pvshimPath = g_strdup(standIn);
    cfg->pvshimExtra = g_strdup("shim_mem=16M");
    xenpvPvshimHostInit(&shim, cfg, &host);
    g_assert_true(shim.usable);
    g_assert_cmpstr(shim.path, ==, standIn);
    g_assert_cmpstr(shim.cmdline, ==, "pv-shim console=xen,pv shim_mem=16M");
    g_assert_cmpint(shim.mode, ==, XENPV_PVSHIM_AUTO);
    xenpvPvshimHostClear(&shim);

    /* A PV kernel is no shim. */
    g_free(cfg->pvshimPath);
    cfg->pvshimPath = g_strdup(pvKernel);
    xenpvPvshimHostInit(&shim, cfg, &host);
    g_assert_false(shim.usable);
    assert_contains(shim.problem, "is not an image the PV-shim boots from");
    assert_contains(shim.fix, "pvshim_path in /etc/libvirt/xenpv.conf");
    xenpvPvshimHostClear(&shim);

    /* Missing: where to get it. */
    g_free(cfg->pvshimPath);
    cfg->pvshimPath = g_strdup("/nonexistent/xen-shim");
    xenpvPvshimHostInit(&shim, cfg, &host);
    g_assert_false(shim.usable);
    assert_contains(shim.problem, "cannot be read");
    assert_contains(shim.fix, "xen-utils-4.17");
    xenpvPvshimHostClear(&shim);

    /* No HVM: the image does not matter. */
    g_free(cfg->pvshimPath);
    cfg->pvshimPath = g_strdup(standIn);
    host_init_hvm(&host, false, false);
    xenpvPvshimHostInit(&shim, cfg, &host);
    g_assert_false(shim.usable);
    assert_contains(shim.problem, "no HVM guests");
    assert_contains(shim.fix, "VT-x or AMD-V");
    xenpvPvshimHostClear(&shim);

    /* Without pvshim_path: where Xen's packages put it. */
    g_clear_pointer(&cfg->pvshimPath, g_free);
    host_init_hvm(&host, false, true);
    xenpvPvshimHostInit(&shim, cfg, &host);
    g_assert_true(g_str_has_suffix(shim.path, "/boot/xen-shim"));
    xenpvPvshimHostClear(&shim);
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
    g_test_add_func("/driver/caps/migration", test_caps_migration);
    g_test_add_func("/driver/caps/check-arch", test_check_arch);
    g_test_add_func("/driver/caps/check-guest-abi", test_check_guest_abi);
    g_test_add_func("/driver/domcaps/default", test_domcaps_default);
    g_test_add_func("/driver/domcaps/i686", test_domcaps_i686);
    g_test_add_func("/driver/domcaps/refusals", test_domcaps_refusals);
    g_test_add_func("/driver/pvshim/caps", test_caps_with_shim);
    g_test_add_func("/driver/pvshim/choose", test_choose_container);
    g_test_add_func("/driver/pvshim/restore", test_check_restore);
    g_test_add_func("/driver/pvshim/host-init", test_shim_host_init);
    return g_test_run();
}
