# shellcheck shell=bash disable=SC2034 # sets variables for the scripts that source it
# Shared by chain_test.sh and bench.sh: runs the parts of the window chain
# unprivileged (setpriv) in runtime directories of their own under a fresh
# /var/tmp directory, and stops every process it started on exit.
# Needs FILTER and CLIENT (binaries); WLF_UID (default 65534); WLF_RELAY
# (see chain_test.sh). Sourced: sets -euo pipefail for the caller.
set -euo pipefail
: "${FILTER:?FILTER: path of appvm-wayland}" "${CLIENT:?CLIENT: path of wlf-client}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/testlib.sh
. "$here/../testlib.sh"
# shellcheck source=tests/wayland/headless-sway.sh
. "$here/headless-sway.sh"
uid=${WLF_UID:-65534}
# headless-sway.sh runs sway with the uid as its gid too.
gid=$uid

[ "$(id -u)" -eq 0 ] || test_skip "needs root (setpriv)"
for t in sway swaymsg grim wl-copy wl-paste waypipe wtype setpriv setsid python3 jq; do
	command -v "$t" >/dev/null || test_skip "$t not installed"
done

root=$(test_public_dir)
# What the unprivileged uid runs is copied out of the build tree, which may
# lie below a directory it cannot enter.
mkdir "$root/bin"
cp "$FILTER" "$CLIENT" "$here/gtk_clip.py" "$root/bin/"
chmod 755 "$root/bin" "$root/bin/"*
FILTER=$root/bin/$(basename "$FILTER")
CLIENT=$root/bin/$(basename "$CLIENT")
# new_dir NAME: a directory the unprivileged user owns, mode 0700.
new_dir() {
	mkdir -p "$root/$1"
	chown "$uid:$gid" "$root/$1"
	chmod 700 "$root/$1"
	echo "$root/$1"
}
H=$(new_dir h) # host runtime dir
T=$(new_dir t) # the transport's sockets
pids=()
groups=()
cleanup() {
	local st=$?
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
	done
	# Process groups of our own (bg_group): waypipe server leaves its
	# command running when it is killed, foot its shell.
	for g in "${groups[@]}"; do
		kill -- "-$g" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	sway_stop
	if [ $st -ne 0 ]; then
		for f in "$root"/*.log "$H/sway.log"; do
			echo "--- $f"
			tail -n 20 "$f"
		done
	fi
	rm -rf "$root"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok - $*"; }

# The command prefix that runs a program unprivileged with runtime dir $1,
# in array P. Each step execs the next, so a background job's $! is the
# program's own pid.
user_prefix() {
	# -C: in its home, as the cwd of the test (the build tree) may lie below a
	# directory the unprivileged user cannot enter.
	P=(setpriv --reuid="$uid" --regid="$gid" --clear-groups
		env -i -C "$1" PATH=/usr/bin:/bin HOME="$1" XDG_RUNTIME_DIR="$1" LANG=C.UTF-8
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}")
	if [ -n "${WAYLAND_DISPLAY:-}" ]; then P+=(WAYLAND_DISPLAY="$WAYLAND_DISPLAY"); fi
}
# as_user DIR CMD...: runs CMD unprivileged with runtime dir DIR.
as_user() {
	local P
	user_prefix "$1"
	shift
	"${P[@]}" "$@"
}
# bg LOG DIR CMD...: the same in the background; the pid goes to $last.
bg() {
	local log=$1 P
	user_prefix "$2"
	shift 2
	"${P[@]}" "$@" >"$root/$log.log" 2>&1 &
	last=$!
	pids+=("$last")
}
# bg_group LOG DIR CMD...: bg in a session and process group of its own,
# all of which cleanup ends.
bg_group() {
	local log=$1 dir=$2
	shift 2
	bg "$log" "$dir" setsid "$@"
	groups+=("$last")
}
# wait_for SECONDS DESCRIPTION CMD...: polls CMD until it succeeds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -lt $end ] || fail "timed out waiting for $what"
		sleep 0.1
	done
}

# start_sway COMMANDS: headless sway on $H (tests/wayland/headless-sway.sh)
# as the test's uid, then COMMANDS (one per line) given to it with swaymsg;
# sets sway_socket (its name in $H), sway_pid and SWAYSOCK.
start_sway() {
	sway_start "$H" "$uid" || fail "headless sway did not start"
	sway_pid=$SWAY_PID
	sway_socket=$(basename "$SWAY_DISPLAY")
	export SWAYSOCK
	local line
	while IFS= read -r line; do
		[ -z "$line" ] || sway_as swaymsg "$line" >/dev/null || fail "sway refused: $line"
	done <<<"$1"
}

# start_keyboard: a virtual keyboard, so that the seat has one. wtype keeps
# it while it waits to type (an hour).
start_keyboard() {
	WAYLAND_DISPLAY=$H/$sway_socket bg wtype "$H" wtype -s 3600000 x
}

# start_host_filter LISTEN ARGS...: appvm-wayland host in front of sway;
# sets host_filter (its pid).
start_host_filter() {
	local listen=$1
	shift
	bg host-filter "$H" "$FILTER" host --listen "$listen" --upstream "$sway_socket" "$@"
	host_filter=$last
	wait_for 10 "the host filter's socket" test -S "$listen"
}

# start_waypipes TAG DISPLAY DIR: waypipe client (to DISPLAY on the host),
# the relay if WLF_RELAY is set, and waypipe server in guest runtime dir DIR
# with its display at DIR/waypipe-0.
start_waypipes() {
	local tag=$1 display=$2 dir=$3
	local host_sock=$T/$tag-host.sock guest_sock
	guest_sock=$host_sock
	WAYLAND_DISPLAY=$display bg "$tag-waypipe-client" "$H" waypipe -n -s "$host_sock" client
	waypipe_client=$last
	wait_for 10 "waypipe client's socket" test -S "$host_sock"
	if [ -n "${WLF_RELAY:-}" ]; then
		guest_sock=$T/$tag-guest.sock
		# shellcheck disable=SC2086 # a command line, split on purpose
		bg "$tag-relay" "$T" $WLF_RELAY "$guest_sock" "$host_sock"
		wait_for 10 "the relay's socket" test -S "$guest_sock"
	fi
	bg_group "$tag-waypipe-server" "$dir" waypipe -n -s "$guest_sock" \
		--display "$dir/waypipe-0" server -- sleep 3600
	waypipe_server=$last
	wait_for 10 "waypipe server's display" test -S "$dir/waypipe-0"
}

# start_guest_filter DIR ARGS...: appvm-wayland guest serving DIR/wayland-0
# in front of DIR/waypipe-0; sets guest_filter (its pid).
start_guest_filter() {
	local dir=$1
	shift
	bg "guest-filter" "$dir" "$FILTER" guest --listen "$dir/wayland-0" \
		--upstream "$dir/waypipe-0" "$@"
	guest_filter=$last
	wait_for 10 "the guest filter's socket" test -S "$dir/wayland-0"
}
