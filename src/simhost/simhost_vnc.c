/*
 * simhost_vnc.c: the VNC server of a simulated PV framebuffer: the RFB
 * protocol (RFC 6143, versions 3.3, 3.7 and 3.8) with no authentication or
 * VNC authentication (DES, with the password's bits reversed as RFC 6143
 * says), raw encoding in whatever true-colour pixel format the client asks
 * for, updates of what changed, and the keys typed going to the guest's
 * console.
 *
 * It runs in the simulated host's main loop like everything else there:
 * non-blocking sockets, a watch per client, output queued when the client
 * reads slowly.  A client that breaks the protocol is dropped, never the
 * guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <nettle/des.h>

#include "simhost_vnc.h"
#include "xenpv_simproto.h"

#define SIM_VNC_MAX_CLIENTS 8
/* A client whose unread output grows past this is dropped. */
#define SIM_VNC_MAX_QUEUED (16 * 1024 * 1024)

#define RFB_SEC_NONE 1
#define RFB_SEC_VNC_AUTH 2
#define RFB_CHALLENGE_LEN 16

/* Client-to-server message types, and their sizes where fixed. */
#define RFB_SET_PIXEL_FORMAT 0
#define RFB_SET_ENCODINGS 2
#define RFB_UPDATE_REQUEST 3
#define RFB_KEY_EVENT 4
#define RFB_POINTER_EVENT 5
#define RFB_CUT_TEXT 6

/* X keysyms that mean something to a console. */
#define KEYSYM_BACKSPACE 0xff08
#define KEYSYM_TAB 0xff09
#define KEYSYM_RETURN 0xff0d
#define KEYSYM_ESCAPE 0xff1b
#define KEYSYM_KP_ENTER 0xff8d

typedef enum {
    SIM_VNC_VERSION,        /* waiting for the client's version */
    SIM_VNC_SECURITY,       /* waiting for its choice of security type */
    SIM_VNC_AUTH,           /* waiting for its answer to the challenge */
    SIM_VNC_INIT,           /* waiting for ClientInit */
    SIM_VNC_NORMAL,
    SIM_VNC_CLOSING,        /* output drained, then closed */
} SimVncState;

typedef struct {
    guint8 bpp;
    guint8 depth;
    guint8 bigEndian;
    guint8 trueColour;
    guint16 redMax;
    guint16 greenMax;
    guint16 blueMax;
    guint8 redShift;
    guint8 greenShift;
    guint8 blueShift;
} SimVncPixelFormat;

typedef struct _SimVncClient SimVncClient;

struct _SimVnc {
    SimFb *fb;
    guint port;
    char *name;
    char *password;         /* NULL: no authentication */
    SimVncInputFunc input;
    gpointer opaque;
    int listenFd;
    guint listenWatch;
    GList *clients;
};

struct _SimVncClient {
    SimVnc *vnc;
    int fd;
    guint inWatch;
    guint outWatch;
    GByteArray *in;
    GByteArray *out;
    SimVncState state;
    guint minor;            /* 3, 7 or 8 */
    guint8 challenge[RFB_CHALLENGE_LEN];
    SimVncPixelFormat pf;
    /* What changed and was not sent yet, and whether an update is owed. */
    guint dx, dy, dw, dh;
    gboolean wantsUpdate;
};

static const SimVncPixelFormat simVncServerFormat = {
    32, 24, 0, 1, 255, 255, 255, 16, 8, 0,
};

static void simVncClientFree(SimVncClient *client);
static gboolean simVncClientFlush(SimVncClient *client);


static void
putU8(GByteArray *out, guint8 v)
{
    g_byte_array_append(out, &v, 1);
}


static void
putU16(GByteArray *out, guint16 v)
{
    guint8 b[2] = { v >> 8, v & 0xff };

    g_byte_array_append(out, b, 2);
}


static void
putU32(GByteArray *out, guint32 v)
{
    guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

    g_byte_array_append(out, b, 4);
}


static guint16
getU16(const guint8 *p)
{
    return (p[0] << 8) | p[1];
}


