/*
 * xenpv_hyp_xen_devices.c: a PV guest's block and network devices on a
 * real dom0: the backend and frontend nodes in xenstore that Linux's
 * blkback and netback (and the guest's blkfront and netfront) speak
 * through, the hotplug scripts dom0's Xen packages ship (run by us, as
 * Xen's own toolstack does when it runs them itself, a guest's devices
 * side by side), and the teardown at destroy.
 *
 * The protocol, per device: the toolstack writes the backend directory
 * (/local/domain/0/backend/KIND/DOMID/DEVID) and the frontend directory
 * (/local/domain/DOMID/device/KIND/DEVID) at once, both in state 1
 * (Initialising); the backend driver probes and moves to 2 (InitWait);
 * the hotplug script then prepares the dom0 side (a loop device for a
 * file, the vif port in a bridge) and writes hotplug-status "connected".
 * At teardown the toolstack takes the device offline and removes the
 * frontend, the backend closes (6) and lets go of the guest's pages, the
 * script undoes its work, and the backend directory goes.  Once a guest
 * is suspended for a save or a migration, the dom0 devices behind its
 * disks are flushed, so that another host reading the same storage sees
 * every write the guest completed; they are torn down only when the
 * domain is destroyed (after a migration, once the destination has it).
 *
 * Everything teardown needs is read back from xenstore, so a daemon that
 * did not create the domain tears it down the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "vircommand.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_devices");


/* Backends and scripts are slow under emulation: generous limits. */
#define XENPV_XEN_BACKEND_WAIT_MS 30000
#define XENPV_XEN_CLOSE_WAIT_MS 10000
#define XENPV_XEN_POLL_US (50 * 1000)
#define XENPV_XEN_HOTPLUG_TIMEOUT_S "120"

static const char *const xenpvXenDeviceKinds[] = { "vbd", "vif" };


/* Write one device's backend and frontend directories in one transaction,
 * so the backend driver never probes a half-written device. */
