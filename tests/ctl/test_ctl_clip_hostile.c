/* appvmctl's clipboard against a hostile guest, with a real host clipboard:
 * headless sway (tests/clipboard/with-sway.sh starts it; label ns), read and
 * written by wl-clipboard from outside. A fake agent behind a hybrid socket
 * answers "clipboard copy" with every reply a hostile guest might send (a
 * total over the cap or that changes, bytes past the end or none, a reply
 * that never ends, replies and requests never asked for, floods, text that
 * is not text); each must end with its clear error within its deadline and
 * leave the host clipboard as it was; the next well-behaved copy must work.
 * Then the good paths: the cap at its boundary, binary content, the rate
 * limit, paste with the size cap and single-use. */
#include <errno.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "ctl_error.h"
#include "ctl_run.h"
#include "fake_guest.h"
#include "hostile_frames.h"
#include "host_clip.h"

static char dir[64];
static char vm_path[128], hybrid_target[160], conf_fast[128], conf_slow[128];
static char sentinel[64];
static uint8_t content[200000];

static void new_sentinel(void)
{
	static unsigned n;
	snprintf(sentinel, sizeof(sentinel), "host-sentinel-%u", ++n);
	host_copy(sentinel);
}

struct clip_case {
	const char *name;
	enum fake_mode mode;
	enum build bytes; /* FAKE_RAW */
	uint32_t len;	  /* good content's length */
	const char *timeout;
	int code;
	const char *in_err;
};

static const struct clip_case cases[] = {
    {"total over the cap", FAKE_RAW, CLIP_TOTAL_OVER_CAP, 0, "5", CTL_EXIT_TOO_LARGE,
     "the VM's clipboard holds 65537 bytes, over the limit of 65536 for this VM (max-size); "
     "the host clipboard is unchanged\n"},
    {"total over 16 MiB", FAKE_RAW, CLIP_TOTAL_16M_1, 0, "5", CTL_EXIT_PROTOCOL,
     "guest sent a malformed CLIPBOARD_GET reply of 8 bytes (id 2): clipboard size out of range"},
    {"reply over its cap", FAKE_RAW, CLIP_REPLY_32777, 0, "5", CTL_EXIT_PROTOCOL,
     "guest sent an oversized frame: CLIPBOARD_GET reply of 32777 bytes (id 2), over its cap "
     "of 32776"},
    {"reply of 4 GiB", FAKE_RAW, CLIP_REPLY_4G, 0, "5", CTL_EXIT_PROTOCOL,
     "CLIPBOARD_GET reply of 4294967295 bytes (id 2), over its cap of 32776"},
    {"more bytes than the total", FAKE_RAW, CLIP_DATA_PAST_TOTAL, 0, "5", CTL_EXIT_PROTOCOL,
     "malformed CLIPBOARD_GET reply of 14 bytes (id 2): clipboard size out of range"},
    {"data never asked for", FAKE_RAW, CLIP_REPLY_ID_9, 0, "5", CTL_EXIT_PROTOCOL,
     "guest sent a reply to a request we did not send: CLIPBOARD_GET reply of 13 bytes (id 9)"},
    {"another type's reply", FAKE_RAW, CLIP_SET_REPLY, 0, "5", CTL_EXIT_PROTOCOL,
     "guest answered CLIPBOARD_GET with a CLIPBOARD_SET reply"},
    {"a reply cut short, then silence", FAKE_RAW, CLIP_SAYS_40000_SENDS_10, 0, "1",
     CTL_EXIT_TIMEOUT,
     "no CLIPBOARD_GET reply from the guest before the deadline (received 18 payload bytes of "
     "a CLIPBOARD_GET reply of 32776 bytes (id 2))"},
    {"text that is not UTF-8", FAKE_RAW, CLIP_NOT_UTF8, 0, "5", CTL_EXIT_PROTOCOL,
     "the VM's text is not valid UTF-8 (byte 2 of 6)"},
    {"an empty clipboard", FAKE_RAW, CLIP_EMPTY, 0, "5", CTL_EXIT_EMPTY,
     "the VM's clipboard is empty: nothing to copy; the host clipboard is unchanged"},
    {"the total grows", FAKE_CLIP_TOTAL_GROWS, 0, 40000, "5", CTL_EXIT_PROTOCOL,
     "guest changed the clipboard's size in the middle of the transfer: 40000 bytes, then "
     "40001"},
    {"no progress", FAKE_CLIP_NO_PROGRESS, 0, 40000, "5", CTL_EXIT_PROTOCOL,
     "guest sent no clipboard bytes at offset 32768 of 40000"},
    {"bytes past the end", FAKE_CLIP_PAST_END, 0, 40000, "5", CTL_EXIT_PROTOCOL,
     "guest sent 32768 clipboard bytes at offset 32768; 7232 were asked for and 7232 are left "
     "of 40000"},
    {"one byte per reply", FAKE_CLIP_ONE_BYTE, 0, 65536, "5", CTL_EXIT_PROTOCOL,
     "guest sent 1 clipboard bytes at offset 32768; 32768 were asked for and 32768 are left "
     "of 65536"},
    {"the type vanishes", FAKE_CLIP_GONE, 0, 40000, "5", CTL_EXIT_GUEST_ERROR,
     "guest answered CLIPBOARD_GET with error NOT_FOUND"},
    {"a transfer that never ends", FAKE_CLIP_STALL, 0, 40000, "1", CTL_EXIT_TIMEOUT,
     "no CLIPBOARD_GET reply from the guest before the deadline"},
    {"a flood of events", FAKE_EVENT_FLOOD, 0, 100, "5", CTL_EXIT_PROTOCOL,
     "guest sent more than 16 frames that are not the reply"},
    {"a flood of requests", FAKE_REQUEST_FLOOD, 0, 100, "5", CTL_EXIT_PROTOCOL,
     "guest sent more than 16 frames that are not the reply"},
    {"an ERROR", FAKE_ERROR_REPLY, 0, 100, "5", CTL_EXIT_GUEST_ERROR,
     "guest answered CLIPBOARD_GET with error BUSY"},
};

