/*
 * xenpv_hyp_xen_pvh.c: the PVH container a PV guest runs in under Xen's
 * PV-shim (docs/pvshim.md), built the way Xen's toolstack builds it for
 * xl's pvshim=1: an HVM domain with only a local APIC emulated, the shim
 * as its kernel with the shim's command line, the PV guest's kernel (with
 * the guest's command line) and ramdisk as its modules, a memory map and
 * ACPI tables that describe its RAM, its vCPUs and the hole below 4 GiB,
 * and the store and console rings in Xen's special pages, which the shim
 * maps into the PV guest it builds.  Everything else (store entries,
 * devices, introduction) is a PV guest's.
 *
 * The ACPI tables are written here from the ACPI specification: the
 * smallest set the shim reads (RSDP, XSDT, a hardware-reduced FADT, an
 * empty DSDT, and a MADT with one local APIC per vCPU).
 */
#include <string.h>

#include "internal.h"
#include "virerror.h"
#include "virlog.h"

#include "xenpv_hyp_xen_priv.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("xenpv.hyp_xen_pvh");

/* A PVH container's guest-physical layout below 4 GiB, as Xen's toolstack
 * lays it out: RAM from 0, then a hole holding the ACPI tables, the local
 * APIC and Xen's special pages (the store and console rings among them). */
#define XENPV_PVH_ACPI_ADDR 0xfc000000ULL
#define XENPV_PVH_LAPIC_ADDR 0xfee00000ULL
#define XENPV_PVH_SPECIAL_ADDR \
    ((uint64_t)(X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES) << XC_PAGE_SHIFT)
#define XENPV_PVH_HOLE_START XENPV_PVH_ACPI_ADDR
#define XENPV_PVH_4G (1ULL << 32)

/* The paging pool for the container's p2m (and shadows without HAP): xl's
 * default, 1 MiB a vCPU and 4 KiB (8 KiB with shadow paging) a MiB of RAM. */
#define XENPV_PVH_POOL_KIB_PER_VCPU 1024
#define XENPV_PVH_POOL_KIB_PER_MIB_HAP 4
#define XENPV_PVH_POOL_KIB_PER_MIB_SHADOW 8

/* ACPI (specification 5.0) table sizes and the values written. */
#define ACPI_HEADER_LEN 36
#define ACPI_RSDP_LEN 36
#define ACPI_FADT_LEN 268
#define ACPI_MADT_LAPIC_LEN 8
#define ACPI_FADT_PWR_BUTTON (1U << 4)
#define ACPI_FADT_SLP_BUTTON (1U << 5)
#define ACPI_FADT_HW_REDUCED (1U << 20)
#define ACPI_BOOT_NO_VGA (1U << 2)
#define ACPI_BOOT_NO_CMOS_RTC (1U << 5)
#define ACPI_MADT_ENABLED 1U
/* Xen's virtual local APICs have even IDs: vCPU N is APIC 2N, which the
 * MADT's one-byte IDs hold up to vCPU 127. */
#define ACPI_LAPIC_ID(vcpu) ((vcpu) * 2)
#define XENPV_PVH_MAX_VCPUS 128
/* Where each table sits in the block (all 16-byte aligned). */
#define ACPI_OFF_RSDP 0x000
#define ACPI_OFF_XSDT 0x040
#define ACPI_OFF_FADT 0x080
#define ACPI_OFF_DSDT 0x1a0
#define ACPI_OFF_MADT 0x1d0

typedef struct {
    uint64_t memBytes;          /* RAM, a whole number of MiB */
    uint64_t lowmemEnd;
    uint64_t highmemEnd;        /* 0: no RAM above 4 GiB */
    uint32_t acpiLen;           /* bytes of ACPI tables at XENPV_PVH_ACPI_ADDR */
    struct e820entry e820[4];
    unsigned int ne820;
} xenpvXenPvhLayout;


static uint32_t
xenpvXenAcpiLen(unsigned int maxVcpus)
{
    return ACPI_OFF_MADT + ACPI_HEADER_LEN + 8 + maxVcpus * ACPI_MADT_LAPIC_LEN;
}


/* The container's memory map, the same for a boot and a restore. */
static void
xenpvXenPvhLayoutFor(const xenpvBuildSpec *spec, xenpvXenPvhLayout *l)
{
    memset(l, 0, sizeof(*l));
    l->memBytes = (spec->maxMemKiB / 1024) << 20;
    l->lowmemEnd = MIN(l->memBytes, XENPV_PVH_HOLE_START);
    if (l->memBytes > XENPV_PVH_HOLE_START)
        l->highmemEnd = XENPV_PVH_4G + l->memBytes - XENPV_PVH_HOLE_START;
    l->acpiLen = xenpvXenAcpiLen(spec->maxVcpus);

    l->e820[l->ne820++] = (struct e820entry){ 0, l->lowmemEnd, E820_RAM };
    l->e820[l->ne820++] = (struct e820entry){
        XENPV_PVH_ACPI_ADDR, VIR_ROUND_UP(l->acpiLen, XC_PAGE_SIZE), E820_ACPI };
    l->e820[l->ne820++] = (struct e820entry){
        XENPV_PVH_SPECIAL_ADDR, X86_HVM_NR_SPECIAL_PAGES << XC_PAGE_SHIFT, E820_RESERVED };
    if (l->highmemEnd)
        l->e820[l->ne820++] = (struct e820entry){
            XENPV_PVH_4G, l->highmemEnd - XENPV_PVH_4G, E820_RAM };
}


