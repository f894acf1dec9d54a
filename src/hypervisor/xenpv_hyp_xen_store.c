/*
 * xenpv_hyp_xen_store.c: xenstore for the "xen" back end: the driver's
 * store operations, the domain-change event (a watch on @releaseDomain),
 * and the entries a PV guest and dom0's daemons expect to find for a new
 * domain (its /local/domain/N subtree, its /vm/UUID node, console and
 * store rings), with the permissions that let the guest own its part.
 *
 * The layout follows what Xen's own toolstack writes, so xenconsoled, the
 * hotplug scripts and a Linux guest's xenbus find what they look for.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_store");

#define XENPV_XEN_WATCH_TOKEN "xenpv-release"
/* The most a console ring may buffer in xenconsoled, as libxl sets it. */
#define XENPV_XEN_CONSOLE_LIMIT "1048576"
/* A transaction that keeps conflicting is given up after this many tries. */
#define XENPV_XEN_STORE_RETRIES 20


char *
xenpvXenStoreReadStr(xenpvXenPriv *priv, const char *fmt, ...)
{
    va_list args;
    g_autofree char *path = NULL;
    unsigned int len = 0;
    char *raw;
    char *value;

    va_start(args, fmt);
    path = g_strdup_vprintf(fmt, args);
    va_end(args);

    if (!(raw = xs_read(priv->xsh, XBT_NULL, path, &len)))
        return NULL;
    value = g_strndup(raw, len);
    free(raw);
    return value;
}


int
xenpvXenStoreRead(xenpvHypervisor *hyp, const char *path, char **value)
{
    xenpvXenPriv *priv = hyp->priv;
    unsigned int len = 0;
    char *raw;

    *value = NULL;
    if (!(raw = xs_read(priv->xsh, XBT_NULL, path, &len))) {
        if (errno == ENOENT)
            return 0;
        virReportSystemError(errno, _("cannot read xenstore node %s"), path);
        return -1;
    }
    *value = g_strndup(raw, len);
    free(raw);
    return 0;
}


int
xenpvXenStoreWrite(xenpvHypervisor *hyp, const char *path, const char *value)
{
    xenpvXenPriv *priv = hyp->priv;

    if (!xs_write(priv->xsh, XBT_NULL, path, value, strlen(value))) {
        virReportSystemError(errno, _("cannot write xenstore node %s"), path);
        return -1;
    }
    return 0;
}


int
xenpvXenStoreRemove(xenpvHypervisor *hyp, const char *path)
{
    xenpvXenPriv *priv = hyp->priv;

    if (!xs_rm(priv->xsh, XBT_NULL, path) && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove xenstore node %s"), path);
        return -1;
    }
    return 0;
}


/* xenstored fires @releaseDomain when a domain shuts down or dies: the
 * driver's cue to look at its domains again.  A handle of its own keeps
 * the watch events apart from the replies of ordinary requests. */
int
xenpvXenEventFd(xenpvHypervisor *hyp)
{
    xenpvXenPriv *priv = hyp->priv;

    if (!priv->xsWatch) {
        if (!(priv->xsWatch = xs_open(0))) {
            virReportSystemError(errno, "%s", _("cannot open a xenstore connection for watches"));
            return -1;
        }
        if (!xs_watch(priv->xsWatch, "@releaseDomain", XENPV_XEN_WATCH_TOKEN)) {
            virReportSystemError(errno, "%s", _("cannot watch @releaseDomain in xenstore"));
            xs_close(priv->xsWatch);
            priv->xsWatch = NULL;
            return -1;
        }
    }
    return xs_fileno(priv->xsWatch);
}


int
xenpvXenEventAck(xenpvHypervisor *hyp)
{
    xenpvXenPriv *priv = hyp->priv;
    char **event;

    if (!priv->xsWatch)
        return 0;
    while ((event = xs_check_watch(priv->xsWatch)))
        free(event);
    if (errno != EAGAIN) {
        virReportSystemError(errno, "%s", _("cannot read xenstore watch events"));
        return -1;
    }
    return 0;
}


/* Owner @owner (who may also write); @reader, if not DOMID_INVALID, may read. */
bool
xenpvXenStoreSetPerms(xenpvXenPriv *priv, xs_transaction_t t, const char *path,
                      uint32_t owner, uint32_t reader)
{
    struct xs_permissions perms[2] = {
        { .id = owner, .perms = XS_PERM_NONE },
        { .id = reader, .perms = XS_PERM_READ },
    };

    return xs_set_permissions(priv->xsh, t, path, perms, reader == DOMID_INVALID ? 1 : 2);
}


