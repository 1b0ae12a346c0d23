#!/usr/bin/env bash
# appvm-portal without a VM (ctest label "ns"): a real dbus-daemon, real FUSE
# (in a private mount namespace), the real host daemon appvm-portald over
# Unix sockets with its command chooser playing the user, and third-party
# clients: gdbus, dbus-send, dbus-monitor, GIO and GTK 3's
# GtkFileChooserNative through python3-gi (under Xvfb), sed.
#
# Usage: tests/portal/integration.sh
# Environment: APPVM_PORTAL, APPVM_PORTALD, APPVMCTL, PORTAL_CLIENT (the
# binaries), APPVM_TEST_WORK (work directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/portal/lib.sh
. "$here/lib.sh"
portal_ns_test integration "$@"
python=/usr/bin/python3
fail() { portal_fail "portal integration" "$*"; }

stack_chooser
stack_bus
start_portald --dialog-burst 100 --dialog-interval 10ms
start_portal --scratch-limit 8
pass "bus name owned, filesystem mounted, host connected"

# A second daemon for the same VM, and one where a file that is not a socket
# lies, refuse to start (exit 1) and say why; the first keeps serving, the
# file stays.
refused() { # LOG-TEXT ARGS...
	local want=$1 rc=0
	shift
	"$APPVM_PORTALD" "$@" >"$work/refused" 2>&1 || rc=$?
	if [ $rc -ne 1 ] || ! grep -qF "$want" "$work/refused"; then
		fail "appvm-portald $*: exit $rc, $(cat "$work/refused")"
	fi
}
refused "cannot listen on $sock/vm.vsock_1026: another process is serving it" \
	--name other --vsock "$sock/vm.vsock"
echo keep >"$work/plain.portal.ctl"
refused "cannot listen on $work/plain.portal.ctl: a file that is not a socket is in the way" \
	--name other --vsock "$work/plain"
if [ "$(cat "$work/plain.portal.ctl")" != keep ] || [ -e "$work/plain_1026" ]; then
	fail "the refused daemon touched $work/plain.portal.ctl or left $work/plain_1026"
fi
kill -0 "$portald_pid" || fail "the first daemon is gone"
pass "a second daemon, or a file in the way, is refused with the reason"

# Readahead: raised before INIT (the kernel keeps the smaller of the mount's
# and the INIT reply's), so a sequential read keeps 1 MiB in flight.
dev=$(mountpoint -d "$mnt") || fail "no device for $mnt"
[ "$(cat "/sys/class/bdi/$dev/read_ahead_kb")" = 1024 ] ||
	fail "readahead of $dev: $(cat "/sys/class/bdi/$dev/read_ahead_kb") KiB, not 1024"
pass "readahead 1024 KiB"

# client ARGS...: runs portal-client; its output in $work/out, status in $rc.
client() {
	set +e
	"$PORTAL_CLIENT" --timeout 20 "$@" >"$work/out" 2>&1
	rc=$?
	set -e
}
out_path() { sed -n 's/^path //p' "$work/out" | head -n 1; }
doc_id() { basename "$(dirname "$1")"; }

# --- The D-Bus surface, with gdbus, dbus-send and GIO.
call() { gdbus call --session --dest org.freedesktop.portal.Desktop \
	--object-path /org/freedesktop/portal/desktop --method "$@" 2>&1 || true; }
[ "$(call org.freedesktop.DBus.Properties.Get org.freedesktop.portal.FileChooser version)" = "(<uint32 3>,)" ] ||
	fail "FileChooser version"
[ "$(call org.freedesktop.portal.Settings.ReadAll '[]')" = "(@a{sa{sv}} {},)" ] || fail "Settings.ReadAll"
out=$(call org.freedesktop.portal.Settings.Read org.gnome.desktop.interface color-scheme)
[[ $out == *"org.freedesktop.portal.Error.NotFound"* ]] || fail "Settings.Read: $out"
out=$(call org.freedesktop.portal.FileChooser.OpenFile "" t "{'multiple': <'yes'>}")
[[ $out == *"portal.Error.InvalidArgument: expected type for key multiple is b"* ]] ||
	fail "a wrongly typed option: $out"
