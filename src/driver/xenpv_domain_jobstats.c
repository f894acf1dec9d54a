/*
 * xenpv_domain_jobstats.c: an async job's statistics, recorded as its
 * stream flows and answered to GetJobInfo and GetJobStats.
 *
 * The figures a query shows are worked out at the query, from the last
 * report of the back end (pages sent, pages still to go through in the
 * round under way) and the stream's byte count, which its threads keep
 * without the domain's lock (xenpvStreamControl): so that a percentage
 * moves between two reports of a back end that reports once a round.
 */
#include <unistd.h>

#include "xenpv_domain_jobstats.h"

#include "virerror.h"
#include "virlog.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.domain_jobstats");

/* The shortest span a rate is measured over: long enough that the
 * channel's chunk taken ahead of its pace and the pacer's catching up
 * (a tenth of a second) stay within a tenth of the rate shown. */
#define XENPV_JOB_RATE_WINDOW_MS 2000

/* What a query shows, worked out. */
typedef struct {
    unsigned long long elapsedMs;
    unsigned long long remainingMs;     /* 0: unknown */
    uint64_t dataProcessed;
    uint64_t dataRemaining;
    uint64_t memoryProcessed;
    uint64_t bps;                       /* 0: unknown */
    unsigned long long downtimeMs;      /* expected (running), real (completed) */
    bool haveDowntime;
} xenpvJobFigures;


static unsigned long long
xenpvJobStatsNow(void)
{
    return g_get_monotonic_time() / 1000;
}


/* The wall clock, in ms since the epoch (as libvirt's job start). */
static unsigned long long
xenpvJobStatsWallClock(void)
{
    return g_get_real_time() / 1000;
}


/* The current async job's data, or NULL. */
static xenpvJobDataPrivate *
xenpvJobStatsCurrent(virDomainObj *vm)
{
    if (vm->job->asyncJob == VIR_ASYNC_JOB_NONE || !vm->job->current)
        return NULL;
    return vm->job->current->privateData;
}


/* A stream's bytes so far: handed to the data channel, as its threads
 * count them, and of those gone out (the figure shown as processed). */
typedef struct {
    uint64_t taken;
    uint64_t sent;
} xenpvJobStreamCount;


/* The stream's bytes so far (or, read from a file, as the file's offset
 * says; or as the back end last reported them). */
static xenpvJobStreamCount
xenpvJobStatsBytes(virDomainObj *vm, xenpvJobDataPrivate *jd)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvJobStreamCount count = { jd->bytes, jd->bytes };
    uint64_t wire;
    uint64_t inFlight = 0;
    off_t at;

    if (!priv->stream)
        return count;
    if (priv->stream->fromFile) {
        if ((at = lseek(priv->stream->file, 0, SEEK_CUR)) >= 0 &&
            (uint64_t)at >= priv->stream->fileStart)
            count.taken = count.sent = at - priv->stream->fileStart;
        return count;
    }
    count.taken = (gsize)g_atomic_pointer_get(&priv->stream->bytes);
    wire = (gsize)g_atomic_pointer_get(&priv->stream->wireBytes);
    /* What a socket still holds has not gone yet.  It holds wire bytes,
     * compressed as the stream so far was. */
    if (wire > 0)
        inFlight = xenpvStreamControlInFlight(priv->stream) * (count.taken / (double)wire);
    count.sent = count.taken > inFlight ? count.taken - inFlight : 0;
    return count;
}


void
xenpvJobStatsStreamStart(virDomainObj *vm, uint64_t memoryBytes, uint64_t streamBytes)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);
    unsigned long long now;

    if (!jd)
        return;
    jd->memoryBytes = memoryBytes;
    jd->streamStart = jd->rateMarkAt[0] = jd->rateMarkAt[1] = xenpvJobStatsNow();
    jd->rateMarkTaken[0] = jd->rateMarkTaken[1] = 0;
    jd->rateMarkSent[0] = jd->rateMarkSent[1] = 0;
    jd->remainingPages = (streamBytes ? streamBytes : memoryBytes) / XENPV_PAGE_SIZE;
    if ((now = xenpvJobStatsWallClock()) >= vm->job->current->started)
        jd->setupTime = now - vm->job->current->started;
}


