/*
 * xen_live_save.c: a live save through the real Xen back end alone, for the
 * real-Xen tier: what a live migration's source does (xc_domain_save with
 * XCFLAGS_LIVE, the pre-copy policy, the guest suspended through its
 * control node), into a file that Xen's verify-stream-v2 then checks, and
 * the guest resumed afterwards, as an abandoned migration leaves it.
 *
 *   xen-live-save DOMID FILE [MAX_DOWNTIME_MS]
 *
 * Prints one line per call of the back end's callbacks:
 *   progress sent=N remaining=N round=N
 *   converge round=N dirty=N send-rate=N dirty-rate=N
 *   suspended
 * then "saved" and "resumed", or the error; exits 0 only if all went well.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_hyp_xen_priv.h"

#define SUSPEND_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef struct {
    xenpvHypervisor *hyp;
    uint32_t domid;
} Probe;


static int
probeProgress(void *opaque G_GNUC_UNUSED, uint64_t sent, uint64_t remaining,
              unsigned int iteration)
{
    printf("progress sent=%llu remaining=%llu round=%u\n", (unsigned long long)sent,
           (unsigned long long)remaining, iteration);
    fflush(stdout);
    return 0;
}


static void
probeConverge(void *opaque G_GNUC_UNUSED, const xenpvSaveRound *round)
{
    printf("converge round=%u dirty=%llu send-rate=%.0f dirty-rate=%.0f\n", round->iteration,
           (unsigned long long)round->dirtyPages, round->sendRate, round->dirtyRate);
    fflush(stdout);
}


/* As the driver does it: ask through control/shutdown, wait for the
 * guest's SHUTDOWN_suspend. */
static int
probeSuspend(void *opaque)
{
    Probe *p = opaque;
    g_autofree char *path = g_strdup_printf("/local/domain/%u/control/shutdown", p->domid);
    gint64 deadline = g_get_monotonic_time() + SUSPEND_TIMEOUT_US;
    xenpvDomainInfo info;

    if (p->hyp->ops->storeWrite(p->hyp, path, "suspend") < 0)
        return -1;
    while (g_get_monotonic_time() < deadline) {
        if (p->hyp->ops->getDomainInfo(p->hyp, p->domid, &info) <= 0)
            return -1;
        if (info.shutdown && info.shutdownReason == XENPV_SHUTDOWN_SUSPEND) {
            printf("suspended\n");
            fflush(stdout);
            return 0;
        }
        g_usleep(20 * 1000);
    }
    fprintf(stderr, "domain %u did not suspend within %d s\n", p->domid,
            (int)(SUSPEND_TIMEOUT_US / G_USEC_PER_SEC));
    return -1;
}


int
main(int argc, char **argv)
{
    xenpvHypervisor hyp = { .ops = &xenpvXenHypervisorOps };
    Probe probe = { .hyp = &hyp };
    xenpvSaveParams params = {
        .live = true, .progress = probeProgress, .converge = probeConverge,
        .suspend = probeSuspend, .opaque = &probe,
    };
    int fd;
    int rc;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s DOMID FILE [MAX_DOWNTIME_MS]\n", argv[0]);
        return 2;
    }
    probe.domid = strtoul(argv[1], NULL, 10);
    if (argc == 4)
        params.maxDowntimeMs = strtoull(argv[3], NULL, 10);
    if (virInitialize() < 0 || hyp.ops->open(&hyp) < 0) {
        fprintf(stderr, "cannot open the xen back end: %s\n", virGetLastErrorMessage());
        return 1;
    }
    if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        perror(argv[2]);
        hyp.ops->close(&hyp);
        return 1;
    }
    rc = hyp.ops->domainSave(&hyp, probe.domid, fd, &params);
    close(fd);
    if (rc < 0) {
        fprintf(stderr, "live save failed: %s\n", virGetLastErrorMessage());
    } else {
        printf("saved\n");
        /* As an abandoned migration leaves it: running on. */
        if ((rc = hyp.ops->domainResume(&hyp, probe.domid)) < 0)
            fprintf(stderr, "resume failed: %s\n", virGetLastErrorMessage());
        else
            printf("resumed\n");
    }
    hyp.ops->close(&hyp);
    return rc < 0 ? 1 : 0;
}
