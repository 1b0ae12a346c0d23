#!/usr/bin/env bash
# Every script a user or developer runs by hand (the quick start, the VM
# runner, the image and kernel builders, the benchmarks in
# docs/benchmarks.md) answers --help: its usage on stdout, exit status 0,
# at once, without starting any work; and the ones that take numbers refuse
# bad ones in one line, exit status 2.
# rootfs/build refuses a config its --init would refuse at boot, before
# building anything, with init's line (appvm-init --check).
# Usage: tests/install/scripts-help.sh SOURCE_DIR APPVM_INIT
set -euo pipefail
src=${1:?usage: scripts-help.sh SOURCE_DIR APPVM_INIT}
init=${2:?usage: scripts-help.sh SOURCE_DIR APPVM_INIT}
tools=(
	scripts/demo scripts/test scripts/setup scripts/fuzz scripts/musl-deps
	scripts/run-vm scripts/wayland-host kernel-config/build rootfs/build
	tests/bench/bench-control tests/bench/bench-files tests/vsock/bench.sh
	tests/vm/bench-boot tests/vm/bench-idle tests/vm/bench-musl
	tests/vm/boot-timeline tests/vm/boot-pcsample tests/vm/check-static
	tests/vm/repro-full .ci/run
)
out=$(mktemp "${TMPDIR:-/var/tmp}/scripts-help.XXXXXX")
fake=$(mktemp -d "${TMPDIR:-/var/tmp}/scripts-help.XXXXXX")
trap 'rm -rf "$out" "$fake"' EXIT
failed=0
for tool in "${tools[@]}"; do
	rc=0
	# A tool that took --help for an argument and started working would
	# still be running after 10 s: timeout's 124 names it.
	(cd "$src" && timeout 10 "./$tool" --help) >"$out" 2>/dev/null </dev/null || rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: $tool --help: exit status $rc" >&2
		failed=1
	elif ! grep -qi 'usage:' "$out"; then
		echo "FAIL: $tool --help: no 'Usage:' on stdout" >&2
		failed=1
	elif [[ $tool != tests/* ]] && ! grep -qiE 'exit status|exits' "$out"; then
		# What a user runs says what its exit status means (the developer
		# tools under tests/ are spared).
		echo "FAIL: $tool --help does not give the exit status" >&2
		failed=1
	fi
done

# Bad numbers, options and names: exit status 2 at once, one line naming
# what was wrong, no work started (no VM, no fuzzer).
refuses() { # PATTERN TOOL ARGS... (exit status $want, default 2)
	local pat=$1 tool=$2 rc=0 status=${want:-2}
	shift 2
	(cd "$src" && timeout 10 "./$tool" "$@") >"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne "$status" ] || [ "$(wc -l <"$out")" -ne 1 ] || ! grep -qF -- "$pat" "$out"; then
		echo "FAIL: $tool $*: exit status $rc, '$(cat "$out")' (want $status and '$pat')" >&2
		failed=1
	fi
}
printf '#!/bin/sh\nexit 0\n' >"$fake/fuzz_x"
chmod +x "$fake/fuzz_x"
refuses "unknown option '--bogus'" scripts/fuzz --bogus "$fake"
refuses "missing BUILD_DIR" scripts/fuzz
refuses "BUILD_DIR $fake/none is not a directory" scripts/fuzz "$fake/none"
# libFuzzer takes 0 or a non-number for "no time limit": a run without end.
refuses "SECONDS_PER_TARGET must be a whole number of seconds from 1 to 9999999, not '0'" \
	scripts/fuzz "$fake" 0
refuses "not '30s'" scripts/fuzz "$fake" 30s
refuses "no target fuzz_typo in $fake (have: fuzz_x )" scripts/fuzz "$fake" 1 fuzz_typo
# A normal build's fuzz_* programs only replay corpora: no campaign is run.
mkdir "$fake/normal"
cp "$fake/fuzz_x" "$fake/normal/fuzz_x"
printf 'APPVM_FUZZ:BOOL=OFF\n' >"$fake/normal/CMakeCache.txt"
want=1 refuses "fuzz: $fake/normal is not a fuzz build" scripts/fuzz "$fake/normal" 1
for args in "--mem 99999999999999999999" "--cpus 0" "--timeout -1" "--vsock-cid 4294967295"; do
	# shellcheck disable=SC2086 # each is an option and its value
	refuses "run-vm: ${args%% *} must be a number" scripts/run-vm -n -i x $args
done
# Numbers go on in decimal: qemu would read "-smp 010" as 8.
touch "$fake/kernel" "$fake/initrd"
(cd "$src" && timeout 10 scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --cpus 010 --mem 0256) \
	>"$out" 2>&1 </dev/null || true
if ! grep -qE -- "-smp 10( |$)" "$out" || ! grep -qE -- "-m 256M( |$)" "$out"; then
	echo "FAIL: run-vm --cpus 010 --mem 0256 did not become -smp 10 -m 256M: '$(cat "$out")'" >&2
	failed=1
fi
# One argument at most; an extra one is named, not ignored.
refuses "ci: unexpected argument '--bogus': .ci/run takes none" .ci/run --bogus
refuses "demo: unexpected argument 'two'" scripts/demo --keep two
refuses "scripts/test: unexpected argument 'two'" scripts/test --quick two
refuses "setup: unexpected argument 'two'" scripts/setup --check two
APPVM_DEMO_TIMEOUT=soon refuses \
	"demo: APPVM_DEMO_TIMEOUT must be a whole number of seconds from 1 to 9999, not 'soon'" scripts/demo
APPVM_DEMO_TIMEOUT=0 refuses "not '0'" scripts/demo
# An option for --wayland without it is named, not ignored.
refuses "run-vm: --wayland-port, --wayland-filter and --wayland-unfiltered need --wayland" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --wayland-port 1028
# --vm-dir replaces a stale entry of the VM's name, but never a folder that
# holds anything a run does not leave there.
mkdir -p "$fake/vmdir/docs"
touch "$fake/vmdir/docs/precious"
refuses "run-vm: $fake/vmdir/docs is not a VM's entry ($fake/vmdir/docs/precious is not one of its files)" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --vsock-cid 3 --vm-dir "$fake/vmdir" --name docs
[ -e "$fake/vmdir/docs/precious" ] || { echo "FAIL: run-vm --vm-dir removed a file of the user's" >&2; failed=1; }
# ... nor one whose name starts with "..", nor one it cannot read.
mkdir -p "$fake/vmdir/dots" "$fake/vmdir/shut"
touch "$fake/vmdir/dots/..precious"
refuses "run-vm: $fake/vmdir/dots is not a VM's entry ($fake/vmdir/dots/..precious is not one of its files)" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --vsock-cid 3 --vm-dir "$fake/vmdir" --name dots
if [ "$(id -u)" -eq 0 ]; then
	# root reads any directory: a user without the right to read it.
	chown nobody "$fake/vmdir/shut"
	chmod 0300 "$fake/vmdir/shut"
	chmod o+rx "$fake" "$fake/vmdir"
	touch "$fake/kernel.img" "$fake/initrd.img"
	chmod o+r "$fake/kernel.img" "$fake/initrd.img"
	rc=0
	(cd "$src" && timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups ./scripts/run-vm -n -k "$fake/kernel.img" \
		-i "$fake/initrd.img" --vsock-cid 3 --vm-dir "$fake/vmdir" --name shut) >"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 2 ] || ! grep -qxF "run-vm: cannot read $fake/vmdir/shut, so it is left alone: check --vm-dir and --name (see --help)" "$out"; then
		echo "FAIL: run-vm --vm-dir with an entry it cannot read: exit status $rc, '$(cat "$out")'" >&2
		failed=1
	fi
fi
# The entry of a VM that runs (its run holds DIR/NAME/lock) is refused, and
# kept.
mkdir -p "$fake/vmdir/mail"
echo hybrid:/run/mail.vsock >"$fake/vmdir/mail/target"
exec 7>"$fake/vmdir/mail/lock"
flock 7
refuses "run-vm: VM mail is running ($fake/vmdir/mail is held) (see --help)" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --vsock-cid 3 --vm-dir "$fake/vmdir" --name mail
exec 7>&-
[ -f "$fake/vmdir/mail/target" ] || { echo "FAIL: run-vm --vm-dir removed a running VM's entry" >&2; failed=1; }
# What run-vm needs, missing or of the wrong kind: exit status 3, one line
# naming it, before qemu is started (-n shows that nothing got that far).
mkdir "$fake/dir"
want=3 refuses "run-vm: kernel $fake/dir is a directory, not a file" \
	scripts/run-vm -n -k "$fake/dir" -i "$fake/initrd"
want=3 refuses "run-vm: kernel $fake/none not found" scripts/run-vm -n -k "$fake/none" -i "$fake/initrd"
want=3 refuses "run-vm: initramfs $fake/dir is a directory, not a file" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/dir"
want=3 refuses "run-vm: initramfs $fake/none not found (build it: rootfs/build)" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/none"
want=3 refuses "run-vm: store image $fake/dir is a directory, not a file" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --store "$fake/dir"
want=3 refuses "run-vm: state disk $fake/dir is a directory, not a file" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --state "$fake/dir"
want=3 refuses "run-vm: share directory $fake/kernel is not a directory" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --share "t=$fake/kernel"
want=3 refuses "run-vm: --log $fake/none/console: no directory $fake/none" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --log "$fake/none/console"
refuses "--state-disk wants a size in MiB from 2 to 1048576, not '99999999999999999999'" \
	rootfs/build --no-initramfs --state-disk 99999999999999999999 "$fake/out"
refuses "--app-user wants NAME:ID" rootfs/build --app-user app:99999999999999999999 "$fake/out"
refuses "--app-user: ID 4294967295 is not a user id" rootfs/build --app-user app:4294967295 "$fake/out"
refuses "kernel-config/build: unknown option --bogus" kernel-config/build --bogus "$fake/k"
refuses "kernel-config/build: missing OUTDIR" kernel-config/build --config-only
refuses "kernel-config/build: unexpected argument 'two'" kernel-config/build "$fake/k" two

# The build scripts that delete and remake parts of their OUTDIR take only
# a new or empty directory or one they made (their marker file, or the key
# their earlier versions left): anything else is refused in one line, exit
# status 2, before any work, with its files still there. A fake source
# tarball, a private cache and an archive that cannot be reached keep any
# run from building or fetching anything.
export APPVM_KERNEL_SOURCE=$fake/linux.tar.xz APPVM_CACHE=$fake/cache APPVM_DEBIAN_MIRROR=http://127.0.0.1:9
printf 'not a kernel\n' >"$fake/linux.tar.xz"
mkdir -p "$fake/home/src" "$fake/usr-local/lib" "$fake/usr-local/include"
touch "$fake/home/src/mine" "$fake/usr-local/lib/libmine.a"
for mode in "" --config-only; do
	refuses "kernel-config/build: OUTDIR $fake/home is not empty and was not made by kernel-config/build (no .appvm-kernel-outdir): give a new or empty directory" \
		kernel-config/build $mode "$fake/home"
done
refuses "kernel-config/build: OUTDIR $fake/kernel exists and is not a directory" \
	kernel-config/build "$fake/kernel"
refuses "scripts/musl-deps: OUTDIR $fake/usr-local is not empty and was not made by scripts/musl-deps (no .appvm-musl-deps-outdir)" \
	scripts/musl-deps "$fake/usr-local"
refuses "scripts/musl-deps: OUTDIR $fake/kernel exists and is not a directory" \
	scripts/musl-deps "$fake/kernel"
# A project of the user's with a hex `key` file and a src/ (the names an
# earlier version's tree holds) is no build tree: everything else in it says
# so; so does a key of another length or with more lines next to src/ alone.
mkdir -p "$fake/proj/src" "$fake/proj64/src" "$fake/proj2/src" "$fake/mproj/lib"
touch "$fake/proj/src/main.c" "$fake/proj/Makefile" "$fake/proj64/src/main.c" "$fake/mproj/lib/libmine.a"
echo 3e498050b5e0b3353221584f >"$fake/proj/key"
sha256sum <"$fake/linux.tar.xz" | cut -d' ' -f1 >"$fake/proj64/key"
printf '3e498050b5e0b3353221584f\nmore\n' >"$fake/proj2/key"
printf '3e498050b5e0b3353221584f\nmore\n' >"$fake/mproj/key"
for dir in proj proj64 proj2; do
	refuses "kernel-config/build: OUTDIR $fake/$dir is not empty and was not made by kernel-config/build (no .appvm-kernel-outdir): give a new or empty directory (remove it if it is an old build tree; see --help)" \
		kernel-config/build "$fake/$dir"
done
refuses "scripts/musl-deps: OUTDIR $fake/mproj is not empty and was not made by scripts/musl-deps (no .appvm-musl-deps-outdir)" \
	scripts/musl-deps "$fake/mproj"
if [ ! -e "$fake/home/src/mine" ] || [ ! -e "$fake/usr-local/lib/libmine.a" ] ||
	[ ! -e "$fake/proj/src/main.c" ] || [ ! -e "$fake/proj64/src/main.c" ] || [ ! -e "$fake/mproj/lib/libmine.a" ] ||
	[ -e "$fake/home/.appvm-kernel-outdir" ] || [ -e "$fake/usr-local/.appvm-musl-deps-outdir" ] ||
	[ -e "$fake/proj/.appvm-kernel-outdir" ] || [ -e "$fake/proj/.lock" ] || [ -e "$fake/mproj/.appvm-musl-deps-outdir" ]; then
	echo "FAIL: a refused OUTDIR was changed: $(cd "$fake" && find home usr-local proj proj64 proj2 mproj | tr '\n' ' ')" >&2
	failed=1
fi
refuses "scripts/musl-deps: missing OUTDIR (see --help)" scripts/musl-deps
refuses "scripts/musl-deps: missing OUTDIR (see --help)" scripts/musl-deps --print-key
refuses "scripts/musl-deps: unexpected argument 'two' (one OUTDIR) (see --help)" scripts/musl-deps "$fake/m" two
# Taken: the build tree of an earlier kernel-config/build (its key and
# src/.appvm-source, no marker) and that of a first run that failed (its
# .lock alone), here served from a cache entry.
kkey=$(cd "$src" && kernel-config/build --print-key "$fake/kold")
mkdir -p "$fake/cache/kernel/$kkey" "$fake/kold/src" "$fake/kempty" "$fake/kfailed"
touch "$fake/kfailed/.lock"
printf 'bzImage\n' >"$fake/cache/kernel/$kkey/bzImage"
printf 'config\n' >"$fake/cache/kernel/$kkey/config"
echo 3e498050b5e0b3353221584f >"$fake/kold/key"
sha256sum <"$fake/linux.tar.xz" | cut -d' ' -f1 >"$fake/kold/src/.appvm-source"
for dir in kold kempty knew kfailed; do
	rc=0
	(cd "$src" && timeout 10 kernel-config/build "$fake/$dir") >"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 0 ] || ! cmp -s "$fake/cache/kernel/$kkey/bzImage" "$fake/$dir/bzImage" ||
		[ ! -f "$fake/$dir/.appvm-kernel-outdir" ]; then
		echo "FAIL: kernel-config/build $fake/$dir: exit status $rc, '$(cat "$out")', no bzImage or marker" >&2
		failed=1
	fi
done
# ... and again once marked, with files of its own next to the marker.
rm "$fake/kold/key" "$fake/kold/src/.appvm-source"
rc=0
(cd "$src" && timeout 10 kernel-config/build "$fake/kold") >"$out" 2>&1 </dev/null || rc=$?
[ $rc -eq 0 ] || { echo "FAIL: kernel-config/build in its own OUTDIR: exit status $rc, '$(cat "$out")'" >&2; failed=1; }
# A first scripts/musl-deps run that failed left work/ and logs/ with the
# log of its first step: taken (this run fails too, at the archive that
# cannot be reached, or without its packages).
mkdir -p "$fake/mfailed/work/src" "$fake/mfailed/logs"
touch "$fake/mfailed/logs/apt-update.log"
(cd "$src" && timeout 20 scripts/musl-deps "$fake/mfailed") >"$out" 2>&1 </dev/null || true
if [ ! -f "$fake/mfailed/.appvm-musl-deps-outdir" ]; then
	echo "FAIL: scripts/musl-deps refused the tree of a failed first run: '$(cat "$out")'" >&2
	failed=1
fi
# An earlier scripts/musl-deps' tree with the current key (musl-deps' own
# check when its packages are installed: --print-key needs them).
if mkey=$(cd "$src" && scripts/musl-deps --print-key "$fake/mold" 2>/dev/null); then
	mkdir -p "$fake/mold/lib/pkgconfig"
	echo "$mkey" >"$fake/mold/key"
	rc=0
	(cd "$src" && timeout 10 scripts/musl-deps "$fake/mold") >"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 0 ] || [ ! -f "$fake/mold/.appvm-musl-deps-outdir" ]; then
		echo "FAIL: scripts/musl-deps in an earlier version's OUTDIR: exit status $rc, '$(cat "$out")'" >&2
		failed=1
	fi
fi
# The kernel's cache key hashes the code below the script's marker line, not
# its help text or the checks above: a copy with its help text edited has
# the same key, one with its build code edited another.
cp -r "$src/kernel-config" "$fake/kc"
sed -i 's/^# Usage: kernel-config/# Usage (edited): kernel-config/' "$fake/kc/build"
cp -r "$src/kernel-config" "$fake/kc-code"
sed -i 's/^export KBUILD_BUILD_USER=appvm /export KBUILD_BUILD_USER=edited /' "$fake/kc-code/build"
if cmp -s "$src/kernel-config/build" "$fake/kc/build" || cmp -s "$src/kernel-config/build" "$fake/kc-code/build" ||
	[ "$("$fake/kc/build" --print-key x)" != "$kkey" ] ||
	[ "$("$fake/kc-code/build" --print-key x)" = "$kkey" ]; then
	echo "FAIL: kernel-config/build's cache key: a help text edit changed it, or a code edit did not" >&2
	failed=1
fi
# Without its marker line the key would hold none of the code: refused.
grep -vxF '# --- cache key: everything below ---' "$src/kernel-config/build" >"$fake/kc/build"
rc=0
"$fake/kc/build" --print-key x >"$out" 2>&1 || rc=$?
if [ $rc -ne 1 ] || ! grep -qF "not exactly one line '# --- cache key: everything below ---'" "$out"; then
	echo "FAIL: kernel-config/build without its key marker: exit status $rc, '$(cat "$out")'" >&2
	failed=1
fi
unset APPVM_KERNEL_SOURCE APPVM_CACHE APPVM_DEBIAN_MIRROR
refuses "--port must be a number from 1 to 4294967294, not '99999999999999999999'" \
	scripts/wayland-host --vsock x --port 99999999999999999999
# vsock ports and CIDs as the programs read them (lib/vsock_addr.h): no
# leading zero, no 0, no 2^32-1.
refuses "--port must be a number from 1 to 4294967294, not '01027'" \
	scripts/wayland-host --vsock x --port 01027
refuses "--port must be a number from 1 to 4294967294, not '0'" scripts/wayland-host --vsock x --port 0
refuses "--vsock-cid must be a number from 3 to 4294967294, not '03'" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --vsock-cid 03
refuses "--wayland-port must be a number from 1 to 4294967294, not '4294967295'" \
	scripts/run-vm -n -k "$fake/kernel" -i "$fake/initrd" --vsock-cid 3 --wayland --wayland-port 4294967295
for bench in tests/vm/bench-boot tests/vm/bench-musl tests/bench/bench-control tests/vm/bench-idle; do
	refuses "${bench##*/}: unknown option '--bogus' (see --help)" "$bench" --bogus
	refuses "${bench##*/}: missing BUILD_DIR" "$bench"
	refuses "${bench##*/}: BUILD_DIR $fake/none is not a directory" "$bench" "$fake/none"
	refuses "${bench##*/}: unexpected argument 'two'" "$bench" "$fake" two
	refuses "${bench##*/}: -n wants a whole number from 1 to" "$bench" -n 0 "$fake"
	refuses "not '99999999999999999999'" "$bench" -n 99999999999999999999 "$fake"
done
refuses "bench-control: -r wants a whole number from 1 to 10000, not 'x'" tests/bench/bench-control -r x "$fake"
refuses "bench-control: PINGS (10) must be a multiple of ROUNDS (3)" tests/bench/bench-control -n 10 -r 3 "$fake"
refuses "bench-idle: -s needs seconds, not 'soon'" tests/vm/bench-idle -s soon "$fake"

# scripts/wayland-host takes over no socket another run listens on (the
# window link of another VM) and deletes nothing that is not a socket: exit
# status 1, one line, the socket still there.
python3 -c 'import socket, sys, time
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    s.bind(p)
    if p.endswith("_1027"):
        s.listen()
        busy = s
    else:
        s.close()
time.sleep(60)' "$fake/display" "$fake/vm_1027" &
listener=$!
for _ in $(seq 100); do [ -S "$fake/vm_1027" ] && break; read -r -t 0.05 <> <(:) || true; done
want=1 refuses "wayland-host: $fake/vm_1027 is in use: something listens there already" \
	scripts/wayland-host --vsock "$fake/vm" --display "$fake/display" --waypipe /bin/true
kill "$listener"
wait "$listener" 2>/dev/null || true
[ -S "$fake/vm_1027" ] || { echo "FAIL: wayland-host removed a live socket" >&2; failed=1; }
# ... nor one it cannot tell is stale: without python3 (a stand-in that
# exits 127 as a shell does for a missing command), or, for a user who may
# not connect to it, with EACCES.
mkdir "$fake/nopy"
printf '#!/bin/sh\nexit 127\n' >"$fake/nopy/python3"
chmod +x "$fake/nopy/python3"
PATH=$fake/nopy:$PATH want=1 refuses "wayland-host: cannot tell whether $fake/vm_1027 is in use (python3 not found), so it is left alone" \
	scripts/wayland-host --vsock "$fake/vm" --display "$fake/display" --waypipe /bin/true
[ -S "$fake/vm_1027" ] || { echo "FAIL: wayland-host without python3 removed a socket" >&2; failed=1; }
if [ "$(id -u)" -eq 0 ]; then
	chmod 0600 "$fake/vm_1027"
	chmod o+x "$fake"
	rc=0
	(cd "$src" && timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups ./scripts/wayland-host \
		--vsock "$fake/vm" --display "$fake/display" --waypipe /bin/true) >"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 1 ] || ! grep -qxF "wayland-host: cannot tell whether $fake/vm_1027 is in use (Permission denied), so it is left alone" "$out" ||
		[ ! -S "$fake/vm_1027" ]; then
		echo "FAIL: wayland-host with a socket it may not connect to: exit status $rc, '$(cat "$out")'" >&2
		failed=1
	fi
fi
rm -f "$fake/vm_1027"
mkdir "$fake/vm_1027"
want=1 refuses "wayland-host: $fake/vm_1027: a file that is not a socket is in the way (left alone)" \
	scripts/wayland-host --vsock "$fake/vm" --display "$fake/display" --waypipe /bin/true

# rootfs/build names a missing input before it makes OUTDIR, so none is
# left behind half made.
for args in "--bin $fake/none" "--store s=$fake/none" "--add $fake/none:/x" "--store-deb s=$fake/none.deb"; do
	rc=0
	# shellcheck disable=SC2086 # an option and its value
	(cd "$src" && timeout 60 rootfs/build --init "$init" --compress none $args "$fake/img-missing") \
		>"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l <"$out")" -ne 1 ] || ! grep -qF "$fake/none" "$out" || [ -e "$fake/img-missing" ]; then
		echo "FAIL: rootfs/build $args: exit status $rc, '$(cat "$out")', OUTDIR made: $([ -e "$fake/img-missing" ] && echo yes || echo no)" >&2
		failed=1
	fi
	rm -rf "$fake/img-missing"
