/*
 * xenpv_conf.c: reading the driver's configuration file.
 */
#include <unistd.h>

#include "xenpv_conf.h"

#include "virconf.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virsocketaddr.h"
#include "virstring.h"
#include "viruri.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.conf");

static const char *const xenpvHypervisorKindNames[XENPV_HYPERVISOR_LAST] = {
    [XENPV_HYPERVISOR_XEN] = "xen",
    [XENPV_HYPERVISOR_SIM] = "sim",
};

/* Every key the file may hold: anything else is a typo worth reporting,
 * since a misspelt key silently falling back to its default would make the
 * daemon do something the administrator did not ask for. */
static const char *const xenpvConfigKeys[] = {
    "hypervisor",
    "sim_socket",
    "shutdown_ack_timeout",
    "suspend_timeout",
    "detach_timeout",
    "autostart",
    "keepalive_interval",
    "keepalive_count",
    "pvshim",
    "pvshim_path",
    "pvshim_extra",
    "kernel_cache_mib",
    "migration_address",
    "migration_host",
    "migration_port_min",
    "migration_port_max",
    "migration_allow",
    "migration_io_timeout",
    "migration_inquiry_uri",
    "migration_inquiry_interval",
    NULL
};


const char *
xenpvHypervisorKindToString(xenpvHypervisorKind kind)
{
    if (kind < 0 || kind >= XENPV_HYPERVISOR_LAST)
        return NULL;
    return xenpvHypervisorKindNames[kind];
}


int
xenpvHypervisorKindFromString(const char *name)
{
    size_t i;

    for (i = 0; i < XENPV_HYPERVISOR_LAST; i++) {
        if (name && STREQ(name, xenpvHypervisorKindNames[i]))
            return i;
    }
    return -1;
}


xenpvDriverConfig *
xenpvDriverConfigNew(const char *configFile)
{
    xenpvDriverConfig *cfg = g_new0(xenpvDriverConfig, 1);

    cfg->configFile = g_strdup(configFile);
    cfg->hypervisor = XENPV_HYPERVISOR_XEN;
    cfg->simSocket = g_strdup(XENPV_CONFIG_DEFAULT_SIM_SOCKET);
    cfg->shutdownAckTimeout = XENPV_CONFIG_DEFAULT_SHUTDOWN_ACK_TIMEOUT;
    cfg->detachTimeout = XENPV_CONFIG_DEFAULT_DETACH_TIMEOUT;
    cfg->suspendTimeout = XENPV_CONFIG_DEFAULT_SUSPEND_TIMEOUT;
    cfg->autostart = true;
    cfg->keepAliveInterval = XENPV_CONFIG_DEFAULT_KEEPALIVE_INTERVAL;
    cfg->keepAliveCount = XENPV_CONFIG_DEFAULT_KEEPALIVE_COUNT;
    cfg->pvshim = XENPV_CONFIG_DEFAULT_PVSHIM;
    cfg->kernelCacheMiB = XENPV_CONFIG_DEFAULT_KERNEL_CACHE_MIB;
    cfg->migrationAddress = g_strdup(XENPV_CONFIG_DEFAULT_MIGRATION_ADDRESS);
    cfg->migrationPortMin = XENPV_CONFIG_DEFAULT_MIGRATION_PORT_MIN;
    cfg->migrationPortMax = XENPV_CONFIG_DEFAULT_MIGRATION_PORT_MAX;
    cfg->migrationAllow = g_new0(char *, 2);
    cfg->migrationAllow[0] = g_strdup("*");
    cfg->migrationIoTimeout = XENPV_CONFIG_DEFAULT_MIGRATION_IO_TIMEOUT;
    cfg->migrationInquiryInterval = XENPV_CONFIG_DEFAULT_MIGRATION_INQUIRY_INTERVAL;
    return cfg;
}


void
xenpvDriverConfigFree(xenpvDriverConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->configFile);
    g_free(cfg->simSocket);
    g_free(cfg->pvshimPath);
    g_free(cfg->pvshimExtra);
    g_free(cfg->migrationAddress);
    g_free(cfg->migrationHost);
    g_strfreev(cfg->migrationAllow);
    g_free(cfg->migrationInquiryUri);
    g_free(cfg);
}


static int
xenpvConfigCheckKey(const char *name,
                    virConfValue *value G_GNUC_UNUSED,
                    void *opaque)
{
    const char *path = opaque;

    if (!g_strv_contains(xenpvConfigKeys, name)) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("unknown setting '%s' in %s"), name, path);
        return -1;
    }
    return 0;
}


static int
xenpvConfigGetTimeout(virConf *conf,
                      const char *path,
                      const char *key,
                      unsigned int *seconds)
{
    unsigned int value = *seconds;
    int rc;

    if ((rc = virConfGetValueUInt(conf, key, &value)) < 0)
        return -1;
    if (rc == 0)
        return 0;
    if (value == 0 || value > 3600) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("%s: '%s' must be between 1 and 3600 seconds, not %u"),
                       path, key, value);
        return -1;
    }
    *seconds = value;
    return 0;
}


