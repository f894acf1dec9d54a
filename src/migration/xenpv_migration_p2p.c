/*
 * xenpv_migration_p2p.c: peer-to-peer migration: the source daemon opens
 * the destination daemon itself (keep-alive from xenpv.conf) and runs the
 * whole v3 sequence: Begin here, Prepare there (Prepare tunnelled, with a
 * libvirt stream, for VIR_MIGRATE_TUNNELLED), Perform here, Finish there,
 * Confirm here.
 */
#include "xenpv_migration_priv.h"

#include "datatypes.h"
#include "virerror.h"
#include "virlog.h"
#include "virtypedparam.h"

#include "xenpv_crashpoint.h"
#include "xenpv_domain_jobstats.h"
#include "xenpv_domain_stream.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_p2p");


/* Open the destination daemon and check it speaks what this needs. */
static virConnectPtr
xenpvMigrationP2POpen(xenpvDriver *driver, const char *dconnuri, unsigned long flags)
{
    xenpvDriverConfig *cfg = driver->config;
    virConnectPtr dconn;
    const int needs[] = {
        VIR_DRV_FEATURE_MIGRATION_P2P,
        VIR_DRV_FEATURE_MIGRATION_V3,
        VIR_DRV_FEATURE_MIGRATION_PARAMS,
    };
    size_t i;

    if (!(dconn = virConnectOpenAuth(dconnuri, virConnectAuthPtrDefault, 0))) {
        g_autofree char *why = g_strdup(virGetLastErrorMessage());

        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot reach the destination daemon at %s: %s"), dconnuri, why);
        return NULL;
    }
    if (cfg->keepAliveInterval > 0 &&
        virConnectSetKeepAlive(dconn, cfg->keepAliveInterval, cfg->keepAliveCount) < 0)
        VIR_WARN("no keep-alive on the connection to %s: %s", dconnuri,
                 virGetLastErrorMessage());
    virResetLastError();

    for (i = 0; i < G_N_ELEMENTS(needs); i++) {
        if (VIR_DRV_SUPPORTS_FEATURE(dconn->driver, dconn, needs[i]) <= 0) {
            virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                           _("the destination daemon at %s does not support peer-to-peer migration with protocol v3 and parameters"),
                           dconnuri);
            goto error;
        }
    }
    if ((flags & VIR_MIGRATE_OFFLINE) &&
        VIR_DRV_SUPPORTS_FEATURE(dconn->driver, dconn, VIR_DRV_FEATURE_MIGRATION_OFFLINE) <= 0) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("the destination daemon at %s does not take offline migrations"),
                       dconnuri);
        goto error;
    }
    return dconn;

 error:
    virConnectClose(dconn);
    return NULL;
}


