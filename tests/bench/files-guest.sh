#!/bin/sh
# Guest half of the file benchmark (tests/bench/bench-files), installed as
# /usr/bin/bench-files-guest and run as the app (root: it mounts the peers).
#
#   bench-files-guest SIZE_MIB ROUNDS GIO_SAVES [JOB...]
#
# Mounts the peers of one host directory: virtiofs with cache=auto (tag
# vfsauto) and cache=none (vfsnone), 9p (tag p9, msize 524288); tmpfs as
# the baseline; and asks the portal for the documents (open read.bin, save
# w1m.bin, w32k.bin, rand.bin, gio.bin: the host's chooser picks by title).
# read.bin is read-only: the portal gives it on the document device
# (target docdev, docs/docfs.md), and the same document is read through
# the FUSE document filesystem too (target doc). The device serves reads
# only: write jobs and GIO saves skip it.
# Then, ROUNDS times, every fio job on every target in turn (the target order
# rotating each round), then GIO_SAVES g_file_replace_contents of 1 MiB per
# target. One console line per result:
#
#   bench-fio ROUND JOB TARGET KIB_PER_S IOPS RUNTIME_MS GUEST_BUSY_PCT PORTAL_CS WALL_CS
#   bench-gio ROUND TARGET SAVES SECONDS GUEST_BUSY_PCT PORTAL_CS
#
# GUEST_BUSY_PCT: the guest CPU's share not idle during the job (/proc/stat);
# PORTAL_CS: CPU time of appvm-portal in centiseconds; WALL_CS: the job's
# wall time seen by the guest (fio included). Ends with "bench-done".
set -u
size=$1 rounds=$2 gio_saves=$3
shift 3
jobs=${*:-seqread-1m seqread-32k seqwrite-1m seqwrite-32k randread-4k randwrite-4k}
say() { echo "bench-files: $*"; }

# Programs of a store run with the store's own loader and libraries
# (docs/images.md, "Programs in stores"); init does this only for the app.
srun() { # STORE PROGRAM ARGS... (PROGRAM relative to the store)
	s=/run/store/$1 prog=$2
	shift 2
	lp=$(sed -n 's/^library-path = //p' "$s/.appvm/runtime" | tr ':' '\n' | sed "s|^|$s/|" | tr '\n' ':')
	"$s/lib64/ld-linux-x86-64.so.2" --inhibit-cache --library-path "${lp%:}" "$s/$prog" "$@"
}

mkdir -p /mnt/vfsauto /mnt/vfsnone /mnt/p9 /mnt/tmpfs
mount -t virtiofs vfsauto /mnt/vfsauto || say "FAIL: mount virtiofs vfsauto"
mount -t virtiofs vfsnone /mnt/vfsnone || say "FAIL: mount virtiofs vfsnone"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 p9 /mnt/p9 || say "FAIL: mount 9p"
mount -t tmpfs -o size=$((size * 4 + 64))m tmpfs /mnt/tmpfs || say "FAIL: mount tmpfs"

