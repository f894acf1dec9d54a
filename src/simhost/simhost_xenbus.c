/*
 * simhost_xenbus.c: both ends of every device's xenbus handshake, as
 * Linux runs them: dom0's backend drivers (blkback, netback, and QEMU for
 * the framebuffer and keyboard) with the hotplug scripts that prepare them,
 * and the guest's frontend drivers.  Each end only reacts to what the
 * other end and the toolstack write in the store:
 *
 *   toolstack  writes both directories in state 1 (Initialising), online=1
 *   backend    1 -> 2 (InitWait); its hotplug script says "connected"
 *   frontend   sees 2: writes its ring references, 1 -> 3 (Initialised)
 *   backend    sees 3: 2 -> 4 (Connected)
 *   frontend   sees 4: 3 -> 4; the device carries I/O
 *   toolstack  online=0, backend state 5 (Closing): the detach request
 *   frontend   sees 5: 4 -> 5 -> 6 (Closed); the guest has let go
 *   backend    offline and the frontend closed or gone: -> 6 (Closed)
 *
 * Frontends are the guest's: a guest that is paused, shut down or not yet
 * booted answers nothing until it runs again, and one that has a disk
 * mounted holds it in Closing until it is unmounted, so a toolstack
 * waiting for it (a detach) waits.  Backends are dom0's and answer whatever the guest
 * does.  The directories themselves come and go only by the toolstack
 * (CREATE, DEVICE-ADD, DEVICE-REMOVE, DESTROY).
 */
#include <stdlib.h>
#include <string.h>

#include "simhost.h"

/* How long either end takes to notice the other. */
#define SIM_XENBUS_REACT_MS 5
/* Rounds of a settle: each end answering the other, a whole handshake. */
#define SIM_XENBUS_MAX_ROUNDS 8

static const char *const xenbusKinds[] = { "vbd", "vif", "vfb", "vkbd" };


static int
readState(SimStore *st, const char *dir)
{
    g_autofree char *path = g_strconcat(dir, "/state", NULL);
    const char *value = simStoreRead(st, path);

    return value ? atoi(value) : 0;
}


static const char *
readNode(SimStore *st, const char *dir, const char *key)
{
    g_autofree char *path = g_strconcat(dir, "/", key, NULL);

    return simStoreRead(st, path);
}


static void
writeNode(SimStore *st, const char *dir, const char *key, const char *value)
{
    g_autofree char *path = g_strconcat(dir, "/", key, NULL);

    simStoreWrite(st, path, value, NULL);
}


static void
writeState(SimStore *st, const char *dir, int state)
{
    g_autofree char *value = g_strdup_printf("%d", state);

    writeNode(st, dir, "state", value);
}


/* The guest's side of one device: the rings it shares with the backend. */
static void
frontendInitialise(SimDomain *dom, const char *kind, const char *fe, guint devid)
{
    SimStore *st = dom->host->store;
    g_autofree char *ref = g_strdup_printf("%u", 8 + devid * 4);
    g_autofree char *port = g_strdup_printf("%u", 4 + devid);

    if (strcmp(kind, "vif") == 0) {
        writeNode(st, fe, "tx-ring-ref", ref);
        writeNode(st, fe, "rx-ring-ref", ref);
        writeNode(st, fe, "request-rx-copy", "1");
        writeNode(st, fe, "feature-rx-notify", "1");
    } else if (strcmp(kind, "vbd") == 0) {
        const char *protocol = dom->abi == XENPV_GUEST_ABI_X86_64 ? "x86_64-abi" : "x86_32-abi";

        writeNode(st, fe, "ring-ref", ref);
        writeNode(st, fe, "protocol", protocol);
    } else {
        writeNode(st, fe, "page-ref", ref);
    }
    writeNode(st, fe, "event-channel", port);
    writeState(st, fe, XENPV_XENBUS_INITIALISED);
}


/* What the guest's kernel prints when a device comes or goes. */
static void
frontendAnnounce(SimDomain *dom, const char *kind, guint devid, const char *be,
                 gboolean up)
{
    SimStore *st = dom->host->store;

    if (strcmp(kind, "vbd") == 0) {
        const char *what = "device closed";

        if (up)
            what = "barrier or flush: enabled; persistent grants: enabled";
        simGuestPrintf(dom, "xen_blkfront: %s: %s\n", readNode(st, be, "dev") ?: "?", what);
    } else if (strcmp(kind, "vif") == 0) {
        simGuestPrintf(dom, "xen_netfront: eth%u (%s): %s\n", devid,
                       readNode(st, be, "mac") ?: "?", up ? "link up" : "removed");
    }
}


static SimDevice *
deviceOf(SimDomain *dom, const char *kind, guint devid)
{
    SimDeviceKind k;
    guint i;

    if (strcmp(kind, "vbd") == 0)
        k = SIM_DEVICE_VBD;
    else if (strcmp(kind, "vif") == 0)
        k = SIM_DEVICE_VIF;
    else
        return NULL;
    for (i = 0; i < dom->devices->len; i++) {
        SimDevice *dev = g_ptr_array_index(dom->devices, i);

        if (dev->kind == k && dev->devid == devid)
            return dev;
    }
    return NULL;
}


