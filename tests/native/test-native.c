/*
 * test-native.c: the xen-xm and xen-xl native formats: every example in both
 * directions, schema validation of what is formatted, both disk grammars,
 * xl's vfb keys, the keys beyond libvirt's own test data, xm's NFS-root
 * mapping, refusals naming their key, and syntax errors with their line.
 * (test-native-libvirt.c holds the conversions against libvirt's data.)
 */

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"
#include "viruuid.h"

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
    char *config = xenpvNativeXMLToConfig(xmlopt, format, xml, NULL);

    if (!config)
        g_error("XML to %s: %s", format, virGetLastErrorMessage());
    return config;
}


/* NAME.xml converts to NAME.xm.cfg and NAME.xl.cfg; each file converts to
 * XML that validates and back to itself; the XML the driver writes for a
 * file converts to the same file again.  (A file is normalised as libvirt's
 * Xen driver normalises it: a bridge gets its vif-bridge script, xl's disks
 * their back end; hence XML -> file -> XML is not compared with NAME.xml.) */
static void
testExampleRoundTrip(gconstpointer data)
{
    const char *name = data;
    const char *formats[] = { XENPV_NATIVE_FORMAT_XM, XENPV_NATIVE_FORMAT_XL };
    const char *suffixes[] = { "xm.cfg", "xl.cfg" };
    g_autofree char *xmlName = g_strdup_printf("%s.xml", name);
    g_autofree char *xml = confTestReadExample(xmlName);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_autofree char *cfgName = g_strdup_printf("%s.%s", name, suffixes[i]);
        g_autofree char *cfg = confTestReadExample(cfgName);
        g_autofree char *fromXML = toNative(formats[i], xml);
        g_autofree char *xmlFromCfg = toXML(formats[i], cfg);
        g_autofree char *cfgAgain = toNative(formats[i], xmlFromCfg);
        g_autofree char *xmlAgain = toXML(formats[i], cfgAgain);

        g_assert_cmpstr(fromXML, ==, cfg);
        g_assert_cmpstr(cfgAgain, ==, cfg);
        g_assert_cmpstr(xmlAgain, ==, xmlFromCfg);
        g_assert_true(confTestValidatesAgainstSchema(xmlFromCfg));
        /* Nothing of the driver's own in what users see. */
        g_assert_null(strstr(xmlFromCfg, "<metadata"));
    }
}


/* The seed's xm file, comments and placeholders included, converts; its XML
 * (with the UUID the example carries) is dvdstore.xml; its NFS-root keys
 * come back out of the command line; xm -> XML -> xm is stable. */