/* pvshim, pvshim_path, pvshim_extra: when and how guests run in the PV-shim. */
static int
xenpvConfigGetPvshim(virConf *conf, const char *path, xenpvDriverConfig *cfg)
{
    g_autofree char *mode = NULL;
    g_autofree char *shimPath = NULL;
    g_autofree char *extra = NULL;
    int value;

    if (virConfGetValueString(conf, "pvshim", &mode) < 0 ||
        virConfGetValueString(conf, "pvshim_path", &shimPath) < 0 ||
        virConfGetValueString(conf, "pvshim_extra", &extra) < 0)
        return -1;

    if (mode) {
        if ((value = xenpvPvshimModeFromString(mode)) < 0) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'pvshim' must be \"never\", \"auto\" or \"always\", not \"%s\""),
                           path, mode);
            return -1;
        }
        cfg->pvshim = value;
    }
    if (shimPath) {
        if (!g_path_is_absolute(shimPath)) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'pvshim_path' must be an absolute path, not \"%s\""),
                           path, shimPath);
            return -1;
        }
        g_free(cfg->pvshimPath);
        cfg->pvshimPath = g_steal_pointer(&shimPath);
    }
    if (extra) {
        /* Part of Xen's command line, which has room for 1 KiB. */
        if (strlen(extra) > XENPV_CONFIG_PVSHIM_EXTRA_MAX) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'pvshim_extra' must be at most %d characters"),
                           path, XENPV_CONFIG_PVSHIM_EXTRA_MAX);
            return -1;
        }
        g_free(cfg->pvshimExtra);
        cfg->pvshimExtra = g_steal_pointer(&extra);
    }
    return 0;
}


static int
xenpvConfigGetPort(virConf *conf, const char *path, const char *key, unsigned int *port)
{
    unsigned int value = *port;
    int rc;

    if ((rc = virConfGetValueUInt(conf, key, &value)) <= 0)
        return rc;
    if (value < 1024 || value > 65535) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("%s: '%s' must be a port between 1024 and 65535, not %u"),
                       path, key, value);
        return -1;
    }
    *port = value;
    return 0;
}


/* A host name as DNS spells it: letters, digits, '-' and '.'. */
static bool
xenpvConfigIsHostName(const char *name)
{
    const char *p;

    if (!*name || *name == '.' || *name == '-')
        return false;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
            return false;
    }
    return true;
}


int
xenpvConfigCheckAllowEntry(const char *entry, char **why)
{
    virSocketAddr addr;
    g_autofree char *host = NULL;
    const char *slash;
    unsigned int prefix;

    if (STREQ(entry, "*"))
        return 0;
    if (g_str_has_prefix(entry, "*.")) {
        if (xenpvConfigIsHostName(entry + 2))
            return 0;
        *why = g_strdup(_("a '*.' pattern must be followed by a domain name"));
        return -1;
    }
    if ((slash = strchr(entry, '/'))) {
        host = g_strndup(entry, slash - entry);
        if (virSocketAddrParse(&addr, host, AF_UNSPEC) < 0 ||
            virStrToLong_ui(slash + 1, NULL, 10, &prefix) < 0 ||
            prefix > (VIR_SOCKET_ADDR_IS_FAMILY(&addr, AF_INET) ? 32 : 128)) {
            virResetLastError();
            *why = g_strdup(_("a network is an address, '/' and a prefix length"));
            return -1;
        }
        return 0;
    }
    if (virSocketAddrParse(&addr, entry, AF_UNSPEC) >= 0)
        return 0;
    virResetLastError();
    if (xenpvConfigIsHostName(entry))
        return 0;
    *why = g_strdup(_("not '*', an address, a network ADDR/PREFIX, a host name or '*.DOMAIN'"));
    return -1;
}


