# Live migrations on real Xen watched and steered the way users do it
# (check group "migrate", the project's driver on the rebuilt hypervisor),
# sourced by suite.sh after migrate.sh, whose helpers it uses.
#
# Every migration of this driver's in migrate.sh runs with --verbose and is
# watched: domjobinfo on both hosts while it runs, --completed on the
# destination after (watched_move_*).  Before its first move each guest's
# migration in that mode is aborted mid-stream with virsh domjobabort
# (steer_abort): virsh migrate fails saying so, the guest runs on here,
# beating on with its memory intact, nothing of it on the peer, and the
# job's rate stayed within --bandwidth.
#
# Downtime targets (xenpv_migrate_steering): a 64-bit test kernel dirtying
# its memory, defined here, moved --p2p --bandwidth with a loose target
# (60 s) and back with a tight one (100 ms): the pre-copy goes on for more
# rounds, until what is left fits the target.  Both moves are timed like
# every other migration of the tier (heartbeat gap), so the table shows
# the downtime each target brought.
steer_name=mig-xenpv-steer
# MiB/s: the test kernel's 32 MiB take 8 s a round at 4, 16 at 2.
steer_rate=4
abort_rate=2
# Seconds between two domjobinfo samples: each virsh costs the emulated
# dom0 some of the CPU the migration needs, but the job's rate shows only
# once its stream flowed two seconds, and a small guest's stream may last
# little more.
sampler_every=1

# The value of field KEY of a domjobinfo listing in FILE (its first number
# when NUMBER is given).
job_field() {   # FILE KEY [number]
    local v
    v=$(awk -F': +' -v k="$2" '$1 == k { $1 = ""; gsub(/ +/, " "); sub(/^ /, ""); sub(/ $/, ""); print; exit }' "$1")
    if [ -n "${3:-}" ]; then v=$(awk '{ print $1 + 0 }' <<<"${v:-x}"); fi
    echo "$v"
}

# Samples of domjobinfo NAME on URI while a job runs there, into FILE (the
# samples with an unbounded job, one listing after another, each ending in
# "--"), until FILE.stop exists.
job_sampler() {   # URI NAME FILE
    local s
    : > "$3"
    until [ -e "$3.stop" ]; do
        s=$(timeout 20 virsh -c "$1" domjobinfo "$2" 2>/dev/null)
        if grep -Eq '^Job type: +Unbounded' <<<"$s"; then printf '%s\n--\n' "$s" >> "$3"; fi
        sleep "$sampler_every"
    done
}
# sampler_start sets sampler_pid; sampler_stop FILE PID.
sampler_start() { rm -f "$3.stop"; job_sampler "$@" & sampler_pid=$!; }
sampler_stop() { touch "$1.stop"; wait "$2" 2>/dev/null; }

# The last sample in FILE, and the distinct values field KEY took.
last_sample() { awk -v RS='--\n' 'NF { s = $0 } END { printf "%s", s }' "$1"; }
field_values() { grep -E "^$2: " "$1" | sort -u | wc -l; }

# Running on one host, and on the other not a domain of Xen's (libvirt may
# keep it defined there, shut off).
steer_only_here() {
    runs_here "$1" && ! on_peer xl list "$1" >/dev/null 2>&1 &&
        [[ "$(on_peer_virsh domstate "$1" 2>/dev/null | head -n 1)" =~ ^(shut off)?$ ]]
}
steer_only_on_peer() {
    runs_on_peer "$1" && ! xl list "$1" >/dev/null 2>&1 && [[ "$(vstate "$1")" =~ ^(shut off)?$ ]]
}

# The rates in domjobinfo samples FILE, in MiB/s (virsh picks the unit:
# "1022.160 KiB/s", "2.001 MiB/s").
rates_mib() {   # FILE
    awk -F': +' '$1 == "Memory bandwidth" {
        split($2, v, " "); r = v[1] + 0
        if (v[2] ~ /^B/) r /= 1048576; else if (v[2] ~ /^KiB/) r /= 1024; else if (v[2] ~ /^GiB/) r *= 1024
        printf "%.3f\n", r }' "$1"
}

# The sampler saw the stream's rate (measured once it flowed two seconds).
rate_sampled() {   # SAMPLES
    grep -q '^Memory bandwidth:' "$1"
}

last_beat() {
    grep -Eao 'beat [0-9]+' "$console_dir/guest-$1.log" 2>/dev/null | tail -n 1 | awk '{ print $2 }'
}
beats_past() { [ "$(last_beat "$1")" -gt "$2" ] 2>/dev/null; }
# Beats after beat N, and no memory check failed, nor a new boot.
beats_on_intact() {   # NAME N
    wait_for 60 beats_past "$1" "$2" &&
        ! grep -Eaq 'memory CORRUPT' "$console_dir/guest-$1.log" &&
        [ "$(grep -Eac 'xenpv-test: hello|xen-tier guest up' "$console_dir/guest-$1.log")" = 1 ]
}