static guint32
getU32(const guint8 *p)
{
    return ((guint32)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}


static void
putPixelFormat(GByteArray *out, const SimVncPixelFormat *pf)
{
    guint8 pad[3] = { 0 };

    putU8(out, pf->bpp);
    putU8(out, pf->depth);
    putU8(out, pf->bigEndian);
    putU8(out, pf->trueColour);
    putU16(out, pf->redMax);
    putU16(out, pf->greenMax);
    putU16(out, pf->blueMax);
    putU8(out, pf->redShift);
    putU8(out, pf->greenShift);
    putU8(out, pf->blueShift);
    g_byte_array_append(out, pad, sizeof(pad));
}


/* Queue @out's bytes for the client and send what the socket takes. */
static gboolean
simVncClientSend(SimVncClient *client)
{
    if (client->out->len > SIM_VNC_MAX_QUEUED)
        return FALSE;
    return simVncClientFlush(client);
}


static gboolean
simVncClientWritable(gint fd, GIOCondition cond, gpointer opaque)
{
    SimVncClient *client = opaque;

    client->outWatch = 0;
    if (!simVncClientFlush(client)) {
        simVncClientFree(client);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_REMOVE;
}


/* FALSE if the client is gone (or done, when closing). */
static gboolean
simVncClientFlush(SimVncClient *client)
{
    while (client->out->len > 0) {
        ssize_t n = send(client->fd, client->out->data, client->out->len,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!client->outWatch)
                client->outWatch = g_unix_fd_add(client->fd, G_IO_OUT,
                                                 simVncClientWritable, client);
            return TRUE;
        }
        if (n <= 0)
            return FALSE;
        g_byte_array_remove_range(client->out, 0, n);
    }
    return client->state != SIM_VNC_CLOSING;
}


/* One pixel (0x00RRGGBB) in the client's format. */
static void
putPixel(GByteArray *out, const SimVncPixelFormat *pf, guint32 rgb)
{
    guint32 r = ((rgb >> 16) & 0xff) * pf->redMax / 255;
    guint32 g = ((rgb >> 8) & 0xff) * pf->greenMax / 255;
    guint32 b = (rgb & 0xff) * pf->blueMax / 255;
    guint32 v = (r << pf->redShift) | (g << pf->greenShift) | (b << pf->blueShift);
    guint bytes = pf->bpp / 8;
    guint8 buf[4];
    guint i;

    for (i = 0; i < bytes; i++) {
        guint shift = pf->bigEndian ? 8 * (bytes - 1 - i) : 8 * i;

        buf[i] = (v >> shift) & 0xff;
    }
    g_byte_array_append(out, buf, bytes);
}


/* Send what changed (one rectangle, raw) if the client asked for it. */
static gboolean
simVncClientUpdate(SimVncClient *client)
{
    const guint32 *pixels = simFbPixels(client->vnc->fb);
    guint width = simFbWidth(client->vnc->fb);
    guint x;
    guint y;

    if (!client->wantsUpdate || client->dw == 0 || client->dh == 0)
        return TRUE;
    putU8(client->out, 0);
    putU8(client->out, 0);
    putU16(client->out, 1);
    putU16(client->out, client->dx);
    putU16(client->out, client->dy);
    putU16(client->out, client->dw);
    putU16(client->out, client->dh);
    putU32(client->out, 0);     /* raw */
    for (y = client->dy; y < client->dy + client->dh; y++) {
        for (x = client->dx; x < client->dx + client->dw; x++)
            putPixel(client->out, &client->pf, pixels[(gsize)y * width + x]);
    }
    client->wantsUpdate = FALSE;
    client->dw = client->dh = 0;
    return simVncClientSend(client);
}


static void
simVncClientDamage(SimVncClient *client, guint x, guint y, guint w, guint h)
{
    guint x2;
    guint y2;

    if (client->dw == 0 || client->dh == 0) {
        client->dx = x;
        client->dy = y;
        client->dw = w;
        client->dh = h;
        return;
    }
    x2 = MAX(x + w, client->dx + client->dw);
    y2 = MAX(y + h, client->dy + client->dh);
    client->dx = MIN(client->dx, x);
    client->dy = MIN(client->dy, y);
    client->dw = x2 - client->dx;
    client->dh = y2 - client->dy;
}


static void
simVncFbDamage(guint x, guint y, guint w, guint h, gpointer opaque)
{
    SimVnc *vnc = opaque;
    GList *l = vnc->clients;

    while (l) {
        SimVncClient *client = l->data;

        l = l->next;
        if (client->state != SIM_VNC_NORMAL)
            continue;
        simVncClientDamage(client, x, y, w, h);
        /* Not freed here: this may run inside the client's own message
         * (a key it typed echoes on the screen).  Its read watch sees the
         * socket shut and lets it go. */
        if (!simVncClientUpdate(client)) {
            client->state = SIM_VNC_CLOSING;
            shutdown(client->fd, SHUT_RDWR);
        }
    }
}


/* The answer to @challenge with @password: DES with the password's first
 * eight bytes, each bit-reversed, as the key. */
static void
simVncAuthResponse(const char *password, const guint8 *challenge, guint8 *response)
{
    struct des_ctx ctx;
    guint8 key[DES_KEY_SIZE] = { 0 };
    guint i;
    guint bit;

    for (i = 0; i < DES_KEY_SIZE && password[i]; i++) {
        guint8 c = password[i];
        guint8 r = 0;

        for (bit = 0; bit < 8; bit++)
            r |= ((c >> bit) & 1) << (7 - bit);
        key[i] = r;
    }
    des_set_key(&ctx, key);
    des_encrypt(&ctx, RFB_CHALLENGE_LEN, response, challenge);
}


/* Security done: 3.8 always says so, earlier versions only for VNC
 * authentication. */
static gboolean
simVncSecurityResult(SimVncClient *client, gboolean ok)
{
    const char *reason = "Authentication failed";

    if (ok && client->minor < 8 && !client->vnc->password)
        return TRUE;
    putU32(client->out, ok ? 0 : 1);
    if (!ok && client->minor >= 8) {
        putU32(client->out, strlen(reason));
        g_byte_array_append(client->out, (const guint8 *)reason, strlen(reason));
    }
    if (!ok)
        client->state = SIM_VNC_CLOSING;
    return TRUE;
}


/* After the security type is settled: a challenge, or straight on. */
static void
simVncStartSecurity(SimVncClient *client)
{
    if (client->vnc->password) {
        guint i;

        for (i = 0; i < RFB_CHALLENGE_LEN; i++)
            client->challenge[i] = g_random_int_range(0, 256);
        g_byte_array_append(client->out, client->challenge, RFB_CHALLENGE_LEN);
        client->state = SIM_VNC_AUTH;
    } else {
        simVncSecurityResult(client, TRUE);
        client->state = SIM_VNC_INIT;
    }
}


static void
simVncServerInit(SimVncClient *client)
{
    SimFb *fb = client->vnc->fb;

    putU16(client->out, simFbWidth(fb));
    putU16(client->out, simFbHeight(fb));
    putPixelFormat(client->out, &simVncServerFormat);
    putU32(client->out, strlen(client->vnc->name));
    g_byte_array_append(client->out, (const guint8 *)client->vnc->name,
                        strlen(client->vnc->name));
    client->pf = simVncServerFormat;
    client->state = SIM_VNC_NORMAL;
}


static void
simVncKey(SimVncClient *client, guint32 keysym)
{
    char c;

    if (keysym >= 0x20 && keysym <= 0x7e)
        c = keysym;
    else if (keysym == KEYSYM_RETURN || keysym == KEYSYM_KP_ENTER)
        c = '\r';
    else if (keysym == KEYSYM_BACKSPACE)
        c = 0x7f;
    else if (keysym == KEYSYM_TAB)
        c = '\t';
    else if (keysym == KEYSYM_ESCAPE)
        c = 0x1b;
    else
        return;
    if (client->vnc->input)
        client->vnc->input(&c, 1, client->vnc->opaque);
}


/* One client message of the normal phase, if it has arrived whole.
 * Returns its length (0: not all there yet), or -1 to drop the client. */
static gssize
simVncNormalMessage(SimVncClient *client, const guint8 *p, gsize len)
{
    SimFb *fb = client->vnc->fb;

    switch (p[0]) {
    case RFB_SET_PIXEL_FORMAT: {
        SimVncPixelFormat pf;

        if (len < 20)
            return 0;
        pf.bpp = p[4];
        pf.depth = p[5];
        pf.bigEndian = p[6];
        pf.trueColour = p[7];
        pf.redMax = getU16(p + 8);
        pf.greenMax = getU16(p + 10);
        pf.blueMax = getU16(p + 12);
        pf.redShift = p[14];
        pf.greenShift = p[15];
        pf.blueShift = p[16];
        /* Colour maps are not offered: true colour of 8, 16 or 32 bits. */
        if (!pf.trueColour || (pf.bpp != 8 && pf.bpp != 16 && pf.bpp != 32) ||
            pf.redShift > 31 || pf.greenShift > 31 || pf.blueShift > 31)
            return -1;
        client->pf = pf;
        return 20;
    }
    case RFB_SET_ENCODINGS:
        if (len < 4 || len < 4 + 4 * (gsize)getU16(p + 2))
            return 0;
        /* Raw is what everyone takes; the list changes nothing. */
        return 4 + 4 * getU16(p + 2);
    case RFB_UPDATE_REQUEST: {
        guint x;
        guint y;
        guint w;
        guint h;

        if (len < 10)
            return 0;
        x = MIN(getU16(p + 2), simFbWidth(fb));
        y = MIN(getU16(p + 4), simFbHeight(fb));
        w = MIN(getU16(p + 6), simFbWidth(fb) - x);
        h = MIN(getU16(p + 8), simFbHeight(fb) - y);
        if (!p[1] && w && h)
            simVncClientDamage(client, x, y, w, h);
        client->wantsUpdate = TRUE;
        return simVncClientUpdate(client) ? 10 : -1;
    }
    case RFB_KEY_EVENT:
        if (len < 8)
            return 0;
        if (p[1])
            simVncKey(client, getU32(p + 4));
        return 8;
    case RFB_POINTER_EVENT:
        return len < 6 ? 0 : 6;
    case RFB_CUT_TEXT:
        if (len < 8)
            return 0;
        if (getU32(p + 4) > 1024 * 1024)
            return -1;
        return len < 8 + (gsize)getU32(p + 4) ? 0 : (gssize)(8 + getU32(p + 4));
    default:
        return -1;
    }
}


/* Everything that has arrived whole.  FALSE to drop the client. */
static gboolean
simVncClientProcess(SimVncClient *client)
{
    for (;;) {
        const guint8 *p = client->in->data;
        gsize len = client->in->len;
        gssize used = 0;

        if (len == 0)
            break;
        switch (client->state) {
        case SIM_VNC_VERSION:
            if (len < 12)
                return TRUE;
            if (memcmp(p, "RFB 003.", 8) != 0 || p[11] != '\n')
                return FALSE;
            client->minor = g_ascii_digit_value(p[10]) + 10 * g_ascii_digit_value(p[9]);
            if (client->minor >= 8)
                client->minor = 8;
            else if (client->minor != 7)
                client->minor = 3;
            used = 12;
            if (client->minor == 3) {
                putU32(client->out, client->vnc->password ? RFB_SEC_VNC_AUTH : RFB_SEC_NONE);
                simVncStartSecurity(client);
            } else {
                putU8(client->out, 1);
                putU8(client->out, client->vnc->password ? RFB_SEC_VNC_AUTH : RFB_SEC_NONE);
                client->state = SIM_VNC_SECURITY;
            }
            break;
        case SIM_VNC_SECURITY:
            if (p[0] != (client->vnc->password ? RFB_SEC_VNC_AUTH : RFB_SEC_NONE))
                return FALSE;
            used = 1;
            simVncStartSecurity(client);
            break;
        case SIM_VNC_AUTH: {
            guint8 expected[RFB_CHALLENGE_LEN];

            if (len < RFB_CHALLENGE_LEN)
                return TRUE;
            simVncAuthResponse(client->vnc->password, client->challenge, expected);
            used = RFB_CHALLENGE_LEN;
            if (memcmp(expected, p, RFB_CHALLENGE_LEN) != 0) {
                g_message("VNC client of %s: authentication failed", client->vnc->name);
                simVncSecurityResult(client, FALSE);
            } else {
                simVncSecurityResult(client, TRUE);
                client->state = SIM_VNC_INIT;
            }
            break;
        }
        case SIM_VNC_INIT:
            used = 1;
            simVncServerInit(client);
            break;
        case SIM_VNC_NORMAL:
            if ((used = simVncNormalMessage(client, p, len)) < 0)
                return FALSE;
            if (used == 0)
                return simVncClientSend(client);
            break;
        case SIM_VNC_CLOSING:
            /* Nothing more is read from a client being let go. */
            used = len;
            break;
        }
        g_byte_array_remove_range(client->in, 0, used);
    }
    return simVncClientSend(client);
}


static gboolean
simVncClientReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    SimVncClient *client = opaque;
    guint8 buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        client->inWatch = 0;
        simVncClientFree(client);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(client->in, buf, n);
    if (client->in->len > 64 * 1024 + 8 || !simVncClientProcess(client)) {
        client->inWatch = 0;
        simVncClientFree(client);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}


static void
simVncClientFree(SimVncClient *client)
{
    SimVnc *vnc = client->vnc;

    vnc->clients = g_list_remove(vnc->clients, client);
    if (client->inWatch)
        g_source_remove(client->inWatch);
    if (client->outWatch)
        g_source_remove(client->outWatch);
    close(client->fd);
    g_byte_array_unref(client->in);
    g_byte_array_unref(client->out);
    g_free(client);
}


static gboolean
simVncAccept(gint fd, GIOCondition cond, gpointer opaque)
{
    SimVnc *vnc = opaque;
    SimVncClient *client;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (cfd < 0)
        return G_SOURCE_CONTINUE;
    if (g_list_length(vnc->clients) >= SIM_VNC_MAX_CLIENTS) {
        close(cfd);
        return G_SOURCE_CONTINUE;
    }
    client = g_new0(SimVncClient, 1);
    client->vnc = vnc;
    client->fd = cfd;
    client->in = g_byte_array_new();
    client->out = g_byte_array_new();
    client->state = SIM_VNC_VERSION;
    client->pf = simVncServerFormat;
    vnc->clients = g_list_prepend(vnc->clients, client);
    g_byte_array_append(client->out, (const guint8 *)"RFB 003.008\n", 12);
    if (!simVncClientSend(client)) {
        simVncClientFree(client);
        return G_SOURCE_CONTINUE;
    }
    client->inWatch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                    simVncClientReadable, client);
    return G_SOURCE_CONTINUE;
}


