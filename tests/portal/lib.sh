# shellcheck shell=bash
# Shell helpers of the portal tests (sourced).

# portal_ns_test LABEL "$@": the start of a test without a VM (integration.sh,
# folders.sh): it needs root (exit 77 otherwise) and the binaries; it runs
# again in a mount namespace of its own, so the document filesystem vanishes
# with the test, whatever happens. Then $work is APPVM_TEST_WORK/LABEL
# (emptied), $sock a short directory for the sockets (sun_path holds 107
# bytes); both are cleaned up at exit with the processes started.
portal_ns_test() {
	local label=$1
	shift
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (FUSE mounts)"; exit 77; }
	: "${APPVM_PORTAL:?}" "${APPVM_PORTALD:?}" "${APPVMCTL:?}" "${PORTAL_CLIENT:?}"
	if [ -z "${PORTAL_TEST_NS:-}" ]; then
		exec env PORTAL_TEST_NS=1 unshare -m --propagation private "$0" "$@"
	fi
	work=${APPVM_TEST_WORK:-$(mktemp -d /var/tmp/appvm-portal.XXXXXX)}/$label
	rm -rf "$work"
	mkdir -p "$work/host"
	sock=$(mktemp -d "/var/tmp/appvm-p${label:0:1}.XXXXXX")
	trap 'stop_started; rm -rf "$sock"' EXIT
}

# entries_of DIR: the entries of a directory, dot files included, sorted,
# each followed by a space (file names in these tests have no blanks).
entries_of() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '; }

pass() { printf 'ok: %s\n' "$*"; }

# portald_start NAME [ARGS...]: appvm-portald serving VM NAME on
# $sock/vm.vsock, with the chooser of portal_chooser $work, its log appended
# to $work/portald.log; portald_pid is its pid.
portald_start() {
	local name=$1
	shift
	"$APPVM_PORTALD" --name "$name" --vsock "$sock/vm.vsock" --chooser "command:$work/chooser.sh" \
		"$@" >>"$work/portald.log" 2>&1 &
	portald_pid=$!
	pids+=("$portald_pid")
	wait_for 20 test -S "$sock/vm.vsock_1026" || fail "appvm-portald did not listen"
}

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

# portal_chooser DIR: DIR/chooser.sh, a command chooser that answers each
# dialog with the lines of DIR/plan ("cancel" exits 1; "sleep N" waits
# first) and logs its environment and request in DIR/chooser.log; "plan
# LINE..." writes the next answer.
portal_chooser() {
	plan_file=$1/plan
	cat >"$1/chooser.sh" <<EOF
#!/bin/sh
{ env | grep '^APPVM_CHOOSER' | sort; cat; echo; echo ---; } >>"$1/chooser.log"
while read -r line; do
	case \$line in
	cancel) exit 1 ;;
	sleep\ *) sleep \${line#sleep } ;;
	*) echo "\$line" ;;
	esac
done <"$1/plan"
EOF
	chmod 755 "$1/chooser.sh"
}
plan() { printf '%s\n' "$@" >"$plan_file"; }

# portal_bus WORK SOCKDIR: a session dbus-daemon on SOCKDIR/bus (config and
# logs in WORK), exported as DBUS_SESSION_BUS_ADDRESS. Returns 1 when it
# does not start.
portal_bus() {
	bus_conf "$1/bus.conf" "$2/bus"
	dbus-daemon --config-file="$1/bus.conf" --nofork --print-address=3 3>"$1/bus.addr" \
		2>"$1/dbus.log" &
	pids+=("$!")
	wait_for 20 test -s "$1/bus.addr" || return 1
	export DBUS_SESSION_BUS_ADDRESS=unix:path=$2/bus
}

