#!/usr/bin/env bash
# [portal] in appvm-init (ctest label "ns"): the real appvm-init runs as PID 1
# of fresh namespaces (nsrun, APPVM_INIT_TEST_NO_VM=1) with the portal on; it
# writes the bus configuration, starts dbus-daemon and appvm-portal as the
# app's user (nobody), mounts the document filesystem for them and hands over
# /dev/fuse, waits for both, and gives the app its environment. The app opens
# a host file through appvm-portald (outside the namespaces, on a Unix socket)
# and saves another one.
#
# What nobody runs (the portal, the app, its client) is copied into a
# directory every uid can enter: the build tree may lie below one only root
# can enter (a checkout in root's 0700 home).
#
# Environment: APPVM_INIT, NSRUN, APPVM_PORTAL, APPVM_PORTALD, PORTAL_CLIENT.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
: "${APPVM_INIT:?}" "${NSRUN:?}" "${APPVM_PORTAL:?}" "${APPVM_PORTALD:?}" "${PORTAL_CLIENT:?}"
# /var/tmp, not /tmp: appvm-init mounts its own tmpfs on /tmp and /run.
work=$(mktemp -d /var/tmp/appvm-pi.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/host" "$work/bin"
cp "$APPVM_PORTAL" "$PORTAL_CLIENT" "$work/bin/"
APPVM_PORTAL=$work/bin/$(basename "$APPVM_PORTAL")
PORTAL_CLIENT=$work/bin/$(basename "$PORTAL_CLIENT")
sock=$work
# shellcheck source=tests/portal/lib.sh
. "$(dirname "$0")/lib.sh"
cleanup() {
	stop_started
	rm -rf "$work"
}
trap cleanup EXIT
log=$work/init.log
fail() {
	printf 'FAIL (portal ns-init): %s\n--- init log:\n' "$*" >&2
	cat "$log" >&2 2>/dev/null || true
	printf -- '--- portald log:\n' >&2
	tail -n 20 "$work/portald.log" >&2 2>/dev/null || true
	exit 1
}
expect_log() { grep -qF -- "$1" "$log" || fail "expected in the log: $1"; }

printf 'hello through init\n' >"$work/host/notes.txt"
cat >"$work/chooser.sh" <<EOF
#!/bin/sh
cat >/dev/null
case \$APPVM_CHOOSER_MODE in
open) echo "$work/host/notes.txt" ;;
save) echo "$work/host/saved.txt" ;;
esac
EOF
chmod 755 "$work/chooser.sh"
"$APPVM_PORTALD" --name nsinit --listen "$sock/portal.sock" --control "$sock/portal.ctl" \
	--chooser "command:$work/chooser.sh" >"$work/portald.log" 2>&1 &
pids+=("$!")
wait_for 5 test -S "$sock/portal.sock" || fail "appvm-portald did not listen"
chmod 666 "$sock/portal.sock" # the guest portal runs as nobody

cat >"$work/app.sh" <<EOF
#!/bin/sh
export ASAN_OPTIONS=detect_leaks=0
echo "ids: \$(id -u)"
echo "env: \$(env | grep -E '^(DBUS_SESSION_BUS_ADDRESS|GTK_USE_PORTAL|GDK_DEBUG|QT_QPA_PLATFORMTHEME)=' | sort | tr '\n' ' ')"
echo "mount: \$(stat -c '%u %a' "\$XDG_RUNTIME_DIR/doc") \$(grep -c " \$XDG_RUNTIME_DIR/doc fuse.appvm-doc " /proc/self/mounts)"
path=\$($PORTAL_CLIENT --timeout 20 open | sed -n 's/^path //p')
echo "content: \$(cat "\$path")"
path=\$($PORTAL_CLIENT --timeout 20 --name saved.txt save | sed -n 's/^path //p')
echo "saved by the app" >"\$path" && echo "saved"
EOF
chmod 755 "$work/app.sh"
cat >"$work/vm.conf" <<EOF
[agent]
enable = no
[app]
exec = $work/app.sh
user = nobody
[portal]
enable = yes
exec = $APPVM_PORTAL
args = --host-unix $sock/portal.sock
EOF

env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APPVM_INIT_TEST_NO_VM=1 \
	APPVM_INIT_CONFIG="$work/vm.conf" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
	"$NSRUN" --timeout 40 -- "$APPVM_INIT" >"$log" 2>&1 </dev/null || true
grep -q "^nsrun: signal INT" "$log" || fail "init did not power off"
expect_log "bus: ready, listening on unix:path=/run/user/65534/bus"
expect_log "portal: ready"
expect_log "app: ids: 65534"
expect_log "app: env: DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/65534/bus GDK_DEBUG=portals GTK_USE_PORTAL=1 QT_QPA_PLATFORMTHEME=xdgdesktopportal "
expect_log "app: mount: 65534 500 1"
expect_log "app: content: hello through init"
expect_log "app: saved"
expect_log "app-exit status=0"
# The app started once the bus and the portal were ready.
b=$(grep -n "bus: ready" "$log" | cut -d: -f1)
p=$(grep -n "portal: ready" "$log" | cut -d: -f1)
a=$(grep -n "app: started" "$log" | cut -d: -f1)
{ [ "$b" -lt "$p" ] && [ "$p" -lt "$a" ]; } || fail "start order: bus $b, portal $p, app $a"
[ "$(cat "$work/host/saved.txt")" = "saved by the app" ] || fail "the host file was not saved"
! grep -q "AddressSanitizer\|runtime error:" "$log" || fail "sanitizer report"
expect_log "portal: exited with status 0"
echo "ok: init started the bus and the portal as nobody before the app; open and save work"
