#!/usr/bin/env bash
# Folder grants without a VM (ctest label "ns"): a real dbus-daemon, real
# FUSE (in a private mount namespace), the real appvm-portald with its
# command chooser playing the user, portal-client asking OpenFile with
# directory=true, then ls, cat, cp, mkdir, mv, rm, sed -i, shell
# redirection, GIO's replace_contents and python inside the mount, each
# checked on the host side; and the hostile cases a guest app can reach
# from there: symbolic links and FIFOs in the folder, a hard link to a file
# outside it, "..", renames across documents, a file replaced on the host
# while read, a read-only grant, a revoked folder with an open handle, a
# host daemon restart; depth through two writable folders granted one
# inside the other. Outside the folder nothing changes.
#
# Usage: tests/portal/folders.sh
# Environment: APPVM_PORTAL, APPVM_PORTALD, APPVMCTL, PORTAL_CLIENT (the
# binaries), APPVM_TEST_WORK (work directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/portal/lib.sh
. "$here/lib.sh"
portal_ns_test folders "$@"
python=/usr/bin/python3
fail() { portal_fail "portal folders" "$*"; }

# The user's files: a project folder, and next to it what must stay out.
proj=$work/host/proj
out=$work/host/outside
mkdir -p "$proj/sub" "$out"
printf 'alpha\n' >"$proj/a.txt"
printf 'beta\n' >"$proj/sub/b.txt"
printf 'top secret\n' >"$out/secret"
printf 'shared text\n' >"$out/shared"
touch -d @1000000000 "$out/secret" "$out/shared"
ln -s ../outside "$proj/link-out"
ln -s ../outside/secret "$proj/secret-link"
ln "$out/shared" "$proj/hl"
mkfifo "$proj/fifo"
outside_state() { stat -c '%n %s %Y %i' "$out/secret" "$out/shared"; md5sum "$out/secret" "$out/shared"; }
outside_before=$(outside_state)
outside_untouched() {
	[ "$(outside_state)" = "$outside_before" ] || fail "outside the folder changed: $(outside_state)"
	[ "$(entries_of "$out")" = "secret shared " ] || fail "outside: $(entries_of "$out")"
}

stack_chooser
stack_bus
start_portald --dialog-burst 100 --dialog-interval 10ms
# shellcheck disable=SC2119 # no extra arguments for the portal
start_portal