static void
acpiPut16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}


static void
acpiPut32(uint8_t *p, uint32_t v)
{
    acpiPut16(p, v);
    acpiPut16(p + 2, v >> 16);
}


static void
acpiPut64(uint8_t *p, uint64_t v)
{
    acpiPut32(p, v);
    acpiPut32(p + 4, v >> 32);
}


/* The byte that makes @len bytes from @p sum to zero (with it in place). */
static uint8_t
acpiChecksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    size_t i;

    for (i = 0; i < len; i++)
        sum += p[i];
    return -sum;
}


/* A table's standard header; its checksum is set by acpiSeal. */
static void
acpiHeader(uint8_t *t, const char *signature, uint32_t len, uint8_t revision)
{
    memcpy(t, signature, 4);
    acpiPut32(t + 4, len);
    t[8] = revision;
    memcpy(t + 10, "XENPV ", 6);            /* OEM ID */
    memcpy(t + 16, "PVSHIM  ", 8);          /* OEM table ID */
    acpiPut32(t + 24, 1);                   /* OEM revision */
    memcpy(t + 28, "XPVD", 4);              /* creator ID */
    acpiPut32(t + 32, 1);                   /* creator revision */
}


static void
acpiSeal(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = acpiChecksum(t, len);
}


uint8_t *
xenpvXenPvhAcpiTables(uint64_t base, unsigned int maxVcpus, unsigned int onlineVcpus,
                      uint32_t *len)
{
    uint32_t madtLen = ACPI_HEADER_LEN + 8 + maxVcpus * ACPI_MADT_LAPIC_LEN;
    uint8_t *acpi;
    uint8_t *rsdp;
    uint8_t *xsdt;
    uint8_t *fadt;
    uint8_t *dsdt;
    uint8_t *madt;
    unsigned int i;

    *len = xenpvXenAcpiLen(maxVcpus);
    acpi = g_new0(uint8_t, *len);
    rsdp = acpi + ACPI_OFF_RSDP;
    xsdt = acpi + ACPI_OFF_XSDT;
    fadt = acpi + ACPI_OFF_FADT;
    dsdt = acpi + ACPI_OFF_DSDT;
    madt = acpi + ACPI_OFF_MADT;

    /* RSDP, revision 2: points at the XSDT only. */
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "XENPV ", 6);
    rsdp[15] = 2;
    acpiPut32(rsdp + 20, ACPI_RSDP_LEN);
    acpiPut64(rsdp + 24, base + ACPI_OFF_XSDT);
    rsdp[8] = acpiChecksum(rsdp, 20);
    rsdp[32] = acpiChecksum(rsdp, ACPI_RSDP_LEN);

    acpiHeader(xsdt, "XSDT", ACPI_HEADER_LEN + 16, 1);
    acpiPut64(xsdt + ACPI_HEADER_LEN, base + ACPI_OFF_FADT);
    acpiPut64(xsdt + ACPI_HEADER_LEN + 8, base + ACPI_OFF_MADT);
    acpiSeal(xsdt, ACPI_HEADER_LEN + 16);

    /* No fixed hardware at all: no PM timer, no SCI, no sleep registers,
     * no VGA and no CMOS clock, only the PV interfaces. */
    acpiHeader(fadt, "FACP", ACPI_FADT_LEN, 5);
    acpiPut32(fadt + 40, base + ACPI_OFF_DSDT);
    acpiPut16(fadt + 109, ACPI_BOOT_NO_VGA | ACPI_BOOT_NO_CMOS_RTC);
    acpiPut32(fadt + 112, ACPI_FADT_HW_REDUCED | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON);
    acpiPut64(fadt + 140, base + ACPI_OFF_DSDT);
    acpiSeal(fadt, ACPI_FADT_LEN);

    /* A DSDT without definition blocks: nothing to describe. */
    acpiHeader(dsdt, "DSDT", ACPI_HEADER_LEN, 2);
    acpiSeal(dsdt, ACPI_HEADER_LEN);

    /* The local APICs; no I/O APIC and no 8259s are emulated. */
    acpiHeader(madt, "APIC", madtLen, 2);
    acpiPut32(madt + ACPI_HEADER_LEN, XENPV_PVH_LAPIC_ADDR);
    acpiPut32(madt + ACPI_HEADER_LEN + 4, 0);
    for (i = 0; i < maxVcpus; i++) {
        uint8_t *lapic = madt + ACPI_HEADER_LEN + 8 + i * ACPI_MADT_LAPIC_LEN;

        lapic[0] = 0;                       /* processor local APIC */
        lapic[1] = ACPI_MADT_LAPIC_LEN;
        lapic[2] = i;                       /* processor UID */
        lapic[3] = ACPI_LAPIC_ID(i);
        acpiPut32(lapic + 4, i < onlineVcpus ? ACPI_MADT_ENABLED : 0);
    }
    acpiSeal(madt, madtLen);
    return acpi;
}


