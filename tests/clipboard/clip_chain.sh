#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through wait_for
# The clipboard between host and VM on one machine, no VM, all real parts:
# headless sway as the host, the window chain of tests/wayland (host filter
# with its focus file, waypipe, guest filter with its data-control socket),
# the real appvm-agent on that socket and appvmctl with sway key bindings.
# Apps on both sides are wl-clipboard's, which copy and paste the way apps
# do (the guest's through wl_data_device on a focused window).
#
#   - a guest app's copy stays in the VM until "clipboard copy";
#   - a host copy stays on the host until "clipboard paste";
#   - a guest app's text with ESC and C1 controls reaches the host without
#     them (docs/clipboard.md, Control characters);
#   - binary content both ways, the size cap at its boundary;
#   - Ctrl+Shift+C / Ctrl+Shift+V in sway, fired with wtype, act on the VM
#     whose window has the focus, and on no VM when a host window has it;
#   - the agent restarted: the VM's paste comes back;
#   - clipboard owners in the VM that never write, or never stop: bounded,
#     and the agent answers meanwhile; the agent idles at zero CPU.
#
# Needs root (setpriv). Environment: FILTER, CLIENT (as chain_lib.sh),
# AGENT, APPVMCTL, WLCLIP_TOOL.
# shellcheck source=tests/wayland/chain_lib.sh
. "$(dirname "$0")/../wayland/chain_lib.sh"
: "${AGENT:?}" "${APPVMCTL:?}" "${WLCLIP_TOOL:?}"
# What the unprivileged uid runs, from the public directory (chain_lib.sh).
cp "$AGENT" "$APPVMCTL" "$WLCLIP_TOOL" "$root/bin/"
chmod 755 "$root/bin/"*
AGENT=$root/bin/$(basename "$AGENT")
APPVMCTL=$root/bin/$(basename "$APPVMCTL")
WLCLIP_TOOL=$root/bin/$(basename "$WLCLIP_TOOL")
G=$(new_dir g) # guest runtime dir

host() { WAYLAND_DISPLAY=$H/$sway_socket as_user "$H" "$@"; }
guest() { WAYLAND_DISPLAY=$G/wayland-0 as_user "$G" "$@"; }
ctl() { host "$APPVMCTL" "$@"; }
host_has() { [ "$(host timeout 10 wl-paste -n 2>&1)" = "$1" ]; }
guest_has() {
	guest timeout 10 wl-paste -n >"$root/guest-paste.log" 2>&1
	[ "$(cat "$root/guest-paste.log")" = "$1" ]
}

# The VM directory: appvmctl finds the VM "vmt" and its focus there.
vmdir=$H/appvm/vm/vmt
mkdir -p "$vmdir"
chown -R "$uid:$gid" "$H/appvm"
printf 'unix:%s\n' "$T/agent.sock" >"$vmdir/target"
mkdir -p "$H/.config/appvm"
printf '[default]\nmin-interval = 0\n' >"$H/.config/appvm/clipboard.conf"
chown -R "$uid:$gid" "$H/.config"

# The recipe of docs/clipboard.md, with this build's appvmctl.
start_sway "output HEADLESS-1 mode 1024x768 position 0 0
default_border none
focus_follows_mouse no
bindsym Ctrl+Shift+c exec $APPVMCTL focused clipboard copy
bindsym Ctrl+Shift+v exec $APPVMCTL focused clipboard paste"
start_keyboard
start_host_filter "$H/appvm-vmt" --name vmt --focus-file "$vmdir/focus"
start_waypipes chain "$H/appvm-vmt" "$G"
start_guest_filter "$G" --data-control "$G/data-control"
start_agent() {
	bg agent "$T" "$AGENT" --listen-unix "$T/agent.sock" --clipboard-socket "$G/data-control" \
		--clipboard-file "$G/clipboard" -v
	agent=$last
	wait_for 10 "the agent's socket" test -S "$T/agent.sock"
}
start_agent
ctl vm:vmt ping >/dev/null || fail "no agent"

