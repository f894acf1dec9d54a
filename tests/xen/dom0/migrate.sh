# The migration checks of the real-Xen tier (check group "migrate"),
# sourced by suite.sh, whose helpers and variables they use ($driver,
# $work, $images, check, ok, notok, note, wait_for, now, since, guest_xml).
#
# This host and the peer (PEER_NAME, a second QEMU booting the same
# rebuilt hypervisor) share the guests' storage: the peer exports it over
# NFS, both see it as /srv/xen.  Each guest (the 64-bit and 32-bit test
# kernels and Debian's Linux as a PV guest, all with a network interface
# on xenbr0) is started here with a heartbeat on its console, migrated
# live to the peer, and must carry on there: the beat after the move is
# the one after the last beat here (no reboot, no lost state), and the
# guest's memory check still passes.  The time the migration command took
# and the heartbeat's gap (how long the guest was stopped, as its console
# shows it arriving on either host, timed by one clock: this host's) are
# recorded for every tool the same way: `xl migrate`, and `virsh migrate`
# with the driver under test.
peer=${PEER_NAME:-}
peer_uri="xen+tcp://$peer/system"
migrations=/tier/out/migrations.txt

on_peer() { timeout 200 python3 /tier/peer.py run "$peer" --timeout=180 -- "$@"; }
peer_answers() { python3 /tier/peer.py run "$peer" -- true; }
shared_mounted() { mountpoint -q /srv/xen; }
mount_shared() {
    mkdir -p /srv/xen
    shared_mounted && return 0
    modprobe nfsv4 && mount -t nfs4 -o vers=4.2 "$peer:/srv/xen" /srv/xen
}
# Domains left on the peer by an earlier pass (or a boot that was retried).
peer_clean() {
    on_peer sh -c 'xl list | awk "NR > 2 { print \$1 }" | while read -r d; do xl destroy "$d"; done; true'
}

# What the link carries: 16 MiB to the peer, through its agent (the way xl
# migrate's stream goes), timed; a note, for the migrations' context.
link_throughput() {
    local t s
    t=$(now)
    dd if=/dev/zero bs=1M count=16 2>/dev/null |
        timeout 120 python3 /tier/peer.py exec "$peer" sh -c 'cat > /dev/null' || return
    s=$(since "$t")
    note "migrate: link to the peer: 16 MiB in ${s}s ($(awk -v s="$s" 'BEGIN { printf "%.1f", 16 / s }') MiB/s)"
}

# Wait up to SECONDS for the peer (which may still be booting), saying so
# every 30 s: a silent serial log is taken for a stall.
peer_wait() {   # SECONDS
    local waited=0
    until wait_for 30 peer_answers; do
        waited=$((waited + 30))
        [ "$waited" -lt "$1" ] || return 1
        note "migrate: waiting for the peer ($peer) to answer: ${waited}s"
    done
}

migrate_setup() {
    if peer_wait 600; then ok "migrate: the peer answers ($peer)"
    else notok "migrate: the peer answers ($peer)"; return 1; fi
    check "migrate: the guests' storage, exported by the peer over NFS, mounted at /srv/xen" \
        wait_for 60 mount_shared || return 1
    peer_clean >/dev/null 2>&1
    # A destination's downtime counts from the source's clock (the cookie's
    # <timing stopped>): the hosts' clocks must agree, as NTP keeps them.
    if timeout 60 python3 /tier/peer.py clock "$peer" > "$work/clock" 2>&1; then
        ok "migrate: the peer's clock set to this host's: $(cat "$work/clock")"
    else
        notok "migrate: the peer's clock set to this host's"; indent < "$work/clock"
    fi
    link_throughput
    check "migrate: the peer's libvirtd ($driver driver) answers on $peer_uri" \
        sh -c "timeout 120 python3 /tier/peer.py run '$peer' --timeout=100 -- /tier/libvirtd.sh restart '$driver' '$PEER_ADDR' &&
               timeout 60 virsh -c '$peer_uri' uri"
}

# A migration guest: the image from the shared storage, with a heartbeat.
migration_cmdline() {
    if [ -z "$initrd" ]; then echo "heartbeat=100 dirty=16"; else echo "$cmdline heartbeat"; fi
}

