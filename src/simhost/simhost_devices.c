/*
 * simhost_devices.c: the store nodes Xen's toolstack writes for a domain
 * (its own directory, /vm/UUID, and a frontend/backend pair per device,
 * at build or hot-plugged later), and their removal.  How the two ends of
 * each device then connect is simhost_xenbus.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "simhost.h"
#include "xenpv_simproto.h"

/* Backend device kinds a domain may have, for removal. */
static const char *const deviceKinds[] = { "vbd", "vif", "vfb", "vkbd", "console" };

char *
simDomainPath(SimDomain *dom, const char *rel)
{
    return g_strdup_printf("/local/domain/%u/%s", dom->domid, rel);
}


static void
domWrite(SimDomain *dom, const char *rel, const char *value)
{
    g_autofree char *path = simDomainPath(dom, rel);

    simStoreWrite(dom->host->store, path, value, NULL);
}


static void
storeSet(SimStore *st, const char *dir, const char *key, const char *value)
{
    g_autofree char *path = g_strconcat(dir, "/", key, NULL);

    simStoreWrite(st, path, value ? value : "", NULL);
}


/* One device: the frontend in the guest's directory, the backend in dom0's,
 * each pointing at the other, both "initialising" (1) until the guest
 * connects.  @extraFe/@extraBe are NULL-terminated key, value lists. */
static void
writeDevicePair(SimDomain *dom, const char *kind, const char *devid,
                const char *const *extraFe, const char *const *extraBe)
{
    SimStore *st = dom->host->store;
    g_autofree char *fe = g_strdup_printf("/local/domain/%u/device/%s/%s",
                                          dom->domid, kind, devid);
    g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u/%s",
                                          kind, dom->domid, devid);
    g_autofree char *domid = g_strdup_printf("%u", dom->domid);
    size_t i;

    storeSet(st, fe, "backend", be);
    storeSet(st, fe, "backend-id", "0");
    storeSet(st, fe, "state", "1");
    for (i = 0; extraFe && extraFe[i]; i += 2)
        storeSet(st, fe, extraFe[i], extraFe[i + 1]);
    storeSet(st, be, "frontend", fe);
    storeSet(st, be, "frontend-id", domid);
    storeSet(st, be, "online", "1");
    storeSet(st, be, "state", "1");
    for (i = 0; extraBe && extraBe[i]; i += 2)
        storeSet(st, be, extraBe[i], extraBe[i + 1]);
}


/* The device of that kind whose backend directory exists with @id. */
static gboolean
backendExists(SimDomain *dom, const char *kind, const char *id)
{
    g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u/%s",
                                          kind, dom->domid, id);

    return simStoreRead(dom->host->store, be) != NULL;
}


int
simDevicesAddDisk(SimDomain *dom, const xenpvDiskSpec *disk, int index, GError **error)
{
    int devid = xenpvDiskDevid(disk->vdev);
    g_autofree char *id = NULL;
    const char *type = disk->backendType ? disk->backendType : "phy";
    g_autofree char *params = NULL;

    /* At build an unknown name still gets a device, numbered after the
     * rest; a hot-plugged one (@index < 0) must be a disk name. */
    if (devid < 0 && index >= 0)
        devid = 51712 + index;
    if (devid < 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "'%s' is not a Xen disk name (xvdX, sdX, hdX)", disk->vdev);
        return -1;
    }
    id = g_strdup_printf("%d", devid);
    if (simDeviceFind(dom, SIM_DEVICE_VBD, disk->vdev) || backendExists(dom, "vbd", id)) {
        g_set_error(error, XENPV_SIM_ERROR, EEXIST,
                    "domain %u already has a disk %s", dom->domid, disk->vdev);
        return -1;
    }
    /* As libxl writes it for QEMU's qdisk: the image format first
     * ("aio" for raw); blkback takes the path alone. */
    if (g_str_equal(type, "qdisk")) {
        const char *format = disk->format ? disk->format : "raw";

        if (g_str_equal(format, "raw"))
            format = "aio";
        params = g_strdup_printf("%s:%s", format, disk->source ? disk->source : "");
    } else {
        params = g_strdup(disk->source ? disk->source : "");
    }
    {
        const char *fe[] = {
            "virtual-device", id,
            "device-type", "disk",
            NULL,
        };
        const char *be[] = {
            "params", params,
            "type", type,
            "mode", disk->readonly ? "r" : "w",
            "dev", disk->vdev,
            "device-type", "disk",
            "removable", "0",
            "bootable", index == 0 ? "1" : "0",
            disk->shareable ? "shareable" : NULL, "1",
            NULL,
        };

        writeDevicePair(dom, "vbd", id, fe, be);
    }
    simDeviceAdd(dom, SIM_DEVICE_VBD, devid, disk->vdev);
    return devid;
}


