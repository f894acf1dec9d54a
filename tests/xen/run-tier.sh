#!/usr/bin/env bash
# The real-Xen test tier: boot Xen 4.17 under QEMU (TCG) with a Debian dom0,
# run the in-dom0 suite (Debian's libvirtd + virsh against real PV guests),
# and print one clean TAP stream whose last line is the comment
# "# N passed, N failed" (a comment, so that meson reads the stream as TAP).
#
# Usage: run-tier.sh [--hypervisor stock|stock-hvm|rebuilt|all] [--driver libxl|xenpv|both]
#                    [--keep] [--timeout SECONDS] [--only GROUPS] [--guests NAMES]
#                    [--migrations ci|all] [--baselines rebuilt|all]
#   --hypervisor  which Xen to boot (default all, one boot each: Debian's
#                 stock build; the same on a CPU with HVM, for the PV-shim
#                 checks; and the same source rebuilt with CONFIG_PV32 and
#                 SHADOW_PAGING.  "both", the older name, means all)
#   --driver      which libvirt Xen driver the suite drives (default libxl,
#                 Debian's own; xenpv is this project's module, configured
#                 for the real Xen back end)
#   --keep        keep the run directory (overlay disk, per-run disk, logs)
#   --timeout     limit for one boot, from QEMU start to power-off (default 900;
#                 a boot with the migration checks has 1500 s more, 3000
#                 with --migrations all)
#   --only        run only these check groups of the suite (space or comma
#                 separated; default all): xl caps lifecycle bridge xenpv
#                 migrate; and bench (kernel decompression, only when named)
#   --guests      use only these guests (names in the guests list: x86_64
#                 x86_32p linux-x86_64); checks that need a guest left out
#                 are not run.  Both are for short runs while working on
#                 one thing: CI runs everything.
#   --migrations  which migrations the migrate group makes: ci (the
#                 default) moves each guest once with this project's
#                 driver, its modes (client-managed, --p2p, --p2p
#                 --tunnelled) spread over the guests, and Debian's Linux
#                 also with xl and Debian's libxl driver; all moves every
#                 guest in every mode, and with all three (three times as
#                 long)
#   --baselines   where xl's checks and Debian's libxl driver run beside
#                 this project's driver (--driver both): rebuilt (the
#                 default, CI's: the rebuilt host, and xl's PV-shim guests
#                 on stock-hvm; the stock host runs this driver alone) or
#                 all (every boot, as with --driver libxl)
# Environment: XEN_TIER_CACHE (default /var/cache/xenpv/xen-tier),
#              XEN_TIER_BUILD (the project's build directory, default ./build),
#              XEN_TIER_RUN (where a run keeps its disks, logs and results,
#              default $XEN_TIER_CACHE/run; emptied at the start of a run),
#              XEN_TIER_STALL_TIMEOUT (seconds of serial silence taken for a
#              stall, default 240),
#              XEN_TIER_CPU_HVM (QEMU's -cpu for the stock-hvm boot, default
#              qemu64,+svm,+npt,family=23,model=1)
#
# For the migration checks (group migrate) a second host, the peer, boots
# the rebuilt hypervisor and runs beside the stock host and then the
# rebuilt one: the QEMUs are joined by a point-to-point link, a TCP
# connection on the machine's loopback (-netdev socket,listen=/connect=),
# on which the two dom0s have addresses of their own and nothing else is
# reachable.  Otherwise QEMU has no network device;
# nothing here touches the network apart from build-images.sh fetching from
# the distribution archive on the host.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${XEN_TIER_CACHE:-/var/cache/xenpv/xen-tier}
build=${XEN_TIER_BUILD:-$top/build}
# The peer of the migration checks runs beside the stock and the rebuilt
# boots, which therefore come one after the other.
all_hypervisors="stock-hvm stock rebuilt"
hypervisors=$all_hypervisors drivers=libxl keep=0 boot_timeout=900 only="" guests="" migrations=ci
baselines=rebuilt
# No serial output for this long means the boot stalled.
stall_timeout=${XEN_TIER_STALL_TIMEOUT:-240}
# QEMU's CPU.  An Intel model (XPTI off on Xen's command line) for the
# stock and rebuilt boots: libvirt's CPU code refuses AMD-flavoured emulated
# CPUs ("Cannot find suitable CPU model for given data"), and then Debian's
# libxl driver does not start.  TCG emulates AMD's SVM with nested paging,
# not Intel's VMX, so the stock-hvm boot, which needs HVM for Xen's PV-shim,
# runs on an AMD model (family 23: the shim faults on family 15's K8
# workaround; SMAP, SMEP and MONITOR would crash dom0 or Xen) with only
# what runs there: xl and this project's driver.
cpu_plain=Westmere
cpu_hvm=${XEN_TIER_CPU_HVM:-qemu64,+svm,+npt,family=23,model=1}

