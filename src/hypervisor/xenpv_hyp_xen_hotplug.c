/*
 * xenpv_hyp_xen_hotplug.c: disks and network interfaces plugged into a
 * running guest on a real dom0, and unplugged from it.
 *
 * A new device goes up as at build (xenpv_hyp_xen_devices.c): its backend
 * and frontend nodes in one transaction, the backend driver's probe, the
 * hotplug script; the guest's frontend driver finds it through its watch
 * and connects.  Unplugging is a request to the guest: the backend goes
 * offline and Closing, the guest's frontend closes its end (Linux lets go
 * of the device) and the backend follows to Closed.  A guest that does not
 * answer in time (paused, hung, or holding on) has the device removed
 * anyway, as Xen's own toolstack forces a removal after its timeout.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "vircommand.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_hotplug");


static char *
xenpvXenBackendDir(const char *kind, uint32_t domid, int devid)
{
    return g_strdup_printf("/local/domain/0/backend/%s/%u/%d", kind, domid, devid);
}


int
xenpvXenDomainAttachDisk(xenpvHypervisor *hyp, uint32_t domid, const xenpvDiskSpec *disk)
{
    xenpvXenPriv *priv = hyp->priv;
    int devid = disk->vdev ? xenpvDiskDevid(disk->vdev) : -1;
    g_autofree char *be = NULL;
    g_autofree char *state = NULL;

    if (devid >= 0) {
        be = xenpvXenBackendDir("vbd", domid, devid);
        if ((state = xenpvXenStoreReadStr(priv, "%s/state", be))) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain %u already has a disk %s (%s)"), domid, disk->vdev, be);
            return -1;
        }
    }
    if (xenpvXenDiskAdd(priv, domid, disk) < 0) {
        /* Leave nothing half plugged. */
        if (devid >= 0) {
            g_autofree char *id = g_strdup_printf("%d", devid);
            virErrorPtr orig = NULL;

            virErrorPreserveLast(&orig);
            xenpvXenDeviceRemove(priv, domid, "vbd", id);
            virErrorRestore(&orig);
        }
        return -1;
    }
    return 0;
}


/* The first device number no interface of the domain has. */
static int
xenpvXenNicFreeDevid(xenpvXenPriv *priv, uint32_t domid)
{
    g_autofree char *dir = g_strdup_printf("/local/domain/0/backend/vif/%u", domid);
    unsigned int n = 0;
    char **devs = xs_directory(priv->xsh, XBT_NULL, dir, &n);
    int devid;
    unsigned int i;
    bool used = true;

    for (devid = 0; used; devid++) {
        used = false;
        for (i = 0; devs && i < n && !used; i++)
            used = atoi(devs[i]) == devid;
        if (!used)
            break;
    }
    free(devs);
    return devid;
}


int
xenpvXenDomainAttachNic(xenpvHypervisor *hyp, uint32_t domid, const xenpvNicSpec *nic,
                        int *devid)
{
    xenpvXenPriv *priv = hyp->priv;
    int id = xenpvXenNicFreeDevid(priv, domid);

    if (xenpvXenNicAdd(priv, domid, id, nic) < 0) {
        g_autofree char *idStr = g_strdup_printf("%d", id);
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        xenpvXenDeviceRemove(priv, domid, "vif", idStr);
        virErrorRestore(&orig);
        return -1;
    }
    *devid = id;
    return 0;
}


/* Ask the guest to let the device go, wait for it, remove the device. */
static int
xenpvXenDeviceDetach(xenpvXenPriv *priv, uint32_t domid, const char *kind, int devid,
                     unsigned int timeoutMs)
{
    g_autofree char *be = xenpvXenBackendDir(kind, domid, devid);
    g_autofree char *idStr = g_strdup_printf("%d", devid);
    g_autofree char *online = g_strdup_printf("%s/online", be);
    g_autofree char *statePath = g_strdup_printf("%s/state", be);
    g_autofree char *state = xenpvXenStoreReadStr(priv, "%s", statePath);
    const char *closing = G_STRINGIFY(XENPV_XENBUS_CLOSING);
    bool closed = false;

    /* Only a connected frontend is asked: one that never connected (a
     * guest without the driver) has nothing to let go of. */
    if (!xs_write(priv->xsh, XBT_NULL, online, "0", 1))
        VIR_DEBUG("cannot write %s: %s", online, g_strerror(errno));
    if (state && atoi(state) == XENPV_XENBUS_CONNECTED) {
        if (!xs_write(priv->xsh, XBT_NULL, statePath, closing, strlen(closing)))
            VIR_DEBUG("cannot write %s: %s", statePath, g_strerror(errno));
        closed = xenpvXenWaitBackendState(priv, be, XENPV_XENBUS_CLOSED, timeoutMs) >=
            XENPV_XENBUS_CLOSED;
        if (!closed)
            VIR_WARN("domain %u did not release %s device %d within %u ms: removing it anyway",
                     domid, kind, devid, timeoutMs);
    } else {
        closed = true;
    }
    xenpvXenDeviceRemove(priv, domid, kind, idStr);
    return closed ? 0 : 1;
}


int
xenpvXenDomainDetachDisk(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                         unsigned int timeoutMs)
{
    xenpvXenPriv *priv = hyp->priv;
    int devid = xenpvDiskDevid(vdev);
    g_autofree char *be = NULL;
    g_autofree char *state = NULL;

    if (devid >= 0) {
        be = xenpvXenBackendDir("vbd", domid, devid);
        state = xenpvXenStoreReadStr(priv, "%s/state", be);
    }
    if (!state) {
        virReportError(VIR_ERR_INVALID_ARG, _("domain %u has no disk %s"), domid, vdev);
        return -1;
    }
    return xenpvXenDeviceDetach(priv, domid, "vbd", devid, timeoutMs);
}


int
xenpvXenDomainDetachNic(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                        unsigned int timeoutMs)
{
    xenpvXenPriv *priv = hyp->priv;
    int devid = xenpvXenNicFind(priv, domid, mac);

    if (devid < 0)
        return -1;
    return xenpvXenDeviceDetach(priv, domid, "vif", devid, timeoutMs);
}


int
xenpvXenDomainNicSetBridge(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                           const char *bridge)
{
    xenpvXenPriv *priv = hyp->priv;
    g_autofree char *vif = NULL;
    g_autofree char *path = NULL;
    g_autoptr(virCommand) cmd = NULL;
    int devid = -1;

    if (!(vif = xenpvXenNicName(priv, domid, mac, &devid)))
        return -1;
    /* What the vif-bridge script does when it brings the vif up. */
    cmd = virCommandNewArgList("ip", "link", "set", "dev", vif, "master", bridge, NULL);
    if (virCommandRun(cmd, NULL) < 0)
        return -1;
    path = g_strdup_printf("/local/domain/0/backend/vif/%u/%d/bridge", domid, devid);
    if (!xs_write(priv->xsh, XBT_NULL, path, bridge, strlen(bridge)))
        VIR_WARN("vif %s is in bridge %s but %s says otherwise: %s", vif, bridge, path,
                 g_strerror(errno));
    return 0;
}
