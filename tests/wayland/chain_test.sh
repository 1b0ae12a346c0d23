#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called through wait_for
# The whole window chain on one machine, no VM, all real parts:
#
#   guest apps -> appvm-wayland guest -> waypipe -n server -> (socket, or a
#   relay) -> waypipe -n client -> appvm-wayland host -> headless sway
#
# sway, the filters and every client run unprivileged (setpriv) in runtime
# directories of their own; grim, swaymsg and wl-clipboard check the
# result from the host side. Needs root (for setpriv).
#
# Usage: chain_test.sh CASE   (CASE: windows, isolation, clipboard, apps, lifecycle)
# Environment: FILTER, CLIENT (binaries), WLF_UID (default 65534),
#   WLF_RELAY: a command run (unprivileged) as "$WLF_RELAY GUEST_SOCKET
#   HOST_SOCKET" that listens on GUEST_SOCKET and carries each connection to
#   HOST_SOCKET (default: none, waypipe server connects to waypipe client
#   directly). Example: WLF_RELAY=tests/wayland/socat-relay
case_name=${1:?usage: chain_test.sh windows|isolation|clipboard|apps|lifecycle}
# shellcheck source=tests/wayland/chain_lib.sh
. "$(dirname "$0")/chain_lib.sh"
G=$(new_dir g) # guest runtime dir

host() { WAYLAND_DISPLAY=$H/$sway_socket as_user "$H" "$@"; }
guest() { WAYLAND_DISPLAY=$G/wayland-0 as_user "$G" "$@"; }
bypass() { WAYLAND_DISPLAY=$G/waypipe-0 as_user "$G" "$@"; }
agent() { WAYLAND_DISPLAY=$G/data-control as_user "$G" "$@"; }

start_sway 'output HEADLESS-1 mode 1024x768 position 0 0
default_border none
default_floating_border none
focus_follows_mouse no
for_window [app_id="^vmt:test\.red$"] "floating enable, move position 0 0"
for_window [app_id="^vmt:test\.blue$"] "floating enable, move position 300 0"
for_window [app_id="^host\.native$"] "floating enable, move position 0 400"'
start_keyboard
start_host_filter "$H/appvm-vmt" --name vmt --focus-file "$H/focus" -v
start_waypipes chain "$H/appvm-vmt" "$G"
start_guest_filter "$G" --data-control "$G/data-control" -v

tree() { swaymsg -t get_tree; }
# window NAME CLIENT-ARGS...: starts a guest window, waits for its first frame.
window() {
	local name=$1
	shift
	WAYLAND_DISPLAY=$G/wayland-0 bg "$name" "$G" "$CLIENT" window "$@"
	wait_for 20 "$name's first frame" grep -qs first-frame "$root/$name.log"
}

