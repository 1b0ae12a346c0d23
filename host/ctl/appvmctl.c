/* appvmctl: drives an appvm guest from the host (docs/appvmctl.md). */
#include <signal.h>
#include <stdio.h>

#include "ctl_cli.h"

int main(int argc, char **argv)
{
	/* A guest that vanishes mid-write must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	int code = ctl_cli_run(argc, argv, stdout, stderr);
	if (fflush(stdout) != 0 && code == 0)
		code = 1;
	return code;
}
