#!/usr/bin/env bash
# The fresh-root test inside the fresh Debian 12 root (tests/fresh/run.sh
# clones the checkout there and runs this from the clone, as root, with a
# clean environment): the README's two commands as a newcomer types them.
#   1. `bash scripts/demo.sh`; then `virsh -c xen:///system list` shows the
#      example guest running, its console answers, nothing listens on TCP.
#   2. `bash scripts/run-tests.sh`: its dependency step, the build and the
#      unit suites.  Not the integration, fuzz and sanitizer runs, nor the
#      real-Xen tier: the suite outside the root runs them all, and here they
#      would add a quarter of an hour to every CI run.
# Each command's output goes to a log in XENPV_FRESH_LOGS; its tail is shown
# when it fails.  Prints unnumbered TAP lines.
set -uo pipefail

cd "$(dirname "$0")/../.."
. tests/fresh/tap.sh
logs=${XENPV_FRESH_LOGS:?}
uri=xen:///system
failed=0

[ -e /etc/apt/sources.list.d/debian.sources ] && [ ! -e /etc/apt/sources.list.d/xenpv-debian-src.sources ] ||
    { echo "Bail out! not in a fresh root"; exit 1; }

run demo.log bash scripts/demo.sh
check $? "bash scripts/demo.sh, as root, runs to its end" "$(tail -n 30 "$logs/demo.log")"

xml=$(grep -l 'xenpv-test-x86_64\.elf' examples/xml/*.xml | head -n 1)
name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$xml" | head -n 1)
list=$(virsh -c "$uri" list 2>&1)
grep -Eq "^ *[0-9]+ +$name +running *\$" <<<"$list"
check $? "virsh -c $uri list shows the example guest $name running" "$list"
/usr/bin/python3 tests/fresh/console-check.py "$uri" "$name" || failed=$((failed + 1))

# Only Debian's archive is reached from here: nothing started inside may
# listen on TCP (libvirtd serves its UNIX socket only).
listening=" $(awk 'NR > 1 && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 | tr '\n' ' ') "
listeners=""
for fd in /proc/[0-9]*/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    inode=${link#socket:[}
    pid=${fd#/proc/}
    pid=${pid%%/*}
    [ "$inode" != "$link" ] && [[ $listening == *" ${inode%]} "* ]] &&
        listeners+="$(cat "/proc/$pid/comm") (pid $pid) listens on TCP"$'\n'
done
[ -z "$listeners" ]
check $? "nothing in the fresh root listens on TCP" "$listeners"

quick=(--no-sanitizers --suite conf --suite native --suite driver --suite kernel
       --suite simhost --suite hypervisor)
run run-tests.log bash scripts/run-tests.sh "${quick[@]}"
status=$?
summary=$(tail -n 1 "$logs/run-tests.log")
[ $status = 0 ] && [[ $summary =~ ^[1-9][0-9]*\ passed,\ 0\ failed ]]
check $? "bash scripts/run-tests.sh ${quick[*]}: $summary" \
    "$(tail -n 40 "$logs/run-tests.log")"

# The download cache beside the root keeps only what the archive still has.
apt-get -q autoclean > /dev/null 2>&1
exit $((failed > 0))
