/*
 * xenpv_hyp_sim_save.c: the "sim" back end's save stream
 * (docs/sim-save-stream.md), written and read by the back end itself over
 * foreign mappings, log-dirty and the suspend callback, in the shape of
 * libxenguest: live rounds over the dirty set while the guest runs, then
 * suspend and a last round.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "virerror.h"
#include "virfile.h"

#include "xenpv_hyp_sim_priv.h"
#include "xenpv_precopy.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define SIM_SAVE_MAGIC "XPVSIMSV"
#define SIM_SAVE_VERSION XENPV_SIM_STREAM_VERSION
#define SIM_SAVE_BATCH 1024             /* pages per record */
/* How often progress is told while pages are being sent. */
#define SIM_SAVE_PROGRESS_US (100 * 1000)

enum {
    SIM_REC_PAGES = 1,
    SIM_REC_ZERO = 2,
    SIM_REC_END = 0x454e4421,           /* "!DNE" */
};

typedef struct {
    uint32_t type;
    uint32_t count;
    uint32_t length;
    uint32_t crc;                       /* of the payload */
} xenpvSimRecordHeader;

G_STATIC_ASSERT(sizeof(xenpvSimSaveHeader) == 64);
G_STATIC_ASSERT(sizeof(xenpvSimRecordHeader) == 16);

/* State of one save. */
typedef struct {
    xenpvHypervisor *hyp;
    uint32_t domid;
    int fd;
    const xenpvSaveParams *params;
    int memfd;
    const uint8_t *mem;
    size_t memBytes;
    uint64_t memPages;
    uint64_t sentPages;
    uint64_t sentBytes;
    unsigned int iteration;
    /* The round under way: the pages it goes through, how many it did. */
    uint64_t roundPages;
    uint64_t roundDone;
    gint64 lastProgressUs;
    /* The batch being built. */
    uint64_t *pfns;
    uint64_t npfns;
    uint64_t *zeroPfns;
    uint64_t nzero;
} xenpvSimSaver;

/* A guest's memory mapped for a save or a restore, and its descriptor. */
typedef struct {
    void *mem;
    size_t bytes;
    int fd;
} xenpvSimMapping;


static gpointer
xenpvSimUnmapThread(gpointer data)
{
    xenpvSimMapping *m = data;

    if (m->mem)
        munmap(m->mem, m->bytes);
    VIR_FORCE_CLOSE(m->fd);
    g_free(m);
    return NULL;
}


/* Unmap @mem (@bytes, may be NULL) and close @fd, in a thread of its own:
 * tearing down the mapping of a large guest takes a while (about a tenth
 * of a second a GiB on a busy host), which would otherwise stretch the
 * downtime of a migration, whose guest is stopped until both ends are
 * done. */
static void
xenpvSimUnmapLater(void *mem, size_t bytes, int fd)
{
    xenpvSimMapping *m = g_new0(xenpvSimMapping, 1);
    GThread *thread;

    m->mem = mem;
    m->bytes = bytes;
    m->fd = fd;
    if (!(thread = g_thread_try_new("xenpv-sim-unmap", xenpvSimUnmapThread, m, NULL))) {
        xenpvSimUnmapThread(m);
        return;
    }
    g_thread_unref(thread);
}


static bool
pageIsZero(const uint8_t *page)
{
    static const uint8_t zero[XENPV_PAGE_SIZE];

    return memcmp(page, zero, XENPV_PAGE_SIZE) == 0;
}


static int
writeAll(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            virReportSystemError(n < 0 ? errno : EIO, "%s",
                                 _("cannot write the save stream"));
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}


/* 1 when @len bytes were read, 0 at a clean end of stream, -1 on error. */
static int
readAll(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            virReportSystemError(errno, "%s", _("cannot read the save stream"));
            return -1;
        }
        if (n == 0)
            return got == 0 ? 0 : -2;
        got += n;
    }
    return 1;
}


