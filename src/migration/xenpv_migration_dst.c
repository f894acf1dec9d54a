/*
 * xenpv_migration_dst.c: the destination side of a migration: Prepare
 * (preflight, the domain object, the listening port or the tunnel), the
 * receiving (the stream unframed into the back end's restore, which builds
 * the guest paused), Finish (asking the source to let go, then running the
 * guest) and the tear-down of everything built when anything fails.
 *
 * Threads: the listener's (xenpv_migration_listen.c) hands the accepted
 * connection to a receiver thread, which unframes while a restorer thread
 * builds the guest; Finish waits for their outcome without the domain's
 * lock.  See xenpv_migration_priv.h for what protects what.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "xenpv_migration_priv.h"

#include "datatypes.h"
#include "domain_event.h"
#include "hypervisor/virclosecallbacks.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virrandom.h"
#include "virutil.h"
#include "viruuid.h"

#include "xenpv_crashpoint.h"
#include "xenpv_domain_arch.h"
#include "xenpv_domain_jobstats.h"
#include "xenpv_migration.h"
#include "xenpv_migration_outcome.h"
#include "xenpv_migration_tls.h"
#include "xenpv_monitor.h"
#include "xenpv_process.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_dst");


typedef struct {
    xenpvMigration *mig;
    int fd;
    int rc;
    virErrorPtr error;
} xenpvMigrationRestorer;


/* Builds the guest, paused, from the stream the receiver unframes. */
static gpointer
xenpvMigrationRestorerThread(gpointer data)
{
    xenpvMigrationRestorer *r = data;
    xenpvMigration *mig = r->mig;

    virObjectLock(mig->vm);
    r->rc = xenpvProcessStart(mig->driver, mig->vm, NULL, XENPV_START_PAUSED,
                              VIR_DOMAIN_RUNNING_MIGRATED, r->fd, mig->abi, mig->container);
    if (r->rc < 0)
        r->error = virSaveLastError();
    virObjectUnlock(mig->vm);
    /* Whatever it did not read, the receiver need not write. */
    shutdown(r->fd, SHUT_RDWR);
    return NULL;
}


/* The outcome of the receiving, for Finish; wakes it. */
static void
xenpvMigrationReceived(xenpvMigration *mig, int outcome)
{
    g_mutex_lock(&mig->lock);
    mig->outcome = outcome;
    if (outcome < 0 && !mig->error)
        mig->error = virSaveLastError();
    g_cond_broadcast(&mig->cond);
    g_mutex_unlock(&mig->lock);
}


/* Receive the stream from the accepted channel and build the guest from
 * it; tell the source (unless the channel is one-way) and Finish how it
 * went. */
static gpointer
xenpvMigrationReceiverThread(gpointer data)
{
    xenpvMigration *mig = data;
    xenpvMigrationChannel *ch = mig->inChannel;
    xenpvMigrationRestorer restorer = { .mig = mig, .fd = -1 };
    GThread *thread;
    int pair[2] = { -1, -1 };
    int rc;

    /* A tunnel's greeting is checked here: a port's, by the listener. */
    if (ch->oneWay && xenpvFrameCheckHello(&ch->transport, mig->token) <= 0) {
        if (virGetLastErrorCode() == VIR_ERR_OK)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("the tunnel from %s did not carry this migration's greeting"),
                           ch->peer);
        xenpvMigrationReceived(mig, -1);
        return NULL;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        virReportSystemError(errno, "%s", _("cannot make the migration's socket pair"));
        xenpvMigrationReceived(mig, -1);
        return NULL;
    }
    restorer.fd = pair[0];
    thread = g_thread_new("xenpv-mig-restore", xenpvMigrationRestorerThread, &restorer);
    rc = xenpvFrameRecvStream(&ch->transport, pair[1], xenpvMigrationCountChunk, &mig->control);
    if (rc < 0)
        VIR_WARN("receiving domain '%s' failed: %s", mig->name,
                 virGetLastErrorMessage());
    /* The restore reads to the stream's own end, or fails on a short one. */
    shutdown(pair[1], SHUT_WR);
    g_thread_join(thread);
    VIR_FORCE_CLOSE(pair[0]);
    VIR_FORCE_CLOSE(pair[1]);

    /* The cause first: a broken channel makes the restore fail too. */
    if (rc == 0 && restorer.rc < 0)
        virSetError(restorer.error);
    virFreeError(restorer.error);
    if (rc == 0 && restorer.rc == 0) {
        virObjectLock(mig->vm);
        xenpvJobStatsStreamEnd(mig->vm);
        virDomainObjSetState(mig->vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
        rc = xenpvMigrationSetPhase(mig->driver, mig->vm, XENPV_MIGRATION_PHASE_RECEIVED);
        virObjectUnlock(mig->vm);
    } else {
        rc = -1;
    }

    if (!ch->oneWay) {
        if (rc == 0)
            rc = xenpvFrameSend(&ch->transport, XENPV_FRAME_RESTORED, NULL);
        else
            ignore_value(xenpvFrameSend(&ch->transport, XENPV_FRAME_ABORT,
                                        virGetLastErrorMessage()));
    }
    xenpvMigrationReceived(mig, rc == 0 ? 1 : -1);
    VIR_DEBUG("domain '%s' %s", mig->name, rc == 0 ? "received" : "not received");
    return NULL;
}


