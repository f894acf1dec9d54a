/*
 * xenpv_hyp_xen_dm.c: the device model of a PV guest with a framebuffer on
 * a real dom0: Debian's qemu-system-xen attached to the domain as Xen's
 * toolstack starts it for PV guests (-xen-attach, machine xenpv), serving
 * the framebuffer and keyboard backends (vfb, vkbd) and showing the
 * framebuffer over VNC, with the password given as a secret object so it
 * never appears on a command line.
 *
 * The device model is found again through the store: its PID in the
 * domain's image/device-model-pid (as the toolstack records it), checked
 * against the process's own command line before it is signalled, so a
 * daemon that did not start it stops it the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_dm");

/* Where Debian's qemu-system-xen puts the device model. */
#define XENPV_XEN_QEMU "/usr/libexec/xen-qemu-system-i386"
#define XENPV_XEN_DM_RUN_DIR "/run/xenpv"
#define XENPV_XEN_DM_TIMEOUT_S "60"
#define XENPV_XEN_DM_STOP_WAIT_MS 5000
/* How long a device model that refuses VNC authentication takes to say so. */
#define XENPV_XEN_DM_PROBE_MS 3000
#define XENPV_XEN_VNC_PORT_MIN 5900

static const char *const xenpvXenDmKinds[] = { "vfb", "vkbd" };


/* Has our child @pid exited (a zombie not reaped yet, or gone)? */
static bool
xenpvXenDmExited(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *stat = NULL;
    const char *end;

    if (!g_file_get_contents(path, &stat, NULL, NULL) || !(end = strrchr(stat, ')')))
        return true;
    return end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}


/* Does the device model do VNC authentication?  Its cipher backend may
 * lack DES (Debian 12's qemu-system-xen does): a QEMU of no machine and no
 * domain, kept stopped (-S), asked for a password-protected VNC server on
 * a unix socket, says so at once about its -vnc option, or starts and is
 * stopped.  NULL if it does (or if it failed for another reason, left for
 * the start to report), else QEMU's words. */
static char *
xenpvXenDmProbeVncAuth(void)
{
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *sock = g_strdup_printf(XENPV_XEN_DM_RUN_DIR "/vnc-probe-%d.sock", (int)getpid());
    g_autofree char *vnc = g_strdup_printf("unix:%s,password-secret=probe", sock);
    g_autofree char *errOut = NULL;
    gint64 deadline = g_get_monotonic_time() + XENPV_XEN_DM_PROBE_MS * 1000;
    pid_t pid = -1;
    int status = -1;
    char *ret = NULL;

    if (g_mkdir_with_parents(XENPV_XEN_DM_RUN_DIR, 0700) < 0)
        return g_strdup_printf("cannot create %s: %s", XENPV_XEN_DM_RUN_DIR, g_strerror(errno));
    cmd = virCommandNewArgList(XENPV_XEN_QEMU, "-machine", "none", "-accel", "xen",
                               "-nodefaults", "-no-user-config", "-display", "none", "-S",
                               "-object", "secret,id=probe,data=probe", "-vnc", vnc, NULL);
    virCommandSetErrorBuffer(cmd, &errOut);
    virCommandDoAsyncIO(cmd);
    if (virCommandRunAsync(cmd, &pid) < 0) {
        ret = g_strdup(virGetLastErrorMessage());
        virResetLastError();
        return ret;
    }
    /* A refusal comes while the options are read; a QEMU still there
     * after that is serving. */
    while (g_get_monotonic_time() < deadline && !xenpvXenDmExited(pid))
        g_usleep(50 * 1000);
    if (!xenpvXenDmExited(pid)) {
        virCommandAbort(cmd);
    } else {
        if (virCommandWait(cmd, &status) < 0) {
            virResetLastError();
            status = -1;
        }
        if (status != 0 && errOut && strstr(errOut, " -vnc "))
            ret = g_strdup(g_strstrip(errOut));
        else if (status != 0)
            VIR_WARN("cannot tell whether %s does VNC authentication: %s",
                     XENPV_XEN_QEMU, errOut ? g_strstrip(errOut) : "it exited with an error");
    }
    unlink(sock);
    return ret;
}


int
xenpvXenCheckFramebuffer(xenpvHypervisor *hyp, const char *type, bool password)
{
    xenpvXenPriv *priv = hyp ? hyp->priv : NULL;
    g_autofree char *why = NULL;

    if (g_strcmp0(type, "vnc") != 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<graphics type='%s'>: the PV framebuffer is served over VNC; a '%s' display would need one in libvirtd's environment: use type='vnc'"),
                       NULLSTR(type), NULLSTR(type));
        return -1;
    }
    if (access(XENPV_XEN_QEMU, X_OK) < 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<graphics type='vnc'>: a PV framebuffer needs a device model, and %s is not there: install Debian's qemu-system-xen"),
                       XENPV_XEN_QEMU);
        return -1;
    }
    if (!password || !priv)
        return 0;

    g_mutex_lock(&priv->dmLock);
    if (!priv->dmProbed) {
        priv->dmNoVncAuth = xenpvXenDmProbeVncAuth();
        priv->dmProbed = true;
        VIR_INFO("device model %s: VNC authentication %s%s", XENPV_XEN_QEMU,
                 priv->dmNoVncAuth ? "not available: " : "available",
                 NULLSTR_EMPTY(priv->dmNoVncAuth));
    }
    why = g_strdup(priv->dmNoVncAuth);
    g_mutex_unlock(&priv->dmLock);
    if (why) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<graphics passwd>: this host's device model (%s) cannot ask a VNC client for a password (%s); define the framebuffer without one, listening on 127.0.0.1 only"),
                       XENPV_XEN_QEMU, why);
        return -1;
    }
    return 0;
}


