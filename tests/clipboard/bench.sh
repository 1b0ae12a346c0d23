#!/usr/bin/env bash
# Benchmark (docs/benchmarks.md, The clipboard): moving clipboard content
# between host and VM through appvm's path beside waypipe's unfiltered
# clipboard, on one machine, same sway, same run, alternating.
#
#   ours: guest app -> appvm-wayland guest (the VM's clipboard) ->
#         data-control -> appvm-agent -> appvmctl -> the host clipboard,
#         and back with clipboard paste
#   peer: guest app -> waypipe server -> waypipe client -> sway: the guest
#         reads and sets the host clipboard directly (what waypipe alone
#         gives, with no isolation at all)
#
# For SIZE (1 MiB, 64 KiB and 1 KiB of text), each round measures, in
# milliseconds, with the process start-ups included on both sides:
#   VM -> host  ours: appvmctl clipboard copy, then a host app (wl-paste)
#                     reads it; peer: a host app reads the guest app's copy
#   host -> VM  ours: appvmctl clipboard paste, then a guest app reads it;
#               peer: a guest app reads the host's copy
# and prints the medians and ratios. waypipe 0.8.4 never completes a
# clipboard transfer of more than 64 KiB here (either way, whoever writes:
# wl-copy or wlclip-tool); above that, its side is tried once each way with
# a 10 s limit and reported as such. Needs root (setpriv). No VM: the agent
# talks to the guest filter on this machine, as in the clipboard_chain test.
# Usage: FILTER=... CLIENT=... AGENT=... APPVMCTL=... tests/clipboard/bench.sh [ROUNDS]
rounds=${1:-11}
# shellcheck source=tests/wayland/chain_lib.sh
. "$(dirname "$0")/../wayland/chain_lib.sh"
: "${AGENT:?}" "${APPVMCTL:?}"
cp "$AGENT" "$APPVMCTL" "$root/bin/"
chmod 755 "$root/bin/"*
AGENT=$root/bin/$(basename "$AGENT")
APPVMCTL=$root/bin/$(basename "$APPVMCTL")
GA=$(new_dir ga) # the VM with the filters
GB=$(new_dir gb) # waypipe alone

mkdir -p "$H/appvm/vm/vmt" "$H/.config/appvm"
printf 'unix:%s\n' "$T/agent.sock" >"$H/appvm/vm/vmt/target"
printf '[default]\nmin-interval = 0\nmax-size = 1M\n' >"$H/.config/appvm/clipboard.conf"
chown -R "$uid:$gid" "$H/appvm" "$H/.config"
start_sway 'output HEADLESS-1 mode 1024x768 position 0 0
default_border none'
start_keyboard
start_host_filter "$H/appvm-vmt" --name vmt --focus-file "$H/appvm/vm/vmt/focus"
start_waypipes full "$H/appvm-vmt" "$GA"
start_guest_filter "$GA" --data-control "$GA/data-control"
start_waypipes peer "$H/$sway_socket" "$GB"
bg agent "$T" "$AGENT" --listen-unix "$T/agent.sock" --clipboard-socket "$GA/data-control" \
	--clipboard-file "$GA/clipboard"
wait_for 10 "the agent" test -S "$T/agent.sock"

