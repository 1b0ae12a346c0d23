#!/usr/bin/env bash
# Namespace tests of appvm-agent under the real appvm-init: init runs as PID 1
# of fresh namespaces (tests/init/nsrun) and starts the agent as its "agent"
# service, with the agent's Unix test transport pointing at sockets in $sock,
# so a host (agent_probe) outside the namespace reaches it. No AF_VSOCK.
# Usage: ns_agent.sh NAME
# Environment (set by ctest): APPVM_INIT, APPVM_AGENT, NSRUN, PROBE, WORK.
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
name=$1
: "${APPVM_INIT:?}" "${APPVM_AGENT:?}" "${NSRUN:?}" "${PROBE:?}" "${WORK:?}"
# appvm-init mounts tmpfs on /tmp and /run as PID 1: a test tree below them
# would vanish under its feet (scripts/test builds elsewhere in that case).
case "$(realpath -m "$WORK")/" in
/tmp/* | /run/*)
	echo "FAIL: $WORK is below /tmp or /run, where appvm-init mounts tmpfs; build outside them" >&2
	exit 1
	;;
esac
[ "$(id -u)" -eq 0 ] || test_skip "namespace tests need root"
rm -rf "$WORK"
mkdir -p "$WORK"
log=$WORK/init.log
init_pid=
# The sockets live in a short directory of their own: a Unix socket path has
# at most 107 bytes, and vm.conf lines at most 198, however deep the build tree.
sock=$(mktemp -d /var/tmp/appvm-ns.XXXXXX)
trap 'stop_ns; rm -rf "$sock"' EXIT

# Ends the namespace if it still runs: killing its PID 1 (nsrun's child)
# takes every process in it along; killing nsrun alone would not.
stop_ns() {
	[ -n "$init_pid" ] || return 0
	local child
	for child in $(pgrep -P "$init_pid" || true); do
		kill -KILL "$child" 2>/dev/null || true
	done
	wait "$init_pid" 2>/dev/null || true
	init_pid=
}

fail() {
	echo "FAIL ($name): $*" >&2
	stop_ns
	echo "--- init log:" >&2
	cat "$log" >&2 || true
	exit 1
}

expect() { # FILE LINE
	grep -qxF -- "$2" "$1" || fail "expected '$2' in $(basename "$1"): $(tr '\n' ' ' <"$1")"
}

# vm.conf with the agent on the test transport; the app is given as "$@".
# With STATE_DEV set, that device is the state store, at a path with a space.
write_conf() {
	cat >"$WORK/vm.conf" <<CONF
[vm]
on-app-exit = ${ON_APP_EXIT:-poweroff}
${STATE_DEV:+[state]
source = $STATE_DEV
type = ext4
path = $WORK/state dir}
[agent]
exec = ${AGENT_EXEC:-$APPVM_AGENT}
args = --listen-unix $sock/agent.sock --event-unix $sock/events.sock --name nsvm${AGENT_ARGS:+ $AGENT_ARGS}
[app]
exec = $*
CONF
}

start_init() {
	: >"$log"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APPVM_INIT_TEST_NO_VM=1 \
		APPVM_INIT_CONFIG="$WORK/vm.conf" \
		${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		"$NSRUN" --timeout 20 ${NSRUN_OVERLAY:+--overlay "$NSRUN_OVERLAY"} -- "$APPVM_INIT" \
		>>"$log" 2>&1 </dev/null &
	init_pid=$!
}

# Waits (at most 10 s) until init's log has a line containing $1.
wait_log() {
	local _
	for _ in $(seq 100); do
		grep -qF -- "$1" "$log" && return 0
		sleep 0.1
	done
	fail "no '$1' in the log within 10 s"
}

# Waits (at most 10 s) for the child of $1 named $2 and prints its PID.
wait_child() {
	local _ pid
	for _ in $(seq 100); do
		pid=$(pgrep -P "$1" -x "$2" || true)
		[ -n "$pid" ] && echo "$pid" && return 0
		sleep 0.1
	done
	fail "no process $2 under pid $1 within 10 s"
}

# The voluntary context switches of process $1 so far: each is a wake-up.
switches() {
	awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"
}

# Waits for init's namespace to end and checks how.
expect_end() {
	wait "$init_pid" || true
	init_pid=
	grep -q "^nsrun: $1 " "$log" || fail "expected the namespace to end with '$1'"
}

# kill_app_expect_exit APP SECONDS: kills the app; the host (the probe in
# $probe, waiting with --exit) must have its APP_EXIT (signal 9) within
# SECONDS; then SHUTDOWN ends the namespace.
kill_app_expect_exit() {
	local t0 _
	t0=$(date +%s%N)
	kill -KILL "$1"
	for _ in $(seq $(($2 * 20))); do
		kill -0 "$probe" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$probe" 2>/dev/null && fail "no APP_EXIT within $2 s of the app's death"
	echo "APP_EXIT within $((($(date +%s%N) - t0) / 1000000)) ms (polled every 50 ms)"
	wait "$probe" || fail "events: $(cat "$WORK/events.out")"
	expect "$WORK/events.out" "app_exit_how=2"
	expect "$WORK/events.out" "app_exit_value=9"
	"$PROBE" shutdown "$sock/agent.sock" >"$WORK/shutdown.out" 2>&1 || fail "shutdown"
	expect_end "signal INT"
}

case $name in
ready_status_shutdown)
	# The host listens first; init starts the agent, which announces
	# READY; STATUS shows the app running and the state store as init
	# lists it; SHUTDOWN powers the VM off.
	truncate -s 8M "$WORK/state.img"
	mkfs.ext4 -q -F "$WORK/state.img"
	loop_state=$(losetup -f --show "$WORK/state.img")
	trap 'stop_ns; losetup -d "$loop_state" 2>/dev/null || true; rm -rf "$sock"' EXIT
	STATE_DEV=$loop_state write_conf /bin/sleep 60
	"$PROBE" events "$sock/events.sock" >"$WORK/events.out" 2>&1 &
	probe=$!
	start_init
	wait "$probe" || fail "no READY: $(cat "$WORK/events.out")"
	expect "$WORK/events.out" "ready_vm_name=nsvm"
	"$PROBE" status "$sock/agent.sock" >"$WORK/status.out" 2>&1 || fail "status: $(cat "$WORK/status.out")"
	expect "$WORK/status.out" "vm_name=nsvm"
	expect "$WORK/status.out" "app_state=2"
	expect "$WORK/status.out" "app_exit_how=0"
	expect "$WORK/status.out" "n_stores=1"
	expect "$WORK/status.out" "store=state $WORK/state dir rw"
	"$PROBE" shutdown "$sock/agent.sock" >"$WORK/shutdown.out" 2>&1 || fail "shutdown: $(cat "$WORK/shutdown.out")"
	expect "$WORK/shutdown.out" "ack"
	expect_end "signal INT"
	grep -qF "power off requested on the control socket" "$log" || fail "init was not asked to power off"
	grep -qF "shutdown requested (deadline 10000 ms" "$log" || fail "agent log missing"
	grep -qF "appvm-agent: init accepted the power off request" "$log" || fail "agent log missing"
	;;
builtin_agent)
	# The agent at the built-in agent's path (/usr/bin/appvm-agent, added
	# by nsrun's overlay): init creates its control socket after starting
	# it (docs/config.md, boot steps 3 and 4). The agent waits for the
	# socket quietly, watches the app state and serves it in STATUS, with
	# no line about a missing socket.
	mkdir -p "$WORK/bin"
	cp "$APPVM_AGENT" "$WORK/bin/appvm-agent"
	AGENT_EXEC=/usr/bin/appvm-agent write_conf /bin/sleep 60
	"$PROBE" events "$sock/events.sock" >"$WORK/events.out" 2>&1 &
	probe=$!
	NSRUN_OVERLAY=$WORK/bin:/usr/bin start_init
	wait "$probe" || fail "no READY: $(cat "$WORK/events.out")"
	expect "$WORK/events.out" "ready_vm_name=nsvm"
	wait_log "appvm-agent: watching the app state on init"
	"$PROBE" status "$sock/agent.sock" >"$WORK/status.out" 2>&1 || fail "status: $(cat "$WORK/status.out")"
	expect "$WORK/status.out" "app_state=2"
	"$PROBE" shutdown "$sock/agent.sock" >"$WORK/shutdown.out" 2>&1 || fail "shutdown"
	expect_end "signal INT"
	grep -qF "agent: started /usr/bin/appvm-agent" "$log" || fail "not the built-in agent's path"
	! grep -E "appvm-agent: (warning: )?cannot" "$log" || fail "the agent could not reach init"
	;;
app_exit)
	# The app exits with status 3 and init keeps the VM up: the host
	# gets APP_EXIT on the event connection and sees it in STATUS.
	printf '#!/bin/sh\nexit 3\n' >"$WORK/app.sh"
	chmod 755 "$WORK/app.sh"
	ON_APP_EXIT=ignore write_conf "$WORK/app.sh"
	"$PROBE" events "$sock/events.sock" --exit >"$WORK/events.out" 2>&1 &
	probe=$!
	start_init
	wait "$probe" || fail "no APP_EXIT: $(cat "$WORK/events.out")"
	expect "$WORK/events.out" "app_exit_how=1"
	expect "$WORK/events.out" "app_exit_value=3"
	"$PROBE" status "$sock/agent.sock" >"$WORK/status.out" 2>&1 || fail "status: $(cat "$WORK/status.out")"
	expect "$WORK/status.out" "app_state=3"
	expect "$WORK/status.out" "app_exit_how=1"
	expect "$WORK/status.out" "app_exit_value=3"
	"$PROBE" shutdown "$sock/agent.sock" >"$WORK/shutdown.out" 2>&1 || fail "shutdown"
	expect_end "signal INT"
	;;
idle_watch)
	# The host holds the event connection; the app is idle. init pushes
	# the app's state to the agent (a "watch" on its control socket), so
	# nothing polls: neither the agent nor init wakes in 3 s. When the app
	# is killed, APP_EXIT reaches the host at once.
	ON_APP_EXIT=ignore write_conf /bin/sleep 600
	"$PROBE" events "$sock/events.sock" --exit >"$WORK/events.out" 2>&1 &
	probe=$!
	start_init
	wait_log "appvm-agent: watching the app state on init"
	pid1=$(wait_child "$init_pid" appvm-init)
	agent=$(wait_child "$pid1" appvm-agent)
	app=$(wait_child "$pid1" sleep)
	a0=$(switches "$agent")
	i0=$(switches "$pid1")
	sleep 3 # the window measured, not a wait for a condition
	a1=$(switches "$agent")
	i1=$(switches "$pid1")
	echo "idle 3 s: agent woke $((a1 - a0)) times, init $((i1 - i0))"
	# Two each at most: the app's start, pushed to the agent as the window
	# may open, and init relaying the agent's last log line. A poll every
	# second costs the agent a timer, a connect and a reply (3+ per
	# second), and init an accept and a request.
	[ $((a1 - a0)) -le 2 ] || fail "the agent woke $((a1 - a0)) times in 3 s idle"
	[ $((i1 - i0)) -le 2 ] || fail "init woke $((i1 - i0)) times in 3 s idle"
	kill -0 "$probe" || fail "the host lost the event connection: $(cat "$WORK/events.out")"
	kill_app_expect_exit "$app" 5
	;;
late_host)
	# No host listens at first: the event connection backs off until its
	# retries are 3.2 s apart or more. Then the host listens and the app
	# is killed: the exit, pushed by init on the watch the agent keeps,
	# kicks the connection, so APP_EXIT arrives at once, not at the next
	# retry (up to 60 s later).
	ON_APP_EXIT=ignore AGENT_ARGS=-v write_conf /bin/sleep 600
	start_init
	grown() {
		local ms
		ms=$(sed -n 's/^.*events: .*; retry in \([0-9]*\) ms$/\1/p' "$log" | tail -n 1)
		[ -n "$ms" ] && [ "$ms" -ge 3200 ]
	}
	for _ in $(seq 200); do
		grown && break
		sleep 0.05
	done
	grown || fail "the event connection's backoff did not grow to 3200 ms within 10 s"
	pid1=$(wait_child "$init_pid" appvm-init)
	app=$(wait_child "$pid1" sleep)
	"$PROBE" events "$sock/events.sock" --exit >"$WORK/events.out" 2>&1 &
	probe=$!
	for _ in $(seq 100); do
		[ -S "$sock/events.sock" ] && break
		sleep 0.05
	done
	[ -S "$sock/events.sock" ] || fail "the host did not listen"
	# Well under the backoff (3.2 s or more), with room for a loaded machine.
	kill_app_expect_exit "$app" 2
	;;
*)
	echo "unknown test $name" >&2
	exit 2
	;;
esac
# No failure to reach init is logged: its control socket is there when the
# agent asks (or is waited for without a word: docs/agent.md).
if grep -E "appvm-agent: cannot (watch|get) the app state" "$log"; then
	fail "the agent asked init before its socket existed, and said so"
fi
echo "PASS ($name)"