case_windows() {
	window red --color ff0000 --size 200x100 --title Red --app-id test.red
	local red=$last
	window blue --color 0000ff --size 150x120 --title Blue --app-id test.blue
	# Exactly the pixels of both windows, no more, no less.
	pixels() { echo "$(sway_count_color ff0000) $(sway_count_color 0000ff)"; }
	pixels_ok() { [ "$(pixels)" = "20000 18000" ]; }
	wait_for 20 "both windows on screen" pixels_ok
	ok "two guest windows on the host, every pixel: $(pixels)"
	local t
	t=$(tree)
	for want in '"name": "[vmt] Red"' '"app_id": "vmt:test.red"' '"name": "[vmt] Blue"' \
		'"app_id": "vmt:test.blue"'; do
		grep -qF "$want" <<<"$t" || fail "sway's tree lacks $want"
	done
	ok "titles and app ids carry the VM's name"
	# Keyboard focus: the last mapped guest window has it; a host window
	# takes it; it comes back when that one goes.
	wait_for 10 "focus file 1" grep -qx 1 "$H/focus"
	WAYLAND_DISPLAY=$H/$sway_socket bg native "$H" "$CLIENT" window --color 00ff00 \
		--app-id host.native
	local native=$last
	wait_for 10 "focus file 0 with a host window focused" grep -qx 0 "$H/focus"
	swaymsg '[app_id="^vmt:test.red$"] focus' >/dev/null
	wait_for 10 "focus file 1 again" grep -qx 1 "$H/focus"
	kill "$native"
	ok "focus file follows the keyboard focus"
	# A window of the VM closes and another of it takes the focus: the
	# focus file stays 1 (no "0" settles in between). Then a host window
	# takes the focus: exactly one "0" is written after the close.
	local outs
	outs=$(grep -c "focus: out" "$root/host-filter.log" || true)
	kill "$red"
	focused_app() { tree | jq -e --arg a "$1" '[.. | objects | select(.focused? == true and .app_id? == $a)] | length == 1' >/dev/null; }
	wait_for 20 "the blue window focused once the red one closed" focused_app vmt:test.blue
	grep -qx 1 "$H/focus" || fail "the focus file says $(cat "$H/focus") with a window of the VM focused"
	WAYLAND_DISPLAY=$H/$sway_socket bg native "$H" "$CLIENT" window --color 00ff00 \
		--app-id host.native
	native=$last
	wait_for 20 "focus file 0 with a host window focused" grep -qx 0 "$H/focus"
	kill "$native"
	[ "$(grep -c "focus: out" "$root/host-filter.log")" -eq $((outs + 1)) ] ||
		fail "the focus file flapped: $(grep "focus: " "$root/host-filter.log" | tail -n 6 | tr '\n' '|')"
	ok "focus file steady while one window of the VM closes and another takes the focus"
	# A guest window asking for fullscreen stays a framed window (its tag
	# on screen); the same request from a host client does go fullscreen.
	fullscreen_of() {
		tree | jq -r --arg a "$1" '.. | objects | select(.app_id? == $a) | .fullscreen_mode'
	}
	window full --color 00ffff --size 40x40 --title Full --app-id test.full --fullscreen
	local guest_full=$last
	[ "$(fullscreen_of vmt:test.full)" = 0 ] || fail "a guest window went fullscreen"
	WAYLAND_DISPLAY=$H/$sway_socket bg hostfull "$H" "$CLIENT" window --color 00ff00 \
		--size 40x40 --app-id host.full --fullscreen
	local host_full=$last
	host_is_full() { [ "$(fullscreen_of host.full)" = 1 ]; }
	wait_for 10 "the host client fullscreen" host_is_full
	kill "$guest_full" "$host_full"
	ok "fullscreen from the guest is refused, from the host granted"
}

