/*
 * xenpv_migration_src.c: the source side of a migration: Begin (the
 * definition and the cookie), Perform (the guest streamed out through the
 * data channel), Confirm (the guest destroyed here once the destination
 * runs it, or resumed when it does not).
 *
 * Who runs the guest is decided once, by the destination: its Finish asks
 * (COMMIT) over the data channel; this host records HANDING in the
 * domain's status and answers GO; the destination records its decision
 * and answers TAKEN (or ABORT: it will not run the guest).  Before GO the
 * guest is this host's and anything that fails resumes it; after TAKEN it
 * is the destination's and it is destroyed here.  In between, the
 * destination's word decides: when it is not heard (a daemon killed, the
 * link cut) the destination is asked (xenpv_migration_inquiry.c), and the
 * guest stays paused here until it answers.  A tunnelled migration has no
 * way back from the destination: there HANDING is recorded before its
 * Finish is called, and the answer of the Finish decides
 * (xenpv_migration_p2p.c).
 */
#include <sys/socket.h>
#include <unistd.h>

#include "xenpv_migration.h"
#include "xenpv_migration_priv.h"

#include "datatypes.h"
#include "domain_event.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virutil.h"
#include "viruuid.h"

#include "xenpv_crashpoint.h"
#include "xenpv_domain_jobstats.h"
#include "xenpv_domain_stream.h"
#include "xenpv_domain_arch.h"
#include "xenpv_migration_tls.h"
#include "xenpv_monitor.h"
#include "xenpv_process.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_src");


/* The definition a migration sends: the running one, the persistent one
 * for an offline migration, or the caller's (DEST_XML), which must not
 * change the guest's ABI. */
static char *
xenpvMigrationSrcDefinition(xenpvDriver *driver, virDomainObj *vm,
                            const xenpvMigrationParams *mp, unsigned long flags)
{
    virDomainDef *def = vm->def;
    g_autoptr(virDomainDef) userDef = NULL;
    g_autoptr(virDomainDef) persistDef = NULL;
    /* Only the ABI is compared: the arch shown is the running guest's. */
    bool archFromKernel;

    if ((flags & VIR_MIGRATE_OFFLINE) && vm->newDef)
        def = vm->newDef;

    if (mp->persistXml) {
        if (!(flags & VIR_MIGRATE_PERSIST_DEST)) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("migration parameter '%s' needs VIR_MIGRATE_PERSIST_DEST (--persistent)"),
                           VIR_MIGRATE_PARAM_PERSIST_XML);
            return NULL;
        }
        if (!(persistDef = xenpvDomainDefParseUserXML(mp->persistXml, driver->xmlopt,
                                                      VIR_DOMAIN_DEF_PARSE_INACTIVE,
                                                      &archFromKernel)) ||
            !virDomainDefCheckABIStability(def, persistDef, driver->xmlopt))
            return NULL;
    }
    if (mp->dxml) {
        if (!(userDef = xenpvDomainDefParseUserXML(mp->dxml, driver->xmlopt,
                                                   VIR_DOMAIN_DEF_PARSE_INACTIVE,
                                                   &archFromKernel)) ||
            !virDomainDefCheckABIStability(def, userDef, driver->xmlopt))
            return NULL;
        def = userDef;
    }
    return virDomainDefFormat(def, driver->xmlopt,
                              VIR_DOMAIN_DEF_FORMAT_SECURE |
                              VIR_DOMAIN_DEF_FORMAT_INACTIVE |
                              VIR_DOMAIN_DEF_FORMAT_MIGRATABLE);
}


/* The source's part of the cookie: this host, the guest, its stream (and
 * how it would compress it). */