host() { WAYLAND_DISPLAY=$H/$sway_socket as_user "$H" "$@"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# check FILE WANT: the bytes read are the bytes sent (ours: always).
check() { cmp -s "$1" "$2" || fail "content differs: $1"; }

# peer_read OUT CMD...: a timed read through waypipe alone; "hang" past 10 s.
peer_read() {
	local out=$1 t
	shift
	t=$(date +%s%N)
	if "$@" timeout 10 wl-paste -n >"$root/out" && cmp -s "$root/out" "$root/data"; then
		ms "$t" >>"$root/$out"
	else
		echo hang >>"$root/$out"
	fi
}
# taken_back N: the agent has logged more than N of its pastes replaced.
taken_back() { [ "$(grep -c "replaced in the VM" "$root/agent.log")" -gt "$1" ]; }
for size in 1048576 65536 1024; do
	head -c "$size" /dev/zero | tr '\0' x >"$root/data"
	chmod 644 "$root/data"
	for f in copy-ours copy-ours-app copy-peer paste-ours paste-ours-app paste-peer; do
		: >"$root/$f"
	done
	# The VM's copy, made once: a guest app through the guest filter.
	WAYLAND_DISPLAY=$GA/wayland-0 bg "guest-copy-$size" "$GA" sh -c "exec wl-copy --foreground <'$root/data'"
	wait_for 20 "the VM's copy" sh -c "WAYLAND_DISPLAY='$GA/data-control' XDG_RUNTIME_DIR='$GA' \
		timeout 20 wl-paste -n | cmp -s - '$root/data'"
	for ((i = 0; i < rounds; i++)); do
		peer=0
		[ "$size" -le 65536 ] || [ "$i" -eq 0 ] && peer=1
		# VM -> host. Peer: the unfiltered guest's copy, read on the host
		# (the host clipboard cleared first, so that the copy seen is it).
		if [ $peer -eq 1 ]; then
			host wl-copy --clear
			WAYLAND_DISPLAY=$GB/waypipe-0 bg "peer-copy-$size-$i" "$GB" sh -c "exec wl-copy --foreground <'$root/data'"
			wait_for 20 "the peer's copy" sh -c "WAYLAND_DISPLAY='$H/$sway_socket' XDG_RUNTIME_DIR='$H' \
				timeout 20 wl-paste -l 2>/dev/null | grep -q text/plain"
			peer_read copy-peer host
			kill "$last"
		fi
		# Ours: appvmctl, then the same host app.
		t=$(date +%s%N)
		host "$APPVMCTL" vm:vmt clipboard copy >/dev/null
		ms "$t" >>"$root/copy-ours"
		host wl-paste -n >"$root/out"
		ms "$t" >>"$root/copy-ours-app"
		check "$root/out" "$root/data"
		# Host -> VM: the host's copy.
		WAYLAND_DISPLAY=$H/$sway_socket bg "host-copy-$size-$i" "$H" sh -c "exec wl-copy --foreground <'$root/data'"
		host_copy=$last
		wait_for 20 "the host's copy" sh -c "WAYLAND_DISPLAY='$H/$sway_socket' XDG_RUNTIME_DIR='$H' \
			timeout 20 wl-paste -n | cmp -s - '$root/data'"
		[ $peer -eq 0 ] || WAYLAND_DISPLAY=$GB/waypipe-0 peer_read paste-peer as_user "$GB"
		t=$(date +%s%N)
		host "$APPVMCTL" vm:vmt clipboard paste >/dev/null
		ms "$t" >>"$root/paste-ours"
		WAYLAND_DISPLAY=$GA/wayland-0 as_user "$GA" wl-paste -n >"$root/out"
		ms "$t" >>"$root/paste-ours-app"
		check "$root/out" "$root/data"
		kill "$host_copy"
		# The VM's own copy again: a guest app takes the selection back from
		# the agent's paste (which the agent then logs as replaced).
		replaced=$(grep -c "replaced in the VM" "$root/agent.log" || true)
		WAYLAND_DISPLAY=$GA/wayland-0 bg "guest-copy-$size-$i" "$GA" sh -c "exec wl-copy --foreground <'$root/data'"
		wait_for 20 "the VM's copy" taken_back "$replaced"
	done
	med() { if grep -q hang "$root/$1"; then echo hang; else median <"$root/$1"; fi; }
	ratio() {
		if grep -q hang "$root/$2"; then
			echo "- (waypipe: no transfer within 10 s)"
		else
			echo "scale=2; $(med "$1") / $(med "$2")" | bc
		fi
	}
	printf '%s bytes, %s rounds, medians in ms:\n' "$size" "$rounds"
	printf '  VM -> host: appvmctl copy %s, + host app read %s; waypipe alone %s; ratio %s\n' \
		"$(med copy-ours)" "$(med copy-ours-app)" "$(med copy-peer)" \
		"$(ratio copy-ours-app copy-peer)"
	printf '  host -> VM: appvmctl paste %s, + guest app read %s; waypipe alone %s; ratio %s\n' \
		"$(med paste-ours)" "$(med paste-ours-app)" "$(med paste-peer)" \
		"$(ratio paste-ours-app paste-peer)"
done
