/*
 * kernel_test_util.h: helpers shared by the kernel inspector's tests:
 * finding and loading the sample kernels, unwrapping images with the
 * distribution's own tools (as an independent check of ours), and running
 * Xen's readnotes.
 */
#pragma once

#include <glib.h>

/* The directory of the built test kernels (XENPV_TEST_KERNEL_DIR). */
/* Debian's real PV images (grub-xen-host), for the tests that read them. */
extern const char *const ktGrubImages[3];

const char *ktSampleDir(void);
/* Full path of a sample; the caller frees it. */
char *ktSamplePath(const char *name);
/* The file's bytes; fails the test if it cannot be read. */
GBytes *ktLoad(const char *path);

/* Write @data to a new temporary file; returns its path (caller unlinks
 * and frees). */
char *ktWriteTemp(const char *tmpl, const guint8 *data, gsize len);

/* Decompress @in into @out with the command-line tool for its format
 * (gzip, bzip2, xz/lzma, lz4, zstd); FALSE with @why set if no tool
 * fits or it fails. */
gboolean ktDecompressWithTool(const char *in, const char *out, char **why);

/* The compressed payload of an x86 bzImage, without the 4-byte size the
 * Linux build appends to it; NULL if @data is no bzImage. */
GBytes *ktBzImagePayload(GBytes *data);

/* Wrap @payload in a minimal bzImage (boot protocol 2.15 header). */
GBytes *ktMakeBzImage(const guint8 *payload, gsize len);

/* Xen's readnotes, or NULL if it is not installed. */
const char *ktReadnotesPath(void);
/* Run readnotes on @path: TRUE if it read the image, its output in *out;
 * FALSE with its complaint in *out otherwise. */
gboolean ktRunReadnotes(const char *path, char **out);

/* Debian's kernel image from tests/kernel/fetch-debian-kernel.sh, or NULL
 * with @why set (no network, no apt, ...). */
char *ktFetchDebianKernel(char **why);
