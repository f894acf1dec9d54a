#!/usr/bin/env bash
# The real-Xen test tier: boot Xen 4.17 under QEMU (TCG) with a Debian dom0,
# run the in-dom0 suite (Debian's libvirtd + virsh against real PV guests),
# and print one clean TAP stream whose last line is the comment
# "# N passed, N failed" (a comment, so that meson reads the stream as TAP).
#
# Usage: run-tier.sh [--hypervisor stock|stock-hvm|rebuilt|all] [--driver libxl|xenpv|both]
#                    [--keep] [--timeout SECONDS]
#   --hypervisor  which Xen to boot (default all, one boot each: Debian's
#                 stock build; the same on a CPU with HVM, for the PV-shim
#                 checks; and the same source rebuilt with CONFIG_PV32 and
#                 SHADOW_PAGING.  "both", the older name, means all)
#   --driver      which libvirt Xen driver the suite drives (default libxl,
#                 Debian's own; xenpv is this project's module, configured
#                 for the real Xen back end)
#   --keep        keep the run directory (overlay disk, per-run disk, logs)
#   --timeout     limit for one boot, from QEMU start to power-off (default 900)
# Environment: XEN_TIER_CACHE (default /var/cache/xenpv/xen-tier),
#              XEN_TIER_BUILD (the project's build directory, default ./build),
#              XEN_TIER_STALL_TIMEOUT (seconds of serial silence taken for a
#              stall, default 240),
#              XEN_TIER_CPU_HVM (QEMU's -cpu for the stock-hvm boot, default
#              qemu64,+svm,+npt,family=23,model=1)
#
# QEMU runs with no network device; nothing here touches the network apart
# from build-images.sh fetching from the distribution archive on the host.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${XEN_TIER_CACHE:-/var/cache/xenpv/xen-tier}
build=${XEN_TIER_BUILD:-$top/build}
all_hypervisors="stock stock-hvm rebuilt"
hypervisors=$all_hypervisors drivers=libxl keep=0 boot_timeout=900
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

run_root="$cache/run"
rm -rf "$run_root"
mkdir -p "$run_root"
qemu_pid=""
cleanup() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null || true
    fi
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
    } > "$dir/guests"
}

# The per-run disk: dom0's init, the suite, images, parameters, the
# project's module; dom0 writes its logs back into /out on it.
prepare_tier_disk() {   # RUNDIR HYPERVISOR DRIVERS
    local rundir=$1 hv=$2 src="$1/tier-src"
    mkdir -p "$src/out" "$src/drivers"
    install -m 755 "$here/dom0/init" "$here/dom0/suite.sh" "$here/dom0/vnc-check.py" "$src/"
    # The RFB client the integration tests use, for vnc-check.py.
    install -m 644 "$here/../integration/rfbclient.py" "$src/"
    prepare_images "$src/images"
    if [[ " $3 " == *" xenpv "* ]]; then
        if [ -f "$build/src/driver/libvirt_driver_libxl.so" ]; then
            cp "$build/src/driver/libvirt_driver_libxl.so" "$src/drivers/"
        else
            log "warning: $build/src/driver/libvirt_driver_libxl.so not built"
        fi
    fi
    cat > "$src/params" <<EOF
HYPERVISOR=$hv
DRIVERS="$3"
SUITE_TIMEOUT=$((boot_timeout - 120))
EOF
    mke2fs -q -t ext4 -L xen-tier-run -d "$src" "$rundir/tier.img" 256M >/dev/null
    rm -rf "$src"
}

