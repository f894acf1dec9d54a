/*
 * xenpv_migration_params.h: the migration flags and typed parameters this
 * driver takes, and the refusal, by name and before anything happens, of
 * every other one.
 */
#pragma once

#include "internal.h"

/* The virDomainMigrateFlags taken. */
#define XENPV_MIGRATION_FLAGS \
    (VIR_MIGRATE_LIVE | \
     VIR_MIGRATE_PEER2PEER | \
     VIR_MIGRATE_TUNNELLED | \
     VIR_MIGRATE_PERSIST_DEST | \
     VIR_MIGRATE_UNDEFINE_SOURCE | \
     VIR_MIGRATE_PAUSED | \
     VIR_MIGRATE_OFFLINE | \
     VIR_MIGRATE_CHANGE_PROTECTION | \
     VIR_MIGRATE_ABORT_ON_ERROR | \
     VIR_MIGRATE_TLS | \
     VIR_MIGRATE_AUTO_CONVERGE | \
     VIR_MIGRATE_COMPRESSED)

/* The one compression of the stream (VIR_MIGRATE_COMPRESSED). */
#define XENPV_MIGRATION_COMPRESSION "zstd"

/* Auto-converge's steps without parameters, as libvirt's QEMU driver's. */
#define XENPV_MIGRATION_CONVERGE_INITIAL 20
#define XENPV_MIGRATION_CONVERGE_INCREMENT 10

/* The parameters taken, read out of the typed parameters (the strings
 * point into them). */
typedef struct _xenpvMigrationParams xenpvMigrationParams;
struct _xenpvMigrationParams {
    const char *uri;            /* tcp://host[:port] of the data channel */
    const char *dname;          /* the domain's name on the destination */
    const char *dxml;           /* its live definition there */
    const char *persistXml;     /* its persistent one (PERSIST_DEST) */
    unsigned long long bandwidthMiB;    /* MiB/s, 0: no limit */
    const char *listenAddress;  /* where the destination listens */
    int convergeInitial;        /* auto-converge: % of CPU time taken away first */
    int convergeIncrement;      /* ... and at each step after */
    bool convergeTuned;         /* either was given */
    bool compressionTuned;      /* 'compression' was given */
};

/* Refuse flags this driver does not take, naming each, and combinations
 * that make no sense.  0 or -1 with VIR_ERR_ARGUMENT_UNSUPPORTED. */
int xenpvMigrationCheckFlags(unsigned long flags);

/* Check @params (names, types, values) and read them into @out.  Every
 * parameter that is not taken is refused by name (with the reason when it
 * is one libvirt defines).  0 or -1 with VIR_ERR_ARGUMENT_UNSUPPORTED or
 * VIR_ERR_INVALID_ARG. */
int xenpvMigrationParamsRead(virTypedParameterPtr params,
                             int nparams,
                             xenpvMigrationParams *out);

/* Refuse parameters that tune what @flags do not ask for (compression
 * without VIR_MIGRATE_COMPRESSED, auto-converge's steps without
 * VIR_MIGRATE_AUTO_CONVERGE).  0 or -1 with VIR_ERR_INVALID_ARG. */
int xenpvMigrationParamsCheckFlags(const xenpvMigrationParams *mp, unsigned long flags);

/* The non-Params forms of the protocol as typed parameters, for the
 * Params code paths.  Returns 0 or -1. */
int xenpvMigrationParamsBuild(const char *uri,
                              const char *dname,
                              const char *dxml,
                              unsigned long bandwidth,
                              virTypedParameterPtr *params,
                              int *nparams);

/* Split tcp://host[:port] (a port of 0 when absent).  -1 with
 * VIR_ERR_INVALID_ARG naming what is wrong. */
int xenpvMigrationParseURI(const char *uri, char **host, unsigned int *port);
