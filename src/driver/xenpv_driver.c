/*
 * xenpv_driver.c: registration of the xenpv driver with libvirt.
 */
#include "internal.h"
#include "driver.h"
#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

int libxlRegister(void);
int xenRegister(void);

static virDrvOpenStatus
xenpvConnectOpen(virConnectPtr conn G_GNUC_UNUSED,
                 virConnectAuthPtr auth G_GNUC_UNUSED,
                 virConf *conf G_GNUC_UNUSED,
                 unsigned int flags)
{
    virCheckFlags(VIR_CONNECT_RO, VIR_DRV_OPEN_ERROR);
    virReportError(VIR_ERR_NO_SUPPORT, "%s", _("not yet"));
    return VIR_DRV_OPEN_ERROR;
}

static virHypervisorDriver xenpvHypervisorDriver = {
    .name = "Xen",
    .connectOpen = xenpvConnectOpen,
};

static virConnectDriver xenpvConnectDriver = {
    .localOnly = true,
    .embeddable = true,
    .uriSchemes = (const char *[]){ "xen", NULL },
    .hypervisorDriver = &xenpvHypervisorDriver,
};

int
libxlRegister(void)
{
    return virRegisterConnectDriver(&xenpvConnectDriver, true);
}

int
xenRegister(void)
{
    return libxlRegister();
}
