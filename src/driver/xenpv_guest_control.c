/*
 * xenpv_guest_control.c: requests to a guest through control/shutdown, as
 * Linux's xenbus drivers take them: the guest clears the node, then acts
 * (powers off, reboots, or suspends for a save or a migration).
 */
#include "xenpv_guest_control.h"

#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.guest_control");


/* 1 when the guest has done what @wait asks, 0 not yet, -1 on error. */
static int
xenpvGuestRequestDone(xenpvDriver *driver, uint32_t domid, const char *name,
                      const char *path, xenpvGuestWait wait)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    xenpvDomainInfo info;
    int rc;

    if ((rc = ops->getDomainInfo(&driver->hyp, domid, &info)) < 0)
        return -1;

    if (wait == XENPV_GUEST_WAIT_TAKEN) {
        g_autofree char *value = NULL;

        /* A guest that went down at once has answered too. */
        if (rc == 0 || info.shutdown || info.dying)
            return 1;
        if (ops->storeRead(&driver->hyp, path, &value) < 0)
            return -1;
        return !value || !*value;
    }

    if (rc == 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("domain '%s' vanished while it was asked to suspend"), name);
        return -1;
    }
    if (!info.shutdown)
        return 0;
    if (info.shutdownReason == XENPV_SHUTDOWN_SUSPEND)
        return 1;
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("domain '%s' shut down (Xen reason %u) instead of suspending"),
                   name, info.shutdownReason);
    return -1;
}


int
xenpvGuestRequest(xenpvDriver *driver,
                  uint32_t domid,
                  const char *name,
                  const char *request,
                  xenpvGuestWait wait,
                  unsigned int timeout)
{
    const xenpvHypervisorOps *ops = driver->hyp.ops;
    g_autofree char *path = g_strdup_printf("/local/domain/%u/control/shutdown", domid);
    guint64 serial;
    gint64 deadline;
    int done;

    if (!XENPV_HYP_HAS(driver, storeWrite) ||
        !XENPV_HYP_HAS(driver, storeRead) ||
        !XENPV_HYP_HAS(driver, storeRemove) ||
        !XENPV_HYP_HAS(driver, getDomainInfo))
        return -1;

    serial = xenpvDriverChangeSerial(driver);
    if (ops->storeWrite(&driver->hyp, path, request) < 0)
        return -1;

    deadline = g_get_monotonic_time() + (gint64)timeout * G_USEC_PER_SEC;
    while ((done = xenpvGuestRequestDone(driver, domid, name, path, wait)) == 0 &&
           g_get_monotonic_time() < deadline)
        serial = xenpvDriverWaitChange(driver, serial, deadline);

    if (done < 0)
        return -1;
    if (done > 0) {
        VIR_DEBUG("domain '%s' took the %s request", name, request);
        return 0;
    }

    if (ops->storeRemove(&driver->hyp, path) < 0)
        VIR_WARN("cannot withdraw the %s request of domain '%s'", request, name);
    if (wait == XENPV_GUEST_WAIT_SUSPENDED) {
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("domain '%s' did not suspend within %u seconds (its PV drivers may not support suspend); it keeps running"),
                       name, timeout);
    } else {
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("domain '%s' did not answer the %s request within %u seconds (its PV drivers may not be running, or it ignores control/shutdown); use 'virsh destroy %s' to stop it forcibly"),
                       name, request, timeout, name);
    }
    return -1;
}
