#!/usr/bin/env bash
# appvmctl against the real appvm-agent, over Unix sockets (the agent's test
# transport): ping, status, wait-ready through the event socket and through
# polling, shutdown and reboot through a stand-in for init's control socket
# that answers "ok" and then stops the agent as init's shutdown sequence would;
# an agent that cannot start says so in one line.
#
# Usage: tests/ctl/agent-test.sh APPVMCTL APPVM-AGENT
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
ctl=${1:?usage: agent-test.sh APPVMCTL APPVM-AGENT}
agent=${2:?usage: agent-test.sh APPVMCTL APPVM-AGENT}
dir=$(mktemp -d /tmp/appvm-ctl-agent.XXXXXX)
agent_pid=
init_pid=
pub=
cleanup() {
	for pid in $agent_pid $init_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$dir"
	[ -z "$pub" ] || rm -rf "$pub"
}
trap cleanup EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; [ -f "$dir/agent.log" ] && tail -n 20 "$dir/agent.log" >&2; exit 1; }
pass() { printf 'ok: %s\n' "$*"; }

# A stand-in for appvm-init's control socket (docs/init-control.md): answers
# status, and poweroff/reboot (with or without a deadline argument) with "ok"
# before TERMing the agent; anything else (watch) with "error unknown", as an
# init without it would.
start_init() {
	python3 - "$dir/init.sock" "$1" <<'PY' &
import os, signal, socket, sys
path, agent_pid = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
def serve(c):
    c.settimeout(2)
    line = b""
    while not line.endswith(b"\n") and len(line) < 65:
        b = c.recv(1)
        if not b:
            break
        line += b
    word = line.strip().decode(errors="replace")
    if word == "status":
        c.sendall(b"ok\nservice agent running 1 0\nservice app running 2 0\napp-exit none\nshutdown no\nend\n")
    elif word.split(" ")[0] in ("poweroff", "reboot"):
        c.sendall(b"ok\nend\n")
        c.close()
        os.kill(agent_pid, signal.SIGTERM)
    else:
        c.sendall(b"error unknown\n")  # "watch" too: the agent polls then
while True:
    c, _ = s.accept()
    # A client gone before its answer (the agent drops its watch when the
    # event connection closes) must not end the stand-in.
    try:
        serve(c)
    except OSError:
        pass
    c.close()
PY
	init_pid=$!
	for _ in $(seq 100); do [ -S "$dir/init.sock" ] && return 0; sleep 0.05; done
	fail "the init stand-in did not create its socket"
}

start_agent() { # LISTEN-PATH
	"$agent" --listen-unix "$1" --event-unix "$dir/events.sock" --init-socket "$dir/init.sock" \
		--name int-vm -v 2>>"$dir/agent.log" &
	agent_pid=$!
	for _ in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.05; done
	fail "the agent did not create $1"
}
stop_agent() {
	kill "$agent_pid" 2>/dev/null || true
	wait "$agent_pid" 2>/dev/null || true
	agent_pid=
}

target=unix:$dir/agent.sock

# Nothing there yet.
set +e
"$ctl" "$target" ping 2>/dev/null
rc=$?
set -e
[ $rc -eq 3 ] || fail "ping without an agent: exit $rc, want 3"
pass "no agent: exit 3"

start_agent "$dir/agent.sock"
start_init "$agent_pid"
out=$("$ctl" "$target" ping) || fail "ping: exit $?"
[[ $out == "ping: reply in "*" from appvm-agent "*" (protocol 1)" ]] || fail "ping printed '$out'"
pass "ping"

# Another user's VM (the agent's socket is root's, mode 0600): a permission
# problem, named with what to do, exit 1.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	pub=$(test_public_dir)
	cp "$ctl" "$pub/appvmctl"
	chmod 755 "$pub/appvmctl"
	chmod 711 "$dir"
	set +e
	msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$pub/appvmctl" "$target" ping 2>&1)
	rc=$?
	set -e
	chmod 700 "$dir"
	want="cannot connect to $dir/agent.sock: Permission denied (another user's VM: run as the user who started it, or as root)"
	if [ $rc -ne 1 ] || [[ $msg != *"$want" ]]; then
		fail "ping as another user: exit $rc, '$msg'"
	fi
	pass "another user's VM: exit 1, says what to do"
