/*
 * xenpv_migration_params.c: what a migration may ask for.
 */
#include "xenpv_migration_params.h"

#include "virerror.h"
#include "virtypedparam.h"
#include "viruri.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

typedef struct {
    unsigned long flag;
    const char *name;
    const char *why;
} xenpvMigrationRefusal;

/* Why each flag libvirt defines and this driver does not take is refused. */
static const xenpvMigrationRefusal xenpvMigrationRefusedFlags[] = {
    { VIR_MIGRATE_NON_SHARED_DISK, "VIR_MIGRATE_NON_SHARED_DISK (--copy-storage-all)",
      N_("this driver migrates guests whose storage both hosts share, as with NFS or a SAN; it copies no disks") },
    { VIR_MIGRATE_NON_SHARED_INC, "VIR_MIGRATE_NON_SHARED_INC (--copy-storage-inc)",
      N_("this driver migrates guests whose storage both hosts share, as with NFS or a SAN; it copies no disks") },
    { VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES, "VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES",
      N_("this driver migrates guests whose storage both hosts share, as with NFS or a SAN; it copies no disks") },
    { VIR_MIGRATE_POSTCOPY, "VIR_MIGRATE_POSTCOPY (--postcopy)",
      N_("a PV guest moves by pre-copy only: the destination runs it once all its memory has arrived") },
    { VIR_MIGRATE_POSTCOPY_RESUME, "VIR_MIGRATE_POSTCOPY_RESUME (--postcopy-resume)",
      N_("a PV guest moves by pre-copy only: there is no post-copy migration to resume") },
    { VIR_MIGRATE_PARALLEL, "VIR_MIGRATE_PARALLEL (--parallel)",
      N_("one data channel carries the guest's stream") },
    { VIR_MIGRATE_RDMA_PIN_ALL, "VIR_MIGRATE_RDMA_PIN_ALL (--rdma-pin-all)",
      N_("the data channel is TCP, not RDMA") },
    { VIR_MIGRATE_ZEROCOPY, "VIR_MIGRATE_ZEROCOPY (--zerocopy)",
      N_("the stream is not sent with zero-copy") },
    { VIR_MIGRATE_UNSAFE, "VIR_MIGRATE_UNSAFE (--unsafe)",
      N_("no safety check of this driver can be overridden") },
};

typedef struct {
    const char *name;
    const char *why;            /* NULL: taken */
} xenpvMigrationParamRule;

static const xenpvMigrationParamRule xenpvMigrationParamRules[] = {
    { VIR_MIGRATE_PARAM_URI, NULL },
    { VIR_MIGRATE_PARAM_DEST_NAME, NULL },
    { VIR_MIGRATE_PARAM_DEST_XML, NULL },
    { VIR_MIGRATE_PARAM_PERSIST_XML, NULL },
    { VIR_MIGRATE_PARAM_BANDWIDTH, NULL },
    { VIR_MIGRATE_PARAM_LISTEN_ADDRESS, NULL },
    { VIR_MIGRATE_PARAM_MIGRATE_DISKS, NULL },
    { VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, N_("a PV guest moves by pre-copy only") },
    { VIR_MIGRATE_PARAM_GRAPHICS_URI, N_("a PV guest's framebuffer is not handed over to clients") },
    { VIR_MIGRATE_PARAM_DISKS_PORT, N_("this driver copies no disks: storage must be shared") },
    { VIR_MIGRATE_PARAM_DISKS_URI, N_("this driver copies no disks: storage must be shared") },
    { VIR_MIGRATE_PARAM_COMPRESSION, NULL },
    { VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, N_("the stream is compressed with zstd only") },
    { VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS, N_("the stream is compressed with zstd only") },
    { VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, N_("the stream is compressed with zstd only") },
    { VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, N_("the stream is compressed with zstd only") },
    { VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, NULL },
    { VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, NULL },
    { VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, N_("one data channel carries the guest's stream") },
    { VIR_MIGRATE_PARAM_TLS_DESTINATION, N_("a TLS data channel checks the destination's certificate against the host name in the migration URI") },
};


