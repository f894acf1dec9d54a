/*
 * simhost_fb.h: the simulated PV framebuffer: the guest's console text
 * drawn into pixels, for the VNC server that shows it.
 */
#pragma once

#include <glib.h>

typedef struct _SimFont SimFont;
typedef struct _SimFb SimFb;

/* A PC console font (PSF 1 or 2, gzip'ed or not); NULL with an error
 * naming the file when it cannot be read. */
SimFont *simFontLoad(const char *path, GError **error);
void simFontFree(SimFont *font);

/* A blank 80x25 text screen in @font (which must outlive it). */
SimFb *simFbNew(const SimFont *font);
void simFbFree(SimFb *fb);
guint simFbWidth(const SimFb *fb);
guint simFbHeight(const SimFb *fb);
/* Width * height pixels, row by row, each 0x00RRGGBB. */
const guint32 *simFbPixels(const SimFb *fb);

/* Console output, as the guest's console gets it. */
void simFbWrite(SimFb *fb, const char *data, gsize len);

/* Told of every rectangle of pixels that changes. */
typedef void (*SimFbDamageFunc)(guint x, guint y, guint w, guint h, gpointer opaque);
void simFbSetDamageFunc(SimFb *fb, SimFbDamageFunc func, gpointer opaque);
