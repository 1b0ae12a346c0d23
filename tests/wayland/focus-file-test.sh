#!/usr/bin/env bash
# The host filter's focus file is replaced through PATH.tmp: a symlink
# planted there (by anyone who may write the focus file's folder) must
# neither be written through nor renamed into place as the focus file.
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
kill -TERM "$pid"
wait "$pid" || fail "the filter did not exit 0 after SIGTERM"
pid=
[ "$(cat "$work/victim")" = precious ] || fail "the victim was written at exit"
echo "ok: focus file written beside a planted symlink, never through it"