/* A socket listening on @listen:@port, or -1 with an error. */
static int
simVncListen(const char *address, guint port, GError **error)
{
    struct addrinfo hints = {
        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
    };
    struct addrinfo *res = NULL;
    g_autofree char *service = g_strdup_printf("%u", port);
    int fd = -1;
    int err = 0;
    int rc;
    int one = 1;

    if ((rc = getaddrinfo(address, service, &hints, &res)) != 0) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "cannot listen for VNC on %s: %s",
                    address, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
        listen(fd, 8) < 0) {
        err = errno;
        if (fd >= 0)
            close(fd);
        fd = -1;
        g_set_error(error, XENPV_SIM_ERROR, err, "cannot listen for VNC on %s port %u: %s",
                    address, port, g_strerror(err));
    }
    freeaddrinfo(res);
    return fd;
}


/* The port @fd is bound to (the one the kernel picked for port 0). */
static guint
simVncBoundPort(int fd, guint port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return port;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return port;
}


guint
simVncPort(const SimVnc *vnc)
{
    return vnc->port;
}


SimVnc *
simVncNew(const char *address, guint port, const char *password, SimFb *fb,
          const char *name, SimVncInputFunc input, gpointer opaque, GError **error)
{
    SimVnc *vnc;
    int fd;

    if ((fd = simVncListen(address, port, error)) < 0)
        return NULL;
    vnc = g_new0(SimVnc, 1);
    vnc->fb = fb;
    vnc->port = simVncBoundPort(fd, port);
    vnc->name = g_strdup(name);
    vnc->password = password && *password ? g_strdup(password) : NULL;
    vnc->input = input;
    vnc->opaque = opaque;
    vnc->listenFd = fd;
    vnc->listenWatch = g_unix_fd_add(fd, G_IO_IN, simVncAccept, vnc);
    simFbSetDamageFunc(fb, simVncFbDamage, vnc);
    return vnc;
}


void
simVncFree(SimVnc *vnc)
{
    if (!vnc)
        return;
    simFbSetDamageFunc(vnc->fb, NULL, NULL);
    while (vnc->clients)
        simVncClientFree(vnc->clients->data);
    g_source_remove(vnc->listenWatch);
    close(vnc->listenFd);
    if (vnc->password)
        memset(vnc->password, 0, strlen(vnc->password));
    g_free(vnc->password);
    g_free(vnc->name);
    g_free(vnc);
}
