/* The vm.conf model: sections, keys, defaults and validation. Pure: no I/O.
 * The format is specified in docs/config.md. */
#ifndef APPVM_INIT_CONFIG_H
#define APPVM_INIT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_STORES 16
#define CFG_MAX_NET    32
#define CFG_MAX_ENV    32
#define CFG_PATH_MAX   256
#define CFG_VALUE_MAX  512
#define CFG_NAME_MAX   64
#define CFG_ORIGIN_MAX 320

/* [agent] exec's default: the built-in agent, appvm-agent. */
#define CFG_AGENT_EXEC "/usr/bin/appvm-agent"

enum cfg_action { CFG_ACTION_POWEROFF, CFG_ACTION_REBOOT, CFG_ACTION_RESTART, CFG_ACTION_IGNORE };

enum cfg_fstype { CFG_FS_NONE, CFG_FS_VIRTIOFS, CFG_FS_EROFS, CFG_FS_SQUASHFS, CFG_FS_EXT4 };

/* One [store NAME] section, or the [state] section. */
struct cfg_store {
	char name[CFG_NAME_MAX];
	char source[CFG_PATH_MAX];
	enum cfg_fstype type;
	char path[CFG_PATH_MAX];
	char options[CFG_VALUE_MAX];
	uint64_t seen;
};

/* One [net] line, kept verbatim for net_config_set() (in order; a key may
 * repeat), with where it came from. */
struct cfg_kv {
	char key[CFG_NAME_MAX];
	char value[CFG_VALUE_MAX];
	char origin[CFG_ORIGIN_MAX];
};

struct cfg {
	struct {
		char name[CFG_NAME_MAX];
		char hostname[CFG_NAME_MAX];
		enum cfg_action on_app_exit;
		unsigned long grace_ms;
		unsigned long restart_limit;
		unsigned long restart_window_ms;
		unsigned long restart_delay_ms;
		unsigned long restart_delay_max_ms;
		uint64_t seen;
	} vm;
	struct cfg_store stores[CFG_MAX_STORES];
	size_t n_stores;
	bool has_state;
	struct cfg_store state;
	struct cfg_kv net[CFG_MAX_NET];
	size_t n_net;
	struct {
		char runtime_dir[CFG_PATH_MAX];
		char owner[CFG_NAME_MAX];
		char socket[CFG_NAME_MAX];
		char waypipe[CFG_VALUE_MAX]; /* command line; empty: no transport */
		char relay[CFG_PATH_MAX];
		char target[CFG_PATH_MAX]; /* empty: vsock:2:APPVM_WAYLAND_PORT */
		char filter[CFG_PATH_MAX]; /* empty: no guest filter */
		char filter_args[CFG_VALUE_MAX];
		char data_control[CFG_PATH_MAX]; /* empty: the default path */
		unsigned long ready_timeout_ms;
		uint64_t seen;
	} wayland;
	struct {
		bool enable;
		char exec[CFG_PATH_MAX]; /* default: CFG_AGENT_EXEC */
		unsigned long port;
		char args[CFG_VALUE_MAX];
		uint64_t seen;
	} agent;
	struct {
		bool enable;
		char exec[CFG_PATH_MAX];
		unsigned long port;
		char args[CFG_VALUE_MAX];
		char dbus_daemon[CFG_PATH_MAX];
		char docs_device[CFG_NAME_MAX]; /* virtio-fs tag ("": none) */
		bool app_env;
		unsigned long ready_timeout_ms;
		uint64_t seen;
	} portal;
	struct {
		char exec[CFG_VALUE_MAX];
		char user[CFG_NAME_MAX];
		char group[CFG_NAME_MAX];
		char groups[CFG_VALUE_MAX];
		char env[CFG_MAX_ENV][CFG_VALUE_MAX];
		size_t n_env;
		char workdir[CFG_PATH_MAX];
		char store[CFG_NAME_MAX]; /* empty: the app sees the VM's own /usr and /etc */
		uint64_t seen;
	} app;
};

/* cfg_set() flags. */
#define CFG_SET_OVERRIDE                                                                           \
	1u /* a later source (kernel command line): replaces, no duplicate error                   \
	    */

/* Fills c with the defaults. */
void cfg_init(struct cfg *c);

/* Sets one key. section is the INI section text ("vm", "store NAME", ...);
 * origin names where the value came from (kept for [net] keys). Returns 0,
 * -ENOENT for an unknown section or key (err suggests the nearest), -EEXIST
 * for a key given twice (except [net] keys and [app] env), -ENOSPC when a repeatable item hits its
 * limit, or -EINVAL for a bad value (err says which key and what was expected). */
int cfg_set(struct cfg *c, const char *section, const char *key, const char *value, unsigned flags,
	    const char *origin, char *err, size_t errlen);

/* Checks a section name ("vm", "store NAME", ...). Returns 0 or -ENOENT with
 * err naming the nearest known section. */
int cfg_section_check(const char *section, char *err, size_t errlen);

/* Checks the configuration as a whole (required keys, conflicts). Returns 0
 * or -EINVAL with one line in err. */
int cfg_check(const struct cfg *c, char *err, size_t errlen);

/* Names for enum values, as written in vm.conf. */
const char *cfg_action_name(enum cfg_action a);
const char *cfg_fstype_name(enum cfg_fstype t);

#endif
