#!/bin/sh
# The app of the clipboard VM test (tests/clipboard/vm-test.sh), run by
# appvm-init in the guest with busybox's sh. It shows a window, copies a text
# the way apps do (wl-copy: a window that gets the keyboard focus, then
# wl_data_device.set_selection), then pastes the VM's clipboard in a loop,
# as apps do, and reports each paste on the console:
#
#   cliptest: paste N: TEXT... (SIZE bytes)     text, its first 60 bytes
#   cliptest: image N: SHA256 (SIZE bytes)      an image/png in the clipboard
#
# A new text from the host that starts with "cmd:" is a command:
#
#   cmd:copy-binary N    copies N random bytes as application/x-cliptest and
#                        prints "cliptest: binary SHA256"
#   cmd:copy-text N      copies N bytes of "z" as text
#   cmd:last-copy WORD   copies WORD as text, then stops pasting (its window
#                        stays, and keeps the keyboard focus from now on:
#                        each paste's own window would take it for a moment)
#
# and each copy prints "cliptest: copied ...". The nonce is the first argument.
nonce=$1
say() { echo "cliptest: $*"; }
wlf-client window --app-id cliptest --size 200x150 --color 2e8b57 &
wl-copy "guest-text-$nonce"
say "copied guest-text-$nonce"
last=
n=0
while :; do
	# Polls like a clipboard manager would; each paste is a window round trip.
	sleep 0.2
	n=$((n + 1))
	if wl-paste -l 2>/dev/null | grep -qx image/png; then
		wl-paste -t image/png >/tmp/p 2>/dev/null
		now="image $(sha256sum </tmp/p | cut -d' ' -f1) ($(wc -c </tmp/p) bytes)"
	else
		wl-paste -n >/tmp/p 2>&1
		now="paste $(head -c 60 /tmp/p | tr '\n\t' '  ') ($(wc -c </tmp/p) bytes)"
	fi
	say "${now%% *} $n: ${now#* }"
	[ "$now" != "$last" ] || continue
	last=$now
	case $(head -c 64 /tmp/p) in
	cmd:copy-binary\ *)
		head -c "$(cut -d' ' -f2 /tmp/p)" /dev/urandom >/tmp/bin
		wl-copy -t application/x-cliptest </tmp/bin
		say "binary $(sha256sum </tmp/bin | cut -d' ' -f1)"
		;;
	cmd:copy-text\ *)
		head -c "$(cut -d' ' -f2 /tmp/p)" /dev/zero | tr '\0' z | wl-copy -t text/plain
		say "copied $(cut -d' ' -f2 /tmp/p) bytes of z"
		;;
	cmd:last-copy\ *)
		wl-copy "$(cut -d' ' -f2 /tmp/p)"
		say "copied $(cut -d' ' -f2 /tmp/p), and done"
		wait
		;;
	esac
done
