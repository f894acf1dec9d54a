/*
 * test-domain-build.c: the PV domain XML option (defaults, refusals) and the
 * definition to build spec mapping, on the example guests and on small
 * definitions that each exercise one rule.
 */

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_build.h"
#include "xenpv_domain_support.h"
#include "xenpv_domain_xmlopt.h"
#include "conf_test_util.h"

static virDomainXMLOption *xmlopt;

static virDomainDef *
parse(const char *xml)
{
    return xenpvDomainDefParseString(xml, xmlopt, VIR_DOMAIN_DEF_PARSE_INACTIVE);
}


/* Each example is in the form libvirt formats it: parse and format give it
 * back unchanged, and it validates against the schema. */
static void
testExampleStable(gconstpointer data)
{
    g_autofree char *xml = confTestReadExample(data);
    g_autoptr(virDomainDef) def = parse(xml);
    g_autofree char *again = NULL;

    g_assert_nonnull(def);
    again = virDomainDefFormat(def, xmlopt, VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    g_assert_cmpstr(again, ==, xml);
    g_assert_true(confTestValidatesAgainstSchema(again));
}


static void
testBuildTwoDisksTwoNics(void)
{
    g_autofree char *xml = confTestReadExample("two-disks-two-nics.xml");
    g_autoptr(virDomainDef) def = parse(xml);
    xenpvBuildSpec spec;

    g_assert_nonnull(def);
    g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, 0);
    g_assert_cmpstr(spec.name, ==, "pv-two-disks-two-nics");
    g_assert_cmpuint(spec.maxMemKiB, ==, 1024 * 1024);
    g_assert_cmpuint(spec.targetMemKiB, ==, 768 * 1024);
    g_assert_cmpuint(spec.maxVcpus, ==, 4);
    g_assert_cmpuint(spec.vcpus, ==, 2);
    g_assert_cmpstr(spec.cpuset, ==, "0-3");
    g_assert_cmpstr(spec.kernel, ==, "/var/lib/xenpv/images/xenpv-test-x86_64.elf");
    g_assert_cmpstr(spec.ramdisk, ==, "/var/lib/xenpv/images/xenpv-test-initrd.img");
    g_assert_cmpstr(spec.cmdline, ==, "root=/dev/xvda1 ro console=hvc0");
    g_assert_null(spec.bootloader);

    g_assert_cmpuint(spec.ndisks, ==, 2);
    g_assert_cmpstr(spec.disks[0].vdev, ==, "xvda");
    g_assert_cmpstr(spec.disks[0].backendType, ==, "file");
    g_assert_false(spec.disks[0].readonly);
    g_assert_cmpstr(spec.disks[1].source, ==, "/var/lib/xenpv/images/pv-two-data.img");
    g_assert_true(spec.disks[1].readonly);

    g_assert_cmpuint(spec.nnics, ==, 2);
    g_assert_cmpstr(spec.nics[0].mac, ==, "00:16:3e:00:00:41");
    g_assert_cmpstr(spec.nics[0].bridge, ==, "xenbr0");
    g_assert_cmpstr(spec.nics[0].script, ==, "vif-bridge");
    /* No model in the definition: a PV NIC is a netfront. */
    g_assert_cmpstr(spec.nics[0].model, ==, "netfront");
    g_assert_null(spec.nics[1].bridge);
    g_assert_cmpstr(spec.nics[1].ip, ==, "10.0.42.2");
    g_assert_cmpstr(spec.nics[1].vifname, ==, "pvtwo-eth1");
    g_assert_cmpstr(spec.nics[1].script, ==, "vif-route");

    g_assert_true(spec.vfb);
    g_assert_cmpstr(spec.vfbType, ==, "vnc");
    g_assert_cmpint(spec.abi, ==, XENPV_GUEST_ABI_UNKNOWN);
    xenpvBuildSpecClear(&spec);
    g_assert_null(spec.name);
}


