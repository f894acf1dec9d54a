/*
 * xenpv_migration_frame.c: the data channel's framing
 * (docs/migration-stream.md).  Nothing here knows where the bytes go; the
 * receiving side trusts nothing it reads.
 */
#include <sys/socket.h>
#include <unistd.h>
#include <zstd.h>

#include "xenpv_migration_frame.h"

#include "virerror.h"
#include "virfile.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


static int
xenpvFrameReadAll(xenpvFrameTransport *t, void *buf, size_t len, bool *eof)
{
    char *p = buf;
    size_t got = 0;

    *eof = false;
    while (got < len) {
        ssize_t n = t->read(t->opaque, p + got, len - got);

        if (n < 0)
            return -1;
        if (n == 0) {
            *eof = true;
            return -1;
        }
        got += n;
    }
    return 0;
}


static int
xenpvFrameEnded(xenpvFrameTransport *t, const char *when)
{
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("%s closed the migration's data channel %s"), t->peer, when);
    return -1;
}


int
xenpvFrameSendHello(xenpvFrameTransport *t, const char *token)
{
    unsigned char hello[XENPV_FRAME_HELLO_LEN] = { 0 };
    uint32_t version = GUINT32_TO_LE(XENPV_FRAME_VERSION);
    size_t i;

    memcpy(hello, XENPV_FRAME_MAGIC, XENPV_FRAME_MAGIC_LEN);
    memcpy(hello + 8, &version, 4);
    for (i = 0; i < XENPV_MIGRATION_TOKEN_BYTES; i++)
        hello[16 + i] = g_ascii_xdigit_value(token[2 * i]) * 16 +
                        g_ascii_xdigit_value(token[2 * i + 1]);
    return t->write(t->opaque, (const char *)hello, sizeof(hello));
}


int
xenpvFrameCheckHello(xenpvFrameTransport *t, const char *token)
{
    unsigned char hello[XENPV_FRAME_HELLO_LEN];
    uint32_t version;
    unsigned char diff = 0;
    bool eof;
    size_t i;

    if (xenpvFrameReadAll(t, hello, sizeof(hello), &eof) < 0) {
        /* A stranger that hangs up is no error of ours. */
        if (eof)
            return 0;
        return -1;
    }
    memcpy(&version, hello + 8, 4);
    if (memcmp(hello, XENPV_FRAME_MAGIC, XENPV_FRAME_MAGIC_LEN) != 0 ||
        GUINT32_FROM_LE(version) != XENPV_FRAME_VERSION)
        return 0;
    /* Compared in constant time: the token is the only secret here. */
    for (i = 0; i < XENPV_MIGRATION_TOKEN_BYTES; i++) {
        unsigned char want = g_ascii_xdigit_value(token[2 * i]) * 16 +
                             g_ascii_xdigit_value(token[2 * i + 1]);

        diff |= want ^ hello[16 + i];
    }
    return diff == 0;
}


int
xenpvFrameSendWelcome(xenpvFrameTransport *t)
{
    unsigned char welcome[XENPV_FRAME_WELCOME_LEN] = { 0 };
    uint32_t version = GUINT32_TO_LE(XENPV_FRAME_VERSION);

    memcpy(welcome, XENPV_FRAME_MAGIC, XENPV_FRAME_MAGIC_LEN);
    memcpy(welcome + 8, &version, 4);
    return t->write(t->opaque, (const char *)welcome, sizeof(welcome));
}


int
xenpvFrameWaitWelcome(xenpvFrameTransport *t)
{
    unsigned char welcome[XENPV_FRAME_WELCOME_LEN];
    uint32_t version;
    bool eof;

    if (xenpvFrameReadAll(t, welcome, sizeof(welcome), &eof) < 0) {
        if (eof) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("%s refused the migration's data connection (it did not take this migration's token)"),
                           t->peer);
        }
        return -1;
    }
    memcpy(&version, welcome + 8, 4);
    if (memcmp(welcome, XENPV_FRAME_MAGIC, XENPV_FRAME_MAGIC_LEN) != 0 ||
        GUINT32_FROM_LE(version) != XENPV_FRAME_VERSION) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("%s answered the migration's data connection with something that is not this driver's welcome"),
                       t->peer);
        return -1;
    }
    return 0;
}


static int
xenpvFrameSendHeader(xenpvFrameTransport *t, xenpvFrameType type, size_t len)
{
    uint32_t header[2] = { GUINT32_TO_LE(type), GUINT32_TO_LE((uint32_t)len) };

    return t->write(t->opaque, (const char *)header, sizeof(header));
}


int
xenpvFrameSend(xenpvFrameTransport *t, xenpvFrameType type, const char *message)
{
    size_t len = message ? MIN(strlen(message), XENPV_FRAME_MAX_MESSAGE) : 0;

    if (xenpvFrameSendHeader(t, type, len) < 0)
        return -1;
    if (len && t->write(t->opaque, message, len) < 0)
        return -1;
    return 0;
}


