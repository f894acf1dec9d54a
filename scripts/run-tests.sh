#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine, in one command (as
# root: the integration tests build their labs out of namespaces and mounts).
# Installs what is needed, configures and builds build/ and the sanitizer
# build build-asan/ (AddressSanitizer and UndefinedBehaviorSanitizer,
# docs/sanitizers.md), runs the unit and integration suites in build-asan/,
# then the other meson tests in build/ (unit, demo and fuzz suites, the
# fresh-root and package tests, then the real-Xen tier under QEMU; the
# integration suite too with --no-sanitizers), and ends with one line over
# both:
#   N passed, N failed[, N skipped]
# The exit status is nonzero if anything failed or could not be built.
#
#   scripts/run-tests.sh [--no-sanitizers] [MESON TEST ARGUMENTS]
#
# Arguments go to `meson test` in build/: e.g. --no-suite xen-tier for a
# quick run.  --no-sanitizers leaves the sanitizer build out.
set -uo pipefail

cd "$(dirname "$0")/.."
build=${XENPV_BUILD:-build}
asan_build=${XENPV_ASAN_BUILD:-build-asan}
# The sanitizer build's own options: instrumented code that still runs at a
# useful speed, with line numbers in every report.
asan_options=(-Db_sanitize=address,undefined -Db_lundef=false
              -Dbuildtype=debug -Doptimization=1)

sanitizers=1
meson_args=()
for arg in "$@"; do
    if [ "$arg" = --no-sanitizers ]; then
        sanitizers=0
    else
        meson_args+=("$arg")
    fi
done

summary() {  # summary PASSED FAILED SKIPPED
    local line="$1 passed, $2 failed"
    [ "$3" -gt 0 ] && line+=", $3 skipped"
    echo "$line"
}

# setup_and_build DIR [MESON SETUP OPTIONS]
setup_and_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ] && ! meson setup "$dir" "$@"; then
        echo "run-tests: meson setup of $dir failed" >&2
        return 1
    fi
    if ! ninja -C "$dir"; then
        echo "run-tests: the build in $dir failed" >&2
        return 1
    fi
}

if [ "$(id -u)" != 0 ]; then
    echo "run-tests: run me as root (sudo bash scripts/run-tests.sh): the tests build their labs out of namespaces and mounts" >&2
    summary 0 1 0
    exit 1
fi

if ! bash scripts/install-deps.sh; then
    echo "run-tests: installing the dependencies failed" >&2
    summary 0 1 0
    exit 1
fi

setup_and_build "$build" || { summary 0 1 0; exit 1; }
if [ "$sanitizers" = 1 ]; then
    setup_and_build "$asan_build" "${asan_options[@]}" || { summary 0 1 0; exit 1; }
fi

# A log name of our own: meson's default one is shared by every `meson test`
# run in a build directory.
logbase=run-tests
logs=()
status=0

# run_meson_test DIR [MESON TEST ARGUMENTS]
run_meson_test() {
    local dir=$1
    shift
    rm -f "$dir/meson-logs/$logbase.json"
    logs+=("$dir/meson-logs/$logbase.json")
    meson test -C "$dir" --print-errorlogs --logbase "$logbase" "$@" || status=1
}

if [ "$sanitizers" = 1 ]; then
    # The unit and integration suites.  The fuzz targets have a sanitizer
    # build of their own (tests/fuzz/run.sh) and run once, from build/; the
    # real-Xen tier and the fresh-root test build what they test themselves.
    started=$SECONDS
    run_meson_test "$asan_build" --no-suite fuzz --no-suite xen-tier --no-suite fresh-root
    echo "run-tests: the sanitizer build's suites took $((SECONDS - started)) s"
fi
# The integration suite ran under the sanitizers: once is enough (a CI run
# is to stay well under half an hour).
[ "$sanitizers" = 1 ] && meson_args=(--no-suite integration "${meson_args[@]}")
run_meson_test "$build" "${meson_args[@]}"

# Count meson's own verdicts, one per test, from its machine-readable logs.
counts=$(/usr/bin/python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    result = json.loads(line).get('result')
                except ValueError:
                    result = 'UNREADABLE'
                if result in ('OK', 'EXPECTEDFAIL'):
                    passed += 1
                elif result == 'SKIP':
                    skipped += 1
                else:   # FAIL, ERROR, TIMEOUT, UNEXPECTEDPASS, INTERRUPT
                    failed += 1
    except OSError:
        failed += 1
print(passed, failed, skipped)
PY
) || counts="0 1 0"
read -r passed failed skipped <<<"$counts"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # meson failed without a test verdict saying so (it could not run them).
    failed=1
fi
echo
summary "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
