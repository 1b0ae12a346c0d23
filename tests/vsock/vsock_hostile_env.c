/* The back-end process as vsock_hostile sees it: started and stopped, its
 * log read as it grows, its CPU time and memory measured; and the hybrid
 * clients that try to lock real ones out. */
#include "vsock_hostile.h"

#include "clock.h"
#include "unix_addr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

char hsock[128], vusock[128];
unsigned failures;
static char work[96], logpath[128];
static pid_t pid = -1;
static long log_pos;

void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	failures += !ok;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int backend_start(const char *bin, char *const args[])
{
	const char *tmp = getenv("TMPDIR");
	snprintf(work, sizeof(work), "%s/vsock-hostile.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!mkdtemp(work)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(hsock, sizeof(hsock), "%s/h", work);
	snprintf(vusock, sizeof(vusock), "%s/v", work);
	snprintf(logpath, sizeof(logpath), "%s/log", work);
	pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		char *argv[32] = {(char *)bin, "--cid",	       "3",   "--socket",
				  hsock,       "--vhost-user", vusock};
		for (unsigned i = 0; args[i] && i < 24; i++)
			argv[7 + i] = args[i];
		execv(bin, argv);
		_exit(127);
	}
	struct stat st;
	for (uint64_t end = clock_now_ms() + VUF_WAIT_MS; clock_now_ms() < end; sleep_ms(10)) {
		if (stat(hsock, &st) == 0 && stat(vusock, &st) == 0)
			return 0;
	}
	check(false, "back-end did not create its sockets");
	return -1;
}

/* Returns the whole log from offset pos (NUL-terminated, malloc'd). */
static char *read_log(long pos)
{
	FILE *f = fopen(logpath, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	char *buf = malloc(len - pos + 1 > 0 ? (size_t)(len - pos + 1) : 1);
	size_t n = 0;
	if (buf && len > pos) {
		fseek(f, pos, SEEK_SET);
		n = fread(buf, 1, (size_t)(len - pos), f);
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

bool wait_log(const char *text, int timeout_ms)
{
	uint64_t end = clock_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *log = read_log(log_pos);
		char *hit = log ? strstr(log, text) : NULL;
		if (hit) {
			char *eol = strchr(hit, '\n');
			log_pos += (eol ? eol + 1 : hit + strlen(text)) - log;
		}
		free(log);
		if (hit)
			return true;
		if (clock_now_ms() >= end)
			return false;
		guest_pump(20);
	}
}

static long cpu_ticks(void)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command (which may hold spaces): state is field 3,
	 * utime and stime are 14 and 15. */
	char *p = strrchr(buf, ')');
	unsigned long utime, stime;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
			 &stime) != 2)
		return -1;
	return (long)(utime + stime);
}

void expect_idle(const char *state)
{
	const int interval_ms = 1500, windows = 4;
	long hz = sysconf(_SC_CLK_TCK), ms = -1;
	int w;
	/* What the last step left to do (a reply, a log line) may still be
	 * running on a loaded machine: a later window may be the idle one.
	 * A back-end that spins is busy in all of them. */
	for (w = 1; w <= windows; w++) {
		long t0 = cpu_ticks();
		sleep_ms(interval_ms); /* the interval measured, not a wait for something */
		long t1 = cpu_ticks();
		ms = t0 < 0 || t1 < 0 ? -1 : (t1 - t0) * 1000 / hz;
		if (ms < 0 || ms * 20 < interval_ms)
			break;
	}
	check(ms >= 0 && ms * 20 < interval_ms, "idle %s: %ld ms of CPU in %d ms (window %d of %d)",
	      state, ms, interval_ms, w > windows ? windows : w, windows);
}

uint64_t backend_cpu_us(void)
{
	char path[64];
	unsigned long long ns = 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	if (f)
		fclose(f);
	return ns / 1000;
}

long rss_kib(void)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

