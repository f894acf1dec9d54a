/*
 * test-native.c: the xen-xm and xen-xl native formats: every example in both
 * directions, schema validation of what is formatted, xm's NFS-root mapping,
 * refusals naming their key, and syntax errors with their line.
 */

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_xmlopt.h"
#include "conf_test_util.h"
#include "xenpv_native.h"
#include "xenpv_native_cmdline.h"

static virDomainXMLOption *xmlopt;

static char *
toXML(const char *format, const char *config)
{
    char *xml = xenpvNativeConfigToXML(xmlopt, format, config);

    if (!xml)
        g_error("%s to XML: %s", format, virGetLastErrorMessage());
    return xml;
}

static char *
toNative(const char *format, const char *xml)
{
    char *config = xenpvNativeXMLToConfig(xmlopt, format, xml);

    if (!config)
        g_error("XML to %s: %s", format, virGetLastErrorMessage());
    return config;
}

/* xm and xl files name no arch, so XML converted from them leaves the arch
 * to the kernel (a marker in <metadata>) and shows the kernel's arch only
 * where the kernel can be read: compare XML without either. */
static char *
withoutArch(const char *xml)
{
    g_autoptr(GRegex) marker =
        g_regex_new("\\s*<metadata>\\s*<xenpvarch:arch [^>]*/>\\s*</metadata>|"
                    "\\s*<xenpvarch:arch [^>]*/>", 0, 0, NULL);
    g_autoptr(GRegex) arch = g_regex_new(" arch='[^']*'", 0, 0, NULL);
    g_autofree char *noMarker = g_regex_replace_literal(marker, xml, -1, 0, "", 0, NULL);

    return g_regex_replace_literal(arch, noMarker, -1, 0, "", 0, NULL);
}

/* NAME.xml, NAME.xm.cfg and NAME.xl.cfg are each other's conversions. */
static void
testExampleRoundTrip(gconstpointer data)
{
    const char *name = data;
    g_autofree char *xmlName = g_strdup_printf("%s.xml", name);
    g_autofree char *xmName = g_strdup_printf("%s.xm.cfg", name);
    g_autofree char *xlName = g_strdup_printf("%s.xl.cfg", name);
    g_autofree char *xml = confTestReadExample(xmlName);
    g_autofree char *xm = confTestReadExample(xmName);
    g_autofree char *xl = confTestReadExample(xlName);
    g_autofree char *xmFromXML = toNative(XENPV_NATIVE_FORMAT_XM, xml);
    g_autofree char *xlFromXML = toNative(XENPV_NATIVE_FORMAT_XL, xml);
    g_autofree char *xmlFromXm = toXML(XENPV_NATIVE_FORMAT_XM, xm);
    g_autofree char *xmlFromXl = toXML(XENPV_NATIVE_FORMAT_XL, xl);
    g_autofree char *xmAgain = toNative(XENPV_NATIVE_FORMAT_XM, xmlFromXm);
    g_autofree char *xlAgain = toNative(XENPV_NATIVE_FORMAT_XL, xmlFromXl);

    g_assert_cmpstr(xmFromXML, ==, xm);
    g_assert_cmpstr(xlFromXML, ==, xl);
    g_autofree char *bareXml = withoutArch(xml);
    g_autofree char *bareFromXm = withoutArch(xmlFromXm);
    g_autofree char *bareFromXl = withoutArch(xmlFromXl);

    g_assert_cmpstr(bareFromXm, ==, bareXml);
    g_assert_cmpstr(bareFromXl, ==, bareXml);
    g_assert_nonnull(strstr(xmlFromXm, "<xenpvarch:arch "));
    g_assert_cmpstr(xmAgain, ==, xm);
    g_assert_cmpstr(xlAgain, ==, xl);
    g_assert_true(confTestValidatesAgainstSchema(xmlFromXm));
    g_assert_true(confTestValidatesAgainstSchema(xmlFromXl));
}

/* The seed's xm file, comments and placeholders included, converts; its XML
 * (with the UUID the example carries) is dvdstore.xml; and xm -> XML -> xm
 * -> XML is stable. */
