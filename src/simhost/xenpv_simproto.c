/*
 * xenpv_simproto.c: tokens, lines and the encodings of build specs and
 * domain info in xenpv-simhost's wire protocol.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xenpv_simproto.h"

G_DEFINE_QUARK(xenpv-sim-error-quark, xenpv_sim_error)

static const struct {
    int err;
    const char *name;
} errnoNames[] = {
    { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
    { EIO, "EIO" }, { E2BIG, "E2BIG" }, { ENOMEM, "ENOMEM" },
    { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EINVAL, "EINVAL" },
    { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
    { EOPNOTSUPP, "EOPNOTSUPP" }, { EPROTO, "EPROTO" }, { EAGAIN, "EAGAIN" },
    { EACCES, "EACCES" }, { EOVERFLOW, "EOVERFLOW" },
};

const char *
xenpvSimErrnoName(int err)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(errnoNames); i++) {
        if (errnoNames[i].err == err)
            return errnoNames[i].name;
    }
    return "EIO";
}


int
xenpvSimErrnoFromName(const char *name)
{
    size_t i;

    for (i = 0; name && i < G_N_ELEMENTS(errnoNames); i++) {
        if (strcmp(errnoNames[i].name, name) == 0)
            return errnoNames[i].err;
    }
    return EIO;
}


static gboolean
isPlain(unsigned char c)
{
    return g_ascii_isalnum(c) || strchr("-._~/:@,+", c) != NULL;
}


char *
xenpvSimEscape(const char *raw)
{
    GString *out = g_string_sized_new(strlen(raw) + 8);
    const unsigned char *p;

    for (p = (const unsigned char *)raw; *p; p++) {
        if (isPlain(*p))
            g_string_append_c(out, *p);
        else
            g_string_append_printf(out, "%%%02X", *p);
    }
    return g_string_free(out, FALSE);
}


char *
xenpvSimUnescape(const char *token)
{
    GString *out = g_string_sized_new(strlen(token));
    const char *p;

    if (strcmp(token, XENPV_SIM_EMPTY_TOKEN) == 0)
        return g_string_free(out, FALSE);

    for (p = token; *p; p++) {
        if (*p == '%') {
            int hi, lo;

            if ((hi = g_ascii_xdigit_value(p[1])) < 0 ||
                (lo = g_ascii_xdigit_value(p[2])) < 0 ||
                (hi == 0 && lo == 0)) {
                g_string_free(out, TRUE);
                return NULL;
            }
            g_string_append_c(out, (char)(hi * 16 + lo));
            p += 2;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}


static gboolean
isKey(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return FALSE;
    for (i = 0; i < len; i++) {
        if (!(g_ascii_islower(s[i]) || g_ascii_isdigit(s[i]) || s[i] == '_' || s[i] == '.'))
            return FALSE;
    }
    return TRUE;
}


void
xenpvSimMsgFree(xenpvSimMsg *msg)
{
    if (!msg)
        return;
    g_free(msg->head);
    g_ptr_array_unref(msg->args);
    g_hash_table_unref(msg->named);
    g_free(msg);
}


xenpvSimMsg *
xenpvSimMsgParse(const char *line, GError **error)
{
    g_autoptr(xenpvSimMsg) msg = g_new0(xenpvSimMsg, 1);
    g_auto(GStrv) words = NULL;
    size_t i;

    msg->args = g_ptr_array_new_with_free_func(g_free);
    msg->named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    if (!line || !*line || *line == ' ') {
        g_set_error(error, XENPV_SIM_ERROR, EINVAL, "empty or malformed line");
        return NULL;
    }
    words = g_strsplit(line, " ", -1);
    msg->head = g_strdup(words[0]);
    for (i = 1; words[i]; i++) {
        const char *eq = strchr(words[i], '=');
        char *value;

        if (!*words[i])
            continue;
        value = xenpvSimUnescape(eq ? eq + 1 : words[i]);
        if (!value) {
            g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                        "malformed escape in argument %zu", i);
            return NULL;
        }
        if (eq) {
            if (!isKey(words[i], eq - words[i])) {
                g_free(value);
                g_set_error(error, XENPV_SIM_ERROR, EINVAL,
                            "malformed key in argument %zu", i);
                return NULL;
            }
            g_hash_table_replace(msg->named, g_strndup(words[i], eq - words[i]), value);
        } else {
            g_ptr_array_add(msg->args, value);
        }
    }
    return g_steal_pointer(&msg);
}


const char *
xenpvSimMsgGet(const xenpvSimMsg *msg, const char *key)
{
    return g_hash_table_lookup(msg->named, key);
}


gboolean
xenpvSimParseU64(const char *str, guint64 *value)
{
    char *end = NULL;
    guint64 v;

    if (!str || !g_ascii_isdigit(*str))
        return FALSE;
    errno = 0;
    v = g_ascii_strtoull(str, &end, 10);
    if (errno != 0 || !end || *end)
        return FALSE;
    *value = v;
    return TRUE;
}


gboolean
xenpvSimMsgGetU64(const xenpvSimMsg *msg, const char *key, guint64 *value)
{
    return xenpvSimParseU64(xenpvSimMsgGet(msg, key), value);
}


guint64
xenpvSimMsgGetU64Default(const xenpvSimMsg *msg, const char *key, guint64 def)
{
    guint64 v;

    return xenpvSimMsgGetU64(msg, key, &v) ? v : def;
}


GString *
xenpvSimLineNew(const char *head)
{
    return g_string_new(head);
}


void
xenpvSimLineAdd(GString *line, const char *arg)
{
    g_autofree char *esc = xenpvSimEscape(arg ? arg : "");

    g_string_append_c(line, ' ');
    /* An empty argument would vanish between two spaces. */
    g_string_append(line, *esc ? esc : XENPV_SIM_EMPTY_TOKEN);
}