/* The header of the next record, checked: a known type and a length it
 * may have. */
static int
xenpvFrameRecvHeader(xenpvFrameTransport *t, xenpvFrameType *type, size_t *len)
{
    uint32_t header[2];
    bool eof;

    if (xenpvFrameReadAll(t, header, sizeof(header), &eof) < 0) {
        if (eof)
            return xenpvFrameEnded(t, _("before the migration was over"));
        return -1;
    }
    *type = GUINT32_FROM_LE(header[0]);
    *len = GUINT32_FROM_LE(header[1]);
    switch (*type) {
    case XENPV_FRAME_DATA:
    case XENPV_FRAME_DATA_ZSTD:
        if (*len > 0 && *len <= XENPV_FRAME_MAX_DATA)
            return 0;
        break;
    case XENPV_FRAME_ABORT:
        if (*len <= XENPV_FRAME_MAX_MESSAGE)
            return 0;
        break;
    case XENPV_FRAME_END:
    case XENPV_FRAME_RESTORED:
    case XENPV_FRAME_COMMIT:
    case XENPV_FRAME_GO:
    case XENPV_FRAME_TAKEN:
        if (*len == 0)
            return 0;
        break;
    }
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("%s sent a malformed record on the migration's data channel (type %u, %zu bytes)"),
                   t->peer, (unsigned int)*type, *len);
    return -1;
}


/* The text of an ABORT record, made printable. */
static char *
xenpvFrameRecvMessage(xenpvFrameTransport *t, size_t len)
{
    g_autofree char *text = g_new0(char, len + 1);
    bool eof;
    size_t i;

    if (len && xenpvFrameReadAll(t, text, len, &eof) < 0) {
        if (eof)
            xenpvFrameEnded(t, _("in the middle of a message"));
        return NULL;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            text[i] = '?';
    }
    return g_steal_pointer(&text);
}


int
xenpvFrameRecv(xenpvFrameTransport *t, xenpvFrameType *type, char **message)
{
    size_t len;

    *message = NULL;
    if (xenpvFrameRecvHeader(t, type, &len) < 0)
        return -1;
    if (*type == XENPV_FRAME_DATA || *type == XENPV_FRAME_DATA_ZSTD) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("%s sent stream data where a message was expected"), t->peer);
        return -1;
    }
    if (*type == XENPV_FRAME_ABORT && !(*message = xenpvFrameRecvMessage(t, len)))
        return -1;
    return 0;
}


/* @len bytes of @buf packed by zstd into @zbuf (@zlen): their size, or 0
 * when zstd does not make them smaller. */
static size_t
xenpvFrameCompress(ZSTD_CCtx *cctx, const char *buf, size_t len, char *zbuf, size_t zlen)
{
    size_t packed = ZSTD_compressCCtx(cctx, zbuf, zlen, buf, len, XENPV_FRAME_ZSTD_LEVEL);

    if (ZSTD_isError(packed) || packed >= len)
        return 0;
    return packed;
}


int
xenpvFrameSendStream(xenpvFrameTransport *t, int fd, bool compress,
                     xenpvFrameMeterFunc meter, void *opaque)
{
    g_autofree char *buf = g_malloc(XENPV_FRAME_SEND_CHUNK);
    g_autofree char *zbuf = NULL;
    size_t zlen = ZSTD_compressBound(XENPV_FRAME_SEND_CHUNK);
    ZSTD_CCtx *cctx = NULL;
    int ret = -1;

    if (compress) {
        zbuf = g_malloc(zlen);
        if (!(cctx = ZSTD_createCCtx())) {
            virReportError(VIR_ERR_NO_MEMORY, "%s", _("cannot set zstd up"));
            return -1;
        }
    }
    for (;;) {
        xenpvFrameType type = XENPV_FRAME_DATA;
        const char *payload = buf;
        size_t packed = 0;
        ssize_t n;

        /* What is there, at once: bytes held back here would stretch a
         * migration's downtime. */
        do {
            n = read(fd, buf, XENPV_FRAME_SEND_CHUNK);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            virReportSystemError(errno, "%s", _("cannot read the save stream to send"));
            goto cleanup;
        }
        if (n == 0)
            break;
        if (cctx && (packed = xenpvFrameCompress(cctx, buf, n, zbuf, zlen))) {
            type = XENPV_FRAME_DATA_ZSTD;
            payload = zbuf;
        }
        /* The meter paces what goes on the wire. */
        if ((meter && meter(opaque, n, packed ? packed : n) < 0) ||
            xenpvFrameSendHeader(t, type, packed ? packed : n) < 0 ||
            t->write(t->opaque, payload, packed ? packed : n) < 0)
            goto cleanup;
    }
    ret = 0;

 cleanup:
    ZSTD_freeCCtx(cctx);
    return ret;
}


/* A DATA_ZSTD record's @len bytes in @zbuf, unpacked into @buf
 * (XENPV_FRAME_MAX_DATA bytes): their size, or -1 with an error. */
