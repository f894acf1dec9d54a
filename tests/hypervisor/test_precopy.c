/*
 * test_precopy.c: the pre-copy policy of a live save (xenpv_precopy.c),
 * and the real Xen back end's use of it through libxenguest's
 * precopy_policy calls, which come twice a round, the second time with a
 * dirty count of -1 ("not looked yet"): the progress reported there must be
 * what the guest dirtied during the round, never "nothing left".
 */
#include <glib.h>

#include "internal.h"

#include "xenpv_hyp_xen_priv.h"
#include "xenpv_precopy.h"

#define SEC (G_USEC_PER_SEC)


static xenpvSaveRound
round_(unsigned int iteration, uint64_t dirty, double sendRate)
{
    xenpvSaveRound r = { .iteration = iteration, .sentPages = 100000,
                         .dirtyPages = dirty, .sendRate = sendRate };

    return r;
}


/* Without a downtime target: Xen's own policy. */
static void
testPolicyClassic(void)
{
    xenpvSaveParams params = { .live = true };
    xenpvSaveRound r;

    r = round_(0, 50000, 0);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));    /* nothing copied yet */
    r = round_(1, 5000, 10000);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
    r = round_(1, XENPV_PRECOPY_FEW_DIRTY_PAGES, 10000);
    g_assert_true(xenpvPrecopyShouldStop(&params, &r));
    r = round_(XENPV_PRECOPY_DEFAULT_ROUNDS - 1, 5000, 10000);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
    r = round_(XENPV_PRECOPY_DEFAULT_ROUNDS, 5000, 10000);
    g_assert_true(xenpvPrecopyShouldStop(&params, &r));

    params.maxIterations = 2;
    r = round_(2, 5000, 10000);
    g_assert_true(xenpvPrecopyShouldStop(&params, &r));
}


/* With a downtime target: stop when the rest fits it at the rate the
 * round was sent at, or at the caller's bandwidth limit if lower. */
static void
testPolicyDowntime(void)
{
    xenpvSaveParams params = { .live = true, .maxDowntimeMs = 300 };
    xenpvSaveRound r;

    r = round_(1, 2000, 10000);                 /* 200 ms */
    g_assert_cmpfloat_with_epsilon(xenpvPrecopyDowntimeMs(&params, &r), 200, 0.01);
    g_assert_true(xenpvPrecopyShouldStop(&params, &r));
    r = round_(1, 4000, 10000);                 /* 400 ms */
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
    /* Few pages are no reason to stop while they would not fit. */
    r = round_(1, 40, 100);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
    /* More rounds than Xen's default before giving up. */
    r = round_(XENPV_PRECOPY_DEFAULT_ROUNDS, 4000, 10000);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
    r = round_(XENPV_PRECOPY_TARGET_ROUNDS, 4000, 10000);
    g_assert_true(xenpvPrecopyShouldStop(&params, &r));

    /* 4 MiB/s is 1024 pages/s: 2000 pages take 1.95 s, not 200 ms. */
    params.bandwidthBps = 4 << 20;
    r = round_(1, 2000, 10000);
    g_assert_cmpfloat_with_epsilon(xenpvPrecopyRate(&params, &r), 1024, 0.01);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
    /* A limit above the rate measured changes nothing. */
    params.bandwidthBps = 1ULL << 40;
    g_assert_cmpfloat_with_epsilon(xenpvPrecopyRate(&params, &r), 10000, 0.01);
    g_assert_true(xenpvPrecopyShouldStop(&params, &r));

    /* No rate known at all: no stop before the cap. */
    params.bandwidthBps = 0;
    r = round_(1, 1, 0);
    g_assert_cmpfloat(xenpvPrecopyDowntimeMs(&params, &r), <, 0);
    g_assert_false(xenpvPrecopyShouldStop(&params, &r));
}


/* What the driver's callbacks saw. */
typedef struct {
    unsigned int calls;
    uint64_t sent;
    uint64_t remaining;
    unsigned int iteration;
    int abortAt;            /* abort on this call (1-based), 0: never */
    unsigned int converged;
    xenpvSaveRound lastRound;
} Seen;


static int
seenProgress(void *opaque, uint64_t sent, uint64_t remaining, unsigned int iteration)
{
    Seen *seen = opaque;

    seen->calls++;
    seen->sent = sent;
    seen->remaining = remaining;
    seen->iteration = iteration;
    return seen->abortAt && seen->calls == (unsigned int)seen->abortAt;
}


