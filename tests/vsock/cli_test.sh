#!/usr/bin/env bash
# appvm-vsock without a VM: command line errors, socket file handling, the
# hybrid socket's handling of bad or unanswerable clients, a hostile
# vhost-user front-end, and a clean SIGTERM.
# Usage: cli_test.sh PATH-TO-appvm-vsock
set -uo pipefail
bin=${1:?usage: cli_test.sh APPVM_VSOCK}
work=$(mktemp -d /tmp/vsock-cli.XXXXXX)
pid=
failures=0
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	rm -rf "$work"
}
trap cleanup EXIT
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

# expect_exit CODE PATTERN ARGS...: exit status and a message matching PATTERN
expect_exit() {
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$bin" "$@" 2>&1)
	rc=$?
	if [ $rc -eq "$want" ] && grep -q -- "$pat" <<<"$out"; then
		ok "$* -> $rc"
	else
		fail "$* -> $rc, output: $out"
	fi
}

expect_exit 0 "Usage: appvm-vsock" --help
expect_exit 2 "are all required" --cid 3 --socket "$work/h"
expect_exit 2 "not a guest CID" --cid 2 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID" --cid 3x --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID" --cid -5 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID" --cid 4294967295 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "path too long" --cid 3 --socket "/tmp/$(printf 'x%.0s' {1..100})" --vhost-user "$work/v"
expect_exit 2 "unexpected argument" --cid 3 --socket "$work/h" --vhost-user "$work/v" extra
expect_exit 2 "Usage" --cid 3 --bogus
: >"$work/file"
expect_exit 1 "File exists" --cid 3 --socket "$work/file" --vhost-user "$work/v"

"$bin" --cid 3 --socket "$work/h" --vhost-user "$work/v" 2>"$work/log" &
pid=$!
for ((i = 0; i < 50; i++)); do [ -S "$work/h" ] && [ -S "$work/v" ] && break; sleep 0.1; done
if [ -S "$work/h" ] && [ -S "$work/v" ]; then ok "sockets created"; else fail "sockets not created"; fi
expect_exit 1 "Address already in use" --cid 3 --socket "$work/h2" --vhost-user "$work/v"

# Malformed request lines are closed at once, without a reply.
for line in 'HELLO\n' 'CONNECT x\n' 'CONNECT 07\n' 'CONNECT 99999999999\n'; do
	reply=$(printf '%b' "$line" | timeout 5 socat -t 3 - "UNIX-CONNECT:$work/h" 2>/dev/null)
	rc=$?
	if [ $rc -ne 124 ] && [ -z "$reply" ]; then ok "closed on '$line'"; else fail "'$line': rc $rc reply '$reply'"; fi
done
# A well-formed request with no guest behind it is closed after the timeout.
start=$(date +%s)
reply=$(printf 'CONNECT 5000\n' | timeout 15 socat -t 12 - "UNIX-CONNECT:$work/h" 2>/dev/null)
took=$(($(date +%s) - start))
if [ -z "$reply" ] && [ $took -le 10 ]; then
	ok "unanswered CONNECT closed after ${took}s"
else
	fail "unanswered CONNECT: reply '$reply' after ${took}s"
fi

# vhost-user: GET_FEATURES is answered with VERSION_1 | PROTOCOL_FEATURES.
reply=$(printf '\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' |
	timeout 5 socat -t 1 - "UNIX-CONNECT:$work/v" | od -An -tx1 | tr -d ' \n')
# header: request 1, flags 5 (version 1 | reply), size 8; then bits 30 and 32
if [ "$reply" = "0100000005000000080000000000004001000000" ]; then
	ok "GET_FEATURES reply"
else
	fail "GET_FEATURES reply '$reply'"
fi
# Hostile front-ends: wrong version, payload larger than any request,
# truncated payload. Each is dropped; the back-end keeps serving.
for msg in '\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00' \
	'\x05\x00\x00\x00\x01\x00\x00\x00\xff\xff\xff\x7f' \
	'\x08\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00\x01\x02'; do
	printf '%b' "$msg" | timeout 5 socat -t 1 - "UNIX-CONNECT:$work/v" >/dev/null 2>&1
done
sleep 0.3
if kill -0 "$pid" 2>/dev/null && grep -q "dropping front-end" "$work/log"; then
	ok "hostile front-ends dropped, back-end alive"
else
	fail "back-end after hostile front-ends"
fi
reply=$(printf '\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' |
	timeout 5 socat -t 1 - "UNIX-CONNECT:$work/v" | od -An -tx1 | tr -d ' \n')
if [ -n "$reply" ]; then ok "new front-end served afterwards"; else fail "no reply after hostile front-ends"; fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ $rc -eq 0 ] && [ ! -e "$work/h" ] && [ ! -e "$work/v" ]; then
	ok "SIGTERM: exit 0, sockets removed"
else
	fail "SIGTERM: rc $rc, sockets: $(ls "$work")"
fi

[ $failures -eq 0 ] || { echo "$failures failure(s); log:"; cat "$work/log"; exit 1; }
echo "all checks passed"
