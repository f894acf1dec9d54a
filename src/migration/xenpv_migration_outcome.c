/*
 * xenpv_migration_outcome.c: the destination's record of each incoming
 * migration's outcome (see the header).  A decision is written to a
 * temporary file, synced, and linked to its final name: link() fails when
 * the name exists, which makes the first decision the only one, and a
 * record is never seen half written.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenpv_migration_outcome.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virrandom.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_outcome");

#define XENPV_OUTCOME_RUN_TEXT "run\n"
#define XENPV_OUTCOME_REFUSED_TEXT "refused\n"


int
xenpvMigrationOutcomeNewId(char id[XENPV_MIGRATION_ID_HEX + 1])
{
    unsigned char bytes[XENPV_MIGRATION_ID_BYTES];
    size_t i;

    if (virRandomBytes(bytes, sizeof(bytes)) < 0)
        return -1;
    for (i = 0; i < sizeof(bytes); i++)
        g_snprintf(id + 2 * i, 3, "%02x", bytes[i]);
    return 0;
}


/* The record's file: ID.pending or ID.outcome.  An id is hexadecimal
 * (the cookie's parser saw to it), so it cannot leave the directory. */
static char *
xenpvOutcomePath(xenpvDriver *driver, const char *id, const char *suffix)
{
    return g_strdup_printf("%s/%s.%s", driver->migrationDir, id, suffix);
}


/* Write @text to a new file @path, synced. */
static int
xenpvOutcomeWriteNew(const char *path, const char *text)
{
    VIR_AUTOCLOSE fd = -1;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
        safewrite(fd, text, strlen(text)) < 0 || g_fsync(fd) < 0) {
        virReportSystemError(errno, _("cannot write the migration record '%s'"), path);
        if (fd >= 0)
            unlink(path);
        return -1;
    }
    return 0;
}


/* Sync the directory, so that a name just linked survives a host crash. */
static void
xenpvOutcomeSyncDir(xenpvDriver *driver)
{
    VIR_AUTOCLOSE fd = open(driver->migrationDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || g_fsync(fd) < 0)
        VIR_WARN("cannot sync '%s': %s", driver->migrationDir, g_strerror(errno));
}


int
xenpvMigrationOutcomeOpen(xenpvDriver *driver, const char *id, const char *what)
{
    g_autofree char *path = xenpvOutcomePath(driver, id, "pending");
    g_autofree char *text = g_strdup_printf("%s\n", what);

    if (xenpvOutcomeWriteNew(path, text) < 0)
        return -1;
    xenpvOutcomeSyncDir(driver);
    return 0;
}


xenpvMigrationOutcome
xenpvMigrationOutcomeGet(xenpvDriver *driver, const char *id)
{
    g_autofree char *path = xenpvOutcomePath(driver, id, "outcome");
    g_autofree char *pending = xenpvOutcomePath(driver, id, "pending");
    g_autofree char *text = NULL;
    int rc;

    if ((rc = virFileReadAllQuiet(path, 64, &text)) < 0) {
        if (rc != -ENOENT) {
            virReportSystemError(-rc, _("cannot read the migration record '%s'"), path);
            return XENPV_OUTCOME_ERROR;
        }
        return virFileExists(pending) ? XENPV_OUTCOME_PENDING : XENPV_OUTCOME_UNKNOWN;
    }
    if (STREQ(text, XENPV_OUTCOME_RUN_TEXT))
        return XENPV_OUTCOME_RUN;
    if (STREQ(text, XENPV_OUTCOME_REFUSED_TEXT))
        return XENPV_OUTCOME_REFUSED;
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("the migration record '%s' holds neither 'run' nor 'refused'"), path);
    return XENPV_OUTCOME_ERROR;
}


xenpvMigrationOutcome
xenpvMigrationOutcomeDecide(xenpvDriver *driver, const char *id,
                            xenpvMigrationOutcome decision)
{
    g_autofree char *path = xenpvOutcomePath(driver, id, "outcome");
    g_autofree char *tmp = NULL;
    char suffix[XENPV_MIGRATION_ID_HEX + 1];
    const char *text = XENPV_OUTCOME_REFUSED_TEXT;
    xenpvMigrationOutcome held;

    if (decision == XENPV_OUTCOME_RUN)
        text = XENPV_OUTCOME_RUN_TEXT;
    /* A name of its own for each writer: two may race for the decision. */
    if (xenpvMigrationOutcomeNewId(suffix) < 0)
        return XENPV_OUTCOME_ERROR;
    tmp = xenpvOutcomePath(driver, id, suffix);
    if (xenpvOutcomeWriteNew(tmp, text) < 0)
        return XENPV_OUTCOME_ERROR;
    if (link(tmp, path) < 0 && errno != EEXIST) {
        virReportSystemError(errno, _("cannot record the outcome of a migration in '%s'"), path);
        unlink(tmp);
        return XENPV_OUTCOME_ERROR;
    }
    unlink(tmp);
    xenpvOutcomeSyncDir(driver);

    held = xenpvMigrationOutcomeGet(driver, id);
    if (held != decision && held != XENPV_OUTCOME_ERROR)
        VIR_WARN("migration %s was decided '%s' before it could be decided otherwise",
                 id, held == XENPV_OUTCOME_RUN ? "run" : "refused");
    return held;
}


void
xenpvMigrationOutcomePrune(xenpvDriver *driver)
{
    g_autoptr(DIR) dir = NULL;
    struct dirent *ent;
    time_t oldest = time(NULL) - XENPV_MIGRATION_OUTCOME_KEEP_DAYS * 24 * 3600;
    int rc;

    if (virDirOpenIfExists(&dir, driver->migrationDir) <= 0) {
        virResetLastError();
        return;
    }
    while ((rc = virDirRead(dir, &ent, driver->migrationDir)) > 0) {
        g_autofree char *path = g_strdup_printf("%s/%s", driver->migrationDir, ent->d_name);
        struct stat sb;

        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_mtime < oldest &&
            unlink(path) < 0)
            VIR_WARN("cannot remove the old migration record '%s': %s", path,
                     g_strerror(errno));
    }
    if (rc < 0)
        virResetLastError();
}
