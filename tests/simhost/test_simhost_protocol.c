/*
 * test_simhost_protocol.c: the wire protocol: token escaping, and a live
 * simulated host facing malformed requests, clients vanishing mid-request,
 * many clients at once, and the xenpv-simctl admin tool.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "simtest.h"
#include "xenpv_simproto.h"

static SimTestHost *host;

static void
test_escape_roundtrip(void)
{
    const char *samples[] = { "plain", "with space", "a=b", "100%", "line\nbreak",
                              "/local/domain/1/name", "ünïcödé", "" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(samples); i++) {
        g_autofree char *esc = xenpvSimEscape(samples[i]);
        g_autofree char *back = xenpvSimUnescape(esc);

        g_assert_null(strpbrk(esc, " \n="));
        g_assert_cmpstr(back, ==, samples[i]);
    }
    g_assert_null(xenpvSimUnescape("%zz"));
    g_assert_null(xenpvSimUnescape("%4"));
    g_assert_null(xenpvSimUnescape("%00"));
}


static void
test_cpumap(void)
{
    unsigned char map[XENPV_CPUMAP_BYTES];
    g_autofree char *text = NULL;

    g_assert_true(xenpvCpumapParse("0-2,5,7-8,1023", map, sizeof(map)));
    g_assert_cmphex(map[0], ==, 0xa7);
    g_assert_cmphex(map[1], ==, 0x01);
    text = xenpvCpumapFormat(map, sizeof(map));
    g_assert_cmpstr(text, ==, "0-2,5,7-8,1023");
    g_clear_pointer(&text, g_free);
    g_assert_true(xenpvCpumapParse("", map, sizeof(map)));
    text = xenpvCpumapFormat(map, sizeof(map));
    g_assert_cmpstr(text, ==, "");
    g_assert_false(xenpvCpumapParse("1024", map, sizeof(map)));
    g_assert_false(xenpvCpumapParse("3-1", map, sizeof(map)));
    g_assert_false(xenpvCpumapParse("1-2-3", map, sizeof(map)));
    g_assert_false(xenpvCpumapParse("a", map, sizeof(map)));
    g_assert_false(xenpvCpumapParse("1,,2", map, sizeof(map)));
    g_assert_false(xenpvCpumapParse(NULL, map, sizeof(map)));
}


static void
test_parse(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xenpvSimMsg) msg = xenpvSimMsgParse("WRITE /a%20b x%3Dy key=v%20w n=12", &err);
    guint64 n = 0;

    g_assert_no_error(err);
    g_assert_cmpstr(msg->head, ==, "WRITE");
    g_assert_cmpuint(msg->args->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(msg->args, 0), ==, "/a b");
    g_assert_cmpstr(g_ptr_array_index(msg->args, 1), ==, "x=y");
    g_assert_cmpstr(xenpvSimMsgGet(msg, "key"), ==, "v w");
    g_assert_true(xenpvSimMsgGetU64(msg, "n", &n));
    g_assert_cmpuint(n, ==, 12);
    g_assert_false(xenpvSimMsgGetU64(msg, "key", &n));

    g_assert_null(xenpvSimMsgParse("", NULL));
    g_assert_null(xenpvSimMsgParse("X Bad=1", NULL));
    g_assert_null(xenpvSimMsgParse("X a%g1", NULL));
}


static int
rawConnect(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, host->socketPath, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    return fd;
}


static char *
rawCall(int fd, const char *request, gsize len)
{
    GString *reply = g_string_new(NULL);
    char c;

    g_assert_cmpint(send(fd, request, len, MSG_NOSIGNAL), ==, (ssize_t)len);
    while (recv(fd, &c, 1, 0) == 1 && c != '\n')
        g_string_append_c(reply, c);
    return g_string_free(reply, FALSE);
}


static void
hostStillServes(void)
{
    xenpvHostInfo hi;

    g_assert_cmpint(host->hyp.ops->getHostInfo(&host->hyp, &hi), ==, 0);
    g_assert_cmpuint(hi.nrCpus, ==, 4);
}


static void
test_malformed_requests(void)
{
    static const char *const bad[] = {
        "\n", "NOSUCHVERB\n", "CREATE\n", "CREATE name=x max_kib=abc max_vcpus=1\n",
        "CREATE name=x max_kib=1024 max_vcpus=0\n", "DOMINFO\n", "DOMINFO -1\n",
        "DOMINFO 99999999999999999999\n", "PAUSE 0\n", "PAUSE 12345\n", "READ\n",
        "READ relative\n", "READ /a%zz\n", "WRITE /only-path\n", "PEEKCLEAN 1\n",
        "LOGDIRTY 1 maybe\n", "MEMFD x\n", "SETMAXMEM 1\n", "X Y=1\n",
        "CREATE name=x max_kib=1024 max_vcpus=1 kernel=/nonexistent\n",
    };
    int fd = rawConnect();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *reply = rawCall(fd, bad[i], strlen(bad[i]));
        g_autofree char *request = g_strchomp(g_strdup(bad[i]));

        g_test_message("%s -> %s", request, reply);
        g_assert_true(g_str_has_prefix(reply, "ERR E"));
    }
    {
        /* A NUL byte inside a line. */
        static const char nul[] = "READ /a\0b\n";
        g_autofree char *reply = rawCall(fd, nul, sizeof(nul) - 1);

        g_assert_true(g_str_has_prefix(reply, "ERR EINVAL"));
    }
    {
        /* An endless line: refused, and the connection closed. */
        gsize len = XENPV_SIM_MAX_LINE + 4096;
        g_autofree char *huge = g_malloc(len);
        g_autofree char *reply = NULL;

        memset(huge, 'A', len);
        reply = rawCall(fd, huge, len);
        g_assert_true(g_str_has_prefix(reply, "ERR E2BIG"));
    }
    close(fd);
    hostStillServes();
}


