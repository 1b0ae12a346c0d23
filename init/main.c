/* appvm-init: PID 1 of an application VM. Boot steps 1-7 of docs/config.md;
 * then the main loop (loop.c) until shutdown. It never returns from main. */
#include "cmdline.h"
#include "config_load.h"
#include "init.h"
#include "plan.h"

#include "io.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/appvm/vm.conf"

static void debug_shell(void)
{
	log_info("appvm.debug=1: opening /bin/sh on the console; the VM powers off when it exits");
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		ioctl(STDIN_FILENO, TIOCSCTTY, 0);
		char *argv[] = {"/bin/sh", NULL};
		char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=linux", NULL};
		execve(argv[0], argv, envp);
		_exit(127);
	}
	/* Reap whatever dies meanwhile until the shell itself ends. */
	while (pid > 0) {
		int ws;
		pid_t got = wait(&ws);
		if (got == pid || (got < 0 && errno == ECHILD))
			break;
	}
}

static void console_stdio(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		dup2(fd, i); /* dup2 clears O_CLOEXEC on 0-2 */
	if (fd > 2)
		close(fd);
}

/* syslog(2)'s SYSLOG_ACTION_CONSOLE_LEVEL: the console's log level. */
#define APPVM_SYSLOG_CONSOLE_LEVEL 8

/* Under TCG run-vm boots with loglevel=5, so that the kernel's own info
 * lines stay off the emulated UART (docs/kernel.md). init's lines (info: 6)
 * must reach the console: a console level of 5 or 6 is raised to 7; 4 or
 * less (quiet, loglevel=4) was asked for and stays. 0 or -errno. */
static int console_level_for_init(void)
{
	char text[64];
	ssize_t n = io_read_file("/proc/sys/kernel/printk", text, sizeof(text));
	if (n < 0)
		return (int)n;
	int level = atoi(text);
	if (level < 5 || level >= 7)
		return 0;
	return klogctl(APPVM_SYSLOG_CONSOLE_LEVEL, NULL, 7) < 0 ? -errno : 0;
}

/* The messages of boot steps 1-4 are held in memory (log_hold) until the
 * agent runs: each console line costs about a millisecond of the emulated
 * UART, and the agent needs none of them. Then the console and /dev/kmsg
 * are set up and they are written, in order, before any other. Once. */
static void log_console(struct init *in)
{
	static bool done;
	if (done)
		return;
	done = true;
	int w = 0, c = 0;
	if (in->vm) {
		console_stdio();
		/* /dev/kmsg drops a writer's messages beyond 10 per 5 s unless told
		 * otherwise; init's boot and shutdown lines must all arrive. */
		w = io_write_file("/proc/sys/kernel/printk_devkmsg", "on\n");
		c = console_level_for_init();
		log_setup("appvm-init", LOG_TARGET_KMSG, LOG_LEVEL_INFO);
	}
	log_release();
	if (w < 0)
		log_warn("cannot lift the /dev/kmsg rate limit: %s", strerror(-w));
	if (c < 0)
		log_warn("cannot set the console's log level: %s", strerror(-c));
}

