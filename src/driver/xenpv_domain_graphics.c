/*
 * xenpv_domain_graphics.c: a guest's PV framebuffer (<graphics type='vnc'>)
 * as libvirt's Xen driver gives it: refused at define where the host
 * cannot serve it, a port of its own from 5900 up when autoport is asked
 * (libvirt's port allocator, so that every driver of the daemon shares the
 * range), the address it listens on (127.0.0.1 unless given) and its
 * password, all written into the live definition so that vncdisplay and
 * virt-manager find it; the port goes back when the guest stops.
 */
#include "xenpv_domain_graphics.h"

#include "virerror.h"
#include "virlog.h"
#include "virportallocator.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.domain_graphics");

/* What a VNC display number counts from, and the range libvirt's Xen
 * driver allocates from. */
#define XENPV_VNC_PORT_MIN 5900
#define XENPV_VNC_PORT_MAX 65535
#define XENPV_VNC_DEFAULT_LISTEN "127.0.0.1"


virPortAllocatorRange *
xenpvGraphicsPortRangeNew(void)
{
    return virPortAllocatorRangeNew(_("VNC"), XENPV_VNC_PORT_MIN, XENPV_VNC_PORT_MAX);
}


int
xenpvGraphicsCheckDefine(xenpvDriver *driver, const virDomainDef *def)
{
    size_t i;

    if (def->ngraphics > 1) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%zu <graphics>: a PV guest has one framebuffer"), def->ngraphics);
        return -1;
    }
    for (i = 0; i < def->ngraphics; i++) {
        const virDomainGraphicsDef *gfx = def->graphics[i];
        const char *type = virDomainGraphicsTypeToString(gfx->type);

        bool password = gfx->type == VIR_DOMAIN_GRAPHICS_TYPE_VNC &&
            gfx->data.vnc.auth.passwd && *gfx->data.vnc.auth.passwd;

        if (!XENPV_HYP_HAS(driver, checkFramebuffer) ||
            driver->hyp.ops->checkFramebuffer(&driver->hyp, type, password) < 0)
            return -1;
        if (gfx->type != VIR_DOMAIN_GRAPHICS_TYPE_VNC)
            continue;
        if (gfx->data.vnc.auth.expires) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("<graphics passwdValidTo>: the PV framebuffer's VNC password does not expire; give none"));
            return -1;
        }
        if (!gfx->data.vnc.autoport && gfx->data.vnc.port > 0 &&
            gfx->data.vnc.port < XENPV_VNC_PORT_MIN) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("<graphics port='%d'>: a VNC display's port is %d or above"),
                           gfx->data.vnc.port, XENPV_VNC_PORT_MIN);
            return -1;
        }
    }
    return 0;
}


int
xenpvGraphicsPrepare(xenpvDriver *driver, virDomainDef *def, xenpvBuildSpec *spec)
{
    virDomainGraphicsDef *gfx;
    virDomainGraphicsListenDef *glisten;
    unsigned short port = 0;

    if (def->ngraphics == 0 || def->graphics[0]->type != VIR_DOMAIN_GRAPHICS_TYPE_VNC)
        return 0;
    gfx = def->graphics[0];

    if (gfx->data.vnc.autoport || gfx->data.vnc.port <= 0) {
        if (virPortAllocatorAcquire(driver->vncPorts, &port) < 0)
            return -1;
        gfx->data.vnc.port = port;
        gfx->data.vnc.autoport = true;
        gfx->data.vnc.portReserved = true;
    }
    /* The address it listens on, as libvirt's Xen driver writes it. */
    if (!(glisten = virDomainGraphicsGetListen(gfx, 0))) {
        if (virDomainGraphicsListenAppendAddress(gfx, XENPV_VNC_DEFAULT_LISTEN) < 0)
            goto error;
        glisten = virDomainGraphicsGetListen(gfx, 0);
    } else if (!glisten->address) {
        glisten->address = g_strdup(XENPV_VNC_DEFAULT_LISTEN);
    }

    g_free(spec->vncListen);
    spec->vncListen = g_strdup(glisten->address);
    spec->vncPort = gfx->data.vnc.port;
    g_free(spec->vncPassword);
    spec->vncPassword = g_strdup(gfx->data.vnc.auth.passwd);
    g_free(spec->keymap);
    spec->keymap = g_strdup(gfx->data.vnc.keymap);
    VIR_DEBUG("domain '%s': VNC on %s:%d", def->name, spec->vncListen, spec->vncPort);
    return 0;

 error:
    xenpvGraphicsRelease(def);
    return -1;
}


void
xenpvGraphicsRelease(virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ngraphics; i++) {
        virDomainGraphicsDef *gfx = def->graphics[i];

        if (gfx->type != VIR_DOMAIN_GRAPHICS_TYPE_VNC || !gfx->data.vnc.portReserved)
            continue;
        if (virPortAllocatorRelease(gfx->data.vnc.port) < 0)
            VIR_WARN("cannot release VNC port %d of domain '%s'", gfx->data.vnc.port, def->name);
        gfx->data.vnc.portReserved = false;
    }
}


void
xenpvGraphicsReconnect(virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ngraphics; i++) {
        virDomainGraphicsDef *gfx = def->graphics[i];

        if (gfx->type != VIR_DOMAIN_GRAPHICS_TYPE_VNC || !gfx->data.vnc.autoport ||
            gfx->data.vnc.port < XENPV_VNC_PORT_MIN)
            continue;
        /* A restarted daemon must not hand the running guest's port out. */
        if (virPortAllocatorSetUsed(gfx->data.vnc.port) < 0)
            VIR_WARN("cannot mark VNC port %d of domain '%s' as used",
                     gfx->data.vnc.port, def->name);
        gfx->data.vnc.portReserved = true;
    }
}