static void
testDVDStore(void)
{
    g_autofree char *cfg = confTestReadExample("dvdstore.cfg");
    g_autofree char *xml = confTestReadExample("dvdstore.xml");
    g_autoptr(virDomainDef) fromCfg = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XM, cfg);
    g_autofree char *formatted = NULL;
    g_autofree char *xmAgain = NULL;
    g_autofree char *xmlAgain = NULL;
    g_autofree char *xmThird = NULL;

    g_assert_nonnull(fromCfg);
    g_assert_true(virUUIDParse("274ddb37-9fe2-4c58-bf55-b309c883d350", fromCfg->uuid) == 0);
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
    xmThird = toNative(XENPV_NATIVE_FORMAT_XM, xmlAgain);
    g_assert_cmpstr(xmThird, ==, xmAgain);
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
    { "no-xml-key", "xen-xl", XM_HEAD "pool = \"p\"\n", "'pool'" },
    { "xm-cmdline", "xen-xm", XM_HEAD "cmdline = \"x\"\n", "'cmdline'" },
    { "xm-channel", "xen-xm", XM_HEAD "channel = [ \"connection=pty,name=a\" ]\n", "xen-xl" },
    { "xl-vcpu-avail", "xen-xl", XM_HEAD "vcpu_avail = 1\n", "'vcpu_avail'" },
    { "builder-hvm", "xen-xm", XM_HEAD "builder = \"hvm\"\n", "PV guests only" },
    { "type-hvm", "xen-xl", XM_HEAD "type = \"hvm\"\n", "'type' = 'hvm'" },
    { "type-pvh", "xen-xl", XM_HEAD "type = \"pvh\"\n", "'pvh'" },
    { "hvm-before-keys", "xen-xl", XM_HEAD "acpi = 1\nbuilder = \"hvm\"\n", "'hvm'" },
    { "device-model", "xen-xl", XM_HEAD "device_model_version = \"qemu-xen\"\n", "'device_model_version'" },
    { "no-name", "xen-xm", "memory = 256\nkernel = \"/k\"\n", "'name'" },
    { "maxmem-small", "xen-xm", XM_HEAD "maxmem = 128\n", "'maxmem'" },
    { "vcpu-avail-holes", "xen-xm", XM_HEAD "vcpus = 4\nvcpu_avail = 5\n", "'vcpu_avail'" },
    { "cpus-list", "xen-xl", XM_HEAD "cpus = [ \"0\", \"1\" ]\n", "'cpus'" },
    { "cpus-nodes", "xen-xl", XM_HEAD "cpus = \"nodes:0\"\n", "'cpus'" },
    { "lifecycle", "xen-xm", XM_HEAD "on_crash = \"explode\"\n", "'on_crash'" },
    { "cmdline-and-nfs", "xen-xl", XM_HEAD "cmdline = \"a\"\nnfs_root = \"/x\"\n", "'cmdline'" },
    { "bootargs-twice", "xen-xl", XM_HEAD "bootargs = \"a\"\nbootloader_args = \"b\"\n", "'bootargs'" },
    { "nfs-root-alone", "xen-xm", XM_HEAD "nfs_root = \"/x\"\n", "'nfs_root'" },
    { "netmask-alone", "xen-xm", XM_HEAD "netmask = \"255.0.0.0\"\n", "'netmask'" },
    { "passthrough", "xen-xl", XM_HEAD "passthrough = \"sometimes\"\n", "'passthrough'" },
    { "tsc-mode", "xen-xl", XM_HEAD "tsc_mode = \"fast\"\n", "'tsc_mode'" },
    { "disk-cdrom", "xen-xm", XM_HEAD "disk = [ 'file:/x.iso,hdc:cdrom,r' ]\n", "CD-ROM" },
    { "disk-xl-cdrom", "xen-xl", XM_HEAD "disk = [ '/x.iso,raw,hdc,ro,devtype=cdrom' ]\n", "CD-ROM" },
    { "disk-tap-format", "xen-xm", XM_HEAD "disk = [ 'tap:vmdk:/x,xvda,w' ]\n", "'vmdk:'" },
    { "disk-mode", "xen-xm", XM_HEAD "disk = [ 'phy:/dev/x,xvda,rwx' ]\n", "'rwx'" },
    { "disk-xm-prefix", "xen-xm", XM_HEAD "disk = [ 'nbd:host:1,xvda,w' ]\n", "'nbd:'" },
    { "disk-xl-script-prefix", "xen-xl", XM_HEAD "disk = [ 'iscsi:iqn.x,xvda,w' ]\n", "'iscsi:'" },
    { "disk-xl-unknown-prefix", "xen-xl", XM_HEAD "disk = [ 'vmdk:/x,xvda,w' ]\n", "'vmdk:'" },
    { "disk-xl-script", "xen-xl", XM_HEAD "disk = [ 'vdev=xvda, script=block-iscsi, target=x' ]\n", "'block-iscsi'" },
    { "disk-xl-format", "xen-xl", XM_HEAD "disk = [ 'format=vmdk, vdev=xvda, target=/x' ]\n", "'vmdk'" },
    { "disk-xl-positional", "xen-xl", XM_HEAD "disk = [ '/dev/x,xvda,w' ]\n", "'xvda'" },
    { "disk-xl-shared", "xen-xl", XM_HEAD "disk = [ 'phy:/dev/x,xvda,w!' ]\n", "'w!'" },
    { "disk-xl-novdev", "xen-xl", XM_HEAD "disk = [ '/dev/x' ]\n", "vdev" },
    { "disk-xl-flag", "xen-xl", XM_HEAD "disk = [ '/dev/x,,xvda,direct-io-safe' ]\n", "'direct-io-safe'" },
    { "disk-xl-virtio", "xen-xl", XM_HEAD "disk = [ 'vdev=xvda,specification=virtio,target=/x' ]\n", "'virtio'" },
    { "disk-twice", "xen-xl", XM_HEAD "disk = [ 'vdev=xvda, vdev=xvdb, target=/x' ]\n", "vdev given twice" },
    { "vif-gatewaydev", "xen-xm", XM_HEAD "vif = [ 'bridge=xenbr0, gatewaydev=eth0' ]\n", "'gatewaydev'" },
    { "vif-ioemu", "xen-xm", XM_HEAD "vif = [ 'type=ioemu, bridge=xenbr0' ]\n", "'ioemu'" },
    { "vif-rate", "xen-xl", XM_HEAD "vif = [ 'rate=fast' ]\n", "'fast'" },
    { "vif-rate-interval", "xen-xl", XM_HEAD "vif = [ 'rate=10MB/s@20ms' ]\n", "interval" },
    { "vif-rate-beyond-bandwidth", "xen-xl", XM_HEAD "vif = [ 'rate=10999999999MB/s' ]\n",
      "4294967295 KB/s" },
    { "vif-bridge-script", "xen-xl", XM_HEAD "vif = [ 'script=vif-bridge' ]\n", "bridge=" },
    { "vif-mac", "xen-xm", XM_HEAD "vif = [ 'mac=00:16:3e:zz:00:01' ]\n", "'00:16:3e:zz:00:01'" },
    { "vif-multicast", "xen-xm", XM_HEAD "vif = [ 'mac=01:16:3e:00:00:01' ]\n", "multicast" },
    { "vif-twice", "xen-xm", XM_HEAD "vif = [ 'mac=00:16:3e:00:00:01, mac=00:16:3e:00:00:02' ]\n", "given twice" },
    { "not-utf8", "xen-xm", XM_HEAD "extra = \"\xff\xfe\"\n", "UTF-8" },
    { "control-char", "xen-xm", XM_HEAD "extra = \"a\x01b\"\n", "line 4" },
    { "vnclisten-quote", "xen-xm", XM_HEAD "vfb = [ \"type=vnc, vnclisten=127.0.0'1\" ]\n", "listen='127.0.0'1'" },
    { "kernel-relative", "xen-xm", "name = \"t\"\nkernel = \"vmlinuz\"\n", "'vmlinuz'" },
    { "bridge-name", "xen-xm", XM_HEAD "vif = [ 'bridge=xe~br0' ]\n", "bridge='xe~br0'" },
    { "vnclisten-underscore", "xen-xm", XM_HEAD "vfb = [ 'type=vnc, vnclisten=127_1' ]\n", "listen='127_1'" },
    { "vfb-both", "xen-xl", XM_HEAD "vfb = [ 'vnc=1,sdl=1' ]\n", "one protocol" },
    { "vfb-neither", "xen-xl", XM_HEAD "vfb = [ 'vnc=0' ]\n", "neither" },
    { "vfb-two", "xen-xl", XM_HEAD "vfb = [ 'vnc=1', 'vnc=1' ]\n", "more than one" },
    { "vfb-vkb", "xen-xl", XM_HEAD "vfb = [ 'vnc=1,vkb_device=0' ]\n", "vkb_device" },
    { "vfb-display-twice", "xen-xl", XM_HEAD "vfb = [ 'vnclisten=0.0.0.0:1,vncdisplay=2' ]\n", "once" },
    { "vnc-off-keys", "xen-xm", XM_HEAD "vnc = 0\nvnclisten = \"0.0.0.0\"\n", "vnc = 1" },
    { "vfb-and-vnc", "xen-xm", XM_HEAD "vfb = [ 'type=vnc' ]\nvnc = 1\n", "'vfb'" },
    { "serial-file", "xen-xm", XM_HEAD "serial = \"file:/tmp/x\"\n", "'serial'" },
    { "pci-vslot", "xen-xl", XM_HEAD "pci = [ '01:00.0@8' ]\n", "virtual slots" },
    { "pci-option", "xen-xl", XM_HEAD "pci = [ '01:00.0,msitranslate=1' ]\n", "'msitranslate'" },
    { "pci-slot-past-bus", "xen-xl", XM_HEAD "pci = [ '02:2f.7' ]\n", "0x2f: a PCI bus has devices 0x00 to 0x1f" },
    { "usbdev-hex", "xen-xl", XM_HEAD "usbdev = [ 'hostbus=1,hostaddr=12' ]\n", "hexadecimal" },
    { "usbdev-port", "xen-xl", XM_HEAD "usbdev = [ 'hostbus=1,hostaddr=2,controller=0' ]\n", "'controller'" },
    { "usbctrl-pv", "xen-xl", XM_HEAD "usbctrl = [ 'type=pv' ]\n", "type=qusb" },
    { "usbctrl-usb3", "xen-xl", XM_HEAD "usbctrl = [ 'version=3' ]\n", "version 3" },
    { "channel-noname", "xen-xl", XM_HEAD "channel = [ 'connection=pty' ]\n", "name=" },
    { "channel-nopath", "xen-xl", XM_HEAD "channel = [ 'connection=socket,name=a' ]\n", "path=" },
    { "channel-backend", "xen-xl", XM_HEAD "channel = [ 'connection=pty,name=a,backend=d1' ]\n", "'backend'" },
};

