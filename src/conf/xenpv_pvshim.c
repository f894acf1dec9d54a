/*
 * xenpv_pvshim.c: what the host offers for Xen's PV-shim, and the choice,
 * for one guest, between a PV domain of its own and the shim's PVH
 * container (see xenpv_pvshim.h).
 */
#include "xenpv_pvshim.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_capabilities.h"
#include "xenpv_kernel.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.pvshim");

/* Where Xen's upstream build installs the shim when no version is in the
 * path (XENFIRMWAREDIR). */
#define XENPV_PVSHIM_UPSTREAM_PATH "/usr/lib/xen/boot/xen-shim"


void
xenpvPvshimHostClear(xenpvPvshimHost *shim)
{
    if (!shim)
        return;
    g_free(shim->configFile);
    g_free(shim->path);
    g_free(shim->cmdline);
    g_free(shim->problem);
    g_free(shim->fix);
    memset(shim, 0, sizeof(*shim));
}


/* Debian installs the shim with the hypervisor's version in the path;
 * the first candidate that exists, or the first one for the messages. */
static char *
xenpvPvshimFindImage(const xenpvHostInfo *host)
{
    g_autofree char *versioned = g_strdup_printf("/usr/lib/xen-%u.%u/boot/xen-shim",
                                                 host->xenMajor, host->xenMinor);

    if (!virFileExists(versioned) && virFileExists(XENPV_PVSHIM_UPSTREAM_PATH))
        return g_strdup(XENPV_PVSHIM_UPSTREAM_PATH);
    return g_steal_pointer(&versioned);
}


void
xenpvPvshimHostInit(xenpvPvshimHost *shim,
                    const xenpvDriverConfig *cfg,
                    const xenpvHostInfo *host)
{
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };

    memset(shim, 0, sizeof(*shim));
    shim->mode = cfg->pvshim;
    shim->configFile = g_strdup(cfg->configFile);
    if (cfg->pvshimExtra && *cfg->pvshimExtra)
        shim->cmdline = g_strdup_printf("%s %s", XENPV_PVSHIM_CMDLINE, cfg->pvshimExtra);
    else
        shim->cmdline = g_strdup(XENPV_PVSHIM_CMDLINE);
    shim->path = cfg->pvshimPath ? g_strdup(cfg->pvshimPath) : xenpvPvshimFindImage(host);

    if (!xenpvHostRunsPvh(host)) {
        if (host->hvm) {
            shim->problem = g_strdup(_("this hypervisor offers HVM guests but neither hardware-assisted nor shadow paging for their memory"));
            shim->fix = g_strdup(_("a host whose CPU has EPT or NPT (HAP)"));
        } else {
            shim->problem = g_strdup_printf(_("this hypervisor runs no PVH containers: it offers no HVM guests (xen_caps '%s' has no hvm-3.0-x86_64)"),
                                            host->xenCaps);
            shim->fix = g_strdup(_("a host whose CPU has VT-x or AMD-V, enabled in its firmware and in Xen"));
        }
    } else if (!xenpvKernelInspectPvhFile(shim->path, &info, &err)) {
        if (err->code == XENPV_KERNEL_ERROR_IO) {
            shim->problem = g_strdup_printf(_("its image cannot be read: %s"), err->message);
            shim->fix = g_strdup_printf(_("Xen's xen-shim image at %s (Debian: package xen-utils-%u.%u), or pvshim_path in %s naming it"),
                                        shim->path, host->xenMajor, host->xenMinor,
                                        shim->configFile);
        } else {
            shim->problem = g_strdup_printf(_("%s is not an image the PV-shim boots from: %s"),
                                            shim->path, err->message);
            shim->fix = g_strdup_printf(_("pvshim_path in %s naming Xen's xen-shim image"),
                                        shim->configFile);
        }
    } else {
        shim->usable = true;
    }
    xenpvKernelInfoClear(&info);

    VIR_INFO("PV-shim: pvshim = \"%s\", image %s: %s", xenpvPvshimModeToString(shim->mode),
             shim->path, shim->usable ? "usable" : shim->problem);
}


/* Can the hypervisor itself run a PV guest of @abi? */
static bool
xenpvPvshimHostRunsNatively(const xenpvHostInfo *host, xenpvGuestAbi abi)
{
    return abi == XENPV_GUEST_ABI_X86_64 || (abi == XENPV_GUEST_ABI_X86_32P && host->pv32);
}


/* The shim itself is a 64-bit Xen with 32-bit PV: it runs both ABIs. */
static bool
xenpvPvshimRunsAbi(xenpvGuestAbi abi)
{
    return abi == XENPV_GUEST_ABI_X86_64 || abi == XENPV_GUEST_ABI_X86_32P;
}


bool
xenpvPvshimHostRuns(const xenpvHostInfo *host,
                    const xenpvPvshimHost *shim,
                    xenpvGuestAbi abi)
{
    if (!shim->usable || !xenpvPvshimRunsAbi(abi))
        return false;
    if (shim->mode == XENPV_PVSHIM_ALWAYS)
        return true;
    return shim->mode == XENPV_PVSHIM_AUTO && !xenpvPvshimHostRunsNatively(host, abi);
}


/* Where the mode in force was set, for messages. */
static char *
xenpvPvshimModeSource(const xenpvPvshimHost *shim, xenpvPvshimMode domainMode)
{
    if (domainMode != XENPV_PVSHIM_DEFAULT)
        return g_strdup_printf(_("<xenpv:pvshim mode='%s'/> in the domain's definition"),
                               xenpvPvshimModeToString(domainMode));
    return g_strdup_printf(_("pvshim = \"%s\" in %s"),
                           xenpvPvshimModeToString(shim->mode), shim->configFile);
}