while [ $# -gt 0 ]; do
    case $1 in
        --hypervisor) case $2 in all|both) hypervisors=$all_hypervisors ;; stock|stock-hvm|rebuilt) hypervisors=$2 ;;
                      *) echo "run-tier: --hypervisor stock|stock-hvm|rebuilt|all" >&2; exit 2 ;; esac; shift 2 ;;
        --driver) case $2 in both) drivers="libxl xenpv" ;; libxl|xenpv) drivers=$2 ;;
                  *) echo "run-tier: --driver libxl|xenpv|both" >&2; exit 2 ;; esac; shift 2 ;;
        --keep) keep=1; shift ;;
        --timeout) boot_timeout=$2; shift 2 ;;
        --only) only=${2//,/ }; shift 2 ;;
        --guests) guests=${2//,/ }; shift 2 ;;
        --migrations) case $2 in ci|all) migrations=$2 ;;
                      *) echo "run-tier: --migrations ci|all" >&2; exit 2 ;; esac; shift 2 ;;
        --baselines) case $2 in rebuilt|all) baselines=$2 ;;
                     *) echo "run-tier: --baselines rebuilt|all" >&2; exit 2 ;; esac; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-tier: unknown argument $1" >&2; exit 2 ;;
    esac
done

log() { echo "run-tier: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root"; exit 1; }
# QEMU and the image tools are the tier's own packages, not the main suite's.
bash "$(dirname "$0")/../../scripts/install-deps.sh" --with xen-tier >&2 ||
    { log "could not install the tier's packages (scripts/deps/optional/xen-tier.txt)"; exit 1; }

# One run at a time per cache: runs share the run directory, and two QEMUs
# with 3 GiB each would starve a 2-core machine anyway.
mkdir -p "$cache"
exec 8>"$cache/.run.lock"
if ! flock -n 8; then
    log "another run of the tier holds $cache/.run.lock: waiting for it"
    flock 8
fi

t_start=$SECONDS
manifest=$("$here/build-images.sh")
# shellcheck disable=SC1090
. "$manifest"
t_images=$((SECONDS - t_start))
log "images ready in ${t_images}s"

run_root=${XEN_TIER_RUN:-$cache/run}
rm -rf "$run_root"
mkdir -p "$run_root"
qemu_pid="" peer_pid=""
# Stop the QEMU of PID (ours): asked first, killed if it has not gone in
# 10 s (a stopped or wedged process does not act on the request).
stop_qemu() {   # PID
    local deadline=$((SECONDS + 10))
    kill "$1" 2>/dev/null || true
    while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in $qemu_pid $peer_pid; do
        kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
    done
    if [ "$keep" = 0 ]; then
        rm -f "$run_root"/*/overlay.qcow2 "$run_root"/*/tier.img
    fi
}
trap cleanup EXIT

# Guest images: the project's 64-bit and 32-bit PV test kernels when built,
# else GRUB for Xen (which boots to a prompt but publishes no p2m frame list,
# so it cannot be saved); and Debian's kernel as a 64-bit Linux guest.
prepare_images() {
    local dir=$1 k64="$build/tests/kernels/xenpv-test-x86_64.elf" k32="$build/tests/kernels/xenpv-test-x86_32p.elf"
    local pattern save
    mkdir -p "$dir"
    if [ -f "$k64" ] && [ -f "$k32" ]; then
        cp "$k64" "$dir/test-x86_64"
        cp "$k32" "$dir/test-x86_32p"
        echo "project test kernels" > "$dir/source"
        pattern="xenpv-test: hello"   # they announce themselves
        save=yes
    else
        cp /usr/lib/grub-xen/grub-x86_64-xen.bin "$dir/test-x86_64"
        cp /usr/lib/grub-xen/grub-i386-xen.bin "$dir/test-x86_32p"
        echo "grub-xen (project test kernels not built)" > "$dir/source"
        pattern="GRUB|grub>"
        save="grub-xen publishes no p2m frame list, so it cannot be saved"
    fi
    cp "$DOM0_KERNEL" "$dir/linux-x86_64"
    cp "$GUEST_INITRD" "$dir/linux-x86_64.initrd"
    # GRUB for 32-bit PV, for the PV-shim checks (grub-xen-host, a test
    # dependency of the project).
    if [ -f /usr/lib/grub-xen/grub-i386-xen.bin ]; then
        cp /usr/lib/grub-xen/grub-i386-xen.bin "$dir/grub-i386-xen"
    fi
    {
        echo "x86_64|x86_64|test-x86_64|||32|$save|$pattern"
        echo "x86_32p|i686|test-x86_32p|||32|$save|$pattern"
        echo "linux-x86_64|x86_64|linux-x86_64|linux-x86_64.initrd|console=hvc0 quiet|128|yes|xen-tier guest up"
    } | awk -F'|' -v want=" $guests " 'want == "  " || index(want, " " $1 " ")' > "$dir/guests"
}

