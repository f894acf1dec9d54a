/*
 * xenpv_native_cmdline.h: the kernel command line of xm's configuration
 * keys.  xm never had a "cmdline" key: it built the command line from
 * "root", "extra" and the NFS-root keys (ip, netmask, gateway, hostname,
 * interface, dhcp, nfs_server, nfs_root).  libvirt keeps one <cmdline>, so
 * these keys are folded into it the way xm did, and split out again when a
 * command line is exactly what those keys would have produced.
 */
#pragma once

#include <glib.h>

/* The NFS server xm put into ip= when no nfs_server was given. */
#define XENPV_NATIVE_DUMMY_NFS_SERVER "127.0.255.255"

typedef struct _xenpvNativeBoot xenpvNativeBoot;
struct _xenpvNativeBoot {
    char *root;
    char *extra;
    char *ip;
    char *netmask;
    char *gateway;
    char *hostname;
    char *interface;    /* NULL: eth0 */
    char *dhcp;         /* NULL: off */
    char *nfsServer;
    char *nfsRoot;
};

void xenpvNativeBootClear(xenpvNativeBoot *boot);

/* The command line xm's create would have passed to the kernel:
 *   ip=IP:NFS_SERVER:GATEWAY:NETMASK:HOSTNAME:INTERFACE:DHCP root=ROOT
 *   nfsroot=NFS_SERVER:NFS_ROOT EXTRA
 * each part only when its keys are set.  *cmdline is NULL when empty.
 * Keys that xm would have ignored (netmask without ip or dhcp, ...) or
 * refused (nfs_root without nfs_server) are errors naming the key.
 * Returns 0 or -1 with an error reported. */
int xenpvNativeBootCompose(const xenpvNativeBoot *boot, char **cmdline);

/* Split @cmdline back into those keys when composing them gives back
 * exactly @cmdline; otherwise everything goes into boot->extra. */
void xenpvNativeBootDecompose(const char *cmdline, xenpvNativeBoot *boot);
