#!/usr/bin/env bash
# The document device in a real guest (ctest label "vm", one boot): our
# kernel under qemu (TCG) with appvm-vsock and a vhost-user-fs-pci device
# served by appvm-portald --docs-device; an image with appvm-init ([portal]
# docs-device = appvm-docs), appvm-portal and a test app. On the host a
# command chooser plays the user.
#
#   the app opens a 6 MiB host file through the portal with a GDBus client
#   (python3-gi from the store "py": OpenFile, then the Response signal
#   with the file's URI) -> its path is on the document device
#   ($XDG_RUNTIME_DIR/docs/<id>/<name>) -> its checksum in the guest is the
#   host's -> writing to it and creating a file beside it fail -> the app
#   holds it open; the host revokes it -> a read on the open descriptor
#   fails and the entry is gone -> the VM powers off.
#
# Usage: tests/portal/docfs-vm-test.sh APPVM-INIT APPVM-PORTAL PORTAL-CLIENT
#        APPVM-PORTALD APPVMCTL APPVM-VSOCK KERNEL
# Environment: APPVM_ACCEL (default tcg), APPVM_TEST_WORK, APPVM_GUEST_STATIC=1.
set -euo pipefail
# shellcheck source=tests/portal/lib.sh
. "$(dirname "$0")/lib.sh"
fail() { portal_vm_fail "$@"; }
portal_vm_test docfs-vm "docs device vm" "$@"

head -c 6291456 /dev/urandom >"$work/host/big.bin"
want=$(sha256sum "$work/host/big.bin" | cut -d' ' -f1)
cat >"$work/chooser.sh" <<EOF
#!/bin/sh
cat >/dev/null
echo "$work/host/big.bin"
EOF
chmod 755 "$work/chooser.sh"

cat >"$work/app" <<'APP'
#!/bin/sh
say() { echo "docfs-vm: $*"; }
# python3 runs with the store's own loader and libraries (docs/images.md,
# "Programs in stores").
py() {
	s=/run/store/py
	lp=$(sed -n 's/^library-path = //p' "$s/.appvm/runtime" | tr ':' '\n' | sed "s|^|$s/|" | tr '\n' ':')
	GI_TYPELIB_PATH=$s/usr/lib/x86_64-linux-gnu/girepository-1.0 \
		"$s/lib64/ld-linux-x86-64.so.2" --inhibit-cache --library-path "${lp%:}" "$s/usr/bin/python3" "$@"
}
# OpenFile over GDBus, as GTK calls it: subscribe to the Request's
# Response first (unicast to us, so without a match rule), then call.
uri=$(py -c 'from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
token = "docfs1"
req = "/org/freedesktop/portal/desktop/request/%s/%s" % (bus.get_unique_name()[1:].replace(".", "_"), token)
loop, out = GLib.MainLoop(), []
def response(conn, sender, path, iface, signal, params):
    code, results = params.unpack()
    out.append("%d %s" % (code, " ".join(results.get("uris", []))))
    loop.quit()
bus.signal_subscribe(None, "org.freedesktop.portal.Request", "Response", req, None,
                     Gio.DBusSignalFlags.NO_MATCH_RULE, response)
bus.call_sync("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
              "org.freedesktop.portal.FileChooser", "OpenFile",
              GLib.Variant("(ssa{sv})", ("", "Open from the VM", {"handle_token": GLib.Variant("s", token)})),
              GLib.VariantType("(o)"), Gio.DBusCallFlags.NONE, 120000, None)
GLib.timeout_add_seconds(120, loop.quit)
loop.run()
print(out[0] if out else "none")' 2>&1)
say "response $uri"
path=$(echo "$uri" | sed -n 's|^0 file://||p')
say "opened $path"
say "sum $(sha256sum "$path" | cut -d' ' -f1)"
if echo x >>"$path" 2>/dev/null; then say "append worked"; else say "append refused"; fi
if (: >"$(dirname "$path")/new.txt") 2>/dev/null; then say "create worked"; else say "create refused"; fi
exec 3<"$path"
dd bs=4096 count=1 <&3 >/dev/null 2>&1 && say "holding it open"
# The host revokes it now: a read on the open descriptor fails.
i=0
while dd bs=4096 count=1 <&3 >/dev/null 2>&1 && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
if dd bs=4096 count=1 <&3 >/dev/null 2>&1; then say "still readable"; else say "read on the open descriptor failed"; fi
exec 3<&-
[ -e "$path" ] && say "entry still there" || say "entry gone"
[ -e "$(dirname "$path")" ] && say "directory still there" || say "directory gone"
APP
portal_vm_py=1
portal_vm_image docfstest "docs-device = appvm-docs"

"$portald" --name docfstest --vsock "$sockdir/vm.vsock" --chooser "command:$work/chooser.sh" \
	--docs-device "$sockdir/docs.vu" >"$work/portald.log" 2>&1 &
pids+=("$!")
wait_for 5 test -S "$sockdir/docs.vu" || fail "appvm-portald did not listen on its docs device"

"$src/scripts/run-vm" --kernel "$kernel" --initrd "$work/image/initramfs.cpio.zst" --no-net \
	--store "$work/image/bus.erofs:bus" --store "$work/image/py.erofs:py" --vsock-cid 3 --vsock-hybrid "$sockdir/vm.vsock" --vsock-backend "$vsockd" \
	--docs-device "appvm-docs=$sockdir/docs.vu" \
	--log "$work/console.log" --quiet --timeout 400 &
vm_pid=$!

wait_console "portal: ready" || fail "the portal did not start in the guest"
grep -qF "portal: document device 'appvm-docs' on /run/user/1000/docs" "$work/console.log" ||
	fail "init did not mount the document device"
pass "init mounted the document device"
wait_console "docfs-vm: sum" || fail "the app did not read the document"
path=$(sed -n 's/.*docfs-vm: opened \(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$work/console.log" | head -n 1)
[[ $path == /run/user/1000/docs/*/big.bin ]] || fail "document path: '$path'"
grep -qF "docfs-vm: sum $want" "$work/console.log" ||
	fail "checksum in the guest: $(grep 'docfs-vm: sum' "$work/console.log"), host: $want"
pass "a 6 MiB read-only document read through the document device: checksum equals the host's ($path)"
wait_console "docfs-vm: holding it open" || fail "the app could not hold the document open"
grep -qF "docfs-vm: append refused" "$work/console.log" || fail "appending to a read-only document worked"
grep -qF "docfs-vm: create refused" "$work/console.log" || fail "creating a file on the device worked"
[ "$(sha256sum "$work/host/big.bin" | cut -d' ' -f1)" = "$want" ] || fail "the host file changed"
others=$(find "$work/host" -mindepth 1 ! -name big.bin)
[ -z "$others" ] || fail "something appeared on the host: $others"
pass "writing and creating fail; the host file is unchanged"

id=$(basename "$(dirname "$path")")
"$ctl" "hybrid:$sockdir/vm.vsock" docs revoke "$id" >/dev/null || fail "appvmctl docs revoke $id"
wait_console "docfs-vm: read on the open descriptor failed" || fail "the guest still reads a revoked document"
wait_console "docfs-vm: entry gone" || fail "the revoked document is still there"
wait_console "docfs-vm: directory gone" || fail "the revoked document's directory is still there"
pass "revoked from the host: a read on the open descriptor fails, the entry is gone"

portal_vm_end
