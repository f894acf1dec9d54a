/*
 * xenpv_hyp_xen.c: the "xen" back end, for a real Xen dom0: opening the
 * control interfaces, what the hypervisor can do (32-bit PV, PV log-dirty),
 * host and domain information, and the small domain operations.
 *
 * Domain build, store and devices, save and restore live in the other
 * xenpv_hyp_xen_*.c files; they share xenpv_hyp_xen_priv.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenhypfs.h>

#include "internal.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen");

#define XENPV_XEN_CAPABILITIES "/proc/xen/capabilities"
#define XENPV_XEN_PRIVCMD "/dev/xen/privcmd"
#define XENPV_XENSTORED_SOCKET "/run/xenstored/socket"
#define XENPV_XENBUS_DEVICE "/dev/xen/xenbus"
/* The hypervisor's own build configuration, where hypfs exposes it. */
#define XENPV_XEN_HYPFS_CONFIG "/buildinfo/config"

/* libxc's last error message, per thread: operations run concurrently. */
static GPrivate xenpvXenLastErrorKey = G_PRIVATE_INIT(g_free);


const char *
xenpvXenLastError(void)
{
    return g_private_get(&xenpvXenLastErrorKey);
}


void
xenpvXenClearLastError(void)
{
    g_private_replace(&xenpvXenLastErrorKey, NULL);
}


/* libxc, libxenguest and friends log through this: errors are kept for the
 * message we report, everything goes to libvirt's log. */
static void
xenpvXenLoggerMessage(xentoollog_logger *logger G_GNUC_UNUSED,
                      xentoollog_level level,
                      int errnoval,
                      const char *context,
                      const char *format,
                      va_list args)
{
    g_autofree char *msg = g_strdup_vprintf(format, args);
    g_autofree char *full = NULL;

    if (errnoval >= 0)
        full = g_strdup_printf("%s: %s", msg, g_strerror(errnoval));
    else
        full = g_steal_pointer(&msg);

    if (level >= XTL_ERROR) {
        VIR_WARN("%s: %s", NULLSTR(context), full);
        g_private_replace(&xenpvXenLastErrorKey, g_steal_pointer(&full));
    } else if (level >= XTL_WARN) {
        VIR_WARN("%s: %s", NULLSTR(context), full);
    } else {
        VIR_DEBUG("%s: %s", NULLSTR(context), full);
    }
}


static void
xenpvXenLoggerProgress(xentoollog_logger *logger G_GNUC_UNUSED,
                       const char *context,
                       const char *doingWhat,
                       int percent,
                       unsigned long done,
                       unsigned long total)
{
    VIR_DEBUG("%s: %s: %d%% (%lu/%lu)", NULLSTR(context), NULLSTR(doingWhat),
              percent, done, total);
}


static void
xenpvXenLoggerDestroy(xentoollog_logger *logger G_GNUC_UNUSED)
{
    /* The logger is part of the back end's state: nothing to free. */
}


const xentoollog_logger xenpvXenLoggerTemplate = {
    .vmessage = xenpvXenLoggerMessage,
    .progress = xenpvXenLoggerProgress,
    .destroy = xenpvXenLoggerDestroy,
};


void
xenpvXenReportError(int code, const char *fmt, ...)
{
    va_list args;
    g_autofree char *msg = NULL;
    const char *last = xenpvXenLastError();
    int savedErrno = errno;

    va_start(args, fmt);
    msg = g_strdup_vprintf(fmt, args);
    va_end(args);

    if (last && *last)
        virReportError(code, "%s: %s", msg, last);
    else if (savedErrno)
        virReportError(code, "%s: %s", msg, g_strerror(savedErrno));
    else
        virReportError(code, "%s", msg);
    xenpvXenClearLastError();
}


/* Is /proc/xen/capabilities there and saying "control_d" (we are dom0)? */
static int
xenpvXenCheckControlDomain(void)
{
    g_autofree char *caps = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(XENPV_XEN_CAPABILITIES, &caps, NULL, &err)) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("this machine is not running under Xen: %s is missing (%s); boot the Xen hypervisor with this system as dom0 (and mount xenfs on /proc/xen), or set hypervisor = \"sim\" in xenpv.conf to use the simulated host"),
                       XENPV_XEN_CAPABILITIES, err->message);
        return -1;
    }
    if (!strstr(caps, "control_d")) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("this machine runs under Xen but is not its control domain: %s does not say control_d; run libvirtd in dom0"),
                       XENPV_XEN_CAPABILITIES);
        return -1;
    }
    return 0;
}


