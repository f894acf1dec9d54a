/*
 * xenpv_conf.c: reading the driver's configuration file.
 */
#include <unistd.h>

#include "xenpv_conf.h"

#include "virconf.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

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

    return 0;
}
