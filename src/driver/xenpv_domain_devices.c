/*
 * xenpv_domain_devices.c: what starting a domain and plugging devices into
 * a running one share about its disks and network interfaces.
 */
#include <unistd.h>

#include "xenpv_domain_devices.h"

#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


int
xenpvDomainCheckDiskSource(const char *name, const char *vdev,
                           const char *source, bool readonly)
{
    /* Refused here rather than by the back end, whose failure (a hotplug
     * script's, deep in the build) would not say which file is missing. */
    if (access(source, readonly ? R_OK : R_OK | W_OK) < 0) {
        virReportSystemError(errno,
                             _("cannot use '%s' as disk %s of domain '%s'"),
                             source, vdev, name);
        return -1;
    }
    return 0;
}


int
xenpvDomainCheckDiskSources(const xenpvBuildSpec *spec)
{
    size_t i;

    for (i = 0; i < spec->ndisks; i++) {
        const xenpvDiskSpec *disk = &spec->disks[i];

        if (disk->source &&
            xenpvDomainCheckDiskSource(spec->name, disk->vdev, disk->source,
                                       disk->readonly) < 0)
            return -1;
    }
    return 0;
}


void
xenpvDomainNameInterfaces(virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->nnets; i++) {
        if (!def->nets[i]->ifname)
            def->nets[i]->ifname = g_strdup_printf("vif%d.%zu", def->id, i);
    }
}
