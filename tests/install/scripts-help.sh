#!/usr/bin/env bash
# Every script a user or developer runs by hand (the quick start, the VM
# runner, the image and kernel builders, the benchmarks in
# docs/benchmarks.md) answers --help: its usage on stdout, exit status 0,
# at once, without starting any work.
# Usage: tests/install/scripts-help.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: scripts-help.sh SOURCE_DIR}
tools=(
	scripts/demo scripts/test scripts/setup scripts/fuzz scripts/musl-deps
	scripts/run-vm scripts/wayland-host kernel-config/build rootfs/build
	tests/bench/bench-control tests/bench/bench-files tests/vsock/bench.sh
	tests/vm/bench-boot tests/vm/bench-idle tests/vm/bench-musl
	tests/vm/boot-timeline tests/vm/boot-pcsample tests/vm/check-static
	tests/vm/repro-full
)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0
for tool in "${tools[@]}"; do
	rc=0
	# A tool that took --help for an argument and started working would
	# still be running after 10 s: timeout's 124 names it.
	(cd "$src" && timeout 10 "./$tool" --help) >"$out" 2>/dev/null </dev/null || rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: $tool --help: exit status $rc" >&2
		failed=1
	elif ! grep -qi 'usage:' "$out"; then
		echo "FAIL: $tool --help: no 'Usage:' on stdout" >&2
		failed=1
	fi
done
[ $failed -eq 0 ] || exit 1
echo "${#tools[@]} tools answer --help"
