/*
 * xenpv_kernel_elf.c: read the Xen notes of an ELF32 or ELF64 image.
 *
 * Xen's loader takes the notes named "Xen" from the PT_NOTE program
 * headers, or when none are there from the SHT_NOTE sections, or when
 * neither has any from the old "__xen_guest" section, a string of
 * NAME=VALUE pairs.  This reads them in that order.  The image is
 * untrusted: every offset and size is checked against the buffer before
 * anything is read through it, and arithmetic on them is overflow-checked.
 */
#include <string.h>
#include <elf.h>

#include <xen/elfnote.h>

#include "xenpv_kernel_elf.h"

/* Longer note strings are cut: Xen itself keeps only a few bytes of each. */
#define NOTE_STRING_MAX 1024

typedef struct {
    const char *name;
    const guint8 *data;
    gsize len;
    unsigned int elfClass;  /* ELFCLASS32 or ELFCLASS64 */
    guint16 machine;
    guint64 entry;
    guint64 phoff;
    guint16 phentsize;
    guint16 phnum;
    guint64 shoff;
    guint16 shentsize;
    guint16 shnum;
    guint16 shstrndx;
} xenpvElf;

/* One program or section header, of either class. */
typedef struct {
    guint32 type;
    guint64 offset;
    guint64 size;       /* p_filesz or sh_size */
    guint64 memsz;      /* p_memsz; sh_size for sections */
    guint64 paddr;      /* p_paddr; segments only */
    guint32 nameOff;    /* sections only */
} xenpvElfRange;


static guint16
rd16(const guint8 *p)
{
    return p[0] | (p[1] << 8);
}


static guint32
rd32(const guint8 *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32)p[3] << 24);
}


static guint64
rd64(const guint8 *p)
{
    return rd32(p) | ((guint64)rd32(p + 4) << 32);
}


static void
setError(GError **error, int code, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void
setError(GError **error, int code, const char *name, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, XENPV_KERNEL_ERROR, code, "%s: %s", name, msg);
}


/* Whether [off, off + size) lies inside the image. */
static gboolean
inImage(const xenpvElf *elf, guint64 off, guint64 size)
{
    return off <= elf->len && size <= elf->len - off;
}


static gboolean
readHeader(xenpvElf *elf, GError **error)
{
    const guint8 *d = elf->data;
    gsize need;

    if (elf->len < SELFMAG || memcmp(d, ELFMAG, SELFMAG) != 0) {
        setError(error, XENPV_KERNEL_ERROR_NOT_ELF, elf->name, "not an ELF image");
        return FALSE;
    }
    if (elf->len < EI_NIDENT) {
        setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                 "truncated: %zu bytes is shorter than the ELF identification", elf->len);
        return FALSE;
    }
    if (d[EI_CLASS] != ELFCLASS32 && d[EI_CLASS] != ELFCLASS64) {
        setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                 "ELF class %u is neither 32 nor 64 bit", d[EI_CLASS]);
        return FALSE;
    }
    if (d[EI_DATA] != ELFDATA2LSB) {
        setError(error, XENPV_KERNEL_ERROR_UNSUPPORTED, elf->name,
                 "big-endian ELF image: x86 PV kernels are little endian");
        return FALSE;
    }
    elf->elfClass = d[EI_CLASS];
    need = elf->elfClass == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (elf->len < need) {
        setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                 "truncated: %zu bytes is shorter than the ELF header", elf->len);
        return FALSE;
    }

    if (elf->elfClass == ELFCLASS64) {
        elf->machine = rd16(d + offsetof(Elf64_Ehdr, e_machine));
        elf->entry = rd64(d + offsetof(Elf64_Ehdr, e_entry));
        elf->phoff = rd64(d + offsetof(Elf64_Ehdr, e_phoff));
        elf->phentsize = rd16(d + offsetof(Elf64_Ehdr, e_phentsize));
        elf->phnum = rd16(d + offsetof(Elf64_Ehdr, e_phnum));
        elf->shoff = rd64(d + offsetof(Elf64_Ehdr, e_shoff));
        elf->shentsize = rd16(d + offsetof(Elf64_Ehdr, e_shentsize));
        elf->shnum = rd16(d + offsetof(Elf64_Ehdr, e_shnum));
        elf->shstrndx = rd16(d + offsetof(Elf64_Ehdr, e_shstrndx));
    } else {
        elf->machine = rd16(d + offsetof(Elf32_Ehdr, e_machine));
        elf->entry = rd32(d + offsetof(Elf32_Ehdr, e_entry));
        elf->phoff = rd32(d + offsetof(Elf32_Ehdr, e_phoff));
        elf->phentsize = rd16(d + offsetof(Elf32_Ehdr, e_phentsize));
        elf->phnum = rd16(d + offsetof(Elf32_Ehdr, e_phnum));
        elf->shoff = rd32(d + offsetof(Elf32_Ehdr, e_shoff));
        elf->shentsize = rd16(d + offsetof(Elf32_Ehdr, e_shentsize));
        elf->shnum = rd16(d + offsetof(Elf32_Ehdr, e_shnum));
        elf->shstrndx = rd16(d + offsetof(Elf32_Ehdr, e_shstrndx));
    }

    need = elf->elfClass == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (elf->phnum > 0 &&
        (elf->phentsize < need ||
         !inImage(elf, elf->phoff, (guint64)elf->phnum * elf->phentsize))) {
        setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                 "program header table (%u entries of %u bytes at offset %" G_GUINT64_FORMAT
                 ") lies outside the %zu-byte image",
                 elf->phnum, elf->phentsize, elf->phoff, elf->len);
        return FALSE;
    }
    /* Sections are optional for loading: a stripped image may have none. */
    need = elf->elfClass == ELFCLASS64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (elf->shoff == 0)
        elf->shnum = 0;
    if (elf->shnum > 0 &&
        (elf->shentsize < need ||
         !inImage(elf, elf->shoff, (guint64)elf->shnum * elf->shentsize))) {
        setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                 "section header table (%u entries of %u bytes at offset %" G_GUINT64_FORMAT
                 ") lies outside the %zu-byte image",
                 elf->shnum, elf->shentsize, elf->shoff, elf->len);
        return FALSE;
    }
    return TRUE;
}