static int
xenpvSimSaverFlush(xenpvSimSaver *s)
{
    xenpvSimRecordHeader rec;
    uint64_t i;

    if (s->npfns > 0) {
        g_autofree uint8_t *payload = g_malloc(s->npfns * (8 + XENPV_PAGE_SIZE));
        uint8_t *pages = payload + s->npfns * 8;

        for (i = 0; i < s->npfns; i++) {
            memcpy(payload + i * 8, &s->pfns[i], 8);
            memcpy(pages + i * XENPV_PAGE_SIZE, s->mem + s->pfns[i] * XENPV_PAGE_SIZE,
                   XENPV_PAGE_SIZE);
        }
        rec.type = SIM_REC_PAGES;
        rec.count = s->npfns;
        rec.length = s->npfns * (8 + XENPV_PAGE_SIZE);
        rec.crc = crc32(0, payload, rec.length);
        if (writeAll(s->fd, &rec, sizeof(rec)) < 0 ||
            writeAll(s->fd, payload, rec.length) < 0)
            return -1;
        s->sentBytes += sizeof(rec) + rec.length;
        s->sentPages += s->npfns;
        s->npfns = 0;
    }
    if (s->nzero > 0) {
        rec.type = SIM_REC_ZERO;
        rec.count = s->nzero;
        rec.length = s->nzero * 8;
        rec.crc = crc32(0, (const Bytef *)s->zeroPfns, rec.length);
        if (writeAll(s->fd, &rec, sizeof(rec)) < 0 ||
            writeAll(s->fd, s->zeroPfns, rec.length) < 0)
            return -1;
        s->sentBytes += sizeof(rec) + rec.length;
        s->sentPages += s->nzero;
        s->nzero = 0;
    }
    return 0;
}


/* Tell the caller how far the save got: the pages the round under way has
 * still to go through. */
static int
xenpvSimSaverProgress(xenpvSimSaver *s)
{
    uint64_t remaining = s->roundPages > s->roundDone ? s->roundPages - s->roundDone : 0;

    s->lastProgressUs = g_get_monotonic_time();
    if (!s->params->progress ||
        s->params->progress(s->params->opaque, s->sentPages, remaining, s->iteration) == 0)
        return 0;
    if (virGetLastErrorCode() == VIR_ERR_OK)
        virReportError(VIR_ERR_OPERATION_ABORTED, "%s", _("the save was cancelled"));
    return -1;
}


/* A new round, through @pages pages. */
static void
xenpvSimSaverRound(xenpvSimSaver *s, uint64_t pages)
{
    s->iteration++;
    s->roundPages = pages;
    s->roundDone = 0;
}


/* Queue one page; @sendZero says whether a zero page must be sent (it may
 * have held data on the other side) or can be left out (first round). */
static int
xenpvSimSaverAdd(xenpvSimSaver *s, uint64_t pfn, bool sendZero)
{
    s->roundDone++;
    if (pageIsZero(s->mem + pfn * XENPV_PAGE_SIZE)) {
        if (sendZero)
            s->zeroPfns[s->nzero++] = pfn;
    } else {
        s->pfns[s->npfns++] = pfn;
    }
    if (s->npfns < SIM_SAVE_BATCH && s->nzero < SIM_SAVE_BATCH)
        return 0;
    if (xenpvSimSaverFlush(s) < 0)
        return -1;
    if (g_get_monotonic_time() - s->lastProgressUs >= SIM_SAVE_PROGRESS_US)
        return xenpvSimSaverProgress(s);
    return 0;
}


/* Count or send the populated pages: the memory's holes were never touched
 * and cost nothing to skip. */
