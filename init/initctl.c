/* appvm-initctl: talks to appvm-init's control socket. Usage:
 *   appvm-initctl [--socket PATH] [--deadline MS] status|poweroff|reboot
 * Exit status: 0 on success, 1 when init refused or failed, 2 on bad usage. */
#include "control_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_MS 5000

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: appvm-initctl [--socket PATH] [--deadline MS] status|poweroff|reboot\n"
		"\n"
		"Talks to appvm-init's control socket (default %s; root only).\n"
		"  status    services, the app's exit status, whether a shutdown runs\n"
		"  poweroff  shut down and power off (within MS milliseconds if given)\n"
		"  reboot    shut down and reboot\n"
		"Exit status: 0 done, 1 init refused or failed, 2 bad usage.\n"
		"The protocol is described in docs/init-control.md.\n",
		INIT_CTL_SOCKET);
}

int main(int argc, char **argv)
{
	const char *sock = INIT_CTL_SOCKET;
	uint32_t deadline_ms = 0;
	bool has_deadline = false;
	int i = 1;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("appvm-initctl %s\n", APPVM_VERSION);
		return 0;
	}
	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		sock = argv[i + 1];
		i += 2;
	}
	if (i + 1 < argc && strcmp(argv[i], "--deadline") == 0) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(argv[i + 1], &end, 10);
		if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-' ||
		    v > CTL_DEADLINE_MAX) {
			fprintf(stderr, "appvm-initctl: --deadline: expected 0 to %d ms\n",
				CTL_DEADLINE_MAX);
			return 2;
		}
		deadline_ms = (uint32_t)v;
		has_deadline = true;
		i += 2;
	}
	if (i + 1 != argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i];
	int r;
	if (has_deadline && strcmp(cmd, "status") == 0) {
		fprintf(stderr, "appvm-initctl: --deadline applies to poweroff and reboot only\n");
		return 2;
	}
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
		r = init_ctl_request_poweroff(sock, TIMEOUT_MS, deadline_ms);
	} else if (strcmp(cmd, "reboot") == 0) {
		r = init_ctl_request_reboot(sock, TIMEOUT_MS, deadline_ms);
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
