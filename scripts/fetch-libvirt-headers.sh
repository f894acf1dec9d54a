#!/usr/bin/env bash
# Fetch libvirt's internal headers for exactly the libvirt installed on this
# machine, prune them to what an out-of-tree driver needs, and print the
# directory that holds them.  They live in a cache outside the checkout and are
# never committed: the module binds to LIBVIRT_PRIVATE_<version> symbols, so it
# must be built against the headers of that very version.
#
# With --test-data, print instead the directory holding libvirt's own test
# data for its Xen driver's xl/xm converters (tests/xlconfigdata and
# tests/xmconfigdata, pairs of .cfg and .xml) from the same source package:
# the native-format tests compare this driver's conversions with them.  Both
# come from one download and are cached side by side.
set -euo pipefail

die() { echo "fetch-libvirt-headers: $*" >&2; exit 1; }

want=headers
case "${1:-}" in
    "") ;;
    --test-data) want=test-data ;;
    *) die "usage: $0 [--test-data]" ;;
esac

ver=$(dpkg-query -W -f='${Version}' libvirt0 2>/dev/null) ||
    die "libvirt0 is not installed; run scripts/install-deps.sh first"
devver=$(dpkg-query -W -f='${Version}' libvirt-dev 2>/dev/null) ||
    die "libvirt-dev is not installed; run scripts/install-deps.sh first"
[ "$ver" = "$devver" ] ||
    die "libvirt0 ($ver) and libvirt-dev ($devver) differ; upgrade both to one version"

cache=${XENPV_CACHE_DIR:-/var/cache/xenpv}
dest="$cache/libvirt-headers-$ver"
testdest="$cache/libvirt-testdata-$ver"
if [ "$want" = headers ] && [ -f "$dest/.complete" ]; then
    echo "$dest"
    exit 0
fi
if [ "$want" = test-data ] && [ -f "$testdest/.complete" ]; then
    echo "$testdest"
    exit 0
fi

command -v apt-get >/dev/null || die "apt-get is needed to fetch libvirt's source"
command -v dpkg-source >/dev/null || die "dpkg-source is needed (package dpkg-dev)"
mkdir -p "$cache" || die "cannot create $cache (set XENPV_CACHE_DIR to a writable directory)"

work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
(
    cd "$work"
    apt-get source -q --only-source --download-only "libvirt=$ver" >fetch.log 2>&1 ||
        { cat fetch.log >&2
          die "apt-get source libvirt=$ver failed: is a deb-src line for Debian's archive configured? (scripts/install-deps.sh adds one)"; }
    dpkg-source -q -x --skip-debianization ./libvirt_*.dsc tree >>fetch.log 2>&1 ||
        { cat fetch.log >&2; die "dpkg-source could not unpack libvirt $ver"; }
)
src="$work/tree"
grep -q "version: '${ver%%-*}'" "$src/meson.build" ||
    die "fetched source does not declare version ${ver%%-*}"

# Each directory is replaced only when it is missing: a build elsewhere may
# be reading the one that is there.
if [ ! -f "$dest/.complete" ]; then
    stage="$work/out"
    mkdir -p "$stage"
    (cd "$src" && find src -name '*.h' -print0 | cpio -0 -pdm --quiet "$stage")
    mkdir -p "$stage/gen/access"
    perl -w "$src/src/rpc/gendispatch.pl" --mode=aclheader remote REMOTE \
        "$src/src/remote/remote_protocol.x" > "$stage/gen/access/viraccessapicheck.h" ||
        die "could not generate the ACL check header"
    echo "$ver" > "$stage/.complete"
    rm -rf "$dest"
    mv "$stage" "$dest"
fi
if [ ! -f "$testdest/.complete" ]; then
    tstage="$work/testdata"
    mkdir -p "$tstage"
    for d in xlconfigdata xmconfigdata; do
        [ -d "$src/tests/$d" ] || die "libvirt $ver has no tests/$d"
        cp -a "$src/tests/$d" "$tstage/$d"
    done
    echo "$ver" > "$tstage/.complete"
    rm -rf "$testdest"
    mv "$tstage" "$testdest"
fi
if [ "$want" = headers ]; then echo "$dest"; else echo "$testdest"; fi