static void
xenpvMigrationSrcCookie(xenpvDriver *driver, virDomainObj *vm, unsigned long flags,
                        xenpvMigrationCookie *cookie)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    xenpvMigrationCookieOwn(driver, vm, XENPV_COOKIE_STREAM | XENPV_COOKIE_FEATURES, cookie);
    if (flags & VIR_MIGRATE_COMPRESSED) {
        cookie->parts |= XENPV_COOKIE_COMPRESSION;
        cookie->compression = g_strdup(XENPV_MIGRATION_COMPRESSION);
    }
    /* What the guest runs in says its stream, and how it can be tracked. */
    g_free(cookie->streamFormat);
    cookie->streamFormat = g_strdup(xenpvDriverStreamFormat(driver, priv->container));
    cookie->logDirty = xenpvHostLogDirty(&driver->hostInfo, priv->container);
    if (virDomainObjIsActive(vm)) {
        cookie->parts |= XENPV_COOKIE_GUEST;
        cookie->abi = priv->abi;
        cookie->memoryKiB = vm->def->mem.cur_balloon;
        cookie->maxMemoryKiB = MAX(virDomainDefGetMemoryTotal(vm->def), cookie->memoryKiB);
        cookie->paused = virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED;
    }
}


char *
xenpvMigrationSrcBegin(xenpvDriver *driver, virDomainObj *vm,
                       const xenpvMigrationParams *mp, unsigned long flags,
                       char **cookieout, int *cookieoutlen, bool keepJob)
{
    g_auto(xenpvMigrationCookie) cookie = { 0 };
    g_autofree char *xml = NULL;
    xenpvMigration *mig;
    int state;

    if (flags & VIR_MIGRATE_OFFLINE) {
        if (virDomainObjIsActive(vm)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' is running: an offline migration moves only a definition; migrate it without --offline, or shut it down first"),
                           vm->def->name);
            return NULL;
        }
        if (!vm->persistent) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' is transient and not running: there is nothing to migrate"),
                           vm->def->name);
            return NULL;
        }
    } else {
        if (!virDomainObjIsActive(vm)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' is not running: migrate its definition with --offline --persistent"),
                           vm->def->name);
            return NULL;
        }
        state = virDomainObjGetState(vm, NULL);
        if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' is %s: only a running or paused domain can be migrated"),
                           vm->def->name, virDomainStateTypeToString(state));
            return NULL;
        }
        if (flags & VIR_MIGRATE_TLS) {
            virNetTLSContext *tls;

            /* Refused now, before anything moves, where certificates lack. */
            if (!(tls = xenpvMigrationTLSClient()))
                return NULL;
            virObjectUnref(tls);
        }
    }

    if (!(xml = xenpvMigrationSrcDefinition(driver, vm, mp, flags)))
        return NULL;
    xenpvMigrationSrcCookie(driver, vm, flags, &cookie);
    if (xenpvMigrationCookieBake(&cookie, cookieout, cookieoutlen) < 0)
        return NULL;

    if (keepJob) {
        mig = xenpvMigrationNew(driver, vm, flags, mp->bandwidthMiB);
        mig->wasPaused = cookie.paused;
        virDomainObjGetState(vm, &mig->prevReason);
        /* An offline migration touches no running guest: nothing to record. */
        if (!(flags & VIR_MIGRATE_OFFLINE)) {
            xenpvDomainObjPrivate *priv = vm->privateData;

            if (xenpvDomainJobBegin(driver, vm, XENPV_JOB_MIGRATION_OUT, NULL) < 0) {
                xenpvMigrationFree(mig);
                return NULL;
            }
            priv->job.flags = flags;
            if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_BEGIN) < 0) {
                xenpvDomainJobEnd(driver, vm);
                xenpvMigrationFree(mig);
                return NULL;
            }
        }
    }
    return g_steal_pointer(&xml);
}


/* The checks of the destination's cookie: another host, reading the stream
 * this host writes. */
static int
xenpvMigrationSrcCheckPeer(xenpvDriver *driver, const xenpvMigrationCookie *dst,
                           const char *peer)
{
    unsigned char hostUUID[VIR_UUID_BUFLEN];
    g_autofree char *what = g_strdup_printf(_("the stream of this host ('%s' version %u)"),
                                            driver->hyp.ops->streamFormat,
                                            driver->hyp.ops->streamVersion);

    if (virGetHostUUID(hostUUID) == 0 && memcmp(hostUUID, dst->hostUUID, VIR_UUID_BUFLEN) == 0) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("%s has this host's UUID: a guest cannot migrate to the host it runs on"),
                       peer);
        return -1;
    }
    virResetLastError();
    if (STRNEQ(dst->streamFormat, driver->hyp.ops->streamFormat) ||
        dst->streamVersion < driver->hyp.ops->streamVersion) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s reads '%s' save streams of version %u at most, so it cannot take %s"),
                       peer, dst->streamFormat, dst->streamVersion, what);
        return -1;
    }
    return 0;
}