static int
xenpvXenCheckDom0(void)
{
    if (xenpvXenCheckControlDomain() < 0)
        return -1;

    if (access(XENPV_XEN_PRIVCMD, R_OK | W_OK) < 0) {
        virReportSystemError(errno,
                             _("Xen dom0 without a usable %s: load the xen-privcmd module and run libvirtd as root"),
                             XENPV_XEN_PRIVCMD);
        return -1;
    }

    if (!virFileExists(XENPV_XENSTORED_SOCKET) &&
        !virFileExists(XENPV_XENBUS_DEVICE)) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("no xenstore daemon reachable: neither %s nor %s exists; start xenstored (the xenstored or xencommons service)"),
                       XENPV_XENSTORED_SOCKET, XENPV_XENBUS_DEVICE);
        return -1;
    }
    return 0;
}


/* Does xen_caps hold @word as a whole word? */
static bool
xenpvXenCapsHave(const char *caps, const char *word)
{
    g_auto(GStrv) words = g_strsplit_set(caps, " \t\n", -1);

    return g_strv_contains((const char * const *)words, word);
}


/* Log-dirty for PV guests is done by shadow paging: a hypervisor built
 * without CONFIG_SHADOW_PAGING (Debian's stock 4.17) answers EOPNOTSUPP.
 * The build configuration in hypfs says so without touching a domain;
 * where hypfs does not expose it, a throwaway paused domain is asked. */
static void
xenpvXenProbeLogDirty(xenpvXenPriv *priv)
{
    xenhypfs_handle *hypfs;
    g_autofree char *config = NULL;
    struct xen_domctl_createdomain create = { 0 };
    uint32_t domid = 0;

    if ((hypfs = xenhypfs_open(&priv->logger, 0))) {
        char *text = xenhypfs_read(hypfs, XENPV_XEN_HYPFS_CONFIG);

        config = g_strdup(text);
        free(text);
        xenhypfs_close(hypfs);
    }
    xenpvXenClearLastError();
    if (config) {
        priv->logDirty = strstr(config, "\nCONFIG_SHADOW_PAGING=y") != NULL;
        if (priv->logDirty)
            priv->logDirtyHow = g_strdup_printf("the hypervisor's build configuration (hypfs %s) has CONFIG_SHADOW_PAGING=y",
                                                XENPV_XEN_HYPFS_CONFIG);
        else
            priv->logDirtyHow = g_strdup_printf("the hypervisor's build configuration (hypfs %s) lacks CONFIG_SHADOW_PAGING",
                                                XENPV_XEN_HYPFS_CONFIG);
        return;
    }

    create.max_vcpus = 1;
    create.max_evtchn_port = 1;
    create.max_grant_frames = 1;
    create.max_maptrack_frames = 1;
    create.grant_opts = XEN_DOMCTL_GRANT_version(1);
    if (xc_domain_create(priv->xch, &domid, &create) < 0) {
        priv->logDirty = false;
        priv->logDirtyHow = g_strdup_printf("a probe domain could not be created (%s)",
                                            g_strerror(errno));
        xenpvXenClearLastError();
        return;
    }
    if (xc_shadow_control(priv->xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
                          NULL, 0) == 0) {
        priv->logDirty = true;
        priv->logDirtyHow = g_strdup("log-dirty mode could be enabled on a probe domain");
        ignore_value(xc_shadow_control(priv->xch, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0));
    } else {
        const char *hint = "";

        priv->logDirty = false;
        if (errno == EOPNOTSUPP)
            hint = " (hypervisor built without CONFIG_SHADOW_PAGING)";
        priv->logDirtyHow = g_strdup_printf("enabling log-dirty mode on a probe domain failed: %s%s",
                                            g_strerror(errno), hint);
    }
    xc_domain_destroy(priv->xch, domid);
    xenpvXenClearLastError();
}