# Is check group $1 asked for?
want() { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }

# The link between the peer and the host beside it: the hosts' names, addresses
# (a documentation range: the link leads nowhere) and MACs.
link_net=198.51.100
declare -A host_name=([rebuilt]=xen-tier-rebuilt [stock]=xen-tier-stock [peer]=xen-tier-peer
                       [stock-hvm]=xen-tier-stock-hvm)
declare -A host_octet=([rebuilt]=1 [peer]=2 [stock]=3 [stock-hvm]=4)
hosts_lines=""
for h in rebuilt peer stock; do
    hosts_lines+="$link_net.${host_octet[$h]} ${host_name[$h]}\\n"
done
# Which boots have the peer beside them: the rebuilt host's, for the
# migrations; the stock host's, for the refusals of this driver's
# migrations towards and from Debian's stock hypervisor.
uses_peer() {
    want migrate || return 1
    [ "$1" = rebuilt ] || [[ "$1" = stock && " $drivers " == *" xenpv "* ]]
}
# A boot's time limit: the migrations take minutes each on the emulated
# link (a few MiB/s), so a boot with them has more.
host_timeout() {
    local extra=0
    if uses_peer "$1"; then
        extra=1500
        [ "$migrations" = all ] && extra=3000
    fi
    echo $((boot_timeout + extra))
}
last_peer_user=""
for hv in $hypervisors; do uses_peer "$hv" && last_peer_user=$hv; done
link_port="" link_mtu=65520
if [ -n "$last_peer_user" ]; then
    # A free TCP port on the loopback, where the peer's QEMU listens.
    link_port=$(/usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
fi

# QEMU's end of the link for host $1: the peer listens, the host beside it
# connects (a stream socket: nothing is lost however slowly the other side
# reads, and the peer's QEMU takes the next host's connection when one
# host's QEMU has gone).
link_args() {
    local how="connect=127.0.0.1:$link_port"
    [ "$1" = peer ] && how="listen=127.0.0.1:$link_port"
    # Without a vnet header on the socket QEMU offers the guest no
    # segmentation offload: every frame costs emulated work, so the frames
    # are made as large as a virtio NIC takes (the dom0 raises its MTU).
    echo "-netdev socket,id=link,$how" \
         "-device virtio-net-pci,netdev=link,mac=52:54:00:c6:33:0${host_octet[$1]},host_mtu=$link_mtu"
}
peer_listens() { ss -Htln "sport = :$link_port" | grep -q LISTEN; }

# The per-run disk: dom0's init, the suite, images, parameters, the
# project's module; dom0 writes its logs back into /out on it.  The peer's
# also holds the guests' shared storage (shared/, exported over NFS).
prepare_tier_disk() {   # RUNDIR HOST DRIVERS
    local rundir=$1 hv=$2 role=main src="$1/tier-src" host=$2
    [ "$hv" = peer ] && { role=peer; hv=rebuilt; }
    mkdir -p "$src/out" "$src/drivers"
    install -m 755 "$here/dom0/init" "$here/dom0/suite.sh" "$here/dom0/vnc-check.py" \
        "$here/dom0/libvirtd.sh" "$here/dom0/migrate.sh" "$here/dom0/steer.sh" \
        "$here/dom0/peer.py" "$src/"
    # The RFB client the integration tests use, for vnc-check.py.
    install -m 644 "$here/../integration/rfbclient.py" "$src/"
    prepare_images "$src/images"
    [ "$role" = peer ] && cp -a "$src/images" "$src/shared"
    if [[ " $3 " == *" xenpv "* ]]; then
        if [ -f "$build/src/driver/libvirt_driver_libxl.so" ]; then
            cp "$build/src/driver/libvirt_driver_libxl.so" "$src/drivers/"
        else
            log "warning: $build/src/driver/libvirt_driver_libxl.so not built"
        fi
        # The back end's live save on its own (tests/hypervisor).
        mkdir -p "$src/tools"
        [ -f "$build/bench/xenpv-bench-kernel-decompress" ] &&
            cp "$build/bench/xenpv-bench-kernel-decompress" "$src/tools/"
        [ -f "$build/tests/hypervisor/xen-live-save" ] &&
            cp "$build/tests/hypervisor/xen-live-save" "$src/tools/"
    fi
    cat > "$src/params" <<EOF
HYPERVISOR=$hv
ROLE=$role
HOST_NAME=${host_name[$host]}
DRIVERS="$3"
XL=$xl_here
SUITE_TIMEOUT=$(($(host_timeout "$host") - 120))
ONLY="$only"
MIGRATIONS=$migrations
EOF
    if [ "$role" = peer ] || uses_peer "$host"; then
        cat >> "$src/params" <<EOF
NET_ADDR=$link_net.${host_octet[$host]}
NET_MTU=$link_mtu
HOSTS="$hosts_lines"
PEER_NAME=${host_name[peer]}
PEER_ADDR=$link_net.${host_octet[peer]}
PEER_LAST=$([ "$host" = "$last_peer_user" ] && echo yes || echo no)
EOF
    fi
    mke2fs -q -t ext4 -L xen-tier-run -d "$src" "$rundir/tier.img" 256M >/dev/null
    rm -rf "$src"
}

# Start QEMU for the host whose run directory is $1, booting Xen $2 on CPU
# model $3, with the link to the other host when $4 names this host's end
# of it; the PID is left in started_pid.
start_qemu() {
    local rundir=$1 xen=$2 cpu=$3 end=${4:-} serial="$1/serial.log"
    local -a net=()
    [ -n "$end" ] && read -r -a net <<<"$(link_args "$end")"
    rm -f "$rundir/overlay.qcow2"
    qemu-img create -q -f qcow2 -F raw -b "$ROOTFS" "$rundir/overlay.qcow2"
    : > "$serial"
    qemu-system-x86_64 -accel tcg,thread=multi -machine q35 -m 3072 -smp 2 -cpu "$cpu" \
        -display none -no-reboot -nic none -serial "file:$serial" -monitor none \
        -drive "file=$rundir/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
        -drive "file=$rundir/tier.img,if=virtio,format=raw,cache=unsafe" \
        "${net[@]}" \
        -kernel "$xen" \
        -append "console=com1 com1=115200 dom0_mem=1536M,max:1536M dom0_max_vcpus=2 loglvl=all guest_loglvl=all xpti=0" \
        -initrd "$DOM0_KERNEL console=hvc0 earlyprintk=xen loglevel=4,$STAGE1" \
        > "$rundir/qemu.log" 2>&1 &
    started_pid=$!
}

# Has the peer's serial line been silent for the stall timeout?  Once up it
# says it is waiting every 30 s; a stalled boot (a dom0 process spinning,
# docs/xen-tier.md) says nothing more.
peer_last_size=-1 peer_last_change=0
peer_stalled() {
    local size
    [ -n "$peer_pid" ] || return 1
    size=$(stat -c %s "$run_root/peer/serial.log" 2>/dev/null || echo 0)
    if [ "$size" != "$peer_last_size" ]; then peer_last_size=$size; peer_last_change=$SECONDS; fi
    [ $((SECONDS - peer_last_change)) -ge $stall_timeout ]
}

# Boot once (RUNDIR XEN CPU LINK-END LIMIT-SECONDS); returns 0 when dom0
# reported the end of its run, 1 on a stall or timeout (QEMU killed), 2 when
# QEMU stopped without the end marker.  A stalled peer stops the boot too
# (1): its link cannot be joined again.
boot() {
    local rundir=$1 xen=$2 cpu=$3 limit=$5 serial="$1/serial.log" deadline last_size=-1 last_change size
    start_qemu "$rundir" "$xen" "$cpu" "${4:-}"
    qemu_pid=$started_pid
    deadline=$((SECONDS + limit))
    last_change=$SECONDS
    while kill -0 "$qemu_pid" 2>/dev/null; do
        size=$(stat -c %s "$serial")
        if [ "$size" != "$last_size" ]; then last_size=$size; last_change=$SECONDS; fi
        if [ -n "${4:-}" ] && peer_stalled; then
            log "the peer stalled (no serial output for ${stall_timeout}s): stopping this boot's QEMU ($qemu_pid)"
            last_change=$((SECONDS - stall_timeout))
        fi
        if [ $SECONDS -ge $deadline ] || [ $((SECONDS - last_change)) -ge $stall_timeout ]; then
            log "boot stalled or timed out after $((SECONDS - deadline + limit))s: stopping QEMU ($qemu_pid)"
            stop_qemu "$qemu_pid"
            qemu_pid=""
            return 1
        fi
        sleep 1
    done
    wait "$qemu_pid" 2>/dev/null || true
    qemu_pid=""
    grep -aq '@@XT end' "$serial" && return 0
    return 2
}

# Whether a boot of the stock-hvm host failed checks after Xen logged a
# triple fault: the PV-shim itself going down in its own code (the fetch
# of its own text faulting) under TCG's emulation of SVM, which twice in
# a day hit one shim guest in a boot that otherwise passed.
shim_crashed() {   # HOST SERIAL-LOG
    [ "$1" = stock-hvm ] && grep -aq 'Triple fault' "$2" && grep -aq '@@XT not ok' "$2"
}

# A host's results: dom0 prints them on the console, prefixed; Xen's
# serial line carries them with CR LF endings.  Its logs come back on the
# per-run disk.
collect() {   # HOST RUNDIR
    grep -a '@@XT ' "$2/serial.log" | tr -d '\r' | sed 's/.*@@XT //' | grep -v '^end$' |
        sed "s/^\(not ok\|ok\) - /\1 - [$1] /" >> "$tap" || true
    debugfs -R "rdump /out $2" "$2/tier.img" >/dev/null 2>&1 || true
}

# The peer, started with the first boot that uses it; it powers off when
# the last one tells it to, or is stopped a little after.
start_peer() {
    local rundir="$run_root/peer"
    mkdir -p "$rundir"
    prepare_tier_disk "$rundir" peer "$drivers"
    start_qemu "$rundir" "$XEN_REBUILT" "$cpu_plain" peer
    peer_pid=$started_pid
    peer_t0=$SECONDS
    peer_last_size=-1 peer_last_change=$SECONDS
    log "peer started (QEMU $peer_pid), link on TCP port $link_port of 127.0.0.1"
    # The host beside it connects at once.
    local deadline=$((SECONDS + 60))
    until peer_listens; do
        [ $SECONDS -lt $deadline ] && kill -0 "$peer_pid" 2>/dev/null ||
            { log "the peer's QEMU does not listen on port $link_port"; break; }
        sleep 0.2
    done
}
stop_peer() {
    local rundir="$run_root/peer" deadline=$((SECONDS + 120))
    [ -n "$peer_pid" ] || return 0
    while kill -0 "$peer_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 1; done
    kill -0 "$peer_pid" 2>/dev/null && log "the peer did not power off: stopping QEMU ($peer_pid)"
    stop_qemu "$peer_pid"
    peer_pid=""
    echo "# peer: Xen $XEN_REBUILT_VERSION, up $((SECONDS - peer_t0))s" >> "$tap"
    collect peer "$rundir"
    grep -aq '@@XT end' "$rundir/serial.log" ||
        echo "not ok - [peer] dom0 ran until told to power off (see $rundir/serial.log)" >> "$tap"
}
# A stalled peer is stopped and booted again, once; what it wrote is kept
# in peer/attempt1/.
restart_peer() {
    local rundir="$run_root/peer"
    log "restarting the stalled peer (its logs: $rundir/attempt1/)"
    stop_qemu "$peer_pid"
    peer_pid=""
    mkdir -p "$rundir/attempt1"
    mv "$rundir/serial.log" "$rundir/attempt1/"
    echo "# peer: stalled, booted again" >> "$tap"
    start_peer
}

tap="$run_root/results.tap"
: > "$tap"
for hv in $hypervisors; do
    rundir="$run_root/$hv"
    mkdir -p "$rundir"
    boot_drivers=$drivers xl_here=yes
    case $hv in
        stock) xen=$XEN_STOCK; ver=$XEN_STOCK_VERSION; cpu=$cpu_plain ;;
        stock-hvm) xen=$XEN_STOCK; ver=$XEN_STOCK_VERSION; cpu=$cpu_hvm
                   boot_drivers=${drivers//libxl/} ;;
        rebuilt) xen=$XEN_REBUILT; ver=$XEN_REBUILT_VERSION; cpu=$cpu_plain ;;
    esac
    # The baselines once, where they are compared with this driver: the
    # stock host's would repeat the rebuilt host's (CI's time).
    if [ "$hv" = stock ] && [ "$baselines" = rebuilt ] && [[ " $drivers " == *" xenpv "* ]]; then
        boot_drivers=xenpv xl_here=no
    fi
    if [ -z "${boot_drivers// /}" ]; then
        echo "# hypervisor $hv: not booted: Debian's libxl driver does not start on its CPU ($cpu)" >> "$tap"
        continue
    fi
    echo "# hypervisor $hv: Xen $ver; dom0 kernel $DOM0_KERNEL_VERSION; QEMU CPU $cpu; drivers $(echo $boot_drivers)" >> "$tap"
    end=""
    if uses_peer "$hv"; then
        end=$hv
        [ -n "$peer_pid" ] || start_peer
    fi
    for attempt in 1 2; do
        prepare_tier_disk "$rundir" "$hv" "$boot_drivers"
        t0=$SECONDS
        rc=0
        boot "$rundir" "$xen" "$cpu" "$end" "$(host_timeout "$hv")" || rc=$?
        case $rc in 0) how=finished ;; 1) how="stalled or timed out" ;; *) how="stopped without finishing" ;; esac
        log "$hv boot $attempt: $how in $((SECONDS - t0))s"
        # One retry, and only when the run stalled before dom0 finished,
        # or a PV-shim went down under emulation; what the first boot
        # wrote is kept beside the retry's.
        retry=no
        [ $rc = 1 ] && retry=yes
        if [ $rc = 0 ] && [ $attempt = 1 ] && shim_crashed "$hv" "$rundir/serial.log"; then
            echo "# $hv boot 1: Xen logged a triple fault of a PV-shim container ($(grep -ao 'd[0-9]*v[0-9]* Triple fault' "$rundir/serial.log" | head -n 1)) and checks failed: booted once more (the first boot's logs: $rundir/attempt1/)" >> "$tap"
            retry=yes
        fi
        if [ $retry = yes ] && [ $attempt = 1 ]; then
            log "retrying $hv once (the first boot's logs: $rundir/attempt1/)"
            mkdir -p "$rundir/attempt1"
            mv "$rundir/serial.log" "$rundir/attempt1/"
            debugfs -R "rdump /out $rundir/attempt1" "$rundir/tier.img" >/dev/null 2>&1 || true
            [ -n "$end" ] && peer_stalled && restart_peer
            continue
        fi
        break
    done
    echo "# time boot-to-poweroff $hv $((SECONDS - t0))s (attempt $attempt)" >> "$tap"
    collect "$hv" "$rundir"
    [ $rc = 0 ] || echo "not ok - [$hv] dom0 ran to the end of its suite (see $rundir/serial.log)" >> "$tap"
    [ "$hv" = "$last_peer_user" ] && stop_peer
done

# Number the results and count them.  A failing check and its diagnostics
# go to stderr too: meson's log of a failed test shows only that.
awk -v total_s="$((SECONDS - t_start))" -v images_s="$t_images" '
    /^(ok|not ok) / {
        n++
        line = $0
        failing = line ~ /^not ok /
        if (!failing) { sub(/^ok /, "", line); if (line ~ /# SKIP/) skipped++; else passed++; print "ok " n " " line }
        else { sub(/^not ok /, "", line); failed++; print "not ok " n " " line; print "not ok " n " " line > "/dev/stderr" }
        next
    }
    failing && /^#   / { print > "/dev/stderr" }
    { print }
    END {
        print "1.." n
        print "# time images " images_s "s, whole tier " total_s "s"
        printf "# %d passed, %d failed", passed, failed
        if (skipped) printf ", %d skipped", skipped
        printf "\n"
        exit (failed > 0 || n == 0)
    }' "$tap" | tee "$run_root/results.numbered.tap"
