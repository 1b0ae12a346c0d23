#!/usr/bin/env bash
# Runs a command against a fresh headless sway, as the host compositor whose
# clipboard appvmctl reads and writes:
#
#   tests/clipboard/with-sway.sh CMD ARGS...
#
# sway runs unprivileged (tests/wayland/chain_lib.sh); CMD runs as the
# caller (root: it may connect to any socket) with WAYLAND_DISPLAY set to
# sway's socket and XDG_RUNTIME_DIR to a private directory of its own, and
# its exit status is this script's. Needs FILTER and CLIENT as chain_lib.sh
# does (they are not started). Exit 77 (skip) without root or the tools.
# shellcheck source=tests/wayland/chain_lib.sh
. "$(dirname "$0")/../wayland/chain_lib.sh"
start_sway 'output HEADLESS-1 mode 640x480'
run=$(mktemp -d "$root/run.XXXXXX")
chmod 700 "$run"
WAYLAND_DISPLAY=$H/$sway_socket XDG_RUNTIME_DIR=$run "$@"