static void
readPhdr(const xenpvElf *elf, unsigned int i, xenpvElfRange *r)
{
    const guint8 *p = elf->data + elf->phoff + (guint64)i * elf->phentsize;

    memset(r, 0, sizeof(*r));
    if (elf->elfClass == ELFCLASS64) {
        r->type = rd32(p + offsetof(Elf64_Phdr, p_type));
        r->offset = rd64(p + offsetof(Elf64_Phdr, p_offset));
        r->size = rd64(p + offsetof(Elf64_Phdr, p_filesz));
        r->memsz = rd64(p + offsetof(Elf64_Phdr, p_memsz));
        r->paddr = rd64(p + offsetof(Elf64_Phdr, p_paddr));
    } else {
        r->type = rd32(p + offsetof(Elf32_Phdr, p_type));
        r->offset = rd32(p + offsetof(Elf32_Phdr, p_offset));
        r->size = rd32(p + offsetof(Elf32_Phdr, p_filesz));
        r->memsz = rd32(p + offsetof(Elf32_Phdr, p_memsz));
        r->paddr = rd32(p + offsetof(Elf32_Phdr, p_paddr));
    }
}


static void
readShdr(const xenpvElf *elf, unsigned int i, xenpvElfRange *r)
{
    const guint8 *p = elf->data + elf->shoff + (guint64)i * elf->shentsize;

    memset(r, 0, sizeof(*r));
    if (elf->elfClass == ELFCLASS64) {
        r->nameOff = rd32(p + offsetof(Elf64_Shdr, sh_name));
        r->type = rd32(p + offsetof(Elf64_Shdr, sh_type));
        r->offset = rd64(p + offsetof(Elf64_Shdr, sh_offset));
        r->size = rd64(p + offsetof(Elf64_Shdr, sh_size));
    } else {
        r->nameOff = rd32(p + offsetof(Elf32_Shdr, sh_name));
        r->type = rd32(p + offsetof(Elf32_Shdr, sh_type));
        r->offset = rd32(p + offsetof(Elf32_Shdr, sh_offset));
        r->size = rd32(p + offsetof(Elf32_Shdr, sh_size));
    }
    r->memsz = r->size;
}


/* A note's string, cut at its first NUL, with anything but printable ASCII
 * replaced so that it can be shown and logged safely. */
static char *
noteString(const guint8 *desc, gsize len)
{
    gsize n = 0;
    char *s;
    gsize i;

    while (n < len && n < NOTE_STRING_MAX && desc[n] != '\0')
        n++;
    s = g_strndup((const char *)desc, n);
    for (i = 0; i < n; i++) {
        if (!g_ascii_isprint(s[i]))
            s[i] = '?';
    }
    return s;
}


