# shellcheck shell=bash
# Shell helpers of the portal tests (sourced).

# wait_for SECONDS COMMAND...: polls a condition every 50 ms; 0 once it holds.
wait_for() {
	local n=$(($1 * 20))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# bus_conf FILE SOCKET: a session bus configuration like the one appvm-init
# writes (init/portal.c), listening on SOCKET, everything allowed (and
# eavesdropping, for dbus-monitor).
bus_conf() {
	cat >"$1" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$2</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
}

# Background processes the script started ("pids+=("$!")"); stop_started
# ends them (by pid) and waits for them.
pids=()
stop_started() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
