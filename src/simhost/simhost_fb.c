/*
 * simhost_fb.c: the simulated PV framebuffer: the guest's console text as
 * a terminal of 80 by 25 cells, drawn into pixels with a PC console font
 * (PSF, as Debian's console font packages ship it), and the rectangle that
 * changed since the VNC server last sent it.
 *
 * The terminal is a plain one: printable characters, carriage return,
 * line feed, backspace and tab; escape sequences are skipped; the screen
 * scrolls up when the cursor leaves its last line.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "simhost_fb.h"
#include "xenpv_simproto.h"

#define SIM_FB_COLS 80
#define SIM_FB_ROWS 25
#define SIM_FB_TAB 8

/* PSF headers (the kbd project's font formats). */
#define PSF1_MAGIC0 0x36
#define PSF1_MAGIC1 0x04
#define PSF1_MODE512 0x01
#define PSF1_MODEHASTAB 0x02
#define PSF1_SEPARATOR 0xFFFF
#define PSF1_STARTSEQ 0xFFFE
#define PSF2_MAGIC 0x864ab572
#define PSF2_HAS_UNICODE_TABLE 0x01
#define PSF2_SEPARATOR 0xFF
#define PSF2_STARTSEQ 0xFE

/* Light grey on black, as a PC console. */
#define SIM_FB_FG 0xc0c0c0u
#define SIM_FB_BG 0x000000u

static void simFbDrawCell(SimFb *fb, guint col, guint row);

struct _SimFont {
    guint width;
    guint height;
    guint bytesPerRow;
    guint glyphBytes;
    guint nglyphs;
    guint8 *glyphs;
    gint16 latin1[256];     /* glyph of each code point below 256, or -1 */
};

struct _SimFb {
    const SimFont *font;
    guint width;
    guint height;
    guint32 *pixels;        /* 0x00RRGGBB */
    char cells[SIM_FB_ROWS][SIM_FB_COLS];
    guint cx;
    guint cy;
    gboolean inEscape;
    SimFbDamageFunc damage;
    gpointer damageOpaque;
};


static gboolean
simFontUnzip(const char *path, GByteArray **out, GError **error)
{
    gzFile gz = gzopen(path, "rb");
    GByteArray *data;
    guint8 buf[8192];
    int n;

    if (!gz) {
        g_set_error(error, XENPV_SIM_ERROR, errno ? errno : ENOENT,
                    "cannot open the console font %s: %s", path, g_strerror(errno));
        return FALSE;
    }
    data = g_byte_array_new();
    while ((n = gzread(gz, buf, sizeof(buf))) > 0 && data->len < (4 << 20))
        g_byte_array_append(data, buf, n);
    gzclose(gz);
    if (n < 0) {
        g_byte_array_unref(data);
        g_set_error(error, XENPV_SIM_ERROR, EIO, "cannot read the console font %s", path);
        return FALSE;
    }
    *out = data;
    return TRUE;
}


static guint32
readLE32(const guint8 *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}


/* PSF1: 256 or 512 glyphs 8 pixels wide, then, with a table, each glyph's
 * code points as 16-bit words up to 0xFFFF. */
static gboolean
simFontParsePsf1(SimFont *font, const guint8 *data, gsize len)
{
    gsize pos;
    guint glyph;

    font->nglyphs = (data[2] & PSF1_MODE512) ? 512 : 256;
    font->width = 8;
    font->height = data[3];
    font->bytesPerRow = 1;
    font->glyphBytes = font->height;
    pos = 4 + (gsize)font->nglyphs * font->glyphBytes;
    if (font->height == 0 || pos > len)
        return FALSE;
    font->glyphs = g_memdup2(data + 4, pos - 4);
    if (!(data[2] & PSF1_MODEHASTAB)) {
        for (glyph = 0; glyph < 256; glyph++)
            font->latin1[glyph] = glyph;
        return TRUE;
    }
    for (glyph = 0; glyph < font->nglyphs && pos + 1 < len; ) {
        guint16 cp = data[pos] | (data[pos + 1] << 8);

        pos += 2;
        if (cp == PSF1_SEPARATOR)
            glyph++;
        else if (cp < 256 && font->latin1[cp] < 0)
            font->latin1[cp] = glyph;
    }
    return TRUE;
}