static void
replaceString(char **field, char *value)
{
    g_free(*field);
    *field = value;
}


static gboolean
noteNumber(const xenpvElf *elf, guint32 type, const guint8 *desc, guint32 len,
           guint64 *value, GError **error)
{
    switch (len) {
    case 1:
        *value = desc[0];
        return TRUE;
    case 2:
        *value = rd16(desc);
        return TRUE;
    case 4:
        *value = rd32(desc);
        return TRUE;
    case 8:
        *value = rd64(desc);
        return TRUE;
    }
    setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
             "Xen note %u holds a %u-byte number (1, 2, 4 or 8 expected)", type, len);
    return FALSE;
}


static gboolean
takeXenNote(const xenpvElf *elf, guint32 type, const guint8 *desc, guint32 len,
            xenpvKernelInfo *info, GError **error)
{
    guint64 num = 0;

    switch (type) {
    case XEN_ELFNOTE_GUEST_OS:
        replaceString(&info->guestOs, noteString(desc, len));
        break;
    case XEN_ELFNOTE_GUEST_VERSION:
        replaceString(&info->guestVersion, noteString(desc, len));
        break;
    case XEN_ELFNOTE_XEN_VERSION:
        replaceString(&info->xenVersion, noteString(desc, len));
        break;
    case XEN_ELFNOTE_LOADER:
        replaceString(&info->loader, noteString(desc, len));
        break;
    case XEN_ELFNOTE_PAE_MODE:
        replaceString(&info->paeMode, noteString(desc, len));
        break;
    case XEN_ELFNOTE_FEATURES:
        replaceString(&info->features, noteString(desc, len));
        break;
    case XEN_ELFNOTE_BSD_SYMTAB:
        replaceString(&info->bsdSymtab, noteString(desc, len));
        break;

#define NUMERIC_NOTE(note, field, have) \
    case note: \
        if (!noteNumber(elf, type, desc, len, &num, error)) \
            return FALSE; \
        info->field = num; \
        info->have = TRUE; \
        break

    NUMERIC_NOTE(XEN_ELFNOTE_ENTRY, entry, haveEntry);
    NUMERIC_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, hypercallPage, haveHypercallPage);
    NUMERIC_NOTE(XEN_ELFNOTE_VIRT_BASE, virtBase, haveVirtBase);
    NUMERIC_NOTE(XEN_ELFNOTE_PADDR_OFFSET, paddrOffset, havePaddrOffset);
    NUMERIC_NOTE(XEN_ELFNOTE_HV_START_LOW, hvStartLow, haveHvStartLow);
    NUMERIC_NOTE(XEN_ELFNOTE_SUSPEND_CANCEL, suspendCancel, haveSuspendCancel);
    NUMERIC_NOTE(XEN_ELFNOTE_INIT_P2M, initP2m, haveInitP2m);
    NUMERIC_NOTE(XEN_ELFNOTE_MOD_START_PFN, modStartPfn, haveModStartPfn);
    NUMERIC_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, phys32Entry, havePhys32Entry);
#undef NUMERIC_NOTE

    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        if (!noteNumber(elf, type, desc, len, &num, error))
            return FALSE;
        info->supportedFeatures = num;
        info->haveSupportedFeatures = TRUE;
        break;

    default:
        /* INFO, L1_MFN_VALID and notes newer than this reader: nothing
         * the driver decides on. */
        break;
    }
    return TRUE;
}


/* Walk the notes in [off, off + size), which the caller has checked lies in
 * the image, and take those named "Xen".  Entries are 4-byte aligned in
 * both classes, as Xen's loader reads them. */
