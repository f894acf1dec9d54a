/*
 * xenpv_simctl.c: xenpv-simctl, the simulated Xen host's admin tool (what xl
 * and xenstore-read are on a real host), for users and tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xenpv_simproto.h"

static const char usage[] =
    "Usage: xenpv-simctl [--socket PATH] COMMAND [ARGS]\n"
    "Commands:\n"
    "  info                        host memory, CPUs, capabilities\n"
    "  list                        domains, like 'xl list'\n"
    "  dominfo DOMID               one domain, every field\n"
    "  store-read PATH             print a store node's value\n"
    "  store-write PATH VALUE      write a store node\n"
    "  store-ls PATH               list a store node's children\n"
    "  store-rm PATH               remove a store node and its children\n"
    "  console-log DOMID           print the guest's console log\n"
    "  create NAME KERNEL MIB [CMDLINE] [VCPUS]\n"
    "                              build a guest (left paused) and print its domid\n"
    "  pause|unpause|destroy|resume|crash DOMID\n"
    "  cpucap DOMID [PERCENT]      the scheduler's cap on the domain's CPU time\n"
    "                              (% of one host CPU, 0: none): print it, or set it\n"
    "  shutdown DOMID poweroff|reboot|halt|suspend\n"
    "                              ask the guest through control/shutdown\n";

static int
fail(GError *error)
{
    fprintf(stderr, "xenpv-simctl: %s\n", error->message);
    return g_error_matches(error, XENPV_SIM_ERROR, ENOENT) ? 2 : 1;
}


static xenpvSimMsg *
call(xenpvSimClient *client, GString *line, GBytes **payload, GError **error)
{
    return xenpvSimClientCall(client, line->str, payload, NULL, error);
}


static gboolean
needArgs(int argc, int n)
{
    if (argc != n) {
        fputs(usage, stderr);
        return FALSE;
    }
    return TRUE;
}


static void
printState(const xenpvDomainInfo *info, char *state)
{
    state[0] = info->running ? 'r' : '-';
    state[1] = info->blocked ? 'b' : '-';
    state[2] = info->paused ? 'p' : '-';
    state[3] = info->shutdown ? 's' : '-';
    state[4] = info->shutdown && info->shutdownReason == XENPV_SHUTDOWN_CRASH ? 'c' : '-';
    state[5] = info->dying ? 'd' : '-';
    state[6] = '\0';
}


static int
cmdList(xenpvSimClient *client)
{
    g_autoptr(GString) line = xenpvSimLineNew("LIST");
    g_autoptr(GError) error = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GBytes) payload = NULL;
    g_autofree char *text = NULL;
    g_auto(GStrv) rows = NULL;
    size_t i;

    if (!(reply = call(client, line, &payload, &error)))
        return fail(error);
    text = g_strndup(g_bytes_get_data(payload, NULL), g_bytes_get_size(payload));
    rows = g_strsplit(text, "\n", -1);
    printf("%-32s %5s %9s %5s %-6s %9s\n", "Name", "ID", "Mem(MiB)", "VCPUs", "State", "Time(s)");
    for (i = 0; rows[i]; i++) {
        g_autoptr(xenpvSimMsg) row = NULL;
        xenpvDomainInfo info;
        char state[8];

        if (!*rows[i])
            continue;
        if (!(row = xenpvSimMsgParse(rows[i], &error)) ||
            !xenpvSimDomainInfoFromMsg(row, &info, &error))
            return fail(error);
        printState(&info, state);
        printf("%-32s %5u %9" G_GUINT64_FORMAT " %5u %-6s %9.1f\n",
               xenpvSimMsgGet(row, "name"), info.domid, info.nrPages >> 8,
               info.nrOnlineVcpus, state, info.cpuTimeNs / 1e9);
    }
    return 0;
}


static int
printNamed(xenpvSimClient *client, GString *line)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GList) keys = NULL;
    GList *l;

    if (!(reply = call(client, line, NULL, &error)))
        return fail(error);
    keys = g_list_sort(g_hash_table_get_keys(reply->named), (GCompareFunc)strcmp);
    for (l = keys; l; l = l->next)
        printf("%-20s: %s\n", (char *)l->data, xenpvSimMsgGet(reply, l->data));
    return 0;
}


static int
simple(xenpvSimClient *client, GString *line)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;

    if (!(reply = call(client, line, NULL, &error)))
        return fail(error);
    return 0;
}


static int
cmdCreate(xenpvSimClient *client, int argc, char **argv)
{
    /* Borrowed strings: the spec is only encoded, never cleared. */
    xenpvBuildSpec spec = { 0 };
    g_autoptr(GString) line = xenpvSimLineNew("CREATE");
    g_autoptr(GError) error = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;
    guint64 mib, vcpus = 1;
    size_t i;

    if (argc < 4 || argc > 6) {
        fputs(usage, stderr);
        return 1;
    }
    if (!xenpvSimParseU64(argv[3], &mib) || mib == 0 ||
        (argc > 5 && (!xenpvSimParseU64(argv[5], &vcpus) || vcpus == 0))) {
        fprintf(stderr, "xenpv-simctl: memory and vCPUs must be positive numbers\n");
        return 1;
    }
    spec.name = argv[1];
    spec.kernel = argv[2];
    spec.maxMemKiB = spec.targetMemKiB = mib * 1024;
    spec.maxVcpus = spec.vcpus = vcpus;
    spec.cmdline = argc > 4 ? argv[4] : NULL;
    g_random_set_seed(g_get_real_time() ^ getpid());
    for (i = 0; i < 16; i++)
        spec.uuid[i] = g_random_int_range(0, 256);
    spec.uuid[6] = (spec.uuid[6] & 0x0f) | 0x40;
    spec.uuid[8] = (spec.uuid[8] & 0x3f) | 0x80;
    xenpvSimLineAddSpec(line, &spec);
    if (!(reply = call(client, line, NULL, &error)))
        return fail(error);
    printf("%s\n", xenpvSimMsgGet(reply, "domid"));
    return 0;
}