static void
seenConverge(void *opaque, const xenpvSaveRound *round)
{
    Seen *seen = opaque;

    seen->converged++;
    seen->lastRound = *round;
}


static struct precopy_stats
stats_(unsigned int iteration, unsigned long written, long dirty)
{
    struct precopy_stats s = { .iteration = iteration, .total_written = written,
                               .dirty_count = dirty };

    return s;
}


/* libxenguest's calls for a 32768-page guest: three rounds, the guest
 * dirtying fewer pages each time; the default policy stops once few are. */
static void
testXenCallsClassic(void)
{
    Seen seen = { 0 };
    xenpvSaveParams params = { .live = true, .progress = seenProgress,
                               .converge = seenConverge, .opaque = &seen };
    xenpvXenPrecopy p = { .params = &params };
    gint64 t = 1000 * SEC;

    /* Round 1: everything. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(0, 0, 32768), t, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpuint(seen.remaining, ==, 32768);
    /* After it, -1: what the guest dirtied meanwhile is what is left. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(1, 32768, -1), t + 2 * SEC, 3000), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpuint(seen.sent, ==, 32768);
    g_assert_cmpuint(seen.remaining, ==, 3000);
    g_assert_cmpuint(seen.iteration, ==, 1);
    g_assert_cmpuint(seen.converged, ==, 1);
    g_assert_cmpfloat_with_epsilon(seen.lastRound.sendRate, 16384, 0.01);
    g_assert_cmpfloat_with_epsilon(seen.lastRound.dirtyRate, 1500, 0.01);

    /* Round 2: the count libxenguest collected. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(1, 32768, 3100), t + 2 * SEC, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpuint(seen.remaining, ==, 3100);
    /* The count could not be read: the last one stands, not zero. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(2, 35868, -1), t + 3 * SEC, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpuint(seen.remaining, ==, 3100);

    /* Round 3, and few pages left: stop and copy, without slowing the guest. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(2, 35868, 700), t + 3 * SEC, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(3, 36568, -1), t + 4 * SEC, 20), ==,
                    XGS_POLICY_STOP_AND_COPY);
    g_assert_cmpuint(seen.remaining, ==, 20);
    g_assert_cmpuint(seen.converged, ==, 2);
}


/* With a downtime target: the round's rate decides; a progress callback
 * that says so aborts at either kind of call. */
static void
testXenCallsDowntimeAbort(void)
{
    Seen seen = { 0 };
    xenpvSaveParams params = { .live = true, .maxDowntimeMs = 500, .progress = seenProgress,
                               .converge = seenConverge, .opaque = &seen };
    xenpvXenPrecopy p = { .params = &params };
    gint64 t = 5 * SEC;

    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(0, 0, 10000), t, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    /* 10000 pages in 1 s; 6000 dirty would take 600 ms. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(1, 10000, -1), t + SEC, 6000), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpuint(seen.converged, ==, 1);
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(1, 10000, 6000), t + SEC, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    /* 6000 pages in 0.5 s; 2000 dirty take 167 ms. */
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(2, 16000, -1), t + SEC + SEC / 2, 2000), ==,
                    XGS_POLICY_STOP_AND_COPY);
    g_assert_cmpuint(seen.converged, ==, 1);

    seen = (Seen) { .abortAt = 1 };
    p = (xenpvXenPrecopy) { .params = &params };
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(0, 0, 10000), t, -1), ==,
                    XGS_POLICY_ABORT);
    seen = (Seen) { .abortAt = 2 };
    p = (xenpvXenPrecopy) { .params = &params };
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(0, 0, 10000), t, -1), ==,
                    XGS_POLICY_CONTINUE_PRECOPY);
    g_assert_cmpint(xenpvXenPrecopyDecide(&p, stats_(1, 10000, -1), t + SEC, 10), ==,
                    XGS_POLICY_ABORT);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/precopy/policy-classic", testPolicyClassic);
    g_test_add_func("/precopy/policy-downtime", testPolicyDowntime);
    g_test_add_func("/precopy/xen-calls-classic", testXenCallsClassic);
    g_test_add_func("/precopy/xen-calls-downtime-abort", testXenCallsDowntimeAbort);
    return g_test_run();
}
