/*
 * xenpv_migration_pace.c: the data channel's meter (see the header).
 *
 * The pace is a token bucket of one: the bytes sent since a reference time
 * may not run ahead of the rate.  Falling behind (a link slower than the
 * rate) earns no credit beyond a tenth of a second, so that a link that
 * recovers is not flooded; a new rate restarts the reckoning.
 */
#include "xenpv_migration_pace.h"

#include "xenpv_domain_stream.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* The longest wait at once: an abort is seen at least this often. */
#define XENPV_PACE_SLICE_US (100 * 1000)
#define XENPV_PACE_CREDIT_US (100 * 1000)


int
xenpvMigrationPaceChunk(void *opaque, size_t len, size_t wireLen)
{
    xenpvMigrationPace *pace = opaque;
    xenpvStreamControl *control = pace->control;

    g_atomic_pointer_add(&control->bytes, len);
    g_atomic_pointer_add(&control->wireBytes, wireLen);
    /* The bandwidth is the wire's. */
    len = wireLen;
    for (;;) {
        unsigned int rate = g_atomic_int_get(&control->bandwidthMiB);
        gint64 now = g_get_monotonic_time();
        gint64 due;

        if (g_atomic_int_get(&control->abort)) {
            xenpvDomainStreamReportAborted(_("migration out"));
            return -1;
        }
        if (rate != pace->rate || !pace->startUs) {
            pace->rate = rate;
            pace->startUs = now;
            pace->paced = 0;
        }
        if (!rate)
            return 0;
        due = pace->startUs + (gint64)((pace->paced + len) * (double)G_USEC_PER_SEC /
                                       ((double)rate * 1024 * 1024));
        if (due <= now) {
            pace->paced += len;
            if (now - due > XENPV_PACE_CREDIT_US) {
                pace->startUs = now - XENPV_PACE_CREDIT_US;
                pace->paced = 0;
            }
            return 0;
        }
        g_usleep(MIN(due - now, XENPV_PACE_SLICE_US));
    }
}


int
xenpvMigrationCountChunk(void *opaque, size_t len, size_t wireLen)
{
    xenpvStreamControl *control = opaque;

    g_atomic_pointer_add(&control->bytes, len);
    g_atomic_pointer_add(&control->wireBytes, wireLen);
    return 0;
}
