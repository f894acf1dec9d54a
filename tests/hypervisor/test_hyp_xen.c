/*
 * test_hyp_xen.c: the real Xen back end without a hypervisor: the virtual
 * device numbers of disk names (what a guest's blkfront decodes), the
 * refusal to open on a machine that is not a Xen dom0, and the ACPI tables
 * of a PV-shim's PVH container.
 */
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_hyp_xen_priv.h"

typedef struct {
    const char *vdev;
    int devid;
} DevidCase;

static const DevidCase devidCases[] = {
    { "xvda", (202 << 8) | 0 },
    { "xvdb", (202 << 8) | (1 << 4) },
    { "xvda1", (202 << 8) | 1 },
    { "xvdp15", (202 << 8) | (15 << 4) | 15 },
    /* Past the 16 disks of major 202: the extended form. */
    { "xvdq", (1 << 28) | (16 << 8) },
    { "xvdaa", (1 << 28) | (26 << 8) },
    { "xvda16", (1 << 28) | 16 },
    { "sda", (8 << 8) },
    { "sdb2", (8 << 8) | (1 << 4) | 2 },
    { "hda", (3 << 8) },
    { "hdb1", (3 << 8) | (1 << 6) | 1 },
    { "hdc", (22 << 8) },
    { "hdh", (34 << 8) | (1 << 6) },
    /* Not Xen disk names. */
    { "vda", -1 },
    { "xvd", -1 },
    { "xvda0", -1 },
    { "xvdA", -1 },
    { "xvda1x", -1 },
    { "sdq", -1 },
    { "hdi", -1 },
    { "xvda256", -1 },
    { "xvdaaaa", (1 << 28) | (18278 << 8) },
    /* Numbers past what Xen can encode, and what strtoul alone would read. */
    { "xvdzzzzzz", -1 },
    { "xvda99999999999999999999", -1 },
    { "xvda+1", -1 },
    { "xvda 1", -1 },
    { "", -1 },
};


static void
testDiskDevid(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(devidCases); i++) {
        g_test_message("%s", devidCases[i].vdev);
        g_assert_cmpint(xenpvDiskDevid(devidCases[i].vdev), ==, devidCases[i].devid);
    }
}


/* Outside a Xen dom0, open() fails and says what is missing. */
static void
testOpenRefusedOutsideXen(void)
{
    xenpvHypervisor hyp = { .ops = &xenpvXenHypervisorOps };
    virErrorPtr err;

    if (access("/proc/xen/capabilities", F_OK) == 0) {
        g_test_skip("this machine runs under Xen");
        return;
    }
    virResetLastError();
    g_assert_cmpint(hyp.ops->open(&hyp), ==, -1);
    g_assert_null(hyp.priv);
    err = virGetLastError();
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, VIR_ERR_NO_CONNECT);
    g_assert_nonnull(strstr(err->message, "/proc/xen/capabilities"));
    g_assert_nonnull(strstr(err->message, "hypervisor = \"sim\""));
}


static uint32_t
rd32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}


static uint64_t
rd64(const uint8_t *p)
{
    return rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}


static uint8_t
sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--)
        s += *p++;
    return s;
}


/* The table at guest-physical @addr in the block placed at @base: its
 * signature and length, a checksum that adds up, inside the block. */
static const uint8_t *
table(const uint8_t *block, uint32_t len, uint64_t base, uint64_t addr, const char *sig)
{
    const uint8_t *t;

    g_assert_cmpuint(addr, >=, base);
    g_assert_cmpuint(addr + 36, <=, base + len);
    t = block + (addr - base);
    g_assert_cmpmem(t, 4, sig, 4);
    g_assert_cmpuint(addr + rd32(t + 4), <=, base + len);
    g_assert_cmpuint(sum(t, rd32(t + 4)), ==, 0);
    return t;
}


/* The ACPI tables a PV-shim container boots with, read as an OS reads
 * them: from the RSDP through the XSDT to the FADT, DSDT and MADT. */
static void
testPvhAcpi(void)
{
    const uint64_t base = 0xfc000000ULL;
    uint32_t len = 0;
    g_autofree uint8_t *acpi = xenpvXenPvhAcpiTables(base, 3, 2, &len);
    const uint8_t *xsdt;
    const uint8_t *fadt = NULL;
    const uint8_t *madt = NULL;
    const uint8_t *dsdt;
    uint32_t n;
    uint32_t i;

    g_assert_cmpmem(acpi, 8, "RSD PTR ", 8);
    g_assert_cmpuint(sum(acpi, 20), ==, 0);
    g_assert_cmpuint(acpi[15], ==, 2);
    g_assert_cmpuint(rd32(acpi + 20), ==, 36);
    g_assert_cmpuint(sum(acpi, 36), ==, 0);

    xsdt = table(acpi, len, base, rd64(acpi + 24), "XSDT");
    n = (rd32(xsdt + 4) - 36) / 8;
    g_assert_cmpuint(n, ==, 2);
    for (i = 0; i < n; i++) {
        uint64_t addr = rd64(xsdt + 36 + 8 * i);

        if (memcmp(acpi + (addr - base), "FACP", 4) == 0)
            fadt = table(acpi, len, base, addr, "FACP");
        else
            madt = table(acpi, len, base, addr, "APIC");
    }
    g_assert_nonnull(fadt);
    g_assert_nonnull(madt);

    /* ACPI 5 FADT, hardware-reduced, its DSDT both ways. */
    g_assert_cmpuint(fadt[8], ==, 5);
    g_assert_cmpuint(rd32(fadt + 4), ==, 268);
    g_assert_true(rd32(fadt + 112) & (1U << 20));
    g_assert_cmpuint(rd32(fadt + 40), ==, rd64(fadt + 140));
    dsdt = table(acpi, len, base, rd64(fadt + 140), "DSDT");
    g_assert_cmpuint(rd32(dsdt + 4), ==, 36);

    /* One local APIC a vCPU, IDs 2N, the offline one disabled. */
    g_assert_cmpuint(rd32(madt + 36), ==, 0xfee00000);
    g_assert_cmpuint(rd32(madt + 4), ==, 36 + 8 + 3 * 8);
    for (i = 0; i < 3; i++) {
        const uint8_t *lapic = madt + 44 + 8 * i;

        g_assert_cmpuint(lapic[0], ==, 0);
        g_assert_cmpuint(lapic[1], ==, 8);
        g_assert_cmpuint(lapic[2], ==, i);
        g_assert_cmpuint(lapic[3], ==, 2 * i);
        g_assert_cmpuint(rd32(lapic + 4), ==, i < 2 ? 1 : 0);
    }
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* libvirt's error reporting needs its per-thread state. */
    if (virInitialize() < 0)
        return 1;
    g_test_add_func("/hyp-xen/disk-devid", testDiskDevid);
    g_test_add_func("/hyp-xen/open-refused-outside-xen", testOpenRefusedOutsideXen);
    g_test_add_func("/hyp-xen/pvh-acpi", testPvhAcpi);
    return g_test_run();
}
