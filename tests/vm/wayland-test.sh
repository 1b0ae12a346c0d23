# Sourced by tests/vm/vm-test for the "wayland" scenario: one boot shows two
# windows from the VM on a headless sway on the host: a real app, foot, from
# an app store of Debian packages, and the colour client it starts.
#
# Guest: appvm-init starts appvm-wayland-relay (initramfs), then Debian's
# waypipe server from the store "wl" (built by rootfs/build --store-pkg from
# the package names, run through the store's own loader) with the guest
# filter appvm-wayland as its command, then, once wayland-0 listens, the app: foot from the store "term" (--store-pkg
# term=foot,busybox: its font, and the font caches rootfs/build made), in
# its view of that store ([app] store = term: /usr is the store's). foot runs
# a script of the store "app" with the store's busybox: it prints text, then
# runs the colour client (a host binary with its libraries, --store-libs)
# through that store's loader.
# Host: scripts/run-vm --wayland runs scripts/wayland-host: waypipe client on
# the hybrid vsock's PATH_1027, through the host filter to the headless sway.
# Checks: swaymsg sees both windows, tagged with the VM's name; grim counts
# exactly the colour client's
# pixels and finds rendered text in foot's window (tests/vm/window-text);
# closing foot's window on the host ends the app and the guest powers off;
# fontconfig in the guest found the store's font caches valid (its debug
# lines, flushed as foot exits); the windows are gone, and no host process
# of the VM is left. APPVM_WL_MEM=1 also prints the memory of the guest's
# filter, relay and waypipe (docs/benchmarks.md, "In a VM: the musl builds").
# shellcheck shell=bash disable=SC2154  # src, work, kernel, init, boot_timeout: vm-test

need_kernel
need_init
relay=${APPVM_RELAY:-}
color=${APPVM_COLOR_CLIENT:-}
filter=${APPVM_WAYLAND_FILTER:-}
# The guest's filter is its image build (static, musl), the host's this build.
guest_filter=${APPVM_GUEST_FILTER:-$filter}
[ -x "$relay" ] || fail "appvm-wayland-relay '${relay:-unset}' not built"
[ -x "$filter" ] || fail "appvm-wayland '${filter:-unset}' not built"
[ -x "$guest_filter" ] || fail "appvm-wayland (guest) '${guest_filter:-unset}' not built"
[ -x "$color" ] || fail "vm_color_client '${color:-unset}' not built"
for tool in waypipe sway grim swaymsg jq python3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup installs it)"
done
# shellcheck source=tests/wayland/headless-sway.sh
. "$src/tests/wayland/headless-sway.sh"

# Short paths for sockets; the VM's host side under $vmdir only, so that any
# process whose command line names it belongs to this VM.
swaydir=$(mktemp -d /var/tmp/appvm-vmsway.XXXXXX)
vmdir=$(mktemp -d /var/tmp/appvm-vmwl.XXXXXX)
chmod 0755 "$swaydir"
vm_cleanup() {
	sway_stop
	rm -rf "$swaydir" "$vmdir"
}
trap vm_cleanup EXIT
sway_start "$swaydir/sway" 65534 || fail "headless sway did not start"

W=200 H=150 C=2e8b57
mkdir -p "$work/app/usr/bin" "$work/img"
cp "$color" "$work/app/usr/bin/vm_color_client"
# APPVM_WL_MEM=1: once the colour window is shown, the memory of the guest's
# Wayland chain (filter, relay, waypipe), through foot's window title
# (docs/benchmarks.md, "Windows").
mem=${APPVM_WL_MEM:-0}
[ "$mem" = 0 ] || cp "$src/tests/bench/guest.sh" "$work/app/usr/bin/bench-guest"
# Run by foot in the app's view: busybox is the store term's, found in /usr
# like every program there (and its loader, /lib64/..., is the store's too).
cat >"$work/app/start" <<EOF
#!/usr/bin/busybox sh
echo "appvm: foot and busybox from a store of Debian packages,"
echo "appvm: fonts from the store, through its fontconfig caches."
echo "appvm: \$(busybox uname -sm), user \$(busybox id -un)"
set -- /run/store/app/lib64/ld-linux-x86-64.so.2 --inhibit-cache \\
	--library-path /run/store/app/usr/lib/x86_64-linux-gnu \\
	/run/store/app/usr/bin/vm_color_client --app-id appvm-vm-color --width $W --height $H --color $C