/* A conversion gave nothing, with VIR_ERR_CONFIG_UNSUPPORTED naming @mentions. */
static void
expectRefused(const char *name, const char *result, const char *mentions)
{
    const char *msg = virGetLastErrorMessage();

    g_assert_null(result);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_CONFIG_UNSUPPORTED);
    if (!strstr(msg, mentions)) {
        g_test_message("%s: message '%s' does not name %s", name, msg, mentions);
        g_test_fail();
    }
    virResetLastError();
}


static void
testNativeRefusal(gconstpointer data)
{
    const NativeRefusal *r = data;
    g_autofree char *xml = xenpvNativeConfigToXML(xmlopt, r->format, r->config);

    expectRefused(r->name, xml, r->mentions);
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


/* xm's spellings, with the driver prefix kept as libvirt's Xen driver
 * keeps it (none: phy), and xm's phy:NAME shorthand. */
static void
testXMDiskSpellings(void)
{
    const char *config =
        XM_HEAD
        "disk = [ 'phy:hda1,hda1,w', 'file:/img/a,sda1,r', 'tap:aio:/img/b,xvdb,w!',\n"
        "         'tap2:qcow2:/img/c,xvdc,w', '/dev/vg/d,xvdd,rw', 'qdisk:/img/e,xvde,!',\n"
        "         'phy:/dev/f,ioemu:xvdf:disk,ro', '/img/g,raw,xvdg,rw' ]\n";
    g_autoptr(virDomainDef) def = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XM, config);

    if (!def)
        g_error("%s", virGetLastErrorMessage());
    g_assert_cmpuint(def->ndisks, ==, 8);
    g_assert_cmpstr(def->disks[0]->src->path, ==, "/dev/hda1");
    g_assert_cmpint(def->disks[0]->src->type, ==, VIR_STORAGE_TYPE_BLOCK);
    g_assert_cmpstr(def->disks[0]->driverName, ==, "phy");
    g_assert_true(def->disks[1]->src->readonly);
    g_assert_cmpstr(def->disks[1]->driverName, ==, "file");
    g_assert_cmpint(def->disks[1]->src->type, ==, VIR_STORAGE_TYPE_FILE);
    g_assert_cmpstr(def->disks[2]->driverName, ==, "tap");
    g_assert_true(def->disks[2]->src->shared);
    g_assert_cmpstr(def->disks[3]->driverName, ==, "tap2");
    g_assert_cmpint(def->disks[3]->src->format, ==, VIR_STORAGE_FILE_QCOW2);
    g_assert_cmpstr(def->disks[4]->driverName, ==, "phy");
    g_assert_cmpstr(def->disks[4]->dst, ==, "xvdd");
    g_assert_cmpstr(def->disks[5]->driverName, ==, "qemu");
    g_assert_true(def->disks[5]->src->shared);
    g_assert_cmpstr(def->disks[6]->dst, ==, "xvdf");
    g_assert_true(def->disks[6]->src->readonly);
    /* Four fields: xl's positional syntax, in an xm file too. */
    g_assert_cmpstr(def->disks[7]->driverName, ==, "qemu");
    g_assert_cmpstr(def->disks[7]->dst, ==, "xvdg");
}