static void run_case(const struct clip_case *c, struct bytes *b)
{
	struct fake_opts o = {.mode = c->mode,
			      .front = FRONT_OK,
			      .hostile_conns = 1,
			      .clip = content,
			      .clip_len = c->len ? c->len : 1000};
	if (c->mode == FAKE_RAW) {
		hostile_build(c->bytes, b);
		o.raw = b->p;
		o.raw_len = b->len;
		o.after = AFTER_SILENT;
	}
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r =
	    run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, "--max-size",
		    c->len > 65536 ? "1M" : "64K", "--timeout", c->timeout, NULL);
	print_message("%-36s exit %2d after %4llu ms, cpu %llu ms\n", c->name, r.code,
		      (unsigned long long)r.ms, (unsigned long long)r.cpu_ms);
	expect(&r, c->code, NULL, c->in_err);
	if (c->code == CTL_EXIT_TIMEOUT && r.cpu_ms > 50)
		fail_msg("%s: %llu ms of CPU while waiting", c->name, (unsigned long long)r.cpu_ms);
	if (r.ms > atof(c->timeout) * 1000 + 700)
		fail_msg("%s: took %llu ms", c->name, (unsigned long long)r.ms);
	run_free(&r);
	if (!host_clip_is(sentinel))
		fail_msg("%s: the host clipboard changed", c->name);

	/* The next, well-behaved copy goes through. */
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, "--max-size", "1M",
		    NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "clipboard copy: ", NULL);
	run_free(&r);
	static char got[sizeof(content) + 1];
	size_t len = c->len ? c->len : 1000;
	if (host_clip(NULL, got, sizeof(got)) != len || memcmp(got, content, len) != 0)
		fail_msg("%s: the next copy did not reach the host clipboard: %.60s", c->name, got);
	new_sentinel();
}

