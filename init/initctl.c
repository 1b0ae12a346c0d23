/* appvm-initctl: talks to appvm-init's control socket. Usage:
 *   appvm-initctl [--socket PATH] status|poweroff|reboot
 * Exit status: 0 on success, 1 when init refused or failed, 2 on bad usage. */
#include "control_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TIMEOUT_MS 5000

int main(int argc, char **argv)
{
	const char *sock = INIT_CTL_SOCKET;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		sock = argv[i + 1];
		i += 2;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: appvm-initctl [--socket PATH] status|poweroff|reboot\n");
		return 2;
	}
	const char *cmd = argv[i];
	int r;
	if (strcmp(cmd, "status") == 0) {
		struct ctl_status st;
		r = init_ctl_query(sock, TIMEOUT_MS, &st);
		if (r == 0) {
			for (size_t k = 0; k < st.n_services; k++)
				printf("service %s %s pid=%d restarts=%u\n", st.services[k].name,
				       ctl_state_name(st.services[k].state), st.services[k].pid,
				       st.services[k].restarts);
			if (st.app_exited)
				printf("app-exit status=%d signal=%d\n", st.app_status,
				       st.app_signal);
			else
				printf("app-exit none\n");
			printf("shutdown %s\n", st.shutting_down ? "yes" : "no");
		}
	} else if (strcmp(cmd, "poweroff") == 0) {
		r = init_ctl_request_poweroff(sock, TIMEOUT_MS);
	} else if (strcmp(cmd, "reboot") == 0) {
		r = init_ctl_request_reboot(sock, TIMEOUT_MS);
	} else {
		fprintf(stderr, "appvm-initctl: unknown command %s\n", cmd);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "appvm-initctl: %s: %s\n", cmd,
			r == -EPERM ? "permission denied by appvm-init" : strerror(-r));
		return 1;
	}
	return 0;
}