static void
testBuildPygrub(void)
{
    g_autofree char *xml = confTestReadExample("pygrub.xml");
    g_autoptr(virDomainDef) def = parse(xml);
    xenpvBuildSpec spec;

    g_assert_nonnull(def);
    g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, 0);
    g_assert_cmpstr(spec.bootloader, ==, "/usr/bin/pygrub");
    g_assert_cmpstr(spec.bootloaderArgs, ==, "--entry=0");
    g_assert_null(spec.kernel);
    g_assert_null(spec.cmdline);
    g_assert_false(spec.vfb);
    g_assert_cmpint(def->onCrash, ==, VIR_DOMAIN_LIFECYCLE_ACTION_PRESERVE);
    xenpvBuildSpecClear(&spec);
}

#define PV_HEAD "<domain type='xen'><name>t</name><memory unit='MiB'>256</memory>"
#define PV_OS "<os><type>xen</type><kernel>/k</kernel></os>"

/* <cputune><vcpupin> pins its vCPU; the others keep the domain's cpuset. */
static void
testBuildVcpuPin(void)
{
    g_autoptr(virDomainDef) def =
        parse(PV_HEAD "<vcpu cpuset='0-3' current='2'>3</vcpu>"
              "<cputune><vcpupin vcpu='2' cpuset='1,3'/></cputune>" PV_OS "</domain>");
    xenpvBuildSpec spec;

    g_assert_nonnull(def);
    g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, 0);
    g_assert_cmpuint(spec.maxVcpus, ==, 3);
    g_assert_cmpstr(spec.cpuset, ==, "0-3");
    g_assert_nonnull(spec.vcpuCpusets);
    g_assert_null(spec.vcpuCpusets[0]);
    g_assert_null(spec.vcpuCpusets[1]);
    g_assert_cmpstr(spec.vcpuCpusets[2], ==, "1,3");
    xenpvBuildSpecClear(&spec);
}


/* <root> goes ahead of the command line as root=; a PV guest gets the
 * defaults libvirt's Xen driver gives it: the console, the xen keyboard and
 * mouse, the xen balloon, the xenbus controller, disks on bus xen in raw
 * format with no driver name, NICs with no model, MACs under 00:16:3e. */
static void
testDefaults(void)
{
    g_autoptr(virDomainDef) def =
        parse(PV_HEAD "<os><type>linux</type><kernel>/k</kernel><root>/dev/xvda1</root>"
              "<cmdline>ro</cmdline></os><devices>"
              "<disk type='block'><source dev='/dev/vg/t'/><target dev='sda1'/><shareable/></disk>"
              "<interface type='bridge'><source bridge='xenbr0'/></interface>"
              "</devices></domain>");
    xenpvBuildSpec spec;

    g_assert_nonnull(def);
    g_assert_cmpint(def->os.type, ==, VIR_DOMAIN_OSTYPE_XEN);
    g_assert_cmpint(def->os.arch, ==, VIR_ARCH_X86_64);
    g_assert_cmpstr(def->os.machine, ==, "xenpv");
    g_assert_cmpuint(def->nconsoles, ==, 1);
    g_assert_cmpint(def->consoles[0]->targetType, ==, VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_XEN);
    g_assert_cmpint(def->consoles[0]->source->type, ==, VIR_DOMAIN_CHR_TYPE_PTY);
    g_assert_cmpint(def->disks[0]->bus, ==, VIR_DOMAIN_DISK_BUS_XEN);
    g_assert_null(def->disks[0]->driverName);
    g_assert_cmpint(def->disks[0]->src->format, ==, VIR_STORAGE_FILE_RAW);
    g_assert_cmpint(def->nets[0]->model, ==, VIR_DOMAIN_NET_MODEL_UNKNOWN);
    g_assert_null(def->nets[0]->modelstr);
    g_assert_cmpuint(def->ninputs, ==, 2);
    g_assert_cmpint(def->inputs[0]->type, ==, VIR_DOMAIN_INPUT_TYPE_MOUSE);
    g_assert_cmpint(def->inputs[0]->bus, ==, VIR_DOMAIN_INPUT_BUS_XEN);
    g_assert_cmpint(def->inputs[1]->type, ==, VIR_DOMAIN_INPUT_TYPE_KBD);
    g_assert_cmpint(def->inputs[1]->bus, ==, VIR_DOMAIN_INPUT_BUS_XEN);
    g_assert_nonnull(def->memballoon);
    g_assert_cmpint(def->memballoon->model, ==, VIR_DOMAIN_MEMBALLOON_MODEL_XEN);
    g_assert_cmpuint(def->ncontrollers, ==, 1);
    g_assert_cmpint(def->controllers[0]->type, ==, VIR_DOMAIN_CONTROLLER_TYPE_XENBUS);
    g_assert_cmpuint(def->nets[0]->mac.addr[0], ==, 0x00);
    g_assert_cmpuint(def->nets[0]->mac.addr[1], ==, 0x16);
    g_assert_cmpuint(def->nets[0]->mac.addr[2], ==, 0x3e);

    g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, 0);
    g_assert_cmpstr(spec.cmdline, ==, "root=/dev/xvda1 ro");
    g_assert_cmpstr(spec.disks[0].backendType, ==, "phy");
    g_assert_null(spec.disks[0].format);
    g_assert_true(spec.disks[0].shareable);
    g_assert_cmpstr(spec.nics[0].model, ==, "netfront");
    xenpvBuildSpecClear(&spec);
}


