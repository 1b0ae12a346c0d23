/* Supervised services: building their argv/environment/credentials from the
 * configuration, fork + exec, and relaying their output to the console. */
#include "init.h"
#include "passwd.h"
#include "storerun.h"
#include "util.h"
#include "wayland_plan.h"

#include "cleanup.h"
#include "io.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PASSWD_MAX 65536

static char passwd_text[PASSWD_MAX], group_text[PASSWD_MAX];

static void read_db(const char *path, char *buf)
{
	if (io_read_file(path, buf, PASSWD_MAX) < 0)
		buf[0] = '\0'; /* numeric ids still work */
}

int service_env(struct service *s, const char *fmt, ...)
{
	va_list ap;
	size_t *n = &s->n_env, *o = &s->env_used;
	size_t room = sizeof(s->env_buf) - *o;
	int len;
	if (!strchr(fmt, '%')) {
		/* Copied: printf's code does not run for the agent's start. */
		len = util_cat(s->env_buf + *o, room, fmt, NULL) < 0 ? (int)room : (int)strlen(fmt);
	} else {
		va_start(ap, fmt);
		len = vsnprintf(s->env_buf + *o, room, fmt, ap);
		va_end(ap);
	}
	if (len < 0 || (size_t)len >= room || *n + 1 >= ARRAY_LEN(s->envp))
		return -E2BIG;
	/* A later NAME= replaces an earlier one. */
	size_t name_len = strcspn(s->env_buf + *o, "=") + 1;
	for (size_t i = 0; i < *n; i++)
		if (strncmp(s->envp[i], s->env_buf + *o, name_len) == 0) {
			s->envp[i] = s->env_buf + *o;
			*o += (size_t)len + 1;
			return 0;
		}
	s->envp[(*n)++] = s->env_buf + *o;
	s->envp[*n] = NULL;
	*o += (size_t)len + 1;
	return 0;
}

/* The store runtimes (storerun.h), one per [store NAME], read at boot. */
static struct storerun runtimes[CFG_MAX_STORES];

const struct storerun *services_store_runtimes(void)
{
	return runtimes;
}

/* Reads each store's runtime manifest, when it has one. */
static int read_runtimes(const struct cfg *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n_stores; i++) {
		char path[CFG_PATH_MAX + 32], text[STORERUN_MANIFEST_MAX], why[256];
		snprintf(path, sizeof(path), "%s/%s", c->stores[i].path, STORERUN_MANIFEST);
		ssize_t n = io_read_file(path, text, sizeof(text));
		memset(&runtimes[i], 0, sizeof(runtimes[i]));
		if (n == -ENOENT)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "store %s: cannot read %s: %s", c->stores[i].name,
				 path, n == -EFBIG ? "too large" : strerror((int)-n));
			return (int)n;
		}
		if (storerun_parse(text, &runtimes[i], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "store %s: %s: %s", c->stores[i].name, path, why);
			return -EINVAL;
		}
		log_info("store %s: programs run with its own loader %s/%s", c->stores[i].name,
			 c->stores[i].path, runtimes[i].loader);
	}
	return 0;
}

int service_command(const struct init *in, struct service *s, const char *cmd, const char *extra,
		    char *err, size_t errlen)
{
	struct util_words w;
	util_words_init(&w);
	int r = util_words_split(&w, cmd);
	if (r == 0 && extra)
		r = util_words_split(&w, extra);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot split command line: %s", s->name, strerror(-r));
		return r;
	}
	char why[512] = "";
	util_words_init(&s->cmd);
	if (w.n == 0 || util_copy(s->program, sizeof(s->program), w.v[0]) < 0) {
		snprintf(err, errlen, "%s: no program, or its path is too long", s->name);
		return -EINVAL;
	}
	r = storerun_command(in->cfg, runtimes, &w, &s->cmd, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", s->name, why[0] ? why : "command line too long");
	return r;
}