/* One entry of the domain's subtree, with who owns it. */
typedef struct {
    const char *path;           /* relative to the domain's home, or absolute */
    char *value;                /* NULL: a directory */
    bool guestOwned;
} xenpvXenStoreEntry;


static bool
xenpvXenStoreWriteOne(xenpvXenPriv *priv, xs_transaction_t t, uint32_t domid,
                      const char *home, const xenpvXenStoreEntry *e)
{
    g_autofree char *path = NULL;

    if (e->path[0] == '/')
        path = g_strdup(e->path);
    else
        path = g_strdup_printf("%s/%s", home, e->path);

    if (e->value) {
        if (!xs_write(priv->xsh, t, path, e->value, strlen(e->value)))
            return false;
    } else if (!xs_mkdir(priv->xsh, t, path)) {
        return false;
    }
    if (e->guestOwned)
        return xenpvXenStoreSetPerms(priv, t, path, domid, 0);
    return xenpvXenStoreSetPerms(priv, t, path, 0, domid);
}


int
xenpvXenStoreWriteEntries(xenpvXenPriv *priv, uint32_t domid,
                          const xenpvBuildSpec *spec,
                          unsigned int storePort, unsigned long storeMfn,
                          unsigned int consolePort, unsigned long consoleMfn)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *home = g_strdup_printf("/local/domain/%u", domid);
    g_autofree char *vm = NULL;
    g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(xenpvXenStoreEntry));
    unsigned int tries;
    unsigned int i;
    int ret = -1;

    virUUIDFormat(spec->uuid, uuid);
    vm = g_strdup_printf("/vm/%s", uuid);

#define ADD(p, v, g) do { \
        xenpvXenStoreEntry e_ = { (p), (v), (g) }; \
        g_array_append_val(entries, e_); \
    } while (0)

    ADD(g_strdup(home), NULL, false);
    ADD(g_strdup(vm), NULL, false);
    ADD("vm", g_strdup(vm), false);
    ADD("name", g_strdup(spec->name), false);
    ADD("domid", g_strdup_printf("%u", domid), false);
    ADD(g_strdup_printf("%s/uuid", vm), g_strdup(uuid), false);
    ADD(g_strdup_printf("%s/name", vm), g_strdup(spec->name), false);
    ADD(g_strdup_printf("%s/image/ostype", vm), g_strdup("linux"), false);
    ADD(g_strdup_printf("%s/start_time", vm),
        g_strdup_printf("%.2f", g_get_real_time() / (double)G_USEC_PER_SEC), false);
    ADD("memory/static-max", g_strdup_printf("%llu", (unsigned long long)spec->maxMemKiB), false);
    ADD("memory/target", g_strdup_printf("%llu", (unsigned long long)spec->targetMemKiB), false);
    ADD("memory/videoram", g_strdup("-1"), false);
    ADD("device", NULL, false);
    ADD("control", NULL, false);
    ADD("control/shutdown", g_strdup(""), true);
    ADD("control/sysrq", g_strdup(""), true);
    ADD("control/feature-poweroff", NULL, true);
    ADD("control/feature-reboot", NULL, true);
    ADD("control/feature-suspend", NULL, true);
    ADD("control/feature-s3", NULL, true);
    ADD("control/feature-s4", NULL, true);
    ADD("control/platform-feature-multiprocessor-suspend", g_strdup("1"), false);
    ADD("control/platform-feature-xs_reset_watches", g_strdup("1"), false);
    ADD("data", NULL, true);
    ADD("drivers", NULL, true);
    ADD("feature", NULL, true);
    ADD("attr", NULL, true);
    ADD("error", NULL, true);
    for (i = 0; i < spec->maxVcpus; i++)
        ADD(g_strdup_printf("cpu/%u/availability", i),
            g_strdup(i < spec->vcpus ? "online" : "offline"), false);
    ADD("store/port", g_strdup_printf("%u", storePort), false);
    ADD("store/ring-ref", g_strdup_printf("%lu", storeMfn), false);
    /* The console's frontend belongs to the guest; xenconsoled adds "tty". */
    ADD("console", NULL, true);
    ADD("console/backend-id", g_strdup("0"), true);
    ADD("console/limit", g_strdup(XENPV_XEN_CONSOLE_LIMIT), true);
    ADD("console/type", g_strdup("xenconsoled"), true);
    ADD("console/output", g_strdup("pty"), true);
    ADD("console/tty", g_strdup(""), true);
    ADD("console/port", g_strdup_printf("%u", consolePort), true);
    ADD("console/ring-ref", g_strdup_printf("%lu", consoleMfn), true);
