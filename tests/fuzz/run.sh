#!/usr/bin/env bash
# Build the libFuzzer targets with clang, AddressSanitizer (with its leak
# checker) and UndefinedBehaviorSanitizer in a build directory of their own,
# then run each for SECONDS (default: $XENPV_FUZZ_SECONDS, else 10), in a
# network namespace of its own with no interface up (the simulated host's
# protocol target may be asked to serve VNC on any address, and look a name
# up).  Fails on a crash, a sanitizer report or a leak; the input that
# caused it is left next to the build.  Allocation stacks are unwound by
# frame pointers (thirty times more inputs a second through libvirt and
# GLib); for the full stacks of a finding, run its target on the input
# with ASAN_OPTIONS=fast_unwind_on_malloc=0.
#
#   tests/fuzz/run.sh [SECONDS]
#
# The committed corpus (tests/fuzz/corpus/TARGET) seeds each run; inputs the
# run discovers go to a scratch copy, not into the checkout.
set -euo pipefail

secs=${1:-${XENPV_FUZZ_SECONDS:-10}}
targets=(native build migration-cookie migration-stream simhost-protocol save-image)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bdir=${XENPV_FUZZ_BUILDDIR:-$top/build-fuzz}

if [ ! -f "$bdir/build.ninja" ]; then
    CC=clang meson setup "$bdir" "$top" \
        -Dfuzzing=true -Dxen_backend=disabled -Dbuildtype=debug \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link
fi
# Only the fuzz targets (the loadable module is not built for sanitizers),
# and the test kernels a simulated host's CREATE can name.
kernels=(tests/kernels/xenpv-test-x86_64.elf)
# (no 32-bit kernel from a gcc without -m32)
if ninja -C "$bdir" -t targets all | grep -q '^tests/kernels/xenpv-test-x86_32p.elf:'; then
    kernels+=(tests/kernels/xenpv-test-x86_32p.elf)
fi
ninja -C "$bdir" "${targets[@]/#/tests/fuzz/fuzz-}" "${kernels[@]}"

if [ "$(id -u)" = 0 ]; then
    isolate=(unshare --net)
else
    isolate=(unshare --map-root-user --net)
fi
"${isolate[@]}" true ||
    { echo "run.sh: cannot make a network namespace to fuzz in (${isolate[*]})" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

status=0
failed=()
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    cp "$here/corpus/$target/"* "$scratch/$target/"
    # A save image's stream starts one 4 KiB block or more into it.
    max_len=8192
    [ "$target" = save-image ] && max_len=65536
    # libFuzzer's progress goes to a log of the target's own: a finding's
    # report is printed whole below, not lost among thousands of lines.
    log="$bdir/fuzz-$target.log"
    echo "== fuzz-$target for ${secs}s (log: $log)"
    if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
       UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       XENPV_FUZZ_KERNELS="$bdir/tests/kernels" \
       "${isolate[@]}" "$bdir/tests/fuzz/fuzz-$target" \
          -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
          -max_len="$max_len" -print_final_stats=1 \
          -artifact_prefix="$bdir/fuzz-$target-" \
          "$scratch/$target" </dev/null >"$log" 2>&1; then
        grep -E '^(Done|stat::(number_of_executed_units|peak_rss_mb))' "$log" || true
    else
        echo "fuzz-$target FAILED; reproducer: $bdir/fuzz-$target-*; the end of its log:" >&2
        # The report: from libFuzzer's or a sanitizer's first line of it.
        report=$(awk '/^==[0-9]+==|runtime error:|^ALARM:|^SUMMARY/ { on = 1 } on' "$log" |
                 grep -v '^#[0-9]' | head -n 150)
        if [ -n "$report" ]; then
            echo "$report" >&2
        else
            tail -n 40 "$log" >&2
        fi
        failed+=("$target")
        status=1
    fi
done
if [ "$status" -ne 0 ]; then
    echo "run.sh: failed: ${failed[*]}" >&2
fi
exit $status
