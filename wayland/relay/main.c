/* appvm-wayland-relay: between the guest's waypipe server and the host. waypipe
 * connects to a Unix socket once per Wayland client; each connection becomes
 * its own stream to the host over vsock (or to a Unix socket, in tests).
 * Command line and behaviour: docs/wayland-vm.md. */
#include "relay.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct relay_opts o;
	char err[512];

	relay_opts_init(&o);
	if (relay_opts_parse(&o, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "appvm-wayland-relay: %s (see --help)\n", err);
		return 2;
	}
	if (o.help) {
		fputs(relay_usage, stdout);
		return 0;
	}
	if (o.version) {
		printf("appvm-wayland-relay %s\n", APPVM_VERSION);
		return 0;
	}
	if (o.hold) {
		/* Until a signal ends it: SIGTERM and the like keep their
		 * default action. */
		for (;;)
			pause();
	}
	log_setup("appvm-wayland-relay", LOG_TARGET_STDERR,
		  o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);

	/* Only the relay's own user may connect: waypipe runs as that user. */
	umask(0077);
	int lfd = relay_listen(o.listen);
	if (lfd < 0) {
		log_err("cannot listen on %s: %s", o.listen,
			lfd == -EADDRINUSE ? "a file that is not a socket is in the way"
			: lfd == -EBUSY	   ? "another process is serving it"
					   : strerror(-lfd));
		return 1;
	}
	int rc = relay_run(&o, lfd);
	close(lfd);
	unlink(o.listen);
	return rc;
}