int
xenpvMigrationCheckFlags(unsigned long flags)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(xenpvMigrationRefusedFlags); i++) {
        const xenpvMigrationRefusal *r = &xenpvMigrationRefusedFlags[i];

        if (flags & r->flag) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("migration flag %s is not supported: %s"), r->name, _(r->why));
            return -1;
        }
    }
    if (flags & ~(unsigned long)XENPV_MIGRATION_FLAGS) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("unknown migration flags %#lx"),
                       flags & ~(unsigned long)XENPV_MIGRATION_FLAGS);
        return -1;
    }
    if ((flags & VIR_MIGRATE_TUNNELLED) && !(flags & VIR_MIGRATE_PEER2PEER)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("a tunnelled migration (VIR_MIGRATE_TUNNELLED) is peer-to-peer: add VIR_MIGRATE_PEER2PEER (--p2p)"));
        return -1;
    }
    if ((flags & VIR_MIGRATE_TUNNELLED) && (flags & VIR_MIGRATE_TLS)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("VIR_MIGRATE_TLS secures the data channel, which a tunnelled migration does not open: its stream travels inside the connection between the two libvirt daemons (use a TLS URI such as xen+tls:// for that)"));
        return -1;
    }
    if (flags & VIR_MIGRATE_OFFLINE) {
        if (!(flags & VIR_MIGRATE_PERSIST_DEST)) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                           _("an offline migration (VIR_MIGRATE_OFFLINE) moves only the definition: it needs VIR_MIGRATE_PERSIST_DEST (--persistent)"));
            return -1;
        }
        if (flags & (VIR_MIGRATE_LIVE | VIR_MIGRATE_TUNNELLED | VIR_MIGRATE_TLS | VIR_MIGRATE_PAUSED)) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                           _("an offline migration (VIR_MIGRATE_OFFLINE) moves no guest: --live, --tunnelled, --tls and --suspend do not apply to it"));
            return -1;
        }
    }
    return 0;
}


static const xenpvMigrationParamRule *
xenpvMigrationFindParamRule(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(xenpvMigrationParamRules); i++) {
        if (STREQ(xenpvMigrationParamRules[i].name, name))
            return &xenpvMigrationParamRules[i];
    }
    return NULL;
}


/* An auto-converge parameter, a percentage of CPU time, 1..99. */
static int
xenpvMigrationParamPercent(virTypedParameterPtr params, int nparams, const char *name,
                           int *value, bool *given)
{
    int rc;

    if ((rc = virTypedParamsGetInt(params, nparams, name, value)) < 0)
        return -1;
    *given |= rc == 1;
    if (rc == 1 && (*value < 1 || *value > 99)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration parameter '%s' is %d: it is a percentage of CPU time, 1 to 99"),
                       name, *value);
        return -1;
    }
    return 0;
}


int
xenpvMigrationParamsRead(virTypedParameterPtr params,
                         int nparams,
                         xenpvMigrationParams *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < nparams; i++) {
        const xenpvMigrationParamRule *rule = xenpvMigrationFindParamRule(params[i].field);

        if (!rule) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("unknown migration parameter '%s'"), params[i].field);
            return -1;
        }
        if (rule->why) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("migration parameter '%s' is not supported: %s"),
                           rule->name, _(rule->why));
            return -1;
        }
    }
    if (virTypedParamsValidate(params, nparams,
                               VIR_MIGRATE_PARAM_URI, VIR_TYPED_PARAM_STRING,
                               VIR_MIGRATE_PARAM_DEST_NAME, VIR_TYPED_PARAM_STRING,
                               VIR_MIGRATE_PARAM_DEST_XML, VIR_TYPED_PARAM_STRING,
                               VIR_MIGRATE_PARAM_PERSIST_XML, VIR_TYPED_PARAM_STRING,
                               VIR_MIGRATE_PARAM_BANDWIDTH, VIR_TYPED_PARAM_ULLONG,
                               VIR_MIGRATE_PARAM_LISTEN_ADDRESS, VIR_TYPED_PARAM_STRING,
                               VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                               VIR_TYPED_PARAM_STRING | VIR_TYPED_PARAM_MULTIPLE,
                               VIR_MIGRATE_PARAM_COMPRESSION,
                               VIR_TYPED_PARAM_STRING | VIR_TYPED_PARAM_MULTIPLE,
                               VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, VIR_TYPED_PARAM_INT,
                               VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, VIR_TYPED_PARAM_INT,
                               NULL) < 0)
        return -1;

    /* No disk is copied: the only list of disks to copy is an empty one;
     * the only compression, zstd. */
    for (i = 0; i < nparams; i++) {
        if (STREQ(params[i].field, VIR_MIGRATE_PARAM_COMPRESSION) &&
            STRNEQ_NULLABLE(params[i].value.s, XENPV_MIGRATION_COMPRESSION)) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("migration parameter '%s' is '%s': the stream is compressed with %s only"),
                           VIR_MIGRATE_PARAM_COMPRESSION, NULLSTR(params[i].value.s),
                           XENPV_MIGRATION_COMPRESSION);
            return -1;
        }
        if (STREQ(params[i].field, VIR_MIGRATE_PARAM_MIGRATE_DISKS) &&
            params[i].value.s && *params[i].value.s) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("migration parameter '%s' names disk '%s': this driver copies no disks, it migrates guests whose storage both hosts share (NFS, a SAN)"),
                           VIR_MIGRATE_PARAM_MIGRATE_DISKS, params[i].value.s);
            return -1;
        }
    }

    if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_URI, &out->uri) < 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_NAME, &out->dname) < 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_XML, &out->dxml) < 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_PERSIST_XML,
                                &out->persistXml) < 0 ||
        virTypedParamsGetULLong(params, nparams, VIR_MIGRATE_PARAM_BANDWIDTH,
                                &out->bandwidthMiB) < 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_LISTEN_ADDRESS,
                                &out->listenAddress) < 0)
        return -1;
    out->convergeInitial = XENPV_MIGRATION_CONVERGE_INITIAL;
    out->convergeIncrement = XENPV_MIGRATION_CONVERGE_INCREMENT;
    if (xenpvMigrationParamPercent(params, nparams, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                                   &out->convergeInitial, &out->convergeTuned) < 0 ||
        xenpvMigrationParamPercent(params, nparams, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
                                   &out->convergeIncrement, &out->convergeTuned) < 0)
        return -1;
    out->compressionTuned = virTypedParamsGet(params, nparams, VIR_MIGRATE_PARAM_COMPRESSION);
    if (out->dname && !*out->dname) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration parameter '%s' is empty"), VIR_MIGRATE_PARAM_DEST_NAME);
        return -1;
    }
    /* Within what the back end can pace: below 2^44 bytes/s. */
    if (out->bandwidthMiB > (1ULL << 24)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration bandwidth %llu MiB/s is out of range"), out->bandwidthMiB);
        return -1;
    }
    return 0;
}


