#!/usr/bin/env bash
# Captures the FileChooser calls real clients make, as raw D-Bus messages, for
# the option parser's unit tests and fuzz seeds (tests/portal/data/*.bin).
# Run by hand (needs dbus-daemon, dbus-monitor, gdbus, python3-gi with GTK 3,
# zenity and xvfb-run); the output is checked in, so tests do not depend on it.
#
# Nobody owns org.freedesktop.portal.Desktop on the private bus: each call
# fails with ServiceUnknown after dbus-monitor has seen it, and GTK then falls
# back to its own dialog, which the script closes by ending the client.
#
# Usage: tests/portal/capture.sh OUTDIR
set -euo pipefail
out=$(realpath -m "${1:?usage: capture.sh OUTDIR}")
mkdir -p "$out"
work=$(mktemp -d /var/tmp/appvm-capture.XXXXXX)
# shellcheck source=tests/portal/lib.sh
. "$(dirname "$0")/lib.sh"
cleanup() {
	stop_started
	rm -rf "$work"
}
trap cleanup EXIT

bus_conf "$work/bus.conf" "$work/bus"
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=3 3>"$work/addr" &
pids+=("$!")
wait_for 5 test -s "$work/addr"
export DBUS_SESSION_BUS_ADDRESS=unix:path=$work/bus

# capture NAME COMMAND...: runs the client while dbus-monitor records every
# FileChooser call into OUTDIR/NAME.bin (one message per call, in order).
capture() {
	local name=$1
	shift
	dbus-monitor --binary "type='method_call',interface='org.freedesktop.portal.FileChooser'" \
		>"$work/$name.raw" &
	local mon=$!
	sleep 0.5
	timeout 8 "$@" >/dev/null 2>&1 || true
	sleep 0.5
	kill "$mon"
	wait "$mon" 2>/dev/null || true
	# Keep the method calls only (the monitor also records its own
	# NameAcquired and NameLost signals). Each message's length follows
	# from its fixed header: 16 bytes, header fields padded to 8, body.
	/usr/bin/python3 - "$work/$name.raw" "$out/$name.bin" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
out, off = b"", 0
while off + 16 <= len(b):
    e = "<" if b[off:off + 1] == b"l" else ">"
    body, = struct.unpack(e + "I", b[off + 4:off + 8])
    fields, = struct.unpack(e + "I", b[off + 12:off + 16])
    n = ((16 + fields + 7) & ~7) + body
    if b[off + 1] == 1:
        out += b[off:off + n]
    off += n
open(sys.argv[2], "wb").write(out)
PY
	printf 'capture: %s: %s bytes\n' "$name" "$(stat -c %s "$out/$name.bin")"
}

dest=(--session --dest org.freedesktop.portal.Desktop --object-path /org/freedesktop/portal/desktop)
capture gdbus-open gdbus call "${dest[@]}" --method org.freedesktop.portal.FileChooser.OpenFile \
	"" "Open a picture" "{'handle_token': <'t1'>, 'accept_label': <'_Open'>, 'modal': <true>,
	'multiple': <true>, 'filters': <[('Images', [(uint32 0, '*.png'), (uint32 1, 'image/jpeg')]),
	('All', [(uint32 0, '*')])]>, 'current_filter': <('All', [(uint32 0, '*')])>,
	'choices': <[('encoding', 'Encoding', [('utf8', 'Unicode'), ('latin1', 'Western')], 'latin1'),
	('ro', 'Read-only', @a(ss) [], 'false')]>, 'unknown_key': <42>}"
capture gdbus-save gdbus call "${dest[@]}" --method org.freedesktop.portal.FileChooser.SaveFile \
	"x11:1a" "Save report" "{'handle_token': <'s1'>, 'current_name': <'report.pdf'>,
	'current_folder': <b'/home/user'>, 'current_file': <b'/home/user/old report.pdf'>}"
capture gdbus-savefiles gdbus call "${dest[@]}" --method org.freedesktop.portal.FileChooser.SaveFiles \
	"" "Save all" "{'handle_token': <'m1'>, 'files': <[b'/tmp/a.txt', b'b.txt']>}"

# GTK 3 through GtkFileChooserNative, as a GTK app with GTK_USE_PORTAL=1 calls it.
cat >"$work/gtk3.py" <<'PY'
import sys
import gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, GLib
action = Gtk.FileChooserAction.SAVE if sys.argv[1] == "save" else Gtk.FileChooserAction.OPEN
d = Gtk.FileChooserNative.new("GTK3 " + sys.argv[1], None, action, None, None)
if sys.argv[1] == "save":
    d.set_current_name("notes.txt")
    d.set_do_overwrite_confirmation(True)
else:
    d.set_select_multiple(True)
    f = Gtk.FileFilter()
    f.set_name("Text")
    f.add_pattern("*.txt")
    f.add_mime_type("text/plain")
    d.add_filter(f)
    d.add_choice("ro", "Open read-only", None, None)
d.show()
GLib.timeout_add(2000, Gtk.main_quit)
Gtk.main()
PY
export GTK_USE_PORTAL=1 NO_AT_BRIDGE=1
capture gtk3-open xvfb-run -a /usr/bin/python3 "$work/gtk3.py" open
capture gtk3-save xvfb-run -a /usr/bin/python3 "$work/gtk3.py" save
capture zenity-open xvfb-run -a zenity --file-selection --title "zenity open" --multiple \
	--file-filter "Text | *.txt *.md"
capture zenity-save xvfb-run -a zenity --file-selection --save --title "zenity save" \
	--filename /tmp/zenity-name.txt