beats_here() { console_shows "$1" "beat [0-9]+"; }

# Run a migration (the command after NAME TOOL LABEL), timed, with the
# guest's heartbeat watched on both hosts; check that it arrived alive and
# record total time and downtime.  Migrations are bounded well below the
# runner's stall detector (240 s without output): one that hangs fails
# its check instead of the whole boot.
migrate_measured() {
    local name=$1 tool=$2 label=$3 t total res gap before after bad hellos wpid
    shift 3
    rm -f "$work/watch.json" "$work/watch.ready"
    READY_FILE="$work/watch.ready" STOP_AFTER=3 \
        timeout 600 python3 /tier/peer.py watch "$name" "$peer" > "$work/watch.json" 2> "$work/watch.err" &
    wpid=$!
    wait_for 30 test -e "$work/watch.ready"
    t=$(now)
    if ! "$@" > "$work/out" 2>&1; then
        notok "$tool: $label"; indent < "$work/out"
        kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
        return 1
    fi
    total=$(since "$t")
    ok "$tool: $label"
    # Three beats on the other host, or a minute.
    wait_for 60 test -s "$work/watch.json" || kill "$wpid" 2>/dev/null
    wait "$wpid" 2>/dev/null
    res=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r.get("gap_ms"), r.get("before"), r.get("after"), r.get("bad"), r.get("hellos"))' "$work/watch.json" 2>/dev/null)
    read -r gap before after bad hellos <<<"${res:-None None None None None}"
    if [ "$gap" != None ] && [ "$after" = $((before + 1)) ] && [ "$bad" = 0 ] && [ "$hellos" = 0 ]; then
        ok "$tool: $label: the guest carried on at the destination (beat $before, then $after ${gap} ms later; no reboot, memory intact)"
    else
        notok "$tool: $label: the guest carried on at the destination"
        { echo "heartbeat: $(cat "$work/watch.json" 2>/dev/null)"; tail -n 3 "$work/watch.err"; } | indent
        gap=${gap/None/-}
    fi
    note "time migrate $tool $label ${total}s, downtime ${gap}ms"
    printf '%-10s %-24s %8ss %8sms\n' "$tool" "$label" "$total" "$gap" >> "$migrations"
}

# xl's own migration, over the peer's agent instead of ssh.
xl_migrate_guest() {
    local name="mig-xl-$type"
    {
        printf 'name="%s"\ntype="pv"\nkernel="/srv/xen/%s"\nmemory=%s\nvcpus=1\n' "$name" "$kernel" "$mem"
        [ -n "$initrd" ] && printf 'ramdisk="/srv/xen/%s"\n' "$initrd"
        printf 'extra="%s"\n' "$(migration_cmdline)"
        printf 'vif=["bridge=xenbr0"]\n'
        printf 'on_poweroff="destroy"\non_reboot="destroy"\non_crash="destroy"\n'
    } > "$work/$name.cfg"
    rm -f "$console_dir/guest-$name.log"
    check "xl: $type created for migration" timeout 120 xl create "$work/$name.cfg" || return
    if check "xl: $type beats" wait_for 60 beats_here "$name"; then
        migrate_measured "$name" xl "$type" \
            timeout 200 xl migrate -s "python3 /tier/peer.py exec" "$name" "$peer" &&
            check "xl: $type running on the peer, gone here" \
                sh -c "python3 /tier/peer.py run '$peer' -- xl list '$name' >/dev/null && ! xl list '$name' >/dev/null 2>&1"
    fi
    on_peer xl destroy "$name" >/dev/null 2>&1
    timeout 60 xl destroy "$name" >/dev/null 2>&1
}