static void test_hostile_copies(void **state)
{
	(void)state;
	static struct bytes b;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], &b);
}

/* A CLIPBOARD_SET request of the guest's own (a type never asked for, data
 * never requested) before each reply: refused, and not a byte of it lands. */
static void test_unasked_paste(void **state)
{
	(void)state;
	struct fake_opts o = {
	    .mode = FAKE_CLIP_UNASKED, .front = FRONT_OK, .clip = content, .clip_len = 500};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, NULL);
	expect(&r, 0, "clipboard copy: 500 bytes of text from ", NULL);
	run_free(&r);
	assert_int_equal(atomic_load(&g.clip_unsupported), 1);
	fake_guest_stop(&g);
	char got[600];
	assert_int_equal(host_clip(NULL, got, sizeof(got)), 500);
	assert_memory_equal(got, content, 500);
	char html[64];
	host_clip("text/html", html, sizeof(html));
	assert_null(strstr(html, "evil"));
	new_sentinel();
}

/* The guest lacks the type asked for, or the whole capability. */
static void test_missing(void **state)
{
	(void)state;
	struct fake_opts o = {
	    .front = FRONT_OK, .clip = content, .clip_len = 10, .clip_mime = "image/png"};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, NULL);
	expect(&r, CTL_EXIT_EMPTY, NULL, "the VM's clipboard has no text: nothing to copy");
	assert_non_null(strstr(r.err, "guest error NOT_FOUND (6): no such type"));
	run_free(&r);
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, "--type",
		    "image/jpeg", NULL);
	expect(&r, CTL_EXIT_EMPTY, NULL, "the VM's clipboard has no image/jpeg");
	run_free(&r);
	fake_guest_stop(&g);
	assert_true(host_clip_is(sentinel));
}

/* The cap at its boundary, binary content, and the rate limit. */
static void test_good_copies(void **state)
{
	(void)state;
	struct fake_opts o = {.front = FRONT_OK, .clip = content, .clip_len = 65536};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, NULL);
	expect(&r, 0, "clipboard copy: 65536 bytes of text from ", NULL);
	run_free(&r);
	static char got[sizeof(content) + 1];
	assert_int_equal(host_clip(NULL, got, sizeof(got)), 65536);
	assert_memory_equal(got, content, 65536);
	fake_guest_stop(&g);
	new_sentinel();
	o.clip_len = 65537;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, NULL);
	expect(&r, CTL_EXIT_TOO_LARGE, NULL, "holds 65537 bytes, over the limit of 65536");
	run_free(&r);
	fake_guest_stop(&g);
	assert_true(host_clip_is(sentinel));

	/* Every byte value, as an image would have, 200000 of them. */
	static uint8_t bin[sizeof(content)];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 131 + (i >> 8));
	o.clip = bin;
	o.clip_len = sizeof(bin);
	o.clip_mime = "application/octet-stream";
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, "--type",
		    "application/octet-stream", "--max-size", "200000", "--json", NULL);
	expect(&r, 0, "\"bytes\":200000,\"mime\":\"application/octet-stream\"", NULL);
	run_free(&r);
	fake_guest_stop(&g);
	assert_int_equal(host_clip("application/octet-stream", got, sizeof(got)), sizeof(bin));
	assert_memory_equal(got, bin, sizeof(bin));
	new_sentinel();

	/* A copy that cannot reach the VM (not running) does not count: the
	 * next one, within min-interval, is served. Then two copies within
	 * min-interval: the second is refused. */
	o.clip = content;
	o.clip_len = 20;
	o.clip_mime = NULL;
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_slow, NULL);
	assert_int_equal(r.code, CTL_EXIT_NOT_RUNNING);
	run_free(&r);
	assert_true(host_clip_is(sentinel));
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_slow, NULL);
	expect(&r, 0, "clipboard copy: 20 bytes", NULL);
	run_free(&r);
	new_sentinel();
	r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_slow, NULL);
	expect(&r, CTL_EXIT_RATE_LIMITED, NULL, "are limited to one every 60000 ms (min-interval)");
	run_free(&r);
	assert_int_equal(atomic_load(&g.connections), 1); /* the VM was not even asked */
	fake_guest_stop(&g);
	assert_true(host_clip_is(sentinel));
}

