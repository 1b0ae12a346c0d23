#!/usr/bin/env bash
# The clipboard between host and VM with a real VM (label vm), in one boot.
#
# Host: headless sway with the key bindings of docs/clipboard.md; the VM
# runs as sway's user, as on a desktop: scripts/run-vm --wayland with the
# host filter and --vm-dir, so "appvmctl focused" finds it.
# Guest: appvm-init, the agent (given --clipboard-socket by init, since the
# guest filter is configured), the relay, waypipe from a store of Debian
# packages, the guest filter, and tests/clipboard/vm-app.sh as the app: a
# window (wlf-client, which takes the keyboard focus), a text copied as apps
# copy, then pasting in a loop, as apps paste,
# and commands from the host in "cmd:" texts.
#
# Checks: the guest's copy is not on the host until "clipboard copy"; the
# host's copy is not in the VM until "clipboard paste"; random bytes both
# ways; a second copy within min-interval refused (exit 9; the other copies
# run with min-interval = 0, so that none races the limit); 65536 bytes of
# text copied, 65537 refused with the host clipboard unchanged; Ctrl+Shift+C fired with wtype copies from the focused VM. After
# the power-off, no host process of the VM and no VM directory entry is left.
#
# Usage: vm-test.sh (environment: APPVM_KERNEL, APPVM_INIT, APPVM_AGENT,
# APPVM_RELAY, APPVM_FILTER, APPVM_VSOCK, APPVMCTL, APPVM_WINDOW_CLIENT,
# APPVM_VM_TIMEOUT, default 180 s; APPVM_GUEST_FILTER, the filter in the
# image, default APPVM_FILTER; APPVM_GUEST_STATIC=1: init, the agent, the
# relay and the guest filter must be static musl programs).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
fail() { printf 'FAIL (clipboard vm): %s\n' "$*" >&2; exit 1; }
note() { printf 'clipboard vm: %s\n' "$*"; }
kernel=${APPVM_KERNEL:-}
timeout=${APPVM_VM_TIMEOUT:-180}
# shellcheck source=tests/testlib.sh
. "$src/tests/testlib.sh"
# shellcheck source=tests/wayland/headless-sway.sh
. "$src/tests/wayland/headless-sway.sh"
# A missing kernel, tool or root is a skip outside CI (test_skip); a missing
# program of this build is always a failure.
[ -s "$kernel" ] ||
	test_skip "guest kernel '${kernel:-unset}' not found: build it with 'kernel-config/build BUILD/kernel'"
APPVM_GUEST_FILTER=${APPVM_GUEST_FILTER:-${APPVM_FILTER:-}}
for v in APPVM_INIT APPVM_AGENT APPVM_RELAY APPVM_FILTER APPVM_GUEST_FILTER APPVM_VSOCK APPVMCTL APPVM_WINDOW_CLIENT; do
	[ -x "${!v:-}" ] || fail "$v '${!v:-unset}' is not built"
done
# The guest's own programs are their image builds: static musl programs.
if [ "${APPVM_GUEST_STATIC:-0}" = 1 ]; then
	"$src/tests/vm/check-static" --quiet "$APPVM_INIT" "$APPVM_AGENT" "$APPVM_RELAY" "$APPVM_GUEST_FILTER" ||
		fail "the guest programs are not static musl builds"
fi
for tool in waypipe sway swaymsg wl-copy wl-paste wtype jq socat setpriv busybox; do
	command -v "$tool" >/dev/null || test_skip "$tool is not installed (scripts/setup installs it)"
done
[ "$(id -u)" -eq 0 ] || test_skip "needs root (sway runs unprivileged through setpriv)"