# portal_guest WORK SOCKET MOUNTPOINT [ARGS...]: $APPVM_PORTAL mounting its
# filesystem itself on MOUNTPOINT, talking to appvm-portald on SOCKET, its
# log in WORK/portal.log; portal_pid is its pid. Returns 1 (with a reason on
# stderr) unless it reports ready, has the filesystem mounted and reaches
# the host. Leaks count (sanitizer builds; the portal ends on TERM).
portal_guest() {
	local work=$1 socket=$2 mnt=$3
	shift 3
	# Emptied here, not only by the redirection below: that one runs in the
	# background child, and until it does a previous portal's "ready" in
	# the same WORK would be read as this one's.
	: >"$work/ready"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1 \
		"$APPVM_PORTAL" --host-unix "$socket" --mountpoint "$mnt" --mount "$@" \
		--ready-fd 3 3>"$work/ready" >"$work/portal.log" 2>&1 &
	portal_pid=$!
	pids+=("$portal_pid")
	wait_for 30 grep -q ready "$work/ready" || { echo "appvm-portal did not report ready" >&2; return 1; }
	grep -q "fuse.appvm-doc $mnt\|$mnt fuse.appvm-doc" /proc/self/mounts ||
		{ echo "the document filesystem is not mounted on $mnt" >&2; return 1; }
	wait_for 30 grep -q "host: connected" "$work/portal.log" ||
		{ echo "appvm-portal did not reach the host" >&2; return 1; }
}

# portal_fail LABEL MESSAGE: says what failed, with the tails of the logs in
# $work named by portal_logs (default: the portal, the host daemon and the
# chooser), and exits 1.
portal_fail() {
	printf 'FAIL (%s): %s\n' "$1" "$2" >&2
	for f in ${portal_logs:-portal portald chooser}; do
		printf -- '--- %s log:\n' "$f" >&2
		tail -n 25 "$work/$f.log" >&2 2>/dev/null || true
	done
	exit 1
}

# The same stack for the client and editor tests, run as root in a private
# mount namespace (clients.sh, editors.sh). The caller sets work (logs, the
# chooser, the host side's files), sock (a short directory for sockets) and
# fail().

# stack_chooser: portal_chooser in $work. stack_bus: portal_bus on $sock.
stack_chooser() { portal_chooser "$work"; }
# shellcheck disable=SC2154 # sock: set by the caller
stack_bus() { portal_bus "$work" "$sock" || fail "dbus-daemon did not start"; }

# start_portald [ARGS...]: portald_start for the VM "itest".
start_portald() { portald_start itest "$@"; }

# start_portal [ARGS...]: portal_guest mounting on $work/doc (mnt).
start_portal() {
	mnt=$work/doc
	portal_guest "$work" "$sock/vm.vsock_1026" "$mnt" "$@" 2>"$work/err" || fail "$(cat "$work/err")"
}

# stop_portal: TERM to the portal; fails unless it exits 0, its mount goes
# and neither its log nor the host daemon's has a sanitizer report.
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
	! grep -q "AddressSanitizer\|runtime error:" "$work/portal.log" "$work/portald.log" ||
		fail "sanitizer report"
}