/* Why a 32-bit PV guest cannot run here, the shim's part included, and
 * every remedy: the tail of the refusals. */
static char *
xenpvPvshimNo32(const xenpvHostInfo *host,
                const xenpvPvshimHost *shim,
                xenpvPvshimMode mode,
                const char *source)
{
    g_autofree char *noShim = NULL;
    g_autofree char *fix = NULL;

    if (mode == XENPV_PVSHIM_NEVER && shim->usable) {
        noShim = g_strdup_printf(_("running it in Xen's PV-shim instead is turned off by %s"),
                                 source);
        fix = g_strdup_printf(_("allow it: mode 'auto' in place of %s"), source);
    } else if (mode == XENPV_PVSHIM_NEVER) {
        noShim = g_strdup_printf(_("running it in Xen's PV-shim instead is turned off by %s, and could not work here anyway: %s"),
                                 source, shim->problem);
        fix = g_strdup_printf(_("mode 'auto' in place of %s, and %s"), source, shim->fix);
    } else {
        noShim = g_strdup_printf(_("it cannot run in Xen's PV-shim instead: %s"), shim->problem);
        fix = g_strdup(shim->fix);
    }

    return g_strdup_printf(_("this Xen host does not run 32-bit PV guests (xen_caps '%s' lacks xen-3.0-x86_32p; likely causes: a hypervisor built without CONFIG_PV32, 'pv=no-32' on Xen's command line, or CET shadow stacks enabled), and %s. Remedies: a hypervisor that runs 32-bit PV guests (built with CONFIG_PV32=y, booted without 'pv=no-32' and with 'cet=no-shstk' where CET is on); or Xen's PV-shim: %s; or the guest's 32-bit userland booted with a 64-bit PV kernel"),
                           host->xenCaps, noShim, fix);
}


int
xenpvPvshimChoose(const xenpvHostInfo *host,
                  const xenpvPvshimHost *shim,
                  xenpvPvshimMode domainMode,
                  xenpvGuestAbi abi,
                  const char *what,
                  xenpvContainer *container)
{
    xenpvPvshimMode mode = domainMode != XENPV_PVSHIM_DEFAULT ? domainMode : shim->mode;
    g_autofree char *source = xenpvPvshimModeSource(shim, domainMode);
    g_autofree char *why = NULL;

    if (mode == XENPV_PVSHIM_ALWAYS) {
        if (shim->usable && xenpvPvshimRunsAbi(abi)) {
            *container = XENPV_CONTAINER_PVSHIM;
            return 0;
        }
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s is to run in Xen's PV-shim (%s), but %s; it needs %s"),
                       what, source, shim->problem ? shim->problem : _("the shim runs no such guest"),
                       shim->fix ? shim->fix : _("a 64-bit or 32-bit PAE PV kernel"));
        return -1;
    }
    if (xenpvPvshimHostRunsNatively(host, abi)) {
        *container = XENPV_CONTAINER_PV;
        return 0;
    }
    if (mode == XENPV_PVSHIM_AUTO && shim->usable && xenpvPvshimRunsAbi(abi)) {
        *container = XENPV_CONTAINER_PVSHIM;
        return 0;
    }

    why = xenpvPvshimNo32(host, shim, mode, source);
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("%s is %s (%s), but %s"),
                   what, xenpvGuestAbiDescription(abi), xenpvGuestAbiToCaps(abi), why);
    return -1;
}


int
xenpvPvshimCheckArch32(const xenpvHostInfo *host,
                       const xenpvPvshimHost *shim,
                       xenpvPvshimMode domainMode)
{
    xenpvPvshimMode mode = domainMode != XENPV_PVSHIM_DEFAULT ? domainMode : shim->mode;
    g_autofree char *source = NULL;
    g_autofree char *why = NULL;

    if (host->pv32 || (mode != XENPV_PVSHIM_NEVER && shim->usable))
        return 0;
    source = xenpvPvshimModeSource(shim, domainMode);
    why = xenpvPvshimNo32(host, shim, mode, source);
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("i686 guests cannot run: %s"), why);
    return -1;
}


int
xenpvPvshimCheckRestore(const xenpvHostInfo *host,
                        xenpvContainer container,
                        xenpvGuestAbi abi,
                        const char *what)
{
    if (container == XENPV_CONTAINER_PVSHIM) {
        if (xenpvHostRunsPvh(host))
            return 0;
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("the saved guest ran in Xen's PV-shim: its state restores only into a PVH container, but this hypervisor runs none (xen_caps '%s', HVM %s, hardware-assisted paging %s); restore it on a host with HVM"),
                       host->xenCaps, host->hvm ? "yes" : "no", host->hap ? "yes" : "no");
        return -1;
    }
    if (xenpvPvshimHostRunsNatively(host, abi))
        return 0;
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                   _("%s is %s (%s) saved as a PV domain, but this Xen host does not run 32-bit PV guests (xen_caps '%s' lacks xen-3.0-x86_32p; likely causes: a hypervisor built without CONFIG_PV32, 'pv=no-32' on Xen's command line, or CET shadow stacks enabled); a PV domain's saved state cannot move into Xen's PV-shim: restore it on a host with 32-bit PV, or boot the guest afresh to run it in the PV-shim"),
                   what, xenpvGuestAbiDescription(abi), xenpvGuestAbiToCaps(abi), host->xenCaps);
    return -1;
}
