/*
 * appvm-guest-check: the application the VM boot tests start. It runs
 * inside the guest as the app user and reports each check on stdout (the
 * serial console) as one line the host test parses:
 *
 *   appvm-check: NAME: ok
 *   appvm-check: NAME: FAIL: DETAIL
 *   appvm-time: app-exec SECONDS          (CLOCK_MONOTONIC, same clock as printk)
 *   appvm-state: boots=N
 *   appvm-check: done: P passed, F failed
 *
 * Exit status 0 when every check passed, 1 otherwise, 2 on bad arguments.
 * An argument @FILE is replaced by the lines of FILE, one argument per line
 * (vm.conf lines are short; the checks of a test are not).
 * Options (each adds checks):
 *   --unprivileged          uid/gid are not 0 and no capability is effective
 *   --read FILE=TEXT        FILE holds exactly TEXT (first line, no newline)
 *   --read-only DIR         creating a file in DIR fails with EROFS
 *   --run PROGRAM[,ARG...]  PROGRAM runs and exits 0
 *   --state DIR             DIR/boots is incremented and synced (prints boots=N)
 *   --no-persist FILE       FILE must not exist yet; it is then created, so a
 *                           later boot finds it if it survived
 *   --vsock-loopback        a stream over vsock loopback (CID 1) carries data
 *   --kernel-features       the kernel has the filesystems appvm mounts, and an
 *                           unprivileged process can create a user namespace and
 *                           install a seccomp filter
 *   --timers                high-resolution timers (CLOCK_MONOTONIC resolves
 *                           1 ns, not a 4 ms tick) and a tickless idle (while
 *                           this program sleeps, the guest takes fewer than
 *                           HZ/2 timer interrupts a second: see check_timers)
 *   --wait-term             print "appvm-ready", then wait for SIGTERM; write
 *                           DIR/term (with --state) when it arrives
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/vm_sockets.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "timer-irqs.h"

static unsigned int n_pass, n_fail;

static void check_ok(const char *name)
{
	printf("appvm-check: %s: ok\n", name);
	n_pass++;
}

__attribute__((format(printf, 2, 3))) static void check_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("appvm-check: %s: FAIL: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	n_fail++;
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the first line of PATH into BUF without its newline; 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return 0;
}

/* Writes TEXT to PATH and fsyncs it and its directory; 0 or -errno. */
static int write_synced(const char *path, const char *text)
{
	char dir[4096];
	char *slash;
	size_t len = strlen(text);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		ret = errno ? -errno : -EIO;
	close(fd);
	if (ret < 0)
		return ret;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	return 0;
}

static void check_unprivileged(void)
{
	char line[256];
	FILE *f;
	int caps_zero = 0;

	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0) {
		check_fail("unprivileged", "uid=%u euid=%u gid=%u egid=%u", getuid(), geteuid(),
			   getgid(), getegid());
		return;
	}
	f = fopen("/proc/self/status", "re");
	if (!f) {
		check_fail("unprivileged", "/proc/self/status: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0)
			caps_zero = strspn(line + 7, " \t0") == strcspn(line + 7, "\n");
	fclose(f);
	if (!caps_zero) {
		check_fail("unprivileged", "effective capabilities are not empty");
		return;
	}
	printf("appvm-info: uid=%u gid=%u\n", getuid(), getgid());
	check_ok("unprivileged");
}

static void check_read(const char *spec)
{
	char path[4096], want[512], got[512];
	const char *eq = strchr(spec, '=');
	int ret;

	if (!eq || (size_t)(eq - spec) >= sizeof(path)) {
		check_fail("read", "bad argument '%s'", spec);
		return;
	}
	snprintf(path, sizeof(path), "%.*s", (int)(eq - spec), spec);
	snprintf(want, sizeof(want), "%s", eq + 1);
	ret = read_line(path, got, sizeof(got));
	if (ret < 0)
		check_fail("read", "%s: %s", path, strerror(-ret));
	else if (strcmp(got, want) != 0)
		check_fail("read", "%s holds '%s', expected '%s'", path, got, want);
	else
		check_ok("read");
}

static void check_read_only(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.appvm-write-probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		check_fail("read-only", "%s is writable", dir);
	} else if (errno != EROFS) {
		check_fail("read-only", "write in %s failed with %s, expected EROFS", dir,
			   strerror(errno));
	} else {
		check_ok("read-only");
	}
}

