/*
 * xenpv_migration_channel.c: the transports a migration's frames travel
 * on: a blocking TCP socket (through virNetSocket, TLS included) with send
 * and receive timeouts, so that a cut link ends the migration rather than
 * hanging it, or libvirt's stream when tunnelled.
 */
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xenpv_migration_channel.h"

#include "datatypes.h"
#include "virerror.h"
#include "virfdstream.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_migration_tls.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_channel");


void
xenpvMigrationChannelFree(xenpvMigrationChannel *ch)
{
    if (!ch)
        return;
    if (ch->sock) {
        virNetSocketClose(ch->sock);
        virObjectUnref(ch->sock);
    }
    virObjectUnref(ch->session);
    virObjectUnref(ch->tls);
    if (ch->stream)
        virObjectUnref(ch->stream);
    VIR_FORCE_CLOSE(ch->fd);
    g_free(ch->peer);
    g_free(ch);
}


void
xenpvMigrationChannelShutdown(xenpvMigrationChannel *ch)
{
    if (ch->sock)
        shutdown(virNetSocketGetFD(ch->sock), SHUT_RDWR);
    if (ch->fd >= 0)
        shutdown(ch->fd, SHUT_RDWR);
}


int
xenpvMigrationChannelSetTimeout(int fd, unsigned int seconds)
{
    struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };

    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        virReportSystemError(errno, "%s",
                             _("cannot set the timeouts of the migration's data channel"));
        return -1;
    }
    return 0;
}


size_t
xenpvMigrationChannelInFlight(void *opaque)
{
    xenpvMigrationChannel *ch = opaque;
    int queued = 0;

    if (!ch->sock || ioctl(virNetSocketGetFD(ch->sock), SIOCOUTQ, &queued) < 0 || queued < 0)
        queued = 0;
    return queued;
}


static xenpvMigrationChannel *
xenpvMigrationChannelNew(const char *peer)
{
    xenpvMigrationChannel *ch = g_new0(xenpvMigrationChannel, 1);

    ch->fd = -1;
    ch->peer = g_strdup(peer);
    return ch;
}


/* TLS through virNetSocket: a read of 0 is "would block", which on a
 * blocking socket means the receive timeout passed; the end of the
 * connection is an error libvirt reports. */
static ssize_t
xenpvMigrationTLSRead(void *opaque, char *buf, size_t len)
{
    xenpvMigrationChannel *ch = opaque;
    ssize_t n = virNetSocketRead(ch->sock, buf, len);

    if (n > 0)
        return n;
    if (n == 0)
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("the migration's data channel stalled: nothing arrived from %s in time"),
                       ch->peer);
    return -1;
}


