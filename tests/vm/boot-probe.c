/*
 * appvm-boot-probe: the guest half of the boot benchmark and the boot
 * timeline (tests/vm/bench-boot, tests/vm/boot-timeline). It hands the
 * kernel's log to the host, one record per line:
 *
 *   appvm-kmsg: SECONDS MESSAGE          (SECONDS: printk time, microseconds)
 *
 * The kernel writes its own boot messages to the console only up to the
 * console log level (kernel-config/appvm.config keeps it at warnings), and
 * initcall_debug's lines are debug messages: the log itself (/dev/kmsg) has
 * them all, with their times.
 *
 *   appvm-boot-probe --serve PORT   as the app (root: the log needs
 *       CAP_SYSLOG): listen on vsock port PORT, send the log to the first
 *       connection, then exit 0. The host reads it after the agent's READY,
 *       so the boot it measures is not disturbed by the transfer.
 *   appvm-boot-probe --serve-stats PORT   as the app of an idle VM
 *       (tests/vm/bench-idle): listen on vsock port PORT and, to every
 *       connection, send the guest's clock and interrupt counts, then close
 *       it; runs until it is killed. The lines:
 *         appvm-stats: monotonic SECONDS         (CLOCK_MONOTONIC)
 *         appvm-stats: timer N                   (interrupts of the timer
 *             devices, all CPUs: /proc/interrupts rows LOC and 0)
 *         then /proc/interrupts as it is, then, to name what wakes the
 *         guest (docs/benchmarks.md, "Idle VM"), one line per task:
 *         appvm-task: PID COMM SWITCHES    (voluntary + involuntary
 *             context switches so far: /proc/PID/status; kernel threads too)
 *         and /proc/softirqs and /proc/timer_list as they are, each line
 *         prefixed "appvm-softirqs: " and "appvm-timer-list: ".
 *   appvm-boot-probe                as PID 1 (rdinit=/usr/bin/appvm-boot-probe):
 *       print the log on the console and power off. Boots any kernel with
 *       an initramfs and a serial console, no device needed: this is how
 *       kernels are compared (kernel start -> /init exec). First it logs
 *         appvm-boot-probe: main N us before this line
 *       (N: CLOCK_MONOTONIC from the first thing its main does to the
 *       write), which dates its main on the printk clock: "Run /init" to
 *       it is the kernel's first exec of /init, with the dynamic loader's
 *       work for this (glibc) program (tests/vm/boot-analyze reports it).
 *
 * A last line "appvm-kmsg-lost: N" says N records were overwritten before
 * they could be read (boot with log_buf_len=1M for initcall_debug).
 * Exit status: 0, 1 on a system error, 2 on bad arguments.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "timer-irqs.h"

/* Copies every record of /dev/kmsg to OUT; 0 or -errno. */
static int dump_kmsg(FILE *out)
{
	char rec[8192];
	uint64_t next_seq = 0, lost = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		unsigned prio;
		uint64_t seq, usec;
		int head = 0;

		if (n < 0 && errno == EPIPE)
			continue; /* overwritten while we read: the next read resyncs */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = errno == EAGAIN ? 0 : -errno;
			close(fd);
			if (lost)
				fprintf(out, "appvm-kmsg-lost: %" PRIu64 "\n", lost);
			return r;
		}
		rec[n] = '\0';
		/* "PRIO,SEQ,USEC,FLAGS;MESSAGE\n", then " KEY=VALUE" lines. */
		if (sscanf(rec, "%u,%" SCNu64 ",%" SCNu64 ",%*[^;];%n", &prio, &seq, &usec, &head) <
			3 ||
		    head == 0)
			continue;
		if (seq > next_seq)
			lost += seq - next_seq;
		next_seq = seq + 1;
		rec[head + strcspn(rec + head, "\n")] = '\0';
		fprintf(out, "appvm-kmsg: %" PRIu64 ".%06" PRIu64 " %s\n", usec / 1000000,
			usec % 1000000, rec + head);
	}
}

/* Copies the file PATH to OUT, each line after PREFIX; a missing file is
 * skipped (a kernel without it). */
static void copy_prefixed(FILE *out, const char *path, const char *prefix)
{
	char line[1024];
	FILE *in = fopen(path, "re");

	if (!in)
		return;
	while (fgets(line, sizeof(line), in))
		fprintf(out, "%s%s%s", prefix, line, strchr(line, '\n') ? "" : "\n");
	fclose(in);
}

/* One line per task: its PID, name and context switches so far. A task
 * that sleeps and wakes is switched out each time: the host takes the
 * difference of two snapshots. */
static void write_tasks(FILE *out)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300], line[256], comm[64] = "?";
		unsigned long long vol = 0, invol = 0, v;
		FILE *in;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if (!(in = fopen(path, "re")))
			continue; /* gone meanwhile */
		while (fgets(line, sizeof(line), in)) {
			if (sscanf(line, "Name: %63s", comm) == 1)
				continue;
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
				vol = v;
			else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				invol = v;
		}
		fclose(in);
		fprintf(out, "appvm-task: %s %s %llu\n", e->d_name, comm, vol + invol);
	}
	closedir(d);
}

