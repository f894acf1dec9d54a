/*
 * xenpv_kernel_decompress.c: undo the compression of a kernel image with
 * the compression libraries (zlib, libbz2, liblzma, liblz4, libzstd).
 *
 * The input is untrusted: every decoder writes into one buffer that grows
 * up to a fixed limit and no further, truncated input is reported as such
 * rather than returned as a short image, and data after the end of the
 * first stream is ignored (the Linux build appends the uncompressed size).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>
#include <bzlib.h>
#include <lzma.h>
#include <lz4.h>
#include <lz4frame.h>
#include <zstd.h>

#include "xenpv_kernel.h"
#include "xenpv_kernel_decompress.h"

/* Block size of the lz4 legacy format: every block but the last
 * decompresses to exactly this much. */
#define LZ4_LEGACY_BLOCK (8u << 20)
#define LZ4_LEGACY_MAGIC 0x184C2102u

/* The first allocation; the buffer then doubles as needed. */
#define OUT_INITIAL (1u << 20)

/* Buffers smaller than this are left to fault in as they are written. */
#define POPULATE_MIN (1u << 20)

/* zlib and libbz2 count input in unsigned int: feed them in slices. */
#define INPUT_SLICE ((gsize)1 << 30)
/* A size hint above this many times the compressed size is not believed
 * (kernels compress about 4:1 to 10:1). */
#define HINT_MAX_RATIO 32
/* Room past the hinted size, so that the end of the stream is read
 * without growing the buffer. */
#define HINT_SLACK (64u << 10)

typedef struct {
    guint8 *buf;
    gsize len;
    gsize alloc;
    gsize max;
} xenpvOutBuf;

typedef struct {
    xenpvKernelCompression comp;
    const char *name;
    const guint8 *magic;
    gsize magicLen;
} xenpvCompMagic;

static const guint8 magicGzip[] = { 0x1f, 0x8b };
static const guint8 magicBzip2[] = { 'B', 'Z', 'h' };
static const guint8 magicXz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
/* lzma-alone has no magic; this is the properties byte of the default
 * lc=3 lp=0 pb=2 and the low byte of the dictionary size, as the Linux
 * decompressor detects it. */
static const guint8 magicLzma[] = { 0x5d, 0x00, 0x00 };
static const guint8 magicLz4[] = { 0x04, 0x22, 0x4d, 0x18 };
static const guint8 magicLz4Legacy[] = { 0x02, 0x21, 0x4c, 0x18 };
static const guint8 magicZstd[] = { 0x28, 0xb5, 0x2f, 0xfd };

static const xenpvCompMagic compMagics[] = {
    { XENPV_KERNEL_COMP_GZIP, "gzip", magicGzip, sizeof(magicGzip) },
    { XENPV_KERNEL_COMP_BZIP2, "bzip2", magicBzip2, sizeof(magicBzip2) },
    { XENPV_KERNEL_COMP_XZ, "xz", magicXz, sizeof(magicXz) },
    { XENPV_KERNEL_COMP_LZMA, "lzma", magicLzma, sizeof(magicLzma) },
    { XENPV_KERNEL_COMP_LZ4, "lz4", magicLz4, sizeof(magicLz4) },
    { XENPV_KERNEL_COMP_LZ4_LEGACY, "lz4", magicLz4Legacy, sizeof(magicLz4Legacy) },
    { XENPV_KERNEL_COMP_ZSTD, "zstd", magicZstd, sizeof(magicZstd) },
};


xenpvKernelCompression
xenpvKernelDetectCompression(const guint8 *data, gsize len)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(compMagics); i++) {
        if (len >= compMagics[i].magicLen &&
            memcmp(data, compMagics[i].magic, compMagics[i].magicLen) == 0)
            return compMagics[i].comp;
    }
    return XENPV_KERNEL_COMP_NONE;
}


const char *
xenpvKernelCompressionName(xenpvKernelCompression comp)
{
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(compMagics); i++) {
        if (compMagics[i].comp == comp)
            return compMagics[i].name;
    }
    return "none";
}


/* In a Xen PV dom0 each page first touched is a trap into the
 * hypervisor: a decoder writing a kernel's output and its dictionary one
 * page at a time spent a fifth of its time there (bench/results/
 * kernel-decompress.txt), a batch costs a fraction of that.  Best effort:
 * where MADV_POPULATE_WRITE is missing (Linux before 5.14) the pages fault
 * in as they are written, as before. */
void
xenpvKernelPopulate(void *buf, gsize len)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t page = sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)buf + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)buf + len) & ~(page - 1);

    if (len >= POPULATE_MIN && end > start)
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#endif
}


/* Make room for at least @want more bytes (fewer if the limit is nearer).
 * FALSE once the buffer holds @max bytes already: the data decompresses to
 * more than the limit. */