typedef struct {
    const char *driver;     /* NULL: none */
    const char *format;
    const char *backend;    /* the build's back end */
    const char *specFormat; /* NULL: raw */
} DiskBackend;

/* The back end a disk's driver name and format give, as libvirt's Xen
 * driver maps them: 'qemu' is QEMU's qdisk; tap for qcow/qcow2/qed too. */
static const DiskBackend diskBackends[] = {
    { "qemu", "raw", "qdisk", NULL },
    { "qemu", "qcow2", "qdisk", "qcow2" },
    { "qdisk", "qed", "qdisk", "qed" },
    { "tap", "qcow", "qdisk", "qcow" },
    { "tap2", "raw", "tap2", NULL },
    { "tap", "vhd", "tap", "vhd" },
    { "phy", "raw", "phy", NULL },
    { "file", "raw", "file", NULL },
    { NULL, "raw", "file", NULL },
};

static void
testDiskBackends(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(diskBackends); i++) {
        const DiskBackend *b = &diskBackends[i];
        g_autofree char *driver = b->driver ? g_strdup_printf(" name='%s'", b->driver) : g_strdup("");
        g_autofree char *xml =
            g_strdup_printf(PV_HEAD PV_OS "<devices><disk type='file'><driver%s type='%s'/>"
                            "<source file='/img'/><target dev='xvda'/></disk></devices></domain>",
                            driver, b->format);
        g_autoptr(virDomainDef) def = parse(xml);
        xenpvBuildSpec spec;

        if (!def)
            g_error("%s: %s", xml, virGetLastErrorMessage());
        g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, 0);
        g_assert_cmpstr(spec.disks[0].backendType, ==, b->backend);
        g_assert_cmpstr(spec.disks[0].format, ==, b->specFormat);
        xenpvBuildSpecClear(&spec);
    }
}


/* xl's max_event_channels and max_grant_frames reach the build. */
static void
testXenbusLimits(void)
{
    g_autoptr(virDomainDef) def =
        parse(PV_HEAD PV_OS "<devices><controller type='xenbus' maxGrantFrames='64' "
              "maxEventChannels='2047'/></devices></domain>");
    xenpvBuildSpec spec;

    g_assert_nonnull(def);
    g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, 0);
    g_assert_cmpuint(spec.maxGrantFrames, ==, 64);
    g_assert_cmpuint(spec.maxEventChannels, ==, 2047);
    xenpvBuildSpecClear(&spec);
}


/* What libvirt's Xen driver takes for PV guests and this one does too:
 * no kernel and no bootloader (pygrub at start), a kernel inside the disk
 * for the bootloader, <cmdline> beside it, any NIC model (a PV NIC is a
 * netfront), <interface type='network'>, image formats through qdisk. */
