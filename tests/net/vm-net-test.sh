#!/usr/bin/env bash
# VM test of the network set-up (ctest label "vm"): boots the guest kernel with
# a minimal initramfs (static busybox, static appvm-net, an /init script) on
# qemu user networking through scripts/run-vm. In the guest, appvm-net applies
# a [net] section (address, default route, DNS, hostname), then fetches a
# token from a web server this script runs on the host's loopback, reached
# through a qemu guestfwd rule that runs `busybox nc` to it for each
# connection (restrict=on: nothing else leaves the VM), and
# applies the section a second time. The console lines prove each step.
# Usage: vm-net-test.sh PATH/TO/appvm-net-static
# Environment: APPVM_KERNEL (else APPVM_VM_KERNEL), APPVM_ACCEL (default tcg).
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

src=$(cd "$(dirname "$0")/../.." && pwd)
net=$(readlink -f "${1:?usage: vm-net-test.sh PATH/TO/appvm-net-static}")
kernel=${APPVM_KERNEL:-${APPVM_VM_KERNEL:-}}
export APPVM_ACCEL=${APPVM_ACCEL:-tcg}
busybox=$(command -v busybox || echo /bin/busybox)

fail() {
	echo "FAIL (vm-net): $*" >&2
	exit 1
}
# A missing kernel is never a pass: a skip outside CI, a failure in it.
if [ -z "$kernel" ] || [ ! -s "$kernel" ]; then
	test_skip "guest kernel '${kernel:-unset}' not found (kernel-config/build BUILD/kernel, or set APPVM_KERNEL)"
fi
[ -x "$net" ] || fail "$net not built"
[ -x "$src/scripts/run-vm" ] || fail "scripts/run-vm missing"

work=$(mktemp -d /tmp/appvm-vm-net.XXXXXX)
httpd_pid=
cleanup() {
	if [ -n "$httpd_pid" ]; then
		kill "$httpd_pid" 2>/dev/null || true
		wait "$httpd_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The host-side service, on loopback only.
token=appvm-net-token-$$-$RANDOM
mkdir -p "$work/www"
echo "$token" >"$work/www/token.txt"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$busybox" httpd -f -p "127.0.0.1:$port" -h "$work/www" &
httpd_pid=$!
for _ in $(seq 50); do
	"$busybox" nc -z 127.0.0.1 "$port" 2>/dev/null && break
	sleep 0.1
done

# The initramfs.
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,etc}
cp "$busybox" "$root/bin/busybox"
for applet in sh mount ip nc timeout cat grep tail tr poweroff hostname readlink echo sleep; do
	ln -s busybox "$root/bin/$applet"
done
cp "$net" "$root/bin/appvm-net"
cat >"$root/etc/vm.conf" <<'EOF'
[vm]
name = net-test

[net]
interface = eth0
address = 10.0.2.15/24
gateway = 10.0.2.2
dns = 10.0.2.3
search = example.test
hostname = netvm
carrier_timeout = 5s
EOF
cat >"$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
/bin/appvm-net apply /etc/vm.conf
echo "NETTEST apply rc=$?"
echo "NETTEST addr $(ip -o -4 addr show dev eth0)"
echo "NETTEST route $(ip route show | grep '^default')"
echo "NETTEST lo $(ip -o -4 addr show dev lo)"
echo "NETTEST resolv $(cat /run/appvm/resolv.conf | grep -v '^#' | tr '\n' ';')"
echo "NETTEST etc-resolv $(readlink /etc/resolv.conf)"
echo "NETTEST hostname $(hostname)"
# A plain HTTP/1.0 request with nc: the body is the last line of the answer.
echo "NETTEST fetch $(printf 'GET /token.txt HTTP/1.0\r\n\r\n' | timeout 30 nc 10.0.2.100 8080 | tr -d '\r' | tail -n 1)"
/bin/appvm-net apply /etc/vm.conf
echo "NETTEST reapply rc=$?"
echo "NETTEST end"
poweroff -f
EOF
chmod 0755 "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/initrd.cpio"

rc=0
"$src/scripts/run-vm" -k "$kernel" -i "$work/initrd.cpio" -m 128 -t 90 -q --log "$work/console.log" \
	--guestfwd "tcp:10.0.2.100:8080-cmd:$busybox nc 127.0.0.1 $port" || rc=$?

# The serial console ends lines with CR LF.
tr -d '\r' <"$work/console.log" >"$work/console.txt" 2>/dev/null || true
log=$work/console.txt
show() {
	echo "--- console (last 40 lines) ---" >&2
	tail -n 40 "$log" >&2 || true
}
expect() { # expect DESCRIPTION EXTENDED-REGEX
	if grep -Eq "$2" "$log"; then
		echo "ok   - $1"
	else
		show
		fail "$1: no console line matching /$2/"
	fi
}
[ "$rc" -eq 0 ] || {
	show
	fail "run-vm exited $rc"
}
expect "appvm-net apply succeeded in the guest" '^NETTEST apply rc=0'
expect "eth0 has 10.0.2.15/24" '^NETTEST addr .*inet 10\.0\.2\.15/24'
expect "default route via 10.0.2.2" '^NETTEST route default via 10\.0\.2\.2 dev eth0'
expect "lo is up with 127.0.0.1" '^NETTEST lo .*inet 127\.0\.0\.1/8'
expect "resolv.conf under /run" '^NETTEST resolv nameserver 10\.0\.2\.3;search example\.test;'
expect "/etc/resolv.conf points at it" '^NETTEST etc-resolv /run/appvm/resolv\.conf$'
expect "hostname set" '^NETTEST hostname netvm'
expect "token fetched from the host's loopback through qemu" "^NETTEST fetch $token\$"
expect "second apply changes nothing and succeeds" '^NETTEST reapply rc=0'
echo "vm-net: all checks passed"
