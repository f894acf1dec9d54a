/*
 * notes.S: what tells Xen how to load a test kernel, in one of four
 * forms chosen at build time:
 *   XEN_NOTES_ELF     Xen ELF notes (the modern form), in a PT_NOTE segment;
 *   XEN_NOTES_LEGACY  only the old "__xen_guest" section string;
 *   XEN_NOTES_PVH     only a PVH entry point, as Xen's PV-shim has: an
 *                     image Xen boots in a PVH container, no PV kernel;
 *   XEN_NOTES_NONE    nothing: an ELF image that is no PV kernel.
 * PAE_MODE, when defined, is the PAE_MODE note's string (32-bit only).
 */
#include <xen/elfnote.h>

#ifdef __x86_64__
# define NOTE_WORD .quad
#else
# define NOTE_WORD .long
#endif

/* One note: namesz, descsz, type, "Xen" padded to 4, then the value. */
#define XEN_NOTE(type, value)                   \
        .pushsection .note.Xen, "a", @note;     \
        .balign 4;                              \
        .long 2f - 1f;                          \
        .long 4f - 3f;                          \
        .long type;                             \
1:      .asciz "Xen";                           \
2:      .balign 4;                              \
3:      value;                                  \
4:      .balign 4;                              \
        .popsection

#define STR(s) #s
#define XSTR(s) STR(s)

#if defined(XEN_NOTES_ELF)

XEN_NOTE(XEN_ELFNOTE_GUEST_OS, .asciz "xenpv-test")
XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "1")
XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
XEN_NOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, NOTE_WORD XEN_VIRT_BASE)
XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, NOTE_WORD 0)
XEN_NOTE(XEN_ELFNOTE_ENTRY, NOTE_WORD _start)
XEN_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, NOTE_WORD hypercall_page)
XEN_NOTE(XEN_ELFNOTE_FEATURES, .asciz "!writable_page_tables|pae_pgdir_above_4gb")
/* The kernel copes with SCHEDOP_shutdown(suspend) returning 1 (cancelled). */
XEN_NOTE(XEN_ELFNOTE_SUSPEND_CANCEL, .long 1)
# ifdef PAE_MODE
XEN_NOTE(XEN_ELFNOTE_PAE_MODE, .asciz XSTR(PAE_MODE))
# endif

#elif defined(XEN_NOTES_LEGACY)

/* HYPERCALL_PAGE is a page number counted from VIRT_BASE. */
        .section __xen_guest, ""
        .ascii "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,"
        .ascii "VIRT_BASE=", XSTR(XEN_VIRT_BASE), ",ELF_PADDR_OFFSET=0x0,"
        .ascii "HYPERCALL_PAGE=0x1,LOADER=generic,"
        .asciz "PAE=yes[extended-cr3],FEATURES=writable_page_tables"

#elif defined(XEN_NOTES_PVH)

/* Where a PVH container starts executing, in 32-bit protected mode. */
XEN_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long 0x100000)

#elif !defined(XEN_NOTES_NONE)
# error "define XEN_NOTES_ELF, XEN_NOTES_LEGACY, XEN_NOTES_PVH or XEN_NOTES_NONE"
#endif

        .section .note.GNU-stack, "", @progbits
