/*
 * xenpv_migration_channel.h: the ends of a migration's data channel: a TCP
 * connection from the source to the port the destination listens on (TLS
 * on it with VIR_MIGRATE_TLS), or, tunnelled, libvirt's own stream between
 * the two daemons.  Either way frames (xenpv_migration_frame.h) travel on
 * it; the destination's listener is xenpv_migration_listen.h's.
 */
#pragma once

#include "internal.h"
#include "virnetsocket.h"
#include "virnettlscontext.h"

#include "xenpv_migration_frame.h"

typedef struct _xenpvMigrationChannel xenpvMigrationChannel;
struct _xenpvMigrationChannel {
    virNetSocket *sock;         /* direct: the connection */
    int sockFd;                 /* its descriptor, for plain TCP */
    virNetTLSContext *tls;
    virNetTLSSession *session;
    virStreamPtr stream;        /* tunnelled source: to the destination */
    int fd;                     /* tunnelled destination: what the stream feeds */
    bool oneWay;                /* tunnelled: the destination cannot answer */
    xenpvFrameTransport transport;
    char *peer;                 /* "the destination host 'b'" */
};

void xenpvMigrationChannelFree(xenpvMigrationChannel *ch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xenpvMigrationChannel, xenpvMigrationChannelFree);

/* Wake whoever is blocked reading or writing @ch (they fail); the channel
 * stays allocated until freed. */
void xenpvMigrationChannelShutdown(xenpvMigrationChannel *ch);

/* Give reads and writes on a socket at most @seconds without progress
 * (0: no limit). */
int xenpvMigrationChannelSetTimeout(int fd, unsigned int seconds);

/* What may wait on the way where the source cannot count it: the
 * destination's receive queue and the chunk it has in hand (it reads as
 * fast as it restores, so little waits there), or, tunnelled, libvirt's
 * stream between the two daemons. */
#define XENPV_MIGRATION_CHANNEL_UNSEEN (1024 * 1024)

/* Of what was written to @opaque (a channel), the bytes its socket still
 * holds: not yet sent, or not yet acknowledged (0 tunnelled: libvirt's
 * stream does not say).  A direct channel's socket buffers are the
 * kernel's to size, so that the window follows the link's bandwidth and
 * round trip; what they hold is measured instead, for the downtime
 * budget and the job's rate (xenpvStreamControl.inFlight). */
size_t xenpvMigrationChannelInFlight(void *opaque);

/* Source, direct: connect to @host:@port, with TLS (checking that the
 * destination's certificate names @host) when @tls, and present @token;
 * returns once the destination welcomed the connection. */
xenpvMigrationChannel *xenpvMigrationChannelConnect(const char *host,
                                                    unsigned int port,
                                                    bool tls,
                                                    const char *token,
                                                    unsigned int ioTimeout,
                                                    const char *peer);

/* Source, tunnelled: frames go into @st (libvirt's stream to the
 * destination daemon), starting with the greeting carrying @token. */
xenpvMigrationChannel *xenpvMigrationChannelTunnelOut(virStreamPtr st,
                                                      const char *token,
                                                      const char *peer);

/* Destination, tunnelled: @st (handed to PrepareTunnel) feeds a socket
 * the channel reads from. */
xenpvMigrationChannel *xenpvMigrationChannelTunnelIn(virStreamPtr st,
                                                     unsigned int ioTimeout,
                                                     const char *peer);

/* Destination, direct: take an accepted connection (TLS server side when
 * @tls is set: the handshake and the client's certificate checked). */
xenpvMigrationChannel *xenpvMigrationChannelAccepted(virNetSocket *sock,
                                                     virNetTLSContext *tls,
                                                     unsigned int ioTimeout,
                                                     const char *peer);
