/*
 * simhost_devices.c: the store nodes Xen's toolstack writes for a domain
 * (its own directory, /vm/UUID, and a frontend/backend pair per device),
 * their connection when the guest boots, and their removal at destroy.
 */
#include <stdlib.h>
#include <string.h>

#include "simhost.h"

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

/* Xen's virtual device number for a disk name (docs/misc/vbd-interface.txt). */
static int
vbdDevid(const char *vdev)
{
    const char *p;
    int disk = 0, part = 0;
    int major;

    if (g_str_has_prefix(vdev, "xvd"))
        major = 202, p = vdev + 3;
    else if (g_str_has_prefix(vdev, "sd"))
        major = 8, p = vdev + 2;
    else if (g_str_has_prefix(vdev, "hd"))
        major = 3, p = vdev + 2;
    else
        return -1;
    if (!g_ascii_islower(*p))
        return -1;
    while (g_ascii_islower(*p))
        disk = disk * 26 + (*p++ - 'a') + 1;
    disk--;
    if (*p)
        part = atoi(p);
    if (major == 3) {
        if (disk > 3)
            return -1;
        return ((disk < 2 ? 3 : 22) << 8) | ((disk % 2) << 6) | part;
    }
    if (disk < 16 && part < 16)
        return (major << 8) | (disk << 4) | part;
    return (1 << 28) | (disk << 8) | part;
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

static void
writeDisks(SimDomain *dom, const xenpvBuildSpec *spec)
{
    size_t i;

    for (i = 0; i < spec->ndisks; i++) {
        const xenpvDiskSpec *disk = &spec->disks[i];
        int devid = vbdDevid(disk->vdev);
        g_autofree char *id = NULL;
        const char *type = disk->backendType ? disk->backendType : "phy";
        g_autofree char *params = NULL;

        /* An unknown name still gets a device, numbered after the rest. */
        id = devid >= 0 ? g_strdup_printf("%d", devid) : g_strdup_printf("%zu", 51712 + i);
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
                "bootable", i == 0 ? "1" : "0",
                disk->shareable ? "shareable" : NULL, "1",
                NULL,
            };

            writeDevicePair(dom, "vbd", id, fe, be);
            simDeviceAdd(dom, SIM_DEVICE_VBD, atoi(id), disk->vdev);
        }
    }
}

static void
writeNics(SimDomain *dom, const xenpvBuildSpec *spec)
{
    size_t i;

    for (i = 0; i < spec->nnics; i++) {
        const xenpvNicSpec *nic = &spec->nics[i];
        g_autofree char *id = g_strdup_printf("%zu", i);
        g_autofree char *vifname = nic->vifname ? g_strdup(nic->vifname) :
            g_strdup_printf("vif%u.%zu", dom->domid, i);
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
        simDeviceAdd(dom, SIM_DEVICE_VIF, i, nic->mac);
    }
}

static void
writeVfb(SimDomain *dom, const xenpvBuildSpec *spec)
{
    gboolean sdl = spec->vfbType && strcmp(spec->vfbType, "sdl") == 0;
    const char *be[] = {
        "vnc", sdl ? "0" : "1",
        "sdl", sdl ? "1" : "0",
        "vnclisten", "127.0.0.1",
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

/* The guest's frontends and dom0's backends reach "connected" (4). */
void
simDevicesConnect(SimDomain *dom)
{
    SimStore *st = dom->host->store;
    g_autofree char *devDir = simDomainPath(dom, "device");
    g_autoptr(GPtrArray) kinds = simStoreList(st, devDir, NULL);
    guint k, d;

    for (k = 0; kinds && k < kinds->len; k++) {
        g_autofree char *kindDir = g_strconcat(devDir, "/", g_ptr_array_index(kinds, k), NULL);
        g_autoptr(GPtrArray) ids = simStoreList(st, kindDir, NULL);

        for (d = 0; ids && d < ids->len; d++) {
            g_autofree char *fe = g_strconcat(kindDir, "/", g_ptr_array_index(ids, d), NULL);
            g_autofree char *beKey = g_strconcat(fe, "/backend", NULL);
            const char *be = simStoreRead(st, beKey);

            storeSet(st, fe, "state", "4");
            if (be && *be && simStoreRead(st, be))
                storeSet(st, be, "state", "4");
        }
    }
    for (d = 0; d < dom->devices->len; d++)
        simIoDeviceConnected(dom, g_ptr_array_index(dom->devices, d));
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
