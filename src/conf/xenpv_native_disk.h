/*
 * xenpv_native_disk.h: one "disk" entry of an xm or xl configuration to and
 * from a libvirt disk definition, as libvirt's own Xen driver maps it.
 *
 * xen-xm reads xm's "[DRIVER:[SUBTYPE:]]SOURCE,VDEV[:disk],MODE"; the
 * driver prefix is the disk's <driver name> (no prefix: phy).  xen-xl reads
 * the grammar of xl-disk-configuration(5): positional
 * TARGET,FORMAT,VDEV,ACCESS, key=value parameters and flags, "target=" last,
 * and the deprecated prefixes; the back end comes from backendtype= alone
 * (none or qdisk: <driver name='qemu'>, tap: 'tap', phy: 'phy').  An xm
 * file may also hold entries in xl's syntax (four positional fields or
 * key=value): they are read with xl's grammar.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"
#include "xenpv_native.h"

/* Errors quote @spec and name the part that cannot be mapped. */
virDomainDiskDef *xenpvNativeParseDisk(virDomainXMLOption *xmlopt,
                                       xenpvNativeFormat format,
                                       const char *spec);

/* xm: "phy:/dev/vg/x,xvda,w", "tap:qcow2:/img,xvdb,r"; xl:
 * "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/img". */
char *xenpvNativeFormatDisk(xenpvNativeFormat format,
                            const virDomainDiskDef *disk);
