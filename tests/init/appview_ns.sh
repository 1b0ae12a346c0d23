# Sourced by ns_test.sh for the "app_view" test: [app] store, without a VM.
# A store made by rootfs/build (--store DIR --store-libs: this machine's
# dash, cat and friends with their libraries, merged-/usr) on a loop device
# is the app's view: appvm-init runs the app, a script of the store run by
# the store's sh, in a mount namespace where /usr is the store's and /etc the
# machine's over the store's. The script checks what it sees; a tmpfs that
# init's namespace mounts while the app runs reaches the app. Then the
# errors: a program the store lacks, a store without usr.
# shellcheck shell=bash disable=SC2154  # fail, script, run_ns, $log...: ns_test.sh

command -v mkfs.erofs >/dev/null || test_skip "mkfs.erofs not installed (erofs-utils)"
src=$(cd "$(dirname "$0")/../.." && pwd)
tree=$WORK/tree
mkdir -p "$tree/usr/bin" "$tree/usr/share/appvm-view" "$tree/etc" "$WORK/late" "$WORK/store"
for p in sh cat touch stat grep sleep; do
	cp "$(readlink -f "$(command -v "$p")")" "$tree/usr/bin/$p"
done
echo hello-from-the-store-usr >"$tree/usr/share/appvm-view/hello"
echo from-the-store-etc >"$tree/etc/appvm-view.conf"
echo 'store-passwd:x:9:9::/:/bin/false' >"$tree/etc/passwd"
out=$WORK/view.out
cat >"$tree/usr/share/appvm-view/check.sh" <<EOF
# Runs in the app's view, as its store's sh; every program is the store's.
exec >$out 2>&1
echo "usr: \$(cat /usr/share/appvm-view/hello)"
echo "etc: \$(cat /etc/appvm-view.conf)"
echo "passwd: \$(grep -c '^root:' /etc/passwd) \$(grep -c '^store-passwd:' /etc/passwd)"
echo "loader dev: \$(stat -L -c %d /lib64/ld-linux-x86-64.so.2) store dev: \$(stat -c %d $WORK/store)"
touch /usr/x 2>/dev/null && echo usr-writable
touch /etc/x 2>/dev/null && echo etc-writable
echo ready
i=0
while [ ! -f $WORK/late/marker ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done
echo "late: \$(cat $WORK/late/marker 2>&1)"
EOF
mkdir -p "$WORK/img"
"$src/rootfs/build" --no-initramfs --store "view=$tree" --store-libs "$WORK/img" >"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log" >&2; fail "rootfs/build failed"; }
mkdir -p "$WORK/empty/share"
"$src/rootfs/build" --no-initramfs --store "nousr=$WORK/empty" "$WORK/img" >>"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log" >&2; fail "rootfs/build failed"; }
# A glibc store that is not merged-/usr: its loader is in /lib64, not /usr.
split=$WORK/split
mkdir -p "$split/usr/bin" "$split/lib64" "$split/lib/x86_64-linux-gnu"
cp "$tree/usr/bin/sh" "$split/usr/bin/sh"
cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$split/lib64/ld-linux-x86-64.so.2"
cp "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)" "$split/lib/x86_64-linux-gnu/libc.so.6"
"$src/rootfs/build" --no-initramfs --store "split=$split" "$WORK/img" >>"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log" >&2; fail "rootfs/build failed"; }
loop=$(losetup -f --show -r "$WORK/img/view.erofs")
loop2=$(losetup -f --show -r "$WORK/img/nousr.erofs")
loop3=$(losetup -f --show -r "$WORK/img/split.erofs")
trap 'losetup -d "$loop" "$loop2" "$loop3" 2>/dev/null || true' EXIT
conf() { # STORE-SECTION-NAME LOOP EXEC
	printf '[vm]\ngrace = 2s\n[agent]\nenable = no\n[store %s]\nsource = %s\ntype = erofs\npath = %s\n[app]\nstore = %s\nexec = %s\n' \
		"$1" "$2" "$WORK/store" "$1" "$3" >"$WORK/vm.conf"
}

conf view "$loop" "/usr/bin/sh /usr/share/appvm-view/check.sh"
: >"$log"
(exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APPVM_INIT_TEST_NO_VM=1 APPVM_INIT_CONFIG="$WORK/vm.conf" \
	${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} "$NSRUN" --timeout 20 -- "$APPVM_INIT" >>"$log" 2>&1 </dev/null) &
ns=$!
# Once the app is in its view, init's namespace mounts something new.
for ((i = 0; i < 200; i++)); do
	grep -qx ready "$out" 2>/dev/null && break
	sleep 0.05
done
grep -qx ready "$out" 2>/dev/null || { wait "$ns" || true; fail "the app never got ready: $(cat "$out" 2>&1)"; }
init_pid=$(pgrep -P "$ns" | head -n 1)
[ -n "$init_pid" ] || fail "no init under nsrun $ns"
nsenter -t "$init_pid" -m sh -c "mount -t tmpfs late '$WORK/late' && echo mounted-later >'$WORK/late/marker'" ||
	fail "cannot mount in init's namespace"
wait "$ns" || true
grep '^nsrun: ' "$log" >"$result" || true
expect_end "signal INT"
expect_log "app: sees store view: /usr is $WORK/store/usr, /etc the VM's over the store's"
expect_log "app-exit status=0"
grep -qx 'usr: hello-from-the-store-usr' "$out" || fail "the store's /usr: $(cat "$out")"
grep -qx 'etc: from-the-store-etc' "$out" || fail "the store's /etc: $(cat "$out")"
grep -qx 'passwd: 1 0' "$out" || fail "the VM's /etc/passwd is not the one the app sees: $(cat "$out")"
read -r _ _ ldev _ _ sdev < <(grep '^loader dev:' "$out")
if [ -z "$ldev" ] || [ "$ldev" != "$sdev" ]; then fail "/lib64/ld-linux-x86-64.so.2 is not the store's: $(cat "$out")"; fi
! grep -q writable "$out" || fail "the view is writable: $(cat "$out")"
grep -qx 'late: mounted-later' "$out" || fail "a mount made after the app started did not reach it: $(cat "$out")"

# A program the store does not have; a store without usr; a glibc store
# whose loader is outside usr: fatal, named.
conf view "$loop" "/usr/bin/nothere"
run_ns
expect_end "signal INT"
expect_log "fatal: app: cannot run /usr/bin/nothere: not in store view ($WORK/store/usr/bin/nothere): No such file or directory"
conf nousr "$loop2" "/usr/bin/sh"
run_ns
expect_end "signal INT"
expect_log "fatal: app: store nousr ($WORK/store) has no usr directory, so it cannot be the app's view"
conf split "$loop3" "/usr/bin/sh"
run_ns
expect_end "signal INT"
expect_log "fatal: app: store split has its loader lib64/ld-linux-x86-64.so.2 outside its usr ($WORK/store/usr/lib64/ld-linux-x86-64.so.2: No such file or directory)"