void
xenpvSimLineAddNamed(GString *line, const char *key, const char *value)
{
    g_autofree char *esc = xenpvSimEscape(value ? value : "");

    g_string_append_printf(line, " %s=%s", key, *esc ? esc : XENPV_SIM_EMPTY_TOKEN);
}


void
xenpvSimLineAddU64(GString *line, const char *key, guint64 value)
{
    g_string_append_printf(line, " %s=%" G_GUINT64_FORMAT, key, value);
}


gboolean
xenpvSimUuidParse(const char *str, unsigned char uuid[16])
{
    size_t i = 0;
    const char *p;

    for (p = str; p && *p && i < 32; p++) {
        int v;

        if (*p == '-')
            continue;
        if ((v = g_ascii_xdigit_value(*p)) < 0)
            return FALSE;
        if (i % 2 == 0)
            uuid[i / 2] = v << 4;
        else
            uuid[i / 2] |= v;
        i++;
    }
    return p && *p == '\0' && i == 32;
}


void
xenpvSimUuidFormat(const unsigned char uuid[16], char out[37])
{
    g_snprintf(out, 37,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
               uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
               uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}


void
xenpvSimLineAddDisk(GString *line, size_t i, const xenpvDiskSpec *disk)
{
    g_autofree char *pfx = g_strdup_printf("disk%zu.", i);
    g_autofree char *k1 = g_strconcat(pfx, "source", NULL);
    g_autofree char *k2 = g_strconcat(pfx, "vdev", NULL);
    g_autofree char *k3 = g_strconcat(pfx, "type", NULL);
    g_autofree char *k4 = g_strconcat(pfx, "ro", NULL);
    g_autofree char *k5 = g_strconcat(pfx, "share", NULL);
    g_autofree char *k6 = g_strconcat(pfx, "format", NULL);

    xenpvSimLineAddNamed(line, k1, disk->source);
    xenpvSimLineAddNamed(line, k2, disk->vdev);
    xenpvSimLineAddNamed(line, k3, disk->backendType ? disk->backendType : "phy");
    xenpvSimLineAddU64(line, k4, disk->readonly);
    xenpvSimLineAddU64(line, k5, disk->shareable);
    if (disk->format)
        xenpvSimLineAddNamed(line, k6, disk->format);
}


void
xenpvSimLineAddNic(GString *line, size_t i, const xenpvNicSpec *nic)
{
    const char *keys[] = { "mac", "bridge", "script", "ip", "vifname", "model" };
    const char *values[] = { nic->mac, nic->bridge, nic->script, nic->ip,
                             nic->vifname, nic->model };
    size_t k;

    for (k = 0; k < G_N_ELEMENTS(keys); k++) {
        g_autofree char *key = g_strdup_printf("nic%zu.%s", i, keys[k]);

        if (values[k] && *values[k])
            xenpvSimLineAddNamed(line, key, values[k]);
    }
}


void
xenpvSimLineAddSpec(GString *line, const xenpvBuildSpec *spec)
{
    char uuid[37];
    size_t i;

    xenpvSimUuidFormat(spec->uuid, uuid);
    xenpvSimLineAddNamed(line, "name", spec->name);
    xenpvSimLineAddNamed(line, "uuid", uuid);
    xenpvSimLineAddU64(line, "max_kib", spec->maxMemKiB);
    xenpvSimLineAddU64(line, "target_kib", spec->targetMemKiB);
    xenpvSimLineAddU64(line, "max_vcpus", spec->maxVcpus);
    xenpvSimLineAddU64(line, "vcpus", spec->vcpus);
    if (spec->cpuset)
        xenpvSimLineAddNamed(line, "cpuset", spec->cpuset);
    for (i = 0; spec->vcpuCpusets && i < spec->maxVcpus; i++) {
        g_autofree char *key = g_strdup_printf("vcpu%zu.affinity", i);

        if (spec->vcpuCpusets[i])
            xenpvSimLineAddNamed(line, key, spec->vcpuCpusets[i]);
    }
    if (spec->kernel)
        xenpvSimLineAddNamed(line, "kernel", spec->kernel);
    if (spec->ramdisk)
        xenpvSimLineAddNamed(line, "ramdisk", spec->ramdisk);
    if (spec->cmdline)
        xenpvSimLineAddNamed(line, "cmdline", spec->cmdline);
    if (xenpvGuestAbiToCaps(spec->abi))
        xenpvSimLineAddNamed(line, "abi", xenpvGuestAbiToCaps(spec->abi));
    if (spec->container != XENPV_CONTAINER_PV)
        xenpvSimLineAddNamed(line, "container", xenpvContainerToString(spec->container));
    if (spec->shim)
        xenpvSimLineAddNamed(line, "shim", spec->shim);
    if (spec->shimCmdline)
        xenpvSimLineAddNamed(line, "shim_cmdline", spec->shimCmdline);
    xenpvSimLineAddU64(line, "ndisks", spec->ndisks);
    for (i = 0; i < spec->ndisks; i++)
        xenpvSimLineAddDisk(line, i, &spec->disks[i]);
    xenpvSimLineAddU64(line, "nnics", spec->nnics);
    for (i = 0; i < spec->nnics; i++)
        xenpvSimLineAddNic(line, i, &spec->nics[i]);
    if (spec->vfb)
        xenpvSimLineAddNamed(line, "vfb", spec->vfbType ? spec->vfbType : "vnc");
    if (spec->vncListen)
        xenpvSimLineAddNamed(line, "vnc_listen", spec->vncListen);
    if (spec->vncPort > 0)
        xenpvSimLineAddU64(line, "vnc_port", spec->vncPort);
    if (spec->vncPassword)
        xenpvSimLineAddNamed(line, "vnc_passwd", spec->vncPassword);
}


void
xenpvSimLineAddDomainInfo(GString *line, const xenpvDomainInfo *info, const char *name)
{
    char uuid[37];

    xenpvSimUuidFormat(info->uuid, uuid);
    xenpvSimLineAddU64(line, "domid", info->domid);
    xenpvSimLineAddNamed(line, "uuid", uuid);
    xenpvSimLineAddNamed(line, "name", name);
    xenpvSimLineAddU64(line, "dying", info->dying);
    xenpvSimLineAddU64(line, "shutdown", info->shutdown);
    xenpvSimLineAddU64(line, "paused", info->paused);
    xenpvSimLineAddU64(line, "blocked", info->blocked);
    xenpvSimLineAddU64(line, "running", info->running);
    xenpvSimLineAddU64(line, "reason", info->shutdownReason);
    xenpvSimLineAddU64(line, "pages", info->nrPages);
    xenpvSimLineAddU64(line, "max_pages", info->maxPages);
    xenpvSimLineAddU64(line, "cpu_ns", info->cpuTimeNs);
    xenpvSimLineAddU64(line, "vcpus_online", info->nrOnlineVcpus);
    xenpvSimLineAddU64(line, "max_vcpu_id", info->maxVcpuId);
    if (xenpvGuestAbiToCaps(info->abi))
        xenpvSimLineAddNamed(line, "abi", xenpvGuestAbiToCaps(info->abi));
    xenpvSimLineAddU64(line, "hvm", info->hvm);
}


gboolean
xenpvSimDomainInfoFromMsg(const xenpvSimMsg *msg, xenpvDomainInfo *info, GError **error)
{
    guint64 domid;

    memset(info, 0, sizeof(*info));
    if (!xenpvSimMsgGetU64(msg, "domid", &domid) || domid > G_MAXUINT32 ||
        !xenpvSimUuidParse(xenpvSimMsgGet(msg, "uuid"), info->uuid)) {
        g_set_error(error, XENPV_SIM_ERROR, EPROTO, "malformed domain information");
        return FALSE;
    }
    info->domid = domid;
    info->dying = xenpvSimMsgGetU64Default(msg, "dying", 0);
    info->shutdown = xenpvSimMsgGetU64Default(msg, "shutdown", 0);
    info->paused = xenpvSimMsgGetU64Default(msg, "paused", 0);
    info->blocked = xenpvSimMsgGetU64Default(msg, "blocked", 0);
    info->running = xenpvSimMsgGetU64Default(msg, "running", 0);
    info->shutdownReason = xenpvSimMsgGetU64Default(msg, "reason", 0);
    info->nrPages = xenpvSimMsgGetU64Default(msg, "pages", 0);
    info->maxPages = xenpvSimMsgGetU64Default(msg, "max_pages", 0);
    info->cpuTimeNs = xenpvSimMsgGetU64Default(msg, "cpu_ns", 0);
    info->nrOnlineVcpus = xenpvSimMsgGetU64Default(msg, "vcpus_online", 0);
    info->maxVcpuId = xenpvSimMsgGetU64Default(msg, "max_vcpu_id", 0);
    info->abi = xenpvGuestAbiFromCaps(xenpvSimMsgGet(msg, "abi"));
    info->hvm = xenpvSimMsgGetU64Default(msg, "hvm", 0) != 0;
    return TRUE;
}
