#!/usr/bin/env bash
# scripts/musl-deps on bad input (ctest label "unit"): usage errors exit 2
# in one line; an archive that cannot be reached (a closed port on the
# loopback, with an empty cache, so nothing is fetched from anywhere) fails
# with exit 1, naming the step, the mirror and the log, and leaves no cache
# entry behind.
# Usage: tests/musl/deps-errors.sh
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

src=$(cd "$(dirname "$0")/../.." && pwd)
deps=$src/scripts/musl-deps
fail() { printf 'FAIL (musl-deps errors): %s\n' "$*" >&2; exit 1; }
pass() { printf 'ok: %s\n' "$*"; }
work=$(mktemp -d "${APPVM_TEST_WORK:-/var/tmp}/appvm-musl-deps.XXXXXX")
trap 'rm -rf "$work"' EXIT

expect() { # STATUS PATTERN COMMAND...: COMMAND exits STATUS, stderr matches PATTERN
	local want=$1 pattern=$2 rc=0
	shift 2
	"$@" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$work/err" >&2; fail "'$*' exited $rc, expected $want"; }
	grep -Eq -- "$pattern" "$work/err" || { cat "$work/err" >&2; fail "'$*': no /$pattern/ on stderr"; }
}

expect 2 '^scripts/musl-deps: missing OUTDIR \(see --help\)$' "$deps"
expect 2 'unknown option --bogus' "$deps" --bogus "$work/out1"
expect 2 "^scripts/musl-deps: unexpected argument '$work/b' \\(one OUTDIR\\) \\(see --help\\)$" "$deps" "$work/a" "$work/b"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "a usage error took more than one line"
pass "usage errors: exit 2, one line"

for p in libffi8 libwayland-client0 libfuse3-3 libdbus-1-3 musl-dev linux-libc-dev libinih-dev meson; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		test_skip "$p is not installed (scripts/setup installs it)"
done
key=$("$deps" --print-key "$work/out2")
[[ $key =~ ^[0-9a-f]{24}$ ]] || fail "--print-key printed '$key'"
# The help text (the comment above the cache key's marker line) is no input
# of the key, the code below it is: a copy with its text changed has the same key, one with
# its flags changed another.
sed 's/^# Usage: scripts\/musl-deps/# Usage (edited): scripts\/musl-deps/' "$deps" >"$work/text-edited"
sed 's/^cflags="-O2 /cflags="-O1 /' "$deps" >"$work/code-edited"
cmp -s "$deps" "$work/text-edited" && fail "the help text edit changed nothing"
cmp -s "$deps" "$work/code-edited" && fail "the code edit changed nothing"
[ "$(bash "$work/text-edited" --print-key "$work/out2")" = "$key" ] ||
	fail "editing the help text changed the cache key"
[ "$(bash "$work/code-edited" --print-key "$work/out2")" != "$key" ] ||
	fail "editing the compiler flags did not change the cache key"
pass "the cache key: the code is its input, the help text is not"
# The key starts at a marker line: a copy without it (or with two) fails
# loudly instead of hashing nothing of the code.
grep -v '^# --- cache key: everything below ---$' "$deps" >"$work/no-marker"
cmp -s "$deps" "$work/no-marker" && fail "the script has no cache key marker"
expect 1 "not exactly one line '# --- cache key: everything below ---'" \
	bash "$work/no-marker" --print-key "$work/out2"
sed 's/^prog=scripts\/musl-deps$/&\n# --- cache key: everything below ---/' "$deps" >"$work/two-markers"
expect 1 'not exactly one line' bash "$work/two-markers" --print-key "$work/out2"
# The line before the marker is no anchor any more: editing it keeps the key.
sed 's/^set -euo pipefail$/set -e -u -o pipefail/' "$deps" >"$work/set-edited"
cmp -s "$deps" "$work/set-edited" && fail "the set line edit changed nothing"
[ "$(bash "$work/set-edited" --print-key "$work/out2")" = "$key" ] ||
	fail "editing the line above the marker changed the cache key"
pass "the cache key's marker: missing or doubled fails with exit 1"
APPVM_CACHE=$work/cache APPVM_DEBIAN_MIRROR=http://127.0.0.1:9 \
	expect 1 'deb-src lists: apt-get update \(private list, http://127\.0\.0\.1:9.*failed \(log: .*apt-update\.log\)' \
	"$deps" "$work/out2"
grep -q 'Could not connect to 127.0.0.1:9' "$work/out2/logs/apt-update.log" ||
	fail "the log does not say why apt-get update failed"
[ ! -e "$work/cache/musl/$key" ] || fail "a failed run left a cache entry"
[ ! -e "$work/out2/key" ] || fail "a failed run left a key in OUTDIR"
pass "an unreachable archive: exit 1, the step, the mirror and the log named; nothing cached"
