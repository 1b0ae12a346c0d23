/* The chooser process of the open dialog: started with its standard output
 * on a non-blocking pipe the loop watches, in its own process group so a
 * close reaches whatever it started, and reaped through SIGCHLD. A command
 * or zenity is exec'd with posix_spawn; the host portal chooser is this
 * program's own code (dbus.c) in a forked child, so libdbus never runs in
 * the daemon's loop. */
#include "portald.h"

#include "cleanup.h"
#include "io.h"
#include "log.h"
#include "pd_pick.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MIME_DB_MAX (4u << 20)

static int file_check(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* As root, X_OK holds when any execute bit is set: what execve needs. */
	return access(path, X_OK) < 0 ? -errno : 0;
}

int pd_chooser_program_check(const char *prog)
{
	if (strchr(prog, '/'))
		return file_check(prog);
	/* As posix_spawnp searches: each PATH entry in turn (glibc's default
	 * when PATH is unset, an empty entry the current directory), EACCES
	 * when only files that cannot be run were found. */
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	int r = -ENOENT;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		char file[PATH_MAX];
		int n = snprintf(file, sizeof(file), "%.*s%s%s", (int)(end - p), p,
				 end == p ? "" : "/", prog);
		if (n > 0 && (size_t)n < sizeof(file)) {
			int e = file_check(file);
			if (e == 0)
				return 0;
			if (e == -EACCES)
				r = e;
		}
		if (*end == '\0')
			return r;
		p = end;
	}
}

/* Signals the daemon blocks or ignores go back to their defaults in a chooser. */
static void child_signals(sigset_t *def)
{
	sigemptyset(def);
	sigaddset(def, SIGPIPE);
	sigaddset(def, SIGTERM);
	sigaddset(def, SIGINT);
	sigaddset(def, SIGCHLD);
}

static int spawn_attrs(posix_spawnattr_t *attr)
{
	sigset_t empty, def;
	sigemptyset(&empty);
	child_signals(&def);
	int e = posix_spawnattr_init(attr);
	if (!e)
		e = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						       POSIX_SPAWN_SETSIGDEF);
	if (!e)
		e = posix_spawnattr_setpgroup(attr, 0);
	if (!e)
		e = posix_spawnattr_setsigmask(attr, &empty);
	if (!e)
		e = posix_spawnattr_setsigdefault(attr, &def);
	return -e;
}

/* The request as JSON in an anonymous file, for the command's stdin. */
static int json_file(const struct pd_chooser_req *r)
{
	_cleanup_close_ int fd = memfd_create("appvm-chooser-request", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(dup(fd), "w");
	if (!f)
		return -errno;
	pd_request_json(f, r);
	if (fclose(f) != 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -EIO;
	return steal_fd(&fd);
}

/* Reads the shared-mime-info globs for zenity's filters; NULL if absent. */
static char *mime_db(size_t *ret_len)
{
	static const char *const paths[] = {"/usr/share/mime/globs2",
					    "/usr/local/share/mime/globs2"};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		char *buf = malloc(MIME_DB_MAX);
		if (!buf)
			return NULL;
		ssize_t n = io_read_file(paths[i], buf, MIME_DB_MAX);
		if (n >= 0) {
			*ret_len = (size_t)n;
			return buf;
		}
		free(buf);
	}
	return NULL;
}

static int spawn(const struct pd_daemon *d, const struct pd_chooser_req *r, int out_w, pid_t *pid)
{
	struct pd_strv argv = {0}, env = {0};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	_cleanup_close_ int in = -1;
	int e;
	if (d->opt.chooser == PD_CHOOSER_COMMAND) {
		in = json_file(r);
		e = in < 0 ? in : pd_strv_addf(&argv, "%s", d->opt.command);
		if (!e)
			e = pd_strv_addf(&argv, "%s", pd_mode_name(r->mode));
		if (!e)
			e = pd_command_env(r, environ, &env);
	} else {
		/* Without a display zenity exits 1, which would read as a cancel. */
		if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
			return -ENXIO;
		size_t db_len = 0;
		_cleanup_free_ char *db = mime_db(&db_len);
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		e = in < 0 ? -errno : pd_zenity_argv(r, db, db_len, &argv);
	}
	if (e < 0) {
		pd_strv_free(&argv);
		pd_strv_free(&env);
		return e;
	}
	e = -posix_spawn_file_actions_init(&fa);
	if (!e)
		e = -posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (!e)
		e = -posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	if (!e)
		e = spawn_attrs(&attr);
	if (!e) {
		if (d->opt.chooser == PD_CHOOSER_COMMAND)
			e = -posix_spawn(pid, d->opt.command, &fa, &attr, argv.v, env.v);
		else
			e = -posix_spawnp(pid, "zenity", &fa, &attr, argv.v, environ);
		posix_spawnattr_destroy(&attr);
	}
	posix_spawn_file_actions_destroy(&fa);
	pd_strv_free(&argv);
	pd_strv_free(&env);
	return e;
}

static void close_from(int lowest)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowest, ~0u, 0) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lowest; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
}

