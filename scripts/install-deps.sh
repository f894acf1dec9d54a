#!/usr/bin/env bash
# Install what xenpv needs on Debian 12 from Debian's archive: the packages
# listed in scripts/deps/*.txt, and a deb-src entry so that the build can fetch
# libvirt's internal headers for the installed version.
#
#   scripts/install-deps.sh [--with NAME]...
#
# --with NAME adds scripts/deps/optional/NAME.txt (e.g. xen-tier: QEMU and what
# the real-Xen test tier builds its images with).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lists=("$here"/deps/*.txt)
while [ $# -gt 0 ]; do
    case $1 in
        --with)
            [ -f "$here/deps/optional/$2.txt" ] ||
                { echo "install-deps: no package list scripts/deps/optional/$2.txt" >&2; exit 2; }
            lists+=("$here/deps/optional/$2.txt"); shift 2 ;;
        *) echo "usage: install-deps.sh [--with NAME]..." >&2; exit 2 ;;
    esac
done
# As root, directly; as another user, through sudo when there is one.
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null ||
        { echo "install-deps: run me as root (there is no sudo here)" >&2; exit 1; }
    sudo="sudo"
fi

status=0
bash "$here/add-deb-src.sh" || status=$?
case $status in
    0) need_update=1 ;;
    10) ;;
    *) echo "install-deps: could not add Debian's source package entries" >&2; exit 1 ;;
esac

mapfile -t pkgs < <(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
    $sudo apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