/* Forgets every copy's stamp (docs/clipboard.md, Limits). */
static void rate_reset(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	assert_non_null(run);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/appvm/clipboard", run);
	DIR *d = opendir(path);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (!strncmp(e->d_name, "copy-", 5))
			assert_int_equal(unlinkat(dirfd(d), e->d_name, 0), 0);
	closedir(d);
}

/* A copy whose HELLO handshake failed never asked the VM for its
 * clipboard: it does not count, and the retry within min-interval is
 * served (fake_guest answers its second connection well). */
static void test_failed_hello_not_counted(void **state)
{
	(void)state;
	static const struct {
		enum fake_mode mode;
		int code;
		const char *in_err;
	} hello_cases[] = {
	    {FAKE_SILENT, CTL_EXIT_TIMEOUT, "HELLO"},
	    {FAKE_GARBAGE, CTL_EXIT_PROTOCOL, NULL},
	    {FAKE_HELLO_MISMATCH, CTL_EXIT_PROTOCOL, "guest refused HELLO"},
	};
	rate_reset(); /* test_good_copies' last copy counted */
	for (size_t i = 0; i < sizeof(hello_cases) / sizeof(hello_cases[0]); i++) {
		struct fake_opts o = {.mode = hello_cases[i].mode,
				      .front = FRONT_OK,
				      .hostile_conns = 1,
				      .clip = content,
				      .clip_len = 20};
		struct fake_guest g;
		new_sentinel();
		assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
		struct run r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_slow,
				       "--timeout", "1", NULL);
		expect(&r, hello_cases[i].code, NULL, hello_cases[i].in_err);
		run_free(&r);
		assert_true(host_clip_is(sentinel));
		r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_slow, NULL);
		expect(&r, 0, "clipboard copy: 20 bytes", NULL);
		run_free(&r);
		/* That one counted: the next is refused without asking the VM. */
		r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_slow, NULL);
		expect(&r, CTL_EXIT_RATE_LIMITED, NULL, "(min-interval)");
		run_free(&r);
		assert_int_equal(atomic_load(&g.connections), 2);
		fake_guest_stop(&g);
		/* The next case starts with no stamp. */
		rate_reset();
	}
}

/* A host app reading a copy when something else is copied still gets all
 * of it: the reader could not tell a pipe closed early from the end. */
static void test_copy_outlives_replacement(void **state)
{
	(void)state;
	static uint8_t big[1 << 20];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 12));
	struct fake_opts o = {.front = FRONT_OK,
			      .clip = big,
			      .clip_len = sizeof(big),
			      .clip_mime = "application/x-big"};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, "--type",
			       "application/x-big", "--max-size", "1M", NULL);
	expect(&r, 0, "clipboard copy: 1048576 bytes of application/x-big", NULL);
	run_free(&r);
	fake_guest_stop(&g);

	/* A reader that stalls: wl-paste into a FIFO nobody reads yet. */
	char fifo[128], cmd[256];
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(cmd, sizeof(cmd), "timeout 20 wl-paste -t application/x-big >'%s' &", fifo);
	assert_int_equal(system(cmd), 0);
	int avail = 0;
	uint64_t end = clock_now_ms() + 10000;
	while (ioctl(fd, FIONREAD, &avail) == 0 && avail < 65536)
		assert_true(clock_now_ms() < end);
	/* Now something else is copied, while the paste is under way. */
	new_sentinel();
	static uint8_t got[sizeof(big) + 1];
	size_t n = 0;
	assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
	for (ssize_t k; (k = read(fd, got + n, sizeof(got) - n)) > 0;)
		n += (size_t)k;
	close(fd);
	unlink(fifo);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(got, big, sizeof(big));
}