static int
xenpvXenReadCaps(xenpvXenPriv *priv)
{
    xen_capabilities_info_t caps = { 0 };

    if (xc_version(priv->xch, XENVER_capabilities, &caps) < 0) {
        xenpvXenReportError(VIR_ERR_NO_CONNECT, "%s",
                            _("cannot read the hypervisor's capabilities (XENVER_capabilities)"));
        return -1;
    }
    g_strlcpy(priv->caps, caps, sizeof(priv->caps));
    g_strstrip(priv->caps);
    priv->pv32 = xenpvXenCapsHave(priv->caps, XENPV_XEN_CAPS_32P);
    if (!xenpvXenCapsHave(priv->caps, XENPV_XEN_CAPS_64)) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("this Xen runs no 64-bit PV guests (xen_caps '%s' lacks %s): the hypervisor was built or booted without PV support (pv=0?)"),
                       priv->caps, XENPV_XEN_CAPS_64);
        return -1;
    }
    return 0;
}


/* HVM, and the paging it can have: what a PV-shim's PVH container needs. */
static int
xenpvXenReadPhysCaps(xenpvXenPriv *priv)
{
    xc_physinfo_t phys = { 0 };

    if (xc_physinfo(priv->xch, &phys) < 0) {
        xenpvXenReportError(VIR_ERR_NO_CONNECT, "%s",
                            _("cannot read the host's physical information (xc_physinfo)"));
        return -1;
    }
    priv->hvm = !!(phys.capabilities & XEN_SYSCTL_PHYSCAP_hvm);
    priv->hap = !!(phys.capabilities & XEN_SYSCTL_PHYSCAP_hap);
    priv->shadow = !!(phys.capabilities & XEN_SYSCTL_PHYSCAP_shadow);
    return 0;
}


static void
xenpvXenClose(xenpvHypervisor *hyp)
{
    xenpvXenPriv *priv = hyp->priv;

    if (!priv)
        return;
    if (priv->xsWatch)
        xs_close(priv->xsWatch);
    if (priv->xsh)
        xs_close(priv->xsh);
    if (priv->xce)
        xenevtchn_close(priv->xce);
    if (priv->fmem)
        xenforeignmemory_close(priv->fmem);
    if (priv->xch)
        xc_interface_close(priv->xch);
    g_free(priv->logDirtyHow);
    g_free(priv->dmNoVncAuth);
    g_mutex_clear(&priv->dmLock);
    g_free(priv);
    hyp->priv = NULL;
}


static int
xenpvXenOpen(xenpvHypervisor *hyp)
{
    xenpvXenPriv *priv;

    if (xenpvXenCheckDom0() < 0)
        return -1;

    priv = g_new0(xenpvXenPriv, 1);
    priv->logger = xenpvXenLoggerTemplate;
    g_mutex_init(&priv->dmLock);
    hyp->priv = priv;

    if (!(priv->xch = xc_interface_open(&priv->logger, &priv->logger, 0))) {
        xenpvXenReportError(VIR_ERR_NO_CONNECT, "%s",
                            _("cannot open the Xen control interface (xc_interface_open)"));
        goto error;
    }
    if (!(priv->xsh = xs_open(0))) {
        virReportSystemError(errno, "%s",
                             _("cannot connect to xenstored (is it running?)"));
        goto error;
    }
    if (!(priv->fmem = xenforeignmemory_open(&priv->logger, 0))) {
        xenpvXenReportError(VIR_ERR_NO_CONNECT, "%s",
                            _("cannot open Xen's foreign memory interface"));
        goto error;
    }
    if (!(priv->xce = xenevtchn_open(&priv->logger, 0))) {
        xenpvXenReportError(VIR_ERR_NO_CONNECT, "%s",
                            _("cannot open Xen's event channel device (load xen-evtchn)"));
        goto error;
    }
    if (xenpvXenReadCaps(priv) < 0 || xenpvXenReadPhysCaps(priv) < 0)
        goto error;
    xenpvXenProbeLogDirty(priv);

    VIR_INFO("Xen dom0: xen_caps '%s', 32-bit PV %s, PV log-dirty %s (%s), HVM %s (HAP %s, shadow %s)",
             priv->caps, priv->pv32 ? "yes" : "no", priv->logDirty ? "yes" : "no",
             priv->logDirtyHow, priv->hvm ? "yes" : "no", priv->hap ? "yes" : "no",
             priv->shadow ? "yes" : "no");
    return 0;

 error:
    xenpvXenClose(hyp);
    return -1;
}


