/*
 * xenpv_migration_listen.c: accepting the data connection of one incoming
 * migration.
 *
 * One thread accepts; each connection allowed in is checked by a thread of
 * its own (TLS handshake, greeting, token), so that a stranger that
 * connects and says nothing delays nobody.  The listener's lock protects
 * its counts and flags; the accepted channel leaves the listener as soon
 * as it is handed over.
 */
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xenpv_migration_listen.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virsocketaddr.h"
#include "virstring.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_listen");

/* Connections being checked at once; more are closed at once. */
#define XENPV_LISTEN_MAX_CANDIDATES 16
/* Seconds a connection has to present its greeting. */
#define XENPV_LISTEN_HELLO_TIMEOUT 10

struct _xenpvMigrationListener {
    virNetSocket **socks;
    size_t nsocks;
    unsigned short port;
    bool portAcquired;
    char **allow;
    virNetTLSContext *tls;
    char *token;
    unsigned int ioTimeout;
    char *peer;
    xenpvMigrationAcceptedFunc accepted;
    void *opaque;

    int wake[2];                /* a byte here stops the accepting thread */
    GThread *thread;

    GMutex lock;
    GCond cond;
    size_t candidates;          /* checking threads still running */
    bool taken;                 /* the token was presented once */
    bool closing;
};

typedef struct {
    xenpvMigrationListener *l;
    virNetSocket *sock;
    char *from;
} xenpvListenCandidate;


/* The bytes of an IPv4 or IPv6 address (an IPv4 address mapped into IPv6,
 * as a dual-stack listener sees IPv4 peers, as IPv4). */
static size_t
xenpvAllowAddrBytes(const virSocketAddr *addr, const unsigned char **bytes)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    if (addr->data.sa.sa_family == AF_INET) {
        *bytes = (const unsigned char *)&addr->data.inet4.sin_addr;
        return 4;
    }
    if (addr->data.sa.sa_family == AF_INET6) {
        *bytes = addr->data.inet6.sin6_addr.s6_addr;
        if (memcmp(*bytes, mapped, sizeof(mapped)) == 0) {
            *bytes += 12;
            return 4;
        }
        return 16;
    }
    return 0;
}


/* Are the first @prefix bits of @a and @b the same (and both of one
 * family)?  The whole address when @prefix is -1. */
static bool
xenpvAllowSameAddr(const virSocketAddr *a, const virSocketAddr *b, int prefix)
{
    const unsigned char *x;
    const unsigned char *y;
    size_t len = xenpvAllowAddrBytes(a, &x);
    size_t i;

    if (len == 0 || xenpvAllowAddrBytes(b, &y) != len)
        return false;
    if (prefix < 0 || (size_t)prefix > len * 8)
        prefix = len * 8;
    for (i = 0; i < (size_t)prefix / 8; i++) {
        if (x[i] != y[i])
            return false;
    }
    if (prefix % 8) {
        unsigned char mask = 0xff << (8 - prefix % 8);

        return (x[i] & mask) == (y[i] & mask);
    }
    return true;
}


/* Does any address @name (a host name or an address) resolves to pass
 * @match? */
static bool
xenpvAllowResolve(const char *name,
                  bool (*match)(const virSocketAddr *addr, const void *data),
                  const void *data)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    bool ok = false;

    if (getaddrinfo(name, NULL, &hints, &res) != 0)
        return false;
    for (ai = res; ai && !ok; ai = ai->ai_next) {
        virSocketAddr a = { 0 };

        if (ai->ai_addrlen > sizeof(a.data.stor))
            continue;
        memcpy(&a.data.stor, ai->ai_addr, ai->ai_addrlen);
        a.len = ai->ai_addrlen;
        ok = match(&a, data);
    }
    freeaddrinfo(res);
    return ok;
}


static bool
xenpvAllowIsPeer(const virSocketAddr *addr, const void *peer)
{
    return xenpvAllowSameAddr(addr, peer, -1);
}


/* Does migration_allow's @entry let the connection from @peer in? */
static bool
xenpvAllowEntryMatches(const char *entry, const virSocketAddr *peer)
{
    g_autofree char *host = NULL;
    const char *slash;
    virSocketAddr net;
    unsigned int prefix;
    char name[NI_MAXHOST];

    if (STREQ(entry, "*"))
        return true;
    if ((slash = strchr(entry, '/'))) {
        host = g_strndup(entry, slash - entry);
        if (virSocketAddrParse(&net, host, AF_UNSPEC) < 0 ||
            virStrToLong_ui(slash + 1, NULL, 10, &prefix) < 0) {
            virResetLastError();
            return false;
        }
        return xenpvAllowSameAddr(&net, peer, prefix);
    }
    if (g_str_has_prefix(entry, "*.")) {
        /* The peer's own name, confirmed by looking it up forward. */
        if (getnameinfo(&peer->data.sa, peer->len, name, sizeof(name), NULL, 0,
                        NI_NAMEREQD) != 0 ||
            !g_str_has_suffix(name, entry + 1))
            return false;
        return xenpvAllowResolve(name, xenpvAllowIsPeer, peer);
    }
    return xenpvAllowResolve(entry, xenpvAllowIsPeer, peer);
}