/* xl's grammar (xl-disk-configuration(5)): positional parameters with
 * empty ones, deprecated prefixes, key=value, target= last with commas. */
static void
testXLDiskSpellings(void)
{
    const char *config =
        XM_HEAD
        "disk = [ '/dev/vg/a,,xvda', '/img/b,qcow2,xvdb,r', 'phy:/dev/c,xvdc,w',\n"
        "         'tap:qcow:/img/d,xvdd,w', 'raw:/img/e,xvde:disk,ro',\n"
        "         'format=qed, vdev=xvdf, access=ro, backendtype=qdisk, target=/img/f,with,commas',\n"
        "         ',,xvdg,backendtype=phy,target=/dev/g', 'vdev=xvdh,backendtype=tap,backend=dd,discard,target=/img/h',\n"
        "         'sdb1,,hdi,no-discard' ]\n";
    g_autoptr(virDomainDef) def = NULL;
    const char *cfg = NULL;

    def = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XL, config);
    if (!def)
        g_error("%s", virGetLastErrorMessage());
    g_assert_cmpuint(def->ndisks, ==, 9);
    g_assert_cmpstr(def->disks[0]->dst, ==, "xvda");
    g_assert_cmpstr(def->disks[0]->driverName, ==, "qemu");
    g_assert_cmpint(def->disks[0]->src->format, ==, VIR_STORAGE_FILE_RAW);
    g_assert_cmpint(def->disks[1]->src->format, ==, VIR_STORAGE_FILE_QCOW2);
    g_assert_true(def->disks[1]->src->readonly);
    /* Prefixes are ignored, as by xl: the back end is qdisk. */
    g_assert_cmpstr(def->disks[2]->dst, ==, "xvdc");
    g_assert_cmpstr(def->disks[2]->driverName, ==, "qemu");
    g_assert_cmpint(def->disks[3]->src->format, ==, VIR_STORAGE_FILE_QCOW);
    g_assert_cmpstr(def->disks[4]->dst, ==, "xvde");
    g_assert_cmpint(def->disks[5]->src->format, ==, VIR_STORAGE_FILE_QED);
    g_assert_cmpstr(def->disks[5]->src->path, ==, "/img/f,with,commas");
    /* Empty positional parameters, then the target given by name. */
    g_assert_cmpstr(def->disks[6]->driverName, ==, "phy");
    g_assert_cmpint(def->disks[6]->src->type, ==, VIR_STORAGE_TYPE_BLOCK);
    g_assert_cmpstr(def->disks[6]->src->path, ==, "/dev/g");
    g_assert_cmpstr(def->disks[7]->driverName, ==, "tap");
    g_assert_cmpstr(def->disks[7]->domain_name, ==, "dd");
    g_assert_cmpint(def->disks[7]->discard, ==, VIR_DOMAIN_DISK_DISCARD_UNMAP);
    g_assert_cmpint(def->disks[8]->discard, ==, VIR_DOMAIN_DISK_DISCARD_IGNORE);
    /* "/dev is prepended if the path doesn't start with a '/'". */
    g_assert_cmpstr(def->disks[8]->src->path, ==, "/dev/sdb1");

    /* Written back in xl's key=value form, and read back the same. */
    {
        g_autofree char *xl = xenpvNativeFormatConfig(XENPV_NATIVE_XL, def, NULL);
        g_autoptr(virDomainDef) again = NULL;

        g_assert_nonnull(xl);
        cfg = strstr(xl, "format=qed,vdev=xvdf,access=ro,backendtype=qdisk,target=/img/f,with,commas");
        g_assert_nonnull(cfg);
        g_assert_nonnull(strstr(xl, "format=raw,vdev=xvdh,access=rw,backendtype=tap,backend=dd,discard,target=/img/h"));
        again = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XL, xl);
        g_assert_nonnull(again);
        g_assert_cmpuint(again->ndisks, ==, 9);
        g_assert_cmpint(again->disks[8]->discard, ==, VIR_DOMAIN_DISK_DISCARD_IGNORE);
    }
}


