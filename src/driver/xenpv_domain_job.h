/*
 * xenpv_domain_job.h: the record, in a domain's status XML, of a job that
 * a daemon killed half-way would otherwise leave half done: a start (boot
 * or restore), a save, a migration out or in.  A restarted daemon reads it
 * back and finishes or undoes the job (xenpv_recover.c), so that a guest is
 * never left suspended with nobody to resume it, running twice, or gone.
 */
#pragma once

#include "internal.h"
#include "virbuffer.h"
#include "virenum.h"
#include "virxml.h"

typedef enum {
    XENPV_JOB_NONE = 0,
    XENPV_JOB_START,            /* being built, booted or from a stream */
    XENPV_JOB_SAVE,             /* being streamed into a save image */
    XENPV_JOB_MIGRATION_OUT,    /* being streamed to another host */
    XENPV_JOB_MIGRATION_IN,     /* being received from another host */

    XENPV_JOB_LAST
} xenpvJobKind;

VIR_ENUM_DECL(xenpvJob);

typedef struct _xenpvJobRecord xenpvJobRecord;
struct _xenpvJobRecord {
    xenpvJobKind kind;
    int phase;                  /* the migration's (xenpvMigrationPhase) */
    bool wasPaused;             /* the guest was paused when the job began */
    char *path;                 /* save: the image being written */
    char *peer;                 /* migration: the other daemon's URI, if known */
    char *id;                   /* migration: the destination's id of it, under
                                 * which it keeps the outcome */
    int cpuCap;                 /* migration out: the guest's CPU cap before
                                 * auto-converge lowered it; -1: untouched */
    unsigned long long flags;   /* migration: the virDomainMigrateFlags */
};

/* Forget the job (its CPU cap untouched, -1). */
void xenpvJobRecordClear(xenpvJobRecord *job);

/* <job kind='save' phase='0' paused='no' path='...'/>, nothing for none. */
void xenpvJobRecordFormat(virBuffer *buf, const xenpvJobRecord *job);
/* Read ./job under @ctxt into @job (left clear when there is none). */
int xenpvJobRecordParse(xmlXPathContextPtr ctxt, xenpvJobRecord *job);
