# Sourced by ns_test.sh for the "wayland" test: the guest half of the Wayland
# transport, without a VM. appvm-init, as PID 1 of the namespace, starts
# appvm-wayland-relay (with a unix: target instead of vsock) and waypipe
# server as the app's user, and the app only once its wayland-0 listens. On
# the "host" side (outside the namespace), waypipe client and a headless sway
# show the window; grim counts its pixels. Then the app kills waypipe server:
# init kills what waypipe leaves behind (its command), removes the stale
# socket, restarts it, and a second window gets through.
# Environment (ctest): RELAY, COLOR_CLIENT, besides ns_test.sh's.
# shellcheck shell=bash disable=SC2154  # fail, script, run_ns, $log...: ns_test.sh

for tool in waypipe sway grim swaymsg jq python3 setpriv pgrep; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup)"; exit 77; }
done
if [ ! -x "${RELAY:-}" ] || [ ! -x "${COLOR_CLIENT:-}" ]; then
	fail "RELAY and COLOR_CLIENT must name the built programs"
fi
# shellcheck source=tests/wayland/headless-sway.sh
. "$(dirname "$0")/../wayland/headless-sway.sh"

# Short paths: Unix socket paths have at most 107 bytes.
host=$(mktemp -d /var/tmp/appvm-nswl.XXXXXX)
wp_pid=
host_cleanup() {
	if [ -n "$wp_pid" ]; then
		kill -TERM -- "-$wp_pid" 2>/dev/null || true
		wait "$wp_pid" 2>/dev/null || true
	fi
	sway_stop
	rm -rf "$host"
}
trap host_cleanup EXIT
mkdir -p "$host/bin"
cp "$RELAY" "$COLOR_CLIENT" "$host/bin/"
chmod 0755 "$host" "$host/bin"
chown 65534:65534 "$host"
sway_start "$host/sway" 65534 || fail "headless sway did not start"
# The host's waypipe client, as the sway user: the relay in the namespace
# (also uid 65534) connects to its socket.
setsid setpriv --reuid=65534 --regid=65534 --clear-groups env -i -C "$host" PATH=/usr/bin:/bin \
	XDG_RUNTIME_DIR="$SWAY_DIR" WAYLAND_DISPLAY="$SWAY_DISPLAY" \
	waypipe --no-gpu --socket "$host/wp.sock" client </dev/null >"$host/waypipe-client.log" 2>&1 &
wp_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -S "$host/wp.sock" ] && break
	sleep 0.05
done
[ -S "$host/wp.sock" ] || fail "waypipe client did not create its socket: $(cat "$host/waypipe-client.log")"

