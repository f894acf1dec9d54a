/*
 * xenpv_entry.h: the hypervisor driver's entry points, spread over a few
 * files by concern and gathered into one table in xenpv_driver.c.
 */
#pragma once

#include "xenpv_driver.h"

/* xenpv_driver_domain.c: lookup, listing, definitions, queries */
virDomainPtr xenpvDomainLookupByID(virConnectPtr conn, int id);
virDomainPtr xenpvDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid);
virDomainPtr xenpvDomainLookupByName(virConnectPtr conn, const char *name);
int xenpvConnectListDomains(virConnectPtr conn, int *ids, int maxids);
int xenpvConnectNumOfDomains(virConnectPtr conn);
int xenpvConnectListDefinedDomains(virConnectPtr conn, char **const names, int maxnames);
int xenpvConnectNumOfDefinedDomains(virConnectPtr conn);
int xenpvConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags);
virDomainPtr xenpvDomainDefineXMLFlags(virConnectPtr conn, const char *xml, unsigned int flags);
virDomainPtr xenpvDomainDefineXML(virConnectPtr conn, const char *xml);
int xenpvDomainUndefineFlags(virDomainPtr dom, unsigned int flags);
int xenpvDomainUndefine(virDomainPtr dom);
int xenpvDomainGetInfo(virDomainPtr dom, virDomainInfoPtr info);
int xenpvDomainGetState(virDomainPtr dom, int *state, int *reason, unsigned int flags);
char *xenpvDomainGetXMLDesc(virDomainPtr dom, unsigned int flags);
char *xenpvDomainGetOSType(virDomainPtr dom);
unsigned long long xenpvDomainGetMaxMemory(virDomainPtr dom);
int xenpvDomainIsActive(virDomainPtr dom);
int xenpvDomainIsPersistent(virDomainPtr dom);
int xenpvDomainIsUpdated(virDomainPtr dom);
int xenpvDomainGetAutostart(virDomainPtr dom, int *autostart);
int xenpvDomainSetAutostart(virDomainPtr dom, int autostart);
char *xenpvDomainGetSchedulerType(virDomainPtr dom, int *nparams);
int xenpvDomainGetVcpusFlags(virDomainPtr dom, unsigned int flags);
int xenpvDomainGetMaxVcpus(virDomainPtr dom);
int xenpvDomainGetMessages(virDomainPtr dom, char ***msgs, unsigned int flags);
char *xenpvDomainGetMetadata(virDomainPtr dom, int type, const char *uri, unsigned int flags);
int xenpvDomainSetMetadata(virDomainPtr dom, int type, const char *metadata,
                           const char *key, const char *uri, unsigned int flags);

/* xenpv_driver_vcpu.c: where vCPUs run, and pinning them */
int xenpvDomainGetVcpus(virDomainPtr dom, virVcpuInfoPtr info, int maxinfo,
                        unsigned char *cpumaps, int maplen);
int xenpvDomainPinVcpuFlags(virDomainPtr dom, unsigned int vcpu,
                            unsigned char *cpumap, int maplen, unsigned int flags);
int xenpvDomainPinVcpu(virDomainPtr dom, unsigned int vcpu,
                       unsigned char *cpumap, int maplen);
int xenpvDomainGetVcpuPinInfo(virDomainPtr dom, int ncpumaps,
                              unsigned char *cpumaps, int maplen, unsigned int flags);

/* xenpv_driver_lifecycle.c: starting, stopping, changing running domains */
virDomainPtr xenpvDomainCreateXML(virConnectPtr conn, const char *xml, unsigned int flags);
int xenpvDomainCreateWithFlags(virDomainPtr dom, unsigned int flags);
int xenpvDomainCreate(virDomainPtr dom);
int xenpvDomainShutdownFlags(virDomainPtr dom, unsigned int flags);
int xenpvDomainShutdown(virDomainPtr dom);
int xenpvDomainReboot(virDomainPtr dom, unsigned int flags);
int xenpvDomainDestroyFlags(virDomainPtr dom, unsigned int flags);
int xenpvDomainDestroy(virDomainPtr dom);
int xenpvDomainSuspend(virDomainPtr dom);
int xenpvDomainResume(virDomainPtr dom);
int xenpvDomainSetMemoryFlags(virDomainPtr dom, unsigned long memory, unsigned int flags);
int xenpvDomainSetMemory(virDomainPtr dom, unsigned long memory);
int xenpvDomainSetMaxMemory(virDomainPtr dom, unsigned long memory);
int xenpvDomainSetVcpusFlags(virDomainPtr dom, unsigned int nvcpus, unsigned int flags);
int xenpvDomainSetVcpus(virDomainPtr dom, unsigned int nvcpus);
int xenpvDomainOpenConsole(virDomainPtr dom, const char *devname,
                           virStreamPtr st, unsigned int flags);

/* xenpv_driver_stats.c: statistics of domains and of the host */
int xenpvDomainBlockStats(virDomainPtr dom, const char *path, virDomainBlockStatsPtr stats);
int xenpvDomainBlockStatsFlags(virDomainPtr dom, const char *path,
                               virTypedParameterPtr params, int *nparams, unsigned int flags);
int xenpvDomainInterfaceStats(virDomainPtr dom, const char *device,
                              virDomainInterfaceStatsPtr stats);
int xenpvDomainMemoryStats(virDomainPtr dom, virDomainMemoryStatPtr stats,
                           unsigned int nr_stats, unsigned int flags);
int xenpvDomainGetCPUStats(virDomainPtr dom, virTypedParameterPtr params,
                           unsigned int nparams, int start_cpu, unsigned int ncpus,
                           unsigned int flags);
int xenpvConnectGetAllDomainStats(virConnectPtr conn, virDomainPtr *doms, unsigned int ndoms,
                                  unsigned int stats, virDomainStatsRecordPtr **retStats,
                                  unsigned int flags);
int xenpvNodeGetCPUStats(virConnectPtr conn, int cpuNum, virNodeCPUStatsPtr params,
                         int *nparams, unsigned int flags);
int xenpvNodeGetMemoryStats(virConnectPtr conn, int cellNum, virNodeMemoryStatsPtr params,
                            int *nparams, unsigned int flags);

/* xenpv_driver_hotplug.c: disks and network interfaces plugged in and out */
int xenpvDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags);
int xenpvDomainAttachDevice(virDomainPtr dom, const char *xml);
int xenpvDomainDetachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags);
int xenpvDomainDetachDevice(virDomainPtr dom, const char *xml);
int xenpvDomainUpdateDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags);

/* xenpv_driver_job.c: watching and steering async jobs */
int xenpvDomainGetJobInfo(virDomainPtr dom, virDomainJobInfoPtr info);
int xenpvDomainGetJobStats(virDomainPtr dom, int *type, virTypedParameterPtr *params,
                           int *nparams, unsigned int flags);
int xenpvDomainAbortJob(virDomainPtr dom);
int xenpvDomainAbortJobFlags(virDomainPtr dom, unsigned int flags);
int xenpvDomainMigrateSetMaxDowntime(virDomainPtr dom, unsigned long long downtime,
                                     unsigned int flags);
int xenpvDomainMigrateGetMaxDowntime(virDomainPtr dom, unsigned long long *downtime,
                                     unsigned int flags);
int xenpvDomainMigrateSetMaxSpeed(virDomainPtr dom, unsigned long bandwidth,
                                  unsigned int flags);
int xenpvDomainMigrateGetMaxSpeed(virDomainPtr dom, unsigned long *bandwidth,
                                  unsigned int flags);
