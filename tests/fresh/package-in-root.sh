#!/usr/bin/env bash
# The package test inside a fresh Debian 12 root (tests/fresh/run.sh clones
# the checkout there and runs this from the clone, as root, with a clean
# environment): the Debian packages as docs/install.md has a person build
# and install them, on a machine that has Debian's own Xen driver.
#   1. Build: deb-src entries (scripts/add-deb-src.sh), `apt-get build-dep
#      ./` (exactly the Build-Depends: the root has no compiler), then
#      `dpkg-buildpackage -b -us -uc`, without the unit tests and their
#      build dependencies (DEB_BUILD_OPTIONS=nocheck and the nocheck build
#      profile: the suite runs them).  Lintian finds
#      nothing (errors, warnings, info; overrides in debian/).  The driver's
#      package depends on exactly the libvirt built against, takes the place
#      of libvirt-daemon-driver-xen and has /etc/libvirt/xenpv.conf as a
#      conffile.
#   2. Its preinst refuses a local diversion of the module's path.
#   3. Debian's libvirt-daemon-system and libvirt-daemon-driver-xen are
#      installed, and a guest definition left where that driver keeps them;
#      installing the packages takes Debian's driver off.
#   4. With hypervisor = "sim" in the installed xenpv.conf and
#      xenpv-simhost started, Debian's libvirtd, started as a daemon, serves
#      xen:///system from the packaged module: the guest left by Debian's
#      driver is listed and starts, the example guest is defined and starts.
#   5. Removing the package leaves the definitions and the conffile, and
#      Debian's driver goes back in.
# The example guest's kernel comes from the suite's build
# ($XENPV_FRESH_SHARE/xenpv-test-x86_64.elf): guest content, not a package
# file.  Each command's output goes to a log in XENPV_FRESH_LOGS; its tail
# is shown when it fails.  Prints unnumbered TAP lines.
set -uo pipefail

cd "$(dirname "$0")/../.."
. tests/fresh/tap.sh
logs=${XENPV_FRESH_LOGS:?}
files=${XENPV_FRESH_SHARE:?}
src=$(pwd)
uri=xen:///system
module=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_libxl.so
conf=/etc/libvirt/xenpv.conf
failed=0
export DEBIAN_FRONTEND=noninteractive

[ -e /etc/apt/sources.list.d/debian.sources ] && [ ! -e /etc/apt/sources.list.d/xenpv-debian-src.sources ] ||
    { echo "Bail out! not in a fresh root"; exit 1; }

# A root thrown away after the run: dpkg need not sync, man-db need not index.
echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/xenpv-test-unsafe-io
echo 'man-db man-db/auto-update boolean false' | debconf-set-selections

# --- 1. build ---
run add-deb-src.log bash -c 'bash scripts/add-deb-src.sh; case $? in 0|10) apt-get update -q ;; *) exit 1 ;; esac'
check $? "deb-src entries for Debian's archive (scripts/add-deb-src.sh), apt-get update" \
    "$(tail -n 20 "$logs/add-deb-src.log")" || exit 1
run build-dep.log apt-get build-dep -y -q --no-install-recommends -P nocheck ./
check $? "apt-get build-dep ./ installs the Build-Depends" "$(tail -n 20 "$logs/build-dep.log")" ||
    exit 1
run build.log env DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -us -uc -Pnocheck
check $? "dpkg-buildpackage -b -us -uc -Pnocheck" "$(tail -n 40 "$logs/build.log")" || exit 1
cd ..
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
driver_deb=libvirt-daemon-driver-xenpv_${version}_amd64.deb
simhost_deb=xenpv-simhost_${version}_amd64.deb
[ -f "$driver_deb" ] && [ -f "$simhost_deb" ]
check $? "it made $driver_deb and $simhost_deb" "$(ls -l)" || exit 1

run lintian-install.log apt-get install -y -q --no-install-recommends lintian
lintian_out=$(lintian -I --pedantic --fail-on error,warning,info "xenpv_${version}_amd64.changes" 2>&1)
check $? "lintian: no error, warning or info tag" "$lintian_out"

