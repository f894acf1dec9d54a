/*
 * test-native-libvirt.c: this driver's xen-xl and xen-xm conversions against
 * the test data of libvirt's own Xen driver (libvirt's tests/xlconfigdata
 * and tests/xmconfigdata, taken from the source package of the installed
 * libvirt at build time, never kept in this tree).
 *
 * Each PV case libvirt tests must convert as libvirt's driver converts it:
 * the .cfg to exactly the .xml, and (where libvirt tests that direction)
 * the .xml to exactly the .cfg.  The HVM and PVH cases must be refused,
 * naming what this driver does not run.  The list of cases is libvirt
 * 9.0.0's own (xlconfigtest.c, xmconfigtest.c); a case file that is not in
 * it fails the test, so that new data is looked at rather than skipped.
 */

#include "internal.h"
#include "domain_conf.h"
#include "virerror.h"

#include "xenpv_domain_xmlopt.h"
#include "xenpv_native.h"

static virDomainXMLOption *xmlopt;

typedef enum {
    BOTH,           /* cfg -> XML and XML -> cfg */
    TO_XML,         /* cfg -> XML only (libvirt's DO_TEST_FORMAT) */
    REFUSED,        /* HVM or PVH: refused both ways, naming the type */
    UNTESTED,       /* data libvirt ships but does not test */
} CaseMode;

typedef struct {
    const char *dir;
    const char *name;
    CaseMode mode;
    const char *refusal;    /* for REFUSED: what the message must name */
} OracleCase;

#define XL "xlconfigdata"
#define XM "xmconfigdata"
#define HVM_XL(name) { XL, name, REFUSED, "hvm" }
#define HVM_XM(name) { XM, name, REFUSED, "hvm" }