static void
xenpvMigrationStartReceiver(xenpvMigration *mig, xenpvMigrationChannel *ch)
{
    g_mutex_lock(&mig->lock);
    if (mig->stopping) {
        g_mutex_unlock(&mig->lock);
        xenpvMigrationChannelFree(ch);
        return;
    }
    mig->inChannel = ch;
    mig->receiver = g_thread_new("xenpv-mig-recv", xenpvMigrationReceiverThread, mig);
    g_mutex_unlock(&mig->lock);
}


/* The listener's callback: the source's connection, token checked. */
static void
xenpvMigrationAccepted(xenpvMigrationChannel *ch, void *opaque)
{
    xenpvMigrationStartReceiver(opaque, ch);
}


int
xenpvMigrationDstRefuse(xenpvDriver *driver, xenpvMigration *mig)
{
    xenpvMigrationOutcome held;

    if (!*mig->id)
        return 0;
    held = xenpvMigrationOutcomeDecide(driver, mig->id, XENPV_OUTCOME_REFUSED);
    if (held == XENPV_OUTCOME_RUN)
        return -1;
    /* Unrecorded, it is still refused: the guest is torn down now, and an
     * inquiry later finds it undecided and records the refusal then. */
    if (held == XENPV_OUTCOME_ERROR)
        VIR_WARN("cannot record that this host refuses domain '%s': %s",
                 mig->name, virGetLastErrorMessage());
    return 0;
}


/* Tear down an incoming migration: the channel, the listener, the threads,
 * the guest built and the domain object if nothing else holds it.  Called
 * with the domain locked and the job held. */
static void
xenpvMigrationDstAbandon(xenpvDriver *driver, virDomainObj *vm, xenpvMigration *mig)
{
    GThread *receiver;

    if (xenpvMigrationDstRefuse(driver, mig) < 0) {
        /* Decided already: the guest is this host's. */
        VIR_ERROR(_("the incoming migration of domain '%s' was to be abandoned after this host took the guest: it runs here"),
                  vm->def->name);
        ignore_value(xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_RUN));
        ignore_value(xenpvMigrationDstRun(driver, vm, mig->flags, mig->sourcePaused, NULL, 0));
        xenpvDomainJobEnd(driver, vm);
        return;
    }

    g_mutex_lock(&mig->lock);
    mig->stopping = true;
    if (mig->inChannel)
        xenpvMigrationChannelShutdown(mig->inChannel);
    receiver = mig->receiver;
    mig->receiver = NULL;
    g_mutex_unlock(&mig->lock);

    virObjectUnlock(vm);
    g_clear_pointer(&mig->listener, xenpvMigrationListenerFree);
    if (receiver)
        g_thread_join(receiver);
    virObjectLock(vm);

    if (virDomainObjIsActive(vm)) {
        if (xenpvProcessDestroyDomain(driver, vm) < 0)
            VIR_WARN("cannot destroy the half-received domain '%s': %s", vm->def->name,
                     virGetLastErrorMessage());
        xenpvJobRecordClear(&((xenpvDomainObjPrivate *)vm->privateData)->job);
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_FAILED);
    } else {
        xenpvDomainRemoveStatus(driver, vm);
        xenpvJobRecordClear(&((xenpvDomainObjPrivate *)vm->privateData)->job);
        virDomainObjRemoveTransientDef(vm);
    }
    VIR_INFO("incoming migration of domain '%s' abandoned", vm->def->name);
}


