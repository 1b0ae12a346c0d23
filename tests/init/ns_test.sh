#!/usr/bin/env bash
# Namespace tests of appvm-init: the real binary runs as PID 1 of fresh
# namespaces (nsrun) with APPVM_INIT_TEST_NO_VM=1. Usage: ns_test.sh NAME
# Environment (set by ctest): APPVM_INIT, APPVM_INITCTL, NSRUN, STAMP, WORK.
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
name=$1
: "${APPVM_INIT:?}" "${APPVM_INITCTL:?}" "${NSRUN:?}" "${WORK:?}"
[ "$(id -u)" -eq 0 ] || test_skip "namespace tests need root"
# appvm-init mounts tmpfs on /tmp and /run as PID 1: a test tree below them
# would vanish under its feet (scripts/test builds elsewhere in that case).
case "$(realpath -m "$WORK")/" in
/tmp/* | /run/*)
	echo "FAIL: $WORK is below /tmp or /run, where appvm-init mounts tmpfs; build outside them" >&2
	exit 1
	;;
esac
rm -rf "$WORK"
mkdir -p "$WORK"
log=$WORK/init.log
result=$WORK/nsrun.out
# What a non-root uid runs goes to $pub (see test_public_dir): $WORK is in
# the build tree, which may lie below a directory only root can enter.
pub=
loops=()
cleanup() {
	[ ${#loops[@]} -eq 0 ] || losetup -d "${loops[@]}" 2>/dev/null || true
	[ -z "$pub" ] || rm -rf "$pub"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($name): $*" >&2
	echo "--- init log:" >&2
	cat "$log" >&2 || true
	echo "--- nsrun: $(cat "$result" 2>/dev/null)" >&2
	exit 1
}

# Creates $pub and proves that an unprivileged uid can use it.
make_public() {
	pub=$(test_public_dir)
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$pub" ||
		fail "$pub cannot be entered by an unprivileged uid"
}

# Writes an executable script: script PATH [BODY] (the body from stdin when
# not given, for bodies that must reach the script unexpanded).
script() {
	local path=$1 body
	if [ $# -ge 2 ]; then body=$2; else body=$(cat); fi
	# Services get a clean environment; in sanitizer builds appvm-initctl's
	# leak checker must stay off, as it cannot run in processes that the
	# shutdown signals.
	printf '#!/bin/sh\nexport ASAN_OPTIONS=detect_leaks=0\n%s\n' "$body" >"$path"
	chmod 755 "$path"
}

expect_end() { # signal name or "exited N"
	grep -q "^nsrun: $1 " "$result" || fail "expected the namespace to end with '$1'"
}

expect_log() {
	grep -qF -- "$1" "$log" || fail "expected in the log: $1"
}

# Asserts that the given log lines appear in this order.
expect_order() {
	local prev=0 n
	for line in "$@"; do
		n=$(grep -nF -- "$line" "$log" | head -n 1 | cut -d: -f1 || true)
		[ -n "$n" ] || fail "missing log line: $line"
		[ "$n" -gt "$prev" ] || fail "out of order: $line"
		prev=$n
	done
}

elapsed_ms() { sed -n 's/.*elapsed_ms=\([0-9]*\).*/\1/p' "$result"; }

# Runs appvm-init as PID 1 with $WORK/vm.conf and the kernel command line
# $CMDLINE; its output and nsrun's report go to $log, the report alone to
# $result. nsrun kills it after $NS_TIMEOUT seconds (default 20).
run_init() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APPVM_INIT_TEST_NO_VM=1 \
		APPVM_INIT_CONFIG="$WORK/vm.conf" APPVM_INIT_CMDLINE="${CMDLINE:-}" \
		${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		"${nsrun_prefix[@]}" "$NSRUN" --timeout "${NS_TIMEOUT:-20}" "${nsrun_args[@]}" -- "$APPVM_INIT" \
		>>"$log" 2>&1 </dev/null
}
nsrun_prefix=() # a command nsrun runs under (taskset)
nsrun_args=()   # further nsrun options (--overlay)
run_ns() {
	: >"$log"
	run_init || true
	grep '^nsrun: ' "$log" >"$result" || true
}

case $name in
zombies)
	# 200 orphans: each outlives its parent, is re-parented to init and
	# must be reaped there once it exits.
	script "$WORK/app.sh" "