# The start of a VM test of the portal (vm-test.sh, docfs-vm-test.sh):
# portal_vm_test LABEL WHAT "$@" takes the tests' arguments (APPVM-INIT
# APPVM-PORTAL PORTAL-CLIENT APPVM-PORTALD APPVMCTL APPVM-VSOCK KERNEL) into
# init portal client portald ctl vsockd kernel, sets src, work
# (APPVM_TEST_WORK/LABEL, emptied, with work/host) and sockdir (short, for
# sockets), checks the binaries (the caller defines fail as portal_vm_fail)
# and cleans up at exit (the VM in vm_pid, the processes started, sockdir).
portal_vm_test() {
	local label=$1
	portal_vm_what=$2
	shift 2
	init=$1 portal=$2 client=$3 portald=$4 ctl=$5 vsockd=$6 kernel=${APPVM_KERNEL:-$7}
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	export APPVM_ACCEL=${APPVM_ACCEL:-tcg}
	work=${APPVM_TEST_WORK:-$(mktemp -d /var/tmp/appvm-portal.XXXXXX)}/$label
	# Sockets in a short directory: a Unix socket path has at most 107 bytes.
	sockdir=$(mktemp -d /var/tmp/appvm-pv.XXXXXX)
	vm_pid=
	trap portal_vm_cleanup EXIT
	[ -s "$kernel" ] || fail "guest kernel '$kernel' not found: build it with kernel-config/build BUILD/kernel"
	local f
	for f in "$init" "$portal" "$client" "$portald" "$ctl" "$vsockd"; do [ -x "$f" ] || fail "$f not built"; done
	# The guest's own programs are their image builds: static musl programs.
	if [ "${APPVM_GUEST_STATIC:-0}" = 1 ]; then
		"$src/tests/vm/check-static" --quiet "$init" "$portal" || fail "the guest programs are not static musl builds"
	fi
	rm -rf "$work"
	mkdir -p "$work/host"
}
portal_vm_cleanup() {
	[ -z "$vm_pid" ] || kill -TERM "$vm_pid" 2>/dev/null || true
	stop_started
	rm -rf "$sockdir"
}
# portal_vm_fail MESSAGE: says what failed (WHAT of portal_vm_test), with the
# console's and the host daemon's last lines, and exits 1.
portal_vm_fail() {
	printf 'FAIL (%s): %s\n' "$portal_vm_what" "$*" >&2
	[ -f "$work/console.log" ] && tail -n 40 "$work/console.log" >&2
	printf -- '--- portald log:\n' >&2
	tail -n 20 "$work/portald.log" >&2 2>/dev/null || true
	exit 1
}
# wait_console TEXT: polls the console log for TEXT, up to 180 s.
wait_console() {
	for _ in $(seq 1800); do
		grep -qF -- "$1" "$work/console.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# portal_vm_image NAME [PORTAL_LINE...]: the image of a portal VM test in
# $work/image: VM NAME, the app $work/app (as /usr/bin/NAME-app, the user
# app), the portal with Debian's dbus-daemon from the store "bus" and the
# extra [portal] lines given; its config in $work/vm.conf. With
# portal_vm_py=1 also the store "py" of python3-gi (for GDBus clients), at
# /run/store/py.
portal_vm_image() {
	local name=$1 line
	shift
	{
		printf '[vm]\nname = %s\non-app-exit = poweroff\ngrace = 5s\n\n' "$name"
		printf '[agent]\nenable = no\n\n'
		printf '[store bus]\nsource = serial:bus\ntype = erofs\npath = /run/store/bus\n\n'
		[ "${portal_vm_py:-0}" != 1 ] ||
			printf '[store py]\nsource = serial:py\ntype = erofs\npath = /run/store/py\n\n'
		printf '[app]\nexec = /usr/bin/%s-app\nuser = app\n\n' "$name"
		printf '[portal]\nenable = yes\ndbus-daemon = /run/store/bus/usr/bin/dbus-daemon\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$work/vm.conf"
	local py=()
	[ "${portal_vm_py:-0}" != 1 ] || py=(--store-pkg py=python3-gi)
	"$src/rootfs/build" --init "$init" --bin "$portal" --bin "$client" --busybox \
		--config "$work/vm.conf" --store-pkg bus=dbus-daemon "${py[@]}" \
		--add "$work/app:/usr/bin/$name-app:0755" "$work/image" >"$work/image.log" 2>&1 ||
		{ cat "$work/image.log" >&2; fail "rootfs/build failed"; }
}
# portal_vm_end: waits for the VM to power off; qemu and the app must end
# with status 0.
portal_vm_end() {
	local status=0
	wait "$vm_pid" || status=$?
	vm_pid=
	[ $status -eq 0 ] || fail "qemu exited with status $status"
	grep -q "app-exit status=0" "$work/console.log" || fail "the app failed"
	pass "the VM powered off"
}