static void check_run(const char *spec)
{
	char buf[1024];
	char *argv[16];
	int argc = 0, status;
	pid_t pid;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok(buf, ","); tok && argc < 15; tok = strtok(NULL, ","))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (argc == 0) {
		check_fail("run", "empty command");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		check_fail("run", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		check_fail("run", "waitpid: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		check_fail("run", "%s ended with status 0x%x", argv[0], (unsigned int)status);
	else
		check_ok("run");
}

static void check_state(const char *dir)
{
	char path[4096], text[64];
	long boots = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/boots", dir);
	ret = read_line(path, text, sizeof(text));
	if (ret == 0)
		boots = strtol(text, NULL, 10);
	else if (ret != -ENOENT) {
		check_fail("state", "%s: %s", path, strerror(-ret));
		return;
	}
	snprintf(text, sizeof(text), "%ld\n", boots + 1);
	ret = write_synced(path, text);
	if (ret < 0) {
		check_fail("state", "writing %s: %s", path, strerror(-ret));
		return;
	}
	printf("appvm-state: boots=%ld\n", boots + 1);
	check_ok("state");
}

static void check_no_persist(const char *path)
{
	struct stat st;
	int ret;

	if (stat(path, &st) == 0) {
		check_fail("no-persist", "%s survived from an earlier boot", path);
		return;
	}
	ret = write_synced(path, "appvm\n");
	if (ret < 0)
		check_fail("no-persist", "cannot create %s: %s", path, strerror(-ret));
	else
		check_ok("no-persist");
}

static void check_vsock_loopback(void)
{
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK,
	    .svm_cid = VMADDR_CID_LOCAL,
	    .svm_port = VMADDR_PORT_ANY,
	};
	socklen_t len = sizeof(addr);
	char buf[8] = {0};
	int lfd = -1, cfd = -1, afd = -1;
	const char *what = NULL;

	lfd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		what = "socket";
	else if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		what = "bind";
	else if (listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		what = "listen";
	else if ((cfd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		what = "socket";
	else if (connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		what = "connect";
	else if ((afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		what = "accept";
	else if (write(cfd, "appvm", 5) != 5)
		what = "write";
	else if (read(afd, buf, sizeof(buf) - 1) != 5 || strcmp(buf, "appvm") != 0)
		what = "read";
	if (what)
		check_fail("vsock-loopback", "%s: %s", what, strerror(errno));
	else
		check_ok("vsock-loopback");
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
}

/*
 * --timers. The resolution is the kernel's hrtimer resolution: 1 ns once
 * high-resolution mode is on, the tick (4 ms at HZ=250) without it. The
 * kernel turns it on at the first tick with a clocksource it trusts: before
 * /init with kvm-clock (KVM) or an unwatched TSC (run-vm's tsc=nowatchdog
 * under TCG), so it must be on when the app starts.
 * Tickless idle: over a window of half a second in which this program
 * sleeps, the timer devices interrupt fewer than HZ/2 times a second; a
 * periodic tick interrupts HZ (250) times a second in every window, idle or
 * not. Other work in the guest keeps the tick running while it runs, so a
 * window may see more: up to 10 windows are tried, and the check passes at
 * the first quiet one. The rate is per second of the guest's clock, which
 * a loaded host does not slow down or speed up for either kind of kernel.
 */
#define TIMERS_HZ	 250
#define TIMERS_WINDOW_NS 500000000L
#define TIMERS_WINDOWS	 10

static void check_timers(void)
{
	struct timespec res, window = {.tv_sec = 0, .tv_nsec = TIMERS_WINDOW_NS};
	double best = -1;

	if (clock_getres(CLOCK_MONOTONIC, &res) < 0) {
		check_fail("timers", "clock_getres: %s", strerror(errno));
		return;
	}
	if (res.tv_sec != 0 || res.tv_nsec != 1) {
		check_fail(
		    "timers",
		    "CLOCK_MONOTONIC resolves %lld.%09ld s, not 1 ns: no high-resolution timers "
		    "(yet: under TCG without run-vm's tsc=nowatchdog, not before the "
		    "clocksource watchdog has checked the TSC)",
		    (long long)res.tv_sec, res.tv_nsec);
		return;
	}
	for (int i = 0; i < TIMERS_WINDOWS; i++) {
		uint64_t before, after;
		double t0 = monotonic_seconds(), rate;
		int r = timer_irqs(&before, NULL);

		while (r == 0 && nanosleep(&window, NULL) < 0 && errno == EINTR)
			;
		if (r == 0)
			r = timer_irqs(&after, NULL);
		if (r < 0) {
			check_fail("timers", "/proc/interrupts: %s", strerror(-r));
			return;
		}
		rate = (double)(after - before) / (monotonic_seconds() - t0);
		printf("appvm-timers: window %d: %.0f timer interrupts/s\n", i + 1, rate);
		if (best < 0 || rate < best)
			best = rate;
		if (rate < TIMERS_HZ / 2) {
			check_ok("timers");
			return;
		}
	}
	check_fail("timers",
		   "%d idle windows took at least %.0f timer interrupts/s, not fewer than %d: a "
		   "periodic tick",
		   TIMERS_WINDOWS, best, TIMERS_HZ / 2);
}

/* Runs fn in a child process; true when it exited 0. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0)
		_exit(fn());
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int try_user_ns(void)
{
	return unshare(CLONE_NEWUSER) == 0 ? 0 : 1;
}

/* Installs a filter that makes getppid() fail with EPERM and checks it does. */
static int try_seccomp(void)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return 1;
	return syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 1;
}

static void check_kernel_features(void)
{
	static const char *const fs[] = {"erofs", "squashfs", "overlay", "ext4", "fuse", "virtiofs",
					 "tmpfs", "devtmpfs", "cgroup2", "proc", "sysfs"};
	char line[128], have[2048] = "";
	FILE *f = fopen("/proc/filesystems", "re");

	if (!f) {
		check_fail("kernel-features", "/proc/filesystems: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		if (strlen(have) + strlen(name) + 3 < sizeof(have)) {
			strcat(have, " ");
			strcat(have, name);
			strcat(have, " ");
		}
	}
	fclose(f);
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), " %s ", fs[i]);
		if (!strstr(have, want)) {
			check_fail("kernel-features", "filesystem %s missing", fs[i]);
			return;
		}
	}
	if (!in_child(try_user_ns)) {
		check_fail("kernel-features", "unprivileged unshare(CLONE_NEWUSER) failed");
		return;
	}
	if (!in_child(try_seccomp)) {
		check_fail("kernel-features", "seccomp filter did not apply");
		return;
	}
	check_ok("kernel-features");
}

static void wait_term(const char *state_dir)
{
	char path[4096];
	sigset_t set;
	int sig = 0, ret;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("appvm-ready\n");
	fflush(stdout);
	if (sigwait(&set, &sig) != 0 || sig != SIGTERM) {
		check_fail("term", "sigwait failed");
		return;
	}
	if (state_dir) {
		snprintf(path, sizeof(path), "%s/term", state_dir);
		ret = write_synced(path, "terminated\n");
		if (ret < 0) {
			check_fail("term", "writing %s: %s", path, strerror(-ret));
			return;
		}
	}
	check_ok("term");
}

#define MAX_ARGS 128

/* Expands @FILE arguments into ret_args (one argument per line). Returns the
 * argument count, or -1 when a file cannot be read or there are too many. */
static int expand_args(int argc, char **argv, char **ret_args)
{
	static char lines[MAX_ARGS][1024];
	int n = 0, used = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f;

		if (argv[i][0] != '@') {
			if (n == MAX_ARGS)
				return -1;
			ret_args[n++] = argv[i];
			continue;
		}
		f = fopen(argv[i] + 1, "re");
		if (!f) {
			fprintf(stderr, "appvm-guest-check: %s: %s\n", argv[i] + 1,
				strerror(errno));
			return -1;
		}
		while (n < MAX_ARGS && used < MAX_ARGS &&
		       fgets(lines[used], sizeof(lines[used]), f)) {
			lines[used][strcspn(lines[used], "\n")] = '\0';
			if (lines[used][0] != '\0')
				ret_args[n++] = lines[used++];
		}
		fclose(f);
	}
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: appvm-guest-check [@FILE] [--unprivileged] [--read FILE=TEXT] "
			"[--read-only DIR] [--run PROG[,ARG...]] [--state DIR] "
			"[--no-persist FILE] [--vsock-loopback] [--kernel-features] [--timers] "
			"[--wait-term]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *state_dir = NULL;
	char *args[MAX_ARGS];
	int want_wait = 0, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("appvm-time: app-exec %.6f\n", monotonic_seconds());
	n = expand_args(argc, argv, args);
	if (n < 0)
		return usage();
	for (int i = 0; i < n; i++) {
		const char *opt = args[i];
		const char *arg = i + 1 < n ? args[i + 1] : NULL;

		if (strcmp(opt, "--unprivileged") == 0) {
			check_unprivileged();
		} else if (strcmp(opt, "--vsock-loopback") == 0) {
			check_vsock_loopback();
		} else if (strcmp(opt, "--kernel-features") == 0) {
			check_kernel_features();
		} else if (strcmp(opt, "--timers") == 0) {
			check_timers();
		} else if (strcmp(opt, "--wait-term") == 0) {
			want_wait = 1;
		} else if (!arg) {
			return usage();
		} else {
			if (strcmp(opt, "--read") == 0)
				check_read(arg);
			else if (strcmp(opt, "--read-only") == 0)
				check_read_only(arg);
			else if (strcmp(opt, "--run") == 0)
				check_run(arg);
			else if (strcmp(opt, "--state") == 0) {
				state_dir = arg;
				check_state(arg);
			} else if (strcmp(opt, "--no-persist") == 0)
				check_no_persist(arg);
			else
				return usage();
			i++;
		}
	}
	if (want_wait)
		wait_term(state_dir);
	printf("appvm-check: done: %u passed, %u failed\n", n_pass, n_fail);
	printf("appvm-time: app-exit %.6f\n", monotonic_seconds());
	return n_fail == 0 ? 0 : 1;
}
