/*
 * xenpv_hypervisor.h: what the driver needs from a Xen hypervisor.
 *
 * This is the one interface between the libvirt driver and the hypervisor.
 * It is shaped after Xen's own lower libraries (libxenctrl, libxenguest,
 * libxenstore) rather than after libxl, because the driver wants to steer
 * what libxl hides: the domain build, the save stream, log-dirty tracking.
 * Two back ends implement it as peers:
 *
 *   - "sim": a client of xenpv-simhost, a user-space stand-in for the
 *     hypervisor that runs outside libvirtd (so guests outlive the daemon);
 *   - "xen": libxenctrl/libxenguest/libxenstore on a real dom0.
 *
 * Conventions: every operation returns 0 on success and -1 on failure with a
 * libvirt error already reported (virReportError), unless it says otherwise.
 * Domain IDs, page counts and states mean what they mean to Xen.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenpv_guest_abi.h"

#define XENPV_PAGE_SHIFT 12
#define XENPV_PAGE_SIZE (1UL << XENPV_PAGE_SHIFT)
#define XENPV_KIB_TO_PAGES(kib) ((kib) >> (XENPV_PAGE_SHIFT - 10))
#define XENPV_PAGES_TO_KIB(pages) ((pages) << (XENPV_PAGE_SHIFT - 10))

/* Xen's shutdown reasons (public/sched.h SHUTDOWN_*), same numbers. */
typedef enum {
    XENPV_SHUTDOWN_POWEROFF = 0,
    XENPV_SHUTDOWN_REBOOT = 1,
    XENPV_SHUTDOWN_SUSPEND = 2,
    XENPV_SHUTDOWN_CRASH = 3,
    XENPV_SHUTDOWN_WATCHDOG = 4,
    XENPV_SHUTDOWN_SOFT_RESET = 5,
} xenpvShutdownReason;

/* One domain as the hypervisor reports it (xc_domaininfo_t's flags). */
typedef struct _xenpvDomainInfo xenpvDomainInfo;
struct _xenpvDomainInfo {
    uint32_t domid;
    unsigned char uuid[16];
    bool dying;
    bool shutdown;          /* shut down; see shutdownReason */
    bool paused;
    bool blocked;
    bool running;
    unsigned int shutdownReason;  /* xenpvShutdownReason, valid if shutdown */
    uint64_t nrPages;       /* pages currently allocated */
    uint64_t maxPages;      /* allocation ceiling (max memory) */
    uint64_t cpuTimeNs;     /* sum over vCPUs */
    unsigned int nrOnlineVcpus;
    unsigned int maxVcpuId;
    xenpvGuestAbi abi;      /* the guest's ABI as the hypervisor sees it (PV domains) */
    bool hvm;               /* an HVM domain: the PVH container of a PV-shim guest */
};

/* The host, from physinfo and version hypercalls. */
typedef struct _xenpvHostInfo xenpvHostInfo;
struct _xenpvHostInfo {
    unsigned int nrCpus;
    unsigned int threadsPerCore;
    unsigned int coresPerSocket;
    unsigned int nrNodes;
    unsigned long cpuKhz;
    uint64_t totalPages;
    uint64_t freePages;
    unsigned int xenMajor;
    unsigned int xenMinor;
    char xenExtra[32];
    char xenCaps[1024];     /* e.g. "xen-3.0-x86_64 xen-3.0-x86_32p" */
    bool pv32;              /* xen_caps has xen-3.0-x86_32p */
    bool logDirty;          /* PV log-dirty (needed for live save/migration) */
    bool hvm;               /* HVM domains (XEN_SYSCTL_PHYSCAP_hvm): PVH containers */
    bool hap;               /* hardware-assisted paging for them (and their log-dirty) */
    bool shadow;            /* shadow paging (CONFIG_SHADOW_PAGING) */
};

/* XenbusState (xen/io/xenbus.h): where each end of a device's handshake is. */
#define XENPV_XENBUS_INITIALISING 1
#define XENPV_XENBUS_INITWAIT 2
#define XENPV_XENBUS_INITIALISED 3
#define XENPV_XENBUS_CONNECTED 4
#define XENPV_XENBUS_CLOSING 5
#define XENPV_XENBUS_CLOSED 6

