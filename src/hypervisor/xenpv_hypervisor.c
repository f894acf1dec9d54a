/*
 * xenpv_hypervisor.c: helpers shared by every hypervisor back end.
 */
#include <glib.h>
#include <string.h>

#include "xenpv_hypervisor.h"

void
xenpvBuildSpecClear(xenpvBuildSpec *spec)
{
    size_t i;

    if (!spec)
        return;
    g_free(spec->name);
    g_free(spec->kernel);
    g_free(spec->ramdisk);
    g_free(spec->cmdline);
    for (i = 0; i < spec->ndisks; i++) {
        g_free(spec->disks[i].source);
        g_free(spec->disks[i].vdev);
        g_free(spec->disks[i].backendType);
        g_free(spec->disks[i].format);
    }
    g_free(spec->disks);
    for (i = 0; i < spec->nnics; i++) {
        g_free(spec->nics[i].bridge);
        g_free(spec->nics[i].script);
        g_free(spec->nics[i].ip);
        g_free(spec->nics[i].vifname);
        g_free(spec->nics[i].model);
    }
    g_free(spec->nics);
    g_free(spec->vfbType);
    g_free(spec->bootloader);
    g_free(spec->bootloaderArgs);
    g_free(spec->cpuset);
    memset(spec, 0, sizeof(*spec));
}