static const OracleCase cases[] = {
    /* xl, PV */
    { XL, "channel-pty", BOTH, NULL },
    { XL, "channel-unix", BOTH, NULL },
    { XL, "max-eventchannels", BOTH, NULL },
    { XL, "max-gntframes", BOTH, NULL },
    { XL, "paravirt-cmdline", BOTH, NULL },
    { XL, "paravirt-cmdline-bogus-extra-root", TO_XML, NULL },
    { XL, "paravirt-cmdline-extra-root", TO_XML, NULL },
    { XL, "paravirt-e820_host", BOTH, NULL },
    { XL, "paravirt-maxvcpus", BOTH, NULL },
    { XL, "paravirt-type", TO_XML, NULL },
    { XL, "usb", BOTH, NULL },
    { XL, "usbctrl", BOTH, NULL },
    /* xl, PVH and HVM */
    { XL, "pvh-type", REFUSED, "pvh" },
    HVM_XL("disk-positional-parms-full"),
    HVM_XL("disk-positional-parms-partial"),
    HVM_XL("disk-qed"),
    HVM_XL("fullvirt-acpi-slic"),
    HVM_XL("fullvirt-cpuid"),
    HVM_XL("fullvirt-direct-kernel-boot"),
    HVM_XL("fullvirt-direct-kernel-boot-bogus-extra"),
    HVM_XL("fullvirt-direct-kernel-boot-extra"),
    HVM_XL("fullvirt-hpet-timer"),
    HVM_XL("fullvirt-hypervisor-features"),
    HVM_XL("fullvirt-multi-timer"),
    HVM_XL("fullvirt-multiserial"),
    HVM_XL("fullvirt-multiusb"),
    HVM_XL("fullvirt-nestedhvm"),
    HVM_XL("fullvirt-nestedhvm-disabled"),
    HVM_XL("fullvirt-nohap"),
    HVM_XL("fullvirt-ovmf"),
    HVM_XL("fullvirt-ovswitch-tagged"),
    HVM_XL("fullvirt-ovswitch-trunked"),
    HVM_XL("fullvirt-pci"),
    HVM_XL("fullvirt-tsc-timer"),
    HVM_XL("fullvirt-type"),
    HVM_XL("fullvirt-vnuma"),
    HVM_XL("fullvirt-vnuma-autocomplete"),
    HVM_XL("fullvirt-vnuma-nodistances"),
    HVM_XL("fullvirt-vnuma-partialdist"),
    HVM_XL("net-fakemodel"),
    HVM_XL("new-disk"),
    HVM_XL("qemu-passthrough"),
    HVM_XL("rbd-multihost-noauth"),
    HVM_XL("spice"),
    HVM_XL("spice-features"),
    HVM_XL("vif-multi-ip"),
    HVM_XL("vif-rate"),
    HVM_XL("vif-typename"),
    /* xm, PV */
    { XM, "disk-drv-blktap-raw", BOTH, NULL },
    { XM, "disk-drv-blktap2-raw", BOTH, NULL },
    { XM, "paravirt-extra-root", TO_XML, NULL },
    { XM, "paravirt-maxvcpus", BOTH, NULL },
    { XM, "paravirt-net-e1000", BOTH, NULL },
    { XM, "paravirt-net-fakemodel", BOTH, NULL },
    { XM, "paravirt-net-modelstr", UNTESTED, NULL },
    { XM, "paravirt-net-vifname", BOTH, NULL },
    { XM, "paravirt-new-pvfb", BOTH, NULL },
    { XM, "paravirt-new-pvfb-vncdisplay", BOTH, NULL },
    { XM, "paravirt-root", TO_XML, NULL },
    { XM, "paravirt-vcpu", BOTH, NULL },
    { XM, "sexpr2xml-pv-bootloader", UNTESTED, NULL },
    /* xm, HVM */
    HVM_XM("escape-paths"),
    HVM_XM("fullvirt-default-feature"),
    HVM_XM("fullvirt-force-hpet"),
    HVM_XM("fullvirt-force-nohpet"),
    HVM_XM("fullvirt-localtime"),
    HVM_XM("fullvirt-net-netfront"),
    HVM_XM("fullvirt-new-cdrom"),
    HVM_XM("fullvirt-nohap"),
    HVM_XM("fullvirt-parallel-tcp"),
    HVM_XM("fullvirt-serial-file"),
    HVM_XM("fullvirt-serial-null"),
    HVM_XM("fullvirt-serial-pipe"),
    HVM_XM("fullvirt-serial-pty"),
    HVM_XM("fullvirt-serial-stdio"),
    HVM_XM("fullvirt-serial-tcp"),
    HVM_XM("fullvirt-serial-tcp-telnet"),
    HVM_XM("fullvirt-serial-udp"),
    HVM_XM("fullvirt-serial-unix"),
    HVM_XM("fullvirt-sound"),
    HVM_XM("fullvirt-usbmouse"),
    HVM_XM("fullvirt-usbtablet"),
    HVM_XM("fullvirt-utc"),
    HVM_XM("no-source-cdrom"),
    HVM_XM("pci-devs"),
    HVM_XM("pci-dev-syntax"),
};

static const OracleCase *
findCase(const char *dir, const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (STREQ(cases[i].dir, dir) && STREQ(cases[i].name, name))
            return &cases[i];
    }
    return NULL;
}


static char *
readData(const char *dir, const char *name, const char *suffix)
{
    g_autofree char *file = g_strdup_printf("%s%s.%s",
                                            STRPREFIX(name, "sexpr2xml") ? "" : "test-",
                                            name, suffix);
    g_autofree char *path = g_build_filename(XENPV_LIBVIRT_TESTDATA, dir, file, NULL);
    char *text = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        g_error("cannot read %s", path);
    return text;
}


static const char *
formatOf(const char *dir)
{
    return STREQ(dir, XL) ? XENPV_NATIVE_FORMAT_XL : XENPV_NATIVE_FORMAT_XM;
}


