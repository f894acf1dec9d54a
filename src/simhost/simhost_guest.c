/*
 * simhost_guest.c: the simulated guest kernel: it boots (printing what a
 * Linux PV guest prints), resumes from memory, answers the store nodes a
 * toolstack writes (control/shutdown, memory/target, cpu/N/availability) the
 * way Linux's xenbus drivers do, and runs a console with a prompt.
 */
#include <stdarg.h>
#include <string.h>

#include "simhost_workload.h"
#include "xenpv_simproto.h"

/* How long the guest takes to notice a store write. */
#define SIM_REACT_MS 5

void
simGuestPrintf(SimDomain *dom, const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    simConsoleWrite(dom->console, text, strlen(text));
}


static void
simGuestPrompt(SimDomain *dom)
{
    simGuestPrintf(dom, "root@%s:~# ", dom->name);
}


static void
simGuestPanic(SimDomain *dom, const char *why)
{
    simGuestPrintf(dom, "Kernel panic - not syncing: %s\n", why);
    simDomainShutdown(dom, XENPV_SHUTDOWN_CRASH);
}


/* What Xen's PV-shim prints on the console before the guest's kernel runs:
 * it boots as a small Xen and builds the PV guest as its only domain. */
static void
simGuestShimBanner(SimDomain *dom)
{
    gboolean is64 = dom->abi == XENPV_GUEST_ABI_X86_64;

    simGuestPrintf(dom,
                   "(XEN) Xen version 4.17.7-sim (pv-shim)\n"
                   "(XEN) Command line: %s\n"
                   "(XEN) Running in PVH mode\n"
                   "(XEN) *** Building a PV Dom0 ***\n"
                   "(XEN) Dom0 kernel: %s, lsb\n"
                   "(XEN) Guest Loglevel: Nothing (Rate-limited: Errors and warnings)\n",
                   dom->shimCmdline, is64 ? "64-bit" : "32-bit, PAE");
}


static gboolean
simGuestBoot(SimDomain *dom)
{
    const char *type = xenpvGuestAbiToCaps(dom->abi);
    gboolean is64 = dom->abi == XENPV_GUEST_ABI_X86_64;

    if (dom->container == XENPV_CONTAINER_PVSHIM)
        simGuestShimBanner(dom);
    simGuestPrintf(dom,
                   "Linux version 6.1.0-xenpv-sim (%s) #1 SMP PREEMPT_DYNAMIC\n"
                   "Command line: %s\n"
                   "Booting paravirtualized kernel on Xen\n"
                   "Xen version: 4.17.7-sim (preserve-AD)\n"
                   "Xen PV guest type: %s (%s)\n"
                   "Memory: %" G_GUINT64_FORMAT "K/%" G_GUINT64_FORMAT "K available\n"
                   "smp: Brought up 1 node, %u CPUs\n"
                   "xen:grant_table: Grant tables using version 1 layout\n"
                   "xen_blkfront, xen_netfront: connecting devices\n",
                   is64 ? "x86_64" : "i686", dom->cmdline, type,
                   is64 ? "64-bit" : "32-bit PAE",
                   XENPV_PAGES_TO_KIB(dom->nrPages), XENPV_PAGES_TO_KIB(dom->maxPages),
                   simDomainOnlineVcpus(dom));
    simWorkloadBoot(dom);
    if (dom->workload == SIM_WORKLOAD_SELFCHECK &&
        !simSelfcheckBoot(dom, simKernelPageWrite(dom))) {
        simGuestPanic(dom, "selfcheck: not enough memory");
        return FALSE;
    }
    simXenbusSettle(dom);
    simWorkloadReportMemory(dom);
    simGuestPrintf(dom, "sim: workload %s started\n\n%s login: root (automatic login)\n",
                   simWorkloadName(dom->workload), dom->name);
    simGuestPrompt(dom);
    return TRUE;
}


static gboolean
simGuestResumeFromMemory(SimDomain *dom)
{
    simGuestPrintf(dom, "\nxen:manage: resuming from memory\n");
    if (!simWorkloadResume(dom)) {
        simGuestPanic(dom, "no kernel in memory to resume (page 0 holds no guest)");
        return FALSE;
    }
    simXenbusSettle(dom);
    simWorkloadReportMemory(dom);
    simGuestPrintf(dom, "PM: restore of devices complete\nOOM killer enabled.\n"
                   "Restarting tasks ... done.\n");
    simGuestPrompt(dom);
    return TRUE;
}