client() {
	set +e
	"$PORTAL_CLIENT" --timeout 20 "$@" >"$work/out" 2>&1
	rc=$?
	set -e
}
out_path() { sed -n 's/^path //p' "$work/out" | head -n 1; }
doc_id() { basename "$(dirname "$1")"; }
# errno_of PYTHON-EXPR: runs it, prints the error's name (or "ok").
errno_of() { "$python" -c "import errno, os, sys
try:
    $1
    print('ok')
except OSError as e:
    print(errno.errorcode[e.errno])" "${@:2}"; }

# --- A read-only folder grant (the daemon's default).
plan "$proj"
client --directory --title "Pick a project" open
[ $rc -eq 0 ] || fail "folder dialog: status $rc: $(cat "$work/out")"
ro=$(out_path)
grep -q "^uri file://$mnt/[0-9a-f]\{16\}/proj$" "$work/out" || fail "folder URI: $(cat "$work/out")"
grep -q "APPVM_CHOOSER_MODE=open-folder" "$work/chooser.log" || fail "the chooser was not asked for a folder"
[ -d "$ro" ] || fail "the folder is not a directory in the guest"
[ "$(entries_of "$ro")" = "a.txt hl sub " ] || fail "listing: $(entries_of "$ro")"
{ [ "$(cat "$ro/a.txt")" = alpha ] && [ "$(cat "$ro/sub/b.txt")" = beta ]; } || fail "reading"
[ "$(stat -c %A "$ro/a.txt")" = "-r--r--r--" ] || fail "mode in a read-only folder: $(stat -c %A "$ro/a.txt")"
[ "$(errno_of 'open(sys.argv[1], "a")' "$ro/a.txt")" = EACCES ] || fail "a write was let through"
[ "$(errno_of 'os.mkdir(sys.argv[1])' "$ro/new")" = EACCES ] || fail "mkdir in a read-only folder"
[ "$(errno_of 'os.unlink(sys.argv[1])' "$ro/a.txt")" = EACCES ] || fail "unlink in a read-only folder"
{ [ "$(cat "$proj/a.txt")" = alpha ] && [ ! -e "$proj/new" ]; } || fail "the host folder changed"
pass "read-only folder: URI, listing (no links, no FIFO), reads; writes refused"

# --- Restart the host daemon with writable folders: the old grant goes.
kill "$portald_pid"
wait "$portald_pid" 2>/dev/null || true
start_portald --dialog-burst 100 --dialog-interval 10ms --folder-writable --max-handles 40
reconnected() { [ "$(grep -c 'host: connected' "$work/portal.log")" -ge 2 ]; }
wait_for 10 reconnected || fail "the portal did not reconnect"
gone() { [ ! -e "$ro" ]; }
wait_for 5 gone || fail "a folder of the old daemon is still there"
plan "$proj"
client --directory open
[ $rc -eq 0 ] || fail "writable folder: status $rc: $(cat "$work/out")"
p=$(out_path)
[ "$(stat -c %A "$p/a.txt")" = "-rw-r--r--" ] || fail "mode in a writable folder: $(stat -c %A "$p/a.txt")"
pass "host daemon restarted: the old folder vanished; a writable one granted"

# --- Ways of writing, each checked on the host.
head -c 1048576 /dev/urandom >"$work/rand.bin"
cp "$work/rand.bin" "$p/sub/copy.bin" || fail "cp into the folder"
cmp -s "$work/rand.bin" "$proj/sub/copy.bin" || fail "cp: host content"
cmp -s "$work/rand.bin" "$p/sub/copy.bin" || fail "cp: read back"
mkdir "$p/newdir" || fail "mkdir"
[ -d "$proj/newdir" ] || fail "mkdir: not on the host"
mv "$p/sub/copy.bin" "$p/newdir/moved.bin" || fail "mv"
{ [ ! -e "$proj/sub/copy.bin" ] && cmp -s "$work/rand.bin" "$proj/newdir/moved.bin"; } || fail "mv: host"
printf 'redirected\n' >"$p/newdir/new.txt"
[ "$(cat "$proj/newdir/new.txt")" = redirected ] || fail "shell redirection: host content"
ino1=$(stat -c %i "$proj/a.txt")
"$python" -c 'import sys; from gi.repository import Gio
Gio.File.new_for_path(sys.argv[1]).replace_contents(b"gio\n", None, False, Gio.FileCreateFlags.NONE, None)' \
	"$p/a.txt" || fail "GIO replace_contents"
[ "$(cat "$proj/a.txt")" = gio ] || fail "GIO: host content"
[ "$ino1" != "$(stat -c %i "$proj/a.txt")" ] || fail "GIO: not replaced (same inode)"
sed -i 's/beta/BETA/' "$p/sub/b.txt" || fail "sed -i"
[ "$(cat "$proj/sub/b.txt")" = BETA ] || fail "sed -i: host content"
{ rm "$p/newdir/moved.bin" "$p/newdir/new.txt" && rmdir "$p/newdir"; } || fail "rm, rmdir"
[ ! -e "$proj/newdir" ] || fail "rmdir: still on the host"
[ "$(errno_of 'os.rmdir(sys.argv[1])' "$p/sub")" = ENOTEMPTY ] || fail "rmdir of a full folder"
[ "$(entries_of "$proj")" = "a.txt fifo hl link-out secret-link sub " ] ||
	fail "stray files on the host: $(entries_of "$proj")"
[ "$(entries_of "$proj/sub")" = "b.txt " ] || fail "stray files: $(entries_of "$proj/sub")"
pass "cp (1 MiB), mkdir, mv, shell redirection, GIO (new inode), sed -i, rm, rmdir; nothing stray"

# --- A tree of more folders than the host keeps handles (40): the portal
# gives idle folders back and looks them up again when they are used,
# even one that is a shell's working directory.
for i in $(seq 12); do for j in $(seq 10); do
	mkdir -p "$proj/tree/d$i/e$j" && printf '%s\n' "$i.$j" >"$proj/tree/d$i/e$j/f"
done; done
[ "$(find "$p/tree" -type f | wc -l)" = 120 ] || fail "walking the tree: $(find "$p/tree" -type f 2>&1 | tail -3)"
[ "$(cat "$p"/tree/d*/e*/f | wc -l)" = 120 ] || fail "reading the tree"
(cd "$p/tree/d3/e4" && find "$p/tree" -type d >/dev/null && [ "$(cat f)" = 3.4 ] && printf 'x\n' >g) \
	>"$work/err" 2>&1 || fail "the working directory after a walk: $(cat "$work/err")"
[ "$(cat "$proj/tree/d3/e4/g")" = x ] || fail "a file made in the working directory"
rm -r "$p/tree" || fail "rm -r of the tree"
[ ! -e "$proj/tree" ] || fail "rm -r: the tree is still on the host"
pass "a tree of 130 folders with 40 host handles: walked, read, written in a working directory, removed"

# --- Depth: a chain 255 deep and one 254 below a folder; the second moved
# under the first's bottom would be 510 deep: the host refuses (ENFILE in
# the guest), nothing moves; an empty folder fits there (256), a small
# folder moves into a sibling.
chain=$(printf 'z/%.0s' $(seq 254))
mkdir -p "$proj/deep/$chain" "$proj/c2/$chain" "$proj/small/s/t" "$proj/empty"
[ "$(errno_of 'os.rename(sys.argv[1], sys.argv[2])' "$p/c2" "$p/deep/${chain}c2")" = ENFILE ] ||
	fail "a chain moved under another's bottom"
{ [ -d "$proj/c2/$chain" ] && [ ! -e "$proj/deep/${chain}c2" ]; } || fail "the refused move moved something"
mv "$p/empty" "$p/deep/${chain}empty" || fail "an empty folder to depth 256"
mv "$p/small" "$p/c2/small" || fail "a small folder into a sibling"
[ -d "$proj/c2/small/s/t" ] || fail "the small folder's move: host"
deepest=$(find "$proj" -type d -printf '%d\n' | sort -n | tail -n 1)
[ "$deepest" -le 256 ] || fail "a folder $deepest deep below the grant"
rm -r "$proj/deep" "$proj/c2"
pass "depth: a chain moved under another's bottom refused (ENFILE), nothing moved; at most 256 deep"

# --- Depth through two folders granted one inside the other (nb, 1 below
# proj), both writable: a shell's working directory x, made through the
# inner grant (and open: the portal keeps its node), is moved through the
# outer one to 255 below proj; from x,
# through the inner grant, folders can be made only 256 below nb (2 more,
# then ENOSPC), not 255 more (510 below proj).
mkdir -p "$proj/nb" "$proj/nd/$(printf 'z/%.0s' $(seq 253))"
plan "$proj/nb"
client --directory open
[ $rc -eq 0 ] || fail "the inner folder: status $rc: $(cat "$work/out")"
p2=$(out_path)
mkdir "$p2/x" || fail "mkdir through the inner grant"
levels=$("$python" - "$p2/x" "$p/nb/x" "$p/nd/$(printf 'z/%.0s' $(seq 253))x" <<'PY' 2>&1
import errno, os, subprocess, sys
os.chdir(sys.argv[1])
held = os.open(".", os.O_RDONLY | os.O_DIRECTORY)  # listing: its node is kept
subprocess.check_call(["mv", sys.argv[2], sys.argv[3]])
n = 0
while n < 600:
    try:
        os.mkdir("z")
    except OSError as e:
        print(n, errno.errorcode[e.errno])
        break
    os.chdir("z")
    n += 1
PY
) || fail "nested grants: $levels"
[ "$levels" = "2 ENOSPC" ] || fail "nested grants: $levels levels made below x"
deepest=$(find "$proj" -type d -printf '%d\n' | sort -n | tail -n 1)
[ "$deepest" -eq 257 ] || fail "nested grants: a folder $deepest deep below the outer grant"
rm -r "$proj/nd" "$proj/nb"
pass "nested writable grants: a folder moved through the outer one, built on through the inner one: 256 below the inner folder, no deeper"

# --- A folder of more folders than the host walks (4098 with itself)
# moved deeper: the host answers TOO_BIG, the portal EXDEV, and mv copies
# it (each folder made through the host, depth-checked) and removes it.
mkdir -p "$proj/into" "$proj/bigmv"
(cd "$proj/bigmv" && mkdir $(seq -f 'd%g' 0 4096))
printf 'kept\n' >"$proj/bigmv/d7/f"
[ "$(errno_of 'os.rename(sys.argv[1], sys.argv[2])' "$p/bigmv" "$p/into/bigmv")" = EXDEV ] ||
	fail "a folder too big to walk moved deeper: not EXDEV"
[ "$(find "$proj/bigmv" -mindepth 1 -type d | wc -l)" = 4097 ] || fail "the refused rename moved something"
t0=$(date +%s%N)
mv "$p/bigmv" "$p/into/" || fail "mv of a folder too big to walk (copied)"
mv_ms=$((($(date +%s%N) - t0) / 1000000))
{ [ ! -e "$proj/bigmv" ] && [ "$(cat "$proj/into/bigmv/d7/f")" = kept ]; } || fail "mv: not copied and removed"
[ "$(find "$proj/into/bigmv" -mindepth 1 -type d | wc -l)" = 4097 ] || fail "mv: folders lost"
rm -r "$proj/into"
pass "a folder of 4097 folders moved deeper: EXDEV, mv copied it and removed the original in $mv_ms ms"

# --- Links, FIFOs, "..", and renames across documents.
[ "$(errno_of 'os.stat(sys.argv[1])' "$p/link-out")" = EACCES ] || fail "a link to outside"
[ "$(errno_of 'open(sys.argv[1]).read()' "$p/secret-link")" = EACCES ] || fail "a link to the secret"
[ "$(errno_of 'open(sys.argv[1]).read()' "$p/link-out/secret")" = EACCES ] || fail "through a link"
[ "$(errno_of 'os.open(sys.argv[1], os.O_RDONLY)' "$p/fifo")" = EACCES ] || fail "a FIFO"
[ "$(errno_of 'os.symlink("/etc", sys.argv[1])' "$p/mylink")" = EPERM ] || fail "symlink made"
[ "$(errno_of 'os.link(sys.argv[1], sys.argv[2])' "$p/a.txt" "$p/a2")" = EPERM ] || fail "link made"
[ "$(errno_of 'os.mkfifo(sys.argv[1])' "$p/f2")" = EPERM ] || fail "FIFO made"
[ "$(errno_of 'os.unlink(sys.argv[1])' "$p/secret-link")" = EACCES ] || fail "unlink of a hidden link"
[ -L "$proj/secret-link" ] || fail "the hidden link went"
# ".." is the guest's own: it never reaches the host.
[ "$(cd "$p/sub/.." && pwd)" = "$p" ] || fail "'..' inside the folder"
[ "$(entries_of "$p/..")" = "proj " ] || fail "'..' of the folder: $(entries_of "$p/..")"
[ "$(cat "$p/sub/../a.txt")" = gio ] || fail "a path through '..'"
# Another document: a single file.
printf 'note\n' >"$work/host/note.txt"
plan "$work/host/note.txt"
client open
note=$(out_path)
[ "$(errno_of 'os.rename(sys.argv[1], sys.argv[2])' "$p/a.txt" "$(dirname "$note")/a.txt")" = EXDEV ] ||
	fail "rename into another document"
[ "$(errno_of 'os.rename(sys.argv[1], sys.argv[2])' "$note" "$p/note.txt")" = EXDEV ] ||
	fail "rename from another document"
{ [ "$(cat "$proj/a.txt")" = gio ] && [ ! -e "$proj/note.txt" ]; } || fail "a cross rename moved something"
outside_untouched
pass "links and FIFOs refused (EACCES), none made (EPERM); '..' stays in the guest; EXDEV across documents"

# --- A hard link to a file outside: read as the folder shows it; written,
# the name inside gets a new file and the outside file keeps its content.
[ "$(cat "$p/hl")" = "shared text" ] || fail "hard link: read"
"$python" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b"SHARED", 0)
os.fsync(fd)
os.close(fd)' "$p/hl" || fail "hard link: write"
[ "$(cat "$proj/hl")" = "SHARED text" ] || fail "hard link: host content inside"
[ "$(stat -c %h "$out/shared")" = 1 ] || fail "hard link: the outside file still has $(stat -c %h "$out/shared") names"
outside_untouched
pass "hard link: read; a write replaced the name inside, the outside file unchanged"