# Everything the desktop's uid runs or reads (the VM runner, the vsock
# device, the filter, appvmctl, the kernel, the images) lies in a public
# directory: the build tree may be below one it cannot enter. Sockets need
# short paths; everything of the VM's host side lives in $vmdir.
pub=$(test_public_dir)
work=$pub/work
mkdir -p "$work/img" "$pub/scripts" "$pub/bin"
cp "$src/scripts/run-vm" "$src/scripts/wayland-host" "$pub/scripts/"
cp "$APPVM_VSOCK" "$APPVM_FILTER" "$APPVMCTL" "$kernel" "$pub/bin/"
kernel=$pub/bin/$(basename "$kernel")
APPVM_VSOCK=$pub/bin/$(basename "$APPVM_VSOCK")
APPVM_HOST_FILTER=$pub/bin/$(basename "$APPVM_FILTER")
APPVMCTL=$pub/bin/$(basename "$APPVMCTL")
swaydir=$(mktemp -d /var/tmp/appvm-clipsway.XXXXXX)
vmdir=$(mktemp -d /var/tmp/appvm-clipvm.XXXXXX)
chmod 0755 "$swaydir"
runner=
keyboard=
cleanup() {
	[ -z "$runner" ] || kill -TERM "$runner" 2>/dev/null || true
	[ -z "$runner" ] || wait "$runner" 2>/dev/null || true
	[ -z "$keyboard" ] || kill "$keyboard" 2>/dev/null || true
	sway_stop
	rm -rf "$swaydir" "$vmdir" "$pub"
}
trap cleanup EXIT
sway_start "$swaydir/sway" 65534 || fail "headless sway did not start"
chown "$SWAY_UID:$SWAY_UID" "$vmdir"
# The seat's keyboard, as a desktop has one (wl-clipboard's window needs it):
# a virtual one that taps F13, bound to nothing, and stays. keyboard is
# called again after each wtype of a key binding: once that wtype ends, the
# seat has no active keyboard until another one sends a key.
# desktop_bg CMD...: CMD in the background as sway's user (as sway_as runs
# it); each step execs the next, so $last is CMD's own pid.
desktop_bg() {
	setpriv --reuid="$SWAY_UID" --regid="$SWAY_UID" --clear-groups \
		env -i -C "$SWAY_DIR" HOME="$SWAY_DIR" XDG_RUNTIME_DIR="$SWAY_DIR" PATH=/usr/bin:/bin \
		WAYLAND_DISPLAY="$SWAY_DISPLAY" SWAYSOCK="$SWAYSOCK" APPVM_ACCEL=tcg "$@" &
	last=$!
}
keyboard() {
	[ -z "$keyboard" ] || kill "$keyboard"
	desktop_bg wtype -P F13 -p F13 -s 3600000
	keyboard=$last
}
keyboard

nonce=$$
cat >"$work/vm.conf" <<EOF
[vm]
name = cliptest
on-app-exit = poweroff
grace = 5s

[store wl]
source = serial:wl
type = erofs
path = /run/store/wl

[wayland]
waypipe = /run/store/wl/usr/bin/waypipe
filter = /usr/bin/appvm-wayland
ready-timeout = 60s

[app]
exec = /usr/bin/cliptest-app $nonce
user = app
EOF
t0=$(date +%s)
"$src/rootfs/build" --init "$APPVM_INIT" --busybox --config "$work/vm.conf" \
	--bin "$APPVM_AGENT" --bin "$APPVM_RELAY" --bin "$APPVM_GUEST_FILTER" \
	--bin "$APPVM_WINDOW_CLIENT" --bin "$(command -v wl-copy)" --bin "$(command -v wl-paste)" \
	--add "$src/tests/clipboard/vm-app.sh:/usr/bin/cliptest-app:0755" \
	--store-pkg wl=waypipe "$work/img" >"$work/img.log" 2>&1 ||
	{ cat "$work/img.log" >&2; fail "rootfs/build failed"; }
chmod -R a+rX "$pub"
note "images built in $(($(date +%s) - t0)) s"