void
simGuestStart(SimDomain *dom)
{
    gboolean ok;

    if (!dom->everRun) {
        dom->everRun = TRUE;
        ok = dom->restored ? simGuestResumeFromMemory(dom) : simGuestBoot(dom);
    } else if (dom->needResume) {
        ok = simGuestResumeFromMemory(dom);
    } else {
        ok = TRUE;
    }
    dom->needResume = FALSE;
    if (!ok)
        return;
    simWorkloadSchedule(dom);
    /* Requests written while it was paused are seen now. */
    simGuestStoreChanged(dom);
}


void
simGuestStop(SimDomain *dom)
{
    simDomainAccrueCpu(dom);
    if (dom->tickSource) {
        g_source_remove(dom->tickSource);
        dom->tickSource = 0;
    }
}


static void
simGuestAnswerShutdown(SimDomain *dom)
{
    g_autofree char *node = simDomainPath(dom, "control/shutdown");
    const char *req = simStoreRead(dom->host->store, node);
    const SimKernelPage *kp = simKernelPageGet(dom);
    g_autofree char *what = NULL;

    if (!req || !*req || (kp && (kp->flags & SIM_KFLAG_IGNORE_SHUTDOWN)))
        return;
    what = g_strdup(req);
    /* Linux acknowledges by clearing the node before acting on it. */
    simStoreWrite(dom->host->store, node, "", NULL);
    if (strcmp(what, "poweroff") == 0 || strcmp(what, "halt") == 0) {
        simGuestPrintf(dom, "\nxen:manage: %s requested\nreboot: Power down\n", what);
        simDomainShutdown(dom, XENPV_SHUTDOWN_POWEROFF);
    } else if (strcmp(what, "reboot") == 0) {
        simGuestPrintf(dom, "\nxen:manage: reboot requested\nreboot: Restarting system\n");
        simDomainShutdown(dom, XENPV_SHUTDOWN_REBOOT);
    } else if (strcmp(what, "suspend") == 0) {
        simGuestPrintf(dom, "\nxen:manage: suspend requested\n"
                       "Freezing user space processes ... (elapsed 0.001 seconds) done.\n"
                       "PM: suspend of devices complete\n");
        simDomainShutdown(dom, XENPV_SHUTDOWN_SUSPEND);
    } else {
        simGuestPrintf(dom, "\nxen:manage: Ignoring shutdown request: %s\n", what);
    }
}


static void
simGuestAnswerBalloon(SimDomain *dom)
{
    g_autofree char *node = simDomainPath(dom, "memory/target");
    const char *value = simStoreRead(dom->host->store, node);
    guint64 kib, want, got;
    guint64 old = dom->nrPages;

    if (!value || !xenpvSimParseU64(value, &kib))
        return;
    want = MIN(MAX(XENPV_KIB_TO_PAGES(kib), simWorkloadMinPages(dom)), dom->maxPages);
    if (want == old)
        return;
    got = want;
    /* Xen hands out no more than it has free. */
    if (want > old)
        got = MIN(want, old + simHostFreePages(dom->host));
    dom->nrPages = got;
    simWorkloadBalloon(dom, old, got);
    if (got != want)
        simGuestPrintf(dom, "xen:balloon: reached %" G_GUINT64_FORMAT "K of a %"
                       G_GUINT64_FORMAT "K target: the host is out of memory\n",
                       XENPV_PAGES_TO_KIB(got), XENPV_PAGES_TO_KIB(want));
}


static void
simGuestAnswerVcpus(SimDomain *dom)
{
    gboolean changed = FALSE;
    guint i;

    /* Linux keeps vCPU 0. */
    for (i = 1; i < dom->maxVcpus; i++) {
        g_autofree char *rel = g_strdup_printf("cpu/%u/availability", i);
        g_autofree char *node = simDomainPath(dom, rel);
        const char *value = simStoreRead(dom->host->store, node);
        gboolean online;

        if (!value)
            continue;
        if (strcmp(value, "online") == 0)
            online = TRUE;
        else if (strcmp(value, "offline") == 0)
            online = FALSE;
        else
            continue;
        if (online != dom->vcpus[i].online) {
            simDomainSetVcpuOnline(dom, i, online);
            if (online)
                simGuestPrintf(dom, "smpboot: Booting Node 0 Processor CPU%u\n", i);
            else
                simGuestPrintf(dom, "smpboot: CPU is now offline: CPU%u\n", i);
            changed = TRUE;
        }
    }
    if (changed) {
        simWorkloadSchedule(dom);
        simHostChanged(dom->host);
    }
}


