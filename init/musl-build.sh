#!/usr/bin/env bash
# Builds appvm-init statically against musl with musl-gcc, for the size
# comparison in docs/benchmarks.md. Debian has no musl build of inih: the
# glibc-built libinih.a is linked as it is (it only needs __ctype_b_loc and
# fopen64, which musl provides).
# Usage: init/musl-build.sh OUTDIR   -> OUTDIR/appvm-init.musl (+ .stripped)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
inc=$out/inc
# musl-gcc does not search /usr/include: give it the kernel headers and ini.h.
mkdir -p "$inc"
ln -sfn /usr/include/linux "$inc/linux"
ln -sfn /usr/include/x86_64-linux-gnu/asm "$inc/asm"
ln -sfn /usr/include/asm-generic "$inc/asm-generic"
cp /usr/include/ini.h "$inc/"
cd "$root"
version=$(sed -n 's/^project(appvm VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
cflags=(-std=c11 -D_GNU_SOURCE -DAPPVM_VERSION="\"$version\"" -O2 -U_FORTIFY_SOURCE
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong -Ilib -Inet -Iinit -Iportal -Iwayland/relay -I"$inc")
# lib/ as an archive, as CMake builds it: only what init uses is linked.
lib_objs=()
for f in lib/*.c; do
	# The Wayland clipboard client is the agent's, and needs libwayland.
	[ "$f" != lib/wlclip.c ] || continue
	obj=$out/lib-$(basename "${f%.c}").o
	musl-gcc "${cflags[@]}" -c -o "$obj" "$f"
	lib_objs+=("$obj")
done
rm -f "$out/libappvm_common.a"
ar rcs "$out/libappvm_common.a" "${lib_objs[@]}"
sources=()
for f in init/*.c net/*.c portal/mount.c wayland/relay/relay_opts.c; do
	case $f in init/initctl.c | net/appvm-net.c) ;; *) sources+=("$f") ;; esac
done
musl-gcc "${cflags[@]}" -static -o "$out/appvm-init.musl" "${sources[@]}" \
	"$out/libappvm_common.a" /usr/lib/x86_64-linux-gnu/libinih.a
strip -o "$out/appvm-init.musl.stripped" "$out/appvm-init.musl"
ls -l "$out/appvm-init.musl" "$out/appvm-init.musl.stripped"
