/*
 * xenpv_driver_job.c: the entry points that watch and steer a domain's
 * async job (save, restore, migration): GetJobInfo, GetJobStats, AbortJob,
 * and the migration's downtime target and bandwidth
 * (MigrateSetMaxDowntime, MigrateSetMaxSpeed and their getters).
 *
 * Locking: queries take no job, only the domain's lock, under which the
 * job's threads record their progress (xenpv_domain_jobstats.c); they run
 * beside any job.  AbortJob takes an abort job and the migration settings
 * a migration-op job, which the async jobs of a save (abort) and of an
 * outgoing migration (both) allow beside them; what they change is read
 * atomically by the job's threads (xenpvStreamControl).
 */
#include "xenpv_driver.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain.h"
#include "xenpv_domain_jobstats.h"
#include "xenpv_entry.h"
#include "xenpv_migration.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver_job");

/* A downtime target beyond an hour is no target; a bandwidth as the
 * migration parameter allows. */
#define XENPV_JOB_MAX_DOWNTIME_MS (3600 * 1000)
#define XENPV_JOB_MAX_SPEED_MIB (1U << 24)


int
xenpvDomainGetJobInfo(virDomainPtr dom, virDomainJobInfoPtr info)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetJobInfoEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    xenpvJobStatsInfo(vm, info);
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainGetJobStats(virDomainPtr dom, int *type, virTypedParameterPtr *params,
                       int *nparams, unsigned int flags)
{
    virDomainObj *vm;
    bool completed = !!(flags & VIR_DOMAIN_JOB_STATS_COMPLETED);
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetJobStatsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (xenpvJobStatsParams(vm, completed, type, params, nparams) < 0)
        goto cleanup;
    /* Completed statistics are read once, unless asked to be kept. */
    if (completed && !(flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED))
        g_clear_pointer(&vm->job->completed, virDomainJobDataFree);
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


/* Can the async job under way be aborted now?  The migration out's up to
 * its switch-over, and a save; nothing else. */
static int
xenpvDomainCheckAbortable(virDomainObj *vm)
{
    switch (vm->job->asyncJob) {
    case VIR_ASYNC_JOB_NONE:
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' has no job to abort"), vm->def->name);
        return -1;
    case VIR_ASYNC_JOB_MIGRATION_IN:
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is migrating to this host: abort its migration on the source host"),
                       vm->def->name);
        return -1;
    case VIR_ASYNC_JOB_MIGRATION_OUT:
        if (xenpvMigrationSrcHandingOver(vm)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("the migration of domain '%s' can no longer be aborted: it is past its switch-over, the destination may already run the guest"),
                           vm->def->name);
            return -1;
        }
        break;
    case VIR_ASYNC_JOB_SAVE:
        break;
    case VIR_ASYNC_JOB_START:
    case VIR_ASYNC_JOB_DUMP:
    case VIR_ASYNC_JOB_SNAPSHOT:
    case VIR_ASYNC_JOB_BACKUP:
    case VIR_ASYNC_JOB_LAST:
    default:
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("the %s job of domain '%s' cannot be aborted"),
                       virDomainAsyncJobTypeToString(vm->job->asyncJob), vm->def->name);
        return -1;
    }
    return 0;
}


int
xenpvDomainAbortJobFlags(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    xenpvDomainObjPrivate *priv;
    int ret = -1;

    if (flags & VIR_DOMAIN_ABORT_JOB_POSTCOPY) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("VIR_DOMAIN_ABORT_JOB_POSTCOPY: a PV guest migrates by pre-copy only"));
        return -1;
    }
    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    priv = vm->privateData;
    if (virDomainAbortJobFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_ABORT) < 0)
        goto cleanup;

    if (xenpvDomainCheckAbortable(vm) < 0)
        goto endjob;
    /* Before its stream is set up, the job is stopped as it sets it up. */
    if (priv->stream)
        g_atomic_int_set(&priv->stream->abort, 1);
    else
        priv->abortRequested = true;
    VIR_INFO("the %s job of domain '%s' is aborted",
             virDomainAsyncJobTypeToString(vm->job->asyncJob), vm->def->name);
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainAbortJob(virDomainPtr dom)
{
    return xenpvDomainAbortJobFlags(dom, 0);
}


