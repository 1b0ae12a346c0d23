#!/usr/bin/env bash
# Benchmark (docs/benchmarks.md): the window chain with both filters beside
# waypipe alone, same sway, same run, alternating.
#
#   full: app -> appvm-wayland guest -> waypipe server -> waypipe client
#         -> appvm-wayland host -> sway
#   peer: app -> waypipe server -> waypipe client -> sway
#
# Measures app start -> first frame presented on the host (wlf-client,
# wp_presentation), frames per second of an animated 256x256 client paced
# by frame callbacks (the headless output runs at 1000 Hz, the most sway's
# headless backend does) and, unpaced, with a wl_display.sync round trip
# through the whole chain after each frame; and the filters' memory.
# Needs root (setpriv).
# Usage: FILTER=... CLIENT=... tests/wayland/bench.sh [STARTS] [FPS_RUNS] [FPS_SECONDS]
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
starts=${1:-21}
fps_runs=${2:-5}
fps_seconds=${3:-5}
# shellcheck source=tests/wayland/chain_lib.sh
. "$(dirname "$0")/chain_lib.sh"
GA=$(new_dir ga)
GB=$(new_dir gb)

start_sway 'output HEADLESS-1 mode --custom 1024x768@1000Hz position 0 0
default_border none
default_floating_border none
for_window [app_id="test\.bench$"] "floating enable, move position 0 0"'
start_host_filter "$H/appvm-bench" --name bench
start_waypipes full "$H/appvm-bench" "$GA"
full_waypipes="$waypipe_client $waypipe_server"
start_guest_filter "$GA"
start_waypipes peer "$H/$sway_socket" "$GB"

# run CHAIN ARGS...: one wlf-client window through a chain, its output.
run() {
	local dir=$GA
	[ "$1" = peer ] && dir=$GB
	[ "$1" = peer ] && display=$GB/waypipe-0 || display=$GA/wayland-0
	shift
	WAYLAND_DISPLAY=$display as_user "$dir" "$CLIENT" window --app-id test.bench "$@"
}

# CPU time (user + system) of a process, in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

for f in first-full first-peer fps-full fps-peer rt-full rt-peer; do
	: >"$root/$f"
done
for ((i = 0; i < starts; i++)); do
	# Alternate which chain goes first, so drift hits both alike.
	order="full peer"
	[ $((i % 2)) -eq 1 ] && order="peer full"
	for chain in $order; do
		run "$chain" --size 256x256 --once | awk '/first-frame-ms/ {print $2}' >>"$root/first-$chain"
	done
done
for ((i = 0; i < fps_runs; i++)); do
	order="full peer"
	[ $((i % 2)) -eq 1 ] && order="peer full"
	for chain in $order; do
		run "$chain" --size 256x256 --animate --seconds "$fps_seconds" |
			awk '/^fps/ {print $2}' >>"$root/fps-$chain"
		[ "$chain" = full ] && before="$(ticks "$host_filter") $(ticks "$guest_filter")"
		run "$chain" --size 256x256 --roundtrip --seconds "$fps_seconds" |
			awk '/^fps/ {print $2}' >>"$root/rt-$chain"
		[ "$chain" = full ] && echo "$before $(ticks "$host_filter") $(ticks "$guest_filter") $(tail -n 1 "$root/rt-full")" >>"$root/cpu"
	done
done

# paired A B INVERT: median over i of A_i / B_i (B_i / A_i with INVERT), the
# runs of one pair being neighbours in time.
paired() {
	paste "$1" "$2" | awk -v inv="${3:-0}" '$1 > 0 && $2 > 0 {print inv ? $2 / $1 : $1 / $2}' |
		median | awk '{printf "%.3f", $1}'
}

rss() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
ff=$(median <"$root/first-full")
fp=$(median <"$root/first-peer")
sf=$(median <"$root/fps-full")
sp=$(median <"$root/fps-peer")
echo "first frame (ms, median of $starts): full $ff, waypipe alone $fp, ratio $(awk -v a="$ff" -v b="$fp" 'BEGIN {printf "%.3f", a / b}')"
echo "  median of the paired ratios: $(paired "$root/first-full" "$root/first-peer")"
echo "  full:  $(tr '\n' ' ' <"$root/first-full")"
echo "  alone: $(tr '\n' ' ' <"$root/first-peer")"
echo "frames per second (median of $fps_runs x ${fps_seconds}s): full $sf, waypipe alone $sp, ratio (time per frame) $(awk -v a="$sf" -v b="$sp" 'BEGIN {printf "%.3f", b / a}')"
echo "  median of the paired ratios: $(paired "$root/fps-full" "$root/fps-peer" 1)"
echo "  full:  $(tr '\n' ' ' <"$root/fps-full")"
echo "  alone: $(tr '\n' ' ' <"$root/fps-peer")"
rf=$(median <"$root/rt-full")
rp=$(median <"$root/rt-peer")
echo "frames per second, each after a round trip (median of $fps_runs x ${fps_seconds}s): full $rf, waypipe alone $rp, ratio (time per frame) $(awk -v a="$rf" -v b="$rp" 'BEGIN {printf "%.3f", b / a}')"
echo "  median of the paired ratios: $(paired "$root/rt-full" "$root/rt-peer" 1)"
echo "  full:  $(tr '\n' ' ' <"$root/rt-full")"
echo "  alone: $(tr '\n' ' ' <"$root/rt-peer")"
hz=$(getconf CLK_TCK)
awk -v s="$fps_seconds" -v hz="$hz" '{h += $3 - $1; g += $4 - $2; f += $5 * s}
	END {printf "filter CPU per unpaced frame: host %.1f us, guest %.1f us (%d frames)\n", h / hz / f * 1e6, g / hz / f * 1e6, f}' "$root/cpu"
echo "memory (KiB, RSS now / peak): host filter $(rss "$host_filter" VmRSS) / $(rss "$host_filter" VmHWM)," \
	"guest filter $(rss "$guest_filter" VmRSS) / $(rss "$guest_filter" VmHWM)"
for p in $full_waypipes; do
	echo "  for scale: waypipe pid $p RSS $(rss "$p" VmRSS) KiB"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
