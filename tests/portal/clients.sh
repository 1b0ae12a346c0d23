#!/usr/bin/env bash
# Unmodified third-party clients of the FileChooser portal, without a VM
# (ctest label "ns"): the real appvm-portal (FUSE in a private mount
# namespace) on a private dbus-daemon, the real appvm-portald over Unix
# sockets with its command chooser playing the user, one Xvfb; clients:
#
#   zenity --file-selection    GTK 3, GTK_USE_PORTAL=1
#   gtk4_chooser.py            GTK 4 Gtk.FileChooserNative, GDK_DEBUG=portals
#   qt5_chooser.py             Qt 5 QFileDialog + QFile/QSaveFile,
#                              QT_QPA_PLATFORMTHEME=xdgdesktopportal
#   libportal_chooser.py       libportal (gir1.2-xdp-1.0) + GIO
#
# Each opens one file and several (content read back through the toolkit),
# saves (the host file has the toolkit's bytes, replaced atomically), and
# sees a cancel; libportal saves several files (SaveFiles). Every request
# must have reached the host's chooser in the mode the client asked for.
#
#   tests/portal/clients.sh           the above (ctest portal_clients)
#   tests/portal/clients.sh folders   folder selection by zenity, GTK 4 and
#                                     Qt (ctest portal_clients_folders)
#
# Environment: APPVM_PORTAL, APPVM_PORTALD, PORTAL_CLIENT (the binaries),
# APPVM_TEST_WORK (work directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/testlib.sh
. "$here/../testlib.sh"
[ "$(id -u)" -eq 0 ] || test_skip "needs root (FUSE mounts)"
: "${APPVM_PORTAL:?}" "${APPVM_PORTALD:?}" "${PORTAL_CLIENT:?}"
mode=${1:-files}
case $mode in files | folders) ;; *)
	echo "usage: $0 [folders]" >&2
	exit 2
	;;
esac
python=/usr/bin/python3
for need in zenity Xvfb "$python"; do
	command -v "$need" >/dev/null || test_skip "$need is not installed (scripts/setup)"
done
for mod in "gi.require_version('Gtk', '4.0')" "import PyQt5.QtWidgets" "gi.require_version('Xdp', '1.0')"; do
	"$python" -c "import gi; $mod" 2>/dev/null ||
		test_skip "python3 cannot $mod (scripts/setup installs gir1.2-gtk-4.0, python3-pyqt5, gir1.2-xdp-1.0)"
done
[ -e /usr/lib/x86_64-linux-gnu/qt5/plugins/platformthemes/libqxdgdesktopportal.so ] ||
	test_skip "Qt 5's xdgdesktopportal platform theme is not installed (qt5-xdgdesktopportal-platformtheme)"
if [ -z "${PORTAL_TEST_NS:-}" ]; then
	# The document filesystem vanishes with this mount namespace.
	exec env PORTAL_TEST_NS=1 unshare -m --propagation private "$0" "$@"
fi
work=${APPVM_TEST_WORK:-$(mktemp -d /var/tmp/appvm-portal.XXXXXX)}/clients-$mode
rm -rf "$work"
mkdir -p "$work/host"
# Sockets in a short directory: sun_path holds 107 bytes.
sock=$(mktemp -d /var/tmp/appvm-pc.XXXXXX)
# shellcheck source=tests/portal/lib.sh
. "$here/lib.sh"
cleanup() {
	stop_started
	rm -rf "$sock"
}
trap cleanup EXIT
fail() {
	printf -- '--- client output:\n' >&2
	cat "$work/out" >&2 2>/dev/null || true
	portal_logs="client portal portald chooser" portal_fail "portal clients" "$*"
}

stack_chooser
stack_bus
start_portald --dialog-burst 100 --dialog-interval 10ms
start_portal -v

# One X server for every client (GTK 3, GTK 4 and Qt all need a display,
# even when the dialog is the host's).
Xvfb -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>"$work/xvfb.display" 2>"$work/xvfb.log" &
pids+=("$!")
wait_for 10 test -s "$work/xvfb.display" || fail "Xvfb did not start"
DISPLAY=:$(cat "$work/xvfb.display")
export DISPLAY
# What appvm-init gives an app with [portal] app-env = yes.
export GTK_USE_PORTAL=1 GDK_DEBUG=portals QT_QPA_PLATFORMTHEME=xdgdesktopportal
# No accessibility bus here; a runtime directory of the app's own.
export NO_AT_BRIDGE=1 GTK_A11Y=none XDG_RUNTIME_DIR=$sock/xdg
mkdir -m 0700 "$XDG_RUNTIME_DIR"

printf 'hello from the host\n' >"$work/host/notes.txt"
printf 'second file\n' >"$work/host/second.txt"

