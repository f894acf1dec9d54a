/*
 * test_hyp_xen.c: the real Xen back end without a hypervisor: the virtual
 * device numbers of disk names (what a guest's blkfront decodes), and the
 * refusal to open on a machine that is not a Xen dom0.
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
    { "", -1 },
};


static void
testDiskDevid(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(devidCases); i++) {
        g_test_message("%s", devidCases[i].vdev);
        g_assert_cmpint(xenpvXenDiskDevid(devidCases[i].vdev), ==, devidCases[i].devid);
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


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* libvirt's error reporting needs its per-thread state. */
    if (virInitialize() < 0)
        return 1;
    g_test_add_func("/hyp-xen/disk-devid", testDiskDevid);
    g_test_add_func("/hyp-xen/open-refused-outside-xen", testOpenRefusedOutsideXen);
    return g_test_run();
}
