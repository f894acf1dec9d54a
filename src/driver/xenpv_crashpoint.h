/*
 * xenpv_crashpoint.h: fault injection for the test suite, and nothing
 * else.  A daemon whose environment sets XENPV_TEST_CRASH_AT=POINT ends
 * itself at once (_exit, as SIGKILL would end it) when it reaches the
 * point of that name, so that a test can kill a daemon exactly where a
 * crash is hardest to recover from; XENPV_TEST_STALL_AT=POINT:SECONDS
 * holds the thread that reaches it that long instead, as a daemon too
 * busy to answer would (docs/migration.md lists the points).  Without the
 * variables every point is inert.
 */
#pragma once

void xenpvCrashPoint(const char *point);