i=0
while [ \$i -lt 200 ]; do /bin/sh -c '/bin/sleep 0.2 & exit 0'; i=\$((i+1)); done
sleep 0.3
for t in \$(seq 100); do
	z=\$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l)
	[ \"\$z\" -eq 0 ] && break
	sleep 0.05
done
echo zombies=\$z >$WORK/result"
	printf '[agent]\nenable = no\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	grep -qx 'zombies=0' "$WORK/result" || fail "zombies left: $(cat "$WORK/result")"
	expect_log "app-exit status=0"
	;;
shutdown_order)
	# SIGTERM: the app gets TERM first, then everything; the agent ignores
	# TERM and is KILLed after the grace period; then reboot(2) ends the namespace.
	script "$WORK/agent.sh" "trap '' TERM; echo agent-up; exec sleep 1000"
	script "$WORK/app.sh" "trap 'echo app-got-term; exit 0' TERM
while ! grep -q agent-up $WORK/init.log; do sleep 0.02; done
kill -TERM 1
while :; do sleep 0.02; done"
	printf '[vm]\ngrace = 1s\n[agent]\nexec = %s\n[app]\nexec = %s\n' "$WORK/agent.sh" "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "shutdown (power off): Terminated" \
		"shutdown: sending TERM to the app" \
		"app: app-got-term" \
		"app-exit status=0" \
		"shutdown: sending TERM to all processes" \
		"shutdown: grace period over: sending KILL to all processes" \
		"agent: killed by signal 9" \
		"shutdown: syncing and unmounting" \
		"shutdown: unmounted /tmp" \
		"shutdown: unmounted /run" \
		"shutdown: done (app-exit status=0); powering off"
	[ "$(elapsed_ms)" -ge 1000 ] || fail "KILL came before the 1 s grace period ($(elapsed_ms) ms)"
	;;
crash_backoff)
	script "$WORK/agent.sh" "echo crashing; exit 1"
	script "$WORK/app.sh" "
for t in \$(seq 200); do
	$APPVM_INITCTL status >$WORK/status
	grep -q 'service agent failed' $WORK/status && break
	sleep 0.02
done"
	printf '[vm]\nrestart-limit = 3\nrestart-window = 30s\nrestart-delay = 50ms\nrestart-delay-max = 150ms\n[agent]\nexec = %s\n[app]\nexec = %s\n' \
		"$WORK/agent.sh" "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "agent: exited with status 1" "agent: restarting in 50 ms" \
		"agent: restarting in 100 ms" "agent: restarting in 150 ms" \
		"agent: failed: exited 3 times within 30s, not restarting"
	[ "$(grep -c 'agent: crashing' "$log")" -eq 4 ] || fail "expected 4 runs of the agent"
	grep -q 'service agent failed pid=0 restarts=3' "$WORK/status" || fail "status: $(cat "$WORK/status")"
	[ "$(elapsed_ms)" -ge 300 ] || fail "restarts came too fast ($(elapsed_ms) ms)"
	;;
app_exit_action)
	script "$WORK/app.sh" "exit 3"
	printf '[vm]\non-app-exit = reboot\n[agent]\nenable = no\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal HUP" # reboot(2) in a PID namespace
	expect_order "app-exit status=3" "shutdown (reboot): the app exited (on-app-exit = reboot)" \
		"shutdown: done (app-exit status=3); rebooting"

	# restart: the app runs three times, then asks for power off with SIGUSR2.
	script "$WORK/app.sh" "echo run >>$WORK/runs
[ \$(wc -l <$WORK/runs) -ge 3 ] && kill -USR2 1
exit 0"
	printf '[vm]\non-app-exit = restart\nrestart-delay = 10ms\n[agent]\nenable = no\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	[ "$(wc -l <"$WORK/runs")" -eq 3 ] || fail "app ran $(wc -l <"$WORK/runs") times, expected 3"
	expect_log "app: restarting in 10 ms"

	# ignore: the app is gone, the VM stays up; the agent sees the exit status
	# and powers off over the control socket. A signal is reported as 128+N.
	script "$WORK/app.sh" 'kill -KILL $$'
	script "$WORK/agent.sh" "
until $APPVM_INITCTL status >$WORK/status && grep -q 'app-exit status=137 signal=9' $WORK/status; do sleep 0.02; done
$APPVM_INITCTL poweroff"
	printf '[vm]\non-app-exit = ignore\n[agent]\nexec = %s\n[app]\nexec = %s\n' "$WORK/agent.sh" "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "app-exit status=137 signal=9" "shutdown (power off): power off requested on the control socket"
	grep -q 'service app exited' "$WORK/status" || fail "status: $(cat "$WORK/status")"
	;;
