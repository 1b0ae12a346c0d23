#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the throwaway guest the vsock VM tests boot: vsock_peer servers on
# fixed ports, then "READY" on the console. The host drives everything else
# through the "run" server (port 5020).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
# --daemon returns once the port listens, so READY below is true.
vsock_peer serve echo vsock:5000 --daemon
vsock_peer serve echo vsock:5001 --slow --daemon
vsock_peer serve sink vsock:5002 --daemon
vsock_peer serve echo vsock:5003 --stall 11 --daemon
vsock_peer serve reboot vsock:5010 --daemon
vsock_peer serve run vsock:5020 --daemon
# virtio-serial port for the comparison benchmark, when the VM has one
for port in /dev/vport*p1; do
	[ -e "$port" ] && vsock_peer serve echo "file:$port" --daemon && echo "SERIAL $port"
done
echo "VSOCK-TEST READY"
while :; do sleep 3600; done
