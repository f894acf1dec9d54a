/*
 * test_driver_conf.c: reading xenpv.conf: defaults, every key, and the
 * errors that must name the key and the file.
 */
#include <glib/gstdio.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_conf.h"

typedef struct {
    char *dir;
    char *path;
} ConfFixture;


static void
fixture_setup(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->dir = g_dir_make_tmp("xenpv-conf-XXXXXX", NULL);
    g_assert_nonnull(fx->dir);
    fx->path = g_build_filename(fx->dir, "xenpv.conf", NULL);
}


static void
fixture_teardown(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_unlink(fx->path);
    g_rmdir(fx->dir);
    g_free(fx->path);
    g_free(fx->dir);
}


static void
write_conf(ConfFixture *fx, const char *text)
{
    g_assert_true(g_file_set_contents(fx->path, text, -1, NULL));
}


/* Load @text and expect failure whose message names every word in @needles. */
static void
expect_error(ConfFixture *fx, const char *text, int code, const char *const *needles)
{
    g_autoptr(xenpvDriverConfig) cfg = xenpvDriverConfigNew(fx->path);
    virErrorPtr err;
    size_t i;

    write_conf(fx, text);
    virResetLastError();
    g_assert_cmpint(xenpvDriverConfigLoadFile(cfg, fx->path), ==, -1);
    err = virGetLastError();
    g_assert_nonnull(err);
    if (code >= 0)
        g_assert_cmpint(err->code, ==, code);
    for (i = 0; needles[i]; i++) {
        if (!strstr(err->message, needles[i]))
            g_error("error message '%s' lacks '%s'", err->message, needles[i]);
    }
}


static void
test_defaults_without_file(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(xenpvDriverConfig) cfg = xenpvDriverConfigNew(fx->path);

    g_assert_cmpint(xenpvDriverConfigLoadFile(cfg, fx->path), ==, 0);
    g_assert_cmpint(cfg->hypervisor, ==, XENPV_HYPERVISOR_XEN);
    g_assert_cmpstr(cfg->simSocket, ==, "/run/xenpv/simhost.sock");
    g_assert_cmpuint(cfg->shutdownAckTimeout, ==, 10);
    g_assert_cmpuint(cfg->suspendTimeout, ==, 30);
    g_assert_true(cfg->autostart);
    g_assert_cmpint(cfg->keepAliveInterval, ==, 5);
    g_assert_cmpuint(cfg->keepAliveCount, ==, 5);
    g_assert_cmpint(cfg->pvshim, ==, XENPV_PVSHIM_AUTO);
    g_assert_null(cfg->pvshimPath);
    g_assert_null(cfg->pvshimExtra);
    g_assert_cmpuint(cfg->kernelCacheMiB, ==, 128);
    g_assert_cmpstr(cfg->migrationAddress, ==, "0.0.0.0");
    g_assert_null(cfg->migrationHost);
    g_assert_cmpuint(cfg->migrationPortMin, ==, 49152);
    g_assert_cmpuint(cfg->migrationPortMax, ==, 49215);
    g_assert_cmpuint(g_strv_length(cfg->migrationAllow), ==, 1);
    g_assert_cmpstr(cfg->migrationAllow[0], ==, "*");
    g_assert_cmpuint(cfg->migrationIoTimeout, ==, 30);
    g_assert_null(cfg->migrationInquiryUri);
    g_assert_cmpuint(cfg->migrationInquiryInterval, ==, 10);
}