fi

out=$("$ctl" "$target" status) || fail "status: exit $?"
grep -q '^vm:        int-vm$' <<<"$out" || fail "status lacks the vm name: $out"
grep -q '^app:       running$' <<<"$out" || fail "status lacks the app state: $out"
json=$("$ctl" --json "$target" status) || fail "status --json: exit $?"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); s=d["status"]; assert d["ok"] and s["vm_name"]=="int-vm" and s["protocol_version"]==1 and s["uptime_ms"]>0 and s["app"]["state"]=="running", d' "$json" ||
	fail "status --json: $json"
pass "status, text and JSON"

out=$("$ctl" "$target" wait-ready --timeout 5) || fail "wait-ready (poll): exit $?"
[[ $out == "ready: the agent answered ping"* ]] || fail "wait-ready (poll) printed '$out'"
pass "wait-ready by polling"

# The agent has been retrying its event connection all along: listening on
# the event socket (with a target nobody serves) must see its READY. Its
# delays double up to a minute (docs/agent.md): a listener that comes T s
# after the first failure waits about T s more at most; the steps above
# take a few seconds, 30 s leaves room for a loaded machine.
out=$("$ctl" "unix:$dir/nobody.sock" wait-ready --event-socket "$dir/events.sock" --timeout 30) ||
	fail "wait-ready (event): exit $?"
[[ $out == "ready: vm int-vm announced READY"* ]] || fail "wait-ready (event) printed '$out'"
[ ! -e "$dir/events.sock" ] || fail "wait-ready left its event socket behind"
pass "wait-ready through the event socket"

out=$("$ctl" "$target" shutdown --timeout 5) || fail "shutdown: exit $?"
[[ $out == "shutdown: acknowledged; the guest closed the connection"* ]] || fail "shutdown printed '$out'"
wait "$agent_pid" 2>/dev/null || true
agent_pid=
pass "shutdown: acknowledged, then the agent went away"

kill "$init_pid"; wait "$init_pid" 2>/dev/null || true; rm -f "$dir/init.sock"
start_agent "$dir/agent.sock"
start_init "$agent_pid"
out=$("$ctl" "$target" reboot --timeout 5) || fail "reboot: exit $?"
[[ $out == "reboot: acknowledged"* ]] || fail "reboot printed '$out'"
wait "$agent_pid" 2>/dev/null || true
agent_pid=
pass "reboot"

# No init to ask: acknowledged, but the guest never goes away.
kill "$init_pid"; wait "$init_pid" 2>/dev/null || true; init_pid=; rm -f "$dir/init.sock"
start_agent "$dir/agent.sock"
set +e
"$ctl" "$target" shutdown --timeout 1 2>/dev/null
rc=$?
set -e
[ $rc -eq 5 ] || fail "shutdown without init: exit $rc, want 5"
pass "shutdown that never completes: exit 5"
stop_agent

# An agent that cannot start says why in one line and exits 1, with no
# second line repeating the error.
rc=0
timeout 10 "$agent" --listen-unix "$dir/none/agent.sock" --event-unix "$dir/events.sock" \
	--init-socket "$dir/init.sock" </dev/null >"$dir/start.out" 2>"$dir/start.err" || rc=$?
[ $rc -eq 1 ] || fail "agent that cannot listen: exit $rc, want 1: $(cat "$dir/start.err")"
if [ "$(grep -c -e "$dir/none/agent.sock" -e 'stopped' "$dir/start.err")" -ne 1 ] ||
	! grep -qxF "appvm-agent: cannot listen on $dir/none/agent.sock: No such file or directory" "$dir/start.err"; then
	fail "agent that cannot listen said: '$(cat "$dir/start.err")'"
fi
pass "an agent that cannot listen: one line, exit 1"
echo "agent-test: all passed"