void
xenpvJobStatsProgress(virDomainObj *vm, uint64_t sentPages, uint64_t remainingPages,
                      unsigned int iteration, uint64_t bytes)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (!jd)
        return;
    jd->iteration = iteration;
    jd->sentPages = sentPages;
    jd->remainingPages = remainingPages;
    jd->reportBytes = bytes;
    jd->bytes = bytes;
}


/* The stream's rate over the last two to four seconds (0 until it has
 * flowed for two).  Over less, it would show bursts many times the real
 * rate: the data channel counts a chunk as it takes it, before pacing it,
 * and a back end that reports once a round starts rounds in a burst.  The
 * window slides as the rate is asked for.
 *
 * It is the slower of the socket's two ends over the window.  Bytes taken
 * are paced, but at the stream's start they fill a socket buffer the
 * kernel lets grow to megabytes faster than they leave; bytes sent follow
 * the link, and after a stall of the peer its queue drains faster than
 * the pace.  Either burst is the queue's, not the stream's. */
static uint64_t
xenpvJobStatsWindowRate(xenpvJobDataPrivate *jd, unsigned long long now,
                        xenpvJobStreamCount count)
{
    uint64_t moved;

    if (!jd->streamStart || now < jd->rateMarkAt[1])
        return 0;
    if (now - jd->rateMarkAt[1] >= XENPV_JOB_RATE_WINDOW_MS) {
        jd->rateMarkAt[0] = jd->rateMarkAt[1];
        jd->rateMarkTaken[0] = jd->rateMarkTaken[1];
        jd->rateMarkSent[0] = jd->rateMarkSent[1];
        jd->rateMarkAt[1] = now;
        jd->rateMarkTaken[1] = count.taken;
        jd->rateMarkSent[1] = count.sent;
    }
    if (now - jd->rateMarkAt[0] < XENPV_JOB_RATE_WINDOW_MS ||
        count.taken <= jd->rateMarkTaken[0] || count.sent <= jd->rateMarkSent[0])
        return 0;
    moved = MIN(count.taken - jd->rateMarkTaken[0], count.sent - jd->rateMarkSent[0]);
    return moved * 1000 / (now - jd->rateMarkAt[0]);
}


uint64_t
xenpvJobStatsRate(virDomainObj *vm)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (!jd)
        return 0;
    return xenpvJobStatsWindowRate(jd, xenpvJobStatsNow(), xenpvJobStatsBytes(vm, jd));
}


void
xenpvJobStatsStreamEnd(virDomainObj *vm)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (jd)
        jd->streamEnd = xenpvJobStatsNow();
}


void
xenpvJobStatsRound(virDomainObj *vm, const xenpvSaveRound *round)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (jd)
        jd->dirtyRate = round->dirtyRate;
}


void
xenpvJobStatsSuspended(virDomainObj *vm)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (!jd)
        return;
    jd->suspended = xenpvJobStatsNow();
    jd->suspendedReal = xenpvJobStatsWallClock();
}


unsigned long long
xenpvJobStatsStoppedAt(virDomainObj *vm)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    return jd ? jd->suspendedReal : 0;
}


void
xenpvJobStatsResumedSince(virDomainObj *vm, unsigned long long stoppedMs)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);
    unsigned long long now = xenpvJobStatsWallClock();

    if (jd && stoppedMs && now >= stoppedMs)
        jd->downtime = MAX(now - stoppedMs, 1);
}


void
xenpvJobStatsResumed(virDomainObj *vm)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (jd && jd->suspended)
        jd->downtime = MAX(xenpvJobStatsNow() - jd->suspended, 1);
}


void
xenpvJobStatsThrottle(virDomainObj *vm, unsigned int percent)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);

    if (jd)
        jd->throttle = percent;
}