# --verbose: a percentage that moves and ends at 100.
verbose_moves() {   # FILE
    local p
    p=$(tr '\r' '\n' < "$1" | sed -nE 's/.*Migration: \[ *([0-9]+) %\].*/\1/p')
    [ "$(sort -un <<<"$p" | wc -l)" -ge 2 ] && [ "$(tail -n 1 <<<"$p")" = 100 ]
}

# virsh migrate's options for a mode of this driver's.
mode_options() {
    case $1 in
        client) echo --live ;;
        p2p) echo --live --p2p ;;
        p2p-tunnel) echo --live --p2p --tunnelled ;;
    esac
}

# Abort a migration of guest NAME (running here, beating) to the peer
# mid-stream, in the mode of OPTIONS.
steer_abort() {   # NAME LABEL OPTIONS...
    local name=$1 what="$2: abort" before pid rc max jobs
    shift 2
    sampler_start "$uri" "$name" "$work/abort.jobs"
    jobs=$sampler_pid
    timeout 200 virsh -c "$uri" migrate "$@" --verbose --bandwidth "$abort_rate" \
        "$name" "$peer_uri" > "$work/abort.out" 2>&1 &
    pid=$!
    if check "$what: the stream flows (--bandwidth $abort_rate), its rate measured" \
        wait_for 90 rate_sampled "$work/abort.jobs"; then
        before=$(last_beat "$name")
        check "$what: virsh domjobabort mid-stream" timeout 60 virsh -c "$uri" domjobabort "$name"
    fi
    wait "$pid"; rc=$?
    sampler_stop "$work/abort.jobs" "$jobs"
    if [ "$rc" -ne 0 ] && grep -q 'canceled by client' "$work/abort.out"; then
        ok "$what: virsh migrate fails, saying the job was canceled"
    else
        notok "$what: virsh migrate fails, saying the job was canceled (exit $rc)"
        indent < "$work/abort.out"
    fi
    check "$what: the guest runs on here, nothing of it on the peer" steer_only_here "$name"
    check "$what: it beats on from where it was (beat ${before:-?}), its memory intact, not rebooted" \
        beats_on_intact "$name" "${before:-0}"
    timeout 30 virsh -c "$uri" domjobinfo --completed "$name" > "$work/abort.done" 2>&1
    check "$what: domjobinfo --completed: cancelled" grep -Eq '^Job type: +Cancelled' "$work/abort.done"
    # The rate, measured over two seconds or more: held to the limit.
    max=$(rates_mib "$work/abort.jobs" | sort -g | tail -n 1)
    if [ -n "$max" ] && awk -v m="$max" -v l="$abort_rate" 'BEGIN { exit !(m <= l * 1.15) }'; then
        ok "$what: the stream held to --bandwidth $abort_rate MiB/s (at most $max MiB/s)"
    else
        notok "$what: the stream held to --bandwidth $abort_rate MiB/s (at most ${max:-unmeasured} MiB/s)"
        echo "rates sampled (MiB/s): $(rates_mib "$work/abort.jobs" | tr '\n' ' ')" | indent
    fi
}

# Watch a migration of NAME from FROM (a URI): domjobinfo sampled there and
# on the other host while it runs.
watched_move_start() {   # FROM NAME
    local dst=$uri
    [ "$1" = "$uri" ] && dst=$peer_uri
    watched_dst=$dst
    sampler_start "$1" "$2" "$work/move-src.jobs"
    watched_src_pid=$sampler_pid
    sampler_start "$dst" "$2" "$work/move-dst.jobs"
    watched_dst_pid=$sampler_pid
}
watched_move_stop() {
    sampler_stop "$work/move-src.jobs" "$watched_src_pid"
    sampler_stop "$work/move-dst.jobs" "$watched_dst_pid"
}

# A completed migration of kind OPERATION (incoming, outgoing) with its
# downtime, as domjobinfo --completed on SIDE showed it in FILE.
completed_check() {   # WHAT SIDE FILE OPERATION
    local what="$1: domjobinfo --completed on the $2: a completed $4 migration" rounds=""
    [ "$4" = outgoing ] && rounds=", $(job_field "$3" Iteration) rounds"
    if grep -Eq '^Job type: +Completed' "$3" && grep -Eiq "^Operation: +$4 migration" "$3" &&
        [ "$(job_field "$3" 'Total downtime' number)" -gt 0 ] 2>/dev/null; then
        ok "$what$rounds, $(job_field "$3" 'Total downtime') down"
    else
        notok "$what with its downtime"
        indent 20 < "$3"
    fi
}