static char *
xenpvXenDmPidPath(uint32_t domid)
{
    return g_strdup_printf("/local/domain/%u/image/device-model-pid", domid);
}


/* The framebuffer's and keyboard's nodes, for QEMU's backends to find. */
static int
xenpvXenDmWriteDevices(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec)
{
    size_t k;

    for (k = 0; k < G_N_ELEMENTS(xenpvXenDmKinds); k++) {
        const char *kind = xenpvXenDmKinds[k];
        g_autoptr(GPtrArray) be = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) fe = g_ptr_array_new_with_free_func(g_free);

#define KV(arr, key, value) do { \
        g_ptr_array_add(arr, g_strdup(key)); \
        g_ptr_array_add(arr, (value)); \
    } while (0)
        KV(be, "frontend", g_strdup_printf("/local/domain/%u/device/%s/0", domid, kind));
        KV(be, "frontend-id", g_strdup_printf("%u", domid));
        KV(be, "online", g_strdup("1"));
        KV(be, "state", g_strdup(G_STRINGIFY(XENPV_XENBUS_INITIALISING)));
        if (g_str_equal(kind, "vfb")) {
            KV(be, "vnc", g_strdup("1"));
            KV(be, "vnclisten", g_strdup(spec->vncListen ? spec->vncListen : "127.0.0.1"));
            KV(be, "vncdisplay", g_strdup_printf("%d", spec->vncPort - XENPV_XEN_VNC_PORT_MIN));
            KV(be, "vncunused", g_strdup("0"));
            KV(be, "sdl", g_strdup("0"));
        }
        KV(fe, "backend", g_strdup_printf("/local/domain/0/backend/%s/%u/0", kind, domid));
        KV(fe, "backend-id", g_strdup("0"));
        KV(fe, "state", g_strdup(G_STRINGIFY(XENPV_XENBUS_INITIALISING)));
#undef KV
        if (xenpvXenDeviceWrite(priv, domid, kind, 0, be, fe) < 0)
            return -1;
    }
    return 0;
}


/* A file only root reads, holding the VNC password for QEMU's secret
 * object; removed once QEMU has read it. */
static char *
xenpvXenDmWriteSecret(uint32_t domid, const char *password)
{
    g_autofree char *path = g_strdup_printf(XENPV_XEN_DM_RUN_DIR "/qemu-%u.vncpass", domid);
    int fd;

    if (g_mkdir_with_parents(XENPV_XEN_DM_RUN_DIR, 0700) < 0) {
        virReportSystemError(errno, _("cannot create %s"), XENPV_XEN_DM_RUN_DIR);
        return NULL;
    }
    unlink(path);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
        safewrite(fd, password, strlen(password)) < 0) {
        virReportSystemError(errno, _("cannot write the VNC password file %s"), path);
        VIR_FORCE_CLOSE(fd);
        unlink(path);
        return NULL;
    }
    VIR_FORCE_CLOSE(fd);
    return g_steal_pointer(&path);
}