typedef struct {
    xenpvFrameTransport *transport;
    xenpvMigrationPace *pace;
    bool compress;
    int fd;
    int rc;
    virErrorPtr error;
} xenpvMigrationSender;


/* Frames the back end's stream as it comes out of the socket pair, at the
 * pace the migration's bandwidth sets. */
static gpointer
xenpvMigrationSenderThread(gpointer data)
{
    xenpvMigrationSender *s = data;

    s->rc = xenpvFrameSendStream(s->transport, s->fd, s->compress, xenpvMigrationPaceChunk,
                                 s->pace);
    if (s->rc < 0)
        s->error = virSaveLastError();
    /* A write to the other end now fails at once: the save stops. */
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}


/* Stream the guest into @ch; once sent, wait for the destination's word
 * that it built the guest (unless the channel is one-way).  Called with
 * the domain locked and the job held; the lock is dropped meanwhile. */
static int
xenpvMigrationSrcStream(xenpvDriver *driver, virDomainObj *vm, xenpvMigration *mig,
                        const xenpvMigrationParams *mp, unsigned long flags)
{
    xenpvMigrationChannel *ch = mig->channel;
    xenpvMigrationSender sender = { .transport = &ch->transport, .pace = &mig->pace,
                                    .compress = mig->compress, .fd = -1 };
    xenpvSaveParams tuning = { 0 };
    GThread *thread;
    int pair[2] = { -1, -1 };
    int queue = XENPV_FRAME_SEND_CHUNK / 2;
    int rc;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        virReportSystemError(errno, "%s", _("cannot make the migration's socket pair"));
        return -1;
    }
    /* Little between the back end and the channel: what is queued there
     * is sent with the guest stopped, at the end. */
    if (setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &queue, sizeof(queue)) < 0)
        VIR_DEBUG("cannot shrink the migration's socket pair: %s", g_strerror(errno));
    sender.fd = pair[1];
    thread = g_thread_new("xenpv-mig-send", xenpvMigrationSenderThread, &sender);

    /* Cleared below, with the domain locked as job queries read it. */
    mig->control.inFlightOpaque = ch;
    mig->control.inFlight = xenpvMigrationChannelInFlight;
    tuning.live = !!(flags & VIR_MIGRATE_LIVE);
    tuning.converge = xenpvMigrationConverge;
    tuning.opaque = mig;
    mig->converge.initial = mp->convergeInitial;
    mig->converge.increment = mp->convergeIncrement;
    mig->converge.vcpus = virDomainDefGetVcpus(vm->def);
    rc = xenpvDomainStreamOut(driver, vm, pair[0], &tuning, &mig->control);
    VIR_FORCE_CLOSE(pair[0]);

    virObjectUnlock(vm);
    g_thread_join(thread);
    virObjectLock(vm);
    VIR_FORCE_CLOSE(pair[1]);
    mig->control.inFlight = NULL;
    mig->control.inFlightOpaque = NULL;

    /* The channel's failure is the cause of the save's. */
    if (sender.rc < 0) {
        if (rc == 0) {
            virErrorPtr err = NULL;

            virErrorPreserveLast(&err);
            ignore_value(xenpvDomainStreamUndo(driver, vm, mig->wasPaused));
            virFreeError(err);
        }
        virSetError(sender.error);
        virFreeError(sender.error);
        return -1;
    }
    if (rc < 0) {
        /* Stopped by AbortJob: that is the cause, not the back end's words. */
        if (g_atomic_int_get(&mig->control.abort)) {
            virResetLastError();
            xenpvDomainStreamReportAborted(_("migration out"));
        }
        return -1;
    }

    if (xenpvFrameSend(&ch->transport, XENPV_FRAME_END, NULL) < 0)
        goto undo;
    if (ch->oneWay) {
        /* Tunnelled: the stream is over; the destination's Finish says
         * whether it built the guest. */
        virObjectUnlock(vm);
        rc = virStreamFinish(ch->stream);
        virObjectLock(vm);
        if (rc < 0)
            goto undo;
    } else {
        xenpvFrameType type;
        g_autofree char *why = NULL;

        virObjectUnlock(vm);
        rc = xenpvFrameRecv(&ch->transport, &type, &why);
        virObjectLock(vm);
        if (rc < 0)
            goto undo;
        if (type != XENPV_FRAME_RESTORED) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("%s could not build the guest from its stream: %s"),
                           ch->peer, why ? why : _("it answered out of turn"));
            goto undo;
        }
    }
    return 0;

 undo:
    {
        virErrorPtr err = NULL;

        virErrorPreserveLast(&err);
        ignore_value(xenpvDomainStreamUndo(driver, vm, mig->wasPaused));
        virErrorRestore(&err);
    }
    return -1;
}


