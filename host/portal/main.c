/* appvm-portald: the host side of one VM's file chooser (docs/portal.md). */
#include "portald.h"

#include "clock.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* Every grant holds a descriptor and one more while it stages a write;
 * every handle inside folders one (a folder node) or up to three (a file
 * document: its folder, its file, its stage); every guest connection one,
 * and so do every file open and every node on the document device; a
 * folder moved to another depth is walked with up to PD_MAX_DEPTH + 1. The
 * soft limit is raised to fit them all (within the hard limit): a guest
 * that could run the daemon out of descriptors would make it fail the
 * host user's `appvmctl` connections (and its revocations) too. */
static void raise_fd_limit(const struct pd_opts *o)
{
	struct rlimit rl;
	rlim_t need = 2 * (rlim_t)o->limits.max_grants + 3 * (rlim_t)o->limits.max_handles +
		      o->max_connections + PD_MAX_DEPTH + 1 + 64; /* + a walk of a moved folder */
	if (o->docs_device[0])
		need +=
		    PD_DOCFS_MAX_HANDLES + PD_DOCFS_MAX_FNODES; /* files and nodes on the device */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < need)
		log_warn("only %llu descriptors (want %llu for --max-grants and --max-handles): "
			 "folders may answer LIMIT earlier",
			 (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

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
	/* Else a missing chooser would show only when the user first picks. */
	const char *prog = d.opt.chooser == PD_CHOOSER_COMMAND	? d.opt.command
			   : d.opt.chooser == PD_CHOOSER_ZENITY ? "zenity"
								: NULL;
	int e = prog ? pd_chooser_program_check(prog) : 0;
	if (e < 0) {
		fprintf(stderr,
			"appvm-portald: --chooser: cannot run '%s': %s%s\n"
			"Try 'appvm-portald --help'.\n",
			prog, e == -EINVAL ? "not a regular file" : strerror(-e),
			strchr(prog, '/') ? "" : " (searched in PATH)");
		return 2;
	}
	log_setup("appvm-portald", LOG_TARGET_STDERR,
		  d.opt.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	uint64_t key[4];
	if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
		log_err("getrandom: %s", strerror(errno));
		return 1;
	}
	raise_fd_limit(&d.opt);
	if (pd_grants_init(&d.grants, &d.opt.limits, key) < 0) {
		log_err("out of memory");
		return 1;
	}
	pd_policy_init(&d.policy, &d.opt.policy, clock_now_ms());
	pd_budget_init(&d.walk, d.opt.walk_rate, d.opt.walk_rate, clock_now_ms());
	d.dialog.ch.out_fd = -1;
	d.umask_bits = umask(022);
	umask(d.umask_bits);
	int r = pd_run(&d);
	return r < 0 ? 1 : 0;
}