static void
testDVDStore(void)
{
    g_autofree char *cfg = confTestReadExample("dvdstore.cfg");
    g_autofree char *xml = confTestReadExample("dvdstore.xml");
    g_autoptr(virDomainDef) fromCfg = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XM, cfg);
    g_autoptr(virDomainDef) fromXml = xenpvDomainDefParseString(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE);
    g_autofree char *formatted = NULL;
    g_autofree char *xmAgain = NULL;
    g_autofree char *xmlAgain = NULL;
    g_autofree char *bareAgain = NULL;
    g_autofree char *bareXml = NULL;

    g_assert_nonnull(fromCfg);
    g_assert_nonnull(fromXml);
    memcpy(fromCfg->uuid, fromXml->uuid, VIR_UUID_BUFLEN);
    formatted = virDomainDefFormat(fromCfg, xmlopt, VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    g_assert_cmpstr(formatted, ==, xml);
    g_assert_true(confTestValidatesAgainstSchema(formatted));

    g_assert_cmpstr(fromCfg->name, ==, "NFS-DVDStore");
    g_assert_cmpuint(fromCfg->mem.cur_balloon, ==, 512 * 1024);
    g_assert_cmpstr(fromCfg->os.kernel, ==, "/boot/vmlinuz-2.6-xenU");
    g_assert_cmpstr(fromCfg->os.cmdline, ==,
                    "ip=XXX.XXX.XXX.XXX:192.168.1.1::XXX.XXX.XXX.XXX::eth0:off "
                    "root=/dev/nfs nfsroot=192.168.1.1:/dvdstore");

    xmAgain = toNative(XENPV_NATIVE_FORMAT_XM, xml);
    g_assert_nonnull(strstr(xmAgain, "nfs_server = \"192.168.1.1\"\n"));
    g_assert_nonnull(strstr(xmAgain, "nfs_root = \"/dvdstore\"\n"));
    g_assert_nonnull(strstr(xmAgain, "root = \"/dev/nfs\"\n"));
    g_assert_nonnull(strstr(xmAgain, "ip = \"XXX.XXX.XXX.XXX\"\n"));
    g_assert_nonnull(strstr(xmAgain, "netmask = \"XXX.XXX.XXX.XXX\"\n"));
    xmlAgain = toXML(XENPV_NATIVE_FORMAT_XM, xmAgain);
    bareAgain = withoutArch(xmlAgain);
    bareXml = withoutArch(xml);
    g_assert_cmpstr(bareAgain, ==, bareXml);
}

typedef struct {
    const char *name;
    xenpvNativeBoot boot;
    const char *cmdline;    /* NULL: compose must fail naming @key */
    const char *key;
} BootCase;

static const BootCase bootCases[] = {
    { "static", { .ip = (char *)"192.168.1.20", .netmask = (char *)"255.255.255.0",
                  .gateway = (char *)"192.168.1.254", .hostname = (char *)"dvd",
                  .root = (char *)"/dev/nfs", .nfsServer = (char *)"192.168.1.1",
                  .nfsRoot = (char *)"/dvdstore" },
      "ip=192.168.1.20:192.168.1.1:192.168.1.254:255.255.255.0:dvd:eth0:off "
      "root=/dev/nfs nfsroot=192.168.1.1:/dvdstore", NULL },
    { "dhcp", { .dhcp = (char *)"dhcp", .root = (char *)"/dev/nfs",
                .nfsServer = (char *)"10.0.0.1", .nfsRoot = (char *)"/srv/guest" },
      "ip=:10.0.0.1::::eth0:dhcp root=/dev/nfs nfsroot=10.0.0.1:/srv/guest", NULL },
    { "ip-without-server", { .ip = (char *)"10.0.0.5", .interface = (char *)"eth1" },
      "ip=10.0.0.5:" XENPV_NATIVE_DUMMY_NFS_SERVER "::::eth1:off", NULL },
    { "root-and-extra", { .root = (char *)"root=/dev/sda1 ro", .extra = (char *)"console=hvc0" },
      "root=/dev/sda1 ro console=hvc0", NULL },
    { "nfs-root-alone", { .nfsRoot = (char *)"/x" }, NULL, "nfs_root" },
    { "netmask-alone", { .netmask = (char *)"255.0.0.0" }, NULL, "netmask" },
    { "server-alone", { .nfsServer = (char *)"10.0.0.1" }, NULL, "nfs_server" },
    { "dhcp-off-gateway", { .dhcp = (char *)"off", .gateway = (char *)"10.0.0.1" }, NULL, "gateway" },
};

static void
testBootCompose(gconstpointer data)
{
    const BootCase *c = data;
    g_autofree char *cmdline = NULL;
    int rc = xenpvNativeBootCompose(&c->boot, &cmdline);

    if (c->cmdline) {
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpstr(cmdline, ==, c->cmdline);
    } else {
        g_assert_cmpint(rc, ==, -1);
        g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_CONFIG_UNSUPPORTED);
        g_assert_nonnull(strstr(virGetLastErrorMessage(), c->key));
        virResetLastError();
    }
}