int backend_stop(void)
{
	int status = -1;
	bool exited = false;
	kill(pid, SIGTERM);
	/* 10 s: the grace appvm-init gives a service before its KILL. */
	for (uint64_t end = clock_now_ms() + 10000; clock_now_ms() < end && !exited; sleep_ms(10))
		exited = waitpid(pid, &status, WNOHANG) == pid;
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	check(exited && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "SIGTERM: the back-end exits 0 (status %#x)", status);
	char *log = read_log(0);
	bool clean = log && !strstr(log, "Sanitizer") && !strstr(log, "runtime error");
	check(clean, "no sanitizer report in the back-end's log");
	if (failures && log)
		printf("---- back-end log ----\n%s", log);
	free(log);
	unlink(hsock);
	unlink(vusock);
	unlink(logpath);
	rmdir(work);
	return failures ? -1 : 0;
}

/* ---- hybrid clients that try to lock real ones out ---- */

/* True once the back-end closed fd (end of file); reads and drops data. */
static bool closed_by_peer(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN);
}

void hybrid_clients(void)
{
	enum { SILENT = 70 };
	int silent[SILENT];
	for (int i = 0; i < SILENT; i++)
		silent[i] = unix_sock_connect(hsock, 0);
	check(wait_log("64 clients without a CONNECT line; the oldest makes room", VUF_WAIT_MS),
	      "70 silent clients: the oldest make room (logged)");
	/* The six oldest go, in order, and only they. */
	uint64_t end = clock_now_ms() + VUF_WAIT_MS;
	while (!closed_by_peer(silent[5]) && clock_now_ms() < end)
		guest_pump(10);
	unsigned gone = 0, kept = 0;
	for (int i = 0; i < SILENT; i++) {
		bool closed = closed_by_peer(silent[i]);
		gone += i < 6 && closed;
		kept += i >= 6 && !closed;
	}
	check(gone == 6 && kept == SILENT - 6, "the 6 oldest were closed (%u), the rest kept (%u)",
	      gone, kept);
	served("while 70 clients stay silent");
	int half = unix_sock_connect(hsock, 0), slow = unix_sock_connect(hsock, 0);
	uint64_t t0 = clock_now_ms(), half_at = 0, slow_at = 0, next_byte = t0;
	const char *line = "CONNECT 5000\n";
	size_t sent = 0;
	check(half >= 0 && write(half, line, 10) == 10, "a client sends half a CONNECT line");
	served("while a client is silent after half a line and another sends 1 byte a second");
	/* Both are closed 5 s after they connected; the bounds leave room for
	 * a loaded machine. */
	while ((!half_at || !slow_at) && clock_now_ms() < t0 + 15000) {
		uint64_t now = clock_now_ms();
		if (!slow_at && now >= next_byte && sent < strlen(line)) {
			(void)!write(slow, line + sent++, 1);
			next_byte += 1000;
		}
		struct pollfd p[2] = {{half, POLLIN, 0}, {slow, POLLIN, 0}};
		poll(p, 2, 100);
		if (!half_at && closed_by_peer(half))
			half_at = clock_now_ms();
		if (!slow_at && closed_by_peer(slow))
			slow_at = clock_now_ms();
	}
	check(half_at && half_at - t0 <= 10000, "half a CONNECT line: closed after %llu ms",
	      (unsigned long long)(half_at - t0));
	check(slow_at && slow_at - t0 <= 10000 && sent < strlen(line),
	      "1 byte per second: closed after %llu ms and %zu bytes",
	      (unsigned long long)(slow_at - t0), sent);
	check(wait_log("no CONNECT line within 5 seconds", 1000), "the timeouts are logged");
	unsigned open = 0;
	for (int i = 0; i < SILENT; i++) {
		open += silent[i] < 0 || !closed_by_peer(silent[i]);
		close(silent[i]);
	}
	check(open == 0, "every silent client was closed (%u left open)", open);
	close(half);
	close(slow);
	served("after the slow clients were dropped");
}