/* PSF2: a header giving the sizes, then, with a table, each glyph's code
 * points in UTF-8 up to 0xFF. */
static gboolean
simFontParsePsf2(SimFont *font, const guint8 *data, gsize len)
{
    guint32 headerSize;
    guint32 flags;
    gsize pos;
    guint glyph;

    if (len < 32)
        return FALSE;
    headerSize = readLE32(data + 8);
    flags = readLE32(data + 12);
    font->nglyphs = readLE32(data + 16);
    font->glyphBytes = readLE32(data + 20);
    font->height = readLE32(data + 24);
    font->width = readLE32(data + 28);
    font->bytesPerRow = (font->width + 7) / 8;
    if (font->width == 0 || font->height == 0 || font->width > 64 || font->height > 64 ||
        font->nglyphs == 0 || font->nglyphs > 65536 ||
        font->glyphBytes < font->bytesPerRow * font->height || headerSize > len)
        return FALSE;
    pos = headerSize + (gsize)font->nglyphs * font->glyphBytes;
    if (pos > len)
        return FALSE;
    font->glyphs = g_memdup2(data + headerSize, pos - headerSize);
    if (!(flags & PSF2_HAS_UNICODE_TABLE)) {
        for (glyph = 0; glyph < 256 && glyph < font->nglyphs; glyph++)
            font->latin1[glyph] = glyph;
        return TRUE;
    }
    for (glyph = 0; glyph < font->nglyphs && pos < len; ) {
        gsize end = pos;
        gunichar cp;

        if (data[pos] == PSF2_SEPARATOR) {
            glyph++;
            pos++;
            continue;
        }
        if (data[pos] == PSF2_STARTSEQ) {
            pos++;
            continue;
        }
        while (end < len && data[end] != PSF2_SEPARATOR && data[end] != PSF2_STARTSEQ)
            end++;
        /* One code point a glyph is enough here: the first. */
        cp = g_utf8_get_char_validated((const char *)data + pos, end - pos);
        if (cp < 256 && font->latin1[cp] < 0)
            font->latin1[cp] = glyph;
        pos = end;
    }
    return TRUE;
}


SimFont *
simFontLoad(const char *path, GError **error)
{
    g_autoptr(GByteArray) data = NULL;
    SimFont *font = g_new0(SimFont, 1);
    gboolean ok = FALSE;

    memset(font->latin1, 0xff, sizeof(font->latin1));
    if (!simFontUnzip(path, &data, error))
        goto error;
    if (data->len >= 4 && data->data[0] == PSF1_MAGIC0 && data->data[1] == PSF1_MAGIC1)
        ok = simFontParsePsf1(font, data->data, data->len);
    else if (data->len >= 32 && readLE32(data->data) == PSF2_MAGIC)
        ok = simFontParsePsf2(font, data->data, data->len);
    if (!ok) {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                    "%s is not a PC console font (PSF version 1 or 2)", path);
        goto error;
    }
    return font;

 error:
    simFontFree(font);
    return NULL;
}


void
simFontFree(SimFont *font)
{
    if (!font)
        return;
    g_free(font->glyphs);
    g_free(font);
}


SimFb *
simFbNew(const SimFont *font)
{
    SimFb *fb = g_new0(SimFb, 1);
    guint i;

    fb->font = font;
    fb->width = SIM_FB_COLS * font->width;
    fb->height = SIM_FB_ROWS * font->height;
    fb->pixels = g_new(guint32, (gsize)fb->width * fb->height);
    for (i = 0; i < fb->width * fb->height; i++)
        fb->pixels[i] = SIM_FB_BG;
    memset(fb->cells, ' ', sizeof(fb->cells));
    simFbDrawCell(fb, 0, 0);
    return fb;
}


void
simFbFree(SimFb *fb)
{
    if (!fb)
        return;
    g_free(fb->pixels);
    g_free(fb);
}


guint simFbWidth(const SimFb *fb) { return fb->width; }
guint simFbHeight(const SimFb *fb) { return fb->height; }
const guint32 *simFbPixels(const SimFb *fb) { return fb->pixels; }