int
xenpvXenDeviceModelStart(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec)
{
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *pidfile = g_strdup_printf(XENPV_XEN_DM_RUN_DIR "/qemu-%u.pid", domid);
    g_autofree char *secret = NULL;
    g_autofree char *vnc = NULL;
    g_autofree char *errOut = NULL;
    g_autofree char *pidText = NULL;
    g_autofree char *pidNode = xenpvXenDmPidPath(domid);
    g_autofree char *listen = NULL;
    int status = 0;
    int ret = -1;

    if (xenpvXenCheckFramebuffer(NULL, spec->vfbType, false) < 0)
        return -1;
    if (spec->vncPort < XENPV_XEN_VNC_PORT_MIN) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("domain '%s' has a framebuffer but no VNC port"), spec->name);
        return -1;
    }
    if (xenpvXenDmWriteDevices(priv, domid, spec) < 0)
        return -1;

    /* An IPv6 address goes in brackets before the display number. */
    if (!spec->vncListen)
        listen = g_strdup("127.0.0.1");
    else if (strchr(spec->vncListen, ':'))
        listen = g_strdup_printf("[%s]", spec->vncListen);
    else
        listen = g_strdup(spec->vncListen);
    vnc = g_strdup_printf("%s:%d%s", listen, spec->vncPort - XENPV_XEN_VNC_PORT_MIN,
                          spec->vncPassword ? ",password-secret=vncpass" : "");
    if (spec->vncPassword && !(secret = xenpvXenDmWriteSecret(domid, spec->vncPassword)))
        return -1;

    unlink(pidfile);
    cmd = virCommandNewArgList("timeout", "-k", "5", XENPV_XEN_DM_TIMEOUT_S, XENPV_XEN_QEMU,
                               "-xen-domid", NULL);
    virCommandAddArgFormat(cmd, "%u", domid);
    virCommandAddArgList(cmd, "-xen-attach", "-name", spec->name,
                         "-nodefaults", "-no-user-config", "-machine", "xenpv",
                         "-display", "none", NULL);
    virCommandAddArg(cmd, "-m");
    virCommandAddArgFormat(cmd, "%llu", (unsigned long long)(spec->maxMemKiB / 1024));
    if (secret) {
        virCommandAddArg(cmd, "-object");
        virCommandAddArgFormat(cmd, "secret,id=vncpass,file=%s", secret);
    }
    virCommandAddArgList(cmd, "-vnc", vnc, NULL);
    if (spec->keymap)
        virCommandAddArgList(cmd, "-k", spec->keymap, NULL);
    virCommandAddArgList(cmd, "-daemonize", "-pidfile", pidfile, NULL);
    virCommandSetErrorBuffer(cmd, &errOut);

    /* With -daemonize QEMU returns once it is set up, or says why not. */
    if (virCommandRun(cmd, &status) < 0)
        goto cleanup;
    if (status != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the device model of domain '%s' (%s) did not start: %s"),
                       spec->name, XENPV_XEN_QEMU,
                       errOut && *errOut ? g_strstrip(errOut) : "it exited with an error");
        goto cleanup;
    }
    if (virFileReadAll(pidfile, 32, &pidText) < 0)
        goto cleanup;
    g_strstrip(pidText);
    if (!xs_write(priv->xsh, XBT_NULL, pidNode, pidText, strlen(pidText))) {
        virReportSystemError(errno, _("cannot record the device model's PID in %s"), pidNode);
        goto cleanup;
    }
    VIR_DEBUG("device model of domain %u: PID %s, VNC %s", domid, pidText, vnc);
    ret = 0;

 cleanup:
    if (secret)
        unlink(secret);
    unlink(pidfile);
    return ret;
}


/* Is @pid the device model of @domid (its command line says so)? */
static bool
xenpvXenDmIsOurs(pid_t pid, uint32_t domid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    g_autofree char *cmdline = NULL;
    g_autofree char *want = g_strdup_printf("%u", domid);
    size_t len = 0;
    size_t i;

    if (!g_file_get_contents(path, &cmdline, &len, NULL))
        return false;
    /* Arguments are NUL-separated: "-xen-domid" then the number. */
    for (i = 0; i + 1 < len; i += strlen(cmdline + i) + 1) {
        if (STREQ(cmdline + i, "-xen-domid"))
            return i + strlen(cmdline + i) + 1 < len &&
                   STREQ(cmdline + i + strlen(cmdline + i) + 1, want);
    }
    return false;
}


void
xenpvXenDeviceModelStop(xenpvXenPriv *priv, uint32_t domid)
{
    g_autofree char *pidNode = xenpvXenDmPidPath(domid);
    g_autofree char *pidText = xenpvXenStoreReadStr(priv, "%s", pidNode);
    long long pid = 0;
    size_t k;

    if (pidText && virStrToLong_ll(pidText, NULL, 10, &pid) == 0 && pid > 1 &&
        xenpvXenDmIsOurs(pid, domid)) {
        gint64 deadline = g_get_monotonic_time() + XENPV_XEN_DM_STOP_WAIT_MS * 1000;

        /* It maps the guest's framebuffer: it must be gone before the domain. */
        kill(pid, SIGTERM);
        while (kill(pid, 0) == 0 && g_get_monotonic_time() < deadline)
            g_usleep(50 * 1000);
        if (kill(pid, 0) == 0) {
            VIR_WARN("the device model of domain %u (PID %lld) did not stop: killing it",
                     domid, pid);
            kill(pid, SIGKILL);
        }
    } else if (pidText) {
        VIR_WARN("PID %s in %s is not the device model of domain %u: left alone",
                 pidText, pidNode, domid);
    }
    if (pidText && !xs_rm(priv->xsh, XBT_NULL, pidNode) && errno != ENOENT)
        VIR_DEBUG("cannot remove %s: %s", pidNode, g_strerror(errno));

    /* Its backends went with it: their nodes go without waiting. */
    for (k = 0; k < G_N_ELEMENTS(xenpvXenDmKinds); k++) {
        g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u",
                                              xenpvXenDmKinds[k], domid);
        g_autofree char *fe = g_strdup_printf("/local/domain/%u/device/%s",
                                              domid, xenpvXenDmKinds[k]);

        if (!xs_rm(priv->xsh, XBT_NULL, be) && errno != ENOENT)
            VIR_DEBUG("cannot remove %s: %s", be, g_strerror(errno));
        if (!xs_rm(priv->xsh, XBT_NULL, fe) && errno != ENOENT)
            VIR_DEBUG("cannot remove %s: %s", fe, g_strerror(errno));
    }
}
