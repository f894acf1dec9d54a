/*
 * xenpv_driver_vcpu.c: entry points about a domain's vCPUs as the
 * scheduler sees them: where each runs and for how long (vcpuinfo), and
 * which host CPUs each may run on (vcpupin, live and in the persistent
 * definition, and its query).
 *
 * A live pin goes to the hypervisor and into the live definition's
 * <cputune><vcpupin>, so the query, the status XML and a daemon restart
 * all see it; a --config pin changes the persistent definition only and
 * applies at the next start, when the build pins every vCPU.
 */
#include "xenpv_driver.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virbitmap.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_domain.h"
#include "xenpv_entry.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.driver_vcpu");


int
xenpvDomainGetVcpus(virDomainPtr dom, virVcpuInfoPtr info, int maxinfo,
                    unsigned char *cpumaps, int maplen)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    g_autofree xenpvVcpuInfo *vcpus = NULL;
    size_t nvcpus = 0;
    size_t i;
    int n = 0;
    int ret = -1;

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetVcpusEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto cleanup;
    if (!XENPV_HYP_HAS(driver, domainGetVcpus) ||
        driver->hyp.ops->domainGetVcpus(&driver->hyp, vm->def->id, &vcpus, &nvcpus) < 0)
        goto cleanup;

    if (cpumaps && maplen > 0)
        memset(cpumaps, 0, (size_t)maplen * MAX(maxinfo, 0));
    /* The online vCPUs, by their numbers, as the number of CPUs the
     * domain's info reports counts them. */
    for (i = 0; i < nvcpus && n < maxinfo; i++) {
        if (!vcpus[i].online)
            continue;
        info[n].number = vcpus[i].id;
        info[n].state = vcpus[i].running ? VIR_VCPU_RUNNING : VIR_VCPU_BLOCKED;
        info[n].cpuTime = vcpus[i].cpuTimeNs;
        info[n].cpu = vcpus[i].cpu;
        if (cpumaps && maplen > 0)
            memcpy(VIR_GET_CPUMAP(cpumaps, maplen, n), vcpus[i].affinity,
                   MIN((size_t)maplen, sizeof(vcpus[i].affinity)));
        n++;
    }
    ret = n;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


/* The vCPU @vcpu of @def, which must be online in a live definition. */
static virDomainVcpuDef *
xenpvDomainPinTarget(virDomainDef *def, unsigned int vcpu, bool live)
{
    virDomainVcpuDef *vcpuDef = virDomainDefGetVcpu(def, vcpu);

    if (!vcpuDef) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain '%s' has no vCPU %u: it has at most %u"),
                       def->name, vcpu, virDomainDefGetVcpusMax(def));
        return NULL;
    }
    if (live && !vcpuDef->online) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("vCPU %u of domain '%s' is not online; pin it with --config, or bring it online first (setvcpus)"),
                       vcpu, def->name);
        return NULL;
    }
    return vcpuDef;
}


int
xenpvDomainPinVcpuFlags(virDomainPtr dom, unsigned int vcpu,
                        unsigned char *cpumap, int maplen, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    virDomainDef *def = NULL;
    virDomainDef *persistentDef = NULL;
    virDomainVcpuDef *liveVcpu = NULL;
    virDomainVcpuDef *configVcpu = NULL;
    g_autoptr(virBitmap) pcpus = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE |
                  VIR_DOMAIN_AFFECT_CONFIG, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainPinVcpuFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjGetDefs(vm, flags, &def, &persistentDef) < 0)
        goto endjob;

    if (maplen <= 0 || !(pcpus = virBitmapNewData(cpumap, maplen)))
        goto endjob;
    if (virBitmapIsAllClear(pcpus)) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("an empty list of host CPUs: a vCPU must be allowed to run somewhere"));
        goto endjob;
    }
    if (virBitmapNextSetBit(pcpus, -1) >= (ssize_t)driver->hostInfo.nrCpus) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("the list of host CPUs names no CPU of this host (0-%u)"),
                       MAX(driver->hostInfo.nrCpus, 1) - 1);
        goto endjob;
    }

    /* Both checked before anything changes. */
    if (def && !(liveVcpu = xenpvDomainPinTarget(def, vcpu, true)))
        goto endjob;
    if (persistentDef && !(configVcpu = xenpvDomainPinTarget(persistentDef, vcpu, false)))
        goto endjob;

    if (liveVcpu) {
        if (!XENPV_HYP_HAS(driver, domainSetVcpuAffinity) ||
            driver->hyp.ops->domainSetVcpuAffinity(&driver->hyp, def->id, vcpu,
                                                   cpumap, maplen) < 0)
            goto endjob;
        virBitmapFree(liveVcpu->cpumask);
        liveVcpu->cpumask = virBitmapNewCopy(pcpus);
        xenpvDomainSaveStatus(driver, vm);
    }
    if (configVcpu) {
        virBitmapFree(configVcpu->cpumask);
        configVcpu->cpumask = virBitmapNewCopy(pcpus);
        if (virDomainDefSave(persistentDef, driver->xmlopt, driver->configDir) < 0)
            goto endjob;
    }
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}


int
xenpvDomainPinVcpu(virDomainPtr dom, unsigned int vcpu,
                   unsigned char *cpumap, int maplen)
{
    return xenpvDomainPinVcpuFlags(dom, vcpu, cpumap, maplen, VIR_DOMAIN_AFFECT_LIVE);
}


int
xenpvDomainGetVcpuPinInfo(virDomainPtr dom, int ncpumaps,
                          unsigned char *cpumaps, int maplen, unsigned int flags)
{
    xenpvDriver *driver = xenpv_driver;
    virDomainObj *vm;
    virDomainDef *def;
    g_autoptr(virBitmap) hostcpus = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE |
                  VIR_DOMAIN_AFFECT_CONFIG, -1);

    if (!(vm = xenpvDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetVcpuPinInfoEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (!(def = virDomainObjGetOneDef(vm, flags)))
        goto cleanup;

    /* A vCPU that is not pinned may run on every host CPU. */
    hostcpus = virBitmapNew(MAX(driver->hostInfo.nrCpus, 1));
    virBitmapSetAll(hostcpus);
    ret = virDomainDefGetVcpuPinInfoHelper(def, maplen, ncpumaps, cpumaps, hostcpus, NULL);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
