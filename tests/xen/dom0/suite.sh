#!/bin/bash
# The in-dom0 checks of the real-Xen tier, run against one libvirt Xen driver:
# Debian's own libxl module ("libxl") or the project's module ("xenpv",
# loaded from /opt/xenpv/drivers through LIBVIRT_DRIVER_DIR, configured for
# the real hypervisor back end).  The same checks run against both, so the
# project's driver is measured against Debian's on the same hypervisor.
#
# Prints TAP result lines without numbers ("ok - ...", "not ok - ...",
# "# ..." comments, "# time ..." measurements); the host numbers them.
#
# Usage: suite.sh --driver libxl|xenpv --hypervisor stock|rebuilt
#                 --images DIR [--xl yes|no]
# DIR/guests describes the guests, one a line, fields separated by "|":
#   NAME|ARCH|KERNEL|INITRD|CMDLINE|MEMORY_MIB|SAVE|CONSOLE_PATTERN
# ARCH is libvirt's (x86_64, or i686 for a 32-bit PAE guest); KERNEL and
# INITRD are file names in DIR (INITRD may be empty); SAVE is "yes", or the
# reason why that image cannot be saved; CONSOLE_PATTERN is an extended
# regular expression its console output must match.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin

driver="" hypervisor="" images="" run_xl=no
while [ $# -gt 0 ]; do
    case $1 in
        --driver) driver=$2; shift 2 ;;
        --hypervisor) hypervisor=$2; shift 2 ;;
        --images) images=$2; shift 2 ;;
        --xl) run_xl=$2; shift 2 ;;
        *) echo "not ok - suite.sh: unknown argument $1"; exit 2 ;;
    esac
done
uri=xen:///system
console_dir=/var/log/xen/console
work=/tmp/suite-$driver
mkdir -p "$work"