/* One step of one device's handshake; TRUE if anything changed. */
static gboolean
stepDevice(SimDomain *dom, const char *kind, const char *be, guint devid, gboolean running)
{
    SimStore *st = dom->host->store;
    const char *fe = readNode(st, be, "frontend");
    const char *online = readNode(st, be, "online");
    gboolean isOnline = online && strcmp(online, "1") == 0;
    gboolean feThere = fe && *fe && simStoreRead(st, fe);
    int beState = readState(st, be);
    int feState = feThere ? readState(st, fe) : 0;
    SimDevice *dev = deviceOf(dom, kind, devid);
    const char *hotplug = readNode(st, be, "hotplug-status");

    /* dom0: the backend probes; the hotplug script prepares its side. */
    if (beState == XENPV_XENBUS_INITIALISING && isOnline) {
        writeNode(st, be, "hotplug-status", "connected");
        writeState(st, be, XENPV_XENBUS_INITWAIT);
        return TRUE;
    }
    if (beState == XENPV_XENBUS_INITWAIT && feState == XENPV_XENBUS_INITIALISED &&
        g_strcmp0(hotplug, "connected") == 0) {
        if (strcmp(kind, "vbd") == 0) {
            writeNode(st, be, "sector-size", "512");
            writeNode(st, be, "info", g_strcmp0(readNode(st, be, "mode"), "r") == 0 ? "4" : "0");
        }
        writeState(st, be, XENPV_XENBUS_CONNECTED);
        return TRUE;
    }
    if (!isOnline && beState >= XENPV_XENBUS_INITWAIT && beState < XENPV_XENBUS_CLOSED &&
        (!feThere || feState == XENPV_XENBUS_CLOSED || feState == XENPV_XENBUS_INITIALISING)) {
        writeState(st, be, XENPV_XENBUS_CLOSED);
        return TRUE;
    }

    /* The guest: only while it runs. */
    if (!running || !feThere)
        return FALSE;
    if (feState == XENPV_XENBUS_INITIALISING && beState == XENPV_XENBUS_INITWAIT) {
        frontendInitialise(dom, kind, fe, devid);
        return TRUE;
    }
    if (feState == XENPV_XENBUS_INITIALISED && beState == XENPV_XENBUS_CONNECTED) {
        writeState(st, fe, XENPV_XENBUS_CONNECTED);
        frontendAnnounce(dom, kind, devid, be, TRUE);
        if (dev)
            simIoDeviceConnected(dom, dev);
        return TRUE;
    }
    if (beState == XENPV_XENBUS_CLOSING && feState >= XENPV_XENBUS_INITIALISED &&
        feState < XENPV_XENBUS_CLOSED) {
        /* A device in use is held in Closing until the guest lets it go. */
        if (dev && dev->inUse) {
            if (feState == XENPV_XENBUS_CLOSING)
                return FALSE;
            writeState(st, fe, XENPV_XENBUS_CLOSING);
            simGuestPrintf(dom, "xen_blkfront: %s: device in use; deferring close until it is released\n",
                           dev->name);
            return TRUE;
        }
        /* Linux passes through Closing on its way to Closed. */
        writeState(st, fe, XENPV_XENBUS_CLOSING);
        writeState(st, fe, XENPV_XENBUS_CLOSED);
        frontendAnnounce(dom, kind, devid, be, FALSE);
        if (dev)
            simIoDeviceDisconnected(dom, dev);
        return TRUE;
    }
    return FALSE;
}


/* One round over every device of @dom; TRUE if anything changed. */
static gboolean
stepAll(SimDomain *dom)
{
    SimStore *st = dom->host->store;
    gboolean running = simDomainIsRunning(dom) && dom->everRun;
    gboolean changed = FALSE;
    size_t k;
    guint i;

    for (k = 0; k < G_N_ELEMENTS(xenbusKinds); k++) {
        g_autofree char *dir = g_strdup_printf("/local/domain/0/backend/%s/%u",
                                               xenbusKinds[k], dom->domid);
        g_autoptr(GPtrArray) ids = simStoreList(st, dir, NULL);

        for (i = 0; ids && i < ids->len; i++) {
            const char *id = g_ptr_array_index(ids, i);
            g_autofree char *be = g_strconcat(dir, "/", id, NULL);

            changed |= stepDevice(dom, xenbusKinds[k], be, atoi(id), running);
        }
    }
    return changed;
}


void
simXenbusSettle(SimDomain *dom)
{
    guint round;

    for (round = 0; round < SIM_XENBUS_MAX_ROUNDS && stepAll(dom); round++)
        ;
}


static gboolean
simXenbusReact(gpointer opaque)
{
    SimDomain *dom = opaque;

    dom->xenbusSource = 0;
    simXenbusSettle(dom);
    return G_SOURCE_REMOVE;
}


void
simXenbusKick(SimDomain *dom)
{
    if (!dom->xenbusSource)
        dom->xenbusSource = g_timeout_add(SIM_XENBUS_REACT_MS, simXenbusReact, dom);
}
