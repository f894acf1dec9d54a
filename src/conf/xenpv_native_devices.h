/*
 * xenpv_native_devices.h: the device strings of xm/xl configurations other
 * than disks (one entry of "vif", "vfb", "pci", "usbctrl", "usbdev" or
 * "channel") to and from libvirt device definitions, as libvirt's own Xen
 * driver maps them.  Every option of an entry is mapped or refused by name.
 */
#pragma once

#include "internal.h"
#include "domain_conf.h"
#include "xenpv_native.h"

/* "mac=00:16:3e:00:00:11,bridge=xenbr0,script=vif-bridge,ip=...,
 * vifname=...,model=...,rate=10MB/s,backend=..."; xl's type=vif and xm's
 * type=netfront.  An interface of type 'network' is written with the bridge
 * of its network, looked up through @conn (NULL: refused). */
virDomainNetDef *xenpvNativeParseVif(virDomainXMLOption *xmlopt,
                                     const char *spec);
char *xenpvNativeFormatVif(xenpvNativeFormat format,
                           const virDomainNetDef *net,
                           virConnectPtr conn);

/* xm's "type=vnc,vnclisten=...,vncdisplay=N,vncunused=1,vncpasswd=...,
 * keymap=..." / "type=sdl,display=:0,xauthority=..." and xl's vnc=BOOL,
 * sdl=BOOL, opengl=BOOL, vnclisten=ADDR[:DISPLAY].  The top-level vnc/sdl
 * keys use the same names, so they are parsed by joining them into such a
 * string.  One framebuffer has one protocol. */
virDomainGraphicsDef *xenpvNativeParseVfb(virDomainXMLOption *xmlopt,
                                          const char *spec);
char *xenpvNativeFormatVfb(xenpvNativeFormat format,
                           const virDomainGraphicsDef *gfx);

/* pci: "[DDDD:]BB:DD.F[,permissive=0|1]" */
virDomainHostdevDef *xenpvNativeParsePCI(const char *spec);
/* usbdev (xl): "hostbus=B,hostaddr=A" */
virDomainHostdevDef *xenpvNativeParseUSBDev(const char *spec);
char *xenpvNativeFormatHostdev(const virDomainHostdevDef *hostdev);

/* usbctrl (xl): "type=qusb,version=1|2,ports=N" */
virDomainControllerDef *xenpvNativeParseUSBCtrl(const char *spec);
char *xenpvNativeFormatUSBCtrl(const virDomainControllerDef *ctrl);

/* channel (xl): "connection=pty|socket,path=...,name=..." */
virDomainChrDef *xenpvNativeParseChannel(virDomainXMLOption *xmlopt,
                                         const char *spec);
char *xenpvNativeFormatChannel(const virDomainChrDef *chr);