static int
xenpvMigrationTLSWrite(void *opaque, const char *buf, size_t len)
{
    xenpvMigrationChannel *ch = opaque;

    while (len > 0) {
        ssize_t n = virNetSocketWrite(ch->sock, buf, len);

        if (n < 0)
            return -1;
        if (n == 0) {
            virReportError(VIR_ERR_OPERATION_TIMEOUT,
                           _("the migration's data channel stalled: %s took nothing in time"),
                           ch->peer);
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}


static ssize_t
xenpvMigrationStreamRead(void *opaque, char *buf G_GNUC_UNUSED, size_t len G_GNUC_UNUSED)
{
    xenpvMigrationChannel *ch = opaque;

    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("a tunnelled migration carries nothing back from %s"), ch->peer);
    return -1;
}


static int
xenpvMigrationStreamWrite(void *opaque, const char *buf, size_t len)
{
    xenpvMigrationChannel *ch = opaque;

    while (len > 0) {
        int n = virStreamSend(ch->stream, buf, len);

        if (n <= 0) {
            if (virGetLastErrorCode() == VIR_ERR_OK)
                virReportError(VIR_ERR_OPERATION_FAILED,
                               _("the tunnel to %s took no more data"), ch->peer);
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}


/* Plain TCP goes straight to the descriptor; TLS through virNetSocket. */
static void
xenpvMigrationChannelUseSocket(xenpvMigrationChannel *ch, bool tls)
{
    if (tls) {
        ch->transport.read = xenpvMigrationTLSRead;
        ch->transport.write = xenpvMigrationTLSWrite;
        ch->transport.opaque = ch;
        ch->transport.peer = ch->peer;
    } else {
        ch->sockFd = virNetSocketGetFD(ch->sock);
        xenpvFrameTransportFd(&ch->transport, &ch->sockFd, ch->peer);
    }
}


/* Both sides: TLS over the connected socket, and the peer's certificate
 * checked (the server's against the host name the client was given). */
static int
xenpvMigrationChannelHandshake(xenpvMigrationChannel *ch, const char *hostname)
{
    int rc;

    if (!(ch->session = virNetTLSSessionNew(ch->tls, hostname)))
        return -1;
    virNetSocketSetTLSSession(ch->sock, ch->session);
    while ((rc = virNetTLSSessionHandshake(ch->session)) > 0) {
        /* A blocking socket only says "again" once its timeout passed. */
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("the TLS handshake with %s stalled"), ch->peer);
        return -1;
    }
    if (rc < 0 || virNetTLSContextCheckCertificate(ch->tls, ch->session) < 0) {
        g_autofree char *why = g_strdup(virGetLastErrorMessage());

        virReportError(VIR_ERR_AUTH_FAILED,
                       _("the TLS handshake with %s failed: %s"), ch->peer, why);
        return -1;
    }
    return 0;
}


xenpvMigrationChannel *
xenpvMigrationChannelConnect(const char *host,
                             unsigned int port,
                             bool tls,
                             const char *token,
                             unsigned int ioTimeout,
                             const char *peer)
{
    g_autoptr(xenpvMigrationChannel) ch = xenpvMigrationChannelNew(peer);
    g_autofree char *service = g_strdup_printf("%u", port);

    if (virNetSocketNewConnectTCP(host, service, AF_UNSPEC, &ch->sock) < 0) {
        g_autofree char *why = g_strdup(virGetLastErrorMessage());

        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot open the migration's data channel to %s at %s port %u: %s"),
                       peer, host, port, why);
        return NULL;
    }
    if (virNetSocketSetBlocking(ch->sock, true) < 0 ||
        xenpvMigrationChannelSetTimeout(virNetSocketGetFD(ch->sock), ioTimeout) < 0)
        return NULL;
    xenpvMigrationChannelUseSocket(ch, tls);

    if (tls) {
        if (!(ch->tls = xenpvMigrationTLSClient()) ||
            xenpvMigrationChannelHandshake(ch, host) < 0)
            return NULL;
    }
    if (xenpvFrameSendHello(&ch->transport, token) < 0 ||
        xenpvFrameWaitWelcome(&ch->transport) < 0)
        return NULL;
    VIR_DEBUG("data channel to %s:%u open%s", host, port, tls ? " (TLS)" : "");
    return g_steal_pointer(&ch);
}


xenpvMigrationChannel *
xenpvMigrationChannelTunnelOut(virStreamPtr st, const char *token, const char *peer)
{
    g_autoptr(xenpvMigrationChannel) ch = xenpvMigrationChannelNew(peer);

    ch->stream = virObjectRef(st);
    ch->oneWay = true;
    ch->transport.read = xenpvMigrationStreamRead;
    ch->transport.write = xenpvMigrationStreamWrite;
    ch->transport.opaque = ch;
    ch->transport.peer = ch->peer;
    if (xenpvFrameSendHello(&ch->transport, token) < 0)
        return NULL;
    return g_steal_pointer(&ch);
}


xenpvMigrationChannel *
xenpvMigrationChannelTunnelIn(virStreamPtr st, unsigned int ioTimeout, const char *peer)
{
    g_autoptr(xenpvMigrationChannel) ch = xenpvMigrationChannelNew(peer);
    int pair[2] = { -1, -1 };

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        virReportSystemError(errno, "%s", _("cannot make the tunnel's socket pair"));
        return NULL;
    }
    ch->fd = pair[0];
    if (xenpvMigrationChannelSetTimeout(ch->fd, ioTimeout) < 0 ||
        virFDStreamOpen(st, pair[1]) < 0) {
        VIR_FORCE_CLOSE(pair[1]);
        return NULL;
    }
    ch->oneWay = true;
    xenpvFrameTransportFd(&ch->transport, &ch->fd, ch->peer);
    return g_steal_pointer(&ch);
}


xenpvMigrationChannel *
xenpvMigrationChannelAccepted(virNetSocket *sock,
                              virNetTLSContext *tls,
                              unsigned int ioTimeout,
                              const char *peer)
{
    g_autoptr(xenpvMigrationChannel) ch = xenpvMigrationChannelNew(peer);

    ch->sock = virObjectRef(sock);
    if (virNetSocketSetBlocking(ch->sock, true) < 0 ||
        xenpvMigrationChannelSetTimeout(virNetSocketGetFD(ch->sock), ioTimeout) < 0)
        return NULL;
    xenpvMigrationChannelUseSocket(ch, !!tls);
    if (tls) {
        ch->tls = virObjectRef(tls);
        if (xenpvMigrationChannelHandshake(ch, NULL) < 0)
            return NULL;
    }
    return g_steal_pointer(&ch);
}
