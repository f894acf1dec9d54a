/*
 * xenpv_simproto.h: the wire protocol of xenpv-simhost (see docs/simhost.md).
 *
 * One text line per request and per reply, made of space-separated tokens,
 * each percent-escaped; a reply may carry a binary payload ("payload=N" then
 * N bytes) and a file descriptor (SCM_RIGHTS, announced by "fd=1").  GLib
 * only: shared by the simulated host, its admin CLI and the driver's "sim"
 * hypervisor back end.
 */
#pragma once

#include <glib.h>

#include "xenpv_hypervisor.h"

#define XENPV_SIM_PROTO_VERSION 1
#define XENPV_SIM_DEFAULT_SOCKET "/run/xenpv/simhost.sock"
#define XENPV_SIM_MAX_LINE (256 * 1024)
#define XENPV_SIM_MAX_PAYLOAD (64 * 1024 * 1024)
/* The byte an event subscription receives for each state change. */
#define XENPV_SIM_EVENT_BYTE 'E'

/* Errors carried by an "ERR" reply: the code is the errno value. */
#define XENPV_SIM_ERROR (xenpv_sim_error_quark())
GQuark xenpv_sim_error_quark(void);

const char *xenpvSimErrnoName(int err);
int xenpvSimErrnoFromName(const char *name);

/* An empty string as a token (not a valid escape, so unambiguous). */
#define XENPV_SIM_EMPTY_TOKEN "%-"

/* Escape one token: every byte outside [A-Za-z0-9-._~/:@,+] becomes %XX. */
char *xenpvSimEscape(const char *raw);
/* NULL if @token has a malformed escape or decodes to a NUL byte;
 * XENPV_SIM_EMPTY_TOKEN decodes to "". */
char *xenpvSimUnescape(const char *token);

/* A parsed line: its first word, its positional arguments and its
 * key=value arguments (keys are [a-z0-9_.]). */
typedef struct _xenpvSimMsg xenpvSimMsg;
struct _xenpvSimMsg {
    char *head;
    GPtrArray *args;        /* char *, unescaped */
    GHashTable *named;      /* char * -> char *, unescaped */
};

xenpvSimMsg *xenpvSimMsgParse(const char *line, GError **error);
void xenpvSimMsgFree(xenpvSimMsg *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xenpvSimMsg, xenpvSimMsgFree);

const char *xenpvSimMsgGet(const xenpvSimMsg *msg, const char *key);
gboolean xenpvSimMsgGetU64(const xenpvSimMsg *msg, const char *key, guint64 *value);
guint64 xenpvSimMsgGetU64Default(const xenpvSimMsg *msg, const char *key, guint64 def);
gboolean xenpvSimParseU64(const char *str, guint64 *value);

/* Building a line: a head, then arguments appended escaped. */
GString *xenpvSimLineNew(const char *head);
void xenpvSimLineAdd(GString *line, const char *arg);
void xenpvSimLineAddNamed(GString *line, const char *key, const char *value);
void xenpvSimLineAddU64(GString *line, const char *key, guint64 value);

/* A build spec as CREATE arguments. */
void xenpvSimLineAddSpec(GString *line, const xenpvBuildSpec *spec);
/* Disk or interface @i of a spec ("diskI.*", "nicI.*"), also DEVICE-ADD's. */
void xenpvSimLineAddDisk(GString *line, size_t i, const xenpvDiskSpec *disk);
void xenpvSimLineAddNic(GString *line, size_t i, const xenpvNicSpec *nic);

/* One domain's info as named tokens, and back. */
void xenpvSimLineAddDomainInfo(GString *line, const xenpvDomainInfo *info, const char *name);
gboolean xenpvSimDomainInfoFromMsg(const xenpvSimMsg *msg, xenpvDomainInfo *info, GError **error);

gboolean xenpvSimUuidParse(const char *str, unsigned char uuid[16]);
void xenpvSimUuidFormat(const unsigned char uuid[16], char out[37]);

/* A blocking client connection.  Calls on one connection must be
 * serialised by the caller. */
typedef struct _xenpvSimClient xenpvSimClient;

xenpvSimClient *xenpvSimClientConnect(const char *path, GError **error);
/* A client on the stream socket @fd, connected already; it owns @fd. */
xenpvSimClient *xenpvSimClientAdopt(int fd);
void xenpvSimClientFree(xenpvSimClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xenpvSimClient, xenpvSimClientFree);
int xenpvSimClientFd(xenpvSimClient *client);
/* How long a call waits for the reply (default 60 s). */
void xenpvSimClientSetTimeout(xenpvSimClient *client, guint seconds);

/* Send @line (no newline) and read the reply.  On "OK" returns the parsed
 * reply with its payload (if asked and sent) and fd (if asked and sent,
 * otherwise -1; the caller owns it).  On "ERR" returns NULL with an error in
 * XENPV_SIM_ERROR whose code is the errno; on a broken connection returns
 * NULL with a G_IO_ERROR. */
xenpvSimMsg *xenpvSimClientCall(xenpvSimClient *client, const char *line,
                                GBytes **payload, int *fd, GError **error);