int
xenpvMigrationParamsCheckFlags(const xenpvMigrationParams *mp, unsigned long flags)
{
    if (mp->compressionTuned && !(flags & VIR_MIGRATE_COMPRESSED)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration parameter '%s' needs VIR_MIGRATE_COMPRESSED (--compressed)"),
                       VIR_MIGRATE_PARAM_COMPRESSION);
        return -1;
    }
    if (mp->convergeTuned && !(flags & VIR_MIGRATE_AUTO_CONVERGE)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration parameters '%s' and '%s' need VIR_MIGRATE_AUTO_CONVERGE (--auto-converge)"),
                       VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                       VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT);
        return -1;
    }
    return 0;
}


int
xenpvMigrationParamsBuild(const char *uri,
                          const char *dname,
                          const char *dxml,
                          unsigned long bandwidth,
                          virTypedParameterPtr *params,
                          int *nparams)
{
    int maxparams = 0;

    *params = NULL;
    *nparams = 0;
    if ((uri && virTypedParamsAddString(params, nparams, &maxparams,
                                        VIR_MIGRATE_PARAM_URI, uri) < 0) ||
        (dname && virTypedParamsAddString(params, nparams, &maxparams,
                                          VIR_MIGRATE_PARAM_DEST_NAME, dname) < 0) ||
        (dxml && virTypedParamsAddString(params, nparams, &maxparams,
                                         VIR_MIGRATE_PARAM_DEST_XML, dxml) < 0) ||
        (bandwidth && virTypedParamsAddULLong(params, nparams, &maxparams,
                                              VIR_MIGRATE_PARAM_BANDWIDTH, bandwidth) < 0)) {
        virTypedParamsFree(*params, *nparams);
        *params = NULL;
        *nparams = 0;
        return -1;
    }
    return 0;
}


int
xenpvMigrationParseURI(const char *uri, char **host, unsigned int *port)
{
    g_autoptr(virURI) parsed = NULL;

    if (!(parsed = virURIParse(uri)))
        return -1;
    if (!parsed->scheme || STRNEQ(parsed->scheme, "tcp") || !parsed->server ||
        !*parsed->server || (parsed->path && *parsed->path && STRNEQ(parsed->path, "/"))) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration URI '%s' is not tcp://HOST[:PORT]"), uri);
        return -1;
    }
    if (parsed->port > 65535) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration URI '%s' has no valid port"), uri);
        return -1;
    }
    *host = g_strdup(parsed->server);
    *port = parsed->port;
    return 0;
}