static int
xenpvSimSaverPopulated(xenpvSimSaver *s, bool send, uint64_t *count)
{
    off_t pos = 0;
    uint64_t n = 0;

    while ((size_t)pos < s->memBytes) {
        off_t data = lseek(s->memfd, pos, SEEK_DATA);
        off_t hole;
        uint64_t pfn;

        if (data < 0)
            break;              /* ENXIO: no data after pos */
        hole = lseek(s->memfd, data, SEEK_HOLE);
        if (hole < 0 || (size_t)hole > s->memBytes)
            hole = s->memBytes;
        for (pfn = data / XENPV_PAGE_SIZE; pfn < (uint64_t)(hole + XENPV_PAGE_SIZE - 1) /
             XENPV_PAGE_SIZE && pfn < s->memPages; pfn++) {
            n++;
            if (send && xenpvSimSaverAdd(s, pfn, false) < 0)
                return -1;
        }
        pos = hole;
    }
    if (send && xenpvSimSaverFlush(s) < 0)
        return -1;
    if (!send)
        *count = n;
    return 0;
}


static uint64_t
xenpvSimBitmapCount(const unsigned long *bitmap, uint64_t longs)
{
    uint64_t n = 0;
    uint64_t i;

    for (i = 0; i < longs; i++)
        n += __builtin_popcountl(bitmap[i]);
    return n;
}


static int
xenpvSimSaverSendBitmap(xenpvSimSaver *s, const unsigned long *bitmap)
{
    const size_t bpl = sizeof(unsigned long) * 8;
    uint64_t pfn;

    for (pfn = 0; pfn < s->memPages; pfn++) {
        if (!(bitmap[pfn / bpl] & (1UL << (pfn % bpl))))
            continue;
        if (xenpvSimSaverAdd(s, pfn, true) < 0)
            return -1;
    }
    return xenpvSimSaverFlush(s);
}


static int
xenpvSimSaverSuspend(xenpvSimSaver *s)
{
    if (!s->params->suspend) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("a save needs a way to suspend the guest"));
        return -1;
    }
    if (s->params->suspend(s->params->opaque) != 0) {
        if (virGetLastErrorCode() == VIR_ERR_OK)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("domain %u did not suspend for the save"), s->domid);
        return -1;
    }
    return 0;
}


static int
xenpvSimSaverWriteHeader(xenpvSimSaver *s, const xenpvDomainInfo *info)
{
    xenpvSimSaveHeader hdr = { 0 };

    memcpy(hdr.magic, SIM_SAVE_MAGIC, sizeof(hdr.magic));
    hdr.version = SIM_SAVE_VERSION;
    hdr.headerSize = sizeof(hdr);
    g_strlcpy(hdr.abi, xenpvGuestAbiToCaps(info->abi) ?: "", sizeof(hdr.abi));
    hdr.pageSize = XENPV_PAGE_SIZE;
    hdr.maxVcpus = info->maxVcpuId + 1;
    hdr.onlineVcpus = info->nrOnlineVcpus;
    hdr.memPages = s->memPages;
    hdr.nrPages = info->nrPages;
    hdr.crc = crc32(0, (const Bytef *)&hdr, offsetof(xenpvSimSaveHeader, crc));
    if (writeAll(s->fd, &hdr, sizeof(hdr)) < 0)
        return -1;
    s->sentBytes += sizeof(hdr);
    return 0;
}


/* Live rounds: send everything, then what got dirty, for as long as the
 * pre-copy policy (xenpv_precopy.h, shared with the Xen back end) finds
 * another round worth it.  Leaves the pages still dirty in @pending. */