/* Splitting gives keys that compose back to the same line, or gives up. */
static void
testBootDecompose(void)
{
    const char *lines[] = {
        "ip=1.2.3.4:5.6.7.8:9.9.9.9:255.0.0.0:h:eth0:off root=/dev/nfs nfsroot=5.6.7.8:/r quiet",
        "ip=:" XENPV_NATIVE_DUMMY_NFS_SERVER "::::eth0:dhcp",
        "root=/dev/xvda1 ro",
        "console=hvc0 root=/dev/xvda1",
        "ip=1.2.3.4:5.6.7.8:::::off nfsroot=9.9.9.9:/r",
        "nfsroot=10.0.0.1",
        "a  b",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(lines); i++) {
        xenpvNativeBoot boot;
        g_autofree char *again = NULL;

        xenpvNativeBootDecompose(lines[i], &boot);
        g_assert_cmpint(xenpvNativeBootCompose(&boot, &again), ==, 0);
        g_assert_cmpstr(again, ==, lines[i]);
        xenpvNativeBootClear(&boot);
    }

    {
        xenpvNativeBoot boot;

        xenpvNativeBootDecompose(lines[0], &boot);
        g_assert_cmpstr(boot.ip, ==, "1.2.3.4");
        g_assert_cmpstr(boot.nfsServer, ==, "5.6.7.8");
        g_assert_cmpstr(boot.gateway, ==, "9.9.9.9");
        g_assert_cmpstr(boot.netmask, ==, "255.0.0.0");
        g_assert_cmpstr(boot.hostname, ==, "h");
        g_assert_null(boot.interface);
        g_assert_null(boot.dhcp);
        g_assert_cmpstr(boot.root, ==, "/dev/nfs");
        g_assert_cmpstr(boot.nfsRoot, ==, "/r");
        g_assert_cmpstr(boot.extra, ==, "quiet");
        xenpvNativeBootClear(&boot);

        /* Server in ip= differs from nfsroot=: not something xm wrote. */
        xenpvNativeBootDecompose(lines[4], &boot);
        g_assert_null(boot.ip);
        g_assert_cmpstr(boot.extra, ==, lines[4]);
        xenpvNativeBootClear(&boot);
    }
}

#define XM_HEAD "name = \"t\"\nmemory = 256\nkernel = \"/k\"\n"

typedef struct {
    const char *name;
    const char *format;
    const char *config;
    const char *mentions;
} NativeRefusal;

