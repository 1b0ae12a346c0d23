/* appvm-portald: the host side of one VM's file chooser (docs/portal.md). */
#include "portald.h"

#include "clock.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	static struct pd_daemon d;
	char err[256];
	if (pd_opts_parse(&d.opt, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "appvm-portald: %s\nTry 'appvm-portald --help'.\n", err);
		return 2;
	}
	if (d.opt.help) {
		fputs(pd_usage, stdout);
		return 0;
	}
	if (d.opt.version) {
		puts(PD_SOFTWARE);
		return 0;
	}
	log_setup("appvm-portald", LOG_TARGET_STDERR,
		  d.opt.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	uint64_t key[4];
	if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
		log_err("getrandom: %s", strerror(errno));
		return 1;
	}
	if (pd_grants_init(&d.grants, &d.opt.limits, key) < 0) {
		log_err("out of memory");
		return 1;
	}
	pd_policy_init(&d.policy, &d.opt.policy, clock_now_ms());
	d.dialog.ch.out_fd = -1;
	d.umask_bits = umask(022);
	umask(d.umask_bits);
	int r = pd_run(&d);
	return r < 0 ? 1 : 0;
}
