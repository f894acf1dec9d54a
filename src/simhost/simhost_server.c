/*
 * simhost_server.c: the unix control socket: accepts many clients, reads
 * request lines, queues replies without ever blocking the host, passes
 * descriptors, and fans state changes out to subscribed connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "simhost_server.h"
#include "xenpv_simproto.h"

/* Stop reading a client whose unread replies pile up beyond this. */
#define SIM_CLIENT_MAX_QUEUED (32 * 1024 * 1024)

typedef struct _SimClient SimClient;

typedef struct {
    GBytes *data;
    gsize offset;
    int fd;                 /* sent with the chunk's first byte */
} SimChunk;

struct _SimClient {
    SimServer *server;
    int fd;
    guint inWatch;
    guint outWatch;
    GByteArray *in;
    GQueue out;             /* SimChunk* */
    gsize queued;
    gboolean subscribed;
};

struct _SimServer {
    SimHost *host;
    int listenFd;
    guint listenWatch;
    GList *clients;
};

static void simClientWatchIn(SimClient *client);

static void
simChunkFree(SimChunk *chunk)
{
    g_bytes_unref(chunk->data);
    if (chunk->fd >= 0)
        close(chunk->fd);
    g_free(chunk);
}


static void
simClientFree(SimClient *client)
{
    SimServer *server = client->server;

    server->clients = g_list_remove(server->clients, client);
    if (client->inWatch)
        g_source_remove(client->inWatch);
    if (client->outWatch)
        g_source_remove(client->outWatch);
    g_queue_clear_full(&client->out, (GDestroyNotify)simChunkFree);
    g_byte_array_unref(client->in);
    close(client->fd);
    g_free(client);
}


/* Send what the socket takes now.  FALSE if the client is gone. */
static gboolean
simClientFlush(SimClient *client)
{
    SimChunk *chunk;

    while ((chunk = g_queue_peek_head(&client->out))) {
        gsize len;
        const char *data = g_bytes_get_data(chunk->data, &len);
        union {
            struct cmsghdr hdr;
            char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {
            .iov_base = (char *)data + chunk->offset,
            .iov_len = len - chunk->offset,
        };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (chunk->fd >= 0) {
            struct cmsghdr *cm;

            memset(&ctl, 0, sizeof(ctl));
            mh.msg_control = ctl.buf;
            mh.msg_controllen = sizeof(ctl.buf);
            cm = CMSG_FIRSTHDR(&mh);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cm), &chunk->fd, sizeof(int));
        }
        n = sendmsg(client->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return TRUE;
            return FALSE;
        }
        if (chunk->fd >= 0) {
            close(chunk->fd);
            chunk->fd = -1;
        }
        chunk->offset += n;
        client->queued -= n;
        if (chunk->offset == len)
            simChunkFree(g_queue_pop_head(&client->out));
    }
    return TRUE;
}


