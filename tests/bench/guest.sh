#!/bin/sh
# Guest half of the control benchmark (tests/bench/bench-control), installed
# as /usr/bin/bench-guest in the image.
#
#   bench-guest start [agent]  the app: starts qemu-ga on every channel the
#                              VM has (vsock port 5000, /dev/ttyS1, and the
#                              virtio-serial port when the kernel has
#                              virtio-console); with "agent" also appvm-agent
#                              (busybox init has no supervisor for it)
#   bench-guest agent-b        a second agent (bench-control --agent):
#                              /usr/bin/appvm-agent-b on vsock port 1034 at
#                              the nice value of the image's agent (-5, as
#                              appvm-init starts it), its events to a socket
#                              nobody serves
#   bench-guest report         memory of appvm-agent and of each qemu-ga
#   bench-guest procs NAME...  memory of every process running a program
#                              named NAME (also through a store's loader:
#                              ld.so ... --argv0 X /path/NAME), any user's
#                              that this user may read
#   bench-guest dirty DIR MIB TOKEN  writes MIB MiB to DIR/dirty, no sync, and
#                              keeps the kernel from writing it back early
# "report" and "dirty" are run by the host through qemu-ga's guest-exec.
set -u

# /proc/PID/status counters are per-thread caches the kernel folds in only
# every 64 page faults, so for a small daemon VmRSS can be far off;
# smaps_rollup walks the page tables and is exact. Both are printed.
rss_line() { # NAME PID
	[ -r "/proc/$2/status" ] || { echo "rss $1 pid=$2 gone"; return; }
	line="rss $1 pid=$2"
	for k in VmRSS VmHWM; do
		v=$(sed -n "s/^$k:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$2/status")
		line="$line $k=${v:-?}"
	done
	for k in Rss Pss Pss_Anon Anonymous Private_Clean Private_Dirty Shared_Clean Shared_Dirty; do
		v=$(sed -n "s/^$k:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$2/smaps_rollup" 2>/dev/null)
		line="$line $k=${v:-?}"
	done
	echo "$line"
}

# The program a process runs: argv[0]'s base name, or, when that is a
# dynamic loader run as a command (a store's programs), the program it runs:
# its first word that is neither an option nor an option's value.
prog_of() { # PID
	skip=0 first=1
	tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | while IFS= read -r w; do
		if [ $first = 1 ]; then
			first=0
			case ${w##*/} in ld-linux*.so.* | ld-musl*.so.*) continue ;; esac
		elif [ $skip = 1 ]; then
			skip=0
			continue
		else
			case $w in
			--library-path | --argv0 | --preload | --audit) skip=1 && continue ;;
			--*) continue ;;
			esac
		fi
		echo "${w##*/}"
		break
	done
}

case ${1:-} in
start)
	mkdir -p /run/qga/vsock /run/qga/serial /run/qga/virtio
	if [ "${2:-}" = agent ]; then
		/usr/bin/appvm-agent --port 1024 &
	fi
	# Without -d, qemu-ga writes no pid file: keep the pids here.
	/usr/sbin/qemu-ga -m vsock-listen -p 3:5000 -t /run/qga/vsock &
	echo $! >/run/qga/vsock.pid
	/usr/sbin/qemu-ga -m isa-serial -p /dev/ttyS1 -t /run/qga/serial &
	echo $! >/run/qga/serial.pid
	port=
	for p in /dev/virtio-ports/org.qemu.guest_agent.0 /dev/vport*p1; do
		[ -c "$p" ] && { port=$p; break; }
	done
	if [ -n "$port" ]; then
		/usr/sbin/qemu-ga -m virtio-serial -p "$port" -t /run/qga/virtio &
		echo $! >/run/qga/virtio.pid
		echo "bench: qemu-ga channels: vsock isa-serial virtio-serial($port)"
	else
		echo "bench: qemu-ga channels: vsock isa-serial (no virtio-serial port: kernel without CONFIG_VIRTIO_CONSOLE?)"
	fi
	# Stay up until the VM shuts down; the qemu-ga instances are our children.
	exec sleep 2147483647
	;;
agent-b)
	renice -n -5 -p $$ >/dev/null
	exec /usr/bin/appvm-agent-b --port 1034 --event-unix /run/appvm-agent-b.events
	;;
report)
	for pid in $(pidof appvm-agent); do rss_line appvm-agent "$pid"; done
	for ch in vsock serial virtio; do
		[ -r "/run/qga/$ch.pid" ] && rss_line "qemu-ga-$ch" "$(cat "/run/qga/$ch.pid")"
	done
	grep -E '^(MemTotal|MemFree|MemAvailable):' /proc/meminfo
	;;
procs)
	shift
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		prog=$(prog_of "$pid")
		for name in "$@"; do
			[ "$prog" = "$name" ] && rss_line "$name" "$pid"
		done
	done
	;;
dirty)
	dir=$2 mib=$3 token=$4
	# Keep all of it dirty until the shutdown: no background writeback
	# before 80 % of memory is dirty, no periodic or age-based flush.
	echo 90 >/proc/sys/vm/dirty_ratio
	echo 80 >/proc/sys/vm/dirty_background_ratio
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	yes "appvm-bench $token" | head -c $((mib * 1048576)) >"$dir/dirty"
	echo "wrote $mib MiB to $dir/dirty"
	grep -E '^(Dirty|Writeback):' /proc/meminfo
	;;
*)
	echo "usage: bench-guest start [agent] | agent-b | report | procs NAME... | dirty DIR MIB TOKEN" >&2
	exit 2
	;;
esac
