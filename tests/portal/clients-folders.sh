# Folder selection by unmodified clients: `tests/portal/clients.sh folders`
# (ctest portal_clients_folders) sources this once the stack runs.
#
# Each client gets a directory under the document filesystem holding the
# picked folder's tree, readable through the toolkit (what folder grants do
# beyond that: portal_folders, tests/portal/folders.sh).
# shellcheck shell=bash disable=SC2154 # work, mnt, python, here, rc: clients.sh

mkdir -p "$work/host/folder/sub"
printf 'in a folder\n' >"$work/host/folder/inside.txt"
printf 'deeper\n' >"$work/host/folder/sub/deep.txt"

plan "$work/host/folder"
client portal-client "$PORTAL_CLIENT" --timeout 60 --directory --title "Pick a folder" open
[ "$rc" -eq 0 ] || fail "portal-client --directory: status $rc"

# tree_ok NAME DIR: DIR is the picked folder as the guest sees it.
tree_ok() {
	[[ $2 == "$mnt"/* ]] || fail "$1: '$2' is not on the document filesystem"
	[ -d "$2" ] || fail "$1: '$2' is not a directory"
	[ "$(entries_of "$2")" = "inside.txt sub " ] || fail "$1: the folder holds '$(entries_of "$2")'"
	{ [ "$(cat "$2/inside.txt")" = "in a folder" ] && [ "$(cat "$2/sub/deep.txt")" = "deeper" ]; } ||
		fail "$1: the files in the folder read wrong"
}
tree_ok "portal-client" "$(paths | head -n 1)"
pass "portal-client: OpenFile with directory"

plan "$work/host/folder"
client zenity zenity --file-selection --directory
[ "$rc" -eq 0 ] || fail "zenity --directory: status $rc"
tree_ok "zenity --directory" "$(cat "$work/out")"
pass "zenity (GTK 3): folder"

plan "$work/host/folder"
client gtk4 "$python" "$here/clients/gtk4_chooser.py" folder
grep -qx 'response accept' "$work/out" || fail "GTK 4 folder: no accept"
tree_ok "GTK 4 folder" "$(paths | head -n 1)"
[ "$(sed -n 's/^entry //p' "$work/out" | sort | tr '\n' ' ')" = "inside.txt sub " ] ||
	fail "GTK 4 folder: GIO lists $(sed -n 's/^entry //p' "$work/out" | tr '\n' ' ')"
pass "GTK 4 FileChooserNative: folder, listed through GIO"

plan "$work/host/folder"
client qt5 "$python" "$here/clients/qt5_chooser.py" folder
grep -qx 'response accept' "$work/out" || fail "Qt folder: no accept"
tree_ok "Qt folder" "$(paths | head -n 1)"
pass "Qt 5 QFileDialog::getExistingDirectory"

[ "$(entries_of "$work/host/folder")" = "inside.txt sub " ] || fail "the folder changed on the host"
stop_portal
pass "the portal stopped cleanly"
