/*
 * xenpv_capabilities.c: host and domain capabilities of a Xen PV host.
 */
#include "xenpv_capabilities.h"

#include "viralloc.h"
#include "virbitmap.h"
#include "virarch.h"
#include "virerror.h"
#include "virlog.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.capabilities");


/* Standing in for a NULL shim: no image, nothing runs in it. */
static const xenpvPvshimHost xenpvNoShim = {
    .mode = XENPV_PVSHIM_NEVER,
    .problem = (char *)"no PV-shim is set up on this host",
    .fix = (char *)"a PV-shim set up in the driver",
};


static const xenpvPvshimHost *
xenpvShimOrNone(const xenpvPvshimHost *shim)
{
    return shim ? shim : &xenpvNoShim;
}


static int
xenpvCapabilitiesAddGuest(virCaps *caps, virArch arch, bool pae, const char *loader)
{
    const char *const machineNames[] = { XENPV_MACHINE_NAME };
    virCapsGuestMachine **machines;
    virCapsGuest *guest;

    machines = virCapabilitiesAllocMachines(machineNames, G_N_ELEMENTS(machineNames));
    if (!machines)
        return -1;

    guest = virCapabilitiesAddGuest(caps, VIR_DOMAIN_OSTYPE_XEN, arch,
                                    NULL, loader,
                                    G_N_ELEMENTS(machineNames), machines);
    virCapabilitiesAddGuestDomain(guest, VIR_DOMAIN_VIRT_XEN,
                                  NULL, NULL, 0, NULL);
    if (pae)
        virCapabilitiesAddGuestFeature(guest, VIR_CAPS_GUEST_FEATURE_TYPE_PAE);
    return 0;
}


/* The shim image when guests of @abi run in it by the host's setting. */
static const char *
xenpvCapabilitiesLoader(const xenpvHostInfo *host, const xenpvPvshimHost *shim,
                        xenpvGuestAbi abi)
{
    return xenpvPvshimHostRuns(host, shim, abi) ? shim->path : NULL;
}


virCaps *
xenpvCapabilitiesNew(const xenpvHostInfo *host, const xenpvPvshimHost *shim)
{
    g_autoptr(virCaps) caps = NULL;

    shim = xenpvShimOrNone(shim);
    /* Offline migration moves a definition; live migration needs the
     * hypervisor to track the pages a running guest dirties.  The data
     * channel is TCP (TLS with VIR_MIGRATE_TLS). */
    if (!(caps = virCapabilitiesNew(VIR_ARCH_X86_64, true, host->logDirty)))
        return NULL;
    virCapabilitiesAddHostMigrateTransport(caps, "tcp");

    if (virGetHostUUID(caps->host.host_uuid) < 0)
        VIR_WARN("no host UUID available for the capabilities");

    if (xenpvCapabilitiesAddGuest(caps, VIR_ARCH_X86_64, false,
                                  xenpvCapabilitiesLoader(host, shim,
                                                          XENPV_GUEST_ABI_X86_64)) < 0)
        return NULL;
    if ((host->pv32 || xenpvPvshimHostRuns(host, shim, XENPV_GUEST_ABI_X86_32P)) &&
        xenpvCapabilitiesAddGuest(caps, VIR_ARCH_I686, true,
                                  xenpvCapabilitiesLoader(host, shim,
                                                          XENPV_GUEST_ABI_X86_32P)) < 0)
        return NULL;

    return g_steal_pointer(&caps);
}


/* The CPUs of @node, each with the CPUs sharing its core as siblings. */
static virCapsHostNUMACellCPU *
xenpvCapabilitiesNodeCpus(const xenpvHostTopology *topo, int node, int *ncpus)
{
    virCapsHostNUMACellCPU *cpus = g_new0(virCapsHostNUMACellCPU, MAX(topo->ncpus, 1));
    size_t i;
    size_t j;

    *ncpus = 0;
    for (i = 0; i < topo->ncpus; i++) {
        virCapsHostNUMACellCPU *cpu = &cpus[*ncpus];

        if (topo->cpuNode[i] != node)
            continue;
        cpu->id = i;
        cpu->socket_id = MAX(topo->cpuSocket[i], 0);
        cpu->core_id = MAX(topo->cpuCore[i], 0);
        cpu->siblings = virBitmapNew(topo->ncpus);
        for (j = 0; j < topo->ncpus; j++) {
            if (topo->cpuNode[j] == node && topo->cpuSocket[j] == topo->cpuSocket[i] &&
                topo->cpuCore[j] == topo->cpuCore[i])
                ignore_value(virBitmapSetBit(cpu->siblings, j));
        }
        (*ncpus)++;
    }
    return cpus;
}


