/*
 * xenpv_hyp_sim.c: the "sim" back end: every operation of the hypervisor
 * interface as a request to xenpv-simhost (docs/simhost.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "internal.h"
#include "virerror.h"

#include "xenpv_hyp_sim_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL


void
xenpvSimReportError(xenpvHypervisor *hyp, const GError *err)
{
    xenpvSimPriv *priv = hyp->priv;
    int code = VIR_ERR_OPERATION_FAILED;

    if (err->domain != XENPV_SIM_ERROR) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the simulated Xen host at %s failed to answer: %s"),
                       priv->socketPath, err->message);
        return;
    }
    switch (err->code) {
    case ESRCH:
        code = VIR_ERR_NO_DOMAIN;
        break;
    case EOPNOTSUPP:
        code = VIR_ERR_OPERATION_UNSUPPORTED;
        break;
    case EBUSY:
    case EPERM:
        code = VIR_ERR_OPERATION_INVALID;
        break;
    case EINVAL:
    case E2BIG:
    case EPROTO:
        code = VIR_ERR_OPERATION_FAILED;
        break;
    }
    virReportError(code, "%s", err->message);
}


/* Called with priv->lock held. */
static int
xenpvSimConnect(xenpvHypervisor *hyp)
{
    xenpvSimPriv *priv = hyp->priv;
    g_autoptr(GError) err = NULL;
    g_autoptr(xenpvSimMsg) hello = NULL;
    g_autoptr(GString) line = xenpvSimLineNew("HELLO");
    g_autoptr(xenpvSimClient) conn = NULL;
    guint64 version = 0;

    if (priv->conn)
        return 0;
    if (!(conn = xenpvSimClientConnect(priv->socketPath, &err))) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("the simulated Xen host is not running: %s (start it with 'xenpv-simhost --daemon', or set hypervisor = \"xen\" in /etc/libvirt/xenpv.conf on a Xen host)"),
                       err->message);
        return -1;
    }
    xenpvSimLineAdd(line, G_STRINGIFY(XENPV_SIM_PROTO_VERSION));
    if (!(hello = xenpvSimClientCall(conn, line->str, NULL, NULL, &err))) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("%s does not answer as a simulated Xen host: %s"),
                       priv->socketPath, err->message);
        return -1;
    }
    if (!xenpvSimMsgGetU64(hello, "version", &version) ||
        version != XENPV_SIM_PROTO_VERSION) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("the simulated Xen host at %s speaks protocol version %llu, this driver speaks %d: install matching versions"),
                       priv->socketPath, (unsigned long long)version,
                       XENPV_SIM_PROTO_VERSION);
        return -1;
    }
    priv->conn = g_steal_pointer(&conn);
    return 0;
}


/* Send @line and read the reply.  Returns 1 with *@reply set; 0 when the
 * host answered with error @absent (a domain or store node that is not
 * there, an answer rather than a failure to the callers that pass it; 0
 * for none); -1 with a libvirt error reported. */
int
xenpvSimCall(xenpvHypervisor *hyp, GString *line, int absent,
             GBytes **payload, int *fd, xenpvSimMsg **reply)
{
    xenpvSimPriv *priv = hyp->priv;
    g_autoptr(GError) err = NULL;
    int ret = -1;

    *reply = NULL;
    g_mutex_lock(&priv->lock);
    /* A host that went away and came back is reconnected on the next call. */
    if (xenpvSimConnect(hyp) < 0)
        goto cleanup;
    if (!(*reply = xenpvSimClientCall(priv->conn, line->str, payload, fd, &err))) {
        if (absent && g_error_matches(err, XENPV_SIM_ERROR, absent)) {
            ret = 0;
            goto cleanup;
        }
        /* Only a broken connection is dropped, not a refused request. */
        if (err->domain != XENPV_SIM_ERROR)
            g_clear_pointer(&priv->conn, xenpvSimClientFree);
        xenpvSimReportError(hyp, err);
        goto cleanup;
    }
    ret = 1;

 cleanup:
    g_mutex_unlock(&priv->lock);
    return ret;
}


xenpvSimMsg *
xenpvSimRequest(xenpvHypervisor *hyp, GString *line, GBytes **payload, int *fd)
{
    xenpvSimMsg *reply = NULL;

    ignore_value(xenpvSimCall(hyp, line, 0, payload, fd, &reply));
    return reply;
}


int
xenpvSimRequestSimple(xenpvHypervisor *hyp, GString *line)
{
    g_autoptr(xenpvSimMsg) reply = xenpvSimRequest(hyp, line, NULL, NULL);

    return reply ? 0 : -1;
}