static void
test_disconnect_mid_request(void)
{
    int i;

    for (i = 0; i < 20; i++) {
        int fd = rawConnect();
        const char *partial = i % 2 ? "CREATE name=half max_kib=4096" : "WRITE /local/x ";

        g_assert_cmpint(send(fd, partial, strlen(partial), MSG_NOSIGNAL), >, 0);
        close(fd);
    }
    {
        /* A subscriber that never reads and then vanishes. */
        int fd = rawConnect();
        g_autofree char *reply = rawCall(fd, "SUBSCRIBE\n", 10);

        g_assert_cmpstr(reply, ==, "OK");
        close(fd);
    }
    hostStillServes();
    {
        xenpvDomainInfo *list = NULL;
        size_t n = 0;

        g_assert_cmpint(host->hyp.ops->listDomains(&host->hyp, &list, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_free(list);
    }
}


static void
test_many_clients(void)
{
    xenpvSimClient *clients[64];
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(clients); i++) {
        g_autoptr(GError) err = NULL;

        clients[i] = xenpvSimClientConnect(host->socketPath, &err);
        g_assert_no_error(err);
    }
    /* Interleaved: every connection keeps its own request stream. */
    for (i = 0; i < G_N_ELEMENTS(clients); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *line = g_strdup_printf("WRITE /tool/c%zu v%zu", i, i);
        g_autoptr(xenpvSimMsg) reply = xenpvSimClientCall(clients[i], line, NULL, NULL, &err);

        g_assert_no_error(err);
    }
    for (i = 0; i < G_N_ELEMENTS(clients); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *line = g_strdup_printf("READ /tool/c%zu", i);
        g_autofree char *want = g_strdup_printf("v%zu", i);
        g_autoptr(xenpvSimMsg) reply = xenpvSimClientCall(clients[G_N_ELEMENTS(clients) - 1 - i],
                                                          line, NULL, NULL, &err);

        g_assert_no_error(err);
        g_assert_cmpstr(xenpvSimMsgGet(reply, "value"), ==, want);
    }
    for (i = 0; i < G_N_ELEMENTS(clients); i++)
        xenpvSimClientFree(clients[i]);
}


static char *
simctl(int expectStatus, const char *first, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *err_out = NULL;
    char *out = NULL;
    const char *a;
    int status = 0;
    va_list ap;

    g_ptr_array_add(argv, (char *)g_getenv("XENPV_SIMCTL"));
    g_ptr_array_add(argv, (char *)"--socket");
    g_ptr_array_add(argv, host->socketPath);
    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL,
                               &out, &err_out, &status, &err));
    g_assert_no_error(err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != expectStatus)
        g_error("xenpv-simctl %s: status %d, stderr: %s", first, status, err_out);
    return out;
}