/* Writes the stats of --serve-stats to OUT; 0 or -errno. */
static int write_stats(FILE *out)
{
	struct timespec ts;
	uint64_t timer;
	char *text = NULL;
	size_t len = 0;
	FILE *copy = open_memstream(&text, &len);

	if (!copy)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int r = timer_irqs(&timer, copy);
	fclose(copy);
	if (r == 0)
		fprintf(out,
			"appvm-stats: monotonic %lld.%09ld\nappvm-stats: timer %" PRIu64 "\n%s",
			(long long)ts.tv_sec, ts.tv_nsec, timer, text ? text : "");
	free(text);
	if (r == 0) {
		write_tasks(out);
		copy_prefixed(out, "/proc/softirqs", "appvm-softirqs: ");
		copy_prefixed(out, "/proc/timer_list", "appvm-timer-list: ");
	}
	return r;
}

/*
 * Listens on vsock PORT and sends each connection what PRODUCE writes (WHAT:
 * its name, SOURCE: the file it reads): one connection when ONCE, else
 * every one until killed. 0, or 1 on an error.
 */
static int serve(unsigned port, int (*produce)(FILE *), const char *what, const char *source,
		 int once)
{
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK,
	    .svm_cid = VMADDR_CID_ANY,
	    .svm_port = port,
	};
	int lfd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(lfd, 4) < 0) {
		fprintf(stderr, "appvm-boot-probe: vsock port %u: %s\n", port, strerror(errno));
		return 1;
	}
	printf("appvm-boot-probe: serving %s on vsock port %u\n", what, port);
	fflush(stdout);
	for (;;) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		FILE *out;

		if (cfd < 0 && errno == EINTR)
			continue;
		if (cfd < 0 || !(out = fdopen(cfd, "w"))) {
			fprintf(stderr, "appvm-boot-probe: accept: %s\n", strerror(errno));
			return 1;
		}
		int r = produce(out);
		if (fclose(out) != 0 && r == 0)
			r = -errno;
		if (r < 0)
			fprintf(stderr, "appvm-boot-probe: %s: %s\n", source, strerror(-r));
		if (once) {
			close(lfd);
			return r < 0;
		}
	}
}

/*
 * Logs how long ago main started, so that the log dates it on the printk
 * clock: the line's printk time minus the age (CLOCK_MONOTONIC and the
 * printk clock differ by an offset, which the difference cancels). A
 * failure only loses the line.
 */
static void log_main_age(const struct timespec *t0)
{
	struct timespec now;
	char line[96];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || clock_gettime(CLOCK_MONOTONIC, &now) < 0) {
		fprintf(stderr, "appvm-boot-probe: cannot log main's time: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	int64_t us =
	    ((int64_t)now.tv_sec - t0->tv_sec) * 1000000 + (now.tv_nsec - t0->tv_nsec) / 1000;
	int n = snprintf(line, sizeof(line),
			 "appvm-boot-probe: main %" PRId64 " us before this line\n", us);
	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "appvm-boot-probe: /dev/kmsg: %s\n", strerror(errno));
	close(fd);
}

/* As PID 1 nothing is mounted: /dev/kmsg is made by hand (char 1:11). */
static int as_init(const struct timespec *t0)
{
	mkdir("/dev", 0755);
	if (mknod("/dev/kmsg", S_IFCHR | 0600, makedev(1, 11)) < 0 && errno != EEXIST)
		fprintf(stderr, "appvm-boot-probe: mknod /dev/kmsg: %s\n", strerror(errno));
	log_main_age(t0);
	int r = dump_kmsg(stdout);
	if (r < 0)
		fprintf(stderr, "appvm-boot-probe: /dev/kmsg: %s\n", strerror(-r));
	printf("appvm-boot-probe: done\n");
	fflush(stdout);
	reboot(RB_POWER_OFF);
	fprintf(stderr, "appvm-boot-probe: power-off failed: %s\n", strerror(errno));
	return 1; /* PID 1 exiting panics the kernel: the VM ends either way */
}

int main(int argc, char **argv)
{
	struct timespec t0;

	/* First: as PID 1, the end of the kernel's first exec of /init. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (getpid() == 1)
		return as_init(&t0);
	if (argc == 3 &&
	    (strcmp(argv[1], "--serve") == 0 || strcmp(argv[1], "--serve-stats") == 0)) {
		char *end;
		unsigned long port = strtoul(argv[2], &end, 10);
		if (*argv[2] && !*end && port > 0 && port < 0xffffffffUL)
			return strcmp(argv[1], "--serve") == 0
				   ? serve((unsigned)port, dump_kmsg, "the kernel log", "/dev/kmsg",
					   1)
				   : serve((unsigned)port, write_stats, "interrupt counts",
					   "/proc/interrupts", 0);
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: appvm-boot-probe --serve PORT   (in a guest, as root)\n"
		       "       appvm-boot-probe --serve-stats PORT  (in a guest: the clock and\n"
		       "           interrupt counts to every connection, until killed)\n"
		       "       rdinit=/usr/bin/appvm-boot-probe  (as PID 1: print the kernel "
		       "log, power off)\n");
		return 0;
	}
	fprintf(stderr, "usage: appvm-boot-probe --serve PORT (see --help)\n");
	return 2;
}