static GString *
xenpvSimLineDomain(const char *verb, uint32_t domid)
{
    GString *line = xenpvSimLineNew(verb);

    g_string_append_printf(line, " %u", domid);
    return line;
}


static void
xenpvSimClose(xenpvHypervisor *hyp)
{
    xenpvSimPriv *priv = hyp->priv;

    if (!priv)
        return;
    xenpvSimClientFree(priv->conn);
    xenpvSimClientFree(priv->events);
    g_mutex_clear(&priv->lock);
    g_free(priv->socketPath);
    g_free(priv);
    hyp->priv = NULL;
}


static int
xenpvSimOpen(xenpvHypervisor *hyp)
{
    xenpvSimPriv *priv = g_new0(xenpvSimPriv, 1);
    g_autoptr(GError) err = NULL;
    g_autoptr(xenpvSimMsg) reply = NULL;
    int connected;
    int flags;

    g_mutex_init(&priv->lock);
    priv->socketPath = g_strdup(hyp->socketPath ? hyp->socketPath : XENPV_SIM_DEFAULT_SOCKET);
    hyp->priv = priv;

    g_mutex_lock(&priv->lock);
    connected = xenpvSimConnect(hyp);
    g_mutex_unlock(&priv->lock);
    if (connected < 0)
        goto error;

    /* The event subscription is a connection of its own. */
    if (!(priv->events = xenpvSimClientConnect(priv->socketPath, &err)) ||
        !(reply = xenpvSimClientCall(priv->events, "SUBSCRIBE", NULL, NULL, &err))) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("cannot subscribe to the simulated Xen host's events at %s: %s"),
                       priv->socketPath, err->message);
        goto error;
    }
    flags = fcntl(xenpvSimClientFd(priv->events), F_GETFL);
    if (flags < 0 ||
        fcntl(xenpvSimClientFd(priv->events), F_SETFL, flags | O_NONBLOCK) < 0) {
        virReportSystemError(errno, "%s", _("cannot make the event socket non-blocking"));
        goto error;
    }
    return 0;

 error:
    xenpvSimClose(hyp);
    return -1;
}


static int
xenpvSimGetHostInfo(xenpvHypervisor *hyp, xenpvHostInfo *info)
{
    g_autoptr(GString) line = xenpvSimLineNew("INFO");
    g_autoptr(xenpvSimMsg) reply = NULL;

    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    memset(info, 0, sizeof(*info));
    info->nrCpus = xenpvSimMsgGetU64Default(reply, "nr_cpus", 1);
    info->threadsPerCore = xenpvSimMsgGetU64Default(reply, "threads_per_core", 1);
    info->coresPerSocket = xenpvSimMsgGetU64Default(reply, "cores_per_socket", 1);
    info->nrNodes = xenpvSimMsgGetU64Default(reply, "nr_nodes", 1);
    info->cpuKhz = xenpvSimMsgGetU64Default(reply, "cpu_khz", 0);
    info->totalPages = xenpvSimMsgGetU64Default(reply, "total_pages", 0);
    info->freePages = xenpvSimMsgGetU64Default(reply, "free_pages", 0);
    info->xenMajor = xenpvSimMsgGetU64Default(reply, "xen_major", 0);
    info->xenMinor = xenpvSimMsgGetU64Default(reply, "xen_minor", 0);
    g_strlcpy(info->xenExtra, xenpvSimMsgGet(reply, "xen_extra") ?: "", sizeof(info->xenExtra));
    g_strlcpy(info->xenCaps, xenpvSimMsgGet(reply, "xen_caps") ?: "", sizeof(info->xenCaps));
    info->pv32 = xenpvSimMsgGetU64Default(reply, "pv32", 0) != 0;
    info->logDirty = xenpvSimMsgGetU64Default(reply, "log_dirty", 0) != 0;
    info->hvm = xenpvSimMsgGetU64Default(reply, "hvm", 0) != 0;
    info->hap = xenpvSimMsgGetU64Default(reply, "hap", 0) != 0;
    info->shadow = xenpvSimMsgGetU64Default(reply, "shadow", 0) != 0;
    return 0;
}


static int
xenpvSimCheckFramebuffer(xenpvHypervisor *hyp, const char *type,
                         bool password G_GNUC_UNUSED)
{
    g_autoptr(GString) line = xenpvSimLineNew("INFO");
    g_autoptr(xenpvSimMsg) reply = NULL;

    if (g_strcmp0(type, "vnc") != 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<graphics type='%s'>: the simulated Xen host serves the PV framebuffer over VNC only; use type='vnc'"),
                       NULLSTR(type));
        return -1;
    }
    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (xenpvSimMsgGetU64Default(reply, "vnc", 0) == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<graphics type='vnc'>: the simulated Xen host serves no VNC framebuffer: %s"),
                       NULLSTR(xenpvSimMsgGet(reply, "vnc_why")));
        return -1;
    }
    return 0;
}