static bool
xenpvAllowAddr(char **allow, const virSocketAddr *peer)
{
    size_t i;

    for (i = 0; allow && allow[i]; i++) {
        if (xenpvAllowEntryMatches(allow[i], peer))
            return true;
    }
    return false;
}


static bool
xenpvAllowListed(const virSocketAddr *addr, const void *allow)
{
    return xenpvAllowAddr((char **)allow, addr);
}


bool
xenpvMigrationAllowName(char **allow, const char *name)
{
    size_t i;

    for (i = 0; allow && allow[i]; i++) {
        if (STREQ(allow[i], "*") || STREQ(allow[i], name) ||
            (g_str_has_prefix(allow[i], "*.") && g_str_has_suffix(name, allow[i] + 1)))
            return true;
    }
    /* Else by the addresses the name has. */
    return xenpvAllowResolve(name, xenpvAllowListed, allow);
}


static void
xenpvListenCandidateFree(xenpvListenCandidate *c)
{
    if (c->sock) {
        virNetSocketClose(c->sock);
        virObjectUnref(c->sock);
    }
    g_free(c->from);
    g_free(c);
}


/* A thread per connection allowed in: the greeting must carry the token. */
static gpointer
xenpvListenCheck(gpointer data)
{
    xenpvListenCandidate *c = data;
    xenpvMigrationListener *l = c->l;
    g_autoptr(xenpvMigrationChannel) ch = NULL;
    bool winner = false;
    int rc = -1;

    if ((ch = xenpvMigrationChannelAccepted(c->sock, l->tls,
                                            MIN(l->ioTimeout, XENPV_LISTEN_HELLO_TIMEOUT),
                                            l->peer)))
        rc = xenpvFrameCheckHello(&ch->transport, l->token);

    g_mutex_lock(&l->lock);
    if (rc > 0 && !l->taken && !l->closing)
        winner = l->taken = true;
    g_mutex_unlock(&l->lock);

    if (winner &&
        (xenpvMigrationChannelSetTimeout(virNetSocketGetFD(ch->sock), l->ioTimeout) < 0 ||
         xenpvFrameSendWelcome(&ch->transport) < 0)) {
        VIR_WARN("the migration's data connection from %s failed at its welcome: %s",
                 c->from, virGetLastErrorMessage());
        winner = false;
    }
    if (winner) {
        VIR_INFO("migration data connection from %s accepted", c->from);
        /* The connection is the channel's from now on. */
        g_clear_pointer(&c->sock, virObjectUnref);
        l->accepted(g_steal_pointer(&ch), l->opaque);
    } else {
        const char *why = "this migration's token was already used";

        if (rc < 0)
            why = virGetLastErrorMessage();
        else if (rc == 0)
            why = "it did not present this migration's token";
        VIR_WARN("dropped a connection from %s to the migration port %u: %s",
                 c->from, l->port, why);
        virResetLastError();
    }

    xenpvListenCandidateFree(c);
    g_mutex_lock(&l->lock);
    l->candidates--;
    g_cond_broadcast(&l->cond);
    g_mutex_unlock(&l->lock);
    return NULL;
}


static void
xenpvListenTake(xenpvMigrationListener *l, virNetSocket *listening)
{
    virNetSocket *sock = NULL;
    virSocketAddr peer = { 0 };
    xenpvListenCandidate *c;
    g_autofree char *from = NULL;
    GThread *thread;

    if (virNetSocketAccept(listening, &sock) < 0 || !sock) {
        virResetLastError();
        return;
    }
    peer.len = sizeof(peer.data.stor);
    if (getpeername(virNetSocketGetFD(sock), &peer.data.sa, &peer.len) < 0 ||
        !(from = virSocketAddrFormat(&peer)))
        from = g_strdup("an unknown address");
    virResetLastError();

    if (!xenpvAllowAddr(l->allow, &peer)) {
        VIR_WARN("refused a connection from %s to the migration port %u: not in migration_allow",
                 from, l->port);
        goto drop;
    }

    g_mutex_lock(&l->lock);
    if (l->closing || l->candidates >= XENPV_LISTEN_MAX_CANDIDATES) {
        g_mutex_unlock(&l->lock);
        VIR_WARN("dropped a connection from %s to the migration port %u: too many at once",
                 from, l->port);
        goto drop;
    }
    l->candidates++;
    g_mutex_unlock(&l->lock);

    c = g_new0(xenpvListenCandidate, 1);
    c->l = l;
    c->sock = g_steal_pointer(&sock);
    c->from = g_steal_pointer(&from);
    thread = g_thread_new("xenpv-mig-check", xenpvListenCheck, c);
    g_thread_unref(thread);
    return;

 drop:
    virNetSocketClose(sock);
    virObjectUnref(sock);
}


