/*
 * xenpv_crashpoint.c: the test suite's crash and stall points (see the
 * header).
 */
#include <unistd.h>

#include "internal.h"
#include "virlog.h"
#include "virstring.h"

#include "xenpv_crashpoint.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.crashpoint");


void
xenpvCrashPoint(const char *point)
{
    const char *crash = g_getenv("XENPV_TEST_CRASH_AT");
    const char *stall = g_getenv("XENPV_TEST_STALL_AT");
    size_t len = strlen(point);
    unsigned int seconds;

    if (crash && STREQ(crash, point)) {
        VIR_ERROR(_("XENPV_TEST_CRASH_AT=%s: the daemon ends itself here, as the test asked"),
                  point);
        _exit(EXIT_FAILURE);
    }
    if (stall && STREQLEN(stall, point, len) && stall[len] == ':' &&
        virStrToLong_ui(stall + len + 1, NULL, 10, &seconds) == 0) {
        VIR_WARN("XENPV_TEST_STALL_AT=%s: this thread waits %u s here, as the test asked",
                 stall, seconds);
        g_usleep((gulong)seconds * G_USEC_PER_SEC);
    }
}