/* The top-level vnc keys make a framebuffer like a vfb entry does (xl
 * builds a PV framebuffer from them too); one without vnclisten still
 * formats (libvirt wants a listen element). */
static void
testTopLevelVnc(void)
{
    g_autofree char *xml =
        toXML(XENPV_NATIVE_FORMAT_XM, XM_HEAD "vnc = 1\nvncdisplay = 3\nvncunused = 0\n");
    g_autofree char *xm = toNative(XENPV_NATIVE_FORMAT_XM, xml);

    g_assert_nonnull(strstr(xml, "<graphics type='vnc' port='5903' autoport='no'>"));
    g_assert_true(confTestValidatesAgainstSchema(xml));
    g_assert_nonnull(strstr(xm, "vfb = [ \"type=vnc,vncunused=0,vncdisplay=3\" ]"));
}


/* xl's vfb keys: vnc=/sdl= rather than type=, vnclisten=ADDR:DISPLAY, a VNC
 * password kept in the XML (libvirt's Xen driver drops it there), SDL with
 * OpenGL; xl's output names the protocol its own way. */
static void
testXLVfb(void)
{
    g_autofree char *vnc =
        toXML(XENPV_NATIVE_FORMAT_XL, XM_HEAD "vfb = [ 'vnclisten=127.0.0.1:2,vncpasswd=s3cret,keymap=de' ]\n");
    g_autofree char *sdl =
        toXML(XENPV_NATIVE_FORMAT_XL, XM_HEAD "vfb = [ 'sdl=1,vnc=0,display=:0,opengl=1' ]\n");
    g_autofree char *xlVnc = toNative(XENPV_NATIVE_FORMAT_XL, vnc);
    g_autofree char *xlSdl = toNative(XENPV_NATIVE_FORMAT_XL, sdl);
    g_autofree char *xmVnc = toNative(XENPV_NATIVE_FORMAT_XM, vnc);

    g_assert_nonnull(strstr(vnc, "<graphics type='vnc' port='5902' autoport='no' listen='127.0.0.1' keymap='de' passwd='s3cret'>"));
    g_assert_nonnull(strstr(sdl, "<graphics type='sdl' display=':0'>"));
    g_assert_nonnull(strstr(sdl, "<gl enable='yes'/>"));
    g_assert_true(confTestValidatesAgainstSchema(vnc));
    g_assert_true(confTestValidatesAgainstSchema(sdl));
    g_assert_nonnull(strstr(xlVnc, "\"vnc=1,vncunused=0,vncdisplay=2,vnclisten=127.0.0.1,vncpasswd=s3cret,keymap=de\""));
    g_assert_nonnull(strstr(xmVnc, "\"type=vnc,vncunused=0,vncdisplay=2,vnclisten=127.0.0.1,vncpasswd=s3cret,keymap=de\""));
    g_assert_nonnull(strstr(xlSdl, "\"sdl=1,vnc=0,display=:0,opengl=1\""));
}


