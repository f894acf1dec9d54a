#!/usr/bin/env bash
# The fresh-root test's Debian 12 root: `debootstrap --variant=minbase
# bookworm` plus git and ca-certificates (what a person brings to clone the
# project), Debian's archive entries and nothing else from this machine.
# Built once into a cache outside the checkout and rebuilt when stale: when
# the recipe below changed (its hash is in the stamp file) or when the root is
# older than XENPV_FRESH_ROOT_MAX_DAYS days (default 14), so that it stays
# what a fresh install of today's point release looks like.  Runs never write
# into it: they mount an overlay over it (tests/fresh/run.sh).
#
#   tests/fresh/make-root.sh CACHE      prints the root's directory
#
# The caller holds CACHE/.lock.  Environment: XENPV_FRESH_ROOT_MIRROR (default
# http://deb.debian.org, Debian's own).
set -euo pipefail

cache=$1
mirror=${XENPV_FRESH_ROOT_MIRROR:-http://deb.debian.org}
max_days=${XENPV_FRESH_ROOT_MAX_DAYS:-14}
root=$cache/root
stamp=$cache/root.stamp
debs=$cache/debs

die() { echo "make-root: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing: run scripts/install-deps.sh"

# build_root DIR: the recipe.  Its code is part of the stamp: change it and
# the next run rebuilds.
build_root() {
    local dir=$1
    # Its own mount namespace: whatever debootstrap mounts in the target
    # goes away with it, even when it fails half way.
    unshare --mount --propagation private \
        debootstrap --variant=minbase --include=git,ca-certificates \
        --cache-dir="$debs" bookworm "$dir" "$mirror/debian"
    # Debian's archive, as a fresh install has it: binary packages only (the
    # project's own scripts add what else they need).
    rm -f "$dir/etc/apt/sources.list"
    cat > "$dir/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $mirror/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    # A name of its own, and the hosts file an installed machine has
    # (debootstrap copies this machine's hostname and writes no hosts file).
    echo xenpv-fresh > "$dir/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\txenpv-fresh\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        > "$dir/etc/hosts"
    chroot "$dir" apt-get clean
    rm -rf "$dir"/var/lib/apt/lists/*
}

recipe=$({ declare -f build_root; echo "$mirror"; } | sha256sum | cut -c1-16)
now=$(date +%s)
if [ -f "$stamp" ] && [ -d "$root" ]; then
    read -r s_recipe s_built < "$stamp" || true
    if [ "${s_recipe:-}" = "$recipe" ] && [ $((now - ${s_built:-0})) -lt $((max_days * 86400)) ]; then
        echo "$root"
        exit 0
    fi
    echo "make-root: the cached root is stale (recipe ${s_recipe:-?}, built $(date -u -d "@${s_built:-0}" +%F)): rebuilding" >&2
fi

mkdir -p "$cache" "$debs"
rm -rf "$root.new" "$root.old"
log=$cache/make-root.log
echo "make-root: debootstrap --variant=minbase bookworm into $root (log: $log)" >&2
if ! build_root "$root.new" > "$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$root.new"
    die "building the root failed"
fi
rm -f "$stamp"
[ -d "$root" ] && mv "$root" "$root.old"
mv "$root.new" "$root"
rm -rf "$root.old"
echo "$recipe $now" > "$stamp"
echo "$root"
