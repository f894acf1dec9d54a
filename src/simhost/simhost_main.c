/*
 * simhost_main.c: xenpv-simhost, a user-space stand-in for the Xen
 * hypervisor, xenstored and xenconsoled, serving the driver's "sim" back end
 * on a unix socket.  Options, daemon start-up and shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "simhost_server.h"
#include "xenpv_simproto.h"

static gboolean
simMainQuit(gpointer opaque)
{
    g_main_loop_quit(opaque);
    return G_SOURCE_CONTINUE;
}


/* Each guest holds a memfd and a pty pair: make room for a thousand. */
static void
simMainRaiseFdLimit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}


/* Fork into the background; the parent exits once the socket is ready (or
 * with the child's failure), so "xenpv-simhost --daemon && use-it" works. */
static int
simMainDaemonize(int *readyFd)
{
    int pipefd[2];
    pid_t pid;
    char status = 1;

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -1;
    if ((pid = fork()) < 0)
        return -1;
    if (pid > 0) {
        close(pipefd[1]);
        if (read(pipefd[0], &status, 1) != 1)
            status = 1;
        _exit(status);
    }
    close(pipefd[0]);
    setsid();
    if ((pid = fork()) < 0)
        _exit(1);
    if (pid > 0)
        _exit(0);
    *readyFd = pipefd[1];
    return 0;
}


static void
simMainDetachStdio(const char *logFile)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log = logFile ? open(logFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640) : -1;

    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(log >= 0 ? log : null, STDERR_FILENO);
        close(null);
    }
    if (log >= 0)
        close(log);
}


static gboolean
simMainWritePidfile(const char *path, GError **error)
{
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    g_autofree char *dir = g_path_get_dirname(path);

    g_mkdir_with_parents(dir, 0755);
    return g_file_set_contents(path, pid, -1, error);
}


