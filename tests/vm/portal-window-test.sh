# Sourced by tests/vm/vm-test for the "portal-window" scenario: one boot of
# an unmodified GTK 3 app in the VM, with its window on a headless sway on
# the host, that opens and saves host files through the portal while the
# host's command chooser plays the user.
#
# Guest: appvm-init with [wayland] (the relay, waypipe from the store "wl",
# the guest filter) and [portal] (appvm-portal, and dbus-daemon from the
# store "bus": rootfs/build --store-pkg bus=dbus-daemon); the app is
# python3 with GTK 3 from the store "gtk" (rootfs/build --store-pkg
# gtk=python3-gi,gir1.2-gtk-3.0,dbus-x11), run through the store's loader,
# with tests/portal/clients/gtk3_window.py: a window, then
# GtkFileChooserNative open (transient for the window), GIO read, save,
# g_file_replace_contents.
# Host: run-vm --wayland with the host filter; appvm-portald on the hybrid
# vsock's PATH_1026 with a command chooser.
# Checks: the window is on the host, tagged with the VM's name, its title
# showing what the app read and then saved; the chooser was asked to open
# and to save, with the VM's titles; the host file was replaced with the
# app's bytes; closing the window on the host ends the app and the VM; no
# host process of the VM is left.
#
# What GTK needs from its store that maintainer scripts would have made is
# handed to it here, the least that works: the host's compiled GSettings
# schemas and MIME cache (the same Debian release as the store's packages)
# in the initramfs, a fonts.conf naming the store's fonts and XKB_CONFIG_ROOT
# for libxkbcommon's keyboard data (see
# docs/portal.md, "Clients").
# shellcheck shell=bash disable=SC2154  # src, work, kernel, init, boot_timeout: vm-test

need_kernel
need_init
relay=${APPVM_RELAY:-}
filter=${APPVM_WAYLAND_FILTER:-}
portal=${APPVM_PORTAL:-}
portald=${APPVM_PORTALD:-}
# The guest's filter is its image build (static, musl), the host's this build.
guest_filter=${APPVM_GUEST_FILTER:-$filter}
for bin in "$relay" "$filter" "$guest_filter" "$portal" "$portald"; do
	[ -x "$bin" ] || fail "'${bin:-unset}' not built (APPVM_RELAY, APPVM_WAYLAND_FILTER, APPVM_GUEST_FILTER, APPVM_PORTAL, APPVM_PORTALD)"
done
for tool in waypipe sway swaymsg jq socat; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup installs it)"
done
schemas=/usr/share/glib-2.0/schemas/gschemas.compiled
mime=/usr/share/mime/mime.cache
{ [ -s "$schemas" ] && [ -s "$mime" ]; } || fail "the host's $schemas or $mime is missing (scripts/setup: gir1.2-gtk-3.0)"
# shellcheck source=tests/wayland/headless-sway.sh
. "$src/tests/wayland/headless-sway.sh"
# A GTK app under TCG starts in tens of seconds.
timeout=$((boot_timeout > 300 ? boot_timeout : 300))

swaydir=$(mktemp -d /var/tmp/appvm-vmsway.XXXXXX)
vmdir=$(mktemp -d /var/tmp/appvm-vmpw.XXXXXX)
chmod 0755 "$swaydir"
portald_pid=
pw_cleanup() {
	[ -z "$portald_pid" ] || { kill "$portald_pid" 2>/dev/null; wait "$portald_pid" 2>/dev/null; }
	sway_stop
	rm -rf "$swaydir" "$vmdir"
}
trap pw_cleanup EXIT
sway_start "$swaydir/sway" 65534 || fail "headless sway did not start"

# The host: the files the user will pick, and the chooser that picks them.
mkdir -p "$work/host" "$work/share/mime" "$work/share/glib-2.0/schemas"
printf 'hello from the host\n' >"$work/host/notes.txt"
printf 'old content\n' >"$work/host/out.txt"
ino=$(stat -c %i "$work/host/out.txt")
cat >"$work/chooser.sh" <<EOF
#!/bin/sh
{ env | grep '^APPVM_CHOOSER' | sort; echo ---; } >>"$work/chooser.log"
cat >/dev/null
case \$APPVM_CHOOSER_MODE in
open) echo "$work/host/notes.txt" ;;
save) echo "$work/host/out.txt" ;;
*) exit 1 ;;
esac
EOF
chmod 755 "$work/chooser.sh"
"$portald" --name pwtest --vsock "$vmdir/vsock" --chooser "command:$work/chooser.sh" \
	>"$work/portald.log" 2>&1 &
