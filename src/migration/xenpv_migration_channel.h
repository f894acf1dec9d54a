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

/* What a direct channel's socket may hold in the kernel, each way: a
 * migrating guest's last round waits behind it while the guest is
 * stopped, so it is kept small; enough for the bandwidth-delay product of
 * a 10 Gbit/s LAN. */
#define XENPV_MIGRATION_CHANNEL_BUFFER (512 * 1024)

/* Bound the kernel's buffers of the channel's socket @fd (a failure is
 * only logged: the channel works as well, with the kernel's). */
void xenpvMigrationChannelSetBuffers(int fd);

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
