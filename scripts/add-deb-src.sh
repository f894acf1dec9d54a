#!/usr/bin/env bash
# Add deb-src entries for Debian 12's archive, unless some are configured:
# building xenpv fetches libvirt's internal headers from libvirt's source
# package (scripts/fetch-libvirt-headers.sh, debian/rules).  Exits 0 when
# it added them (run apt-get update then), 10 when there were some already.
set -euo pipefail

src_list=/etc/apt/sources.list.d/xenpv-debian-src.sources
if grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    exit 10
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "add-deb-src: adding Debian source package entries ($src_list)"
$sudo tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
