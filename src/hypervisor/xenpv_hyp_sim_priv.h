/*
 * xenpv_hyp_sim_priv.h: what the "sim" back end's files share: one request
 * connection to xenpv-simhost (serialised by a mutex, so the driver may call
 * from any thread) and one event subscription.
 */
#pragma once

#include <glib.h>

#include "xenpv_hypervisor.h"
#include "xenpv_simproto.h"

typedef struct _xenpvSimPriv xenpvSimPriv;
struct _xenpvSimPriv {
    char *socketPath;
    GMutex lock;                    /* guards conn */
    xenpvSimClient *conn;           /* NULL after a broken connection */
    xenpvSimClient *events;
};

/* Send @line and read the reply; on failure report a libvirt error and
 * return NULL.  @payload and @fd as for xenpvSimClientCall. */
xenpvSimMsg *xenpvSimRequest(xenpvHypervisor *hyp, GString *line,
                             GBytes **payload, int *fd);
/* The same, but an answer of error @absent (a domain, node or device that
 * is not there) gives 0 with no error reported; 1 with *@reply on success. */
int xenpvSimCall(xenpvHypervisor *hyp, GString *line, int absent,
                 GBytes **payload, int *fd, xenpvSimMsg **reply);
/* The same, when only success matters. */
int xenpvSimRequestSimple(xenpvHypervisor *hyp, GString *line);
/* Report a failure of the simulated host as a libvirt error. */
void xenpvSimReportError(xenpvHypervisor *hyp, const GError *err);

/* Send a CREATE request @line (a new domain or one to restore into) and
 * read the new domain's id. */
int xenpvSimCreate(xenpvHypervisor *hyp, GString *line, uint32_t *domid);

/* The domain's whole memory: its descriptor (the caller closes it) and size. */
int xenpvSimMemoryFd(xenpvHypervisor *hyp, uint32_t domid, size_t *bytes);

/* xenpv_hyp_sim_cpus.c */
int xenpvSimGetHostTopology(xenpvHypervisor *hyp, xenpvHostTopology *topo);
int xenpvSimGetHostCpuTimes(xenpvHypervisor *hyp, xenpvHostCpuTime **cpus, size_t *ncpus);
int xenpvSimDomainGetVcpus(xenpvHypervisor *hyp, uint32_t domid,
                           xenpvVcpuInfo **vcpus, size_t *nvcpus);
int xenpvSimDomainSetVcpuAffinity(xenpvHypervisor *hyp, uint32_t domid, unsigned int vcpu,
                                  const unsigned char *cpumap, size_t maplen);

/* xenpv_hyp_sim_devices.c */
int xenpvSimDomainBlockStats(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                             xenpvBlockStats *stats);
int xenpvSimDomainNicStats(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                           xenpvNicStats *stats);
int xenpvSimDomainAttachDisk(xenpvHypervisor *hyp, uint32_t domid, const xenpvDiskSpec *disk);
int xenpvSimDomainDetachDisk(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                             unsigned int timeoutMs);
int xenpvSimDomainAttachNic(xenpvHypervisor *hyp, uint32_t domid, const xenpvNicSpec *nic,
                            int *devid);
int xenpvSimDomainDetachNic(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                            unsigned int timeoutMs);
int xenpvSimDomainNicSetBridge(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                               const char *bridge);

/* xenpv_hyp_sim_save.c: its stream (docs/sim-save-stream.md) */
#define XENPV_SIM_STREAM_FORMAT "xenpv-sim"
#define XENPV_SIM_STREAM_VERSION 1
/* The same stream of a guest in the PV-shim's container, named apart. */
#define XENPV_SIM_SHIM_STREAM_FORMAT "xenpv-sim-shim"

int xenpvSimDomainSave(xenpvHypervisor *hyp, uint32_t domid, int fd,
                       const xenpvSaveParams *params);
int xenpvSimDomainRestore(xenpvHypervisor *hyp, const xenpvBuildSpec *spec,
                          int fd, uint32_t *domid);

/* The stream's header as it is on the wire (little-endian hosts only). */
typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t headerSize;
    char abi[16];
    uint32_t pageSize;
    uint32_t maxVcpus;
    uint64_t memPages;                  /* size of guest memory */
    uint64_t nrPages;                   /* pages allocated (accounting) */
    uint32_t onlineVcpus;
    uint32_t crc;                       /* of everything before it */
} xenpvSimSaveHeader;

/* The reading half of domainRestore, apart from the simulated host (and
 * fuzzed on its own, tests/fuzz): read and check the stream's header from
 * @fd, with the guest ABI it names; then apply its records to the guest
 * memory @mem of @memPages pages that @memfd backs, up to the end record.
 * Each reports an error that names what is wrong with the stream. */
int xenpvSimStreamReadHeader(int fd, xenpvSimSaveHeader *hdr, xenpvGuestAbi *abi);
int xenpvSimStreamReadRecords(int fd, int memfd, uint8_t *mem, uint64_t memPages);