/* The figures of @data (whose private part is @jd) now, its stream's
 * bytes as @count says, or as it ended. */
static void
xenpvJobStatsFigure(virDomainJobData *data, xenpvJobDataPrivate *jd,
                    xenpvJobStreamCount count, bool completed, xenpvJobFigures *f)
{
    unsigned long long now = xenpvJobStatsNow();
    unsigned long long real = xenpvJobStatsWallClock();
    uint64_t reported = jd->remainingPages * XENPV_PAGE_SIZE;
    uint64_t bytes = count.sent;
    uint64_t since = bytes > jd->reportBytes ? bytes - jd->reportBytes : 0;

    memset(f, 0, sizeof(*f));
    f->dataProcessed = bytes;
    f->memoryProcessed = jd->sentPages * XENPV_PAGE_SIZE;
    if (completed) {
        f->elapsedMs = data->timeElapsed;
        f->downtimeMs = jd->downtime;
        f->haveDowntime = jd->downtime > 0;
        if (jd->streamEnd > jd->streamStart)
            f->bps = bytes * 1000 / (jd->streamEnd - jd->streamStart);
        return;
    }
    if (real >= data->started)
        f->elapsedMs = real - data->started;
    /* What went through since the last report came off what was left (a
     * back end may report only once a round). */
    f->dataRemaining = reported > since ? reported - since : 0;
    f->memoryProcessed += MIN(since, reported);
    f->bps = xenpvJobStatsWindowRate(jd, now, count);
    if (f->bps > 0) {
        f->remainingMs = f->dataRemaining * 1000 / f->bps;
        /* What is left would be sent with the guest stopped. */
        f->downtimeMs = f->remainingMs;
        f->haveDowntime = jd->iteration > 1;
    }
}


void
xenpvJobStatsInfo(virDomainObj *vm, virDomainJobInfoPtr info)
{
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);
    xenpvJobFigures f;

    memset(info, 0, sizeof(*info));
    if (!jd) {
        info->type = VIR_DOMAIN_JOB_NONE;
        return;
    }
    xenpvJobStatsFigure(vm->job->current, jd, xenpvJobStatsBytes(vm, jd), false, &f);
    info->type = VIR_DOMAIN_JOB_UNBOUNDED;
    info->timeElapsed = f.elapsedMs;
    info->timeRemaining = f.remainingMs;
    info->dataProcessed = f.dataProcessed;
    info->dataRemaining = f.dataRemaining;
    info->dataTotal = f.dataProcessed + f.dataRemaining;
    info->memTotal = jd->memoryBytes;
    info->memProcessed = f.memoryProcessed;
    info->memRemaining = f.dataRemaining;
}


void
xenpvJobStatsComplete(virDomainObj *vm, virDomainJobStatus status, const char *errmsg)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvJobDataPrivate *jd = xenpvJobStatsCurrent(vm);
    virDomainJobData *done;
    unsigned long long now = xenpvJobStatsWallClock();

    if (!jd)
        return;
    jd->bytes = xenpvJobStatsBytes(vm, jd).sent;
    if (priv->stream)
        jd->wireBytes = (gsize)g_atomic_pointer_get(&priv->stream->wireBytes);
    if (status == VIR_DOMAIN_JOB_STATUS_COMPLETED)
        jd->remainingPages = 0;
    done = virDomainJobDataCopy(vm->job->current);
    done->status = status;
    if (now >= done->started)
        done->timeElapsed = now - done->started;
    g_free(done->errmsg);
    done->errmsg = g_strdup(errmsg);
    g_clear_pointer(&vm->job->completed, virDomainJobDataFree);
    vm->job->completed = done;
}


