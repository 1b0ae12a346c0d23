#!/usr/bin/env bash
# The ways editors save, each through the document filesystem onto a host
# file the user picked (ctest portal_editors, label "ns"): the real
# appvm-portal (FUSE in a private mount namespace), dbus-daemon and
# appvm-portald with its command chooser.
#
#   gio       GIO g_file_replace_contents (GTK apps): .goutputstream-XXXXXX,
#             then rename onto the file
#   sed       sed -i: its own temporary file, fchown, fchmod, rename
#   vim       vim -u NONE: in place (open without O_TRUNC, ftruncate(0),
#             write, fsync, fchmod), swap and backup files beside it, an ACL
#             setxattr that fails
#   qsavefile Qt 5 QSaveFile (PyQt5): O_TMPFILE refused, a named temporary
#             file, rename
#   lockfile  LibreOffice's manner: a lock file ".~lock.NAME#" beside the
#             document for the whole session, the document held open with
#             a POSIX lock, a temporary file renamed over it, the lock file
#             removed at the end (the sequence written out in python: the
#             office suite itself is not installed)
#
# Each saves twice into the same grant. After each save: the host file has
# exactly the new content and keeps its mode; no other file appeared on the
# host; nothing the editor left lingers beside the document in the guest;
# the grant is still there with no write in progress (the control socket's
# list); and strace shows the editor really saved its way.
#
# Environment: APPVM_PORTAL, APPVM_PORTALD, PORTAL_CLIENT (the binaries),
# APPVM_TEST_WORK (work directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/testlib.sh
. "$here/../testlib.sh"
[ "$(id -u)" -eq 0 ] || test_skip "needs root (FUSE mounts)"
: "${APPVM_PORTAL:?}" "${APPVM_PORTALD:?}" "${PORTAL_CLIENT:?}"
python=/usr/bin/python3
for need in vim sed strace socat "$python"; do
	command -v "$need" >/dev/null || test_skip "$need is not installed (scripts/setup)"
done
"$python" -c 'import gi, PyQt5.QtCore' 2>/dev/null || test_skip "python3-gi or python3-pyqt5 missing (scripts/setup)"
if [ -z "${PORTAL_TEST_NS:-}" ]; then
	# The document filesystem vanishes with this mount namespace.
	exec env PORTAL_TEST_NS=1 unshare -m --propagation private "$0" "$@"
fi
work=${APPVM_TEST_WORK:-$(mktemp -d /var/tmp/appvm-portal.XXXXXX)}/editors
rm -rf "$work"
mkdir -p "$work/host" "$work/home"
sock=$(mktemp -d /var/tmp/appvm-pe.XXXXXX)
# shellcheck source=tests/portal/lib.sh
. "$here/lib.sh"
cleanup() {
	stop_started
	rm -rf "$sock"
}
trap cleanup EXIT
fail() { portal_logs="editor portal portald" portal_fail "portal editors" "$*"; }

stack_chooser
stack_bus
start_portald --dialog-burst 100 --dialog-interval 10ms
start_portal -v
# Editors keep their own state (viminfo) out of the way.
export HOME=$work/home

# save_grant NAME: the user picks the existing host file NAME in a save
# dialog (a read-write grant); prints the document's path in the guest.
save_grant() {
	plan "$work/host/$1"
	"$PORTAL_CLIENT" --timeout 30 --name "$1" save >"$work/out" 2>&1 || fail "$1: no grant: $(cat "$work/out")"
	sed -n 's/^path //p' "$work/out"
}

# edit WAY DOC TEXT: WAY's editor replaces DOC's content with the line
# TEXT, under strace ($work/WAY.trace).
edit() {
	local way=$1 doc=$2 text=$3
	local calls=openat,rename,renameat2,ftruncate,fsync,fchmod,fchown,setxattr,unlink,fcntl
	local st=(strace -f -qq -o "$work/$way.trace" -e "trace=$calls")
	case $way in
	gio)
		"${st[@]}" "$python" -c 'import sys; from gi.repository import Gio
