/*
 * test_simhost_save.c: the sim back end's save stream: live and non-live
 * saves of a selfcheck guest restored with its memory intact, streams with a
 * wrong magic, truncated or corrupted refused, and log-dirty refusal on a
 * host without it.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "simtest.h"

static SimTestHost *host;
static char *kernel64;
static char *kernel32;

#define OPS (host->hyp.ops)
#define HYP (&host->hyp)

typedef struct {
    unsigned int calls;
    unsigned int maxIteration;
    uint64_t lastSent;
} Progress;

typedef struct {
    SimTestSuspend suspend;
    Progress progress;
} SaveCtx;

static int
ctxSuspend(void *opaque)
{
    SaveCtx *c = opaque;

    return simTestSuspend(&c->suspend);
}


static int
ctxProgress(void *opaque, uint64_t sent, uint64_t remaining, unsigned int iteration)
{
    SaveCtx *c = opaque;

    c->progress.calls++;
    c->progress.maxIteration = MAX(c->progress.maxIteration, iteration);
    /* Pages sent only ever grow. */
    g_assert_cmpuint(sent, >=, c->progress.lastSent);
    c->progress.lastSent = sent;
    return 0;
}


static uint32_t
startSelfcheck(const char *name, const char *k, guint64 mib, const char *mbps)
{
    xenpvBuildSpec spec;
    g_autofree char *cmdline = g_strdup_printf("console=hvc0 sim.workload=selfcheck "
                                               "sim.selfcheck_mbps=%s", mbps);
    g_autofree char *node = NULL;
    uint32_t d;

    simTestSpec(&spec, name, k, mib, cmdline);
    d = simTestStartGuest(host, &spec);
    xenpvBuildSpecClear(&spec);
    node = g_strdup_printf("/local/domain/%u/data/selfcheck", d);
    g_free(simTestWaitStore(host, node, "OK", 10));
    return d;
}


static char *
saveToFile(uint32_t domid, bool live, SaveCtx *ctx)
{
    char *path = g_strdup_printf("%s/save-%u-%s.img", host->dir, domid, live ? "live" : "cold");
    xenpvSaveParams params = {
        .live = live,
        .maxIterations = 8,
        .maxDowntimeMs = 1,
        .progress = ctxProgress,
        .suspend = ctxSuspend,
        .opaque = ctx,
    };
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    ctx->suspend.host = host;
    ctx->suspend.domid = domid;
    if (OPS->domainSave(HYP, domid, fd, &params) < 0)
        g_error("save of domain %u failed: %s", domid, simTestLastError());
    close(fd);
    return path;
}


static int
restoreFromFile(const char *path, const char *name, const char *k, guint64 mib,
                uint32_t *domid)
{
    xenpvBuildSpec spec;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    g_assert_cmpint(fd, >=, 0);
    simTestSpec(&spec, name, k, mib, "console=hvc0 sim.workload=selfcheck");
    spec.abi = XENPV_GUEST_ABI_UNKNOWN;
    rc = OPS->domainRestore(HYP, &spec, fd, domid);
    xenpvBuildSpecClear(&spec);
    close(fd);
    return rc;
}


static void
checkRestoredSelfcheck(uint32_t domid)
{
    g_autofree char *node = g_strdup_printf("/local/domain/%u/data/selfcheck", domid);
    g_autofree char *verdict = NULL;
    xenpvDomainInfo i;

    g_assert_cmpint(OPS->getDomainInfo(HYP, domid, &i), ==, 1);
    g_assert_true(i.paused);
    g_assert_cmpint(OPS->domainUnpause(HYP, domid), ==, 0);
    verdict = simTestWaitStore(host, node, "OK verified=", 10);
    if (!verdict) {
        g_autofree char *bad = NULL;

        OPS->storeRead(HYP, node, &bad);
        g_error("restored guest %u: selfcheck says '%s'", domid, bad ? bad : "nothing");
    }
    g_assert_nonnull(strstr(verdict, "after=resume"));
    g_test_message("restored domain %u: %s", domid, verdict);
}


static void
test_live_save_restore(void)
{
    SaveCtx ctx = { 0 };
    uint32_t d = startSelfcheck("live", kernel64, 64, "40");
    uint32_t r = 0;
    g_autofree char *path = NULL;
    xenpvDomainInfo i;
    struct stat st;

    path = saveToFile(d, true, &ctx);
    g_assert_cmpuint(ctx.suspend.calls, ==, 1);
    g_assert_cmpuint(ctx.progress.calls, >=, 2);
    g_assert_cmpuint(ctx.progress.maxIteration, >=, 2);
    g_assert_cmpint(OPS->getDomainInfo(HYP, d, &i), ==, 1);
    g_assert_true(i.shutdown);
    g_assert_cmpuint(i.shutdownReason, ==, XENPV_SHUTDOWN_SUSPEND);
    g_assert_cmpint(OPS->domainDestroy(HYP, d), ==, 0);

    /* The stream holds the stamped pages, not the whole 64 MiB of holes... */
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_test_message("live save: %lld bytes, %u rounds", (long long)st.st_size,
                   ctx.progress.maxIteration);

    g_assert_cmpint(restoreFromFile(path, "live", kernel64, 64, &r), ==, 0);
    g_assert_cmpuint(r, !=, d);
    checkRestoredSelfcheck(r);
    OPS->domainDestroy(HYP, r);
}


