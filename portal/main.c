/* appvm-portal: the guest side of the file chooser (docs/portal.md). */
#include "portal.h"

#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static struct portal p;
	char err[512];
	log_setup("appvm-portal", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	if (portal_opts_parse(&p.opt, argc, argv, getenv("XDG_RUNTIME_DIR"), err, sizeof(err)) <
	    0) {
		fprintf(stderr, "appvm-portal: %s\n", err);
		return 2;
	}
	if (p.opt.help) {
		fputs(portal_usage, stdout);
		return 0;
	}
	if (p.opt.version) {
		printf("%s\n", PORTAL_SOFTWARE);
		return 0;
	}
	if (p.opt.verbose)
		log_setup("appvm-portal", LOG_TARGET_STDERR, LOG_LEVEL_DEBUG);
	signal(SIGPIPE, SIG_IGN);
	sigset_t stop;
	portal_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, NULL); /* before any thread starts */

	int status = 1;
	host_init(&p);
	if (chooser_init(&p) < 0) {
		log_err("out of memory");
		return 1;
	}
	if (fs_start(&p, err, sizeof(err)) < 0) {
		log_err("fs: %s", err);
		goto out;
	}
	if (!p.fs)
		log_warn("no document filesystem (neither --fuse-fd nor --mount): dialogs fail");
	if (bus_start(&p, err, sizeof(err)) < 0) {
		log_err("bus: %s", err);
		goto out;
	}
	log_info("serving; documents under %s", p.opt.mountpoint);
	status = portal_loop(&p);
out:
	chooser_free(&p);
	host_close(&p);
	bus_stop(&p);
	fs_stop(&p);
	dbus_shutdown(); /* libdbus's own memory */
	return status;
}