/* Host CPUs a CPU map covers: one bit a CPU, CPU 0 in the lowest bit of
 * byte 0 (Xen's xc_cpumap_t and libvirt's cpumaps alike). */
#define XENPV_MAX_HOST_CPUS 1024
#define XENPV_CPUMAP_BYTES (XENPV_MAX_HOST_CPUS / 8)

/* One vCPU of a domain (xc_vcpu_getinfo and its hard affinity). */
typedef struct _xenpvVcpuInfo xenpvVcpuInfo;
struct _xenpvVcpuInfo {
    unsigned int id;
    bool online;
    bool running;           /* on a host CPU right now */
    bool blocked;
    int cpu;                /* host CPU it runs or last ran on; -1 if offline */
    uint64_t cpuTimeNs;
    unsigned char affinity[XENPV_CPUMAP_BYTES];
};

/* The host's NUMA nodes and where its CPUs sit (xc_numainfo and
 * xc_cputopoinfo); -1 where the hypervisor does not say. */
typedef struct _xenpvHostTopology xenpvHostTopology;
struct _xenpvHostTopology {
    size_t nnodes;
    uint64_t *nodeMemKiB;
    uint64_t *nodeFreeKiB;
    size_t ncpus;
    int *cpuNode;
    int *cpuSocket;
    int *cpuCore;
};

void xenpvHostTopologyClear(xenpvHostTopology *topo);

/* CPU maps as text, the cpuset syntax without exclusions ("0-3,6"). */
char *xenpvCpumapFormat(const unsigned char *map, size_t maplen);
/* False if @text is malformed or names a CPU beyond @maplen bytes. */
bool xenpvCpumapParse(const char *text, unsigned char *map, size_t maplen);

/* Time one host CPU spent running vCPUs (any domain's, dom0's included)
 * and idle, since the host started. */
typedef struct _xenpvHostCpuTime xenpvHostCpuTime;
struct _xenpvHostCpuTime {
    uint64_t busyNs;
    uint64_t idleNs;
};

/* A virtual disk's counters as its backend keeps them (blkback's
 * statistics); -1 where the back end does not know. */
typedef struct _xenpvBlockStats xenpvBlockStats;
struct _xenpvBlockStats {
    int64_t rdReq;
    int64_t rdBytes;
    int64_t wrReq;
    int64_t wrBytes;
    int64_t flReq;
    int64_t errs;
};

/* A network interface's counters from the guest's side: "rx" is what
 * reached the guest (what its vif in dom0 sent); -1 where unknown. */
typedef struct _xenpvNicStats xenpvNicStats;
struct _xenpvNicStats {
    int64_t rxBytes;
    int64_t rxPackets;
    int64_t rxErrs;
    int64_t rxDrop;
    int64_t txBytes;
    int64_t txPackets;
    int64_t txErrs;
    int64_t txDrop;
};

/* Can the host run a PVH container, as the PV-shim needs?  HVM, with
 * hardware-assisted or shadow paging for its memory. */
bool xenpvHostRunsPvh(const xenpvHostInfo *host);

/* Can the host track the pages a guest in @container dirties (live save
 * and live migration)?  A PV domain needs PV log-dirty (shadow paging); a
 * PVH container gets it from HAP, or from shadow paging. */
bool xenpvHostLogDirty(const xenpvHostInfo *host, xenpvContainer container);

/* Xen's virtual device number for a disk name (xvda, sdb1, hdc ...); -1 if
 * the name is none Xen can number. */
int xenpvDiskDevid(const char *vdev);

/* A virtual block device of a PV guest (blkfront/blkback). */
typedef struct _xenpvDiskSpec xenpvDiskSpec;
struct _xenpvDiskSpec {
    char *source;           /* block device or file in dom0 */
    char *vdev;             /* xvda, sda, hda1 ... as the guest names it */
    char *backendType;      /* "phy", "file", "tap", "tap2", "qdisk" */
    char *format;           /* "raw", "qcow", "qcow2", "qed", "vhd"; NULL: raw */
    bool readonly;
    bool shareable;
};

/* A virtual network interface (netfront/netback). */
typedef struct _xenpvNicSpec xenpvNicSpec;
struct _xenpvNicSpec {
    char mac[18];           /* "00:16:3e:00:00:11" */
    char *bridge;
    char *script;
    char *ip;
    char *vifname;
    char *model;
};