int
xenpvXenPvhPrepare(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec)
{
    xenpvXenPvhLayout layout;
    uint64_t memMiB = spec->maxMemKiB / 1024;
    uint64_t poolKiB = spec->maxVcpus * XENPV_PVH_POOL_KIB_PER_VCPU +
        memMiB * (priv->hap ? XENPV_PVH_POOL_KIB_PER_MIB_HAP : XENPV_PVH_POOL_KIB_PER_MIB_SHADOW);

    if (spec->maxVcpus > XENPV_PVH_MAX_VCPUS) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' asks for %u vCPUs: a PV-shim container has at most %d"),
                       spec->name, spec->maxVcpus, XENPV_PVH_MAX_VCPUS);
        return -1;
    }
    if (xc_set_paging_mempool_size(priv->xch, domid, poolKiB << 10) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot give the PVH container of domain '%s' a paging pool of %llu KiB"),
                            spec->name, (unsigned long long)poolKiB);
        return -1;
    }
    /* Xen's toolstack defaults for a PVH guest. */
    if (xc_hvm_param_set(priv->xch, domid, HVM_PARAM_TIMER_MODE,
                         HVMPTM_no_delay_for_missed_ticks) < 0 ||
        xc_hvm_param_set(priv->xch, domid, HVM_PARAM_ALTP2M, 0) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot set the HVM parameters of domain '%s'"), spec->name);
        return -1;
    }
    /* What the shim reads with XENMEM_memory_map when it boots. */
    xenpvXenPvhLayoutFor(spec, &layout);
    if (xc_domain_set_memory_map(priv->xch, domid, layout.e820, layout.ne820) < 0) {
        xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                            _("cannot set the memory map of domain '%s'"), spec->name);
        return -1;
    }
    return 0;
}


int
xenpvXenPvhBuildImage(xenpvXenPriv *priv, uint32_t domid, const xenpvBuildSpec *spec,
                      unsigned int storePort, unsigned long *storeGfn,
                      unsigned int consolePort, unsigned long *consoleGfn)
{
    g_autofree uint8_t *acpi = NULL;
    xenpvXenPvhLayout layout;
    struct xc_dom_image *dom;
    const char *step = "the PV-shim image";
    int ret = -1;

    xenpvXenPvhLayoutFor(spec, &layout);
    if (!(dom = xenpvXenDomAllocate(priv, spec, spec->shimCmdline, XC_DOM_HVM_CONTAINER,
                                    storePort, consolePort)))
        return -1;
    dom->device_model = false;
    dom->vga_hole_size = 0;
    dom->target_pages = layout.memBytes >> XC_PAGE_SHIFT;
    dom->mmio_start = XENPV_PVH_HOLE_START;
    dom->mmio_size = XENPV_PVH_4G - XENPV_PVH_HOLE_START;
    dom->lowmem_end = layout.lowmemEnd;
    dom->highmem_end = layout.highmemEnd;
    acpi = xenpvXenPvhAcpiTables(XENPV_PVH_ACPI_ADDR, spec->maxVcpus, spec->vcpus,
                                 &dom->acpi_modules[0].length);
    dom->acpi_modules[0].data = acpi;
    dom->acpi_modules[0].guest_addr_out = XENPV_PVH_ACPI_ADDR;
    dom->e820 = layout.e820;
    dom->e820_entries = layout.ne820;

    /* The shim is the container's kernel; the PV guest is its first
     * module, with the guest's command line, the ramdisk its second. */
    if (xc_dom_kernel_file(dom, spec->shim) != 0)
        goto error;
    step = "the guest's kernel";
    if (xc_dom_module_file(dom, spec->kernel, spec->cmdline ? spec->cmdline : "") != 0)
        goto error;
    step = "ramdisk";
    if (spec->ramdisk && *spec->ramdisk &&
        xc_dom_module_file(dom, spec->ramdisk, NULL) != 0)
        goto error;
    if (xenpvXenDomBuild(priv, dom, domid, layout.memBytes >> 20, &step) < 0)
        goto error;

    /* In a translated guest the rings are named by guest frame. */
    *consoleGfn = dom->console_pfn;
    *storeGfn = dom->xenstore_pfn;
    VIR_DEBUG("domain '%s' (%u) built as a PVH container for the PV-shim %s: store gfn 0x%lx "
              "port %u, console gfn 0x%lx port %u", spec->name, domid, spec->shim,
              *storeGfn, storePort, *consoleGfn, consolePort);
    ret = 0;
    goto cleanup;

 error:
    xenpvXenReportError(VIR_ERR_OPERATION_FAILED,
                        _("cannot build the PV-shim container of domain '%s' from shim '%s' and kernel '%s' (%s)"),
                        spec->name, NULLSTR(spec->shim), NULLSTR(spec->kernel), step);
 cleanup:
    xc_dom_release(dom);
    return ret;
}
