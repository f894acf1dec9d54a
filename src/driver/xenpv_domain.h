/*
 * xenpv_domain.h: the driver's per-domain state and the domain object
 * helpers every entry point uses.
 */
#pragma once

#include "xenpv_driver.h"
#include "xenpv_domain_job.h"

/* Namespace of the live XML's <metadata> element recording the guest ABI. */
#define XENPV_METADATA_NS_URI "urn:xenpv:guest-abi:1"
#define XENPV_METADATA_NS_PREFIX "xenpv"

/* A migration under way (src/migration/xenpv_migration_priv.h). */
typedef struct _xenpvMigration xenpvMigration;

/* The private part of an async job's data (save, restore, migration):
 * how far its stream has got, as the back end and the data channel report
 * it (xenpv_domain_stream.c), for GetJobInfo and GetJobStats
 * (xenpv_driver_job.c).  Changed with the domain locked.  Times are
 * g_get_monotonic_time() in ms. */
typedef struct _xenpvJobDataPrivate xenpvJobDataPrivate;
struct _xenpvJobDataPrivate {
    uint64_t memoryBytes;       /* the guest's memory */
    uint64_t sentPages;         /* pages written so far, all rounds */
    uint64_t remainingPages;    /* still to send, as last reported */
    uint64_t reportBytes;       /* stream bytes at that report */
    unsigned int iteration;     /* pre-copy round: 1 copies everything */
    double dirtyRate;           /* pages per second, the last round */
    unsigned long long streamStart;     /* the stream began (setup done) */
    unsigned long long streamEnd;       /* it was complete */
    /* Two marks two seconds or more apart (time, stream bytes handed to the
     * data channel, and of those gone from it): the rate is measured since
     * the older (xenpv_domain_jobstats.c). */
    unsigned long long rateMarkAt[2];
    uint64_t rateMarkTaken[2];
    uint64_t rateMarkSent[2];
    unsigned long long suspended;       /* the guest stopped, 0 while it runs */
    unsigned long long suspendedReal;   /* the same, ms since the epoch */
    unsigned long long downtime;        /* ms: the guest was stopped (completed) */
    unsigned long long setupTime;       /* ms: from the job's start to the stream's */
    uint64_t bytes;             /* completed: stream bytes in all */
    uint64_t wireBytes;         /* completed: bytes on the wire (compressed) */
    unsigned int throttle;      /* auto-converge: % of CPU taken from the guest */
};

/* A stream while it flows (save, restore, migration): what steers it, set
 * by API calls (AbortJob, the migration's speed and downtime), and how far
 * it got, counted by its threads.  All atomic, so that neither side waits
 * for the other.  Its owner keeps it for the job's life and points the
 * domain's private data at it (priv->stream) while it may be looked at. */
typedef struct _xenpvStreamControl xenpvStreamControl;
struct _xenpvStreamControl {
    gint abort;                 /* AbortJob asked to stop */
    guint maxDowntimeMs;        /* 0: no target (Xen's classic policy) */
    guint bandwidthMiB;         /* MiB/s, 0: no limit */
    gsize bytes;                /* stream bytes so far */
    gsize wireBytes;            /* the same as sent on the wire (compressed) */
    bool metered;               /* (set once) a data channel counts the bytes;
                                 * else the back end's pages say */
    size_t queued;              /* (set once) bytes that may wait between the
                                 * back end and the wire where nobody can
                                 * count them (a chunk, a peer's buffers) */
    /* (set while the stream flows, with the domain locked) of the bytes
     * counted, those the kernel still holds for the wire (a socket's send
     * queue); NULL: none that can be counted */
    size_t (*inFlight)(void *opaque);
    void *inFlightOpaque;
    /* (set once) a restore reads the stream from @file, at @fileStart
     * first: where its offset is now says how far it got */
    bool fromFile;
    int file;
    uint64_t fileStart;
};

/* What @control's socket holds for the wire now (0: none that can be
 * counted). */
static inline size_t
xenpvStreamControlInFlight(xenpvStreamControl *control)
{
    return control->inFlight ? control->inFlight(control->inFlightOpaque) : 0;
}