/* The incoming guest is this host's: run it (unless asked to keep it
 * paused, or it was paused at the source) and persist it if asked. */
int
xenpvMigrationDstRun(xenpvDriver *driver, virDomainObj *vm, unsigned long flags,
                     bool sourcePaused, const char *persistXml, unsigned long long stoppedMs)
{
    g_autoptr(virDomainDef) persistDef = NULL;
    virDomainDef *def;
    bool archFromKernel;

    if ((flags & VIR_MIGRATE_PAUSED) || sourcePaused) {
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
    } else {
        /* The downtime ends as the guest is let run.  (The simulated
         * host answers the unpause only once a selfcheck guest verified
         * its memory: the guest's own work, once it runs.) */
        if (stoppedMs)
            xenpvJobStatsResumedSince(vm, stoppedMs);
        if (driver->hyp.ops->domainUnpause(&driver->hyp, vm->def->id) < 0) {
            /* The guest stays here, paused: the source let it go. */
            virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN);
            VIR_ERROR(_("migrated domain '%s' could not be unpaused: %s"), vm->def->name,
                      virGetLastErrorMessage());
        } else {
            virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED);
        }
    }
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                            VIR_DOMAIN_EVENT_STARTED_MIGRATED));

    if (flags & VIR_MIGRATE_PERSIST_DEST) {
        if (persistXml &&
            !(persistDef = xenpvDomainDefParseUserXML(persistXml, driver->xmlopt,
                                                      VIR_DOMAIN_DEF_PARSE_INACTIVE,
                                                      &archFromKernel)))
            return -1;
        if (!persistDef) {
            if (!(persistDef = virDomainDefCopy(vm->def, driver->xmlopt, NULL, false)))
                return -1;
            /* The live definition's own additions stay out of the persistent one. */
            xenpvDomainDefDropAbi(persistDef);
        }
        persistDef->id = -1;
        if (xenpvDomainSaveConfigDef(driver, vm, persistDef) < 0)
            return -1;
        def = g_steal_pointer(&persistDef);
        virDomainDefFree(vm->newDef);
        vm->newDef = def;
        vm->persistent = 1;
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_DEFINED,
                                                                VIR_DOMAIN_EVENT_DEFINED_ADDED));
    }
    return 0;
}


/* The client that called Prepare went away before Finish. */
static void
xenpvMigrationDstClientGone(virDomainObj *vm, virConnectPtr conn G_GNUC_UNUSED)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvMigration *mig = priv->migration;

    if (!driver || !mig || vm->job->asyncJob != VIR_ASYNC_JOB_MIGRATION_IN)
        return;
    VIR_WARN("the client of the incoming migration of domain '%s' went away", vm->def->name);
    if (priv->job.phase == XENPV_MIGRATION_PHASE_RUN && virDomainObjIsActive(vm)) {
        ignore_value(xenpvMigrationDstRun(driver, vm, mig->flags, mig->sourcePaused, NULL, 0));
        xenpvDomainJobEnd(driver, vm);
    } else {
        xenpvMigrationDstAbandon(driver, vm, mig);
    }
    xenpvMigrationFree(mig);
    virDomainObjEndAsyncJob(vm);
    xenpvDomainRemoveInactive(driver, vm);
}


/* Where a source asks this host about a migration whose outcome it lost. */
static char *
xenpvMigrationDstInquiryUri(xenpvDriver *driver)
{
    g_autofree char *host = NULL;

    if (driver->config->migrationInquiryUri)
        return g_strdup(driver->config->migrationInquiryUri);
    if (driver->config->migrationHost)
        return g_strdup_printf("xen+tls://%s/system", driver->config->migrationHost);
    host = virGetHostname();
    return g_strdup_printf("xen+tls://%s/system", host);
}