void init_fatal(struct init *in, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_console(in);
	log_err("fatal: %s", msg);
	if (in->debug && access("/bin/sh", X_OK) == 0)
		debug_shell();
	log_err("fatal error during boot: powering off");
	in->reboot_cmd = RB_POWER_OFF;
	kill(-1, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	shutdown_finish(in);
}

/* The kernel filesystems of boot step 1: those init and the agent need
 * first, or the rest (plan.h). */
static void mount_early(struct init *in, bool first)
{
	char err[1024];
	struct plan_mount early[PLAN_EARLY_MAX];
	size_t n = plan_early_mounts(early, in->vm, first);
	for (size_t i = 0; i < n; i++) {
		if (mounts_apply(&early[i], err, sizeof(err)) == 0)
			continue;
		if (early[i].optional)
			log_warn("%s", err);
		else
			init_fatal(in, "%s", err);
	}
}

/* Boot's lines before the agent's start wait (log_defer) until it runs:
 * printf's code, run there for the first time, would be translated (TCG)
 * on the agent's path. Each line is formatted before any later one. */
static void log_starting(void *ctx)
{
	const struct init *in = ctx;
	log_info("appvm-init %s starting%s", APPVM_VERSION, in->vm ? "" : " (test mode: no VM)");
}

static const char *config_path; /* for log_config */

static void log_config(void *ctx)
{
	const struct init *in = ctx;
	log_info("config: %s loaded (%zu stores, state %s, on-app-exit %s)", config_path,
		 in->cfg->n_stores, in->cfg->has_state ? "yes" : "no",
		 cfg_action_name(in->cfg->vm.on_app_exit));
}

static void load_config(struct init *in, const struct cmdline *cl)
{
	char err[1024];
	const char *path = cmdline_get(cl, "appvm.config");
	if (!path || !path[0])
		path = getenv("APPVM_INIT_CONFIG");
	if (!path || !path[0])
		path = DEFAULT_CONFIG;

	if (init_config_read(in, path, cl, err, sizeof(err)) < 0)
		init_fatal(in, "config: %s", err);
	config_path = path;
	log_defer(log_config, in);
}

static void mount_stores(struct init *in)
{
	char err[1024], what[CFG_NAME_MAX + 8];
	struct plan_mount m;
	const struct cfg *c = in->cfg;

	for (size_t i = 0; i < c->n_stores; i++) {
		snprintf(what, sizeof(what), "store %s", c->stores[i].name);
		if (plan_store_mount(&c->stores[i], false, what, &m, err, sizeof(err)) < 0 ||
		    mounts_apply(&m, err, sizeof(err)) < 0)
			init_fatal(in, "%s", err);
		log_info("%s: %s mounted read-only on %s", what, c->stores[i].source, m.target);
	}
	if (c->has_state) {
		if (plan_store_mount(&c->state, true, "state", &m, err, sizeof(err)) < 0 ||
		    mounts_apply(&m, err, sizeof(err)) < 0)
			init_fatal(in, "%s", err);
		log_info("state: %s mounted on %s", c->state.source, m.target);
	}
}

/* From the agent's start to the services' start, init's own boot steps
 * (filesystems, stores, network) run at SCHED_IDLE: on a VM's only vCPU they
 * take it only when the agent (and the kernel's workers it waits on) cannot
 * run, so its READY reaches the host without waiting behind them, and they
 * still overlap its waits. Nothing init starts inherits it: it ends before
 * the services' forks. Returns whether init yields. */
static bool boot_yield(bool on)
{
	/* The system call: musl's sched_setscheduler() is a stub (ENOSYS). */
	struct sched_param sp = {.sched_priority = 0};
	if (syscall(SYS_sched_setscheduler, 0, on ? SCHED_IDLE : SCHED_OTHER, &sp) == 0) {
		/* The change alone does not reschedule: init would keep the
		 * vCPU until the next tick (4 ms at HZ=250), writing its
		 * console lines while the agent waits. */
		if (on)
			sched_yield();
		return true;
	}
	log_warn("%s: %s",
		 on ? "cannot yield the CPU to the agent (SCHED_IDLE)"
		    : "cannot leave SCHED_IDLE (the services inherit it)",
		 strerror(errno));
	return false;
}

/* Boot step 3's control socket; a failure leaves the VM running without it. */
static void control_open(struct init *in)
{
	int r = initctl_server_open(in, INITCTL_SOCKET);
	if (r < 0)
		log_err("control: cannot create %s: %s", INITCTL_SOCKET, strerror(-r));
}

/* The signalfd of the signals blocked since main's start. */
static void signals_open(struct init *in, const sigset_t *set)
{
	in->sfd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (in->sfd < 0)
		init_fatal(in, "signalfd: %s", strerror(errno));
}

/* Outside PID 1 only: as PID 1, argv is whatever the kernel command line
 * left over, never an option of ours. */
static int answer_option(const char *arg)
{
	if (strcmp(arg, "--version") == 0) {
		printf("appvm-init %s\n", APPVM_VERSION);
		return 0;
	}
	if (strcmp(arg, "--help") != 0 && strcmp(arg, "-h") != 0)
		return -1;
	printf("Usage: appvm-init   (as PID 1 of a VM; it takes no arguments)\n"
	       "       appvm-init --check FILE [--cmdline 'TEXT']\n"
	       "\n"
	       "The VM's init: mounts the kernel filesystems and the stores, applies\n"
	       "[net], starts and supervises the agent and the app, and shuts down\n"
	       "cleanly. It reads %s (or appvm.config=PATH) and the\n"
	       "appvm.* options of the kernel command line: see docs/config.md.\n"
	       "Its control socket is driven with appvm-initctl (docs/init-control.md).\n"
	       "\n"
	       "--check FILE checks a vm.conf on the host, as init would at boot, with\n"
	       "the same messages: syntax, keys, values, required keys, [net], after the\n"
	       "appvm.* overrides of --cmdline (a kernel command line's text). It\n"
	       "prints 'FILE: OK: ' and a summary, or init's error. What exists only\n"
	       "in the VM is not checked: the stores' devices, the app's executable.\n"
	       "\n"
	       "Exit status outside PID 1: 0 for --help, --version and a good --check;\n"
	       "1 for a configuration --check refuses (or when not PID 1); 2 for bad\n"
	       "arguments.\n",
	       DEFAULT_CONFIG);
	return 0;
}

int main(int argc, char **argv)
{
	static struct init in;
	static struct cfg cfg;
	static struct cmdline cl;
	static char cmdline_text[CMDLINE_MAX_LEN];
	char err[1024];

	const char *test = getenv("APPVM_INIT_TEST_NO_VM");
	in.vm = !(test && strcmp(test, "1") == 0);
	in.cfg = &cfg;
	in.initctl_fd = -1;
	in.reboot_cmd = RB_POWER_OFF;
	log_setup("appvm-init", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	if (getpid() != 1) {
		if (argc == 2 && answer_option(argv[1]) == 0)
			return 0;
		if (argc >= 2 && strcmp(argv[1], "--check") == 0)
			return init_check_main(argc, argv);
		if (argc >= 2) {
			bool known = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
				     strcmp(argv[1], "--version") == 0;
			if (known || argv[1][0] != '-')
				log_err("unexpected argument '%s' (see --help)",
					argv[known ? 2 : 1]);
			else
				log_err("unknown option '%s' (see --help)", argv[1]);
			return INIT_CHECK_USAGE;
		}
		/* Shutdown signals every process (kill(-1)): only PID 1 may do that. */
		log_err("must run as PID 1 (of a VM, or of a PID namespace in tests)");
		return 1;
	}
	/* A check meant for the host, run as a namespace's PID 1 (unshare -pf,
	 * a container), must not boot: that mounts, starts services and ends
	 * by signalling every process of the namespace. */
	if (argc >= 2 && strcmp(argv[1], "--check") == 0) {
		log_err("--check runs outside PID 1 (as PID 1 this would boot); run it "
			"as a plain command");
		return INIT_CHECK_USAGE;
	}

	/* Every signal is blocked from here on, except the fault signals: those
	 * must stay deliverable, or a fault would loop instead of being
	 * reported. The others wait, pending, for the signalfd that reads them
	 * (signals_open). */
	sigset_t set;
	sigfillset(&set);
	static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(&set, faults[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	in.sfd = -1;
	in.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (in.epfd < 0)
		init_fatal(&in, "epoll: %s", strerror(errno));
	/* ctrl-alt-del becomes SIGINT instead of an immediate reboot. */
	reboot(RB_DISABLE_CAD);

	/* Step 1: kernel filesystems (what init and the agent need first; the
	 * rest once the agent runs). In a VM /proc is not mounted yet, so the
	 * snapshot is empty and shutdown unmounts every store; in a test
	 * namespace it holds the machine's mounts. The console and the log
	 * follow the agent's start too; till then, messages wait in memory. */
	static char held[4096];
	log_hold(held, sizeof(held));
	mounts_snapshot(&in);
	mount_early(&in, true);
	log_defer(log_starting, &in);

	/* Step 2: kernel command line and configuration. */
	const char *fake = in.vm ? NULL : getenv("APPVM_INIT_CMDLINE");
	if (fake)
		snprintf(cmdline_text, sizeof(cmdline_text), "%s", fake);
	else if (io_read_file("/proc/cmdline", cmdline_text, sizeof(cmdline_text)) < 0)
		cmdline_text[0] = '\0';
	int r = cmdline_parse(&cl, cmdline_text);
	if (r < 0) {
		log_warn("kernel command line: %s; ignoring it",
			 r == -E2BIG ? "too long" : "unbalanced quote");
		cl.n = 0;
	}
	const char *dbg = cmdline_get(&cl, "appvm.debug");
	in.debug = dbg && strcmp(dbg, "1") == 0;
	load_config(&in, &cl);

	/* Step 3: the hostname (the agent's name) and the control socket (the
	 * agent asks init through it; what arrives before the loop runs waits
	 * in its backlog), which the built-in agent waits for: with it, the
	 * socket follows its start. A failure leaves the VM running without them. */
	if (netsetup_hostname(&in, err, sizeof(err)) < 0)
		log_err("%s", err);
	bool early = services_agent_early(&in);
	bool late_socket = early && storerun_agent_builtin(in.cfg);
	if (!late_socket)
		control_open(&in);

	/* Step 4: the agent, unless it lives in a store: its own start-up (the
	 * dynamic loader, the host's HELLO) overlaps the stores' disk reads,
	 * so READY reaches the host sooner. */
	bool yielding = false;
	if (early) {
		if (services_prepare_agent(&in, err, sizeof(err)) < 0)
			init_fatal(&in, "%s", err);
		loop_start_early(&in, &in.svcs[0]);
		yielding = boot_yield(true);
	}
	/* What the agent's start did not need: the control socket (with the
	 * built-in agent) and the signalfd. Signals sent meanwhile, SIGCHLD of
	 * an agent that ended at once too, are pending: the signalfd reads them. */
	if (late_socket)
		control_open(&in);
	signals_open(&in, &set);
	/* The rest of step 1, which the agent did not need: the console and
	 * the held messages, then the other kernel filesystems. */
	log_console(&in);
	mount_early(&in, false);

	/* Step 5: stores and the state store. */
	mount_stores(&in);

	/* Step 6: network. A network failure leaves the app running offline
	 * rather than losing the VM. */
	if (netsetup_apply(&in, err, sizeof(err)) < 0)
		log_err("%s", err);

	/* Step 7: services; they start in loop_run(). */
	if (services_prepare(&in, err, sizeof(err)) < 0)
		init_fatal(&in, "%s", err);
	/* An app in its view of a store was checked in there. */
	if (!in.app->view && access(in.app->argv[0], X_OK) < 0)
		init_fatal(&in, "app: cannot run %s: %s", in.app->argv[0], strerror(errno));
	if (in.vm)
		in.n_pwr = powerbtn_open(in.pwr_fds, INIT_MAX_POWER);
	if (yielding)
		boot_yield(false);
	loop_run(&in);
}