int service_argv(struct service *s, const struct util_words *w, char *err, size_t errlen)
{
	util_words_init(&s->cmd);
	if (w->n == 0 || util_copy(s->program, sizeof(s->program), w->v[0]) < 0 ||
	    util_words_append(&s->cmd, w, 0) < 0) {
		snprintf(err, errlen, "%s: no program, or a command line too long", s->name);
		return -EINVAL;
	}
	return 0;
}

int service_set_user(struct service *s, const char *user, const char *group, const char *groups,
		     struct pw_user *ret_pw, char *err, size_t errlen)
{
	int r = pw_find_user(passwd_text, user, ret_pw);
	if (r < 0) {
		snprintf(err, errlen, "%s: user %s: %s", s->name, user,
			 r == -ENOENT ? "not in /etc/passwd" : "malformed /etc/passwd entry");
		return r;
	}
	s->drop_privileges = true;
	s->uid = ret_pw->uid;
	s->gid = ret_pw->gid;
	if (group && group[0] && (r = pw_find_group(group_text, group, &s->gid)) < 0) {
		snprintf(err, errlen, "%s: group %s: %s", s->name, group,
			 r == -ENOENT ? "not in /etc/group" : "malformed /etc/group entry");
		return r;
	}
	s->n_groups = 0;
	if (groups && groups[0]) {
		char buf[CFG_VALUE_MAX];
		util_copy(buf, sizeof(buf), groups);
		for (char *sv = NULL, *g = strtok_r(buf, ", ", &sv); g;
		     g = strtok_r(NULL, ", ", &sv)) {
			if (s->n_groups == INIT_MAX_GROUPS) {
				snprintf(err, errlen, "%s: more than %d groups", s->name,
					 INIT_MAX_GROUPS);
				return -E2BIG;
			}
			if ((r = pw_find_group(group_text, g, &s->groups[s->n_groups++])) < 0) {
				snprintf(err, errlen, "%s: group %s: not in /etc/group", s->name,
					 g);
				return r;
			}
		}
	} else if (ret_pw->name[0]) {
		/* As initgroups() would: the groups that list the user. */
		r = pw_member_groups(group_text, ret_pw->name, s->groups, INIT_MAX_GROUPS,
				     &s->n_groups);
		if (r < 0) {
			snprintf(err, errlen, "%s: user %s is in more than %d groups", s->name,
				 user, INIT_MAX_GROUPS);
			return r;
		}
	}
	return 0;
}

struct service *service_add(struct init *in, const char *name)
{
	struct service *s = &in->svcs[in->n_svcs++];
	const struct cfg *c = in->cfg;
	memset(s, 0, sizeof(*s));
	util_words_init(&s->cmd);
	s->argv = s->cmd.v;
	util_copy(s->name, sizeof(s->name), name);
	s->out_fd = -1;
	s->pass_fds[0] = s->pass_fds[1] = -1;
	s->state = INITCTL_STATE_STOPPED;
	strcpy(s->workdir, "/");
	backoff_init(&s->bo, (unsigned)c->vm.restart_limit, c->vm.restart_window_ms,
		     c->vm.restart_delay_ms, c->vm.restart_delay_max_ms);
	return s;
}

bool services_agent_early(const struct init *in)
{
	return storerun_agent_early(in->cfg);
}