/* The record of the incoming migration's outcome, undecided. */
static int
xenpvMigrationDstOpenOutcome(xenpvDriver *driver, xenpvMigration *mig,
                             const xenpvMigrationCookie *src)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    g_autofree char *what = NULL;

    virUUIDFormat(src->uuid, uuidstr);
    what = g_strdup_printf("domain %s (%s) from %s", src->name, uuidstr, src->hostname);
    return xenpvMigrationOutcomeOpen(driver, mig->id, what);
}


/* The destination's part of the cookie: this host, where to connect. */
static void
xenpvMigrationDstCookie(xenpvDriver *driver, virDomainObj *vm, xenpvMigration *mig,
                        const char *address, unsigned int port, bool tls,
                        xenpvMigrationCookie *cookie)
{
    xenpvMigrationCookieOwn(driver, vm, XENPV_COOKIE_STREAM | XENPV_COOKIE_CHANNEL, cookie);
    if (mig->compress) {
        cookie->parts |= XENPV_COOKIE_COMPRESSION;
        cookie->compression = g_strdup(XENPV_MIGRATION_COMPRESSION);
    }
    cookie->address = g_strdup(address);
    cookie->port = port;
    memcpy(cookie->token, mig->token, sizeof(cookie->token));
    cookie->tls = tls;
    if (*mig->id) {
        cookie->parts |= XENPV_COOKIE_INQUIRY;
        memcpy(cookie->id, mig->id, sizeof(cookie->id));
        cookie->inquiryUri = xenpvMigrationDstInquiryUri(driver);
    }
}


/* The host the source is told to connect to: the URI's, migration_host,
 * a listening address that is not a wildcard, or this host's name. */
static char *
xenpvMigrationDstAddress(xenpvDriver *driver, const char *uriHost, const char *listen)
{
    if (uriHost)
        return g_strdup(uriHost);
    if (driver->config->migrationHost)
        return g_strdup(driver->config->migrationHost);
    if (listen && STRNEQ(listen, "0.0.0.0") && STRNEQ(listen, "::"))
        return g_strdup(listen);
    return virGetHostname();
}


/* Listen (or take the tunnel) for the stream of @vm's guest. */
static int
xenpvMigrationDstOpen(xenpvDriver *driver, virDomainObj *vm, xenpvMigration *mig,
                      const xenpvMigrationParams *mp, unsigned long flags,
                      const char *uriIn, const char *peer, virStreamPtr tunnel,
                      char **address, unsigned int *port)
{
    virNetTLSContext *tls = NULL;
    g_autofree char *uriHost = NULL;
    unsigned int uriPort = 0;
    const char *listen = mp->listenAddress ? mp->listenAddress : driver->config->migrationAddress;
    xenpvMigrationChannel *ch;

    if (tunnel) {
        if (!(ch = xenpvMigrationChannelTunnelIn(tunnel, mig->ioTimeout, peer)))
            return -1;
        xenpvMigrationStartReceiver(mig, ch);
        *address = virGetHostname();
        *port = 0;
        return 0;
    }
    if (uriIn && xenpvMigrationParseURI(uriIn, &uriHost, &uriPort) < 0)
        return -1;
    if ((flags & VIR_MIGRATE_TLS) && !(tls = xenpvMigrationTLSServer()))
        return -1;
    mig->listener = xenpvMigrationListen(listen, uriPort, driver->migrationPorts,
                                         driver->config->migrationAllow, tls, mig->token,
                                         mig->ioTimeout, peer, xenpvMigrationAccepted, mig,
                                         port);
    virObjectUnref(tls);
    if (!mig->listener)
        return -1;
    *address = xenpvMigrationDstAddress(driver, uriHost, mp->listenAddress);
    VIR_DEBUG("domain '%s' comes in on %s port %u", vm->def->name, *address, *port);
    return 0;
}


