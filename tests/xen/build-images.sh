#!/usr/bin/env bash
# Build, or take from the cache, what the real-Xen test tier boots under QEMU:
# Debian's stock Xen hypervisor, the same hypervisor rebuilt from Debian's
# source package with 32-bit PV and shadow paging, Debian's dom0 kernel, a
# first-stage initramfs and a dom0 root file system image.  Everything comes
# from Debian's archive through the host's own apt configuration.
#
# Each artifact lives in a directory named after a hash of its inputs (package
# versions and the code of the step that makes it), so a second run finds it
# and does nothing; a stale sibling is removed once its replacement is built.
# Nothing is installed on the host and nothing is loop-mounted.
#
# Usage: build-images.sh            (prints the manifest path on stdout)
# Environment: XEN_TIER_CACHE (default /var/cache/xenpv/xen-tier)
set -euo pipefail

cache=${XEN_TIER_CACHE:-/var/cache/xenpv/xen-tier}
suite=bookworm
# Kernel modules dom0 needs: backends and toolstack devices, the bridge,
# what the first stage needs to reach its root disk, and for the migration
# checks the link between the two hosts and the NFS storage they share.
dom0_modules="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback
              xen-netback bridge tun dummy loop virtio_blk virtio_pci ext4
              virtio_net nfsd nfsv4"
stage1_modules="virtio_pci virtio_blk ext4"
# The dom0 user space: Xen's tools, Debian's libvirtd with its libxl driver,
# what the tier's init uses; QEMU for PV framebuffers, and what the
# suite's VNC client (DES) and sysinfo (dmidecode) need; an NFS server (one
# dom0 exports the guests' storage to the other, as the hosts of a
# migration share theirs).
dom0_packages="xen-utils-4.17 xenstore-utils libvirt-daemon
               libvirt-daemon-driver-xen libvirt-clients python3-libvirt
               busybox kmod iproute2 procps udev e2fsprogs
               qemu-system-xen python3-cryptography dmidecode nfs-kernel-server"

log() { echo "build-images: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
for tool in apt-get dpkg-deb debootstrap mke2fs depmod modprobe cpio busybox; do
    command -v "$tool" >/dev/null || die "$tool missing: run scripts/install-deps.sh"
done
[ -x /bin/busybox ] && file_is_static=$(ldd /bin/busybox 2>&1 || true)
case "${file_is_static:-}" in
    *"not a dynamic"*|*"statically linked"*) ;;
    *) die "/bin/busybox is not the static one: install busybox-static" ;;
esac

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

work="$cache/work"   # the one scratch directory; emptied before each step

fresh_work() {
    rm -rf "$work"
    mkdir -p "$work"
    # apt-get download and source fetch as the unprivileged user _apt.
    chown _apt:root "$work" 2>/dev/null || chmod 777 "$work"
}

# The version apt would install (or fetch) for PKG.
candidate() {
    apt-cache policy "$1" | awk '/Candidate:/ { print $2; exit }'
}

# A short hash of a step's own code plus its inputs.
key_of() {
    local fn=$1; shift
    { declare -f "$fn"; printf '%s\n' "$@"; } | sha256sum | cut -c1-16
}

# Remove older builds of the same artifact, keeping $1.
prune_siblings() {
    local keep=$1 d
    for d in "${keep%-*}"-*; do
        [ "$d" = "$keep" ] || [ ! -d "$d" ] || { log "removing stale $(basename "$d")"; rm -rf "$d"; }
    done
}

# The archive's base URI for the suite, as the host's apt sees it.
mirror_uri() {
    apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(TARGET_OF)' |
        awk -v s="$suite" '$2 == s && $3 == "deb" { print $1; exit }'
}

download_deb() {   # PKG -> path of the .deb in $work
    (cd "$work" && apt-get download -q "$1" >&2)
    ls -1 "$work"/"$1"_*.deb | head -n 1
}