libvirt_version=$(dpkg-query -W -f='${Version}' libvirt-dev)
field() { dpkg-deb -f "$driver_deb" "$1"; }
[[ ", $(field Depends), " == *", libvirt-daemon (= $libvirt_version), libvirt0 (= $libvirt_version), "* ]]
check $? "Depends: exactly the libvirt it was built against ($libvirt_version)" "$(field Depends)"
[ "$(field Provides)" = "libvirt-daemon-driver-xen (= $libvirt_version)" ] &&
    [ "$(field Conflicts)" = libvirt-daemon-driver-xen ] && [ "$(field Replaces)" = libvirt-daemon-driver-xen ]
check $? "Provides, Conflicts and Replaces libvirt-daemon-driver-xen" \
    "$(dpkg-deb -f "$driver_deb" Provides Conflicts Replaces)"
conffiles=$(dpkg-deb --ctrl-tarfile "$driver_deb" | tar -xOf - ./conffiles 2>&1)
[ "$conffiles" = "$conf" ]
check $? "its conffile is $conf" "$conffiles"
contents=$(dpkg-deb -c "$driver_deb"; dpkg-deb -c "$simhost_deb")
for f in "$module" /usr/share/doc/libvirt-daemon-driver-xenpv/install.md.gz \
         /usr/sbin/xenpv-simhost /usr/bin/xenpv-simctl /usr/share/doc/xenpv-simhost/simhost.md.gz \
         /usr/share/man/man8/xenpv-simhost.8.gz; do
    grep -q " \.$f\( \|$\)" <<<"$contents" || { missing+=" $f"; }
done
[ -z "${missing:-}" ]
check $? "the module, the tools and their docs are in the packages" "missing:${missing:-}"
dpkg-deb -c "$driver_deb" | grep -q 'xenpv-simhost'
check $((!$?)) "the simulated host is not in the driver's package" \
    "$(dpkg-deb -c "$driver_deb" | grep xenpv-simhost)"

# --- 2. the preinst and a local diversion ---
# Services are not started in this root (a chroot's policy-rc.d): libvirtd
# is started by hand below.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
dpkg-divert --local --add "$module" > /dev/null
run diverted.log apt-get install -y -q --no-install-recommends "./$driver_deb"
status=$?
[ $status != 0 ] && grep -q 'diverted locally' "$logs/diverted.log" &&
    ! dpkg-query -W -f='${Status}' libvirt-daemon-driver-xenpv 2>/dev/null | grep -q 'ok installed'
check $? "installing under a local diversion of the module is refused, saying so" \
    "$(tail -n 15 "$logs/diverted.log")"
dpkg-divert --local --remove "$module" > /dev/null

# --- 3. a host with Debian's Xen driver ---
run debian-driver.log apt-get install -y -q --no-install-recommends \
    libvirt-daemon-system libvirt-daemon-driver-xen libvirt-clients
check $? "Debian's libvirt-daemon-system and libvirt-daemon-driver-xen install" \
    "$(tail -n 20 "$logs/debian-driver.log")" || exit 1
mkdir -p /var/lib/xenpv/images /etc/libvirt/libxl
cp "$files/xenpv-test-x86_64.elf" /var/lib/xenpv/images/
# A guest as Debian's driver keeps it: libvirt's domain XML, in its directory.
old=debian-guest
sed -e "s:<name>[^<]*</name>:<name>$old</name>:" -e '/<uuid>/d' \
    -e "s:<source file='[^']*'/>:<source file='/var/lib/xenpv/images/$old.img'/>:" \
    "$src/examples/xml/minimal-x86_64.xml" > "/etc/libvirt/libxl/$old.xml"
truncate -s 64M "/var/lib/xenpv/images/$old.img"

run install.log apt-get install -y -q --no-install-recommends "./$driver_deb" "./$simhost_deb"
check $? "apt-get install ./$driver_deb ./$simhost_deb" "$(tail -n 20 "$logs/install.log")" || exit 1
owner=$(dpkg -S "$module" 2>&1)
! dpkg-query -W -f='${Status}' libvirt-daemon-driver-xen 2>/dev/null | grep -q 'ok installed' &&
    [ "$owner" = "libvirt-daemon-driver-xenpv: $module" ]