# Two windows, one before and one after waypipe server was killed.
c1=1e90ff c2=ff1493
script "$host/app.sh" "
echo \"socket at start: \$( [ -S \"\$XDG_RUNTIME_DIR/\$WAYLAND_DISPLAY\" ] && echo yes || echo no)\"
echo \"transport users: \$(ps -o user= -C waypipe,appvm-wayland-r | sort -u | tr '\\n' ' ')\"
$host/bin/vm_color_client --app-id appvm-ns-one --color $c1 --width 120 --height 90 &
i=0; while [ ! -e $host/one.done ] && [ \$i -lt 800 ]; do sleep 0.05; i=\$((i+1)); done
# The inode of the socket listening on wayland-0 (/proc/net/unix, where
# waypipe's shows as bound: by its name, from within the folder): the
# restarted waypipe server's is another one.
listening() { awk -v p=\"\$WAYLAND_DISPLAY\" -v f=\"\$XDG_RUNTIME_DIR/\$WAYLAND_DISPLAY\" '\$4 == \"00010000\" && (\$NF == p || \$NF == f) { print \$7 }' /proc/net/unix; }
old=\$(listening)
server=\$(pgrep -o -x waypipe)
hold=\$(pgrep -x -f '$host/bin/appvm-wayland-relay --hold')
echo \"killing waypipe server \$server (its command: \$hold)\"
kill -KILL \$server
i=0; while kill -0 \$hold 2>/dev/null && [ \$i -lt 1000 ]; do sleep 0.02; i=\$((i+1)); done
kill -0 \$hold 2>/dev/null && echo 'the command outlived waypipe server' || echo 'the command went with waypipe server'
wait
# Not any waypipe nor any socket: the old server's connection process and
# its stale socket may linger for a moment. A new server listening.
i=0; while now=\$(listening); { [ -z \"\$now\" ] || [ \"\$now\" = \"\$old\" ]; } && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done
echo \"listening again: \$( [ -n \"\$now\" ] && [ \"\$now\" != \"\$old\" ] && echo yes || echo no)\"
$host/bin/vm_color_client --app-id appvm-ns-two --color $c2 --width 100 --height 70 &
i=0; while [ ! -e $host/two.done ] && [ \$i -lt 800 ]; do sleep 0.05; i=\$((i+1)); done
kill \$!
exit 0"
cat >"$WORK/vm.conf" <<EOF
[vm]
grace = 2s
[agent]
enable = no
[wayland]
waypipe = /usr/bin/waypipe
relay = $host/bin/appvm-wayland-relay
target = unix:$host/wp.sock
ready-timeout = 30s
[app]
exec = $host/app.sh
user = nobody
EOF

# The host's eyes: each window is seen by sway and counted by grim.
watch_window() { # APP_ID COLOR PIXELS NAME
	local i n
	for ((i = 0; i < 300; i++)); do
		sway_window_visible "$1" && break
		sleep 0.05
	done
	sway_window_visible "$1" || { echo "$4: no window" >"$host/$4.result"; touch "$host/$4.done"; return; }
	for ((i = 0; i < 300; i++)); do
		n=$(sway_count_color "$2" "$host/$4.ppm")
		[ "$n" = "$3" ] && break
		sleep 0.05
	done
	echo "$4: $n pixels" >"$host/$4.result"
	touch "$host/$4.done"
}
(watch_window appvm-ns-one "$c1" $((120 * 90)) one && watch_window appvm-ns-two "$c2" $((100 * 70)) two) &
watcher=$!
# Two windows through waypipe, a restart between them, each seen by sway
# and grim: well past the default 20 s on a loaded 2-core machine (each
# wait inside is bounded by itself).
# shellcheck disable=SC2034 # read by run_init (ns_test.sh)
NS_TIMEOUT=60
run_ns
wait "$watcher"
expect_end "signal INT"
expect_order "wayland: $(printf '/run/user/65534/wayland-0') through waypipe to unix:$host/wp.sock" \
	"wayland-relay: started $host/bin/appvm-wayland-relay" \
	"wayland-relay: ready (/run/appvm/wayland/relay.sock listens)" \
	"wayland: started /usr/bin/waypipe" \
	"wayland: ready (/run/user/65534/wayland-0 listens)" \
	"app: started $host/app.sh"
expect_log "app: socket at start: yes"
expect_log "app: transport users: nobody "
grep -qx "one: $((120 * 90)) pixels" "$host/one.result" || fail "first window: $(cat "$host/one.result")"
expect_order "app: killing waypipe server" "wayland: killed by signal 9" \
	"wayland: removed the stale socket /run/user/65534/wayland-0"
expect_log "app: the command went with waypipe server"
expect_log "app: listening again: yes"
[ "$(grep -c 'wayland: started /usr/bin/waypipe' "$log")" -eq 2 ] || fail "waypipe server was not restarted once"
grep -qx "two: $((100 * 70)) pixels" "$host/two.result" || fail "second window, after the restart: $(cat "$host/two.result")"
# The namespace is gone: its windows went with it.
for ((i = 0; i < 300; i++)); do
	sway_window_visible appvm-ns-two || break
	sleep 0.05
done
! sway_window_visible appvm-ns-two || fail "the window outlived the guest side"