# --- Debian's stock hypervisor -------------------------------------------
build_stock_hypervisor() {
    local out=$1 deb
    fresh_work
    deb=$(download_deb xen-hypervisor-4.17-amd64)
    dpkg-deb -x "$deb" "$work/x"
    zcat "$work"/x/boot/xen-4.17-amd64.gz > "$out.tmp/xen"
    cp "$work"/x/boot/xen-4.17-amd64.config "$out.tmp/config"
    dpkg-deb -f "$deb" Version > "$out.tmp/version"
}

# --- the hypervisor rebuilt with 32-bit PV guests and shadow paging ------
build_rebuilt_hypervisor() {
    local out=$1 v src
    fresh_work
    # The newest source version whose files the archive actually serves
    # (security updates may list sources that are not mirrored).
    for v in $(apt-cache showsrc xen | awk '/^Version:/ { print $2 }' | sort -rV); do
        if (cd "$work" && apt-get source -q "xen=$v" >"$work/source.log" 2>&1); then
            break
        fi
        log "source xen=$v not fetchable, trying an older one"
        v=""
    done
    [ -n "$v" ] || die "no xen source package could be fetched"
    src=$(ls -1d "$work"/xen-*/ | head -n 1)
    # Debian's build starts from debian/xen-kconfig; add the two options.
    cp "$src/debian/xen-kconfig" "$src/xen/.config"
    printf 'CONFIG_PV32=y\nCONFIG_SHADOW_PAGING=y\n' >> "$src/xen/.config"
    nice -n 19 make -s -C "$src/xen" olddefconfig PYTHON=/usr/bin/python3 >&2
    grep -qx 'CONFIG_PV32=y' "$src/xen/.config" || die "CONFIG_PV32 did not stick"
    grep -qx 'CONFIG_SHADOW_PAGING=y' "$src/xen/.config" || die "CONFIG_SHADOW_PAGING did not stick"
    nice -n 19 make -s -C "$src/xen" -j2 PYTHON=/usr/bin/python3 >&2
    cp "$src/xen/xen" "$out.tmp/xen"
    cp "$src/xen/.config" "$out.tmp/config"
    echo "$v" > "$out.tmp/version"
}