int
main(int argc, char **argv)
{
    SimHostConfig cfg = {
        .memoryMiB = 8192,
        .dom0MemoryMiB = 0,
        .cpus = 4,
        .pv32 = TRUE,
        .logDirty = TRUE,
    };
    gint64 memory = 8192, dom0Memory = -1, cpus = 4;
    gboolean noPv32 = FALSE, noLogDirty = FALSE, pv32 = FALSE, logDirty = FALSE;
    gboolean hvm = FALSE, noHvm = FALSE;
    gboolean version = FALSE;
    GOptionEntry entries[] = {
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &cfg.socketPath,
          "Control socket (default " XENPV_SIM_DEFAULT_SOCKET ")", "PATH" },
        { "daemon", 'd', 0, G_OPTION_ARG_NONE, &cfg.daemonize,
          "Run in the background once the socket is ready", NULL },
        { "pidfile", 'p', 0, G_OPTION_ARG_FILENAME, &cfg.pidfile, "Write the PID here", "PATH" },
        { "log-file", 'l', 0, G_OPTION_ARG_FILENAME, &cfg.logFile,
          "Log here when running as a daemon", "PATH" },
        { "memory", 'm', 0, G_OPTION_ARG_INT64, &memory, "Host RAM in MiB (default 8192)", "MIB" },
        { "dom0-memory", 0, 0, G_OPTION_ARG_INT64, &dom0Memory,
          "Memory of Domain-0 in MiB (default 1024, at most half the host)", "MIB" },
        { "cpus", 'c', 0, G_OPTION_ARG_INT64, &cpus, "Physical CPUs (default 4)", "N" },
        { "pv32", 0, 0, G_OPTION_ARG_NONE, &pv32,
          "Offer 32-bit PV guests, xen-3.0-x86_32p (default)", NULL },
        { "no-pv32", 0, 0, G_OPTION_ARG_NONE, &noPv32,
          "No 32-bit PV guests, like Debian's stock Xen (CONFIG_PV32 unset)", NULL },
        { "log-dirty", 0, 0, G_OPTION_ARG_NONE, &logDirty,
          "Offer log-dirty mode for live save and migration (default)", NULL },
        { "no-log-dirty", 0, 0, G_OPTION_ARG_NONE, &noLogDirty,
          "No log-dirty mode, like Debian's stock Xen (no shadow paging)", NULL },
        { "hvm", 0, 0, G_OPTION_ARG_NONE, &hvm,
          "Offer HVM guests with HAP: PVH containers, which Xen's PV-shim runs in", NULL },
        { "no-hvm", 0, 0, G_OPTION_ARG_NONE, &noHvm,
          "No HVM guests, like Xen on a CPU without VT-x or AMD-V (default)", NULL },
        { "console-dir", 0, 0, G_OPTION_ARG_FILENAME, &cfg.consoleDir,
          "Console logs (default /var/log/xenpv/console)", "DIR" },
        { "vnc-font", 0, 0, G_OPTION_ARG_FILENAME, &cfg.vncFont,
          "Console font of the VNC framebuffers (default " SIM_DEFAULT_VNC_FONT ")", "PATH" },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- simulated Xen host for xenpv");
    g_autoptr(GError) error = NULL;
    SimServer *server = NULL;
    SimHost *host = NULL;
    int readyFd = -1;
    int ret = 1;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "xenpv-simhost: %s\n", error->message);
        return 2;
    }
    if (version) {
        printf("xenpv-simhost %s\n", XENPV_VERSION);
        return 0;
    }
    if ((pv32 && noPv32) || (logDirty && noLogDirty) || (hvm && noHvm)) {
        fprintf(stderr, "xenpv-simhost: --pv32/--no-pv32, --log-dirty/--no-log-dirty and "
                "--hvm/--no-hvm each take one side\n");
        return 2;
    }
    if (memory < 64 || cpus < 1 || cpus > 4096) {
        fprintf(stderr, "xenpv-simhost: --memory must be at least 64 (MiB) and --cpus "
                "between 1 and 4096\n");
        return 2;
    }
    if (dom0Memory < 0)
        dom0Memory = MIN(1024, memory / 2);
    if (dom0Memory >= memory) {
        fprintf(stderr, "xenpv-simhost: --dom0-memory (%" G_GINT64_FORMAT
                " MiB) must leave memory for guests (host has %" G_GINT64_FORMAT " MiB)\n",
                dom0Memory, memory);
        return 2;
    }
    cfg.memoryMiB = memory;
    cfg.dom0MemoryMiB = dom0Memory;
    cfg.cpus = cpus;
    cfg.pv32 = !noPv32;
    cfg.logDirty = !noLogDirty;
    cfg.hvm = hvm;
    if (!cfg.socketPath)
        cfg.socketPath = g_strdup(XENPV_SIM_DEFAULT_SOCKET);
    if (!cfg.consoleDir)
        cfg.consoleDir = g_strdup("/var/log/xenpv/console");
    if (!cfg.vncFont)
        cfg.vncFont = g_strdup(SIM_DEFAULT_VNC_FONT);
    if (g_mkdir_with_parents(cfg.consoleDir, 0755) < 0) {
        fprintf(stderr, "xenpv-simhost: cannot create %s: %s\n", cfg.consoleDir,
                g_strerror(errno));
        return 1;
    }

    signal(SIGPIPE, SIG_IGN);
    simMainRaiseFdLimit();
    if (cfg.daemonize && simMainDaemonize(&readyFd) < 0) {
        fprintf(stderr, "xenpv-simhost: cannot start as a daemon: %s\n", g_strerror(errno));
        return 1;
    }

    host = simHostNew(&cfg);
    host->loop = g_main_loop_new(NULL, FALSE);
    if (!(server = simServerNew(host, &error))) {
        fprintf(stderr, "xenpv-simhost: %s\n", error->message);
        goto cleanup;
    }
    if (cfg.pidfile && !simMainWritePidfile(cfg.pidfile, &error)) {
        fprintf(stderr, "xenpv-simhost: %s\n", error->message);
        goto cleanup;
    }
    g_unix_signal_add(SIGTERM, simMainQuit, host->loop);
    g_unix_signal_add(SIGINT, simMainQuit, host->loop);
    if (readyFd >= 0) {
        char ok = 0;

        simMainDetachStdio(cfg.logFile);
        if (write(readyFd, &ok, 1) != 1)
            g_warning("cannot report readiness: %s", g_strerror(errno));
        close(readyFd);
        readyFd = -1;
    }
    g_message("serving on %s: %" G_GUINT64_FORMAT " MiB (Domain-0 %" G_GUINT64_FORMAT
              " MiB), %u CPUs, pv32 %s, log-dirty %s, hvm %s, VNC %s", cfg.socketPath,
              cfg.memoryMiB, cfg.dom0MemoryMiB, cfg.cpus, cfg.pv32 ? "yes" : "no",
              cfg.logDirty ? "yes" : "no", cfg.hvm ? "yes" : "no",
              host->font ? "yes" : host->fontError);
    g_main_loop_run(host->loop);
    g_message("shutting down: %u guests go with the host",
              g_hash_table_size(host->domains));
    ret = 0;

 cleanup:
    if (readyFd >= 0)
        close(readyFd);
    simServerFree(server);
    if (host) {
        g_main_loop_unref(host->loop);
        simHostFree(host);
    }
    if (cfg.pidfile && ret == 0)
        unlink(cfg.pidfile);
    g_free(cfg.socketPath);
    g_free(cfg.consoleDir);
    g_free(cfg.vncFont);
    g_free(cfg.pidfile);
    g_free(cfg.logFile);
    return ret;
}
