#!/usr/bin/env bash
# Time from PID 1's exec to the application's exec, appvm-init vs busybox init,
# each as PID 1 of fresh namespaces (nsrun), alternating runs so both see the
# same machine load. The "application" is init_stamp, which records its start.
# Usage: bench.sh BUILD_DIR [RUNS]   (root; prints medians in microseconds)
# APPVM_INIT=path overrides the appvm-init binary (e.g. a musl build).
set -euo pipefail
build=$(cd "$1" && pwd)
runs=${2:-50}
init=${APPVM_INIT:-$build/init/appvm-init}
nsrun=$build/tests/init/nsrun
stamp=$build/tests/init/init_stamp
work=$build/bench-init
rm -rf "$work"
mkdir -p "$work/etc/appvm"
# Both inits see the same /etc: passwd, group, their own config file.
cp /etc/passwd /etc/group "$work/etc/"
printf '[agent]\nenable = no\n[app]\nexec = %s %s\n' "$stamp" "$work/appvm.app" >"$work/etc/appvm/vm.conf"
printf '::sysinit:%s %s\n::sysinit:/bin/busybox poweroff\n' "$stamp" "$work/busybox.app" >"$work/etc/inittab"

for _ in $(seq "$runs"); do
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APPVM_INIT_TEST_NO_VM=1 \
		"$nsrun" --timeout 20 --stamp "$work/appvm.t0" --bind "$work/etc:/etc" -- "$init" \
		>>"$work/appvm.log" 2>&1
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		"$nsrun" --timeout 20 --stamp "$work/busybox.t0" --bind "$work/etc:/etc" -- /bin/busybox init \
		>>"$work/busybox.log" 2>&1
done

median() { # file of t0 and file of app times -> median exec-to-app in us
	paste "$1" "$2" | awk '{print int(($2 - $1) / 1000)}' | sort -n |
		awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
n_a=$(wc -l <"$work/appvm.app")
n_b=$(wc -l <"$work/busybox.app")
a=$(median "$work/appvm.t0" "$work/appvm.app")
b=$(median "$work/busybox.t0" "$work/busybox.app")
echo "runs: appvm-init $n_a, busybox init $n_b"
echo "median exec-to-app: appvm-init ${a} us, busybox init ${b} us"
awk -v a="$a" -v b="$b" 'BEGIN {printf "ratio appvm-init / busybox init: %.2f\n", a / b}'
# Whole run: exec of PID 1 to the end of the namespace (app exit, shutdown,
# reboot(2)), as nsrun reports it.
end_median() {
	sed -n 's/^nsrun: signal INT elapsed_ms=\([0-9]*\)$/\1/p' "$1" | sort -n |
		awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)] " ms (" NR " runs ended by power off)"}'
}
echo "median exec-to-power-off: appvm-init $(end_median "$work/appvm.log"), busybox init $(end_median "$work/busybox.log")"
