/*
 * xenpv_driver_shared.c: what every part of the driver shares: the one
 * driver object, events, the count of running domains, the change counter
 * that waiters sleep on, and the back end's stream format.
 *
 * Nothing here calls into the other files of the driver, so that the state
 * driver, the monitor, process handling and saving can all use it without
 * calling each other in a circle.
 *
 * Locking of the driver object:
 *  - xenpv_driver is set once the driver is whole, before its domains are
 *    loaded, and cleared by stateCleanup, which libvirtd runs only once it
 *    serves no more calls (its workers drained, every connection closed and
 *    with it every close callback run, its event loop stopped).  Entry
 *    points read it without a lock for that reason; nothing else may keep
 *    it past a call.
 *  - The driver's members are set in stateInitialize and not changed
 *    afterwards; the objects among them lock themselves (the domain list,
 *    the event state, the port allocators, the back end's connection).
 *  - changeLock guards changeSerial only: a waiter (a guest request, a
 *    suspend) reads it and sleeps on changeCond, the monitor bumps it on
 *    every hypervisor event.  Nothing is called with it held, and it is
 *    never taken with a domain lock wanted after it.
 *  - nactive is atomic.
 *  - At stateCleanup (xenpv_state.c), in this order: the event watch goes,
 *    the rescan workers finish what is queued (they hold the domains they
 *    work on), then the change counter, the migration port ranges, the
 *    domains, the back end.  Migrations under way were torn down before
 *    that by their connections' close callbacks.
 *
 * The rules for domain objects are in xenpv_domain.c.
 */
#include "xenpv_driver.h"

#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

/* How long a waiter sleeps before looking again by itself. */
#define XENPV_DRIVER_CHANGE_POLL_US (200 * 1000)

xenpvDriver *xenpv_driver;


void
xenpvDriverReportUnsupported(xenpvDriver *driver, const char *opName)
{
    virReportError(VIR_ERR_NO_SUPPORT,
                   _("the '%s' hypervisor back end does not implement %s yet"),
                   driver->hyp.ops->name, opName);
}


void
xenpvDriverQueueEvent(xenpvDriver *driver, virObjectEvent *event)
{
    if (event)
        virObjectEventStateQueue(driver->domainEventState, event);
}


void
xenpvDriverDomainStarted(xenpvDriver *driver)
{
    if (g_atomic_int_add(&driver->nactive, 1) == 0 && driver->inhibitCallback)
        driver->inhibitCallback(true, driver->inhibitOpaque);
}


void
xenpvDriverDomainStopped(xenpvDriver *driver)
{
    if (g_atomic_int_dec_and_test(&driver->nactive) && driver->inhibitCallback)
        driver->inhibitCallback(false, driver->inhibitOpaque);
}


void
xenpvDriverChangesInit(xenpvDriver *driver)
{
    g_mutex_init(&driver->changeLock);
    g_cond_init(&driver->changeCond);
}


void
xenpvDriverChangesClear(xenpvDriver *driver)
{
    g_cond_clear(&driver->changeCond);
    g_mutex_clear(&driver->changeLock);
}


void
xenpvDriverNotifyChange(xenpvDriver *driver)
{
    g_mutex_lock(&driver->changeLock);
    driver->changeSerial++;
    g_cond_broadcast(&driver->changeCond);
    g_mutex_unlock(&driver->changeLock);
}


guint64
xenpvDriverChangeSerial(xenpvDriver *driver)
{
    guint64 serial;

    g_mutex_lock(&driver->changeLock);
    serial = driver->changeSerial;
    g_mutex_unlock(&driver->changeLock);
    return serial;
}


guint64
xenpvDriverWaitChange(xenpvDriver *driver, guint64 serial, gint64 deadlineUs)
{
    gint64 until = g_get_monotonic_time() + XENPV_DRIVER_CHANGE_POLL_US;
    guint64 now;

    if (deadlineUs < until)
        until = deadlineUs;

    g_mutex_lock(&driver->changeLock);
    while (driver->changeSerial == serial) {
        if (!g_cond_wait_until(&driver->changeCond, &driver->changeLock, until))
            break;
    }
    now = driver->changeSerial;
    g_mutex_unlock(&driver->changeLock);
    return now;
}


const char *
xenpvDriverStreamFormat(xenpvDriver *driver, xenpvContainer container)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;

    if (container == XENPV_CONTAINER_PVSHIM)
        return ops->shimStreamFormat;
    return ops->streamFormat;
}


xenpvContainer
xenpvDriverStreamContainer(xenpvDriver *driver, const char *format)
{
    const char *shimFormat = driver->hyp.ops->shimStreamFormat;

    if (shimFormat && STREQ_NULLABLE(format, shimFormat))
        return XENPV_CONTAINER_PVSHIM;
    return XENPV_CONTAINER_PV;
}


int
xenpvDriverCheckStream(xenpvDriver *driver, const char *format,
                       unsigned int version, const char *origin)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;

    if (STRNEQ_NULLABLE(format, ops->streamFormat) &&
        (!ops->shimStreamFormat || STRNEQ_NULLABLE(format, ops->shimStreamFormat))) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s holds a '%s' save stream, but this host's '%s' hypervisor back end reads only '%s' streams (and '%s' of guests in the PV-shim)"),
                       origin, NULLSTR(format), ops->name, NULLSTR(ops->streamFormat),
                       NULLSTR(ops->shimStreamFormat));
        return -1;
    }
    if (version > ops->streamVersion) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s holds a '%s' save stream of version %u, newer than the version %u this host's '%s' hypervisor back end reads"),
                       origin, format, version, ops->streamVersion, ops->name);
        return -1;
    }
    return 0;
}