/* Everything the domain builder needs to create one PV guest. */
typedef struct _xenpvBuildSpec xenpvBuildSpec;
struct _xenpvBuildSpec {
    char *name;
    unsigned char uuid[16];
    uint64_t maxMemKiB;     /* allocation ceiling */
    uint64_t targetMemKiB;  /* balloon target at boot */
    unsigned int maxVcpus;
    unsigned int vcpus;     /* online at boot */
    char *kernel;
    /* The kernel's ELF image as the driver decompressed it to read its
     * notes, so that the builder need not do it again; NULL: read @kernel. */
    GBytes *kernelImage;
    char *ramdisk;
    char *cmdline;
    xenpvGuestAbi abi;      /* from the kernel's ELF notes */
    xenpvDiskSpec *disks;
    size_t ndisks;
    xenpvNicSpec *nics;
    size_t nnics;
    bool vfb;               /* PV framebuffer */
    char *vfbType;          /* "vnc" or "sdl" */
    char *vncListen;        /* the address its VNC server listens on */
    int vncPort;            /* its port (chosen by the driver: 5900 up) */
    char *vncPassword;      /* VNC authentication; NULL: none */
    char *keymap;           /* the VNC keyboard layout ("en-us"); NULL: default */
    char *bootloader;       /* run in dom0 to pick kernel/ramdisk/cmdline (pygrub) */
    char *bootloaderArgs;
    char *cpuset;           /* host CPUs the vCPUs may run on ("0-3,^2"); NULL: any */
    unsigned int maxEventChannels;  /* xl's max_event_channels; 0: the default */
    unsigned int maxGrantFrames;    /* xl's max_grant_frames; 0: the default */
    char **vcpuCpusets;     /* per vCPU (maxVcpus entries, or NULL); an entry
                             * overrides cpuset for its vCPU, NULL: cpuset */
    /* What the guest runs in.  XENPV_CONTAINER_PVSHIM: a PVH container
     * booting @shim (with @shimCmdline) as its kernel, which runs the PV
     * guest from @kernel, @ramdisk and @cmdline (docs/pvshim.md). */
    xenpvContainer container;
    char *shim;
    char *shimCmdline;
};

void xenpvBuildSpecClear(xenpvBuildSpec *spec);
/* The host CPUs vCPU @vcpu of @spec may run on: its own set, else the
 * domain's (NULL or empty: any). */
const char *xenpvBuildSpecVcpuCpuset(const xenpvBuildSpec *spec, unsigned int vcpu);
void xenpvDiskSpecClear(xenpvDiskSpec *disk);
void xenpvNicSpecClear(xenpvNicSpec *nic);

/* A live save at the end of one pre-copy round (a round copies what was
 * dirty when it began while the guest runs on). */
typedef struct _xenpvSaveRound xenpvSaveRound;
struct _xenpvSaveRound {
    unsigned int iteration;     /* rounds done: 1 once all memory was copied once */
    uint64_t sentPages;         /* pages written so far, all rounds together */
    uint64_t dirtyPages;        /* dirtied since the round began: still to send */
    double sendRate;            /* pages per second the round was written at */
    double dirtyRate;           /* pages per second the guest dirtied meanwhile */
};

/* Progress and control of a save stream (used by save, and by migration).
 * The driver may change maxDowntimeMs and bandwidthBps from within
 * progress() (a migration's downtime target and bandwidth, changed while
 * it runs): a back end reads them again after each progress() call, as the
 * shared pre-copy policy (xenpv_precopy.h) does; the bandwidth itself is
 * the driver's to enforce, on its data channel. */
