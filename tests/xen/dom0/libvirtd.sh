#!/bin/bash
# Debian's libvirtd in a dom0 of the real-Xen tier, with one of the two
# libvirt Xen drivers: Debian's own libxl module ("libxl"), or the
# project's module ("xenpv", loaded from /opt/xenpv/drivers through
# LIBVIRT_DRIVER_DIR, configured for the real hypervisor back end).
#
#   libvirtd.sh start DRIVER [ADDR [CONF]]
#                                     start it; with ADDR it also listens
#                                     on TCP there, without authentication
#                                     (the tier's link between its two
#                                     emulated hosts goes nowhere else);
#                                     CONF: more lines of xenpv.conf
#   libvirtd.sh stop
#
# init and suite.sh source this file for the same two functions (and
# wait_for).  The daemon's PID is kept in /run/tier-libvirtd.pid so that
# either host's suite can restart the other's daemon (through peer.py)
# with another driver.
tier_libvirtd_pidfile=/run/tier-libvirtd.pid

# Poll COMMAND until it succeeds or SECONDS pass.
wait_for() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

tier_libvirtd_start() {   # DRIVER [ADDR [XENPV_CONF_EXTRA]]
    local driver=$1 addr=${2:-} extra=${3:-} dir="" conf=/etc/libvirt/libvirtd-tier.conf uuid
    local -a args=()
    mkdir -p /var/log/libvirt /run/libvirt
    if [ "$driver" = xenpv ]; then
        dir=/opt/xenpv/drivers
        # Under emulation on a loaded machine a hotplug script can take tens
        # of seconds: a migration's data channel waits that long for the
        # destination (the default, 30 s, suits real hardware).
        printf 'hypervisor = "xen"\nmigration_io_timeout = 150\n%s' "$extra" > /etc/libvirt/xenpv.conf
    fi
    # Every host of the tier comes from one image: each says who it is.
    uuid=$(hostname | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
    {
        printf 'host_uuid = "%s"\n' "$uuid"
        if [ -n "$addr" ]; then
            printf 'listen_tls = 0\nlisten_tcp = 1\nlisten_addr = "%s"\nauth_tcp = "none"\n' "$addr"
        fi
    } > "$conf"
    args=(-f "$conf")
    [ -n "$addr" ] && args+=(--listen)
    env ${dir:+LIBVIRT_DRIVER_DIR=$dir} \
        LIBVIRT_LOG_OUTPUTS="1:file:/var/log/libvirt/libvirtd-$driver.log" \
        LIBVIRT_LOG_FILTERS="1:libxl 1:xen 1:xenpv 1:driver 3:rpc 3:event 3:util 3:object" \
        libvirtd "${args[@]}" >> "/var/log/libvirt/libvirtd-$driver.stderr" 2>&1 &
    echo $! > "$tier_libvirtd_pidfile"
    # Only the connection: what the driver can do is for the checks.
    wait_for 60 virsh -c xen:///system uri
}

tier_libvirtd_stop() {
    local pid
    pid=$(cat "$tier_libvirtd_pidfile" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    wait_for 30 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
    rm -f "$tier_libvirtd_pidfile"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case ${1:-} in
        start) tier_libvirtd_start "$2" "${3:-}" "${4:-}" ;;
        stop) tier_libvirtd_stop ;;
        restart) tier_libvirtd_stop; tier_libvirtd_start "$2" "${3:-}" "${4:-}" ;;
        *) echo "usage: libvirtd.sh start|restart DRIVER [ADDR [CONF]] | stop" >&2; exit 2 ;;
    esac
fi