# --- A file replaced on the host while the guest reads it: one file, never a mix.
head -c 200000 /dev/zero | tr '\0' A >"$proj/big"
"$python" - "$p/big" "$proj" >"$work/mix.out" 2>&1 <<'PY' || fail "replaced while read: $(cat "$work/mix.out")"
import os, sys
path, host = sys.argv[1], sys.argv[2]
with open(path, "rb", buffering=0) as f:
    first = f.read(65536)
    with open(host + "/big.new", "wb") as n:
        n.write(b"B" * 200000)
    os.rename(host + "/big.new", host + "/big")
    rest = f.read()
data = first + rest
assert data == b"A" * 200000, "mixed: %d A, %d B" % (data.count(b"A"), data.count(b"B"))
with open(path, "rb") as f:
    again = f.read()
assert again == b"B" * 200000, "reopened: not the new file"
print("one file each time")
PY
pass "replaced on the host while read: $(cat "$work/mix.out")"

# --- Revoked with an open handle: the handle fails, the entry goes.
pread7() { "$python" -c 'import os, sys
try:
    os.pread(7, 5, 0)
except OSError as e:
    print(e.strerror)
    sys.exit(1)'; }
exec 7<"$p/sub/b.txt"
pread7 >/dev/null || fail "revoke: the first read failed"
"$APPVMCTL" "hybrid:$sock/vm.vsock" docs list >"$work/list" || fail "appvmctl docs list"
grep -q " $proj/$" "$work/list" || fail "docs list: $(cat "$work/list")"
"$APPVMCTL" "hybrid:$sock/vm.vsock" docs revoke "$(doc_id "$p")" >/dev/null || fail "docs revoke"
read_fails() { ! pread7 >/dev/null; }
wait_for 5 read_fails || fail "revoke: an open handle still reads"
exec 7<&-
listed() { [[ " $(entries_of "$mnt")" == *" $(doc_id "$p") "* ]]; }
unlisted() { ! listed; }
wait_for 5 unlisted || fail "revoke: the folder is still listed"
if ls "$p" >/dev/null 2>&1; then fail "revoke: the folder still lists"; fi
[ "$(cat "$proj/sub/b.txt")" = BETA ] || fail "revoke: the host file changed"
outside_untouched
pass "revoked: the open handle fails, the folder is gone, the host files stay"

# --- A folder moved shallower while the portal keeps idle folders deep in
# it: the host checks each held node (a level up each level below the
# moved folder, charged to a --walk-rate of 1000: 1276 here is more than
# the bucket holds, TOO_BIG); the portal gives its idle folders back and
# asks again (0 to check) before the kernel would hear EXDEV (mv copies).
kill "$portald_pid"
wait "$portald_pid" 2>/dev/null || true
start_portald --dialog-burst 100 --dialog-interval 10ms --folder-writable --walk-rate 1000
reconnected3() { [ "$(grep -c 'host: connected' "$work/portal.log")" -ge 3 ]; }
wait_for 10 reconnected3 || fail "the portal did not reconnect"
mkdir -p "$work/host/held/w/x/$(printf 'z/%.0s' $(seq 50))"
plan "$work/host/held"
client --directory open
[ $rc -eq 0 ] || fail "the folder with a chain: status $rc: $(cat "$work/out")"
p3=$(out_path)
[ "$(find "$p3/w" -type d | wc -l)" = 52 ] || fail "the chain through the portal"
held_ino=$(stat -c %i "$work/host/held/w/x")
[ "$(errno_of 'os.rename(sys.argv[1], sys.argv[2])' "$p3/w/x" "$p3/x")" = ok ] ||
	fail "a folder with idle folders held deep in it moved shallower: not renamed"
[ "$(stat -c %i "$work/host/held/x")" = "$held_ino" ] || fail "moved shallower: copied, not renamed"
[ "$(find "$p3/x" -type d | wc -l)" = 51 ] || fail "moved shallower: the chain through the portal"
pass "a folder moved shallower past the checks' budget with idle folders held in it: renamed after they were given back"

stop_portal
pass "stopped on TERM (status 0), mount gone"
