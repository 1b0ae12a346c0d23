/* appvm-agent: the guest end of the host's control channel (docs/agent.md). */
#include "agent.h"

#include "handler.h"
#include "log.h"
#include "sysinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static struct agent a;
	char err[256];

	log_setup("appvm-agent", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	agent_opts_init(&a.opt);
	if (agent_opts_parse(&a.opt, argc, argv, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 2;
	}
	if (a.opt.help) {
		fputs(agent_usage, stdout);
		return 0;
	}
	if (a.opt.version) {
		puts(AGENT_SOFTWARE);
		return 0;
	}
	if (a.opt.verbose)
		log_setup("appvm-agent", LOG_TARGET_STDERR, LOG_LEVEL_DEBUG);
	a.vm_name = agent_vm_name(a.opt.name);
	a.listen_fd = -1;
	a.sig_fd = -1;
	a.epfd = -1;
	/* A failure has said what failed, in its own line. */
	return agent_run(&a) < 0 ? 1 : 0;
}
