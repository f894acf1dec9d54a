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
# Usage: suite.sh --driver libxl|xenpv --hypervisor stock|stock-hvm|rebuilt
#                 --images DIR [--xl yes|no] [--only GROUPS]
# stock-hvm is the stock hypervisor on a CPU with HVM: only the PV-shim
# checks run there (shim_suite, below).  GROUPS (default all) picks check
# groups elsewhere: xl (xl's own baseline), caps, lifecycle (create,
# console, suspend/resume, save/restore, destroy per guest), bridge, xenpv
# (the project's driver only), migrate (to the peer host, migrate.sh and
# steer.sh; only where the tier started one).
# DIR/guests describes the guests, one a line, fields separated by "|":
#   NAME|ARCH|KERNEL|INITRD|CMDLINE|MEMORY_MIB|SAVE|CONSOLE_PATTERN
# ARCH is libvirt's (x86_64, or i686 for a 32-bit PAE guest); KERNEL and
# INITRD are file names in DIR (INITRD may be empty); SAVE is "yes", or the
# reason why that image cannot be saved; CONSOLE_PATTERN is an extended
# regular expression its console output must match.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin

driver="" hypervisor="" images="" run_xl=no only=""
while [ $# -gt 0 ]; do
    case $1 in
        --driver) driver=$2; shift 2 ;;
        --hypervisor) hypervisor=$2; shift 2 ;;
        --images) images=$2; shift 2 ;;
        --xl) run_xl=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) echo "not ok - suite.sh: unknown argument $1"; exit 2 ;;
    esac
done
uri=xen:///system
console_dir=/var/log/xen/console
work=/tmp/suite-$driver
mkdir -p "$work"
# "DRIVER SECONDS" for each first create of Debian's kernel (dom0's init
# sums them up once both drivers have run).
first_creates=/tier/out/first-creates.txt

