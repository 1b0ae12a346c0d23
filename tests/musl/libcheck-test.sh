#!/usr/bin/env bash
# The musl libraries of scripts/musl-deps, linked into one static program
# (tests/musl/libcheck.c), each used against a real peer on the host:
#   inih     parses a section
#   wayland  libwayland-client dispatches events written at the wire level
#   dbus     libdbus-1 registers on a real dbus-daemon and gets its bus id,
#            which must be the one dbus-send (the host's libdbus) gets
#   fuse     libfuse3 serves a file that the host reads through the kernel
#            (needs root and /dev/fuse; otherwise the test is skipped after
#            the other checks: tests/testlib.sh)
# and the program is a static musl build (tests/vm/check-static).
# Usage: tests/musl/libcheck-test.sh PATH/TO/appvm-musl-libcheck
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:?usage: libcheck-test.sh PATH/TO/appvm-musl-libcheck}
fail() { printf 'FAIL (musl libs): %s\n' "$*" >&2; exit 1; }
pass() { printf 'ok: %s\n' "$*"; }
[ -x "$bin" ] || fail "$bin not built (the nested musl build makes it: cmake/guest.cmake)"

# Sockets in a short directory (a Unix socket path has at most 107 bytes).
work=$(mktemp -d /tmp/appvm-musl-libs.XXXXXX)
bus_pid='' fs_pid=''
cleanup() {
	if [ -n "$fs_pid" ]; then
		umount -l "$work/mnt" 2>/dev/null || true
		kill "$fs_pid" 2>/dev/null || true
		wait "$fs_pid" 2>/dev/null || true
	fi
	if [ -n "$bus_pid" ]; then
		kill "$bus_pid" 2>/dev/null || true
		wait "$bus_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

"$src/tests/vm/check-static" "$bin" || fail "$bin is not a static musl program"

rc=0
"$bin" bogus >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "a bad command gave exit $rc, expected 2"

out=$("$bin" inih) || fail "inih: exit $?"
[ "$out" = "inih: ok" ] || fail "inih: '$out'"
pass "inih (Debian's libinih.a)"

out=$("$bin" wayland) || fail "wayland: exit $?"
[ "$out" = "wayland: global wl_seat version 7" ] || fail "wayland: '$out'"
pass "libwayland-client: $out"

# A private bus: its own socket and policy, nothing else on it.
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=3 3>"$work/address" 2>"$work/bus.log" &
bus_pid=$!
for _ in $(seq 100); do
	[ -s "$work/address" ] && break
	sleep 0.05
done
address=$(head -n 1 "$work/address")
[ -n "$address" ] || fail "dbus-daemon did not print its address"
out=$("$bin" dbus "$address") || fail "dbus: exit $?"
id=$(dbus-send --bus="$address" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.GetId | sed -n 's/^ *string "\(.*\)"$/\1/p')
if [ -z "$id" ] || [[ ! $out =~ ^dbus:\ unique\ name\ :[0-9.]+,\ bus\ id\ ${id}$ ]]; then
	fail "dbus: '$out', dbus-send saw bus id '$id'"
fi
pass "libdbus-1: $out"
rc=0
"$bin" dbus "unix:path=$work/nonexistent" >/dev/null 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "dbus: a bus that does not exist gave exit $rc, expected 1"

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/fuse ]; then
	test_skip "the FUSE check needs root and /dev/fuse"
fi
mkdir -p "$work/mnt"
"$bin" fuse "$work/mnt" >"$work/fuse.out" 2>&1 &
fs_pid=$!
for _ in $(seq 100); do
	mountpoint -q "$work/mnt" && break
	sleep 0.05
done
mountpoint -q "$work/mnt" || { cat "$work/fuse.out" >&2; fail "fuse: nothing mounted on $work/mnt"; }
[ "$(ls "$work/mnt")" = hello ] || fail "fuse: the directory lists '$(ls "$work/mnt")'"
[ "$(cat "$work/mnt/hello")" = "hello from libfuse3 built with musl" ] || fail "fuse: wrong file contents"
! (: >"$work/mnt/hello") 2>/dev/null || fail "fuse: the read-only file could be opened for writing"
umount "$work/mnt" || fail "fuse: umount failed"
rc=0
wait "$fs_pid" || rc=$?
fs_pid=
[ $rc -eq 0 ] || { cat "$work/fuse.out" >&2; fail "fuse: the filesystem exited $rc after the unmount"; }
grep -qx 'fuse: unmounted' "$work/fuse.out" || fail "fuse: no clean end after the unmount"
pass "libfuse3: a file served through the kernel and read back; clean unmount"
echo "musl libs: all passed"
