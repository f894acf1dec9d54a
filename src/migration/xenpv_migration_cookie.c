/*
 * xenpv_migration_cookie.c: writing and reading the migration cookie
 * (docs/migration-cookie.md).  Only the form is checked here; what a step
 * makes of the values (same host, stream formats, memory) is the step's.
 */
#include "xenpv_migration_cookie.h"

#include "virbuffer.h"
#include "virerror.h"
#include "virstring.h"
#include "viruuid.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

#define XENPV_COOKIE_ROOT "xenpv-migration"
/* Far above any real cookie; a peer sending more is not a peer. */
#define XENPV_COOKIE_MAX_LEN (64 * 1024)
#define XENPV_COOKIE_MAX_NAME 1024


void
xenpvMigrationCookieClear(xenpvMigrationCookie *cookie)
{
    g_free(cookie->hostname);
    g_free(cookie->name);
    g_free(cookie->streamFormat);
    g_free(cookie->address);
    g_free(cookie->inquiryUri);
    g_free(cookie->compression);
    memset(cookie, 0, sizeof(*cookie));
}


char *
xenpvMigrationCookieFormat(const xenpvMigrationCookie *cookie)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    virBufferAsprintf(&buf, "<%s version='%d'>\n", XENPV_COOKIE_ROOT,
                      XENPV_MIGRATION_COOKIE_VERSION);
    virBufferAdjustIndent(&buf, 2);
    if (cookie->parts & XENPV_COOKIE_HOST) {
        virUUIDFormat(cookie->hostUUID, uuidstr);
        virBufferEscapeString(&buf, "<host name='%s'", cookie->hostname);
        virBufferAsprintf(&buf, " uuid='%s'/>\n", uuidstr);
    }
    if (cookie->parts & XENPV_COOKIE_DOMAIN) {
        virUUIDFormat(cookie->uuid, uuidstr);
        virBufferEscapeString(&buf, "<domain name='%s'", cookie->name);
        virBufferAsprintf(&buf, " uuid='%s'/>\n", uuidstr);
    }
    if (cookie->parts & XENPV_COOKIE_GUEST) {
        virBufferAsprintf(&buf, "<guest abi='%s' width='%u' levels='%u' memory='%llu' max-memory='%llu' state='%s'/>\n",
                          NULLSTR(xenpvGuestAbiToCaps(cookie->abi)),
                          xenpvGuestAbiWidth(cookie->abi), xenpvGuestAbiLevels(cookie->abi),
                          cookie->memoryKiB, cookie->maxMemoryKiB,
                          cookie->paused ? "paused" : "running");
    }
    if (cookie->parts & XENPV_COOKIE_STREAM) {
        virBufferEscapeString(&buf, "<stream format='%s'", cookie->streamFormat);
        virBufferAsprintf(&buf, " version='%u'/>\n", cookie->streamVersion);
    }
    if (cookie->parts & XENPV_COOKIE_FEATURES)
        virBufferAsprintf(&buf, "<features log-dirty='%s'/>\n", cookie->logDirty ? "yes" : "no");
    if (cookie->parts & XENPV_COOKIE_CHANNEL) {
        virBufferEscapeString(&buf, "<channel address='%s'", cookie->address);
        virBufferAsprintf(&buf, " port='%u' token='%s' tls='%s'/>\n",
                          cookie->port, cookie->token, cookie->tls ? "yes" : "no");
    }
    if (cookie->parts & XENPV_COOKIE_INQUIRY) {
        virBufferAsprintf(&buf, "<inquiry id='%s'", cookie->id);
        virBufferEscapeString(&buf, " uri='%s'", cookie->inquiryUri);
        virBufferAddLit(&buf, "/>\n");
    }
    if (cookie->parts & XENPV_COOKIE_TIMING)
        virBufferAsprintf(&buf, "<timing stopped='%llu'/>\n", cookie->stoppedMs);
    if (cookie->parts & XENPV_COOKIE_COMPRESSION)
        virBufferEscapeString(&buf, "<compression method='%s'/>\n", cookie->compression);
    virBufferAdjustIndent(&buf, -2);
    virBufferAsprintf(&buf, "</%s>\n", XENPV_COOKIE_ROOT);
    return virBufferContentAndReset(&buf);
}