done
rc=0
(cd "$src" && timeout 60 rootfs/build --init "$init" --compress none "$fake/kernel") >"$out" 2>&1 </dev/null || rc=$?
if [ $rc -ne 1 ] || ! grep -qxF "rootfs/build: OUTDIR $fake/kernel exists and is not a directory" "$out"; then
	echo "FAIL: rootfs/build with a file as OUTDIR: exit status $rc, '$(cat "$out")'" >&2
	failed=1
fi

# A config appvm-init refuses: rootfs/build exits 1 with init's line and its
# own, and builds nothing; --no-check builds it all the same.
printf '[app]\nexce = /bin/true\n' >"$fake/vm.conf"
rc=0
(cd "$src" && timeout 60 rootfs/build --init "$init" --config "$fake/vm.conf" --compress none "$fake/img") \
	>"$out" 2>&1 </dev/null || rc=$?
if [ $rc -ne 1 ] || [ "$(wc -l <"$out")" -ne 2 ] ||
	! grep -qxF "appvm-init: config: $fake/vm.conf:2: unknown key \"exce\" in [app] (did you mean \"exec\"?)" "$out" ||
	! grep -qxF "rootfs/build: config $fake/vm.conf refused by $init --check" "$out" || [ -e "$fake/img" ]; then
	echo "FAIL: rootfs/build with a bad config: exit status $rc, '$(cat "$out")'" >&2
	failed=1
