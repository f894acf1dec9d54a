/*
 * xenpv_migration_listen.h: the destination's end of an incoming
 * migration's data channel: a port from migration_port_min..max on
 * migration_address (or the migration's LISTEN_ADDRESS), open only for the
 * life of that migration.  A connection from a host that migration_allow
 * does not name is closed at once; one that does not present the
 * migration's token (a stranger, garbage, another migration) is dropped
 * after its greeting, and the migration goes on.  The first connection
 * that presents the token is handed to @accepted; later ones are dropped
 * too (the token is good once).
 */
#pragma once

#include "internal.h"
#include "virportallocator.h"

#include "xenpv_migration_channel.h"

typedef struct _xenpvMigrationListener xenpvMigrationListener;

/* Called, in a thread of the listener's, with the accepted channel (the
 * callee owns it) once its greeting carried the token, after the welcome
 * was sent. */
typedef void (*xenpvMigrationAcceptedFunc)(xenpvMigrationChannel *ch, void *opaque);

/* Listen on @address, on a port from @range (or exactly @port when it is
 * not 0).  @allow: migration_allow's entries; @tls: the server context, or
 * NULL.  *@portOut gets the port. */
xenpvMigrationListener *xenpvMigrationListen(const char *address,
                                             unsigned int port,
                                             virPortAllocatorRange *range,
                                             char **allow,
                                             virNetTLSContext *tls,
                                             const char *token,
                                             unsigned int ioTimeout,
                                             const char *peer,
                                             xenpvMigrationAcceptedFunc accepted,
                                             void *opaque,
                                             unsigned int *portOut);

/* Stop listening, drop connections still being checked, release the
 * port.  The accepted channel, if any, is not touched. */
void xenpvMigrationListenerFree(xenpvMigrationListener *l);

/* Does migration_allow (@allow) let @name (a host name or an address)
 * in?  For Prepare's early check of the source named in the cookie; the
 * listener checks each connection's address the same way. */
bool xenpvMigrationAllowName(char **allow, const char *name);
