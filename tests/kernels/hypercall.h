/*
 * hypercall.h: calling Xen from the test PV kernels, through the
 * hypercall page Xen fills in (XEN_ELFNOTE_HYPERCALL_PAGE): each
 * hypercall's stub is 32 bytes at hypercall_page + 32 * number.
 *
 * 64-bit PV passes arguments in rdi, rsi, rdx, r10, r8; 32-bit PV in ebx,
 * ecx, edx, esi, edi; the result comes back in rax/eax.  Xen may change
 * the argument registers, so every one is an in/out operand.
 */
#pragma once

#include <stdint.h>

extern char hypercall_page[4096];

#if defined(__x86_64__)

static inline long
hypercall4(unsigned int nr, unsigned long a1, unsigned long a2,
           unsigned long a3, unsigned long a4)
{
    register unsigned long r1 asm("rdi") = a1;
    register unsigned long r2 asm("rsi") = a2;
    register unsigned long r3 asm("rdx") = a3;
    register unsigned long r4 asm("r10") = a4;
    long ret;

    asm volatile("call *%[stub]"
                 : "=a" (ret), "+r" (r1), "+r" (r2), "+r" (r3), "+r" (r4)
                 : [stub] "r" (hypercall_page + nr * 32)
                 : "memory", "rcx", "r8", "r9", "r11");
    return ret;
}

#elif defined(__i386__)

static inline long
hypercall4(unsigned int nr, unsigned long a1, unsigned long a2,
           unsigned long a3, unsigned long a4)
{
    register unsigned long r1 asm("ebx") = a1;
    register unsigned long r2 asm("ecx") = a2;
    register unsigned long r3 asm("edx") = a3;
    register unsigned long r4 asm("esi") = a4;
    long ret;

    /* The stub address goes through eax, which the stub overwrites with
     * the hypercall number anyway. */
    asm volatile("call *%%eax"
                 : "=a" (ret), "+r" (r1), "+r" (r2), "+r" (r3), "+r" (r4)
                 : "a" (hypercall_page + nr * 32)
                 : "memory", "edi");
    return ret;
}

#else
# error "the test kernels are x86 PV kernels"
#endif

#define hypercall1(nr, a1) hypercall4(nr, (unsigned long)(a1), 0, 0, 0)
#define hypercall2(nr, a1, a2) \
    hypercall4(nr, (unsigned long)(a1), (unsigned long)(a2), 0, 0)
#define hypercall3(nr, a1, a2, a3) \
    hypercall4(nr, (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3), 0)
