/*
 * simhost_io.c: the I/O a simulated guest does on its devices, as dom0's
 * backends count it (blkback's statistics, the vif's counters): a burst
 * while it boots, then a steady rate set by its workload (simhost.md).
 *
 * Nothing ticks for it: the counters are brought up to date whenever they
 * are read and whenever the guest's state or rates change (with its CPU
 * time), so idle guests still cost no timer.
 */
#include <math.h>
#include <string.h>

#include "simhost.h"

/* A disk request, and a network packet, at most. */
#define SIM_IO_REQUEST_BYTES (64 * 1024)
#define SIM_IO_PACKET_BYTES 1500
/* A flush every this many write requests (a journal commit). */
#define SIM_IO_WRITES_PER_FLUSH 16
/* What booting reads from each disk, and a DHCP exchange on each NIC. */
#define SIM_IO_BOOT_READ_BYTES (1024 * 1024)
#define SIM_IO_DHCP_BYTES 684


SimDevice *
simDeviceAdd(SimDomain *dom, SimDeviceKind kind, guint devid, const char *name)
{
    SimDevice *dev = g_new0(SimDevice, 1);

    dev->kind = kind;
    dev->devid = devid;
    dev->name = g_strdup(name);
    g_ptr_array_add(dom->devices, dev);
    return dev;
}


void
simDeviceFree(gpointer data)
{
    SimDevice *dev = data;

    if (!dev)
        return;
    g_free(dev->name);
    g_free(dev);
}


SimDevice *
simDeviceFind(SimDomain *dom, SimDeviceKind kind, const char *name)
{
    guint i;

    for (i = 0; i < dom->devices->len; i++) {
        SimDevice *dev = g_ptr_array_index(dom->devices, i);

        if (dev->kind == kind && g_ascii_strcasecmp(dev->name, name) == 0)
            return dev;
    }
    return NULL;
}


static guint
simIoConnected(SimDomain *dom, SimDeviceKind kind)
{
    guint i;
    guint n = 0;

    for (i = 0; i < dom->devices->len; i++) {
        SimDevice *dev = g_ptr_array_index(dom->devices, i);

        n += dev->kind == kind && dev->connected ? 1 : 0;
    }
    return n;
}


void
simIoAccrue(SimDomain *dom, gint64 now)
{
    double seconds = now > dom->ioSince ? (now - dom->ioSince) / (double)G_USEC_PER_SEC : 0;
    guint disks = simIoConnected(dom, SIM_DEVICE_VBD);
    guint nics = simIoConnected(dom, SIM_DEVICE_VIF);
    guint i;

    dom->ioSince = now;
    if (!simDomainIsRunning(dom) || seconds <= 0)
        return;
    /* A workload's rate is shared among the devices that carry it. */
    for (i = 0; i < dom->devices->len; i++) {
        SimDevice *dev = g_ptr_array_index(dom->devices, i);

        if (!dev->connected)
            continue;
        if (dev->kind == SIM_DEVICE_VBD) {
            dev->readBytes += seconds * dom->ioRates.diskReadBps / disks;
            dev->writeBytes += seconds * dom->ioRates.diskWriteBps / disks;
        } else {
            dev->readBytes += seconds * dom->ioRates.netRxBps / nics;
            dev->writeBytes += seconds * dom->ioRates.netTxBps / nics;
        }
    }
}


void
simIoDeviceConnected(SimDomain *dom, SimDevice *dev)
{
    if (dev->connected)
        return;
    simDomainAccrueCpu(dom);
    dev->connected = TRUE;
    if (dev->kind == SIM_DEVICE_VBD) {
        dev->readBytes += SIM_IO_BOOT_READ_BYTES;
    } else {
        dev->readBytes += SIM_IO_DHCP_BYTES;
        dev->writeBytes += SIM_IO_DHCP_BYTES;
    }
}


void
simIoDeviceDisconnected(SimDomain *dom, SimDevice *dev)
{
    simDomainAccrueCpu(dom);
    dev->connected = FALSE;
}


/* Whole requests (or packets) carrying @bytes. */
static guint64
simIoUnits(double bytes, guint unit)
{
    return (guint64)ceil(bytes / unit);
}


void
simIoBlockStats(SimDomain *dom, SimDevice *dev, xenpvBlockStats *stats)
{
    simDomainAccrueCpu(dom);
    stats->rdBytes = (gint64)dev->readBytes;
    stats->wrBytes = (gint64)dev->writeBytes;
    stats->rdReq = simIoUnits(dev->readBytes, SIM_IO_REQUEST_BYTES);
    stats->wrReq = simIoUnits(dev->writeBytes, SIM_IO_REQUEST_BYTES);
    stats->flReq = stats->wrReq / SIM_IO_WRITES_PER_FLUSH;
    stats->errs = 0;
}


void
simIoNicStats(SimDomain *dom, SimDevice *dev, xenpvNicStats *stats)
{
    simDomainAccrueCpu(dom);
    stats->rxBytes = (gint64)dev->readBytes;
    stats->txBytes = (gint64)dev->writeBytes;
    stats->rxPackets = simIoUnits(dev->readBytes, SIM_IO_PACKET_BYTES);
    stats->txPackets = simIoUnits(dev->writeBytes, SIM_IO_PACKET_BYTES);
    stats->rxErrs = stats->rxDrop = stats->txErrs = stats->txDrop = 0;
}