bad_config)
	printf '[app]\nexce = /bin/true\n' >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "appvm-init: fatal: config: $WORK/vm.conf:2: unknown key \"exce\" in [app] (did you mean \"exec\"?)" \
		"appvm-init: fatal error during boot: powering off"
	printf '[app]\nexec = /bin/true\n' >"$WORK/vm.conf"
	CMDLINE="quiet appvm.vm.grace=soon" run_ns
	expect_end "signal INT"
	expect_log "appvm-init: fatal: config: kernel command line: [vm] grace: expected a duration like 10s or 500ms (at most 600s), got \"soon\""
	CMDLINE="appvm.debug=1 appvm.vm.grace=soon" run_ns
	expect_order "appvm-init: fatal: config: kernel command line: [vm] grace" \
		"appvm.debug=1: opening /bin/sh on the console" "fatal error during boot: powering off"
	rm "$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_log "appvm-init: fatal: config: cannot read $WORK/vm.conf: No such file or directory"
	printf '[agent]\nenable = no\n[app]\nexec = /nonexistent/app\n' >"$WORK/vm.conf"
	run_ns
	expect_log "appvm-init: fatal: app: cannot run /nonexistent/app: No such file or directory"
	;;
control_socket)
	# Nine root clients connect and say nothing: eight take init's slots,
	# the ninth is closed at once. One of the eight leaves; init answers the
	# next client at once (PID 1 never waits on a client) and drops the
	# seven silent ones after 500 ms. The unprivileged peers run a copy of
	# appvm-initctl they can reach. First appvm-initctl's command line on
	# its own: options anywhere, one line naming what was wrong.
	initctl_says() { # CODE TEXT ARGS...
		local want=$1 text=$2 out code=0
		shift 2
		out=$("$APPVM_INITCTL" "$@" 2>&1) || code=$?
		if [ "$code" != "$want" ] || [[ $out != *"$text"* ]] || [[ $out == *$'\n'* ]]; then
			fail "appvm-initctl $*: exit $code, '$out' (want $want and '$text')"
		fi
	}
	initctl_says 2 "appvm-initctl: --socket needs a path" status --socket
	initctl_says 2 "appvm-initctl: unexpected argument 'now'" poweroff now
	initctl_says 2 "appvm-initctl: unknown option '--force'" --force poweroff
	initctl_says 2 "appvm-initctl: missing command: status, watch, poweroff or reboot"
	initctl_says 2 "appvm-initctl: --deadline: expected 0 to 3600000 ms, not '-1'" poweroff --deadline=-1
	initctl_says 1 "appvm-initctl: status: cannot connect to $WORK/none.sock: No such file" \
		status --socket "$WORK/none.sock"
	initctl_says 1 "appvm-initctl: reboot: cannot connect to $WORK: Connection refused (it is not a socket)" \
		reboot --deadline 10 --socket="$WORK"
	make_public
	cp "$APPVM_INITCTL" "$pub/appvm-initctl"
	script "$WORK/app.sh" "
ctl=$APPVM_INITCTL
python3 -c \"import socket, time
s = [socket.socket(socket.AF_UNIX) for _ in range(9)]
[c.connect('/run/appvm/init.sock') for c in s]
s[8].settimeout(2)
ninth = s[8].recv(1)
s[0].close()
open('$WORK/silent.ready', 'w').write('ninth=%r' % ninth)
time.sleep(3)\" &
for i in \$(seq 500); do [ -e $WORK/silent.ready ] && break; sleep 0.01; done
t0=\$(date +%s%N)
\$ctl status >$WORK/busy.out 2>&1; echo busy=\$? >>$WORK/codes
echo busy_ms=\$(( (\$(date +%s%N) - t0) / 1000000 )) >>$WORK/codes
for i in \$(seq 300); do [ \$(grep -c 'within 500 ms' $WORK/init.log) -ge 7 ] && break; sleep 0.01; done
\$ctl status --socket=/run/appvm/init.sock >$WORK/root.out 2>&1; echo root=\$? >>$WORK/codes
setpriv --reuid=65534 --regid=65534 --clear-groups $pub/appvm-initctl status >$WORK/user.out 2>&1; echo user=\$? >>$WORK/codes
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override \
	$pub/appvm-initctl status >$WORK/cap.out 2>&1; echo cap=\$? >>$WORK/codes
if command -v socat >/dev/null; then
	printf 'halt\n' | socat - UNIX-CONNECT:/run/appvm/init.sock >$WORK/unknown.out 2>&1
	printf 'status' | socat -t 2 - UNIX-CONNECT:/run/appvm/init.sock >$WORK/partial.out 2>&1