/* After GO: the destination's word.  TAKEN records COMMITTED; ABORT
 * (it will not run the guest) takes the migration back to PERFORMED; no
 * answer leaves HANDING, for Confirm to ask. */
static void
xenpvMigrationWatcherHandOver(xenpvMigration *mig)
{
    xenpvDriver *driver = mig->driver;
    virDomainObj *vm = mig->vm;
    xenpvMigrationChannel *ch = mig->channel;
    g_autofree char *why = NULL;
    xenpvFrameType type;
    int phase = XENPV_MIGRATION_PHASE_HANDING;

    g_mutex_lock(&mig->lock);
    mig->handing = true;
    g_mutex_unlock(&mig->lock);
    xenpvCrashPoint("src-go-recorded");

    /* The answer comes at once unless the destination is in trouble. */
    if (ch->sock)
        ignore_value(xenpvMigrationChannelSetTimeout(virNetSocketGetFD(ch->sock),
                                                     mig->ioTimeout));
    if (xenpvFrameSend(&ch->transport, XENPV_FRAME_GO, NULL) < 0 ||
        xenpvFrameRecv(&ch->transport, &type, &why) < 0) {
        VIR_WARN("migration of domain '%s': no word from %s after GO: %s", mig->name,
                 ch->peer, virGetLastErrorMessage());
    } else if (type == XENPV_FRAME_TAKEN) {
        xenpvCrashPoint("src-taken-received");
        phase = XENPV_MIGRATION_PHASE_COMMITTED;
    } else if (type == XENPV_FRAME_ABORT) {
        VIR_WARN("migration of domain '%s': %s did not take the guest: %s", mig->name,
                 ch->peer, NULLSTR(why));
        phase = XENPV_MIGRATION_PHASE_PERFORMED;
    } else {
        VIR_WARN("migration of domain '%s': %s answered GO out of turn (record %d)",
                 mig->name, ch->peer, type);
    }
    if (phase == XENPV_MIGRATION_PHASE_HANDING)
        return;
    virObjectLock(vm);
    if (phase == XENPV_MIGRATION_PHASE_COMMITTED)
        xenpvJobStatsResumed(vm);
    /* Should it not be recorded, a restarted daemon asks again. */
    if (xenpvMigrationSetPhase(driver, vm, phase) < 0)
        VIR_WARN("cannot record the outcome of the migration of domain '%s': %s",
                 vm->def->name, virGetLastErrorMessage());
    virObjectUnlock(vm);
}


/* Answers the destination's COMMIT (from its Finish) with GO once HANDING
 * is in the domain's status, and waits for its word.  Anything else, or
 * the channel closing before GO, leaves the guest this host's. */
