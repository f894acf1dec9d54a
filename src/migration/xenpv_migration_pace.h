/*
 * xenpv_migration_pace.h: the data channel's meter (xenpvFrameMeterFunc):
 * it counts the stream's bytes for the job's statistics, holds the sender
 * to the migration's bandwidth (MigrateSetMaxSpeed, the bandwidth
 * parameter: read again at every chunk, so that a change applies at
 * once), and stops the stream when the job is aborted.
 */
#pragma once

#include "xenpv_domain.h"

typedef struct _xenpvMigrationPace xenpvMigrationPace;
struct _xenpvMigrationPace {
    xenpvStreamControl *control;
    gint64 startUs;             /* when the bytes below began to count */
    uint64_t paced;             /* bytes sent since, at @rate */
    unsigned int rate;          /* MiB/s they were paced at */
};

/* Source: count @len (@wireLen on the wire), wait as long as the
 * bandwidth wants for @wireLen, or fail with VIR_ERR_OPERATION_ABORTED once
 * the job is aborted. */
int xenpvMigrationPaceChunk(void *opaque, size_t len, size_t wireLen);

/* Destination: count @len (@wireLen on the wire). */
int xenpvMigrationCountChunk(void *opaque, size_t len, size_t wireLen);
