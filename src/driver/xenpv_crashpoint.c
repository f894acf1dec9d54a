/*
 * xenpv_crashpoint.c: the test suite's crash points (see the header).
 */
#include <unistd.h>

#include "internal.h"
#include "virlog.h"

#include "xenpv_crashpoint.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.crashpoint");


void
xenpvCrashPoint(const char *point)
{
    const char *wanted = g_getenv("XENPV_TEST_CRASH_AT");

    if (!wanted || STRNEQ(wanted, point))
        return;
    VIR_ERROR(_("XENPV_TEST_CRASH_AT=%s: the daemon ends itself here, as the test asked"),
              point);
    _exit(EXIT_FAILURE);
}