# As sway's user, like the rest of the desktop.
as_desktop() { sway_as env APPVM_ACCEL=tcg "$@"; }
ctl() { as_desktop "$APPVMCTL" "$@"; }
host_paste() { as_desktop timeout 20 wl-paste "$@"; }
host_copy() { # TEXT: the host's clipboard, set by a host app
	as_desktop wl-copy "$1"
	for ((i = 0; i < 100; i++)); do
		[ "$(host_paste -n 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "wl-copy did not set the host clipboard"
}
console() { [ ! -f "$vmdir/console.raw" ] || tr -d '\r' <"$vmdir/console.raw"; }
# wait_console SECONDS PATTERN: polls the console for an extended regex.
wait_console() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		console | grep -qE "$2" && return 0
		kill -0 "$runner" 2>/dev/null || break
		sleep 0.1
	done
	console | tail -n 30 >&2
	fail "the console never showed /$2/"
}
# The number of the guest's last paste report, and its text.
last_paste() { console | grep -oE 'cliptest: (paste|image) [0-9]+: .*' | tail -n 1; }
guest_pastes() { # TEXT: until the guest's paste loop reports TEXT, a new content
	wait_console 60 "cliptest: paste [0-9]+: $1"
}
# clip_conf LINE...: the desktop's clipboard.conf, LINEs for this VM.
clip_conf() {
	mkdir -p "$SWAY_DIR/.config/appvm"
	printf '[vm cliptest]\n' >"$SWAY_DIR/.config/appvm/clipboard.conf"
	printf '%s\n' "$@" >>"$SWAY_DIR/.config/appvm/clipboard.conf"
	chown -R "$SWAY_UID:$SWAY_UID" "$SWAY_DIR/.config"
}
paste_cmd() { # CMD: a command for the guest app, through the clipboard
	host_copy "cmd:$1"
	ctl vm:cliptest clipboard paste >/dev/null || fail "clipboard paste of cmd:$1"
}

host_copy "host-before-$nonce"
vmreg=$swaydir/sway/appvm/vm
t0=$(date +%s)
desktop_bg "$pub/scripts/run-vm" -k "$kernel" -i "$work/img/initramfs.cpio.zst" \
	--store "$work/img/wl.erofs:wl" --vsock-cid 3 --vsock-hybrid "$vmdir/vsock" \
	--vsock-backend "$APPVM_VSOCK" --wayland --wayland-filter "$APPVM_HOST_FILTER" --name cliptest \
	--vm-dir "$vmreg" --monitor "$vmdir/mon" --timeout "$timeout" --log "$vmdir/console.raw" \
	--quiet </dev/null >"$work/runvm.log" 2>&1
runner=$last
wait_console "$timeout" "cliptest: copied guest-text-$nonce"
# Its copy is the VM's selection once an app of the VM can paste it.
guest_pastes "guest-text-$nonce"
note "the guest app copied its text, pasted in the VM $(($(date +%s) - t0)) s after qemu started"
grep -qx "hybrid:$vmdir/vsock" "$vmreg/cliptest/target" || fail "no VM directory entry"

# --- VM to host -----------------------------------------------------------
[ "$(host_paste -n)" = "host-before-$nonce" ] || fail "the guest's copy reached the host by itself"
# The rate limit: a second copy within min-interval is refused. An hour (its most),
# so that no load on the machine can stretch the gap past it.
clip_conf "min-interval = 3600s"
out=$(ctl vm:cliptest clipboard copy) || fail "clipboard copy: $out"
[ "$(host_paste -n)" = "guest-text-$nonce" ] || fail "after clipboard copy the host has '$(host_paste -n)'"
note "VM to host: $out"
rc=0
out=$(ctl vm:cliptest clipboard copy 2>&1) || rc=$?
[ $rc -eq 9 ] || fail "a second copy within min-interval: exit $rc ($out)"
[[ $out == *"limited to one every 3600000 ms (min-interval)"* ]] || fail "rate limit: $out"
note "a second copy within min-interval refused: $out"
# The copies below come as fast as the checks go, within any interval.
clip_conf "min-interval = 0"

# --- host to VM -----------------------------------------------------------
host_copy "host-text-$nonce"
# The guest app pastes twice more, and still gets its own text.
n0=$(last_paste | sed -E 's/^cliptest: [a-z]+ ([0-9]+):.*/\1/')
wait_console 60 "cliptest: paste $((n0 + 2)): "
! console | grep -q "host-text-$nonce" || fail "the host's copy reached the VM by itself"
last_paste | grep -q "guest-text-$nonce" || fail "the guest app lost its text: $(last_paste)"
out=$(ctl vm:cliptest clipboard paste) || fail "clipboard paste: $out"
guest_pastes "host-text-$nonce"
note "host to VM: $out; the guest app pasted it"