# What virsh migrate --verbose (its output in OUT) and domjobinfo showed of
# a watched migration of NAME, and the destination's completed statistics.
watched_move_checks() {   # LABEL NAME OUT
    local what=$1 last key n
    check "$what: migrate --verbose shows a percentage that moves up to 100" verbose_moves "$3"
    last=$(last_sample "$work/move-src.jobs")
    if grep -Eq '^Operation: +Outgoing migration' <<<"$last"; then
        ok "$what: domjobinfo on the source during the migration: an outgoing migration"
    else
        notok "$what: domjobinfo on the source during the migration: an outgoing migration"
        indent 20 <<<"$last"
    fi
    for key in 'Time elapsed' 'Data processed' 'Data remaining' 'Memory processed' \
               'Memory remaining' 'Memory total' 'Memory bandwidth' 'Iteration'; do
        check "$what: ... it shows $key" grep -q "^$key:" "$work/move-src.jobs"
    done
    n=$(field_values "$work/move-src.jobs" 'Memory processed')
    check "$what: ... Memory processed moves ($n values)" test "$n" -ge 2
    check "$what: domjobinfo on the destination during the migration: an incoming migration" \
        grep -Eq '^Operation: +Incoming migration' "$work/move-dst.jobs"
    timeout 60 virsh -c "$watched_dst" domjobinfo --completed "$2" > "$work/move.done" 2>&1
    completed_check "$what" destination "$work/move.done" incoming
}

# A move with downtime target MS from FROM to TO, watched; its completed
# statistics (from FROM, where the guest stays defined) into FILE.
steer_move() {   # MS FROM TO LABEL FILE [virsh migrate options]
    local ms=$1 from=$2 to=$3 label=$4 file=$5 rc
    shift 5
    check "steer: $label: virsh migrate-setmaxdowntime $ms" \
        timeout 60 virsh -c "$from" migrate-setmaxdowntime "$steer_name" "$ms"
    check "steer: $label: virsh migrate-getmaxdowntime says $ms" \
        test "$(timeout 60 virsh -c "$from" migrate-getmaxdowntime "$steer_name")" = "$ms"
    watched_move_start "$from" "$steer_name"
    migrate_measured "$steer_name" xenpv "x86_64 $label" \
        timeout 200 virsh -c "$from" migrate --live --p2p --verbose --bandwidth "$steer_rate" "$@" \
        "$steer_name" "$to"
    rc=$?
    cp "$work/out" "$work/move.out"
    watched_move_stop
    [ "$rc" = 0 ] && watched_move_checks "steer: $label" "$steer_name" "$work/move.out"
    timeout 60 virsh -c "$from" domjobinfo --completed --keep-completed "$steer_name" > "$file" 2>&1
    completed_check "steer: $label" source "$file" outgoing
    return "$rc"
}

xenpv_migrate_steering() {
    local name=$steer_name xml="$work/$steer_name.xml" loose tight kernel
    kernel=$(awk -F'|' '$2 == "x86_64" && $4 == "" { print $3; exit }' "$images/guests")
    [ -n "$kernel" ] || return
    guest_xml "$name" x86_64 "/srv/xen/$kernel" "" "heartbeat=100 dirty=16" 32 \
        "<interface type='bridge'><source bridge='xenbr0'/></interface>" > "$xml"
    rm -f "$console_dir/guest-$name.log"
    check "steer: guest defined and started" \
        sh -c "timeout 60 virsh -c '$uri' define '$xml' && timeout 180 virsh -c '$uri' start '$name'" || return
    if check "steer: it beats" wait_for 60 beats_here "$name"; then
        steer_move 60000 "$uri" "$peer_uri" "target 60 s" "$work/loose.done" --persistent &&
            check "steer: target 60 s: running on the peer, not here" steer_only_on_peer "$name"
        steer_move 100 "$peer_uri" "$here_uri" "target 100 ms" "$work/tight.done" &&
            check "steer: target 100 ms: back here, not on the peer" steer_only_here "$name"
        loose=$(job_field "$work/loose.done" Iteration number)
        tight=$(job_field "$work/tight.done" Iteration number)
        check "steer: the tight target made the pre-copy go on for more rounds ($tight against $loose)" \
            test "${tight:-0}" -gt "${loose:-0}"
    fi
    on_peer_virsh destroy "$name" >/dev/null 2>&1
    on_peer_virsh undefine "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" destroy "$name" >/dev/null 2>&1
    timeout 60 virsh -c "$uri" undefine "$name" >/dev/null 2>&1
}
