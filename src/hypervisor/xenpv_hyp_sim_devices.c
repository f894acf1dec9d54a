/*
 * xenpv_hyp_sim_devices.c: the "sim" back end's view of a domain's disks
 * and network interfaces: the counters dom0's backends keep for them, and
 * their hotplug, which runs the toolstack's side of the xenbus handshake
 * through the simulated host's store (docs/simhost.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_hyp_sim_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* How often a detach looks whether the guest let go. */
#define XENPV_SIM_DETACH_POLL_US (10 * 1000)


/* Ask @verb about the device @name (of @kind, for verbs that take it) of
 * @domid.  Returns 1 with *@reply, or
 * -1 with VIR_ERR_INVALID_ARG when the domain has no such device. */
static int
xenpvSimDeviceRequest(xenpvHypervisor *hyp, const char *verb, uint32_t domid,
                      const char *kind, const char *name, const char *what,
                      xenpvSimMsg **reply)
{
    g_autoptr(GString) line = xenpvSimLineNew(verb);
    int rc;

    g_string_append_printf(line, " %u", domid);
    if (kind)
        xenpvSimLineAdd(line, kind);
    xenpvSimLineAdd(line, name);
    if ((rc = xenpvSimCall(hyp, line, ENOENT, NULL, NULL, reply)) == 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain %u has no %s '%s'"), domid, what, name);
        return -1;
    }
    return rc;
}


static int64_t
xenpvSimStat(const xenpvSimMsg *reply, const char *key)
{
    guint64 value;

    return xenpvSimMsgGetU64(reply, key, &value) ? (int64_t)value : -1;
}


int
xenpvSimDomainBlockStats(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                         xenpvBlockStats *stats)
{
    g_autoptr(xenpvSimMsg) reply = NULL;

    if (xenpvSimDeviceRequest(hyp, "BLKSTATS", domid, NULL, vdev, "disk", &reply) < 0)
        return -1;
    stats->rdReq = xenpvSimStat(reply, "rd_req");
    stats->rdBytes = xenpvSimStat(reply, "rd_bytes");
    stats->wrReq = xenpvSimStat(reply, "wr_req");
    stats->wrBytes = xenpvSimStat(reply, "wr_bytes");
    stats->flReq = xenpvSimStat(reply, "fl_req");
    stats->errs = xenpvSimStat(reply, "errs");
    return 0;
}


int
xenpvSimDomainNicStats(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                       xenpvNicStats *stats)
{
    g_autoptr(xenpvSimMsg) reply = NULL;

    if (xenpvSimDeviceRequest(hyp, "NICSTATS", domid, NULL, mac, "network interface", &reply) < 0)
        return -1;
    stats->rxBytes = xenpvSimStat(reply, "rx_bytes");
    stats->rxPackets = xenpvSimStat(reply, "rx_packets");
    stats->rxErrs = xenpvSimStat(reply, "rx_errs");
    stats->rxDrop = xenpvSimStat(reply, "rx_drop");
    stats->txBytes = xenpvSimStat(reply, "tx_bytes");
    stats->txPackets = xenpvSimStat(reply, "tx_packets");
    stats->txErrs = xenpvSimStat(reply, "tx_errs");
    stats->txDrop = xenpvSimStat(reply, "tx_drop");
    return 0;
}


/* --- hotplug ---------------------------------------------------------- */

/* The store's answer, or NULL (also when the node is gone). */
static char *
xenpvSimReadNode(xenpvHypervisor *hyp, const char *dir, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, key);
    char *value = NULL;

    if (hyp->ops->storeRead(hyp, path, &value) < 0) {
        virResetLastError();
        return NULL;
    }
    return value;
}


static int
xenpvSimBackendState(xenpvHypervisor *hyp, const char *be)
{
    g_autofree char *value = xenpvSimReadNode(hyp, be, "state");

    return value ? atoi(value) : 0;
}


static char *
xenpvSimBackendPath(const char *kind, uint32_t domid, guint64 devid)
{
    return g_strdup_printf("/local/domain/0/backend/%s/%u/%llu", kind, domid,
                           (unsigned long long)devid);
}


/* Add one device (a line of DEVICE-ADD) and check that dom0's backend took
 * it, as the toolstack waits for the hotplug script.  Returns the device
 * number or -1. */
static int
xenpvSimDeviceAttach(xenpvHypervisor *hyp, uint32_t domid, const char *kind,
                     GString *line, const char *what)
{
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autofree char *be = NULL;
    g_autofree char *hotplug = NULL;
    guint64 devid;

    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (!xenpvSimMsgGetU64(reply, "devid", &devid) || devid > G_MAXINT) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the simulated Xen host added %s to domain %u without a device number"),
                       what, domid);
        return -1;
    }
    be = xenpvSimBackendPath(kind, domid, devid);
    hotplug = xenpvSimReadNode(hyp, be, "hotplug-status");
    if (xenpvSimBackendState(hyp, be) < XENPV_XENBUS_INITWAIT ||
        g_strcmp0(hotplug, "connected") != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("dom0's backend did not take %s of domain %u (%s: state %d, hotplug-status '%s')"),
                       what, domid, be, xenpvSimBackendState(hyp, be), NULLSTR(hotplug));
        return -1;
    }
    return devid;
}


