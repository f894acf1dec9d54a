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
#include "xenpv_pvshim.h"

#define XENPV_MACHINE_NAME "xenpv"
/* Xen's limit for a PV guest's vCPUs (the shared-info vcpu_info array is
 * 32 entries; Linux guests place the rest themselves, up to this). */
#define XENPV_MAX_VCPUS 512

/* Host capabilities: the host from @host, and guests of os type "xen":
 * x86_64 always, i686 (with the "pae" feature) when the hypervisor runs
 * 32-bit PAE PV guests (xen-3.0-x86_32p in xen_caps) or @shim runs them
 * (@shim may be NULL: no shim).  A guest arch the shim runs by the host's
 * setting names the shim image as its <loader>, Xen's "firmware-like"
 * kernel of the PVH container. */
virCaps *xenpvCapabilitiesNew(const xenpvHostInfo *host, const xenpvPvshimHost *shim);

/* The host's NUMA cells and their CPUs from @topo (what freecell --all and
 * placement tools read); replaces any topology @caps had.  Returns 0. */
int xenpvCapabilitiesSetTopology(virCaps *caps, const xenpvHostTopology *topo);

/* Can @host run a PV guest of @arch, natively or in @shim (NULL: no shim)
 * unless @domainMode or the host's setting says never?  Returns 0, or -1
 * with VIR_ERR_CONFIG_UNSUPPORTED naming what is missing and the remedies. */
int xenpvCapabilitiesCheckArch(const xenpvHostInfo *host,
                               const xenpvPvshimHost *shim,
                               xenpvPvshimMode domainMode,
                               virArch arch);

/* Can a guest defined for @arch (VIR_ARCH_NONE: left to the kernel) run
 * the PV ABI @abi of its kernel on @host, and in what?  @kernel says where
 * the ABI came from, for the message ("kernel '/boot/vmlinuz'").  Refuses,
 * with VIR_ERR_CONFIG_UNSUPPORTED naming both sides: a non-PAE 32-bit
 * kernel; an arch the kernel does not have; a guest the host can run
 * neither natively nor in @shim (NULL: no shim) with @domainMode, naming
 * every remedy (xenpvPvshimChoose).  Returns 0, with *@container (may be
 * NULL) set, or -1. */
int xenpvCapabilitiesCheckGuestAbi(const xenpvHostInfo *host,
                                   const xenpvPvshimHost *shim,
                                   xenpvPvshimMode domainMode,
                                   virArch arch,
                                   xenpvGuestAbi abi,
                                   const char *kernel,
                                   xenpvContainer *container);

/* Can the guest a save stream holds run here: a guest of @abi, defined for
 * @arch (VIR_ARCH_NONE: left to its kernel), saved from a @container?  A
 * stream restores into the container it was saved from: a PV domain needs
 * a hypervisor with its ABI, a PV-shim guest one with PVH containers.
 * Returns 0, or -1 with VIR_ERR_CONFIG_UNSUPPORTED naming the cause. */
int xenpvCapabilitiesCheckRestore(const xenpvHostInfo *host,
                                  virArch arch,
                                  xenpvGuestAbi abi,
                                  xenpvContainer container,
                                  const char *what);

/* "a 32-bit PAE PV kernel", for messages. */
const char *xenpvGuestAbiDescription(xenpvGuestAbi abi);

/* Domain capabilities for the triple, each NULL meaning the default
 * (virttype "xen", arch x86_64, machine "xenpv").  No emulator exists for PV
 * guests, so @emulatorbin must be NULL.  Returns NULL with an error on a
 * combination the host cannot run. */
virDomainCaps *xenpvDomainCapsNew(const xenpvHostInfo *host,
                                  const xenpvPvshimHost *shim,
                                  const char *emulatorbin,
                                  const char *arch,
                                  const char *machine,
                                  const char *virttype);
