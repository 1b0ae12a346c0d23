#!/usr/bin/env bash
# Package stores (rootfs/store-pkg.sh, rootfs/build --store-pkg), without a
# VM and without downloading anything: the merged-/usr layout and its
# conflicts, files two packages ship differently (package files built
# here), links made relative, and rootfs/build's errors for packages it
# cannot make a store of: an unknown one, an unresolvable set, one that
# needs its maintainer scripts, a bad name. (Stores of real packages: the
# vm_reproducible and vm_wayland tests.)
# Usage: tests/rootfs/store-pkg-test.sh [WORKDIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d)}
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=tests/testlib.sh
. "$src/tests/testlib.sh"
prog=rootfs/build
deb_cache=$work/cache
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
# shellcheck source=rootfs/store-pkg.sh
. "$src/rootfs/store-pkg.sh"

failures=0
ok() { printf 'ok   - %s\n' "$*"; }
bad() { printf 'FAIL - %s\n' "$*"; failures=$((failures + 1)); }
# expect_error WANT CMD...: CMD fails (in a subshell) and says WANT.
expect_error() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		bad "$* succeeded; expected: $want"
	elif grep -qF -- "$want" <<<"$out"; then
		ok "$want"
	else
		bad "$*: got \"$out\", expected \"$want\""
	fi
}

# --- usr_merge: /lib, /bin... move into /usr and become links.
t=$work/merge
mkdir -p "$t/lib/x86_64-linux-gnu" "$t/lib64" "$t/bin" "$t/usr/lib/x86_64-linux-gnu" "$t/usr/bin" "$t/lib/empty"
echo libc >"$t/lib/x86_64-linux-gnu/libc.so.6"
ln -s libc.so.6 "$t/lib/x86_64-linux-gnu/libc.so"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$t/lib64/ld-linux-x86-64.so.2"
echo ld >"$t/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
echo same >"$t/bin/same"
echo same >"$t/usr/bin/same"
ln -s ../../bin/sh "$t/usr/bin/sh" # a compatibility link to the file that moves
echo sh >"$t/bin/sh"
ln -s ../usr/bin/tool "$t/bin/tool" # a link up out of the moved tree
echo tool >"$t/usr/bin/tool"
ln -s /usr/bin/env "$t/bin/env-link"
(usr_merge m "$t") || bad "usr_merge failed"
relative_symlinks "$t"
for d in lib lib64 bin; do
	[ "$(readlink "$t/$d")" = "usr/$d" ] || bad "/$d is not a link to usr/$d"
done
[ "$(cat "$t/usr/lib/x86_64-linux-gnu/libc.so")" = libc ] || bad "libc.so does not lead to libc.so.6"
[ "$(readlink "$t/usr/lib/x86_64-linux-gnu/libc.so")" = libc.so.6 ] || bad "a link within a moved directory changed: $(readlink "$t/usr/lib/x86_64-linux-gnu/libc.so")"
[ "$(readlink "$t/usr/lib64/ld-linux-x86-64.so.2")" = ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 ] ||
	bad "the loader link: $(readlink "$t/usr/lib64/ld-linux-x86-64.so.2")"
[ "$(cat "$t/lib64/ld-linux-x86-64.so.2")" = ld ] || bad "/lib64/ld-linux-x86-64.so.2 does not reach the loader"
[ "$(cat "$t/usr/bin/same")" = same ] || bad "an identical file was lost"
if [ -L "$t/usr/bin/sh" ] || [ "$(cat "$t/usr/bin/sh")" != sh ]; then bad "the compatibility link was not replaced by the file"; fi
if [ -L "$t/usr/bin/tool" ] || [ "$(cat "$t/usr/bin/tool")" != tool ]; then bad "a link to its own /usr path replaced the file"; fi
[ "$(readlink "$t/usr/bin/env-link")" = env ] || bad "an absolute link: $(readlink "$t/usr/bin/env-link")"
[ -d "$t/usr/lib/empty" ] || bad "an empty directory was lost"
[ "$failures" -eq 0 ] && ok "usr_merge: merged-/usr, links kept leading where they led"
(usr_merge m "$t") || bad "usr_merge is not idempotent"

t=$work/conflict
mkdir -p "$t/bin" "$t/usr/bin"
echo one >"$t/bin/x"
echo two >"$t/usr/bin/x"
expect_error "rootfs/build: store m: /bin/x and /usr/bin/x differ: a merged-/usr store cannot hold both" usr_merge m "$t"
t=$work/badlink
mkdir -p "$t/usr"
ln -s /elsewhere "$t/lib"
expect_error "rootfs/build: store m: /lib is a link to /elsewhere, not to usr/lib" usr_merge m "$t"

# --- unpack_packages: a path two packages ship.
mkdeb() { # NAME FILE CONTENT
	local root=$work/debroot/$1
	mkdir -p "$root/DEBIAN" "$(dirname "$root/$2")"
	printf 'Package: %s\nVersion: 1\nArchitecture: all\nMaintainer: appvm <appvm@localhost>\nDescription: test\n' "$1" >"$root/DEBIAN/control"
	printf '%s\n' "$3" >"$root/$2"
	dpkg-deb --root-owner-group --build "$root" "$work/$1.deb" >/dev/null
}
mkdeb a usr/share/x/file same
mkdeb b usr/share/x/file same
mkdeb c usr/share/x/file different
printf 'a 1 all\nb 1 all\n' >"$work/list-ab"
printf 'a 1 all\nc 1 all\n' >"$work/list-ac"
mkdir -p "$work/s1" "$work/s2"
if (unpack_packages ab "$work/s1" "$work/list-ab" "$work/a.deb" "$work/b.deb"); then
	ok "two packages with the same file, identical: unpacked"
else
	bad "identical files of two packages were refused"
fi
[ -f "$work/control/a/control" ] || bad "the control files of a were not kept"
expect_error "rootfs/build: store ac: packages a and c both ship /usr/share/x/file, differently" \
	unpack_packages ac "$work/s2" "$work/list-ac" "$work/a.deb" "$work/c.deb"

# --- rootfs/build: packages it cannot make a store of. apt only resolves:
# nothing is downloaded.
apt-get -s -q install libc6 >/dev/null 2>&1 || test_skip "apt has no package lists (apt-get update)"
build() { "$src/rootfs/build" --no-initramfs --deb-cache "$work/cache" "$@" "$work/out"; }
expect_error "rootfs/build: store x: apt cannot resolve appvm-no-such-package" build --store-pkg x=appvm-no-such-package
expect_error "E: Unable to locate package appvm-no-such-package" build --store-pkg x=appvm-no-such-package
expect_error "rootfs/build: store x: apt cannot resolve systemd-sysv sysvinit-core" build --store-pkg x=systemd-sysv,sysvinit-core
expect_error "systemd-sysv : Conflicts: sysvinit-core" build --store-pkg x=systemd-sysv,sysvinit-core
expect_error "rootfs/build: store x: package sgml-base cannot work without its maintainer scripts, which stores do not run: the SGML catalog" \
	build --store-pkg x=sgml-base
expect_error "rootfs/build: --store-pkg x: 'Foot_1' is not a Debian package name" build --store-pkg x=Foot_1
expect_error "rootfs/build: --store-pkg wants NAME=PKG[,PKG...], not 'x='" build --store-pkg x=
[ ! -e "$work/cache" ] || [ -z "$(find "$work/cache" -name '*.deb')" ] || bad "a refused store downloaded packages"

if [ "$failures" -ne 0 ]; then
	echo "$failures failed"
	exit 1
fi
echo "all passed"