check $? "it took the place of libvirt-daemon-driver-xen: $owner" "$(grep -i 'remov' "$logs/install.log")"

# --- 4. the installed libvirtd serves xen:///system with it ---
sed -i 's/^#hypervisor = "xen"$/hypervisor = "sim"/' "$conf"
grep -q '^hypervisor = "sim"$' "$conf"
check $? "$conf (the installed conffile) set to the simulated host" "$(grep hypervisor "$conf")"
mkdir -p /run/xenpv /var/log/libvirt
run simhost.log xenpv-simhost --daemon --pidfile /run/xenpv/simhost.pid
check $? "xenpv-simhost (the installed one) starts" "$(tail -n 10 "$logs/simhost.log")"
# In a network namespace of its own: this root shares the machine's (for
# Debian's archive), and libvirtd would otherwise start the default network
# of libvirt-daemon-system there, a bridge and firewall rules on this
# machine.  Clients reach it through its UNIX socket.
run libvirtd.log unshare --net /usr/sbin/libvirtd --daemon --pid-file /run/libvirtd.pid
up=1
for _ in $(seq 1 150); do
    virsh -c "$uri" uri > /dev/null 2>&1 && { up=0; break; }
    sleep 0.2
done
check $up "Debian's libvirtd, started as a daemon, answers on $uri" \
    "$(virsh -c "$uri" uri 2>&1; tail -n 20 /var/log/libvirt/libvirtd.log 2>/dev/null)" || exit 1
pid=$(cat /run/libvirtd.pid)
grep -q " $module\$" "/proc/$pid/maps"
check $? "libvirtd (pid $pid) has loaded $module" "$(grep connection-driver "/proc/$pid/maps")"

list=$(virsh -c "$uri" list --all 2>&1)
grep -Eq "^ *- +$old +shut off *\$" <<<"$list"
check $? "the guest left by Debian's driver in /etc/libvirt/libxl is listed" "$list"
out=$(virsh -c "$uri" start "$old" 2>&1)
check $? "and it starts" "$out"

xml=$src/examples/xml/minimal-x86_64.xml
name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$xml" | head -n 1)
for img in $(sed -n "s:.*<source file='\([^']*\)'.*:\1:p" "$xml"); do
    mkdir -p "$(dirname "$img")"
    truncate -s 64M "$img"
done
out=$(virsh -c "$uri" define "$xml" 2>&1 && virsh -c "$uri" start "$name" 2>&1)
check $? "the example guest $name is defined and started" "$out"
list=$(virsh -c "$uri" list 2>&1)
grep -Eq "^ *[0-9]+ +$name +running *\$" <<<"$list" && grep -Eq "^ *[0-9]+ +$old +running *\$" <<<"$list"
check $? "virsh -c $uri list shows both guests running" "$list"
[ -f "/etc/libvirt/libxl/$name.xml" ]
check $? "the example guest's definition is in /etc/libvirt/libxl" "$(ls /etc/libvirt/libxl)"

# --- 5. going back ---
kill "$pid" 2>/dev/null
for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
run remove.log apt-get remove -y -q libvirt-daemon-driver-xenpv
check $? "apt-get remove libvirt-daemon-driver-xenpv" "$(tail -n 20 "$logs/remove.log")"
[ -f "/etc/libvirt/libxl/$name.xml" ] && [ -f "/etc/libvirt/libxl/$old.xml" ] && [ -f "$conf" ]
check $? "the definitions and $conf stay" "$(ls /etc/libvirt/libxl "$conf" 2>&1)"
run reinstall.log apt-get install -y -q --no-install-recommends libvirt-daemon-driver-xen
owner=$(dpkg -S "$module" 2>&1)
[ "$owner" = "libvirt-daemon-driver-xen: $module" ]
check $? "Debian's driver goes back in: $owner" "$(tail -n 20 "$logs/reinstall.log")"

# The download cache beside the root keeps only what the archive still has.
apt-get -q autoclean > /dev/null 2>&1
exit $((failed > 0))