/* Keys xl documents for PV guests beyond libvirt's own tests, and this
 * driver's extensions, each mapped where libvirt's XML has a place. */
static void
testMappedKeys(void)
{
    g_autoptr(virDomainDef) def = NULL;
    const char *config =
        XM_HEAD
        "bootloader_args = [ \"--entry=1\", \"-q\" ]\n"
        "cpus = \"all\"\n"
        "tsc_mode = \"native\"\n"
        "passthrough = \"share_pt\"\n"
        "vif = [ 'bridge=br0.42,rate=8Mb/s,backend=netdom,model=e1000,type=vif',\n"
        "        'bridge=br1:10:20,script=vif-openvswitch' ]\n"
        "pci = [ '0000:01:00.1,permissive=1,seize=1', '02:1f.7' ]\n";
    g_autofree char *xl = NULL;
    g_autofree char *xml = NULL;

    def = xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XL, config);
    if (!def)
        g_error("%s", virGetLastErrorMessage());
    g_assert_cmpstr(def->os.bootloaderArgs, ==, "--entry=1 -q");
    g_assert_null(def->cpumask);
    g_assert_cmpuint(def->clock.ntimers, ==, 1);
    g_assert_cmpint(def->clock.timers[0]->mode, ==, VIR_DOMAIN_TIMER_MODE_NATIVE);
    g_assert_cmpint(def->xen_passthrough_mode, ==, VIR_DOMAIN_XEN_PASSTHROUGH_MODE_SHARE_PT);
    g_assert_cmpstr(def->nets[0]->data.bridge.brname, ==, "br0");
    g_assert_cmpuint(def->nets[0]->vlan.nTags, ==, 1);
    g_assert_cmpuint(def->nets[0]->vlan.tag[0], ==, 42);
    g_assert_cmpuint(def->nets[0]->bandwidth->out->average, ==, 1024);
    g_assert_cmpstr(def->nets[0]->domain_name, ==, "netdom");
    g_assert_cmpint(def->nets[0]->model, ==, VIR_DOMAIN_NET_MODEL_E1000);
    g_assert_true(def->nets[1]->vlan.trunk);
    g_assert_cmpuint(def->nets[1]->vlan.nTags, ==, 2);
    g_assert_cmpuint(def->nhostdevs, ==, 2);
    g_assert_true(def->hostdevs[0]->managed);
    g_assert_cmpint(def->hostdevs[0]->writeFiltering, ==, VIR_TRISTATE_BOOL_NO);
    g_assert_cmpuint(def->hostdevs[1]->source.subsys.u.pci.addr.slot, ==, 0x1f);

    xml = virDomainDefFormat(def, xmlopt, VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    g_assert_true(confTestValidatesAgainstSchema(xml));
    xl = xenpvNativeFormatConfig(XENPV_NATIVE_XL, def, NULL);
    g_assert_nonnull(xl);
    g_assert_nonnull(strstr(xl, "bootloader_args = \"--entry=1 -q\""));
    g_assert_nonnull(strstr(xl, "tsc_mode = \"native\""));
    g_assert_nonnull(strstr(xl, "passthrough = \"share_pt\""));
    g_assert_nonnull(strstr(xl, "\"mac=00:16:3e:"));
    g_assert_nonnull(strstr(xl, ",bridge=br0.42,script=vif-openvswitch,model=e1000,rate=1024KB/s,backend=netdom\""));
    g_assert_nonnull(strstr(xl, ",bridge=br1:10:20,script=vif-openvswitch\""));
    g_assert_nonnull(strstr(xl, "pci = [ \"0000:01:00.1,permissive=1,seize=1\", \"0000:02:1f.7\" ]"));
}