int
simDevicesAddNic(SimDomain *dom, const xenpvNicSpec *nic, int devid, GError **error)
{
    g_autofree char *id = NULL;
    g_autofree char *vifname = NULL;
    guint i;

    if (simDeviceFind(dom, SIM_DEVICE_VIF, nic->mac)) {
        g_set_error(error, XENPV_SIM_ERROR, EEXIST,
                    "domain %u already has a network interface with MAC address %s",
                    dom->domid, nic->mac);
        return -1;
    }
    /* A hot-plugged interface takes the first free number, as Xen's
     * toolstack numbers them. */
    if (devid < 0) {
        for (devid = 0; ; devid++) {
            gboolean used = FALSE;

            for (i = 0; i < dom->devices->len && !used; i++) {
                SimDevice *dev = g_ptr_array_index(dom->devices, i);

                used = dev->kind == SIM_DEVICE_VIF && dev->devid == (guint)devid;
            }
            g_free(id);
            id = g_strdup_printf("%d", devid);
            if (!used && !backendExists(dom, "vif", id))
                break;
        }
    }
    g_free(id);
    id = g_strdup_printf("%d", devid);
    vifname = nic->vifname ? g_strdup(nic->vifname) : g_strdup_printf("vif%u.%d", dom->domid, devid);
    {
        const char *fe[] = { "handle", id, "mac", nic->mac, NULL };
        const char *be[] = {
            "handle", id,
            "mac", nic->mac,
            "bridge", nic->bridge ? nic->bridge : "xenbr0",
            "script", nic->script ? nic->script : "/etc/xen/scripts/vif-bridge",
            "vifname", vifname,
            "type", "vif",
            nic->ip ? "ip" : NULL, nic->ip,
            NULL,
        };

        writeDevicePair(dom, "vif", id, fe, be);
    }
    simDeviceAdd(dom, SIM_DEVICE_VIF, devid, nic->mac);
    return devid;
}


gboolean
simDevicesRemoveOne(SimDomain *dom, SimDeviceKind kind, const char *name, GError **error)
{
    SimDevice *dev = simDeviceFind(dom, kind, name);
    const char *dir = kind == SIM_DEVICE_VBD ? "vbd" : "vif";
    g_autofree char *fe = NULL;
    g_autofree char *be = NULL;

    if (!dev) {
        g_set_error(error, XENPV_SIM_ERROR, ENOENT, "domain %u has no %s %s", dom->domid,
                    kind == SIM_DEVICE_VBD ? "disk" : "network interface", name);
        return FALSE;
    }
    fe = g_strdup_printf("/local/domain/%u/device/%s/%u", dom->domid, dir, dev->devid);
    be = g_strdup_printf("/local/domain/0/backend/%s/%u/%u", dir, dom->domid, dev->devid);
    simIoDeviceDisconnected(dom, dev);
    simStoreRemove(dom->host->store, fe, NULL);
    simStoreRemove(dom->host->store, be, NULL);
    g_ptr_array_remove(dom->devices, dev);
    return TRUE;
}


static void
writeDisks(SimDomain *dom, const xenpvBuildSpec *spec)
{
    size_t i;

    for (i = 0; i < spec->ndisks; i++) {
        g_autoptr(GError) err = NULL;

        if (simDevicesAddDisk(dom, &spec->disks[i], i, &err) < 0)
            g_warning("domain %u: disk %zu left out: %s", dom->domid, i, err->message);
    }
}


static void
writeNics(SimDomain *dom, const xenpvBuildSpec *spec)
{
    size_t i;

    for (i = 0; i < spec->nnics; i++) {
        g_autoptr(GError) err = NULL;

        if (simDevicesAddNic(dom, &spec->nics[i], i, &err) < 0)
            g_warning("domain %u: interface %zu left out: %s", dom->domid, i, err->message);
    }
}


