/*
 * xenpv_migration_frame.h: the framing of a migration's data channel
 * (docs/migration-stream.md): the source's greeting with the migration's
 * one-time token, the destination's welcome, then records carrying the
 * back end's save stream and the few messages that decide who runs the
 * guest.  Written over a transport: a TCP socket, TLS on one, or libvirt's
 * stream when tunnelled.
 */
#pragma once

#include "internal.h"

#include "xenpv_migration_cookie.h"

#define XENPV_FRAME_MAGIC "XENPVMIG"
#define XENPV_FRAME_MAGIC_LEN 8
#define XENPV_FRAME_VERSION 2
#define XENPV_FRAME_HELLO_LEN 48
#define XENPV_FRAME_WELCOME_LEN 16
#define XENPV_FRAME_HEADER_LEN 8
/* The largest DATA payload, and the largest message. */
#define XENPV_FRAME_MAX_DATA (1024 * 1024)
/* What a sender puts in one DATA record at most. */
#define XENPV_FRAME_SEND_CHUNK (256 * 1024)
/* zstd's level for DATA_ZSTD: fast, for links slower than the CPU. */
#define XENPV_FRAME_ZSTD_LEVEL 1
#define XENPV_FRAME_MAX_MESSAGE 4096

typedef enum {
    XENPV_FRAME_DATA = 1,       /* source: part of the back end's stream */
    XENPV_FRAME_END = 2,        /* source: the stream is complete */
    XENPV_FRAME_ABORT = 3,      /* either: giving up, with the reason */
    XENPV_FRAME_RESTORED = 4,   /* destination: the guest is built, paused */
    XENPV_FRAME_COMMIT = 5,     /* destination: Finish would run the guest */
    XENPV_FRAME_GO = 6,         /* source: the destination may run the guest */
    XENPV_FRAME_TAKEN = 7,      /* destination: it recorded that it runs it */
    XENPV_FRAME_DATA_ZSTD = 8,  /* source: DATA compressed into one zstd frame */
} xenpvFrameType;

/* How frames travel.  read: >0 bytes read, 0 at the end of the stream,
 * -1 with an error reported; write: all of @len, or -1 with an error.  A
 * transport that stalls longer than it allows reports that as an error. */
typedef struct _xenpvFrameTransport xenpvFrameTransport;
struct _xenpvFrameTransport {
    ssize_t (*read)(void *opaque, char *buf, size_t len);
    int (*write)(void *opaque, const char *buf, size_t len);
    void *opaque;
    const char *peer;           /* "the source host 'a'", for messages */
};

/* Greetings.  The token is the cookie's hex text; on the wire its bytes. */
int xenpvFrameSendHello(xenpvFrameTransport *t, const char *token);
/* 1 when the greeting carries @token, 0 when it does not (garbage, a
 * stranger, another migration: nothing is reported), -1 on a transport
 * error. */
int xenpvFrameCheckHello(xenpvFrameTransport *t, const char *token);
int xenpvFrameSendWelcome(xenpvFrameTransport *t);
int xenpvFrameWaitWelcome(xenpvFrameTransport *t);

/* A record without payload, or with a message. */
int xenpvFrameSend(xenpvFrameTransport *t, xenpvFrameType type, const char *message);

/* Read the next record that is not DATA: its type, and in *@message the
 * text of an ABORT.  A DATA record here is a protocol error. */
int xenpvFrameRecv(xenpvFrameTransport *t, xenpvFrameType *type, char **message);

/* Told of each chunk of the stream (@len bytes of the back end's stream,
 * @wireLen of them on the wire) before it is sent, or after it was
 * received: it may count it, hold the sender back to a bandwidth, or stop
 * the stream (-1, with an error). */
typedef int (*xenpvFrameMeterFunc)(void *opaque, size_t len, size_t wireLen);

/* Source: send what can be read from @fd as DATA records until its end of
 * file (with @compress, as DATA_ZSTD records where zstd makes a chunk
 * smaller), each chunk shown to @meter (may be NULL) first.  0, or -1
 * with an error (reading @fd, the transport, or the meter's). */
int xenpvFrameSendStream(xenpvFrameTransport *t, int fd, bool compress,
                         xenpvFrameMeterFunc meter, void *opaque);

/* Destination: write the DATA records (DATA_ZSTD ones decompressed) to
 * @fd until END (0), each chunk shown to @meter (may be NULL).  ABORT, another record, the end of the
 * transport or a malformed record fail with the cause; a failure to write
 * @fd is reported as the restore's. */
int xenpvFrameRecvStream(xenpvFrameTransport *t, int fd,
                         xenpvFrameMeterFunc meter, void *opaque);

/* Transports. */
void xenpvFrameTransportFd(xenpvFrameTransport *t, int *fd, const char *peer);
