/*
 * xenpv_migration_priv.h: what the files of src/migration share: the
 * phases a migration goes through (recorded in the domain's status, see
 * xenpv_domain_job.h), and the state of one migration while it runs.
 *
 * The hand-over: the destination's Finish asks (COMMIT); the source
 * records HANDING and answers GO; the destination records its decision to
 * run the guest (xenpv_migration_outcome.h: the commit point) and answers
 * TAKEN; the source records COMMITTED and destroys its copy.  A source in
 * HANDING that got no answer does not know the outcome: it asks the
 * destination (xenpv_migration_inquiry.c) and until it gets an answer
 * keeps the guest paused, neither destroyed nor resumed.
 *
 * Locking: a migration runs under the domain's async job (MIGRATION_OUT on
 * the source, MIGRATION_IN on the destination), held from Begin (Prepare)
 * to Confirm (Finish) across the API calls, so that only queries and
 * destroy run beside it.  Its state hangs off the domain's private data
 * and is changed with the domain locked, except the fields marked
 * (lock), which the migration's own threads (the source's watcher, the
 * destination's listener and receiver) share under its mutex: those
 * threads never wait for the domain's lock while holding it, and API
 * calls drop the domain's lock before waiting for them.
 */
#pragma once

#include "xenpv_domain.h"
#include "xenpv_migration_channel.h"
#include "xenpv_migration_cookie.h"
#include "xenpv_migration_listen.h"
#include "xenpv_migration_pace.h"
#include "xenpv_migration_params.h"

typedef struct _xenpvMigrationResolver xenpvMigrationResolver;

typedef enum {
    XENPV_MIGRATION_PHASE_NONE = 0,
    /* Source. */
    XENPV_MIGRATION_PHASE_BEGIN = 1,        /* begun: nothing moved yet */
    XENPV_MIGRATION_PHASE_PERFORM = 2,      /* the guest's stream is being sent */
    XENPV_MIGRATION_PHASE_PERFORMED = 3,    /* sent and built at the destination */
    XENPV_MIGRATION_PHASE_HANDING = 4,      /* the destination may run the guest (GO
                                             * sent, or tunnelled: its Finish
                                             * called): the outcome is its word */
    XENPV_MIGRATION_PHASE_COMMITTED = 5,    /* the destination runs it (TAKEN) */
    /* Destination. */
    XENPV_MIGRATION_PHASE_PREPARED = 11,    /* waiting for, or receiving, the stream */
    XENPV_MIGRATION_PHASE_RECEIVED = 12,    /* built from the stream, paused */
    XENPV_MIGRATION_PHASE_RUN = 13,         /* decided: the guest runs here */
} xenpvMigrationPhase;

struct _xenpvMigration {
    xenpvDriver *driver;
    virDomainObj *vm;           /* referenced */
    /* The domain's name, for the migration's own threads: they run without
     * the domain's lock, and a destroy (allowed during a migration's job)
     * may free the definition that holds vm's. */
    char *name;
    unsigned long flags;
    GMutex lock;
    GCond cond;
    /* The stream: steered (abort, downtime, bandwidth) and counted, for
     * both sides; the domain's priv->stream points here. */
    xenpvStreamControl control;
    xenpvMigrationPace pace;
    char *errmsg;                       /* why it failed, for the statistics */
    /* Auto-converge (the saving thread's): its steps, the guest's vCPUs,
     * the throttle in force (%), the pages sent when the last round ended. */
    struct {
        unsigned int initial;
        unsigned int increment;
        unsigned int vcpus;
        unsigned int throttle;
        uint64_t lastSent;
    } converge;

    /* Source. */
    bool performing;                    /* Perform runs: a client going away
                                         * only marks clientGone */
    bool clientGone;
    xenpvMigrationChannel *channel;     /* direct: from Perform to Confirm */
    GThread *watcher;                   /* answers the destination's COMMIT */
    char *peerUri;                      /* peer to peer: the destination daemon's URI */
    bool wasPaused;
    int prevReason;                     /* the state's reason before */
    bool compress;                      /* both ends agreed on zstd */
    bool handing;                       /* (lock) GO is being sent: the channel
                                         * is left to the watcher */
    bool watcherDone;                   /* (lock) */

    /* Destination. */
    xenpvMigrationListener *listener;
    char token[XENPV_MIGRATION_TOKEN_HEX + 1];
    char id[XENPV_MIGRATION_ID_HEX + 1];    /* its outcome's record; "" offline */
    xenpvGuestAbi abi;
    xenpvContainer container;           /* what the stream restores into */
    bool sourcePaused;
    unsigned int ioTimeout;
    xenpvMigrationChannel *inChannel;   /* (lock) the accepted connection */
    GThread *receiver;                  /* (lock) */
    int outcome;                        /* (lock) 0 pending, 1 built, -1 failed */
    virErrorPtr error;                  /* (lock) why it failed */
    bool stopping;                      /* (lock) tear-down under way */
};

/* Allocate and attach to @vm's private data (with the domain's migration
 * settings, and @bandwidthMiB instead of its speed when not 0); detach and
 * free. */
xenpvMigration *xenpvMigrationNew(xenpvDriver *driver, virDomainObj *vm, unsigned long flags,
                                  unsigned long long bandwidthMiB);
void xenpvMigrationFree(xenpvMigration *mig);

/* The migration's statistics become the completed ones: it succeeded,
 * was aborted, or failed (with the error last reported, or @errmsg). */
void xenpvMigrationComplete(virDomainObj *vm, xenpvMigration *mig, bool done);

/* Record @phase of the job in the status; -1 with an error when the
 * status cannot be written. */