static void
test_simctl(void)
{
    g_autofree char *kernel = simTestKernel(host->dir, XENPV_GUEST_ABI_X86_64, TRUE);
    g_autofree char *info = simctl(0, "info", NULL);
    g_autofree char *domid = NULL;
    g_autofree char *list = NULL;
    g_autofree char *name = NULL;
    g_autofree char *ls = NULL;
    g_autofree char *log = NULL;
    g_autofree char *missing = NULL;
    g_autofree char *path = NULL;
    g_autofree char *shutdownOut = NULL;

    g_assert_nonnull(strstr(info, "xen-3.0-x86_64"));
    g_assert_nonnull(strstr(info, "free_pages"));

    domid = simctl(0, "create", "cli-guest", kernel, "16", "console=hvc0 sim.workload=idle",
                   NULL);
    g_strchomp(domid);
    g_free(simctl(0, "unpause", domid, NULL));
    list = simctl(0, "list", NULL);
    g_assert_nonnull(strstr(list, "Domain-0"));
    g_assert_nonnull(strstr(list, "cli-guest"));

    path = g_strdup_printf("/local/domain/%s/name", domid);
    name = simctl(0, "store-read", path, NULL);
    g_assert_cmpstr(name, ==, "cli-guest\n");
    g_free(simctl(0, "store-write", "/local/domain/0/data/note", "hello world", NULL));
    g_free(name);
    name = simctl(0, "store-read", "/local/domain/0/data/note", NULL);
    g_assert_cmpstr(name, ==, "hello world\n");
    g_free(path);
    path = g_strdup_printf("/local/domain/%s", domid);
    ls = simctl(0, "store-ls", path, NULL);
    g_assert_nonnull(strstr(ls, "console\n"));
    g_assert_nonnull(strstr(ls, "control\n"));
    g_assert_nonnull(strstr(ls, "memory\n"));
    missing = simctl(2, "store-read", "/no/such/node", NULL);

    log = simctl(0, "console-log", domid, NULL);
    g_assert_nonnull(strstr(log, "Booting paravirtualized kernel on Xen"));
    g_assert_nonnull(strstr(log, "Command line: console=hvc0 sim.workload=idle"));

    shutdownOut = simctl(0, "shutdown", domid, "poweroff", NULL);
    g_assert_true(simTestWaitShutdown(host, atoi(domid), XENPV_SHUTDOWN_POWEROFF, 10));
    g_free(simctl(0, "destroy", domid, NULL));
    g_free(simctl(1, "destroy", domid, NULL));
}


int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    virInitialize();
    host = simTestHostStart("--cpus", "4", NULL);

    g_test_add_func("/simhost/proto/escape", test_escape_roundtrip);
    g_test_add_func("/simhost/proto/parse", test_parse);
    g_test_add_func("/simhost/proto/cpumap", test_cpumap);
    g_test_add_func("/simhost/proto/malformed-requests", test_malformed_requests);
    g_test_add_func("/simhost/proto/disconnect-mid-request", test_disconnect_mid_request);
    g_test_add_func("/simhost/proto/many-clients", test_many_clients);
    g_test_add_func("/simhost/simctl", test_simctl);
    ret = g_test_run();

    simTestHostStop(host);
    return ret;
}
