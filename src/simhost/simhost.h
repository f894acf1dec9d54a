/*
 * simhost.h: the simulated Xen host's internal model: the host, its domains,
 * their memory, and the hooks between domains, store, console and workload.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "xenpv_hypervisor.h"
#include "simhost_store.h"
#include "simhost_console.h"
#include "simhost_fb.h"
#include "simhost_vnc.h"

/* The console font of VNC framebuffers: Debian's psf-unifont. */
#define SIM_DEFAULT_VNC_FONT "/usr/share/consolefonts/Unifont-APL8x16.psf.gz"

/* Domain-0's own work: its vCPU time is the host's uptime over this. */
#define SIM_DOM0_LOAD_DIVISOR 20

/* A guest's steady I/O, in bytes a second, from its workload. */
typedef struct _SimIoRates SimIoRates;
struct _SimIoRates {
    double diskReadBps;
    double diskWriteBps;
    double netRxBps;        /* to the guest */
    double netTxBps;        /* from the guest */
};

typedef enum {
    SIM_DEVICE_VBD,
    SIM_DEVICE_VIF,
} SimDeviceKind;

/* A disk or network interface of a guest, with the counters its backend
 * keeps: bytes read from the disk (received by the guest) and written to
 * it (sent by the guest); requests and packets follow from them. */
typedef struct _SimDevice SimDevice;
struct _SimDevice {
    SimDeviceKind kind;
    guint devid;
    char *name;             /* the disk's vdev, or the interface's MAC */
    gboolean connected;     /* frontend and backend both connected */
    gboolean inUse;         /* mounted in the guest: it will not let go */
    double readBytes;
    double writeBytes;
};

typedef struct _SimHostConfig SimHostConfig;
struct _SimHostConfig {
    char *socketPath;
    char *pidfile;
    char *consoleDir;
    char *vncFont;
    char *logFile;
    guint64 memoryMiB;
    guint64 dom0MemoryMiB;
    guint cpus;
    gboolean pv32;
    gboolean logDirty;
    gboolean hvm;               /* HVM with HAP: PVH containers for the PV-shim */
    gboolean daemonize;
};

typedef struct _SimHost SimHost;
typedef struct _SimDomain SimDomain;

/* One vCPU: whether the guest has it online, the host CPUs it may run on,
 * the one it runs on, and its share of the domain's CPU time. */
typedef struct _SimVcpu SimVcpu;
struct _SimVcpu {
    gboolean online;
    guint8 affinity[XENPV_CPUMAP_BYTES];
    int cpu;
    guint64 cpuNs;
};

typedef enum {
    SIM_WORKLOAD_IDLE = 0,
    SIM_WORKLOAD_DIRTY = 1,
    SIM_WORKLOAD_SELFCHECK = 2,
} SimWorkloadKind;

struct _SimHost {
    SimHostConfig cfg;
    GMainLoop *loop;
    SimStore *store;
    GHashTable *domains;        /* domid -> SimDomain* */
    guint32 nextDomid;
    guint64 totalPages;
    guint64 dom0Pages;
    gint64 startUs;             /* Domain-0's vCPU time counts from here */
    guint64 *pcpuBusyNs;        /* per host CPU: time its vCPUs ran there */
    SimFont *font;              /* for VNC framebuffers; NULL: none served */
    char *fontError;            /* why there is none */
    /* Called whenever a domain changes state (the server fans it out). */
    void (*notify)(SimHost *host, gpointer opaque);
    gpointer notifyData;
};

struct _SimDomain {
    SimHost *host;
    guint32 domid;
    char *name;
    unsigned char uuid[16];
    char uuidStr[37];
    xenpvGuestAbi abi;
    xenpvContainer container;   /* PVSHIM: an HVM domain running the shim */
    char *cmdline;
    char *shimCmdline;

    guint64 maxPages;
    guint64 nrPages;
    guint maxVcpus;
    SimVcpu *vcpus;

    guint pauseCount;           /* Xen's controller pause count */
    gboolean everRun;           /* false until the first unpause */
    gboolean restored;          /* created for a restore: memory comes from a stream */
    gboolean shutdown;
    guint shutdownReason;
    gboolean needResume;        /* next run resumes from memory (restore, resume) */

    /* Guest memory: a sparse memfd of maxPages, mapped here. */
    int memfd;
    guint8 *mem;
    gsize memBytes;
    unsigned long *dirtyBitmap; /* non-NULL while log-dirty is on */
    guint64 dirtyBits;          /* bitmap size in pages */

    /* vCPU time: folded on every state change. */
    guint64 cpuNs;
    gint64 cpuSince;
    double load;                /* busy vCPUs while running */
    /* The scheduler's cap on the domain's CPU time, in % of one host CPU
     * (Xen's credit schedulers' cap); 0: none.  Its vCPUs then get that
     * much time at most, and its workload does that much less. */
    guint cpuCap;

    SimWorkloadKind workload;   /* cached from the kernel page */
    guint tickSource;
    gint64 lastTickUs;
    guint storeCheckSource;
    guint reactSource;
    guint xenbusSource;

    SimConsole *console;
    GString *consoleLine;       /* input typed at the prompt */
    SimFb *fb;                  /* the PV framebuffer, showing the console */
    SimVnc *vnc;                /* and its VNC server */