Gio.File.new_for_path(sys.argv[1]).replace_contents(sys.argv[2].encode() + b"\n", None, False,
    Gio.FileCreateFlags.NONE, None)' "$doc" "$text"
		;;
	sed) "${st[@]}" sed -i "1s/.*/$text/" "$doc" ;;
	vim)
		"${st[@]}" vim -u NONE -i NONE -N -es -c "1s/.*/$text/" -c wq "$doc" </dev/null
		;;
	qsavefile)
		"${st[@]}" "$python" -c 'import sys; from PyQt5.QtCore import QSaveFile, QIODevice
f = QSaveFile(sys.argv[1])
ok = f.open(QIODevice.WriteOnly) and f.write(sys.argv[2].encode() + b"\n") >= 0 and f.commit()
sys.exit(0 if ok else "QSaveFile: " + f.errorString())' "$doc" "$text"
		;;
	lockfile)
		"${st[@]}" "$python" - "$doc" "$text" <<'PY'
import fcntl, os, socket, sys, time
doc, text = sys.argv[1], sys.argv[2]
d, name = os.path.split(doc)
lock = os.path.join(d, ".~lock." + name + "#")
# Opening: the lock file (who edits since when), and a POSIX lock on the document.
fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
os.write(fd, (",appuser,%s,%s,file:///home/app/.config/libreoffice/4;"
              % (socket.gethostname(), time.strftime("%d.%m.%Y %H:%M"))).encode())
os.close(fd)
docfd = os.open(doc, os.O_RDWR)
fcntl.lockf(docfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
# Saving: a temporary file beside the document, synced, renamed over it.
tmp = os.path.join(d, "lu%dabcd.tmp" % os.getpid())
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, text.encode() + b"\n")
os.fsync(fd)
os.close(fd)
os.rename(tmp, doc)
# Closing: the lock goes, then the lock file.
os.close(docfd)
os.unlink(lock)
PY
		;;
	esac
}

# traced WAY WHAT PATTERN: WAY's strace has a line matching PATTERN (an
# extended regular expression) naming the document's directory (vim names
# files relative to its working directory).
traced() {
	grep -E "$3" "$work/$1.trace" | grep -qE "/$(basename "$dir")[/\"]" || fail "$1: strace shows no $2"
}