static void
testAccepted(void)
{
    const char *xmls[] = {
        PV_HEAD "<os><type>xen</type></os></domain>",
        PV_HEAD "<bootloader>/usr/bin/pygrub</bootloader><os><type>xen</type>"
        "<kernel>/boot/vmlinuz</kernel><cmdline>quiet</cmdline></os></domain>",
        PV_HEAD PV_OS "<devices><interface type='bridge'><source bridge='b'/><model type='e1000'/></interface></devices></domain>",
        PV_HEAD PV_OS "<devices><interface type='network'><source network='default'/></interface></devices></domain>",
        PV_HEAD PV_OS "<devices><disk type='file'><driver name='qemu' type='qcow2'/><source file='/x'/><target dev='xvda'/></disk></devices></domain>",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(xmls); i++) {
        g_autoptr(virDomainDef) def = parse(xmls[i]);

        if (!def)
            g_error("%s: %s", xmls[i], virGetLastErrorMessage());
        g_assert_cmpint(xenpvDomainDefCheckRunnable(def), ==, 0);
    }
}


/* A serial port is the PV console: one serial and the console are fine. */
static void
testSerialIsConsole(void)
{
    g_autoptr(virDomainDef) def =
        parse(PV_HEAD PV_OS "<devices><serial type='pty'/></devices></domain>");

    g_assert_nonnull(def);
    g_assert_cmpuint(def->nserials, ==, 1);
    g_assert_cmpint(xenpvDomainDefCheckPV(def), ==, 0);
}


typedef struct {
    const char *name;
    const char *xml;
    const char *mentions;   /* the element the message must name */
} Refusal;