int services_prepare_agent(struct init *in, char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	int r;
	struct service *agent = service_add(in, "agent");
	if (!c->agent.enable) {
		agent->state = INITCTL_STATE_DISABLED;
	} else {
		char extra[CFG_VALUE_MAX + CFG_PATH_MAX + 64], clip[CFG_PATH_MAX + 24] = "";
		char port[UTIL_ULONG_LEN];
		/* With the guest filter the VM has a clipboard of its own, which
		 * the agent serves to the host (docs/clipboard.md). */
		if (c->wayland.waypipe[0] && c->wayland.filter[0])
			util_cat(clip, sizeof(clip), "--clipboard-socket ",
				 c->wayland.data_control[0] ? c->wayland.data_control
							    : WAYLAND_DATA_CONTROL,
				 " ", NULL);
		/* Without printf: its first run would delay the agent. */
		util_cat(extra, sizeof(extra), "--port ", util_ulong(port, c->agent.port), " ",
			 clip, c->agent.args, NULL);
		if ((r = service_command(in, agent, c->agent.exec, extra, err, errlen)) < 0)
			return r;
		service_env(agent, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
		agent->nice = INIT_AGENT_NICE;
	}
	return 0;
}

int services_prepare(struct init *in, char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	struct pw_user app_pw, owner_pw;
	char runtime_dir[CFG_PATH_MAX];
	int r;

	read_db("/etc/passwd", passwd_text);
	read_db("/etc/group", group_text);
	if ((r = read_runtimes(c, err, errlen)) < 0)
		return r;
	/* The agent is the first service, prepared here or before the stores. */
	if (in->n_svcs == 0 && (r = services_prepare_agent(in, err, errlen)) < 0)
		return r;

	struct service *app = service_add(in, "app");
	in->app = app;
	if ((r = service_command(in, app, c->app.exec, NULL, err, errlen)) < 0)
		return r;
	if ((r = appview_setup(in, app, err, errlen)) < 0)
		return r;
	/* Through its store's loader, the loader is what gets executed: the
	 * program itself must be there too. */
	if (strcmp(app->argv[0], app->program) != 0 && access(app->program, X_OK) < 0) {
		r = -errno;
		snprintf(err, errlen, "app: cannot run %s: %s", app->program, strerror(errno));
		return r;
	}
	if ((r = service_set_user(app, c->app.user, c->app.group, c->app.groups, &app_pw, err,
				  errlen)) < 0)
		return r;
	owner_pw = app_pw;
	if (c->wayland.owner[0]) {
		struct service tmp = {.name = "wayland"};
		if ((r = service_set_user(&tmp, c->wayland.owner, NULL, NULL, &owner_pw, err,
					  errlen)) < 0)
			return r;
	}
	if (c->wayland.runtime_dir[0])
		util_copy(runtime_dir, sizeof(runtime_dir), c->wayland.runtime_dir);
	else
		snprintf(runtime_dir, sizeof(runtime_dir), "/run/user/%u", (unsigned)owner_pw.uid);

	/* XDG_RUNTIME_DIR belongs to its owner alone (mode 0700). */
	if (mkdir("/run/user", 0755) < 0 && errno != EEXIST && !c->wayland.runtime_dir[0]) {
		snprintf(err, errlen, "wayland: cannot create /run/user: %s", strerror(errno));
		return -errno;
	}
	if ((mkdir(runtime_dir, 0700) < 0 && errno != EEXIST) ||
	    chown(runtime_dir, owner_pw.uid, owner_pw.gid) < 0 || chmod(runtime_dir, 0700) < 0) {
		r = -errno;
		snprintf(err, errlen, "wayland: cannot prepare %s: %s", runtime_dir,
			 strerror(errno));
		return r;
	}

	service_env(app, "PATH=/usr/local/bin:/usr/bin:/bin");
	service_env(app, "HOME=%s", app_pw.home[0] ? app_pw.home : "/");
	if (app_pw.name[0]) {
		service_env(app, "USER=%s", app_pw.name);
		service_env(app, "LOGNAME=%s", app_pw.name);
	}
	service_env(app, "XDG_RUNTIME_DIR=%s", runtime_dir);
	service_env(app, "WAYLAND_DISPLAY=%s", c->wayland.socket);
	if (portal_app_env(in, app, runtime_dir) < 0) {
		snprintf(err, errlen, "app: environment too large");
		return -E2BIG;
	}
	for (size_t i = 0; i < c->app.n_env; i++)
		if (service_env(app, "%s", c->app.env[i]) < 0) {
			snprintf(err, errlen, "app: environment too large");
			return -E2BIG;
		}
	util_copy(app->workdir, sizeof(app->workdir),
		  c->app.workdir[0] ? c->app.workdir : (app_pw.home[0] ? app_pw.home : "/"));
	app->workdir_is_home = !c->app.workdir[0];

	if ((r = wayland_prepare(in, &owner_pw, runtime_dir, err, errlen)) < 0)
		return r;
	return portal_services(in, runtime_dir, err, errlen);
}

/* What the child reports when it cannot exec: after a fork on its status
 * pipe, after a vfork in init's own memory (below). */
struct child_failure {
	int stage; /* -1: none reported */
	int err;
	size_t step; /* of the app's view */
};

enum { STAGE_VIEW = 7 };
static const char *const stages[] = {"setsid", "stdio", "setgroups", "setgid",
				     "setuid", "chdir", "exec",	     "app view"};

/* status_w: the status pipe (after a fork); shared: init's report, when
 * the child was vforked and shares init's memory. Never inlined: a
 * vforked child keeps its locals in a frame of its own, below the one
 * init returns to, not in its caller's frame that init goes on using. */
__attribute__((noreturn, noinline)) static void
child(const struct service *s, int out_w, int status_w, volatile struct child_failure *shared)
{
	struct child_failure f = {0, 0, 0};
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if (setsid() < 0)
		goto fail;
	if (s->nice)
		(void)setpriority(PRIO_PROCESS, 0, s->nice);
	f.stage = 1;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0)
		goto fail;
	/* Passed fds become 3 and 4: moved out of the way first, as either
	 * may be 3 or 4 already; dup2 clears close-on-exec. */
	int moved[2] = {-1, -1};
	for (int i = 0; i < 2; i++)
		if (s->pass_fds[i] >= 0 &&
		    (moved[i] = fcntl(s->pass_fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			goto fail;
	for (int i = 0; i < 2; i++)
		if (moved[i] >= 0 && dup2(moved[i], 3 + i) < 0)
			goto fail;
	if (s->view) {
		f.stage = STAGE_VIEW;
		int r = appview_enter(s->view, &f.step);
		if (r < 0) {
			errno = -r;
			goto fail;
		}
	}
	if (s->drop_privileges) {
		f.stage = 2;
		if (setgroups(s->n_groups, s->groups) < 0)
			goto fail;
		f.stage = 3;
		if (setgid(s->gid) < 0)
			goto fail;
		f.stage = 4;
		if (setuid(s->uid) < 0)
			goto fail;
	}
	f.stage = 5;
	if (chdir(s->workdir) < 0 && !(s->workdir_is_home && chdir("/") == 0))
		goto fail;
	f.stage = 6;
	execve(s->argv[0], s->argv, s->envp);
fail:
	f.err = errno;
	if (shared) {
		/* init runs again only once this child execs or exits: no pipe
		 * needed. */
		shared->err = f.err;
		shared->step = f.step;
		shared->stage = f.stage;
	} else {
		(void)!write(status_w, &f, sizeof(f));
	}
	_exit(127);
}

static void close_pass_fds(struct service *s)
{
	for (int i = 0; i < 2; i++)
		if (s->pass_fds[i] >= 0) {
			close(s->pass_fds[i]);
			s->pass_fds[i] = -1;
		}
}

int service_start(struct init *in, struct service *s, char *err, size_t errlen)
{
	int out[2], status[2] = {-1, -1};

	if (s->pre_start) {
		int r = s->pre_start(in, s, err, errlen);
		if (r < 0)
			return r;
	}

	/* An earlier run's pipe can outlive it (a child of the service still
	 * holds it); it is dropped so the new run gets a clean one. */
	if (s->out_fd >= 0) {
		close(s->out_fd);
		s->out_fd = -1;
		s->out_len = 0;
	}

	service_remove_stale(s);
	/* Without a view, the child only sets itself up (system calls on its
	 * own stack) and execs: vfork spares it copying init's page tables,
	 * the child's faults on every page it touches and init's copy-on-write
	 * faults afterwards. A view's set-up (appview_enter) gets a fork. */
	bool use_vfork = !s->view;
	if (pipe2(out, O_CLOEXEC) < 0) {
		int r = -errno;
		close_pass_fds(s);
		return r;
	}
	/* A forked child reports a failure on a pipe that closes on its exec
	 * (O_CLOEXEC). A vforked one writes it here: init is suspended until
	 * the child execs or exits, so the report is there when vfork returns
	 * (as glibc's posix_spawn does; musl's uses a pipe), without a pipe
	 * and without a second wait for the pipe's close, which comes after
	 * vfork returned. volatile: the compiler cannot see the child's
	 * stores. */
	volatile struct child_failure shared = {-1, 0, 0};
	if (!use_vfork && pipe2(status, O_CLOEXEC) < 0) {
		int r = -errno;
		close(out[0]);
		close(out[1]);
		close_pass_fds(s);
		return r;
	}
	pid_t pid = use_vfork ? vfork() : fork();
	if (pid == 0)
		child(s, out[1], status[1], use_vfork ? &shared : NULL);
	int fork_errno = errno;
	close(out[1]);
	if (status[1] >= 0)
		close(status[1]);
	close_pass_fds(s);
	if (pid < 0) {
		close(out[0]);
		if (status[0] >= 0)
			close(status[0]);
		snprintf(err, errlen, "%s: fork: %s", s->name, strerror(fork_errno));
		return -fork_errno;
	}
	struct child_failure f = shared;
	bool failed = f.stage >= 0;
	if (status[0] >= 0) {
		failed = io_read_full(status[0], &f, sizeof(f)) == 0;
		close(status[0]);
	}
	if (failed) {
		int ws;
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		close(out[0]);
		char step[CFG_PATH_MAX * 3] = "";
		if (f.stage == STAGE_VIEW && s->view)
			appview_describe(s->view, f.step, step, sizeof(step));
		snprintf(err, errlen, "%s: cannot start %s: %s%s%s: %s", s->name, s->argv[0],
			 stages[f.stage >= 0 && f.stage < (int)ARRAY_LEN(stages) ? f.stage : 0],
			 step[0] ? ": " : "", step, strerror(f.err));
		return -f.err;
	}
	s->pid = pid;
	s->out_fd = out[0];
	s->out_len = 0;
	s->state = INITCTL_STATE_RUNNING;
	io_set_nonblock(s->out_fd, 1);
	if (s->post_start)
		s->post_start(in, s);
	return 0;
}

static void emit(const struct service *s, const char *line, size_t len)
{
	char buf[sizeof(s->out_buf) + sizeof(s->name) + 4];
	int n = snprintf(buf, sizeof(buf), "%s: %.*s\n", s->name, (int)len, line);
	if (n > 0)
		io_write_full(STDOUT_FILENO, buf,
			      (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void service_relay_output(struct init *in, struct service *s)
{
	(void)in;
	for (;;) {
		ssize_t n = io_read_some(s->out_fd, s->out_buf + s->out_len,
					 sizeof(s->out_buf) - s->out_len);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			if (s->out_len)
				emit(s, s->out_buf, s->out_len);
			s->out_len = 0;
			close(s->out_fd); /* also leaves the epoll set */
			s->out_fd = -1;
			return;
		}
		s->out_len += (size_t)n;
		char *start = s->out_buf, *nl;
		while ((nl = memchr(start, '\n', s->out_len - (size_t)(start - s->out_buf)))) {
			emit(s, start, (size_t)(nl - start));
			start = nl + 1;
		}
		size_t left = s->out_len - (size_t)(start - s->out_buf);
		if (left == sizeof(s->out_buf)) {
			emit(s, s->out_buf, left); /* a line too long: split it */
			left = 0;
		}
		memmove(s->out_buf, start, left);
		s->out_len = left;
	}
}

void services_status(const struct init *in, struct initctl_status *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < in->n_svcs && i < INITCTL_MAX_SERVICES; i++) {
		const struct service *s = &in->svcs[i];
		struct initctl_service *o = &st->services[st->n_services++];
		util_copy(o->name, sizeof(o->name), s->name);
		o->state = s->state;
		o->pid = s->pid;
		/* An app restarted forever still gets a status that decodes. */
		o->restarts =
		    s->restarts < INITCTL_RESTARTS_MAX ? s->restarts : INITCTL_RESTARTS_MAX;
	}
	st->app_exited = in->app_exited;
	st->app_status = in->app_status;
	st->app_signal = in->app_signal;
	st->shutting_down = in->phase != SD_NONE;
}