# --- binary, both ways ----------------------------------------------------
paste_cmd "copy-binary 200000"
wait_console 60 "cliptest: binary [0-9a-f]{64}"
want=$(console | grep -oE 'cliptest: binary [0-9a-f]{64}' | tail -n 1 | cut -d' ' -f3)
ctl vm:cliptest clipboard copy --type application/x-cliptest --max-size 1M >/dev/null ||
	fail "clipboard copy of 200000 bytes"
got=$(host_paste -t application/x-cliptest | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "200000 random bytes from the VM: sha256 $got, the guest's $want"
head -c 300000 /dev/urandom >"$vmdir/png"
chmod 644 "$vmdir/png"
as_desktop sh -c "wl-copy -t image/png <'$vmdir/png'"
ctl vm:cliptest clipboard paste --type image/png --max-size 1M >/dev/null ||
	fail "clipboard paste of 300000 bytes"
want=$(sha256sum <"$vmdir/png" | cut -d' ' -f1)
wait_console 60 "cliptest: image [0-9]+: $want \(300000 bytes\)"
note "random bytes both ways: 200000 from the VM, 300000 to it, sha256 equal"

# --- the size cap at its boundary -----------------------------------------
paste_cmd "copy-text 65536"
wait_console 60 "cliptest: copied 65536 bytes of z"
ctl vm:cliptest clipboard copy >/dev/null || fail "65536 bytes refused"
[ "$(host_paste -n | wc -c)" = 65536 ] || fail "65536 bytes did not arrive"
paste_cmd "copy-text 65537"
wait_console 60 "cliptest: copied 65537 bytes of z"
rc=0
out=$(ctl vm:cliptest clipboard copy 2>&1) || rc=$?
[ $rc -eq 8 ] || fail "65537 bytes: exit $rc ($out)"
[ "$(host_paste -n)" = "cmd:copy-text 65537" ] || fail "the refused copy changed the host clipboard"
note "65536 bytes copied, 65537 refused: $out"

# --- the key binding ------------------------------------------------------
sway_as swaymsg "bindsym Ctrl+Shift+c exec $APPVMCTL focused clipboard copy" >/dev/null
paste_cmd "last-copy keyed-$nonce"
wait_console 60 "cliptest: copied keyed-$nonce, and done"
sway_as swaymsg '[app_id="^cliptest:cliptest$"] focus' >/dev/null
for ((i = 0; i < 100; i++)); do
	[ "$(cat "$vmreg/cliptest/focus" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
[ "$(cat "$vmreg/cliptest/focus")" = 1 ] || fail "the VM's window never had the focus"
sway_as wtype -M ctrl -M shift c -m shift -m ctrl
keyboard
for ((i = 0; i < 200; i++)); do
	[ "$(host_paste -n 2>/dev/null)" = "keyed-$nonce" ] && break
	sleep 0.1
done
[ "$(host_paste -n)" = "keyed-$nonce" ] ||
	{ tail -n 5 "$SWAY_DIR/sway.log" >&2; fail "Ctrl+Shift+C did not copy from the focused VM"; }
note "Ctrl+Shift+C, fired with wtype, copied from the focused VM"

# --- the end --------------------------------------------------------------
echo system_powerdown | socat - "UNIX-CONNECT:$vmdir/mon" >/dev/null 2>&1 || fail "no qemu monitor"
rc=0
wait "$runner" || rc=$?
runner=
[ $rc -eq 0 ] || { console | tail -n 40 >&2; cat "$work/runvm.log" >&2; fail "run-vm exited $rc"; }
console | grep -q 'reboot: Power down' || fail "the guest did not power off"
[ ! -e "$vmreg/cliptest" ] || fail "the VM directory entry outlived the VM"
left=$(pgrep -f -- "$vmdir" || true)
[ -z "$left" ] || fail "host processes of the VM are left: $left"
note "powered off: no VM directory entry, no host process left"
