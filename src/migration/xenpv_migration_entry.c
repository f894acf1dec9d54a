/*
 * xenpv_migration_entry.c: the migration entry points of the driver, in
 * libvirt's protocol v3: each checks its flags and parameters (refusing by
 * name what is not taken, before anything happens), looks the domain up,
 * checks the ACL, takes or finds the migration's async job, and hands over
 * to the source (xenpv_migration_src.c), destination (xenpv_migration_dst.c)
 * or peer-to-peer (xenpv_migration_p2p.c) code.  The forms without
 * parameters become parameters first.
 */
#include "xenpv_migration.h"

#include "datatypes.h"
#include "hypervisor/virclosecallbacks.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virlog.h"
#include "virtypedparam.h"

#include "xenpv_migration_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_entry");


static int
xenpvMigrationCheck(unsigned long flags, virTypedParameterPtr params, int nparams,
                    xenpvMigrationParams *mp)
{
    if (!xenpv_driver) {
        virReportError(VIR_ERR_NO_CONNECT, "%s", _("the Xen PV driver is not running"));
        return -1;
    }
    if (xenpvMigrationCheckFlags(flags) < 0 ||
        xenpvMigrationParamsRead(params, nparams, mp) < 0 ||
        xenpvMigrationParamsCheckFlags(mp, flags) < 0)
        return -1;
    return 0;
}


/* The async job of a migration out; beside it, besides queries, destroy
 * and abort, the changes of its downtime and bandwidth (the mask is set
 * before the job's thread ever lets go of the domain's lock, so that a
 * caller waiting for the job sees it). */
static int
xenpvMigrationBeginOutJob(virDomainObj *vm, unsigned long flags)
{
    if (virDomainObjBeginAsyncJob(vm, VIR_ASYNC_JOB_MIGRATION_OUT,
                                  VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT, flags) < 0)
        return -1;
    vm->job->mask |= JOB_MASK(VIR_JOB_MIGRATION_OP);
    return 0;
}


/* The client that began a migration went away before Confirm: the guest
 * stays here, unless it was handed over already. */
static void
xenpvMigrationSrcClientGone(virDomainObj *vm, virConnectPtr conn G_GNUC_UNUSED)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvDomainObjPrivate *priv = vm->privateData;
    xenpvMigration *mig = priv->migration;

    if (!driver || !mig || vm->job->asyncJob != VIR_ASYNC_JOB_MIGRATION_OUT)
        return;
    VIR_WARN("the client migrating domain '%s' went away before the end", vm->def->name);
    /* Perform still runs: it cancels once done. */
    if (mig->performing) {
        mig->clientGone = true;
        return;
    }
    ignore_value(xenpvMigrationSrcConfirm(driver, vm, mig->flags, true));
    virDomainObjEndAsyncJob(vm);
    xenpvDomainRemoveInactive(driver, vm);
}


char *
xenpvDomainMigrateBegin3Params(virDomainPtr domain, virTypedParameterPtr params,
                               int nparams, char **cookieout, int *cookieoutlen,
                               unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvMigrationParams mp;
    virDomainObj *vm;
    char *xml = NULL;

    if (xenpvMigrationCheck(flags, params, nparams, &mp) < 0)
        return NULL;
    if (!(vm = xenpvDomObjFromDomain(domain)))
        return NULL;
    if (virDomainMigrateBegin3ParamsEnsureACL(domain->conn, vm->def) < 0)
        goto cleanup;

    if (flags & VIR_MIGRATE_CHANGE_PROTECTION) {
        /* Held until Confirm: nothing may change the guest meanwhile. */
        if (xenpvMigrationBeginOutJob(vm, flags) < 0)
            goto cleanup;
        if (!(xml = xenpvMigrationSrcBegin(driver, vm, &mp, flags, cookieout,
                                           cookieoutlen, true))) {
            virDomainObjEndAsyncJob(vm);
            goto cleanup;
        }
        virCloseCallbacksDomainAdd(vm, domain->conn, xenpvMigrationSrcClientGone);
    } else {
        if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
            goto cleanup;
        xml = xenpvMigrationSrcBegin(driver, vm, &mp, flags, cookieout, cookieoutlen, false);
        virDomainObjEndJob(vm);
    }

 cleanup:
    virDomainObjEndAPI(&vm);
    return xml;
}


char *
xenpvDomainMigrateBegin3(virDomainPtr domain, const char *xmlin, char **cookieout,
                         int *cookieoutlen, unsigned long flags, const char *dname,
                         unsigned long resource)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    char *xml;

    if (xenpvMigrationParamsBuild(NULL, dname, xmlin, resource, &params, &nparams) < 0)
        return NULL;
    xml = xenpvDomainMigrateBegin3Params(domain, params, nparams, cookieout, cookieoutlen,
                                         flags);
    virTypedParamsFree(params, nparams);
    return xml;
}