static gboolean
outReserve(xenpvOutBuf *o, gsize want)
{
    gsize need;
    gsize newAlloc;

    if (o->len >= o->max)
        return FALSE;
    if (want > o->max - o->len)
        want = o->max - o->len;
    need = o->len + want;
    if (o->alloc >= need && o->alloc > o->len)
        return TRUE;

    newAlloc = o->alloc ? o->alloc : OUT_INITIAL;
    while (newAlloc < need || newAlloc <= o->len) {
        if (newAlloc > o->max / 2) {
            newAlloc = o->max;
            break;
        }
        newAlloc *= 2;
    }
    if (newAlloc > o->max)
        newAlloc = o->max;
    o->buf = g_realloc(o->buf, newAlloc);
    o->alloc = newAlloc;
    return TRUE;
}


static void
setLimitError(GError **error, const char *name, const char *comp, gsize max)
{
    g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                "%s: %s data decompresses to more than the %zu MiB limit for a kernel image",
                name, comp, max >> 20);
}


static void
setCorruptError(GError **error, const char *name, const char *comp, const char *why)
{
    g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                "%s: %s data is corrupt: %s", name, comp, why);
}


static void
setTruncatedError(GError **error, const char *name, const char *comp)
{
    g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_CORRUPT,
                "%s: %s data is truncated (the stream ends before its end marker)",
                name, comp);
}


static gboolean
decompressGzip(const char *name, const guint8 *data, gsize len,
               xenpvOutBuf *o, GError **error)
{
    z_stream z;
    gsize pos = 0;
    gboolean ret = FALSE;

    memset(&z, 0, sizeof(z));
    /* 16 + MAX_WBITS: the gzip wrapper, not raw zlib. */
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        setCorruptError(error, name, "gzip", "cannot initialise zlib");
        return FALSE;
    }

    for (;;) {
        int rc;

        if (z.avail_in == 0 && pos < len) {
            gsize slice = MIN(len - pos, INPUT_SLICE);
            z.next_in = (Bytef *)(data + pos);
            z.avail_in = slice;
            pos += slice;
        }
        if (!outReserve(o, OUT_INITIAL)) {
            setLimitError(error, name, "gzip", o->max);
            goto cleanup;
        }
        z.next_out = o->buf + o->len;
        z.avail_out = MIN(o->alloc - o->len, INPUT_SLICE);
        {
            uInt before = z.avail_out;
            rc = inflate(&z, Z_NO_FLUSH);
            o->len += before - z.avail_out;
        }
        if (rc == Z_STREAM_END)
            break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && pos >= len) {
            setTruncatedError(error, name, "gzip");
            goto cleanup;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            setCorruptError(error, name, "gzip", z.msg ? z.msg : "inflate failed");
            goto cleanup;
        }
    }
    ret = TRUE;

 cleanup:
    inflateEnd(&z);
    return ret;
}


static gboolean
decompressBzip2(const char *name, const guint8 *data, gsize len,
                xenpvOutBuf *o, GError **error)
{
    bz_stream s;
    gsize pos = 0;
    gboolean ret = FALSE;

    memset(&s, 0, sizeof(s));
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) {
        setCorruptError(error, name, "bzip2", "cannot initialise libbz2");
        return FALSE;
    }

    for (;;) {
        int rc;
        unsigned int before;

        if (s.avail_in == 0 && pos < len) {
            gsize slice = MIN(len - pos, INPUT_SLICE);
            s.next_in = (char *)(data + pos);
            s.avail_in = slice;
            pos += slice;
        }
        if (!outReserve(o, OUT_INITIAL)) {
            setLimitError(error, name, "bzip2", o->max);
            goto cleanup;
        }
        s.next_out = (char *)(o->buf + o->len);
        s.avail_out = MIN(o->alloc - o->len, INPUT_SLICE);
        before = s.avail_out;
        rc = BZ2_bzDecompress(&s);
        o->len += before - s.avail_out;
        if (rc == BZ_STREAM_END)
            break;
        if (rc != BZ_OK) {
            setCorruptError(error, name, "bzip2", "libbz2 rejected the stream");
            goto cleanup;
        }
        /* libbz2 returns BZ_OK without progress once the input runs out. */
        if (s.avail_in == 0 && pos >= len && before == s.avail_out) {
            setTruncatedError(error, name, "bzip2");
            goto cleanup;
        }
    }
    ret = TRUE;

 cleanup:
    BZ2_bzDecompressEnd(&s);
    return ret;
}


static const char *
lzmaErrorText(lzma_ret rc)
{
    switch (rc) {
    case LZMA_MEM_ERROR:
        return "out of memory";
    case LZMA_MEMLIMIT_ERROR:
        return "the stream needs more memory than a kernel image should";
    case LZMA_FORMAT_ERROR:
        return "unrecognised format";
    case LZMA_OPTIONS_ERROR:
        return "unsupported options";
    case LZMA_DATA_ERROR:
        return "damaged data";
    default:
        return "decoder error";
    }
}