/* xm's vcpu_avail is read (vcpus is then the ceiling); both formats are
 * written with libvirt's maxvcpus and vcpus. */
static void
testVcpuAvail(void)
{
    g_autoptr(virDomainDef) def =
        xenpvNativeParseConfig(xmlopt, XENPV_NATIVE_XM, XM_HEAD "vcpus = 4\nvcpu_avail = 3\n");
    g_autofree char *xm = NULL;

    g_assert_nonnull(def);
    g_assert_cmpuint(virDomainDefGetVcpusMax(def), ==, 4);
    g_assert_cmpuint(virDomainDefGetVcpus(def), ==, 2);
    xm = xenpvNativeFormatConfig(XENPV_NATIVE_XM, def, NULL);
    g_assert_nonnull(strstr(xm, "maxvcpus = 4\nvcpus = 2\n"));
}


/* XML with no key in a format is refused by name, never dropped. */
typedef struct {
    const char *name;
    const char *format;
    const char *devices;
    const char *mentions;
} XMLRefusal;

#define XML_HEAD "<domain type='xen'><name>t</name><memory>262144</memory>" \
                 "<os><type>xen</type><kernel>/k</kernel></os><devices>"
static const XMLRefusal xmlRefusals[] = {
    { "channel-xm", "xen-xm", "<channel type='pty'><target type='xen' name='a'/></channel>", "<channel>" },
    { "usbctrl-xm", "xen-xm", "<controller type='usb' model='qusb2'/>", "type='usb'" },
    { "shared-xl", "xen-xl", "<disk type='file'><source file='/x'/><target dev='xvda'/><shareable/></disk>", "<shareable/>" },
    { "tap2-xl", "xen-xl", "<disk type='file'><driver name='tap2'/><source file='/x'/><target dev='xvda'/></disk>", "tap2" },
    { "qcow2-xm", "xen-xm", "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/x'/><target dev='xvda'/></disk>", "xen-xl" },
    { "network-offline", "xen-xl", "<interface type='network'><source network='default'/></interface>", "network driver" },
    { "usb-port-hex", "xen-xl", "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='12'/></source></hostdev>", "hexadecimal" },
    { "metadata", "xen-xl", "</devices><metadata><a:b xmlns:a='urn:a'/></metadata><devices>", "<metadata>" },
};