static int
xenpvMigratePrepare(virConnectPtr dconn, virStreamPtr st, virTypedParameterPtr params,
                    int nparams, const char *cookiein, int cookieinlen, char **cookieout,
                    int *cookieoutlen, char **uri_out, unsigned long flags)
{
    xenpvMigrationParams mp;

    if (xenpvMigrationCheck(flags, params, nparams, &mp) < 0)
        return -1;
    if (st && !(flags & VIR_MIGRATE_TUNNELLED)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("a tunnelled Prepare needs VIR_MIGRATE_TUNNELLED"));
        return -1;
    }
    return xenpvMigrationDstPrepare(xenpv_driver, dconn, &mp, flags, mp.dxml, cookiein,
                                    cookieinlen, cookieout, cookieoutlen, mp.uri, uri_out, st);
}


int
xenpvDomainMigratePrepare3Params(virConnectPtr dconn, virTypedParameterPtr params,
                                 int nparams, const char *cookiein, int cookieinlen,
                                 char **cookieout, int *cookieoutlen, char **uri_out,
                                 unsigned int flags)
{
    return xenpvMigratePrepare(dconn, NULL, params, nparams, cookiein, cookieinlen,
                               cookieout, cookieoutlen, uri_out, flags);
}


/* The forms without parameters of Prepare and PrepareTunnel. */
static int
xenpvMigratePrepareNoParams(virConnectPtr dconn, virStreamPtr st, const char *cookiein,
                            int cookieinlen, char **cookieout, int *cookieoutlen,
                            const char *uri_in, char **uri_out, unsigned long flags,
                            const char *dname, unsigned long resource, const char *dom_xml)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int ret;

    if (xenpvMigrationParamsBuild(uri_in, dname, dom_xml, resource, &params, &nparams) < 0)
        return -1;
    ret = xenpvMigratePrepare(dconn, st, params, nparams, cookiein, cookieinlen,
                              cookieout, cookieoutlen, uri_out, flags);
    virTypedParamsFree(params, nparams);
    return ret;
}


int
xenpvDomainMigratePrepare3(virConnectPtr dconn, const char *cookiein, int cookieinlen,
                           char **cookieout, int *cookieoutlen, const char *uri_in,
                           char **uri_out, unsigned long flags, const char *dname,
                           unsigned long resource, const char *dom_xml)
{
    return xenpvMigratePrepareNoParams(dconn, NULL, cookiein, cookieinlen, cookieout,
                                       cookieoutlen, uri_in, uri_out, flags, dname, resource,
                                       dom_xml);
}


int
xenpvDomainMigratePrepareTunnel3Params(virConnectPtr dconn, virStreamPtr st,
                                       virTypedParameterPtr params, int nparams,
                                       const char *cookiein, int cookieinlen,
                                       char **cookieout, int *cookieoutlen,
                                       unsigned int flags)
{
    return xenpvMigratePrepare(dconn, st, params, nparams, cookiein, cookieinlen,
                               cookieout, cookieoutlen, NULL, flags);
}


int
xenpvDomainMigratePrepareTunnel3(virConnectPtr dconn, virStreamPtr st,
                                 const char *cookiein, int cookieinlen,
                                 char **cookieout, int *cookieoutlen,
                                 unsigned long flags, const char *dname,
                                 unsigned long resource, const char *dom_xml)
{
    return xenpvMigratePrepareNoParams(dconn, st, cookiein, cookieinlen, cookieout,
                                       cookieoutlen, NULL, NULL, flags, dname, resource,
                                       dom_xml);
}


