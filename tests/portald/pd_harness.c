#include "pd_harness.h"

#include "clock.h"
#include "unix_addr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

bool pdh_wait_for(bool (*cond)(void *), void *arg, int ms)
{
	uint64_t end = clock_now_ms() + (uint64_t)ms;
	for (;;) {
		if (cond(arg))
			return true;
		if (clock_now_ms() >= end)
			return false;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

struct pdh_child {
	pid_t pid;
	int status;
};

static bool child_exited(void *arg)
{
	struct pdh_child *ch = arg;
	return waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid;
}

int pdh_run_to_exit(const char *const *argv, const char *err_path, const char *why)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (err_path)
		posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC,
						 0644);
	struct pdh_child ch = {0};
	assert_int_equal(posix_spawn(&ch.pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	if (!pdh_wait_for(child_exited, &ch, 10000)) {
		kill(ch.pid, SIGKILL);
		waitpid(ch.pid, NULL, 0);
		fail_msg("%s", why);
	}
	return WIFEXITED(ch.status) ? WEXITSTATUS(ch.status) : 128 + WTERMSIG(ch.status);
}

void pdh_write(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static const char *work_file(struct pdh *h, const char *name)
{
	static char p[2][700];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", h->work, name);
	return p[k];
}

const char *pdh_path(struct pdh *h, const char *name)
{
	static char p[2][900];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", h->home, name);
	return p[k];
}

/* The chooser: records its request, environment, pid and call, then prints
 * the scripted answer and exits with the scripted code, or blocks. */
static const char chooser[] = "#!/bin/sh\n"
			      "w=$(dirname \"$0\")\n"
			      "cat > \"$w/request.json\"\n"
			      "env | grep '^APPVM_' | sort > \"$w/env\"\n"
			      "echo \"$1\" > \"$w/argv1\"\n"
			      "echo $$ > \"$w/pid\"\n"
			      "echo x >> \"$w/calls\"\n"
			      "if [ -e \"$w/block\" ]; then exec sleep 600; fi\n"
			      "cat \"$w/answer\"\n"
			      "exit $(cat \"$w/code\")\n";

static bool listening(void *arg)
{
	struct pdh *h = arg;
	struct sockaddr_un sa;
	assert_int_equal(unix_addr_set(&sa, h->control), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Starts the daemon with its stderr in LOG, tied to this process
 * (PR_SET_PDEATHSIG): a test that fails or is killed leaves no appvm-portald
 * behind, holding ctest's output pipe open until the test's timeout. */
static pid_t spawn_tied(const char *bin, char *const *argv, const char *log)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    getppid() != parent)
		_exit(127);
	execve(bin, argv, environ);
	_exit(127);
}

void pdh_start(struct pdh *h, const char *const *extra)
{
	const char *bin = getenv("APPVM_PORTALD");
	const char *base = getenv("APPVM_TEST_WORK");
	assert_non_null(bin);
	memset(h, 0, sizeof(*h));
	mkdir(base ? base : "/var/tmp", 0755);
	/* Short: socket paths must fit 108 bytes. */
	snprintf(h->work, sizeof(h->work), "%s/p.XXXXXX", base ? base : "/var/tmp");
	if (strlen(h->work) > 70)
		snprintf(h->work, sizeof(h->work), "/var/tmp/pdh.XXXXXX");
	assert_non_null(mkdtemp(h->work));
	snprintf(h->home, sizeof(h->home), "%s/home", h->work);
	snprintf(h->vsock, sizeof(h->vsock), "%s/vm.vsock", h->work);
	snprintf(h->listen, sizeof(h->listen), "%s_1026", h->vsock);
	snprintf(h->control, sizeof(h->control), "%s.portal.ctl", h->vsock);
	assert_int_equal(mkdir(h->home, 0755), 0);
	pdh_write(work_file(h, "chooser"), chooser, 0755);
	pdh_answer(h, "", 1, false);

	char chooser_arg[800];
	snprintf(chooser_arg, sizeof(chooser_arg), "command:%s", work_file(h, "chooser"));
	const char *argv[48] = {bin,	  "--name",    "testvm",    "--vsock",
				h->vsock, "--chooser", chooser_arg, "--verbose"};
	int argc = 8;
	for (int i = 0; extra && extra[i] && argc < 46; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	h->pid = spawn_tied(bin, (char *const *)argv, work_file(h, "log"));
	assert_true(h->pid > 0);
	if (!pdh_wait_for(listening, h, 10000))
		fail_msg("appvm-portald did not start: %s", pdh_file(h, "log"));
}

static bool gone(void *arg)
{
	struct pdh *h = arg;
	int st;
	pid_t r = waitpid(h->pid, &st, WNOHANG);
	if (r == h->pid) {
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("appvm-portald exited with status %d: %s", st, pdh_file(h, "log"));
		h->pid = 0;
		return true;
	}
	return false;
}

void pdh_stop(struct pdh *h)
{
	if (h->pid <= 0)
		return;
	kill(h->pid, SIGTERM);
	if (!pdh_wait_for(gone, h, 10000)) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		fail_msg("appvm-portald did not stop on SIGTERM");
	}
	struct stat sb;
	assert_int_equal(lstat(h->listen, &sb), -1);
	assert_int_equal(lstat(h->control, &sb), -1);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->work);
	if (system(cmd) != 0)
		fail_msg("cannot remove %s", h->work);
}

void pdh_answer(struct pdh *h, const char *lines, int code, bool block)
{
	char c[16];
	snprintf(c, sizeof(c), "%d\n", code);
	pdh_write(work_file(h, "answer"), lines, 0644);
	pdh_write(work_file(h, "code"), c, 0644);
	if (block)
		pdh_write(work_file(h, "block"), "", 0644);
	else
		unlink(work_file(h, "block"));
}

const char *pdh_read(const char *path)
{
	static char buf[1 << 17];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t got = 0;
	for (ssize_t n;
	     got + 1 < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0;)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return buf;
}

const char *pdh_file(struct pdh *h, const char *name)
{
	const char *text = pdh_read(work_file(h, name));
	return text ? text : "";
}

unsigned pdh_chooser_calls(struct pdh *h)
{
	return (unsigned)strlen(pdh_file(h, "calls")) / 2;
}

pid_t pdh_chooser_pid(struct pdh *h)
{
	return (pid_t)atoi(pdh_file(h, "pid"));
}

static unsigned long proc_field(struct pdh *h, const char *file, const char *key, int field)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)h->pid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	if (key) {
		char *at = strstr(buf, key);
		assert_non_null(at);
		return strtoul(at + strlen(key), NULL, 10);
	}
	/* /proc/PID/stat: fields after the command's closing parenthesis. */
	char *p = strrchr(buf, ')');
	assert_non_null(p);
	unsigned long v = 0;
	for (int i = 3; i <= field; i++) {
		p = strchr(p + 1, ' ');
		assert_non_null(p);
		if (i == field)
			v = strtoul(p + 1, NULL, 10);
	}
	return v;
}