/* The stream of @vm's migration out, whose settings apply at once; NULL
 * when there is none. */
static xenpvStreamControl *
xenpvDomainMigrationStream(virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (vm->job->asyncJob != VIR_ASYNC_JOB_MIGRATION_OUT)
        return NULL;
    return priv->stream;
}


int
xenpvDomainMigrateSetMaxDowntime(virDomainPtr dom, unsigned long long downtime,
                                 unsigned int flags)
{
    virDomainObj *vm;
    xenpvStreamControl *stream;
    int ret = -1;

    virCheckFlags(0, -1);

    if (downtime > XENPV_JOB_MAX_DOWNTIME_MS) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("a downtime of %llu ms is beyond the %d ms this driver takes (0: no target, Xen's classic policy)"),
                       downtime, XENPV_JOB_MAX_DOWNTIME_MS);
        return -1;
    }
    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateSetMaxDowntimeEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MIGRATION_OP) < 0)
        goto cleanup;

    ((xenpvDomainObjPrivate *)vm->privateData)->migMaxDowntimeMs = downtime;
    if ((stream = xenpvDomainMigrationStream(vm)))
        g_atomic_int_set(&stream->maxDowntimeMs, downtime);
    VIR_INFO("domain '%s': migration downtime target %llu ms%s", vm->def->name, downtime,
             stream ? ", from now on" : "");
    ret = 0;
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainMigrateGetMaxDowntime(virDomainPtr dom, unsigned long long *downtime,
                                 unsigned int flags)
{
    virDomainObj *vm;
    xenpvStreamControl *stream;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateGetMaxDowntimeEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if ((stream = xenpvDomainMigrationStream(vm)))
        *downtime = g_atomic_int_get(&stream->maxDowntimeMs);
    else
        *downtime = ((xenpvDomainObjPrivate *)vm->privateData)->migMaxDowntimeMs;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainMigrateSetMaxSpeed(virDomainPtr dom, unsigned long bandwidth, unsigned int flags)
{
    virDomainObj *vm;
    xenpvStreamControl *stream;
    int ret = -1;

    if (flags & VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY: a PV guest migrates by pre-copy only"));
        return -1;
    }
    virCheckFlags(0, -1);

    if (bandwidth > XENPV_JOB_MAX_SPEED_MIB) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("migration bandwidth %lu MiB/s is out of range (at most %u; 0: no limit)"),
                       bandwidth, XENPV_JOB_MAX_SPEED_MIB);
        return -1;
    }
    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateSetMaxSpeedEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MIGRATION_OP) < 0)
        goto cleanup;

    ((xenpvDomainObjPrivate *)vm->privateData)->migMaxSpeedMiB = bandwidth;
    if ((stream = xenpvDomainMigrationStream(vm)))
        g_atomic_int_set(&stream->bandwidthMiB, bandwidth);
    VIR_INFO("domain '%s': migration bandwidth %lu MiB/s%s", vm->def->name, bandwidth,
             stream ? ", from now on" : "");
    ret = 0;
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainMigrateGetMaxSpeed(virDomainPtr dom, unsigned long *bandwidth, unsigned int flags)
{
    virDomainObj *vm;
    xenpvStreamControl *stream;
    int ret = -1;

    if (flags & VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY: a PV guest migrates by pre-copy only"));
        return -1;
    }
    virCheckFlags(0, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateGetMaxSpeedEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if ((stream = xenpvDomainMigrationStream(vm)))
        *bandwidth = g_atomic_int_get(&stream->bandwidthMiB);
    else
        *bandwidth = ((xenpvDomainObjPrivate *)vm->privateData)->migMaxSpeedMiB;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