int
xenpvMigrationPeer2Peer(xenpvDriver *driver, virDomainObj *vm, virConnectPtr conn G_GNUC_UNUSED,
                        const char *dconnuri, virTypedParameterPtr params,
                        int nparams, const xenpvMigrationParams *mp,
                        unsigned long flags)
{
    virConnectPtr dconn = NULL;
    virStreamPtr st = NULL;
    virDomainPtr ddom = NULL;
    virTypedParameterPtr dparams = NULL;
    int ndparams = 0;
    g_autofree char *xml = NULL;
    g_autofree char *cookie1 = NULL;
    g_autofree char *cookie2 = NULL;
    g_autofree char *cookie3 = NULL;
    g_autofree char *cookie4 = NULL;
    g_autofree char *uriOut = NULL;
    int len1 = 0;
    int len2 = 0;
    int len3 = 0;
    int len4 = 0;
    xenpvMigrationParams local = *mp;
    bool tunnel = !!(flags & VIR_MIGRATE_TUNNELLED);
    bool cancelled = true;
    virErrorPtr err = NULL;
    int rc;
    int ret = -1;

    virObjectUnlock(vm);
    dconn = xenpvMigrationP2POpen(driver, dconnuri, flags);
    virObjectLock(vm);
    if (!dconn)
        return -1;

    if (!(xml = xenpvMigrationSrcBegin(driver, vm, mp, flags, &cookie1, &len1, true)))
        goto close;
    /* The daemon to ask, should this one lose track of the outcome. */
    ((xenpvDomainObjPrivate *)vm->privateData)->migration->peerUri = g_strdup(dconnuri);

    /* The destination gets the caller's parameters, with the definition
     * Begin made. */
    virTypedParamsCopy(&dparams, params, nparams);
    ndparams = nparams;
    if (virTypedParamsReplaceString(&dparams, &ndparams, VIR_MIGRATE_PARAM_DEST_XML, xml) < 0)
        goto confirm;

    virObjectUnlock(vm);
    if (tunnel) {
        if ((st = virStreamNew(dconn, 0)))
            rc = dconn->driver->domainMigratePrepareTunnel3Params(dconn, st, dparams, ndparams,
                                                                  cookie1, len1, &cookie2,
                                                                  &len2, flags);
        else
            rc = -1;
    } else {
        rc = dconn->driver->domainMigratePrepare3Params(dconn, dparams, ndparams, cookie1, len1,
                                                       &cookie2, &len2, &uriOut, flags);
    }
    virObjectLock(vm);
    if (rc < 0)
        goto confirm;
    if (!local.uri && uriOut)
        local.uri = uriOut;

    cancelled = xenpvMigrationSrcPerform(driver, vm, &local, flags, cookie2, len2,
                                         &cookie3, &len3, st) < 0;
    if (cancelled)
        virErrorPreserveLast(&err);

    /* Tunnelled, the destination's Finish decides: from here the outcome
     * is its word (asked again should this daemon lose it). */
    if (tunnel && !cancelled) {
        xenpvMigration *mig = ((xenpvDomainObjPrivate *)vm->privateData)->migration;

        /* An abort up to here keeps the guest: the switch-over is the Finish. */
        if (g_atomic_int_get(&mig->control.abort)) {
            xenpvDomainStreamReportAborted(_("migration out"));
            virErrorPreserveLast(&err);
            cancelled = true;
        } else if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_HANDING) < 0) {
            virErrorPreserveLast(&err);
            cancelled = true;
        } else {
            xenpvCrashPoint("src-go-recorded");
        }
    }

    virObjectUnlock(vm);
    ddom = dconn->driver->domainMigrateFinish3Params(dconn, dparams, ndparams, cookie3, len3,
                                                     &cookie4, &len4, flags, cancelled);
    virObjectLock(vm);
    if (!ddom && !err) {
        xenpvMigration *mig = ((xenpvDomainObjPrivate *)vm->privateData)->migration;

        /* Refused because this side was aborted after the stream: the
         * abort is the cause, not the destination's words for it. */
        if (mig && g_atomic_int_get(&mig->control.abort))
            xenpvDomainStreamReportAborted(_("migration out"));
        virErrorPreserveLast(&err);
    }
    cancelled = !ddom;
    if (tunnel && ddom) {
        xenpvCrashPoint("src-taken-received");
        xenpvJobStatsResumed(vm);
        if (xenpvMigrationSetPhase(driver, vm, XENPV_MIGRATION_PHASE_COMMITTED) < 0)
            VIR_WARN("cannot record that domain '%s' was handed over", vm->def->name);
    }

 confirm:
    if (!err && cancelled)
        virErrorPreserveLast(&err);
    /* Confirm's failure says more: the guest is held until the
     * destination can be asked. */
    if (vm->privateData && ((xenpvDomainObjPrivate *)vm->privateData)->migration &&
        xenpvMigrationSrcConfirm(driver, vm, flags, cancelled) < 0) {
        g_clear_pointer(&err, virFreeError);
        virErrorPreserveLast(&err);
    }
    if (!cancelled && !err)
        ret = 0;
 close:
    if (ret < 0 && !err)
        virErrorPreserveLast(&err);
    if (ddom)
        virObjectUnref(ddom);
    if (st)
        virObjectUnref(st);
    virTypedParamsFree(dparams, ndparams);
    virObjectUnlock(vm);
    virConnectClose(dconn);
    virObjectLock(vm);
    virErrorRestore(&err);
    return ret;
}
