/*
 * xenpv_native_devices.h: the device strings of xm/xl configurations (one
 * entry of "disk", "vif" or "vfb") to and from libvirt device definitions.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"
#include "xenpv_native.h"

/* "phy:/dev/vg/x,xvda,w", "tap:aio:/img,sda1,r", "file:/img,hda1,w!", and
 * xl's "format=raw, vdev=xvda, access=rw, target=/img".  Errors quote @spec. */
virDomainDiskDef *xenpvNativeParseDisk(virDomainXMLOption *xmlopt,
                                       const char *spec);
char *xenpvNativeFormatDisk(xenpvNativeFormat format,
                            const virDomainDiskDef *disk);

/* "mac=00:16:3e:00:00:11, bridge=xenbr0, script=vif-bridge, ip=..., vifname=..." */
virDomainNetDef *xenpvNativeParseVif(virDomainXMLOption *xmlopt,
                                     const char *spec);
char *xenpvNativeFormatVif(xenpvNativeFormat format,
                           const virDomainNetDef *net);

/* "type=vnc, vnclisten=..., vncdisplay=N, vncunused=1, vncpasswd=..., keymap=..."
 * or "type=sdl, display=:0, xauthority=...".  The top-level vnc/sdl keys use
 * the same names, so they are parsed by joining them into such a string. */
virDomainGraphicsDef *xenpvNativeParseVfb(virDomainXMLOption *xmlopt,
                                          const char *spec);
char *xenpvNativeFormatVfb(xenpvNativeFormat format,
                           const virDomainGraphicsDef *gfx);
