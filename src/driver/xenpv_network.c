/*
 * xenpv_network.c: network ports of <interface type='network'> (see
 * xenpv_network.h).  libvirt's network driver is reached through its own
 * connection (virGetConnectNetwork), as libvirt's drivers reach it, so that
 * starts without a client connection (autostart, a restarted daemon's
 * cleanup) allocate and release ports too.
 */
#include "xenpv_network.h"

#include "datatypes.h"
#include "driver.h"
#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.network");


static bool
xenpvNetworkHasPorts(const virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->nnets; i++) {
        if (def->nets[i]->type == VIR_DOMAIN_NET_TYPE_NETWORK)
            return true;
    }
    return false;
}


/* The bridge of an allocated port: a managed bridge (nat, route, open,
 * isolated) or a host bridge (forward mode bridge). */
static const char *
xenpvNetworkPortBridge(const virDomainNetDef *net)
{
    virDomainNetType actual = virDomainNetGetActualType(net);
    char mac[VIR_MAC_STRING_BUFLEN];

    if (actual != VIR_DOMAIN_NET_TYPE_NETWORK && actual != VIR_DOMAIN_NET_TYPE_BRIDGE) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("network '%s' gives interface %s a '%s' connection; a Xen vif joins a bridge: use a network that forwards through one (nat, route, open, bridge)"),
                       net->data.network.name, virMacAddrFormat(&net->mac, mac),
                       virDomainNetTypeToString(actual));
        return NULL;
    }
    return virDomainNetGetActualBridgeName(net);
}


/* A port for @net (of @def) over @conn; its bridge goes into @nic. */
static int
xenpvNetworkAllocate(virConnectPtr conn, virDomainDef *def, virDomainNetDef *net,
                     xenpvNicSpec *nic)
{
    const char *bridge;

    if (virDomainNetAllocateActualDevice(conn, def, net) < 0)
        return -1;
    if (!(bridge = xenpvNetworkPortBridge(net)))
        return -1;
    if (nic) {
        g_free(nic->bridge);
        nic->bridge = g_strdup(bridge);
    }
    VIR_DEBUG("an interface of domain '%s' joins bridge %s of network '%s'",
              def->name, bridge, net->data.network.name);
    return 0;
}


int
xenpvNetworkPrepare(virDomainDef *def, xenpvBuildSpec *spec)
{
    g_autoptr(virConnect) conn = NULL;
    size_t i;

    if (!xenpvNetworkHasPorts(def))
        return 0;
    if (!(conn = virGetConnectNetwork()))
        return -1;
    for (i = 0; i < def->nnets; i++) {
        if (def->nets[i]->type != VIR_DOMAIN_NET_TYPE_NETWORK)
            continue;
        if (xenpvNetworkAllocate(conn, def, def->nets[i],
                                 i < spec->nnics ? &spec->nics[i] : NULL) < 0)
            goto error;
    }
    return 0;

 error:
    xenpvNetworkRelease(def);
    return -1;
}


int
xenpvNetworkPrepareOne(virDomainDef *def, virDomainNetDef *net, xenpvNicSpec *nic)
{
    g_autoptr(virConnect) conn = NULL;

    if (net->type != VIR_DOMAIN_NET_TYPE_NETWORK)
        return 0;
    if (!(conn = virGetConnectNetwork()))
        return -1;
    if (xenpvNetworkAllocate(conn, def, net, nic) < 0) {
        xenpvNetworkReleaseOne(def, net);
        return -1;
    }
    return 0;
}


/* Give @net's port (if it has one) back to its network over @conn. */
static void
xenpvNetworkReleasePort(virConnectPtr conn, virDomainDef *def, virDomainNetDef *net)
{
    if (net->type != VIR_DOMAIN_NET_TYPE_NETWORK || !virUUIDIsValid(net->data.network.portid))
        return;
    /* libvirt 9.0's release says -1 on success too: the error says. */
    virResetLastError();
    ignore_value(virDomainNetReleaseActualDevice(conn, def, net));
    if (virGetLastErrorCode() != VIR_ERR_OK)
        VIR_WARN("cannot release the port of an interface of domain '%s' in network '%s': %s",
                 def->name, net->data.network.name, virGetLastErrorMessage());
    memset(net->data.network.portid, 0, sizeof(net->data.network.portid));
    g_clear_pointer(&net->data.network.actual, virDomainActualNetDefFree);
}


void
xenpvNetworkRelease(virDomainDef *def)
{
    g_autoptr(virConnect) conn = NULL;
    virErrorPtr origErr = NULL;
    size_t i;

    if (!xenpvNetworkHasPorts(def))
        return;
    /* Called on error paths too: the error being reported stays. */
    virErrorPreserveLast(&origErr);
    if (!(conn = virGetConnectNetwork())) {
        VIR_WARN("cannot release the network ports of domain '%s': %s",
                 def->name, virGetLastErrorMessage());
        goto cleanup;
    }
    for (i = 0; i < def->nnets; i++)
        xenpvNetworkReleasePort(conn, def, def->nets[i]);

 cleanup:
    virErrorRestore(&origErr);
}


void
xenpvNetworkReleaseOne(virDomainDef *def, virDomainNetDef *net)
{
    g_autoptr(virConnect) conn = NULL;
    virErrorPtr origErr = NULL;

    if (net->type != VIR_DOMAIN_NET_TYPE_NETWORK || !virUUIDIsValid(net->data.network.portid))
        return;
    virErrorPreserveLast(&origErr);
    if (!(conn = virGetConnectNetwork()))
        VIR_WARN("cannot release the network port of an interface of domain '%s': %s",
                 def->name, virGetLastErrorMessage());
    else
        xenpvNetworkReleasePort(conn, def, net);
    virErrorRestore(&origErr);
}