static gboolean
simClientWritable(gint fd, GIOCondition cond, gpointer opaque)
{
    SimClient *client = opaque;

    if (!simClientFlush(client)) {
        client->outWatch = 0;
        simClientFree(client);
        return G_SOURCE_REMOVE;
    }
    if (g_queue_is_empty(&client->out)) {
        client->outWatch = 0;
        simClientWatchIn(client);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}


static void
simClientQueue(SimClient *client, GBytes *data, int fd)
{
    SimChunk *chunk = g_new0(SimChunk, 1);

    chunk->data = data;
    chunk->fd = fd;
    client->queued += g_bytes_get_size(data);
    g_queue_push_tail(&client->out, chunk);
}


static gboolean
simClientReply(SimClient *client, SimReply *reply)
{
    if (reply->payload)
        g_string_append_printf(reply->line, " payload=%zu", g_bytes_get_size(reply->payload));
    if (reply->fd >= 0)
        g_string_append(reply->line, " fd=1");
    g_string_append_c(reply->line, '\n');
    simClientQueue(client, g_bytes_new(reply->line->str, reply->line->len), reply->fd);
    reply->fd = -1;
    if (reply->payload)
        simClientQueue(client, g_steal_pointer(&reply->payload), -1);
    return simClientFlush(client);
}


/* Handle every complete line.  FALSE if the client must go. */
static gboolean
simClientProcess(SimClient *client)
{
    guint8 *nl;

    while (!client->subscribed &&
           (nl = memchr(client->in->data, '\n', client->in->len))) {
        gsize len = nl - client->in->data;
        g_autofree char *line = g_strndup((char *)client->in->data, len);
        SimReply reply = { .line = g_string_new(NULL), .fd = -1 };
        gboolean ok;

        g_byte_array_remove_range(client->in, 0, len + 1);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        if (strlen(line) != len && strlen(line) != len - 1) {
            g_string_assign(reply.line, "ERR EINVAL request%20contains%20a%20NUL%20byte");
        } else {
            simRequestDispatch(client->server->host, line, &reply);
        }
        ok = simClientReply(client, &reply);
        client->subscribed = reply.subscribe;
        g_string_free(reply.line, TRUE);
        if (reply.payload)
            g_bytes_unref(reply.payload);
        if (!ok)
            return FALSE;
    }
    if (client->in->len > XENPV_SIM_MAX_LINE) {
        SimReply reply = { .line = g_string_new("ERR E2BIG request%20line%20too%20long"),
                           .fd = -1 };

        simClientReply(client, &reply);
        g_string_free(reply.line, TRUE);
        return FALSE;
    }
    return TRUE;
}


static gboolean
simClientReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    SimClient *client = opaque;
    char buf[16384];
    ssize_t n;

    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        /* Gone, perhaps mid-request: a partial line is simply dropped. */
        client->inWatch = 0;
        simClientFree(client);
        return G_SOURCE_REMOVE;
    }
    if (client->subscribed)
        return G_SOURCE_CONTINUE;
    g_byte_array_append(client->in, (guint8 *)buf, n);
    if (!simClientProcess(client)) {
        client->inWatch = 0;
        simClientFree(client);
        return G_SOURCE_REMOVE;
    }
    if (!g_queue_is_empty(&client->out) && !client->outWatch) {
        client->outWatch = g_unix_fd_add(client->fd, G_IO_OUT, simClientWritable, client);
        if (client->queued > SIM_CLIENT_MAX_QUEUED) {
            /* Back-pressure: read again once the replies are gone. */
            client->inWatch = 0;
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}


static void
simClientWatchIn(SimClient *client)
{
    if (!client->inWatch)
        client->inWatch = g_unix_fd_add(client->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                        simClientReadable, client);
}


static gboolean
simServerAccept(gint fd, GIOCondition cond, gpointer opaque)
{
    SimServer *server = opaque;
    SimClient *client;
    int cfd;

    cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (cfd < 0) {
        if (errno != EAGAIN && errno != EINTR)
            g_warning("accept on %s: %s", server->host->cfg.socketPath, g_strerror(errno));
        return G_SOURCE_CONTINUE;
    }
    client = g_new0(SimClient, 1);
    client->server = server;
    client->fd = cfd;
    client->in = g_byte_array_new();
    g_queue_init(&client->out);
    server->clients = g_list_prepend(server->clients, client);
    simClientWatchIn(client);
    return G_SOURCE_CONTINUE;
}


static void
simServerFanOut(SimHost *host, gpointer opaque)
{
    SimServer *server = opaque;
    const char ev = XENPV_SIM_EVENT_BYTE;
    GList *l;

    for (l = server->clients; l; l = l->next) {
        SimClient *client = l->data;

        /* "Something changed, rescan": if the client has not read the last
         * ones yet, one more changes nothing, so a full socket is fine. */
        if (client->subscribed &&
            send(client->fd, &ev, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
            errno != EAGAIN && errno != EINTR)
            g_debug("event subscriber gone: %s", g_strerror(errno));
    }
}


static gboolean
simServerLiveHostAt(const char *path)
{
    g_autoptr(GError) err = NULL;
    xenpvSimClient *probe = xenpvSimClientConnect(path, &err);

    if (!probe)
        return FALSE;
    xenpvSimClientFree(probe);
    return TRUE;
}


SimServer *
simServerNew(SimHost *host, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *path = host->cfg.socketPath;
    g_autofree char *dir = g_path_get_dirname(path);
    SimServer *server;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, XENPV_SIM_ERROR, ENAMETOOLONG, "socket path %s is too long", path);
        return NULL;
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(error, XENPV_SIM_ERROR, errno, "cannot create %s: %s", dir,
                    g_strerror(errno));
        return NULL;
    }
    if (simServerLiveHostAt(path)) {
        g_set_error(error, XENPV_SIM_ERROR, EADDRINUSE,
                    "another xenpv-simhost is already serving %s", path);
        return NULL;
    }
    unlink(path);
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        chmod(path, 0660) < 0 || listen(fd, 128) < 0) {
        int err = errno;

        if (fd >= 0)
            close(fd);
        g_set_error(error, XENPV_SIM_ERROR, err, "cannot listen on %s: %s", path,
                    g_strerror(err));
        return NULL;
    }
    server = g_new0(SimServer, 1);
    server->host = host;
    server->listenFd = fd;
    server->listenWatch = g_unix_fd_add(fd, G_IO_IN, simServerAccept, server);
    host->notify = simServerFanOut;
    host->notifyData = server;
    return server;
}


void
simServerFree(SimServer *server)
{
    if (!server)
        return;
    while (server->clients)
        simClientFree(server->clients->data);
    g_source_remove(server->listenWatch);
    close(server->listenFd);
    unlink(server->host->cfg.socketPath);
    server->host->notify = NULL;
    server->host->notifyData = NULL;
    g_free(server);
}