# --- VM to host -----------------------------------------------------------
WAYLAND_DISPLAY=$H/$sway_socket bg host-copy "$H" wl-copy --foreground "host-secret-$$"
wait_for 10 "the host clipboard" host_has "host-secret-$$"
WAYLAND_DISPLAY=$G/wayland-0 bg guest-copy "$G" wl-copy --foreground "guest-text-$$"
wait_for 20 "the guest's copy in the VM" guest_has "guest-text-$$"
host_has "host-secret-$$" || fail "the guest's copy reached the host by itself"
ok "a guest app's copy stays in the VM"
out=$(ctl vm:vmt clipboard copy)
grep -q "bytes of text from VM vmt to the host clipboard" <<<"$out" || fail "copy: $out"
host_has "guest-text-$$" || fail "after clipboard copy the host has: $(host wl-paste -n)"
ok "clipboard copy: the host pastes the guest's text ($out)"

# --- host to VM -----------------------------------------------------------
WAYLAND_DISPLAY=$H/$sway_socket bg host-copy2 "$H" wl-copy --foreground "host-text-$$"
wait_for 10 "the host's copy" host_has "host-text-$$"
guest_has "guest-text-$$" || fail "the host's copy reached the VM by itself"
ok "a host copy stays on the host"
out=$(ctl vm:vmt clipboard paste)
wait_for 10 "the paste in a guest app" guest_has "host-text-$$"
ok "clipboard paste: a guest app pastes the host's text ($out)"

# --- a guest app's terminal controls stay out of the host clipboard --------
printf 'ctl-\033[201~; echo pwned-%s\302\233\n' "$$" >"$root/controls.txt"
chmod 644 "$root/controls.txt"
WAYLAND_DISPLAY=$G/wayland-0 bg guest-controls "$G" sh -c \
	"exec wl-copy --foreground -t 'text/plain;charset=utf-8' <'$root/controls.txt'"
wait_for 20 "the guest's copy with controls" guest_has "$(cat "$root/controls.txt")"
out=$(ctl vm:vmt clipboard copy 2>"$root/controls.err") || fail "copy with controls: $out"
grep -qx "appvmctl: vm:vmt: removed 2 control characters from the VM's text (--keep-controls keeps them)" \
	"$root/controls.err" || fail "copy with controls, stderr: $(cat "$root/controls.err")"
host_has "ctl-[201~; echo pwned-$$" || fail "controls reached the host: $(host wl-paste -n | od -c | head -3)"
ok "a guest app's ESC and C1 CSI do not reach the host clipboard ($out)"

# --- binary content and the size cap --------------------------------------
head -c 300000 /dev/urandom >"$root/random.bin"
chmod 644 "$root/random.bin"
WAYLAND_DISPLAY=$G/wayland-0 bg guest-bin "$G" sh -c "exec wl-copy --foreground -t application/x-test <'$root/random.bin'"
wait_for 20 "binary content in the VM" sh -c "WAYLAND_DISPLAY='$G/data-control' XDG_RUNTIME_DIR='$G' \
	timeout 10 wl-paste -l | grep -qx application/x-test"
ctl vm:vmt clipboard copy --type application/x-test --max-size 300000 >/dev/null
host timeout 10 wl-paste -t application/x-test | cmp - "$root/random.bin" || fail "binary copy differs"
rc=0
out=$(ctl vm:vmt clipboard copy --type application/x-test --max-size 299999 2>&1) || rc=$?
[ $rc -eq 8 ] || fail "one byte over the cap: exit $rc ($out)"
grep -q "holds 300000 bytes, over the limit of 299999" <<<"$out" || fail "cap: $out"
host timeout 10 wl-paste -t application/x-test | cmp - "$root/random.bin" || fail "the refused copy changed the host clipboard"
ok "300000 random bytes VM to host; one byte over the cap refused: $out"
head -c 65536 /dev/zero | tr '\0' z >"$root/cap"
head -c 65537 /dev/zero | tr '\0' z >"$root/over"
chmod 644 "$root/cap" "$root/over"
WAYLAND_DISPLAY=$H/$sway_socket bg host-bin "$H" sh -c "exec wl-copy --foreground -t image/png <'$root/random.bin'"
wait_for 10 "binary content on the host" sh -c "WAYLAND_DISPLAY='$H/$sway_socket' XDG_RUNTIME_DIR='$H' \
	timeout 10 wl-paste -l | grep -qx image/png"