int
xenpvMigrationDstPrepare(xenpvDriver *driver, virConnectPtr dconn,
                         const xenpvMigrationParams *mp, unsigned long flags,
                         const char *domXML,
                         const char *cookiein, int cookieinlen,
                         char **cookieout, int *cookieoutlen,
                         const char *uriIn, char **uriOut,
                         virStreamPtr tunnel)
{
    g_auto(xenpvMigrationCookie) src = { 0 };
    g_auto(xenpvMigrationCookie) out = { 0 };
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *peer = NULL;
    g_autofree char *address = NULL;
    unsigned char token[XENPV_MIGRATION_TOKEN_BYTES];
    unsigned int need = XENPV_COOKIE_HOST | XENPV_COOKIE_DOMAIN | XENPV_COOKIE_STREAM;
    unsigned int port = 0;
    virDomainObj *vm = NULL;
    xenpvMigration *mig = NULL;
    xenpvDomainObjPrivate *priv;
    bool offline = !!(flags & VIR_MIGRATE_OFFLINE);
    bool archFromKernel;
    size_t i;
    int ret = -1;

    if (xenpvMigrationCookieParse(cookiein, cookieinlen, _("the source host"), need, &src) < 0)
        return -1;
    peer = xenpvMigrationPeerName(_("source"), src.hostname);
    if (!domXML) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("no domain definition came with the migration"));
        return -1;
    }
    /* The source's definition names the arch its guest runs with. */
    if (!(def = xenpvDomainDefParseUserXML(domXML, driver->xmlopt,
                                           VIR_DOMAIN_DEF_PARSE_INACTIVE, &archFromKernel)))
        return -1;
    if (mp->dname) {
        g_free(def->name);
        def->name = g_strdup(mp->dname);
    }
    if (tunnel && virDomainMigratePrepareTunnel3ParamsEnsureACL(dconn, def) < 0)
        return -1;
    if (!tunnel && virDomainMigratePrepare3ParamsEnsureACL(dconn, def) < 0)
        return -1;
    if (xenpvMigrationPreflight(driver, def, &src, flags, peer) < 0)
        return -1;
    /* Compression both ends know, as the source offers it. */
    if ((flags & VIR_MIGRATE_COMPRESSED) &&
        (!(src.parts & XENPV_COOKIE_COMPRESSION) ||
         STRNEQ(src.compression, XENPV_MIGRATION_COMPRESSION))) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s offers no stream compression this host reads (it reads %s)"),
                       peer, XENPV_MIGRATION_COMPRESSION);
        return -1;
    }

    if (!(vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt,
                                   VIR_DOMAIN_OBJ_LIST_ADD_LIVE |
                                   VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE, NULL)))
        return -1;
    if (virDomainObjBeginAsyncJob(vm, VIR_ASYNC_JOB_MIGRATION_IN,
                                  VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN, flags) < 0) {
        virDomainObjRemoveTransientDef(vm);
        xenpvDomainRemoveInactive(driver, vm);
        goto cleanup;
    }
    priv = vm->privateData;
    mig = xenpvMigrationNew(driver, vm, flags, 0);
    mig->compress = !!(flags & VIR_MIGRATE_COMPRESSED);
    if (!offline)
        xenpvJobStatsStreamStart(vm, src.memoryKiB * 1024, 0);
    mig->abi = src.abi;
    mig->container = xenpvDriverStreamContainer(driver, src.streamFormat);
    mig->sourcePaused = src.paused;
    if (virRandomBytes(token, sizeof(token)) < 0)
        goto endjob;
    for (i = 0; i < sizeof(token); i++)
        g_snprintf(mig->token + 2 * i, 3, "%02x", token[i]);

    if (!offline) {
        /* Recorded before anything is built: a killed daemon's successor
         * tears down what it finds under this UUID. */
        if (xenpvMigrationOutcomeNewId(mig->id) < 0 ||
            xenpvMigrationDstOpenOutcome(driver, mig, &src) < 0)
            goto endjob;
        if (xenpvDomainJobBegin(driver, vm, XENPV_JOB_MIGRATION_IN, NULL) < 0)
            goto endjob;
        priv->job.flags = flags;
        priv->job.wasPaused = src.paused;
        priv->job.id = g_strdup(mig->id);
        if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_PREPARED) < 0 ||
            xenpvMigrationDstOpen(driver, vm, mig, mp, flags, uriIn, peer, tunnel,
                                  &address, &port) < 0)
            goto endjob;
    }

    xenpvMigrationDstCookie(driver, vm, mig, address ? address : "-", port,
                            !!(flags & VIR_MIGRATE_TLS), &out);
    if (xenpvMigrationCookieBake(&out, cookieout, cookieoutlen) < 0)
        goto endjob;
    /* libvirt's client wants a URI even from an offline Prepare, where
     * nothing will connect to it.  A URI the source gave comes back as it
     * came: libvirtd 9.0 leaks the holder of a URI a Prepare leaves
     * unset. */
    if (uriOut && uriIn)
        *uriOut = g_strdup(uriIn);
    else if (uriOut && offline)
        *uriOut = g_strdup_printf("tcp://%s", out.hostname);
    else if (uriOut && !tunnel)
        *uriOut = g_strdup_printf("tcp://%s:%u", address, port);

    virCloseCallbacksDomainAdd(vm, dconn, xenpvMigrationDstClientGone);
    VIR_INFO("prepared the incoming migration of domain '%s' from %s", vm->def->name, peer);
    ret = 0;
    goto cleanup;

 endjob:
    {
        virErrorPtr err = NULL;

        virErrorPreserveLast(&err);
        xenpvMigrationDstAbandon(driver, vm, mig);
        xenpvMigrationFree(mig);
        virDomainObjEndAsyncJob(vm);
        xenpvDomainRemoveInactive(driver, vm);
        virErrorRestore(&err);
    }
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


