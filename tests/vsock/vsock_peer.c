/* vsock_peer: the test program on both ends of the vsock VM tests. Built
 * twice: for the host (talks to appvm-vsock's hybrid Unix socket or to a
 * PATH_P listener) and statically for the guest (talks AF_VSOCK, or a
 * virtio-serial port for the comparison benchmark). It moves a seeded
 * pseudo-random byte stream and checks every byte that comes back.
 *
 *   vsock_peer serve echo|sink|run|reboot ADDR [--slow] [--stall S] [--daemon]
 *   vsock_peer remote ADDR ARGS...      (asks a "serve run" peer to run ARGS)
 *   vsock_peer hold ADDR N              (N echo streams, open until the peer drops them)
 *   vsock_peer echo ADDR BYTES [--conns N] [--seed S] [--slow] [--stall S] [--noshut]
 *   vsock_peer sink ADDR BYTES [--seed S]
 *   vsock_peer pingpong ADDR COUNT
 *   vsock_peer refused ADDR [COUNT [GAP_US]]  (COUNT refused connects, one every GAP_US)
 *   vsock_peer cat FILE                 (copies FILE to stdout: a guest's /proc, through remote)
 *
 * ADDR: vsock:PORT (serve) | vsock:CID:PORT | hybrid:PATH:PORT | unix:PATH | file:PATH
 * --slow reads 4 KiB every 2 ms; --stall S stops reading at times (seeded by
 * S): after every 64 KiB to 1 MiB read, for 10 to 160 ms, long enough for a
 * sender of a few MiB/s to run out of credit (256 KiB) now and then.
 * Results are single lines starting "RESULT ok" or "RESULT FAIL". */
#include "vsock_peer_io.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/reboot.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	  65536
#define MAX_CONNS 256

static int slow;
static uint64_t stall_seed; /* --stall: 0 = never */
static int noshut;	    /* echo: no half-close (a qemu chardev socket treats it as a hang-up) */
static int daemonize;	    /* serve: return once listening, keep serving in a child */

/* Runs one vsock_peer command line read from fd, its output going back to fd. */
static void serve_run(int fd)
{
	char line[512];
	size_t len = 0;
	while (len < sizeof(line) - 1) {
		ssize_t n = read(fd, line + len, 1);
		if (n <= 0 || line[len] == '\n')
			break;
		len++;
	}
	line[len] = 0;
	char *argv[16] = {"vsock_peer"};
	int argc = 1;
	for (char *tok = strtok(line, " "); tok && argc < 15; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	signal(SIGCHLD, SIG_DFL); /* this handler process waits for its command */
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
}

/* Echoes a character device (virtio-serial port) until it reads end of file. */
static void serve_file(int fd)
{
	static uint8_t buf[CHUNK];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write_all(fd, buf, (size_t)n) < 0)
			return;
	}
}

static void serve_one(const char *mode, int fd)
{
	static uint8_t buf[CHUNK];
	if (strcmp(mode, "run") == 0) {
		serve_run(fd);
		close(fd);
		return;
	}
	if (strcmp(mode, "reboot") == 0) {
		sync();
		reboot(RB_AUTOBOOT);
		_exit(1);
	}
	uint64_t total = 0, got = 0, h = FNV_INIT;
	struct stall st;
	stall_init(&st, stall_seed, (uint64_t)getpid());
	for (;;) {
		ssize_t n = read(fd, buf, slow ? 4096 : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (slow)
			usleep(2000);
		got += (uint64_t)n;
		unsigned ms = stall_check(&st, got);
		if (ms)
			usleep(ms * 1000);
		if (mode[0] == 'e') {
			if (write_all(fd, buf, (size_t)n) < 0)
				break;
		} else {
			total += (uint64_t)n;
			h = fnv(h, buf, (size_t)n);
		}
	}
	if (mode[0] == 's') {
		char line[80];
		int n = snprintf(line, sizeof(line), "SUM %" PRIu64 " %016" PRIx64 "\n", total, h);
		write_all(fd, line, (size_t)n);
	}
	shutdown(fd, SHUT_WR);
	close(fd);
}

static int cmd_serve(const char *mode, const char *addr)
{
	int lfd = listen_addr(addr);
	if (lfd < 0) {
		printf("RESULT FAIL serve %s: %s\n", addr, strerror(errno));
		return 1;
	}
	if (daemonize && fork() > 0)
		return 0;
	if (strncmp(addr, "file:", 5) == 0) {
		/* A virtio-serial port reads end of file while no host side is
		 * connected; wait for the next one instead of exiting. */
		for (;;) {
			serve_file(lfd);
			usleep(10000);
		}
	}
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 1;
		}
		if (fork() == 0) {
			close(lfd);
			serve_one(mode, fd);
			_exit(0);
		}
		close(fd);
	}
}