typedef struct _xenpvSaveParams xenpvSaveParams;
struct _xenpvSaveParams {
    bool live;              /* iterate with log-dirty while the guest runs */
    /* Most pre-copy rounds; 0: a default (xenpv_precopy.h). */
    unsigned int maxIterations;
    uint64_t maxDowntimeMs; /* stop-and-copy once the rest fits in this */
    uint64_t bandwidthBps;  /* 0: unlimited */
    /* Called from the saving thread; nonzero return aborts the save.
     * @remainingPages is what is still to be sent as far as the back end
     * knows: after a live round, the pages the guest dirtied during it. */
    int (*progress)(void *opaque, uint64_t sentPages, uint64_t remainingPages,
                    unsigned int iteration);
    /* Live saves, from the saving thread, after each round the policy
     * (xenpv_precopy.h) did not stop at: the driver may slow the guest
     * down so that a later round converges (auto-converge).  May be NULL. */
    void (*converge)(void *opaque, const xenpvSaveRound *round);
    /* Ask the guest to suspend itself and wait until it has (required). */
    int (*suspend)(void *opaque);
    void *opaque;
};

typedef struct _xenpvHypervisor xenpvHypervisor;

typedef struct _xenpvHypervisorOps xenpvHypervisorOps;
struct _xenpvHypervisorOps {
    const char *name;

    /* The save stream domainSave writes and domainRestore reads: a name and
     * a version.  Streams of another format never reach domainRestore: the
     * save image and the migration cookie carry both, and the driver refuses
     * a stream this back end does not read (another format, or a newer
     * version) before handing it over. */
    const char *streamFormat;
    unsigned int streamVersion;
    /* The stream of a guest in the PV-shim (its PVH container's), of the
     * same version: named apart so that a save image or migration says
     * which container to restore it into.  NULL: no PV-shim guests. */
    const char *shimStreamFormat;

    /* Fail with a message naming what is missing when the host cannot serve. */
    int (*open)(xenpvHypervisor *hyp);
    void (*close)(xenpvHypervisor *hyp);

    int (*getHostInfo)(xenpvHypervisor *hyp, xenpvHostInfo *info);
    /* Can this host serve a PV framebuffer of @type ("vnc", "sdl"), with
     * VNC authentication if @password?  0, or -1 with
     * VIR_ERR_CONFIG_UNSUPPORTED saying what is missing. */
    int (*checkFramebuffer)(xenpvHypervisor *hyp, const char *type, bool password);
    /* NUMA nodes (memory, free memory) and each host CPU's node, socket
     * and core; clear @topo with xenpvHostTopologyClear. */
    int (*getHostTopology)(xenpvHypervisor *hyp, xenpvHostTopology *topo);
    /* Busy and idle time of every host CPU; free *cpus with g_free. */
    int (*getHostCpuTimes)(xenpvHypervisor *hyp, xenpvHostCpuTime **cpus, size_t *ncpus);

    /* All domains, dom0 included, sorted by domid. */
    int (*listDomains)(xenpvHypervisor *hyp, xenpvDomainInfo **infos, size_t *ninfos);
    /* Returns 1 and fills @info, 0 if no such domain (no error), -1 on error. */
    int (*getDomainInfo)(xenpvHypervisor *hyp, uint32_t domid, xenpvDomainInfo *info);

    /* Create and build a PV domain from @spec (in the PV-shim's PVH
     * container when spec->container says so), left paused. */
    int (*domainCreate)(xenpvHypervisor *hyp, const xenpvBuildSpec *spec, uint32_t *domid);
    int (*domainPause)(xenpvHypervisor *hyp, uint32_t domid);
    int (*domainUnpause)(xenpvHypervisor *hyp, uint32_t domid);
    /* Destroy the domain and tear down its devices and store entries. */
    int (*domainDestroy)(xenpvHypervisor *hyp, uint32_t domid);
    /* Resume a guest that suspended itself for a save that was abandoned. */
    int (*domainResume)(xenpvHypervisor *hyp, uint32_t domid);
    int (*domainSetMaxMem)(xenpvHypervisor *hyp, uint32_t domid, uint64_t kib);
    int (*domainSetMaxVcpus)(xenpvHypervisor *hyp, uint32_t domid, unsigned int max);
    /* Every vCPU up to the domain's maximum, in order; free *vcpus with g_free. */
    int (*domainGetVcpus)(xenpvHypervisor *hyp, uint32_t domid,
                          xenpvVcpuInfo **vcpus, size_t *nvcpus);
    /* Pin @vcpu to the host CPUs set in @cpumap (@maplen bytes). */
    int (*domainSetVcpuAffinity)(xenpvHypervisor *hyp, uint32_t domid, unsigned int vcpu,
                                 const unsigned char *cpumap, size_t maplen);
    /* The scheduler's cap on the CPU time of the whole domain, in % of one
     * host CPU (the cap of Xen's credit and credit2 schedulers); 0: none.
     * Auto-converge slows a guest that dirties memory faster than a
     * migration sends it with this. */
    int (*domainGetCpuCap)(xenpvHypervisor *hyp, uint32_t domid, unsigned int *cap);
    int (*domainSetCpuCap)(xenpvHypervisor *hyp, uint32_t domid, unsigned int cap);