case_isolation() {
	# A host secret on the host clipboard.
	WAYLAND_DISPLAY=$H/$sway_socket bg host-copy "$H" \
		wl-copy --foreground "host-secret-$$"
	wait_for 10 "the host clipboard" bash -c "WAYLAND_DISPLAY='$H/$sway_socket' \
		XDG_RUNTIME_DIR='$H' timeout 5 wl-paste -n | grep -q host-secret"
	local hidden='zwlr_data_control_manager_v1|zwlr_screencopy_manager_v1|zwp_virtual_keyboard_manager_v1|zwlr_virtual_pointer_manager_v1|zwlr_layer_shell_v1|zwlr_export_dmabuf_manager_v1|zwlr_input_inhibit_manager_v1|zwlr_foreign_toplevel_manager_v1|xdg_activation_v1|zwp_primary_selection_device_manager_v1 [0-9]+$|wl_data_device_manager [0-9]+$'
	local g b
	g=$(guest "$CLIENT" globals)
	b=$(bypass "$CLIENT" globals)
	grep -q ' wl_compositor ' <<<"$b" || fail "the chain shows no wl_compositor"
	# Through the guest filter the only clipboard is the VM's own (names
	# from 0xfff00000); bypassing it, a compromised guest sees none.
	if grep -E "$hidden" <<<"$b"; then fail "hidden globals reach the guest"; fi
	grep -E "$hidden" <<<"$g" | grep -vE '^429391872[0-9] ' && fail "hidden globals via the guest filter"
	grep -qE '^4293918721 wl_data_device_manager 3$' <<<"$g" || fail "no local clipboard in the guest"
	ok "the guest's registry lacks every hidden global ($(wc -l <<<"$b") globals shown)"
	# Binding a hidden global by its host name is a protocol error.
	local name rc=0 out
	name=$(host "$CLIENT" globals | awk '$2 == "zwlr_data_control_manager_v1" {print $1}')
	[ -n "$name" ] || fail "sway has no data-control global"
	out=$(bypass "$CLIENT" bind "$name" zwlr_data_control_manager_v1 1) || rc=$?
	[ $rc -eq 3 ] || fail "bind of hidden global $name: exit $rc ($out)"
	grep -q '^protocol-error wl_registry' <<<"$out" || fail "no protocol error: $out"
	rc=0
	out=$(guest "$CLIENT" bind "$name" zwlr_data_control_manager_v1 1) || rc=$?
	[ $rc -eq 3 ] || fail "bind via the guest filter: exit $rc ($out)"
	ok "binding hidden global $name by name: $out"
	# No guest client reads the host secret, by any path.
	local p
	# The answers show each path was really asked: the VM's own (empty)
	# selection through the guest filter and the agent's socket, no
	# clipboard at all past it.
	local p want
	for p in guest:'No selection' agent:'No selection' bypass:'Missing a required global'; do
		want=${p#*:}
		p=${p%%:*}
		out=$($p timeout 10 wl-paste -n 2>&1 || true)
		if grep -q host-secret <<<"$out"; then fail "$p read the host clipboard"; fi
		grep -q "$want" <<<"$out" || fail "$p: unexpected answer: $out"
	done
	ok "the host clipboard is out of reach of guest clients"
	# A peer that stops reading (a compromised waypipe client; here a client
	# of the host filter's socket itself): once 256 KiB of its events wait,
	# the filter stops reading the compositor for it, and the keyboard
	# leave would wait unread for ever. The focus file must not go on
	# naming the VM then, or "paste into the focused VM" would reach it
	# while a host window has the keyboard.
	WAYLAND_DISPLAY=$H/appvm-vmt bg stall "$H" "$CLIENT" window --color ff00ff --size 20x10 \
		--app-id test.stall --stall
	local stalled=$last
	wait_for 20 "the window's first frame" grep -qs first-frame "$root/stall.log"
	wait_for 10 "focus file 1" grep -qx 1 "$H/focus"
	kill -USR1 "$stalled"
	wait_for 60 "the window to stop reading" grep -qs '^stalled' "$root/stall.log"
	wait_for 10 "focus file 0 with the VM's only client not reading" grep -qx 0 "$H/focus"
	WAYLAND_DISPLAY=$H/$sway_socket bg native "$H" "$CLIENT" window --color 00ff00 \
		--app-id host.native
	local native=$last
	host_focused() { swaymsg -t get_tree | jq -e '[.. | objects | select(.focused? == true and .app_id? == "host.native")] | length == 1' >/dev/null; }
	wait_for 20 "the host window focused" host_focused
	grep -qx 0 "$H/focus" || fail "the focus file says $(cat "$H/focus") with a host window focused"
	kill "$native" "$stalled"
	ok "a client that stops reading does not hold the focus file ($(grep '^stalled' "$root/stall.log"))"
	# After all that, the chain still serves a window.
	window red --color ff0000 --size 20x10 --app-id test.red
	ok "the chain still serves windows"
}

case_clipboard() {
	WAYLAND_DISPLAY=$H/$sway_socket bg host-copy "$H" \
		wl-copy --foreground "host-secret-$$"
	# Two guest clients copy and paste between themselves (wl-clipboard
	# without data-control: a popup window to get the keyboard focus).
	WAYLAND_DISPLAY=$G/wayland-0 bg guest-copy "$G" \
		wl-copy --foreground "guest-text-$$"
	local out
	paste_has() { out=$(guest timeout 10 wl-paste -n 2>&1 || true); grep -q "$1" <<<"$out"; }
	wait_for 20 "a guest client to paste the guest text" paste_has guest-text
	ok "guest to guest copy and paste: $out"
	out=$(WAYLAND_DISPLAY=$H/$sway_socket XDG_RUNTIME_DIR=$H timeout 5 wl-paste -n)
	grep -q host-secret <<<"$out" || fail "the host clipboard changed: $out"
	ok "the host clipboard never saw it"
	# The agent's data-control socket reads and sets the VM's selection.
	out=$(agent timeout 10 wl-paste -n)
	grep -q guest-text <<<"$out" || fail "data-control read: $out"
	wl_paste_types=$(agent timeout 10 wl-paste -l)
	grep -q text/plain <<<"$wl_paste_types" || fail "data-control types: $wl_paste_types"
	WAYLAND_DISPLAY=$G/data-control bg agent-copy "$G" \
		wl-copy --foreground "from-agent-$$"
	wait_for 20 "a guest app to paste what the agent set" paste_has from-agent
	ok "data-control: wl-paste reads, wl-copy sets the VM's selection"
	out=$(WAYLAND_DISPLAY=$H/$sway_socket XDG_RUNTIME_DIR=$H timeout 5 wl-paste -n)
	grep -q host-secret <<<"$out" || fail "the host clipboard changed: $out"
	# Primary selection, between guest clients only.
	WAYLAND_DISPLAY=$G/data-control bg agent-primary "$G" \
		wl-copy --foreground --primary "primary-$$"
	primary_has() { out=$(agent timeout 10 wl-paste -n --primary 2>&1 || true); grep -q primary- <<<"$out"; }
	wait_for 20 "the primary selection" primary_has
	ok "primary selection through data-control: $out"
	out=$(guest timeout 10 wl-paste -n --primary 2>&1 || true)
	grep -q primary- <<<"$out" || fail "a guest app cannot paste the primary selection: $out"
	ok "primary selection in a guest app: $out"
}

# Real programs through the chain: foot, and GTK 3 copying and pasting.
case_apps() {
	as_user "$G" python3 -c 'import gi; gi.require_version("Gtk", "3.0")' 2>/dev/null ||
		test_skip "python3-gi with GTK 3 missing"
	as_user "$G" sh -c 'command -v foot' >/dev/null || test_skip "foot missing"
	WAYLAND_DISPLAY=$G/wayland-0 bg_group foot "$G" foot sh -c 'sleep 3600'
	WAYLAND_DISPLAY=$G/wayland-0 bg gtk-copy "$G" env GDK_BACKEND=wayland \
		python3 "$root/bin/gtk_clip.py" copy "gtk-text-$$"
	in_tree() { tree | grep -qF "\"name\": \"$1\""; }
	wait_for 20 "foot's window" in_tree '[vmt] foot'
	wait_for 20 "GTK's window" in_tree '[vmt] GTK copy'
	ok "foot and a GTK window through the chain, tagged"
	wait_for 20 "GTK to copy" grep -qs copied "$root/gtk-copy.log"
	local out
	agent_has() { out=$(agent timeout 10 wl-paste -n 2>&1 || true); grep -q "$1" <<<"$out"; }
	wait_for 20 "the agent to read GTK's copy" agent_has gtk-text
	out=$(WAYLAND_DISPLAY=$H/$sway_socket XDG_RUNTIME_DIR=$H timeout 5 wl-paste -n 2>&1 || true)
	if grep -q gtk-text <<<"$out"; then fail "GTK's copy reached the host"; fi
	ok "GTK copies into the VM's clipboard, not the host's"
	WAYLAND_DISPLAY=$G/data-control bg agent-copy "$G" wl-copy --foreground "agent-text-$$"
	WAYLAND_DISPLAY=$G/wayland-0 bg gtk-paste "$G" env GDK_BACKEND=wayland \
		python3 "$root/bin/gtk_clip.py" paste
	wait_for 20 "GTK to paste" grep -qs "pasted:" "$root/gtk-paste.log"
	grep -q "pasted: agent-text-$$" "$root/gtk-paste.log" || fail "GTK pasted: $(cat "$root/gtk-paste.log")"
	ok "GTK pastes what the agent set"
	if grep -h "protocol error\|dropped" "$root/guest-filter.log" "$root/host-filter.log"; then
		fail "a filter refused a real program"
	fi
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

case_lifecycle() {
	window red --color ff0000 --size 20x10 --app-id test.red
	# Idle means asleep: no CPU time over a second with a client connected.
	local h0 g0
	h0=$(cpu_ticks "$host_filter")
	g0=$(cpu_ticks "$guest_filter")
	sleep 1 # measuring an interval, not waiting for a condition
	[ "$(cpu_ticks "$host_filter")" -le $((h0 + 1)) ] || fail "host filter busy while idle"
	[ "$(cpu_ticks "$guest_filter")" -le $((g0 + 1)) ] || fail "guest filter busy while idle"
	ok "both filters idle at zero CPU"
	# A client whose upstream fails is refused alone: the guest filter
	# with a dead upstream tells its clients and keeps running.
	bg dead-filter "$G" "$FILTER" guest --listen "$G/dead" --upstream "$G/nothing-here"
	local dead=$last
	wait_for 10 "the second guest filter" test -S "$G/dead"
	local rc=0 out
	out=$(WAYLAND_DISPLAY=$G/dead as_user "$G" "$CLIENT" globals 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "a client without upstream got globals: $out"
	kill -0 "$dead" || fail "the filter died with its client's upstream"
	ok "no upstream: the client is refused, the filter lives ($out)"
	# SIGTERM: clean exit, sockets removed.
	kill -TERM "$dead" "$guest_filter" "$host_filter"
	for p in "$dead" "$guest_filter" "$host_filter"; do
		rc=0
		wait "$p" || rc=$?
		[ $rc -eq 0 ] || fail "filter $p exited $rc on SIGTERM"
	done
	for s in "$G/dead" "$G/wayland-0" "$G/data-control" "$H/appvm-vmt"; do
		[ ! -e "$s" ] || fail "$s left behind"
	done
	grep -qx 0 "$H/focus" || fail "focus file not 0 after exit"
	ok "SIGTERM: clean exit, sockets removed, focus file 0"
}

"case_$case_name"
kill -0 "$sway_pid" || fail "sway died"
