/*
 * xenpv_hyp_xen_priv.h: what the files of the "xen" back end share: its
 * handles on libxenctrl, libxenstore, libxenforeignmemory and libxenevtchn,
 * what open() learnt about the hypervisor, and the helpers that turn Xen's
 * errors into libvirt's.
 *
 * Nothing here remembers a domain: whatever a later operation needs about a
 * guest (its devices, its /vm path) is read back from xenstore, so a daemon
 * started after the guest can manage it like the one that created it.
 */
#pragma once

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xenforeignmemory.h>
#include <xenevtchn.h>
#include <xentoollog.h>

#include "xenpv_hypervisor.h"

/* Guest ABIs as Xen's domain builder names them (xen_caps words). */
#define XENPV_XEN_CAPS_64 "xen-3.0-x86_64"
#define XENPV_XEN_CAPS_32P "xen-3.0-x86_32p"

/* libxenguest's save stream: Xen's "libxc migration stream" (docs/specs/
 * libxc-migration-stream.pandoc in Xen's tree), version 3 since Xen 4.14. */
#define XENPV_XEN_STREAM_FORMAT "libxc"
#define XENPV_XEN_STREAM_VERSION 3
/* The same stream from a PV-shim guest's PVH container (an HVM-type libxc
 * stream), named apart so that it is restored into one. */
#define XENPV_XEN_SHIM_STREAM_FORMAT "libxc-shim"

/* Hotplug scripts as the dom0 packages ship them. */
#define XENPV_XEN_SCRIPT_DIR "/etc/xen/scripts"

/* Limits given to every guest (libxl's defaults for PV). */
#define XENPV_XEN_MAX_EVTCHN_PORT 1023
#define XENPV_XEN_MAX_GRANT_FRAMES 64
#define XENPV_XEN_MAX_MAPTRACK_FRAMES 1024
/* Head room above maxmem for the pages Xen and the builder take. */
#define XENPV_XEN_MAXMEM_SLACK_KIB 1024

typedef struct _xenpvXenPriv xenpvXenPriv;
struct _xenpvXenPriv {
    xentoollog_logger logger;   /* first: libxc hands it back to us */
    xc_interface *xch;
    struct xs_handle *xsh;      /* requests */
    struct xs_handle *xsWatch;  /* only the @releaseDomain watch */
    xenforeignmemory_handle *fmem;
    xenevtchn_handle *xce;

    char caps[1024];            /* XENVER_capabilities */
    bool pv32;
    bool logDirty;
    char *logDirtyHow;          /* how logDirty was learnt, for messages */
    bool hvm;                   /* physinfo: HVM domains, for PVH containers */
    bool hap;                   /* ... with hardware-assisted paging */
    bool shadow;                /* ... or shadow paging */

    /* Whether the device model does VNC authentication (DES), learnt the
     * first time a framebuffer with a password is asked for. */
    GMutex dmLock;
    bool dmProbed;
    char *dmNoVncAuth;          /* why not, or NULL when it does */
};

