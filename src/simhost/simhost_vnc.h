/*
 * simhost_vnc.h: a VNC server showing a simulated PV framebuffer.
 */
#pragma once

#include <glib.h>

#include "simhost_fb.h"

typedef struct _SimVnc SimVnc;

/* Keys typed by a VNC client, as the bytes a terminal would send. */
typedef void (*SimVncInputFunc)(const char *data, gsize len, gpointer opaque);

/* Serve @fb, named @name, on @address (an address or host name) and @port
 * (0: one the kernel picks),
 * asking for @password with VNC authentication (NULL or "": none).  NULL
 * with an error naming the address when it cannot listen. */
SimVnc *simVncNew(const char *address, guint port, const char *password, SimFb *fb,
                  const char *name, SimVncInputFunc input, gpointer opaque,
                  GError **error);
void simVncFree(SimVnc *vnc);
/* The port it listens on. */
guint simVncPort(const SimVnc *vnc);