static void test_paste(void **state)
{
	(void)state;
	struct fake_opts o = {.front = FRONT_OK};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	host_copy("paste me");
	struct run r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, NULL);
	expect(&r, 0, "clipboard paste: 8 bytes of text from the host clipboard to hybrid:", NULL);
	run_free(&r);
	assert_int_equal(atomic_load(&g.clip_set_bytes), 8);
	assert_true(host_clip_is("paste me"));

	/* Over the cap: one error, the VM is not even connected to. */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "head -c 70000 /dev/zero | tr '\\0' y | wl-copy");
	assert_int_equal(system(cmd), 0);
	char buf[16];
	uint64_t end = clock_now_ms() + 5000;
	while (host_clip(NULL, buf, sizeof(buf)) == 0 || buf[0] != 'y')
		assert_true(clock_now_ms() < end);
	int before = atomic_load(&g.connections);
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, NULL);
	expect(&r, CTL_EXIT_TOO_LARGE, NULL,
	       "the host clipboard holds more than 65536 bytes, the limit for this VM (max-size); "
	       "nothing was pasted");
	run_free(&r);
	assert_int_equal(atomic_load(&g.connections), before);
	assert_int_equal(atomic_load(&g.clip_set_bytes), 8);
	/* ... and with a bigger cap it goes, in three chunks. */
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, "--max-size",
		    "70000", NULL);
	expect(&r, 0, "clipboard paste: 70000 bytes", NULL);
	run_free(&r);
	assert_int_equal(atomic_load(&g.clip_set_bytes), 70008);

	/* Single-use: the host clipboard is empty afterwards. */
	host_copy("once");
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, "--single-use",
		    NULL);
	expect(&r, 0, "(single-use: the host clipboard is cleared)", NULL);
	run_free(&r);
	char now[64];
	host_clip(NULL, now, sizeof(now));
	assert_non_null(strstr(now, "No selection"));
	/* Nothing to paste now. */
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, NULL);
	expect(&r, CTL_EXIT_EMPTY, NULL, "the host clipboard is empty: nothing to paste");
	run_free(&r);
	/* No such type on the host. */
	host_copy("text only");
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, "--type",
		    "image/png", NULL);
	expect(&r, CTL_EXIT_EMPTY, NULL, "the host clipboard has no image/png (it offers: ");
	run_free(&r);
	fake_guest_stop(&g);

	/* The guest refuses: its error, nothing else. */
	o.mode = FAKE_ERROR_REPLY;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, NULL);
	expect(&r, CTL_EXIT_GUEST_ERROR, NULL, "guest answered CLIPBOARD_SET with error BUSY");
	run_free(&r);
	fake_guest_stop(&g);
	new_sentinel();
}

/* The servers a copy left behind: processes of this executable, each the
 * leader of its own session (the test itself is not). Fills pids, returns
 * how many are alive (zombies left to a subreaper are not). */
static int copy_servers(pid_t *pids, int max)
{
	char self[PATH_MAX], exe[PATH_MAX], path[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	int found = 0;
	DIR *d = opendir("/proc");
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || pid == getpid() || getsid(pid) != pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		ssize_t k = readlink(path, exe, sizeof(exe) - 1);
		if (k <= 0)
			continue;
		exe[k] = '\0';
		char stat[512];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		FILE *f = fopen(path, "r");
		size_t got = f ? fread(stat, 1, sizeof(stat) - 1, f) : 0;
		if (f)
			fclose(f);
		stat[got] = '\0';
		const char *state = strrchr(stat, ')');
		if (strcmp(exe, self) == 0 && state && state[2] != 'Z' && found < max)
			pids[found++] = pid;
	}
	closedir(d);
	return found;
}