static gboolean
simGuestReact(gpointer opaque)
{
    SimDomain *dom = opaque;

    dom->reactSource = 0;
    if (!simDomainIsRunning(dom))
        return G_SOURCE_REMOVE;
    simGuestAnswerVcpus(dom);
    simGuestAnswerBalloon(dom);
    simGuestAnswerShutdown(dom);
    return G_SOURCE_REMOVE;
}


void
simGuestStoreChanged(SimDomain *dom)
{
    if (!dom->reactSource && simDomainIsRunning(dom))
        dom->reactSource = g_timeout_add(SIM_REACT_MS, simGuestReact, dom);
    /* A device's handshake goes on in dom0 even while the guest is paused. */
    simXenbusKick(dom);
}


/* A mounted disk is in use: the guest does not let it go until it is
 * unmounted (as blkfront refuses to close a device that is open). */
static void
simGuestMount(SimDomain *dom, const char *vdev, gboolean mount)
{
    g_autofree char *name = g_strndup(vdev, strcspn(vdev, " "));
    SimDevice *dev = simDeviceFind(dom, SIM_DEVICE_VBD, name);

    if (!dev || !dev->connected) {
        simGuestPrintf(dom, "%s: /dev/%s: no such device\n", mount ? "mount" : "umount", name);
        return;
    }
    if (dev->inUse == mount) {
        simGuestPrintf(dom, "%s: /dev/%s: %s\n", mount ? "mount" : "umount", name,
                       mount ? "already mounted" : "not mounted");
        return;
    }
    dev->inUse = mount;
    /* Let go of a device the toolstack asked for while it was in use. */
    if (!mount)
        simXenbusKick(dom);
}


static void
simGuestCommand(SimDomain *dom, const char *line)
{
    const SimKernelPage *kp = simKernelPageGet(dom);

    if (!*line)
        return;
    if (strcmp(line, "status") == 0 && kp) {
        simGuestPrintf(dom, "workload=%s ticks=%" G_GUINT64_FORMAT " resumes=%"
                       G_GUINT64_FORMAT " pages=%" G_GUINT64_FORMAT "%s%s\n",
                       simWorkloadName(kp->workload), kp->ticks, kp->resumes,
                       dom->nrPages, kp->workload == SIM_WORKLOAD_SELFCHECK ? " selfcheck: " : "",
                       kp->workload == SIM_WORKLOAD_SELFCHECK ? kp->verdict : "");
    } else if (strcmp(line, "cat /proc/cmdline") == 0 && kp) {
        simGuestPrintf(dom, "%s\n", kp->cmdline);
    } else if (g_str_has_prefix(line, "mount /dev/")) {
        simGuestMount(dom, line + strlen("mount /dev/"), TRUE);
    } else if (g_str_has_prefix(line, "umount /dev/")) {
        simGuestMount(dom, line + strlen("umount /dev/"), FALSE);
    } else {
        simGuestPrintf(dom, "-sh: %s: command not found (try: status, cat /proc/cmdline, "
                       "mount /dev/xvdX, umount /dev/xvdX)\n", line);
    }
}


void
simGuestConsoleInput(SimDomain *dom, const char *data, gsize len)
{
    gsize i;

    /* A paused or dead guest reads nothing. */
    if (!simDomainIsRunning(dom))
        return;
    for (i = 0; i < len; i++) {
        char c = data[i];

        if (c == '\r' || c == '\n') {
            simGuestPrintf(dom, "\n");
            simGuestCommand(dom, dom->consoleLine->str);
            g_string_truncate(dom->consoleLine, 0);
            simGuestPrompt(dom);
        } else if (c == 0x7f || c == '\b') {
            if (dom->consoleLine->len > 0) {
                g_string_truncate(dom->consoleLine, dom->consoleLine->len - 1);
                simConsoleWrite(dom->console, "\b \b", 3);
            }
        } else if (g_ascii_isprint(c) && dom->consoleLine->len < 256) {
            g_string_append_c(dom->consoleLine, c);
            simConsoleWrite(dom->console, &c, 1);
        }
    }
}
