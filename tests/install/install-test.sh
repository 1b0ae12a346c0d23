#!/usr/bin/env bash
# Installs a build tree into a scratch prefix with `cmake --install` and checks
# what landed there (ctest label "unit"):
#   - the programs (bin/, sbin/): the expected ones, each runs --help (usage on
#     stdout, exit 0, with the exit status; -h the same) and --version ("NAME VERSION", exit 0), and every shared
#     library it needs is found on this system;
#   - every long option a program's --help names is in the program's own
#     page of that documentation (the table below), so the two cannot drift
#     apart; a program without a page is a failure; the same for the
#     programs of the build tree that are not installed (the relay, the
#     Wayland filter, the portal and its host daemon);
#   - the documentation (share/doc/appvm/*.md);
#   - nothing else. A library or header installed for others to use would need
#     a pkg-config file and a test that builds a program against the prefix.
# Usage: install-test.sh CMAKE BUILD_DIR VERSION
set -euo pipefail
cmake=${1:?usage: install-test.sh CMAKE BUILD_DIR VERSION}
build=${2:?usage: install-test.sh CMAKE BUILD_DIR VERSION}
version=${3:?usage: install-test.sh CMAKE BUILD_DIR VERSION}

scratch=$(mktemp -d "$build/install-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix

failed=0
bad() {
	echo "FAIL: $*"
	failed=1
}

if ! "$cmake" --install "$build" --prefix "$prefix" >"$scratch/install.log" 2>&1; then
	cat "$scratch/install.log"
	echo "FAIL: cmake --install $build --prefix $prefix failed"
	exit 1
fi

expected=(bin/appvm-agent bin/appvm-vsock bin/appvmctl
	sbin/appvm-init sbin/appvm-initctl sbin/appvm-net
	share/doc/appvm/README.md share/doc/appvm/protocol.md share/doc/appvm/building.md)
for f in "${expected[@]}"; do
	[ -f "$prefix/$f" ] || bad "$f was not installed"
done

# Each installed program's page(s) in docs/.
declare -A pages=(
	[appvm-agent]="agent.md" [appvm-vsock]="vsock.md" [appvmctl]="appvmctl.md clipboard.md"
	[appvm-init]="config.md init-control.md" [appvm-initctl]="init-control.md"
	[appvm-net]="net.md" [appvm-portal]="portal.md docfs.md" [appvm-portald]="portal.md docfs.md"
	[appvm-wayland]="wayland.md" [appvm-wayland-relay]="wayland-vm.md"
)
# help_in_docs NAME HELP-FILE: every --option of the help is in NAME's pages.
help_in_docs() {
	local name=$1 opt page missing=() files=()
	if [ -z "${pages[$name]:-}" ]; then
		bad "$name has no documentation page in install-test.sh's table"
		return
	fi
	for page in ${pages[$name]}; do
		files+=("$prefix/share/doc/appvm/$page")
	done
	while IFS= read -r opt; do
		grep -qE -- "$opt([^a-z0-9-]|\$)" "${files[@]}" || missing+=("$opt")
	done < <(grep -oE -- '--[a-z][a-z0-9-]*' "$2" | sort -u)
	[ ${#missing[@]} -eq 0 ] ||
		bad "$name --help names ${missing[*]}, which ${pages[$name]} do not describe"
}

programs=0 docs=0
while IFS= read -r -d '' path; do
	rel=${path#"$prefix"/}
	case $rel in
	bin/* | sbin/*)
		programs=$((programs + 1))
		name=${rel#*/}
		[ -x "$path" ] || { bad "$rel is not executable"; continue; }
		if ldd "$path" >"$scratch/ldd" 2>&1 && grep -q 'not found' "$scratch/ldd"; then
			bad "$rel needs libraries this system lacks: $(grep 'not found' "$scratch/ldd" | tr -s ' \t\n' ' ')"
		fi
		if ! "$path" --help >"$scratch/help" 2>&1; then
			bad "$rel --help exits non-zero: $(head -n 3 "$scratch/help")"
		elif ! grep -qi '^usage: ' "$scratch/help"; then
			bad "$rel --help prints no usage line: $(head -n 3 "$scratch/help")"
		elif ! grep -qi 'exit status' "$scratch/help"; then
			bad "$rel --help does not give the exit status"
		elif ! "$path" -h >"$scratch/h" 2>&1 || ! cmp -s "$scratch/help" "$scratch/h"; then
			bad "$rel -h is not --help: $(head -n 3 "$scratch/h")"
		else
			help_in_docs "$name" "$scratch/help"
		fi
		if ! "$path" --version >"$scratch/version" 2>&1; then
			bad "$rel --version exits non-zero: $(head -n 3 "$scratch/version")"
		elif [ "$(cat "$scratch/version")" != "$name $version" ]; then
			bad "$rel --version says \"$(head -n 1 "$scratch/version")\", expected \"$name $version\""
		fi
		;;
	share/doc/appvm/*.md)
		docs=$((docs + 1))
		;;
	*)
		bad "$rel: installed, but only programs and documentation are meant to be"
		;;
	esac
done < <(find "$prefix" \( -type f -o -type l \) -print0)

# The programs that are not installed (they go into images, or run beside
# a VM from the tree) answer --help too, with options their pages describe.
for rel in wayland/relay/appvm-wayland-relay wayland/filter/appvm-wayland \
	portal/appvm-portal host/portal/appvm-portald; do
	path=$build/$rel
	[ -x "$path" ] || { bad "$rel was not built in $build"; continue; }
	if ! "$path" --help >"$scratch/help" 2>&1; then
		bad "$rel --help exits non-zero: $(head -n 3 "$scratch/help")"
	else
		help_in_docs "${rel##*/}" "$scratch/help"
	fi
done

echo "install: $programs programs and $docs documents in $prefix"
[ "$programs" -gt 0 ] || bad "no program was installed"
if [ "$failed" -ne 0 ]; then
	echo "install test: FAILED"
	exit 1
fi
echo "install test: passed"