# signature WAY: the system calls that make WAY's way of saving.
signature() {
	local q='"[^"]*/'
	case $1 in
	gio)
		traced gio "temporary file" "openat\(.*$q\.goutputstream-[A-Za-z0-9]{6}\", O_[A-Z|]*O_CREAT\|O_EXCL"
		traced gio "rename onto the document" "rename\($q\.goutputstream-[A-Za-z0-9]{6}\", $q$name\"\) = 0"
		;;
	sed)
		traced sed "temporary file" "openat\(.*${q}sed[A-Za-z0-9]{6}\", O_[A-Z|]*O_CREAT\|O_EXCL"
		grep -qE "^[0-9]+ +fchown\([0-9]+, [0-9]+, [0-9]+\) += 0" "$work/sed.trace" || fail "sed: no fchown"
		grep -qE "^[0-9]+ +fchmod\([0-9]+, 0100[0-7]+\) += 0" "$work/sed.trace" || fail "sed: no fchmod"
		traced sed "rename onto the document" "rename\(${q}sed[A-Za-z0-9]{6}\", $q$name\"\) = 0"
		;;
	vim)
		traced vim "swap file" "openat\(.*$q\.$name\.swp\", O_RDWR\|O_CREAT\|O_EXCL"
		traced vim "in-place open (no O_TRUNC)" "openat\(.*$q$name\", O_WRONLY\|O_CREAT, 0[0-7]+\) = [0-9]+"
		grep -qE "^[0-9]+ +ftruncate\([0-9]+, 0\) += 0" "$work/vim.trace" || fail "vim: no ftruncate(0)"
		grep -qE "^[0-9]+ +fsync\([0-9]+\) += 0" "$work/vim.trace" || fail "vim: no fsync"
		grep -qE "^[0-9]+ +fchmod\([0-9]+, 0100[0-7]+\) += 0" "$work/vim.trace" || fail "vim: no fchmod"
		traced vim "ACL setxattr (refused)" "setxattr\($q$name~\", \"system.posix_acl_access\", .* = -1 EOPNOTSUPP"
		;;
	qsavefile)
		traced qsavefile "O_TMPFILE refused" "openat\(AT_FDCWD, \"[^\"]*\", O_RDWR\|O_CLOEXEC\|O_TMPFILE, 0600\) = -1 EOPNOTSUPP"
		traced qsavefile "named temporary file" "openat\(.*$q$name\.[A-Za-z0-9]{6}\", O_RDWR\|O_CREAT\|O_EXCL"
		traced qsavefile "rename onto the document" "rename(at2)?\(.*$q$name\.[A-Za-z0-9]{6}\", .*$q$name\".* = 0"
		;;
	lockfile)
		traced lockfile "lock file" "openat\(.*$q\.~lock\.$name#\", O_WRONLY\|O_CREAT\|O_EXCL"
		grep -qE "fcntl\([0-9]+, F_SETLK, \{l_type=F_WRLCK" "$work/lockfile.trace" || fail "lockfile: no POSIX lock"
		traced lockfile "rename onto the document" "rename\(${q}lu[0-9]+abcd\.tmp\", $q$name\"\) = 0"
		traced lockfile "lock file removed" "unlink\($q\.~lock\.$name#\"\) = 0"
		;;
	esac
}

# grant_of DOC: the control socket's line for DOC's grant ("ID ACCESS STAGED AGE PATH").
grant_of() {
	printf 'list\n' | socat -t 5 - "UNIX-CONNECT:$sock/vm.vsock.portal.ctl" |
		awk -v id="$(basename "$(dirname "$1")")" '$1 == id'
}

for way in gio sed vim qsavefile lockfile; do
	name=$way.txt
	printf 'first line\nsecond line\n' >"$work/host/$name"
	chmod 0640 "$work/host/$name"
	expected_host=$(entries_of "$work/host")
	doc=$(save_grant "$name")
	dir=$(dirname "$doc")
	[ "$(cat "$doc")" = "$(cat "$work/host/$name")" ] || fail "$way: the document does not read as the host file"
	for round in 1 2; do
		text="saved by $way, round $round"
		edit "$way" "$doc" "$text" >"$work/editor.log" 2>&1 || fail "$way: round $round failed"
		signature "$way"
		if [ "$way" = gio ] || [ "$way" = qsavefile ] || [ "$way" = lockfile ]; then
			want=$text
		else
			want=$(printf '%s\nsecond line' "$text")
		fi
		[ "$(cat "$work/host/$name")" = "$want" ] ||
			fail "$way, round $round: the host file has '$(cat "$work/host/$name")'"
		[ "$(stat -c %a "$work/host/$name")" = 640 ] ||
			fail "$way, round $round: the host file's mode became $(stat -c %a "$work/host/$name")"
		[ "$(entries_of "$work/host")" = "$expected_host" ] ||
			fail "$way, round $round: stray files on the host: $(entries_of "$work/host")"
		[ "$(entries_of "$dir")" = "$name " ] || fail "$way, round $round: left beside the document: $(entries_of "$dir")"
		[ "$(cat "$doc")" = "$want" ] || fail "$way, round $round: the guest reads '$(cat "$doc")'"
		g=$(grant_of "$doc")
		[[ $g == *" rw - "*"/host/$name" ]] || fail "$way, round $round: the grant is '$g'"
	done
	pass "$way: two saves into one grant; host content and mode right, nothing stray, grant alive"
done

stop_portal
pass "the portal stopped cleanly"