static int
xenpvSimListDomains(xenpvHypervisor *hyp, xenpvDomainInfo **infos, size_t *ninfos)
{
    g_autoptr(GString) line = xenpvSimLineNew("LIST");
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GBytes) payload = NULL;
    g_autofree char *text = NULL;
    g_auto(GStrv) rows = NULL;
    g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(xenpvDomainInfo));
    size_t i;

    if (!(reply = xenpvSimRequest(hyp, line, &payload, NULL)))
        return -1;
    if (payload)
        text = g_strndup(g_bytes_get_data(payload, NULL), g_bytes_get_size(payload));
    else
        text = g_strdup("");
    rows = g_strsplit(text, "\n", -1);
    for (i = 0; rows[i]; i++) {
        g_autoptr(xenpvSimMsg) row = NULL;
        g_autoptr(GError) err = NULL;
        xenpvDomainInfo info;

        if (!*rows[i])
            continue;
        if (!(row = xenpvSimMsgParse(rows[i], &err)) ||
            !xenpvSimDomainInfoFromMsg(row, &info, &err)) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("malformed domain list from the simulated Xen host: %s"),
                           err->message);
            return -1;
        }
        g_array_append_val(list, info);
    }
    *ninfos = list->len;
    *infos = (xenpvDomainInfo *)g_array_free(g_steal_pointer(&list), FALSE);
    return 0;
}


static int
xenpvSimGetDomainInfo(xenpvHypervisor *hyp, uint32_t domid, xenpvDomainInfo *info)
{
    g_autoptr(GString) line = xenpvSimLineDomain("DOMINFO", domid);
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GError) err = NULL;
    int rc;

    if ((rc = xenpvSimCall(hyp, line, ESRCH, NULL, NULL, &reply)) <= 0)
        return rc;
    if (!xenpvSimDomainInfoFromMsg(reply, info, &err)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("malformed state of domain %u from the simulated Xen host: %s"),
                       domid, err->message);
        return -1;
    }
    return 1;
}


int
xenpvSimCreate(xenpvHypervisor *hyp, GString *line, uint32_t *domid)
{
    g_autoptr(xenpvSimMsg) reply = NULL;
    guint64 id;

    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (!xenpvSimMsgGetU64(reply, "domid", &id) || id > G_MAXUINT32) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("the simulated Xen host created a domain without an id"));
        return -1;
    }
    *domid = id;
    return 0;
}


static int
xenpvSimDomainCreate(xenpvHypervisor *hyp, const xenpvBuildSpec *spec, uint32_t *domid)
{
    g_autoptr(GString) line = xenpvSimLineNew("CREATE");

    xenpvSimLineAddSpec(line, spec);
    return xenpvSimCreate(hyp, line, domid);
}

#define XENPV_SIM_DOMAIN_OP(func, verb) \
    static int \
    func(xenpvHypervisor *hyp, uint32_t domid) \
    { \
        g_autoptr(GString) line = xenpvSimLineDomain(verb, domid); \
        return xenpvSimRequestSimple(hyp, line); \
    }

XENPV_SIM_DOMAIN_OP(xenpvSimDomainPause, "PAUSE")
XENPV_SIM_DOMAIN_OP(xenpvSimDomainUnpause, "UNPAUSE")
XENPV_SIM_DOMAIN_OP(xenpvSimDomainDestroy, "DESTROY")
XENPV_SIM_DOMAIN_OP(xenpvSimDomainResume, "RESUME")

static int
xenpvSimDomainSetMaxMem(xenpvHypervisor *hyp, uint32_t domid, uint64_t kib)
{
    g_autoptr(GString) line = xenpvSimLineDomain("SETMAXMEM", domid);

    g_string_append_printf(line, " %llu", (unsigned long long)kib);
    return xenpvSimRequestSimple(hyp, line);
}


static int
xenpvSimDomainSetMaxVcpus(xenpvHypervisor *hyp, uint32_t domid, unsigned int max)
{
    g_autoptr(GString) line = xenpvSimLineDomain("SETMAXVCPUS", domid);

    g_string_append_printf(line, " %u", max);
    return xenpvSimRequestSimple(hyp, line);
}