struct stream {
	int fd;
	struct gen tx, rx;
	uint64_t sent, received;
	int shut;
	struct stall stall;
	double paused_until; /* --stall: not reading before this */
};

static int cmd_echo(const char *addr, uint64_t bytes, unsigned conns, uint64_t seed)
{
	static struct stream s[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];
	static uint8_t buf[CHUNK], want[CHUNK];
	double t0 = now_s();
	for (unsigned i = 0; i < conns; i++) {
		s[i].fd = connect_addr(addr);
		if (s[i].fd < 0) {
			printf("RESULT FAIL connect %s (#%u): %s\n", addr, i, strerror(errno));
			return 1;
		}
		fcntl(s[i].fd, F_SETFL, O_NONBLOCK);
		gen_init(&s[i].tx, seed + i);
		gen_init(&s[i].rx, seed + i);
		stall_init(&s[i].stall, stall_seed, seed + i);
	}
	unsigned done = 0, stalls = 0;
	double progress = now_s();
	while (done < conns) {
		double now = now_s(), wake = now + 30;
		for (unsigned i = 0; i < conns; i++) {
			int reading = now >= s[i].paused_until;
			if (!reading && s[i].paused_until < wake)
				wake = s[i].paused_until;
			pfd[i].fd = s[i].received < bytes ? s[i].fd : -1;
			pfd[i].events = (reading ? POLLIN : 0) | (s[i].sent < bytes ? POLLOUT : 0);
		}
		int ready = poll(pfd, conns, (int)((wake - now) * 1000) + 1);
		if (ready < 0 && errno != EINTR) {
			printf("RESULT FAIL poll: %s\n", strerror(errno));
			return 1;
		}
		/* Stalled: no byte moved either way for 30 s. */
		if (now_s() - progress > 30) {
			printf("RESULT FAIL echo stalled (%u of %u streams done)\n", done, conns);
			return 1;
		}
		for (unsigned i = 0; i < conns; i++) {
			struct stream *t = &s[i];
			if ((pfd[i].revents & POLLOUT) && t->sent < bytes) {
				size_t n =
				    bytes - t->sent < 16384 ? (size_t)(bytes - t->sent) : 16384;
				struct gen save = t->tx;
				gen_fill(&t->tx, buf, n);
				ssize_t w = write(t->fd, buf, n);
				if (w < 0) {
					t->tx = save;
					if (errno != EAGAIN) {
						printf("RESULT FAIL write: %s\n", strerror(errno));
						return 1;
					}
				} else {
					/* Rewind the generator past only what was written. */
					t->tx = save;
					gen_fill(&t->tx, buf, (size_t)w);
					t->sent += (uint64_t)w;
					progress = now_s();
				}
				if (t->sent == bytes && !t->shut && !noshut) {
					shutdown(t->fd, SHUT_WR);
					t->shut = 1;
				}
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t r = read(t->fd, buf, slow ? 4096 : sizeof(buf));
				if (r < 0 && errno == EAGAIN)
					continue;
				if (r <= 0) {
					printf("RESULT FAIL stream %u ended after %" PRIu64
					       " of %" PRIu64 " bytes: %s\n",
					       i, t->received, bytes,
					       r < 0 ? strerror(errno) : "EOF");
					return 1;
				}
				gen_fill(&t->rx, want, (size_t)r);
				if (memcmp(buf, want, (size_t)r) != 0) {
					printf(
					    "RESULT FAIL stream %u: corrupt data at byte %" PRIu64
					    "\n",
					    i, t->received);
					return 1;
				}
				t->received += (uint64_t)r;
				progress = now_s();
				if (t->received == bytes)
					done++;
				if (slow)
					usleep(2000);
				unsigned ms = stall_check(&t->stall, t->received);
				if (ms) {
					t->paused_until = now_s() + ms / 1000.0;
					stalls++;
				}
			}
		}
	}
	double dt = now_s() - t0;
	for (unsigned i = 0; i < conns; i++)
		close(s[i].fd);
	printf("RESULT ok echo conns=%u bytes=%" PRIu64 " secs=%.3f MiBps=%.2f stalls=%u\n", conns,
	       bytes, dt, (double)bytes * conns / dt / 1048576.0, stalls);
	return 0;
}

