/*
 * simhost_console.h: a guest's console, as xenconsoled provides it: a pty
 * whose slave a user opens, and a log file that always gets the output.
 */
#pragma once

#include <glib.h>

typedef struct _SimConsole SimConsole;

typedef void (*SimConsoleInputFunc)(const char *data, gsize len, gpointer opaque);

/* A pty is best effort: without one the console only logs. */
SimConsole *simConsoleNew(const char *logDir, const char *name,
                          SimConsoleInputFunc input, gpointer opaque);
void simConsoleFree(SimConsole *console);
/* The pty slave's path, or NULL without a pty. */
const char *simConsoleTty(SimConsole *console);
const char *simConsoleLogPath(SimConsole *console);
/* Also show every output in @tap (a framebuffer); NULL: none. */
typedef void (*SimConsoleOutputFunc)(const char *data, gsize len, gpointer opaque);
void simConsoleSetOutputTap(SimConsole *console, SimConsoleOutputFunc tap, gpointer opaque);

/* Never blocks: what the pty cannot take now is dropped. */
void simConsoleWrite(SimConsole *console, const char *data, gsize len);
