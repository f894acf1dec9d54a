/*
 * test_driver_monitor.c: the monitor's rescans of every domain, run over
 * and over while another thread changes the domains as the driver does:
 * either it starts and destroys a defined (persistent) domain (a live,
 * transient definition of its own beside the persistent one while it runs;
 * at the destroy libvirt frees the live one and puts the persistent one
 * back), or it creates and destroys transient domains (added to the list,
 * run, stopped and taken out of it while rescans hold them).  A rescan may look at a domain only under its
 * lock: in the sanitizer build a look at a definition freed meanwhile is a
 * heap-use-after-free report, and the test fails with it; a reference a
 * rescan kept would be a leak report.  In any build, every rescan must find
 * a domain as the lock holder left it (running as the domain id it was
 * given).
 */
#include "internal.h"
#include "virerror.h"
#include "viruuid.h"

#include "xenpv_domain.h"
#include "xenpv_domain_xmlopt.h"
#include "xenpv_monitor.h"

#define TEST_DOMID 7
#define TEST_TRANSIENT_DOMID 8
#define TEST_UUID "1f5e8d44-5f0c-4a6e-9e55-3a1f7a0b2c11"
#define TEST_TRANSIENT_UUID "1f5e8d44-5f0c-4a6e-9e55-3a1f7a0b2c12"
/* A look at a freed definition is seen only in the sanitizer build, and
 * only when it falls in the instant between libvirt's free and its next
 * store: there, long enough to catch it nearly every time (8 s, without
 * the fix, caught it in 10 runs of 10). */
#ifdef __SANITIZE_ADDRESS__
# define TEST_SECONDS 8
# define TEST_TRANSIENT_SECONDS 2
#else
# define TEST_SECONDS 1
# define TEST_TRANSIENT_SECONDS 1
#endif
/* Every so many starts, the domain runs until a rescan has looked at it. */
#define TEST_WAIT_EVERY 64

static const char *const testXML =
    "<domain type='xen'>"
    "  <name>monitor-guest</name>"
    "  <uuid>" TEST_UUID "</uuid>"
    "  <memory unit='MiB'>64</memory>"
    "  <vcpu>1</vcpu>"
    "  <os><type arch='x86_64' machine='xenpv'>linux</type>"
    "  <kernel>/var/lib/xenpv/images/xenpv-test-x86_64.elf</kernel></os>"
    "  <devices><console type='pty'><target type='xen' port='0'/></console></devices>"
    "</domain>";

static const char *const testTransientXML =
    "<domain type='xen'>"
    "  <name>monitor-transient</name>"
    "  <uuid>" TEST_TRANSIENT_UUID "</uuid>"
    "  <memory unit='MiB'>64</memory>"
    "  <vcpu>1</vcpu>"
    "  <os><type arch='x86_64' machine='xenpv'>linux</type>"
    "  <kernel>/var/lib/xenpv/images/xenpv-test-x86_64.elf</kernel></os>"
    "</domain>";

/* What the rescans asked the hypervisor. */
static gint queries;
static gint wrongDomid;

static int
testGetDomainInfo(xenpvHypervisor *hyp G_GNUC_UNUSED, uint32_t domid, xenpvDomainInfo *info)
{
    g_atomic_int_inc(&queries);
    if (domid != TEST_DOMID && domid != TEST_TRANSIENT_DOMID)
        g_atomic_int_inc(&wrongDomid);
    memset(info, 0, sizeof(*info));
    info->domid = domid;
    g_assert_true(virUUIDParse(domid == TEST_DOMID ? TEST_UUID : TEST_TRANSIENT_UUID,
                               info->uuid) == 0);
    info->running = true;
    return 1;
}


/* A hypervisor whose guests always run, without an event channel: the
 * test calls the rescans itself. */
static const xenpvHypervisorOps testOps = {
    .name = "monitor-test",
    .getDomainInfo = testGetDomainInfo,
};

typedef struct {
    xenpvDriver *driver;
    virDomainObj *vm;
    gint stop;
    guint cycles;
} TestStarter;


/* The persistent definition of @vm, as virDomainObjSetDefTransient keeps
 * it beside the live one, but made quickly: without a copy through XML,
 * many more starts and stops fit in the test's time. */
static virDomainDef *
testPersistentDef(TestStarter *st)
{
    virDomainDef *def = virDomainDefNew(st->driver->xmlopt);

    def->virtType = st->vm->def->virtType;
    def->name = g_strdup(st->vm->def->name);
    memcpy(def->uuid, st->vm->def->uuid, VIR_UUID_BUFLEN);
    def->id = -1;
    return def;
}


/* Start and stop @vm again and again, each under the domain's lock and a
 * job, as domain start and destroy do. */
static gpointer
testStartStop(gpointer opaque)
{
    TestStarter *st = opaque;
    virDomainObj *vm = st->vm;

    while (!g_atomic_int_get(&st->stop)) {
        gint seen = g_atomic_int_get(&queries);

        virObjectLock(vm);
        g_assert_cmpint(virDomainObjBeginJob(vm, VIR_JOB_MODIFY), ==, 0);
        vm->newDef = testPersistentDef(st);
        vm->def->id = TEST_DOMID;
        virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
        virDomainObjEndJob(vm);
        virObjectUnlock(vm);

        if (st->cycles % TEST_WAIT_EVERY == 0) {
            gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;

            while (g_atomic_int_get(&queries) == seen && g_get_monotonic_time() < deadline)
                g_thread_yield();
        }

        virObjectLock(vm);
        g_assert_cmpint(virDomainObjBeginJob(vm, VIR_JOB_DESTROY), ==, 0);
        virDomainObjSetState(vm, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED);
        vm->def->id = -1;
        virDomainObjRemoveTransientDef(vm);
        virDomainObjEndJob(vm);
        virObjectUnlock(vm);
        st->cycles++;
    }
    return NULL;
}