fi
(trap '' TERM; \$ctl poweroff; echo poweroff=\$? >>$WORK/codes)
while :; do sleep 0.02; done"
	printf '[agent]\nenable = no\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	grep -qx busy=0 "$WORK/codes" || fail "query next to silent clients failed: $(cat "$WORK/busy.out")"
	busy_ms=$(sed -n 's/^busy_ms=//p' "$WORK/codes")
	[ "$busy_ms" -lt 1000 ] || fail "init kept a client waiting $busy_ms ms behind silent ones"
	grep -qx "ninth=b''" "$WORK/silent.ready" || fail "a ninth silent client was not closed"
	expect_log "control: refused a connection from pid"
	[ "$(grep -c 'control: no complete request from pid [0-9]* within 500 ms' "$log")" -ge 7 ] ||
		fail "the silent clients were not dropped"
	grep -qx root=0 "$WORK/codes" || fail "root query failed: $(cat "$WORK/root.out")"
	grep -q '^service app running pid=[0-9]* restarts=0$' "$WORK/root.out" || fail "status: $(cat "$WORK/root.out")"
	grep -q '^service agent disabled' "$WORK/root.out" || fail "status: $(cat "$WORK/root.out")"
	grep -qx 'app-exit none' "$WORK/root.out" || fail "status: $(cat "$WORK/root.out")"
	grep -qx user=1 "$WORK/codes" || fail "an unprivileged user got through"
	grep -q 'Permission denied' "$WORK/user.out" || fail "user: $(cat "$WORK/user.out")"
	grep -qx cap=1 "$WORK/codes" || fail "a non-root peer with CAP_DAC_OVERRIDE got through"
	grep -q 'permission denied by appvm-init' "$WORK/cap.out" || fail "cap: $(cat "$WORK/cap.out")"
	expect_log "control: refused a connection from uid 65534"
	if [ -e "$WORK/unknown.out" ]; then
		grep -qx 'error unknown' "$WORK/unknown.out" || fail "unknown: $(cat "$WORK/unknown.out")"
		expect_log "control: bad request from pid"
		[ ! -s "$WORK/partial.out" ] || fail "a partial request got a reply"
		expect_log "control: no complete request from pid"
	fi
	grep -qx poweroff=0 "$WORK/codes" || fail "poweroff request failed"
	expect_log "shutdown (power off): power off requested on the control socket"
	;;
watch)
	# The "agent" holds a watch with appvm-initctl and reads it; a driver
	# (python) takes init's other watch slots. One watcher sends more
	# after its request: dropped. With all 4 taken, a fifth gets "error
	# busy". Then the app exits again and again (restarted after 1 ms,
	# until the restart limit powers the VM off): a stream of changes
	# that the three watchers that do not read cannot take, so init drops
	# them, while the reader sees the changes up to "shutdown yes", sent
	# before init signals every process (the reader ignores TERM, to be
	# seen printing it).
	script "$WORK/agent.sh" "
(trap '' TERM; exec $APPVM_INITCTL watch >$WORK/watch.out 2>$WORK/watch.err) &
python3 -c \"import socket, time
def first(s):
    s.settimeout(5)
    buf = b''
    while not buf.endswith(b'end\\\\n'):
        buf += s.recv(65536)
    return buf
def watch():
    s = socket.socket(socket.AF_UNIX)
    s.connect('/run/appvm/init.sock')
    s.sendall(b'watch\\\\n')
    return s
for i in range(500):
    if b'\\\\n\\\\n' in open('$WORK/watch.out', 'rb').read():
        break
    time.sleep(0.01)
out = open('$WORK/driver.out', 'w')
v = watch()
first(v)
v.sendall(b'x')
out.write('violator=%r\\\\n' % v.recv(100))
quiet = [watch() for _ in range(3)]
[first(q) for q in quiet]
b = watch()
b.settimeout(5)
out.write('fifth=%r\\\\n' % b.recv(100))
out.close()
open('$WORK/go', 'w').close()
time.sleep(60)\"
"
	script "$WORK/app.sh" "while [ ! -e $WORK/go ]; do sleep 0.01; done; echo run >>$WORK/runs"
	printf '[vm]\ngrace = 500ms\non-app-exit = restart\nrestart-delay = 1ms\nrestart-delay-max = 1ms\nrestart-limit = 100\n[agent]\nexec = %s\n[app]\nexec = %s\n' \
		"$WORK/agent.sh" "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	grep -qx "violator=b''" "$WORK/driver.out" || fail "driver: $(cat "$WORK/driver.out" 2>&1)"
	expect_log "control: dropped the watch of pid"
	grep -qF "it sent more after its request" "$log" || fail "the watcher that wrote was not dropped"
	grep -qxF "fifth=b'error busy\\n'" "$WORK/driver.out" || fail "driver: $(cat "$WORK/driver.out")"
	expect_log "control: refused a watch from pid"
	[ "$(grep -c 'control: dropped the watch of pid [0-9]*: it does not read' "$log")" -eq 3 ] ||
		fail "the watchers that do not read were not dropped"
	n=$(grep -c '^$' "$WORK/watch.out")
	echo "$(wc -l <"$WORK/runs") app runs, $n statuses seen by the reader"
	[ "$n" -ge 100 ] || fail "the reader saw $n statuses"
	grep -q '^service app failed' "$WORK/watch.out" || fail "watch: no 'app failed'"
	grep -qx 'shutdown yes' "$WORK/watch.out" || fail "watch: no 'shutdown yes'"
	;;
