#!/usr/bin/env bash
# The configuration examples of docs/ are accepted by the programs that read
# them, so a reader who copies one gets a working file:
#   - every ```ini block holding a vm.conf section goes through
#     `appvm-init --check` (a block showing one section, [net] or [portal],
#     gets a minimal [app] to be a whole vm.conf);
#   - every ```ini block with [default] (clipboard.conf) is read by
#     `appvmctl --config` (its parse errors exit 2 before any connection).
# At least one of each must be found, so the test cannot pass by finding
# nothing.
# Usage: tests/install/doc-examples.sh SOURCE_DIR APPVM_INIT APPVMCTL
set -euo pipefail
src=${1:?usage: doc-examples.sh SOURCE_DIR APPVM_INIT APPVMCTL}
init=${2:?usage: doc-examples.sh SOURCE_DIR APPVM_INIT APPVMCTL}
ctl=${3:?usage: doc-examples.sh SOURCE_DIR APPVM_INIT APPVMCTL}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/doc-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0 vmconfs=0 clipconfs=0

# Each ```ini block of each page becomes $tmp/PAGE-LINE.ini.
for page in "$src"/docs/*.md; do
	awk -v out="$tmp/${page##*/}" '
		/^```ini[ \t]*$/ { f = out "-" NR + 1 ".ini"; next }
		/^```/ { f = ""; next }
		f != "" { print > f }' "$page"
done
for ex in "$tmp"/*.ini; do
	[ -e "$ex" ] || continue
	where=${ex#"$tmp"/}
	where=${where%.ini}
	where="docs/${where%-*}, the example at line ${where##*-}"
	if grep -qE '^\[(vm|app|net|state|wayland|agent|portal|store [^]]*)\]' "$ex"; then
		vmconfs=$((vmconfs + 1))
		grep -q '^\[app\]' "$ex" || printf '\n[app]\nexec = /bin/true\n' >>"$ex"
		if ! "$init" --check "$ex" >"$tmp/out" 2>&1; then
			echo "FAIL: $where: $(cat "$tmp/out")"
			failed=1
		fi
	elif grep -q '^\[default\]' "$ex"; then
		clipconfs=$((clipconfs + 1))
		rc=0
		XDG_RUNTIME_DIR=$tmp APPVM_VM_DIR=$tmp "$ctl" --config "$ex" "unix:$tmp/none" \
			clipboard copy >"$tmp/out" 2>&1 || rc=$?
		# 3: VM not running, which is as far as a good file gets.
		if [ $rc -ne 3 ]; then
			echo "FAIL: $where: exit status $rc: $(cat "$tmp/out")"
			failed=1
		fi
	fi
done
[ $vmconfs -gt 0 ] || { echo "FAIL: no vm.conf example found in $src/docs"; failed=1; }
[ $clipconfs -gt 0 ] || { echo "FAIL: no clipboard.conf example found in $src/docs"; failed=1; }
[ $failed -eq 0 ] || exit 1
echo "doc examples: $vmconfs vm.conf and $clipconfs clipboard.conf examples accepted"
