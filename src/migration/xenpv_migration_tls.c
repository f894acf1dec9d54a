/*
 * xenpv_migration_tls.c: libvirt's TLS contexts, from libvirt's PKI, for a
 * migration's data channel.
 */
#include "xenpv_migration_tls.h"

#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


/* Say what TLS migration needs, after libvirt's own words about the file. */
static void
xenpvMigrationTLSExplain(const char *role)
{
    g_autofree char *why = g_strdup(virGetLastErrorMessage());

    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                   _("a TLS migration (VIR_MIGRATE_TLS) needs libvirt's TLS certificates on this host, which takes the %s side: %s (install the CA certificate in /etc/pki/CA/cacert.pem and this host's certificates and keys in /etc/pki/libvirt, as for libvirtd's own TLS, or migrate without --tls)"),
                   role, why);
}


virNetTLSContext *
xenpvMigrationTLSServer(void)
{
    virNetTLSContext *ctxt;

    virNetTLSInit();
    if (!(ctxt = virNetTLSContextNewServerPath(NULL, false, NULL, NULL, true, true))) {
        xenpvMigrationTLSExplain(_("destination (server)"));
        return NULL;
    }
    return ctxt;
}


virNetTLSContext *
xenpvMigrationTLSClient(void)
{
    virNetTLSContext *ctxt;

    virNetTLSInit();
    if (!(ctxt = virNetTLSContextNewClientPath(NULL, false, NULL, true, true))) {
        xenpvMigrationTLSExplain(_("source (client)"));
        return NULL;
    }
    return ctxt;
}