    /* The counters of the domain's disk @vdev (xvda ...) and of its network
     * interface with MAC address @mac; VIR_ERR_INVALID_ARG if it has none. */
    int (*domainBlockStats)(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                            xenpvBlockStats *stats);
    int (*domainNicStats)(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                          xenpvNicStats *stats);

    /* Hotplug.  Attach: the device's backend and frontend nodes, the
     * hotplug script, the backend ready for the guest (which connects its
     * end by itself).  An interface takes the first free device number,
     * returned in *devid.  Detach: ask the guest to let the device go
     * (backend Closing), wait up to @timeoutMs for it to close its end,
     * then remove the device whatever the guest did, as Xen's toolstack
     * forces a removal.  Returns 0 when the guest let go, 1 when the
     * removal was forced, -1 on error (VIR_ERR_INVALID_ARG: no such
     * device). */
    int (*domainAttachDisk)(xenpvHypervisor *hyp, uint32_t domid, const xenpvDiskSpec *disk);
    int (*domainDetachDisk)(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                            unsigned int timeoutMs);
    int (*domainAttachNic)(xenpvHypervisor *hyp, uint32_t domid, const xenpvNicSpec *nic,
                           int *devid);
    int (*domainDetachNic)(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                           unsigned int timeoutMs);
    /* Move the running interface @mac into bridge @bridge. */
    int (*domainNicSetBridge)(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                              const char *bridge);

    /* Map @count guest frames from @pfn into this process (xenforeignmemory). */
    void *(*mapForeign)(xenpvHypervisor *hyp, uint32_t domid, int prot,
                        uint64_t pfn, size_t count);
    void (*unmapForeign)(xenpvHypervisor *hyp, void *addr, size_t count);

    /* Log-dirty mode (XEN_DOMCTL_SHADOW_OP_*); -1 with VIR_ERR_OPERATION_UNSUPPORTED
     * where the hypervisor lacks it. */
    int (*logDirtyEnable)(xenpvHypervisor *hyp, uint32_t domid, bool enable);
    /* Fill @bitmap (one bit a page, @nrPages bits) with pages dirtied since the
     * last clean; clean as well if @clean.  *dirty gets the count. */
    int (*logDirtyPeekClean)(xenpvHypervisor *hyp, uint32_t domid, bool clean,
                             unsigned long *bitmap, uint64_t nrPages,
                             uint64_t *dirty);

    /* The store (xenstore). Read gives 0 and NULL for a missing node. */
    int (*storeRead)(xenpvHypervisor *hyp, const char *path, char **value);
    int (*storeWrite)(xenpvHypervisor *hyp, const char *path, const char *value);
    int (*storeRemove)(xenpvHypervisor *hyp, const char *path);

    /* A file descriptor that turns readable when any domain changes state
     * (VIRQ_DOM_EXC / @releaseDomain); eventAck drains it. */
    int (*eventFd)(xenpvHypervisor *hyp);
    int (*eventAck)(xenpvHypervisor *hyp);

    /* Write the domain's save stream to @fd; the domain is left suspended. */
    int (*domainSave)(xenpvHypervisor *hyp, uint32_t domid, int fd,
                      const xenpvSaveParams *params);
    /* Create a domain from @spec and fill it from the stream on @fd; paused. */
    int (*domainRestore)(xenpvHypervisor *hyp, const xenpvBuildSpec *spec,
                         int fd, uint32_t *domid);
};

struct _xenpvHypervisor {
    const xenpvHypervisorOps *ops;
    char *socketPath;       /* sim: simhost's control socket */
    void *priv;             /* back end's own state */
};

/* The back ends. */
extern const xenpvHypervisorOps xenpvSimHypervisorOps;
extern const xenpvHypervisorOps xenpvXenHypervisorOps;