/* Wait for the guest to be built from the stream: 1 when it is, -1 when it
 * failed (with its error), 0 when no connection came in time.  Called with
 * the domain locked; the lock is dropped meanwhile. */
static int
xenpvMigrationDstWait(virDomainObj *vm, xenpvMigration *mig)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)mig->ioTimeout * G_USEC_PER_SEC;
    int outcome;

    virObjectUnlock(vm);
    g_mutex_lock(&mig->lock);
    while (mig->outcome == 0) {
        /* Once the stream flows, its own timeouts bound the wait. */
        if (!mig->inChannel) {
            if (!g_cond_wait_until(&mig->cond, &mig->lock, deadline) && !mig->inChannel)
                break;
        } else {
            g_cond_wait(&mig->cond, &mig->lock);
        }
    }
    outcome = mig->outcome;
    if (outcome < 0 && mig->error)
        virSetError(mig->error);
    g_mutex_unlock(&mig->lock);
    virObjectLock(vm);
    return outcome;
}


/* Before the source lets go: the guest built here must still be there. */
static int
xenpvMigrationDstCheckBuilt(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainInfo info;
    int rc;

    if (virDomainObjIsActive(vm) &&
        (rc = driver->hyp.ops->getDomainInfo(&driver->hyp, vm->def->id, &info)) > 0 &&
        memcmp(info.uuid, vm->def->uuid, VIR_UUID_BUFLEN) == 0 && !info.shutdown)
        return 0;
    if (virGetLastErrorCode() == VIR_ERR_OK)
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("domain '%s' is no longer there to run on this host"), vm->def->name);
    return -1;
}


/* Ask the source to let go of the guest (direct channel only). */
static int
xenpvMigrationDstCommit(virDomainObj *vm, xenpvMigration *mig)
{
    xenpvMigrationChannel *ch = mig->inChannel;
    g_autofree char *why = NULL;
    xenpvFrameType type;
    int rc;

    xenpvCrashPoint("dst-built");
    virObjectUnlock(vm);
    rc = xenpvFrameSend(&ch->transport, XENPV_FRAME_COMMIT, NULL);
    if (rc == 0)
        rc = xenpvFrameRecv(&ch->transport, &type, &why);
    virObjectLock(vm);
    if (rc < 0)
        return -1;
    if (type != XENPV_FRAME_GO) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("%s did not hand the guest over: %s"), ch->peer,
                       why ? why : _("it answered out of turn"));
        return -1;
    }
    return 0;
}