int xenpvMigrationSetPhase(xenpvDriver *driver, virDomainObj *vm, xenpvMigrationPhase phase);

/* Start a cookie of this host's: its host and domain parts, the stream
 * part (this back end's) if @parts asks, and @parts marked present (the
 * caller fills the rest). */
void xenpvMigrationCookieOwn(xenpvDriver *driver, virDomainObj *vm, unsigned int parts,
                             xenpvMigrationCookie *cookie);

/* "the destination host 'b'" and the like, for messages. */
char *xenpvMigrationPeerName(const char *role, const char *host);

/* Source (xenpv_migration_src.c). */
char *xenpvMigrationSrcBegin(xenpvDriver *driver, virDomainObj *vm,
                             const xenpvMigrationParams *mp, unsigned long flags,
                             char **cookieout, int *cookieoutlen, bool keepJob);
int xenpvMigrationSrcPerform(xenpvDriver *driver, virDomainObj *vm,
                             const xenpvMigrationParams *mp, unsigned long flags,
                             const char *cookiein, int cookieinlen,
                             char **cookieout, int *cookieoutlen,
                             virStreamPtr tunnel);
int xenpvMigrationSrcConfirm(xenpvDriver *driver, virDomainObj *vm,
                             unsigned long flags, bool cancelled);
/* The guest is the destination's: destroy it here, and undefine it if
 * @flags say so. */
void xenpvMigrationSrcHandOver(xenpvDriver *driver, virDomainObj *vm, unsigned long flags);
/* The guest stays here: its state as before the migration. */
void xenpvMigrationSrcRestoreState(virDomainObj *vm, bool wasPaused, int pausedReason);
/* Has the source given the guest to the destination? */
bool xenpvMigrationSrcCommitted(virDomainObj *vm);

/* Destination (xenpv_migration_dst.c). */
int xenpvMigrationDstPrepare(xenpvDriver *driver, virConnectPtr dconn,
                             const xenpvMigrationParams *mp, unsigned long flags,
                             const char *domXML,
                             const char *cookiein, int cookieinlen,
                             char **cookieout, int *cookieoutlen,
                             const char *uriIn, char **uriOut,
                             virStreamPtr tunnel);
virDomainPtr xenpvMigrationDstFinish(xenpvDriver *driver, virConnectPtr dconn,
                                     const xenpvMigrationParams *mp, unsigned long flags,
                                     const char *cookiein, int cookieinlen,
                                     char **cookieout, int *cookieoutlen,
                                     bool cancelled);

/* The incoming guest is this host's: run it (unless @flags say PAUSED or
 * it was paused at the source) and make it persistent (PERSIST_DEST, from
 * @persistXml if given).  @stoppedMs (the source's wall clock when it
 * stopped the guest, 0 if unknown) ends the job's downtime at the unpause. */
int xenpvMigrationDstRun(xenpvDriver *driver, virDomainObj *vm, unsigned long flags,
                         bool sourcePaused, const char *persistXml,
                         unsigned long long stoppedMs);

/* Preflight (xenpv_migration_preflight.c): can this host take the guest
 * the source's cookie and @def describe?  Each refusal names its cause. */
int xenpvMigrationPreflight(xenpvDriver *driver, virDomainDef *def,
                            const xenpvMigrationCookie *src, unsigned long flags,
                            const char *peer);

/* Auto-converge (xenpv_migration_converge.c): the back end's converge
 * callback (@opaque: the migration), and, when the migration is over, the
 * guest's own CPU cap given back (the job record says what it was). */
void xenpvMigrationConverge(void *opaque, const xenpvSaveRound *round);
void xenpvMigrationConvergeRelease(xenpvDriver *driver, virDomainObj *vm);

/* A destination's tear-down: the outcome is recorded as refused first
 * (unless it was decided otherwise, which the caller is told by -1). */
int xenpvMigrationDstRefuse(xenpvDriver *driver, xenpvMigration *mig);

/* Inquiries (xenpv_migration_inquiry.c).  Source: ask the destination
 * its job record names whether it runs @vm's guest: 1 it does, 0 it does
 * not and never will, -1 it cannot be asked (logged).  Called locked with
 * a job held; the lock is dropped meanwhile. */
int xenpvMigrationSrcAsk(xenpvDriver *driver, virDomainObj *vm);
/* Source: the outcome is unknown and cannot be learnt now: the guest stays
 * paused (reason migration), the record stays in the status, the event
 * is sent and the destination is asked again later; -1 with an error
 * saying so and what an operator may do. */
int xenpvMigrationSrcHold(xenpvDriver *driver, virDomainObj *vm);
/* Ask the destinations of unsettled migrations (at once, then every
 * migration_inquiry_interval seconds while any is unsettled). */
void xenpvMigrationResolverKick(xenpvDriver *driver);
void xenpvMigrationResolverNew(xenpvDriver *driver);
/* Waits for an inquiry under way to end. */
void xenpvMigrationResolverFree(xenpvDriver *driver);
/* Destination: a source's inquiry (Finish with cancelled and <inquiry>). */
virDomainPtr xenpvMigrationDstAnswer(xenpvDriver *driver, virConnectPtr dconn,
                                     const xenpvMigrationCookie *cookie);

/* Peer to peer (xenpv_migration_p2p.c): the whole sequence, from the
 * source daemon, against @dconnuri. */
int xenpvMigrationPeer2Peer(xenpvDriver *driver, virDomainObj *vm, virConnectPtr conn,
                            const char *dconnuri, virTypedParameterPtr params,
                            int nparams, const xenpvMigrationParams *mp,
                            unsigned long flags);