/* Create a transient domain, run it, destroy it and take it out of the
 * list, again and again, as domain create and destroy do. */
static gpointer
testCreateDestroy(gpointer opaque)
{
    TestStarter *st = opaque;

    while (!g_atomic_int_get(&st->stop)) {
        g_autoptr(virDomainDef) def = NULL;
        virDomainObj *vm;

        def = virDomainDefParseString(testTransientXML, st->driver->xmlopt, NULL, 0);
        g_assert_nonnull(def);
        vm = virDomainObjListAdd(st->driver->domains, &def, st->driver->xmlopt,
                                 VIR_DOMAIN_OBJ_LIST_ADD_LIVE |
                                 VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE, NULL);
        g_assert_nonnull(vm);
        g_assert_cmpint(virDomainObjBeginJob(vm, VIR_JOB_MODIFY), ==, 0);
        vm->def->id = TEST_TRANSIENT_DOMID;
        virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
        virDomainObjEndJob(vm);
        virObjectUnlock(vm);

        g_thread_yield();

        virObjectLock(vm);
        g_assert_cmpint(virDomainObjBeginJob(vm, VIR_JOB_DESTROY), ==, 0);
        virDomainObjSetState(vm, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED);
        vm->def->id = -1;
        virDomainObjEndJob(vm);
        virDomainObjListRemove(st->driver->domains, vm);
        virDomainObjEndAPI(&vm);
        st->cycles++;
    }
    return NULL;
}


/* Rescan every domain over and over for @seconds while @work changes
 * them in a thread of its own; then let the queued rescans finish. */
static void
testRescanWhile(TestStarter *st, GThreadFunc work, int seconds)
{
    GThread *thread;
    gint64 until;
    guint rescans = 0;

    g_atomic_int_set(&queries, 0);
    thread = g_thread_new("changes", work, st);
    until = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < until) {
        xenpvMonitorRescanAll(st->driver);
        rescans++;
    }
    g_atomic_int_set(&st->stop, 1);
    g_thread_join(thread);
    /* Waits for the rescans still queued. */
    xenpvMonitorStop(st->driver);

    g_test_message("%u rescans, %u starts and destroys, %d queries of the hypervisor",
                   rescans, st->cycles, g_atomic_int_get(&queries));
    g_assert_cmpuint(st->cycles, >, 0);
    g_assert_cmpint(g_atomic_int_get(&queries), >, 0);
    g_assert_cmpint(g_atomic_int_get(&wrongDomid), ==, 0);
}


/* A driver with the test's hypervisor, an empty domain list and the
 * monitor's rescan workers. */
static xenpvDriver *
testDriverNew(void)
{
    xenpvDriver *driver = g_new0(xenpvDriver, 1);

    driver->hyp.ops = &testOps;
    driver->xmlopt = xenpvDomainXMLOptionNew(&xenpvDomainPrivateDataCallbacks,
                                             &xenpvDomainJobConfig);
    g_assert_nonnull(driver->xmlopt);
    g_assert_nonnull(driver->domains = virDomainObjListNew());
    xenpvDriverChangesInit(driver);
    g_assert_cmpint(xenpvMonitorStart(driver), ==, 0);
    return driver;
}


static void
testDriverFree(xenpvDriver *driver)
{
    virObjectUnref(driver->domains);
    virObjectUnref(driver->xmlopt);
    xenpvDriverChangesClear(driver);
    g_free(driver);
}


/* The case: the live definition of a defined domain freed by its
 * destroy while a rescan looks. */
static void
testRescanWhileStartDestroy(void)
{
    g_autoptr(virDomainDef) def = NULL;
    TestStarter st = { 0 };

    st.driver = testDriverNew();
    def = virDomainDefParseString(testXML, st.driver->xmlopt, NULL,
                                  VIR_DOMAIN_DEF_PARSE_INACTIVE);
    g_assert_nonnull(def);
    st.vm = virDomainObjListAdd(st.driver->domains, &def, st.driver->xmlopt, 0, NULL);
    g_assert_nonnull(st.vm);
    st.vm->persistent = 1;
    virObjectUnlock(st.vm);

    testRescanWhile(&st, testStartStop, TEST_SECONDS);

    virObjectUnref(st.vm);
    testDriverFree(st.driver);
}


/* Transient domains leave the list at their destroy while rescans still
 * hold them. */
static void
testRescanWhileCreateDestroy(void)
{
    TestStarter st = { 0 };

    st.driver = testDriverNew();
    testRescanWhile(&st, testCreateDestroy, TEST_TRANSIENT_SECONDS);
    g_assert_cmpint(virDomainObjListNumOfDomains(st.driver->domains, true, NULL, NULL), ==, 0);
    testDriverFree(st.driver);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0)
        return 1;
    g_test_add_func("/driver/monitor/rescan-while-start-destroy", testRescanWhileStartDestroy);
    g_test_add_func("/driver/monitor/rescan-while-create-destroy", testRescanWhileCreateDestroy);
    return g_test_run();
}
