/*
 * xenpv_native_cmdline.c: xm's root, extra and NFS-root keys <-> one kernel
 * command line, as xm's create and xend's image builder composed it.
 */
#include "internal.h"
#include "virerror.h"

#include "xenpv_native_cmdline.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

void
xenpvNativeBootClear(xenpvNativeBoot *boot)
{
    g_free(boot->root);
    g_free(boot->extra);
    g_free(boot->ip);
    g_free(boot->netmask);
    g_free(boot->gateway);
    g_free(boot->hostname);
    g_free(boot->interface);
    g_free(boot->dhcp);
    g_free(boot->nfsServer);
    g_free(boot->nfsRoot);
    memset(boot, 0, sizeof(*boot));
}


static bool
xenpvIsSet(const char *value)
{
    return value && *value;
}


int
xenpvNativeBootCompose(const xenpvNativeBoot *boot, char **cmdline)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    bool ipActive = xenpvIsSet(boot->ip) ||
                    (xenpvIsSet(boot->dhcp) && STRNEQ(boot->dhcp, "off"));
    const char *root = boot->root;

    *cmdline = NULL;

    if (xenpvIsSet(boot->nfsRoot) && !xenpvIsSet(boot->nfsServer)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("'nfs_root' needs 'nfs_server' (xm refused it too)"));
        return -1;
    }
    if (!ipActive) {
        const char *unused = NULL;

        if (xenpvIsSet(boot->netmask))
            unused = "netmask";
        else if (xenpvIsSet(boot->gateway))
            unused = "gateway";
        else if (xenpvIsSet(boot->hostname))
            unused = "hostname";
        else if (xenpvIsSet(boot->interface))
            unused = "interface";
        else if (xenpvIsSet(boot->nfsServer) && !xenpvIsSet(boot->nfsRoot))
            unused = "nfs_server";
        if (unused) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("'%s' has an effect only with 'ip' or 'dhcp' set; xm ignored it, set 'ip' or remove it"),
                           unused);
            return -1;
        }
    }

    if (ipActive) {
        const char *nfsServer = XENPV_NATIVE_DUMMY_NFS_SERVER;

        if (xenpvIsSet(boot->nfsServer))
            nfsServer = boot->nfsServer;
        g_ptr_array_add(parts,
                        g_strdup_printf("ip=%s:%s:%s:%s:%s:%s:%s",
                                        NULLSTR_EMPTY(boot->ip),
                                        nfsServer,
                                        NULLSTR_EMPTY(boot->gateway),
                                        NULLSTR_EMPTY(boot->netmask),
                                        NULLSTR_EMPTY(boot->hostname),
                                        xenpvIsSet(boot->interface) ? boot->interface : "eth0",
                                        xenpvIsSet(boot->dhcp) ? boot->dhcp : "off"));
    }

    /* xm accepted root = "root=/dev/sda1" as well as root = "/dev/sda1". */
    if (root && g_str_has_prefix(root, "root="))
        root += strlen("root=");
    if (xenpvIsSet(root))
        g_ptr_array_add(parts, g_strdup_printf("root=%s", root));

    if (xenpvIsSet(boot->nfsRoot))
        g_ptr_array_add(parts, g_strdup_printf("nfsroot=%s:%s", boot->nfsServer, boot->nfsRoot));

    if (xenpvIsSet(boot->extra))
        g_ptr_array_add(parts, g_strdup(boot->extra));

    if (parts->len > 0) {
        g_autofree char *joined = NULL;

        g_ptr_array_add(parts, NULL);
        joined = g_strjoinv(" ", (char **)parts->pdata);
        *cmdline = g_strdup(g_strstrip(joined));
        if (!**cmdline)
            g_clear_pointer(cmdline, g_free);
    }
    return 0;
}


static char *
xenpvNonEmpty(const char *value, const char *dflt)
{
    if (!value || !*value || (dflt && STREQ(value, dflt)))
        return NULL;
    return g_strdup(value);
}


/* Take the leading ip=, root= and nfsroot= words the way compose puts them. */
static void
xenpvNativeBootSplit(const char *cmdline, xenpvNativeBoot *boot)
{
    g_auto(GStrv) words = g_strsplit(cmdline, " ", -1);
    g_auto(GStrv) ipf = NULL;
    g_autofree char *nfsServer = NULL;
    size_t i = 0;

    if (words[i] && g_str_has_prefix(words[i], "ip=")) {
        ipf = g_strsplit(words[i] + 3, ":", -1);
        if (g_strv_length(ipf) == 7)
            i++;
        else
            g_clear_pointer(&ipf, g_strfreev);
    }
    if (words[i] && g_str_has_prefix(words[i], "root=") && words[i][5]) {
        boot->root = g_strdup(words[i] + 5);
        i++;
    }
    if (words[i] && g_str_has_prefix(words[i], "nfsroot=")) {
        const char *colon = strchr(words[i], ':');

        if (colon && colon[1]) {
            nfsServer = g_strndup(words[i] + 8, colon - (words[i] + 8));
            boot->nfsRoot = g_strdup(colon + 1);
            i++;
        }
    }
    if (words[i])
        boot->extra = g_strjoinv(" ", words + i);

    if (ipf) {
        boot->ip = xenpvNonEmpty(ipf[0], NULL);
        if (!nfsServer && STRNEQ(ipf[1], XENPV_NATIVE_DUMMY_NFS_SERVER))
            nfsServer = xenpvNonEmpty(ipf[1], NULL);
        boot->gateway = xenpvNonEmpty(ipf[2], NULL);
        boot->netmask = xenpvNonEmpty(ipf[3], NULL);
        boot->hostname = xenpvNonEmpty(ipf[4], NULL);
        boot->interface = xenpvNonEmpty(ipf[5], "eth0");
        boot->dhcp = xenpvNonEmpty(ipf[6], "off");
    }
    boot->nfsServer = g_steal_pointer(&nfsServer);
}


void
xenpvNativeBootDecompose(const char *cmdline, xenpvNativeBoot *boot)
{
    g_autofree char *again = NULL;
    virErrorPtr saved = NULL;
    int rc;

    memset(boot, 0, sizeof(*boot));
    if (!cmdline || !*cmdline)
        return;

    xenpvNativeBootSplit(cmdline, boot);

    /* Keep the split only if it is exact; a failed compose is not an error
     * of the caller's, so its message is dropped. */
    virErrorPreserveLast(&saved);
    rc = xenpvNativeBootCompose(boot, &again);
    virErrorRestore(&saved);
    if (rc < 0 || STRNEQ_NULLABLE(again, cmdline)) {
        xenpvNativeBootClear(boot);
        boot->extra = g_strdup(cmdline);
    }
}