shutdown_deadline)
	# "poweroff 1500": the app and its children ignore TERM and the
	# configured grace is 20 s, but each TERM phase gets (1500 - 1000) / 2 ms,
	# so KILL comes long before the grace would have run out.
	script "$WORK/app.sh" "trap '' TERM
$APPVM_INITCTL --deadline 1500 poweroff; echo poweroff=\$? >>$WORK/codes
while :; do sleep 0.02; done"
	printf '[vm]\ngrace = 20s\n[agent]\nenable = no\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	grep -qx poweroff=0 "$WORK/codes" || fail "poweroff request failed"
	expect_order "shutdown (power off, within 1500 ms): power off requested on the control socket" \
		"shutdown: sending TERM to the app, grace 250 ms" \
		"shutdown: the app did not stop within the grace period" \
		"shutdown: sending TERM to all processes, grace 250 ms" \
		"shutdown: grace period over: sending KILL to all processes" \
		"shutdown: done (app-exit status=137); powering off"
	[ "$(elapsed_ms)" -lt 8000 ] || fail "the deadline was not applied ($(elapsed_ms) ms)"
	;;
agent_socket)
	# Init's control socket exists when a custom [agent] exec starts: it
	# may ask init at once. The built-in agent (/usr/bin/appvm-agent, here
	# a stand-in that nsrun's overlay adds) waits up to 2 s for it, so with
	# it init creates the socket after the agent's start (docs/config.md,
	# boot steps 3 and 4). An agent that dies at once is still seen:
	# signals are blocked from init's start and wait, pending, for its
	# signalfd, created after the agent's start too.
	# 1. A custom agent finds the socket at its start and is answered. On
	# one CPU, as in a VM, five boots: init, at SCHED_IDLE after the agent's
	# start, would not yet have created a socket it created after the start
	# in some of them (measured with such an init: one boot caught it in 2
	# of 6 tries, five boots in 5 of 6).
	nsrun_prefix=(taskset -c "$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')")
	script "$WORK/agent.sh" "if [ -S /run/appvm/init.sock ]; then echo present; else echo absent; fi >$WORK/custom.new
$APPVM_INITCTL status >$WORK/custom.status 2>&1; echo status=\$? >>$WORK/custom.new
mv $WORK/custom.new $WORK/custom; exec sleep 100"
	script "$WORK/app.sh" "for i in \$(seq 1000); do [ -e $WORK/custom ] && break; sleep 0.01; done"
	printf '[agent]\nexec = %s\n[app]\nexec = %s\n' "$WORK/agent.sh" "$WORK/app.sh" >"$WORK/vm.conf"
	for boot in 1 2 3 4 5; do
		rm -f "$WORK/custom"
		run_ns
		expect_end "signal INT"
		[ "$(cat "$WORK/custom" 2>&1)" = $'present\nstatus=0' ] ||
			fail "a custom agent at its start (boot $boot): $(cat "$WORK/custom" "$WORK/custom.status" 2>&1)"
		grep -q '^service agent running pid=[0-9]* restarts=0$' "$WORK/custom.status" ||
			fail "status: $(cat "$WORK/custom.status")"
	done
	nsrun_prefix=()

	# 2. The built-in agent's path: its stand-in waits for the socket as
	# the agent does (2 s), then is answered; it gets the agent's options.
	mkdir -p "$WORK/usrbin"
	nsrun_args=(--overlay "$WORK/usrbin:/usr/bin")
	script "$WORK/usrbin/appvm-agent" "if [ -S /run/appvm/init.sock ]; then echo present; else echo absent; fi >$WORK/builtin.start
for i in \$(seq 200); do [ -S /run/appvm/init.sock ] && break; sleep 0.01; done
echo \"\$*\" >$WORK/builtin.args
$APPVM_INITCTL status >$WORK/builtin.status 2>&1; echo status=\$? >$WORK/builtin.new
mv $WORK/builtin.new $WORK/builtin; exec sleep 100"
	script "$WORK/app.sh" "for i in \$(seq 1000); do [ -e $WORK/builtin ] && break; sleep 0.01; done"
	printf '[agent]\nargs = --name nsvm\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "agent: started /usr/bin/appvm-agent" "app: started $WORK/app.sh"
	[ "$(cat "$WORK/builtin" 2>&1)" = status=0 ] ||
		fail "the built-in agent's stand-in: $(cat "$WORK/builtin" "$WORK/builtin.status" 2>&1)"
	grep -q '^service agent running pid=[0-9]* restarts=0$' "$WORK/builtin.status" ||
		fail "status: $(cat "$WORK/builtin.status")"
	[ "$(cat "$WORK/builtin.args")" = "--port 1024 --name nsvm" ] ||
		fail "the built-in agent's arguments: $(cat "$WORK/builtin.args")"
	echo "init's socket at the built-in agent's start: $(cat "$WORK/builtin.start")"

	# 3. The built-in agent dying at once, again and again: every exit is
	# seen (SIGCHLD, pending until the signalfd reads it), then it fails.
	script "$WORK/usrbin/appvm-agent" "exit 5"
	script "$WORK/app.sh" "
