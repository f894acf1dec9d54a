#!/usr/bin/env bash
# Fetch Debian's stock 64-bit kernel image (a bzImage whose payload is a
# compressed ELF with Xen notes) into a cache outside the checkout, so the
# kernel tests can compare our reading of a real distribution kernel with
# Xen's readnotes.  Prints the path of the extracted vmlinuz on stdout.
#
# Usage: fetch-debian-kernel.sh [CACHE_DIR]
# Environment: XENPV_KERNEL_CACHE overrides the cache directory,
#              XENPV_KERNEL_PACKAGE the package (default linux-image-cloud-amd64).
set -euo pipefail

cache=${1:-${XENPV_KERNEL_CACHE:-/var/cache/xenpv/kernels}}
meta=${XENPV_KERNEL_PACKAGE:-linux-image-cloud-amd64}

# A previously extracted image is reused: the test must not need the archive
# every time.
existing=$(ls -1 "$cache"/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$existing" ]; then
    echo "$existing"
    exit 0
fi

mkdir -p "$cache"
# The meta package only depends on the versioned image package.
pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
if [ -z "$pkg" ]; then
    echo "fetch-debian-kernel: cannot resolve $meta (run apt-get update?)" >&2
    exit 1
fi
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # apt downloads as user _apt
(cd "$tmp" && apt-get download -q "$pkg" >&2)
deb=$(ls -1 "$tmp"/*.deb | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
mkdir -p "$cache/boot"
img=$(ls -1 "$tmp"/boot/vmlinuz-* | head -n 1)
mv "$img" "$cache/boot/"
echo "$cache/boot/$(basename "$img")"