int
xenpvXenDeviceWrite(xenpvXenPriv *priv, uint32_t domid, const char *kind, int devid,
                    GPtrArray *backendKV, GPtrArray *frontendKV)
{
    g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u/%d", kind, domid, devid);
    g_autofree char *fe = g_strdup_printf("/local/domain/%u/device/%s/%d", domid, kind, devid);
    unsigned int tries;
    size_t i;

    for (tries = 0; tries < 20; tries++) {
        xs_transaction_t t;
        bool ok;

        if ((t = xs_transaction_start(priv->xsh)) == XBT_NULL)
            break;
        ok = xs_mkdir(priv->xsh, t, be) && xenpvXenStoreSetPerms(priv, t, be, 0, domid) &&
             xs_mkdir(priv->xsh, t, fe) && xenpvXenStoreSetPerms(priv, t, fe, domid, 0);
        for (i = 0; ok && i + 1 < backendKV->len; i += 2) {
            g_autofree char *p = g_strdup_printf("%s/%s", be, (char *)backendKV->pdata[i]);
            const char *v = backendKV->pdata[i + 1];

            ok = xs_write(priv->xsh, t, p, v, strlen(v));
        }
        for (i = 0; ok && i + 1 < frontendKV->len; i += 2) {
            g_autofree char *p = g_strdup_printf("%s/%s", fe, (char *)frontendKV->pdata[i]);
            const char *v = frontendKV->pdata[i + 1];

            ok = xs_write(priv->xsh, t, p, v, strlen(v));
        }
        if (!ok) {
            int saved = errno;

            xs_transaction_end(priv->xsh, t, true);
            errno = saved;
            break;
        }
        if (xs_transaction_end(priv->xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            break;
    }
    virReportSystemError(errno, _("cannot write the xenstore nodes of %s device %d of domain %u"),
                         kind, devid, domid);
    return -1;
}


/* Poll the backend's state until it is at least @want or @ms pass.
 * Returns the state last seen (0 if the node is gone). */
int
xenpvXenWaitBackendState(xenpvXenPriv *priv, const char *be, int want, unsigned int ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
    int state = 0;

    while (true) {
        g_autofree char *value = xenpvXenStoreReadStr(priv, "%s/state", be);

        state = value ? atoi(value) : 0;
        if (state >= want || g_get_monotonic_time() >= deadline)
            return state;
        g_usleep(XENPV_XEN_POLL_US);
    }
}


/* Run a hotplug script for the device whose backend is @be, with the
 * environment and arguments the scripts expect from the toolstack. */
static int
xenpvXenRunHotplug(xenpvXenPriv *priv G_GNUC_UNUSED, const char *script,
                   const char *kind, uint32_t domid, int devid, bool add,
                   char **output)
{
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *relPath = g_strdup_printf("backend/%s/%u/%d", kind, domid, devid);
    g_autofree char *out = NULL;
    bool vif = STREQ(kind, "vif");
    int status = 0;

    /* A script stuck on a lock or a device must not hold the domain's
     * job for ever: coreutils' timeout bounds it. */
    if (vif) {
        g_autofree char *vifName = g_strdup_printf("vif%u.%d", domid, devid);

        cmd = virCommandNewArgList("timeout", "-k", "5", XENPV_XEN_HOTPLUG_TIMEOUT_S,
                                   script, add ? "online" : "offline", "type_if=vif", NULL);
        virCommandAddEnvPair(cmd, "vif", vifName);
        virCommandAddEnvPair(cmd, "netdev", "");
    } else {
        cmd = virCommandNewArgList("timeout", "-k", "5", XENPV_XEN_HOTPLUG_TIMEOUT_S,
                                   script, add ? "add" : "remove", NULL);
    }
    virCommandAddEnvPassCommon(cmd);
    virCommandAddEnvPair(cmd, "script", script);
    virCommandAddEnvPair(cmd, "XENBUS_TYPE", kind);
    virCommandAddEnvPair(cmd, "XENBUS_PATH", relPath);
    virCommandAddEnvPair(cmd, "XENBUS_BASE_PATH", "backend");
    virCommandSetOutputBuffer(cmd, &out);
    virCommandSetErrorBuffer(cmd, output);

    if (virCommandRun(cmd, &status) < 0)
        return -1;
    VIR_DEBUG("hotplug %s %s for domain %u device %d: exit %d, output '%s'",
              script, add ? "add" : "remove", domid, devid, status, NULLSTR(out));
    if (status == 124 && output) {
        g_free(*output);
        *output = g_strdup_printf("it did not finish within %s s", XENPV_XEN_HOTPLUG_TIMEOUT_S);
    }
    return status == 0 ? 0 : 1;
}


/* Bring one device up: its nodes, the backend's probe, the script. */
static int
xenpvXenDeviceAdd(xenpvXenPriv *priv, uint32_t domid, const char *kind, int devid,
                  const char *script, const char *what,
                  GPtrArray *backendKV, GPtrArray *frontendKV)
{
    g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u/%d", kind, domid, devid);
    g_autofree char *errOut = NULL;
    g_autofree char *status = NULL;
    g_autofree char *hotplugError = NULL;
    const char *driverName = STREQ(kind, "vbd") ? "xen-blkback" : "xen-netback";
    int state;
    int rc;

    if (xenpvXenDeviceWrite(priv, domid, kind, devid, backendKV, frontendKV) < 0)
        return -1;

    state = xenpvXenWaitBackendState(priv, be, XENPV_XENBUS_INITWAIT, XENPV_XEN_BACKEND_WAIT_MS);
    if (state < XENPV_XENBUS_INITWAIT) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the dom0 backend did not take %s of domain %u within %u s (%s/state is %d): is the %s module loaded?"),
                       what, domid, XENPV_XEN_BACKEND_WAIT_MS / 1000, be, state, driverName);
        return -1;
    }

    VIR_DEBUG("%s of domain %u: backend in state %d, running %s", what, domid, state, script);
    if ((rc = xenpvXenRunHotplug(priv, script, kind, domid, devid, true, &errOut)) < 0)
        return -1;
    status = xenpvXenStoreReadStr(priv, "%s/hotplug-status", be);
    if (rc != 0 || !status || STRNEQ(status, "connected")) {
        hotplugError = xenpvXenStoreReadStr(priv, "%s/hotplug-error", be);
        const char *why = "it did not report the device connected (see /var/log/xen/xen-hotplug.log)";

        if (hotplugError)
            why = hotplugError;
        else if (errOut && *errOut)
            why = g_strstrip(errOut);
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("hotplug script %s failed for %s of domain %u: %s"),
                       script, what, domid, why);
        return -1;
    }
    return 0;
}