static void
writeVfb(SimDomain *dom, const xenpvBuildSpec *spec)
{
    gboolean sdl = spec->vfbType && strcmp(spec->vfbType, "sdl") == 0;
    g_autofree char *display = g_strdup_printf("%d", MAX(spec->vncPort - 5900, 0));
    const char *be[] = {
        "vnc", sdl ? "0" : "1",
        "sdl", sdl ? "1" : "0",
        "vnclisten", spec->vncListen ? spec->vncListen : "127.0.0.1",
        "vncdisplay", display,
        "vncunused", "0",
        NULL,
    };

    writeDevicePair(dom, "vfb", "0", NULL, be);
    /* The toolstack pairs a framebuffer with a PV keyboard. */
    writeDevicePair(dom, "vkbd", "0", NULL, NULL);
}


void
simDevicesWrite(SimDomain *dom, const xenpvBuildSpec *spec)
{
    SimStore *st = dom->host->store;
    g_autofree char *vm = g_strdup_printf("/vm/%s", dom->uuidStr);
    g_autofree char *domid = g_strdup_printf("%u", dom->domid);
    g_autofree char *maxKib = g_strdup_printf("%" G_GUINT64_FORMAT,
                                              XENPV_PAGES_TO_KIB(dom->maxPages));
    g_autofree char *targetKib = g_strdup_printf("%" G_GUINT64_FORMAT,
                                                 XENPV_PAGES_TO_KIB(dom->nrPages));
    g_autofree char *startTime = g_strdup_printf("%.2f", g_get_real_time() / 1e6);
    const char *tty = simConsoleTty(dom->console);
    guint i;

    storeSet(st, vm, "uuid", dom->uuidStr);
    storeSet(st, vm, "name", dom->name);
    storeSet(st, vm, "image/ostype", "linux");
    storeSet(st, vm, "image/kernel", spec->kernel);
    storeSet(st, vm, "image/ramdisk", spec->ramdisk);
    storeSet(st, vm, "image/cmdline", spec->cmdline);
    storeSet(st, vm, "start_time", startTime);

    domWrite(dom, "name", dom->name);
    domWrite(dom, "domid", domid);
    domWrite(dom, "vm", vm);
    domWrite(dom, "memory/static-max", maxKib);
    domWrite(dom, "memory/target", targetKib);
    domWrite(dom, "control/shutdown", "");
    domWrite(dom, "control/platform-feature-multiprocessor-suspend", "1");
    domWrite(dom, "console/type", "xenconsoled");
    domWrite(dom, "console/limit", "1048576");
    domWrite(dom, "console/tty", tty ? tty : "");
    domWrite(dom, "device", "");
    domWrite(dom, "data", "");
    for (i = 0; i < dom->maxVcpus; i++) {
        g_autofree char *rel = g_strdup_printf("cpu/%u/availability", i);

        domWrite(dom, rel, dom->vcpus[i].online ? "online" : "offline");
    }
    writeDisks(dom, spec);
    writeNics(dom, spec);
    if (spec->vfb)
        writeVfb(dom, spec);
}


static gboolean
uuidInUse(SimDomain *dom)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, dom->host->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        SimDomain *other = value;

        if (other != dom && memcmp(other->uuid, dom->uuid, 16) == 0)
            return TRUE;
    }
    return FALSE;
}


void
simDevicesRemove(SimDomain *dom)
{
    SimStore *st = dom->host->store;
    g_autofree char *self = g_strdup_printf("/local/domain/%u", dom->domid);
    size_t i;

    simStoreRemove(st, self, NULL);
    for (i = 0; i < G_N_ELEMENTS(deviceKinds); i++) {
        g_autofree char *be = g_strdup_printf("/local/domain/0/backend/%s/%u",
                                              deviceKinds[i], dom->domid);

        simStoreRemove(st, be, NULL);
    }
    /* During a local migration or restore two domains share a UUID. */
    if (!uuidInUse(dom)) {
        g_autofree char *vm = g_strdup_printf("/vm/%s", dom->uuidStr);

        simStoreRemove(st, vm, NULL);
    }
}
