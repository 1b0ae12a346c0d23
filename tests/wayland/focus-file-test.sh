#!/usr/bin/env bash
# The host filter's focus file is replaced through PATH.tmp: a symlink
# planted there (by anyone who may write the focus file's folder) must
# neither be written through nor renamed into place as the focus file.
# And a client of a filter without its compositor learns no host path;
# a focus file that cannot be written stops the filter at start.
# Usage: focus-file-test.sh APPVM_WAYLAND
set -euo pipefail
filter=${1:?usage: focus-file-test.sh APPVM_WAYLAND}
work=$(mktemp -d /var/tmp/appvm-focus.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'precious\n' >"$work/victim"
ln -s "$work/victim" "$work/focus.tmp"
"$filter" host --listen "$work/w.sock" --upstream "$work/none.sock" --name vm \
	--focus-file "$work/focus" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do
	[ -f "$work/focus" ] && break
	kill -0 "$pid" 2>/dev/null || break
	read -r -t 0.05 <> <(:) || true
done
[ "$(cat "$work/victim")" = precious ] || fail "the victim behind focus.tmp was written: $(cat "$work/victim")"
[ ! -L "$work/focus" ] || fail "the planted symlink became the focus file"
[ -f "$work/focus" ] || fail "no focus file: $(cat "$work/log")"
[ "$(cat "$work/focus")" = 0 ] || fail "focus file says '$(cat "$work/focus")'"

# No compositor behind --upstream: a client is told so with a protocol
# error, which names no host path (the guest reads it).
said=$(python3 - "$work/w.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data[20:].rstrip(b"\0").decode("utf-8", "replace"))
PY
)
case $said in *"cannot connect to the compositor"*) ;; *) fail "no such error for the client: '$said'" ;; esac
case $said in *"$work"*) fail "the error shows the client a host path: '$said'" ;; esac
grep -q "none.sock" "$work/log" || fail "the log does not name the upstream: $(cat "$work/log")"
kill -TERM "$pid"
wait "$pid" || fail "the filter did not exit 0 after SIGTERM"
pid=
[ "$(cat "$work/victim")" = precious ] || fail "the victim was written at exit"

# A focus file that cannot be written (its folder is missing) stops the
# filter at start, in one line, exit status 1, its socket removed: a filter
# that ran on could never be found as the focused VM.
rc=0
timeout 10 "$filter" host --listen "$work/w2.sock" --upstream "$work/none.sock" --name vm \
	--focus-file "$work/nodir/focus" 2>"$work/log2" </dev/null || rc=$?
[ $rc -eq 1 ] || fail "unwritable focus file: exit status $rc (want 1): $(cat "$work/log2")"
if [ "$(wc -l <"$work/log2")" -ne 1 ] ||
	! grep -qF "cannot start: focus file $work/nodir/focus: No such file or directory" "$work/log2"; then
	fail "unwritable focus file: '$(cat "$work/log2")'"
fi
[ ! -e "$work/w2.sock" ] || fail "unwritable focus file: the socket was left behind"
echo "ok: focus file written beside a planted symlink, never through it; no host path in errors; an unwritable one stops the start"