int
xenpvMigrationCookieBake(const xenpvMigrationCookie *cookie, char **out, int *outlen)
{
    g_autofree char *xml = NULL;

    if (!out || !outlen)
        return 0;
    xml = xenpvMigrationCookieFormat(cookie);
    *outlen = strlen(xml) + 1;
    *out = g_steal_pointer(&xml);
    return 0;
}


static int G_GNUC_PRINTF(2, 3)
xenpvCookieMalformed(const char *peer, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virReportError(VIR_ERR_INVALID_ARG,
                   _("the migration cookie from %s is malformed: %s"), peer, what);
    return -1;
}


/* A required attribute of @node, at most @max bytes, no control bytes. */
static char *
xenpvCookieText(xmlNodePtr node, const char *attr, size_t max, const char *peer)
{
    g_autofree char *value = virXMLPropString(node, attr);
    const char *p;

    if (!value || !*value || strlen(value) > max) {
        xenpvCookieMalformed(peer, _("<%s %s=...> is missing, empty or too long"),
                             (const char *)node->name, attr);
        return NULL;
    }
    for (p = value; *p; p++) {
        if ((unsigned char)*p < 0x20) {
            xenpvCookieMalformed(peer, _("<%s %s=...> holds control characters"),
                                 (const char *)node->name, attr);
            return NULL;
        }
    }
    return g_steal_pointer(&value);
}


static int
xenpvCookieUUID(xmlNodePtr node, unsigned char *uuid, const char *peer)
{
    g_autofree char *value = virXMLPropString(node, "uuid");

    if (!value || virUUIDParse(value, uuid) < 0)
        return xenpvCookieMalformed(peer, _("<%s uuid=...> is not a UUID"),
                                    (const char *)node->name);
    return 0;
}


static int
xenpvCookieUInt(xmlNodePtr node, const char *attr, unsigned int *value, const char *peer)
{
    g_autofree char *text = virXMLPropString(node, attr);

    if (!text || virStrToLong_uip(text, NULL, 10, value) < 0)
        return xenpvCookieMalformed(peer, _("<%s %s=...> is not a number"),
                                    (const char *)node->name, attr);
    return 0;
}


static int
xenpvCookieULongLong(xmlNodePtr node, const char *attr, unsigned long long *value,
                     const char *peer)
{
    g_autofree char *text = virXMLPropString(node, attr);

    if (!text || virStrToLong_ullp(text, NULL, 10, value) < 0)
        return xenpvCookieMalformed(peer, _("<%s %s=...> is not a number"),
                                    (const char *)node->name, attr);
    return 0;
}


static int
xenpvCookieYesNo(xmlNodePtr node, const char *attr, const char *yes, const char *no,
                 bool *value, const char *peer)
{
    g_autofree char *text = virXMLPropString(node, attr);

    if (text && STREQ(text, yes)) {
        *value = true;
    } else if (text && STREQ(text, no)) {
        *value = false;
    } else {
        return xenpvCookieMalformed(peer, _("<%s %s=...> is neither '%s' nor '%s'"),
                                    (const char *)node->name, attr, yes, no);
    }
    return 0;
}


