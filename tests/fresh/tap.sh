# TAP for the fresh-root test's shell scripts, unnumbered: tests/fresh/run.sh
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
