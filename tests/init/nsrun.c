/* nsrun: runs a program as PID 1 of fresh PID, mount, UTS, IPC and network
 * namespaces, and reports how that PID 1 ended, on stdout:
 *   nsrun: exited N elapsed_ms=T      or   nsrun: signal NAME elapsed_ms=T
 * Usage: nsrun [--timeout SEC] [--stamp FILE] [--bind SRC:DST]... [--overlay DIR:DST]...
 *              -- PROG [ARGS...]
 * --stamp appends the CLOCK_MONOTONIC time (ns) just before PID 1's exec to FILE.
 * --bind bind-mounts SRC on DST inside the new mount namespace.
 * --overlay adds DIR's files to the directory DST inside it (a read-only
 *   overlayfs, DIR over DST): e.g. a program at a path of the image, such as
 *   /usr/bin/appvm-agent, that the machine does not have.
 * Exit status: 0 when PID 1 ended, 3 on timeout (PID 1 was killed), 2 on errors. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	kill(child, SIGKILL);
}

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned timeout = 20;
	const char *stamp = NULL;
	char *binds[8], *overlays[8];
	int n_binds = 0, n_overlays = 0, i = 1;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--stamp") == 0 && i + 1 < argc)
			stamp = argv[++i];
		else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc && n_binds < 8)
			binds[n_binds++] = argv[++i];
		else if (strcmp(argv[i], "--overlay") == 0 && i + 1 < argc && n_overlays < 8)
			overlays[n_overlays++] = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: nsrun [--timeout SEC] [--stamp FILE] [--bind SRC:DST] "
				"[--overlay DIR:DST] -- PROG [ARGS...]\n");
		return 2;
	}
	if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("nsrun: unshare");
		return 2;
	}
	for (int b = 0; b < n_binds; b++) {
		char *colon = strchr(binds[b], ':');
		if (!colon) {
			fprintf(stderr, "nsrun: --bind SRC:DST\n");
			return 2;
		}
		*colon = '\0';
		if (mount(binds[b], colon + 1, NULL, MS_BIND, NULL) < 0) {
			perror("nsrun: bind");
			return 2;
		}
	}
	for (int o = 0; o < n_overlays; o++) {
		char *colon = strchr(overlays[o], ':'), opts[4096];
		if (!colon || strchr(colon + 1, ':') || strchr(overlays[o], ',')) {
			fprintf(stderr, "nsrun: --overlay DIR:DST (no ':' or ',' in the paths)\n");
			return 2;
		}
		*colon = '\0';
		if (snprintf(opts, sizeof(opts), "lowerdir=%s:%s", overlays[o], colon + 1) >=
		    (int)sizeof(opts)) {
			fprintf(stderr, "nsrun: --overlay: paths too long\n");
			return 2;
		}
		if (mount("overlay", colon + 1, "overlay", MS_RDONLY, opts) < 0) {
			perror("nsrun: overlay");
			return 2;
		}
	}
	long long start = mono_ns();
	child = fork();
	if (child < 0) {
		perror("nsrun: fork");
		return 2;
	}
	if (child == 0) {
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			perror("nsrun: mount /proc");
			_exit(2);
		}
		if (stamp) {
			FILE *f = fopen(stamp, "a");
			if (!f)
				_exit(2);
			fprintf(f, "%lld\n", mono_ns());
			fclose(f);
		}
		execv(argv[i], argv + i);
		perror("nsrun: exec");
		_exit(2);
	}
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	int ws;
	while (waitpid(child, &ws, 0) < 0)
		if (errno != EINTR) {
			perror("nsrun: waitpid");
			return 2;
		}
	long long ms = (mono_ns() - start) / 1000000LL;
	if (timed_out)
		printf("nsrun: timeout after %us elapsed_ms=%lld\n", timeout, ms);
	else if (WIFEXITED(ws))
		printf("nsrun: exited %d elapsed_ms=%lld\n", WEXITSTATUS(ws), ms);
	else
		printf("nsrun: signal %s elapsed_ms=%lld\n", sigabbrev_np(WTERMSIG(ws)), ms);
	fflush(stdout);
	/* _exit: in a sanitizer build, the leak checker cannot fork its tracer
	 * once this process's PID namespace is gone. */
	_exit(timed_out ? 3 : 0);
}