    GPtrArray *devices;         /* SimDevice*: disks and NICs */
    SimIoRates ioRates;
    gint64 ioSince;             /* counters are up to date until then */
};

/* simhost_domain.c */
SimHost *simHostNew(const SimHostConfig *cfg);
void simHostFree(SimHost *host);
guint64 simHostFreePages(SimHost *host);
void simHostChanged(SimHost *host);
void simHostFillInfo(SimHost *host, xenpvHostInfo *info);

SimDomain *simDomainCreate(SimHost *host, const xenpvBuildSpec *spec, gboolean restore,
                           guint64 restorePages, GError **error);
void simDomainDestroy(SimDomain *dom);
SimDomain *simDomainLookup(SimHost *host, guint32 domid, GError **error);
int simDomainPause(SimDomain *dom, GError **error);
int simDomainUnpause(SimDomain *dom, GError **error);
int simDomainResume(SimDomain *dom, GError **error);
int simDomainSetMaxMem(SimDomain *dom, guint64 kib, GError **error);
int simDomainSetMaxVcpus(SimDomain *dom, guint max, GError **error);
/* Cap the domain's CPU time at @cap % of one host CPU (0: no cap). */
int simDomainSetCpuCap(SimDomain *dom, guint cap, GError **error);
void simDomainShutdown(SimDomain *dom, guint reason);
void simDomainFillInfo(SimDomain *dom, xenpvDomainInfo *info);
gboolean simDomainIsRunning(SimDomain *dom);
guint simDomainOnlineVcpus(SimDomain *dom);
void simDomainAccrueCpu(SimDomain *dom);
/* Pin @vcpu to the host CPUs of @map (XENPV_CPUMAP_BYTES bytes). */
int simDomainSetVcpuAffinity(SimDomain *dom, guint vcpu, const guint8 *map, GError **error);
void simDomainSetVcpuOnline(SimDomain *dom, guint vcpu, gboolean online);
/* Busy and idle time of each host CPU since the host started. */
void simHostCpuTimes(SimHost *host, guint64 *busyNs, guint64 *idleNs);
int simDomainLogDirty(SimDomain *dom, gboolean enable, GError **error);
guint64 simDomainPeekClean(SimDomain *dom, gboolean clean, guint8 *bitmap, guint64 nrPages);
/* A guest page about to be written by the guest itself: marks it dirty. */
guint8 *simDomainPageForWrite(SimDomain *dom, guint64 pfn);
const guint8 *simDomainPage(SimDomain *dom, guint64 pfn);
void simDomainReleasePages(SimDomain *dom, guint64 from, guint64 to);

/* simhost_devices.c: the store nodes Xen's toolstack writes for a domain. */
void simDevicesWrite(SimDomain *dom, const xenpvBuildSpec *spec);
void simDevicesRemove(SimDomain *dom);
/* One device more: its nodes in state 1 and its counters.  A disk's
 * number comes from its name (@index: its place at build, or -1 when
 * hot-plugged); an interface takes @devid, or the first free one if < 0.
 * Returns the device number, or -1 (EEXIST, EINVAL). */
int simDevicesAddDisk(SimDomain *dom, const xenpvDiskSpec *disk, int index, GError **error);
int simDevicesAddNic(SimDomain *dom, const xenpvNicSpec *nic, int devid, GError **error);
/* The toolstack's last step of a detach: both directories go (as the
 * hotplug script's remove has run).  FALSE (ENOENT) if there is none. */
gboolean simDevicesRemoveOne(SimDomain *dom, SimDeviceKind kind, const char *name,
                             GError **error);

/* simhost_xenbus.c: the handshake of both ends of every device. */
/* Answer, a few milliseconds from now, what the store now says. */
void simXenbusKick(SimDomain *dom);
/* Answer now, until neither end has anything left to do. */
void simXenbusSettle(SimDomain *dom);
char *simDomainPath(SimDomain *dom, const char *rel);

/* simhost_io.c: the I/O guests do, counted per device. */
SimDevice *simDeviceAdd(SimDomain *dom, SimDeviceKind kind, guint devid, const char *name);
void simDeviceFree(gpointer data);
/* By vdev (disks) or MAC (interfaces), or NULL. */
SimDevice *simDeviceFind(SimDomain *dom, SimDeviceKind kind, const char *name);
/* Bring the counters up to @now (simDomainAccrueCpu does, with CPU time). */
void simIoAccrue(SimDomain *dom, gint64 now);
void simIoDeviceConnected(SimDomain *dom, SimDevice *dev);
void simIoDeviceDisconnected(SimDomain *dom, SimDevice *dev);
void simIoBlockStats(SimDomain *dom, SimDevice *dev, xenpvBlockStats *stats);
void simIoNicStats(SimDomain *dom, SimDevice *dev, xenpvNicStats *stats);

/* simhost_guest.c: how the simulated guest kernel reacts. */
void simGuestStart(SimDomain *dom);
void simGuestStop(SimDomain *dom);
void simGuestStoreChanged(SimDomain *dom);
void simGuestConsoleInput(SimDomain *dom, const char *data, gsize len);
void simGuestPrintf(SimDomain *dom, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