/* The source let go (GO, or tunnelled: Finish was called): record that
 * this host runs the guest, the commit point.  -1 when the decision went
 * the other way (an inquiry of the source's came first) or cannot be
 * recorded: the source is told (ABORT). */
static int
xenpvMigrationDstTake(xenpvDriver *driver, virDomainObj *vm, xenpvMigration *mig)
{
    xenpvMigrationChannel *ch = mig->inChannel;
    xenpvMigrationOutcome held;

    xenpvCrashPoint("dst-go-received");
    if ((held = xenpvMigrationOutcomeDecide(driver, mig->id, XENPV_OUTCOME_RUN)) !=
        XENPV_OUTCOME_RUN) {
        if (held != XENPV_OUTCOME_ERROR)
            virReportError(VIR_ERR_OPERATION_ABORTED,
                           _("the source of domain '%s' asked about this migration before it could be taken: it stays there"),
                           vm->def->name);
        if (!ch->oneWay)
            ignore_value(xenpvFrameSend(&ch->transport, XENPV_FRAME_ABORT,
                                        virGetLastErrorMessage()));
        return -1;
    }
    xenpvCrashPoint("dst-run-recorded");
    if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_RUN) < 0)
        VIR_WARN("cannot record that domain '%s' is handed over (its outcome is): %s",
                 vm->def->name, virGetLastErrorMessage());
    virResetLastError();
    return 0;
}


/* Tell the source that this host took the guest (direct channel only).
 * The decision stands whether or not it hears of it: it asks otherwise. */
static void
xenpvMigrationDstTaken(virDomainObj *vm, xenpvMigration *mig)
{
    xenpvMigrationChannel *ch = mig->inChannel;

    if (ch->oneWay)
        return;
    virObjectUnlock(vm);
    if (xenpvFrameSend(&ch->transport, XENPV_FRAME_TAKEN, NULL) < 0)
        VIR_WARN("the source of domain '%s' was not told that this host runs it: it asks",
                 mig->name);
    virObjectLock(vm);
    virResetLastError();
}


static virDomainPtr
xenpvMigrationDstFinishOffline(xenpvDriver *driver, virConnectPtr dconn, virDomainObj *vm,
                               const xenpvMigrationParams *mp, bool cancelled)
{
    g_autoptr(virDomainDef) def = NULL;
    virDomainPtr dom = NULL;
    bool archFromKernel;

    if (cancelled) {
        virDomainObjRemoveTransientDef(vm);
        return NULL;
    }
    if (mp->persistXml)
        def = xenpvDomainDefParseUserXML(mp->persistXml, driver->xmlopt,
                                         VIR_DOMAIN_DEF_PARSE_INACTIVE, &archFromKernel);
    else
        def = virDomainDefCopy(vm->def, driver->xmlopt, NULL, false);
    if (!def || xenpvDomainSaveConfigDef(driver, vm, def) < 0) {
        virDomainObjRemoveTransientDef(vm);
        return NULL;
    }
    /* Defined: the migrated definition replaces any older one. */
    virDomainObjRemoveTransientDef(vm);
    virDomainDefFree(vm->def);
    vm->def = g_steal_pointer(&def);
    vm->persistent = 1;
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_DEFINED,
                                                            VIR_DOMAIN_EVENT_DEFINED_ADDED));
    dom = virGetDomain(dconn, vm->def->name, vm->def->uuid, -1);
    VIR_INFO("domain '%s' defined by an offline migration", vm->def->name);
    return dom;
}