/* The blkback mode of @disk: read-only, shared writable, or writable. */
static const char *
xenpvXenDiskMode(const xenpvDiskSpec *disk)
{
    if (disk->readonly)
        return "r";
    if (disk->shareable)
        return "w!";
    return "w";
}


#define KV(arr, k, v) do { g_ptr_array_add(arr, g_strdup(k)); g_ptr_array_add(arr, (v)); } while (0)

int
xenpvXenDiskAdd(xenpvXenPriv *priv, uint32_t domid, const xenpvDiskSpec *disk)
{
    g_autoptr(GPtrArray) be = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) fe = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *what = g_strdup_printf("disk %s (%s)", NULLSTR(disk->vdev), NULLSTR(disk->source));
    g_autofree char *script = g_strdup(XENPV_XEN_SCRIPT_DIR "/block");
    const char *type = disk->backendType ? disk->backendType : "phy";
    int devid;

    if (!disk->vdev || (devid = xenpvDiskDevid(disk->vdev)) < 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("cannot give domain %u the %s: '%s' is not a Xen disk name (xvdX, sdX, hdX)"),
                       domid, what, NULLSTR(disk->vdev));
        return -1;
    }
    if (!disk->source || !*disk->source) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk %s of domain %u has no source: PV guests have no removable media"),
                       disk->vdev, domid);
        return -1;
    }
    /* blkback serves block devices; the block script puts a file on a
     * loop device first.  Other back ends need a device model. */
    if (STRNEQ(type, "phy") && STRNEQ(type, "file")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk %s of domain %u asks for the '%s' backend; this driver serves disks through blkback only: use a block device (phy) or a raw file (file)"),
                       disk->vdev, domid, type);
        return -1;
    }

    KV(be, "frontend", g_strdup_printf("/local/domain/%u/device/vbd/%d", domid, devid));
    KV(be, "frontend-id", g_strdup_printf("%u", domid));
    KV(be, "online", g_strdup("1"));
    KV(be, "removable", g_strdup("0"));
    KV(be, "bootable", g_strdup("1"));
    KV(be, "state", g_strdup(G_STRINGIFY(XENPV_XENBUS_INITIALISING)));
    KV(be, "dev", g_strdup(disk->vdev));
    KV(be, "type", g_strdup("phy"));
    KV(be, "mode", g_strdup(xenpvXenDiskMode(disk)));
    KV(be, "device-type", g_strdup("disk"));
    KV(be, "params", g_strdup(disk->source));
    KV(be, "script", g_strdup(script));
    KV(fe, "backend", g_strdup_printf("/local/domain/0/backend/vbd/%u/%d", domid, devid));
    KV(fe, "backend-id", g_strdup("0"));
    KV(fe, "state", g_strdup(G_STRINGIFY(XENPV_XENBUS_INITIALISING)));
    KV(fe, "virtual-device", g_strdup_printf("%d", devid));
    KV(fe, "device-type", g_strdup("disk"));

    return xenpvXenDeviceAdd(priv, domid, "vbd", devid, script, what, be, fe);
}