static const NativeRefusal nativeRefusals[] = {
    { "unknown-key", "xen-xm", XM_HEAD "frobnicate = 1\n", "'frobnicate'" },
    { "pci", "xen-xm", XM_HEAD "pci = [ '01:00.0' ]\n", "'pci'" },
    { "xm-cmdline", "xen-xm", XM_HEAD "cmdline = \"x\"\n", "'cmdline'" },
    { "xl-vcpu-avail", "xen-xl", XM_HEAD "vcpu_avail = 1\n", "'vcpu_avail'" },
    { "builder-hvm", "xen-xm", XM_HEAD "builder = \"hvm\"\n", "PV guests only" },
    { "type-hvm", "xen-xl", XM_HEAD "type = \"hvm\"\n", "'type' = 'hvm'" },
    { "device-model", "xen-xl", XM_HEAD "device_model_version = \"qemu-xen\"\n", "'device_model_version'" },
    { "no-name", "xen-xm", "memory = 256\nkernel = \"/k\"\n", "'name'" },
    { "maxmem-small", "xen-xm", XM_HEAD "maxmem = 128\n", "'maxmem'" },
    { "vcpu-avail-holes", "xen-xm", XM_HEAD "vcpus = 4\nvcpu_avail = 5\n", "'vcpu_avail'" },
    { "cpus-list", "xen-xl", XM_HEAD "cpus = [ \"0\", \"1\" ]\n", "'cpus'" },
    { "lifecycle", "xen-xm", XM_HEAD "on_crash = \"explode\"\n", "'on_crash'" },
    { "cmdline-and-root", "xen-xl", XM_HEAD "cmdline = \"a\"\nroot = \"/dev/xvda\"\n", "'cmdline'" },
    { "nfs-root-alone", "xen-xm", XM_HEAD "nfs_root = \"/x\"\n", "'nfs_root'" },
    { "netmask-alone", "xen-xm", XM_HEAD "netmask = \"255.0.0.0\"\n", "'netmask'" },
    { "disk-cdrom", "xen-xm", XM_HEAD "disk = [ 'file:/x.iso,hdc:cdrom,r' ]\n", "CD-ROM" },
    { "disk-qcow", "xen-xm", XM_HEAD "disk = [ 'tap:qcow:/x.qcow,xvda,w' ]\n", "'qcow'" },
    { "disk-mode", "xen-xm", XM_HEAD "disk = [ 'phy:/dev/x,xvda,rwx' ]\n", "'rwx'" },
    { "disk-iscsi", "xen-xm", XM_HEAD "disk = [ 'iscsi:iqn.x,xvda,w' ]\n", "'iscsi:'" },
    { "disk-ioemu", "xen-xm", XM_HEAD "disk = [ 'phy:/dev/x,ioemu:hda,w' ]\n", "'ioemu:'" },
    { "disk-xl-script", "xen-xl", XM_HEAD "disk = [ 'vdev=xvda, script=block-iscsi, target=x' ]\n", "'script'" },
    { "disk-xl-format", "xen-xl", XM_HEAD "disk = [ 'format=qcow2, vdev=xvda, target=/x' ]\n", "'qcow2'" },
    { "vif-rate", "xen-xm", XM_HEAD "vif = [ 'bridge=xenbr0, rate=10Mb/s' ]\n", "'rate'" },
    { "vif-ioemu", "xen-xm", XM_HEAD "vif = [ 'type=ioemu, bridge=xenbr0' ]\n", "'ioemu'" },
    { "vif-model", "xen-xl", XM_HEAD "vif = [ 'model=e1000' ]\n", "'e1000'" },
    { "vif-mac", "xen-xm", XM_HEAD "vif = [ 'mac=00:16:3e:zz:00:01' ]\n", "'00:16:3e:zz:00:01'" },
    { "vif-multicast", "xen-xm", XM_HEAD "vif = [ 'mac=01:16:3e:00:00:01' ]\n", "multicast" },
    { "not-utf8", "xen-xm", XM_HEAD "extra = \"\xff\xfe\"\n", "UTF-8" },
    { "control-char", "xen-xm", XM_HEAD "extra = \"a\x01b\"\n", "line 4" },
    { "disk-twice", "xen-xl", XM_HEAD "disk = [ 'vdev=xvda, vdev=xvdb, target=/x' ]\n", "'vdev' given twice" },
    { "vnclisten-quote", "xen-xm", XM_HEAD "vfb = [ \"type=vnc, vnclisten=127.0.0'1\" ]\n", "listen='127.0.0'1'" },
    { "kernel-relative", "xen-xm", "name = \"t\"\nkernel = \"vmlinuz\"\n", "'vmlinuz'" },
    { "bridge-name", "xen-xm", XM_HEAD "vif = [ 'bridge=xe~br0' ]\n", "bridge='xe~br0'" },
    { "vnclisten-underscore", "xen-xm", XM_HEAD "vfb = [ 'type=vnc, vnclisten=127_1' ]\n", "listen='127_1'" },
    { "vfb-opengl", "xen-xl", XM_HEAD "vfb = [ 'type=sdl, opengl=1' ]\n", "'opengl'" },
    { "vnc-off-keys", "xen-xm", XM_HEAD "vnc = 0\nvnclisten = \"0.0.0.0\"\n", "vnc = 1" },
    { "vfb-and-vnc", "xen-xm", XM_HEAD "vfb = [ 'type=vnc' ]\nvnc = 1\n", "'vfb'" },
    { "serial-file", "xen-xm", XM_HEAD "serial = \"file:/tmp/x\"\n", "'serial'" },
};

static void
testNativeRefusal(gconstpointer data)
{
    const NativeRefusal *r = data;
    g_autofree char *xml = xenpvNativeConfigToXML(xmlopt, r->format, r->config);
    const char *msg = virGetLastErrorMessage();

    g_assert_null(xml);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_CONFIG_UNSUPPORTED);
    if (!strstr(msg, r->mentions))
        g_error("%s: message '%s' does not name %s", r->name, msg, r->mentions);
    virResetLastError();
}

/* A malformed file fails with virConf's message and its line number. */
static void
testSyntaxErrorLine(void)
{
    const char *config = "name = \"t\"\n# comment\nmemory = 256\nkernel = \"/k\n";
    g_autofree char *xml = xenpvNativeConfigToXML(xmlopt, XENPV_NATIVE_FORMAT_XM, config);

    g_assert_null(xml);
    g_assert_nonnull(strstr(virGetLastErrorMessage(), ":4:"));
    virResetLastError();

    xml = xenpvNativeConfigToXML(xmlopt, XENPV_NATIVE_FORMAT_XL, "name = \"t\"\nmemory = = 3\n");
    g_assert_null(xml);
    g_assert_nonnull(strstr(virGetLastErrorMessage(), ":2:"));
    virResetLastError();
}

