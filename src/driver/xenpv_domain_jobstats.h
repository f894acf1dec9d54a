/*
 * xenpv_domain_jobstats.h: the statistics of an async job that moves a
 * guest's memory (save, restore, migration out or in): recorded as its
 * stream flows, into the job's data (xenpvJobDataPrivate), and turned into
 * what GetJobInfo and GetJobStats answer (docs/job-stats.md).
 *
 * Everything here is called with the domain locked; the recording calls
 * come from the threads that move the stream.
 */
#pragma once

#include "xenpv_domain.h"

/* The stream of the current async job begins (its setup is over): what it
 * moves is a guest of @memoryBytes, in a stream of @streamBytes (0: about
 * as much). */
void xenpvJobStatsStreamStart(virDomainObj *vm, uint64_t memoryBytes, uint64_t streamBytes);

/* The back end's progress: pages sent so far, pages still to go through
 * in the round under way, the round's number; @bytes is what went
 * through the stream so far. */
void xenpvJobStatsProgress(virDomainObj *vm, uint64_t sentPages, uint64_t remainingPages,
                           unsigned int iteration, uint64_t bytes);

/* The rate the stream goes at in the round under way, bytes a second (0:
 * not known yet). */
uint64_t xenpvJobStatsRate(virDomainObj *vm);

/* The stream is complete (all of it written, or read). */
void xenpvJobStatsStreamEnd(virDomainObj *vm);

/* A pre-copy round ended (and another follows). */
void xenpvJobStatsRound(virDomainObj *vm, const xenpvSaveRound *round);

/* The guest stopped for the stream's last part; it runs again (migration:
 * on the destination), which makes the downtime. */
void xenpvJobStatsSuspended(virDomainObj *vm);
void xenpvJobStatsResumed(virDomainObj *vm);

/* When the guest stopped (ms since the epoch; 0: it has not), and, on the
 * host it runs on now (a migration's destination), that it runs again
 * since the other host's @stoppedMs: the downtime, as far as the two
 * clocks agree. */
unsigned long long xenpvJobStatsStoppedAt(virDomainObj *vm);
void xenpvJobStatsResumedSince(virDomainObj *vm, unsigned long long stoppedMs);

/* The auto-converge throttle now in force (% of CPU time). */
void xenpvJobStatsThrottle(virDomainObj *vm, unsigned int percent);

/* The current async job is over (@status: COMPLETED, FAILED or CANCELED,
 * with @errmsg for the last two): its statistics become the completed
 * ones.  Called before the async job ends. */
void xenpvJobStatsComplete(virDomainObj *vm, virDomainJobStatus status, const char *errmsg);

/* GetJobInfo: the current job (type NONE when there is none). */
void xenpvJobStatsInfo(virDomainObj *vm, virDomainJobInfoPtr info);

/* GetJobStats: the current job, or the completed one (@completed). */
int xenpvJobStatsParams(virDomainObj *vm, bool completed, int *type,
                        virTypedParameterPtr *params, int *nparams);