static void
testXMLRefusal(gconstpointer data)
{
    const XMLRefusal *r = data;
    g_autofree char *xml = g_strdup_printf(XML_HEAD "%s</devices></domain>", r->devices);
    g_autofree char *cfg = xenpvNativeXMLToConfig(xmlopt, r->format, xml, NULL);

    expectRefused(r->name, cfg, r->mentions);
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
    if (virInitialize() < 0 || !(xmlopt = xenpvDomainXMLOptionNewForConversion()))
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
    g_test_add_func("/native/disk-spellings/xm", testXMDiskSpellings);
    g_test_add_func("/native/disk-spellings/xl", testXLDiskSpellings);
    g_test_add_func("/native/top-level-vnc", testTopLevelVnc);
    g_test_add_func("/native/xl-vfb", testXLVfb);
    g_test_add_func("/native/mapped-keys", testMappedKeys);
    g_test_add_func("/native/vcpu-avail", testVcpuAvail);
    for (i = 0; i < G_N_ELEMENTS(xmlRefusals); i++) {
        g_autofree char *name = g_strdup_printf("/native/xml-refused/%s", xmlRefusals[i].name);
        g_test_add_data_func(name, &xmlRefusals[i], testXMLRefusal);
    }

    ret = g_test_run();
    virObjectUnref(xmlopt);
    return ret;
}
