/*
 * xenpv_migration_preflight.c: what the destination checks at Prepare,
 * before any data moves, so that a migration that cannot work is refused
 * with its cause while the guest keeps running on the source.
 */
#include <unistd.h>

#include "xenpv_migration_priv.h"

#include "virerror.h"
#include "virfile.h"
#include "viruuid.h"

#include "xenpv_capabilities.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


/* Guests live on storage both hosts see: the paths the definition names
 * must be there. */
static int
xenpvMigrationPreflightPath(const char *path, const char *what, const virDomainDef *def)
{
    if (!path || access(path, F_OK) == 0)
        return 0;
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("this host cannot see '%s', the %s of domain '%s': a migration needs storage both hosts share, as with NFS or a SAN"),
                   path, what, def->name);
    return -1;
}


static int
xenpvMigrationPreflightStorage(const virDomainDef *def)
{
    size_t i;

    if (!def->os.bootloader &&
        (xenpvMigrationPreflightPath(def->os.kernel, _("kernel"), def) < 0 ||
         xenpvMigrationPreflightPath(def->os.initrd, _("ramdisk"), def) < 0))
        return -1;
    for (i = 0; i < def->ndisks; i++) {
        virDomainDiskDef *disk = def->disks[i];
        int type = virDomainDiskGetType(disk);
        g_autofree char *what = NULL;

        if (type != VIR_STORAGE_TYPE_FILE && type != VIR_STORAGE_TYPE_BLOCK)
            continue;
        what = g_strdup_printf(_("disk %s"), disk->dst);
        if (xenpvMigrationPreflightPath(virDomainDiskGetSource(disk), what, def) < 0)
            return -1;
    }
    return 0;
}


/* Neither the name nor the UUID may belong to a domain running here. */
static int
xenpvMigrationPreflightClash(xenpvDriver *driver, const virDomainDef *def)
{
    virDomainObj *vm;
    bool running = false;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if ((vm = virDomainObjListFindByUUID(driver->domains, def->uuid))) {
        running = virDomainObjIsActive(vm);
        virDomainObjEndAPI(&vm);
    }
    if (running) {
        virUUIDFormat(def->uuid, uuidstr);
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("a domain with UUID %s (that of '%s') is already running on this host"),
                       uuidstr, def->name);
        return -1;
    }
    if ((vm = virDomainObjListFindByName(driver->domains, def->name))) {
        running = virDomainObjIsActive(vm);
        virDomainObjEndAPI(&vm);
    }
    if (running) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("a domain named '%s' is already running on this host"), def->name);
        return -1;
    }
    return 0;
}


/* What moving the guest itself needs: the same stream format, log-dirty
 * at the source for a live migration, its ABI, its memory. */
static int
xenpvMigrationPreflightGuest(xenpvDriver *driver, const virDomainDef *def,
                             const xenpvMigrationCookie *src, unsigned long flags,
                             const char *peer)
{
    xenpvHostInfo host = { 0 };
    g_autofree char *what = NULL;
    unsigned long long freeKiB;

    if (xenpvDriverCheckStream(driver, src->streamFormat, src->streamVersion, peer) < 0)
        return -1;
    if ((flags & VIR_MIGRATE_LIVE) && !src->logDirty) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s cannot track the pages a running guest dirties (its hypervisor has no log-dirty mode), so domain '%s' cannot migrate live: migrate it without --live (it is then suspended and copied once)"),
                       peer, def->name);
        return -1;
    }
    if (!XENPV_HYP_HAS(driver, getHostInfo) ||
        driver->hyp.ops->getHostInfo(&driver->hyp, &host) < 0)
        return -1;
    /* The stream restores into what the guest ran in at the source: a PV
     * domain of its ABI, or the PV-shim's PVH container. */
    what = g_strdup_printf(_("the guest of domain '%s'"), def->name);
    if (xenpvCapabilitiesCheckRestore(&host, VIR_ARCH_NONE, src->abi,
                                      xenpvDriverStreamContainer(driver, src->streamFormat),
                                      what) < 0)
        return -1;
    freeKiB = XENPV_PAGES_TO_KIB(host.freePages);
    if (src->memoryKiB > freeKiB) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("not enough free memory on this host for domain '%s': it has %llu KiB, this host %llu KiB free"),
                       def->name, src->memoryKiB, freeKiB);
        return -1;
    }
    return 0;
}


int
xenpvMigrationPreflight(xenpvDriver *driver, virDomainDef *def,
                        const xenpvMigrationCookie *src, unsigned long flags,
                        const char *peer)
{
    xenpvDriverConfig *cfg = driver->config;
    unsigned char hostUUID[VIR_UUID_BUFLEN];

    if (virGetHostUUID(hostUUID) == 0 &&
        memcmp(hostUUID, src->hostUUID, VIR_UUID_BUFLEN) == 0) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("%s is this very host (the same host UUID): a guest cannot migrate to the host it runs on"),
                       peer);
        return -1;
    }
    virResetLastError();
    if (memcmp(def->uuid, src->uuid, VIR_UUID_BUFLEN) != 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("the definition %s sent is not that of the domain it migrates"), peer);
        return -1;
    }

    if (!(flags & VIR_MIGRATE_OFFLINE)) {
        if (!xenpvMigrationAllowName(cfg->migrationAllow, src->hostname)) {
            virReportError(VIR_ERR_OPERATION_DENIED,
                           _("this host takes migrations only from the hosts migration_allow names in %s, and %s is not one of them"),
                           cfg->configFile, peer);
            return -1;
        }
        if (!(src->parts & XENPV_COOKIE_GUEST)) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("%s sent no description of the running guest"), peer);
            return -1;
        }
        if (xenpvMigrationPreflightGuest(driver, def, src, flags, peer) < 0)
            return -1;
    }
    if (xenpvMigrationPreflightClash(driver, def) < 0 ||
        xenpvMigrationPreflightStorage(def) < 0)
        return -1;
    return 0;
}
