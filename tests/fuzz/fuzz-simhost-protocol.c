/*
 * fuzz-simhost-protocol.c: both ends of the simulated host's protocol
 * (docs/simhost.md).  The first input byte picks the end:
 *
 *  - even: the rest is request lines, run one after the other against a
 *    fresh simulated host of 512 MiB (as a client's connection would run
 *    them: CREATE, UNPAUSE, WRITE, SETMAXMEM, ...);
 *  - odd: the rest is what a simulated host sends back, read by the sim
 *    back end's client as the reply to a request (xenpvSimClientCall), and
 *    a reply that parses is read as a domain's info.
 *
 * Neither end may crash, leak, or keep a descriptor.  Requests run in a
 * scratch directory where "k64" and "k32p" are the test kernels when
 * XENPV_FUZZ_KERNELS names their directory, so that a CREATE can succeed.
 * A request may name any address to serve a VNC framebuffer on: run.sh runs
 * this target in a network namespace of its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "simhost_server.h"
#include "xenpv_simproto.h"

/* Requests per input, and reply bytes (what fits in a socket's buffer:
 * nothing reads the other end while they are written). */
#define FUZZ_MAX_REQUESTS 64
#define FUZZ_MAX_REPLY (64 * 1024)

static char *workDir;
static char *consoleDir;
static const char *const kernels[][2] = {
    { "k64", "xenpv-test-x86_64.elf" },
    { "k32p", "xenpv-test-x86_32p.elf" },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The console logs of the guests an input made. */
static void
fuzzEmptyConsoleDir(void)
{
    g_autoptr(GDir) dir = g_dir_open(consoleDir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(consoleDir, name, NULL);

        g_unlink(path);
    }
}


static void
fuzzRemoveWorkDir(void)
{
    size_t i;

    fuzzEmptyConsoleDir();
    g_rmdir(consoleDir);
    for (i = 0; i < G_N_ELEMENTS(kernels); i++) {
        g_autofree char *link = g_build_filename(workDir, kernels[i][0], NULL);

        g_unlink(link);
    }
    g_rmdir(workDir);
}


/* The host's messages and warnings are not findings; a critical is (a
 * GLib precondition failed). */
static void
fuzzLog(const gchar *domain G_GNUC_UNUSED, GLogLevelFlags level, const gchar *message,
        gpointer opaque G_GNUC_UNUSED)
{
    if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) {
        fprintf(stderr, "%s\n", message);
        abort();
    }
}


int
LLVMFuzzerInitialize(int *argc G_GNUC_UNUSED, char ***argv G_GNUC_UNUSED)
{
    const char *kernelDir = g_getenv("XENPV_FUZZ_KERNELS");
    size_t i;

    if (!(workDir = g_dir_make_tmp("fuzz-simhost-XXXXXX", NULL)))
        abort();
    consoleDir = g_build_filename(workDir, "console", NULL);
    if (g_mkdir(consoleDir, 0700) < 0)
        abort();
    atexit(fuzzRemoveWorkDir);
    for (i = 0; kernelDir && i < G_N_ELEMENTS(kernels); i++) {
        g_autofree char *target = g_build_filename(kernelDir, kernels[i][1], NULL);
        g_autofree char *link = g_build_filename(workDir, kernels[i][0], NULL);

        if (symlink(target, link) < 0)
            abort();
    }
    if (chdir(workDir) < 0)
        abort();
    g_log_set_default_handler(fuzzLog, NULL);
    return 0;
}


static void
fuzzRequests(const char *text, size_t len)
{
    SimHostConfig cfg = {
        .consoleDir = consoleDir,
        .memoryMiB = 512,
        .dom0MemoryMiB = 128,
        .cpus = 4,
        .pv32 = TRUE,
        .logDirty = TRUE,
        .hvm = TRUE,
    };
    SimHost *host = simHostNew(&cfg);
    g_auto(GStrv) lines = NULL;
    g_autofree char *copy = g_strndup(text, len);
    size_t i;

    /* As the server reads them: a line with a NUL byte is refused unread,
     * a carriage return before the newline dropped. */
    if (strlen(copy) != len)
        goto cleanup;
    lines = g_strsplit(copy, "\n", -1);
    for (i = 0; lines[i] && i < FUZZ_MAX_REQUESTS; i++) {
        SimReply reply = { .line = g_string_new(NULL), .fd = -1 };
        size_t n = strlen(lines[i]);

        if (n > 0 && lines[i][n - 1] == '\r')
            lines[i][n - 1] = '\0';
        simRequestDispatch(host, lines[i], &reply);
        if (strncmp(reply.line->str, "OK", 2) != 0 && strncmp(reply.line->str, "ERR ", 4) != 0)
            abort();
        if (reply.fd >= 0)
            close(reply.fd);
        if (reply.payload)
            g_bytes_unref(reply.payload);
        g_string_free(reply.line, TRUE);
    }

 cleanup:
    simHostFree(host);
    fuzzEmptyConsoleDir();
}


static void
fuzzReply(const uint8_t *data, size_t len)
{
    int sv[2];
    g_autoptr(xenpvSimClient) client = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GBytes) payload = NULL;
    g_autoptr(GError) error = NULL;
    int fd = -1;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    len = MIN(len, FUZZ_MAX_REPLY);
    /* The reply is all there before it is read, and then the host hangs
     * up: the client must not wait for more than it was sent. */
    if (len > 0 && send(sv[1], data, len, MSG_NOSIGNAL) != (ssize_t)len)
        abort();
    shutdown(sv[1], SHUT_WR);
    client = xenpvSimClientAdopt(sv[0]);
    xenpvSimClientSetTimeout(client, 5);

    reply = xenpvSimClientCall(client, "DOMINFO 1", &payload, &fd, &error);
    if (!reply && !error)
        abort();
    if (reply) {
        xenpvDomainInfo info;
        g_autoptr(GError) perr = NULL;

        xenpvSimDomainInfoFromMsg(reply, &info, &perr);
    }
    if (fd >= 0)
        close(fd);
    close(sv[1]);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzzReply(data + 1, size - 1);
    else
        fuzzRequests((const char *)data + 1, size - 1);
    return 0;
}