static gpointer
xenpvMigrationWatcherThread(gpointer data)
{
    xenpvMigration *mig = data;
    xenpvDriver *driver = mig->driver;
    virDomainObj *vm = mig->vm;
    xenpvMigrationChannel *ch = mig->channel;
    xenpvDomainObjPrivate *priv;
    g_autofree char *why = NULL;
    xenpvFrameType type;
    bool recorded = false;
    bool aborted = false;

    if (xenpvFrameRecv(&ch->transport, &type, &why) < 0) {
        VIR_WARN("migration of domain '%s': %s", mig->name, virGetLastErrorMessage());
    } else if (type != XENPV_FRAME_COMMIT) {
        VIR_WARN("migration of domain '%s': %s gave up (%s)", mig->name, ch->peer,
                 NULLSTR(why));
    } else {
        virObjectLock(vm);
        priv = vm->privateData;
        /* An abort up to here keeps the guest: the switch-over is GO. */
        aborted = g_atomic_int_get(&mig->control.abort);
        recorded = !aborted && virDomainObjIsActive(vm) && priv->migration == mig &&
                   priv->job.phase == XENPV_MIGRATION_PHASE_PERFORMED &&
                   xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_HANDING) == 0;
        virObjectUnlock(vm);
        if (recorded)
            xenpvMigrationWatcherHandOver(mig);
        else if (aborted)
            ignore_value(xenpvFrameSend(&ch->transport, XENPV_FRAME_ABORT,
                                        _("its migration job was canceled by client at the source")));
        else
            ignore_value(xenpvFrameSend(&ch->transport, XENPV_FRAME_ABORT,
                                        _("the source could not record that it hands the guest over")));
    }
    virResetLastError();

    g_mutex_lock(&mig->lock);
    mig->watcherDone = true;
    g_cond_broadcast(&mig->cond);
    g_mutex_unlock(&mig->lock);
    VIR_DEBUG("migration of domain '%s': the watcher is done", mig->name);
    return NULL;
}