static int cmd_sink(const char *addr, uint64_t bytes, uint64_t seed)
{
	static uint8_t buf[CHUNK];
	double t0 = now_s();
	int fd = connect_addr(addr);
	if (fd < 0) {
		printf("RESULT FAIL connect %s: %s\n", addr, strerror(errno));
		return 1;
	}
	struct gen g;
	gen_init(&g, seed);
	uint64_t h = FNV_INIT;
	for (uint64_t sent = 0; sent < bytes;) {
		size_t n = bytes - sent < sizeof(buf) ? (size_t)(bytes - sent) : sizeof(buf);
		gen_fill(&g, buf, n);
		h = fnv(h, buf, n);
		if (write_all(fd, buf, n) < 0) {
			printf("RESULT FAIL write after %" PRIu64 ": %s\n", sent, strerror(errno));
			return 1;
		}
		sent += n;
	}
	shutdown(fd, SHUT_WR);
	char line[80] = {0};
	size_t len = 0;
	while (len < sizeof(line) - 1) {
		ssize_t r = read(fd, line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	double dt = now_s() - t0;
	char expect[80];
	snprintf(expect, sizeof(expect), "SUM %" PRIu64 " %016" PRIx64 "\n", bytes, h);
	if (strcmp(line, expect) != 0) {
		printf("RESULT FAIL sink checksum: got '%.40s' want '%.40s'\n", line, expect);
		return 1;
	}
	printf("RESULT ok sink bytes=%" PRIu64 " sum=%016" PRIx64 " secs=%.3f MiBps=%.2f\n", bytes,
	       h, dt, (double)bytes / dt / 1048576.0);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* COUNT round trips of 64 bytes, each timed: the mean, the median and the
 * 10th and 90th percentiles in microseconds. */
static int cmd_pingpong(const char *addr, unsigned count)
{
	int fd = connect_addr(addr);
	if (fd < 0) {
		printf("RESULT FAIL connect %s: %s\n", addr, strerror(errno));
		return 1;
	}
	double *us = calloc(count, sizeof(*us));
	if (!us)
		return printf("RESULT FAIL out of memory\n"), 1;
	uint8_t b[64] = {0};
	double t0 = now_s();
	for (unsigned i = 0; i < count; i++) {
		double t = now_s();
		b[0] = (uint8_t)i;
		if (write_all(fd, b, sizeof(b)) < 0)
			return printf("RESULT FAIL pingpong write\n"), 1;
		size_t got = 0;
		while (got < sizeof(b)) {
			ssize_t r = read(fd, b + got, sizeof(b) - got);
			if (r <= 0)
				return printf("RESULT FAIL pingpong read\n"), 1;
			got += (size_t)r;
		}
		if (b[0] != (uint8_t)i)
			return printf("RESULT FAIL pingpong mismatch\n"), 1;
		us[i] = (now_s() - t) * 1e6;
	}
	double dt = now_s() - t0;
	qsort(us, count, sizeof(*us), cmp_double);
	printf("RESULT ok pingpong count=%u avg_us=%.1f p10_us=%.1f p50_us=%.1f p90_us=%.1f\n",
	       count, dt / count * 1e6, us[count / 10], us[count / 2], us[count * 9 / 10]);
	free(us);
	close(fd);
	return 0;
}

static int cmd_remote(const char *addr, int argc, char **argv)
{
	int fd = connect_addr(addr);
	if (fd < 0) {
		printf("RESULT FAIL connect %s: %s\n", addr, strerror(errno));
		return 1;
	}
	char line[512] = "";
	for (int i = 0; i < argc; i++) {
		if (strlen(line) + strlen(argv[i]) + 2 >= sizeof(line))
			break;
		strcat(line, argv[i]);
		strcat(line, i + 1 < argc ? " " : "\n");
	}
	write_all(fd, line, strlen(line));
	char out[4096];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(out) - 1)
			break;
	}
	out[len] = 0;
	fputs(out, stdout);
	close(fd);
	return strstr(out, "RESULT ok") && !strstr(out, "RESULT FAIL") ? 0 : 1;
}

/* Opens n streams, checks each echoes, then waits (up to 120 s) until the
 * other side drops every one of them. */
static int cmd_hold(const char *addr, unsigned n)
{
	static struct pollfd pfd[MAX_CONNS];
	for (unsigned i = 0; i < n; i++) {
		int fd = connect_addr(addr);
		if (fd < 0) {
			printf("RESULT FAIL connect %s (#%u): %s\n", addr, i, strerror(errno));
			return 1;
		}
		char b[16] = "hello";
		char r[16];
		if (write_all(fd, b, sizeof(b)) < 0) {
			printf("RESULT FAIL hold write\n");
			return 1;
		}
		size_t got = 0;
		while (got < sizeof(r)) {
			ssize_t k = read(fd, r + got, sizeof(r) - got);
			if (k <= 0) {
				printf("RESULT FAIL hold echo\n");
				return 1;
			}
			got += (size_t)k;
		}
		pfd[i] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	printf("HOLDING %u\n", n);
	double t0 = now_s();
	unsigned open_n = n;
	while (open_n > 0) {
		if (poll(pfd, n, 120000) <= 0) {
			printf("RESULT FAIL %u of %u streams still open\n", open_n, n);
			return 1;
		}
		for (unsigned i = 0; i < n; i++) {
			if (pfd[i].fd >= 0 && pfd[i].revents) {
				char b[256];
				if (read(pfd[i].fd, b, sizeof(b)) <= 0) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					open_n--;
				}
			}
		}
	}
	printf("RESULT ok hold: all %u streams closed by the peer after %.1f s\n", n, now_s() - t0);
	return 0;
}

static int cmd_refused(const char *addr, unsigned count, unsigned gap_us)
{
	struct timespec next, t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = t0;
	int err = 0;
	for (unsigned i = 0; i < count; i++) {
		int fd = connect_addr(addr);
		if (fd >= 0) {
			printf("RESULT FAIL %s: connected, expected a refusal\n", addr);
			return 1;
		}
		err = errno;
		if (err != ECONNRESET && err != ECONNREFUSED) {
			printf("RESULT FAIL %s: %s, expected a refusal\n", addr, strerror(err));
			return 1;
		}
		/* The pace of the attempts, not a wait for something. */
		next.tv_nsec += (long)gap_us * 1000;
		while (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		while (gap_us &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("RESULT ok refused %s (%s) %u times in %.0f ms\n", addr, strerror(err), count, ms);
	return 0;
}

static int cmd_cat(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("RESULT FAIL %s: %s\n", path, strerror(errno));
		return 1;
	}
	static uint8_t buf[CHUNK];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	printf("RESULT ok cat %s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned conns = 1;
	uint64_t seed = 1;
	char *pos[4] = {0};
	int npos = 0;
	if (argc >= 4 && strcmp(argv[1], "remote") == 0)
		return cmd_remote(argv[2], argc - 3, argv + 3);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--slow") == 0)
			slow = 1;
		else if (strcmp(argv[i], "--daemon") == 0)
			daemonize = 1;
		else if (strcmp(argv[i], "--noshut") == 0)
			noshut = 1;
		else if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc)
			conns = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--stall") == 0 && i + 1 < argc)
			stall_seed = strtoull(argv[++i], NULL, 0);
		else if (npos < 4)
			pos[npos++] = argv[i];
	}
	if (conns == 0 || conns > MAX_CONNS)
		conns = 1;
	if (npos == 3 && strcmp(pos[0], "serve") == 0)
		return cmd_serve(pos[1], pos[2]);
	if (npos == 3 && strcmp(pos[0], "echo") == 0)
		return cmd_echo(pos[1], strtoull(pos[2], NULL, 0), conns, seed);
	if (npos == 3 && strcmp(pos[0], "sink") == 0)
		return cmd_sink(pos[1], strtoull(pos[2], NULL, 0), seed);
	if (npos == 3 && strcmp(pos[0], "pingpong") == 0)
		return cmd_pingpong(pos[1], (unsigned)strtoul(pos[2], NULL, 0));
	if (npos == 3 && strcmp(pos[0], "hold") == 0)
		return cmd_hold(pos[1], (unsigned)strtoul(pos[2], NULL, 0));
	if (npos >= 2 && npos <= 4 && strcmp(pos[0], "refused") == 0)
		return cmd_refused(pos[1], npos > 2 ? (unsigned)strtoul(pos[2], NULL, 0) : 1,
				   npos > 3 ? (unsigned)strtoul(pos[3], NULL, 0) : 0);
	if (npos == 2 && strcmp(pos[0], "cat") == 0)
		return cmd_cat(pos[1]);
	fprintf(stderr, "usage: see the comment at the top of vsock_peer.c\n");
	return 2;
}