# Live migration through libvirt with the driver under test: peer to peer
# (the only way Debian's libxl driver migrates), the source's daemon
# driving the destination's.
virsh_migrate_guest() {
    local name="mig-$driver-$type" xml="$work/mig-$driver-$type.xml"
    guest_xml "$name" "$arch" "/srv/xen/$kernel" "${initrd:+/srv/xen/$initrd}" "$(migration_cmdline)" "$mem" \
        "<interface type='bridge'><source bridge='xenbr0'/></interface>" > "$xml"
    rm -f "$console_dir/guest-$name.log"
    check "$driver: $type created for migration" timeout 180 virsh -c "$uri" create "$xml" || return
    if check "$driver: $type beats" wait_for 60 beats_here "$name"; then
        migrate_measured "$name" "$driver" "$type" \
            timeout 200 virsh -c "$uri" migrate --live --p2p "$name" "$peer_uri" &&
            check "$driver: $type running on the peer, gone here" moved_to_peer "$name"
    fi
    timeout 60 virsh -c "$peer_uri" destroy "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
}

here_uri="xen+tcp://${HOST_NAME:-}/system"
on_peer_virsh() { timeout 120 virsh -c "$peer_uri" "$@"; }
runs_on_peer() { [ "$(on_peer_virsh domstate "$1" 2>/dev/null | head -n 1)" = running ]; }
runs_here() { [ "$(vstate "$1")" = running ]; }
gone_here() { ! timeout 30 virsh -c "$uri" domid "$1" >/dev/null 2>&1; }
gone_from_peer() { ! on_peer_virsh domid "$1" >/dev/null 2>&1; }
moved_to_peer() { runs_on_peer "$1" && gone_here "$1"; }
moved_here() { runs_here "$1" && gone_from_peer "$1"; }
# Defined on the peer, and no longer here.
persistent_moved() {
    runs_on_peer "$1" && on_peer_virsh dominfo "$1" | grep -Eq '^Persistent: +yes' &&
        ! timeout 30 virsh -c "$uri" list --all --name | grep -qx "$1"
}

# A guest's file-backed disk on the shared storage, after it moved to the
# peer: connected there by the peer's block script, on a loop device of the
# same file; and nothing of it left here.
disk_moved() {   # NAME FILE OLD_DOMID
    local pid
    pid=$(on_peer_virsh domid "$1" | head -n 1)
    on_peer sh -c "xenstore-read /local/domain/0/backend/vbd/$pid/51712/hotplug-status | grep -qx connected &&
                   losetup -j '$2' | grep -q loop" &&
        ! xenstore-exists "/local/domain/0/backend/vbd/$3" &&
        ! losetup -j "$2" | grep -q loop
}

# Whether guest $type also moves with xl and Debian's libxl driver, for
# the side-by-side table: every guest in a full run, Debian's Linux (the
# guest users run) in CI's, which has no time for more.
compared_here() { [ "${MIGRATIONS:-ci}" = all ] || [ "$type" = linux-x86_64 ]; }

# The modes this driver migrates guest $type with.  A full run
# (run-tier.sh --migrations all) moves every guest in each mode its users
# migrate with: client-managed to the peer, peer to peer back (the peer's
# daemon driving this one's), and peer to peer tunnelled through libvirt's
# connection to the peer again.  CI's run (--migrations ci, the default)
# moves each guest once, the modes spread over the guests, so that every
# guest and every mode is covered within CI's time; Debian's Linux moves
# --p2p, as Debian's libxl driver moves it in the same run (the table
# compares like with like).
xenpv_modes() {
    if [ "${MIGRATIONS:-ci}" = all ]; then echo "client p2p p2p-tunnel"; return; fi
    case $type in
        x86_64) echo client ;;
        x86_32p) echo p2p-tunnel ;;
        *) echo p2p ;;
    esac
}

