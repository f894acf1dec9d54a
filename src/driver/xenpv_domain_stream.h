/*
 * xenpv_domain_stream.h: streaming a running domain out to a file
 * descriptor, the one path that save, managed save and migration share:
 * the guest is asked to suspend itself, the back end writes its save
 * stream, and anything that fails resumes the guest as it was.
 */
#pragma once

#include "xenpv_domain.h"

/* Write the save stream of running or paused @vm to @fd.  @tuning (may be
 * NULL) gives live rounds, downtime, bandwidth, the progress and converge
 * callbacks as the back end takes them; its suspend callback is ignored:
 * the guest is asked through control/shutdown (a paused guest is unpaused
 * first so that it can answer).  @control steers the stream as it flows
 * (abort, the downtime target and bandwidth, read at every report of the
 * back end) and counts it; the job's statistics are kept
 * (xenpv_domain_jobstats.h).  Called with @vm locked and an async job
 * held; the lock is dropped while the stream is written.
 *
 * On success the domain is left suspended in the hypervisor, its libvirt
 * state untouched: the caller destroys it once the stream is safe
 * elsewhere, or undoes the stream with xenpvDomainStreamUndo.  On failure
 * the guest has been resumed and paused again if it was paused. */
int xenpvDomainStreamOut(xenpvDriver *driver,
                         virDomainObj *vm,
                         int fd,
                         const xenpvSaveParams *tuning,
                         xenpvStreamControl *control);

/* The error of a stream stopped by AbortJob (VIR_ERR_OPERATION_ABORTED,
 * naming @job: "migration out", "save"), in place of the back end's. */
void xenpvDomainStreamReportAborted(const char *job);

/* Let a guest that suspended itself for a stream carry on as before:
 * resumed, and paused again if @wasPaused.  A guest that had not yet
 * suspended is only paused again.  Returns 0, or -1 with an error when the
 * guest stays suspended. */
int xenpvDomainStreamUndo(xenpvDriver *driver,
                          virDomainObj *vm,
                          bool wasPaused);

/* After a daemon restart, for a domain whose stream was under way when the
 * daemon stopped (the stream died with it): withdraw a suspend request the
 * guest has not taken yet, turn log-dirty off, undo the stream as above
 * (the job record says whether the guest was paused), and have the monitor
 * resume the guest should it still suspend for the request it took just
 * before.  Errors are logged. */
void xenpvDomainStreamAbandoned(xenpvDriver *driver, virDomainObj *vm);