int
xenpvDomainMigratePerform3Params(virDomainPtr dom, const char *dconnuri,
                                 virTypedParameterPtr params, int nparams,
                                 const char *cookiein, int cookieinlen,
                                 char **cookieout, int *cookieoutlen,
                                 unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvMigrationParams mp;
    xenpvDomainObjPrivate *priv;
    virDomainObj *vm;
    int ret = -1;

    if (xenpvMigrationCheck(flags, params, nparams, &mp) < 0)
        return -1;
    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    priv = vm->privateData;
    if (virDomainMigratePerform3ParamsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;

    if (flags & VIR_MIGRATE_PEER2PEER) {
        if (!dconnuri) {
            virReportError(VIR_ERR_INVALID_ARG, "%s",
                           _("a peer-to-peer migration needs the destination's libvirt URI"));
            goto cleanup;
        }
        if (xenpvMigrationBeginOutJob(vm, flags) < 0)
            goto cleanup;
        ret = xenpvMigrationPeer2Peer(driver, vm, dom->conn, dconnuri, params, nparams,
                                      &mp, flags);
        virDomainObjEndAsyncJob(vm);
        if (ret == 0)
            dom->id = -1;
        xenpvDomainRemoveInactive(driver, vm);
        goto cleanup;
    }

    /* Without change protection Begin kept no job: the migration starts
     * being one here, and stays one until Confirm. */
    if (!priv->migration || vm->job->asyncJob != VIR_ASYNC_JOB_MIGRATION_OUT) {
        g_autofree char *xml = NULL;

        if (xenpvMigrationBeginOutJob(vm, flags) < 0)
            goto cleanup;
        if (!(xml = xenpvMigrationSrcBegin(driver, vm, &mp, flags, NULL, NULL, true))) {
            virDomainObjEndAsyncJob(vm);
            goto cleanup;
        }
        virCloseCallbacksDomainAdd(vm, dom->conn, xenpvMigrationSrcClientGone);
    }
    /* On failure the job stays: Confirm (or the client's going away)
     * resumes the guest. */
    priv->migration->performing = true;
    ret = xenpvMigrationSrcPerform(driver, vm, &mp, flags, cookiein, cookieinlen,
                                   cookieout, cookieoutlen, NULL);
    priv->migration->performing = false;
    if (priv->migration->clientGone) {
        virErrorPtr err = NULL;

        virErrorPreserveLast(&err);
        ignore_value(xenpvMigrationSrcConfirm(driver, vm, flags, true));
        virDomainObjEndAsyncJob(vm);
        virErrorRestore(&err);
        ret = -1;
    }

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainMigratePerform3(virDomainPtr dom, const char *xmlin, const char *cookiein,
                           int cookieinlen, char **cookieout, int *cookieoutlen,
                           const char *dconnuri, const char *uri, unsigned long flags,
                           const char *dname, unsigned long resource)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int ret;

    if (xenpvMigrationParamsBuild(uri, dname, xmlin, resource, &params, &nparams) < 0)
        return -1;
    ret = xenpvDomainMigratePerform3Params(dom, dconnuri, params, nparams, cookiein,
                                           cookieinlen, cookieout, cookieoutlen, flags);
    virTypedParamsFree(params, nparams);
    return ret;
}


virDomainPtr
xenpvDomainMigrateFinish3Params(virConnectPtr dconn, virTypedParameterPtr params,
                                int nparams, const char *cookiein, int cookieinlen,
                                char **cookieout, int *cookieoutlen, unsigned int flags,
                                int cancelled)
{
    xenpvMigrationParams mp;

    if (xenpvMigrationCheck(flags, params, nparams, &mp) < 0)
        return NULL;
    return xenpvMigrationDstFinish(xenpv_driver, dconn, &mp, flags, cookiein, cookieinlen,
                                   cookieout, cookieoutlen, !!cancelled);
}


virDomainPtr
xenpvDomainMigrateFinish3(virConnectPtr dconn, const char *dname,
                          const char *cookiein, int cookieinlen,
                          char **cookieout, int *cookieoutlen,
                          const char *dconnuri G_GNUC_UNUSED, const char *uri,
                          unsigned long flags, int cancelled)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    virDomainPtr dom;

    if (xenpvMigrationParamsBuild(uri, dname, NULL, 0, &params, &nparams) < 0)
        return NULL;
    dom = xenpvDomainMigrateFinish3Params(dconn, params, nparams, cookiein, cookieinlen,
                                          cookieout, cookieoutlen, flags, cancelled);
    virTypedParamsFree(params, nparams);
    return dom;
}


int
xenpvDomainMigrateConfirm3Params(virDomainPtr domain, virTypedParameterPtr params,
                                 int nparams, const char *cookiein G_GNUC_UNUSED,
                                 int cookieinlen G_GNUC_UNUSED, unsigned int flags,
                                 int cancelled)
{
    xenpvDriver *driver = xenpv_driver;
    xenpvMigrationParams mp;
    xenpvDomainObjPrivate *priv;
    virDomainObj *vm;
    int ret = -1;

    if (xenpvMigrationCheck(flags, params, nparams, &mp) < 0)
        return -1;
    if (!(vm = xenpvDomObjFromDomain(domain)))
        return -1;
    priv = vm->privateData;
    if (virDomainMigrateConfirm3ParamsEnsureACL(domain->conn, vm->def) < 0)
        goto cleanup;
    if (!priv->migration || vm->job->asyncJob != VIR_ASYNC_JOB_MIGRATION_OUT) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not being migrated from this host"), vm->def->name);
        goto cleanup;
    }
    virCloseCallbacksDomainRemove(vm, domain->conn, xenpvMigrationSrcClientGone);
    ret = xenpvMigrationSrcConfirm(driver, vm, flags, !!cancelled);
    virDomainObjEndAsyncJob(vm);
    xenpvDomainRemoveInactive(driver, vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainMigrateConfirm3(virDomainPtr domain, const char *cookiein, int cookieinlen,
                           unsigned long flags, int cancelled)
{
    return xenpvDomainMigrateConfirm3Params(domain, NULL, 0, cookiein, cookieinlen, flags,
                                            cancelled);
}