[ -f /run/store/app/usr/bin/bench-guest ] || exec "\$@"
# The report's tools: the store's busybox; its output: foot's window title
# (this script's output is foot's terminal), which the host reads.
bb=\$(busybox mktemp -d) || exit 1
for t in sed tr cat grep; do busybox ln -s /usr/bin/busybox "\$bb/\$t"; done
"\$@" | while IFS= read -r line; do
	echo "\$line"
	case \$line in
	"vm_color_client: shown "*)
		r=\$(PATH=\$bb /usr/bin/busybox sh /run/store/app/usr/bin/bench-guest procs appvm-wayland appvm-wayland-relay waypipe 2>&1)
		printf '\\033]2;rss-report %s\\007' "\$(echo "\$r" | \$bb/tr '\\n' '|')"
		;;
	esac
done
EOF
chmod 0755 "$work/app/start"
cat >"$work/vm.conf" <<EOF
[vm]
name = wltest
on-app-exit = poweroff
grace = 5s

[agent]
enable = no

[store wl]
source = serial:wl
type = erofs
path = /run/store/wl

[store app]
source = serial:app
type = erofs
path = /run/store/app

[store term]
source = serial:term
type = erofs
path = /run/store/term

[wayland]
waypipe = /run/store/wl/usr/bin/waypipe
filter = /usr/bin/appvm-wayland
ready-timeout = 60s

[app]
store = term
; waypipe mirrors all of a shared memory pool: foot's scrolling trick would
; want one far larger than this VM's memory
exec = /usr/bin/foot -o tweak.max-shm-pool-size-mb=0 --app-id appvm-foot --title appvm-foot /run/store/app/start
user = app
; fontconfig says which caches it used, on foot's stderr: the console
env = FC_DEBUG=16
EOF
t0=$(date +%s)
"$src/rootfs/build" --init "$init" --bin "$relay" --bin "$guest_filter" --config "$work/vm.conf" \
	--store "app=$work/app" --store-libs --store-pkg wl=waypipe --store-pkg term=foot,busybox \
	"$work/img" >"$work/img.build.log" 2>&1 ||
	{ cat "$work/img.build.log" >&2; fail "rootfs/build failed"; }
if [ "${APPVM_GUEST_STATIC:-0}" = 1 ]; then
	image_static "$work/img" /init /usr/bin/appvm-wayland-relay /usr/bin/appvm-wayland
fi
note "images built in $(($(date +%s) - t0)) s ($(du -m "$work/img/wl.erofs" | cut -f1) MiB of waypipe store, $(du -m "$work/img/term.erofs" | cut -f1) MiB of foot store)"

t0=$(date +%s)
WAYLAND_DISPLAY=$SWAY_DISPLAY "$src/scripts/run-vm" -k "$kernel" -i "$work/img/initramfs.cpio.zst" \
	--store "$work/img/wl.erofs:wl" --store "$work/img/app.erofs:app" --store "$work/img/term.erofs:term" \
	--vsock-cid 3 --vsock-hybrid "$vmdir/vsock" --wayland --wayland-filter "$filter" --name wltest \
	--timeout "$boot_timeout" --log "$work/wl.raw" --quiet \
	</dev/null >"$work/wl.runvm" 2>&1 &
runner=$!
seen=0 foot_s=
for ((i = 0; i < boot_timeout * 10; i++)); do
	[ -n "$foot_s" ] || ! sway_window_visible wltest:appvm-foot || foot_s=$(($(date +%s) - t0))
	if [ -n "$foot_s" ] && sway_window_visible wltest:appvm-vm-color; then
		seen=1
		break
	fi
	kill -0 "$runner" 2>/dev/null || break
	sleep 0.1
done
tr -d '\r' <"$work/wl.raw" >"$work/wl.log" 2>/dev/null || true
stop_runner() { kill -TERM "$runner" 2>/dev/null; wait "$runner" || true; }
[ $seen -eq 1 ] || { stop_runner; show_log wl; fail "the VM's windows never appeared on the host"; }
note "windows on the host $(($(date +%s) - t0)) s after qemu started (foot's after $foot_s s)"

# The frame may land just after the window maps: poll for the exact count.
for ((i = 0; i < 100; i++)); do
	n=$(sway_count_color "$C" "$work/shot.ppm")
	[ "$n" = $((W * H)) ] && break
	sleep 0.1
