/*
 * xenpv_domain_abi.c: learning a PV guest's ABI from its kernel and
 * checking it against the definition and the host.  The rules themselves
 * (what matches, what a host runs) are xenpvCapabilitiesCheckGuestAbi's;
 * this finds the kernel and says where it came from.
 */
#include "xenpv_domain_abi.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_bootloader.h"
#include "xenpv_capabilities.h"
#include "xenpv_domain_ns.h"
#include "xenpv_kernel.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.domain_abi");


/* The PV ABI of the kernel at @path (@what names it for the user); with
 * @image, also the ELF image decompressed from it (NULL if it is none).
 * Through @cache (NULL: none), which keeps what it decompresses. */
static int
xenpvDomainAbiInspect(xenpvKernelCache *cache, const char *path, const char *what,
                      xenpvGuestAbi *abi, GBytes **image)
{
    g_autoptr(GError) err = NULL;
    xenpvKernelInfo info = { 0 };
    gboolean cached = FALSE;
    gint64 start = g_get_monotonic_time();
    int ret = -1;

    VIR_DEBUG("inspecting %s", what);
    if (!xenpvKernelCacheInspect(cache, path, &info, &cached, &err)) {
        /* A path that cannot be read is a bad argument; a file that is no
         * PV kernel is a configuration this driver cannot run. */
        int code = VIR_ERR_CONFIG_UNSUPPORTED;

        if (err->code == XENPV_KERNEL_ERROR_IO)
            code = VIR_ERR_INVALID_ARG;
        virReportError(code, _("cannot boot %s: %s"), what, err->message);
        goto cleanup;
    }
    *abi = info.abi;
    if (image)
        *image = g_steal_pointer(&info.image);
    VIR_DEBUG("%s is %s (%s, %s in %lld ms)", what, NULLSTR(xenpvGuestAbiToCaps(info.abi)),
              NULLSTR(info.compression), cached ? "image from the cache" : "read",
              (long long)(g_get_monotonic_time() - start) / 1000);
    ret = 0;

 cleanup:
    xenpvKernelInfoClear(&info);
    return ret;
}


/* The arch to hold the kernel to: none when the definition leaves it. */
static virArch
xenpvDomainAbiWantedArch(const virDomainDef *def, bool archFromKernel)
{
    return archFromKernel ? VIR_ARCH_NONE : def->os.arch;
}


/* Can @def's guest, with a kernel of @abi, run here (natively or in the
 * PV-shim, as its definition and the host allow)?  *@container (may be
 * NULL) says how. */
static int
xenpvDomainAbiCheckRun(xenpvDriver *driver, const virDomainDef *def, bool archFromKernel,
                       xenpvGuestAbi abi, const char *what, xenpvContainer *container)
{
    return xenpvCapabilitiesCheckGuestAbi(&driver->hostInfo, &driver->shim,
                                          xenpvDomainDefPvshimMode(def),
                                          xenpvDomainAbiWantedArch(def, archFromKernel),
                                          abi, what, container);
}


static int
xenpvDomainAbiCheck(xenpvDriver *driver, virDomainDef *def, bool archFromKernel,
                    xenpvGuestAbi abi, const char *what)
{
    if (xenpvDomainAbiCheckRun(driver, def, archFromKernel, abi, what, NULL) < 0)
        return -1;
    if (archFromKernel)
        def->os.arch = virArchFromString(xenpvGuestAbiArch(abi));
    return 0;
}


int
xenpvDomainAbiCheckDefine(xenpvDriver *driver, virDomainDef *def, bool archFromKernel)
{
    g_autofree char *what = NULL;
    xenpvGuestAbi abi = XENPV_GUEST_ABI_UNKNOWN;

    /* libvirt's drivers let a definition name files that are not there
     * yet (a kernel installed later, a disk made later); start checks.  A
     * bootloader's kernel is a path inside the guest's disk. */
    if (!def->os.kernel || def->os.bootloader || !virFileExists(def->os.kernel)) {
        if (def->os.kernel && !def->os.bootloader)
            VIR_DEBUG("kernel %s of domain '%s' is not there yet: checked at start",
                      def->os.kernel, def->name);
        if (archFromKernel)
            return 0;
        return xenpvCapabilitiesCheckArch(&driver->hostInfo, &driver->shim,
                                          xenpvDomainDefPvshimMode(def), def->os.arch);
    }

    what = g_strdup_printf(_("kernel %s"), def->os.kernel);
    /* Read through the cache: the start that usually follows finds the
     * image decompressed. */
    if (xenpvDomainAbiInspect(driver->kernelCache, def->os.kernel, what, &abi, NULL) < 0)
        return -1;
    return xenpvDomainAbiCheck(driver, def, archFromKernel, abi, what);
}


int
xenpvDomainAbiCheckCreate(xenpvDriver *driver, const virDomainDef *def, bool archFromKernel)
{
    if (archFromKernel)
        return 0;
    return xenpvCapabilitiesCheckArch(&driver->hostInfo, &driver->shim,
                                      xenpvDomainDefPvshimMode(def), def->os.arch);
}


int
xenpvDomainAbiForStart(xenpvDriver *driver,
                       const virDomainDef *def,
                       bool archFromKernel,
                       xenpvBuildSpec *spec)
{
    g_autofree char *what = NULL;
    xenpvGuestAbi abi = XENPV_GUEST_ABI_UNKNOWN;
    xenpvKernelCache *cache = driver->kernelCache;
    int ret = -1;

    /* With a bootloader, or with neither a bootloader nor a kernel (pygrub,
     * as libxl does), the bootloader picks the kernel from the guest's disk. */
    if (def->os.bootloader || !def->os.kernel) {
        if (xenpvBootloaderRun(driver, def, spec, &what) < 0)
            return -1;
        /* A copy the bootloader made for this boot only. */
        cache = NULL;
    } else {
        what = g_strdup_printf(_("kernel %s"), spec->kernel);
    }

    /* The decompressed image goes to the builder, which then reads the
     * kernel from memory instead of decompressing it once more. */
    if (xenpvDomainAbiInspect(cache, spec->kernel, what, &abi, &spec->kernelImage) < 0 ||
        xenpvDomainAbiCheckRun(driver, def, archFromKernel, abi, what, &spec->container) < 0)
        goto cleanup;
    spec->abi = abi;
    if (spec->container == XENPV_CONTAINER_PVSHIM) {
        spec->shim = g_strdup(driver->shim.path);
        spec->shimCmdline = g_strdup(driver->shim.cmdline);
        VIR_DEBUG("domain '%s' runs in the PV-shim %s (%s)", def->name, spec->shim,
                  spec->shimCmdline);
    }
    ret = 0;

 cleanup:
    if (ret < 0)
        xenpvBootloaderCleanup(driver, def);
    return ret;
}


int
xenpvDomainAbiCheckRestore(xenpvDriver *driver,
                           virDomainDef *def,
                           bool archFromKernel,
                           xenpvGuestAbi abi,
                           xenpvContainer container,
                           const char *image)
{
    g_autofree char *what = NULL;

    if (image)
        what = g_strdup_printf(_("the kernel of the guest saved in %s"), image);
    else
        what = g_strdup(_("the kernel of the guest in its save image"));

    if (xenpvCapabilitiesCheckRestore(&driver->hostInfo,
                                      xenpvDomainAbiWantedArch(def, archFromKernel),
                                      abi, container, what) < 0)
        return -1;
    if (archFromKernel)
        def->os.arch = virArchFromString(xenpvGuestAbiArch(abi));
    return 0;
}
