/*
 * xenpv_hyp_xen.c: the "xen" back end, for a real Xen dom0.
 *
 * For now it only decides whether this machine can serve as a dom0 at all,
 * naming what is missing when it cannot; the operations themselves
 * (libxenctrl, libxenguest, libxenstore) are not implemented yet and are
 * left NULL, which the driver reports as unsupported.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#include "xenpv_hypervisor.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen");

#define XENPV_XEN_CAPABILITIES "/proc/xen/capabilities"
#define XENPV_XEN_PRIVCMD "/dev/xen/privcmd"
#define XENPV_XENSTORED_SOCKET "/run/xenstored/socket"
#define XENPV_XENBUS_DEVICE "/dev/xen/xenbus"


/* Is /proc/xen/capabilities there and saying "control_d" (we are dom0)? */
static int
xenpvXenCheckControlDomain(void)
{
    g_autofree char *caps = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(XENPV_XEN_CAPABILITIES, &caps, NULL, &err)) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("this machine is not running under Xen: %s is missing (%s); "
                         "boot the Xen hypervisor with this system as dom0 (and mount xenfs on /proc/xen), "
                         "or set hypervisor = \"sim\" in xenpv.conf to use the simulated host"),
                       XENPV_XEN_CAPABILITIES, err->message);
        return -1;
    }
    if (!strstr(caps, "control_d")) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("this machine runs under Xen but is not its control domain: "
                         "%s does not say control_d; run libvirtd in dom0"),
                       XENPV_XEN_CAPABILITIES);
        return -1;
    }
    return 0;
}


static int
xenpvXenOpen(xenpvHypervisor *hyp G_GNUC_UNUSED)
{
    if (xenpvXenCheckControlDomain() < 0)
        return -1;

    if (access(XENPV_XEN_PRIVCMD, R_OK | W_OK) < 0) {
        virReportSystemError(errno,
                             _("Xen dom0 without a usable %s: load the xen-privcmd module "
                               "and run libvirtd as root"),
                             XENPV_XEN_PRIVCMD);
        return -1;
    }

    if (!virFileExists(XENPV_XENSTORED_SOCKET) &&
        !virFileExists(XENPV_XENBUS_DEVICE)) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("no xenstore daemon reachable: neither %s nor %s exists; "
                         "start xenstored (the xenstored or xencommons service)"),
                       XENPV_XENSTORED_SOCKET, XENPV_XENBUS_DEVICE);
        return -1;
    }

    /* The control interface is there, but this back end cannot use it yet. */
    VIR_WARN("Xen dom0 found, but the libxenctrl back end only answers open() for now");
    return 0;
}


static void
xenpvXenClose(xenpvHypervisor *hyp G_GNUC_UNUSED)
{
}


const xenpvHypervisorOps xenpvXenHypervisorOps = {
    .name = "xen",
    .open = xenpvXenOpen,
    .close = xenpvXenClose,
};
