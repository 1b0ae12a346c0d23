#!/usr/bin/env bash
# The file chooser in a real guest (ctest label "vm", one boot): our kernel
# under qemu (TCG) with appvm-vsock, an image with appvm-init ([portal] on),
# appvm-portal and a test app, Debian's dbus-daemon from the store "bus"
# (rootfs/build --store-pkg bus=dbus-daemon, run through the store's own
# loader: [portal] dbus-daemon = /run/store/bus/usr/bin/dbus-daemon); on the host,
# appvm-portald on <vsock path>_1026 with a command chooser playing the user.
#
#   the app opens a host file the chooser picks and reads it -> it saves
#   another one and the host file has its content -> it opens a folder,
#   lists it (a symbolic link out of it is not shown), reads a file in it
#   and makes a new one, which lands on the host -> the host revokes the
#   first document -> the app's reads fail -> the app exits, the VM powers
#   off.
#
# Usage: tests/portal/vm-test.sh APPVM-INIT APPVM-PORTAL PORTAL-CLIENT
#        APPVM-PORTALD APPVMCTL APPVM-VSOCK KERNEL
# Environment: APPVM_ACCEL (default tcg), APPVM_TEST_WORK, APPVM_GUEST_STATIC=1
# (init and the portal must be static musl programs).
set -euo pipefail
# shellcheck source=tests/portal/lib.sh
. "$(dirname "$0")/lib.sh"
fail() { portal_vm_fail "$@"; }
portal_vm_test vm "portal vm" "$@"

printf 'hello from the host\n' >"$work/host/notes.txt"
mkdir -p "$work/host/folder/sub"
printf 'inside the folder\n' >"$work/host/folder/sub/in.txt"
ln -s .. "$work/host/folder/escape"
cat >"$work/chooser.sh" <<EOF
#!/bin/sh
cat >/dev/null
case \$APPVM_CHOOSER_MODE in
open) echo "$work/host/notes.txt" ;;
save) echo "$work/host/from-vm.txt" ;;
open-folder) echo "$work/host/folder" ;;
esac
EOF
chmod 755 "$work/chooser.sh"

cat >"$work/app" <<'APP'
#!/bin/sh
say() { echo "portal-vm: $*"; }
path=$(portal-client --timeout 120 --title "Open from the VM" open | sed -n 's/^path //p')
say "opened $path"
say "content: $(cat "$path")"
out=$(portal-client --timeout 120 --name from-vm.txt save | sed -n 's/^path //p')
echo "saved in the VM" >"$out" && say "saved $out"
dir=$(portal-client --timeout 120 --directory open | sed -n 's/^path //p')
say "folder: $(ls "$dir" | tr '\n' ' ')|"
say "in the folder: $(cat "$dir/sub/in.txt")"
if echo "made in the VM" >"$dir/sub/made.txt"; then say "made a file in the folder"; else say "cannot write in the folder"; fi
# The host revokes the document it opened: reads start failing.
i=0
while cat "$path" >/dev/null 2>&1 && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
if cat "$path" >/dev/null 2>&1; then say "still readable"; else say "read failed after revoke"; fi
[ -e "$(dirname "$path")" ] && say "directory still there" || say "directory gone"
APP
portal_vm_image portaltest

# The host side of the VM's portal, on <vsock path>_1026 as with cloud-hypervisor.
"$portald" --name portaltest --vsock "$sockdir/vm.vsock" --chooser "command:$work/chooser.sh" \
	--folder-writable >"$work/portald.log" 2>&1 &
pids+=("$!")
wait_for 5 test -S "$sockdir/vm.vsock_1026" || fail "appvm-portald did not listen"

"$src/scripts/run-vm" --kernel "$kernel" --initrd "$work/image/initramfs.cpio.zst" --no-net \
	--store "$work/image/bus.erofs:bus" --vsock-cid 3 --vsock-hybrid "$sockdir/vm.vsock" --vsock-backend "$vsockd" \
	--log "$work/console.log" --quiet --timeout 400 &
vm_pid=$!

# The image holds no dbus-daemon: the store does.
if zstd -dc "$work/image/initramfs.cpio.zst" | cpio -t --quiet | grep -q 'dbus-daemon$'; then
	fail "the initramfs holds a dbus-daemon"
fi
wait_console "portal: ready" || fail "the portal did not start in the guest"
for line in "store bus: programs run with its own loader /run/store/bus/lib64/ld-linux-x86-64.so.2" \
	"bus: started /run/store/bus/lib64/ld-linux-x86-64.so.2" \
	"bus: ready, listening on unix:path=/run/user/1000/bus"; do
	grep -qF -- "$line" "$work/console.log" || fail "no '$line' on the console"
done
pass "the bus is the store's dbus-daemon, run through the store's loader"
wait_console "portal-vm: content:" || fail "the app did not open a document"
grep -qF "portal-vm: content: hello from the host" "$work/console.log" ||
	fail "the guest read something else"
path=$(sed -n 's/.*portal-vm: opened \(.*[^[:space:]]\)[[:space:]]*$/\1/p' "$work/console.log" | head -n 1)
[[ $path == /run/user/1000/doc/*/notes.txt ]] || fail "document path: '$path'"
pass "the app in the VM read the host file through the portal ($path)"

wait_console "portal-vm: saved" || fail "the app did not save"
wait_for 10 test -s "$work/host/from-vm.txt" || true
[ "$(cat "$work/host/from-vm.txt" 2>/dev/null)" = "saved in the VM" ] ||
	fail "the host file has '$(cat "$work/host/from-vm.txt" 2>/dev/null)'"
pass "the app saved a file; the host file has its content"

wait_console "portal-vm: made a file in the folder" || fail "the app could not write into the folder"
grep -qF "portal-vm: folder: sub |" "$work/console.log" || fail "the folder's listing: $(grep 'portal-vm: folder' "$work/console.log")"
grep -qF "portal-vm: in the folder: inside the folder" "$work/console.log" || fail "reading in the folder"
[ "$(cat "$work/host/folder/sub/made.txt" 2>/dev/null)" = "made in the VM" ] ||
	fail "the new file in the folder has '$(cat "$work/host/folder/sub/made.txt" 2>/dev/null)'"
pass "the app opened a folder: listed it (no link out), read a file, made one on the host"

id=$(basename "$(dirname "$path")")
"$ctl" "hybrid:$sockdir/vm.vsock" docs revoke "$id" >/dev/null || fail "appvmctl docs revoke $id"
wait_console "portal-vm: read failed after revoke" || fail "the guest still reads a revoked document"
wait_console "portal-vm: directory gone" || fail "the revoked document's directory is still there"
pass "revoked from the host: the guest's reads fail, the entry is gone"

portal_vm_end