/* liblzma's allocations, its dictionary (32 MiB for a kernel) among them,
 * faulted in as the output buffer is: no further than the output buffer
 * reaches, since a dictionary larger than the image is never filled.
 * NULL on failure is liblzma's LZMA_MEM_ERROR. */
static void *
lzmaAllocPopulated(void *opaque, size_t nmemb, size_t size)
{
    const xenpvOutBuf *o = opaque;
    gsize bytes;
    void *ptr;

    if (!g_size_checked_mul(&bytes, nmemb, size))
        return NULL;
    if ((ptr = g_try_malloc(bytes)))
        xenpvKernelPopulate(ptr, MIN(bytes, o->alloc));
    return ptr;
}


static void
lzmaFree(void *opaque G_GNUC_UNUSED, void *ptr)
{
    g_free(ptr);
}


static gboolean
decompressLzma(const char *name, xenpvKernelCompression comp,
               const guint8 *data, gsize len, xenpvOutBuf *o, GError **error)
{
    lzma_stream s = LZMA_STREAM_INIT;
    const lzma_allocator allocator = { lzmaAllocPopulated, lzmaFree, o };
    const char *compName = xenpvKernelCompressionName(comp);
    /* Enough for any dictionary xz -9 or lzma -9 chooses. */
    const uint64_t memLimit = (uint64_t)256 << 20;
    lzma_ret rc;
    gboolean ret = FALSE;

    s.allocator = &allocator;
    if (comp == XENPV_KERNEL_COMP_XZ)
        rc = lzma_stream_decoder(&s, memLimit, 0);
    else
        rc = lzma_alone_decoder(&s, memLimit);
    if (rc != LZMA_OK) {
        setCorruptError(error, name, compName, lzmaErrorText(rc));
        return FALSE;
    }

    s.next_in = data;
    s.avail_in = len;
    for (;;) {
        size_t before;

        if (!outReserve(o, OUT_INITIAL)) {
            setLimitError(error, name, compName, o->max);
            goto cleanup;
        }
        s.next_out = o->buf + o->len;
        s.avail_out = o->alloc - o->len;
        before = s.avail_out;
        rc = lzma_code(&s, LZMA_FINISH);
        o->len += before - s.avail_out;
        if (rc == LZMA_STREAM_END)
            break;
        if (rc == LZMA_BUF_ERROR && s.avail_in == 0) {
            setTruncatedError(error, name, compName);
            goto cleanup;
        }
        if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
            setCorruptError(error, name, compName, lzmaErrorText(rc));
            goto cleanup;
        }
    }
    ret = TRUE;

 cleanup:
    lzma_end(&s);
    return ret;
}


static gboolean
decompressLz4Frame(const char *name, const guint8 *data, gsize len,
                   xenpvOutBuf *o, GError **error)
{
    LZ4F_dctx *ctx = NULL;
    gsize pos = 0;
    gboolean ret = FALSE;

    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
        setCorruptError(error, name, "lz4", "cannot initialise liblz4");
        return FALSE;
    }

    for (;;) {
        size_t dstSize;
        size_t srcSize = len - pos;
        size_t hint;

        if (!outReserve(o, OUT_INITIAL)) {
            setLimitError(error, name, "lz4", o->max);
            goto cleanup;
        }
        dstSize = o->alloc - o->len;
        hint = LZ4F_decompress(ctx, o->buf + o->len, &dstSize,
                               data + pos, &srcSize, NULL);
        if (LZ4F_isError(hint)) {
            setCorruptError(error, name, "lz4", LZ4F_getErrorName(hint));
            goto cleanup;
        }
        o->len += dstSize;
        pos += srcSize;
        if (hint == 0)
            break;
        if (pos >= len && dstSize == 0) {
            setTruncatedError(error, name, "lz4");
            goto cleanup;
        }
    }
    ret = TRUE;

 cleanup:
    LZ4F_freeDecompressionContext(ctx);
    return ret;
}


/* The legacy format: the magic, then blocks each preceded by its
 * compressed size (32-bit little endian), each decompressing to 8 MiB
 * except the last.  It has no end marker: the data ends where the input
 * does, or where what would be a block size is the size word the Linux
 * build appends (nothing follows it). */