static void
test_cold_save_restore_32(void)
{
    SaveCtx ctx = { 0 };
    uint32_t d = startSelfcheck("cold32", kernel32, 32, "4");
    uint32_t r = 0;
    g_autofree char *path = saveToFile(d, false, &ctx);
    xenpvDomainInfo i;

    g_assert_cmpuint(ctx.suspend.calls, ==, 1);
    OPS->domainDestroy(HYP, d);
    g_assert_cmpint(restoreFromFile(path, "cold32", kernel32, 32, &r), ==, 0);
    g_assert_cmpint(OPS->getDomainInfo(HYP, r, &i), ==, 1);
    g_assert_cmpint(i.abi, ==, XENPV_GUEST_ABI_X86_32P);
    checkRestoredSelfcheck(r);

    /* A restored guest saves and restores again. */
    {
        SaveCtx again = { 0 };
        g_autofree char *path2 = saveToFile(r, true, &again);
        uint32_t r2 = 0;

        OPS->domainDestroy(HYP, r);
        g_assert_cmpint(restoreFromFile(path2, "cold32", kernel32, 32, &r2), ==, 0);
        checkRestoredSelfcheck(r2);
        OPS->domainDestroy(HYP, r2);
    }
}


static size_t
countDomains(void)
{
    xenpvDomainInfo *list = NULL;
    size_t n = 0;

    g_assert_cmpint(OPS->listDomains(HYP, &list, &n), ==, 0);
    g_free(list);
    return n;
}


static void
expectRestoreFailure(const char *path, const char *needle)
{
    size_t before = countDomains();
    uint32_t r = 0;

    g_assert_cmpint(restoreFromFile(path, "bad", kernel64, 32, &r), ==, -1);
    g_assert_cmpint(simTestLastErrorCode(), ==, VIR_ERR_OPERATION_FAILED);
    g_test_message("refused: %s", simTestLastError());
    g_assert_nonnull(strstr(simTestLastError(), needle));
    /* Nothing is left behind by a failed restore. */
    g_assert_cmpuint(countDomains(), ==, before);
}


static void
test_corrupted_streams(void)
{
    SaveCtx ctx = { 0 };
    uint32_t d = startSelfcheck("corrupt", kernel64, 32, "1");
    g_autofree char *path = saveToFile(d, false, &ctx);
    g_autofree char *data = NULL;
    g_autofree char *bad = g_strdup_printf("%s.bad", path);
    gsize len = 0;

    OPS->domainDestroy(HYP, d);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(len, >, 8192);

    data[0] ^= 0xff;
    g_assert_true(g_file_set_contents(bad, data, len, NULL));
    expectRestoreFailure(bad, "wrong magic");
    data[0] ^= 0xff;

    data[8] = 99;           /* version */
    g_assert_true(g_file_set_contents(bad, data, len, NULL));
    expectRestoreFailure(bad, "version 99");
    data[8] = 1;

    g_assert_true(g_file_set_contents(bad, data, len / 2, NULL));
    expectRestoreFailure(bad, "truncated");

    g_assert_true(g_file_set_contents(bad, data, len - 16, NULL));
    expectRestoreFailure(bad, "no end record");

    data[len / 2] ^= 0x01;
    g_assert_true(g_file_set_contents(bad, data, len, NULL));
    expectRestoreFailure(bad, "checksum mismatch");
    data[len / 2] ^= 0x01;

    g_assert_true(g_file_set_contents(bad, "", 0, NULL));
    expectRestoreFailure(bad, "truncated");
}


static void
test_no_log_dirty(void)
{
    SimTestHost *saved = host;
    SaveCtx ctx = { 0 };
    xenpvSaveParams params = {
        .live = true,
        .progress = ctxProgress,
        .suspend = ctxSuspend,
        .opaque = &ctx,
    };
    uint32_t d;
    int fd;
    g_autofree char *path = NULL;

    host = simTestHostStart("--no-log-dirty", "--memory", "512", NULL);
    d = startSelfcheck("stock", kernel64, 16, "1");
    ctx.suspend.host = host;
    ctx.suspend.domid = d;
    path = g_build_filename(host->dir, "live.img", NULL);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(OPS->domainSave(HYP, d, fd, &params), ==, -1);
    g_assert_cmpint(simTestLastErrorCode(), ==, VIR_ERR_OPERATION_UNSUPPORTED);
    g_assert_nonnull(strstr(simTestLastError(), "Failed to enable logdirty: 95"));
    /* The refused live save left the guest running... */
    g_assert_cmpuint(ctx.suspend.calls, ==, 0);
    close(fd);
    g_free(path);
    path = NULL;
    /* ...and a non-live one works on such a host. */
    {
        SaveCtx cold = { 0 };
        g_autofree char *p = saveToFile(d, false, &cold);
        uint32_t r = 0;

        OPS->domainDestroy(HYP, d);
        g_assert_cmpint(restoreFromFile(p, "stock", kernel64, 16, &r), ==, 0);
        checkRestoredSelfcheck(r);
    }
    simTestHostStop(host);
    host = saved;
}


int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    virInitialize();
    host = simTestHostStart("--memory", "2048", NULL);
    kernel64 = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_64, TRUE);
    kernel32 = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_32P, TRUE);

    g_test_add_func("/simhost/save/live", test_live_save_restore);
    g_test_add_func("/simhost/save/cold-32bit", test_cold_save_restore_32);
    g_test_add_func("/simhost/save/corrupted-streams", test_corrupted_streams);
    g_test_add_func("/simhost/save/no-log-dirty", test_no_log_dirty);
    ret = g_test_run();

    simTestHostStop(host);
    g_free(kernel64);
    g_free(kernel32);
    return ret;
}
