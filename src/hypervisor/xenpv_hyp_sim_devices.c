/*
 * xenpv_hyp_sim_devices.c: the "sim" back end's view of a domain's disks
 * and network interfaces: the counters dom0's backends keep for them, as
 * requests to xenpv-simhost (docs/simhost.md).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_hyp_sim_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


/* Ask @verb about the device @name of @domid.  Returns 1 with *@reply, or
 * -1 with VIR_ERR_INVALID_ARG when the domain has no such device. */
static int
xenpvSimDeviceRequest(xenpvHypervisor *hyp, const char *verb, uint32_t domid,
                      const char *name, const char *what, xenpvSimMsg **reply)
{
    g_autoptr(GString) line = xenpvSimLineNew(verb);
    int rc;

    g_string_append_printf(line, " %u", domid);
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

    if (xenpvSimDeviceRequest(hyp, "BLKSTATS", domid, vdev, "disk", &reply) < 0)
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

    if (xenpvSimDeviceRequest(hyp, "NICSTATS", domid, mac, "network interface", &reply) < 0)
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