/* A failed case says why and lets the others run. */
#define caseFail(...) \
    do { \
        g_test_message(__VA_ARGS__); \
        g_test_fail(); \
    } while (0)

static void
expectRefused(const OracleCase *c, const char *what, void *result)
{
    const char *msg = virGetLastErrorMessage();

    if (result)
        caseFail("%s/%s: %s was converted, but this driver runs neither HVM nor PVH guests",
                 c->dir, c->name, what);
    else if (virGetLastErrorCode() != VIR_ERR_CONFIG_UNSUPPORTED || !strstr(msg, c->refusal))
        caseFail("%s/%s: %s refused with code %d, '%s', which does not name '%s'",
                 c->dir, c->name, what, virGetLastErrorCode(), msg, c->refusal);
    virResetLastError();
}


static void
expectSame(const OracleCase *c, const char *what, const char *got, const char *want)
{
    if (!got)
        caseFail("%s/%s: %s: %s", c->dir, c->name, what, virGetLastErrorMessage());
    else if (STRNEQ(got, want))
        caseFail("%s/%s: %s differs from libvirt's:\n--- libvirt\n%s--- this driver\n%s",
                 c->dir, c->name, what, want, got);
    virResetLastError();
}


static void
testCase(gconstpointer data)
{
    const OracleCase *c = data;
    const char *format = formatOf(c->dir);
    g_autofree char *cfg = readData(c->dir, c->name, "cfg");
    g_autofree char *xml = readData(c->dir, c->name, "xml");
    g_autofree char *gotXML = NULL;
    g_autofree char *gotCfg = NULL;

    g_assert_nonnull(cfg);
    g_assert_nonnull(xml);

    gotXML = xenpvNativeConfigToXML(xmlopt, format, cfg);
    if (c->mode == REFUSED) {
        expectRefused(c, "the .cfg", gotXML);
        gotCfg = xenpvNativeXMLToConfig(xmlopt, format, xml, NULL);
        expectRefused(c, "the .xml", gotCfg);
        return;
    }
    expectSame(c, ".cfg to XML", gotXML, xml);
    if (c->mode != BOTH)
        return;
    gotCfg = xenpvNativeXMLToConfig(xmlopt, format, xml, NULL);
    expectSame(c, ".xml to the native format", gotCfg, cfg);
}


/* Every case file libvirt ships is in the list above. */
static void
testListComplete(void)
{
    const char *dirs[] = { XL, XM };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *path = g_build_filename(XENPV_LIBVIRT_TESTDATA, dirs[i], NULL);
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *entry;

        if (!dir)
            g_error("libvirt's test data %s is missing: it comes from libvirt's source package "
                    "(scripts/fetch-libvirt-headers.sh --test-data)", path);
        while ((entry = g_dir_read_name(dir))) {
            g_autofree char *name = NULL;

            if (!g_str_has_suffix(entry, ".cfg"))
                continue;
            name = g_strndup(entry, strlen(entry) - strlen(".cfg"));
            if (STRPREFIX(name, "test-"))
                memmove(name, name + 5, strlen(name + 5) + 1);
            if (!findCase(dirs[i], name))
                caseFail("%s/%s: a case of libvirt's this test does not know", dirs[i], entry);
        }
    }
}


int
main(int argc, char **argv)
{
    size_t i;
    int ret;

    g_test_init(&argc, &argv, NULL);
    if (virInitialize() < 0 || !(xmlopt = xenpvDomainXMLOptionNewForConversion()))
        return 1;

    g_test_add_func("/native/libvirt/list-complete", testListComplete);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = NULL;

        if (cases[i].mode == UNTESTED)
            continue;
        name = g_strdup_printf("/native/libvirt/%s/%s", cases[i].dir, cases[i].name);
        g_test_add_data_func(name, &cases[i], testCase);
    }

    ret = g_test_run();
    virObjectUnref(xmlopt);
    return ret;
}
