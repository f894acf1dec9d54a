/*
 * xenpv_migration_inquiry.c: a migration whose outcome the source lost
 * track of, settled by asking the destination.
 *
 * The source loses track when it sent GO (or, tunnelled, called the
 * destination's Finish) and no answer came: a daemon killed at that very
 * moment, the link cut.  Only the destination's record
 * (xenpv_migration_outcome.h) knows whether it runs the guest, so the
 * source asks it: Finish3 with cancelled set and an <inquiry> in the
 * cookie, to the daemon the migration's record names (the peer-to-peer
 * destination URI, or the one the destination's cookie gave).  The answer
 * is a domain (it runs the guest: the copy here is destroyed) or
 * VIR_ERR_OPERATION_ABORTED (it does not and never will: an undecided
 * migration is decided so by the asking; the guest is resumed here).
 * Anything else teaches nothing: the guest stays paused here (reason
 * migration), the record stays in its status, and the resolver thread
 * asks again every migration_inquiry_interval seconds and at every daemon
 * start, until the destination answers or an operator settles it (virsh
 * resume here, or virsh destroy here; docs/migration.md).
 *
 * Locking: the resolver's own fields are under its mutex; it takes each
 * domain's lock and a job only to look at it and to settle it, never
 * while it asks.  Destroy and undefine may run between the asking and the
 * settling: the domain is settled only if its record is still the one
 * asked about.
 */
#include "xenpv_migration.h"

#include "datatypes.h"
#include "domain_event.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain_stream.h"
#include "xenpv_migration_outcome.h"
#include "xenpv_migration_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.migration_inquiry");

struct _xenpvMigrationResolver {
    GMutex lock;
    GCond cond;
    bool running;           /* the thread runs */
    bool kicked;            /* look again at once */
    bool stopping;
};


/* Ask the daemon at @uri (@cookie names the domain and the migration):
 * 1 it runs the guest @uuid, 0 it does not and never will, -1 no answer. */
static int
xenpvMigrationAskPeer(const char *uri, const char *cookie, int cookielen,
                      const unsigned char *uuid, const char *name)
{
    virConnectPtr dconn = NULL;
    virDomainPtr ddom = NULL;
    g_autofree char *out = NULL;
    int outlen = 0;
    int ret = -1;

    if (!(dconn = virConnectOpenAuth(uri, virConnectAuthPtrDefault, 0))) {
        VIR_WARN("cannot reach %s to ask what came of the migration of domain '%s': %s",
                 uri, name, virGetLastErrorMessage());
        goto cleanup;
    }
    if (!dconn->driver->domainMigrateFinish3Params) {
        VIR_WARN("%s cannot be asked what came of the migration of domain '%s'", uri, name);
        goto cleanup;
    }
    ddom = dconn->driver->domainMigrateFinish3Params(dconn, NULL, 0, cookie, cookielen,
                                                     &out, &outlen, 0, 1);
    if (ddom && memcmp(ddom->uuid, uuid, VIR_UUID_BUFLEN) == 0) {
        ret = 1;
    } else if (!ddom && virGetLastErrorCode() == VIR_ERR_OPERATION_ABORTED) {
        ret = 0;
    } else {
        VIR_WARN("%s did not say what came of the migration of domain '%s': %s", uri, name,
                 ddom ? _("it answered with another domain") : virGetLastErrorMessage());
    }

 cleanup:
    if (ddom)
        virObjectUnref(ddom);
    if (dconn)
        virConnectClose(dconn);
    virResetLastError();
    return ret;
}


int
xenpvMigrationSrcAsk(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    g_auto(xenpvMigrationCookie) cookie = { 0 };
    g_autofree char *uri = g_strdup(priv->job.peer);
    g_autofree char *name = g_strdup(vm->def->name);
    g_autofree char *text = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int len = 0;
    int answer;

    if (!uri || !priv->job.id || strlen(priv->job.id) != XENPV_MIGRATION_ID_HEX) {
        VIR_WARN("the migration of domain '%s' recorded no destination to ask about it", name);
        return -1;
    }
    xenpvMigrationCookieOwn(driver, vm, XENPV_COOKIE_INQUIRY, &cookie);
    memcpy(cookie.id, priv->job.id, sizeof(cookie.id));
    memcpy(uuid, vm->def->uuid, VIR_UUID_BUFLEN);
    if (xenpvMigrationCookieBake(&cookie, &text, &len) < 0)
        return -1;

    virObjectUnlock(vm);
    answer = xenpvMigrationAskPeer(uri, text, len, uuid, name);
    virObjectLock(vm);
    if (answer >= 0)
        VIR_WARN("%s says it %s domain '%s'", uri, answer > 0 ? "runs" : "does not run", name);
    return answer;
}


