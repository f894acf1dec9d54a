#!/usr/bin/env bash
# Build the libFuzzer targets with clang, AddressSanitizer (with its leak
# checker) and UndefinedBehaviorSanitizer in a build directory of their own,
# then run each for SECONDS (default: $XENPV_FUZZ_SECONDS, else 60); the
# migration targets, whose inputs are small and fast, for at most 20 of
# them.  Fails on a crash, a sanitizer report or a leak; the input that
# caused it is left next to the build.
#
#   tests/fuzz/run.sh [SECONDS]
#
# The committed corpus (tests/fuzz/corpus/TARGET) seeds each run; inputs the
# run discovers go to a scratch copy, not into the checkout.
set -euo pipefail

secs=${1:-${XENPV_FUZZ_SECONDS:-60}}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bdir=${XENPV_FUZZ_BUILDDIR:-$top/build-fuzz}

if [ ! -f "$bdir/build.ninja" ]; then
    CC=clang meson setup "$bdir" "$top" \
        -Dfuzzing=true -Dxen_backend=disabled -Dbuildtype=debug \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link
fi
# Only the fuzz targets: the loadable module is not built for sanitizers.
ninja -C "$bdir" tests/fuzz/fuzz-native tests/fuzz/fuzz-build \
    tests/fuzz/fuzz-migration-cookie tests/fuzz/fuzz-migration-stream

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

short=$(( secs < 20 ? secs : 20 ))
status=0
for spec in native:$secs build:$secs migration-cookie:$short migration-stream:$short; do
    target=${spec%%:*}
    t=${spec#*:}
    mkdir -p "$scratch/$target"
    cp "$here/corpus/$target/"* "$scratch/$target/"
    echo "== fuzz-$target for ${t}s"
    if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
         UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
         "$bdir/tests/fuzz/fuzz-$target" \
            -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 \
            -max_len=8192 -print_final_stats=1 \
            -artifact_prefix="$bdir/fuzz-$target-" \
            "$scratch/$target"; then
        echo "fuzz-$target FAILED; reproducer: $bdir/fuzz-$target-*" >&2
        status=1
    fi
done
exit $status
