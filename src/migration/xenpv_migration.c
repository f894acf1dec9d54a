/*
 * xenpv_migration.c: what both sides of a migration share: the state of
 * one migration, its phase in the domain's status, the driver's port range.
 */
#include "xenpv_migration.h"

#include "virerror.h"
#include "virlog.h"
#include "virutil.h"

#include "xenpv_domain_jobstats.h"
#include "xenpv_migration_outcome.h"
#include "xenpv_migration_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration");


int
xenpvMigrationInit(xenpvDriver *driver)
{
    xenpvDriverConfig *cfg = driver->config;

    if (!(driver->migrationPorts = virPortAllocatorRangeNew(_("migration"),
                                                           cfg->migrationPortMin,
                                                           cfg->migrationPortMax)))
        return -1;
    xenpvMigrationResolverNew(driver);
    xenpvMigrationOutcomePrune(driver);
    return 0;
}


void
xenpvMigrationShutdown(xenpvDriver *driver)
{
    xenpvMigrationResolverFree(driver);
    g_clear_pointer(&driver->migrationPorts, virPortAllocatorRangeFree);
}


xenpvMigration *
xenpvMigrationNew(xenpvDriver *driver, virDomainObj *vm, unsigned long flags,
                  unsigned long long bandwidthMiB)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvMigration *mig = g_new0(xenpvMigration, 1);

    mig->driver = driver;
    mig->vm = virObjectRef(vm);
    mig->name = g_strdup(vm->def->name);
    mig->flags = flags;
    mig->ioTimeout = driver->config->migrationIoTimeout;
    g_mutex_init(&mig->lock);
    g_cond_init(&mig->cond);
    mig->control.abort = priv->abortRequested;
    priv->abortRequested = false;
    mig->control.maxDowntimeMs = priv->migMaxDowntimeMs;
    mig->control.bandwidthMiB = bandwidthMiB ? bandwidthMiB : priv->migMaxSpeedMiB;
    mig->control.metered = true;
    /* The socket pair's buffers and the sender's chunk (xenpv_migration_src.c),
     * and what the channel's far end holds; its socket's queue is measured
     * (xenpvMigrationChannelInFlight). */
    mig->control.queued = 2 * XENPV_FRAME_SEND_CHUNK + XENPV_MIGRATION_CHANNEL_UNSEEN;
    mig->pace.control = &mig->control;
    priv->migration = mig;
    priv->stream = &mig->control;
    return mig;
}


void
xenpvMigrationComplete(virDomainObj *vm, xenpvMigration *mig, bool done)
{
    virDomainJobStatus status = VIR_DOMAIN_JOB_STATUS_FAILED;

    if (done)
        status = VIR_DOMAIN_JOB_STATUS_COMPLETED;
    else if (g_atomic_int_get(&mig->control.abort))
        status = VIR_DOMAIN_JOB_STATUS_CANCELED;
    xenpvJobStatsComplete(vm, status, done ? NULL : mig->errmsg);
}


void
xenpvMigrationFree(xenpvMigration *mig)
{
    xenpvDomainObjPrivate *priv;

    if (!mig)
        return;
    priv = mig->vm->privateData;
    if (priv->migration == mig)
        priv->migration = NULL;
    if (priv->stream == &mig->control)
        priv->stream = NULL;
    xenpvMigrationListenerFree(mig->listener);
    xenpvMigrationChannelFree(mig->channel);
    xenpvMigrationChannelFree(mig->inChannel);
    virFreeError(mig->error);
    g_free(mig->peerUri);
    g_free(mig->errmsg);
    g_mutex_clear(&mig->lock);
    g_cond_clear(&mig->cond);
    virObjectUnref(mig->vm);
    g_free(mig->name);
    g_free(mig);
}


int
xenpvMigrationSetPhase(xenpvDriver *driver, virDomainObj *vm, xenpvMigrationPhase phase)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    int old = priv->job.phase;

    priv->job.phase = phase;
    /* A source domain destroyed meanwhile has no status to record it in
     * (a destination's is recorded before it runs). */
    if (priv->job.kind == XENPV_JOB_MIGRATION_OUT && !virDomainObjIsActive(vm))
        return 0;
    if (virDomainObjSave(vm, driver->xmlopt, driver->stateDir) < 0) {
        priv->job.phase = old;
        return -1;
    }
    VIR_DEBUG("migration of domain '%s': phase %d", vm->def->name, phase);
    return 0;
}


void
xenpvMigrationCookieOwn(xenpvDriver *driver, virDomainObj *vm, unsigned int parts,
                        xenpvMigrationCookie *cookie)
{
    cookie->parts = XENPV_COOKIE_HOST | XENPV_COOKIE_DOMAIN | parts;
    cookie->hostname = virGetHostname();
    if (virGetHostUUID(cookie->hostUUID) < 0)
        virResetLastError();
    cookie->name = g_strdup(vm->def->name);
    memcpy(cookie->uuid, vm->def->uuid, VIR_UUID_BUFLEN);
    if (parts & XENPV_COOKIE_STREAM) {
        cookie->streamFormat = g_strdup(driver->hyp.ops->streamFormat);
        cookie->streamVersion = driver->hyp.ops->streamVersion;
    }
}


char *
xenpvMigrationPeerName(const char *role, const char *host)
{
    return g_strdup_printf(_("the %s host '%s'"), role, NULLSTR(host));
}
