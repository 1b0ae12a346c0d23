#!/usr/bin/env bash
# Integration test of appvm-net (ctest label "ns"): runs the real binary in
# network namespaces this script creates, with a veth pair whose far end plays
# the host. Checks the result with `ip -j` and jq, pings across the pair,
# re-applies (no netlink event may follow), applies bad configs (one clear
# error line, nothing changed), picks the interface by MAC, and times out on
# a link without carrier. Every namespace is removed on exit.
# Usage: ns-test.sh PATH/TO/appvm-net     (root; see test_skip for exit 77)
set -uo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

NET=${1:?usage: ns-test.sh PATH/TO/appvm-net}
NET=$(readlink -f "$NET")
[ "$(id -u)" -eq 0 ] || test_skip "network namespace tests need root"
for tool in ip jq; do
	command -v "$tool" >/dev/null || test_skip "$tool not installed (scripts/setup installs it)"
done
BUSYBOX=$(command -v busybox || echo /bin/busybox)

VM=appvm-test-$$-vm     # the guest side
HOST=appvm-test-$$-host # the far end of the veth pair
BARE=appvm-test-$$-bare # a link without carrier
TMP=$(mktemp -d /var/tmp/appvm-net-test.XXXXXX)
mkdir "$TMP/etc" # stands in for the VM's /etc
MONITOR_PID=