/* utime + stime of pid, in clock ticks. */
static unsigned long long cpu_ticks(pid_t pid)
{
	char path[64], stat[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t got = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[got] = '\0';
	unsigned long long ut = 0, st = 0;
	const char *p = strrchr(stat, ')');
	assert_non_null(p);
	/* Fields 14 and 15 (utime, stime); p is at the end of field 2. */
	assert_int_equal(
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st), 2);
	return ut + st;
}

/* What a copy leaves running holds nothing of the caller's: not its working
 * directory (a mount it would keep busy), not its file descriptors (the
 * guest's socket, a pipe a script waits on), and it sleeps until something
 * else is copied, then ends. */
static void test_copy_server(void **state)
{
	(void)state;
	/* The servers of the copies before are gone once the sentinel is in. */
	pid_t pids[8];
	uint64_t end = clock_now_ms() + 5000;
	while (copy_servers(pids, 8) > 0)
		if (clock_now_ms() > end)
			fail_msg("a copy's server outlived the next copy");
	/* appvmctl run from a directory of its own, with a pipe open that a
	 * caller would wait on ($(appvmctl ...)), not close-on-exec, behind
	 * a few hundred other inherited descriptors. */
	char cwd[PATH_MAX], sub[128];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(sub, sizeof(sub), "%s/cwd", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chdir(sub), 0);
	int pipe_fds[2], many[300];
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		assert_true((many[i] = open("/dev/null", O_RDONLY)) >= 0);
	assert_int_equal(pipe(pipe_fds), 0);
	struct fake_opts o = {.front = FRONT_OK, .clip = content, .clip_len = 30};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, "clipboard", "copy", "--config", conf_fast, NULL);
	assert_int_equal(chdir(cwd), 0);
	fake_guest_stop(&g);
	expect(&r, 0, "clipboard copy: 30 bytes", NULL);
	run_free(&r);
	assert_int_equal(copy_servers(pids, 8), 1);
	pid_t server = pids[0];

	char path[64], link[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)server);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	if (strcmp(link, "/") != 0)
		fail_msg("the copy's server keeps the caller's directory %s busy", link);
	assert_int_equal(rmdir(sub), 0);

	/* Its descriptors: 0-2 (/dev/null) and the compositor's socket. */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)server);
	DIR *d = opendir(path);
	assert_non_null(d);
	int fds = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.') {
			fds++;
			char fdpath[384];
			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = '\0';
			if (strncmp(link, "pipe:", 5) == 0)
				fail_msg("the copy's server holds the caller's pipe (fd %s)",
					 e->d_name);
		}
	closedir(d);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		close(many[i]);
	assert_int_equal(fds, 4);

	/* Idle: no CPU while nobody pastes (measured over a second). */
	unsigned long long t0 = cpu_ticks(server);
	uint64_t until = clock_now_ms() + 1000;
	while (clock_now_ms() < until)
		poll(NULL, 0, (int)(until - clock_now_ms()));
	unsigned long long idle = cpu_ticks(server) - t0;
	print_message("copy server idle: %llu ticks in 1 s\n", idle);
	assert_true(idle <= 1);

	/* Something else is copied: it ends. */
	new_sentinel();
	end = clock_now_ms() + 5000;
	while (copy_servers(pids, 8) > 0)
		if (clock_now_ms() > end)
			fail_msg("the copy's server outlived the next copy");
}

/* appvmctl started with stdin and stderr closed (as a key daemon might
 * start it): its status pipe to the server then takes fds 0 and 2, which
 * the server points at /dev/null. The copy must still report its success. */
static void test_copy_without_stdio(void **state)
{
	(void)state;
	const char *ctl = getenv("APPVMCTL");
	assert_non_null(ctl);
	struct fake_opts o = {.front = FRONT_OK, .clip = content + 3, .clip_len = 40};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "'%s' '%s' clipboard copy --config '%s' <&- >/dev/null 2>&-; echo $? >'%s/rc'",
		 ctl, hybrid_target, conf_fast, dir);
	assert_int_equal(system(cmd), 0);
	fake_guest_stop(&g);
	char path[128], rc[16] = "";
	snprintf(path, sizeof(path), "%s/rc", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(rc, sizeof(rc), f));
	fclose(f);
	unlink(path);
	if (strcmp(rc, "0\n") != 0)
		fail_msg("appvmctl without stdin and stderr: exit %s", rc);
	char got[64];
	assert_int_equal(host_clip(NULL, got, sizeof(got)), 40);
	assert_memory_equal(got, content + 3, 40);
	new_sentinel();
}