int
xenpvXenNicAdd(xenpvXenPriv *priv, uint32_t domid, int devid, const xenpvNicSpec *nic)
{
    g_autoptr(GPtrArray) be = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) fe = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *what = g_strdup_printf("network interface %d (%s)", devid, nic->mac);
    g_autofree char *script = NULL;

    if (!nic->script || !*nic->script)
        script = g_strdup(XENPV_XEN_SCRIPT_DIR "/vif-bridge");
    else if (nic->script[0] == '/')
        script = g_strdup(nic->script);
    else
        script = g_strdup_printf(XENPV_XEN_SCRIPT_DIR "/%s", nic->script);
    if (nic->model && *nic->model && STRNEQ(nic->model, "netfront")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("network interface %s of domain %u has model '%s'; a PV guest's interfaces are netfront"),
                       nic->mac, domid, nic->model);
        return -1;
    }

    KV(be, "frontend", g_strdup_printf("/local/domain/%u/device/vif/%d", domid, devid));
    KV(be, "frontend-id", g_strdup_printf("%u", domid));
    KV(be, "online", g_strdup("1"));
    KV(be, "state", g_strdup(G_STRINGIFY(XENPV_XENBUS_INITIALISING)));
    KV(be, "script", g_strdup(script));
    KV(be, "mac", g_strdup(nic->mac));
    KV(be, "handle", g_strdup_printf("%d", devid));
    KV(be, "type", g_strdup("vif"));
    if (nic->bridge && *nic->bridge)
        KV(be, "bridge", g_strdup(nic->bridge));
    if (nic->ip && *nic->ip)
        KV(be, "ip", g_strdup(nic->ip));
    if (nic->vifname && *nic->vifname)
        KV(be, "vifname", g_strdup(nic->vifname));
    KV(fe, "backend", g_strdup_printf("/local/domain/0/backend/vif/%u/%d", domid, devid));
    KV(fe, "backend-id", g_strdup("0"));
    KV(fe, "state", g_strdup(G_STRINGIFY(XENPV_XENBUS_INITIALISING)));
    KV(fe, "handle", g_strdup_printf("%d", devid));
    KV(fe, "mac", g_strdup(nic->mac));

    return xenpvXenDeviceAdd(priv, domid, "vif", devid, script, what, be, fe);
}

#undef KV


/* One device of a guest's, plugged on a thread of its own. */
typedef struct {
    xenpvXenPriv *priv;
    uint32_t domid;
    const xenpvDiskSpec *disk;  /* a disk, or ... */
    const xenpvNicSpec *nic;    /* ... the network interface numbered @nicIndex */
    int nicIndex;
    int rc;
    virErrorPtr error;
} xenpvXenDevicePlug;


static gpointer
xenpvXenDevicePlugThread(gpointer data)
{
    xenpvXenDevicePlug *plug = data;

    if (plug->disk)
        plug->rc = xenpvXenDiskAdd(plug->priv, plug->domid, plug->disk);
    else
        plug->rc = xenpvXenNicAdd(plug->priv, plug->domid, plug->nicIndex, plug->nic);
    if (plug->rc < 0)
        plug->error = virSaveLastError();
    return NULL;
}


/* Every device at once, as Xen's own toolstack plugs them: each waits
 * mostly for its backend's probe and its hotplug script (the block
 * script's loop device, vif-bridge's bridge port: seconds each, tens of
 * seconds under emulation), which do not wait for one another.  The
 * xenstore handle serves the threads side by side.  On failure the first
 * device's error in the definition's order is reported; what the others
 * plugged is the caller's to tear down, as before. */
int
xenpvXenDevicesAdd(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec)
{
    size_t n = spec->ndisks + spec->nnics;
    g_autofree xenpvXenDevicePlug *plugs = g_new0(xenpvXenDevicePlug, n);
    g_autofree GThread **threads = g_new0(GThread *, n);
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++) {
        plugs[i].priv = priv;
        plugs[i].domid = domid;
        if (i < spec->ndisks) {
            plugs[i].disk = &spec->disks[i];
        } else {
            plugs[i].nicIndex = (int)(i - spec->ndisks);
            plugs[i].nic = &spec->nics[plugs[i].nicIndex];
        }
        threads[i] = g_thread_new("xenpv-plug", xenpvXenDevicePlugThread, &plugs[i]);
    }
    for (i = 0; i < n; i++) {
        g_thread_join(threads[i]);
        if (plugs[i].rc < 0 && rc == 0) {
            virSetError(plugs[i].error);
            rc = -1;
        }
        virFreeError(plugs[i].error);
    }
    /* The framebuffer's backend is QEMU's. */
    if (rc == 0 && spec->vfb && xenpvXenDeviceModelStart(priv, domid, spec) < 0)
        rc = -1;
    return rc;
}