bool
xenpvMigrationSrcUnsettled(virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    return !priv->migration && priv->job.kind == XENPV_JOB_MIGRATION_OUT &&
           priv->job.phase == XENPV_MIGRATION_PHASE_HANDING && virDomainObjIsActive(vm);
}


int
xenpvMigrationSrcHold(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;
    int reason;

    if (virDomainObjGetState(vm, &reason) != VIR_DOMAIN_PAUSED ||
        reason != VIR_DOMAIN_PAUSED_MIGRATION)
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
    xenpvDomainSaveStatus(driver, vm);
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                            VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR));
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("domain '%s' was handed to the destination (%s), which cannot be asked whether it took the guest: it stays paused here, and the destination is asked again every %u seconds; if the destination does not run it, 'virsh resume' it here, if it does, 'virsh destroy' it here"),
                   vm->def->name, NULLSTR(priv->job.peer),
                   driver->config->migrationInquiryInterval);
    xenpvMigrationResolverKick(driver);
    return -1;
}


/* The destination answered @runsThere: destroy the copy here, or resume. */
static void
xenpvMigrationSrcSettle(xenpvDriver *driver, virDomainObj *vm, bool runsThere)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    if (runsThere) {
        xenpvMigrationSrcHandOver(driver, vm, priv->job.flags);
        xenpvJobRecordClear(&priv->job);
        return;
    }
    xenpvDomainStreamAbandoned(driver, vm);
    xenpvMigrationSrcRestoreState(vm, priv->job.wasPaused, VIR_DOMAIN_PAUSED_USER);
    xenpvDriverQueueEvent(driver,
                          virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_RESUMED,
                                                            VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
    xenpvDomainJobEnd(driver, vm);
}


int
xenpvMigrationSrcResumeUnsettled(xenpvDriver *driver, virDomainObj *vm)
{
    xenpvDomainObjPrivate *priv = vm->privateData;

    VIR_WARN("domain '%s' resumed by its operator although %s was never heard to refuse it: the operator vouches that it does not run there",
             vm->def->name, NULLSTR(priv->job.peer));
    /* Resumed, not paused again: that is what the operator asked for. */
    priv->job.wasPaused = false;
    xenpvMigrationSrcSettle(driver, vm, false);
    return 0;
}


/* Look at every domain whose migration is unsettled once: ask, settle.
 * Returns how many are still unsettled. */
static size_t
xenpvMigrationResolveOnce(xenpvDriver *driver)
{
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    size_t unsettled = 0;
    size_t i;

    virDomainObjListCollectAll(driver->domains, &vms, &nvms);
    for (i = 0; i < nvms; i++) {
        virDomainObj *vm = vms[i];
        xenpvDomainObjPrivate *priv;
        g_autofree char *id = NULL;
        int answer;

        virObjectLock(vm);
        priv = vm->privateData;
        if (!xenpvMigrationSrcUnsettled(vm)) {
            virObjectUnlock(vm);
            continue;
        }
        if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0) {
            /* Busy: the next round. */
            virResetLastError();
            unsettled++;
            virObjectUnlock(vm);
            continue;
        }
        id = g_strdup(priv->job.id);
        answer = xenpvMigrationSrcAsk(driver, vm);
        /* Destroyed, resumed or asked about meanwhile: not this one's. */
        if (!xenpvMigrationSrcUnsettled(vm) || STRNEQ_NULLABLE(priv->job.id, id))
            answer = -2;
        if (answer >= 0)
            xenpvMigrationSrcSettle(driver, vm, answer > 0);
        else if (answer == -1)
            unsettled++;
        virDomainObjEndJob(vm);
        /* Under the lock: a transient domain that now runs at the
         * destination leaves the list, which reads its definition. */
        xenpvDomainRemoveInactive(driver, vm);
        virObjectUnlock(vm);
    }
    virObjectListFreeCount(vms, nvms);
    return unsettled;
}


static gpointer
xenpvMigrationResolverThread(gpointer data)
{
    xenpvDriver *driver = data;
    xenpvMigrationResolver *r = driver->migrationResolver;
    size_t unsettled;

    g_mutex_lock(&r->lock);
    while (!r->stopping) {
        gint64 deadline;

        r->kicked = false;
        g_mutex_unlock(&r->lock);
        unsettled = xenpvMigrationResolveOnce(driver);
        g_mutex_lock(&r->lock);
        if (unsettled == 0 && !r->kicked)
            break;
        deadline = g_get_monotonic_time() +
                   (gint64)driver->config->migrationInquiryInterval * G_USEC_PER_SEC;
        while (!r->stopping && !r->kicked &&
               g_cond_wait_until(&r->cond, &r->lock, deadline))
            ;
    }
    r->running = false;
    g_cond_broadcast(&r->cond);
    g_mutex_unlock(&r->lock);
    return NULL;
}