int
xenpvCapabilitiesSetTopology(virCaps *caps, const xenpvHostTopology *topo)
{
    size_t node;

    g_clear_pointer(&caps->host.numa, virCapabilitiesHostNUMAUnref);
    caps->host.numa = virCapabilitiesHostNUMANew();
    for (node = 0; node < topo->nnodes; node++) {
        int ncpus = 0;
        virCapsHostNUMACellCPU *cpus = xenpvCapabilitiesNodeCpus(topo, node, &ncpus);

        /* Xen lists node numbers that hold neither memory nor CPUs. */
        if (topo->nodeMemKiB[node] == 0 && ncpus == 0) {
            virCapabilitiesClearHostNUMACellCPUTopology(cpus, ncpus);
            g_free(cpus);
            continue;
        }
        virCapabilitiesHostNUMAAddCell(caps->host.numa, node, topo->nodeMemKiB[node],
                                       ncpus, &cpus, 0, NULL, 0, NULL, NULL);
    }
    return 0;
}


int
xenpvCapabilitiesCheckArch(const xenpvHostInfo *host,
                           const xenpvPvshimHost *shim,
                           xenpvPvshimMode domainMode,
                           virArch arch)
{
    switch (arch) {
    case VIR_ARCH_X86_64:
        return 0;
    case VIR_ARCH_I686:
        return xenpvPvshimCheckArch32(host, xenpvShimOrNone(shim), domainMode);
    default:
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("architecture '%s' is not supported for Xen PV guests (x86_64 or i686)"),
                       virArchToString(arch));
        return -1;
    }
}


const char *
xenpvGuestAbiDescription(xenpvGuestAbi abi)
{
    switch (abi) {
    case XENPV_GUEST_ABI_X86_64:
        return _("a 64-bit PV kernel");
    case XENPV_GUEST_ABI_X86_32P:
        return _("a 32-bit PAE PV kernel");
    case XENPV_GUEST_ABI_X86_32:
        return _("a non-PAE 32-bit PV kernel");
    case XENPV_GUEST_ABI_UNKNOWN:
    case XENPV_GUEST_ABI_LAST:
        break;
    }
    return _("a kernel of unknown PV ABI");
}


/* A guest defined for @arch with a kernel of @abi: can any Xen run that? */
static int
xenpvCapabilitiesMatchArch(virArch arch, xenpvGuestAbi abi, const char *kernel)
{
    virArch kernelArch = virArchFromString(NULLSTR_EMPTY(xenpvGuestAbiArch(abi)));

    if (abi == XENPV_GUEST_ABI_X86_32) {
        /* A 64-bit Xen runs 32-bit PV guests with PAE paging only, and
         * there is no 32-bit hypervisor any more. */
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s is %s (%s): non-PAE 32-bit PV guests are not supported by any current Xen; boot a PAE kernel"),
                       kernel, xenpvGuestAbiDescription(abi), xenpvGuestAbiToCaps(abi));
        return -1;
    }
    if (kernelArch == VIR_ARCH_NONE) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%s has no PV guest ABI this driver knows"), kernel);
        return -1;
    }
    if (arch != VIR_ARCH_NONE && arch != kernelArch) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain arch %s does not match %s: %s (%s); set <type arch='%s'> or remove the arch"),
                       virArchToString(arch), kernel, xenpvGuestAbiDescription(abi),
                       xenpvGuestAbiToCaps(abi), virArchToString(kernelArch));
        return -1;
    }
    return 0;
}