/* The dom0 block device behind a vbd backend ("major:minor" in hex, as
 * blkback writes physical-device), by its name in /dev. */
static char *
xenpvXenBackendDevicePath(const char *physicalDevice)
{
    unsigned int major = 0;
    unsigned int minor = 0;
    g_autofree char *uevent = NULL;
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    char **line;

    if (sscanf(physicalDevice, "%x:%x", &major, &minor) != 2)
        return NULL;
    uevent = g_strdup_printf("/sys/dev/block/%u:%u/uevent", major, minor);
    if (!g_file_get_contents(uevent, &text, NULL, NULL))
        return NULL;
    lines = g_strsplit(text, "\n", -1);
    for (line = lines; *line; line++) {
        if (g_str_has_prefix(*line, "DEVNAME="))
            return g_strdup_printf("/dev/%s", *line + strlen("DEVNAME="));
    }
    return NULL;
}


int
xenpvXenDevicesFlush(xenpvXenPriv *priv, uint32_t domid)
{
    g_autofree char *dir = g_strdup_printf("/local/domain/0/backend/vbd/%u", domid);
    unsigned int n = 0;
    char **devs = xs_directory(priv->xsh, XBT_NULL, dir, &n);
    unsigned int i;
    int ret = 0;

    for (i = 0; devs && i < n; i++) {
        g_autofree char *physical = xenpvXenStoreReadStr(priv, "%s/%s/physical-device", dir, devs[i]);
        g_autofree char *path = physical ? xenpvXenBackendDevicePath(physical) : NULL;
        int fd;

        /* A device its backend never opened holds no writes. */
        if (!physical)
            continue;
        if (!path) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("cannot find the dom0 device %s of disk %s of domain %u to flush it"),
                           physical, devs[i], domid);
            ret = -1;
            continue;
        }
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            virReportSystemError(errno, _("cannot open the dom0 device %s of disk %s of domain %u to flush it"),
                                 path, devs[i], domid);
            ret = -1;
            continue;
        }
        if (fsync(fd) < 0) {
            virReportSystemError(errno, _("cannot flush the dom0 device %s of disk %s of domain %u"),
                                 path, devs[i], domid);
            ret = -1;
        }
        VIR_FORCE_CLOSE(fd);
        VIR_DEBUG("disk %s of domain %u: %s flushed", devs[i], domid, path);
    }
    free(devs);
    return ret;
}


/* Take one device down; every step goes on after a failure, so that as
 * little as possible is left behind. */