/* CPUCAP DOMID [CAP]: the cap after the request, in *@cap. */
static int
xenpvSimDomainCpuCap(xenpvHypervisor *hyp, uint32_t domid, const unsigned int *set,
                     unsigned int *cap)
{
    g_autoptr(GString) line = xenpvSimLineDomain("CPUCAP", domid);
    g_autoptr(xenpvSimMsg) reply = NULL;
    guint64 value;

    if (set)
        g_string_append_printf(line, " %u", *set);
    if (!(reply = xenpvSimRequest(hyp, line, NULL, NULL)))
        return -1;
    if (!xenpvSimMsgGetU64(reply, "cap", &value) || value > G_MAXUINT) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("the simulated Xen host did not say the domain's CPU cap"));
        return -1;
    }
    *cap = value;
    return 0;
}


static int
xenpvSimDomainGetCpuCap(xenpvHypervisor *hyp, uint32_t domid, unsigned int *cap)
{
    return xenpvSimDomainCpuCap(hyp, domid, NULL, cap);
}


static int
xenpvSimDomainSetCpuCap(xenpvHypervisor *hyp, uint32_t domid, unsigned int cap)
{
    unsigned int now;

    return xenpvSimDomainCpuCap(hyp, domid, &cap, &now);
}


int
xenpvSimMemoryFd(xenpvHypervisor *hyp, uint32_t domid, size_t *bytes)
{
    g_autoptr(GString) line = xenpvSimLineDomain("MEMFD", domid);
    g_autoptr(xenpvSimMsg) reply = NULL;
    guint64 size;
    int fd = -1;

    if (!(reply = xenpvSimRequest(hyp, line, NULL, &fd)))
        return -1;
    if (fd < 0 || !xenpvSimMsgGetU64(reply, "size", &size)) {
        if (fd >= 0)
            close(fd);
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the simulated Xen host did not pass the memory of domain %u"),
                       domid);
        return -1;
    }
    *bytes = size;
    return fd;
}


static void *
xenpvSimMapForeign(xenpvHypervisor *hyp, uint32_t domid, int prot,
                   uint64_t pfn, size_t count)
{
    size_t bytes = 0;
    void *addr;
    int fd;

    if ((fd = xenpvSimMemoryFd(hyp, domid, &bytes)) < 0)
        return NULL;
    if (count == 0 || pfn + count < pfn || (pfn + count) * XENPV_PAGE_SIZE > bytes) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("pages %llu-%llu are outside the %zu pages of domain %u"),
                       (unsigned long long)pfn, (unsigned long long)(pfn + count),
                       bytes / XENPV_PAGE_SIZE, domid);
        close(fd);
        return NULL;
    }
    addr = mmap(NULL, count * XENPV_PAGE_SIZE, prot, MAP_SHARED, fd, pfn * XENPV_PAGE_SIZE);
    close(fd);
    if (addr == MAP_FAILED) {
        virReportSystemError(errno, _("cannot map %zu pages of domain %u"), count, domid);
        return NULL;
    }
    return addr;
}


static void
xenpvSimUnmapForeign(xenpvHypervisor *hyp, void *addr, size_t count)
{
    if (addr)
        munmap(addr, count * XENPV_PAGE_SIZE);
}


static int
xenpvSimLogDirtyEnable(xenpvHypervisor *hyp, uint32_t domid, bool enable)
{
    g_autoptr(GString) line = xenpvSimLineDomain("LOGDIRTY", domid);

    xenpvSimLineAdd(line, enable ? "on" : "off");
    return xenpvSimRequestSimple(hyp, line);
}


static int
xenpvSimLogDirtyPeekClean(xenpvHypervisor *hyp, uint32_t domid, bool clean,
                          unsigned long *bitmap, uint64_t nrPages, uint64_t *dirty)
{
    g_autoptr(GString) line = xenpvSimLineDomain("PEEKCLEAN", domid);
    g_autoptr(xenpvSimMsg) reply = NULL;
    g_autoptr(GBytes) payload = NULL;
    size_t want = ((nrPages + 63) / 64) * 8;

    g_string_append_printf(line, " %d %llu", clean ? 1 : 0, (unsigned long long)nrPages);
    if (!(reply = xenpvSimRequest(hyp, line, &payload, NULL)))
        return -1;
    if (!payload || g_bytes_get_size(payload) != want) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the simulated Xen host sent a dirty bitmap of the wrong size for domain %u"), domid);
        return -1;
    }
    /* x86 longs are little endian: the byte image is the bitmap. */
    memcpy(bitmap, g_bytes_get_data(payload, NULL), want);
    if (dirty)
        *dirty = xenpvSimMsgGetU64Default(reply, "dirty", 0);
    return 0;
}


