/*
 * xenpv_monitor.h: following the hypervisor's domain state changes.
 *
 * The back end's event fd turns readable whenever some domain changes
 * state; each time, every running domain is compared with the hypervisor
 * (xenpvProcessHandleChange), each in a worker of its own so that a domain
 * busy with a long job delays nobody else.  Code waiting for a guest to do
 * something sleeps on the driver's change counter.
 */
#pragma once

#include "xenpv_driver.h"

/* Start and stop following events (the rescan workers included). */
int xenpvMonitorStart(xenpvDriver *driver);
void xenpvMonitorStop(xenpvDriver *driver);

/* Queue a rescan of every running domain (at daemon start, and after any
 * event). */
void xenpvMonitorRescanAll(xenpvDriver *driver);

/* The current value of the change counter. */
guint64 xenpvMonitorChangeSerial(xenpvDriver *driver);

/* Sleep until the change counter moves past @serial, or until
 * @deadlineUs (g_get_monotonic_time), or for at most a fifth of a second
 * (the store raises no event, so callers also poll what they wait for).
 * Returns the new counter value. */
guint64 xenpvMonitorWaitChange(xenpvDriver *driver, guint64 serial, gint64 deadlineUs);