portald_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -S "$vmdir/vsock_1026" ] && break
	sleep 0.05
done
[ -S "$vmdir/vsock_1026" ] || fail "appvm-portald did not listen: $(cat "$work/portald.log")"

# The guest.
cp "$schemas" "$work/share/glib-2.0/schemas/"
cp "$mime" "$work/share/mime/"
cat >"$work/fonts.conf" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/run/store/gtk/usr/share/fonts</dir>
  <cachedir prefix="xdg">fontconfig</cachedir>
</fontconfig>
EOF
gtk=/run/store/gtk
test_share=/usr/share/appvm-test
cat >"$work/vm.conf" <<EOF
[vm]
name = pwtest
on-app-exit = poweroff
grace = 5s

[agent]
enable = no

[store wl]
source = serial:wl
type = erofs
path = /run/store/wl

[store gtk]
source = serial:gtk
type = erofs
path = $gtk

[store bus]
source = serial:bus
type = erofs
path = /run/store/bus

[wayland]
waypipe = /run/store/wl/usr/bin/waypipe
filter = /usr/bin/appvm-wayland
ready-timeout = 60s

[portal]
enable = yes
dbus-daemon = /run/store/bus/usr/bin/dbus-daemon

[app]
exec = $gtk/usr/bin/python3 $test_share/gtk3_window.py
user = app
env = GI_TYPELIB_PATH=$gtk/usr/lib/x86_64-linux-gnu/girepository-1.0
env = XDG_DATA_DIRS=$gtk/usr/share:$test_share
env = GSETTINGS_BACKEND=memory
env = FONTCONFIG_FILE=$test_share/fonts.conf
env = GDK_BACKEND=wayland
env = XKB_CONFIG_ROOT=$gtk/usr/share/X11/xkb
env = NO_AT_BRIDGE=1
env = PYTHONDONTWRITEBYTECODE=1
env = XDG_CACHE_HOME=/tmp/app-cache
env = XDG_DATA_HOME=/tmp/app-data
EOF
t0=$(date +%s)
"$src/rootfs/build" --init "$init" --bin "$relay" --bin "$guest_filter" --bin "$portal" --config "$work/vm.conf" \
	--add "$src/tests/portal/clients/gtk3_window.py:$test_share/gtk3_window.py:0644" \
	--add "$work/fonts.conf:$test_share/fonts.conf:0644" \
	--add "$work/share/mime/mime.cache:$test_share/mime/mime.cache:0644" \
	--add "$work/share/glib-2.0/schemas/gschemas.compiled:$test_share/glib-2.0/schemas/gschemas.compiled:0644" \
	--store-pkg wl=waypipe --store-pkg gtk=python3-gi,gir1.2-gtk-3.0,dbus-x11 --store-pkg bus=dbus-daemon \
	"$work/img" >"$work/img.build.log" 2>&1 ||
	{ cat "$work/img.build.log" >&2; fail "rootfs/build failed"; }
if [ "${APPVM_GUEST_STATIC:-0}" = 1 ]; then
	image_static "$work/img" /init /usr/bin/appvm-wayland-relay /usr/bin/appvm-wayland /usr/bin/appvm-portal
fi
note "images built in $(($(date +%s) - t0)) s ($(du -m "$work/img/gtk.erofs" | cut -f1) MiB of GTK store, $(du -m "$work/img/bus.erofs" | cut -f1) MiB of bus store)"

app_id=pwtest:appvm-portal-window
# title: the window's title as the host sees it, or nothing.
title() {
	sway_as swaymsg -t get_tree 2>/dev/null |
		jq -r --arg id "$app_id" '.. | objects | select(.app_id? == $id) | .name' 2>/dev/null | head -n 1
}
t0=$(date +%s)
WAYLAND_DISPLAY=$SWAY_DISPLAY "$src/scripts/run-vm" -k "$kernel" -i "$work/img/initramfs.cpio.zst" \
	--store "$work/img/wl.erofs:wl" --store "$work/img/gtk.erofs:gtk" --store "$work/img/bus.erofs:bus" --mem 512 \
	--vsock-cid 3 --vsock-hybrid "$vmdir/vsock" --wayland --wayland-filter "$filter" --name pwtest \
	--timeout "$timeout" --log "$work/pw.raw" --quiet </dev/null >"$work/pw.runvm" 2>&1 &