int
xenpvMigrationSrcPerform(xenpvDriver *driver, virDomainObj *vm,
                         const xenpvMigrationParams *mp, unsigned long flags,
                         const char *cookiein, int cookieinlen,
                         char **cookieout, int *cookieoutlen,
                         virStreamPtr tunnel)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvMigration *mig = priv->migration;
    g_auto(xenpvMigrationCookie) dst = { 0 };
    g_auto(xenpvMigrationCookie) out = { 0 };
    g_autofree char *peer = NULL;
    g_autofree char *host = NULL;
    unsigned int port = 0;
    xenpvMigrationChannel *ch;

    if (flags & VIR_MIGRATE_OFFLINE)
        return 0;

    if (!mig || virDomainObjCheckActive(vm) < 0) {
        if (!mig)
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' is not being migrated"), vm->def->name);
        return -1;
    }
    if (xenpvMigrationCookieParse(cookiein, cookieinlen, _("the destination host"),
                                  XENPV_COOKIE_HOST | XENPV_COOKIE_STREAM | XENPV_COOKIE_CHANNEL,
                                  &dst) < 0)
        return -1;
    peer = xenpvMigrationPeerName(_("destination"), dst.hostname);
    if (xenpvMigrationSrcCheckPeer(driver, &dst, peer) < 0)
        return -1;
    if (flags & VIR_MIGRATE_COMPRESSED) {
        if (!(dst.parts & XENPV_COOKIE_COMPRESSION) ||
            STRNEQ(dst.compression, XENPV_MIGRATION_COMPRESSION)) {
            virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                           _("%s does not take a stream compressed with %s (VIR_MIGRATE_COMPRESSED): migrate without --compressed"),
                           peer, XENPV_MIGRATION_COMPRESSION);
            return -1;
        }
        mig->compress = true;
    }

    /* Where to ask should the outcome be lost: the daemon a peer-to-peer
     * migration talks to, else the one the destination names. */
    g_free(priv->job.peer);
    priv->job.peer = g_strdup(mig->peerUri ? mig->peerUri : dst.inquiryUri);
    g_free(priv->job.id);
    priv->job.id = (dst.parts & XENPV_COOKIE_INQUIRY) ? g_strdup(dst.id) : NULL;

    if (tunnel) {
        if (!(mig->channel = xenpvMigrationChannelTunnelOut(tunnel, dst.token, peer)))
            return -1;
    } else {
        if (!mp->uri) {
            virReportError(VIR_ERR_INVALID_ARG, "%s",
                           _("no migration URI: the destination's Prepare gives one"));
            return -1;
        }
        if (xenpvMigrationParseURI(mp->uri, &host, &port) < 0)
            return -1;
        if (!port)
            port = dst.port;
        virObjectUnlock(vm);
        ch = xenpvMigrationChannelConnect(host, port, !!(flags & VIR_MIGRATE_TLS), dst.token,
                                          mig->ioTimeout, peer);
        virObjectLock(vm);
        if (!ch)
            return -1;
        mig->channel = ch;
    }

    if (mp->bandwidthMiB)
        g_atomic_int_set(&mig->control.bandwidthMiB, mp->bandwidthMiB);
    if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_PERFORM) < 0 ||
        xenpvMigrationSrcStream(driver, vm, mig, mp, flags) < 0) {
        virErrorPtr err = NULL;

        g_free(mig->errmsg);
        mig->errmsg = g_strdup(virGetLastErrorMessage());
        virErrorPreserveLast(&err);
        if (mig->channel && mig->channel->oneWay)
            ignore_value(virStreamAbort(mig->channel->stream));
        else if (mig->channel)
            ignore_value(xenpvFrameSend(&mig->channel->transport, XENPV_FRAME_ABORT,
                                        virGetLastErrorMessage()));
        g_clear_pointer(&mig->channel, xenpvMigrationChannelFree);
        ignore_value(xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_BEGIN));
        virErrorRestore(&err);
        return -1;
    }

    /* Until the destination runs it, the guest is paused for the migration. */
    virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
    if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_PERFORMED) < 0)
        VIR_WARN("cannot record that domain '%s' was sent", vm->def->name);
    /* The destination's Finish comes whenever its caller calls it: the
     * watcher waits without a timeout (Confirm, or the client's going
     * away, wakes it). */
    if (!mig->channel->oneWay) {
        if (mig->channel->sock)
            ignore_value(xenpvMigrationChannelSetTimeout(virNetSocketGetFD(mig->channel->sock), 0));
        mig->watcher = g_thread_new("xenpv-mig-watch", xenpvMigrationWatcherThread, mig);
    }

    xenpvMigrationCookieOwn(driver, vm, 0, &out);
    /* For the destination's count of the downtime. */
    if ((out.stoppedMs = xenpvJobStatsStoppedAt(vm)))
        out.parts |= XENPV_COOKIE_TIMING;
    return xenpvMigrationCookieBake(&out, cookieout, cookieoutlen);
}


bool
xenpvMigrationSrcHandingOver(virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    return priv->job.kind == XENPV_JOB_MIGRATION_OUT &&
           priv->job.phase >= XENPV_MIGRATION_PHASE_HANDING;
}


bool
xenpvMigrationSrcCommitted(virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    return priv->job.kind == XENPV_JOB_MIGRATION_OUT &&
           priv->job.phase == XENPV_MIGRATION_PHASE_COMMITTED;
}


/* Wait for the watcher to be done: its channel is shut down first unless
 * GO is being sent (the destination's word is then on its way, or the
 * channel's timeout ends the wait). */
static void
xenpvMigrationSrcStopWatcher(virDomainObj *vm, xenpvMigration *mig)
{
    if (!mig->watcher)
        return;
    g_mutex_lock(&mig->lock);
    if (!mig->watcherDone && !mig->handing && mig->channel)
        xenpvMigrationChannelShutdown(mig->channel);
    g_mutex_unlock(&mig->lock);
    virObjectUnlock(vm);
    g_thread_join(mig->watcher);
    virObjectLock(vm);
    mig->watcher = NULL;
}


/* The guest is the destination's: destroy it here, and undefine it if
 * asked. */