static const Refusal refusals[] = {
    { "hvm", PV_HEAD "<os><type>hvm</type></os></domain>", "PV guests only" },
    { "kvm", "<domain type='kvm'><name>t</name><memory>262144</memory>" PV_OS "</domain>", "<domain type='kvm'>" },
    { "arch", PV_HEAD "<os><type arch='aarch64'>xen</type><kernel>/k</kernel></os></domain>", "arch='aarch64'" },
    { "machine", PV_HEAD "<os><type machine='xenfv'>xen</type><kernel>/k</kernel></os></domain>", "machine='xenfv'" },
    { "loader", PV_HEAD "<os><type>xen</type><loader>/x</loader><kernel>/k</kernel></os></domain>", "<loader>" },
    { "nvram", PV_HEAD "<os><type>xen</type><nvram>/x</nvram><kernel>/k</kernel></os></domain>", "<nvram>" },
    { "bootdev", PV_HEAD "<os><type>xen</type><kernel>/k</kernel><boot dev='hd'/></os></domain>", "<boot dev>" },
    { "bios", PV_HEAD "<os><type>xen</type><kernel>/k</kernel><bios useserial='yes'/></os></domain>", "<bios>" },
    { "emulator", PV_HEAD PV_OS "<devices><emulator>/usr/bin/qemu</emulator></devices></domain>", "<emulator>" },
    { "acpi", PV_HEAD PV_OS "<features><acpi/></features></domain>", "<acpi>" },
    { "cpu", PV_HEAD PV_OS "<cpu mode='host-passthrough'/></domain>", "<cpu>" },
    { "serial2", PV_HEAD PV_OS "<devices><serial type='pty'/><serial type='pty'/></devices></domain>", "second <serial>" },
    { "serialfile", PV_HEAD PV_OS "<devices><serial type='file'><source path='/tmp/x'/></serial></devices></domain>", "type='file'" },
    { "console2", PV_HEAD PV_OS "<devices><console type='pty'/><console type='pty'/></devices></domain>", "second <console>" },
    { "sound", PV_HEAD PV_OS "<devices><sound model='ac97'/></devices></domain>", "<sound>" },
    { "video", PV_HEAD PV_OS "<devices><graphics type='vnc'/><video><model type='vga'/></video></devices></domain>", "<video>" },
    { "usb", PV_HEAD PV_OS "<devices><controller type='usb'/></devices></domain>", "controller type='usb'" },
    { "pci", PV_HEAD PV_OS "<devices><controller type='pci' model='pci-root'/></devices></domain>", "controller type='pci'" },
    { "hostdev", PV_HEAD PV_OS "<devices><hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev></devices></domain>", "PCI and USB passthrough are not supported yet" },
    { "hostdev-scsi", PV_HEAD PV_OS "<devices><hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev></devices></domain>", "PCI and USB host devices" },
    { "usbctrl", PV_HEAD PV_OS "<devices><controller type='usb' model='qusb2'/></devices></domain>", "PV USB controllers are not supported yet" },
    { "channel", PV_HEAD PV_OS "<devices><channel type='pty'><target type='xen' name='org.qemu.guest_agent.0'/></channel></devices></domain>", "PV channels are not supported yet" },
    { "channel-virtio", PV_HEAD PV_OS "<devices><channel type='pty'><target type='virtio' name='a'/></channel></devices></domain>", "virtio-serial" },
    { "e820", PV_HEAD PV_OS "<features><xen><e820_host state='on'/></xen></features></domain>", "e820_host" },
    { "tsc", PV_HEAD PV_OS "<clock offset='utc'><timer name='tsc' mode='native'/></clock></domain>", "TSC mode" },
    { "bandwidth-in", PV_HEAD PV_OS "<devices><interface type='bridge'><source bridge='b'/><bandwidth><inbound average='1000'/></bandwidth></interface></devices></domain>", "outbound" },
    { "ovs", PV_HEAD PV_OS "<devices><interface type='bridge'><source bridge='b'/><virtualport type='openvswitch'/></interface></devices></domain>", "Open vSwitch" },
    { "discard", PV_HEAD PV_OS "<devices><disk type='file'><driver discard='unmap'/><source file='/x'/><target dev='xvda'/></disk></devices></domain>", "discard" },
    { "cdrom", PV_HEAD PV_OS "<devices><disk type='file' device='cdrom'><source file='/x.iso'/><target dev='xvdc'/></disk></devices></domain>", "device='cdrom'" },
    { "diskbus", PV_HEAD PV_OS "<devices><disk type='file'><source file='/x'/><target dev='sda' bus='scsi'/></disk></devices></domain>", "bus='scsi'" },
    /* Refused before libvirt adds controllers up to the number the name
     * spells (billions: without the early refusal, minutes of work). */
    { "diskbus-long-name", PV_HEAD PV_OS "<devices><disk type='file'><source file='/x'/><target dev='hdzzzzzzz' bus='ide'/></disk></devices></domain>", "bus='ide'" },
    { "hvm-long-disk-name", PV_HEAD "<os><type>hvm</type></os><devices><disk type='file' device='cdrom'><source file='/x.iso'/><target dev='hdcunicor'/></disk></devices></domain>", "<type>hvm</type>" },
    { "diskname", PV_HEAD PV_OS "<devices><disk type='file'><source file='/x'/><target dev='vda'/></disk></devices></domain>", "dev='vda'" },
    { "diskfmt", PV_HEAD PV_OS "<devices><disk type='file'><driver name='phy' type='qcow2'/><source file='/x'/><target dev='xvda'/></disk></devices></domain>", "type='qcow2'" },
    { "diskfmt-vmdk", PV_HEAD PV_OS "<devices><disk type='file'><driver name='qemu' type='vmdk'/><source file='/x'/><target dev='xvda'/></disk></devices></domain>", "type='vmdk'" },
    { "diskdrv", PV_HEAD PV_OS "<devices><disk type='file'><driver name='blktap3'/><source file='/x'/><target dev='xvda'/></disk></devices></domain>", "name='blktap3'" },
    { "fs", PV_HEAD PV_OS "<devices><filesystem><source dir='/a'/><target dir='b'/></filesystem></devices></domain>", "<filesystem>" },
    { "netuser", PV_HEAD PV_OS "<devices><interface type='user'/></devices></domain>", "type='user'" },
    { "spice", PV_HEAD PV_OS "<devices><graphics type='spice'/></devices></domain>", "type='spice'" },
    { "watchdog", PV_HEAD PV_OS "<devices><watchdog model='i6300esb'/></devices></domain>", "<watchdog>" },
    { "rng", PV_HEAD PV_OS "<devices><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng></devices></domain>", "<rng>" },
    { "tpm", PV_HEAD PV_OS "<devices><tpm model='tpm-tis'><backend type='emulator'/></tpm></devices></domain>", "<tpm>" },
    { "balloon", PV_HEAD PV_OS "<devices><memballoon model='virtio'/></devices></domain>", "<memballoon model='virtio'>" },
    { "timer", PV_HEAD PV_OS "<clock offset='utc'><timer name='rtc'/></clock></domain>", "<timer name='rtc'>" },
    { "vcpusched", PV_HEAD PV_OS "<vcpu>2</vcpu><cputune><vcpusched vcpus='0' scheduler='fifo' priority='1'/></cputune></domain>", "<vcpusched>" },
    { "vcpu0", PV_HEAD PV_OS "<vcpu current='0'>2</vcpu></domain>", "current='0'" },
    { "vcpuhuge", PV_HEAD PV_OS "<vcpu>4000000000</vcpu></domain>", "at most 8192 vCPUs" },
    { "vcpuneg", PV_HEAD PV_OS "<vcpu>-1</vcpu></domain>", "at most 8192 vCPUs" },
};