ctl vm:vmt clipboard paste --type image/png --max-size 1M >/dev/null
guest timeout 10 wl-paste -t image/png | cmp - "$root/random.bin" || fail "binary paste differs"
WAYLAND_DISPLAY=$H/$sway_socket bg host-cap "$H" sh -c "exec wl-copy --foreground <'$root/cap'"
wait_for 10 "64 KiB on the host" sh -c "WAYLAND_DISPLAY='$H/$sway_socket' XDG_RUNTIME_DIR='$H' \
	timeout 10 wl-paste -n | cmp -s - '$root/cap'"
ctl vm:vmt clipboard paste >/dev/null
guest timeout 10 wl-paste -n | cmp - "$root/cap" || fail "a paste at the cap differs"
WAYLAND_DISPLAY=$H/$sway_socket bg host-over "$H" sh -c "exec wl-copy --foreground <'$root/over'"
wait_for 10 "64 KiB + 1 on the host" sh -c "WAYLAND_DISPLAY='$H/$sway_socket' XDG_RUNTIME_DIR='$H' \
	timeout 10 wl-paste -n | cmp -s - '$root/over'"
rc=0
out=$(ctl vm:vmt clipboard paste 2>&1) || rc=$?
[ $rc -eq 8 ] || fail "paste over the cap: exit $rc ($out)"
guest timeout 10 wl-paste -n | cmp - "$root/cap" || fail "the refused paste changed the VM"
ok "binary host to VM; 65536 bytes pasted, 65537 refused: $out"

# --- the agent restarts ---------------------------------------------------
kill "$agent"
rc=0
wait "$agent" || rc=$?
[ $rc -eq 0 ] || fail "the agent exited $rc on SIGTERM (a sanitizer report?): $(tail -n 20 "$root/agent.log")"
wait_for 10 "the paste to die with the agent" sh -c "WAYLAND_DISPLAY='$G/wayland-0' \
	XDG_RUNTIME_DIR='$G' timeout 10 wl-paste -n 2>&1 | grep -qx 'No selection'"
start_agent
wait_for 10 "the paste back after the restart" sh -c "WAYLAND_DISPLAY='$G/wayland-0' \
	XDG_RUNTIME_DIR='$G' timeout 10 wl-paste -n 2>/dev/null | cmp -s - '$root/cap'"
ok "the agent restarted: the VM's paste is offered again"

