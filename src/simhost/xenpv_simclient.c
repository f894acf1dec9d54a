/*
 * xenpv_simclient.c: a blocking client connection to xenpv-simhost: send a
 * request line, read the reply line, its payload and a passed descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>

#include "xenpv_simproto.h"

struct _xenpvSimClient {
    int fd;
    guint timeoutSec;
    GByteArray *inbuf;
    GQueue fds;             /* descriptors received, oldest first */
};

xenpvSimClient *
xenpvSimClientConnect(const char *path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "socket path %s is too long", path);
        return NULL;
    }
    strcpy(addr.sun_path, path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;

        if (fd >= 0)
            close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                    "cannot connect to %s: %s", path, g_strerror(err));
        return NULL;
    }
    return xenpvSimClientAdopt(fd);
}


xenpvSimClient *
xenpvSimClientAdopt(int fd)
{
    xenpvSimClient *client = g_new0(xenpvSimClient, 1);

    client->fd = fd;
    client->timeoutSec = 60;
    client->inbuf = g_byte_array_new();
    g_queue_init(&client->fds);
    return client;
}


void
xenpvSimClientFree(xenpvSimClient *client)
{
    if (!client)
        return;
    while (!g_queue_is_empty(&client->fds))
        close(GPOINTER_TO_INT(g_queue_pop_head(&client->fds)));
    if (client->fd >= 0)
        close(client->fd);
    g_byte_array_unref(client->inbuf);
    g_free(client);
}


int
xenpvSimClientFd(xenpvSimClient *client)
{
    return client->fd;
}


void
xenpvSimClientSetTimeout(xenpvSimClient *client, guint seconds)
{
    client->timeoutSec = seconds;
}


static gboolean
waitFor(xenpvSimClient *client, short events, gint64 deadline, GError **error)
{
    for (;;) {
        struct pollfd pfd = { .fd = client->fd, .events = events };
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        int rc;

        if (left <= 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "the simulated Xen host did not answer within %u s",
                        client->timeoutSec);
            return FALSE;
        }
        rc = poll(&pfd, 1, left > G_MAXINT ? G_MAXINT : (int)left);
        if (rc > 0)
            return TRUE;
        if (rc < 0 && errno != EINTR) {
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                        "poll on the simulated Xen host's socket: %s", g_strerror(errno));
            return FALSE;
        }
    }
}


static gboolean
sendAll(xenpvSimClient *client, const char *data, size_t len, gint64 deadline,
        GError **error)
{
    while (len > 0) {
        ssize_t n = send(client->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                if (!waitFor(client, POLLOUT, deadline, error))
                    return FALSE;
                continue;
            }
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                        "lost the connection to the simulated Xen host: %s",
                        g_strerror(errno));
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}


/* Read what is available into inbuf, keeping any passed descriptors. */
static gboolean
fill(xenpvSimClient *client, gint64 deadline, GError **error)
{
    union {
        struct cmsghdr hdr;
        char buf[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    char data[65536];
    struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
    };
    struct cmsghdr *cm;
    ssize_t n;

    if (!waitFor(client, POLLIN, deadline, error))
        return FALSE;
    do {
        n = recvmsg(client->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return TRUE;
    for (cm = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            size_t i;

            for (i = 0; i < nfds; i++) {
                int fd;

                memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                g_queue_push_tail(&client->fds, GINT_TO_POINTER(fd));
            }
        }
    }
    if (n <= 0) {
        int code = G_IO_ERROR_CONNECTION_CLOSED;
        const char *why = "it closed the connection";

        if (n < 0) {
            code = g_io_error_from_errno(errno);
            why = g_strerror(errno);
        }
        g_set_error(error, G_IO_ERROR, code, "lost the connection to the simulated Xen host: %s", why);
        return FALSE;
    }
    g_byte_array_append(client->inbuf, (guint8 *)data, n);
    return TRUE;
}


static char *
readLine(xenpvSimClient *client, gint64 deadline, GError **error)
{
    for (;;) {
        guint8 *nl = NULL;

        /* An empty GByteArray has no data at all (NULL): memchr must not
         * be given that. */
        if (client->inbuf->len > 0)
            nl = memchr(client->inbuf->data, '\n', client->inbuf->len);
        if (nl) {
            size_t len = nl - client->inbuf->data;
            char *line = g_strndup((char *)client->inbuf->data, len);

            g_byte_array_remove_range(client->inbuf, 0, len + 1);
            return line;
        }
        if (client->inbuf->len > XENPV_SIM_MAX_LINE) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the simulated Xen host sent an overlong line");
            return NULL;
        }
        if (!fill(client, deadline, error))
            return NULL;
    }
}


xenpvSimMsg *
xenpvSimClientCall(xenpvSimClient *client, const char *line,
                   GBytes **payload, int *fd, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)client->timeoutSec * G_USEC_PER_SEC;
    g_autofree char *request = g_strconcat(line, "\n", NULL);
    g_autofree char *replyLine = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GError) perr = NULL;
    guint64 len = 0;
    int passed = -1;

    if (payload)
        *payload = NULL;
    if (fd)
        *fd = -1;
    if (!sendAll(client, request, strlen(request), deadline, error) ||
        !(replyLine = readLine(client, deadline, error)))
        return NULL;
    if (!(reply = xenpvSimMsgParse(replyLine, &perr))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "malformed reply from the simulated Xen host: %s", perr->message);
        return NULL;
    }
    if (xenpvSimMsgGet(reply, "fd") && !g_queue_is_empty(&client->fds))
        passed = GPOINTER_TO_INT(g_queue_pop_head(&client->fds));
    if (xenpvSimMsgGetU64(reply, "payload", &len)) {
        if (len > XENPV_SIM_MAX_PAYLOAD) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the simulated Xen host announced an oversized payload");
            goto error;
        }
        while (client->inbuf->len < len) {
            if (!fill(client, deadline, error))
                goto error;
        }
        if (payload)
            *payload = g_bytes_new(client->inbuf->data, len);
        g_byte_array_remove_range(client->inbuf, 0, len);
    }

    if (strcmp(reply->head, "OK") != 0) {
        const char *msg = "unspecified error";
        int err = EIO;

        if (reply->args->len > 0)
            err = xenpvSimErrnoFromName(g_ptr_array_index(reply->args, 0));
        if (reply->args->len > 1)
            msg = g_ptr_array_index(reply->args, 1);

        g_set_error_literal(error, XENPV_SIM_ERROR, err, msg);
        goto error;
    }
    if (passed >= 0 && fd)
        *fd = passed;
    else if (passed >= 0)
        close(passed);
    return g_steal_pointer(&reply);

 error:
    if (passed >= 0)
        close(passed);
    if (payload && *payload)
        g_clear_pointer(payload, g_bytes_unref);
    return NULL;
}
