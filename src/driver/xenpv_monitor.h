/*
 * xenpv_monitor.h: following the hypervisor's domain state changes.
 *
 * The back end's event fd turns readable whenever some domain changes
 * state; each time, every running domain is compared with the hypervisor
 * (xenpvProcessHandleChange), each in a worker of its own so that a domain
 * busy with a long job delays nobody else.  Each event also moves the
 * driver's change counter (xenpv_driver.h), which code waiting for a guest
 * to do something sleeps on.
 */
#pragma once

#include "xenpv_driver.h"

/* Start and stop following events (the rescan workers included). */
int xenpvMonitorStart(xenpvDriver *driver);
void xenpvMonitorStop(xenpvDriver *driver);

/* Queue a rescan of every running domain (at daemon start, and after any
 * event). */
void xenpvMonitorRescanAll(xenpvDriver *driver);

