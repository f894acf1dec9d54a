/*
 * xenpv_domain_graphics.h: a guest's PV framebuffer: whether the host can
 * serve it, its VNC port and address in the live definition, and the
 * port's release.
 */
#pragma once

#include "xenpv_driver.h"

/* The range VNC ports come from (5900 up), for the driver's life. */
virPortAllocatorRange *xenpvGraphicsPortRangeNew(void);

/* Refuse at define (and create) a framebuffer this host cannot serve,
 * naming what is missing, and what a PV framebuffer cannot have. */
int xenpvGraphicsCheckDefine(xenpvDriver *driver, const virDomainDef *def);

/* At start, on the live definition @def: a port for an autoport display,
 * the listen address, and both with the password into @spec.  -1 with an
 * error (nothing kept) when no port is free. */
int xenpvGraphicsPrepare(xenpvDriver *driver, virDomainDef *def, xenpvBuildSpec *spec);

/* The port of a guest that stopped (or did not start) goes back. */
void xenpvGraphicsRelease(virDomainDef *def);

/* After a daemon restart: the running guest's port is taken again. */
void xenpvGraphicsReconnect(virDomainDef *def);