/* Can the hypervisor run a PVH container (for the PV-shim)? */
static int
xenpvXenCheckPvh(xenpvXenPriv *priv, const char *name)
{
    if (priv->hvm && (priv->hap || priv->shadow))
        return 0;
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                   _("cannot build domain '%s' in Xen's PV-shim: this hypervisor runs no PVH containers (xen_caps '%s', HVM %s, HAP %s, shadow paging %s)"),
                   name, priv->caps, priv->hvm ? "yes" : "no", priv->hap ? "yes" : "no",
                   priv->shadow ? "yes" : "no");
    return -1;
}


static int
xenpvXenCheckAbi(xenpvXenPriv *priv, xenpvGuestAbi abi, const char *what)
{
    switch (abi) {
    case XENPV_GUEST_ABI_X86_64:
        return 0;
    case XENPV_GUEST_ABI_X86_32P:
        if (priv->pv32)
            return 0;
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("cannot build %s: this Xen host does not run 32-bit PV guests (xen_caps '%s' lacks %s); likely causes: a hypervisor built without CONFIG_PV32, 'pv=no-32' on Xen's command line, or CET shadow stacks enabled"),
                       what, priv->caps, XENPV_XEN_CAPS_32P);
        return -1;
    case XENPV_GUEST_ABI_X86_32:
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("cannot build %s: non-PAE 32-bit PV guests (xen-3.0-x86_32) are not run by any current Xen"),
                       what);
        return -1;
    case XENPV_GUEST_ABI_UNKNOWN:
    case XENPV_GUEST_ABI_LAST:
    default:
        break;
    }
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("cannot build %s: its guest ABI is unknown"), what);
    return -1;
}


int
xenpvXenCheckGuest(xenpvXenPriv *priv, const xenpvBuildSpec *spec)
{
    if (spec->container != XENPV_CONTAINER_PVSHIM)
        return xenpvXenCheckAbi(priv, spec->abi, spec->name);
    /* The shim is a 64-bit Xen with 32-bit PV: it runs both PV ABIs. */
    if (spec->abi != XENPV_GUEST_ABI_X86_64 && spec->abi != XENPV_GUEST_ABI_X86_32P) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("cannot build domain '%s' in Xen's PV-shim: it runs xen-3.0-x86_64 and xen-3.0-x86_32p guests, not %s"),
                       spec->name, NULLSTR(xenpvGuestAbiToCaps(spec->abi)));
        return -1;
    }
    return xenpvXenCheckPvh(priv, spec->name);
}


static int
xenpvXenGetHostInfo(xenpvHypervisor *hyp, xenpvHostInfo *info)
{
    xenpvXenPriv *priv = hyp->priv;
    xc_physinfo_t phys = { 0 };
    xen_extraversion_t extra = { 0 };
    int version;

    if (xc_physinfo(priv->xch, &phys) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot read the host's physical information (xc_physinfo)"));
        return -1;
    }
    if ((version = xc_version(priv->xch, XENVER_version, NULL)) < 0 ||
        xc_version(priv->xch, XENVER_extraversion, &extra) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                            _("cannot read the hypervisor's version"));
        return -1;
    }

    memset(info, 0, sizeof(*info));
    info->nrCpus = phys.nr_cpus;
    info->threadsPerCore = phys.threads_per_core;
    info->coresPerSocket = phys.cores_per_socket;
    info->nrNodes = phys.nr_nodes;
    info->cpuKhz = phys.cpu_khz;
    info->totalPages = phys.total_pages;
    info->freePages = phys.free_pages;
    info->xenMajor = (unsigned int)version >> 16;
    info->xenMinor = version & 0xffff;
    /* Xen fills all of it and need not end it with a NUL. */
    memcpy(info->xenExtra, extra, MIN(sizeof(info->xenExtra) - 1, sizeof(extra)));
    g_strlcpy(info->xenCaps, priv->caps, sizeof(info->xenCaps));
    info->pv32 = priv->pv32;
    info->logDirty = priv->logDirty;
    info->hvm = priv->hvm;
    info->hap = priv->hap;
    info->shadow = priv->shadow;
    return 0;
}


