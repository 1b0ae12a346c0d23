#!/usr/bin/env bash
# appvm-init --check FILE [--cmdline TEXT] on the host (docs/config.md,
# "Checking a config on the host"): the configs of the seed corpus and of
# scripts/demo pass; each kind of error gives init's own line (the one
# ns_test.sh bad_config sees at boot), exit status 1; bad arguments exit 2
# in one line. Usage: check_test.sh SOURCE_DIR WORK
# Environment: APPVM_INIT (the binary under test).
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
src=${1:?usage: check_test.sh SOURCE_DIR WORK}
work=${2:?usage: check_test.sh SOURCE_DIR WORK}
: "${APPVM_INIT:?}"
rm -rf "$work"
mkdir -p "$work"
pub=
trap '[ -z "$pub" ] || rm -rf "$pub"' EXIT
failed=0
fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# check WANT_STATUS WANT_TEXT ARGS...: appvm-init --check ARGS exits with
# WANT_STATUS and prints one line, which holds WANT_TEXT (on stdout for 0,
# else on stderr, stdout empty).
check() {
	local want=$1 text=$2 rc=0
	shift 2
	"$APPVM_INIT" --check "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
	local got=$work/err other=$work/out
	if [ "$want" -eq 0 ]; then
		got=$work/out other=$work/err
	fi
	if [ $rc -ne "$want" ] || [ "$(wc -l <"$got")" -ne 1 ] || [ -s "$other" ] ||
		! grep -qF -- "$text" "$got"; then
		fail "--check $*: exit $rc, stdout '$(cat "$work/out")', stderr '$(cat "$work/err")' (want $want and '$text')"
	fi
}

# Good configs: the seed corpus's, and the two scripts/demo writes (without
# and with a display), its here-document expanded with its own values.
corpus=$src/tests/fuzz/corpus/init_config
check 0 "$corpus/minimal: OK: 0 stores, no state, agent on port 1024, app /usr/bin/true as user 0" \
	"$corpus/minimal"
check 0 "$corpus/wayland: OK: 0 stores, no state" "$corpus/wayland"
check 0 "app /usr/bin/foot --hold /usr/bin/busybox sh as user app in store term" "$corpus/app_store"
demo_conf=$(sed -n '/^cat >"[$]run\/vm.conf" <<EOF$/,/^EOF$/p' "$src/scripts/demo")
demo_display=$(sed -n '/^\tapp_exec="\/usr\/bin\/foot/,/^else$/p' "$src/scripts/demo" | sed '$d')
if [ -z "$demo_conf" ] || [ -z "$demo_display" ]; then
	fail "scripts/demo: no vm.conf here-document or display settings found"
else
	run=$work/demo-plain
	mkdir -p "$run"
	(export app_exec="/bin/busybox sleep 86400" wayland_conf='' app_env='' && eval "$demo_conf")
	check 0 "$run/vm.conf: OK: 1 store, state on /var/lib/appvm, agent on port 1024, app /bin/busybox sleep 86400 as user app" \
		"$run/vm.conf"
	run=$work/demo-display
	mkdir -p "$run"
	(eval "$demo_display" && eval "$demo_conf")
	check 0 "$run/vm.conf: OK: 4 stores, state on /var/lib/appvm" "$run/vm.conf"
	check 0 "in store term" "$run/vm.conf"
fi

# Each kind of error, with init's line at boot.
conf=$work/vm.conf
printf '[app]\nexce = /bin/true\n' >"$conf"
check 1 "appvm-init: config: $conf:2: unknown key \"exce\" in [app] (did you mean \"exec\"?)" "$conf"
printf '[app]\nexec = /bin/true\n[vm]\ngrace\n' >"$conf"
check 1 "appvm-init: config: $conf:4: syntax error" "$conf"
printf '[app]\nexec = /bin/true\n[bogus]\nkey = value\n' >"$conf"
check 1 "appvm-init: config: $conf:3: unknown section [bogus]" "$conf"
printf '[vm]\ngrace = soon\n[app]\nexec = /bin/true\n' >"$conf"
check 1 "appvm-init: config: $conf:2: [vm] grace: expected a duration" "$conf"
printf '[vm]\nname = x\n' >"$conf"
check 1 "appvm-init: config: $conf: [app] exec is required" "$conf"
printf '[net]\naddress = 10.0.2.15/24\n[app]\nexec = /bin/true\n' >"$conf"
check 1 "appvm-init: config: [net]: [net] configures an interface but names none" "$conf"
printf '[net]\ninterface = eth0\nmtu = 9\n[app]\nexec = /bin/true\n' >"$conf"
check 1 "appvm-init: config: $conf:3: " "$conf"
# The kernel command line's overrides: a bad one, and a good one that
# changes what the summary says.
printf '[app]\nexec = /bin/true\n' >"$conf"
check 1 'appvm-init: config: kernel command line: [vm] grace: expected a duration like 10s or 500ms (at most 600s), got "soon"' \
	"$conf" --cmdline "quiet appvm.vm.grace=soon"
