#!/usr/bin/env bash
# xenpv on a fresh Debian 12 machine, as root: install what is needed, build,
# install the module into libvirt's own driver directory, start the simulated
# Xen host and Debian's libvirtd with it, define and start the example guest,
# and show what to type next.  Running it again changes nothing that is
# already in place.
set -euo pipefail

cd "$(dirname "$0")/.."
src=$(pwd)
build=${XENPV_BUILD_DIR:-$src/build}
uri=xen:///system
images=/var/lib/xenpv/images
conf=/etc/libvirt/xenpv.conf
sim_sock=/run/xenpv/simhost.sock
sim_pidfile=/run/xenpv/simhost.pid
libvirt_sock=/run/libvirt/libvirt-sock

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
# poll SECONDS COMMAND...: until the command succeeds or the time is up
poll() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.2
    done
}

[ "$(id -u)" = 0 ] || die "run me as root (sudo bash scripts/demo.sh)"

say "Installing Debian packages (scripts/install-deps.sh)"
bash scripts/install-deps.sh

say "Building in build/"
[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build"

say "Installing (meson install)"
if dpkg-query -W -f='${Status}' libvirt-daemon-driver-xen 2>/dev/null | grep -q 'install ok installed'; then
    die "Debian's own Xen driver (libvirt-daemon-driver-xen) owns the same module file:
see docs/install.md for putting xenpv in its place"
fi
meson install -C "$build" --no-rebuild
module_dir=$(meson introspect "$build" --installed |
    /usr/bin/python3 -c 'import json,sys,os
for src, dst in json.load(sys.stdin).items():
    if dst.endswith("/libvirt_driver_libxl.so"): print(os.path.dirname(dst))')
[ -n "$module_dir" ] || die "the build installs no libvirt_driver_libxl.so"
echo "driver module: $module_dir/libvirt_driver_libxl.so"

find_tool() {  # the installed program, else the one in the build tree
    command -v "$1" 2>/dev/null || { [ -x "$build/src/simhost/$1" ] && echo "$build/src/simhost/$1"; }
}
simhost=$(find_tool xenpv-simhost) || die "xenpv-simhost was not built"
simctl=$(find_tool xenpv-simctl) || die "xenpv-simctl was not built"

say "Test PV kernels in $images"
mkdir -p "$images"
for k in "$build"/tests/kernels/xenpv-test-x86_64.elf "$build"/tests/kernels/xenpv-test-x86_32p.elf; do
    [ -e "$k" ] || die "the test kernels were not built ($build/tests/kernels)"
    cmp -s "$k" "$images/$(basename "$k")" || install -m 0644 "$k" "$images/"
    echo "$images/$(basename "$k")"
done

say "Driver configuration $conf"
if [ -e "$conf" ]; then
    echo "kept as it is:"
else
    mkdir -p "$(dirname "$conf")"
    cat > "$conf" <<EOF
# xenpv: which hypervisor serves xen:///system (see docs/driver-config.md).
# "sim" is the simulated Xen host, xenpv-simhost; "xen" is a real dom0.
hypervisor = "sim"
sim_socket = "$sim_sock"
EOF
    echo "written:"
fi
sed 's/^/    /' "$conf"

say "Simulated Xen host"
if "$simctl" --socket "$sim_sock" info >/dev/null 2>&1; then
    echo "already running (socket $sim_sock)"
else
    mkdir -p "$(dirname "$sim_sock")"
    "$simhost" --daemon --pidfile "$sim_pidfile" --socket "$sim_sock"
    poll 10 "$simctl" --socket "$sim_sock" info || die "xenpv-simhost did not come up on $sim_sock"
    echo "started: pid $(cat "$sim_pidfile" 2>/dev/null || echo ?), socket $sim_sock"
fi

say "libvirtd"
if answer=$(virsh -c "$uri" uri 2>&1); then
    echo "running, with the xenpv driver"
elif [ -S "$libvirt_sock" ] && ! grep -qi "failed to connect socket" <<<"$answer"; then
    cat >&2 <<EOF
libvirtd is running but xen:///system does not answer:
$(sed 's/^/    /' <<<"$answer")
If libvirtd was started before the xenpv driver was installed, restart it
(systemctl restart libvirtd, or stop it yourself), then run this script again.
EOF
    exit 1
else
    # Outside systemd, libvirtd as a daemon logs to this directory and does
    # not create it: libvirt-daemon-system ships it, a bare libvirt-daemon
    # does not.
    mkdir -p /var/log/libvirt
    if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] &&
       systemctl cat libvirtd.service >/dev/null 2>&1; then
        systemctl start libvirtd.service
    elif getent passwd libvirt-qemu >/dev/null; then
        /usr/sbin/libvirtd --daemon
    else
        # Debian's libvirt-daemon always brings the QEMU driver, whose state
        # initialization fails without the users libvirt-daemon-system
        # creates, and takes libvirtd down with it.  Without that package,
        # libvirtd gets a driver directory of its own (docs/install.md):
        # this driver, and the stock drivers that need no more than a
        # container has.
        own_dir=/usr/local/lib/xenpv/connection-driver
        mkdir -p "$own_dir"
        ln -sfn "$module_dir/libvirt_driver_libxl.so" "$own_dir/libvirt_driver_libxl.so"
        for d in secret storage; do
            [ -e "$module_dir/libvirt_driver_$d.so" ] &&
                ln -sfn "$module_dir/libvirt_driver_$d.so" "$own_dir/libvirt_driver_$d.so"
        done
        echo "(libvirt-daemon-system is not installed: libvirtd loads its drivers from $own_dir)"
        LIBVIRT_DRIVER_DIR=$own_dir /usr/sbin/libvirtd --daemon
    fi
    poll 60 virsh -c "$uri" uri || {
        virsh -c "$uri" uri >&2 || true
        die "libvirtd did not answer on $uri"
    }
    echo "started: pid $(cat /run/libvirtd.pid 2>/dev/null || echo ?)"
fi

say "The example guest"
xml=$(grep -l 'xenpv-test-x86_64\.elf' examples/xml/*.xml | head -n 1)
[ -n "$xml" ] || die "no 64-bit example guest in examples/xml"
name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$xml" | head -n 1)
for img in $(sed -n "s:.*<source file='\([^']*\)'.*:\1:p" "$xml"); do
    if [ ! -e "$img" ]; then
        mkdir -p "$(dirname "$img")"
        truncate -s 64M "$img"
        echo "created an empty disk image $img"
    fi
done
if virsh -c "$uri" dominfo "$name" >/dev/null 2>&1; then
    echo "$name is defined already"
else
    virsh -c "$uri" define "$xml"
fi
case "$(virsh -c "$uri" domstate "$name")" in
    running*) echo "$name is running already" ;;
    paused*) echo "$name is paused (virsh -c $uri resume $name)" ;;
    *) virsh -c "$uri" start "$name" ;;
esac

say "virsh -c $uri list --all"
virsh -c "$uri" list --all

cat <<EOF
What to type next:
    virsh -c $uri console $name          # the guest's console (leave with Ctrl-])
    virsh -c $uri dominfo $name
    virsh -c $uri suspend $name          # and: resume $name
    virsh -c $uri save $name /var/lib/xenpv/$name.save
    virsh -c $uri restore /var/lib/xenpv/$name.save
    virsh -c $uri shutdown $name         # and: start $name
    virsh -c $uri event --loop --all     # lifecycle events, in another terminal
    $simctl list             # the simulated host's own view
The guest's console log: /var/log/xenpv/console/guest-$name.log
EOF