# The project's driver: the guest's migration in its first mode is
# aborted mid-stream, then it moves in each of its modes, from wherever it
# is to the other host, watched (steer.sh).  The 64-bit test kernel also has a
# disk on the shared storage, checked after its first move.
xenpv_migrate_guest() {
    local name="mig-xenpv-$type" xml="$work/mig-xenpv-$type.xml" disk="" file="" id mode where=here
    local from to arrived how rc label
    if [ "$type" = x86_64 ]; then
        file="/srv/xen/disk-$name.img"
        truncate -s 64M "$file"
        disk="<disk type='file' device='disk'><source file='$file'/><target dev='xvda' bus='xen'/></disk>"
    fi
    guest_xml "$name" "$arch" "/srv/xen/$kernel" "${initrd:+/srv/xen/$initrd}" "$(migration_cmdline)" "$mem" \
        "<interface type='bridge'><source bridge='xenbr0'/></interface>$disk" > "$xml"
    rm -f "$console_dir/guest-$name.log"
    check "xenpv: $type created for migration" timeout 180 virsh -c "$uri" create "$xml" || return
    id=$(xp_domid "$name")
    if check "xenpv: $type beats" wait_for 60 beats_here "$name"; then
        # shellcheck disable=SC2046 # the mode's options, one word each
        set -- $(mode_options "$(xenpv_modes | awk '{ print $1 }')")
        steer_abort "$name" "xenpv: $type ($*)" "$@"
        for mode in $(xenpv_modes); do
            if [ "$where" = here ]; then
                from=$uri to=$peer_uri arrived=moved_to_peer how="running on the peer, gone here"
            else
                from=$peer_uri to=$here_uri arrived=moved_here how="back here, gone from the peer"
            fi
            # shellcheck disable=SC2046
            set -- $(mode_options "$mode")
            label="$type $mode"
            # A test kernel's 32 MiB stream in a second or two on an idle
            # machine, too fast for the samplers to see the job move; unless
            # it is compared with xl and libxl, it moves at the steering
            # rate, which the table says.
            if ! compared_here; then
                set -- "$@" --bandwidth "$steer_rate"
                label="$label at $steer_rate MiB/s"
            fi
            watched_move_start "$from" "$name"
            migrate_measured "$name" xenpv "$label" \
                timeout 200 virsh -c "$from" migrate --verbose "$@" "$name" "$to"
            rc=$?
            cp "$work/out" "$work/move.out"
            watched_move_stop
            [ "$rc" = 0 ] && check "xenpv: $type ($mode) $how" "$arrived" "$name" || break
            watched_move_checks "xenpv: $type ($mode)" "$name" "$work/move.out"
            [ "$where" = here ] && where=peer || where=here
            if [ -n "$file" ] && [ -n "$id" ]; then
                check "xenpv: its disk connected on the peer by the peer's block script, nothing of it left here" \
                    disk_moved "$name" "$file" "$id"
                id=""
            fi
        done
    fi
    on_peer_virsh destroy "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
    [ -n "$file" ] && rm -f "$file"
}

# A persistent guest moved with --persistent --undefinesource: defined on
# the peer, no longer here.
xenpv_migrate_persistent() {
    local name="mig-xenpv-persist" xml="$work/mig-xenpv-persist.xml"
    guest_xml "$name" x86_64 "/srv/xen/$kernel" "" "heartbeat=100" 32 > "$xml"
    check "xenpv: persistent guest defined and started" \
        sh -c "timeout 60 virsh -c '$uri' define '$xml' && timeout 180 virsh -c '$uri' start '$name'" || return
    if check "xenpv: persistent guest beats" wait_for 60 beats_here "$name"; then
        check "xenpv: virsh migrate --live --p2p --persistent --undefinesource" \
            timeout 200 virsh -c "$uri" migrate --live --p2p --persistent --undefinesource "$name" "$peer_uri" &&
            check "xenpv: the guest runs on the peer, defined there, and is no longer defined here" \
                persistent_moved "$name"
    fi
    on_peer_virsh destroy "$name" >/dev/null 2>&1
    on_peer_virsh undefine "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" undefine "$name" >/dev/null 2>&1
}

