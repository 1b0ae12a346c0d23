# Sourced by tests/vm/vm-test for the "wayland" scenario: one boot shows a
# window from the VM on a headless sway on the host.
#
# Guest: appvm-init starts appvm-wayland-relay (initramfs), then Debian's
# waypipe server from the store "wl" (built by rootfs/build --store-pkg from
# the package names, run through the store's own loader), then the app, the
# colour client, from the store "app" (a host binary with its libraries,
# --store-libs), once wayland-0 listens.
# Host: scripts/run-vm --wayland runs scripts/wayland-host: waypipe client on
# the hybrid vsock's PATH_1027, drawing on the headless sway.
# Checks: swaymsg sees the window, grim counts exactly its pixels; after the
# power button the guest powers off, the window is gone, and no host process
# of the VM is left.
# shellcheck shell=bash disable=SC2154  # src, work, kernel, init, boot_timeout: vm-test

need_kernel
need_init
relay=${APPVM_RELAY:-}
color=${APPVM_COLOR_CLIENT:-}
[ -x "$relay" ] || fail "appvm-wayland-relay '${relay:-unset}' not built"
[ -x "$color" ] || fail "vm_color_client '${color:-unset}' not built"
for tool in waypipe sway grim swaymsg jq socat python3; do
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

[wayland]
waypipe = /run/store/wl/usr/bin/waypipe
ready-timeout = 60s

[app]
exec = /run/store/app/usr/bin/vm_color_client --app-id appvm-vm-color --width $W --height $H --color $C
user = app
EOF
t0=$(date +%s)
"$src/rootfs/build" --init "$init" --bin "$relay" --config "$work/vm.conf" \
	--store "app=$work/app" --store-libs --store-pkg wl=waypipe "$work/img" >"$work/img.build.log" 2>&1 ||
	{ cat "$work/img.build.log" >&2; fail "rootfs/build failed"; }
note "images built in $(($(date +%s) - t0)) s ($(du -m "$work/img/wl.erofs" | cut -f1) MiB of waypipe store)"

mon=$vmdir/mon
t0=$(date +%s)
WAYLAND_DISPLAY=$SWAY_DISPLAY "$src/scripts/run-vm" -k "$kernel" -i "$work/img/initramfs.cpio.zst" \
	--store "$work/img/wl.erofs:wl" --store "$work/img/app.erofs:app" \
	--vsock-cid 3 --vsock-hybrid "$vmdir/vsock" --wayland --name wltest \
	--monitor "$mon" --timeout "$boot_timeout" --log "$work/wl.raw" --quiet \
	</dev/null >"$work/wl.runvm" 2>&1 &
runner=$!
seen=0
for ((i = 0; i < boot_timeout * 10; i++)); do
	if sway_window_visible appvm-vm-color; then
		seen=1
		break
	fi
	kill -0 "$runner" 2>/dev/null || break
	sleep 0.1
done
tr -d '\r' <"$work/wl.raw" >"$work/wl.log" 2>/dev/null || true
[ $seen -eq 1 ] || { kill -TERM "$runner" 2>/dev/null; wait "$runner" || true; show_log wl; fail "the VM's window never appeared on the host"; }
note "window on the host $(($(date +%s) - t0)) s after qemu started"

# The frame may land just after the window maps: poll for the exact count.
for ((i = 0; i < 100; i++)); do
	n=$(sway_count_color "$C" "$work/shot.ppm")
	[ "$n" = $((W * H)) ] && break
	sleep 0.1
done
[ "$n" = $((W * H)) ] || { kill -TERM "$runner"; wait "$runner" || true; fail "grim counted $n pixels of #$C, expected $((W * H))"; }
note "grim: $n pixels of #$C ($W x $H)"
sway_as swaymsg -t get_tree | jq -r '.. | objects | select(.app_id? == "appvm-vm-color") | "\(.app_id) \(.name) \(.rect.width)x\(.rect.height)"' >"$work/tree"
grep -qx "appvm-vm-color appvm colour test ${W}x${H}" "$work/tree" || fail "swaymsg get_tree: $(cat "$work/tree")"

# The power button: the app gets TERM, the guest powers off.
echo system_powerdown | socat - "UNIX-CONNECT:$mon" >/dev/null 2>&1 || fail "the qemu monitor is unreachable"
rc=0
wait "$runner" || rc=$?
tr -d '\r' <"$work/wl.raw" | sed -E 's/^[a-z][a-z0-9-]*: (appvm-)/\1/' >"$work/wl.log"
[ $rc -eq 0 ] || { show_log wl; fail "run-vm exited $rc, expected 0 (clean power-off)"; }
grep -q 'reboot: Power down' "$work/wl.log" || { show_log wl; fail "the guest did not power off"; }
for line in "store wl: programs run with its own loader /run/store/wl/lib64/ld-linux-x86-64.so.2" \
	"store app: programs run with its own loader" \
	"wayland-relay: ready (/run/appvm/wayland/relay.sock listens)" \
	"wayland: ready (/run/user/1000/wayland-0 listens)" \
	"app: vm_color_client: shown ${W}x${H} #$C"; do
	grep -qF "$line" "$work/wl.log" || { show_log wl; fail "the console lacks: $line"; }
done

# Nothing of the VM is left on the host: no process names its directory
# (appvm-vsock, wayland-host, waypipe client and its children all do), and
# its window is gone from the compositor.
left=$(pgrep -f -- "$vmdir" || true)
[ -z "$left" ] || { ps -o pid,pgid,args -p "$(echo "$left" | tr ' ' ,)" >&2; fail "host processes of the VM are left"; }
for ((i = 0; i < 50; i++)); do
	sway_window_visible appvm-vm-color || break
	sleep 0.1
done
! sway_window_visible appvm-vm-color || fail "the window outlived the VM"
note "powered off: window gone, no host process left"
