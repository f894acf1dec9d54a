#!/usr/bin/env bash
# The fresh-root tests: a fresh minimal Debian 12 machine, from scratch, on
# every run of the suite (docs/fresh-root.md), and a script of the checkout
# run in it, as root, from a clone: tests/fresh/in-root.sh (the default: the
# README's commands) or tests/fresh/package-in-root.sh (the Debian packages
# built, checked and installed).
#
#   tests/fresh/run.sh [in-root.sh | package-in-root.sh]
#
# The machine is a chroot: an overlay whose lower layer is the cached root of
# tests/fresh/make-root.sh (debootstrap minbase, git, ca-certificates) and
# whose upper layer is this run's scratch, so the cache stays pristine.  It
# runs in mount, PID and UTS namespaces of its own (every process it starts
# dies with it) with fresh /proc, /sys (read-only), a minimal /dev with its
# own devpts, and empty /run and /tmp.  It gets nothing from this machine but
# /etc/resolv.conf, to reach Debian's archive, and a download cache of .deb
# files (CACHE/debs, as its /var/cache/apt/archives: downloads, not installed
# state).  The checkout's committed HEAD is cloned inside with git, and the
# script runs from that clone.  Prints TAP.
#
# Environment: XENPV_FRESH_ROOT_CACHE (default /var/cache/xenpv/fresh-root);
# XENPV_FRESH_FILES, files of this machine the script is given (paths
# separated by ':', copied to the directory $XENPV_FRESH_SHARE names inside:
# a guest's kernel, say); make-root.sh's XENPV_FRESH_ROOT_MAX_DAYS and
# XENPV_FRESH_ROOT_MIRROR.  The last run's logs stay in CACHE/last-run/
# (CACHE/last-run-package/ for package-in-root.sh).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cache=${XENPV_FRESH_ROOT_CACHE:-/var/cache/xenpv/fresh-root}
run=$cache/run
root=$run/root
share=/mnt/xenpv-fresh   # inside the root: the bundle to clone, the logs, the files
. "$here/tap.sh"

script=in-root.sh
if [ "${1:-}" = --in-namespaces ]; then
    script=${2:-$script}
elif [ -n "${1:-}" ]; then
    script=$1
fi
[ -f "$here/$script" ] || { echo "Bail out! no tests/fresh/$script"; exit 1; }
last_run=$cache/last-run
[ "$script" = in-root.sh ] || last_run=$cache/last-run-${script%-in-root.sh}

# --- inside the namespaces (PID 1): mount the machine and run it ---
in_namespaces() {
    set -e
    mount -t overlay overlay -o "lowerdir=$cache/root,upperdir=$run/upper,workdir=$run/work" "$root"
    mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
    mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
    for d in null zero full random urandom tty; do
        touch "$root/dev/$d"
        mount --bind "/dev/$d" "$root/dev/$d"
    done
    mkdir "$root/dev/pts" "$root/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
    ln -s pts/ptmx "$root/dev/ptmx"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
    ln -s /proc/self/fd "$root/dev/fd"
    for i in 0:stdin 1:stdout 2:stderr; do ln -s "/proc/self/fd/${i%%:*}" "$root/dev/${i#*:}"; done
    mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
    mount --bind "$cache/debs" "$root/var/cache/apt/archives"
    mkdir -p "$root$share"
    mount --bind "$run/share" "$root$share"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    hostname xenpv-fresh
    set +e
    echo "ok - a fresh Debian 12 root: overlay over the cached one, own namespaces"

    # A login's environment, nothing of this one (no proxies, no build flags).
    local in_root=(chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
                   PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
    out=$("${in_root[@]}" git clone -q -c advice.detachedHead=false "$share/xenpv.bundle" /root/xenpv 2>&1 < /dev/null)
    ok $? "git clone of the checkout's HEAD ($(cat "$run/share/commit")) into the root" "$out" ||
        return 1
    "${in_root[@]}" XENPV_FRESH_LOGS="$share/logs" XENPV_FRESH_SHARE="$share/files" \
        /bin/bash "/root/xenpv/tests/fresh/$script" < /dev/null
}
if [ "${1:-}" = --in-namespaces ]; then
    in_namespaces
    exit $?
fi

# --- on this machine ---
[ "$(id -u)" = 0 ] || { echo "Bail out! the fresh-root test needs root (debootstrap, namespaces, mounts)"; exit 1; }
# The checkout may belong to another user than root.
git() { command git -c safe.directory="$src" "$@"; }
git -C "$src" rev-parse --short HEAD > /dev/null 2>&1 ||
    { echo "1..0 # SKIP $src is not a git checkout: nothing to clone"; exit 0; }

# One run at a time per cache: runs share the scratch directory and the
# download cache.
mkdir -p "$cache/debs"
exec 9> "$cache/.lock"
if ! flock -n 9; then
    echo "# another run holds $cache/.lock: waiting for it"
    flock 9
fi
cleanup() { rm -rf "$run"; }
trap cleanup EXIT
trap 'exit 143' TERM INT

# number: the TAP lines of every stage as one numbered stream, everything
# else as comments, and the plan at the end.
number() {
    local line n=0 failed=0
    while IFS= read -r line; do
        case $line in
            "ok - "*) n=$((n + 1)); echo "ok $n ${line#ok }" ;;
            "not ok - "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n ${line#not ok }" ;;
            "Bail out!"*|"#"*) echo "$line" ;;
            *) echo "# $line" ;;
        esac
    done
    echo "$n $failed" > "$run/.count"
}

stages() {
    local start=$SECONDS out status
    out=$(bash "$here/make-root.sh" "$cache" 2>&1)
    status=$?
    ok $status "the cached fresh root (debootstrap --variant=minbase bookworm, git, ca-certificates)" "$out" ||
        return 1
    echo "# time root ready: $((SECONDS - start))s"

    # HEAD as it is now, after any wait for the lock.
    commit=$(git -C "$src" rev-parse --short HEAD)
    rm -rf "$run" "$last_run"
    mkdir -p "$run/upper" "$run/work" "$run/root" "$run/share/logs" "$run/share/files"
    echo "$commit" > "$run/share/commit"
    out=$(git -C "$src" bundle create "$run/share/xenpv.bundle" HEAD 2>&1)
    ok $? "the checkout's HEAD ($commit) as a git bundle" "$out" || return 1
    local f files
    IFS=: read -r -a files <<<"${XENPV_FRESH_FILES:-}"
    for f in "${files[@]}"; do
        out=$(cp -L "$f" "$run/share/files/" 2>&1)
        ok $? "$(basename "$f") from this machine, for the root" "$out" || return 1
    done

    start=$SECONDS
    unshare --mount --pid --uts --fork --kill-child --propagation private -- \
        "$0" --in-namespaces "$script" 9>&-
    status=$?
    echo "# time in the fresh root: $((SECONDS - start))s"
    mv "$run/share/logs" "$last_run"
    echo "# logs: $last_run/"
    return $status
}

total=$SECONDS
stages 2>&1 | number
status=${PIPESTATUS[0]}
read -r n failed < "$run/.count"
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
    n=$((n + 1)); failed=1
    echo "not ok $n - the fresh-root run ended without a verdict"
fi
echo "# time in all: $((SECONDS - total))s"
echo "1..$n"
[ "$failed" = 0 ]
