#!/usr/bin/env bash
# What an outside checker does, with nothing but bash and virsh: set the lab
# up like a host (kernels, libvirtd.conf, xenpv.conf, simulated host, Debian's
# libvirtd with the module), then take a guest from examples/xml through
# define, start, list, suspend, resume, save, restore, shutdown, destroy and
# undefine, watch `virsh event` report it all, and find a running guest again
# after libvirtd is restarted.  Runs inside tests/lab/enter.sh; prints TAP.
set -uo pipefail

src=${XENPV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${XENPV_BUILD_DIR:-$src/build}
uri=xen:///system
work=/var/cache/libvirt/xenpv-checker
drivers=$work/drivers
sim_sock=/run/xenpv/simhost.sock
sim_pidfile=/run/xenpv/simhost.pid
lvd_pidfile=/run/libvirt/xenpv-checker-libvirtd.pid
lvd_log=/var/log/libvirt/libvirtd.log

n=0
failed=0
ok() {  # ok STATUS DESCRIPTION [DIAGNOSTIC]
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        failed=$((failed + 1))
        # meson shows only stderr in its error logs: echo the failure there.
        {
            echo "not ok $n - $2"
            [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
            tail -n 15 "$lvd_log" 2>/dev/null | sed 's/^/# libvirtd: /'
        } | tee /dev/stderr
    fi
}
bail() {
    echo "Bail out! $*"
    echo "1..$n"
    exit 1
}
vsh() { virsh -q -c "$uri" "$@"; }
# check DESCRIPTION COMMAND...: the command succeeds
check() {
    local desc=$1 out
    shift
    out=$("$@" 2>&1)
    ok $? "$desc" "$out"
}
# poll COMMAND... until it succeeds, for up to $timeout seconds (default 30)
poll() {
    local deadline=$((SECONDS + ${timeout:-30}))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.2
    done
}
gone() {  # gone PID: exited (a zombie counts: we are PID 1 of the lab)
    [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    timeout=20 poll gone "$pid" || { kill -KILL "$pid" 2>/dev/null; timeout=5 poll gone "$pid"; }
}
state_is() { [ "$(vsh domstate "$1" 2>/dev/null)" = "$2" ]; }
sock_up() { virsh -c "$uri" hostname; }

event_pid=
cleanup() {
    [ -n "$event_pid" ] && stop_pid "$event_pid"
    [ -f "$lvd_pidfile" ] && stop_pid "$(cat "$lvd_pidfile")"
    [ -f "$sim_pidfile" ] && stop_pid "$(cat "$sim_pidfile")"
    event_pid=
    rm -f "$lvd_pidfile" "$sim_pidfile"
}
trap cleanup EXIT

[ "${XENPV_IN_LAB:-}" = 1 ] && [ $$ = 1 ] || bail "not inside tests/lab/enter.sh"
. "$src/tests/lab/sanitizers.sh"
sanitizers_init

# --- the host, as an administrator sets it up -----------------------------
for f in "$build/src/driver/libvirt_driver_libxl.so" "$build/src/simhost/xenpv-simhost" \
         "$build/tests/kernels/xenpv-test-x86_64.elf"; do
    [ -e "$f" ] || bail "$f is not built"
done
mkdir -p "$drivers" /var/lib/xenpv/images "$work"
cp "$build"/tests/kernels/xenpv-test-*.elf /var/lib/xenpv/images/
cp "$build/tests/kernels/xenpv-test-x86_64.elf" /boot/vmlinuz-2.6-xenU
ln -sf "$build/src/driver/libvirt_driver_libxl.so" "$drivers/libvirt_driver_libxl.so"
cat > /etc/libvirt/libvirtd.conf <<EOF
auth_unix_ro = "none"
auth_unix_rw = "none"
log_filters = "3:rpc 3:util 3:event 3:object 3:access 3:conf"
log_outputs = "1:file:$lvd_log"
EOF
cat > /etc/libvirt/xenpv.conf <<EOF
hypervisor = "sim"
sim_socket = "$sim_sock"
EOF

"$build/src/simhost/xenpv-simhost" --daemon --pidfile "$sim_pidfile" --socket "$sim_sock" \
    || bail "xenpv-simhost did not start"
timeout=10 poll test -S "$sim_sock" || bail "no simhost socket $sim_sock"

start_libvirtd() {
    LIBVIRT_DRIVER_DIR=$drivers sanitized_libvirt \
        /usr/sbin/libvirtd --daemon --pid-file "$lvd_pidfile" &&
        timeout=30 poll sock_up &&
        sanitizer_runtime_loaded "$(cat "$lvd_pidfile")"
}
start_libvirtd || bail "libvirtd did not come up: $(tail -n 20 "$lvd_log" 2>/dev/null)"

# --- the guest ---------------------------------------------------------------
xml=$(grep -l 'xenpv-test-x86_64.elf' "$src"/examples/xml/*.xml 2>/dev/null | head -n 1)
[ -n "$xml" ] || bail "no 64-bit example guest in examples/xml"
name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$xml" | head -n 1)
echo "# guest $name from ${xml#"$src"/}"
# its file-backed disks, as an administrator creates them
for img in $(sed -n "s:.*<source file='\([^']*\)'.*:\1:p" "$xml"); do
    mkdir -p "$(dirname "$img")" && [ -e "$img" ] || truncate -s 64M "$img"
done

events=$work/events.log
stdbuf -oL virsh -c "$uri" event --loop --all > "$events" 2>&1 &
event_pid=$!
# virsh is listening once it reports a throwaway definition.
probe_xml=$work/probe.xml
sed "s:<name>$name</name>:<name>checker-probe</name>:; /<uuid>/d" "$xml" > "$probe_xml"
probe() { vsh define "$probe_xml" && vsh undefine checker-probe && grep -q checker-probe "$events"; }
timeout=20 poll probe
ok $? "virsh event --loop --all is listening" "$(cat "$events")"

check "define $name" vsh define "$xml"
vsh list --all --name | grep -qx "$name"
ok $? "$name is in list --all"
check "start" vsh start "$name"
vsh list --name --state-running | grep -qx "$name"
ok $? "$name is in list --state-running" "$(vsh list --all)"
id=$(vsh domid "$name")
[[ "$id" =~ ^[0-9]+$ ]] && [ "$id" -gt 0 ]
ok $? "$name has a domain id ($id)"

check "suspend" vsh suspend "$name"
state_is "$name" paused
ok $? "state paused" "$(vsh domstate "$name" 2>&1)"
check "resume" vsh resume "$name"
state_is "$name" running
ok $? "state running" "$(vsh domstate "$name" 2>&1)"

save=$work/$name.save
check "save" vsh save "$name" "$save"
state_is "$name" "shut off"
ok $? "state shut off after save" "$(vsh domstate "$name" 2>&1)"
check "restore" vsh restore "$save"
state_is "$name" running
ok $? "state running after restore" "$(vsh domstate "$name" 2>&1)"

check "shutdown" vsh shutdown "$name"
timeout=30 poll state_is "$name" "shut off"
ok $? "shut off after shutdown" "$(vsh domstate --reason "$name" 2>&1)"

check "start again" vsh start "$name"
check "destroy" vsh destroy "$name"
state_is "$name" "shut off"
ok $? "shut off after destroy" "$(vsh domstate --reason "$name" 2>&1)"
check "undefine" vsh undefine "$name"
! vsh list --all --name | grep -qx "$name"
ok $? "$name is gone from list --all"

for ev in "Defined Added" "Started Booted" "Suspended Paused" "Resumed Unpaused" \
          "Stopped Saved" "Started Restored" "Stopped Shutdown" "Stopped Destroyed" \
          "Undefined Removed"; do
    timeout=10 poll grep -q "event 'lifecycle' for domain '$name': $ev" "$events"
    ok $? "event: $ev" "$(cat "$events")"
done
stop_pid "$event_pid"
event_pid=

# --- a restart of libvirtd ---------------------------------------------------
check "define and start $name for the restart" bash -c \
    "virsh -q -c $uri define '$xml' && virsh -q -c $uri start '$name'"
id=$(vsh domid "$name")
stop_pid "$(cat "$lvd_pidfile")"
! sock_up
ok $? "libvirtd stopped"
start_libvirtd
ok $? "libvirtd started again"
state_is "$name" running
ok $? "$name is running after the restart" "$(vsh list --all 2>&1)"
[ "$(vsh domid "$name")" = "$id" ]
ok $? "$name has the same domain id ($id) after the restart"
check "destroy after the restart" vsh destroy "$name"
check "undefine after the restart" vsh undefine "$name"

# Stopped first: what the daemons report at exit counts too.
cleanup
if [ -n "${XENPV_SANITIZERS:-}" ]; then
    reports=$(sanitizer_reports)
    [ -z "$reports" ]
    ok $? "no $XENPV_SANITIZERS report from any program of the lab" "$reports"
fi

echo "1..$n"
[ "$failed" = 0 ]