static void
testRefusal(gconstpointer data)
{
    const Refusal *r = data;
    g_autoptr(virDomainDef) def = parse(r->xml);
    virErrorPtr err = virGetLastError();

    g_assert_null(def);
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, VIR_ERR_CONFIG_UNSUPPORTED);
    if (!strstr(err->message, r->mentions))
        g_error("%s: message '%s' does not name '%s'", r->name, err->message, r->mentions);
    virResetLastError();
}


/* The build refuses on its own too, for a definition that skipped checks. */
static void
testBuildRefusesHVM(void)
{
    g_autoptr(virDomainDef) def =
        virDomainDefParseString(PV_HEAD "<os><type>hvm</type></os></domain>", xmlopt, NULL,
                                VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE);
    xenpvBuildSpec spec;

    g_assert_nonnull(def);
    g_assert_cmpint(xenpvBuildSpecFromDef(def, &spec), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(virGetLastErrorMessage(), "this driver runs PV guests only"));
    g_assert_null(spec.name);
    virResetLastError();
}


int
main(int argc, char **argv)
{
    const char *examples[] = {
        "dvdstore.xml", "minimal-x86_64.xml", "pae-i686.xml", "pygrub.xml",
        "two-disks-two-nics.xml",
    };
    size_t i;

    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0 || !(xmlopt = xenpvDomainXMLOptionNew(NULL, NULL)))
        return 1;

    for (i = 0; i < G_N_ELEMENTS(examples); i++) {
        g_autofree char *name = g_strdup_printf("/conf/example-stable/%s", examples[i]);
        g_test_add_data_func(name, examples[i], testExampleStable);
    }
    g_test_add_func("/conf/build/two-disks-two-nics", testBuildTwoDisksTwoNics);
    g_test_add_func("/conf/build/pygrub", testBuildPygrub);
    g_test_add_func("/conf/build/vcpupin", testBuildVcpuPin);
    g_test_add_func("/conf/defaults", testDefaults);
    g_test_add_func("/conf/serial-is-console", testSerialIsConsole);
    g_test_add_func("/conf/build/disk-backends", testDiskBackends);
    g_test_add_func("/conf/build/xenbus-limits", testXenbusLimits);
    g_test_add_func("/conf/accepted", testAccepted);
    g_test_add_func("/conf/build/refuses-hvm", testBuildRefusesHVM);
    for (i = 0; i < G_N_ELEMENTS(refusals); i++) {
        g_autofree char *name = g_strdup_printf("/conf/refuses/%s", refusals[i].name);
        g_test_add_data_func(name, &refusals[i], testRefusal);
    }

    i = g_test_run();
    virObjectUnref(xmlopt);
    return i;
}