void
xenpvMigrationResolverKick(xenpvDriver *driver)
{
    xenpvMigrationResolver *r = driver->migrationResolver;

    if (!r)
        return;
    g_mutex_lock(&r->lock);
    if (!r->stopping) {
        r->kicked = true;
        if (!r->running) {
            r->running = true;
            g_thread_unref(g_thread_new("xenpv-mig-inquiry", xenpvMigrationResolverThread,
                                        driver));
        }
        g_cond_broadcast(&r->cond);
    }
    g_mutex_unlock(&r->lock);
}


void
xenpvMigrationResolverNew(xenpvDriver *driver)
{
    xenpvMigrationResolver *r = g_new0(xenpvMigrationResolver, 1);

    g_mutex_init(&r->lock);
    g_cond_init(&r->cond);
    driver->migrationResolver = r;
}


void
xenpvMigrationResolverFree(xenpvDriver *driver)
{
    xenpvMigrationResolver *r = driver->migrationResolver;

    if (!r)
        return;
    /* It may be asking a host that does not answer: it ends after that. */
    g_mutex_lock(&r->lock);
    r->stopping = true;
    g_cond_broadcast(&r->cond);
    while (r->running)
        g_cond_wait(&r->cond, &r->lock);
    g_mutex_unlock(&r->lock);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->cond);
    g_free(r);
    driver->migrationResolver = NULL;
}


static const char *
xenpvMigrationOutcomeDescribe(xenpvMigrationOutcome outcome)
{
    switch (outcome) {
    case XENPV_OUTCOME_RUN:
        return "this host took it";
    case XENPV_OUTCOME_REFUSED:
        return "this host did not take it";
    case XENPV_OUTCOME_PENDING:
        return "undecided";
    case XENPV_OUTCOME_UNKNOWN:
        return "no such migration came here";
    case XENPV_OUTCOME_ERROR:
    default:
        return "its record cannot be read";
    }
}


virDomainPtr
xenpvMigrationDstAnswer(xenpvDriver *driver, virConnectPtr dconn,
                        const xenpvMigrationCookie *cookie)
{
    g_autoptr(virDomainDef) def = virDomainDefNew(driver->xmlopt);
    virDomainObj *vm;
    xenpvMigrationOutcome held;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    int id = -1;

    def->name = g_strdup(cookie->name);
    memcpy(def->uuid, cookie->uuid, VIR_UUID_BUFLEN);
    if (virDomainMigrateFinish3ParamsEnsureACL(dconn, def) < 0)
        return NULL;

    /* Asked before it was decided: decided now, as refused. */
    if ((held = xenpvMigrationOutcomeGet(driver, cookie->id)) == XENPV_OUTCOME_PENDING)
        held = xenpvMigrationOutcomeDecide(driver, cookie->id, XENPV_OUTCOME_REFUSED);
    VIR_WARN("%s asked what came of migration %s of domain '%s': %s",
             NULLSTR(cookie->hostname), cookie->id, cookie->name,
             xenpvMigrationOutcomeDescribe(held));

    virUUIDFormat(cookie->uuid, uuidstr);
    switch (held) {
    case XENPV_OUTCOME_RUN:
        if ((vm = virDomainObjListFindByUUID(driver->domains, cookie->uuid))) {
            id = vm->def->id;
            virDomainObjEndAPI(&vm);
        }
        return virGetDomain(dconn, cookie->name, cookie->uuid, id);
    case XENPV_OUTCOME_REFUSED:
        virReportError(VIR_ERR_OPERATION_ABORTED,
                       _("this host did not take domain '%s' (%s) from migration %s, and never will"),
                       cookie->name, uuidstr, cookie->id);
        return NULL;
    case XENPV_OUTCOME_UNKNOWN:
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("this host has no record of migration %s of domain '%s' (%s)"),
                       cookie->id, cookie->name, uuidstr);
        return NULL;
    case XENPV_OUTCOME_PENDING:
    case XENPV_OUTCOME_ERROR:
    default:
        if (virGetLastErrorCode() == VIR_ERR_OK)
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("the outcome of migration %s cannot be told"), cookie->id);
        return NULL;
    }
}