/* The PV ABI of a guest whose address width Xen gives in bytes. */
static xenpvGuestAbi
xenpvXenAbiOfWidth(unsigned int width)
{
    if (width == 8)
        return XENPV_GUEST_ABI_X86_64;
    if (width == 4)
        return XENPV_GUEST_ABI_X86_32P;
    return XENPV_GUEST_ABI_UNKNOWN;
}


static void
xenpvXenFillDomainInfo(xenpvXenPriv *priv, const xc_domaininfo_t *di,
                       xenpvDomainInfo *info)
{
    unsigned int width = 0;

    memset(info, 0, sizeof(*info));
    info->domid = di->domain;
    memcpy(info->uuid, di->handle, sizeof(info->uuid));
    info->dying = !!(di->flags & XEN_DOMINF_dying);
    info->shutdown = !!(di->flags & XEN_DOMINF_shutdown);
    info->paused = !!(di->flags & XEN_DOMINF_paused);
    info->blocked = !!(di->flags & XEN_DOMINF_blocked);
    info->running = !!(di->flags & XEN_DOMINF_running);
    info->shutdownReason = (di->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    info->nrPages = di->tot_pages;
    info->maxPages = di->max_pages;
    info->cpuTimeNs = di->cpu_time;
    info->nrOnlineVcpus = di->nr_online_vcpus;
    info->maxVcpuId = di->max_vcpu_id;
    info->hvm = !!(di->flags & XEN_DOMINF_hvm_guest);

    /* A dying domain or one still being built may not say; an HVM
     * domain (a PV-shim's container) has no PV width to tell. */
    if (!(di->flags & XEN_DOMINF_hvm_guest) &&
        xc_domain_get_guest_width(priv->xch, di->domain, &width) == 0)
        info->abi = xenpvXenAbiOfWidth(width);
    xenpvXenClearLastError();
}


static int
xenpvXenListDomains(xenpvHypervisor *hyp, xenpvDomainInfo **infos, size_t *ninfos)
{
    xenpvXenPriv *priv = hyp->priv;
    const unsigned int batch = 256;
    g_autofree xc_domaininfo_t *dis = g_new0(xc_domaininfo_t, batch);
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(xenpvDomainInfo));
    uint32_t next = 0;

    while (next < DOMID_FIRST_RESERVED) {
        int n = xc_domain_getinfolist(priv->xch, next, batch, dis);
        int i;

        if (n < 0) {
            xenpvXenReportError(VIR_ERR_OPERATION_FAILED, "%s",
                                _("cannot list the hypervisor's domains"));
            return -1;
        }
        for (i = 0; i < n; i++) {
            xenpvDomainInfo info;

            xenpvXenFillDomainInfo(priv, &dis[i], &info);
            g_array_append_val(out, info);
        }
        if (n < (int)batch)
            break;
        next = dis[n - 1].domain + 1;
    }

    *ninfos = out->len;
    *infos = (xenpvDomainInfo *)(void *)g_array_free(g_steal_pointer(&out), FALSE);
    return 0;
}


static int
xenpvXenGetDomainInfo(xenpvHypervisor *hyp, uint32_t domid, xenpvDomainInfo *info)
{
    xenpvXenPriv *priv = hyp->priv;
    xc_domaininfo_t di = { 0 };
    int n;

    if ((n = xc_domain_getinfolist(priv->xch, domid, 1, &di)) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot read the state of domain %u"), domid);
        return -1;
    }
    if (n == 0 || di.domain != domid)
        return 0;
    xenpvXenFillDomainInfo(priv, &di, info);
    return 1;
}


static int
xenpvXenDomainPause(xenpvHypervisor *hyp, uint32_t domid)
{
    xenpvXenPriv *priv = hyp->priv;

    if (xc_domain_pause(priv->xch, domid) < 0) {
        xenpvXenReportError(errno == ESRCH ? VIR_ERR_NO_DOMAIN : VIR_ERR_OPERATION_FAILED,
                            _("cannot pause domain %u"), domid);
        return -1;
    }
    return 0;
}


