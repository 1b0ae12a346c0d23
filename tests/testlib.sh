# Shell helpers shared by the test scripts. Sourced, never run:
#   . "$(dirname "$0")/../testlib.sh"
# shellcheck shell=bash

# test_skip REASON...: the one skip policy of every test script.
# A test that cannot run on this machine (not root, no guest kernel, a missing
# tool) says why on stdout and exits 77, which ctest reports as "Skipped"
# (SKIP_RETURN_CODE 77), never as passed. In CI (the CI variable set, as
# .ci/run does) and in scripts/test's full run (APPVM_TEST_STRICT=1), where
# every prerequisite has been installed or built, a missing one is a failure:
# exit 1.
test_skip() {
	if [ -n "${CI:-}" ] || [ "${APPVM_TEST_STRICT:-0}" = 1 ]; then
		echo "FAIL: cannot run here: $* (CI and scripts/test treat a missing prerequisite as a failure)" >&2
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# test_public_dir: creates an empty directory that every uid can enter and
# prints its path; the caller removes it. Whatever a non-root uid (an app run
# as nobody, a client under setpriv, a compositor) executes or reads goes
# there: the build tree may lie below a directory only root can enter (a
# checkout in root's 0700 home), and a test must not depend on that.
# /var/tmp, not /tmp: appvm-init mounts its own tmpfs on /tmp and /run.
test_public_dir() {
	local dir
	dir=$(mktemp -d /var/tmp/appvm-public.XXXXXX) || return 1
	chmod 755 "$dir" || return 1
	echo "$dir"
}
