/*
 * xenpv_conf.h: the driver's own configuration file (xenpv.conf).
 *
 * A libvirt-style file read with virConf: which hypervisor back end serves
 * the driver, how long guests get to answer requests, and daemon-level
 * policy such as autostart.  Every key is documented in
 * docs/driver-config.md and examples/xenpv.conf.
 */
#pragma once

#include "internal.h"
#include "xenpv_guest_abi.h"

typedef enum {
    XENPV_HYPERVISOR_XEN = 0,   /* real dom0: libxenctrl and friends */
    XENPV_HYPERVISOR_SIM,       /* xenpv-simhost over a local socket */
    XENPV_HYPERVISOR_LAST
} xenpvHypervisorKind;

const char *xenpvHypervisorKindToString(xenpvHypervisorKind kind);
int xenpvHypervisorKindFromString(const char *name);

#define XENPV_CONFIG_DEFAULT_SIM_SOCKET "/run/xenpv/simhost.sock"
#define XENPV_CONFIG_DEFAULT_SHUTDOWN_ACK_TIMEOUT 10
#define XENPV_CONFIG_DEFAULT_SUSPEND_TIMEOUT 30
/* Xen's own toolstack gives a guest as long to let a device go. */
#define XENPV_CONFIG_DEFAULT_DETACH_TIMEOUT 10
#define XENPV_CONFIG_DEFAULT_KEEPALIVE_INTERVAL 5
#define XENPV_CONFIG_DEFAULT_KEEPALIVE_COUNT 5
#define XENPV_CONFIG_DEFAULT_PVSHIM XENPV_PVSHIM_AUTO
/* MiB of decompressed kernel images kept: a distribution kernel or two. */
#define XENPV_CONFIG_DEFAULT_KERNEL_CACHE_MIB 128
#define XENPV_CONFIG_MAX_KERNEL_CACHE_MIB 4096
/* The most the shim's extra arguments may add to its command line. */
#define XENPV_CONFIG_PVSHIM_EXTRA_MAX 512
/* As libvirt's QEMU driver: the data channel of an incoming migration. */
#define XENPV_CONFIG_DEFAULT_MIGRATION_ADDRESS "0.0.0.0"
#define XENPV_CONFIG_DEFAULT_MIGRATION_PORT_MIN 49152
#define XENPV_CONFIG_DEFAULT_MIGRATION_PORT_MAX 49215
#define XENPV_CONFIG_DEFAULT_MIGRATION_IO_TIMEOUT 30
#define XENPV_CONFIG_DEFAULT_MIGRATION_INQUIRY_INTERVAL 10

typedef struct _xenpvDriverConfig xenpvDriverConfig;
struct _xenpvDriverConfig {
    char *configFile;               /* the file the values came from */
    xenpvHypervisorKind hypervisor;
    char *simSocket;
    unsigned int shutdownAckTimeout;    /* seconds, > 0 */
    unsigned int suspendTimeout;        /* seconds, > 0 */
    unsigned int detachTimeout;         /* seconds, > 0 */
    bool autostart;
    int keepAliveInterval;              /* seconds, <= 0 disables */
    unsigned int keepAliveCount;
    xenpvPvshimMode pvshim;             /* never, auto, always (never DEFAULT) */
    char *pvshimPath;                   /* NULL: where Xen's packages put it */
    char *pvshimExtra;                  /* added to the shim's command line */
    unsigned int kernelCacheMiB;        /* decompressed kernels kept; 0: none */
    /* Incoming migrations: where the data channel listens, the name or
     * address the source is told to connect to (NULL: this host's name),
     * the ports it may use, and the source hosts allowed to connect
     * ("*", an address, a network "ADDR/PREFIX", a host name, or
     * "*.DOMAIN"; NULL-terminated). */
    char *migrationAddress;
    char *migrationHost;
    unsigned int migrationPortMin;
    unsigned int migrationPortMax;
    char **migrationAllow;
    /* Seconds a migration's data channel may make no progress. */
    unsigned int migrationIoTimeout;
    /* The libvirt URI a source asks this host by when it lost track of a
     * migration's outcome (NULL: xen+tls:// to migrationHost or this
     * host's name), and how often a source asks again a destination it
     * could not reach (seconds). */
    char *migrationInquiryUri;
    unsigned int migrationInquiryInterval;
};

/* Is @entry a valid migration_allow entry?  0, or -1 with the reason. */
int xenpvConfigCheckAllowEntry(const char *entry, char **why);

/* A configuration holding every default; @configFile is only remembered. */
xenpvDriverConfig *xenpvDriverConfigNew(const char *configFile);
void xenpvDriverConfigFree(xenpvDriverConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xenpvDriverConfig, xenpvDriverConfigFree);

/* Read @path over the defaults in @cfg.  A missing file keeps the defaults.
 * An unknown key, a value of the wrong type or out of range is an error
 * naming the key and the file.  Returns 0 or -1 with an error reported. */
int xenpvDriverConfigLoadFile(xenpvDriverConfig *cfg, const char *path);