cleanup() {
	[ -n "$MONITOR_PID" ] && kill "$MONITOR_PID" 2>/dev/null
	for ns in "$VM" "$HOST" "$BARE"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok   - $*"
}
bad() {
	failed=$((failed + 1))
	echo "FAIL - $*"
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# Runs appvm-net in the VM namespace, in its own UTS namespace (so the hostname
# it sets is not this machine's) and with resolv.conf paths under $TMP.
# Prints the hostname seen afterwards on stdout's last line.
vmnet() { # vmnet NS ARGS...
	local ns=$1
	shift
	# shellcheck disable=SC2016 # $0..$4 are the inner shell's
	ip netns exec "$ns" unshare --uts sh -c \
		'"$0" --resolv-conf "$1" --etc-resolv-conf "$2" "$3" "$4" && hostname' \
		"$NET" "$TMP/run/appvm/resolv.conf" "$TMP/etc/resolv.conf" "$@"
}

# Addresses and routes of a namespace, stable across runs (no lifetimes or
# DAD flags): what "nothing changed" is compared on.
snapshot() { # snapshot NS
	{
		ip -n "$1" -j addr show | jq -c '[.[] | {ifname, mtu, operstate,
			a: [.addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"] | sort}]'
		ip -n "$1" -j -4 route show table main | jq -c 'map({dst, gateway, dev, protocol, metric}) | sort_by(.dst)'
		ip -n "$1" -j -6 route show table main | jq -c 'map(select(.dst | startswith("fe80") | not)) | map({dst, gateway, dev, protocol, metric}) | sort_by(.dst)'
	}
}

write_conf() { # write_conf NAME, body on stdin
	{
		echo "[vm]"
		echo "name = test"
		echo
		echo "[net]"
		cat
	} >"$TMP/$1.conf"
}

if ! { ip netns add "$VM" && ip netns add "$HOST" && ip netns add "$BARE"; }; then
	echo "ns-test: cannot create namespaces"
	exit 1
fi
ip -n "$VM" link add eth0 type veth peer name peer0 netns "$HOST"
ip -n "$VM" link set eth0 address 52:54:00:12:34:56
ip -n "$VM" link add eth1 type veth peer name eth1p  # a second interface, never configured
ip -n "$VM" link set eth1 address 52:54:00:99:99:99
# No duplicate address detection for the kernel's own link-local address:
# its completion would be a netlink event the idempotence check must not see.
ip netns exec "$VM" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/eth0/accept_dad'
ip -n "$HOST" link set lo up
ip -n "$HOST" addr add 10.0.2.2/24 dev peer0
ip -n "$HOST" addr add fd00::2/64 dev peer0 nodad
ip -n "$HOST" link set peer0 up
ip -n "$BARE" link add eth0 type veth peer name deadend # deadend stays down: no carrier

# --- the main configuration, interface chosen by MAC ---
write_conf good <<'EOF'
mac = 52:54:00:12:34:56
mtu = 1400
address = 10.0.2.15/24, fd00::15/64
gateway = 10.0.2.2
gateway6 = fd00::2
route = 192.168.50.0/24 via 10.0.2.3 metric 20
route = 10.77.0.0/16
route = fd09::/48 via fe80::1
dns = 10.0.2.3, fd00::3
search = example.test lan
hostname = appvm-guest
carrier_timeout = 20s
EOF

out=$(vmnet "$VM" apply "$TMP/good.conf" 2>"$TMP/err")
rc=$?
check "apply exits 0 (stderr: $(cat "$TMP/err"))" [ $rc -eq 0 ]
check "hostname set inside the VM's UTS namespace" [ "$(echo "$out" | tail -n 1)" = appvm-guest ]

addrs=$(ip -n "$VM" -j addr show dev eth0)
check "eth0 (picked by MAC) has 10.0.2.15/24" \
	[ "$(echo "$addrs" | jq '[.[0].addr_info[] | select(.local == "10.0.2.15" and .prefixlen == 24)] | length')" = 1 ]
check "eth0 has fd00::15/64" \
	[ "$(echo "$addrs" | jq '[.[0].addr_info[] | select(.local == "fd00::15" and .prefixlen == 64)] | length')" = 1 ]
check "eth0 MTU is 1400" [ "$(echo "$addrs" | jq '.[0].mtu')" = 1400 ]
check "eth0 is up" [ "$(echo "$addrs" | jq -r '.[0].flags | index("UP") != null')" = true ]
check "eth1 (other MAC) left alone" \
	[ "$(ip -n "$VM" -j addr show dev eth1 | jq '[.[0].addr_info[] | select(.scope != "link")] | length')" = 0 ]
check "lo is up with 127.0.0.1" \
	[ "$(ip -n "$VM" -j addr show dev lo | jq -r '[.[0].addr_info[].local] | index("127.0.0.1") != null')" = true ]

r4=$(ip -n "$VM" -j -4 route show table main)
r6=$(ip -n "$VM" -j -6 route show table main)
check "IPv4 default route via 10.0.2.2 dev eth0" \
	[ "$(echo "$r4" | jq '[.[] | select(.dst == "default" and .gateway == "10.0.2.2" and .dev == "eth0")] | length')" = 1 ]
check "IPv6 default route via fd00::2 dev eth0" \
	[ "$(echo "$r6" | jq '[.[] | select(.dst == "default" and .gateway == "fd00::2" and .dev == "eth0")] | length')" = 1 ]
check "route 192.168.50.0/24 via 10.0.2.3 metric 20" \
	[ "$(echo "$r4" | jq '[.[] | select(.dst == "192.168.50.0/24" and .gateway == "10.0.2.3" and .metric == 20)] | length')" = 1 ]
check "route fd09::/48 via the link-local fe80::1 dev eth0" \
	[ "$(echo "$r6" | jq '[.[] | select(.dst == "fd09::/48" and .gateway == "fe80::1" and .dev == "eth0")] | length')" = 1 ]
check "on-link route 10.77.0.0/16 dev eth0 scope link" \
	[ "$(echo "$r4" | jq '[.[] | select(.dst == "10.77.0.0/16" and .gateway == null and .scope == "link")] | length')" = 1 ]

check "resolv.conf written" grep -qx 'nameserver 10.0.2.3' "$TMP/run/appvm/resolv.conf"
check "resolv.conf has the IPv6 server and search list" \
	sh -c "grep -qx 'nameserver fd00::3' '$TMP/run/appvm/resolv.conf' && grep -qx 'search example.test lan' '$TMP/run/appvm/resolv.conf'"
check "etc resolv.conf is a symlink to it" [ "$(readlink "$TMP/etc/resolv.conf")" = "$TMP/run/appvm/resolv.conf" ]
check "no temporary files left next to resolv.conf" \
	[ "$(find "$TMP/run/appvm" "$TMP/etc" -mindepth 1 ! -name resolv.conf | wc -l)" = 0 ]


show=$(ip netns exec "$VM" "$NET" show)
show_lists() { # show_lists LINE...: each LINE is a whole line of $show
	local line
	for line in "$@"; do
		grep -qxF -- "$line" <<<"$show" || return 1
	done
}
check "show lists the address and default route" \
	show_lists "address 10.0.2.15/24 dev eth0" "route default via 10.0.2.2 metric 0 dev eth0 ipv4"

# The kernel's duplicate address detection first: until it is done, fd00::15
# is tentative and cannot send (nor can the link-local addresses the monitor
# below would see change).
tentative=yes
for _ in $(seq 300); do
	ip -n "$VM" addr show | grep -q tentative || { tentative=no; break; }
	sleep 0.1
done
check "duplicate address detection finished within 30 s" [ "$tentative" = no ]

# Pings: one reply within -w seconds; busybox sends one a second until then
# (the first may wait for neighbour discovery on a loaded machine).
check "ping 10.0.2.2 across the pair" ip netns exec "$VM" "$BUSYBOX" ping -c 1 -w 20 10.0.2.2 >/dev/null
check "ping fd00::2 across the pair" ip netns exec "$VM" "$BUSYBOX" ping -6 -c 1 -w 20 fd00::2 >/dev/null
check "ping back from the host side" ip netns exec "$HOST" "$BUSYBOX" ping -c 1 -w 20 10.0.2.15 >/dev/null

# --- idempotence: same state, and not a single netlink change event ---
# (Duplicate address detection finished above: its events are not ours.)

# Markers bracket the re-apply in the monitor's output: an address from
# TEST-NET-1 added to eth1, which appvm-net never touches. Seeing the first
# proves the monitor listens before the re-apply starts; seeing the last
# proves every event the re-apply caused has been written (the kernel sends
# a socket its events in order).
mark=0
saw_mark() { # saw_mark N TENTHS: polls the monitor's output for marker N
	local i
	for ((i = 0; i < $2; i++)); do
		grep -q "inet 192\.0\.2\.$1/32" "$TMP/monitor" && return 0
		sleep 0.1
	done
	return 1
}
next_mark() {
	mark=$((mark + 1))
	ip -n "$VM" addr add "192.0.2.$mark/32" dev eth1
}
before=$(snapshot "$VM")
resolv_before=$(stat -c %i "$TMP/run/appvm/resolv.conf")
ip -n "$VM" -o monitor link address route >"$TMP/monitor" 2>&1 &
MONITOR_PID=$!
# Until the monitor has subscribed, markers pass unseen: add new ones until
# one shows (at most 10 s).
listening=no
for _ in $(seq 10); do
	next_mark
	if saw_mark "$mark" 10; then
		listening=yes
		break
	fi
done
vmnet "$VM" apply "$TMP/good.conf" >/dev/null 2>"$TMP/err"
rc=$?
next_mark
saw_mark "$mark" 300 && flushed=yes || flushed=no
kill "$MONITOR_PID" 2>/dev/null
wait "$MONITOR_PID" 2>/dev/null
MONITOR_PID=
ip -n "$VM" addr flush dev eth1 to 192.0.2.0/24
# What is left once the markers (their addresses and local routes) are gone.
grep -v '192\.0\.2\.' "$TMP/monitor" >"$TMP/changes"
check "the monitor saw the marker before the re-apply" [ "$listening" = yes ]
check "the monitor saw the marker after the re-apply" [ "$flushed" = yes ]
check "re-apply exits 0 (stderr: $(cat "$TMP/err"))" [ $rc -eq 0 ]
check "re-apply leaves addresses and routes as they were" [ "$before" = "$(snapshot "$VM")" ]
check "re-apply causes no netlink change (monitor saw: $(head -c 300 "$TMP/changes" | tr '\n' '|'))" \
	[ ! -s "$TMP/changes" ]
check "resolv.conf rewritten whole (new inode, same text)" \
	sh -c "[ '$(stat -c %i "$TMP/run/appvm/resolv.conf")' != '$resolv_before' ] && grep -qx 'nameserver 10.0.2.3' '$TMP/run/appvm/resolv.conf'"

# --- bad configs: exit status, one error line naming key and value, no change ---
bad_case() { # bad_case NAME WANT_RC PATTERN, config body on stdin
	local name=$1 want_rc=$2 pattern=$3
	write_conf "$name"
	local pre
	pre=$(snapshot "$VM")
	vmnet "$VM" apply "$TMP/$name.conf" >/dev/null 2>"$TMP/err"
	local rc=$?
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ $rc -eq "$want_rc" ] && [ "$lines" -eq 1 ] && grep -qF -- "$pattern" "$TMP/err" &&
		[ "$pre" = "$(snapshot "$VM")" ]; then
		ok "bad config $name: exit $rc, \"$(cat "$TMP/err")\""
	else
		bad "bad config $name: exit $rc (want $want_rc), $lines line(s): \"$(cat "$TMP/err")\", want \"$pattern\", state changed: $([ "$pre" = "$(snapshot "$VM")" ] && echo no || echo yes)"
	fi
}
bad_case unknown_key 2 'unknown_key.conf:6: unknown key "adress" in [net] (did you mean "address"?)' <<'EOF'
interface = eth0
adress = 10.0.2.16/24
EOF
bad_case bad_address 2 ':6: address "10.0.2.300/24": not an IP address with a prefix length' <<'EOF'
interface = eth0
address = 10.0.2.300/24
EOF
bad_case v6_gateway_in_v4_key 2 'gateway "fd00::2": an IPv6 address; IPv6 gateways go in gateway6' <<'EOF'
interface = eth0
address = fd00::15/64
gateway = fd00::2
EOF
bad_case gateway_off_subnet 2 'gateway "10.0.9.1": not inside any configured IPv4 subnet' <<'EOF'
interface = eth0
address = 10.0.2.15/24
gateway = 10.0.9.1
EOF
bad_case duplicate_route 2 'route "10.9.0.0/16 via 10.0.2.4": duplicate route (already have 10.9.0.0/16 via 10.0.2.3)' <<'EOF'
interface = eth0
address = 10.0.2.15/24
route = 10.9.0.0/16 via 10.0.2.3
route = 10.9.0.0/16 via 10.0.2.4
EOF
bad_case bad_mac 2 'mac "52:54:00:zz:34:56": not a unicast MAC' <<'EOF'
mac = 52:54:00:zz:34:56
EOF
bad_case unknown_interface 1 'interface "eth7": no such interface (found: ' <<'EOF'
interface = eth7
address = 10.0.2.40/24
EOF
bad_case mac_matches_nothing 1 'mac "52:54:00:00:00:01": no interface has this MAC (found: ' <<'EOF'
mac = 52:54:00:00:00:01
address = 10.0.2.40/24
EOF
bad_case name_and_mac_disagree 1 'mac "52:54:00:99:99:99": belongs to another interface than eth0' <<'EOF'
interface = eth0
mac = 52:54:00:99:99:99
address = 10.0.2.40/24
EOF
bad_case conflicting_prefix 1 'address "10.0.2.15/16": eth0 already has 10.0.2.15/24' <<'EOF'
interface = eth0
address = 10.0.2.15/16
EOF
bad_case conflicting_default 1 'gateway "default via 10.0.2.3": conflicts with existing route default via 10.0.2.2 on eth0' <<'EOF'
interface = eth0
address = 10.0.2.15/24
gateway = 10.0.2.3
EOF
bad_case not_ini 2 ':5: not an INI line' <<'EOF'
this is not a key value line
EOF

# A kernel refusal part-way: the new address is added, the route is refused
# (gateway not on any link), and the address is taken away again.
bad_case kernel_refuses_route 1 'add route 10.88.0.0/16 via 10.99.0.1 (route) on eth0: Network is unreachable' <<'EOF'
interface = eth0
address = 10.0.2.15/24, 10.0.2.77/24
route = 10.88.0.0/16 via 10.99.0.1
EOF
check "rolled-back address 10.0.2.77 is gone" \
	[ "$(ip -n "$VM" -j addr show dev eth0 | jq '[.[0].addr_info[] | select(.local == "10.0.2.77")] | length')" = 0 ]

ip netns exec "$VM" "$NET" apply /nonexistent/vm.conf 2>"$TMP/err"
check "missing file: exit 2 and says so" sh -c "[ $? -eq 2 ] && grep -q 'cannot open' '$TMP/err'"
# A directory reads as an empty file through inih: refused, not applied.
"$NET" --check apply "$TMP" 2>"$TMP/err"
check "directory as CONFIG: exit 2, one line" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q ': cannot read: Is a directory' '$TMP/err'"
# Usage errors: one line naming the option, not getopt's and the usage.
"$NET" --bogus show 2>"$TMP/err"
check "unknown option: exit 2, one line" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$TMP/err') -eq 1 ] && grep -qx 'appvm-net: unknown option \"--bogus\" (see --help)' '$TMP/err'"
"$NET" --check apply "$TMP/good.conf" --resolv-conf 2>"$TMP/err"
check "missing value: exit 2, one line" sh -c "[ $? -eq 2 ] && [ \$(wc -l <'$TMP/err') -eq 1 ] && grep -qx 'appvm-net: --resolv-conf needs a value' '$TMP/err'"
"$NET" frobnicate 2>"$TMP/err"
check "unknown command: exit 2" sh -c "[ $? -eq 2 ] && grep -q 'unknown command \"frobnicate\"' '$TMP/err'"
check "--help prints usage" sh -c "'$NET' --help | grep -q '^Usage: appvm-net'"

# --- carrier timeout on a link whose peer is down ---
write_conf bare <<'EOF'
interface = eth0
address = 10.0.3.15/24
gateway = 10.0.3.1
carrier_timeout = 400ms
EOF
t0=$(date +%s%N)
vmnet "$BARE" apply "$TMP/bare.conf" >/dev/null 2>"$TMP/err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "no carrier: exit 1 with a clear line ($(cat "$TMP/err"))" \
	sh -c "[ $rc -eq 1 ] && grep -qF 'carrier_timeout \"400ms\": no carrier on eth0 after 400 ms' '$TMP/err'"
# At least the timeout; the upper bound leaves room for a loaded machine.
check "no carrier: waited about the timeout (${ms} ms)" [ "$ms" -ge 400 -a "$ms" -lt 10000 ]
check "no carrier: address and route still configured for when it comes" \
	sh -c "ip -n '$BARE' -j addr show dev eth0 | jq -e '[.[0].addr_info[] | select(.local == \"10.0.3.15\")] | length == 1' >/dev/null &&
	       ip -n '$BARE' -j route show default | jq -e 'length == 1' >/dev/null"
# With the peer up, carrier comes and the same file applies cleanly.
ip -n "$BARE" link set deadend up
vmnet "$BARE" apply "$TMP/bare.conf" >/dev/null 2>"$TMP/err"
check "carrier present: apply exits 0 ($(cat "$TMP/err"))" [ $? -eq 0 ]

echo "ns-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