ok()     { echo "ok - [$driver] $*"; }
notok()  { echo "not ok - [$driver] $*"; }
skip()   { echo "ok - [$driver] $1 # SKIP $2"; }
note()   { echo "# $*"; }
indent() { sed 's/^/#   /' | tail -n "${1:-6}"; }
now()    { date +%s.%N; }
since()  { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Poll COMMAND until it succeeds or SECONDS pass.
wait_for() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# Run a check: DESCRIPTION, then a command that must succeed.
check() {
    local what=$1; shift
    if "$@" > "$work/out" 2>&1; then ok "$what"; return 0; fi
    notok "$what"; indent < "$work/out"; return 1
}

vstate() { timeout 30 virsh -c "$uri" domstate "$1" 2>/dev/null | head -n 1; }
state_is() { [ "$(vstate "$1")" = "$2" ]; }
vgone() { ! timeout 30 virsh -c "$uri" domid "$1" >/dev/null 2>&1; }
console_shows() { [ -s "$console_dir/guest-$1.log" ] && grep -Eqa "$2" "$console_dir/guest-$1.log"; }
xen_caps() { xl info | awk -F': ' '/^xen_caps/ { print $2 }'; }
caps_have() { xen_caps | grep -qw -- "$1"; }

# Whether this boot's hypervisor is expected to refuse guests of ARCH:
# Debian's stock build has no 32-bit PV support (CONFIG_PV32 off).
refused_here() { [ "$hypervisor" = stock ] && [ "$1" = i686 ]; }

guest_xml() {   # NAME ARCH KERNEL INITRD CMDLINE MEMORY [EXTRA-DEVICES]
    echo "<domain type='xen'>"
    echo "  <name>$1</name>"
    echo "  <memory unit='MiB'>$6</memory>"
    echo "  <vcpu>1</vcpu>"
    echo "  <os>"
    echo "    <type arch='$2' machine='xenpv'>linux</type>"
    echo "    <kernel>$3</kernel>"
    [ -n "$4" ] && echo "    <initrd>$4</initrd>"
    [ -n "$5" ] && echo "    <cmdline>$5</cmdline>"
    echo "  </os>"
    echo "  <on_poweroff>destroy</on_poweroff>"
    echo "  <on_reboot>destroy</on_reboot>"
    echo "  <on_crash>destroy</on_crash>"
    echo "  <devices>"
    echo "    <console type='pty'><target type='xen' port='0'/></console>"
    [ -n "${7:-}" ] && echo "    $7"
    echo "  </devices>"
    echo "</domain>"
}

# The hypervisor's own view and xl's baseline, independent of libvirt.
xl_checks() {
    note "xen_caps ($hypervisor): $(xen_caps)"
    note "xen_version: $(xl info | awk -F': ' '/^xen_version/ { print $2 }')"
    check "xl info: xen_caps has xen-3.0-x86_64" caps_have xen-3.0-x86_64
    if [ "$hypervisor" = stock ]; then
        if caps_have xen-3.0-x86_32p; then notok "xl info: stock hypervisor lacks xen-3.0-x86_32p (CONFIG_PV32 off)"
        else ok "xl info: stock hypervisor lacks xen-3.0-x86_32p (CONFIG_PV32 off), as expected"; fi
    else
        check "xl info: rebuilt hypervisor has xen-3.0-x86_32p" caps_have xen-3.0-x86_32p
    fi
    while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
        xl_guest
    done 3< "$images/guests"
}

xl_guest() {
    local name="xl-$type" t
    {
        printf 'name="%s"\ntype="pv"\nkernel="%s"\nmemory=%s\nvcpus=1\n' "$name" "$images/$kernel" "$mem"
        [ -n "$initrd" ] && printf 'ramdisk="%s"\n' "$images/$initrd"
        [ -n "$cmdline" ] && printf 'extra="%s"\n' "$cmdline"
        printf 'on_poweroff="destroy"\non_reboot="destroy"\non_crash="destroy"\n'
    } > "$work/$name.cfg"
    rm -f "$console_dir/guest-$name.log"
    t=$(now)
    if ! timeout 120 xl create "$work/$name.cfg" > "$work/out" 2>&1; then
        if ! refused_here "$arch"; then
            notok "xl create $type"; indent < "$work/out"
        elif grep -q 'xen-3.0-x86_32p not supported' "$work/out"; then
            ok "xl create $type refused on the stock hypervisor: xen-3.0-x86_32p not supported (expected)"
        else
            notok "xl create $type refused on the stock hypervisor, but not for the expected reason"
            indent < "$work/out"
        fi
        return
    fi
    note "time xl create $type $(since "$t")s"
    if refused_here "$arch"; then
        notok "xl create $type: should be refused on the stock hypervisor"
    else
        ok "xl create $type"
    fi
    check "xl: $type console output in $console_dir" wait_for 60 console_shows "$name" "$pattern"
    if [ "$save" = yes ]; then
        t=$(now)
        if check "xl save $type" timeout 120 xl save "$name" "$work/$name.save"; then
            note "time xl save $type $(since "$t")s"
            t=$(now)
            check "xl restore $type" timeout 120 xl restore "$work/$name.save" &&
                note "time xl restore $type $(since "$t")s"
        fi
    else
        skip "xl save/restore $type" "$save"
    fi
    timeout 60 xl destroy "$name" >/dev/null 2>&1
    rm -f "$work/$name.save"
}

libvirtd_pid=""
start_libvirtd() {
    local dir=""
    mkdir -p /var/log/libvirt /run/libvirt
    if [ "$driver" = xenpv ]; then
        dir=/opt/xenpv/drivers
        printf 'hypervisor = "xen"\n' > /etc/libvirt/xenpv.conf
    fi
    env ${dir:+LIBVIRT_DRIVER_DIR=$dir} \
        LIBVIRT_LOG_OUTPUTS="1:file:/var/log/libvirt/libvirtd-$driver.log" \
        LIBVIRT_LOG_FILTERS="1:libxl 1:xen 1:xenpv 1:driver 3:rpc 3:event 3:util 3:object" \
        libvirtd > "/var/log/libvirt/libvirtd-$driver.stderr" 2>&1 &
    libvirtd_pid=$!
    # Only the connection: what the driver can do is for the checks below.
    wait_for 60 virsh -c "$uri" uri
}

stop_libvirtd() {
    [ -n "$libvirtd_pid" ] || return 0
    kill "$libvirtd_pid" 2>/dev/null
    wait_for 30 sh -c "! kill -0 $libvirtd_pid" || kill -9 "$libvirtd_pid" 2>/dev/null
    wait "$libvirtd_pid" 2>/dev/null
    libvirtd_pid=""
}

# Create, console, suspend/resume, save/restore, destroy for one guest
# (described by the variables read from the guests file).
guest_lifecycle() {
    local name="$driver-$type" xml="$work/$driver-$type.xml" t
    guest_xml "$name" "$arch" "$images/$kernel" "${initrd:+$images/$initrd}" "$cmdline" "$mem" > "$xml"
    rm -f "$console_dir/guest-$name.log"
    t=$(now)
    if ! timeout 180 virsh -c "$uri" create "$xml" > "$work/out" 2>&1; then
        if refused_here "$arch"; then
            ok "virsh create $type refused on the stock hypervisor (expected: no xen-3.0-x86_32p)"
            note "refusal: $(grep -v '^$' "$work/out" | tail -n 1)"
        else
            notok "virsh create $type"; indent < "$work/out"
            [ -f "/var/log/libvirt/libxl/$name.log" ] && indent 4 < "/var/log/libvirt/libxl/$name.log"
        fi
        return
    fi
    note "time $driver create $type $(since "$t")s"
    if refused_here "$arch"; then
        notok "virsh create $type: should be refused on the stock hypervisor"
    else
        ok "virsh create $type"
    fi
    check "$type running after create" state_is "$name" running
    check "$type console output in $console_dir" wait_for 60 console_shows "$name" "$pattern"
    check "virsh suspend $type" timeout 60 virsh -c "$uri" suspend "$name" &&
        check "$type paused after suspend" state_is "$name" paused
    check "virsh resume $type" timeout 60 virsh -c "$uri" resume "$name" &&
        check "$type running after resume" state_is "$name" running
    if [ "$save" != yes ]; then
        skip "virsh save/restore $type" "$save"
    else
        t=$(now)
        if check "virsh save $type" timeout 180 virsh -c "$uri" save "$name" "$work/$name.save"; then
            note "time $driver save $type $(since "$t")s"
            check "$type gone after save" vgone "$name"
            t=$(now)
            if check "virsh restore $type" timeout 180 virsh -c "$uri" restore "$work/$name.save"; then
                note "time $driver restore $type $(since "$t")s"
                check "$type running after restore" state_is "$name" running
            fi
        fi
        rm -f "$work/$name.save"
    fi
    check "virsh destroy $type" timeout 60 virsh -c "$uri" destroy "$name"
    check "$type gone after destroy" wait_for 30 vgone "$name"
}

bridge_has_vif() { ip -o link show master xenbr0 | grep -q 'vif'; }
bridge_has_no_vif() { ! bridge_has_vif; }

# A guest with a network interface on xenbr0: libxl's vif hotplug script must
# put the backend interface into the bridge, and take it out on destroy.
bridge_check() {
    local name="$driver-net" xml="$work/$driver-net.xml"
    guest_xml "$name" x86_64 "$images/$net_kernel" "" "" 32 \
        "<interface type='bridge'><source bridge='xenbr0'/></interface>" > "$xml"
    check "virsh create x86_64 with an interface on xenbr0" \
        timeout 180 virsh -c "$uri" create "$xml" || return
    check "guest's backend interface is a port of xenbr0" wait_for 30 bridge_has_vif
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
    check "bridge port removed after destroy" wait_for 30 bridge_has_no_vif
}

# The smallest 64-bit image (no initrd) carries the bridge check.
net_kernel=$(awk -F'|' '$2 == "x86_64" && $4 == "" { print $3; exit }' "$images/guests")
note "suite: driver $driver, hypervisor $hypervisor, images: $(cat "$images/source" 2>/dev/null)"
[ "$run_xl" = yes ] && xl_checks

t=$(now)
if check "libvirtd ($driver driver) answers on $uri" start_libvirtd; then
    note "time $driver libvirtd start $(since "$t")s"
    virsh -c "$uri" capabilities > "$work/caps.xml" 2>&1
    check "capabilities: x86_64 xen guests" grep -q "<arch name='x86_64'>" "$work/caps.xml"
    if [ "$hypervisor" = stock ]; then
        if grep -q "<arch name='i686'>" "$work/caps.xml"; then notok "capabilities: no i686 xen guests on the stock hypervisor"
        else ok "capabilities: no i686 xen guests on the stock hypervisor, as expected"; fi
    else
        check "capabilities: i686 xen guests" grep -q "<arch name='i686'>" "$work/caps.xml"
    fi
    while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
        guest_lifecycle
    done 3< "$images/guests"
    [ -n "$net_kernel" ] && bridge_check
else
    { cat "/var/log/libvirt/libvirtd-$driver.stderr"
      grep ' error : ' "/var/log/libvirt/libvirtd-$driver.log" | sort -u -k4 | tail -n 3; } | indent 10
    for what in capabilities guests bridge; do
        skip "$what" "libvirtd did not answer"
    done
fi
stop_libvirtd