static int
xenpvConfigLoadMigration(xenpvDriverConfig *cfg, virConf *conf, const char *path)
{
    g_autofree char *address = NULL;
    g_autofree char *host = NULL;
    g_autofree char *inquiry = NULL;
    g_auto(GStrv) allow = NULL;
    virSocketAddr addr;
    size_t i;
    int rc;

    if (virConfGetValueString(conf, "migration_address", &address) < 0)
        return -1;
    if (address) {
        if (virSocketAddrParse(&addr, address, AF_UNSPEC) < 0) {
            virResetLastError();
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'migration_address' must be an IPv4 or IPv6 address to listen on, not \"%s\""),
                           path, address);
            return -1;
        }
        g_free(cfg->migrationAddress);
        cfg->migrationAddress = g_steal_pointer(&address);
    }

    if (virConfGetValueString(conf, "migration_host", &host) < 0)
        return -1;
    if (host) {
        if (virSocketAddrParse(&addr, host, AF_UNSPEC) < 0 && !xenpvConfigIsHostName(host)) {
            virResetLastError();
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'migration_host' must be a host name or an address, not \"%s\""),
                           path, host);
            return -1;
        }
        virResetLastError();
        g_free(cfg->migrationHost);
        cfg->migrationHost = g_steal_pointer(&host);
    }

    if (xenpvConfigGetPort(conf, path, "migration_port_min", &cfg->migrationPortMin) < 0 ||
        xenpvConfigGetPort(conf, path, "migration_port_max", &cfg->migrationPortMax) < 0)
        return -1;
    if (cfg->migrationPortMin > cfg->migrationPortMax) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("%s: 'migration_port_min' (%u) is above 'migration_port_max' (%u)"),
                       path, cfg->migrationPortMin, cfg->migrationPortMax);
        return -1;
    }

    if ((rc = virConfGetValueStringList(conf, "migration_allow", false, &allow)) < 0)
        return -1;
    if (rc > 0) {
        for (i = 0; allow && allow[i]; i++) {
            g_autofree char *why = NULL;

            if (xenpvConfigCheckAllowEntry(allow[i], &why) < 0) {
                virReportError(VIR_ERR_CONF_SYNTAX,
                               _("%s: 'migration_allow' entry \"%s\": %s"),
                               path, allow[i], why);
                return -1;
            }
        }
        g_strfreev(cfg->migrationAllow);
        cfg->migrationAllow = allow ? g_steal_pointer(&allow) : g_new0(char *, 1);
    }

    if (virConfGetValueString(conf, "migration_inquiry_uri", &inquiry) < 0)
        return -1;
    if (inquiry) {
        g_autoptr(virURI) uri = virURIParse(inquiry);

        if (!uri || !uri->scheme || !uri->server || !*uri->server) {
            virResetLastError();
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'migration_inquiry_uri' must be a libvirt URI naming this host, such as \"xen+tls://HOST/system\", not \"%s\""),
                           path, inquiry);
            return -1;
        }
        g_free(cfg->migrationInquiryUri);
        cfg->migrationInquiryUri = g_steal_pointer(&inquiry);
    }

    if (xenpvConfigGetTimeout(conf, path, "migration_inquiry_interval",
                              &cfg->migrationInquiryInterval) < 0)
        return -1;
    return xenpvConfigGetTimeout(conf, path, "migration_io_timeout", &cfg->migrationIoTimeout);
}


int
xenpvDriverConfigLoadFile(xenpvDriverConfig *cfg, const char *path)
{
    g_autoptr(virConf) conf = NULL;
    g_autofree char *hypervisor = NULL;
    g_autofree char *simSocket = NULL;
    int kind;

    if (access(path, R_OK) < 0 && errno == ENOENT) {
        VIR_DEBUG("no %s, keeping the defaults", path);
        return 0;
    }

    if (!(conf = virConfReadFile(path, 0)))
        return -1;

    g_free(cfg->configFile);
    cfg->configFile = g_strdup(path);

    if (virConfWalk(conf, xenpvConfigCheckKey, (void *)path) < 0)
        return -1;

    if (virConfGetValueString(conf, "hypervisor", &hypervisor) < 0)
        return -1;
    if (hypervisor) {
        if ((kind = xenpvHypervisorKindFromString(hypervisor)) < 0) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'hypervisor' must be \"xen\" or \"sim\", not \"%s\""),
                           path, hypervisor);
            return -1;
        }
        cfg->hypervisor = kind;
    }

    if (virConfGetValueString(conf, "sim_socket", &simSocket) < 0)
        return -1;
    if (simSocket) {
        if (!g_path_is_absolute(simSocket)) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("%s: 'sim_socket' must be an absolute path, not \"%s\""),
                           path, simSocket);
            return -1;
        }
        g_free(cfg->simSocket);
        cfg->simSocket = g_steal_pointer(&simSocket);
    }

    if (xenpvConfigGetTimeout(conf, path, "shutdown_ack_timeout",
                              &cfg->shutdownAckTimeout) < 0 ||
        xenpvConfigGetTimeout(conf, path, "suspend_timeout",
                              &cfg->suspendTimeout) < 0 ||
        xenpvConfigGetTimeout(conf, path, "detach_timeout",
                              &cfg->detachTimeout) < 0)
        return -1;

    if (virConfGetValueBool(conf, "autostart", &cfg->autostart) < 0)
        return -1;

    if (virConfGetValueInt(conf, "keepalive_interval", &cfg->keepAliveInterval) < 0 ||
        virConfGetValueUInt(conf, "keepalive_count", &cfg->keepAliveCount) < 0)
        return -1;

    if (xenpvConfigGetPvshim(conf, path, cfg) < 0)
        return -1;

    if (virConfGetValueUInt(conf, "kernel_cache_mib", &cfg->kernelCacheMiB) < 0)
        return -1;
    if (cfg->kernelCacheMiB > XENPV_CONFIG_MAX_KERNEL_CACHE_MIB) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("%s: 'kernel_cache_mib' must be between 0 (no cache) and %u MiB, not %u"),
                       path, XENPV_CONFIG_MAX_KERNEL_CACHE_MIB, cfg->kernelCacheMiB);
        return -1;
    }

    return xenpvConfigLoadMigration(cfg, conf, path);
}
