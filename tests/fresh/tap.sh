# TAP for the fresh-root tests' shell scripts, unnumbered: tests/fresh/run.sh
# numbers the lines of every stage (host, namespace, root) as one stream.
# ok STATUS DESCRIPTION [DIAGNOSTICS]
ok() {
    if [ "$1" = 0 ]; then
        echo "ok - $2"
    else
        echo "not ok - $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | tail -n 40 | sed 's/^/# /'
    fi
    return "$1"
}

# The scripts run inside the root: check counts failures in $failed.
check() { ok "$@" || { failed=$((failed + 1)); return 1; }; }

# run LOG COMMAND...: the command's output into $logs/LOG, its time as a
# comment; returns its status.
run() {
    local log=$logs/$1 start=$SECONDS status
    shift
    "$@" > "$log" 2>&1 < /dev/null
    status=$?
    echo "# time $*: $((SECONDS - start))s"
    return $status
}
