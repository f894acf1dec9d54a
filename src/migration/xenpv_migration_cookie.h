/*
 * xenpv_migration_cookie.h: the migration cookie (docs/migration-cookie.md),
 * the XML each step of libvirt's protocol v3 hands to the next: who the
 * source host and guest are, what stream the source writes, and where and
 * how the destination takes it.
 */
#pragma once

#include "internal.h"

#include "xenpv_guest_abi.h"

#define XENPV_MIGRATION_COOKIE_VERSION 1
#define XENPV_MIGRATION_TOKEN_BYTES 32
#define XENPV_MIGRATION_TOKEN_HEX (XENPV_MIGRATION_TOKEN_BYTES * 2)
/* The destination's name for one incoming migration, under which it keeps
 * the outcome (xenpv_migration_outcome.h). */
#define XENPV_MIGRATION_ID_BYTES 16
#define XENPV_MIGRATION_ID_HEX (XENPV_MIGRATION_ID_BYTES * 2)

/* Which parts a cookie holds. */
typedef enum {
    XENPV_COOKIE_HOST = 1 << 0,
    XENPV_COOKIE_DOMAIN = 1 << 1,
    XENPV_COOKIE_GUEST = 1 << 2,
    XENPV_COOKIE_STREAM = 1 << 3,
    XENPV_COOKIE_FEATURES = 1 << 4,
    XENPV_COOKIE_CHANNEL = 1 << 5,
    XENPV_COOKIE_INQUIRY = 1 << 6,
    XENPV_COOKIE_TIMING = 1 << 7,
    XENPV_COOKIE_COMPRESSION = 1 << 8,
} xenpvCookiePart;

typedef struct _xenpvMigrationCookie xenpvMigrationCookie;
struct _xenpvMigrationCookie {
    unsigned int parts;                 /* xenpvCookiePart */

    /* host: the host that wrote the cookie */
    char *hostname;
    unsigned char hostUUID[VIR_UUID_BUFLEN];
    /* domain */
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    /* guest: what the destination needs to build it */
    xenpvGuestAbi abi;
    unsigned long long memoryKiB;       /* allocated now (balloon) */
    unsigned long long maxMemoryKiB;
    bool paused;
    /* stream: the writer's or the reader's back end */
    char *streamFormat;
    unsigned int streamVersion;
    /* features: the source host's */
    bool logDirty;
    /* channel: where the destination listens, and what it accepts */
    char *address;
    unsigned int port;                  /* 0: tunnelled, no port */
    char token[XENPV_MIGRATION_TOKEN_HEX + 1];
    bool tls;
    /* inquiry: the destination's id of this migration, and where (uri, a
     * libvirt URI: optional) a source that lost track of the outcome asks */
    char id[XENPV_MIGRATION_ID_HEX + 1];
    char *inquiryUri;
    /* timing: when the source stopped the guest (ms since the epoch) */
    unsigned long long stoppedMs;
    /* compression: how the stream's data is compressed ("zstd") */
    char *compression;
};

void xenpvMigrationCookieClear(xenpvMigrationCookie *cookie);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(xenpvMigrationCookie, xenpvMigrationCookieClear);

/* The cookie as XML, with the parts it holds. */
char *xenpvMigrationCookieFormat(const xenpvMigrationCookie *cookie);

/* Read @len bytes of @data (a cookie as libvirt hands it over: NUL
 * terminated or not) written by @peer (for messages).  Every part must be
 * well formed; @need are the parts this step cannot do without.  Returns 0,
 * or -1 with VIR_ERR_INVALID_ARG (malformed, a part missing) or
 * VIR_ERR_OPERATION_UNSUPPORTED (another cookie format or version: a peer
 * that is not this driver, or not this version of it). */
int xenpvMigrationCookieParse(const char *data,
                              int len,
                              const char *peer,
                              unsigned int need,
                              xenpvMigrationCookie *cookie);

/* Hand @cookie out as libvirt wants it: *@out allocated, *@outlen with the
 * NUL.  Either may be NULL (a step whose caller wants no cookie). */
int xenpvMigrationCookieBake(const xenpvMigrationCookie *cookie,
                             char **out,
                             int *outlen);
