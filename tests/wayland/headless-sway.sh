# shellcheck shell=bash
# A headless sway for tests and the demo, run unprivileged. Source it from bash:
#
#   . tests/wayland/headless-sway.sh
#   sway_start DIR [UID]   # sway as UID (default 65534) with DIR as its XDG_RUNTIME_DIR
#                          # and HOME; sets SWAY_PID, SWAY_DIR, SWAY_UID, SWAY_DISPLAY
#                          # (absolute socket path) and SWAYSOCK; returns 1 on failure
#   sway_as CMD...         # runs CMD as sway's user, in its environment
#   sway_window_visible APP_ID     # true when a view with this app_id is mapped
#   sway_count_color RRGGBB [FILE] # screenshot with grim (kept in FILE), prints the
#                                  # number of pixels of exactly that colour
#   sway_stop              # stops sway (and whatever runs in its process group)
#
# sway refuses to run as root; DIR becomes UID's (mode 0700). Nothing here
# sleeps for a fixed time: every wait polls a condition with a bound. Safe
# under set -e.

sway_start() {
	SWAY_DIR=$1
	SWAY_UID=${2:-65534}
	SWAY_PID=
	mkdir -p "$SWAY_DIR"
	cat >"$SWAY_DIR/config" <<-'EOF'
	xwayland disable
	default_floating_border none
	output HEADLESS-1 resolution 1280x720
	EOF
	chown -R "$SWAY_UID:$SWAY_UID" "$SWAY_DIR"
	chmod 0700 "$SWAY_DIR"
	setsid setpriv --reuid="$SWAY_UID" --regid="$SWAY_UID" --clear-groups \
		env -i -C "$SWAY_DIR" HOME="$SWAY_DIR" XDG_RUNTIME_DIR="$SWAY_DIR" PATH=/usr/bin:/bin \
		WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
		sway -c "$SWAY_DIR/config" </dev/null >"$SWAY_DIR/sway.log" 2>&1 &
	SWAY_PID=$!
	local i s
	SWAY_DISPLAY='' SWAYSOCK=''
	for ((i = 0; i < 200; i++)); do
		for s in "$SWAY_DIR"/wayland-[0-9]*; do
			[ -S "$s" ] && SWAY_DISPLAY=$s
		done
		for s in "$SWAY_DIR"/sway-ipc.*.sock; do
			[ -S "$s" ] && SWAYSOCK=$s
		done
		[ -n "$SWAY_DISPLAY" ] && [ -n "$SWAYSOCK" ] && return 0
		kill -0 "$SWAY_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "headless sway did not start; its log:" >&2
	cat "$SWAY_DIR/sway.log" >&2
	sway_stop
	return 1
}

sway_as() {
	setpriv --reuid="$SWAY_UID" --regid="$SWAY_UID" --clear-groups \
		env -i -C "$SWAY_DIR" HOME="$SWAY_DIR" XDG_RUNTIME_DIR="$SWAY_DIR" PATH=/usr/bin:/bin \
		WAYLAND_DISPLAY="$SWAY_DISPLAY" SWAYSOCK="$SWAYSOCK" "$@"
}

sway_window_visible() {
	sway_as swaymsg -t get_tree 2>/dev/null |
		jq -e --arg id "$1" '[.. | objects | select(.app_id? == $id and .visible == true)] | length > 0' \
			>/dev/null 2>&1
}

sway_count_color() {
	local want=$1 file=${2:-$SWAY_DIR/shot.ppm}
	sway_as grim -t ppm - >"$file" || return 1
	python3 - "$file" "$want" <<-'EOF'
	import sys
	data = open(sys.argv[1], "rb").read()
	magic, w, h, maxval, pixels = data.split(maxsplit=4)
	assert magic == b"P6" and maxval == b"255", "not a P6 PPM from grim"
	want = bytes.fromhex(sys.argv[2])
	print(sum(1 for i in range(0, int(w) * int(h) * 3, 3) if pixels[i:i + 3] == want))
	EOF
}

sway_stop() {
	if [ -n "${SWAY_PID:-}" ]; then
		# sway was started with setsid: its process group is its own.
		kill -TERM -- "-$SWAY_PID" 2>/dev/null || true
		local i
		for ((i = 0; i < 100; i++)); do
			kill -0 "$SWAY_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL -- "-$SWAY_PID" 2>/dev/null || true
		wait "$SWAY_PID" 2>/dev/null || true
		SWAY_PID=
	fi
	return 0
}
