/*
 * simhost_workload.h: the simulated guest's workloads.  Everything a
 * workload knows lives in guest memory, starting with the "kernel page"
 * (page 0), so a guest whose memory was saved and restored carries on from
 * memory alone.
 */
#pragma once

#include "simhost.h"

#define SIM_KERNEL_MAGIC "XPVSIMK1"
#define SIM_KERNEL_VERSION 1
#define SIM_KFLAG_IGNORE_SHUTDOWN (1u << 0)
#define SIM_TICK_MS 100
/* A busy guest reports its memory use every this many ticks. */
#define SIM_MEMINFO_TICKS 10
/* What the guest's kernel itself takes, before any workload. */
#define SIM_KERNEL_FOOTPRINT_KIB (12 * 1024)

/* Page 0 of every simulated guest. */
typedef struct _SimKernelPage SimKernelPage;
struct _SimKernelPage {
    char magic[8];
    guint32 version;
    guint32 workload;           /* SimWorkloadKind */
    guint32 flags;              /* SIM_KFLAG_* */
    guint32 abi;
    guint64 pagesPerSec;        /* dirty or restamp rate */
    guint64 creditMicroPages;   /* fractional pages carried between ticks */
    guint64 rng;
    guint64 ticks;
    guint64 resumes;
    guint64 bootPages;
    char cmdline[1024];

    /* selfcheck */
    guint64 regionPages;        /* pages [0, regionPages) are covered */
    guint64 tablePages;         /* generation table: pages [1, 1 + tablePages) */
    guint64 dataStart;          /* first stamped page */
    guint64 restamps;
    guint64 passes;
    guint64 verifyCursor;
    guint64 lastVerified;
    guint32 failed;
    guint32 pad;
    guint64 failPage;
    char verdict[256];
};

G_STATIC_ASSERT(sizeof(SimKernelPage) <= XENPV_PAGE_SIZE);

/* The kernel page for reading, or NULL if page 0 holds no valid one. */
const SimKernelPage *simKernelPageGet(SimDomain *dom);
/* The same for writing (marks page 0 dirty). */
SimKernelPage *simKernelPageWrite(SimDomain *dom);

guint64 simWorkloadRng(SimKernelPage *kp);

/* Set the kernel page up at boot from the command line. */
void simWorkloadBoot(SimDomain *dom);
/* Carry on after a restore or a resume; FALSE if memory holds no guest. */
gboolean simWorkloadResume(SimDomain *dom);
/* Arm or disarm the periodic tick according to the workload. */
void simWorkloadSchedule(SimDomain *dom);
void simWorkloadBalloon(SimDomain *dom, guint64 oldPages, guint64 newPages);
/* Write the guest's memory total and free KiB to data/meminfo_total and
 * data/meminfo_free, as guest agents of Xen guests do. */
void simWorkloadReportMemory(SimDomain *dom);
/* Fewest pages the guest can run in. */
guint64 simWorkloadMinPages(SimDomain *dom);
const char *simWorkloadName(SimWorkloadKind kind);

/* simhost_selfcheck.c */
gboolean simSelfcheckBoot(SimDomain *dom, SimKernelPage *kp);
void simSelfcheckTick(SimDomain *dom, SimKernelPage *kp, guint64 restampPages);
void simSelfcheckVerifyAll(SimDomain *dom, SimKernelPage *kp, const char *why);
void simSelfcheckResize(SimDomain *dom, SimKernelPage *kp, guint64 newPages);
guint64 simSelfcheckMinPages(guint64 maxPages);
