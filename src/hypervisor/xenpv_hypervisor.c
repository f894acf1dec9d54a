/*
 * xenpv_hypervisor.c: helpers shared by every hypervisor back end.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "xenpv_hypervisor.h"

void
xenpvDiskSpecClear(xenpvDiskSpec *disk)
{
    g_free(disk->source);
    g_free(disk->vdev);
    g_free(disk->backendType);
    g_free(disk->format);
    memset(disk, 0, sizeof(*disk));
}


void
xenpvNicSpecClear(xenpvNicSpec *nic)
{
    g_free(nic->bridge);
    g_free(nic->script);
    g_free(nic->ip);
    g_free(nic->vifname);
    g_free(nic->model);
    memset(nic, 0, sizeof(*nic));
}


void
xenpvBuildSpecClear(xenpvBuildSpec *spec)
{
    size_t i;

    if (!spec)
        return;
    g_free(spec->name);
    g_free(spec->kernel);
    if (spec->kernelImage)
        g_bytes_unref(spec->kernelImage);
    g_free(spec->ramdisk);
    g_free(spec->cmdline);
    for (i = 0; i < spec->ndisks; i++)
        xenpvDiskSpecClear(&spec->disks[i]);
    g_free(spec->disks);
    for (i = 0; i < spec->nnics; i++)
        xenpvNicSpecClear(&spec->nics[i]);
    g_free(spec->nics);
    g_free(spec->vfbType);
    g_free(spec->vncListen);
    if (spec->vncPassword)
        memset(spec->vncPassword, 0, strlen(spec->vncPassword));
    g_free(spec->vncPassword);
    g_free(spec->keymap);
    g_free(spec->bootloader);
    g_free(spec->bootloaderArgs);
    g_free(spec->cpuset);
    if (spec->vcpuCpusets) {
        for (i = 0; i < spec->maxVcpus; i++)
            g_free(spec->vcpuCpusets[i]);
        g_free(spec->vcpuCpusets);
    }
    g_free(spec->shim);
    g_free(spec->shimCmdline);
    memset(spec, 0, sizeof(*spec));
}


const char *
xenpvBuildSpecVcpuCpuset(const xenpvBuildSpec *spec, unsigned int vcpu)
{
    if (spec->vcpuCpusets && spec->vcpuCpusets[vcpu])
        return spec->vcpuCpusets[vcpu];
    return spec->cpuset;
}


void
xenpvHostTopologyClear(xenpvHostTopology *topo)
{
    if (!topo)
        return;
    g_free(topo->nodeMemKiB);
    g_free(topo->nodeFreeKiB);
    g_free(topo->cpuNode);
    g_free(topo->cpuSocket);
    g_free(topo->cpuCore);
    memset(topo, 0, sizeof(*topo));
}


static bool
xenpvCpumapTest(const unsigned char *map, size_t cpu)
{
    return map[cpu / 8] & (1U << (cpu % 8));
}


char *
xenpvCpumapFormat(const unsigned char *map, size_t maplen)
{
    GString *out = g_string_new(NULL);
    size_t ncpus = maplen * 8;
    size_t cpu = 0;

    while (cpu < ncpus) {
        size_t last;

        if (!xenpvCpumapTest(map, cpu)) {
            cpu++;
            continue;
        }
        for (last = cpu; last + 1 < ncpus && xenpvCpumapTest(map, last + 1); last++)
            ;
        if (out->len)
            g_string_append_c(out, ',');
        if (last == cpu)
            g_string_append_printf(out, "%zu", cpu);
        else
            g_string_append_printf(out, "%zu-%zu", cpu, last);
        cpu = last + 1;
    }
    return g_string_free(out, FALSE);
}


bool
xenpvCpumapParse(const char *text, unsigned char *map, size_t maplen)
{
    g_auto(GStrv) ranges = NULL;
    size_t i;

    memset(map, 0, maplen);
    if (!text)
        return false;
    if (!*text)
        return true;
    ranges = g_strsplit(text, ",", -1);
    for (i = 0; ranges[i]; i++) {
        g_auto(GStrv) ends = g_strsplit(ranges[i], "-", 3);
        guint64 first;
        guint64 last;
        guint64 cpu;

        if (!ends[0] || (ends[1] && ends[2]) ||
            !g_ascii_string_to_unsigned(ends[0], 10, 0, maplen * 8 - 1, &first, NULL))
            return false;
        last = first;
        if (ends[1] &&
            !g_ascii_string_to_unsigned(ends[1], 10, first, maplen * 8 - 1, &last, NULL))
            return false;
        for (cpu = first; cpu <= last; cpu++)
            map[cpu / 8] |= 1U << (cpu % 8);
    }
    return true;
}


bool
xenpvHostRunsPvh(const xenpvHostInfo *host)
{
    return host->hvm && (host->hap || host->shadow);
}


bool
xenpvHostLogDirty(const xenpvHostInfo *host, xenpvContainer container)
{
    if (container == XENPV_CONTAINER_PVSHIM)
        return xenpvHostRunsPvh(host);
    return host->logDirty;
}


/* Xen's virtual device number for a disk name (xvda, sdb1, hdc ...), as
 * the guest's blkfront decodes it (Xen's docs/misc/vbd-interface.txt);
 * -1 if the name is none of those.  The simulated host numbers its disks
 * with it too. */
int
xenpvDiskDevid(const char *vdev)
{
    const char *p;
    unsigned int disk = 0;
    unsigned int part = 0;
    size_t letters = 0;
    int kind;   /* 0: xvd, 1: sd, 2: hd */

    if (g_str_has_prefix(vdev, "xvd")) {
        kind = 0;
        p = vdev + 3;
    } else if (g_str_has_prefix(vdev, "sd")) {
        kind = 1;
        p = vdev + 2;
    } else if (g_str_has_prefix(vdev, "hd")) {
        kind = 2;
        p = vdev + 2;
    } else {
        return -1;
    }
    /* Letters are a bijective base-26 number: a..z, aa..zz, ... */
    for (; *p >= 'a' && *p <= 'z'; p++, letters++) {
        disk = disk * 26 + (*p - 'a' + 1);
        if (disk > (1U << 20))
            return -1;
    }
    if (letters == 0)
        return -1;
    disk--;
    if (*p) {
        char *end;
        unsigned long n = strtoul(p, &end, 10);

        if (!g_ascii_isdigit(*p) || *p == '0' || *end || n > 255)
            return -1;
        part = n;
    }

    switch (kind) {
    case 0:
        if (disk < 16 && part < 16)
            return (202 << 8) | (disk << 4) | part;
        if (disk < (1U << 20))
            return (1 << 28) | (disk << 8) | part;
        return -1;
    case 1:
        if (disk < 16 && part < 16)
            return (8 << 8) | (disk << 4) | part;
        return -1;
    case 2: {
        static const unsigned int majors[] = { 3, 22, 33, 34 };

        if (disk < 8 && part < 64)
            return (majors[disk / 2] << 8) | ((disk % 2) << 6) | part;
        return -1;
    }
    }
    return -1;
}
