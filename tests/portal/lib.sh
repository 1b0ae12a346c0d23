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

# portal_chooser DIR: DIR/chooser.sh, a command chooser that answers each
# dialog with the lines of DIR/plan ("cancel" exits 1; "sleep N" waits
# first) and logs its environment and request in DIR/chooser.log; "plan
# LINE..." writes the next answer.
portal_chooser() {
	plan_file=$1/plan
	cat >"$1/chooser.sh" <<EOF
#!/bin/sh
{ env | grep '^APPVM_CHOOSER' | sort; cat; echo; echo ---; } >>"$1/chooser.log"
while read -r line; do
	case \$line in
	cancel) exit 1 ;;
	sleep\ *) sleep \${line#sleep } ;;
	*) echo "\$line" ;;
	esac
done <"$1/plan"
EOF
	chmod 755 "$1/chooser.sh"
}
plan() { printf '%s\n' "$@" >"$plan_file"; }