/* appvmctl started with stderr closed: the guest's socket would take fd 2,
 * and appvmctl's error message would go to the guest. */
static void test_errors_without_stderr(void **state)
{
	(void)state;
	const char *ctl = getenv("APPVMCTL");
	assert_non_null(ctl);
	struct fake_opts o = {.front = FRONT_OK, .mode = FAKE_ERROR_REPLY};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "'%s' '%s' clipboard copy --config '%s' 2>&-", ctl,
		 hybrid_target, conf_fast);
	int status = system(cmd);
	fake_guest_stop(&g);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CTL_EXIT_GUEST_ERROR);
	if (atomic_load(&g.junk))
		fail_msg("appvmctl's error message went to the guest");
	assert_true(host_clip_is(sentinel));
}

/* A paste the guest never answers, or drops: a clear error within the
 * deadline, no CPU spent waiting, and single-use clears nothing. */
static void test_paste_hostile(void **state)
{
	(void)state;
	struct fake_opts o = {.front = FRONT_OK, .mode = FAKE_SILENT_LATER};
	struct fake_guest g;
	host_copy("keep me");
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast,
			       "--single-use", "--timeout", "1", NULL);
	fake_guest_stop(&g);
	print_message("paste, guest silent: exit %d after %llu ms, cpu %llu ms\n", r.code,
		      (unsigned long long)r.ms, (unsigned long long)r.cpu_ms);
	expect(&r, CTL_EXIT_TIMEOUT, NULL,
	       "no CLIPBOARD_SET reply from the guest before the deadline");
	assert_true(r.ms < 1700);
	assert_true(r.cpu_ms < 50);
	run_free(&r);
	assert_true(host_clip_is("keep me"));

	o.mode = FAKE_CLOSE_LATER;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	r = run_ctl(hybrid_target, "clipboard", "paste", "--config", conf_fast, "--single-use",
		    NULL);
	fake_guest_stop(&g);
	expect(&r, CTL_EXIT_PROTOCOL, NULL, "guest closed the connection without replying");
	run_free(&r);
	assert_true(host_clip_is("keep me"));
	new_sentinel();
}

static void write_conf(char *path, size_t size, const char *name, const char *text)
{
	snprintf(path, size, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (host_clip_setup(dir, sizeof(dir), "appvm-clip") < 0)
		return -1;
	snprintf(vm_path, sizeof(vm_path), "%s/vm.sock", dir);
	snprintf(hybrid_target, sizeof(hybrid_target), "hybrid:%s", vm_path);
	write_conf(conf_fast, sizeof(conf_fast), "fast.conf", "[default]\nmin-interval = 0\n");
	write_conf(conf_slow, sizeof(conf_slow), "slow.conf", "[default]\nmin-interval = 60s\n");
	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)('a' + i % 26);
	new_sentinel();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf_fast);
	unlink(conf_slow);
	unlink(vm_path);
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/cwd", dir); /* test_copy_server's, if it failed */
	rmdir(sub);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostile_copies),
	    cmocka_unit_test(test_unasked_paste),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_good_copies),
	    cmocka_unit_test(test_failed_hello_not_counted),
	    cmocka_unit_test(test_copy_outlives_replacement),
	    cmocka_unit_test(test_paste),
	    cmocka_unit_test(test_copy_server),
	    cmocka_unit_test(test_copy_without_stdio),
	    cmocka_unit_test(test_errors_without_stderr),
	    cmocka_unit_test(test_paste_hostile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