static int
xenpvXenDomainUnpause(xenpvHypervisor *hyp, uint32_t domid)
{
    xenpvXenPriv *priv = hyp->priv;

    if (xc_domain_unpause(priv->xch, domid) < 0) {
        xenpvXenReportError(errno == ESRCH ? VIR_ERR_NO_DOMAIN : VIR_ERR_OPERATION_FAILED,
                            _("cannot unpause domain %u"), domid);
        return -1;
    }
    return 0;
}


static int
xenpvXenDomainSetMaxMem(xenpvHypervisor *hyp, uint32_t domid, uint64_t kib)
{
    xenpvXenPriv *priv = hyp->priv;
    g_autofree char *path = g_strdup_printf("/local/domain/%u/memory/static-max", domid);
    g_autofree char *value = g_strdup_printf("%llu", (unsigned long long)kib);

    if (xc_domain_setmaxmem(priv->xch, domid, kib + XENPV_XEN_MAXMEM_SLACK_KIB) < 0) {
        xenpvXenReportError(errno == ESRCH ? VIR_ERR_NO_DOMAIN : VIR_ERR_OPERATION_FAILED,
                            _("cannot set the maximum memory of domain %u to %llu KiB"),
                            domid, (unsigned long long)kib);
        return -1;
    }
    /* The balloon driver reads its ceiling there. */
    if (!xs_write(priv->xsh, XBT_NULL, path, value, strlen(value)))
        VIR_WARN("cannot update %s: %s", path, g_strerror(errno));
    return 0;
}


static int
xenpvXenDomainSetMaxVcpus(xenpvHypervisor *hyp, uint32_t domid, unsigned int max)
{
    xenpvXenPriv *priv = hyp->priv;

    if (xc_domain_max_vcpus(priv->xch, domid, max) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot set the vCPU limit of domain %u to %u (Xen fixes it when the domain is created)"),
                            domid, max);
        return -1;
    }
    return 0;
}


static void *
xenpvXenMapForeign(xenpvHypervisor *hyp, uint32_t domid, int prot,
                   uint64_t pfn, size_t count)
{
    xenpvXenPriv *priv = hyp->priv;
    g_autofree xen_pfn_t *pfns = g_new0(xen_pfn_t, count ? count : 1);
    void *addr;
    size_t i;

    for (i = 0; i < count; i++)
        pfns[i] = pfn + i;
    if (!(addr = xenforeignmemory_map(priv->fmem, domid, prot, count, pfns, NULL))) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot map %zu frames of domain %u from pfn 0x%llx"),
                            count, domid, (unsigned long long)pfn);
        return NULL;
    }
    return addr;
}


static void
xenpvXenUnmapForeign(xenpvHypervisor *hyp, void *addr, size_t count)
{
    xenpvXenPriv *priv = hyp->priv;

    if (addr)
        xenforeignmemory_unmap(priv->fmem, addr, count);
}


static int
xenpvXenCheckLogDirty(xenpvXenPriv *priv, uint32_t domid)
{
    if (priv->logDirty)
        return 0;
    virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                   _("log-dirty tracking of domain %u is not available: this hypervisor cannot track the pages a PV guest dirties (%s); live save and live migration need a hypervisor built with CONFIG_SHADOW_PAGING=y"),
                   domid, priv->logDirtyHow);
    return -1;
}


static int
xenpvXenLogDirtyEnable(xenpvHypervisor *hyp, uint32_t domid, bool enable)
{
    xenpvXenPriv *priv = hyp->priv;

    if (enable && xenpvXenCheckLogDirty(priv, domid) < 0)
        return -1;
    if (xc_shadow_control(priv->xch, domid,
                          enable ? XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY : XEN_DOMCTL_SHADOW_OP_OFF,
                          NULL, 0) < 0) {
        int code = VIR_ERR_OPERATION_FAILED;

        if (errno == EOPNOTSUPP)
            code = VIR_ERR_OPERATION_UNSUPPORTED;
        xenpvXenReportError(code, _("cannot turn log-dirty mode %s for domain %u"),
                            enable ? "on" : "off", domid);
        return -1;
    }
    return 0;
}