static void
test_every_key(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(xenpvDriverConfig) cfg = xenpvDriverConfigNew(fx->path);

    write_conf(fx,
               "# comment\n"
               "hypervisor = \"sim\"\n"
               "sim_socket = \"/tmp/other.sock\"\n"
               "shutdown_ack_timeout = 3\n"
               "suspend_timeout = 45\n"
               "detach_timeout = 4\n"
               "autostart = 0\n"
               "keepalive_interval = -1\n"
               "keepalive_count = 9\n"
               "pvshim = \"always\"\n"
               "pvshim_path = \"/opt/xen/xen-shim\"\n"
               "pvshim_extra = \"shim_mem=32M loglvl=all\"\n"
               "kernel_cache_mib = 0\n"
               "migration_address = \"192.0.2.12\"\n"
               "migration_host = \"xenpv-b.example.org\"\n"
               "migration_port_min = 50000\n"
               "migration_port_max = 50010\n"
               "migration_allow = [ \"192.0.2.11\", \"198.51.100.0/24\", \"xenpv-a\", \"*.example.org\", \"2001:db8::/32\" ]\n"
               "migration_io_timeout = 7\n"
               "migration_inquiry_uri = \"xen+tcp://xenpv-b.example.org/system\"\n"
               "migration_inquiry_interval = 3\n");
    g_assert_cmpint(xenpvDriverConfigLoadFile(cfg, fx->path), ==, 0);
    g_assert_cmpint(cfg->hypervisor, ==, XENPV_HYPERVISOR_SIM);
    g_assert_cmpstr(cfg->simSocket, ==, "/tmp/other.sock");
    g_assert_cmpuint(cfg->shutdownAckTimeout, ==, 3);
    g_assert_cmpuint(cfg->suspendTimeout, ==, 45);
    g_assert_cmpuint(cfg->detachTimeout, ==, 4);
    g_assert_false(cfg->autostart);
    g_assert_cmpint(cfg->keepAliveInterval, ==, -1);
    g_assert_cmpuint(cfg->keepAliveCount, ==, 9);
    g_assert_cmpint(cfg->pvshim, ==, XENPV_PVSHIM_ALWAYS);
    g_assert_cmpstr(cfg->pvshimPath, ==, "/opt/xen/xen-shim");
    g_assert_cmpstr(cfg->pvshimExtra, ==, "shim_mem=32M loglvl=all");
    g_assert_cmpuint(cfg->kernelCacheMiB, ==, 0);
    g_assert_cmpstr(cfg->migrationAddress, ==, "192.0.2.12");
    g_assert_cmpstr(cfg->migrationHost, ==, "xenpv-b.example.org");
    g_assert_cmpuint(cfg->migrationPortMin, ==, 50000);
    g_assert_cmpuint(cfg->migrationPortMax, ==, 50010);
    g_assert_cmpuint(g_strv_length(cfg->migrationAllow), ==, 5);
    g_assert_cmpstr(cfg->migrationAllow[2], ==, "xenpv-a");
    g_assert_cmpuint(cfg->migrationIoTimeout, ==, 7);
    g_assert_cmpstr(cfg->migrationInquiryUri, ==, "xen+tcp://xenpv-b.example.org/system");
    g_assert_cmpuint(cfg->migrationInquiryInterval, ==, 3);
    g_assert_cmpstr(cfg->configFile, ==, fx->path);
}


static void
test_partial_keeps_defaults(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(xenpvDriverConfig) cfg = xenpvDriverConfigNew(fx->path);

    write_conf(fx, "hypervisor = \"xen\"\n");
    g_assert_cmpint(xenpvDriverConfigLoadFile(cfg, fx->path), ==, 0);
    g_assert_cmpint(cfg->hypervisor, ==, XENPV_HYPERVISOR_XEN);
    g_assert_cmpuint(cfg->shutdownAckTimeout, ==, 10);
    g_assert_cmpuint(cfg->detachTimeout, ==, 10);
    g_assert_cmpstr(cfg->simSocket, ==, "/run/xenpv/simhost.sock");
}


static void
test_unknown_key(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { "shutdown_timeout", fx->path, NULL };

    expect_error(fx, "shutdown_timeout = 5\n", VIR_ERR_CONF_SYNTAX, needles);
}


static void
test_wrong_type_string(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { "hypervisor", fx->path, NULL };

    expect_error(fx, "hypervisor = 1\n", -1, needles);
}


static void
test_wrong_type_number(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { "shutdown_ack_timeout", fx->path, NULL };

    expect_error(fx, "shutdown_ack_timeout = \"ten\"\n", -1, needles);
}


static void
test_bad_hypervisor(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { "hypervisor", "kvm", fx->path, NULL };

    expect_error(fx, "hypervisor = \"kvm\"\n", VIR_ERR_CONF_SYNTAX, needles);
}


static void
test_zero_timeout(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { "shutdown_ack_timeout", fx->path, NULL };

    expect_error(fx, "shutdown_ack_timeout = 0\n", VIR_ERR_CONF_SYNTAX, needles);
}


static void
test_relative_socket(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { "sim_socket", "sim.sock", fx->path, NULL };

    expect_error(fx, "sim_socket = \"sim.sock\"\n", VIR_ERR_CONF_SYNTAX, needles);
}


static void
test_bad_pvshim(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const mode[] = { "pvshim", "sometimes", "never", "always", fx->path, NULL };
    const char *const path[] = { "pvshim_path", "xen-shim", fx->path, NULL };
    const char *const extra[] = { "pvshim_extra", "512 characters", fx->path, NULL };
    g_autofree char *longExtra = g_strnfill(513, 'x');
    g_autofree char *longConf = g_strdup_printf("pvshim_extra = \"%s\"\n", longExtra);

    expect_error(fx, "pvshim = \"sometimes\"\n", VIR_ERR_CONF_SYNTAX, mode);
    expect_error(fx, "pvshim_path = \"xen-shim\"\n", VIR_ERR_CONF_SYNTAX, path);
    expect_error(fx, longConf, VIR_ERR_CONF_SYNTAX, extra);
}