static int
xenpvCookieParseGuest(xmlNodePtr node, xenpvMigrationCookie *cookie, const char *peer)
{
    g_autofree char *abi = virXMLPropString(node, "abi");
    unsigned int width;
    unsigned int levels;

    cookie->abi = abi ? xenpvGuestAbiFromCaps(abi) : XENPV_GUEST_ABI_UNKNOWN;
    if (cookie->abi == XENPV_GUEST_ABI_UNKNOWN)
        return xenpvCookieMalformed(peer, "%s", _("<guest abi=...> is not a known PV guest ABI"));
    if (xenpvCookieUInt(node, "width", &width, peer) < 0 ||
        xenpvCookieUInt(node, "levels", &levels, peer) < 0 ||
        xenpvCookieULongLong(node, "memory", &cookie->memoryKiB, peer) < 0 ||
        xenpvCookieULongLong(node, "max-memory", &cookie->maxMemoryKiB, peer) < 0 ||
        xenpvCookieYesNo(node, "state", "paused", "running", &cookie->paused, peer) < 0)
        return -1;
    if (width != xenpvGuestAbiWidth(cookie->abi) || levels != xenpvGuestAbiLevels(cookie->abi))
        return xenpvCookieMalformed(peer, _("<guest> width %u and levels %u do not match ABI %s"),
                                    width, levels, abi);
    if (cookie->memoryKiB == 0 || cookie->memoryKiB > cookie->maxMemoryKiB ||
        cookie->maxMemoryKiB > (1ULL << 40))
        return xenpvCookieMalformed(peer, _("<guest> memory %llu KiB of at most %llu KiB is impossible"),
                                    cookie->memoryKiB, cookie->maxMemoryKiB);
    return 0;
}


/* A required attribute of exactly @digits hexadecimal digits, into @out
 * (@digits + 1 bytes). */
static int
xenpvCookieHex(xmlNodePtr node, const char *attr, size_t digits, char *out, const char *peer)
{
    g_autofree char *value = virXMLPropString(node, attr);
    size_t i;

    if (!value || strlen(value) != digits)
        return xenpvCookieMalformed(peer, _("<%s %s=...> is not %zu hexadecimal digits"),
                                    (const char *)node->name, attr, digits);
    for (i = 0; i < digits; i++) {
        if (!g_ascii_isxdigit(value[i]))
            return xenpvCookieMalformed(peer, _("<%s %s=...> is not %zu hexadecimal digits"),
                                        (const char *)node->name, attr, digits);
    }
    memcpy(out, value, digits + 1);
    return 0;
}


static int
xenpvCookieParseChannel(xmlNodePtr node, xenpvMigrationCookie *cookie, const char *peer)
{
    if (!(cookie->address = xenpvCookieText(node, "address", 255, peer)) ||
        xenpvCookieUInt(node, "port", &cookie->port, peer) < 0 ||
        xenpvCookieYesNo(node, "tls", "yes", "no", &cookie->tls, peer) < 0)
        return -1;
    if (cookie->port > 65535)
        return xenpvCookieMalformed(peer, _("<channel port='%u'> is not a port"), cookie->port);
    return xenpvCookieHex(node, "token", XENPV_MIGRATION_TOKEN_HEX, cookie->token, peer);
}


static int
xenpvCookieParseInquiry(xmlNodePtr node, xenpvMigrationCookie *cookie, const char *peer)
{
    g_autofree char *uri = virXMLPropString(node, "uri");
    char *p;

    if (xenpvCookieHex(node, "id", XENPV_MIGRATION_ID_HEX, cookie->id, peer) < 0)
        return -1;
    /* Lower case, as the destination names its records. */
    for (p = cookie->id; *p; p++)
        *p = g_ascii_tolower(*p);
    if (uri && !(cookie->inquiryUri = xenpvCookieText(node, "uri", XENPV_COOKIE_MAX_NAME, peer)))
        return -1;
    return 0;
}


