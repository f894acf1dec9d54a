/*
 * xenpv_guest_control.h: asking a PV guest to power off, reboot or suspend
 * itself through its control/shutdown store node, and waiting for its
 * answer.
 */
#pragma once

#include "xenpv_driver.h"

typedef enum {
    /* The guest took the request: it cleared the node, or went down. */
    XENPV_GUEST_WAIT_TAKEN,
    /* The hypervisor shows the guest shut down with reason suspend. */
    XENPV_GUEST_WAIT_SUSPENDED,
} xenpvGuestWait;

/* Write @request ("poweroff", "reboot", "suspend") to the control node of
 * domain @domid (called @name in messages) and wait, at most @timeout
 * seconds, for what @wait says.  On timeout the request is withdrawn, so
 * that a guest whose PV drivers start later does not act on a stale one,
 * and the call fails with VIR_ERR_OPERATION_TIMEOUT; a guest that vanishes
 * or shuts down for another reason while asked to suspend fails with
 * VIR_ERR_OPERATION_FAILED.  Takes no lock: callers holding a domain's
 * lock drop it around the call (the job keeps others out). */
int xenpvGuestRequest(xenpvDriver *driver,
                      uint32_t domid,
                      const char *name,
                      const char *request,
                      xenpvGuestWait wait,
                      unsigned int timeout);
