/*
 * kernel_decompress.c: how long a kernel image takes to decompress, the
 * way this project's inspector does it (the output and liblzma's
 * dictionary faulted in at once) against the way libxenguest's builder
 * does it (the output allocated at the size the Linux build appends to
 * the payload, pages faulting in as the decoder writes them).
 *
 * Meant to run in a Xen PV dom0, where a page fault is a trap into the
 * hypervisor; the real-Xen tier runs it with `--only bench`.  Rounds
 * alternate which way goes first, so that neither always finds the heap
 * the other left.  Prints one line per round and the medians.
 *
 *   xenpv-bench-kernel-decompress KERNEL [ROUNDS]
 */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "xenpv_kernel.h"

/* libxenguest's way: one buffer of the appended size, liblzma's own
 * allocations. */
static gboolean
decodeAsBuilder(const guint8 *payload, gsize len, gsize *outLen)
{
    lzma_stream s = LZMA_STREAM_INIT;
    gsize alloc = xenpvKernelBzImageSizeWord(payload, len);
    g_autofree guint8 *out = g_malloc(alloc);
    gboolean ok;

    if (lzma_stream_decoder(&s, (uint64_t)256 << 20, 0) != LZMA_OK)
        return FALSE;
    s.next_in = payload;
    s.avail_in = len;
    s.next_out = out;
    s.avail_out = alloc;
    ok = lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END;
    *outLen = alloc - s.avail_out;
    lzma_end(&s);
    return ok;
}


static int
compareDouble(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}


static double
median(double *v, int n)
{
    qsort(v, n, sizeof(*v), compareDouble);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}


int
main(int argc, char **argv)
{
    g_autofree guint8 *file = NULL;
    g_autofree double *ours = NULL;
    g_autofree double *builder = NULL;
    g_autoptr(GError) error = NULL;
    const guint8 *payload = NULL;
    gsize payloadLen = 0;
    gsize fileSize = 0;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    int r;

    if (argc < 2 || rounds < 1) {
        fprintf(stderr, "usage: %s KERNEL [ROUNDS]\n", argv[0]);
        return 2;
    }
    if (!g_file_get_contents(argv[1], (char **)&file, &fileSize, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    if (!xenpvKernelIsBzImage(file, fileSize)) {
        fprintf(stderr, "%s: not a bzImage\n", argv[1]);
        return 1;
    }
    if (!xenpvKernelBzImagePayload(argv[1], file, fileSize, &payload, &payloadLen, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    if (xenpvKernelBzImageSizeWord(payload, payloadLen) == 0) {
        fprintf(stderr, "%s: the bzImage's payload has no size word\n", argv[1]);
        return 1;
    }
    ours = g_new0(double, rounds);
    builder = g_new0(double, rounds);

    for (r = 0; r < rounds; r++) {
        int way;

        for (way = 0; way < 2; way++) {
            gboolean oursNow = (way == 0) == (r % 2 == 0);
            gint64 t0 = g_get_monotonic_time();
            gsize outLen = 0;

            if (oursNow) {
                xenpvKernelInfo info = { 0 };

                if (!xenpvKernelInspectFileImage(argv[1], &info, &error)) {
                    fprintf(stderr, "%s\n", error->message);
                    return 1;
                }
                outLen = g_bytes_get_size(info.image);
                xenpvKernelInfoClear(&info);
                ours[r] = (g_get_monotonic_time() - t0) / 1e6;
            } else {
                if (!decodeAsBuilder(payload, payloadLen, &outLen)) {
                    fprintf(stderr, "%s: the payload is not xz data that decodes\n", argv[1]);
                    return 1;
                }
                builder[r] = (g_get_monotonic_time() - t0) / 1e6;
            }
            if (r == 0 && way == 1)
                printf("# bench kernel-decompress: %s, %zu bytes, %zu decompressed\n",
                       argv[1], fileSize, outLen);
        }
        printf("# bench kernel-decompress round %d: this project %.2fs, libxenguest's way %.2fs\n",
               r + 1, ours[r], builder[r]);
    }
    printf("# bench kernel-decompress median of %d: this project %.2fs, libxenguest's way %.2fs\n",
           rounds, median(ours, rounds), median(builder, rounds));
    return 0;
}
