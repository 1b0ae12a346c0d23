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
#   fails and the entry is gone -> the app opens a folder (OpenFile with
#   directory) -> it is on the device too -> its listing and every file's
#   checksum are the host's; a symbolic link to a file outside, one to
#   "..", and a FIFO are not shown and cannot be opened; writing, creating
#   and making a folder fail -> the app holds a file deep in it open; the
#   host revokes the folder -> the read fails, the folder is gone -> the VM
#   powers off.
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
# The folder: a few files and folders, one more than READDIR's page of
# names, links out and up, a FIFO.
tree=$work/tree/photos
mkdir -p "$tree/2024/summer/raw" "$tree/empty" "$tree/many"
head -c 3000000 /dev/urandom >"$tree/2024/summer/raw/IMG 0001.raw"
echo "a note" >"$tree/note.txt"
head -c 70000 /dev/urandom >"$tree/2024/a.jpg"
for i in $(seq 1 150); do echo "$i" >"$tree/many/file-$i-with-a-longer-name.txt"; done
ln -s "$work/host/big.bin" "$tree/escape"
ln -s .. "$tree/up"
mkfifo "$tree/pipe"
tree_list=$(cd "$tree" && find . ! -type l ! -type p | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
tree_sums=$(cd "$tree" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f"; done | sha256sum | cut -d' ' -f1)
cat >"$work/chooser.sh" <<EOF
#!/bin/sh
cat >/dev/null
if [ "\$APPVM_CHOOSER_MODE" = open-folder ]; then echo "$tree"; else echo "$work/host/big.bin"; fi
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
 # $1: the request's token; $2: 1 for a folder.
open_file() {
	py -c 'import sys
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
token = sys.argv[1]
opts = {"handle_token": GLib.Variant("s", token)}
if sys.argv[2] == "1":
    opts["directory"] = GLib.Variant("b", True)
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
              GLib.Variant("(ssa{sv})", ("", "Open from the VM", opts)),
              GLib.VariantType("(o)"), Gio.DBusCallFlags.NONE, 120000, None)
GLib.timeout_add_seconds(120, loop.quit)
loop.run()
print(out[0] if out else "none")' "$@" 2>&1
}
uri=$(open_file docfs1 0)
say "response $uri"
path=$(echo "$uri" | sed -n 's|^0 file://||p')
say "opened $path"
say "sum $(sha256sum "$path" | cut -d' ' -f1)"
if echo x >>"$path" 2>/dev/null; then say "append worked"; else say "append refused"; fi
if (: >"$(dirname "$path")/new.txt") 2>/dev/null; then say "create worked"; else say "create refused"; fi
# Holds $1 open (says $2) and reads on until a read fails, as it does
# once the host revokes it (at most 2 minutes): says "$3 failed".
held_read() {
	exec 3<"$1"
	dd bs=4096 count=1 <&3 >/dev/null 2>&1 && say "$2"
	i=0
	while dd bs=4096 count=1 <&3 >/dev/null 2>&1 && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	if dd bs=4096 count=1 <&3 >/dev/null 2>&1; then say "$3 still works"; else say "$3 failed"; fi
	exec 3<&-
}
held_read "$path" "holding it open" "read on the open descriptor"
[ -e "$path" ] && say "entry still there" || say "entry gone"
[ -e "$(dirname "$path")" ] && say "directory still there" || say "directory gone"

uri=$(open_file docfs2 1)
say "folder response $uri"
dir=$(echo "$uri" | sed -n 's|^0 file://||p' | sed 's/%20/ /g')
say "folder $dir"
cd "$dir" || say "cannot enter the folder"
say "tree-list $(find . | sort | sha256sum | cut -d' ' -f1)"
say "tree-sums $(find . -type f | sort | while IFS= read -r f; do sha256sum "$f"; done | sha256sum | cut -d' ' -f1)"
for n in escape up pipe; do
	if [ -e "$n" ] || [ -L "$n" ]; then say "$n shown"; else say "$n hidden"; fi
	if cat "$n" >/dev/null 2>&1; then say "$n opened"; else say "$n refused"; fi
done
ls -a | grep -qx escape && say "escape listed"
if (echo x >>note.txt) 2>/dev/null; then say "folder append worked"; else say "folder append refused"; fi
if (: >new.txt) 2>/dev/null; then say "folder create worked"; else say "folder create refused"; fi
if mkdir newdir 2>/dev/null; then say "folder mkdir worked"; else say "folder mkdir refused"; fi
cd /
held_read "$dir/2024/summer/raw/IMG 0001.raw" "holding a folder file open" "folder file read"
[ -e "$dir" ] && say "folder still there" || say "folder gone"
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

wait_console "docfs-vm: holding a folder file open" || fail "the app could not open a file in the folder"
dir=$(sed -n 's/.*docfs-vm: folder \(\/.*[^[:space:]]\)[[:space:]]*$/\1/p' "$work/console.log" | head -n 1)
[[ $dir == /run/user/1000/docs/*/photos ]] || fail "folder path: '$dir' ($(grep 'folder response' "$work/console.log"))"
grep -qF "docfs-vm: tree-list $tree_list" "$work/console.log" ||
	fail "the folder's listing in the guest is not the host's (links and FIFOs left out)"
grep -qF "docfs-vm: tree-sums $tree_sums" "$work/console.log" ||
	fail "the folder's files in the guest are not the host's"
pass "a read-only folder through the document device ($dir): listing and checksums equal the host's"
for n in escape up pipe; do
	grep -qF "docfs-vm: $n hidden" "$work/console.log" || fail "$n is shown in the guest"
	grep -qF "docfs-vm: $n refused" "$work/console.log" || fail "$n could be opened in the guest"
done
! grep -qF "docfs-vm: escape listed" "$work/console.log" || fail "the link out is listed"
for w in append create mkdir; do
	grep -qF "docfs-vm: folder $w refused" "$work/console.log" || fail "folder $w worked"
done
if [ -e "$tree/new.txt" ] || [ -e "$tree/newdir" ] || [ "$(cat "$tree/note.txt")" != "a note" ]; then
	fail "the host folder changed"
fi
pass "links out and up and a FIFO are neither shown nor opened; writing, creating and mkdir fail"

fid=$(basename "$(dirname "$dir")")
"$ctl" "hybrid:$sockdir/vm.vsock" docs revoke "$fid" >/dev/null || fail "appvmctl docs revoke $fid"
wait_console "docfs-vm: folder file read failed" || fail "the guest still reads a file of a revoked folder"
wait_console "docfs-vm: folder gone" || fail "the revoked folder is still there"
pass "the folder revoked from the host: a read on a file open in it fails, the folder is gone"

portal_vm_end