static int
xenpvSimSaverLiveRounds(xenpvSimSaver *s, unsigned long *pending, uint64_t populated)
{
    const xenpvHypervisorOps *ops = s->hyp->ops;
    gint64 roundStart = g_get_monotonic_time();
    uint64_t roundStartPages = s->sentPages;

    xenpvSimSaverRound(s, populated);
    if (xenpvSimSaverPopulated(s, true, &populated) < 0)
        return -1;
    for (;;) {
        double seconds = MAX(g_get_monotonic_time() - roundStart, 1000) / 1e6;
        xenpvSaveRound round = { .iteration = s->iteration, .sentPages = s->sentPages };

        if (ops->logDirtyPeekClean(s->hyp, s->domid, true, pending, s->memPages,
                                   &round.dirtyPages) < 0)
            return -1;
        round.sendRate = (s->sentPages - roundStartPages) / seconds;
        round.dirtyRate = round.dirtyPages / seconds;
        /* What is dirty now is what the next round would go through. */
        s->roundPages = round.dirtyPages;
        s->roundDone = 0;
        if (xenpvSimSaverProgress(s) < 0)
            return -1;
        if (xenpvPrecopyShouldStop(s->params, &round))
            return 0;
        if (s->params->converge)
            s->params->converge(s->params->opaque, &round);
        xenpvSimSaverRound(s, round.dirtyPages);
        roundStart = g_get_monotonic_time();
        roundStartPages = s->sentPages;
        if (xenpvSimSaverSendBitmap(s, pending) < 0)
            return -1;
    }
}


