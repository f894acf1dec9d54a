#!/usr/bin/env bash
# What N small idle guests cost the simulated Xen host: resident memory
# (private and shared, i.e. guest pages) and time, measured with a private
# xenpv-simhost on a socket in a temporary directory (no privileges needed).
#
# Usage: bench/simhost-idle-guests.sh BUILD_DIR [N] [GUEST_MIB]
# Prints a small report; bench/results/ keeps one per machine and date.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [N] [GUEST_MIB]}
n=${2:-1000}
mib=${3:-16}
simhost=$build/src/simhost/xenpv-simhost
simctl=$build/src/simhost/xenpv-simctl
kernel=$build/tests/kernels/xenpv-test-x86_64.elf
for f in "$simhost" "$simctl" "$kernel"; do
    [ -e "$f" ] || { echo "missing $f: build the project first (ninja -C $build)" >&2; exit 1; }
done

work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

sock=$work/simhost.sock
host_mib=$(( n * mib + 2048 ))
"$simhost" --socket "$sock" --console-dir "$work/console" --memory "$host_mib" \
    2>"$work/simhost.log" &
pid=$!
for _ in $(seq 1 500); do
    "$simctl" --socket "$sock" info >/dev/null 2>&1 && break
    kill -0 "$pid" || { cat "$work/simhost.log" >&2; exit 1; }
    sleep 0.02
done

ctl() { "$simctl" --socket "$sock" "$@"; }
rss() { awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssShmem:/ {s=$2} END {printf "%d KiB (anon %d, shmem %d)", r, a, s}' "/proc/$pid/status"; }
now() { date +%s.%N; }

echo "xenpv-simhost: $n idle guests of $mib MiB, kernel $(basename "$kernel")"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%d MiB", $2/1024}' /proc/meminfo), $(uname -r)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "simhost RSS at start:            $(rss)"

t0=$(now)
ids=()
for i in $(seq 1 "$n"); do
    ids+=("$(ctl create "idle-$i" "$kernel" "$mib" "console=hvc0 sim.workload=idle")")
done
t1=$(now)
echo "simhost RSS, $n created (paused): $(rss)"
for id in "${ids[@]}"; do ctl unpause "$id"; done
t2=$(now)
echo "simhost RSS, $n booted (idle):    $(rss)"
listed=$(ctl list | tail -n +2 | wc -l)
for id in "${ids[@]}"; do ctl destroy "$id"; done
t3=$(now)
echo "simhost RSS, all destroyed:       $(rss)"
echo "domains listed while running: $listed (Domain-0 included)"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v n="$n" 'BEGIN {
    printf "create: %.2f s, boot: %.2f s, destroy: %.2f s (%.1f ms a guest each way, one xenpv-simctl process per request)\n",
        b - a, c - b, d - c, (b - a) * 1000 / n }'