# From and to Debian's stock hypervisor (no 32-bit PV, no PV log-dirty):
# a 32-bit guest on the peer may not come here, and nothing leaves here
# live; both refused before any data moves, the guest running on where it
# was; and a migration without --live works.
xenpv_migrate_stock() {
    local name32="mig-stock-x86_32p" name="mig-stock-x86_64" k32 k64
    k32=$(awk -F'|' '$2 == "i686" && $4 == "" { print $3; exit }' "$images/guests")
    k64=$(awk -F'|' '$2 == "x86_64" && $4 == "" { print $3; exit }' "$images/guests")
    if [ -n "$k32" ]; then
        guest_xml "$name32" i686 "/srv/xen/$k32" "" "heartbeat=100" 32 > "$work/$name32.xml"
        if check "xenpv: 32-bit guest created on the peer" on_peer_virsh create "$work/$name32.xml"; then
            # (check writes its command's output to $work/out: the refusal goes elsewhere)
            if timeout 200 virsh -c "$peer_uri" migrate --live --p2p "$name32" "$here_uri" > "$work/refusal" 2>&1; then
                notok "xenpv: a 32-bit guest refused by a host without 32-bit PV"
            else
                check "xenpv: a 32-bit guest refused by a host without 32-bit PV, naming the cause" \
                    grep -q "xen-3.0-x86_32p" "$work/refusal"
                note "refusal: $(grep -v '^$' "$work/refusal" | tail -n 1 | cut -c1-240)"
            fi
            check "xenpv: the 32-bit guest runs on at the peer, nothing of it here" moved_to_peer "$name32"
        fi
        on_peer_virsh destroy "$name32" >/dev/null 2>&1
    fi
    [ -n "$k64" ] || return
    guest_xml "$name" x86_64 "/srv/xen/$k64" "" "heartbeat=100" 32 > "$work/$name.xml"
    rm -f "$console_dir/guest-$name.log"
    check "xenpv: 64-bit guest created here" timeout 180 virsh -c "$uri" create "$work/$name.xml" || return
    if check "xenpv: it beats" wait_for 60 beats_here "$name"; then
        if timeout 200 virsh -c "$uri" migrate --live "$name" "$peer_uri" > "$work/refusal" 2>&1; then
            notok "xenpv: a live migration from a host without log-dirty refused"
        else
            check "xenpv: a live migration from a host without log-dirty refused, saying to migrate without --live" \
                grep -q "without --live" "$work/refusal"
            note "refusal: $(grep -v '^$' "$work/refusal" | tail -n 1 | cut -c1-240)"
        fi
        check "xenpv: the guest runs on here after the refusal" moved_here "$name"
        migrate_measured "$name" xenpv "x86_64 not-live" \
            timeout 200 virsh -c "$uri" migrate "$name" "$peer_uri" &&
            check "xenpv: moved without --live: running on the peer, gone here" moved_to_peer "$name"
    fi
    on_peer_virsh destroy "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
}

# Every device this driver took down (guests destroyed, migrated away,
# aborted incoming) had its backend close when told, here and on the peer:
# a backend left open is waited for 10 s and logged as "did not close".
backends_closed_check() {
    local log=/var/log/libvirt/libvirtd-xenpv.log
    if ! grep -q 'did not close' "$log" &&
        on_peer sh -c "! grep -q 'did not close' $log"; then
        ok "xenpv: every device backend taken down closed at once, here and on the peer"
    else
        notok "xenpv: every device backend taken down closed at once, here and on the peer"
        { grep "did not close" "$log"; on_peer grep "did not close" "$log"; } 2>&1 | indent 6
    fi
}

migrate_checks() {
    [ -n "$peer" ] || { note "migrate: no peer host in this boot"; return; }
    migrate_setup || return
    if [ "$hypervisor" = stock ]; then
        [ "$driver" = xenpv ] && xenpv_migrate_stock
    else
        while IFS='|' read -r -u 3 type arch kernel initrd cmdline mem save pattern; do
            if compared_here; then
                [ "$run_xl" = yes ] && timed "migrate-xl-$type" xl_migrate_guest
                [ "$driver" = libxl ] && timed "migrate-$type" virsh_migrate_guest
            fi
            [ "$driver" = xenpv ] && timed "migrate-$type" xenpv_migrate_guest
        done 3< "$images/guests"
        if [ "$driver" = xenpv ]; then
            kernel=$(awk -F'|' '$2 == "x86_64" && $4 == "" { print $3; exit }' "$images/guests")
            [ -n "$kernel" ] && timed migrate-persistent xenpv_migrate_persistent
            timed migrate-steering xenpv_migrate_steering
        fi
    fi
    [ "$driver" = xenpv ] && backends_closed_check
    peer_clean >/dev/null 2>&1
}