out=$(call org.freedesktop.portal.FileChooser.OpenFile "" t "{'filters': <[('Text', @a(us) [])]>}")
[[ $out == *"InvalidArgument: invalid filter: no filters"* ]] || fail "a filter without patterns: $out"
out=$(dbus-send --session --print-reply --dest=org.freedesktop.portal.Desktop \
	/org/freedesktop/portal/desktop org.freedesktop.portal.FileChooser.OpenFile string:only 2>&1 || true)
[[ $out == *"org.freedesktop.DBus.Error.InvalidArgs"* ]] || fail "a call of the wrong signature: $out"
cat >"$work/gio.py" <<'EOF'
from gi.repository import Gio, GLib
mon = Gio.NetworkMonitor.get_default()
loop = GLib.MainLoop()
GLib.timeout_add(20, lambda: (loop.quit() if mon.get_network_available() else True))
GLib.timeout_add(30000, loop.quit)
loop.run()
print(type(mon).__name__, mon.get_network_available(), int(mon.get_connectivity()),
      mon.get_network_metered())
r = Gio.ProxyResolver.get_default()
print(type(r).__name__, r.lookup("http://example.com/", None))
EOF
out=$(GTK_USE_PORTAL=1 "$python" "$work/gio.py" 2>&1)
[ "$out" = "GNetworkMonitorPortal True 4 False
GProxyResolverPortal ['direct://']" ] || fail "GIO through the portal: $out"
# Trash: a clear failure (no trash can in a VM), the file stays.
printf 'x' >"$work/trash-me"
out=$(GTK_USE_PORTAL=1 "$python" -c 'import sys; from gi.repository import Gio
try:
    Gio.File.new_for_path(sys.argv[1]).trash(None)
    print("trashed")
except Exception as e:
    print("refused")' "$work/trash-me" 2>&1)
if [ "$out" != refused ] || [ ! -e "$work/trash-me" ]; then fail "Trash: $out"; fi
grep -q "TrashFile from .* refused" "$work/portal.log" || fail "Trash: the portal was not asked"
pass "D-Bus surface: properties, Settings, errors, GIO network monitor, proxy resolver and trash"

# --- Open: the content equals the host file; the Response is unicast and late enough.
printf 'hello from the host\n' >"$work/host/notes.txt"
dbus-monitor "type='signal',interface='org.freedesktop.portal.Request'" >"$work/monitor.log" 2>&1 &
mon=$!
pids+=("$mon")
# The monitor has subscribed once it shows a marker signal of the same
# interface: markers are sent until one shows.
marked() {
	dbus-send --session --type=signal /org/appvm/test org.freedesktop.portal.Request.Marker
	grep -q "member=Marker" "$work/monitor.log"
}
wait_for 30 marked || fail "dbus-monitor never showed a marker signal"
plan "$work/host/notes.txt"
client --token open1 --title "Open notes" --filter "Text=*.txt" open
[ $rc -eq 0 ] || fail "open: status $rc: $(cat "$work/out")"
notes=$(out_path)
[ "$(cat "$notes")" = "hello from the host" ] || fail "open: content differs"
waited=$(sed -n 's/^response 0 after \([0-9]*\) ms/\1/p' "$work/out")
# The portal waits 250 ms from sending the reply; the client counts from
# receiving it, in whole milliseconds.
[ "$waited" -ge 240 ] || fail "open: the Response came $waited ms after the reply"
grep -q "^uri file://$mnt/[0-9a-f]\{16\}/notes.txt$" "$work/out" || fail "open: URI"
grep -q "APPVM_CHOOSER_TITLE=\[itest\] Open notes" "$work/chooser.log" || fail "open: title not passed on"
wait_for 20 grep -q "member=Response" "$work/monitor.log" || fail "open: dbus-monitor saw no Response"
{ grep -q "member=Response" "$work/monitor.log" &&
	! grep "member=Response" "$work/monitor.log" | grep -vq "destination=:"; } ||
	fail "open: a Response was broadcast"
kill "$mon"
[ "$(stat -c %A "$notes")" = "-r--r--r--" ] || fail "open: mode $(stat -c %A "$notes")"
if (printf x >>"$notes") 2>/dev/null; then fail "open: a read-only document took a write"; fi
[ "$(cat "$work/host/notes.txt")" = "hello from the host" ] || fail "open: host file changed"
pass "open: content, URI, unicast Response after ${waited} ms, read-only"

# --- Several files, the filter and choices the user set, SaveFiles.
printf 'second\n' >"$work/host/second.txt"
plan "$work/host/notes.txt" "$work/host/second.txt" "filter 1" "choice ro true"
client --multiple --filter "Text=*.txt" --filter "All=*" --current-filter 0 --choice ro=false open
[ $rc -eq 0 ] || fail "open several: status $rc: $(cat "$work/out")"
[ "$(grep -c '^path ' "$work/out")" -eq 2 ] || fail "open several: $(cat "$work/out")"
second=$(sed -n 's/^path //p' "$work/out" | sed -n 2p)
[ "$(cat "$second")" = "second" ] || fail "open several: the second file"
grep -qx "filter All" "$work/out" || fail "open several: the filter the user chose"
grep -qx "choice ro true" "$work/out" || fail "open several: the choice"
mkdir "$work/host/batch"
plan "$work/host/batch"
client --file /home/app/a.txt --file b.txt save-many
[ $rc -eq 0 ] || fail "save-many: status $rc: $(cat "$work/out")"
[ "$(grep -c '^path ' "$work/out")" -eq 2 ] || fail "save-many: $(cat "$work/out")"
i=0
while read -r p; do
	i=$((i + 1))
	printf 'file %s\n' "$i" >"$p" || fail "save-many: cannot write $p"
done < <(sed -n 's/^path //p' "$work/out")
{ [ "$(cat "$work/host/batch/a.txt")" = "file 1" ] && [ "$(cat "$work/host/batch/b.txt")" = "file 2" ]; } ||
	fail "save-many: host files: $(ls "$work/host/batch")"
pass "open several with the user's filter and choice; SaveFiles into a folder"

# --- Save a new file (shell redirection), then overwrite it (GIO replace_contents:
# scratch file + rename), then in place (python: write at an offset, fsync).
plan "$work/host/report.txt"
client --name report.txt save
[ $rc -eq 0 ] || fail "save: status $rc: $(cat "$work/out")"
report=$(out_path)
[ ! -e "$report" ] || fail "save: a file that does not exist yet is shown"
printf 'first version\n' >"$report" || fail "save: cannot create"
[ "$(cat "$work/host/report.txt")" = "first version" ] || fail "save: host content"
ino1=$(stat -c %i "$work/host/report.txt")
"$python" -c 'import sys; from gi.repository import Gio
Gio.File.new_for_path(sys.argv[1]).replace_contents(b"second version\n", None, False, Gio.FileCreateFlags.NONE, None)' \
	"$report" || fail "GIO replace_contents failed"
[ "$(cat "$work/host/report.txt")" = "second version" ] || fail "GIO save: host content"
ino2=$(stat -c %i "$work/host/report.txt")
[ "$ino1" != "$ino2" ] || fail "GIO save: the host file was not replaced (same inode)"
[ "$(cat "$report")" = "second version" ] || fail "GIO save: guest content"
"$python" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b"SECOND", 0)
os.fsync(fd)
os.close(fd)' "$report" || fail "in-place write failed"
[ "$(cat "$work/host/report.txt")" = "SECOND version" ] || fail "in place: host content"
sed -i 's/version/edition/' "$report" || fail "sed -i failed"
d=$(dirname "$report")
[ "$(cat "$work/host/report.txt")" = "SECOND edition" ] || fail "sed -i: host content"
if command -v vim >/dev/null; then
	# In place: swap, test and backup files are scratch files.
	vim -u NONE -N -es -c 's/SECOND/THIRD/' -c wq "$report" </dev/null || fail "vim failed"
	[ "$(cat "$work/host/report.txt")" = "THIRD edition" ] || fail "vim: host content"
	[ -z "$(ls -A "$d")" ] || [ "$(ls -A "$d")" = report.txt ] || fail "vim left $(ls -A "$d")"
	vim_note=", vim"
else
	vim_note=" (no vim installed: not tried)"
fi
[ "$(entries_of "$work/host")" = "batch notes.txt report.txt second.txt " ] ||
	fail "stray files on the host: $(ls -A "$work/host")"
pass "save: new file, GIO replace (new inode $ino1 -> $ino2), in place + fsync, sed -i$vim_note; nothing stray"

# --- Bigger than one transfer window: 3 MiB both ways, in place and by rename.
head -c 3145728 /dev/urandom >"$work/big.src"
plan "$work/host/big.bin"
client save
big=$(out_path)
cp "$work/big.src" "$big" || fail "big: cp"
cmp -s "$work/big.src" "$work/host/big.bin" || fail "big: host content after cp"
cmp -s "$work/big.src" "$big" || fail "big: guest read back"
head -c 1048576 /dev/urandom >"$work/big2.src"
{ cp "$work/big2.src" "$(dirname "$big")/.big.tmp" && mv "$(dirname "$big")/.big.tmp" "$big"; } ||
	fail "big: scratch + rename"
cmp -s "$work/big2.src" "$work/host/big.bin" || fail "big: host content after rename"
# Scratch files are bounded (--scratch-limit 8 MiB).
if head -c 9437184 /dev/zero >"$(dirname "$big")/.huge" 2>"$work/err"; then
	fail "scratch: 9 MiB fit in an 8 MiB budget"
fi
grep -q "No space left" "$work/err" || fail "scratch: $(cat "$work/err")"
rm -f "$(dirname "$big")/.huge"
pass "3 MiB written in place and read back, 1 MiB by rename; scratch budget enforced"

# --- What the filesystem refuses, and unlink.
if mkdir "$d/sub" 2>/dev/null; then fail "mkdir in a document directory"; fi
if mv "$report" "$d/elsewhere" 2>/dev/null; then fail "the document's name was moved"; fi
printf 'x' >"$d/.scratch"
err=$("$python" -c 'import os, sys
try:
    os.rename(sys.argv[1], sys.argv[2])
except OSError as e:
    print(e.strerror)' "$d/.scratch" "$(dirname "$notes")/x")
[ "$err" = "Invalid cross-device link" ] || fail "cross-document rename: $err"
rm "$d/.scratch"
cp "$work/host/report.txt" "$work/report.before"
rm "$report" || fail "unlink of the document name"
[ ! -e "$report" ] || fail "unlink: the name is still there"
[ "$(cat "$work/host/report.txt")" = "$(cat "$work/report.before")" ] ||
	fail "unlink: the host file changed"
printf 'made again\n' >"$report"
[ "$(cat "$work/host/report.txt")" = "made again" ] || fail "unlink: re-create did not reach the host"
# Qt's QSaveFile: O_TMPFILE is refused, so it falls back to a named file and
# renameat2(RENAME_NOREPLACE), which refuses to replace an existing document
# and makes a missing one.
out=$("$python" - "$d" "$report" <<'PY'
import ctypes, errno, os, sys
d, doc = sys.argv[1], sys.argv[2]
try:
    os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o600)
    print("O_TMPFILE worked")
except OSError as e:
    print("O_TMPFILE", "EOPNOTSUPP" if e.errno == errno.EOPNOTSUPP else errno.errorcode[e.errno])
libc = ctypes.CDLL(None, use_errno=True)
def noreplace(src, dst):
    r = libc.renameat2(-100, src.encode(), -100, dst.encode(), 1)
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]
tmp = os.path.join(d, "report.txt.Xa1b2c")
with open(tmp, "w") as f:
    f.write("qt version\n")
print("noreplace onto the document", noreplace(tmp, doc))
os.unlink(doc)
print("noreplace onto the unlinked name", noreplace(tmp, doc))
PY
)
[ "$out" = "O_TMPFILE EOPNOTSUPP
noreplace onto the document EEXIST
noreplace onto the unlinked name ok" ] || fail "QSaveFile's way: $out"
[ "$(cat "$work/host/report.txt")" = "qt version" ] || fail "QSaveFile's way: host content"
printf 'made again\n' >"$report"
pass "mkdir, moving the name, cross-document rename refused; unlink keeps the host file; O_TMPFILE and RENAME_NOREPLACE as QSaveFile needs"

# --- Cancel, and Request.Close while the dialog is open.
plan cancel
client open
[ $rc -eq 1 ] || fail "cancel: status $rc: $(cat "$work/out")"
grep -q "^no uris" "$work/out" && fail "cancel: uris missing from the results"
plan "sleep 10" "$work/host/notes.txt"
client --close-after 500 open
{ [ $rc -eq 0 ] && grep -q "^closed" "$work/out"; } || fail "close: status $rc: $(cat "$work/out")"
wait_for 30 grep -q "closed by the caller" "$work/portal.log" || fail "close: not seen"
pass "cancel: response 1 with uris; Request.Close: no Response"

# --- GTK 3 GtkFileChooserNative, as an app with GTK_USE_PORTAL=1.
cat >"$work/gtk.py" <<'EOF'
import sys, gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, GLib, Gio
mode = sys.argv[1]
action = Gtk.FileChooserAction.SAVE if mode == "save" else Gtk.FileChooserAction.OPEN
d = Gtk.FileChooserNative.new("GTK " + mode, None, action, None, None)
if mode == "save":
    d.set_current_name("gtk.txt")
def on_response(dialog, response):
    print("response", response)
    if response == Gtk.ResponseType.ACCEPT:
        f = dialog.get_file()
        if mode == "save":
            f.replace_contents(b"written by GTK\n", None, False, Gio.FileCreateFlags.NONE, None)
            print("saved", f.get_path())
        else:
            print("content", f.load_contents(None)[1].decode().strip())
    Gtk.main_quit()
d.connect("response", on_response)
d.show()
GLib.timeout_add(90000, Gtk.main_quit)
Gtk.main()
EOF
gtk() { GTK_USE_PORTAL=1 NO_AT_BRIDGE=1 timeout 120 xvfb-run -a "$python" "$work/gtk.py" "$@" 2>"$work/gtk.err"; }
plan "$work/host/notes.txt"
out=$(gtk open) || fail "GTK open: $(cat "$work/gtk.err")"
[ "$out" = "response -3
content hello from the host" ] || fail "GTK open: $out"
printf 'old\n' >"$work/host/gtk.txt"
ino1=$(stat -c %i "$work/host/gtk.txt")
plan "$work/host/gtk.txt"
out=$(gtk save) || fail "GTK save: $(cat "$work/gtk.err")"
echo "$out" | grep -q "^saved $mnt/" || fail "GTK save: $out"
[ "$(cat "$work/host/gtk.txt")" = "written by GTK" ] || fail "GTK save: host content"
[ "$ino1" != "$(stat -c %i "$work/host/gtk.txt")" ] || fail "GTK save: not replaced atomically"
[ "$(entries_of "$work/host")" = "batch big.bin gtk.txt notes.txt report.txt second.txt " ] ||
	fail "GTK save: stray files: $(ls -A "$work/host")"
pass "GTK 3 FileChooserNative: open reads the host file, save replaces it atomically"

# --- Revocation: open handles fail, the entry goes.
# pread7: reads the start of the file open on descriptor 7 (inherited).
pread7() { "$python" -c 'import os, sys
try:
    os.pread(7, 5, 0)
except OSError as e:
    print(e.strerror)
    sys.exit(1)'; }
exec 7<"$notes"
pread7 >/dev/null || fail "revoke: the first read failed"
"$APPVMCTL" "hybrid:$sock/vm.vsock" docs revoke "$(doc_id "$notes")" >/dev/null ||
	fail "appvmctl docs revoke failed"
wait_for 20 grep -q "revoked" "$work/portal.log" || fail "revoke: the portal heard nothing"
read_fails() { ! pread7 >/dev/null; }
wait_for 20 read_fails || fail "revoke: an open handle still reads"
pread7 >"$work/err" || true
exec 7<&-
if cat "$notes" >/dev/null 2>&1; then fail "revoke: the path still reads"; fi
[[ " $(entries_of "$mnt") " != *" $(doc_id "$notes") "* ]] || fail "revoke: the entry is still listed"
[ -e "$work/host/notes.txt" ] || fail "revoke: the host file went"
pass "revoke: open handle fails ($(cat "$work/err")), entry gone"

# --- Idle costs nothing.
ticks() { awk '{print $14 + $15}' "/proc/$portal_pid/stat"; }
t0=$(ticks)
sleep 2
t1=$(ticks)
[ $((t1 - t0)) -le 1 ] || fail "idle: $((t1 - t0)) CPU ticks in 2 s"
pass "idle: $((t1 - t0)) CPU ticks in 2 s"

# --- The host daemon restarts with a strict dialog rate: the portal
# reconnects; documents of the old daemon are gone; an edit in progress is
# lost, never half-applied; a second dialog in a row is refused with
# response 2, quickly.
before=$(cat "$work/host/report.txt")
"$python" - "$report" "$work/go" >"$work/lost.out" 2>&1 <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"LOST", 0)
open(sys.argv[2] + ".written", "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
try:
    os.pwrite(fd, b"MORE", 4)
    os.fsync(fd)
    print("wrote")
except OSError as e:
    print("failed:", e.strerror)
try:
    os.close(fd)
except OSError:
    pass  # the close of a document the guest lost fails too
PY
writer=$!
wait_for 20 test -e "$work/go.written" || fail "the writer did not start"
kill "$portald_pid"
wait "$portald_pid" 2>/dev/null || true
portald_start itest --dialog-burst 1 --dialog-interval 60s
reconnected() { [ "$(grep -c 'host: connected' "$work/portal.log")" -ge 2 ]; }
wait_for 30 reconnected || fail "the portal did not reconnect"
touch "$work/go"
wait "$writer" || true
grep -q "^failed: " "$work/lost.out" || fail "an edit across a host restart: $(cat "$work/lost.out")"
[ "$(cat "$work/host/report.txt")" = "$before" ] || fail "a lost edit reached the host file"
if cat "$big" >/dev/null 2>&1; then fail "a document of the old daemon still reads"; fi
unlisted() { [[ " $(entries_of "$mnt") " != *" $1 "* ]]; }
wait_for 20 unlisted "$(doc_id "$big")" || fail "an old document is still listed"
plan "$work/host/notes.txt"
client open
[ $rc -eq 0 ] || fail "after the restart: status $rc"
t0=$(date +%s%3N)
client open
t1=$(date +%s%3N)
[ $rc -eq 2 ] || fail "rate limit: status $rc: $(cat "$work/out")"
# Quickly: far below the 60 s interval, with room for a loaded machine.
[ $((t1 - t0)) -lt 10000 ] || fail "rate limit: the answer took $((t1 - t0)) ms"
pass "reconnect; old documents gone, an edit in progress lost ($(cat "$work/lost.out")); rate limited: response 2 in $((t1 - t0)) ms"

# --- Stopping: the portal ends on TERM and its mount goes.
stop_portal
pass "stopped on TERM (status 0), mount gone"