static gpointer
xenpvListenThread(gpointer data)
{
    xenpvMigrationListener *l = data;
    g_autofree struct pollfd *fds = g_new0(struct pollfd, l->nsocks + 1);
    size_t i;

    for (i = 0; i < l->nsocks; i++) {
        fds[i].fd = virNetSocketGetFD(l->socks[i]);
        fds[i].events = POLLIN;
    }
    fds[l->nsocks].fd = l->wake[0];
    fds[l->nsocks].events = POLLIN;

    for (;;) {
        if (poll(fds, l->nsocks + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            VIR_ERROR(_("the migration port %u stopped listening: %s"),
                      l->port, g_strerror(errno));
            break;
        }
        if (fds[l->nsocks].revents)
            break;
        for (i = 0; i < l->nsocks; i++) {
            if (fds[i].revents & POLLIN)
                xenpvListenTake(l, l->socks[i]);
        }
    }
    return NULL;
}


xenpvMigrationListener *
xenpvMigrationListen(const char *address,
                     unsigned int port,
                     virPortAllocatorRange *range,
                     char **allow,
                     virNetTLSContext *tls,
                     const char *token,
                     unsigned int ioTimeout,
                     const char *peer,
                     xenpvMigrationAcceptedFunc accepted,
                     void *opaque,
                     unsigned int *portOut)
{
    xenpvMigrationListener *l = g_new0(xenpvMigrationListener, 1);
    g_autofree char *service = NULL;
    size_t i;

    g_mutex_init(&l->lock);
    g_cond_init(&l->cond);
    l->wake[0] = l->wake[1] = -1;
    l->allow = g_strdupv(allow);
    l->tls = tls ? virObjectRef(tls) : NULL;
    l->token = g_strdup(token);
    l->ioTimeout = ioTimeout;
    l->peer = g_strdup(peer);
    l->accepted = accepted;
    l->opaque = opaque;

    if (port) {
        l->port = port;
    } else {
        if (virPortAllocatorAcquire(range, &l->port) < 0)
            goto error;
        l->portAcquired = true;
    }
    service = g_strdup_printf("%u", l->port);
    if (virNetSocketNewListenTCP(address, service, AF_UNSPEC, &l->socks, &l->nsocks) < 0)
        goto error;
    for (i = 0; i < l->nsocks; i++) {
        if (virNetSocketListen(l->socks[i], 0) < 0)
            goto error;
    }
    if (virPipe(l->wake) < 0)
        goto error;

    l->thread = g_thread_new("xenpv-mig-listen", xenpvListenThread, l);
    *portOut = l->port;
    VIR_DEBUG("listening for a migration on %s port %u", address, l->port);
    return l;

 error:
    xenpvMigrationListenerFree(l);
    return NULL;
}


void
xenpvMigrationListenerFree(xenpvMigrationListener *l)
{
    size_t i;

    if (!l)
        return;
    if (l->thread) {
        ignore_value(safewrite(l->wake[1], "x", 1));
        g_thread_join(l->thread);
    }
    /* Connections still being checked see the listener closing and go. */
    g_mutex_lock(&l->lock);
    l->closing = true;
    while (l->candidates > 0)
        g_cond_wait(&l->cond, &l->lock);
    g_mutex_unlock(&l->lock);

    for (i = 0; i < l->nsocks; i++) {
        virNetSocketClose(l->socks[i]);
        virObjectUnref(l->socks[i]);
    }
    g_free(l->socks);
    if (l->portAcquired)
        virPortAllocatorRelease(l->port);
    VIR_FORCE_CLOSE(l->wake[0]);
    VIR_FORCE_CLOSE(l->wake[1]);
    virObjectUnref(l->tls);
    g_strfreev(l->allow);
    g_free(l->token);
    g_free(l->peer);
    g_mutex_clear(&l->lock);
    g_cond_clear(&l->cond);
    g_free(l);
}
