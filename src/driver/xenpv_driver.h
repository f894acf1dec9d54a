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

#include "xenpv_conf.h"
#include "xenpv_hypervisor.h"

typedef struct _xenpvDriver xenpvDriver;
struct _xenpvDriver {
    bool privileged;
    char *embeddedRoot;             /* xen:///embed?root=DIR, else NULL */

    xenpvDriverConfig *config;

    /* The back end serving every call. */
    xenpvHypervisor hyp;
    xenpvHostInfo hostInfo;         /* as read at start: static fields only */

    virCaps *caps;
    virDomainXMLOption *xmlopt;
    virDomainObjList *domains;
    virObjectEventState *domainEventState;

    char *configFile;
    char *configDir;                /* persistent domain XML */
    char *autostartDir;
    char *stateDir;                 /* status XML of running domains */
    char *saveDir;                  /* managed save images */
    char *logDir;

    /* Tell the daemon not to exit on idle while domains run. */
    virStateInhibitCallback inhibitCallback;
    void *inhibitOpaque;
    gint nactive;                   /* atomic: running domains */

    /* Watch on the back end's event fd, and the change counter that
     * waiters (shutdown acks, save suspends) sleep on. */
    int eventWatch;
    GMutex changeLock;
    GCond changeCond;
    guint64 changeSerial;
    GThreadPool *rescanPool;
};

/* The driver, or NULL while it is not initialised (see xenpvInitFailure). */
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

/* The state driver table, for registration. */
extern virStateDriver xenpvStateDriver;