for t in \$(seq 250); do
	$APPVM_INITCTL status >$WORK/dying.status
	grep -q 'service agent failed' $WORK/dying.status && break
	sleep 0.02
done"
	printf '[vm]\nrestart-limit = 2\nrestart-window = 30s\nrestart-delay = 20ms\n[app]\nexec = %s\n' \
		"$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "agent: started /usr/bin/appvm-agent" "agent: exited with status 5" \
		"agent: restarting in 20 ms" "agent: restarting in 40 ms" \
		"agent: failed: exited 2 times within 30s, not restarting"
	[ "$(grep -c 'agent: exited with status 5' "$log")" -eq 3 ] || fail "expected 3 exits of the agent"
	grep -q '^service agent failed pid=0 restarts=2$' "$WORK/dying.status" ||
		fail "status: $(cat "$WORK/dying.status")"
	nsrun_args=()
	;;
missing_agent)
	script "$WORK/app.sh" "$APPVM_INITCTL status >$WORK/status"
	printf '[agent]\nexec = /usr/bin/appvm-agent-missing\nport = 7000\n[app]\nexec = %s\n' "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "agent: cannot start /usr/bin/appvm-agent-missing: exec: No such file or directory" \
		"app: started $WORK/app.sh" "app-exit status=0"
	grep -q 'service agent failed pid=0' "$WORK/status" || fail "status: $(cat "$WORK/status")"
	# Both are vforked: each failure is reported from init's memory, with
	# its stage and errno. An agent that is not executable, an app whose
	# working directory is missing (a service that cannot start).
	printf '#!/bin/sh\n' >"$WORK/not-executable"
	chmod 644 "$WORK/not-executable"
	printf '[agent]\nexec = %s\n[app]\nexec = %s\nworkdir = %s\n' "$WORK/not-executable" \
		"$WORK/app.sh" "$WORK/missing-dir" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "agent: cannot start $WORK/not-executable: exec: Permission denied" \
		"app: cannot start $WORK/app.sh: chdir: No such file or directory" \
		"app: cannot be started: powering off"
	if grep -q "app: started" "$log"; then fail "the app was seen started"; fi
	;;
agent_early)
	# An agent outside the stores starts before they are mounted (its
	# start-up overlaps their disk reads); one inside a store starts after.
	# init yields the CPU to the early agent (SCHED_IDLE) until the
	# services start: neither the agent nor the app inherits that (field 41
	# of /proc/PID/stat: the policy, 0 = SCHED_OTHER; 19: the nice value).
	command -v mkfs.erofs >/dev/null || test_skip "mkfs.erofs not installed (erofs-utils)"
	mkdir -p "$WORK/tree" "$WORK/apps"
	script "$WORK/tree/agent.sh" 'exec sleep 100'
	# The agent's line appears whole (renamed into place), and the app ends
	# (and with it the VM) only once it is there, or after 10 s.
	script "$WORK/agent.sh" "cut -d' ' -f19,41 /proc/\$\$/stat >$WORK/agent.sched.new
mv $WORK/agent.sched.new $WORK/agent.sched; exec sleep 100"
	script "$WORK/app.sh" "cut -d' ' -f19,41 /proc/\$\$/stat >$WORK/app.sched
for i in \$(seq 1000); do [ -e $WORK/agent.sched ] && break; sleep 0.01; done; exit 0"
	mkfs.erofs --quiet "$WORK/apps.img" "$WORK/tree" >/dev/null
	loop_apps=$(losetup -f --show -r "$WORK/apps.img")
	loops+=("$loop_apps")
	for agent in "$WORK/agent.sh" "$WORK/apps/agent.sh"; do
		printf '[store apps]\nsource = %s\ntype = erofs\npath = %s/apps\n[agent]\nexec = %s\n[app]\nexec = %s\n' \
			"$loop_apps" "$WORK" "$agent" "$WORK/app.sh" >"$WORK/vm.conf"
		run_ns
		expect_end "signal INT"
		if [ "$agent" = "$WORK/agent.sh" ]; then
			expect_order "agent: started $agent" "store apps: $loop_apps mounted read-only" \
				"app: started $WORK/app.sh"
			[ "$(cat "$WORK/agent.sched")" = "-5 0" ] ||
				fail "agent's nice and policy: $(cat "$WORK/agent.sched")"
			[ "$(cat "$WORK/app.sched")" = "0 0" ] ||
				fail "app's nice and policy: $(cat "$WORK/app.sched")"
			! grep -q SCHED_IDLE "$log" || fail "init: $(grep SCHED_IDLE "$log")"
		else
			expect_order "store apps: $loop_apps mounted read-only" "agent: started $agent" \
				"app: started $WORK/app.sh"
		fi
	done
	;;