#undef ADD

    for (tries = 0; tries < XENPV_XEN_STORE_RETRIES; tries++) {
        xs_transaction_t t;
        bool ok = true;

        if ((t = xs_transaction_start(priv->xsh)) == XBT_NULL) {
            virReportSystemError(errno, _("cannot start a xenstore transaction for domain %u"), domid);
            goto cleanup;
        }
        for (i = 0; ok && i < entries->len; i++) {
            const xenpvXenStoreEntry *e = &g_array_index(entries, xenpvXenStoreEntry, i);

            if (!xenpvXenStoreWriteOne(priv, t, domid, home, e)) {
                virReportSystemError(errno, _("cannot write xenstore entry %s of domain %u"),
                                     e->path, domid);
                ok = false;
            }
        }
        if (!ok) {
            xs_transaction_end(priv->xsh, t, true);
            goto cleanup;
        }
        if (xs_transaction_end(priv->xsh, t, false)) {
            ret = 0;
            goto cleanup;
        }
        if (errno != EAGAIN) {
            virReportSystemError(errno, _("cannot commit the xenstore entries of domain %u"), domid);
            goto cleanup;
        }
    }
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("the xenstore entries of domain %u kept conflicting with other writers"), domid);

 cleanup:
    for (i = 0; i < entries->len; i++) {
        xenpvXenStoreEntry *e = &g_array_index(entries, xenpvXenStoreEntry, i);

        /* Absolute paths were allocated; relative ones are literals. */
        if (e->path[0] == '/')
            g_free((char *)e->path);
        g_free(e->value);
    }
    return ret;
}


void
xenpvXenStoreRemoveLeftovers(xenpvXenPriv *priv, uint32_t domid, const unsigned char *uuid)
{
    char uuidStr[VIR_UUID_STRING_BUFLEN];
    g_autofree char *home = g_strdup_printf("/local/domain/%u", domid);
    g_autofree char *vm = NULL;

    virUUIDFormat(uuid, uuidStr);
    vm = g_strdup_printf("/vm/%s", uuidStr);
    if (!xs_rm(priv->xsh, XBT_NULL, home) && errno != ENOENT)
        VIR_WARN("cannot remove the leftover %s: %s", home, g_strerror(errno));
    if (!xs_rm(priv->xsh, XBT_NULL, vm) && errno != ENOENT)
        VIR_WARN("cannot remove the leftover %s: %s", vm, g_strerror(errno));
}


int
xenpvXenStoreIntroduce(xenpvXenPriv *priv, uint32_t domid,
                       unsigned long storeMfn, unsigned int storePort)
{
    if (!xs_introduce_domain(priv->xsh, domid, storeMfn, storePort)) {
        virReportSystemError(errno, _("xenstored refused to introduce domain %u"), domid);
        return -1;
    }
    return 0;
}


/* Everything of the domain in xenstore except its devices (removed before,
 * while the backends could still be told). */
void
xenpvXenStoreRemoveDomain(xenpvXenPriv *priv, uint32_t domid)
{
    g_autofree char *home = g_strdup_printf("/local/domain/%u", domid);
    g_autofree char *vm = xenpvXenStoreReadStr(priv, "%s/vm", home);

    if (vm && g_str_has_prefix(vm, "/vm/") && !xs_rm(priv->xsh, XBT_NULL, vm) && errno != ENOENT)
        VIR_WARN("cannot remove %s: %s", vm, g_strerror(errno));
    if (!xs_rm(priv->xsh, XBT_NULL, home) && errno != ENOENT)
        VIR_WARN("cannot remove %s: %s", home, g_strerror(errno));
    /* xenstored drops its connection to a dead domain by itself; this only
     * makes it happen now.  A domain it never knew gives an error. */
    if (!xs_release_domain(priv->xsh, domid))
        VIR_DEBUG("xs_release_domain(%u): %s", domid, g_strerror(errno));
}