# Boot once; returns 0 when dom0 reported the end of its run, 1 on a stall or
# timeout (QEMU killed), 2 when QEMU stopped without the end marker.
boot() {
    local rundir=$1 xen=$2 cpu=$3 serial="$1/serial.log" deadline last_size=-1 last_change size
    rm -f "$rundir/overlay.qcow2"
    qemu-img create -q -f qcow2 -F raw -b "$ROOTFS" "$rundir/overlay.qcow2"
    : > "$serial"
    qemu-system-x86_64 -accel tcg,thread=multi -machine q35 -m 3072 -smp 2 -cpu "$cpu" \
        -display none -no-reboot -nic none -serial "file:$serial" -monitor none \
        -drive "file=$rundir/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
        -drive "file=$rundir/tier.img,if=virtio,format=raw,cache=unsafe" \
        -kernel "$xen" \
        -append "console=com1 com1=115200 dom0_mem=1536M,max:1536M dom0_max_vcpus=2 loglvl=all guest_loglvl=all xpti=0" \
        -initrd "$DOM0_KERNEL console=hvc0 earlyprintk=xen loglevel=4,$STAGE1" \
        > "$rundir/qemu.log" 2>&1 &
    qemu_pid=$!
    deadline=$((SECONDS + boot_timeout))
    last_change=$SECONDS
    while kill -0 "$qemu_pid" 2>/dev/null; do
        size=$(stat -c %s "$serial")
        if [ "$size" != "$last_size" ]; then last_size=$size; last_change=$SECONDS; fi
        if [ $SECONDS -ge $deadline ] || [ $((SECONDS - last_change)) -ge $stall_timeout ]; then
            log "boot stalled or timed out after $((SECONDS - deadline + boot_timeout))s: stopping QEMU ($qemu_pid)"
            kill "$qemu_pid" 2>/dev/null || true
            wait "$qemu_pid" 2>/dev/null || true
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

tap="$run_root/results.tap"
: > "$tap"
for hv in $hypervisors; do
    rundir="$run_root/$hv"
    mkdir -p "$rundir"
    boot_drivers=$drivers
    case $hv in
        stock) xen=$XEN_STOCK; ver=$XEN_STOCK_VERSION; cpu=$cpu_plain ;;
        stock-hvm) xen=$XEN_STOCK; ver=$XEN_STOCK_VERSION; cpu=$cpu_hvm
                   boot_drivers=${drivers//libxl/} ;;
        rebuilt) xen=$XEN_REBUILT; ver=$XEN_REBUILT_VERSION; cpu=$cpu_plain ;;
    esac
    if [ -z "${boot_drivers// /}" ]; then
        echo "# hypervisor $hv: not booted: Debian's libxl driver does not start on its CPU ($cpu)" >> "$tap"
        continue
    fi
    echo "# hypervisor $hv: Xen $ver; dom0 kernel $DOM0_KERNEL_VERSION; QEMU CPU $cpu; drivers $(echo $boot_drivers)" >> "$tap"
    for attempt in 1 2; do
        prepare_tier_disk "$rundir" "$hv" "$boot_drivers"
        t0=$SECONDS
        rc=0
        boot "$rundir" "$xen" "$cpu" || rc=$?
        case $rc in 0) how=finished ;; 1) how="stalled or timed out" ;; *) how="stopped without finishing" ;; esac
        log "$hv boot $attempt: $how in $((SECONDS - t0))s"
        # One retry, and only when the run stalled before dom0 finished.
        [ $rc = 1 ] && [ $attempt = 1 ] && { log "retrying $hv once"; continue; }
        break
    done
    echo "# time boot-to-poweroff $hv $((SECONDS - t0))s (attempt $attempt)" >> "$tap"
    # Results: dom0 prints them on the console, prefixed; Xen's serial line
    # carries them with CR LF endings.
    grep -a '@@XT ' "$rundir/serial.log" | tr -d '\r' | sed 's/.*@@XT //' | grep -v '^end$' |
        sed "s/^\(not ok\|ok\) - /\1 - [$hv] /" >> "$tap" || true
    [ $rc = 0 ] || echo "not ok - [$hv] dom0 ran to the end of its suite (see $rundir/serial.log)" >> "$tap"
    # dom0's logs come back on the per-run disk.
    debugfs -R "rdump /out $rundir" "$rundir/tier.img" >/dev/null 2>&1 || true
done

# Number the results and count them.
awk -v total_s="$((SECONDS - t_start))" -v images_s="$t_images" '
    /^(ok|not ok) / {
        n++
        line = $0
        if (line ~ /^ok /) { sub(/^ok /, "", line); if (line ~ /# SKIP/) skipped++; else passed++; print "ok " n " " line }
        else { sub(/^not ok /, "", line); failed++; print "not ok " n " " line }
        next
    }
    { print }
    END {
        print "1.." n
        print "# time images " images_s "s, whole tier " total_s "s"
        printf "# %d passed, %d failed", passed, failed
        if (skipped) printf ", %d skipped", skipped
        printf "\n"
        exit (failed > 0 || n == 0)
    }' "$tap" | tee "$run_root/results.numbered.tap"
