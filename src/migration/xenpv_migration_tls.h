/*
 * xenpv_migration_tls.h: TLS for the data channel (VIR_MIGRATE_TLS), with
 * the certificates libvirtd itself uses (libvirt's PKI: /etc/pki/CA and
 * /etc/pki/libvirt): the destination is the server, the source the client,
 * each checking the other's certificate against the CA.
 */
#pragma once

#include "internal.h"
#include "virnettlscontext.h"

/* The destination's and the source's contexts; NULL with an error naming
 * what is missing when this host lacks its certificates. */
virNetTLSContext *xenpvMigrationTLSServer(void);
virNetTLSContext *xenpvMigrationTLSClient(void);
