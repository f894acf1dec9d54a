#!/usr/bin/env bash
# Build step: fail when the installed libvirt is not the one the build was
# configured against (the module would bind to symbols the daemon lacks).
set -euo pipefail
expected=$1 stamp=$2
now=$(dpkg-query -W -f='${Version}' libvirt0 2>/dev/null || echo none)
if [ "$now" != "$expected" ]; then
    echo "libvirt changed from $expected to $now since this build was configured:" >&2
    echo "run 'meson setup --wipe BUILDDIR' to fetch the matching headers and rebuild" >&2
    exit 1
fi
echo "$now" > "$stamp"