virDomainPtr
xenpvMigrationDstFinish(xenpvDriver *driver, virConnectPtr dconn,
                        const xenpvMigrationParams *mp, unsigned long flags,
                        const char *cookiein, int cookieinlen,
                        char **cookieout, int *cookieoutlen,
                        bool cancelled)
{
    g_auto(xenpvMigrationCookie) src = { 0 };
    g_auto(xenpvMigrationCookie) out = { 0 };
    const char *name = mp->dname;
    virDomainObj *vm = NULL;
    xenpvMigration *mig;
    xenpvDomainObjPrivate *priv;
    virDomainPtr dom = NULL;
    virErrorPtr err = NULL;

    if (!name) {
        if (xenpvMigrationCookieParse(cookiein, cookieinlen, _("the source host"),
                                      XENPV_COOKIE_DOMAIN, &src) < 0)
            return NULL;
        name = src.name;
    } else if (xenpvMigrationCookieParse(cookiein, cookieinlen, _("the source host"),
                                         0, &src) < 0) {
        /* Named by the parameter, the domain needs nothing else of it. */
        virResetLastError();
    }
    /* A source asking what came of a migration whose outcome it lost. */
    if (cancelled && (src.parts & XENPV_COOKIE_INQUIRY) && (src.parts & XENPV_COOKIE_DOMAIN))
        return xenpvMigrationDstAnswer(driver, dconn, &src);
    if (!(vm = virDomainObjListFindByName(driver->domains, name))) {
        virReportError(VIR_ERR_NO_DOMAIN,
                       _("no domain '%s' is migrating to this host"), name);
        return NULL;
    }
    priv = vm->privateData;
    mig = priv->migration;
    if (virDomainMigrateFinish3ParamsEnsureACL(dconn, vm->def) < 0)
        goto cleanup;
    if (!mig || vm->job->asyncJob != VIR_ASYNC_JOB_MIGRATION_IN) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not migrating to this host"), name);
        goto cleanup;
    }
    virCloseCallbacksDomainRemove(vm, dconn, xenpvMigrationDstClientGone);

    if (flags & VIR_MIGRATE_OFFLINE) {
        dom = xenpvMigrationDstFinishOffline(driver, dconn, vm, mp, cancelled);
        goto endjob;
    }

    if (cancelled) {
        virReportError(VIR_ERR_OPERATION_ABORTED,
                       _("the migration of domain '%s' failed at the source"), name);
        goto abandon;
    }
    if (xenpvMigrationDstWait(vm, mig) <= 0) {
        if (virGetLastErrorCode() == VIR_ERR_OK)
            virReportError(VIR_ERR_OPERATION_TIMEOUT,
                           _("the stream of domain '%s' never came in"), name);
        goto abandon;
    }
    if (xenpvMigrationDstCheckBuilt(driver, vm) < 0 ||
        (!mig->inChannel->oneWay && xenpvMigrationDstCommit(vm, mig) < 0))
        goto abandon;
    if (xenpvMigrationDstTake(driver, vm, mig) < 0)
        goto abandon;
    /* From here the guest is this host's, whatever fails: the source is
     * told, the guest runs at once (the downtime ends as it is unpaused),
     * and the rest is tidying up. */
    xenpvMigrationDstTaken(vm, mig);
    if (xenpvMigrationDstRun(driver, vm, flags, mig->sourcePaused, mp->persistXml,
                             (src.parts & XENPV_COOKIE_TIMING) ? src.stoppedMs : 0) < 0)
        VIR_WARN("migrated domain '%s' runs but could not be made persistent: %s",
                 name, virGetLastErrorMessage());
    virObjectUnlock(vm);
    g_clear_pointer(&mig->listener, xenpvMigrationListenerFree);
    if (mig->receiver)
        g_thread_join(g_steal_pointer(&mig->receiver));
    virObjectLock(vm);
    xenpvMigrationComplete(vm, mig, true);
    xenpvDomainJobEnd(driver, vm);

    xenpvMigrationCookieOwn(driver, vm, 0, &out);
    ignore_value(xenpvMigrationCookieBake(&out, cookieout, cookieoutlen));
    dom = virGetDomain(dconn, vm->def->name, vm->def->uuid, vm->def->id);
    VIR_INFO("domain '%s' migrated in", name);
    goto endjob;

 abandon:
    virErrorPreserveLast(&err);
    xenpvMigrationDstAbandon(driver, vm, mig);
    virErrorRestore(&err);
 endjob:
    virErrorPreserveLast(&err);
    xenpvMigrationFree(mig);
    virDomainObjEndAsyncJob(vm);
    xenpvDomainRemoveInactive(driver, vm);
    xenpvMonitorRescanAll(driver);
    virErrorRestore(&err);
 cleanup:
    virDomainObjEndAPI(&vm);
    return dom;
}
