/*
 * simhost_server.h: the control socket and the requests it serves.
 */
#pragma once

#include "simhost.h"

typedef struct _SimReply SimReply;
struct _SimReply {
    GString *line;          /* "OK ..." or "ERR ..." without the newline */
    GBytes *payload;        /* sent after the line, announced by payload=N */
    int fd;                 /* passed with the line, announced by fd=1 */
    gboolean subscribe;     /* the connection becomes an event subscription */
};

/* simhost_requests.c: run one request line against the host. */
void simRequestDispatch(SimHost *host, const char *line, SimReply *reply);

typedef struct _SimServer SimServer;

/* Listen on the host's socket path; refuses to replace a live simhost. */
SimServer *simServerNew(SimHost *host, GError **error);
void simServerFree(SimServer *server);
