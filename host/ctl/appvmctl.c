/* appvmctl: drives an appvm guest from the host (docs/appvmctl.md). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl_cli.h"

int main(int argc, char **argv)
{
	/* Started with fd 0, 1 or 2 closed, the guest's socket or the copy
	 * server's status pipe would take its number: our messages would go to
	 * the guest, and the server's /dev/null would swallow its status. */
	int fd;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	/* A guest that vanishes mid-write must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	int code = ctl_cli_run(argc, argv, stdout, stderr);
	if (fflush(stdout) != 0 && code == 0)
		code = 1;
	return code;
}
