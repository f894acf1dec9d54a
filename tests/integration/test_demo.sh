#!/usr/bin/env bash
# scripts/demo.sh as a user runs it, twice (it must be idempotent), in a lab
# that also keeps its installation away from this machine: overlays over
# libvirt's driver directory and /usr/local, a fresh /run.  Prints TAP.
set -uo pipefail

src=${XENPV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export XENPV_BUILD_DIR=${XENPV_BUILD_DIR:-$src/build}
uri=xen:///system
driver_dir=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
work=/var/cache/libvirt/xenpv-demo-test

n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        failed=$((failed + 1))
        # meson shows only stderr in its error logs: echo the failure there.
        {
            echo "not ok $n - $2"
            [ -n "${3:-}" ] && printf '%s\n' "$3" | tail -n 40 | sed 's/^/# /'
        } | tee /dev/stderr
    fi
}
bail() { echo "Bail out! $*"; echo "1..$n"; exit 1; }
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
stop_pidfile() {
    local pid deadline
    pid=$(cat "$1" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null
    deadline=$((SECONDS + 20))
    until gone "$pid"; do
        [ $SECONDS -ge $deadline ] && { kill -KILL "$pid" 2>/dev/null; break; }
        sleep 0.2
    done
}
cleanup() {
    stop_pidfile /run/libvirtd.pid
    stop_pidfile /run/xenpv/simhost.pid
}
trap cleanup EXIT

[ "${XENPV_IN_LAB:-}" = 1 ] && [ $$ = 1 ] || bail "not inside tests/lab/enter.sh"
if [ -n "${XENPV_SANITIZERS:-}" ]; then
    # The demo installs the module and starts libvirtd as a user does, and a
    # user's libvirtd has no sanitizer runtime to load an instrumented module
    # with; the daemon's work is what the other integration tests check.
    echo "1..0 # SKIP the demo installs a normal build, not a $XENPV_SANITIZERS one"
    exit 0
fi

# A fresh /run (no dbus, no systemd, no host pid files) ...
mount -t tmpfs -o mode=0755 tmpfs /run || bail "cannot mount /run"
mkdir -p /run/libvirt /run/xenpv /run/lock
# ... and what `meson install` writes lands in overlays, not on this machine.
mkdir -p "$work"
overlay() {
    local d=$1 tag=$2
    mkdir -p "$work/$tag.upper" "$work/$tag.work"
    mount -t overlay overlay -o "lowerdir=$d,upperdir=$work/$tag.upper,workdir=$work/$tag.work" "$d"
}
overlay "$driver_dir" drivers || bail "cannot overlay $driver_dir"
overlay /usr/local usrlocal || bail "cannot overlay /usr/local"
outside=$(meson introspect "$XENPV_BUILD_DIR" --installed |
    /usr/bin/python3 -c 'import json, sys
for dst in json.load(sys.stdin).values():
    if not (dst.startswith("/usr/local/") or dst.startswith(sys.argv[1] + "/")):
        print(dst)' "$driver_dir")
[ -z "$outside" ] || bail "meson install would write outside the overlays: $outside"

out1=$(bash "$src/scripts/demo.sh" 2>&1)
status1=$?
printf "%s\n" "$out1" | sed "s/^/# demo: /"
ok $status1 "demo.sh runs to its end"
[ -f "$driver_dir/libvirt_driver_libxl.so" ] && cmp -s "$driver_dir/libvirt_driver_libxl.so" \
    "$XENPV_BUILD_DIR/src/driver/libvirt_driver_libxl.so"
ok $? "the module is installed in libvirt's driver directory"
ls /var/lib/xenpv/images/xenpv-test-x86_64.elf >/dev/null 2>&1
ok $? "the test kernels are in /var/lib/xenpv/images"
grep -q '^hypervisor *= *"sim"' /etc/libvirt/xenpv.conf
ok $? "/etc/libvirt/xenpv.conf says hypervisor = \"sim\"" "$(cat /etc/libvirt/xenpv.conf 2>&1)"

xml=$(grep -l 'xenpv-test-x86_64\.elf' "$src"/examples/xml/*.xml 2>/dev/null | head -n 1)
name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$xml" 2>/dev/null | head -n 1)
[ -n "$name" ]
ok $? "the example guest is ${name:-?}"
state=$(virsh -c "$uri" domstate "$name" 2>&1)
[ "$state" = running ]
ok $? "the example guest is running" "$state"
grep -Eq "^ *[0-9]+ +$name +running" <<<"$out1"
ok $? "the demo shows it in virsh list --all" "$out1"
grep -q "console $name" <<<"$out1"
ok $? "the demo says what to type next" "$out1"
id=$(virsh -c "$uri" domid "$name" 2>/dev/null)
lvd=$(cat /run/libvirtd.pid 2>/dev/null)
sim=$(cat /run/xenpv/simhost.pid 2>/dev/null)

echo "# second run"
echo '# kept' >> /etc/libvirt/xenpv.conf
out2=$(bash "$src/scripts/demo.sh" 2>&1)
ok $? "demo.sh runs again" "$out2"
grep -q '^# kept' /etc/libvirt/xenpv.conf
ok $? "an existing xenpv.conf is kept"
[ "$(virsh -c "$uri" domid "$name" 2>/dev/null)" = "$id" ]
ok $? "the guest was left running as it was (domain id $id)" "$out2"
[ "$(cat /run/libvirtd.pid 2>/dev/null)" = "$lvd" ] && [ "$(cat /run/xenpv/simhost.pid 2>/dev/null)" = "$sim" ]
ok $? "libvirtd and the simulated host were not started twice"
[ "$(virsh -q -c "$uri" list --all --name | grep -c .)" = 1 ]
ok $? "one guest only" "$(virsh -c "$uri" list --all 2>&1)"

echo "1..$n"
[ "$failed" = 0 ]