static void
testUnknownFormat(void)
{
    g_assert_null(xenpvNativeConfigToXML(xmlopt, "xen-sxpr", XM_HEAD));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    virResetLastError();
}

/* Both disk spellings and xm's phy:NAME shorthand. */
static void
testDiskSpellings(void)
{
    const char *config =
        XM_HEAD
        "disk = [ 'phy:hda1,hda1,w', 'file:/img/a,sda1,r', 'tap:aio:/img/b,xvdb,w!',\n"
        "         'tap2:aio:/img/c,xvdc,w', '/img/d,raw,xvdd,rw',\n"
        "         'format=raw, vdev=xvde, access=ro, backendtype=qdisk, target=/img/e,with,commas' ]\n";
    g_autoptr(virDomainDef) def = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XL, config);

    if (!def)
        g_error("%s", virGetLastErrorMessage());
    g_assert_cmpuint(def->ndisks, ==, 6);
    g_assert_cmpstr(def->disks[0]->src->path, ==, "/dev/hda1");
    g_assert_cmpint(def->disks[0]->src->type, ==, VIR_STORAGE_TYPE_BLOCK);
    g_assert_cmpstr(def->disks[0]->driverName, ==, "phy");
    g_assert_true(def->disks[1]->src->readonly);
    g_assert_cmpstr(def->disks[1]->driverName, ==, "file");
    g_assert_cmpstr(def->disks[2]->driverName, ==, "tap");
    g_assert_true(def->disks[2]->src->shared);
    g_assert_cmpstr(def->disks[3]->driverName, ==, "tap2");
    g_assert_cmpstr(def->disks[4]->driverName, ==, "file");
    g_assert_cmpstr(def->disks[4]->dst, ==, "xvdd");
    g_assert_cmpstr(def->disks[5]->driverName, ==, "qdisk");
    g_assert_cmpstr(def->disks[5]->src->path, ==, "/img/e,with,commas");
    g_assert_true(def->disks[5]->src->readonly);
}

/* The top-level vnc keys make a framebuffer like a vfb entry does; one
 * without vnclisten still formats (libvirt wants a listen element). */
static void
testTopLevelVnc(void)
{
    g_autofree char *xml =
        toXML(XENPV_NATIVE_FORMAT_XM, XM_HEAD "vnc = 1\nvncdisplay = 3\nvncunused = 0\n");
    g_autofree char *xm = toNative(XENPV_NATIVE_FORMAT_XM, xml);

    g_assert_nonnull(strstr(xml, "<graphics type='vnc' port='5903' autoport='no'>"));
    g_assert_true(confTestValidatesAgainstSchema(xml));
    g_assert_nonnull(strstr(xm, "vfb = [ \"type=vnc, vncdisplay=3, vncunused=0\" ]"));
}

int
main(int argc, char **argv)
{
    const char *examples[] = {
        "minimal-x86_64", "pae-i686", "pygrub", "two-disks-two-nics",
    };
    size_t i;
    int ret;

    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0 || !(xmlopt = xenpvDomainXMLOptionNew(NULL, NULL)))
        return 1;

    for (i = 0; i < G_N_ELEMENTS(examples); i++) {
        g_autofree char *name = g_strdup_printf("/native/round-trip/%s", examples[i]);
        g_test_add_data_func(name, examples[i], testExampleRoundTrip);
    }
    g_test_add_func("/native/dvdstore", testDVDStore);
    for (i = 0; i < G_N_ELEMENTS(bootCases); i++) {
        g_autofree char *name = g_strdup_printf("/native/nfs-root/compose/%s", bootCases[i].name);
        g_test_add_data_func(name, &bootCases[i], testBootCompose);
    }
    g_test_add_func("/native/nfs-root/decompose", testBootDecompose);
    for (i = 0; i < G_N_ELEMENTS(nativeRefusals); i++) {
        g_autofree char *name = g_strdup_printf("/native/refuses/%s", nativeRefusals[i].name);
        g_test_add_data_func(name, &nativeRefusals[i], testNativeRefusal);
    }
    g_test_add_func("/native/syntax-error-line", testSyntaxErrorLine);
    g_test_add_func("/native/unknown-format", testUnknownFormat);
    g_test_add_func("/native/disk-spellings", testDiskSpellings);
    g_test_add_func("/native/top-level-vnc", testTopLevelVnc);

    ret = g_test_run();
    virObjectUnref(xmlopt);
    return ret;
}
