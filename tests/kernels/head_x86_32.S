/*
 * head_x86_32.S: entry of the 32-bit PAE test PV kernel, its hypercall
 * page and its event callbacks.
 *
 * Xen starts a 32-bit PV kernel at ENTRY in ring 1 with esi holding the
 * virtual address of start_info and esp a boot stack; event upcalls are
 * masked.
 */
        .section .text.head, "ax"
        .code32
        .globl _start
_start:
        lea     boot_stack_top, %esp
        push    %esi
        call    kernel_main
1:      hlt                     /* not reached; would fault, and Xen crash the domain */
        jmp     1b

/*
 * Xen fills this page with one 32-byte stub per hypercall.  It follows
 * the entry code at VIRT_BASE + 0x1000 (the legacy __xen_guest sample
 * names it by that page number).
 */
        .balign 4096
        .globl hypercall_page
hypercall_page:
        .skip   4096

        .text
/*
 * Event upcall, delivered on the kernel stack as { eip, cs, eflags } with
 * events masked.  The main loop looks at the rings itself, so this only
 * returns to where the kernel was, events staying masked; a ring-1 to
 * ring-1 iret needs no help from Xen.
 */
        .globl event_callback
event_callback:
        iret

/* Xen could not restore our segment state: nothing sensible is left. */
        .globl failsafe_callback
failsafe_callback:
        and     $~15, %esp
        call    kernel_failsafe
2:      hlt                     /* as above */
        jmp     2b

        .bss
        .balign 16
boot_stack:
        .skip   16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