int
xenpvSimDomainSave(xenpvHypervisor *hyp, uint32_t domid, int fd,
                   const xenpvSaveParams *params)
{
    const xenpvHypervisorOps *ops = hyp->ops;
    xenpvSimSaver s = { .hyp = hyp, .domid = domid, .fd = fd, .params = params, .memfd = -1 };
    xenpvDomainInfo info;
    g_autofree unsigned long *pending = NULL;
    g_autofree unsigned long *last = NULL;
    xenpvSimRecordHeader end = { .type = SIM_REC_END };
    bool logDirty = false;
    uint64_t populated = 0;
    uint64_t longs, i;
    int rc;
    int ret = -1;

    if ((rc = ops->getDomainInfo(hyp, domid, &info)) <= 0) {
        if (rc == 0)
            virReportError(VIR_ERR_NO_DOMAIN, _("no domain with id %u"), domid);
        return -1;
    }
    if ((s.memfd = xenpvSimMemoryFd(hyp, domid, &s.memBytes)) < 0)
        return -1;
    s.memPages = s.memBytes / XENPV_PAGE_SIZE;
    s.mem = mmap(NULL, s.memBytes, PROT_READ, MAP_SHARED, s.memfd, 0);
    if (s.mem == MAP_FAILED) {
        s.mem = NULL;
        virReportSystemError(errno, _("cannot map the memory of domain %u"), domid);
        goto cleanup;
    }
    longs = (s.memPages + 63) / 64 * (64 / (sizeof(unsigned long) * 8));
    pending = g_new0(unsigned long, longs);
    last = g_new0(unsigned long, longs);
    s.pfns = g_new(uint64_t, SIM_SAVE_BATCH);
    s.zeroPfns = g_new(uint64_t, SIM_SAVE_BATCH);
    s.lastProgressUs = g_get_monotonic_time();

    if (xenpvSimSaverWriteHeader(&s, &info) < 0 ||
        xenpvSimSaverPopulated(&s, false, &populated) < 0)
        goto cleanup;

    if (params->live) {
        if (ops->logDirtyEnable(hyp, domid, true) < 0)
            goto cleanup;
        logDirty = true;
        if (xenpvSimSaverLiveRounds(&s, pending, populated) < 0 ||
            xenpvSimSaverSuspend(&s) < 0 ||
            ops->logDirtyPeekClean(hyp, domid, true, last, s.memPages, NULL) < 0)
            goto cleanup;
        for (i = 0; i < longs; i++)
            pending[i] |= last[i];
        /* Stop and copy: the union of what is still dirty. */
        xenpvSimSaverRound(&s, xenpvSimBitmapCount(pending, longs));
        if (xenpvSimSaverSendBitmap(&s, pending) < 0)
            goto cleanup;
    } else {
        xenpvSimSaverRound(&s, populated);
        if (xenpvSimSaverSuspend(&s) < 0 ||
            xenpvSimSaverPopulated(&s, true, &populated) < 0)
            goto cleanup;
    }

    if (xenpvSimSaverProgress(&s) < 0 ||
        writeAll(fd, &end, sizeof(end)) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    if (logDirty) {
        virErrorPtr saved = NULL;

        virErrorPreserveLast(&saved);
        ops->logDirtyEnable(hyp, domid, false);
        virErrorRestore(&saved);
    }
    xenpvSimUnmapLater((void *)s.mem, s.memBytes, s.memfd);
    g_free(s.pfns);
    g_free(s.zeroPfns);
    return ret;
}


static int
xenpvSimStreamError(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static int
xenpvSimStreamError(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virReportError(VIR_ERR_OPERATION_FAILED, _("cannot restore from the save stream: %s"), msg);
    return -1;
}


int
xenpvSimStreamReadHeader(int fd, xenpvSimSaveHeader *hdr, xenpvGuestAbi *abi)
{
    int rc = readAll(fd, hdr, sizeof(*hdr));

    if (rc == -1)
        return -1;
    if (rc != 1)
        return xenpvSimStreamError("%s", _("it is truncated (shorter than its header)"));
    if (memcmp(hdr->magic, SIM_SAVE_MAGIC, sizeof(hdr->magic)) != 0)
        return xenpvSimStreamError("%s", _("wrong magic: this is not a simulated Xen host's save image"));
    if (hdr->version != SIM_SAVE_VERSION)
        return xenpvSimStreamError(_("version %u is not the supported version %d"),
                                   hdr->version, SIM_SAVE_VERSION);
    if (hdr->crc != crc32(0, (const Bytef *)hdr, offsetof(xenpvSimSaveHeader, crc)))
        return xenpvSimStreamError("%s", _("its header is corrupt (checksum mismatch)"));
    hdr->abi[sizeof(hdr->abi) - 1] = '\0';
    if (hdr->headerSize != sizeof(*hdr) || hdr->pageSize != XENPV_PAGE_SIZE ||
        hdr->memPages == 0 || hdr->nrPages > hdr->memPages ||
        (*abi = xenpvGuestAbiFromCaps(hdr->abi)) == XENPV_GUEST_ABI_UNKNOWN)
        return xenpvSimStreamError("%s", _("its header holds impossible values"));
    return 0;
}


int
xenpvSimStreamReadRecords(int fd, int memfd, uint8_t *mem, uint64_t memPages)
{
    uint64_t pages = 0;
    uint64_t records = 0;

    for (;;) {
        xenpvSimRecordHeader rec;
        g_autofree uint8_t *payload = NULL;
        uint64_t i;
        int rc;

        if ((rc = readAll(fd, &rec, sizeof(rec))) == -1)
            return -1;
        if (rc != 1)
            return xenpvSimStreamError(_("it is truncated: no end record after %llu records (%llu pages)"),
                                       (unsigned long long)records, (unsigned long long)pages);
        if (rec.type == SIM_REC_END)
            return 0;
        if ((rec.type != SIM_REC_PAGES && rec.type != SIM_REC_ZERO) ||
            rec.count == 0 || rec.count > SIM_SAVE_BATCH ||
            rec.length != rec.count * (rec.type == SIM_REC_PAGES ? 8 + XENPV_PAGE_SIZE : 8))
            return xenpvSimStreamError(_("record %llu is malformed (type %#x, %u pages, %u bytes)"), (unsigned long long)records,
                                       rec.type, rec.count, rec.length);
        payload = g_malloc(rec.length);
        if ((rc = readAll(fd, payload, rec.length)) == -1)
            return -1;
        if (rc != 1)
            return xenpvSimStreamError(_("it is truncated inside record %llu"),
                                       (unsigned long long)records);
        if (crc32(0, payload, rec.length) != rec.crc)
            return xenpvSimStreamError(_("record %llu is corrupt (checksum mismatch)"),
                                       (unsigned long long)records);
        for (i = 0; i < rec.count; i++) {
            uint64_t pfn;

            memcpy(&pfn, payload + i * 8, 8);
            if (pfn >= memPages)
                return xenpvSimStreamError(_("record %llu names page %llu, beyond the guest's %llu pages"),
                                           (unsigned long long)records,
                                           (unsigned long long)pfn,
                                           (unsigned long long)memPages);
            if (rec.type == SIM_REC_PAGES) {
                memcpy(mem + pfn * XENPV_PAGE_SIZE,
                       payload + rec.count * 8 + i * XENPV_PAGE_SIZE, XENPV_PAGE_SIZE);
            } else if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                 pfn * XENPV_PAGE_SIZE, XENPV_PAGE_SIZE) < 0) {
                memset(mem + pfn * XENPV_PAGE_SIZE, 0, XENPV_PAGE_SIZE);
            }
        }
        pages += rec.count;
        records++;
    }
}


