/*
 * xenpv_dirs.c: where the driver keeps its files, and what libvirt's own
 * Xen driver (libxl) keeps beside them.
 *
 * A persistent definition is libvirt's domain XML, the same for both
 * drivers, so the driver keeps definitions and autostart links where
 * libxl keeps them (/etc/libvirt/libxl): a host that switches from one
 * driver to the other, either way, keeps its guests with no step of its
 * own.  Status XML, managed save images and logs carry each driver's
 * private data and stay apart (.../xenpv).  What libxl left in its own
 * directories is looked at before a guest starts: its status file (the
 * guest may still be running, under libxl) and its managed save image
 * (the guest's memory, which only libxl can restore).  Booting such a
 * guest afresh would run it twice, or lose its memory and leave an image
 * that no longer matches its disks.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "xenpv_dirs.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.dirs");

/* libvirt's libxl driver, as built for a system libvirtd. */
#define LIBXL_CONFIG_DIR "/etc/libvirt/libxl"
#define LIBXL_STATE_DIR "/run/libvirt/libxl"
#define LIBXL_SAVE_DIR "/var/lib/libvirt/libxl/save"


void
xenpvDirsSet(xenpvDriver *driver, const char *root)
{
    if (root) {
        /* An embedded driver has nothing to share with libxl, which has
         * no embedded mode. */
        driver->configFile = g_strdup_printf("%s/etc/xenpv.conf", root);
        driver->configDir = g_strdup_printf("%s/etc/xenpv", root);
        driver->autostartDir = g_strdup_printf("%s/etc/xenpv/autostart", root);
        driver->stateDir = g_strdup_printf("%s/run/xenpv", root);
        driver->saveDir = g_strdup_printf("%s/lib/xenpv/save", root);
        driver->migrationDir = g_strdup_printf("%s/lib/xenpv/migrations", root);
        driver->logDir = g_strdup_printf("%s/log/xenpv", root);
    } else {
        driver->configFile = g_strdup("/etc/libvirt/xenpv.conf");
        driver->configDir = g_strdup(LIBXL_CONFIG_DIR);
        driver->autostartDir = g_strdup(LIBXL_CONFIG_DIR "/autostart");
        driver->stateDir = g_strdup("/run/libvirt/xenpv");
        driver->saveDir = g_strdup("/var/lib/libvirt/xenpv/save");
        driver->migrationDir = g_strdup("/var/lib/libvirt/xenpv/migrations");
        driver->logDir = g_strdup("/var/log/libvirt/xenpv");
        driver->oldConfigDir = g_strdup("/etc/libvirt/xenpv");
        driver->libxlStateDir = g_strdup(LIBXL_STATE_DIR);
        driver->libxlSaveDir = g_strdup(LIBXL_SAVE_DIR);
    }
}


int
xenpvDirsMake(xenpvDriver *driver)
{
    const char *dirs[] = {
        driver->configDir, driver->autostartDir, driver->stateDir,
        driver->saveDir, driver->migrationDir, driver->logDir,
    };
    const char *privateDirs[] = { driver->saveDir, driver->migrationDir };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (g_mkdir_with_parents(dirs[i], 0755) < 0) {
            virReportSystemError(errno, _("cannot create directory '%s'"), dirs[i]);
            return -1;
        }
    }
    /* Save images hold guest memory; migration outcomes are this host's. */
    for (i = 0; i < G_N_ELEMENTS(privateDirs); i++) {
        if (chmod(privateDirs[i], 0700) < 0) {
            virReportSystemError(errno, _("cannot restrict access to '%s'"), privateDirs[i]);
            return -1;
        }
    }
    return 0;
}


