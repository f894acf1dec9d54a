/*
 * xenpv_network.h: <interface type='network'> through libvirt's network
 * driver, as libvirt's own hypervisor drivers do it: a port of the network
 * is allocated for the interface when the domain starts (which says which
 * bridge the vif goes into) and deleted when it stops.
 */
#pragma once

#include "xenpv_driver.h"

/* Allocate a network port for every <interface type='network'> of @def
 * (the live definition of a domain being started) and put the bridge it
 * gives into the matching NIC of @spec (built from the same definition, in
 * the same order).  A network whose port is not a bridge (macvtap or
 * hostdev forwarding) is refused by name.  On failure what was allocated
 * is released.  Returns 0 or -1 with an error reported. */
int xenpvNetworkPrepare(virDomainDef *def, xenpvBuildSpec *spec);

/* Release the ports of @def's network interfaces (a domain that stopped,
 * or that did not start).  Failures are logged: the domain is gone
 * whatever the network driver says. */
void xenpvNetworkRelease(virDomainDef *def);

/* The same for one interface @net of the running domain @def, plugged in
 * or out while it runs: its port (its bridge goes into @nic), and its
 * release.  Interfaces of other types are left alone. */
int xenpvNetworkPrepareOne(virDomainDef *def, virDomainNetDef *net, xenpvNicSpec *nic);
void xenpvNetworkReleaseOne(virDomainDef *def, virDomainNetDef *net);