# client NAME ARGS...: runs a client (NAME labels the failures) with a fresh
# chooser log; its stdout in $work/out, stderr in $work/client.log, status
# in $rc.
client() {
	local name=$1
	shift
	: >"$work/chooser.log"
	set +e
	timeout 90 "$@" >"$work/out" 2>"$work/client.log"
	rc=$?
	set -e
	[ $rc -ne 124 ] || fail "$name: no answer within 90 s"
}
paths() { sed -n 's/^path //p' "$work/out"; }
# asked NAME MODE MULTIPLE: the host's chooser was asked exactly once, in
# MODE (open, save, save-many), MULTIPLE 1 or 0, with a title from the VM.
asked() {
	[ "$(grep -c '^---$' "$work/chooser.log")" -eq 1 ] ||
		fail "$1: the chooser was asked $(grep -c '^---$' "$work/chooser.log") times"
	grep -qx "APPVM_CHOOSER_MODE=$2" "$work/chooser.log" || fail "$1: the chooser's mode is not $2"
	grep -qx "APPVM_CHOOSER_MULTIPLE=$3" "$work/chooser.log" || fail "$1: multiple is not $3"
	grep -q '^APPVM_CHOOSER_TITLE=\[itest\] .' "$work/chooser.log" || fail "$1: no title"
}
# opened NAME PATHS...: the client read each picked host file's first line
# through the document filesystem (its "content" lines, in any order: GTK
# lists several files in the reverse order of the portal's answer).
opened() {
	local name=$1 p expect=() got
	shift
	for p in "$@"; do expect+=("content $mnt/*/$(basename "$p"): $(head -n 1 "$p")"); done
	mapfile -t expect < <(printf '%s\n' "${expect[@]}" | sort -t: -k2)
	mapfile -t got < <(grep '^content ' "$work/out" | sort -t: -k2)
	[ ${#got[@]} -eq ${#expect[@]} ] || fail "$name: ${#got[@]} files read, expected ${#expect[@]}"
	for i in "${!expect[@]}"; do
		# shellcheck disable=SC2053 # the expected line is a pattern (the document id)
		[[ ${got[$i]} == ${expect[$i]} ]] || fail "$name: read '${got[$i]}', expected '${expect[$i]}'"
	done
}
# saved NAME HOSTFILE TEXT: the client saved TEXT into HOSTFILE through the
# portal; a file that existed was replaced (a new inode), never rewritten
# in place behind a reader's back.
saved() {
	local name=$1 file=$2 text=$3 ino_before=$4
	grep -q "^saved $mnt/[0-9a-f]\{16\}/$(basename "$file")$" "$work/out" || fail "$name: not saved"
	[ "$(cat "$file")" = "$text" ] || fail "$name: the host file has '$(cat "$file")'"
	[ -z "$ino_before" ] || [ "$(stat -c %i "$file")" != "$ino_before" ] ||
		fail "$name: the host file was rewritten in place"
}

if [ "$mode" = folders ]; then
	# shellcheck source=tests/portal/clients-folders.sh
	. "$here/clients-folders.sh"
	exit 0
fi

# --- zenity (GTK 3 GtkFileChooserNative).
plan "$work/host/notes.txt"
client zenity zenity --file-selection --title "Zenity open" --file-filter 'Text | *.txt'
{ [ $rc -eq 0 ] && [ "$(wc -l <"$work/out")" -eq 1 ]; } || fail "zenity open: status $rc"
asked "zenity open" open 0
grep -q '"pattern":"\*.txt"' "$work/chooser.log" || fail "zenity open: its filter did not reach the host"
p=$(cat "$work/out")
{ [[ $p == "$mnt"/*/notes.txt ]] && [ "$(cat "$p")" = "hello from the host" ]; } || fail "zenity open: $p"
plan "$work/host/notes.txt" "$work/host/second.txt"
client zenity zenity --file-selection --multiple --separator=$'\n'
[ $rc -eq 0 ] || fail "zenity open several: status $rc"
asked "zenity open several" open 1
{ [ "$(wc -l <"$work/out")" -eq 2 ] && [ "$(xargs -d '\n' cat <"$work/out" | sort | tr '\n' ,)" = "hello from the host,second file," ]; } ||
	fail "zenity open several"
printf 'old\n' >"$work/host/zenity.txt"
plan "$work/host/zenity.txt"
client zenity zenity --file-selection --save --filename zenity.txt
[ $rc -eq 0 ] || fail "zenity save: status $rc"
asked "zenity save" save 0
grep -qx 'APPVM_CHOOSER_NAME=zenity.txt' "$work/chooser.log" || fail "zenity save: the suggested name"
p=$(cat "$work/out")
printf 'written after zenity\n' >"$p" || fail "zenity save: cannot write $p"
[ "$(cat "$work/host/zenity.txt")" = "written after zenity" ] || fail "zenity save: host content"
plan cancel
client zenity zenity --file-selection
{ [ $rc -eq 1 ] && [ ! -s "$work/out" ]; } || fail "zenity cancel: status $rc"
pass "zenity (GTK 3): open one and several files, save, cancel"

# --- GTK 4, python3-gi.
gtk4=("$python" "$here/clients/gtk4_chooser.py")
plan "$work/host/notes.txt"
client gtk4 "${gtk4[@]}" open
{ [ $rc -eq 0 ] && grep -qx 'response accept' "$work/out"; } || fail "GTK 4 open: status $rc"
asked "GTK 4 open" open 0
opened "GTK 4 open" "$work/host/notes.txt"
plan "$work/host/notes.txt" "$work/host/second.txt"
client gtk4 "${gtk4[@]}" open-many
asked "GTK 4 open several" open 1
opened "GTK 4 open several" "$work/host/notes.txt" "$work/host/second.txt"
printf 'old\n' >"$work/host/gtk4.txt"
ino=$(stat -c %i "$work/host/gtk4.txt")
plan "$work/host/gtk4.txt"
client gtk4 "${gtk4[@]}" save "written by GTK 4"
asked "GTK 4 save" save 0
grep -qx 'APPVM_CHOOSER_NAME=gtk4.txt' "$work/chooser.log" || fail "GTK 4 save: the suggested name"
saved "GTK 4 save" "$work/host/gtk4.txt" "written by GTK 4" "$ino"
plan cancel
client gtk4 "${gtk4[@]}" open
{ [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "response cancel" ]; } || fail "GTK 4 cancel"
pass "GTK 4 FileChooserNative: open one and several files, save (GIO), cancel"

# --- Qt 5, PyQt5 with the xdgdesktopportal platform theme.
qt5=("$python" "$here/clients/qt5_chooser.py")
plan "$work/host/notes.txt"
client qt5 "${qt5[@]}" open
{ [ $rc -eq 0 ] && grep -qx 'response accept' "$work/out"; } || fail "Qt open: status $rc"
asked "Qt open" open 0
grep -q '"pattern":"\*.txt"' "$work/chooser.log" || fail "Qt open: its filter did not reach the host"
opened "Qt open" "$work/host/notes.txt"
plan "$work/host/notes.txt" "$work/host/second.txt"
client qt5 "${qt5[@]}" open-many
asked "Qt open several" open 1
opened "Qt open several" "$work/host/notes.txt" "$work/host/second.txt"
printf 'old\n' >"$work/host/qt5.txt"
ino=$(stat -c %i "$work/host/qt5.txt")
plan "$work/host/qt5.txt"
client qt5 "${qt5[@]}" save "written by Qt"
[ $rc -eq 0 ] || fail "Qt save: status $rc"
asked "Qt save" save 0
saved "Qt save (QSaveFile)" "$work/host/qt5.txt" "written by Qt" "$ino"
plan cancel
client qt5 "${qt5[@]}" open
{ [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "response cancel" ]; } || fail "Qt cancel"
pass "Qt 5 QFileDialog: open one and several files, save (QSaveFile), cancel"

# --- libportal.
xdp=("$python" "$here/clients/libportal_chooser.py")
plan "$work/host/notes.txt"
client libportal "${xdp[@]}" open
{ [ $rc -eq 0 ] && grep -qx 'response accept' "$work/out"; } || fail "libportal open: status $rc"
asked "libportal open" open 0
opened "libportal open" "$work/host/notes.txt"
plan "$work/host/notes.txt" "$work/host/second.txt"
client libportal "${xdp[@]}" open-many
asked "libportal open several" open 1
opened "libportal open several" "$work/host/notes.txt" "$work/host/second.txt"
plan "$work/host/libportal.txt"
client libportal "${xdp[@]}" save "written by libportal"
asked "libportal save" save 0
saved "libportal save" "$work/host/libportal.txt" "written by libportal" ""
mkdir "$work/host/many"
plan "$work/host/many"
client libportal "${xdp[@]}" save-many "libportal batch"
asked "libportal SaveFiles" save-many 0
[ "$(paths | wc -l)" -eq 2 ] || fail "libportal SaveFiles: $(paths | wc -l) files"
saved "libportal SaveFiles" "$work/host/many/one.txt" "libportal batch one.txt" ""
saved "libportal SaveFiles" "$work/host/many/two.txt" "libportal batch two.txt" ""
plan cancel
client libportal "${xdp[@]}" save "never"
{ [ $rc -eq 0 ] && [ "$(cat "$work/out")" = "response cancel" ]; } || fail "libportal cancel"
pass "libportal: open one and several files, save, SaveFiles, cancel"

# Nothing but what the clients saved appeared on the host.
[ "$(entries_of "$work/host")" = "gtk4.txt libportal.txt many notes.txt qt5.txt second.txt zenity.txt " ] ||
	fail "stray files on the host: $(entries_of "$work/host")"
[ "$(entries_of "$work/host/many")" = "one.txt two.txt " ] || fail "stray files: $(entries_of "$work/host/many")"
[ "$(cat "$work/host/notes.txt")" = "hello from the host" ] || fail "an opened file changed"

stop_portal
pass "no stray files on the host; the portal stopped cleanly"