void
xenpvMigrationSrcHandOver(xenpvDriver *driver, virDomainObj *vm, unsigned long flags)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (virDomainObjIsActive(vm)) {
        if (xenpvProcessDestroyDomain(driver, vm) < 0)
            VIR_WARN("domain '%s' migrated but its copy here could not be destroyed: %s",
                     vm->def->name, virGetLastErrorMessage());
        xenpvJobRecordClear(&priv->job);
        xenpvProcessCleanup(driver, vm, VIR_DOMAIN_SHUTOFF_MIGRATED);
        xenpvDriverQueueEvent(driver,
                              virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                VIR_DOMAIN_EVENT_STOPPED_MIGRATED));
    }
    if ((flags & VIR_MIGRATE_UNDEFINE_SOURCE) && vm->persistent) {
        if (virDomainDeleteConfig(driver->configDir, driver->autostartDir, vm) < 0) {
            VIR_WARN("cannot undefine migrated domain '%s': %s", vm->def->name,
                     virGetLastErrorMessage());
        } else {
            vm->persistent = 0;
            xenpvDriverQueueEvent(driver,
                                  virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_UNDEFINED,
                                                                    VIR_DOMAIN_EVENT_UNDEFINED_REMOVED));
        }
    }
    VIR_INFO("domain '%s' migrated away", vm->def->name);
}


/* The guest stays: resumed as it was before the migration. */
static void
xenpvMigrationSrcKeep(xenpvDriver *driver, virDomainObj *vm, xenpvMigration *mig)
{
    if (!virDomainObjIsActive(vm))
        return;
    if (xenpvDomainStreamUndo(driver, vm, mig->wasPaused) < 0)
        VIR_ERROR(_("domain '%s' stays suspended after its migration was cancelled: %s"),
                  vm->def->name, virGetLastErrorMessage());
    xenpvMigrationSrcRestoreState(vm, mig->wasPaused, mig->prevReason);
}


void
xenpvMigrationSrcRestoreState(virDomainObj *vm, bool wasPaused, int pausedReason)
{
    int reason;

    /* Only a state the migration set is undone. */
    if (virDomainObjGetState(vm, &reason) != VIR_DOMAIN_PAUSED ||
        reason != VIR_DOMAIN_PAUSED_MIGRATION)
        return;
    if (wasPaused)
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, pausedReason);
    else
        virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATION_CANCELED);
}


int
xenpvMigrationSrcConfirm(xenpvDriver *driver, virDomainObj *vm,
                         unsigned long flags, bool cancelled)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvMigration *mig = priv->migration;
    int asked = 0;
    int ret = 0;

    if (!mig) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not being migrated"), vm->def->name);
        return -1;
    }

    if (flags & VIR_MIGRATE_OFFLINE) {
        if (!cancelled)
            xenpvMigrationSrcHandOver(driver, vm, flags);
        xenpvMigrationFree(mig);
        return 0;
    }

    xenpvMigrationSrcStopWatcher(vm, mig);
    xenpvMigrationConvergeRelease(driver, vm);
    /* GO went out and no word came back: the destination's record decides. */
    if (priv->job.kind == XENPV_JOB_MIGRATION_OUT &&
        priv->job.phase == XENPV_MIGRATION_PHASE_HANDING && virDomainObjIsActive(vm)) {
        asked = xenpvMigrationSrcAsk(driver, vm);
        if (asked > 0)
            ignore_value(xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_COMMITTED));
        else if (asked == 0)
            ignore_value(xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_PERFORMED));
    }
    xenpvMigrationComplete(vm, mig, asked >= 0 && xenpvMigrationSrcCommitted(vm));
    if (asked < 0) {
        /* Neither destroyed nor resumed until the destination says. */
        ret = xenpvMigrationSrcHold(driver, vm);
    } else if (xenpvMigrationSrcCommitted(vm)) {
        if (cancelled)
            VIR_WARN("the destination reports a failed Finish after it took domain '%s': it keeps the guest",
                     vm->def->name);
        xenpvMigrationSrcHandOver(driver, vm, flags);
        xenpvDomainJobEnd(driver, vm);
    } else {
        xenpvMigrationSrcKeep(driver, vm, mig);
        xenpvDomainJobEnd(driver, vm);
    }
    xenpvMigrationFree(mig);
    /* Changes the migration kept the monitor from looking at. */
    xenpvMonitorRescanAll(driver);
    return ret;
}