static int
xenpvXenLogDirtyPeekClean(xenpvHypervisor *hyp, uint32_t domid, bool clean,
                          unsigned long *bitmap, uint64_t nrPages, uint64_t *dirty)
{
    xenpvXenPriv *priv = hyp->priv;
    DECLARE_HYPERCALL_BUFFER(unsigned long, buf);
    size_t bytes = (nrPages + 7) / 8;
    size_t words = (nrPages + 8 * sizeof(unsigned long) - 1) / (8 * sizeof(unsigned long));
    xc_shadow_op_stats_t stats = { 0 };
    int ret = -1;

    if (xenpvXenCheckLogDirty(priv, domid) < 0)
        return -1;
    if (!(buf = xc_hypercall_buffer_alloc(priv->xch, buf, words * sizeof(unsigned long)))) {
        xenpvXenReportError(VIR_ERR_NO_MEMORY, "%s",
                            _("cannot allocate the log-dirty bitmap buffer"));
        return -1;
    }
    memset(buf, 0, words * sizeof(unsigned long));
    if (xc_logdirty_control(priv->xch, domid,
                            clean ? XEN_DOMCTL_SHADOW_OP_CLEAN : XEN_DOMCTL_SHADOW_OP_PEEK,
                            HYPERCALL_BUFFER(buf), nrPages, 0, &stats) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot read the dirty pages of domain %u"), domid);
        goto cleanup;
    }
    memcpy(bitmap, buf, bytes);
    if (dirty)
        *dirty = stats.dirty_count;
    ret = 0;

 cleanup:
    xc_hypercall_buffer_free(priv->xch, buf);
    return ret;
}


const xenpvHypervisorOps xenpvXenHypervisorOps = {
    .name = "xen",
    .streamFormat = XENPV_XEN_STREAM_FORMAT,
    .streamVersion = XENPV_XEN_STREAM_VERSION,
    .shimStreamFormat = XENPV_XEN_SHIM_STREAM_FORMAT,
    .open = xenpvXenOpen,
    .close = xenpvXenClose,
    .getHostInfo = xenpvXenGetHostInfo,
    .checkFramebuffer = xenpvXenCheckFramebuffer,
    .getHostTopology = xenpvXenGetHostTopology,
    .getHostCpuTimes = xenpvXenGetHostCpuTimes,
    .listDomains = xenpvXenListDomains,
    .getDomainInfo = xenpvXenGetDomainInfo,
    .domainCreate = xenpvXenDomainCreate,
    .domainPause = xenpvXenDomainPause,
    .domainUnpause = xenpvXenDomainUnpause,
    .domainDestroy = xenpvXenDomainDestroy,
    .domainResume = xenpvXenDomainResume,
    .domainSetMaxMem = xenpvXenDomainSetMaxMem,
    .domainSetMaxVcpus = xenpvXenDomainSetMaxVcpus,
    .domainGetVcpus = xenpvXenDomainGetVcpus,
    .domainSetVcpuAffinity = xenpvXenDomainSetVcpuAffinity,
    .domainGetCpuCap = xenpvXenDomainGetCpuCap,
    .domainSetCpuCap = xenpvXenDomainSetCpuCap,
    .domainBlockStats = xenpvXenDomainBlockStats,
    .domainNicStats = xenpvXenDomainNicStats,
    .domainAttachDisk = xenpvXenDomainAttachDisk,
    .domainDetachDisk = xenpvXenDomainDetachDisk,
    .domainAttachNic = xenpvXenDomainAttachNic,
    .domainDetachNic = xenpvXenDomainDetachNic,
    .domainNicSetBridge = xenpvXenDomainNicSetBridge,
    .mapForeign = xenpvXenMapForeign,
    .unmapForeign = xenpvXenUnmapForeign,
    .logDirtyEnable = xenpvXenLogDirtyEnable,
    .logDirtyPeekClean = xenpvXenLogDirtyPeekClean,
    .storeRead = xenpvXenStoreRead,
    .storeWrite = xenpvXenStoreWrite,
    .storeRemove = xenpvXenStoreRemove,
    .eventFd = xenpvXenEventFd,
    .eventAck = xenpvXenEventAck,
    .domainSave = xenpvXenDomainSave,
    .domainRestore = xenpvXenDomainRestore,
};
