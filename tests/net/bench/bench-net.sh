#!/usr/bin/env bash
# Benchmark: configuring lo + one interface (MTU, an IPv4 and an IPv6 address,
# link up) + four routes, three ways, in a network namespace this script
# creates, in the same run:
#   appvm-net  one `appvm-net apply CONFIG` process (exec + INI parse + netlink)
#   busybox    the same steps as nine `busybox ip` processes, as a shell
#              script would run them
#   lib        net_apply() called in-process (what appvm-init does)
# Before every timed run the namespace is put back to its unconfigured state
# (lo down, a fresh veth pair), untimed. appvm-net and busybox runs alternate
# in order from one iteration to the next. Prints medians and means in
# microseconds and the ratios.
# Usage: tests/net/bench/bench-net.sh BUILD_DIR [ITERATIONS]   (root)
set -euo pipefail
build=$(readlink -f "${1:?usage: bench-net.sh BUILD_DIR [ITERATIONS]}")
n=${2:-300}
net=$build/net/appvm-net
lib=$build/tests/net/bench_net_lib
busybox=$(command -v busybox || echo /bin/busybox)
for f in "$net" "$lib" "$busybox"; do
	[ -x "$f" ] || {
		echo "bench-net: $f missing (build the tree first)" >&2
		exit 1
	}
done

ns=appvm-bench-$$
tmp=$(mktemp -d /tmp/appvm-bench.XXXXXX)
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
ip netns add "$ns"

cat >"$tmp/vm.conf" <<'EOF'
[net]
interface = eth0
mtu = 1400
address = 10.0.2.15/24, fd00::15/64
gateway = 10.0.2.2
gateway6 = fd00::2
route = 192.168.50.0/24 via 10.0.2.3 metric 20
route = 10.77.0.0/16
# busybox ip does not wait for carrier; neither does this run.
carrier_timeout = 0
EOF

cat >"$tmp/reset.sh" <<'EOF'
ip link del eth0 2>/dev/null
ip link set lo down
ip link add eth0 type veth peer name peer0 && ip link set peer0 up
EOF

cat >"$tmp/loop.sh" <<EOF
set -e
net=$net bb=$busybox conf=$tmp/vm.conf reset=$tmp/reset.sh
EOF
cat >>"$tmp/loop.sh" <<'EOF'
run_net() {
	"$net" --etc-resolv-conf none apply "$conf"
}
run_busybox() {
	"$bb" ip link set lo up
	"$bb" ip link set eth0 mtu 1400
	"$bb" ip addr add 10.0.2.15/24 dev eth0
	"$bb" ip addr add fd00::15/64 dev eth0
	"$bb" ip link set eth0 up
	"$bb" ip route add default via 10.0.2.2 dev eth0
	"$bb" ip route add default via fd00::2 dev eth0
	"$bb" ip route add 192.168.50.0/24 via 10.0.2.3 dev eth0 metric 20
	"$bb" ip route add 10.77.0.0/16 dev eth0
}
timed() { # timed WHAT: prints "WHAT microseconds"
	sh "$reset"
	local t0=$EPOCHREALTIME
	"run_$1"
	local t1=$EPOCHREALTIME
	echo "$1 $(( (${t1/./} - ${t0/./}) ))"
}
for i in $(seq "$1"); do
	if [ $((i % 2)) -eq 0 ]; then
		timed net
		timed busybox
	else
		timed busybox
		timed net
	fi
done
EOF

ip netns exec "$ns" bash "$tmp/loop.sh" "$n" >"$tmp/times"
ip netns exec "$ns" "$lib" "$tmp/vm.conf" "$n" "sh $tmp/reset.sh" >"$tmp/lib"

stats() { # stats WHAT: "median mean"
	grep "^$1 " "$tmp/times" | cut -d' ' -f2 | sort -n |
		awk '{ v[NR] = $1; s += $1 } END { printf "%d %.1f", v[int((NR + 1) / 2)], s / NR }'
}
read -r net_med net_mean <<<"$(stats net)"
read -r bb_med bb_mean <<<"$(stats busybox)"
read -r _ _ lib_med lib_mean <"$tmp/lib"

echo "iterations: $n per method (same run, same namespace set-up)"
printf '%-26s %10s %10s\n' method median_us mean_us
printf '%-26s %10s %10s\n' "busybox ip (9 processes)" "$bb_med" "$bb_mean"
printf '%-26s %10s %10s\n' "appvm-net apply (1 proc)" "$net_med" "$net_mean"
printf '%-26s %10s %10s\n' "net_apply() in-process" "$lib_med" "$lib_mean"
awk -v b="$bb_med" -v c="$net_med" -v l="$lib_med" 'BEGIN {
	printf "ratio busybox/appvm-net (medians): %.1f\n", b / c
	printf "ratio busybox/net_apply (medians): %.1f\n", b / l
}'