unsigned long pdh_cpu_ticks(struct pdh *h)
{
	return proc_field(h, "stat", NULL, 14) + proc_field(h, "stat", NULL, 15);
}

unsigned long pdh_rss_kib(struct pdh *h)
{
	return proc_field(h, "status", "VmRSS:", 0);
}

int pdh_appvmctl(struct pdh *h, char *out, size_t size, const char *const *args)
{
	const char *bin = getenv("APPVMCTL");
	assert_non_null(bin);
	char target[700];
	snprintf(target, sizeof(target), "hybrid:%s", h->vsock);
	const char *argv[16] = {bin, target};
	int argc = 2;
	for (int i = 0; args[i] && argc < 15; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	size_t got = 0;
	for (ssize_t n; got + 1 < size && (n = read(p[0], out + got, size - 1 - got)) > 0;)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void pdh_connect(struct pdh *h, struct pdh_conn *c)
{
	memset(c, 0, sizeof(*c));
	proto_reader_init(&c->rd);
	c->answer_host = true;
	struct sockaddr_un sa;
	assert_int_equal(unix_addr_set(&sa, h->listen), 0);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

void pdh_open_caps(struct pdh *h, struct pdh_conn *c, uint32_t caps)
{
	struct proto_msg m, r;
	pdh_connect(h, c);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.u.hello.min_version = 1;
	m.u.hello.max_version = 1;
	m.u.hello.caps = caps;
	m.u.hello.software = proto_str_from("fake-portal 1");
	assert_int_equal(pdh_call(c, &m, &r), 0);
	assert_int_equal(r.u.hello.version, 1);
	assert_int_equal(r.u.hello.caps,
			 PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
}

void pdh_open(struct pdh *h, struct pdh_conn *c)
{
	pdh_open_caps(h, c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS);
}

void pdh_close(struct pdh_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	proto_reader_free(&c->rd);
}

void pdh_send_raw(struct pdh_conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

void pdh_send(struct pdh_conn *c, struct proto_msg *m)
{
	static uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	size_t len;
	if (!m->id)
		m->id = ++c->next_id;
	int r = proto_encode(m, buf, sizeof(buf), &len);
	if (r != 0)
		fail_msg("cannot encode %s: %d", proto_type_name(m->type), r);
	pdh_send_raw(c, buf, len);
}

static void answer_host(struct pdh_conn *c, const struct proto_msg *m)
{
	struct proto_msg r;
	memset(&r, 0, sizeof(r));
	r.type = m->type;
	r.flags = PROTO_FLAG_REPLY;
	r.id = m->id;
	if (m->type == PROTO_DOC_GRANT && c->n_granted < 256)
		c->granted[c->n_granted++] = m->u.doc.id;
	if (m->type == PROTO_DOC_REVOKE && c->n_revoked < 256)
		c->revoked[c->n_revoked++] = m->u.doc_id;
	pdh_send(c, &r);
}

int pdh_recv(struct pdh_conn *c, struct proto_msg *m, int timeout_ms)
{
	uint64_t end = clock_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		uint8_t b[4096];
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		uint64_t now = clock_now_ms();
		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(end - now)) == 0)
			return -ETIMEDOUT;
		/* One frame at a time: read at most up to the frame's end. */
		size_t want = proto_reader_want(&c->rd, sizeof(b));
		ssize_t n = recv(c->fd, b, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		size_t used;
		int r = proto_reader_feed(&c->rd, b, (size_t)n, &used);
		if (r < 0)
			return -EBADMSG;
		if (r == 0)
			continue;
		if (proto_decode(&c->rd.header, c->rd.payload, m, NULL) < 0)
			return -EBADMSG;
		if (!(m->flags & PROTO_FLAG_REPLY) && c->answer_host &&
		    (m->type == PROTO_DOC_GRANT || m->type == PROTO_DOC_REVOKE)) {
			answer_host(c, m);
			continue;
		}
		return 0;
	}
}

uint32_t pdh_call(struct pdh_conn *c, struct proto_msg *m, struct proto_msg *reply)
{
	pdh_send(c, m);
	int r = pdh_recv(c, reply, 10000);
	if (r < 0)
		fail_msg("%s %u: no reply (%d)", proto_type_name(m->type), m->id, r);
	if (!(reply->flags & PROTO_FLAG_REPLY) || reply->id != m->id)
		fail_msg("%s %u: got %s %u instead", proto_type_name(m->type), m->id,
			 proto_type_name(reply->type), reply->id);
	if (reply->type == PROTO_ERROR)
		return reply->u.error.code;
	assert_int_equal(reply->type, m->type);
	return 0;
}

void pdh_expect_closed(struct pdh_conn *c)
{
	struct proto_msg m;
	int r;
	while ((r = pdh_recv(c, &m, 10000)) == 0)
		;
	if (r != -EPIPE && r != -EBADMSG)
		fail_msg("connection not closed (%d)", r);
}

void pdh_open_req(struct proto_msg *m, uint32_t flags, const char *title)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_FILE_OPEN;
	m->u.dialog.flags = flags;
	m->u.dialog.title = proto_str_from(title);
	m->u.dialog.current_filter = PROTO_NO_FILTER;
}

void pdh_save_req(struct proto_msg *m, const char *title, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_FILE_SAVE;
	m->u.dialog.title = proto_str_from(title);
	m->u.dialog.current_filter = PROTO_NO_FILTER;
	m->u.dialog.current_name = proto_str_from(name);
}

void pdh_doc_req(struct proto_msg *m, uint16_t type, uint64_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (type == PROTO_DOC_BEGIN)
		m->u.doc_begin.doc_id = id;
	else
		m->u.doc_id = id;
}

void pdh_read_req(struct proto_msg *m, uint64_t id, uint64_t off, uint32_t len, bool staged)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_DOC_READ;
	m->u.doc_read = (struct proto_doc_read){id, off, len, staged ? PROTO_READ_STAGED : 0};
}

void pdh_write_req(struct proto_msg *m, uint64_t id, uint64_t off, const void *data, uint32_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_DOC_WRITE;
	m->u.doc_write.doc_id = id;
	m->u.doc_write.offset = off;
	m->u.doc_write.data.ptr = data;
	m->u.doc_write.data.len = len;
}

void pdh_entry_req(struct proto_msg *m, uint16_t type, uint64_t doc, uint64_t node,
		   const char *name, uint32_t flags)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (type == PROTO_ENTRY_STAT || type == PROTO_ENTRY_FORGET) {
		m->u.entry_node = (struct proto_entry_node){doc, node, flags};
		return;
	}
	m->u.entry_name.doc_id = doc;
	m->u.entry_name.dir = node;
	m->u.entry_name.name = proto_str_from(name);
	m->u.entry_name.flags = flags;
}

void pdh_rename_req(struct proto_msg *m, uint64_t doc, uint64_t dir, const char *name,
		    uint64_t new_dir, const char *new_name, uint32_t flags)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_ENTRY_RENAME;
	m->u.rename = (struct proto_entry_rename){
	    doc, dir, proto_str_from(name), new_dir, proto_str_from(new_name), flags};
}

void pdh_readdir_req(struct proto_msg *m, uint64_t doc, uint64_t dir, uint64_t cookie, uint16_t max)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_ENTRY_READDIR;
	m->u.readdir = (struct proto_entry_readdir){doc, dir, cookie, max};
}

unsigned pdh_fds_under(struct pdh *h, const char *dir)
{
	char path[64], target[4096];
	unsigned n = 0;
	size_t dl = strlen(dir);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)h->pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		char link[600];
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += !strncmp(target, dir, dl) && (target[dl] == '/' || target[dl] == '\0');
	}
	closedir(d);
	return n;
}