missing_store)
	mkdir -p "$WORK/mnt"
	printf '[store usr]\nsource = /dev/appvm-test-missing\ntype = erofs\npath = %s/mnt\n[app]\nexec = /bin/true\n' "$WORK" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "appvm-init: fatal: store usr: source /dev/appvm-test-missing not found: No such file or directory" \
		"appvm-init: fatal error during boot: powering off"
	;;
app_user)
	# The app runs as nobody with a clean environment, its own 0700
	# XDG_RUNTIME_DIR and its output relayed with a prefix; the agent gets
	# --port and its args and starts before the app.
	# The app runs as nobody: its script lives in $pub.
	make_public
	nobody_gid=$(awk -F: '$1 == "nobody" {print $4}' /etc/passwd)
	script "$WORK/agent.sh" <<'SH'
echo "argv: $*"; echo "env: $(env | grep -v ^ASAN_OPTIONS= | sort | tr "\n" " ")"; touch /tmp/agent.done; exec sleep 100
SH
	script "$pub/app.sh" <<'SH'
echo "ids: $(id -u) $(id -g) $(id -G)"
echo "env: $(env | grep -v ^ASAN_OPTIONS= | sort | tr "\n" " ")"
echo "runtime: $(stat -c "%u %a" "$XDG_RUNTIME_DIR")"
echo "cwd: $(pwd)"
printf "no newline at the end"
# The namespace's /tmp: wait for the agent to report.
i=0; while ! [ -e /tmp/agent.done ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i+1)); done
SH
	printf '[wayland]\nsocket = wayland-1\n[agent]\nexec = %s\nport = 7000\nargs = --verbose "two words"\n[app]\nexec = %s\nuser = nobody\ngroups = 0 4242\nenv = GREETING=hello world\nworkdir = /\n' \
		"$WORK/agent.sh" "$pub/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_log "agent: argv: --port 7000 --verbose two words"
	expect_log "agent: env: PATH=/usr/sbin:/usr/bin:/sbin:/bin "
	expect_log "app: ids: 65534 $nobody_gid $nobody_gid 0 4242"
	expect_log "app: env: GREETING=hello world HOME=/nonexistent LOGNAME=nobody PATH=/usr/local/bin:/usr/bin:/bin PWD=/ USER=nobody WAYLAND_DISPLAY=wayland-1 XDG_RUNTIME_DIR=/run/user/65534 "
	expect_order "agent: started $WORK/agent.sh" "app: started $pub/app.sh"
	expect_log "app: runtime: 65534 700"
	expect_log "app: cwd: /"
	expect_log "app: no newline at the end"
	;;
wayland)
	# shellcheck source=tests/init/wayland_ns.sh
	. "$(dirname "$0")/wayland_ns.sh"
	;;
app_view)
	# shellcheck source=tests/init/appview_ns.sh
	. "$(dirname "$0")/appview_ns.sh"
	;;
wayland_config)
	# Bad [wayland] settings: one clear error line, then power off; the app
	# never runs.
	printf '[wayland]\nwaypipe = /usr/bin/waypipe\n[agent]\nenable = no\n[app]\nexec = /bin/true\n' >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_order "appvm-init: fatal: config: $WORK/vm.conf: [wayland] waypipe would run as root: it runs as [wayland] owner, else as [app] user; set one of them to an unprivileged user" \
		"appvm-init: fatal error during boot: powering off"
	! grep -q 'app: started' "$log" || fail "the app ran despite the error"
	printf '[wayland]\nwaypipe = /usr/bin/waypipe\ntarget = vsock:2:99999999999\n[agent]\nenable = no\n[app]\nexec = /bin/true\nuser = nobody\n' >"$WORK/vm.conf"
	run_ns
	expect_log "appvm-init: fatal: config: $WORK/vm.conf:3: [wayland] target: target vsock:2:99999999999: PORT must be a number from 1 to 4294967294"
	# A user whose uid is 0 under another name: caught once users are read.
	printf '[wayland]\nwaypipe = /usr/bin/waypipe\nowner = 0000\n[agent]\nenable = no\n[app]\nexec = /bin/true\nuser = nobody\n' >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_log "appvm-init: fatal: wayland: waypipe would run as root (uid 0); set [app] user or [wayland] owner to an unprivileged user"
	! grep -q 'app: started' "$log" || fail "the app ran despite the error"
	;;