/* Move one definition, FILE (NAME.xml), and its autostart link. */
static void
xenpvDirsAdoptOldConfig(xenpvDriver *driver, const char *file)
{
    g_autofree char *from = g_build_filename(driver->oldConfigDir, file, NULL);
    g_autofree char *to = g_build_filename(driver->configDir, file, NULL);
    g_autofree char *oldLink = g_build_filename(driver->oldConfigDir, "autostart", file, NULL);
    g_autofree char *newLink = g_build_filename(driver->autostartDir, file, NULL);

    if (virFileExists(to)) {
        VIR_WARN("definitions '%s' and '%s' have one name: '%s' is used, the other is left where it is",
                 from, to, to);
        return;
    }
    if (rename(from, to) < 0) {
        VIR_WARN("cannot move the definition '%s' to '%s': %s", from, to, g_strerror(errno));
        return;
    }
    VIR_INFO("moved the definition '%s' to '%s'", from, to);
    if (virFileIsLink(oldLink) != 1)
        return;
    if (unlink(oldLink) < 0 || symlink(to, newLink) < 0)
        VIR_WARN("cannot move the autostart link '%s' to '%s': %s",
                 oldLink, newLink, g_strerror(errno));
}


void
xenpvDirsAdoptOldConfigs(xenpvDriver *driver)
{
    g_autoptr(DIR) dir = NULL;
    g_autofree char *oldAutostart = NULL;
    struct dirent *ent;
    int rc;

    if (!driver->oldConfigDir)
        return;
    if ((rc = virDirOpenIfExists(&dir, driver->oldConfigDir)) <= 0) {
        if (rc < 0)
            VIR_WARN("%s", virGetLastErrorMessage());
        return;
    }
    while ((rc = virDirRead(dir, &ent, driver->oldConfigDir)) > 0) {
        if (virStringHasSuffix(ent->d_name, ".xml"))
            xenpvDirsAdoptOldConfig(driver, ent->d_name);
    }
    if (rc < 0)
        VIR_WARN("%s", virGetLastErrorMessage());
    /* Gone once empty; anything left there stays for the administrator. */
    oldAutostart = g_build_filename(driver->oldConfigDir, "autostart", NULL);
    ignore_value(rmdir(oldAutostart));
    ignore_value(rmdir(driver->oldConfigDir));
}


int
xenpvDirsCheckDefinable(xenpvDriver *driver, const char *name)
{
    virDomainObj *vm = virDomainObjListFindByName(driver->domains, name);
    bool persistent = vm && vm->persistent;
    g_autofree char *path = NULL;

    virDomainObjEndAPI(&vm);
    if (persistent)
        return 0;
    path = virDomainConfigFile(driver->configDir, name);
    if (!virFileExists(path))
        return 0;
    virReportError(VIR_ERR_OPERATION_INVALID,
                   _("'%s' holds a definition of '%s' that this driver did not load (libvirtd's log says why; an HVM guest of libvirt's libxl driver is one such): move that file away, or define the domain under another name"),
                   path, name);
    return -1;
}


int
xenpvDirsCheckLibxlStatus(xenpvDriver *driver, const char *name)
{
    g_autofree char *path = NULL;

    if (!driver->libxlStateDir)
        return 0;
    path = virDomainConfigFile(driver->libxlStateDir, name);
    if (!virFileExists(path))
        return 0;
    virReportError(VIR_ERR_OPERATION_INVALID,
                   _("domain '%s' was started by libvirt's libxl driver and may still be running (its status is '%s'): shut it down with that driver first, or remove that file if the domain is gone"),
                   name, path);
    return -1;
}


int
xenpvDirsCheckLibxlManagedSave(xenpvDriver *driver, const char *name, bool forceBoot)
{
    g_autofree char *path = NULL;

    if (!driver->libxlSaveDir)
        return 0;
    path = g_strdup_printf("%s/%s.save", driver->libxlSaveDir, name);
    if (!virFileExists(path))
        return 0;
    if (!forceBoot) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' has a managed save image of libvirt's libxl driver ('%s'), which this driver cannot restore: resume the domain with that driver, or start it with --force-boot to discard the image"),
                       name, path);
        return -1;
    }
    /* As libxl itself does with its image on a forced boot: an image kept
     * would later restore memory that no longer matches the disks. */
    if (unlink(path) < 0) {
        virReportSystemError(errno, _("cannot discard the managed save image '%s'"), path);
        return -1;
    }
    VIR_INFO("discarded the managed save image '%s' of libvirt's libxl driver", path);
    return 0;
}