static gboolean
decompressLz4Legacy(const char *name, const guint8 *data, gsize len,
                    xenpvOutBuf *o, GError **error)
{
    gsize pos = 0;
    gboolean ret = FALSE;
    gboolean sawBlock = FALSE;

    while (len - pos >= 4) {
        guint32 blockLen = data[pos] | (data[pos + 1] << 8) |
            (data[pos + 2] << 16) | ((guint32)data[pos + 3] << 24);
        int got;
        gsize room;

        pos += 4;
        if (blockLen == LZ4_LEGACY_MAGIC)
            continue;
        if (pos == len && sawBlock)
            break;          /* the appended size word */
        if (blockLen == 0 || blockLen > (guint32)LZ4_compressBound(LZ4_LEGACY_BLOCK)) {
            setCorruptError(error, name, "lz4", "impossible block size");
            goto cleanup;
        }
        if (blockLen > len - pos) {
            setTruncatedError(error, name, "lz4");
            goto cleanup;
        }
        if (!outReserve(o, LZ4_LEGACY_BLOCK)) {
            setLimitError(error, name, "lz4", o->max);
            goto cleanup;
        }
        room = MIN(o->alloc - o->len, LZ4_LEGACY_BLOCK);
        got = LZ4_decompress_safe((const char *)data + pos, (char *)o->buf + o->len,
                                  blockLen, room);
        if (got < 0) {
            if (room < LZ4_LEGACY_BLOCK)
                setLimitError(error, name, "lz4", o->max);
            else
                setCorruptError(error, name, "lz4", "damaged block");
            goto cleanup;
        }
        o->len += got;
        pos += blockLen;
        sawBlock = TRUE;
    }
    if (!sawBlock) {
        setTruncatedError(error, name, "lz4");
        goto cleanup;
    }
    ret = TRUE;

 cleanup:
    return ret;
}


static gboolean
decompressZstd(const char *name, const guint8 *data, gsize len,
               xenpvOutBuf *o, GError **error)
{
    ZSTD_DCtx *ctx = ZSTD_createDCtx();
    ZSTD_inBuffer in = { data, len, 0 };
    gboolean ret = FALSE;

    if (!ctx) {
        setCorruptError(error, name, "zstd", "cannot initialise libzstd");
        return FALSE;
    }

    for (;;) {
        ZSTD_outBuffer outb;
        size_t rc;

        if (!outReserve(o, OUT_INITIAL)) {
            setLimitError(error, name, "zstd", o->max);
            goto cleanup;
        }
        outb.dst = o->buf + o->len;
        outb.size = o->alloc - o->len;
        outb.pos = 0;
        rc = ZSTD_decompressStream(ctx, &outb, &in);
        if (ZSTD_isError(rc)) {
            setCorruptError(error, name, "zstd", ZSTD_getErrorName(rc));
            goto cleanup;
        }
        o->len += outb.pos;
        if (rc == 0)
            break;          /* end of the first frame */
        if (in.pos >= in.size && outb.pos < outb.size) {
            setTruncatedError(error, name, "zstd");
            goto cleanup;
        }
    }
    ret = TRUE;

 cleanup:
    ZSTD_freeDCtx(ctx);
    return ret;
}


gboolean
xenpvKernelDecompress(const char *name,
                      xenpvKernelCompression comp,
                      const guint8 *data, gsize len,
                      gsize maxOut,
                      gsize sizeHint,
                      guint8 **out, gsize *outLen,
                      GError **error)
{
    xenpvOutBuf o = { NULL, 0, 0, maxOut };
    gboolean ok = FALSE;

    *out = NULL;
    *outLen = 0;

    if (sizeHint > 0 && sizeHint / HINT_MAX_RATIO <= len) {
        o.alloc = MIN(sizeHint + HINT_SLACK, maxOut);
        o.buf = g_malloc(o.alloc);
        xenpvKernelPopulate(o.buf, o.alloc);
    }

    switch (comp) {
    case XENPV_KERNEL_COMP_GZIP:
        ok = decompressGzip(name, data, len, &o, error);
        break;
    case XENPV_KERNEL_COMP_BZIP2:
        ok = decompressBzip2(name, data, len, &o, error);
        break;
    case XENPV_KERNEL_COMP_XZ:
    case XENPV_KERNEL_COMP_LZMA:
        ok = decompressLzma(name, comp, data, len, &o, error);
        break;
    case XENPV_KERNEL_COMP_LZ4:
        ok = decompressLz4Frame(name, data, len, &o, error);
        break;
    case XENPV_KERNEL_COMP_LZ4_LEGACY:
        ok = decompressLz4Legacy(name, data, len, &o, error);
        break;
    case XENPV_KERNEL_COMP_ZSTD:
        ok = decompressZstd(name, data, len, &o, error);
        break;
    case XENPV_KERNEL_COMP_NONE:
    default:
        g_set_error(error, XENPV_KERNEL_ERROR, XENPV_KERNEL_ERROR_NOT_ELF,
                    "%s: not compressed data of a known kind", name);
        break;
    }

    if (!ok) {
        g_free(o.buf);
        return FALSE;
    }
    *out = o.buf;
    *outLen = o.len;
    return TRUE;
}