int
main(int argc, char **argv)
{
    g_autofree char *socketPath = NULL;
    GOptionEntry entries[] = {
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &socketPath,
          "The simulated host's socket (default " XENPV_SIM_DEFAULT_SOCKET ")", "PATH" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS]");
    g_autoptr(GError) error = NULL;
    g_autoptr(xenpvSimClient) client = NULL;
    g_autoptr(GString) line = NULL;
    const char *cmd;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, usage);
    g_option_context_set_strict_posix(ctx, TRUE);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "xenpv-simctl: %s\n", error->message);
        return 1;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return 1;
    }
    cmd = argv[1];
    argc--;
    argv++;
    if (!(client = xenpvSimClientConnect(socketPath ? socketPath : XENPV_SIM_DEFAULT_SOCKET,
                                         &error))) {
        fprintf(stderr, "xenpv-simctl: the simulated Xen host is not running: %s\n",
                error->message);
        return 1;
    }

    if (strcmp(cmd, "info") == 0) {
        return needArgs(argc, 1) ? printNamed(client, line = xenpvSimLineNew("INFO")) : 1;
    } else if (strcmp(cmd, "list") == 0) {
        return needArgs(argc, 1) ? cmdList(client) : 1;
    } else if (strcmp(cmd, "dominfo") == 0) {
        if (!needArgs(argc, 2))
            return 1;
        line = xenpvSimLineNew("DOMINFO");
        xenpvSimLineAdd(line, argv[1]);
        return printNamed(client, line);
    } else if (strcmp(cmd, "store-read") == 0) {
        g_autoptr(xenpvSimMsg) reply = NULL;

        if (!needArgs(argc, 2))
            return 1;
        line = xenpvSimLineNew("READ");
        xenpvSimLineAdd(line, argv[1]);
        if (!(reply = call(client, line, NULL, &error)))
            return fail(error);
        printf("%s\n", xenpvSimMsgGet(reply, "value"));
        return 0;
    } else if (strcmp(cmd, "store-write") == 0) {
        if (!needArgs(argc, 3))
            return 1;
        line = xenpvSimLineNew("WRITE");
        xenpvSimLineAdd(line, argv[1]);
        xenpvSimLineAdd(line, argv[2]);
        return simple(client, line);
    } else if (strcmp(cmd, "store-ls") == 0 || strcmp(cmd, "store-rm") == 0) {
        g_autoptr(xenpvSimMsg) reply = NULL;
        guint i;

        if (!needArgs(argc, 2))
            return 1;
        line = xenpvSimLineNew(strcmp(cmd, "store-ls") == 0 ? "LS" : "RM");
        xenpvSimLineAdd(line, argv[1]);
        if (!(reply = call(client, line, NULL, &error)))
            return fail(error);
        for (i = 0; i < reply->args->len; i++)
            printf("%s\n", (char *)g_ptr_array_index(reply->args, i));
        return 0;
    } else if (strcmp(cmd, "console-log") == 0) {
        g_autoptr(xenpvSimMsg) reply = NULL;
        g_autoptr(GBytes) payload = NULL;

        if (!needArgs(argc, 2))
            return 1;
        line = xenpvSimLineNew("CONSOLE");
        xenpvSimLineAdd(line, argv[1]);
        if (!(reply = call(client, line, &payload, &error)))
            return fail(error);
        if (payload)
            fwrite(g_bytes_get_data(payload, NULL), 1, g_bytes_get_size(payload), stdout);
        return 0;
    } else if (strcmp(cmd, "cpucap") == 0) {
        if (argc != 2 && !needArgs(argc, 3))
            return 1;
        line = xenpvSimLineNew("CPUCAP");
        xenpvSimLineAdd(line, argv[1]);
        if (argc == 3)
            xenpvSimLineAdd(line, argv[2]);
        return printNamed(client, line);
    } else if (strcmp(cmd, "create") == 0) {
        return cmdCreate(client, argc, argv);
    } else if (strcmp(cmd, "shutdown") == 0) {
        g_autofree char *path = NULL;

        if (!needArgs(argc, 3))
            return 1;
        path = g_strdup_printf("/local/domain/%s/control/shutdown", argv[1]);
        line = xenpvSimLineNew("WRITE");
        xenpvSimLineAdd(line, path);
        xenpvSimLineAdd(line, argv[2]);
        return simple(client, line);
    } else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "unpause") == 0 ||
               strcmp(cmd, "destroy") == 0 || strcmp(cmd, "resume") == 0 ||
               strcmp(cmd, "crash") == 0) {
        g_autofree char *verb = g_ascii_strup(cmd, -1);

        if (!needArgs(argc, 2))
            return 1;
        line = xenpvSimLineNew(verb);
        xenpvSimLineAdd(line, argv[1]);
        return simple(client, line);
    }
    fprintf(stderr, "xenpv-simctl: unknown command '%s'\n%s", cmd, usage);
    return 1;
}