check 1 "appvm-init: config: kernel command line: " --cmdline "appvm.app.bogus=1" "$conf"
check 0 "$conf: OK: 0 stores, no state, agent on port 7000, app /bin/true as user 0" \
	--cmdline "console=ttyS0 appvm.agent.port=7000" "$conf"
check 0 "app /bin/true as user 0" "$conf" --cmdline ""

# Files init cannot read.
check 1 "appvm-init: config: cannot read $work/none: No such file or directory" "$work/none"
check 1 "appvm-init: config: cannot read $work: Is a directory" "$work"
{
	printf '[app]\nexec = /bin/true\n'
	head -c 65536 /dev/zero | tr '\0' '#'
} >"$work/big.conf"
check 1 "appvm-init: config: cannot read $work/big.conf: larger than 64 KiB" "$work/big.conf"
# Unreadable: as nobody, a copy of the binary in a directory every uid can
# enter (the build tree may lie in root's 0700 home), the file root's 0600.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	pub=$(test_public_dir)
	cp "$APPVM_INIT" "$pub/appvm-init"
	printf '[app]\nexec = /bin/true\n' >"$pub/vm.conf"
	chmod 0600 "$pub/vm.conf"
	rc=0
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$pub/appvm-init" --check "$pub/vm.conf" 2>&1) || rc=$?
	if [ $rc -ne 1 ] || [ "$out" != "appvm-init: config: cannot read $pub/vm.conf: Permission denied" ]; then
		fail "an unreadable file: exit $rc, '$out'"
	fi
elif [ "${APPVM_TEST_STRICT:-0}" = 1 ]; then
	fail "the unreadable-file case needs root and setpriv"
fi

# Bad arguments: one line, exit status 2.
printf '[app]\nexec = /bin/true\n' >"$conf"
check 2 "appvm-init: --check needs a FILE (see --help)"
check 2 "appvm-init: --cmdline needs the kernel command line's text" "$conf" --cmdline
check 2 "appvm-init: unknown option '--bogus'" --bogus "$conf"
check 2 "appvm-init: unexpected argument 'two'" "$conf" two
check 2 "appvm-init: --cmdline: unbalanced quote" "$conf" --cmdline 'appvm.vm.name="x'
# Outside PID 1 without --check: an unknown option or an extra argument is
# a usage error too, named, not "must run as PID 1".
usage_err() { # WANT_TEXT ARGS...
	local want=$1 rc=0
	shift
	"$APPVM_INIT" "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
	if [ $rc -ne 2 ] || [ -s "$work/out" ] || [ "$(cat "$work/err")" != "appvm-init: $want (see --help)" ]; then
		fail "$*: exit $rc, stdout '$(cat "$work/out")', stderr '$(cat "$work/err")' (want 2 and '$want')"
	fi
}
usage_err "unknown option '--bogus'" --bogus
usage_err "unknown option '-x'" -x "$conf"
usage_err "unexpected argument 'extra'" extra
usage_err "unexpected argument 'two'" --help two
usage_err "unexpected argument 'two'" --version two
"$APPVM_INIT" --help >"$work/out"
grep -qF -- "--check FILE [--cmdline 'TEXT']" "$work/out" || fail "--help does not show --check"
grep -qF "the stores' devices, the app's executable" "$work/out" ||
	fail "--help does not say what --check cannot check"

# As a namespace's PID 1 (root only: a PID namespace), --check must refuse
# instead of booting (which would mount and signal every process in it).
if [ "$(id -u)" -eq 0 ]; then
	rc=0
	unshare -pf --mount-proc "$APPVM_INIT" --check "$conf" >"$work/out" 2>"$work/err" </dev/null || rc=$?
	if [ $rc -ne 2 ] || [ "$(wc -l <"$work/err")" -ne 1 ] ||
		! grep -qF "appvm-init: --check runs outside PID 1" "$work/err"; then
		fail "--check as PID 1: exit $rc, stderr '$(cat "$work/err")' (want 2 and one line)"
	fi
fi

[ $failed -eq 0 ] || exit 1
echo "appvm-init --check: good configs pass, every error gives init's line"
