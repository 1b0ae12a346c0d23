/* State shared by appvm-init's system-call files (main, loop, service,
 * mounts, shutdown, control server, power button, network). */
#ifndef APPVM_INIT_INIT_H
#define APPVM_INIT_INIT_H

#include "appview.h"
#include "backoff.h"
#include "cmdline.h"
#include "config.h"
#include "initctl.h"
#include "passwd.h"
#include "plan.h"
#include "storerun.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define INIT_MAX_SERVICES      8
#define INIT_MAX_GROUPS	       32
#define INIT_MAX_POWER	       8
#define INIT_MAX_MOUNTS	       128
#define INIT_MAX_INITCTL_CONNS 8
/* Control connections that hold a "watch" (docs/init-control.md): the agent
 * keeps one; the rest is room for appvm-initctl watch and a reconnect. */
#define INIT_MAX_INITCTL_WATCHERS 4
/* The agent's nice value: the host's control channel stays responsive while
 * the app keeps the vCPU busy, and at boot the agent reaches READY ahead of
 * init's own work on the stores (docs/init.md). */
#define INIT_AGENT_NICE -5

/* epoll tags of the main loop (one range per kind of fd). */
enum init_tag {
	TAG_SIGNAL = 1,
	TAG_INITCTL = 2,
	TAG_POWER = 0x100,
	TAG_OUT = 0x200,
	TAG_INITCTL_CONN = 0x300,
	TAG_INITCTL_WATCH = 0x400,
};

struct init;

struct service {
	char name[INITCTL_SERVICE_NAME_MAX + 1];
	struct util_words cmd;
	char **argv;		    /* cmd.v: what is executed (a store's loader, or the program) */
	char program[CFG_PATH_MAX]; /* the program as configured */
	char env_buf[(CFG_MAX_ENV + 8) * CFG_VALUE_MAX];
	char *envp[CFG_MAX_ENV + 9];
	size_t n_env, env_used;
	char workdir[CFG_PATH_MAX];
	int workdir_is_home; /* not configured: the user's home, or / when it is missing */
	bool drop_privileges;
	uid_t uid;
	gid_t gid;
	gid_t groups[INIT_MAX_GROUPS];
	size_t n_groups;

	pid_t pid;
	int out_fd; /* read end of the service's stdout/stderr pipe, or -1 */
	char out_buf[512];
	size_t out_len;
	enum initctl_state state;
	unsigned restarts;
	struct backoff bo;
	uint64_t restart_at_ms;

	/* Readiness: the services after this one start once a Unix socket
	 * listens here (empty: as soon as it runs). */
	char ready_path[CFG_PATH_MAX];
	/* Socket files a previous run may have left, removed before each start. */
	char stale[2][CFG_PATH_MAX];
	/* Its nice value (0: init's own); where the kernel refuses (a test's
	 * user namespace) it runs at init's. */
	int nice;
	/* When it exits, what is left of its process group is killed with it
	 * (waypipe server leaves its command behind). */
	bool kill_group;
	/* The app's view of its store, entered before exec ([app] store). */
	const struct appview *view;
	/* For services that need more than fork and exec (portal.c): fds the
	 * child gets as 3 and 4 (-1: none; closed in init once it started),
	 * and hooks around each start. */
	int pass_fds[2];
	int (*pre_start)(struct init *in, struct service *s, char *err, size_t errlen);
	void (*post_start)(struct init *in, struct service *s);
};

/* A control socket connection whose request is still arriving. */
struct initctl_conn {
	int fd; /* -1: free */
	pid_t pid;
	uint64_t deadline_ms;
	size_t len;
	char untrusted_req[INITCTL_REQUEST_MAX];
};

/* A control connection holding a "watch": it gets a status reply at each
 * change, and sends nothing more. */
struct initctl_watcher {
	int fd; /* -1: free */
	pid_t pid;
};

enum shutdown_phase { SD_NONE, SD_APP, SD_ALL, SD_KILL };

struct init {
	struct cfg *cfg;
	bool vm;    /* false with APPVM_INIT_TEST_NO_VM=1 */
	bool debug; /* appvm.debug=1: a fatal error opens a shell */

	struct service svcs[INIT_MAX_SERVICES];
	size_t n_svcs;
	struct service *app;