static gboolean
readNotes(const xenpvElf *elf, guint64 off, guint64 size,
          xenpvKernelInfo *info, gboolean *found, GError **error)
{
    const guint8 *p = elf->data + off;
    guint64 left = size;

    while (left >= 12) {
        guint32 namesz = rd32(p);
        guint32 descsz = rd32(p + 4);
        guint32 type = rd32(p + 8);
        guint64 nameSpan = ((guint64)namesz + 3) & ~(guint64)3;
        guint64 descSpan = ((guint64)descsz + 3) & ~(guint64)3;
        const guint8 *name = p + 12;
        const guint8 *desc = name + nameSpan;

        gboolean clipped = FALSE;

        if (nameSpan > left - 12) {
            setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                     "ELF note at offset %" G_GUINT64_FORMAT
                     " runs past the end of its note area",
                     (guint64)(p - elf->data));
            return FALSE;
        }
        /* GRUB for Xen ships a last note whose size overstates what its
         * segment holds, and Xen loads it: read what is there. */
        if (descsz > left - 12 - nameSpan) {
            descsz = left - 12 - nameSpan;
            clipped = TRUE;
        }
        if (namesz == 4 && memcmp(name, "Xen", 4) == 0) {
            *found = TRUE;
            if (!takeXenNote(elf, type, desc, descsz, info, error))
                return FALSE;
        }
        if (clipped)
            break;
        /* The last note's padding may be left out. */
        if (descSpan >= left - 12 - nameSpan)
            break;
        p = desc + descSpan;
        left -= 12 + nameSpan + descSpan;
    }
    return TRUE;
}


/* The old string form: "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,...". */
static gboolean
readLegacySection(const xenpvElf *elf, const guint8 *data, gsize len,
                  xenpvKernelInfo *info, GError **error)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) items = NULL;
    guint64 hypercallPfn = 0;
    gboolean haveHypercallPfn = FALSE;
    gsize i;

    /* Not cut at NOTE_STRING_MAX: this holds every setting at once. */
    for (i = 0; i < len && data[i] != '\0'; i++)
        ;
    text = g_strndup((const char *)data, i);
    for (i = 0; text[i]; i++) {
        if (!g_ascii_isprint(text[i]))
            text[i] = '?';
    }

    items = g_strsplit(text, ",", -1);
    for (i = 0; items[i]; i++) {
        char *eq = strchr(items[i], '=');
        const char *key = items[i];
        const char *value = eq ? eq + 1 : "";
        guint64 *numField = NULL;
        gboolean *haveField = NULL;

        if (eq)
            *eq = '\0';

        if (g_str_equal(key, "GUEST_OS")) {
            replaceString(&info->guestOs, g_strndup(value, NOTE_STRING_MAX));
        } else if (g_str_equal(key, "GUEST_VER")) {
            replaceString(&info->guestVersion, g_strndup(value, NOTE_STRING_MAX));
        } else if (g_str_equal(key, "XEN_VER")) {
            replaceString(&info->xenVersion, g_strndup(value, NOTE_STRING_MAX));
        } else if (g_str_equal(key, "LOADER")) {
            replaceString(&info->loader, g_strndup(value, NOTE_STRING_MAX));
        } else if (g_str_equal(key, "PAE")) {
            replaceString(&info->paeMode, g_strndup(value, NOTE_STRING_MAX));
        } else if (g_str_equal(key, "FEATURES")) {
            replaceString(&info->features, g_strndup(value, NOTE_STRING_MAX));
        } else if (g_str_equal(key, "BSD_SYMTAB")) {
            /* A flag by its presence alone in this form. */
            replaceString(&info->bsdSymtab, g_strdup("yes"));
        } else if (g_str_equal(key, "VIRT_BASE")) {
            numField = &info->virtBase;
            haveField = &info->haveVirtBase;
        } else if (g_str_equal(key, "VIRT_ENTRY")) {
            numField = &info->entry;
            haveField = &info->haveEntry;
        } else if (g_str_equal(key, "ELF_PADDR_OFFSET")) {
            numField = &info->paddrOffset;
            haveField = &info->havePaddrOffset;
        } else if (g_str_equal(key, "HYPERCALL_PAGE")) {
            numField = &hypercallPfn;
            haveField = &haveHypercallPfn;
        }

        if (numField) {
            guint64 num;
            const char *digits = value;
            guint base = 10;

            if (g_str_has_prefix(value, "0x") || g_str_has_prefix(value, "0X")) {
                digits = value + 2;
                base = 16;
            }
            if (!g_ascii_string_to_unsigned(digits, base, 0, G_MAXUINT64, &num, NULL)) {
                setError(error, XENPV_KERNEL_ERROR_CORRUPT, elf->name,
                         "__xen_guest setting %s has no valid number: '%s'", key, value);
                return FALSE;
            }
            *numField = num;
            *haveField = TRUE;
        }
    }

    /* The old form gives a page frame number relative to VIRT_BASE. */
    if (haveHypercallPfn) {
        info->hypercallPage = info->virtBase + (hypercallPfn << 12);
        info->haveHypercallPage = TRUE;
    }
    info->legacyGuestSection = TRUE;
    return TRUE;
}