static ssize_t
xenpvFrameDecompress(xenpvFrameTransport *t, ZSTD_DCtx **dctx, const char *zbuf, size_t len,
                     char *buf)
{
    size_t n;

    if (!*dctx && !(*dctx = ZSTD_createDCtx())) {
        virReportError(VIR_ERR_NO_MEMORY, "%s", _("cannot set zstd up"));
        return -1;
    }
    n = ZSTD_decompressDCtx(*dctx, buf, XENPV_FRAME_MAX_DATA, zbuf, len);
    if (ZSTD_isError(n) || n == 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("%s sent compressed stream data that does not unpack into at most %d bytes: %s"),
                       t->peer, XENPV_FRAME_MAX_DATA,
                       ZSTD_isError(n) ? ZSTD_getErrorName(n) : _("nothing in it"));
        return -1;
    }
    return n;
}


/* The payload of a DATA or DATA_ZSTD record of @len bytes, as the back
 * end's stream, into @fd: its size, or -1 with an error. */
static ssize_t
xenpvFrameRecvData(xenpvFrameTransport *t, xenpvFrameType type, size_t len, int fd,
                   char *buf, char *zbuf, ZSTD_DCtx **dctx)
{
    char *in = type == XENPV_FRAME_DATA ? buf : zbuf;
    ssize_t n = len;
    bool eof;

    if (xenpvFrameReadAll(t, in, len, &eof) < 0) {
        if (eof)
            return xenpvFrameEnded(t, _("in the middle of the guest's stream"));
        return -1;
    }
    if (type == XENPV_FRAME_DATA_ZSTD && (n = xenpvFrameDecompress(t, dctx, zbuf, len, buf)) < 0)
        return -1;
    if (safewrite(fd, buf, n) < 0) {
        virReportSystemError(errno, "%s", _("the restore stopped taking the guest's stream"));
        return -1;
    }
    return n;
}


int
xenpvFrameRecvStream(xenpvFrameTransport *t, int fd,
                     xenpvFrameMeterFunc meter, void *opaque)
{
    g_autofree char *buf = g_malloc(XENPV_FRAME_MAX_DATA);
    g_autofree char *zbuf = g_malloc(XENPV_FRAME_MAX_DATA);
    ZSTD_DCtx *dctx = NULL;
    int ret = -1;

    for (;;) {
        xenpvFrameType type;
        size_t len;
        ssize_t n;

        if (xenpvFrameRecvHeader(t, &type, &len) < 0)
            goto cleanup;
        switch (type) {
        case XENPV_FRAME_DATA:
        case XENPV_FRAME_DATA_ZSTD:
            if ((n = xenpvFrameRecvData(t, type, len, fd, buf, zbuf, &dctx)) < 0 ||
                (meter && meter(opaque, n, len) < 0))
                goto cleanup;
            break;
        case XENPV_FRAME_END:
            ret = 0;
            goto cleanup;
        case XENPV_FRAME_ABORT: {
            g_autofree char *why = xenpvFrameRecvMessage(t, len);

            if (why)
                virReportError(VIR_ERR_OPERATION_ABORTED,
                               _("%s abandoned the migration: %s"), t->peer, why);
            goto cleanup;
        }
        case XENPV_FRAME_RESTORED:
        case XENPV_FRAME_COMMIT:
        case XENPV_FRAME_GO:
        case XENPV_FRAME_TAKEN:
        default:
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("%s sent a record of type %u in the middle of the guest's stream"),
                           t->peer, (unsigned int)type);
            goto cleanup;
        }
    }

 cleanup:
    ZSTD_freeDCtx(dctx);
    return ret;
}


/* A plain descriptor: a socket or a pipe, blocking, with the send and
 * receive timeouts its owner set. */
static ssize_t
xenpvFrameFdRead(void *opaque, char *buf, size_t len)
{
    int fd = *(int *)opaque;
    ssize_t n;

    do {
        n = read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            virReportError(VIR_ERR_OPERATION_TIMEOUT, "%s",
                           _("the migration's data channel stalled: nothing arrived in time"));
        else
            virReportSystemError(errno, "%s", _("cannot read the migration's data channel"));
        return -1;
    }
    return n;
}


static int
xenpvFrameFdWrite(void *opaque, const char *buf, size_t len)
{
    int fd = *(int *)opaque;

    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == ENOTSOCK)
            n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                virReportError(VIR_ERR_OPERATION_TIMEOUT, "%s",
                               _("the migration's data channel stalled: the peer took nothing in time"));
            else
                virReportSystemError(errno, "%s", _("cannot write to the migration's data channel"));
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}


void
xenpvFrameTransportFd(xenpvFrameTransport *t, int *fd, const char *peer)
{
    t->read = xenpvFrameFdRead;
    t->write = xenpvFrameFdWrite;
    t->opaque = fd;
    t->peer = peer;
}