static void
simFbDamage(SimFb *fb, guint x, guint y, guint w, guint h)
{
    if (fb->damage)
        fb->damage(x, y, w, h, fb->damageOpaque);
}


void
simFbSetDamageFunc(SimFb *fb, SimFbDamageFunc func, gpointer opaque)
{
    fb->damage = func;
    fb->damageOpaque = opaque;
}


/* Draw the cell at (@col, @row), with the cursor under it if it is there. */
static void
simFbDrawCell(SimFb *fb, guint col, guint row)
{
    const SimFont *font = fb->font;
    unsigned char c = fb->cells[row][col];
    gint glyph = font->latin1[c] >= 0 ? font->latin1[c] : font->latin1['?'];
    const guint8 *bits = glyph >= 0 ? font->glyphs + (gsize)glyph * font->glyphBytes : NULL;
    gboolean cursor = col == fb->cx && row == fb->cy;
    guint x0 = col * font->width;
    guint y0 = row * font->height;
    guint x;
    guint y;

    for (y = 0; y < font->height; y++) {
        guint32 *line = fb->pixels + (gsize)(y0 + y) * fb->width + x0;
        const guint8 *rowBits = bits ? bits + y * font->bytesPerRow : NULL;

        for (x = 0; x < font->width; x++) {
            gboolean on = rowBits && (rowBits[x / 8] & (0x80 >> (x % 8)));

            /* The cursor: an underline on the cell's last two rows. */
            if (cursor && y + 2 >= font->height)
                on = TRUE;
            line[x] = on ? SIM_FB_FG : SIM_FB_BG;
        }
    }
    simFbDamage(fb, x0, y0, font->width, font->height);
}


static void
simFbRedraw(SimFb *fb)
{
    guint row;
    guint col;

    for (row = 0; row < SIM_FB_ROWS; row++) {
        for (col = 0; col < SIM_FB_COLS; col++)
            simFbDrawCell(fb, col, row);
    }
}


static void
simFbNewline(SimFb *fb)
{
    if (fb->cy + 1 < SIM_FB_ROWS) {
        fb->cy++;
        return;
    }
    memmove(fb->cells[0], fb->cells[1], sizeof(fb->cells[0]) * (SIM_FB_ROWS - 1));
    memset(fb->cells[SIM_FB_ROWS - 1], ' ', SIM_FB_COLS);
    simFbRedraw(fb);
}


/* Move the cursor, redrawing the cells it leaves and enters. */
static void
simFbMoveCursor(SimFb *fb, guint cx, guint cy, gboolean newline)
{
    guint oldX = fb->cx;
    guint oldY = fb->cy;

    fb->cx = cx;
    if (newline)
        simFbNewline(fb);
    else
        fb->cy = cy;
    simFbDrawCell(fb, oldX, MIN(oldY, fb->cy));
    simFbDrawCell(fb, fb->cx, fb->cy);
}


void
simFbWrite(SimFb *fb, const char *data, gsize len)
{
    gsize i;

    for (i = 0; i < len; i++) {
        unsigned char c = data[i];

        if (fb->inEscape) {
            /* ESC [ params letter: skipped whole. */
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
                fb->inEscape = FALSE;
            continue;
        }
        switch (c) {
        case 0x1b:
            fb->inEscape = TRUE;
            break;
        case '\r':
            simFbMoveCursor(fb, 0, fb->cy, FALSE);
            break;
        case '\n':
            simFbMoveCursor(fb, 0, fb->cy, TRUE);
            break;
        case '\b':
            if (fb->cx > 0)
                simFbMoveCursor(fb, fb->cx - 1, fb->cy, FALSE);
            break;
        case '\t':
            simFbMoveCursor(fb, MIN((fb->cx / SIM_FB_TAB + 1) * SIM_FB_TAB, SIM_FB_COLS - 1),
                            fb->cy, FALSE);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                break;
            fb->cells[fb->cy][fb->cx] = c;
            if (fb->cx + 1 < SIM_FB_COLS)
                simFbMoveCursor(fb, fb->cx + 1, fb->cy, FALSE);
            else
                simFbMoveCursor(fb, 0, fb->cy, TRUE);
            break;
        }
    }
}