int
xenpvSimDomainAttachDisk(xenpvHypervisor *hyp, uint32_t domid, const xenpvDiskSpec *disk)
{
    g_autoptr(GString) line = xenpvSimLineNew("DEVICE-ADD");
    g_autofree char *what = g_strdup_printf("disk %s", disk->vdev);

    g_string_append_printf(line, " %u", domid);
    xenpvSimLineAddDisk(line, 0, disk);
    return xenpvSimDeviceAttach(hyp, domid, "vbd", line, what) < 0 ? -1 : 0;
}


int
xenpvSimDomainAttachNic(xenpvHypervisor *hyp, uint32_t domid, const xenpvNicSpec *nic,
                        int *devid)
{
    g_autoptr(GString) line = xenpvSimLineNew("DEVICE-ADD");
    g_autofree char *what = g_strdup_printf("network interface %s", nic->mac);
    int id;

    g_string_append_printf(line, " %u", domid);
    xenpvSimLineAddNic(line, 0, nic);
    if ((id = xenpvSimDeviceAttach(hyp, domid, "vif", line, what)) < 0)
        return -1;
    *devid = id;
    return 0;
}


/* The device number of a disk (by vdev) or interface (by MAC). */
static int
xenpvSimDeviceFind(xenpvHypervisor *hyp, uint32_t domid, const char *kind,
                   const char *name, const char *what)
{
    g_autoptr(xenpvSimMsg) reply = NULL;
    guint64 devid;
    int rc;

    if ((rc = xenpvSimDeviceRequest(hyp, "DEVICE", domid, kind, name, what, &reply)) < 0)
        return -1;
    if (!xenpvSimMsgGetU64(reply, "devid", &devid) || devid > G_MAXINT) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the simulated Xen host gave no device number for %s %s of domain %u"),
                       what, name, domid);
        return -1;
    }
    return devid;
}


/* The toolstack's side of a detach, through the store as on Xen: the
 * backend offline and Closing, then the wait for the guest's frontend
 * (and so the backend) to close, then the directories removed whatever
 * happened. */
static int
xenpvSimDeviceDetach(xenpvHypervisor *hyp, uint32_t domid, const char *kind,
                     const char *name, const char *what, unsigned int timeoutMs)
{
    g_autoptr(GString) line = xenpvSimLineNew("DEVICE-REMOVE");
    g_autofree char *be = NULL;
    g_autofree char *online = NULL;
    g_autofree char *state = NULL;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeoutMs * 1000;
    bool closed;
    int devid;

    if ((devid = xenpvSimDeviceFind(hyp, domid, kind, name, what)) < 0)
        return -1;
    be = xenpvSimBackendPath(kind, domid, devid);
    online = g_strdup_printf("%s/online", be);
    state = g_strdup_printf("%s/state", be);
    if (hyp->ops->storeWrite(hyp, online, "0") < 0)
        return -1;
    if (xenpvSimBackendState(hyp, be) == XENPV_XENBUS_CONNECTED &&
        hyp->ops->storeWrite(hyp, state, G_STRINGIFY(XENPV_XENBUS_CLOSING)) < 0)
        return -1;

    while (!(closed = xenpvSimBackendState(hyp, be) == XENPV_XENBUS_CLOSED) &&
           g_get_monotonic_time() < deadline)
        g_usleep(XENPV_SIM_DETACH_POLL_US);

    g_string_append_printf(line, " %u %s", domid, kind);
    xenpvSimLineAdd(line, name);
    if (xenpvSimRequestSimple(hyp, line) < 0)
        return -1;
    return closed ? 0 : 1;
}


int
xenpvSimDomainDetachDisk(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                         unsigned int timeoutMs)
{
    return xenpvSimDeviceDetach(hyp, domid, "vbd", vdev, "disk", timeoutMs);
}


int
xenpvSimDomainDetachNic(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                        unsigned int timeoutMs)
{
    return xenpvSimDeviceDetach(hyp, domid, "vif", mac, "network interface", timeoutMs);
}


int
xenpvSimDomainNicSetBridge(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                           const char *bridge)
{
    g_autofree char *be = NULL;
    g_autofree char *path = NULL;
    int devid;

    if ((devid = xenpvSimDeviceFind(hyp, domid, "vif", mac, "network interface")) < 0)
        return -1;
    be = xenpvSimBackendPath("vif", domid, devid);
    path = g_strdup_printf("%s/bridge", be);
    /* What the vif script records when it moves the port. */
    return hyp->ops->storeWrite(hyp, path, bridge);
}
