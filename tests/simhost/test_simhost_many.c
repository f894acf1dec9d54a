/*
 * test_simhost_many.c: a thousand small idle guests on one simulated host:
 * all created, booted, listed and destroyed, with the host's memory
 * accounting back where it started.  The resident memory it takes is
 * reported (bench/ keeps the numbers), not asserted.
 */
#include <string.h>

#include <libvirt/libvirt.h>

#include "simtest.h"

#define NGUESTS 1000

static void
test_thousand_idle_guests(void)
{
    SimTestHost *host = simTestHostStart("--memory", "65536", NULL);
    const xenpvHypervisorOps *ops = host->hyp.ops;
    g_autofree char *kernel = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_64, TRUE);
    g_autofree uint32_t *domids = g_new0(uint32_t, NGUESTS);
    xenpvHostInfo before, during, after;
    xenpvDomainInfo *list = NULL;
    size_t n = 0, i;
    guint64 rss0, rss1;
    gint64 t0;

    g_assert_cmpint(ops->getHostInfo(&host->hyp, &before), ==, 0);
    rss0 = simTestHostRssKiB(host);
    t0 = g_get_monotonic_time();
    for (i = 0; i < NGUESTS; i++) {
        xenpvBuildSpec spec;
        g_autofree char *name = g_strdup_printf("idle-%04zu", i);

        simTestSpec(&spec, name, kernel, 16, "console=hvc0 sim.workload=idle");
        domids[i] = simTestStartGuest(host, &spec);
        xenpvBuildSpecClear(&spec);
    }
    rss1 = simTestHostRssKiB(host);
    g_test_message("%d idle guests of 16 MiB created and booted in %.2f s; simhost RSS "
                   "%" G_GUINT64_FORMAT " KiB -> %" G_GUINT64_FORMAT " KiB (%.1f KiB a guest)",
                   NGUESTS, (g_get_monotonic_time() - t0) / 1e6, rss0, rss1,
                   (double)(rss1 - rss0) / NGUESTS);

    g_assert_cmpint(ops->listDomains(&host->hyp, &list, &n), ==, 0);
    g_assert_cmpuint(n, ==, NGUESTS + 1);
    for (i = 0; i < n; i++) {
        if (list[i].domid != 0)
            g_assert_true(list[i].blocked);
    }
    g_free(list);
    g_assert_cmpint(ops->getHostInfo(&host->hyp, &during), ==, 0);
    g_assert_cmpuint(during.freePages, ==, before.freePages - NGUESTS * 16ULL * 256);

    for (i = 0; i < NGUESTS; i++)
        g_assert_cmpint(ops->domainDestroy(&host->hyp, domids[i]), ==, 0);
    g_assert_cmpint(ops->listDomains(&host->hyp, &list, &n), ==, 0);
    g_assert_cmpuint(n, ==, 1);
    g_free(list);
    g_assert_cmpint(ops->getHostInfo(&host->hyp, &after), ==, 0);
    g_assert_cmpuint(after.freePages, ==, before.freePages);
    simTestHostStop(host);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virInitialize();
    g_test_add_func("/simhost/thousand-idle-guests", test_thousand_idle_guests);
    return g_test_run();
}
