/*
 * xenpv_precopy.h: the pre-copy policy of a live save, in the terms of the
 * hypervisor interface (xenpvSaveParams, xenpvSaveRound) so that any back
 * end can follow it: after each round of copying memory while the guest
 * runs, whether another round is worth it, or whether to suspend the guest
 * and copy the rest ("stop and copy").
 *
 * With a downtime target the rounds go on until what is still dirty can be
 * sent within it at the rate the link takes; without one, Xen's own policy
 * applies (stop when few pages are dirty, or after a few rounds).  Either
 * way a round cap keeps a guest that never converges from iterating for
 * ever.
 */
#pragma once

#include "xenpv_hypervisor.h"

/* Xen's classic policy (libxenguest's default): a few rounds, or stop
 * once this few pages are dirty. */
#define XENPV_PRECOPY_DEFAULT_ROUNDS 5
#define XENPV_PRECOPY_FEW_DIRTY_PAGES 50
/* With a downtime target and no cap from the caller: the cap xend used. */
#define XENPV_PRECOPY_TARGET_ROUNDS 30

/* The rounds @params allows. */
unsigned int xenpvPrecopyMaxRounds(const xenpvSaveParams *params);

/* The pages per second the rest will be sent at: the caller's bandwidth
 * limit when it is below the rate measured in @round; 0 when unknown. */
double xenpvPrecopyRate(const xenpvSaveParams *params, const xenpvSaveRound *round);

/* How long, in ms, sending what is dirty after @round would keep the guest
 * suspended; a negative value when the rate is unknown. */
double xenpvPrecopyDowntimeMs(const xenpvSaveParams *params, const xenpvSaveRound *round);

/* After @round: stop and copy (true), or go on with another round. */
bool xenpvPrecopyShouldStop(const xenpvSaveParams *params, const xenpvSaveRound *round);
