#!/usr/bin/env bash
# Run a test that needs an optional package list of its own
# (scripts/deps/optional/NAME.txt), installing what is missing first, here:
# its lab has no route to Debian's archive.  apt's output goes to stderr
# (meson reads TAP on stdout).
#
# Usage: tests/lab/with-deps.sh NAME COMMAND [ARGS...]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=$1
shift
if ! bash "$here/../../scripts/install-deps.sh" --with "$name" >&2; then
    echo "Bail out! could not install scripts/deps/optional/$name.txt (scripts/install-deps.sh --with $name)"
    exit 1
fi
exec "$@"