net)
	# [net] goes to the net library: lo comes up in the namespace, its
	# hostname key wins over [vm] hostname; a bad key is a fatal error
	# that names the file and line.
	script "$WORK/app.sh" "hostname >$WORK/hostname.out; ip -o link show lo >$WORK/lo.out"
	printf '[vm]\nhostname = from-vm\n[agent]\nenable = no\n[net]\nhostname = from-net\ncarrier_timeout = 0\n[app]\nexec = %s\n' \
		"$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	grep -qx from-net "$WORK/hostname.out" || fail "hostname: $(cat "$WORK/hostname.out")"
	grep -q 'LOWER_UP' "$WORK/lo.out" || fail "lo is not up: $(cat "$WORK/lo.out")"
	printf '[app]\nexec = /bin/true\n[net]\ncarrier_timeout = 0\nip = 10.0.0.2/24\n' >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	expect_log "appvm-init: fatal: config: $WORK/vm.conf:5: unknown key \"ip\" in [net] (did you mean \"address\"?)"
	;;
stores)
	# A read-only erofs store on a loop device and a writable ext4 state store
	# found by its label; the state survives the shutdown, the store refuses writes.
	# The same image is also the stores "docs" and "more", at paths with 100
	# spaces: init's status lists every store by its vm.conf name, paths
	# escaped, in a reply of more than 1 KiB.
	command -v mkfs.erofs >/dev/null || test_skip "mkfs.erofs not installed (erofs-utils)"
	label=appvmt$$
	mkdir -p "$WORK/tree" "$WORK/apps" "$WORK/state"
	echo from-store >"$WORK/tree/hello"
	mkfs.erofs --quiet "$WORK/apps.img" "$WORK/tree" >/dev/null
	truncate -s 8M "$WORK/state.img"
	mkfs.ext4 -q -F -L "$label" "$WORK/state.img"
	loop_apps=$(losetup -f --show -r "$WORK/apps.img")
	loops+=("$loop_apps")
	loop_docs=$(losetup -f --show -r "$WORK/apps.img")
	loops+=("$loop_docs")
	loop_more=$(losetup -f --show -r "$WORK/apps.img")
	loops+=("$loop_more")
	loop_state=$(losetup -f --show "$WORK/state.img")
	loops+=("$loop_state")
	pad=$(printf '%*s' 100 '')
	esc=$(printf '%*s' 100 '' | sed 's/ /\\040/g')
	script "$WORK/app.sh" "cat $WORK/apps/hello >$WORK/read.out
touch $WORK/apps/new 2>$WORK/write.err && echo store-writable >>$WORK/read.out
echo persisted >$WORK/state/data
grep -E ' $WORK/(apps|state) ' /proc/self/mounts >$WORK/mounts.out
$APPVM_INITCTL status >$WORK/status.out"
	printf '[store apps]\nsource = %s\ntype = erofs\npath = %s/apps\n[store docs]\nsource = %s\ntype = erofs\npath = %s/my%sdocs\n[store more]\nsource = %s\ntype = erofs\npath = %s/more%sx\n[state]\nsource = label:%s\ntype = ext4\npath = %s/state\n[agent]\nenable = no\n[app]\nexec = %s\n' \
		"$loop_apps" "$WORK" "$loop_docs" "$WORK" "$pad" "$loop_more" "$WORK" "$pad" "$label" "$WORK" "$WORK/app.sh" >"$WORK/vm.conf"
	run_ns
	expect_end "signal INT"
	[ "$(grep '^store ' "$WORK/status.out")" = "store apps ro $WORK/apps
store docs ro $WORK/my${esc}docs
store more ro $WORK/more${esc}x
store state rw $WORK/state" ] || fail "status: $(cat "$WORK/status.out")"
	[ "$(wc -c <"$WORK/status.out")" -gt 1024 ] || fail "the status reply is not over 1 KiB"
	grep -qx from-store "$WORK/read.out" || fail "store: $(cat "$WORK/read.out")"
	grep -q 'Read-only file system' "$WORK/write.err" || fail "the store took a write"
	grep -q "^$loop_apps $WORK/apps erofs ro," "$WORK/mounts.out" || fail "mounts: $(cat "$WORK/mounts.out")"
	grep -q "^$loop_state $WORK/state ext4 rw," "$WORK/mounts.out" || fail "mounts: $(cat "$WORK/mounts.out")"
	expect_order "store apps: $loop_apps mounted read-only on $WORK/apps" \
		"state: label:$label mounted on $WORK/state" \
		"shutdown: unmounted $WORK/state" "shutdown: unmounted $WORK/apps"
	[ "$(debugfs -R 'cat /data' "$WORK/state.img" 2>/dev/null)" = persisted ] ||
		fail "the state store lost its data"
	;;
*)
	echo "unknown test $name" >&2
	exit 2
	;;
esac
echo "PASS ($name)"