void
xenpvXenDeviceRemove(xenpvXenPriv *priv, uint32_t domid, const char *kind, const char *devidStr)
{
    g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u/%s", kind, domid, devidStr);
    g_autofree char *online = g_strdup_printf("%s/online", be);
    g_autofree char *statePath = g_strdup_printf("%s/state", be);
    g_autofree char *fe = xenpvXenStoreReadStr(priv, "%s/frontend", be);
    g_autofree char *script = xenpvXenStoreReadStr(priv, "%s/script", be);
    g_autofree char *stateNow = xenpvXenStoreReadStr(priv, "%s", statePath);
    g_autofree char *errOut = NULL;
    const char *closing = G_STRINGIFY(XENPV_XENBUS_CLOSING);
    int devid = atoi(devidStr);
    int state;

    /* Offline: the backend unregisters once the frontend is gone.  It goes
     * to Closed then only if its state says Closing (blkback, which may be
     * rebound, leaves a backend in InitWait or Connected as it is), so the
     * toolstack says it, as Xen's own does: else the wait below would run
     * its whole course for every disk of a guest destroyed or migrated
     * away. */
    if (!xs_write(priv->xsh, XBT_NULL, online, "0", 1))
        VIR_DEBUG("cannot write %s: %s", online, g_strerror(errno));
    if (stateNow && atoi(stateNow) != XENPV_XENBUS_CLOSED &&
        !xs_write(priv->xsh, XBT_NULL, statePath, closing, strlen(closing)))
        VIR_DEBUG("cannot write %s: %s", statePath, g_strerror(errno));
    if (fe && g_str_has_prefix(fe, "/local/domain/") && !xs_rm(priv->xsh, XBT_NULL, fe))
        VIR_DEBUG("cannot remove %s: %s", fe, g_strerror(errno));

    state = xenpvXenWaitBackendState(priv, be, XENPV_XENBUS_CLOSED, XENPV_XEN_CLOSE_WAIT_MS);
    if (state != 0 && state < XENPV_XENBUS_CLOSED)
        VIR_WARN("the %s backend of device %s of domain %u did not close (state %d)",
                 kind, devidStr, domid, state);

    /* The script reads the backend's nodes (a loop device's name): it
     * runs before they go. */
    if (script && *script) {
        if (xenpvXenRunHotplug(priv, script, kind, domid, devid, false, &errOut) != 0)
            VIR_WARN("hotplug script %s remove failed for %s device %s of domain %u: %s",
                     script, kind, devidStr, domid, errOut ? g_strstrip(errOut) : virGetLastErrorMessage());
        virResetLastError();
    }
    if (!xs_rm(priv->xsh, XBT_NULL, be) && errno != ENOENT)
        VIR_WARN("cannot remove %s: %s", be, g_strerror(errno));
}


void
xenpvXenDevicesRemove(xenpvXenPriv *priv, uint32_t domid)
{
    size_t k;

    xenpvXenDeviceModelStop(priv, domid);

    for (k = 0; k < G_N_ELEMENTS(xenpvXenDeviceKinds); k++) {
        const char *kind = xenpvXenDeviceKinds[k];
        g_autofree char *dir = g_strdup_printf("/local/domain/0/backend/%s/%u", kind, domid);
        unsigned int n = 0;
        char **devs = xs_directory(priv->xsh, XBT_NULL, dir, &n);
        unsigned int i;

        for (i = 0; devs && i < n; i++)
            xenpvXenDeviceRemove(priv, domid, kind, devs[i]);
        free(devs);
        if (!xs_rm(priv->xsh, XBT_NULL, dir) && errno != ENOENT)
            VIR_WARN("cannot remove %s: %s", dir, g_strerror(errno));
    }
}


int
xenpvXenNicFind(xenpvXenPriv *priv, uint32_t domid, const char *mac)
{
    g_autofree char *dir = g_strdup_printf("/local/domain/0/backend/vif/%u", domid);
    unsigned int n = 0;
    char **devs = xs_directory(priv->xsh, XBT_NULL, dir, &n);
    unsigned int i;
    int devid = -1;

    for (i = 0; devs && i < n && devid < 0; i++) {
        g_autofree char *devMac = xenpvXenStoreReadStr(priv, "%s/%s/mac", dir, devs[i]);

        if (devMac && g_ascii_strcasecmp(devMac, mac) == 0)
            devid = atoi(devs[i]);
    }
    free(devs);
    if (devid < 0)
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain %u has no network interface with MAC address %s"), domid, mac);
    return devid;
}


char *
xenpvXenNicName(xenpvXenPriv *priv, uint32_t domid, const char *mac, int *devidOut)
{
    int devid = xenpvXenNicFind(priv, domid, mac);
    char *name;

    if (devid < 0)
        return NULL;
    if (devidOut)
        *devidOut = devid;
    /* The vif script renames the interface when vifname is given. */
    name = xenpvXenStoreReadStr(priv, "/local/domain/0/backend/vif/%u/%d/vifname", domid, devid);
    if (name && *name)
        return name;
    g_free(name);
    return g_strdup_printf("vif%u.%d", domid, devid);
}
