#!/usr/bin/env bash
# appvm-portald with the real zenity under Xvfb, driven with xdotool as a
# user would: the dialog shows "[zvm] ..." as its title, the typed path is
# granted and read, a save writes the file the user named, Escape cancels.
# Usage: zenity-test.sh APPVM_PORTALD PD_PROBE
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
portald=$1 probe=$2
for tool in Xvfb xdotool zenity; do
	command -v "$tool" >/dev/null || test_skip "$tool is not installed"
done
base=${APPVM_TEST_WORK:-/var/tmp}
mkdir -p "$base"
work=$(mktemp -d "$base/z.XXXXXX")
[ ${#work} -lt 70 ] || work=$(mktemp -d /var/tmp/pdz.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$work/log" >&2 || true; exit 1; }

# A display number nobody uses.
for n in $(seq $((100 + $$ % 500)) 700); do
	[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=:$n; break; }
done
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X${display#:}" ] || fail "Xvfb did not start"
export DISPLAY=$display

mkdir "$work/home"
printf 'picked by the user\n' >"$work/home/picked.txt"
"$portald" --name zvm --vsock "$work/vm" --chooser zenity >"$work/log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/vm_1026" ] && break; sleep 0.1; done
[ -S "$work/vm_1026" ] || fail "appvm-portald did not start"

# Waits for the dialog titled $1, then types keys into it.
drive() {
	local title=$1; shift
	local win
	win=$(timeout 60 xdotool search --sync --onlyvisible --name "^\[zvm\] $title\$" |
		head -n 1) || fail "no dialog titled '[zvm] $title'"
	timeout 10 xdotool windowfocus --sync "$win" || fail "cannot focus the dialog"
	"$@"
}
# The pauses pace the keys as a person would: GTK opens its location entry
# asynchronously after ctrl+l.
type_path() {
	xdotool key ctrl+l
	sleep 0.3
	xdotool type --delay 30 "$1"
	sleep 0.3
	xdotool key Return
}

timeout 60 "$probe" "$work/vm_1026" open "Pick a file" >"$work/out1" &
probe_pid=$!
drive "Pick a file" type_path "$work/home/picked.txt"
wait "$probe_pid" || fail "probe failed"
grep -qx 'ok picked.txt 19' "$work/out1" || fail "open: $(cat "$work/out1")"
grep -qx 'picked by the user' "$work/out1" || fail "open content: $(cat "$work/out1")"

# Three dialogs in a row fit the default rate (a burst of 3).
timeout 60 "$probe" "$work/vm_1026" save "Save it" "suggested.txt" >"$work/out2" &
probe_pid=$!
save_as() {
	# The name field holds the guest's suggestion; the user names the file instead.
	sleep 0.3
	xdotool key ctrl+a
	xdotool type --delay 30 "$work/home/saved.txt"
	sleep 0.3
	xdotool key Return
}
drive "Save it" save_as
wait "$probe_pid" || fail "probe failed"
grep -qx 'ok saved.txt' "$work/out2" || fail "save: $(cat "$work/out2")"
[ "$(cat "$work/home/saved.txt")" = "written by the guest" ] || fail "saved content"

timeout 60 "$probe" "$work/vm_1026" open "Cancel me" >"$work/out3" &
probe_pid=$!
cancel() {
	sleep 0.3
	xdotool key Escape
}
drive "Cancel me" cancel
wait "$probe_pid" || fail "probe failed"
grep -qx 'error 5' "$work/out3" || fail "cancel: $(cat "$work/out3")"
echo "zenity-test: open, save and cancel through zenity passed"