static int
xenpvSimStoreRead(xenpvHypervisor *hyp, const char *path, char **value)
{
    g_autoptr(GString) line = xenpvSimLineNew("READ");
    g_autoptr(xenpvSimMsg) reply = NULL;
    int rc;

    *value = NULL;
    xenpvSimLineAdd(line, path);
    if ((rc = xenpvSimCall(hyp, line, ENOENT, NULL, NULL, &reply)) <= 0)
        return rc;
    *value = g_strdup(xenpvSimMsgGet(reply, "value") ?: "");
    return 0;
}


static int
xenpvSimStoreWrite(xenpvHypervisor *hyp, const char *path, const char *value)
{
    g_autoptr(GString) line = xenpvSimLineNew("WRITE");

    xenpvSimLineAdd(line, path);
    xenpvSimLineAdd(line, value);
    return xenpvSimRequestSimple(hyp, line);
}


static int
xenpvSimStoreRemove(xenpvHypervisor *hyp, const char *path)
{
    g_autoptr(GString) line = xenpvSimLineNew("RM");
    g_autoptr(xenpvSimMsg) reply = NULL;

    xenpvSimLineAdd(line, path);
    /* Removing what is not there is done, as with xs_rm in libxl. */
    if (xenpvSimCall(hyp, line, ENOENT, NULL, NULL, &reply) < 0)
        return -1;
    return 0;
}


static int
xenpvSimEventFd(xenpvHypervisor *hyp)
{
    xenpvSimPriv *priv = hyp->priv;

    return xenpvSimClientFd(priv->events);
}


static int
xenpvSimEventAck(xenpvHypervisor *hyp)
{
    xenpvSimPriv *priv = hyp->priv;
    int fd = xenpvSimClientFd(priv->events);
    char buf[256];

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n == 0) {
            virReportError(VIR_ERR_NO_CONNECT,
                           _("the simulated Xen host at %s has gone away, and its guests with it"), priv->socketPath);
        } else {
            virReportSystemError(errno, _("cannot read events from %s"), priv->socketPath);
        }
        return -1;
    }
}


const xenpvHypervisorOps xenpvSimHypervisorOps = {
    .name = "sim",
    .streamFormat = XENPV_SIM_STREAM_FORMAT,
    .streamVersion = XENPV_SIM_STREAM_VERSION,
    .shimStreamFormat = XENPV_SIM_SHIM_STREAM_FORMAT,
    .open = xenpvSimOpen,
    .close = xenpvSimClose,
    .getHostInfo = xenpvSimGetHostInfo,
    .checkFramebuffer = xenpvSimCheckFramebuffer,
    .getHostTopology = xenpvSimGetHostTopology,
    .getHostCpuTimes = xenpvSimGetHostCpuTimes,
    .listDomains = xenpvSimListDomains,
    .getDomainInfo = xenpvSimGetDomainInfo,
    .domainCreate = xenpvSimDomainCreate,
    .domainPause = xenpvSimDomainPause,
    .domainUnpause = xenpvSimDomainUnpause,
    .domainDestroy = xenpvSimDomainDestroy,
    .domainResume = xenpvSimDomainResume,
    .domainSetMaxMem = xenpvSimDomainSetMaxMem,
    .domainSetMaxVcpus = xenpvSimDomainSetMaxVcpus,
    .domainGetVcpus = xenpvSimDomainGetVcpus,
    .domainSetVcpuAffinity = xenpvSimDomainSetVcpuAffinity,
    .domainGetCpuCap = xenpvSimDomainGetCpuCap,
    .domainSetCpuCap = xenpvSimDomainSetCpuCap,
    .domainBlockStats = xenpvSimDomainBlockStats,
    .domainNicStats = xenpvSimDomainNicStats,
    .domainAttachDisk = xenpvSimDomainAttachDisk,
    .domainDetachDisk = xenpvSimDomainDetachDisk,
    .domainAttachNic = xenpvSimDomainAttachNic,
    .domainDetachNic = xenpvSimDomainDetachNic,
    .domainNicSetBridge = xenpvSimDomainNicSetBridge,
    .mapForeign = xenpvSimMapForeign,
    .unmapForeign = xenpvSimUnmapForeign,
    .logDirtyEnable = xenpvSimLogDirtyEnable,
    .logDirtyPeekClean = xenpvSimLogDirtyPeekClean,
    .storeRead = xenpvSimStoreRead,
    .storeWrite = xenpvSimStoreWrite,
    .storeRemove = xenpvSimStoreRemove,
    .eventFd = xenpvSimEventFd,
    .eventAck = xenpvSimEventAck,
    .domainSave = xenpvSimDomainSave,
    .domainRestore = xenpvSimDomainRestore,
};
