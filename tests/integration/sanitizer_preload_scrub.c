/*
 * sanitizer_preload_scrub.c: in a sanitizer build, preloaded after the ASan
 * runtime into the programs that load the module (libvirtd; virsh and
 * python on xen:///embed).  It takes LD_PRELOAD out of their environment as
 * they start, so that what they run in turn (dnsmasq, iptables, pygrub)
 * starts without the runtime: none of those is ours to check, and some hang
 * with it preloaded (glibc's locale lock, taken in textdomain(), never comes
 * free).
 */
#include <stdlib.h>

__attribute__((constructor)) static void
xenpvScrubPreload(void)
{
    unsetenv("LD_PRELOAD");
}