int
xenpvCapabilitiesCheckGuestAbi(const xenpvHostInfo *host,
                               const xenpvPvshimHost *shim,
                               xenpvPvshimMode domainMode,
                               virArch arch,
                               xenpvGuestAbi abi,
                               const char *kernel,
                               xenpvContainer *container)
{
    xenpvContainer chosen = XENPV_CONTAINER_PV;

    if (xenpvCapabilitiesMatchArch(arch, abi, kernel) < 0 ||
        xenpvPvshimChoose(host, xenpvShimOrNone(shim), domainMode, abi, kernel, &chosen) < 0)
        return -1;
    if (container)
        *container = chosen;
    return 0;
}


int
xenpvCapabilitiesCheckRestore(const xenpvHostInfo *host,
                              virArch arch,
                              xenpvGuestAbi abi,
                              xenpvContainer container,
                              const char *what)
{
    if (xenpvCapabilitiesMatchArch(arch, abi, what) < 0)
        return -1;
    return xenpvPvshimCheckRestore(host, container, abi, what);
}


virDomainCaps *
xenpvDomainCapsNew(const xenpvHostInfo *host,
                   const xenpvPvshimHost *shim,
                   const char *emulatorbin,
                   const char *arch,
                   const char *machine,
                   const char *virttype)
{
    g_autoptr(virDomainCaps) domCaps = NULL;
    virArch guestArch = VIR_ARCH_X86_64;

    if (virttype && STRNEQ(virttype, "xen")) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("virttype '%s' is not supported by the Xen PV driver, use 'xen'"),
                       virttype);
        return NULL;
    }
    if (emulatorbin) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("Xen PV guests have no emulator, but '%s' was given"),
                       emulatorbin);
        return NULL;
    }
    if (arch && (guestArch = virArchFromString(arch)) == VIR_ARCH_NONE) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("unknown architecture '%s'"), arch);
        return NULL;
    }
    if (xenpvCapabilitiesCheckArch(host, shim, XENPV_PVSHIM_DEFAULT, guestArch) < 0)
        return NULL;
    if (machine && STRNEQ(machine, XENPV_MACHINE_NAME)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("machine '%s' is not supported, Xen PV guests use '%s'"),
                       machine, XENPV_MACHINE_NAME);
        return NULL;
    }

    if (!(domCaps = virDomainCapsNew(NULL, XENPV_MACHINE_NAME, guestArch,
                                     VIR_DOMAIN_VIRT_XEN)))
        return NULL;

    domCaps->maxvcpus = XENPV_MAX_VCPUS;

    /* A PV guest boots its own kernel: no firmware, no loader. */
    domCaps->os.supported = VIR_TRISTATE_BOOL_YES;

    domCaps->disk.supported = VIR_TRISTATE_BOOL_YES;
    VIR_DOMAIN_CAPS_ENUM_SET(domCaps->disk.diskDevice,
                             VIR_DOMAIN_DISK_DEVICE_DISK,
                             VIR_DOMAIN_DISK_DEVICE_CDROM);
    VIR_DOMAIN_CAPS_ENUM_SET(domCaps->disk.bus, VIR_DOMAIN_DISK_BUS_XEN);

    /* The PV framebuffer, served over VNC or SDL by dom0. */
    domCaps->graphics.supported = VIR_TRISTATE_BOOL_YES;
    VIR_DOMAIN_CAPS_ENUM_SET(domCaps->graphics.type,
                             VIR_DOMAIN_GRAPHICS_TYPE_SDL,
                             VIR_DOMAIN_GRAPHICS_TYPE_VNC);
    domCaps->video.supported = VIR_TRISTATE_BOOL_YES;
    VIR_DOMAIN_CAPS_ENUM_SET(domCaps->video.modelType, VIR_DOMAIN_VIDEO_TYPE_XEN);

    domCaps->hostdev.supported = VIR_TRISTATE_BOOL_NO;
    domCaps->rng.supported = VIR_TRISTATE_BOOL_NO;
    domCaps->filesystem.supported = VIR_TRISTATE_BOOL_NO;
    domCaps->tpm.supported = VIR_TRISTATE_BOOL_NO;
    domCaps->redirdev.supported = VIR_TRISTATE_BOOL_NO;
    domCaps->channel.supported = VIR_TRISTATE_BOOL_NO;

    return g_steal_pointer(&domCaps);
}