typedef struct _xenpvDomainObjPrivate xenpvDomainObjPrivate;
struct _xenpvDomainObjPrivate {
    /* The guest's ABI as built (from its kernel, or from a save image);
     * kept in the status XML so it survives a daemon restart. */
    xenpvGuestAbi abi;
    /* What it runs in (a PV domain, or the PV-shim's PVH container, and
     * then the shim image it booted); in the status XML too. */
    xenpvContainer container;
    char *shim;
    /* The guest's own shutdown was dealt with by a "preserve" action: the
     * domain stays until destroyed, and later rescans leave it alone. */
    bool shutdownHandled;
    /* A rescan of this domain is queued (atomic). */
    gint rescanQueued;
    /* The job under way, recorded in the status XML so that a restarted
     * daemon can finish or undo it (xenpv_recover.c). */
    xenpvJobRecord job;
    /* The guest was asked to suspend for a job that no longer exists (the
     * daemon was killed while it asked): should it suspend after all, it
     * is resumed rather than left suspended with nobody to resume it. */
    bool resumeSuspend;
    /* The definition names no arch: its kernel decides (see
     * xenpv_domain_arch.h).  Kept in the status XML and, for the persistent
     * definition, in the driver's config file; never in what users see. */
    bool archFromKernel;
    /* The migration under way, in or out, while its async job is held. */
    xenpvMigration *migration;
    /* The stream of the async job under way (save, restore, migration),
     * while it can be steered or looked at. */
    xenpvStreamControl *stream;
    /* AbortJob came before the stream was set up: it stops at once. */
    bool abortRequested;
    /* The domain's migration settings (MigrateSetMaxDowntime,
     * MigrateSetMaxSpeed): what its next migration starts with; 0 for
     * none. */
    unsigned int migMaxDowntimeMs;
    unsigned int migMaxSpeedMiB;
};

/* Private data callbacks and job configuration for the XML options. */
extern virDomainXMLPrivateDataCallbacks xenpvDomainPrivateDataCallbacks;
extern virDomainJobObjConfig xenpvDomainJobConfig;

/* Find the domain object for @dom, locked and referenced (release it with
 * virDomainObjEndAPI), or NULL with VIR_ERR_NO_DOMAIN naming it. */
virDomainObj *xenpvDomObjFromDomain(virDomainPtr dom);

/* Write the status XML of a running domain; logs on failure. */
int xenpvDomainSaveStatus(xenpvDriver *driver, virDomainObj *vm);
/* Remove the status XML of a domain that stopped. */
void xenpvDomainRemoveStatus(xenpvDriver *driver, virDomainObj *vm);

/* Record in @vm's status that a job of @kind begins, on file @path if it
 * has one (the guest's state now says whether it was paused).  Returns 0,
 * or -1 with an error and nothing recorded when the status cannot be
 * written: the job must not start. */
int xenpvDomainJobBegin(xenpvDriver *driver, virDomainObj *vm, xenpvJobKind kind,
                        const char *path);
/* The job is over: forget it, and write the status of a running domain. */
void xenpvDomainJobEnd(xenpvDriver *driver, virDomainObj *vm);

/* Record @abi and what the guest runs in (@container, and the PV-shim's
 * image @shim) in the private data and the live definition's metadata. */
int xenpvDomainSetAbi(xenpvDriver *driver, virDomainObj *vm, xenpvGuestAbi abi,
                      xenpvContainer container, const char *shim);

/* For a running guest in the PV-shim, a sentence saying so (what it is,
 * which shim, in what); NULL for a PV domain of its own. */
char *xenpvDomainContainerNote(virDomainObj *vm);

/* Write the persistent definition of @vm to the driver's config directory,
 * with the arch marker when its arch is left to the kernel. */
int xenpvDomainSaveConfig(xenpvDriver *driver, virDomainObj *vm);

/* The same for a definition of @vm other than the one in the object (a
 * copy being changed); @vm gives the arch's origin. */
int xenpvDomainSaveConfigDef(xenpvDriver *driver, virDomainObj *vm, virDomainDef *def);

/* After a persistent definition was loaded from the config directory: take
 * the arch marker out of it into the private data. */
void xenpvDomainLoadedConfig(virDomainObj *vm);

/* Take the guest ABI that xenpvDomainSetAbi recorded out of a copy of a
 * live definition that is to become a persistent one. */
void xenpvDomainDefDropAbi(virDomainDef *def);

/* Drop a transient domain that is no longer running from the list.  Called
 * with the domain locked, and returns with it locked: it reads the domain,
 * and libvirt's removal drops the lock and takes it again. */
void xenpvDomainRemoveInactive(xenpvDriver *driver, virDomainObj *vm);

/* Path of the managed save image of @vm. */
char *xenpvDomainManagedSavePath(xenpvDriver *driver, virDomainObj *vm);

/* "/local/domain/<domid>/<rel>" */
char *xenpvDomainStorePath(virDomainObj *vm, const char *rel);

/* Refuse, with VIR_ERR_OPERATION_INVALID and @why, a transient domain. */
int xenpvDomainCheckPersistent(virDomainObj *vm, const char *why);

/* Is the domain in a state where asking the guest for something makes sense? */
int xenpvDomainCheckRunning(virDomainObj *vm);
