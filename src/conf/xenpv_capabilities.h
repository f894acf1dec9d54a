/*
 * xenpv_capabilities.h: host and domain capabilities of a Xen PV host.
 *
 * Derived only from what the hypervisor reports (xenpvHostInfo), so the
 * same code serves the simulated host and a real dom0, and the unit tests
 * can feed it any host they like.
 */
#pragma once

#include "internal.h"
#include "capabilities.h"
#include "domain_capabilities.h"
#include "xenpv_hypervisor.h"

#define XENPV_MACHINE_NAME "xenpv"
/* Xen's limit for a PV guest's vCPUs (the shared-info vcpu_info array is
 * 32 entries; Linux guests place the rest themselves, up to this). */
#define XENPV_MAX_VCPUS 512

/* Host capabilities: the host from @host, and guests of os type "xen":
 * x86_64 always, i686 (with the "pae" feature) only when the hypervisor
 * runs 32-bit PAE PV guests (xen-3.0-x86_32p in xen_caps). */
virCaps *xenpvCapabilitiesNew(const xenpvHostInfo *host);

/* The host's NUMA cells and their CPUs from @topo (what freecell --all and
 * placement tools read); replaces any topology @caps had.  Returns 0. */
int xenpvCapabilitiesSetTopology(virCaps *caps, const xenpvHostTopology *topo);

/* Can @host run a PV guest of @arch?  Returns 0, or -1 with
 * VIR_ERR_CONFIG_UNSUPPORTED naming what is missing. */
int xenpvCapabilitiesCheckArch(const xenpvHostInfo *host, virArch arch);

/* Can a guest defined for @arch (VIR_ARCH_NONE: left to the kernel) run
 * the PV ABI @abi of its kernel on @host?  @kernel says where the ABI came
 * from, for the message ("kernel '/boot/vmlinuz'").  Refuses, with
 * VIR_ERR_CONFIG_UNSUPPORTED naming both sides: a non-PAE 32-bit kernel; an
 * arch the kernel does not have; a 32-bit kernel on a host without 32-bit
 * PV (naming the likely causes).  Returns 0 or -1. */
int xenpvCapabilitiesCheckGuestAbi(const xenpvHostInfo *host,
                                   virArch arch,
                                   xenpvGuestAbi abi,
                                   const char *kernel);

/* Domain capabilities for the triple, each NULL meaning the default
 * (virttype "xen", arch x86_64, machine "xenpv").  No emulator exists for PV
 * guests, so @emulatorbin must be NULL.  Returns NULL with an error on a
 * combination the host cannot run. */
virDomainCaps *xenpvDomainCapsNew(const xenpvHostInfo *host,
                                  const char *emulatorbin,
                                  const char *arch,
                                  const char *machine,
                                  const char *virttype);