done
[ "$n" = $((W * H)) ] || { stop_runner; fail "grim counted $n pixels of #$C, expected $((W * H))"; }
note "grim: $n pixels of #$C ($W x $H)"
if [ "$mem" != 0 ]; then
	for ((i = 0; i < boot_timeout * 10; i++)); do
		sway_as swaymsg -t get_tree >"$work/tree.json"
		jq -r '.. | objects | select(.app_id? == "wltest:appvm-foot") | .name' "$work/tree.json" >"$work/mem"
		grep -q 'rss-report' "$work/mem" && break
		sleep 0.1
	done
	grep -q 'rss-report' "$work/mem" || fail "no memory report in foot's title: $(cat "$work/mem")"
	note "memory once the windows are shown (kB):"
	sed 's/^.*rss-report //' "$work/mem" | tr '|' '\n' | sed '/^$/d; s/^/    /'
fi
sway_as swaymsg -t get_tree >"$work/tree.json"
jq -r '.. | objects | select(.app_id? == "wltest:appvm-vm-color" or .app_id? == "wltest:appvm-foot") | "\(.app_id) \(.name)"' \
	"$work/tree.json" | sort >"$work/tree"
[ "$mem" = 0 ] || sed -i 's/^\(wltest:appvm-foot \[wltest\]\) rss-report .*/\1 appvm-foot/' "$work/tree"
[ "$(cat "$work/tree")" = "wltest:appvm-foot [wltest] appvm-foot
wltest:appvm-vm-color [wltest] appvm colour test" ] || fail "swaymsg get_tree: $(cat "$work/tree")"

# foot's window: its content area holds rendered text (antialiased glyphs:
# many ink pixels in many shades), not an empty frame or a lone cursor.
text=
for ((i = 0; i < 100; i++)); do
	sway_as grim -t ppm - >"$work/foot.ppm"
	sway_as swaymsg -t get_tree >"$work/tree.json"
	text=$("$src/tests/vm/window-text" "$work/foot.ppm" "$work/tree.json" wltest:appvm-foot 2000 16 2>&1) && break
	sleep 0.1
done
"$src/tests/vm/window-text" "$work/foot.ppm" "$work/tree.json" wltest:appvm-foot 2000 16 >/dev/null 2>&1 ||
	{ stop_runner; fail "foot's window holds no rendered text: $text (screenshot: $work/foot.ppm)"; }
note "foot's window: $text"

# Closing foot's window on the host ends the app (foot closes its terminal,
# the colour client with it): the guest powers off.
sway_as swaymsg '[app_id="wltest:appvm-foot"] kill' >/dev/null || fail "swaymsg cannot close foot's window"
rc=0
wait "$runner" || rc=$?
tr -d '\r' <"$work/wl.raw" | sed -E 's/^[a-z][a-z0-9-]*: (appvm-)/\1/' >"$work/wl.log"
[ $rc -eq 0 ] || { show_log wl; fail "run-vm exited $rc, expected 0 (clean power-off)"; }
grep -q 'reboot: Power down' "$work/wl.log" || { show_log wl; fail "the guest did not power off"; }
for line in "store wl: programs run with its own loader /run/store/wl/lib64/ld-linux-x86-64.so.2" \
	"store app: programs run with its own loader" \
	"app: sees store term: /usr is /run/store/term/usr, /etc the VM's over the store's" \
	"wayland-relay: ready (/run/appvm/wayland/relay.sock listens)" \
	"wayland: ready (/run/user/1000/wayland-0 listens)" \
	"appvm-init: shutdown (power off): the app exited" \
	'app: FcCacheTimeValid dir "/usr/share/fonts/truetype/dejavu" cache checksum'; do
	grep -qF "$line" "$work/wl.log" || { show_log wl; fail "the console lacks: $line"; }
done
# fontconfig used the store's caches: each it looked at was valid for its
# directory (the same checksum: the directory's mtime).
! grep 'app: FcCacheTimeValid' "$work/wl.log" | grep -v 'cache checksum \([0-9.]*\) dir checksum \1$' ||
	{ show_log wl; fail "fontconfig found a font cache that is not valid in the guest"; }

# Nothing of the VM is left on the host: no process names its directory
# (appvm-vsock, wayland-host, waypipe client and its children all do), and
# its windows are gone from the compositor.
left=$(pgrep -f -- "$vmdir" || true)
[ -z "$left" ] || { ps -o pid,pgid,args -p "$(echo "$left" | tr ' ' ,)" >&2; fail "host processes of the VM are left"; }
for ((i = 0; i < 50; i++)); do
	sway_window_visible wltest:appvm-vm-color || sway_window_visible wltest:appvm-foot || break
	sleep 0.1
done
! sway_window_visible wltest:appvm-vm-color || fail "the colour window outlived the VM"
! sway_window_visible wltest:appvm-foot || fail "foot's window outlived the VM"
note "powered off: windows gone, no host process left"
