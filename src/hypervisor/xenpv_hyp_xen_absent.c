/*
 * xenpv_hyp_xen_absent.c: the "xen" back end of a build made without Xen's
 * development libraries: choosing it fails with the reason.
 */
#include "internal.h"
#include "virerror.h"

#include "xenpv_hypervisor.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


static int
xenpvXenAbsentOpen(xenpvHypervisor *hyp G_GNUC_UNUSED)
{
    virReportError(VIR_ERR_NO_SUPPORT, "%s",
                   _("this build of the driver has no real Xen back end (it was built without libxen-dev); rebuild it with -Dxen_backend=enabled, or set hypervisor = \"sim\""));
    return -1;
}


const xenpvHypervisorOps xenpvXenHypervisorOps = {
    .name = "xen",
    .open = xenpvXenAbsentOpen,
};
