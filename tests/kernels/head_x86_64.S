/*
 * head_x86_64.S: entry of the 64-bit test PV kernel, its hypercall page
 * and its event callbacks.
 *
 * Xen starts a 64-bit PV kernel at ENTRY in ring 3 with rsi holding the
 * virtual address of start_info and rsp a boot stack; event upcalls are
 * masked.
 */
        .section .text.head, "ax"
        .code64
        .globl _start
_start:
        lea     boot_stack_top(%rip), %rsp
        mov     %rsi, %rdi
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
 * Event upcall.  Xen delivers it on the kernel stack, with events masked,
 * as { rcx, r11, rip, cs, rflags, rsp, ss }: the main loop looks at the
 * rings itself, so this only returns to where the kernel was (just after
 * SCHEDOP_block), events staying masked.  Xen cleared the selectors' RPL
 * bits; a return to the kernel's own ring 3 needs them set again.
 */
        .globl event_callback
event_callback:
        pop     %rcx
        pop     %r11
        orb     $3, 8(%rsp)
        orb     $3, 32(%rsp)
        iretq

/* Xen could not restore our segment state: nothing sensible is left. */
        .globl failsafe_callback
failsafe_callback:
        and     $~15, %rsp
        call    kernel_failsafe
2:      hlt                     /* as above */
        jmp     2b

        .bss
        .balign 16
boot_stack:
        .skip   16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