static int fork_dbus(const struct pd_chooser_req *r, int out_w, pid_t *ret)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t def, empty;
		child_signals(&def);
		sigemptyset(&empty);
		for (int s = 1; s < 65; s++)
			if (sigismember(&def, s))
				signal(s, SIG_DFL);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0)
			_exit(2);
		close_from(3);
		_exit(pd_dbus_choose(r, 1));
	}
	*ret = pid;
	return 0;
}

int pd_chooser_start(struct pd_daemon *d, struct pd_chooser *ch, const struct pd_chooser_req *r)
{
	int p[2];
	memset(ch, 0, sizeof(*ch));
	ch->out_fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	_cleanup_close_ int rd = p[0], wr = p[1];
	int e = io_set_nonblock(rd, 1);
	if (e < 0)
		return e;
	pid_t pid = 0;
	if (d->opt.chooser == PD_CHOOSER_PORTAL)
		e = fork_dbus(r, wr, &pid);
	else
		e = spawn(d, r, wr, &pid);
	if (e < 0)
		return e;
	ch->w.kind = PD_W_CHOOSER;
	ch->pid = pid;
	ch->out_fd = steal_fd(&rd);
	if (pd_watch_add(d, ch->out_fd, &ch->w, EPOLLIN) < 0) {
		/* Without its output the chooser is useless. */
		kill(-pid, SIGKILL);
		ch->kill_at = 1;
	}
	return 0;
}

static void close_output(struct pd_daemon *d, struct pd_chooser *ch)
{
	if (ch->out_fd < 0)
		return;
	pd_watch_del(d, ch->out_fd);
	close(ch->out_fd);
	ch->out_fd = -1;
}

void pd_chooser_reap(struct pd_chooser *ch)
{
	if (ch->pid <= 0 || ch->reaped)
		return;
	int st;
	pid_t r = waitpid(ch->pid, &st, WNOHANG);
	if (r == ch->pid) {
		ch->reaped = true;
		ch->status = st;
		/* Whatever it started goes with it. */
		kill(-ch->pid, SIGKILL);
	}
}

/* Reads what is there. Returns false at end of file (or on error). */
static bool read_output(struct pd_chooser *ch)
{
	char tmp[4096];
	for (;;) {
		ssize_t n = io_read_some(ch->out_fd, tmp, sizeof(tmp));
		if (n == -EAGAIN)
			return true;
		if (n <= 0)
			return false;
		if (ch->overflow || ch->len + (size_t)n > PD_PICK_OUTPUT_MAX) {
			ch->overflow = true;
			continue; /* keep draining; the answer is refused anyway */
		}
		if (!ch->buf) {
			ch->buf = malloc(PD_PICK_OUTPUT_MAX + 1);
			if (!ch->buf) {
				ch->overflow = true;
				continue;
			}
		}
		memcpy(ch->buf + ch->len, tmp, (size_t)n);
		ch->len += (size_t)n;
	}
}

bool pd_chooser_pump(struct pd_daemon *d, struct pd_chooser *ch)
{
	if (ch->out_fd >= 0 && !read_output(ch))
		close_output(d, ch);
	if (ch->overflow && !ch->kill_at) {
		log_warn("the chooser wrote more than %u bytes: killed", PD_PICK_OUTPUT_MAX);
		kill(-ch->pid, SIGKILL);
		ch->kill_at = 1;
	}
	pd_chooser_reap(ch);
	if (ch->reaped && ch->out_fd >= 0) {
		/* It exited; what it wrote is in the pipe. A child it left
		 * holding the pipe open must not keep the dialog open. */
		read_output(ch);
		close_output(d, ch);
	}
	return ch->reaped && ch->out_fd < 0;
}

void pd_chooser_close(struct pd_chooser *ch, uint64_t now)
{
	if (ch->pid <= 0 || ch->reaped || ch->kill_at)
		return;
	kill(-ch->pid, SIGTERM);
	ch->kill_at = now + PD_CHOOSER_GRACE_MS;
}

void pd_chooser_free(struct pd_daemon *d, struct pd_chooser *ch)
{
	close_output(d, ch);
	free(ch->buf);
	ch->buf = NULL;
	ch->len = 0;
	ch->pid = 0;
}