	int epfd, sfd, initctl_fd;
	struct initctl_conn initctl_conns[INIT_MAX_INITCTL_CONNS];
	struct initctl_watcher initctl_watchers[INIT_MAX_INITCTL_WATCHERS];
	int pwr_fds[INIT_MAX_POWER];
	size_t n_pwr;
	int initial_ids[INIT_MAX_MOUNTS]; /* mounts that existed before init ran */
	size_t n_initial;
	struct net_config *net;

	/* Starting in order (loop.c): how many services are started, and the
	 * one whose readiness the rest wait for, until ready_deadline_ms. */
	size_t n_started;
	struct service *waiting;
	uint64_t ready_deadline_ms;

	bool app_exited;
	int app_status, app_signal;

	enum shutdown_phase phase;
	int reboot_cmd;
	unsigned long grace_ms; /* of each TERM phase of this shutdown */
	uint64_t deadline_ms;
};

/* main.c */
/* Logs, syncs and powers off (or opens /bin/sh when appvm.debug=1). Never returns. */
__attribute__((noreturn)) void init_fatal(struct init *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* mounts.c */
/* Performs one planned mount, creating the target. Returns 0 or -errno with err filled. */
int mounts_apply(const struct plan_mount *m, char *err, size_t errlen);
/* Remembers the mounts present now, so shutdown leaves them alone. */
void mounts_snapshot(struct init *in);
/* Unmounts what init and its services mounted, in reverse order. */
void mounts_unmount_all(struct init *in);

/* service.c */
/* Fills the services from the configuration (the agent too, unless
 * services_prepare_agent did already). Returns 0 or -errno with err. */
int services_prepare(struct init *in, char *err, size_t errlen);
/* True when the agent is enabled and its program is in none of the stores:
 * it can start before they are mounted. */
bool services_agent_early(const struct init *in);
/* Adds the agent's service (the first one). Returns 0 or -errno with err. */
int services_prepare_agent(struct init *in, char *err, size_t errlen);
/* Adds an empty service (stopped, with the restart policy). Returns it. */
struct service *service_add(struct init *in, const char *name);
/* Sets s's command line from cmd and extra (command line syntax), through the
 * loader of the store cmd's program lies in when it has one. Returns 0 or -errno with err. */
int service_command(const struct init *in, struct service *s, const char *cmd, const char *extra,
		    char *err, size_t errlen);
/* Sets s's command line to w as it is (a store's loader already in front
 * where needed). Returns 0 or -EINVAL with err. */
int service_argv(struct service *s, const struct util_words *w, char *err, size_t errlen);
/* Resolves a user (and optional group / groups) into s's credentials.
 * Returns 0 or -errno with err. */
int service_set_user(struct service *s, const char *user, const char *group, const char *groups,
		     struct pw_user *ret_pw, char *err, size_t errlen);
/* Adds NAME=VALUE to s's environment (a later NAME replaces). Returns 0 or -E2BIG. */
int service_env(struct service *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The store runtimes read at boot, one per [store NAME]. */
const struct storerun *services_store_runtimes(void);
/* Starts a service. Returns 0 or -errno (err says what failed). */
int service_start(struct init *in, struct service *s, char *err, size_t errlen);
/* Relays a service's output to the console; closes the pipe at end of file. */
void service_relay_output(struct init *in, struct service *s);
/* Fills st from the services and the app's last exit (no stores). */
void services_status(const struct init *in, struct initctl_status *st);

/* wayland.c */
/* Plans the Wayland transport and adds its services (relay, waypipe) when
 * [wayland] waypipe is set. Returns 0 or -errno with err. */
int wayland_prepare(struct init *in, const struct pw_user *owner, const char *runtime_dir,
		    char *err, size_t errlen);
/* Returns true when s has no readiness socket, or it listens. */
bool service_ready(const struct service *s);
/* Removes s's stale socket files. */
void service_remove_stale(const struct service *s);

/* appview_sys.c: the app's view of its store ([app] store). */
/* Checks the store and the image for the view and points app->view at it;
 * nothing without [app] store. Returns 0 or -errno with err. */
int appview_setup(struct init *in, struct service *app, char *err, size_t errlen);
/* In the app's child, as root: enters a new mount namespace and makes the
 * view's mounts. Returns 0 or -errno with *ret_step the failed step
 * (appview_describe). */
int appview_enter(const struct appview *v, size_t *ret_step);
/* portal.c: the session bus and appvm-portal ([portal]). */
/* Adds the services "bus" and "portal" when [portal] enable is set. Returns
 * 0 or -errno with err. */
int portal_services(struct init *in, const char *runtime_dir, char *err, size_t errlen);
/* Adds the app's portal variables (DBUS_SESSION_BUS_ADDRESS, and with
 * app-env GTK_USE_PORTAL, GDK_DEBUG, QT_QPA_PLATFORMTHEME). Returns 0 or -E2BIG. */
int portal_app_env(struct init *in, struct service *app, const char *runtime_dir);

/* loop.c */
/* Starts s now, before the loop runs (it skips a service started already).
 * Its log line waits (log_defer) for init's next one. */
void loop_start_early(struct init *in, struct service *s);
/* Runs the main loop. Never returns. */
__attribute__((noreturn)) void loop_run(struct init *in);
/* Starts the shutdown sequence (once). cmd: RB_POWER_OFF or RB_AUTOBOOT. */
void loop_request_shutdown(struct init *in, int cmd, const char *reason);
/* The same, finishing within limit_ms (0: no limit; see plan_shutdown_grace). */
void loop_request_shutdown_within(struct init *in, int cmd, uint32_t limit_ms, const char *reason);

/* shutdown.c */
/* Syncs, unmounts, syncs and calls reboot(2). Never returns. */
__attribute__((noreturn)) void shutdown_finish(struct init *in);

/* initctl_server.c: the control socket (docs/init-control.md). */
/* Creates the control socket (in->initctl_fd; -1 on failure). Returns 0 or -errno. */
int initctl_server_open(struct init *in, const char *path);
/* Accepts waiting connections (root only); their requests are read later. */
void initctl_server_accept(struct init *in);
/* Reads a connection's request; once complete, answers it and closes. */
void initctl_server_on_conn(struct init *in, size_t slot);
/* A watcher's socket is readable: it closed, or broke the protocol. */
void initctl_server_on_watcher(struct init *in, size_t slot);
/* Sends every watcher the status when it changed since the last one sent.
 * Called before the loop waits, so every change of a turn is seen. */
void initctl_server_notify(struct init *in);
/* Closes connections past their deadline; lowers *next to the earliest left. */
void initctl_server_tick(struct init *in, uint64_t now, uint64_t *next);
/* Closes the socket and every connection, watchers included (at the end of
 * the shutdown). */
void initctl_server_close(struct init *in);

/* powerbtn.c */
/* Opens every input device that has KEY_POWER. Returns the count. */
size_t powerbtn_open(int *fds, size_t max);
/* Drains events from fd. Returns true when KEY_POWER was pressed. */
bool powerbtn_pressed(int fd);

/* netsetup.c: the only file that calls net/. */
/* Hands the [net] keys to net_config_set() and checks them. Returns 0 or -errno with err. */
int netsetup_configure(struct init *in, char *err, size_t errlen);
/* Sets the hostname ([vm] hostname, else name). Returns 0 or -errno with err. */
int netsetup_hostname(struct init *in, char *err, size_t errlen);
/* Applies the network ([net]). Returns 0 or -errno with err. */
int netsetup_apply(struct init *in, char *err, size_t errlen);
/* Frees what netsetup_configure() built (appvm-init --check). */
void netsetup_free(struct init *in);

/* check.c: boot step 2 without a VM (appvm-init --check, docs/config.md). */
#define INIT_CONFIG_MAX	 65536 /* vm.conf's size limit */
#define INIT_CHECK_BAD	 1     /* exit status: the configuration is refused */
#define INIT_CHECK_USAGE 2     /* exit status: bad arguments */
/* Reads path, parses it, applies cl's appvm.* overrides, checks the whole
 * and the [net] keys (netsetup_configure: in->net is set). Pure but for
 * reading path. Returns 0 or -errno with err, the line init logs after
 * "config: " (a file at fault named with its line). */
int init_config_read(struct init *in, const char *path, const struct cmdline *cl, char *err,
		     size_t errlen);
/* appvm-init --check FILE [--cmdline TEXT], argv[1] being --check. Returns
 * the exit status: 0, INIT_CHECK_BAD or INIT_CHECK_USAGE. */
int init_check_main(int argc, char **argv);

#endif