grant() { # MODE TITLE: a document through the portal; prints its path
	portal-client --timeout 120 --title "$2" ${3:+--name "$3"} "$1" | sed -n 's/^path //p'
}
doc_read_dev=$(grant open read)
# The same document in the FUSE document filesystem: doc/ beside docs/.
doc_read=$(echo "$doc_read_dev" | sed 's|/docs/\([0-9a-f]*/[^/]*\)$|/doc/\1|')
case $doc_read_dev in */docs/*) ;; *) say "FAIL: read.bin is not on the document device: $doc_read_dev" ;; esac
doc_w1m=$(grant save w1m w1m.bin)
doc_w32k=$(grant save w32k w32k.bin)
doc_rand=$(grant save rand rand.bin)
doc_gio=$(grant save gio gio.bin)
for d in "$doc_read" "$doc_w1m" "$doc_w32k" "$doc_rand" "$doc_gio"; do
	[ -n "$d" ] || say "FAIL: no document from the portal"
done
say "documents: $doc_read_dev $doc_read $doc_w1m $doc_w32k $doc_rand $doc_gio"

# file TARGET KIND: the file a job of KIND (read, w1m, w32k, rand, gio) uses.
file() {
	case $1 in
	doc) eval "echo \$doc_$2" ;;
	docdev) echo "$doc_read_dev" ;;
	tmpfs) echo "/mnt/tmpfs/$2.bin" ;;
	*) echo "/mnt/$1/$1-$2.bin" ;;
	esac
}
# The shares read the host's read.bin; tmpfs has its own (fio lays it out).
readfile() { case $1 in tmpfs | doc | docdev) file "$1" read ;; *) echo "/mnt/$1/read.bin" ;; esac; }

busy_total() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
portal_cs() {
	pid=$(pidof appvm-portal | cut -d' ' -f1)
	awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0
}
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }
# measure: runs "$@"; sets busy_pct, pcs (portal CPU) and wall (centiseconds).
measure() {
	b0=$(busy_total) p0=$(portal_cs) w0=$(uptime_cs)
	"$@"
	status=$?
	b1=$(busy_total) p1=$(portal_cs) w1=$(uptime_cs)
	busy_pct=$(echo "$b0 $b1" | awk '{ d = $4 - $2; print (d > 0 ? int(100 * ($3 - $1) / d) : 0) }')
	pcs=$((p1 - p0)) wall=$((w1 - w0))
	return $status
}

fio_job() { # JOB TARGET: prints "KIB_PER_S IOPS RUNTIME_MS"
	job=$1 t=$2
	common="--name=$job --ioengine=psync --fallocate=none --invalidate=1 --size=${size}m"
	common="$common --output-format=terse --terse-version=3"
	case $job in
	seqread-1m) args="--rw=read --bs=1m --filename=$(readfile "$t")" ;;
	seqread-32k) args="--rw=read --bs=32k --filename=$(readfile "$t")" ;;
	randread-4k) args="--rw=randread --bs=4k --runtime=8 --filename=$(readfile "$t")" ;;
	seqwrite-1m) args="--rw=write --bs=1m --end_fsync=1 --filename=$(file "$t" w1m)" ;;
	seqwrite-32k) args="--rw=write --bs=32k --end_fsync=1 --filename=$(file "$t" w32k)" ;;
	randwrite-4k) args="--rw=randwrite --bs=4k --runtime=8 --end_fsync=1 --filename=$(file "$t" rand)" ;;
	esac
	# shellcheck disable=SC2086 # option lists
	srun fio usr/bin/fio $common $args >/tmp/fio.out 2>/tmp/fio.err || {
		say "FAIL: fio $job $t: $(tail -n 3 /tmp/fio.err)"
		return 1
	}
	# The terse line (version 3); fio may print other lines first.
	case $job in
	*read*) awk -F';' '$1 == 3 { print $7, $8, $9 }' /tmp/fio.out ;;
	*) awk -F';' '$1 == 3 { print $48, $49, $50 }' /tmp/fio.out ;;
	esac >/tmp/fio.res
}

targets="doc docdev vfsnone vfsauto p9 tmpfs"
# shellcheck disable=SC2086 # a list of words
rotate() { set -- $targets; first=$1; shift; targets="$* $first"; }
# tmpfs: the files the shares find on the host, made in the guest.
srun fio usr/bin/fio --name=prep --rw=write --bs=1m --size="${size}m" --filename=/mnt/tmpfs/rand.bin \
	--output-format=terse >/dev/null 2>&1

r=1
while [ $r -le "$rounds" ]; do
	for job in $jobs; do
		for t in $targets; do
			case $t/$job in docdev/*write*) continue ;; esac
			# Every job starts cold: nothing of the file in the guest's
			# page cache, whatever the filesystem keeps.
			sync
			echo 3 >/proc/sys/vm/drop_caches
			if measure fio_job "$job" "$t"; then
				echo "bench-fio $r $job $t $(cat /tmp/fio.res) $busy_pct $pcs $wall"
			fi
		done
	done
	rotate
	r=$((r + 1))
done

# GIO saves: 1 MiB, g_file_replace_contents, as GTK apps save.
export GI_TYPELIB_PATH=/run/store/py/usr/lib/x86_64-linux-gnu/girepository-1.0
gio() { # PATH N: N saves, prints the seconds they took
	srun py usr/bin/python3 -c 'import sys, time
from gi.repository import Gio
f = Gio.File.new_for_path(sys.argv[1])
data = bytes(range(256)) * 4096
f.replace_contents(data, None, False, Gio.FileCreateFlags.NONE, None)  # exists from here on
t0 = time.monotonic()
for i in range(int(sys.argv[2])):
    f.replace_contents(data, None, False, Gio.FileCreateFlags.NONE, None)
print("%.3f" % (time.monotonic() - t0))' "$1" "$2" >/tmp/gio.out 2>/tmp/gio.err
}
if [ "$gio_saves" -gt 0 ]; then
	r=1
	while [ $r -le "$rounds" ]; do
		for t in $targets; do
			[ "$t" != docdev ] || continue
			if measure gio "$(file "$t" gio)" "$gio_saves"; then
				echo "bench-gio $r $t $gio_saves $(cat /tmp/gio.out) $busy_pct $pcs"
			else
				say "FAIL: GIO saves on $t: $(tail -n 3 /tmp/gio.err)"
			fi
		done
		rotate
		r=$((r + 1))
	done
fi
echo bench-done