# --- clipboard owners that misbehave --------------------------------------
WAYLAND_DISPLAY=$H/$sway_socket bg host-copy6 "$H" wl-copy --foreground "host-secret2-$$"
wait_for 10 "the host's copy" host_has "host-secret2-$$"
for mode in never endless; do
	WAYLAND_DISPLAY=$G/data-control bg "owner-$mode" "$G" "$WLCLIP_TOOL" owner "$mode"
	owner=$last
	wait_for 10 "the $mode owner" grep -qx set "$root/owner-$mode.log"
	start=$SECONDS
	gets=$(grep -c CLIPBOARD_GET "$root/agent.log" || true)
	more_gets() { [ "$(grep -c CLIPBOARD_GET "$root/agent.log")" -gt "$gets" ]; }
	(
		rc=0
		ctl vm:vmt clipboard copy --max-size 16M >"$root/slow.out" 2>&1 || rc=$?
		echo $rc >"$root/slow.rc"
	) &
	copier=$!
	wait_for 10 "the copy to start" more_gets
	t0=$(date +%s%N)
	ctl vm:vmt ping --timeout 2 >/dev/null || fail "no ping while an owner is $mode"
	ms=$((($(date +%s%N) - t0) / 1000000))
	wait "$copier"
	[ "$(cat "$root/slow.rc")" = 7 ] || fail "$mode owner: $(cat "$root/slow.rc") $(cat "$root/slow.out")"
	[ $((SECONDS - start)) -le 8 ] || fail "$mode owner held the copy $((SECONDS - start)) s"
	host_has "host-secret2-$$" || fail "$mode owner: the host clipboard changed"
	ok "owner that is $mode: $(grep 'guest error' "$root/slow.out"); ping meanwhile in $ms ms"
	kill "$owner"
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
a0=$(cpu_ticks "$agent")
sleep 1 # measuring an interval, not waiting for a condition
[ "$(cpu_ticks "$agent")" -le $((a0 + 1)) ] || fail "the agent is busy while idle"
ok "the agent idles at zero CPU with its clipboard connection open"
# --- the key bindings -----------------------------------------------------
# fire KEY: Ctrl+Shift+KEY through a virtual keyboard. Once that wtype ends,
# headless sway's seat has no active keyboard and new clients get no keymap
# (wl-clipboard's window would wait forever); a keyboard that taps F13 (bound
# to nothing) and stays makes the seat whole again, as a real one would.
rekey=
fire() {
	host wtype -M ctrl -M shift "$1" -m shift -m ctrl
	[ -z "$rekey" ] || kill "$rekey"
	WAYLAND_DISPLAY=$H/$sway_socket bg rekey "$H" wtype -P F13 -p F13 -s 3600000
	rekey=$last
}
WAYLAND_DISPLAY=$G/wayland-0 bg red "$G" "$CLIENT" window --color ff0000 --size 200x100 \
	--app-id test.red
wait_for 20 "the guest window" grep -qs first-frame "$root/red.log"
wait_for 10 "the VM's focus" grep -qx 1 "$vmdir/focus"
WAYLAND_DISPLAY=$G/wayland-0 bg guest-copy3 "$G" wl-copy --foreground "by-key-$$"
wait_for 20 "the guest's copy" guest_has "by-key-$$"
wait_for 10 "the VM's focus" grep -qx 1 "$vmdir/focus"
fire c
wait_for 10 "Ctrl+Shift+C to copy from the focused VM" host_has "by-key-$$"
ok "Ctrl+Shift+C in sway copied from the focused VM"
WAYLAND_DISPLAY=$H/$sway_socket bg host-copy4 "$H" wl-copy --foreground "key-paste-$$"
wait_for 10 "the host's copy" host_has "key-paste-$$"
swaymsg '[app_id="^vmt:test\.red$"] focus' >/dev/null
wait_for 10 "the VM's focus" grep -qx 1 "$vmdir/focus"
fire v
wait_for 10 "Ctrl+Shift+V to paste into the focused VM" guest_has "key-paste-$$"
ok "Ctrl+Shift+V in sway pasted into the focused VM"
# A host window has the focus: the bindings touch no VM.
WAYLAND_DISPLAY=$H/$sway_socket bg native "$H" "$CLIENT" window --color 00ff00 --size 100x100 \
	--app-id host.native
wait_for 20 "the host window" grep -qs first-frame "$root/native.log"
wait_for 10 "the VM to lose the focus" grep -qx 0 "$vmdir/focus"
WAYLAND_DISPLAY=$H/$sway_socket bg host-copy5 "$H" wl-copy --foreground "stays-$$"
wait_for 10 "the host's copy" host_has "stays-$$"
fire v
wait_for 10 "appvmctl to refuse" grep -q "focused: no VM window has the keyboard focus" "$H/sway.log"
guest_has "key-paste-$$" || fail "a paste with a host window focused reached the VM"
ok "with a host window focused, Ctrl+Shift+V pastes nowhere"

kill -0 "$sway_pid" || fail "sway died"
