#!/usr/bin/env bash
# scripts/wayland-host killed with SIGKILL leaves nothing behind: not the
# host filter, not waypipe client, not the process waypipe client forked for
# a connection, not its listening socket. Two ways it dies, one headless
# sway (unprivileged, setpriv) for both:
#   parent   its parent is killed (as run-vm is: wayland-host is started
#            there with setsid and a parent-death signal, as run-vm does)
#   direct   wayland-host itself gets SIGKILL
# and, for comparison, the ordinary way:
#   term     wayland-host gets SIGTERM: it stops everything and exits 0
# Each time a real guest-side chain is connected first (waypipe server with
# the colour client, its window on the compositor), so that waypipe client
# has forked a child. Every process of the run (wayland-host's process group
# and every descendant, found by parent PID, whatever its group) must be
# gone within 5 s, polled.
# Usage: wayland-host-kill-test.sh APPVM_WAYLAND VM_COLOR_CLIENT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=tests/testlib.sh
. "$here/../testlib.sh"
# shellcheck source=tests/wayland/headless-sway.sh
. "$here/headless-sway.sh"
[ $# -eq 2 ] || { echo "usage: wayland-host-kill-test.sh APPVM_WAYLAND VM_COLOR_CLIENT" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || test_skip "needs root (setpriv)"
for t in sway waypipe setpriv setsid; do
	command -v "$t" >/dev/null || test_skip "$t not installed"
done

fail() { echo "FAIL: $*" >&2; exit 1; }
uid=65534
root=$(test_public_dir)
parent=
waypipes=()
run=
alive() { # PID STARTTIME: the same process, not a zombie
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086 # the fields, one a word
	set -- "$2" $stat
	[ "$2" != Z ] && [ "${21}" = "$1" ]
}
cleanup() {
	local p start _
	[ -z "$parent" ] || kill -KILL "$parent" 2>/dev/null || true
	# What a failed check left running (a run that outlived its SIGKILL).
	while read -r p start _; do
		! alive "$p" "$start" || kill -KILL "$p" 2>/dev/null || true
	done <<<"$run"
	for p in "${waypipes[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
	sway_stop
	rm -rf "$root"
}
trap cleanup EXIT
# What the unprivileged uid runs is copied out of the build tree and the
# checkout, which may lie below a directory it cannot enter.
mkdir -m 0755 "$root/bin" "$root/scripts"
cp "$1" "$2" "$root/bin/"
cp "$src/scripts/wayland-host" "$root/scripts/"
chmod 0755 "$root/bin/"* "$root/scripts/wayland-host"
filter=$root/bin/$(basename "$1") color=$root/bin/$(basename "$2")
mkdir -m 0700 "$root/run"
chown "$uid:$uid" "$root/run"
sway_start "$root/sway" "$uid" || fail "headless sway did not start"

# run_of PID: PID and its descendants, and its process group, as lines
# "PID STARTTIME COMM".
run_of() {
	local top=$1 d stat ppid pgrp comm
	local -A keep=([$1]=1)
	local changed=1
	while [ $changed -eq 1 ]; do
		changed=0
		for d in /proc/[0-9]*; do
			{ read -r stat <"$d/stat"; } 2>/dev/null || continue
			comm=${stat#*(} comm=${comm%)*}
			stat=${stat##*) }
			# shellcheck disable=SC2086 # the fields, one a word
			set -- $stat
			ppid=$2 pgrp=$3
			if [ -z "${keep[${d#/proc/}]:-}" ] && { [ -n "${keep[$ppid]:-}" ] || [ "$pgrp" = "$top" ]; }; then
				keep[${d#/proc/}]=1 changed=1
			fi
		done
	done
	for d in "${!keep[@]}"; do
		{ read -r stat <"/proc/$d/stat"; } 2>/dev/null || continue
		comm=${stat#*(} comm=${comm%)*}
		stat=${stat##*) }
		# shellcheck disable=SC2086
		set -- $stat
		echo "$d ${20} $comm"
	done
}

# check HOW: starts a parent shell (as the compositor's user) that starts
# wayland-host as run-vm does, connects a window, then SIGKILLs the parent
# (HOW=parent) or wayland-host (HOW=direct), or sends wayland-host SIGTERM
# (HOW=term), and waits for the run to go.
check() {
	local how=$1 vsock=$root/run/v-$1 host i left n
	# The parent stays (wait) until it is killed.
	# shellcheck disable=SC2016 # expanded by the parent shell
	setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		env -i TMPDIR="$root/run" PATH=/usr/bin:/bin bash -c \
		'setsid setpriv --pdeathsig KILL "$0" --vsock "$1" --display "$2" --filter "$3" --name kt \
			</dev/null >"$4" 2>&1 & wait $!' \
		"$root/scripts/wayland-host" "$vsock" "$SWAY_DISPLAY" "$filter" "$root/run/$how.log" \
		2>"$root/run/$how.parent.log" &
	parent=$!
	for ((i = 0; i < 200; i++)); do
		[ -S "${vsock}_1027" ] && break
		kill -0 "$parent" 2>/dev/null || break
		read -r -t 0.05 <> <(:) || true
	done
	[ -S "${vsock}_1027" ] || fail "$how: wayland-host did not listen: $(cat "$root/run/$how.log")"
	host=$(ps -o pid= --ppid "$parent" | tr -d ' ')
	[ -n "$host" ] || fail "$how: no wayland-host under the parent"
	# The guest side: waypipe server and a window through it.
	setsid setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		env -i XDG_RUNTIME_DIR="$root/run" PATH=/usr/bin:/bin \
		waypipe --no-gpu -s "${vsock}_1027" --display "$root/run/g-$how" server -- \
		"$color" --color 00ff00 --width 64 --height 64 </dev/null >"$root/run/$how.server.log" 2>&1 &
	waypipes+=($!)
	# waypipe client's child for the connection: a second waypipe in the run.
	for ((i = 0; i < 200; i++)); do
		run=$(run_of "$host")
		n=$(echo "$run" | grep -c ' waypipe$' || true)
		[ "$n" -lt 2 ] || break
		read -r -t 0.05 <> <(:) || true
	done
	[ "$n" -ge 2 ] || fail "$how: waypipe client forked no child for the connection: $run"
	echo "$run" | grep -q ' appvm-wayland$' || fail "$how: no host filter in the run: $run"
	# bash reports a job killed by a signal on its stderr: not a failure.
	exec {err}>&2 2>/dev/null
	case $how in
	parent) kill -KILL "$parent" ;;
	direct) kill -KILL "$host" ;;
	term) kill -TERM "$host" ;;
	esac
	# SIGTERM: up to 3 s of grace for the children (they take far less).
	for ((i = 0; i < 100; i++)); do
		left=$(echo "$run" | while read -r p start comm; do
			! alive "$p" "$start" || echo "$p $comm"
		done)
		[ -n "$left" ] || break
		read -r -t 0.05 <> <(:) || true
	done
	# Its parent is gone or ends with wayland-host: no wait for ever.
	local rc=0
	wait "$parent" || rc=$?
	exec 2>&$err {err}>&-
	parent=
	[ -z "$left" ] || fail "$how: processes of the run outlived wayland-host: $(echo "$left" | paste -sd,)"
	[ ! -e "${vsock}_1027" ] || fail "$how: the listening socket ${vsock}_1027 stayed"
	[ -z "$(find "$root/run" -maxdepth 1 -name 'appvm-wayland-host.*')" ] ||
		fail "$how: wayland-host's directory stayed"
	case $how in
	parent) [ $rc -eq 137 ] || fail "parent: the parent's exit $rc, expected 137 (SIGKILL)" ;;
	direct) [ $rc -eq 137 ] || fail "direct: wayland-host's exit $rc, expected 137 (SIGKILL)" ;;
	term) [ $rc -eq 0 ] || fail "term: wayland-host's exit $rc after SIGTERM, expected 0: $(cat "$root/run/$how.log")" ;;
	esac
	echo "ok: $how: $(echo "$run" | wc -l) processes ($(echo "$run" | awk '{ print $3 }' | sort | paste -sd' ')) gone after $i polls"
}
check parent
check direct
check term