int
xenpvSimDomainRestore(xenpvHypervisor *hyp, const xenpvBuildSpec *spec,
                      int fd, uint32_t *domid)
{
    const xenpvHypervisorOps *ops = hyp->ops;
    g_autoptr(GString) line = xenpvSimLineNew("CREATE");
    xenpvSimSaveHeader hdr;
    xenpvBuildSpec restoreSpec;
    xenpvGuestAbi abi = XENPV_GUEST_ABI_UNKNOWN;
    uint8_t *mem = NULL;
    size_t memBytes = 0;
    uint32_t id = 0;
    bool created = false;
    xenpvDomainInfo info;
    int memfd = -1;
    int rc;
    int ret = -1;

    if (xenpvSimStreamReadHeader(fd, &hdr, &abi) < 0)
        return -1;
    if (spec->abi != XENPV_GUEST_ABI_UNKNOWN && spec->abi != abi) {
        return xenpvSimStreamError(_("it holds a %s guest but the domain is defined as %s"),
                                   hdr.abi, xenpvGuestAbiToCaps(spec->abi));
    }
    /* The saved guest's memory layout wins over the definition's. */
    restoreSpec = *spec;
    restoreSpec.abi = abi;
    restoreSpec.maxMemKiB = MAX(spec->maxMemKiB, XENPV_PAGES_TO_KIB(hdr.memPages));
    if (restoreSpec.targetMemKiB > restoreSpec.maxMemKiB)
        restoreSpec.targetMemKiB = restoreSpec.maxMemKiB;
    xenpvSimLineAddSpec(line, &restoreSpec);
    xenpvSimLineAddU64(line, "restore", 1);
    xenpvSimLineAddU64(line, "pages", hdr.nrPages);
    if (xenpvSimCreate(hyp, line, &id) < 0)
        return -1;
    created = true;

    if ((memfd = xenpvSimMemoryFd(hyp, id, &memBytes)) < 0)
        goto cleanup;
    mem = mmap(NULL, memBytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (mem == MAP_FAILED) {
        mem = NULL;
        virReportSystemError(errno, _("cannot map the memory of domain %llu"),
                             (unsigned long long)id);
        goto cleanup;
    }
    if (xenpvSimStreamReadRecords(fd, memfd, mem, MIN(hdr.memPages, memBytes / XENPV_PAGE_SIZE)) < 0)
        goto cleanup;
    /* The memory was written through a mapping that outlives the host:
     * the restore is done only if the host still has the domain. */
    if ((rc = ops->getDomainInfo(hyp, id, &info)) <= 0) {
        if (rc == 0)
            xenpvSimStreamError(_("domain %u vanished from the simulated host while it was restored"),
                                id);
        goto cleanup;
    }
    *domid = id;
    ret = 0;

 cleanup:
    xenpvSimUnmapLater(mem, memBytes, memfd);
    if (ret < 0 && created) {
        virErrorPtr saved = NULL;

        virErrorPreserveLast(&saved);
        ops->domainDestroy(hyp, id);
        virErrorRestore(&saved);
    }
    return ret;
}