static void
test_bad_kernel_cache(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const big[] = { "kernel_cache_mib", "4096", "5000", fx->path, NULL };
    const char *const negative[] = { "kernel_cache_mib", NULL };

    expect_error(fx, "kernel_cache_mib = 5000\n", VIR_ERR_CONF_SYNTAX, big);
    expect_error(fx, "kernel_cache_mib = -1\n", -1, negative);
}


static void
test_syntax_error(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const needles[] = { NULL };

    expect_error(fx, "hypervisor = \"sim\n", -1, needles);
}


static void
test_migration_errors(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const address[] = { "migration_address", "somewhere", fx->path, NULL };
    const char *const port[] = { "migration_port_min", "80", fx->path, NULL };
    const char *const order[] = { "migration_port_min", "migration_port_max", fx->path, NULL };
    const char *const allow[] = { "migration_allow", "10.0.0.0/40", fx->path, NULL };
    const char *const name[] = { "migration_allow", "bad name!", fx->path, NULL };
    const char *const host[] = { "migration_host", "a b", fx->path, NULL };
    const char *const timeout[] = { "migration_io_timeout", fx->path, NULL };
    const char *const inquiry[] = { "migration_inquiry_uri", "xenpv-b", fx->path, NULL };
    const char *const interval[] = { "migration_inquiry_interval", fx->path, NULL };

    expect_error(fx, "migration_address = \"somewhere\"\n", VIR_ERR_CONF_SYNTAX, address);
    expect_error(fx, "migration_port_min = 80\n", VIR_ERR_CONF_SYNTAX, port);
    expect_error(fx, "migration_port_min = 50001\nmigration_port_max = 50000\n",
                 VIR_ERR_CONF_SYNTAX, order);
    expect_error(fx, "migration_allow = [ \"10.0.0.0/40\" ]\n", VIR_ERR_CONF_SYNTAX, allow);
    expect_error(fx, "migration_allow = [ \"bad name!\" ]\n", VIR_ERR_CONF_SYNTAX, name);
    expect_error(fx, "migration_host = \"a b\"\n", VIR_ERR_CONF_SYNTAX, host);
    expect_error(fx, "migration_io_timeout = 0\n", VIR_ERR_CONF_SYNTAX, timeout);
    expect_error(fx, "migration_inquiry_uri = \"xenpv-b\"\n", VIR_ERR_CONF_SYNTAX, inquiry);
    expect_error(fx, "migration_inquiry_interval = 0\n", VIR_ERR_CONF_SYNTAX, interval);
}


static void
test_migration_allow_empty(ConfFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(xenpvDriverConfig) cfg = xenpvDriverConfigNew(fx->path);

    write_conf(fx, "migration_allow = [ ]\n");
    g_assert_cmpint(xenpvDriverConfigLoadFile(cfg, fx->path), ==, 0);
    g_assert_nonnull(cfg->migrationAllow);
    g_assert_cmpuint(g_strv_length(cfg->migrationAllow), ==, 0);
}


static void
test_kind_names(void)
{
    g_assert_cmpstr(xenpvHypervisorKindToString(XENPV_HYPERVISOR_SIM), ==, "sim");
    g_assert_cmpstr(xenpvHypervisorKindToString(XENPV_HYPERVISOR_XEN), ==, "xen");
    g_assert_null(xenpvHypervisorKindToString(XENPV_HYPERVISOR_LAST));
    g_assert_cmpint(xenpvHypervisorKindFromString("sim"), ==, XENPV_HYPERVISOR_SIM);
    g_assert_cmpint(xenpvHypervisorKindFromString("Sim"), ==, -1);
    g_assert_cmpint(xenpvHypervisorKindFromString(NULL), ==, -1);
}


#define ADD(name, fn) \
    g_test_add(name, ConfFixture, NULL, fixture_setup, fn, fixture_teardown)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0)
        return 1;

    ADD("/driver/conf/defaults-without-file", test_defaults_without_file);
    ADD("/driver/conf/every-key", test_every_key);
    ADD("/driver/conf/partial-keeps-defaults", test_partial_keeps_defaults);
    ADD("/driver/conf/unknown-key", test_unknown_key);
    ADD("/driver/conf/wrong-type-string", test_wrong_type_string);
    ADD("/driver/conf/wrong-type-number", test_wrong_type_number);
    ADD("/driver/conf/bad-hypervisor", test_bad_hypervisor);
    ADD("/driver/conf/zero-timeout", test_zero_timeout);
    ADD("/driver/conf/relative-socket", test_relative_socket);
    ADD("/driver/conf/bad-pvshim", test_bad_pvshim);
    ADD("/driver/conf/bad-kernel-cache", test_bad_kernel_cache);
    ADD("/driver/conf/syntax-error", test_syntax_error);
    ADD("/driver/conf/migration-errors", test_migration_errors);
    ADD("/driver/conf/migration-allow-empty", test_migration_allow_empty);
    g_test_add_func("/driver/conf/kind-names", test_kind_names);
    return g_test_run();
}
