# Sourced by the shell integration tests: what tests/integration/xenpvlab.py
# does in a sanitizer build (XENPV_SANITIZERS and XENPV_SANITIZER_PRELOAD,
# set by meson's test setup in tests/meson.build), for bash.  Outside a
# sanitizer build every function here does nothing.
#
#   sanitizers_init                 once, inside the lab: reports go to files
#   sanitized_libvirt CMD [ARGS]    run a program that loads the module
#                                   (libvirtd) with the runtime preloaded
#   sanitizer_runtime_loaded PID    is the runtime in that process?
#   sanitizer_reports               print every report written (empty: none)
san_log_dir=/var/log/xenpv/sanitizers

sanitizers_init() {
    [ -n "${XENPV_SANITIZERS:-}" ] || return 0
    mkdir -p "$san_log_dir"
    # Inherited by the instrumented programs (simulated host, xenpv-simctl).
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san_log_dir/asan"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san_log_dir/ubsan"
}

# Allocation stacks unwound by frame pointers unless
# XENPV_SANITIZER_FULL_STACKS=1 (as xenpvlab.sanitizer_vars says why).
sanitized_libvirt() {
    if [ -n "${XENPV_SANITIZERS:-}" ]; then
        local asan=$ASAN_OPTIONS
        [ "${XENPV_SANITIZER_FULL_STACKS:-}" = 1 ] || asan+=:fast_unwind_on_malloc=1
        LD_PRELOAD="$XENPV_SANITIZER_PRELOAD" ASAN_OPTIONS=$asan "$@"
    else
        "$@"
    fi
}

sanitizer_reports() {
    [ -d "$san_log_dir" ] || return 0
    local f
    for f in "$san_log_dir"/*; do
        [ -s "$f" ] || continue
        echo "== ${f##*/}"
        cat "$f"
    done
}

# Does process PID have the runtime of every sanitizer mapped?  (true
# outside a sanitizer build)
sanitizer_runtime_loaded() {
    [ -n "${XENPV_SANITIZERS:-}" ] || return 0
    local lib libs=
    for lib in ${XENPV_SANITIZER_PRELOAD//:/ }; do
        libs+=" $(basename "$(readlink -f "$lib")")"
    done
    [[ $XENPV_SANITIZERS == *undefined* ]] && libs+=" libubsan.so"
    for lib in $libs; do
        grep -qF "$lib" "/proc/$1/maps" 2>/dev/null || return 1
    done
}