runner=$!
stop_vm() {
	kill -TERM "$runner" 2>/dev/null || true
	wait "$runner" || true
	tr -d '\r' <"$work/pw.raw" >"$work/pw.log" 2>/dev/null || true
	show_log pw
	printf -- '--- portald log:\n' >&2
	cat "$work/portald.log" >&2
	fail "$*"
}
# The window shows what the app saved: both dialogs are done.
final="[pwtest] saved: out.txt"
seen=
for ((i = 0; i < timeout * 10; i++)); do
	t=$(title)
	[ -z "$t" ] || [ -n "$seen" ] || note "window on the host $(($(date +%s) - t0)) s after qemu started: '$t'"
	[ -z "$t" ] || seen=1
	[ "$t" = "$final" ] && break
	kill -0 "$runner" 2>/dev/null || break
	sleep 0.1
done
[ -n "$seen" ] || stop_vm "the VM's window never appeared on the host"
[ "$t" = "$final" ] || stop_vm "the window's title is '$t', expected '$final'"
note "open and save done $(($(date +%s) - t0)) s after qemu started"

tr -d '\r' <"$work/pw.raw" >"$work/pw.log"
grep -qE "portal-window: opened /run/user/1000/doc/[0-9a-f]{16}/notes.txt: hello from the host" "$work/pw.log" ||
	stop_vm "the app did not read the host file through the portal"
[ "$(cat "$work/host/out.txt")" = "saved from the VM window" ] || stop_vm "the host file has '$(cat "$work/host/out.txt")'"
[ "$(stat -c %i "$work/host/out.txt")" != "$ino" ] || stop_vm "the host file was rewritten in place"
[ "$(find "$work/host" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')" = "notes.txt out.txt " ] ||
	stop_vm "stray files on the host: $(ls -A "$work/host")"
grep -c '^---$' "$work/chooser.log" | grep -qx 2 || stop_vm "the chooser was asked $(grep -c '^---$' "$work/chooser.log") times"
for line in "APPVM_CHOOSER_MODE=open" "APPVM_CHOOSER_TITLE=[pwtest] Open in the VM window" \
	"APPVM_CHOOSER_MODE=save" "APPVM_CHOOSER_TITLE=[pwtest] Save from the VM window" \
	"APPVM_CHOOSER_NAME=from-vm.txt"; do
	grep -qxF "$line" "$work/chooser.log" || stop_vm "the chooser was not asked: $line"
done
note "the app read notes.txt and replaced out.txt through the portal; the chooser was asked twice"

# Closing the window on the host ends the app, and with it the VM.
sway_as swaymsg "[app_id=\"$app_id\"] kill" >/dev/null || stop_vm "swaymsg kill failed"
rc=0
wait "$runner" || rc=$?
tr -d '\r' <"$work/pw.raw" | sed -E 's/^[a-z][a-z0-9-]*: (appvm-)/\1/' >"$work/pw.log"
[ $rc -eq 0 ] || { show_log pw; fail "run-vm exited $rc, expected 0 (clean power-off)"; }
for line in "portal: ready" "wayland: ready (/run/user/1000/wayland-0 listens)" \
	"store gtk: programs run with its own loader /run/store/gtk/lib64/ld-linux-x86-64.so.2" \
	"bus: started /run/store/bus/lib64/ld-linux-x86-64.so.2" "bus: ready, listening on unix:path=/run/user/1000/bus" \
	"portal-window: closed" "app-exit status=0" "reboot: Power down"; do
	grep -qF "$line" "$work/pw.log" || { show_log pw; fail "the console lacks: $line"; }
done
kill "$portald_pid"
wait "$portald_pid" || true
portald_pid=
left=$(pgrep -f -- "$vmdir" || true)
[ -z "$left" ] || { ps -o pid,pgid,args -p "$(echo "$left" | tr ' ' ,)" >&2; fail "host processes of the VM are left"; }
[ -z "$(title)" ] || fail "the window outlived the VM"
note "window closed on the host: the app exited 0, the VM powered off, nothing left"