/* Reports an error with libxc's last message (or errno) appended. */
void xenpvXenReportError(int code, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The last message libxc/libxenguest logged as an error in this thread. */
const char *xenpvXenLastError(void);
void xenpvXenClearLastError(void);
extern const xentoollog_logger xenpvXenLoggerTemplate;

/* xenpv_hyp_xen_store.c */
char *xenpvXenStoreReadStr(xenpvXenPriv *priv, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
int xenpvXenStoreWriteEntries(xenpvXenPriv *priv, uint32_t domid,
                              const xenpvBuildSpec *spec,
                              unsigned int storePort, unsigned long storeMfn,
                              unsigned int consolePort, unsigned long consoleMfn);
/* The store nodes an earlier domain with this ID or UUID left behind. */
void xenpvXenStoreRemoveLeftovers(xenpvXenPriv *priv, uint32_t domid,
                                  const unsigned char *uuid);
int xenpvXenStoreIntroduce(xenpvXenPriv *priv, uint32_t domid,
                           unsigned long storeMfn, unsigned int storePort);
void xenpvXenStoreRemoveDomain(xenpvXenPriv *priv, uint32_t domid);
int xenpvXenStoreOpenWatch(xenpvHypervisor *hyp);
bool xenpvXenStoreSetPerms(xenpvXenPriv *priv, xs_transaction_t t, const char *path,
                           uint32_t owner, uint32_t reader);
int xenpvXenStoreRead(xenpvHypervisor *hyp, const char *path, char **value);
int xenpvXenStoreWrite(xenpvHypervisor *hyp, const char *path, const char *value);
int xenpvXenStoreRemove(xenpvHypervisor *hyp, const char *path);
int xenpvXenEventFd(xenpvHypervisor *hyp);
int xenpvXenEventAck(xenpvHypervisor *hyp);

/* xenpv_hyp_xen_cpus.c */
/* Pin every vCPU as @spec says (its own cpuset, else the domain's). */
int xenpvXenApplyAffinity(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec);
int xenpvXenGetHostTopology(xenpvHypervisor *hyp, xenpvHostTopology *topo);
int xenpvXenDomainGetVcpus(xenpvHypervisor *hyp, uint32_t domid,
                           xenpvVcpuInfo **vcpus, size_t *nvcpus);
int xenpvXenDomainSetVcpuAffinity(xenpvHypervisor *hyp, uint32_t domid, unsigned int vcpu,
                                  const unsigned char *cpumap, size_t maplen);
int xenpvXenDomainGetCpuCap(xenpvHypervisor *hyp, uint32_t domid, unsigned int *cap);
int xenpvXenDomainSetCpuCap(xenpvHypervisor *hyp, uint32_t domid, unsigned int cap);
int xenpvXenGetHostCpuTimes(xenpvHypervisor *hyp, xenpvHostCpuTime **cpus, size_t *ncpus);

/* xenpv_hyp_xen_devices.c */
/* One device's backend and frontend directories (key, value lists), in
 * one transaction. */
int xenpvXenDeviceWrite(xenpvXenPriv *priv, uint32_t domid, const char *kind, int devid,
                        GPtrArray *backendKV, GPtrArray *frontendKV);
/* Bring one device up (nodes, backend probe, hotplug script), as at build. */
int xenpvXenDiskAdd(xenpvXenPriv *priv, uint32_t domid, const xenpvDiskSpec *disk);
int xenpvXenNicAdd(xenpvXenPriv *priv, uint32_t domid, int devid, const xenpvNicSpec *nic);
/* Take one device down: offline, frontend removed, the backend's close
 * awaited, the script's remove, the backend removed. */
void xenpvXenDeviceRemove(xenpvXenPriv *priv, uint32_t domid, const char *kind,
                          const char *devidStr);
/* Poll the backend's state until it is at least @want or @ms pass; the
 * state last seen (0 if the node is gone). */
int xenpvXenWaitBackendState(xenpvXenPriv *priv, const char *be, int want, unsigned int ms);
int xenpvXenDevicesAdd(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec);
void xenpvXenDevicesRemove(xenpvXenPriv *priv, uint32_t domid);
/* Flush the dom0 block devices behind the domain's disks (a loop device's
 * file included) to their storage. */
int xenpvXenDevicesFlush(xenpvXenPriv *priv, uint32_t domid);
/* The device id of the domain's interface with MAC @mac, or -1 with
 * VIR_ERR_INVALID_ARG. */
int xenpvXenNicFind(xenpvXenPriv *priv, uint32_t domid, const char *mac);
/* Its name in dom0 (the backend's vifname, else vifDOMID.DEVID), and its
 * device id in *@devid when not NULL; NULL with an error if there is none. */
char *xenpvXenNicName(xenpvXenPriv *priv, uint32_t domid, const char *mac, int *devid);

/* xenpv_hyp_xen_dm.c: QEMU as the device model of a PV framebuffer */
int xenpvXenCheckFramebuffer(xenpvHypervisor *hyp, const char *type, bool password);
/* The framebuffer and keyboard nodes, and QEMU serving them over VNC. */
int xenpvXenDeviceModelStart(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec);
/* QEMU stopped (found through the store) and its devices' nodes removed. */
void xenpvXenDeviceModelStop(xenpvXenPriv *priv, uint32_t domid);

/* xenpv_hyp_xen_hotplug.c */
int xenpvXenDomainAttachDisk(xenpvHypervisor *hyp, uint32_t domid, const xenpvDiskSpec *disk);
int xenpvXenDomainDetachDisk(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                             unsigned int timeoutMs);
int xenpvXenDomainAttachNic(xenpvHypervisor *hyp, uint32_t domid, const xenpvNicSpec *nic,
                            int *devid);
int xenpvXenDomainDetachNic(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                            unsigned int timeoutMs);
int xenpvXenDomainNicSetBridge(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                               const char *bridge);

/* xenpv_hyp_xen_stats.c */
int xenpvXenDomainBlockStats(xenpvHypervisor *hyp, uint32_t domid, const char *vdev,
                             xenpvBlockStats *stats);
int xenpvXenDomainNicStats(xenpvHypervisor *hyp, uint32_t domid, const char *mac,
                           xenpvNicStats *stats);

/* xenpv_hyp_xen_build.c */
int xenpvXenDomainCreate(xenpvHypervisor *hyp, const xenpvBuildSpec *spec, uint32_t *domid);
int xenpvXenDomainDestroy(xenpvHypervisor *hyp, uint32_t domid);
/* The empty domain every guest starts as (also used for restore). */
int xenpvXenDomainMake(xenpvXenPriv *priv, const xenpvBuildSpec *spec, uint32_t *domid);
/* The part after the memory image: store entries, introduction, devices. */
int xenpvXenDomainFinish(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec,
                         unsigned int storePort, unsigned long storeMfn,
                         unsigned int consolePort, unsigned long consoleMfn);
/* Tear down a half-built domain without reporting a new error. */
void xenpvXenDomainAbandon(xenpvXenPriv *priv, uint32_t domid);
/* libxenguest's builder for @spec's guest in a container of @containerType
 * (XC_DOM_PV_CONTAINER, XC_DOM_HVM_CONTAINER) whose kernel gets @cmdline,
 * with the store and console event channels set; the caller loads the
 * images and runs xenpvXenDomBuild. */
struct xc_dom_image *xenpvXenDomAllocate(xenpvXenPriv *priv, const xenpvBuildSpec *spec,
                                         const char *cmdline, int containerType,
                                         unsigned int storePort, unsigned int consolePort);
/* The builder's steps from the loaded images to a guest booted paused with
 * the grant entries xenstored and xenconsoled map, the same for a PV domain
 * and a PV-shim's container.  On failure *@step names the one that failed. */
int xenpvXenDomBuild(xenpvXenPriv *priv, struct xc_dom_image *dom, uint32_t domid,
                     unsigned int memMiB, const char **step);

/* xenpv_hyp_xen_pvh.c: a PV-shim guest's PVH container */
/* What a new or restored container needs before its memory: paging pool,
 * HVM parameters, memory map. */
int xenpvXenPvhPrepare(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec);
/* The ACPI tables of a container with @maxVcpus (@onlineVcpus at boot),
 * to be placed at guest-physical @base: RSDP (at @base), XSDT, FADT, DSDT
 * and MADT in one block of *@len bytes (g_free it). */
uint8_t *xenpvXenPvhAcpiTables(uint64_t base, unsigned int maxVcpus,
                               unsigned int onlineVcpus, uint32_t *len);
/* Build the container's memory image: the shim booting the PV guest. */
int xenpvXenPvhBuildImage(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec,
                          unsigned int storePort, unsigned long *storeGfn,
                          unsigned int consolePort, unsigned long *consoleGfn);

/* xenpv_hyp_xen_save.c */
/* What a live save's policy remembers between libxenguest's calls. */
typedef struct _xenpvXenPrecopy xenpvXenPrecopy;
struct _xenpvXenPrecopy {
    const xenpvSaveParams *params;
    gint64 roundStartUs;
    uint64_t roundStartSent;    /* pages written before the round */
    uint64_t lastDirty;         /* the last count of pages to send */
};
/* One call of libxenguest's precopy_policy at monotonic time @nowUs;
 * @peeked is the count of dirty pages when stats.dirty_count is -1 (-1 if
 * unknown).  Reports progress, decides with xenpvPrecopyShouldStop, calls
 * the converge hook; returns an XGS_POLICY_* value. */
int xenpvXenPrecopyDecide(xenpvXenPrecopy *p, struct precopy_stats stats,
                          gint64 nowUs, int64_t peeked);

int xenpvXenDomainSave(xenpvHypervisor *hyp, uint32_t domid, int fd,
                       const xenpvSaveParams *params);
int xenpvXenDomainRestore(xenpvHypervisor *hyp, const xenpvBuildSpec *spec,
                          int fd, uint32_t *domid);
int xenpvXenDomainResume(xenpvHypervisor *hyp, uint32_t domid);

/* xenpv_hyp_xen.c */
/* Can this hypervisor run the guest of @spec (its ABI, or its container)? */
int xenpvXenCheckGuest(xenpvXenPriv *priv, const xenpvBuildSpec *spec);