/* The name of section @r from the section name table, or NULL. */
static const char *
sectionName(const xenpvElf *elf, const xenpvElfRange *strtab, const xenpvElfRange *r,
            gsize *maxLen)
{
    if (!strtab || r->nameOff >= strtab->size)
        return NULL;
    *maxLen = strtab->size - r->nameOff;
    return (const char *)elf->data + strtab->offset + r->nameOff;
}


gboolean
xenpvKernelReadElf(const char *name,
                   const guint8 *data, gsize len,
                   xenpvKernelInfo *info,
                   xenpvElfLayout *layout,
                   GError **error)
{
    xenpvElf elf = { .name = name, .data = data, .len = len };
    xenpvElfRange strtabRange;
    xenpvElfRange *strtab = NULL;
    xenpvElfRange r;
    gboolean found = FALSE;
    unsigned int i;

    memset(layout, 0, sizeof(*layout));
    if (!readHeader(&elf, error))
        return FALSE;
    info->elfClass = elf.elfClass == ELFCLASS64 ? 64 : 32;
    info->elfMachine = elf.machine;
    info->elfEntry = elf.entry;

    for (i = 0; i < elf.phnum; i++) {
        readPhdr(&elf, i, &r);
        if (r.type != PT_LOAD && r.type != PT_NOTE)
            continue;
        if (r.type == PT_LOAD &&
            (r.size > r.memsz || r.memsz > G_MAXUINT64 - r.paddr)) {
            setError(error, XENPV_KERNEL_ERROR_CORRUPT, name,
                     "segment %u has more bytes in the file (%" G_GUINT64_FORMAT
                     ") than in memory (%" G_GUINT64_FORMAT ") or wraps around",
                     i, r.size, r.memsz);
            return FALSE;
        }
        /* A loadable segment cut short means a truncated image. */
        if (!inImage(&elf, r.offset, r.size)) {
            setError(error, XENPV_KERNEL_ERROR_CORRUPT, name,
                     "truncated: segment %u (%" G_GUINT64_FORMAT " bytes at offset %"
                     G_GUINT64_FORMAT ") runs past the end of the %zu-byte image",
                     i, r.size, r.offset, len);
            return FALSE;
        }
        if (r.type == PT_LOAD) {
            if (!layout->haveLoad || r.paddr < layout->pstart)
                layout->pstart = r.paddr;
            if (!layout->haveLoad || r.paddr + r.memsz > layout->pend)
                layout->pend = r.paddr + r.memsz;
            layout->haveLoad = TRUE;
        }
        /* Xen skips note segments at offset 0, which some binutils wrote. */
        if (r.type == PT_NOTE && r.offset != 0 &&
            !readNotes(&elf, r.offset, r.size, info, &found, error))
            return FALSE;
    }

    if (elf.shnum > 0 && elf.shstrndx < elf.shnum) {
        readShdr(&elf, elf.shstrndx, &strtabRange);
        if (strtabRange.type == SHT_STRTAB && inImage(&elf, strtabRange.offset, strtabRange.size))
            strtab = &strtabRange;
    }

    for (i = 1; !found && i < elf.shnum; i++) {
        readShdr(&elf, i, &r);
        if (r.type != SHT_NOTE)
            continue;
        if (!inImage(&elf, r.offset, r.size)) {
            setError(error, XENPV_KERNEL_ERROR_CORRUPT, name,
                     "truncated: note section %u runs past the end of the %zu-byte image",
                     i, len);
            return FALSE;
        }
        if (!readNotes(&elf, r.offset, r.size, info, &found, error))
            return FALSE;
    }

    for (i = 1; !found && i < elf.shnum; i++) {
        const char *secName;
        gsize maxLen = 0;

        readShdr(&elf, i, &r);
        secName = sectionName(&elf, strtab, &r, &maxLen);
        /* Compared with its terminating NUL, which must lie in the table. */
        if (!secName || r.type == SHT_NOBITS ||
            maxLen < sizeof("__xen_guest") ||
            memcmp(secName, "__xen_guest", sizeof("__xen_guest")) != 0)
            continue;
        if (!inImage(&elf, r.offset, r.size)) {
            setError(error, XENPV_KERNEL_ERROR_CORRUPT, name,
                     "truncated: section __xen_guest runs past the end of the %zu-byte image",
                     len);
            return FALSE;
        }
        if (!readLegacySection(&elf, data + r.offset, r.size, info, error))
            return FALSE;
        found = TRUE;
    }

    layout->foundNotes = found;
    return TRUE;
}
