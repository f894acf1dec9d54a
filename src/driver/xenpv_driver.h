/*
 * xenpv_driver.h: the driver's shared state, and what its parts offer each
 * other.
 *
 * One xenpvDriver exists while the state driver is initialised.  Its
 * members are set up once in stateInitialize and never change afterwards,
 * apart from the objects that carry their own locks (the domain list, the
 * event state) and the counters noted below.
 */
#pragma once

#include "internal.h"
#include "driver.h"
#include "capabilities.h"
#include "domain_conf.h"
#include "object_event.h"
#include "virdomainobjlist.h"
#include "virportallocator.h"

#include "xenpv_conf.h"
#include "xenpv_hypervisor.h"
#include "xenpv_kernel_cache.h"
#include "xenpv_pvshim.h"

typedef struct _xenpvDriver xenpvDriver;
struct _xenpvDriver {
    bool privileged;
    char *embeddedRoot;             /* xen:///embed?root=DIR, else NULL */

    xenpvDriverConfig *config;

    /* The back end serving every call. */
    xenpvHypervisor hyp;
    xenpvHostInfo hostInfo;         /* as read at start: static fields only */
    xenpvPvshimHost shim;           /* what the host offers for the PV-shim */
    /* Decompressed kernel images between builds (its own lock). */
    xenpvKernelCache *kernelCache;

    virCaps *caps;
    virPortAllocatorRange *vncPorts;    /* PV framebuffers' VNC ports */
    virDomainXMLOption *xmlopt;
    virDomainObjList *domains;
    virObjectEventState *domainEventState;

    char *configFile;
    char *configDir;                /* persistent domain XML */
    char *autostartDir;
    char *stateDir;                 /* status XML of running domains */
    char *saveDir;                  /* managed save images */
    char *migrationDir;             /* outcomes of incoming migrations */
    char *logDir;
    /* System daemon only (NULL when embedded): the directory of an earlier
     * version's definitions, and libvirt's libxl driver's status and
     * managed save directories (xenpv_dirs.c). */
    char *oldConfigDir;
    char *libxlStateDir;
    char *libxlSaveDir;

    /* Tell the daemon not to exit on idle while domains run. */
    virStateInhibitCallback inhibitCallback;
    void *inhibitOpaque;
    gint nactive;                   /* atomic: running domains */

    /* Watch on the back end's event fd (xenpv_monitor.c), and the change
     * counter that waiters (guest requests, suspends) sleep on. */
    int eventWatch;
    GMutex changeLock;
    GCond changeCond;
    guint64 changeSerial;
    GThreadPool *rescanPool;

    /* The ports incoming migrations listen on (migration_port_min..max). */
    virPortAllocatorRange *migrationPorts;
    /* Asks destinations about migrations whose outcome this host lost
     * track of (src/migration/xenpv_migration_inquiry.c). */
    struct _xenpvMigrationResolver *migrationResolver;
};

/* The driver, or NULL while it is not initialised (see xenpvInitFailure).
 * Defined, with everything below but the state driver's own calls, in
 * xenpv_driver_shared.c. */
extern xenpvDriver *xenpv_driver;

/* Why stateInitialize skipped the driver (no Xen, no simhost, bad config). */
const char *xenpvDriverInitFailure(void);

/* Domain states worth a daemon's attention. */
void xenpvDriverDomainStarted(xenpvDriver *driver);
void xenpvDriverDomainStopped(xenpvDriver *driver);

/* Queue an event (NULL is ignored). */
void xenpvDriverQueueEvent(xenpvDriver *driver, virObjectEvent *event);

/* Report VIR_ERR_NO_SUPPORT unless the back end has @op. */
#define XENPV_HYP_HAS(driver, op) \
    ((driver)->hyp.ops->op ? true : \
     (xenpvDriverReportUnsupported((driver), #op), false))
void xenpvDriverReportUnsupported(xenpvDriver *driver, const char *opName);

/* The change counter: bumped whenever the hypervisor reports that some
 * domain changed state.  Init and Clear bracket the driver's life. */
void xenpvDriverChangesInit(xenpvDriver *driver);
void xenpvDriverChangesClear(xenpvDriver *driver);
void xenpvDriverNotifyChange(xenpvDriver *driver);
guint64 xenpvDriverChangeSerial(xenpvDriver *driver);
/* Sleep until the change counter moves past @serial, or until
 * @deadlineUs (g_get_monotonic_time), or for at most a fifth of a second
 * (the store raises no event, so callers also poll what they wait for).
 * Returns the new counter value. */
guint64 xenpvDriverWaitChange(xenpvDriver *driver, guint64 serial, gint64 deadlineUs);

/* Can this host's back end read a save stream of @format and @version
 * (from a save image or a migration source, which @origin names for the
 * message)?  Its own stream format, or that of guests in the PV-shim.
 * 0, or -1 with VIR_ERR_OPERATION_UNSUPPORTED naming both. */
int xenpvDriverCheckStream(xenpvDriver *driver, const char *format,
                           unsigned int version, const char *origin);

/* The stream format the back end writes for a guest in @container (what
 * save images and migration record), and the container a stream of
 * @format restores into. */
const char *xenpvDriverStreamFormat(xenpvDriver *driver, xenpvContainer container);
xenpvContainer xenpvDriverStreamContainer(xenpvDriver *driver, const char *format);

/* The state driver table, for registration. */
extern virStateDriver xenpvStateDriver;
