/*
 * xenpv_hyp_xen_stats.c: the counters dom0 keeps for a guest's devices on
 * a real Xen host: blkback's per-device statistics in sysfs
 * (/sys/bus/xen-backend/devices/vbd-DOMID-DEVID/statistics), and the vif's
 * network counters (/sys/class/net/VIF/statistics), turned around to the
 * guest's side: what the vif sends is what the guest receives.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_stats");

#define XENPV_XEN_VBD_SYSFS "/sys/bus/xen-backend/devices"
#define XENPV_XEN_NET_SYSFS "/sys/class/net"
/* blkback counts 512-byte sectors, whatever the device's own sector size. */
#define XENPV_XEN_SECTOR_BYTES 512


/* One counter file: its number, or -1 when it cannot be read. */
static int64_t
xenpvXenReadCounter(const char *dir, const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, name);
    g_autofree char *text = NULL;
    unsigned long long value;

    if (virFileReadAllQuiet(path, 64, &text) < 0 ||
        virStrToLong_ullp(g_strstrip(text), NULL, 10, &value) < 0)
        return -1;
    return (int64_t)value;
}


int
xenpvXenDomainBlockStats(xenpvHypervisor *hyp G_GNUC_UNUSED, uint32_t domid,
                         const char *vdev, xenpvBlockStats *stats)
{
    int devid = xenpvDiskDevid(vdev);
    g_autofree char *dir = NULL;
    int64_t rdSect;
    int64_t wrSect;

    if (devid < 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("'%s' is not a Xen disk name (xvdX, sdX, hdX)"), vdev);
        return -1;
    }
    dir = g_strdup_printf(XENPV_XEN_VBD_SYSFS "/vbd-%u-%d/statistics", domid, devid);
    if (!virFileIsDir(dir)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain %u has no disk %s served by blkback (no %s)"),
                       domid, vdev, dir);
        return -1;
    }
    rdSect = xenpvXenReadCounter(dir, "rd_sect");
    wrSect = xenpvXenReadCounter(dir, "wr_sect");
    stats->rdReq = xenpvXenReadCounter(dir, "rd_req");
    stats->wrReq = xenpvXenReadCounter(dir, "wr_req");
    stats->rdBytes = rdSect < 0 ? -1 : rdSect * XENPV_XEN_SECTOR_BYTES;
    stats->wrBytes = wrSect < 0 ? -1 : wrSect * XENPV_XEN_SECTOR_BYTES;
    stats->flReq = xenpvXenReadCounter(dir, "f_req");
    /* Requests blkback could not serve ("out of requests"). */
    stats->errs = xenpvXenReadCounter(dir, "oo_req");
    return 0;
}


int
xenpvXenDomainNicStats(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                       xenpvNicStats *stats)
{
    g_autofree char *vif = NULL;
    g_autofree char *dir = NULL;

    if (!(vif = xenpvXenNicName(hyp->priv, domid, mac, NULL)))
        return -1;
    dir = g_strdup_printf(XENPV_XEN_NET_SYSFS "/%s/statistics", vif);
    if (!virFileIsDir(dir)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the vif %s of domain %u has no counters in %s"), vif, domid, dir);
        return -1;
    }
    stats->rxBytes = xenpvXenReadCounter(dir, "tx_bytes");
    stats->rxPackets = xenpvXenReadCounter(dir, "tx_packets");
    stats->rxErrs = xenpvXenReadCounter(dir, "tx_errors");
    stats->rxDrop = xenpvXenReadCounter(dir, "tx_dropped");
    stats->txBytes = xenpvXenReadCounter(dir, "rx_bytes");
    stats->txPackets = xenpvXenReadCounter(dir, "rx_packets");
    stats->txErrs = xenpvXenReadCounter(dir, "rx_errors");
    stats->txDrop = xenpvXenReadCounter(dir, "rx_dropped");
    return 0;
}