/* The typed parameters of @data, worked out into @f. */
static int
xenpvJobStatsList(virDomainJobData *data, xenpvJobDataPrivate *jd, const xenpvJobFigures *f,
                  bool completed, virTypedParamList *list)
{
    if (virTypedParamListAddInt(list, data->operation, VIR_DOMAIN_JOB_OPERATION) < 0 ||
        virTypedParamListAddULLong(list, f->elapsedMs, VIR_DOMAIN_JOB_TIME_ELAPSED) < 0)
        return -1;
    if (data->errmsg &&
        virTypedParamListAddString(list, data->errmsg, VIR_DOMAIN_JOB_ERRMSG) < 0)
        return -1;
    if (!jd->streamStart)
        return 0;
    if ((f->remainingMs && !completed &&
         virTypedParamListAddULLong(list, f->remainingMs, VIR_DOMAIN_JOB_TIME_REMAINING) < 0) ||
        virTypedParamListAddULLong(list, jd->setupTime, VIR_DOMAIN_JOB_SETUP_TIME) < 0 ||
        virTypedParamListAddULLong(list, f->dataProcessed + f->dataRemaining,
                                   VIR_DOMAIN_JOB_DATA_TOTAL) < 0 ||
        virTypedParamListAddULLong(list, f->dataProcessed, VIR_DOMAIN_JOB_DATA_PROCESSED) < 0 ||
        virTypedParamListAddULLong(list, f->dataRemaining, VIR_DOMAIN_JOB_DATA_REMAINING) < 0 ||
        virTypedParamListAddULLong(list, jd->memoryBytes, VIR_DOMAIN_JOB_MEMORY_TOTAL) < 0 ||
        virTypedParamListAddULLong(list, f->memoryProcessed,
                                   VIR_DOMAIN_JOB_MEMORY_PROCESSED) < 0 ||
        virTypedParamListAddULLong(list, f->dataRemaining, VIR_DOMAIN_JOB_MEMORY_REMAINING) < 0 ||
        virTypedParamListAddULLong(list, XENPV_PAGE_SIZE, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE) < 0 ||
        virTypedParamListAddULLong(list, jd->iteration, VIR_DOMAIN_JOB_MEMORY_ITERATION) < 0 ||
        virTypedParamListAddULLong(list, (unsigned long long)jd->dirtyRate,
                                   VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE) < 0)
        return -1;
    if (f->bps && virTypedParamListAddULLong(list, f->bps, VIR_DOMAIN_JOB_MEMORY_BPS) < 0)
        return -1;
    if (f->haveDowntime &&
        virTypedParamListAddULLong(list, f->downtimeMs, VIR_DOMAIN_JOB_DOWNTIME) < 0)
        return -1;
    if (jd->throttle &&
        virTypedParamListAddInt(list, jd->throttle, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE) < 0)
        return -1;
    if (jd->wireBytes && jd->wireBytes != jd->bytes &&
        virTypedParamListAddULLong(list, jd->wireBytes, VIR_DOMAIN_JOB_COMPRESSION_BYTES) < 0)
        return -1;
    return 0;
}


int
xenpvJobStatsParams(virDomainObj *vm, bool completed, int *type,
                    virTypedParameterPtr *params, int *nparams)
{
    g_autoptr(virTypedParamList) list = g_new0(virTypedParamList, 1);
    virDomainJobData *data = completed ? vm->job->completed : vm->job->current;
    xenpvJobDataPrivate *jd = NULL;
    xenpvJobFigures f;

    *type = VIR_DOMAIN_JOB_NONE;
    *params = NULL;
    *nparams = 0;
    if (completed && data)
        jd = data->privateData;
    else if (!completed)
        jd = xenpvJobStatsCurrent(vm);
    if (!jd)
        return 0;

    if (completed)
        xenpvJobStatsFigure(data, jd, (xenpvJobStreamCount){ jd->bytes, jd->bytes }, true, &f);
    else
        xenpvJobStatsFigure(data, jd, xenpvJobStatsBytes(vm, jd), false, &f);
    if (xenpvJobStatsList(data, jd, &f, completed, list) < 0)
        return -1;
    *type = completed ? virDomainJobStatusToType(data->status) : VIR_DOMAIN_JOB_UNBOUNDED;
    *nparams = virTypedParamListStealParams(list, params);
    return 0;
}