static int
xenpvCookieParseParts(xmlXPathContextPtr ctxt, xenpvMigrationCookie *cookie, const char *peer)
{
    xmlNodePtr node;

    if ((node = virXPathNode("./host", ctxt))) {
        cookie->parts |= XENPV_COOKIE_HOST;
        if (!(cookie->hostname = xenpvCookieText(node, "name", 255, peer)) ||
            xenpvCookieUUID(node, cookie->hostUUID, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./domain", ctxt))) {
        cookie->parts |= XENPV_COOKIE_DOMAIN;
        if (!(cookie->name = xenpvCookieText(node, "name", XENPV_COOKIE_MAX_NAME, peer)) ||
            xenpvCookieUUID(node, cookie->uuid, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./guest", ctxt))) {
        cookie->parts |= XENPV_COOKIE_GUEST;
        if (xenpvCookieParseGuest(node, cookie, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./stream", ctxt))) {
        cookie->parts |= XENPV_COOKIE_STREAM;
        if (!(cookie->streamFormat = xenpvCookieText(node, "format", 64, peer)) ||
            xenpvCookieUInt(node, "version", &cookie->streamVersion, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./features", ctxt))) {
        cookie->parts |= XENPV_COOKIE_FEATURES;
        if (xenpvCookieYesNo(node, "log-dirty", "yes", "no", &cookie->logDirty, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./channel", ctxt))) {
        cookie->parts |= XENPV_COOKIE_CHANNEL;
        if (xenpvCookieParseChannel(node, cookie, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./inquiry", ctxt))) {
        cookie->parts |= XENPV_COOKIE_INQUIRY;
        if (xenpvCookieParseInquiry(node, cookie, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./timing", ctxt))) {
        cookie->parts |= XENPV_COOKIE_TIMING;
        if (xenpvCookieULongLong(node, "stopped", &cookie->stoppedMs, peer) < 0)
            return -1;
    }
    if ((node = virXPathNode("./compression", ctxt))) {
        cookie->parts |= XENPV_COOKIE_COMPRESSION;
        if (!(cookie->compression = xenpvCookieText(node, "method", 32, peer)))
            return -1;
    }
    return 0;
}


/* "<host>, <channel>" */
static char *
xenpvCookiePartNames(unsigned int parts)
{
    static const char *const names[] = {
        "<host>", "<domain>", "<guest>", "<stream>", "<features>", "<channel>",
        "<inquiry>", "<timing>", "<compression>",
    };
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if (parts & (1U << i))
            virBufferAsprintf(&buf, "%s, ", names[i]);
    }
    virBufferTrim(&buf, ", ");
    return virBufferContentAndReset(&buf);
}


int
xenpvMigrationCookieParse(const char *data,
                          int len,
                          const char *peer,
                          unsigned int need,
                          xenpvMigrationCookie *cookie)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *text = NULL;
    unsigned int version;
    unsigned int missing;

    memset(cookie, 0, sizeof(*cookie));
    if (!data || len <= 0) {
        if (need == 0)
            return 0;
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s sent no migration cookie: it is not the Xen PV driver (xenpv) this host runs"),
                       peer);
        return -1;
    }
    if (len > XENPV_COOKIE_MAX_LEN)
        return xenpvCookieMalformed(peer, _("it is %d bytes long"), len);
    /* libvirt hands cookies over with their NUL, peers may not. */
    text = g_strndup(data, len);
    if (strlen(text) + 1 < (size_t)len)
        return xenpvCookieMalformed(peer, "%s", _("it holds a NUL byte"));

    if (!(doc = virXMLParseStringCtxt(text, _("(migration cookie)"), &ctxt))) {
        virResetLastError();
        return xenpvCookieMalformed(peer, "%s", _("it is not XML"));
    }
    if (!virXMLNodeNameEqual(ctxt->node, XENPV_COOKIE_ROOT)) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s sent a migration cookie <%s>, not <%s>: it is not the Xen PV driver (xenpv) this host runs"),
                       peer, (const char *)ctxt->node->name, XENPV_COOKIE_ROOT);
        return -1;
    }
    if (xenpvCookieUInt(ctxt->node, "version", &version, peer) < 0)
        return -1;
    if (version != XENPV_MIGRATION_COOKIE_VERSION) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("%s sent a migration cookie of version %u; this host reads version %d"),
                       peer, version, XENPV_MIGRATION_COOKIE_VERSION);
        return -1;
    }
    if (xenpvCookieParseParts(ctxt, cookie, peer) < 0)
        goto error;

    if ((missing = need & ~cookie->parts)) {
        g_autofree char *names = xenpvCookiePartNames(missing);

        xenpvCookieMalformed(peer, _("it lacks what this step needs: %s"), names);
        goto error;
    }
    return 0;

 error:
    xenpvMigrationCookieClear(cookie);
    return -1;
}
