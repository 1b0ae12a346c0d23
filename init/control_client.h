/* Client side of the appvm-init control socket (docs/init-control.md), for
 * the agent and for appvm-initctl. Functions block for at most timeout_ms,
 * never print, and return 0 or -errno (-EPERM when init refused the caller). */
#ifndef APPVM_INIT_CONTROL_CLIENT_H
#define APPVM_INIT_CONTROL_CLIENT_H

#include "control_proto.h"

#define INIT_CTL_SOCKET "/run/appvm/init.sock"

/* Reads the service states and the app's exit status into ret. */
int init_ctl_query(const char *sock_path, int timeout_ms, struct ctl_status *ret);

/* Asks init to power the VM off, the shutdown finishing within deadline_ms
 * (0: init's configured grace). Returns once init accepted the request, or
 * -EINVAL for a deadline above CTL_DEADLINE_MAX. */
int init_ctl_request_poweroff(const char *sock_path, int timeout_ms, uint32_t deadline_ms);

/* Asks init to reboot the VM; deadline_ms as for init_ctl_request_poweroff. */
int init_ctl_request_reboot(const char *sock_path, int timeout_ms, uint32_t deadline_ms);

#endif