# Is check group $1 asked for?
want()   { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }
ok()     { echo "ok - [$driver] $*"; }
notok()  { echo "not ok - [$driver] $*"; }
skip()   { echo "ok - [$driver] $1 # SKIP $2"; }
note()   { echo "# $*"; }
indent() { sed 's/^/#   /' | tail -n "${1:-6}"; }
now()    { date +%s.%N; }
since()  { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# wait_for SECONDS COMMAND..., and libvirtd's start and stop.
. /tier/libvirtd.sh

# Run a check: DESCRIPTION, then a command that must succeed.
check() {
    local what=$1; shift
    if "$@" > "$work/out" 2>&1; then ok "$what"; return 0; fi
    notok "$what"; indent < "$work/out"; return 1
}

# Run a group of checks and note how long it took (where the tier's time
# goes, docs/xen-tier.md).
timed() {   # GROUP COMMAND...
    local t group=$1
    shift
    t=$(now)
    "$@"
    note "time group $driver $group $(since "$t")s"
}

vstate() { timeout 30 virsh -c "$uri" domstate "$1" 2>/dev/null | head -n 1; }
state_is() { [ "$(vstate "$1")" = "$2" ]; }
reason_is() { [ "$(timeout 30 virsh -c "$uri" domstate --reason "$1" 2>/dev/null | head -n 1)" = "$2" ]; }
vgone() { ! timeout 30 virsh -c "$uri" domid "$1" >/dev/null 2>&1; }
console_shows() { [ -s "$console_dir/guest-$1.log" ] && grep -Eqa "$2" "$console_dir/guest-$1.log"; }
xen_caps() { xl info | awk -F': ' '/^xen_caps/ { print $2 }'; }
caps_have() { xen_caps | grep -qw -- "$1"; }

# Xen's PV-shim (docs/pvshim.md): it needs HVM, which this boot has when
# QEMU offers a CPU with SVM and nested paging.
shim_image=/usr/lib/xen-4.17/boot/xen-shim
# The shim keeps some of the container's memory for itself: with 32 MiB it
# cannot build GRUB ("Not enough RAM for domain 0 allocation").
grub_shim_mem=64
hvm_here() { xen_caps | grep -qw hvm-3.0-x86_32p; }
shim_here() { hvm_here && [ -f "$shim_image" ]; }

# Whether this boot's hypervisor is expected to refuse guests of ARCH:
# Debian's stock build has no 32-bit PV support (CONFIG_PV32 off).  The
# project's driver runs them in the PV-shim where it can.
refused_here() {
    [ "$hypervisor" != rebuilt ] && [ "$1" = i686 ] || return 1
    [ "$driver" != xenpv ] || ! shim_here
}
caps_i686_in_shim() { grep -A2 "<arch name='i686'>" "$work/caps.xml" | grep -q "<loader>$shim_image</loader>"; }
# Whether the project's driver runs guests of ARCH in the PV-shim here.
in_shim_here() { [ "$driver" = xenpv ] && [ "$hypervisor" != rebuilt ] && [ "$1" = i686 ] && shim_here; }

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

# xl's own PV-shim (type="pvh", pvshim=1), side by side with the driver's:
# the 32-bit PAE test kernel (console, save, restore) and GRUB for 32-bit
# PV (console), with their times.
xl_shim_guests() {
    local t name
    while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
        [ "$arch" = i686 ] || continue
        xl_shim_one "$type" "$images/$kernel" "$mem" "$save" "$pattern"
    done 3< "$images/guests"
    [ -f "$images/grub-i386-xen" ] &&
        xl_shim_one grub-i386 "$images/grub-i386-xen" "$grub_shim_mem" \
            "GRUB answers no suspend request" "GRUB|grub>"
}

xl_shim_one() {   # TYPE KERNEL MEMORY SAVE PATTERN
    local type=$1 kernel=$2 mem=$3 save=$4 pattern=$5 name="xl-shim-$1" t
    printf 'name="%s"\ntype="pvh"\npvshim=1\npvshim_path="%s"\nkernel="%s"\nmemory=%s\nvcpus=1\n' \
        "$name" "$shim_image" "$kernel" "$mem" > "$work/$name.cfg"
    printf 'on_poweroff="destroy"\non_reboot="destroy"\non_crash="destroy"\n' >> "$work/$name.cfg"
    rm -f "$console_dir/guest-$name.log"
    t=$(now)
    check "xl create $type in the PV-shim (pvshim=1)" timeout 120 xl create "$work/$name.cfg" || return
    note "time xl create $type (pvshim) $(since "$t")s"
    check "xl: $type (pvshim) console output" wait_for 60 console_shows "$name" "$pattern"
    xl_save_restore "$name" "$type (pvshim)" "$save"
}

# xl save and restore of NAME (LABEL in the results), timed, or the reason
# SAVE why it cannot be saved; then the guest is destroyed.
xl_save_restore() {   # NAME LABEL SAVE
    local name=$1 label=$2 save=$3 t
    if [ "$save" = yes ]; then
        t=$(now)
        if check "xl save $label" timeout 120 xl save "$name" "$work/$name.save"; then
            note "time xl save $label $(since "$t")s"
            t=$(now)
            check "xl restore $label" timeout 120 xl restore "$work/$name.save" &&
                note "time xl restore $label $(since "$t")s"
        fi
    else
        skip "xl save/restore $label" "$save"
    fi
    timeout 60 xl destroy "$name" >/dev/null 2>&1
    rm -f "$work/$name.save"
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
    xl_save_restore "$name" "$type" "$save"
}

xenpv_conf_extra=""     # more of xenpv.conf, for the project's driver
# libvirtd with this suite's driver; it listens on the link to the other
# host when there is one (the migration checks).
start_libvirtd() { tier_libvirtd_start "$driver" "${NET_ADDR:-}" "$xenpv_conf_extra"; }
stop_libvirtd() { tier_libvirtd_stop; }

# Create, console, suspend/resume, save/restore, destroy for one guest
# (described by the variables read from the guests file).
guest_lifecycle() {
    local name="$driver-$type" xml="$work/$driver-$type.xml" t tag=""
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
    in_shim_here "$arch" && tag=" (pvshim)"
    t=$(since "$t")
    note "time $driver create $type$tag ${t}s"
    [ "$type" = linux-x86_64 ] && echo "$driver $t" >> "$first_creates"
    if refused_here "$arch"; then
        notok "virsh create $type: should be refused on the stock hypervisor"
    elif in_shim_here "$arch"; then
        ok "virsh create $type (runs in the PV-shim: no 32-bit PV here)"
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
            note "time $driver save $type$tag $(since "$t")s"
            check "$type gone after save" vgone "$name"
            t=$(now)
            if check "virsh restore $type" timeout 180 virsh -c "$uri" restore "$work/$name.save"; then
                note "time $driver restore $type$tag $(since "$t")s"
                check "$type running after restore" state_is "$name" running
            fi
        fi
        rm -f "$work/$name.save"
    fi
    check "virsh destroy $type" timeout 60 virsh -c "$uri" destroy "$name"
    check "$type gone after destroy" wait_for 30 vgone "$name" || return
    [ "$type" = linux-x86_64 ] && create_again && drivers_compared && first_creates_more
}

# The distribution's kernel created once more, as a reboot or a start after
# define builds it again: this project's driver keeps the image it
# decompressed (kernel_cache_mib), libxl decompresses it each time.
create_again() {
    local t
    rm -f "$console_dir/guest-$name.log"
    t=$(now)
    check "virsh create $type again" timeout 180 virsh -c "$uri" create "$xml" || return
    note "time $driver create again $type$tag $(since "$t")s"
    check "$type console output after the second create" wait_for 60 console_shows "$name" "$pattern"
    check "virsh destroy $type (second)" timeout 60 virsh -c "$uri" destroy "$name"
    check "$type gone after the second destroy" wait_for 30 vgone "$name"
}

# Whether both drivers run in this boot, so that their creates compare.
drivers_compared() { [[ " ${DRIVERS:-} " == *" libxl "* && " ${DRIVERS:-} " == *" xenpv "* ]]; }

# Debian's kernel created for the first time twice more, each time from a
# copy of the file that neither driver has seen (this driver keeps images
# by file identity), so that the comparison of the two drivers' first
# creates rests on three samples each: under emulation one create varies
# by a second from run to run.  dom0's init prints the medians.
first_creates_more() {
    local i t copy cold_xml="$work/$name-new-file.xml"
    for i in 2 3; do
        copy="$work/new-file-$i-$kernel"
        cp "$images/$kernel" "$copy" || return
        guest_xml "$name" "$arch" "$copy" "${initrd:+$images/$initrd}" "$cmdline" "$mem" > "$cold_xml"
        rm -f "$console_dir/guest-$name.log"
        t=$(now)
        if check "virsh create $type from a new kernel file ($i of 3)" \
            timeout 180 virsh -c "$uri" create "$cold_xml"; then
            t=$(since "$t")
            note "time $driver create $type from a new kernel file ${t}s"
            echo "$driver $t" >> "$first_creates"
            check "$type console output ($i of 3)" wait_for 60 console_shows "$name" "$pattern"
            check "virsh destroy $type ($i of 3)" timeout 60 virsh -c "$uri" destroy "$name"
            check "$type gone ($i of 3)" wait_for 30 vgone "$name"
        fi
        rm -f "$copy"
    done
}

lifecycle_checks() {
    while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
        guest_lifecycle
    done 3< "$images/guests"
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

# ---- The project's driver only ---------------------------------------
# It drives Xen's lower libraries itself, so what libxl does for Debian's
# driver (store entries, hotplug scripts, teardown, the save stream) is
# checked here, with the guest's and dom0's own view.

xenpv_log=/var/log/libvirt/libvirtd-xenpv.log
xp_domid() { timeout 30 virsh -c "$uri" domid "$1" 2>/dev/null | head -n 1; }
store_lacks() { ! xenstore-exists "$1" 2>/dev/null; }
store_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
store_nonempty() { [ -n "$(xenstore-read "$1" 2>/dev/null)" ]; }

# The part of a save image that libxenguest wrote starts where the driver's
# header says (docs/save-format.md: little-endian u64 at byte 72).
save_stream_ok() {
    local off
    off=$(od -An -t u8 -j 72 -N 8 "$1" | tr -d ' ')
    [ -n "$off" ] && [ "$off" -gt 0 ] || { echo "no stream offset in $1"; return 1; }
    tail -c +"$((off + 1))" "$1" > "$work/stream"
    PYTHONPATH=/usr/lib/xen-4.17/lib/python verify-stream-v2 -f libxc -i "$work/stream"
}

# Open the console of paused guest NAME through libvirt (what `virsh
# console` does), unpause it, and read until PATTERN shows.
console_through_libvirt() {
    cat > "$work/console.py" <<'PYEOF'
import re, sys
import libvirt
uri, name, pattern = sys.argv[1:4]
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
st = conn.newStream(0)
dom.openConsole(None, st, 0)
dom.resume()
seen = b""
while True:
    data = st.recv(4096)
    if isinstance(data, int):
        continue
    if not data:
        break
    seen += data
    if re.search(pattern.encode(), seen):
        print("console: " + seen.decode(errors="replace").strip().splitlines()[-1])
        sys.exit(0)
print("console closed; read: " + seen.decode(errors="replace")[-300:])
sys.exit(1)
PYEOF
    timeout 120 python3 "$work/console.py" "$uri" "$1" "$2"
}

# The live XML's record of what NAME runs in (docs/pvshim.md).
live_container() { timeout 30 virsh -c "$uri" dumpxml "$1" | grep -o "container=\"[a-z]*\"" | head -n 1; }
dominfo_note() { timeout 30 virsh -c "$uri" dominfo "$1" | grep -q "^Messages:.*PV-shim ($shim_image) inside a PVH container"; }

# One test kernel: console through libvirt, store entries, save with the
# stream checked by Xen's verifier, restore, shutdown answered by the guest.
# On the stock hypervisor with HVM the 32-bit one runs in the PV-shim.
xenpv_guest() {
    local name="xp-$type" xml="$work/xp-$type.xml" id t tag=""
    guest_xml "$name" "$arch" "$images/$kernel" "" "" "$mem" > "$xml"
    rm -f "$console_dir/guest-$name.log"
    if refused_here "$arch"; then
        if timeout 60 virsh -c "$uri" create "$xml" > "$work/out" 2>&1; then
            notok "xenpv: $type refused on the stock hypervisor"
            timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
        elif grep -q 'CONFIG_PV32' "$work/out" && grep -q 'pv=no-32' "$work/out"; then
            ok "xenpv: $type refused, naming CONFIG_PV32 / pv=no-32 / CET"
            note "refusal: $(grep -v '^$' "$work/out" | tail -n 1 | cut -c1-200)"
        else
            notok "xenpv: $type refused, naming CONFIG_PV32 / pv=no-32 / CET"; indent < "$work/out"
        fi
        check "xenpv: no domain left by the refused $type" vgone "$name"
        return
    fi
    in_shim_here "$arch" && tag=" (pvshim)"
    t=$(now)
    check "xenpv: virsh create --paused $type$tag" timeout 180 virsh -c "$uri" create --paused "$xml" || return
    note "time xenpv create --paused $type$tag $(since "$t")s"
    id=$(xp_domid "$name")
    note "xenpv: $type is domid $id"
    if in_shim_here "$arch"; then
        check "xenpv: $type runs in the PV-shim (live XML)" sh -c "[ '$(live_container "$name")' = 'container=\"pvshim\"' ]"
        check "xenpv: virsh dominfo says $type runs in the PV-shim" dominfo_note "$name"
    fi
    check "xenpv: $type store: name, vm, store and console rings" \
        sh -c "xenstore-read /local/domain/$id/name | grep -qx '$name' &&
               xenstore-read /local/domain/$id/vm | grep -q '^/vm/' &&
               xenstore-read /local/domain/$id/store/ring-ref && xenstore-read /local/domain/$id/console/port"
    check "xenpv: $type console/tty written by xenconsoled" wait_for 30 store_nonempty "/local/domain/$id/console/tty"
    check "xenpv: $type console through libvirt shows the boot banner" \
        console_through_libvirt "$name" "$pattern"
    in_shim_here "$arch" &&
        check "xenpv: the PV-shim booted $type (its console: Dom0 kernel: 32-bit, PAE)" \
            console_shows "$name" "Dom0 kernel: 32-bit, PAE"
    check "xenpv: $type running" state_is "$name" running
    t=$(now)
    if check "xenpv: virsh save $type$tag" timeout 180 virsh -c "$uri" save "$name" "$work/$name.save"; then
        note "time xenpv save $type$tag $(since "$t")s"
        in_shim_here "$arch" &&
            check "xenpv: the save image names a PV-shim container's stream (libxc-shim)" \
                sh -c "[ \"\$(dd if='$work/$name.save' bs=1 skip=88 count=10 2>/dev/null)\" = libxc-shim ]"
        check "xenpv: verify-stream-v2 accepts the stream libxenguest wrote ($type)" save_stream_ok "$work/$name.save"
        check "xenpv: $type store entries gone after save" wait_for 30 store_lacks "/local/domain/$id"
        t=$(now)
        if check "xenpv: virsh restore $type$tag" timeout 180 virsh -c "$uri" restore "$work/$name.save"; then
            note "time xenpv restore $type$tag $(since "$t")s"
            check "xenpv: $type running after restore" state_is "$name" running
            check "xenpv: $type says it resumed" wait_for 60 console_shows "$name" "xenpv-test: resumed"
        fi
    fi
    rm -f "$work/$name.save" "$work/stream"
    id=$(xp_domid "$name")
    if check "xenpv: virsh shutdown $type" timeout 120 virsh -c "$uri" shutdown "$name"; then
        check "xenpv: $type powered itself off" wait_for 60 console_shows "$name" "xenpv-test: powering off"
        check "xenpv: $type gone after its shutdown" wait_for 60 vgone "$name"
        check "xenpv: $type store entries gone after shutdown" wait_for 30 store_lacks "/local/domain/$id"
    fi
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
}

# Persistent guests, defined and started, one of each ABI this hypervisor
# runs (the 32-bit one only where xen_caps have it), and a transient guest
# with a bridged NIC: all keep running while libvirtd restarts, and the new
# daemon manages them (found again from the hypervisor and xenstore alone).
xenpv_restart() {
    local name="xp-restart" xml="$work/xp-restart.xml" id arch kernel d defined=""
    guest_xml "$name" x86_64 "$images/$net_kernel" "" "" 32 \
        "<interface type='bridge'><source bridge='xenbr0'/></interface>" > "$xml"
    check "xenpv: virsh create (restart guest)" timeout 180 virsh -c "$uri" create "$xml" || return
    id=$(xp_domid "$name")
    for arch in x86_64 i686; do
        # The driver's capabilities say which arches run here (in the
        # PV-shim, for i686 on the stock hypervisor with HVM).
        [ "$arch" = i686 ] && ! grep -q "<arch name='i686'>" "$work/caps.xml" && continue
        kernel=$(awk -F'|' -v a="$arch" '$2 == a && $4 == "" { print $3; exit }' "$images/guests")
        [ -n "$kernel" ] || continue
        d="xp-def-$arch"
        guest_xml "$d" "$arch" "$images/$kernel" "" "" 32 > "$work/$d.xml"
        check "xenpv: virsh define $d" timeout 60 virsh -c "$uri" define "$work/$d.xml" || continue
        check "xenpv: virsh start $d" timeout 180 virsh -c "$uri" start "$d" &&
            check "xenpv: $d running" wait_for 30 state_is "$d" running &&
            defined="$defined $d"
    done
    stop_libvirtd
    check "xenpv: guests run on while libvirtd is stopped" \
        sh -c "xl list '$name' >/dev/null$(for d in $defined; do printf " && xl list '%s' >/dev/null" "$d"; done)"
    if check "xenpv: libvirtd answers again after a restart" start_libvirtd; then
        check "xenpv: guest found running after the restart" wait_for 30 state_is "$name" running
        for d in $defined; do
            check "xenpv: $d found running after the restart" wait_for 30 state_is "$d" running
            check "xenpv: $d suspend/resume, destroy, undefine after the restart" \
                sh -c "timeout 60 virsh -c '$uri' suspend '$d' && timeout 60 virsh -c '$uri' resume '$d' &&
                       timeout 60 virsh -c '$uri' destroy '$d' && timeout 60 virsh -c '$uri' undefine '$d'"
        done
        check "xenpv: suspend/resume after the restart" \
            sh -c "timeout 60 virsh -c '$uri' suspend '$name' && timeout 60 virsh -c '$uri' resume '$name'"
        check "xenpv: destroy after the restart" timeout 60 virsh -c "$uri" destroy "$name"
        check "xenpv: its vif and backend nodes torn down by the new daemon" \
            wait_for 30 sh -c "! ip link show vif$id.0 >/dev/null 2>&1 &&
                               ! xenstore-exists /local/domain/0/backend/vif/$id &&
                               ! xenstore-exists /local/domain/$id"
    fi
}

# The back end's live save on its own (tests/hypervisor/xen_live_save.c),
# what a live migration's source does: a guest dirtying its memory copied
# while it runs, in rounds whose progress says what the guest dirtied
# meanwhile, then suspended through its control node; the stream checked by
# Xen's verifier; the guest resumed, carrying on.  Refused, naming the
# cause, where the hypervisor cannot track dirty pages.
xenpv_live_save() {
    local name="xp-live" xml="$work/xp-live.xml" tool=/tier/tools/xen-live-save id beats
    if [ ! -x "$tool" ]; then
        skip "xenpv: live save through the back end" "tests/hypervisor/xen-live-save not built"
        return
    fi
    guest_xml "$name" x86_64 "$images/$net_kernel" "" "heartbeat=100 dirty=16" 32 > "$xml"
    rm -f "$console_dir/guest-$name.log"
    check "xenpv: virsh create (live save guest)" timeout 180 virsh -c "$uri" create "$xml" || return
    id=$(xp_domid "$name")
    if check "xenpv: the live save guest beats" wait_for 60 console_shows "$name" "beat [0-9]+"; then
        if [ "$hypervisor" = stock ]; then
            if timeout 300 "$tool" "$id" "$work/live.stream" > "$work/live.out" 2>&1; then
                notok "xenpv: a live save is refused where the hypervisor has no PV log-dirty"
            else
                check "xenpv: a live save is refused where the hypervisor has no PV log-dirty, naming CONFIG_SHADOW_PAGING" \
                    grep -q "CONFIG_SHADOW_PAGING" "$work/live.out"
                note "refusal: $(grep -v '^$' "$work/live.out" | tail -n 1 | cut -c1-200)"
            fi
        elif check "xenpv: live save (xc_domain_save with XCFLAGS_LIVE) through the back end" \
                timeout 300 "$tool" "$id" "$work/live.stream"; then
            cp "$work/out" "$work/live.out"
            note "live save: $(grep -c '^progress' "$work/live.out") progress reports, last: $(grep '^progress' "$work/live.out" | tail -n 1)"
            check "xenpv: live save rounds report what the guest dirtied meanwhile, not nothing" \
                awk '/^progress/ { split($3, r, "="); split($4, i, "="); if (i[2] >= 1 && r[2] > 0) n++ }
                     END { exit !(n > 0) }' "$work/live.out"
            check "xenpv: verify-stream-v2 accepts the live stream" \
                env PYTHONPATH=/usr/lib/xen-4.17/lib/python verify-stream-v2 -f libxc -i "$work/live.stream"
            check "xenpv: the guest resumed after the live save, carrying on" \
                wait_for 60 console_shows "$name" "resumed \\(suspend cancelled\\)"
        fi
        beats=$(grep -c 'beat [0-9]*, memory ok' "$console_dir/guest-$name.log")
        check "xenpv: the live save guest still beats, memory intact" \
            wait_for 30 sh -c "[ \$(grep -c 'beat [0-9]*, memory ok' '$console_dir/guest-$name.log') -gt $beats ] &&
                               ! grep -q CORRUPT '$console_dir/guest-$name.log'"
    fi
    rm -f "$work/live.stream"
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
}

# A file-backed disk (block script, loop device) and a bridged NIC
# (vif-bridge), and a destroy that leaves nothing behind.
xenpv_devices() {
    local name="xp-dev" xml="$work/xp-dev.xml" img="$work/disk.img" id
    truncate -s 64M "$img"
    guest_xml "$name" x86_64 "$images/$net_kernel" "" "" 32 \
        "<disk type='file' device='disk'><source file='$img'/><target dev='xvda' bus='xen'/></disk>
    <interface type='bridge'><source bridge='xenbr0'/></interface>" > "$xml"
    if ! check "xenpv: virsh create with a file-backed disk and a bridged NIC" \
        timeout 240 virsh -c "$uri" create "$xml"; then
        { echo "hotplug log:"; tail -n 15 /var/log/xen/xen-hotplug.log
          echo "processes:"; ps -eo pid,etime,args | grep -E 'scripts/|losetup|xenstore-' | grep -v grep
          echo "backends:"; xenstore-ls -f /local/domain/0/backend 2>&1 | tail -n 30; } | indent 60
        return
    fi
    id=$(xp_domid "$name")
    check "xenpv: block hotplug script connected the disk" store_is "/local/domain/0/backend/vbd/$id/51712/hotplug-status" connected
    check "xenpv: the file is on a loop device" sh -c "losetup -j '$img' | grep -q loop"
    check "xenpv: blkback took it (physical-device written)" store_nonempty "/local/domain/0/backend/vbd/$id/51712/physical-device"
    check "xenpv: frontend nodes in the guest's tree" store_is "/local/domain/$id/device/vbd/51712/backend-id" 0
    check "xenpv: vif-bridge put vif$id.0 into xenbr0" wait_for 30 sh -c "ip -o link show master xenbr0 | grep -q 'vif$id.0'"
    check "xenpv: virsh destroy (devices)" timeout 60 virsh -c "$uri" destroy "$name"
    check "xenpv: no backend nodes left" \
        sh -c "! xenstore-exists /local/domain/0/backend/vbd/$id && ! xenstore-exists /local/domain/0/backend/vif/$id"
    check "xenpv: loop device released" sh -c "! losetup -j '$img' | grep -q loop"
    check "xenpv: vif gone" sh -c "! ip link show vif$id.0 >/dev/null 2>&1"
    check "xenpv: /local/domain/$id and its /vm node removed" store_lacks "/local/domain/$id"
    check "xenpv: the domain is gone from Xen (no zombie)" wait_for 30 sh -c "! xl list $id >/dev/null 2>&1"
    rm -f "$img"
}

# Type @3 on NAME's console through libvirt once @2 shows, then read on
# until @4 shows or the console closes (the guest went away).
console_type() {
    cat > "$work/console_type.py" <<'PYEOF'
import re, sys, time
import libvirt
uri, name, ready, text, after = sys.argv[1:6]
conn = libvirt.open(uri)
dom = conn.lookupByName(name)
st = conn.newStream(0)
dom.openConsole(None, st, 0)
# What was printed before we connected is gone: ask for a fresh prompt.
st.send(b"\r")
seen, sent = b"", False
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    if not sent and re.search(ready.encode(), seen):
        st.send(text.encode() + b"\r")
        sent, seen = True, b""
    data = st.recv(4096)
    if isinstance(data, int):
        time.sleep(0.1)
        continue
    if not data:
        break
    seen += data
    if sent and re.search(after.encode(), seen):
        break
print("console: " + seen.decode(errors="replace")[-200:].replace("\n", " "))
sys.exit(0 if sent else 1)
PYEOF
    timeout 120 python3 "$work/console_type.py" "$uri" "$@"
}

# Debian's GRUB for 32-bit PV in the PV-shim, defined and started through
# virsh: its prompt on the console through libvirt, and "halt" typed there
# powering the guest off (GRUB answers no shutdown or suspend request).
xenpv_shim_grub() {
    local name="xp-shim-grub" t
    [ -f "$images/grub-i386-xen" ] || { skip "xenpv: GRUB for 32-bit PV in the PV-shim" "no grub-i386-xen image"; return; }
    guest_xml "$name" i686 "$images/grub-i386-xen" "" "" "$grub_shim_mem" > "$work/$name.xml"
    rm -f "$console_dir/guest-$name.log"
    check "xenpv: virsh define GRUB for 32-bit PV" timeout 60 virsh -c "$uri" define "$work/$name.xml" || return
    t=$(now)
    if check "xenpv: virsh start GRUB (pvshim)" timeout 180 virsh -c "$uri" start "$name"; then
        note "time xenpv start grub-i386 (pvshim) $(since "$t")s"
        check "xenpv: GRUB runs in the PV-shim (live XML)" sh -c "[ '$(live_container "$name")' = 'container=\"pvshim\"' ]"
        check "xenpv: halt typed at GRUB's prompt through libvirt's console" \
            console_type "$name" "grub>" "halt" "NEVERMATCHES"
        check "xenpv: GRUB powered itself off" wait_for 60 reason_is "$name" "shut off (shutdown)"
    fi
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" undefine "$name" >/dev/null 2>&1
}

# With the shim turned off in xenpv.conf, a 32-bit guest is refused as on a
# host without HVM, naming every remedy, and nothing is built.
xenpv_shim_refusal() {
    local name="xp-never" kernel
    kernel=$(awk -F'|' '$2 == "i686" && $4 == "" { print $3; exit }' "$images/guests")
    guest_xml "$name" i686 "$images/$kernel" "" "" 32 > "$work/$name.xml"
    stop_libvirtd
    xenpv_conf_extra='pvshim = "never"
'
    if check "xenpv: libvirtd answers with pvshim = \"never\"" start_libvirtd; then
        if timeout 60 virsh -c "$uri" create "$work/$name.xml" > "$work/out" 2>&1; then
            notok "xenpv: pvshim = \"never\": the 32-bit guest refused"
            timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
        elif grep -q 'CONFIG_PV32' "$work/out" && grep -q 'pv=no-32' "$work/out" &&
             grep -q 'CET' "$work/out" && grep -q 'pvshim = "never"' "$work/out" &&
             grep -q '64-bit PV kernel' "$work/out"; then
            ok "xenpv: pvshim = \"never\": the 32-bit guest refused, naming every remedy"
        else
            notok "xenpv: pvshim = \"never\": the 32-bit guest refused, naming every remedy"; indent < "$work/out"
        fi
        check "xenpv: nothing built for the refused guest" vgone "$name"
    fi
    stop_libvirtd
    xenpv_conf_extra=""
}

# The verbs of a drop-in for libvirt's Xen driver, on one guest with a
# file-backed disk, a bridged NIC and a password-protected VNC framebuffer:
# vCPUs and pinning, the host's cells, SMBIOS and CPU and memory counters,
# the guest's statistics, disk and NIC hotplug, and the framebuffer served
# by qemu-system-xen.
xenpv_verbs() {
    local name="xp-verbs" xml="$work/xp-verbs.xml" img="$work/verbs-a.img" img2="$work/verbs-b.img" id
    local v="timeout 120 virsh -c $uri" passwd=s3cret dm
    truncate -s 32M "$img" "$img2"
    verbs_xml() {
        guest_xml "$name" x86_64 "$images/$net_kernel" "" "" 32 \
            "<disk type='file' device='disk'><source file='$img'/><target dev='xvda' bus='xen'/></disk>
    <interface type='bridge'><source bridge='xenbr0'/></interface>
    <graphics type='vnc' autoport='yes'${passwd:+ passwd='$passwd'}/>" | sed 's|<vcpu>1</vcpu>|<vcpu>2</vcpu>|' > "$xml"
    }
    # The password needs DES in QEMU's cipher backend: honoured where QEMU
    # has it, else refused at define, naming why.
    verbs_xml
    if ! $v define "$xml" > "$work/out" 2>&1; then
        if grep -q 'cannot ask a VNC client for a password' "$work/out"; then
            ok "xenpv: a VNC password this QEMU cannot ask for is refused at define, naming why"
            note "refusal: $(grep -o 'device model.*' "$work/out" | cut -c1-200)"
        else
            notok "xenpv: define a guest with a VNC password"; indent < "$work/out"
        fi
        passwd=""
        verbs_xml
    fi
    check "xenpv: define and start a guest with a disk, a NIC and VNC" \
        sh -c "$v define '$xml' && $v start '$name'" || return
    id=$(xp_domid "$name")
    $v domstats "$name" > "$work/domstats" 2>&1

    # The test kernel brings up vCPU 0 only: the online ones are listed.
    check "xenpv: vcpuinfo names each online vCPU's host CPU" \
        sh -c "$v vcpuinfo '$name' > '$work/vcpuinfo' && grep -Eq '^CPU:[[:space:]]+[0-9]+$' '$work/vcpuinfo' &&
               ! grep -E '^CPU:' '$work/vcpuinfo' | grep -Evq '^CPU:[[:space:]]+[0-9]+$'"
    check "xenpv: vcpupin --live sets the hard affinity in Xen" \
        sh -c "$v vcpupin '$name' 1 0 --live && xl vcpu-list '$name' | awk '\$3 == 1 { print \$7 }' | grep -qx 0"
    check "xenpv: vcpupin --config and its query" \
        sh -c "$v vcpupin '$name' 0 1 --config && $v vcpupin '$name' --config | grep -Eq '^[[:space:]]*0[[:space:]]+1$'"
    check "xenpv: freecell --all adds up the NUMA cells" \
        sh -c "$v freecell --all | grep -Eq 'Total:[[:space:]]+[1-9][0-9]* KiB'"
    check "xenpv: sysinfo gives the host's SMBIOS tables" sh -c "$v sysinfo | grep -q \"<sysinfo type='smbios'>\""
    check "xenpv: nodecpustats (Xen's idle time) and nodememstats" \
        sh -c "$v nodecpustats | grep -Eq '^idle:[[:space:]]+[1-9]' && $v nodememstats | grep -Eq '^total[[:space:]]*:[[:space:]]+[1-9]'"
    check "xenpv: domstats: cpu, balloon, vCPUs, the vif and the disk" \
        sh -c "grep -Eq 'cpu.time=[1-9]' '$work/domstats' && grep -Eq 'balloon.current=[1-9]' '$work/domstats' &&
               grep -q 'vcpu.current=2' '$work/domstats' && grep -q 'net.0.name=vif$id.0' '$work/domstats' &&
               grep -q 'net.0.rx.bytes=' '$work/domstats' && grep -q 'block.0.rd.reqs=' '$work/domstats'"
    check "xenpv: domifstat of the vif" sh -c "$v domifstat '$name' vif$id.0 | grep -q tx_bytes"
    check "xenpv: domblkstat of the disk (blkback's statistics)" sh -c "$v domblkstat '$name' xvda | grep -q rd_req"

    check "xenpv: attach-disk --live (block script, loop device)" \
        sh -c "$v attach-disk '$name' '$img2' xvdb --live &&
               xenstore-read /local/domain/0/backend/vbd/$id/51728/hotplug-status | grep -qx connected &&
               losetup -j '$img2' | grep -q loop"
    check "xenpv: detach-disk --live releases it" \
        sh -c "$v detach-disk '$name' xvdb --live && ! xenstore-exists /local/domain/0/backend/vbd/$id/51728 &&
               ! losetup -j '$img2' | grep -q loop"
    check "xenpv: attach-interface --live puts a second vif into xenbr0" \
        sh -c "$v attach-interface '$name' bridge xenbr0 --mac 00:16:3e:77:00:01 --live &&
               ip -o link show master xenbr0 | grep -q 'vif$id.1'"
    check "xenpv: detach-interface --live removes it" \
        sh -c "$v detach-interface '$name' bridge --mac 00:16:3e:77:00:01 --live && ! ip link show vif$id.1 >/dev/null 2>&1"

    check "xenpv: vncdisplay :0" sh -c "$v vncdisplay '$name' | grep -qx '127.0.0.1:0'"
    dm="^/usr/libexec/xen-qemu-system-i386 -xen-domid $id "
    check "xenpv: qemu-system-xen serves the framebuffer" pgrep -f -- "$dm"
    check "xenpv: VNC: ${passwd:+a wrong password refused, the right one accepted, }pixels sent" \
        timeout 120 python3 /tier/vnc-check.py 5900 $passwd
    check "xenpv: destroy stops the device model and leaves no backend" \
        sh -c "$v destroy '$name' && ! pgrep -f -- '$dm' &&
               ! xenstore-exists /local/domain/0/backend/vfb/$id && ! xenstore-exists /local/domain/0/backend/vbd/$id"
    check "xenpv: no zombie left (verbs guest)" wait_for 30 sh -c "! xl list $id >/dev/null 2>&1"
    $v undefine "$name" >/dev/null 2>&1
    rm -f "$img" "$img2"
}

xenpv_checks() {
    if [ "$hypervisor" = stock ]; then
        check "xenpv: back end found no PV log-dirty on the stock hypervisor" grep -q "PV log-dirty no" "$xenpv_log"
    else
        check "xenpv: back end found PV log-dirty on the rebuilt hypervisor" grep -q "PV log-dirty yes" "$xenpv_log"
    fi
    note "xenpv: $(grep -o 'Xen dom0: .*' "$xenpv_log" | head -n 1)"
    while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
        [ "$save" = yes ] && [ -z "$initrd" ] && xenpv_guest
    done 3< "$images/guests"
    [ -n "$net_kernel" ] && xenpv_live_save
    [ -n "$net_kernel" ] && xenpv_devices
    [ -n "$net_kernel" ] && xenpv_verbs
    [ -n "$net_kernel" ] && xenpv_restart
}

# The stock hypervisor on a CPU with HVM: the PV-shim's checks, xl's
# (pvshim=1) beside the project's driver's, with their times.  Debian's
# libxl driver does not start on this boot's CPU (see run-tier.sh).
shim_suite() {
    local t
    note "suite: PV-shim checks, driver $driver, images: $(cat "$images/source" 2>/dev/null)"
    note "xen_caps ($hypervisor): $(xen_caps)"
    check "xl info: HVM on the stock hypervisor, and the PV-shim at $shim_image" shim_here || return
    if caps_have xen-3.0-x86_32p; then notok "xl info: stock hypervisor lacks xen-3.0-x86_32p (CONFIG_PV32 off)"
    else ok "xl info: stock hypervisor lacks xen-3.0-x86_32p (CONFIG_PV32 off), as expected"; fi
    [ "$run_xl" = yes ] && xl_shim_guests
    [ "$driver" = xenpv ] || return
    t=$(now)
    check "libvirtd ($driver driver) answers on $uri" start_libvirtd || return
    note "time $driver libvirtd start $(since "$t")s"
    virsh -c "$uri" capabilities > "$work/caps.xml" 2>&1
    check "capabilities: i686 xen guests in the PV-shim (its image their loader)" caps_i686_in_shim
    while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
        [ "$arch" = i686 ] || continue
        guest_lifecycle
        [ "$save" = yes ] && [ -z "$initrd" ] && xenpv_guest
    done 3< "$images/guests"
    [ -n "$net_kernel" ] && xenpv_restart
    xenpv_shim_grub
    xenpv_shim_refusal
}

caps_checks() {
    virsh -c "$uri" capabilities > "$work/caps.xml" 2>&1
    check "capabilities: x86_64 xen guests" grep -q "<arch name='x86_64'>" "$work/caps.xml"
    if [ "$hypervisor" = stock ]; then
        if grep -q "<arch name='i686'>" "$work/caps.xml"; then notok "capabilities: no i686 xen guests on the stock hypervisor"
        else ok "capabilities: no i686 xen guests on the stock hypervisor, as expected"; fi
    else
        check "capabilities: i686 xen guests" grep -q "<arch name='i686'>" "$work/caps.xml"
    fi
}

. /tier/migrate.sh
. /tier/steer.sh

# The smallest 64-bit image (no initrd) carries the bridge check.
net_kernel=$(awk -F'|' '$2 == "x86_64" && $4 == "" { print $3; exit }' "$images/guests")
if [ "$hypervisor" = stock-hvm ]; then
    shim_suite
    stop_libvirtd
    exit 0
fi
# Kernel decompression in this dom0, this project's way and libxenguest's
# (bench/kernel_decompress.c): only when asked for by name.
if [[ " $only " == *" bench "* ]] && [ "$driver" = xenpv ]; then
    check "kernel decompression benchmark" \
        /tier/tools/xenpv-bench-kernel-decompress "$images/linux-x86_64" 8 &&
        grep '^# bench' "$work/out"
fi
note "suite: driver $driver, hypervisor $hypervisor, images: $(cat "$images/source" 2>/dev/null)"
[ "$run_xl" = yes ] && want xl && timed xl xl_checks

t=$(now)
if check "libvirtd ($driver driver) answers on $uri" start_libvirtd; then
    note "time $driver libvirtd start $(since "$t")s"
    want caps && caps_checks
    want lifecycle && timed lifecycle lifecycle_checks
    [ -n "$net_kernel" ] && want bridge && timed bridge bridge_check
    [ "$driver" = xenpv ] && want xenpv && timed xenpv xenpv_checks
    [ -n "${PEER_NAME:-}" ] && want migrate && timed migrate migrate_checks
else
    { cat "/var/log/libvirt/libvirtd-$driver.stderr"
      grep ' error : ' "/var/log/libvirt/libvirtd-$driver.log" | sort -u -k4 | tail -n 3; } | indent 10
    for what in capabilities guests bridge; do
        skip "$what" "libvirtd did not answer"
    done
fi
stop_libvirtd
