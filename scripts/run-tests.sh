#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine, in one command (as
# root: the integration tests build their labs out of namespaces and mounts).
# Installs what is needed, configures and builds build/, runs every meson
# test (unit, integration and fuzz suites, then the real-Xen tier under
# QEMU), and ends with one line:
#   N passed, N failed[, N skipped]
# The exit status is nonzero if anything failed or could not be built.
# Arguments go to `meson test`: e.g. --no-suite xen-tier for a quick run.
set -uo pipefail

cd "$(dirname "$0")/.."
build=${XENPV_BUILD:-build}

summary() {  # summary PASSED FAILED SKIPPED
    local line="$1 passed, $2 failed"
    [ "$3" -gt 0 ] && line+=", $3 skipped"
    echo "$line"
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

if [ ! -f "$build/build.ninja" ]; then
    if ! meson setup "$build"; then
        echo "run-tests: meson setup failed" >&2
        summary 0 1 0
        exit 1
    fi
fi
if ! ninja -C "$build"; then
    echo "run-tests: the build failed" >&2
    summary 0 1 0
    exit 1
fi

# A log name of our own: meson's default one is shared by every `meson test`
# run in this build directory.
logbase=run-tests
log="$build/meson-logs/$logbase.json"
rm -f "$log"
meson test -C "$build" --print-errorlogs --logbase "$logbase" "$@"
meson_status=$?

# Count meson's own verdicts, one per test, from its machine-readable log.
counts=$(/usr/bin/python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = 0
try:
    with open(sys.argv[1]) as f:
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
    failed = 1
print(passed, failed, skipped)
PY
) || counts="0 1 0"
read -r passed failed skipped <<<"$counts"

if [ "$meson_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # meson failed without a test verdict saying so (it could not run them).
    failed=1
fi
echo
summary "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
