#!/usr/bin/env bash
# Run a command inside a private lab: its own PID, mount, UTS and network
# namespaces (loopback only, no route out), with empty tmpfs over every
# directory libvirt and xenpv keep state in.  Inside, a stock libvirtd reads
# the usual system paths, so clients use plain xen:///system.  When the
# command ends, the PID namespace ends with it, and with it every process the
# test started, whatever way the test failed.
#
# Usage: tests/lab/enter.sh COMMAND [ARGS...]
set -euo pipefail

if [ "${XENPV_IN_LAB:-}" != 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "enter.sh: the lab needs root (namespaces, mounts)" >&2; exit 1; }
    exec env XENPV_IN_LAB=1 unshare --pid --fork --kill-child --mount --uts --net \
        --propagation private --mount-proc -- "$0" "$@"
fi

ip link set lo up 2>/dev/null || true
hostname xenpv-lab
for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt \
         /var/log/libvirt /run/xenpv /var/lib/xenpv /var/log/xenpv /boot; do
    mkdir -p "$d"
    mount -t tmpfs -o mode=0755 tmpfs "$d"
done
exec "$@"