# --- dom0 kernel and its trimmed module tree ------------------------------
# Debian's cloud flavour is built without CONFIG_XEN_DOM0, so only the
# generic flavour can be a PV dom0.
build_kernel() {
    local out=$1 pkg=$2 deb kver m
    fresh_work
    deb=$(download_deb "$pkg")
    dpkg-deb -x "$deb" "$work/k"
    kver=$(ls -1 "$work/k/lib/modules" | head -n 1)
    grep -qx 'CONFIG_XEN_DOM0=y' "$work/k/boot/config-$kver" || die "$pkg cannot be a Xen dom0"
    depmod -b "$work/k" "$kver"
    mkdir -p "$out.tmp/lib/modules/$kver"
    # Copy only the closure of the modules dom0 uses, then index them.
    for m in $dom0_modules; do
        modprobe -d "$work/k" -S "$kver" --show-depends "$m"
    done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r path; do
        rel=${path#"$work/k/"}
        mkdir -p "$out.tmp/$(dirname "$rel")"
        cp "$path" "$out.tmp/$rel"
    done
    cp "$work/k/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$out.tmp/lib/modules/$kver/"
    depmod -b "$out.tmp" "$kver"
    cp "$work/k/boot/vmlinuz-$kver" "$out.tmp/vmlinuz"
    cp "$work/k/boot/config-$kver" "$out.tmp/config"
    echo "$kver" > "$out.tmp/kver"
}

# --- first stage: load virtio and ext4, mount the root, hand over ---------
# It mounts the per-run disk (/dev/vdb) at /tier of the new root and starts
# /tier/init there, so nothing about the test run is baked into the images.
build_stage1() {
    local out=$1 kdir=$2 kver m root
    kver=$(cat "$kdir/kver")
    fresh_work
    root="$work/s1"
    mkdir -p "$root"/{bin,dev,proc,sys,newroot,lib/modules}
    cp /bin/busybox "$root/bin/busybox"
    for m in sh mount umount switch_root insmod mkdir sleep cat echo poweroff; do
        ln -s busybox "$root/bin/$m"
    done
    for m in $stage1_modules; do
        modprobe -d "$kdir" -S "$kver" --show-depends "$m"
    done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' > "$work/order"
    : > "$root/modules"
    while read -r path; do
        cp "$path" "$root/lib/modules/"
        echo "$(basename "$path")" >> "$root/modules"
    done < "$work/order"
    cat > "$root/init" <<'INIT'
#!/bin/sh
# First stage: make the root disk reachable and hand over to the tier's init.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done < /modules
i=0
while [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; do
    i=$((i + 1))
    [ $i -gt 300 ] && { echo "stage1: no /dev/vda or /dev/vdb"; poweroff -f; }
    sleep 0.1
done
mount -t ext4 /dev/vda /newroot || { echo "stage1: cannot mount /dev/vda"; poweroff -f; }
mount -t ext4 /dev/vdb /newroot/tier || { echo "stage1: cannot mount /dev/vdb"; poweroff -f; }
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /tier/init
INIT
    chmod 755 "$root/init"
    (cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out.tmp/stage1.cpio.gz"
}

# --- a Linux PV guest's initramfs -----------------------------------------
# Debian's kernel also boots as a 64-bit PV guest; with this busybox init it
# says hello on its console and idles, and it answers suspend requests, so
# save and restore can be measured with a real Linux guest.  With
# "heartbeat" on its command line it prints "beat N" ten times a second
# instead of idling: a counter kept across a migration, and the gaps in it
# show how long the guest was stopped.
build_guest_initrd() {
    local out=$1 root
    fresh_work
    root="$work/g"
    mkdir -p "$root"/{bin,dev,proc}
    cp /bin/busybox "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    cat > "$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
echo "xen-tier guest up"
if /bin/busybox grep -qw heartbeat /proc/cmdline; then
    n=0
    while :; do
        n=$((n + 1))
        echo "beat $n"
        /bin/busybox usleep 100000
    done
fi
while :; do /bin/busybox sleep 3600; done
INIT
    chmod 755 "$root/init"
    (cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out.tmp/guest.cpio.gz"
}

# --- dom0 root file system -------------------------------------------------
build_rootfs() {
    local out=$1 kdir=$2 uri=$3 root
    fresh_work
    root="$work/root"
    log "debootstrap $suite (minbase)"
    nice -n 19 debootstrap --variant=minbase "$suite" "$root" "$uri" >"$work/debootstrap.log" 2>&1 ||
        { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    # The same archive entries as the host, so dom0 gets the same updates
    # (libvirt must match the version the module is built against).
    rm -f "$root/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
    find "$root/etc/apt/sources.list.d" -name '*.sources' -exec sed -i '/^Types:/s/ *deb-src//' {} +
    find "$root/etc/apt/sources.list.d" -name '*.sources' -exec \
        sh -c 'grep -q "^Types: *deb *$" "$1" || rm -f "$1"' _ {} \;
    # No service may start inside the chroot.
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    nice -n 19 chroot "$root" apt-get update -q >"$work/apt.log" 2>&1 ||
        { tail -n 20 "$work/apt.log" >&2; die "apt-get update in the chroot failed"; }
    # shellcheck disable=SC2086
    nice -n 19 chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends $dom0_packages >>"$work/apt.log" 2>&1 ||
        { tail -n 20 "$work/apt.log" >&2; die "installing dom0 packages failed"; }
    nice -n 19 chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -q \
        >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; die "upgrade in the chroot failed"; }
    chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' > "$out.tmp/packages"
    rm -f "$root/usr/sbin/policy-rc.d"
    # libvirtd refuses to start when its qemu driver is present without the
    # libvirt-qemu user; the tier never needs that driver.
    rm -f "$root"/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so
    cp -a "$kdir/lib/modules" "$root/lib/"
    mkdir -p "$root/tier" "$root/opt/xenpv/drivers"
    echo xen-tier-dom0 > "$root/etc/hostname"
    # Trim what a test run never reads.
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
        "$root"/usr/share/locale/* "$root"/usr/share/info/* "$root"/var/cache/debconf/*-old \
        "$root"/var/log/*.log "$root"/usr/lib/*/libvirt/connection-driver/libvirt_driver_vbox.so
    log "mke2fs -d ($(du -sh "$root" | cut -f1))"
    nice -n 19 mke2fs -q -t ext4 -L xen-tier-root -d "$root" "$out.tmp/rootfs.img" 3G >&2
    rm -rf "$root"
}

# Run STEP into DIR (atomically) unless DIR exists already.
ensure() {
    local dir=$1 step=$2; shift 2
    if [ -d "$dir" ]; then
        log "cached $(basename "$dir")"
        return 0
    fi
    log "building $(basename "$dir")"
    local t0=$SECONDS
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    "$step" "$dir" "$@"
    mv "$dir.tmp" "$dir"
    rm -rf "$work"
    prune_siblings "$dir"
    log "built $(basename "$dir") in $((SECONDS - t0)) s"
}

uri=$(mirror_uri)
[ -n "$uri" ] || die "the host's apt has no '$suite' entry (run apt-get update)"

hv_ver=$(candidate xen-hypervisor-4.17-amd64)
src_versions=$(apt-cache showsrc xen | awk '/^Version:/ { print $2 }' | sort -rV | tr '\n' ' ')
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')
kver_pkg=$(candidate "$kpkg")
[ -n "$hv_ver" ] && [ -n "$src_versions" ] && [ -n "$kpkg" ] ||
    die "cannot resolve package versions (run apt-get update; deb-src entries via scripts/install-deps.sh)"

stock="$cache/hv-stock-$(key_of build_stock_hypervisor "$hv_ver")"
rebuilt="$cache/hv-rebuilt-$(key_of build_rebuilt_hypervisor "$src_versions")"
kernel="$cache/kernel-$(key_of build_kernel "$kpkg" "$kver_pkg" "$dom0_modules")"
ensure "$stock" build_stock_hypervisor
ensure "$rebuilt" build_rebuilt_hypervisor
ensure "$kernel" build_kernel "$kpkg"
stage1="$cache/stage1-$(key_of build_stage1 "$kernel" "$stage1_modules" "$(busybox | head -n 1)")"
ensure "$stage1" build_stage1 "$kernel"
guestinit="$cache/guestinit-$(key_of build_guest_initrd "$(busybox | head -n 1)")"
ensure "$guestinit" build_guest_initrd
# The root image depends on the day's archive too: rebuild it when the host's
# libvirt or Xen tools changed, since dom0 must carry the same versions.
rootfs="$cache/rootfs-$(key_of build_rootfs "$kernel" "$dom0_packages" \
    "$(candidate libvirt-daemon)" "$(candidate xen-utils-4.17)" "$(candidate libc6)")"
ensure "$rootfs" build_rootfs "$kernel" "$uri"

manifest="$cache/manifest.env"
cat > "$manifest.tmp" <<EOF
XEN_STOCK=$stock/xen
XEN_STOCK_VERSION=$(cat "$stock/version")
XEN_REBUILT=$rebuilt/xen
XEN_REBUILT_VERSION=$(cat "$rebuilt/version")
DOM0_KERNEL=$kernel/vmlinuz
DOM0_KERNEL_VERSION=$(cat "$kernel/kver")
STAGE1=$stage1/stage1.cpio.gz
GUEST_INITRD=$guestinit/guest.cpio.gz
ROOTFS=$rootfs/rootfs.img
EOF
mv "$manifest.tmp" "$manifest"
echo "$manifest"