fi
printf '[app]\nexec = /bin/true\n' >"$fake/vm.conf"
for check in "" --no-check; do
	rc=0
	(cd "$src" && timeout 60 rootfs/build --init "$init" --config "$fake/vm.conf" ${check:+"$check"} --compress none \
		"$fake/img$check") >"$out" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$fake/img$check/initramfs.cpio" ]; then
		echo "FAIL: rootfs/build $check with a good config: exit status $rc, '$(cat "$out")'" >&2
		failed=1
	fi
done
printf '[app]\nexce = /bin/true\n' >"$fake/vm.conf"
rc=0
(cd "$src" && timeout 60 rootfs/build --init "$init" --config "$fake/vm.conf" --no-check --compress none \
	"$fake/img-unchecked") >"$out" 2>&1 </dev/null || rc=$?
[ $rc -eq 0 ] || { echo "FAIL: rootfs/build --no-check with a bad config: exit status $rc, '$(cat "$out")'" >&2; failed=1; }
# An init whose --check cannot answer (here one that exits 2) is not called a
# refusal of the config.
printf '#!/bin/sh\nexit 2\n' >"$fake/init-2"
chmod +x "$fake/init-2"
rc=0
(cd "$src" && timeout 60 rootfs/build --init "$fake/init-2" --config "$fake/vm.conf" --compress none \
	"$fake/img-2") >"$out" 2>&1 </dev/null || rc=$?
if [ $rc -ne 1 ] || [ -e "$fake/img-2" ] ||
	! grep -qF "rootfs/build: cannot check config $fake/vm.conf: $fake/init-2 --check exited 2" "$out"; then
	echo "FAIL: rootfs/build with an init whose --check exits 2: exit status $rc, '$(cat "$out")'" >&2
	failed=1
fi

[ $failed -eq 0 ] || exit 1
echo "${#tools[@]} tools answer --help and refuse bad input"
