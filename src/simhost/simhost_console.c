/*
 * simhost_console.c: per-guest pty and console log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "simhost_console.h"

struct _SimConsole {
    int master;
    int slave;              /* held open so the master never reads EIO */
    char *tty;
    char *logPath;
    guint watch;
    SimConsoleInputFunc input;
    gpointer opaque;
    SimConsoleOutputFunc tap;
    gpointer tapOpaque;
};

static gboolean
simConsoleReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    SimConsole *console = opaque;
    char buf[512];
    ssize_t n;

    n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        console->input(buf, n, console->opaque);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    console->watch = 0;
    return G_SOURCE_REMOVE;
}


static gboolean
simConsoleOpenPty(SimConsole *console)
{
    struct termios tio;
    const char *name;
    int master;

    if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return FALSE;
    if (grantpt(master) < 0 || unlockpt(master) < 0 || !(name = ptsname(master)))
        goto error;
    console->tty = g_strdup(name);
    if ((console->slave = open(console->tty, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
        goto error;
    /* As xenconsoled does: a raw line, the guest does its own echo. */
    if (tcgetattr(console->slave, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(console->slave, TCSANOW, &tio);
    }
    console->master = master;
    return TRUE;

 error:
    close(master);
    g_clear_pointer(&console->tty, g_free);
    console->slave = -1;
    return FALSE;
}


SimConsole *
simConsoleNew(const char *logDir, const char *name, SimConsoleInputFunc input,
              gpointer opaque)
{
    SimConsole *console = g_new0(SimConsole, 1);
    g_autofree char *file = g_strdup_printf("guest-%s.log", name);

    console->master = -1;
    console->slave = -1;
    console->input = input;
    console->opaque = opaque;
    console->logPath = g_build_filename(logDir, file, NULL);
    if (simConsoleOpenPty(console))
        console->watch = g_unix_fd_add(console->master, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                       simConsoleReadable, console);
    else
        g_warning("no pty for the console of %s: %s", name, g_strerror(errno));
    return console;
}


void
simConsoleFree(SimConsole *console)
{
    if (!console)
        return;
    if (console->watch)
        g_source_remove(console->watch);
    if (console->master >= 0)
        close(console->master);
    if (console->slave >= 0)
        close(console->slave);
    g_free(console->tty);
    g_free(console->logPath);
    g_free(console);
}


const char *
simConsoleTty(SimConsole *console)
{
    return console->tty;
}


const char *
simConsoleLogPath(SimConsole *console)
{
    return console->logPath;
}


void
simConsoleSetOutputTap(SimConsole *console, SimConsoleOutputFunc tap, gpointer opaque)
{
    console->tap = tap;
    console->tapOpaque = opaque;
}


void
simConsoleWrite(SimConsole *console, const char *data, gsize len)
{
    int fd;

    if (console->tap)
        console->tap(data, len, console->tapOpaque);

    if (console->master >= 0) {
        g_autoptr(GString) crlf = g_string_sized_new(len + 16);
        gsize i;

        /* The line is raw, so the terminal gets the carriage returns a
         * guest's own tty layer would add; the log keeps plain lines. */
        for (i = 0; i < len; i++) {
            if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
                g_string_append_c(crlf, '\r');
            g_string_append_c(crlf, data[i]);
        }
        /* Nobody reading: the pty fills up and the rest is dropped. */
        if (write(console->master, crlf->str, crlf->len) < 0 && errno != EAGAIN)
            g_debug("console %s: %s", console->tty, g_strerror(errno));
    }
    /* Opened per write: a thousand idle guests should not hold a
     * thousand log descriptors. */
    fd = open(console->logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0) {
        if (write(fd, data, len) < 0)
            g_debug("console log %s: %s", console->logPath, g_strerror(errno));
        close(fd);
    }
}
