# shellcheck shell=bash disable=SC2154 # work and sock: set by the test that sources this (below)
# Shell helpers of the portal tests (sourced).

# wait_for SECONDS COMMAND...: polls a condition every 50 ms; 0 once it holds.
wait_for() {
	local n=$(($1 * 20))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# bus_conf FILE SOCKET: a session bus configuration like the one appvm-init
# writes (init/portal.c), listening on SOCKET, everything allowed (and
# eavesdropping, for dbus-monitor).
bus_conf() {
	cat >"$1" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$2</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
}

# Background processes the script started ("pids+=("$!")"); stop_started
# ends them (by pid) and waits for them.
pids=()
stop_started() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}

# The portal stack without a VM, for tests run as root in a private mount
# namespace (see integration.sh). The caller sets work (logs, the chooser,
# the host side's files), sock (a short directory for sockets) and fail().

# stack_chooser: $work/chooser.sh, a command chooser that answers each
# dialog with the lines of $work/plan ("cancel" exits 1; "sleep N" first
# waits) and logs its environment and request to $work/chooser.log.
stack_chooser() {
	cat >"$work/chooser.sh" <<CHOOSER
#!/bin/sh
{ env | grep '^APPVM_CHOOSER' | sort; cat; echo; echo ---; } >>"$work/chooser.log"
while read -r line; do
	case \$line in
	cancel) exit 1 ;;
	sleep\ *) sleep \${line#sleep } ;;
	*) echo "\$line" ;;
	esac
done <"$work/plan"
CHOOSER
	chmod 755 "$work/chooser.sh"
}
# plan LINE...: what the chooser answers next.
plan() { printf '%s\n' "$@" >"$work/plan"; }

# stack_bus: a private session bus on $sock/bus; exports its address.
stack_bus() {
	bus_conf "$work/bus.conf" "$sock/bus"
	dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=3 3>"$work/bus.addr" \
		2>"$work/dbus.log" &
	pids+=("$!")
	wait_for 5 test -s "$work/bus.addr" || fail "dbus-daemon did not start"
	export DBUS_SESSION_BUS_ADDRESS=unix:path=$sock/bus
}

# start_portald [ARGS...]: appvm-portald for the VM "itest" on
# $sock/vm.vsock_1026 with the chooser above; sets portald_pid.
start_portald() {
	"$APPVM_PORTALD" --name itest --vsock "$sock/vm.vsock" --chooser "command:$work/chooser.sh" \
		"$@" >>"$work/portald.log" 2>&1 &
	portald_pid=$!
	pids+=("$portald_pid")
	wait_for 5 test -S "$sock/vm.vsock_1026" || fail "appvm-portald did not listen"
}

# start_portal [ARGS...]: appvm-portal mounting the document filesystem on
# $work/doc (mnt), connected to the daemon; sets portal_pid once it is
# ready, mounted and connected.
start_portal() {
	mnt=$work/doc
	# Leaks count too (sanitizer builds; the portal ends normally, on TERM).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1 \
		"$APPVM_PORTAL" --host-unix "$sock/vm.vsock_1026" --mountpoint "$mnt" --mount \
		--ready-fd 3 "$@" 3>"$work/ready" >"$work/portal.log" 2>&1 &
	portal_pid=$!
	pids+=("$portal_pid")
	wait_for 10 grep -q ready "$work/ready" || fail "appvm-portal did not report ready"
	grep -q "fuse.appvm-doc $mnt\|$mnt fuse.appvm-doc" /proc/self/mounts ||
		fail "the document filesystem is not mounted on $mnt"
	wait_for 10 grep -q "host: connected" "$work/portal.log" || fail "appvm-portal did not reach the host"
}

# stop_portal: TERM to the portal; fails unless it exits 0, its mount goes
# and its log has no sanitizer report.
stop_portal() {
	local status
	kill -TERM "$portal_pid"
	set +e
	wait "$portal_pid"
	status=$?
	set -e
	[ $status -eq 0 ] || fail "the portal exited with status $status"
	! grep -q " $mnt " /proc/self/mounts || fail "the mount outlived the portal"
	# Sanitizer builds: any report is a failure, even one that did not abort.
	! grep -q "AddressSanitizer\|runtime error:" "$work/portal.log" || fail "sanitizer report"
}

# names DIR: the entries of a directory, dot files included, sorted, each
# followed by a space (file names in these tests have no blanks).
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '; }
