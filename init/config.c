#include "suggest.h"
#include "config_internal.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VM(f) offsetof(struct cfg, vm.f), sizeof(((struct cfg *)0)->vm.f)
#define ST(f) offsetof(struct cfg_store, f), sizeof(((struct cfg_store *)0)->f)
#define WL(f) offsetof(struct cfg, wayland.f), sizeof(((struct cfg *)0)->wayland.f)
#define AG(f) offsetof(struct cfg, agent.f), sizeof(((struct cfg *)0)->agent.f)
#define AP(f) offsetof(struct cfg, app.f), sizeof(((struct cfg *)0)->app.f)
#define PO(f) offsetof(struct cfg, portal.f), sizeof(((struct cfg *)0)->portal.f)

static const struct key keys[] = {
    {SEC_VM, "name", K_NAME, VM(name), 0, 0},
    {SEC_VM, "hostname", K_NAME, VM(hostname), 0, 0},
    {SEC_VM, "on-app-exit", K_ACTION, VM(on_app_exit), 0, 0},
    {SEC_VM, "grace", K_DUR, VM(grace_ms), 0, 600000},
    {SEC_VM, "restart-limit", K_UINT, VM(restart_limit), 1, 100},
    {SEC_VM, "restart-window", K_DUR, VM(restart_window_ms), 1, 3600000},
    {SEC_VM, "restart-delay", K_DUR, VM(restart_delay_ms), 0, 60000},
    {SEC_VM, "restart-delay-max", K_DUR, VM(restart_delay_max_ms), 0, 600000},
    {SEC_STORE, "source", K_SOURCE, ST(source), 0, 0},
    {SEC_STORE, "type", K_FSTYPE, ST(type), 0, 0},
    {SEC_STORE, "path", K_PATH, ST(path), 0, 0},
    {SEC_STORE, "options", K_OPTS, ST(options), 0, 0},
    {SEC_STATE, "source", K_SOURCE, ST(source), 0, 0},
    {SEC_STATE, "type", K_FSTYPE, ST(type), 0, 0},
    {SEC_STATE, "path", K_PATH, ST(path), 0, 0},
    {SEC_STATE, "options", K_OPTS, ST(options), 0, 0},
    {SEC_WAYLAND, "runtime-dir", K_PATH, WL(runtime_dir), 0, 0},
    {SEC_WAYLAND, "owner", K_USER, WL(owner), 0, 0},
    {SEC_WAYLAND, "socket", K_NAME, WL(socket), 0, 0},
    {SEC_WAYLAND, "waypipe", K_ARGV, WL(waypipe), 0, 0},
    {SEC_WAYLAND, "relay", K_PATH, WL(relay), 0, 0},
    {SEC_WAYLAND, "target", K_TARGET, WL(target), 0, 0},
    {SEC_WAYLAND, "filter", K_PATH, WL(filter), 0, 0},
    {SEC_WAYLAND, "filter-args", K_ARGS, WL(filter_args), 0, 0},
    {SEC_WAYLAND, "data-control", K_PATH, WL(data_control), 0, 0},
    {SEC_WAYLAND, "ready-timeout", K_DUR, WL(ready_timeout_ms), 0, 600000},
    {SEC_AGENT, "enable", K_BOOL, AG(enable), 0, 0},
    {SEC_AGENT, "exec", K_PATH, AG(exec), 0, 0},
    {SEC_AGENT, "port", K_PORT, AG(port), 0, 0},
    {SEC_AGENT, "args", K_ARGS, AG(args), 0, 0},
    {SEC_APP, "exec", K_ARGV, AP(exec), 0, 0},
    {SEC_APP, "user", K_USER, AP(user), 0, 0},
    {SEC_APP, "group", K_USER, AP(group), 0, 0},
    {SEC_APP, "groups", K_GROUPS, AP(groups), 0, 0},
    {SEC_APP, "env", K_ENV, AP(env), 0, 0},
    {SEC_APP, "workdir", K_PATH, AP(workdir), 0, 0},
    {SEC_APP, "store", K_NAME, AP(store), 0, 0},
    {SEC_PORTAL, "enable", K_BOOL, PO(enable), 0, 0},
    {SEC_PORTAL, "exec", K_PATH, PO(exec), 0, 0},
    {SEC_PORTAL, "port", K_PORT, PO(port), 0, 0},
    {SEC_PORTAL, "args", K_ARGS, PO(args), 0, 0},
    {SEC_PORTAL, "dbus-daemon", K_PATH, PO(dbus_daemon), 0, 0},
    {SEC_PORTAL, "app-env", K_BOOL, PO(app_env), 0, 0},
    {SEC_PORTAL, "docs-device", K_NAME, PO(docs_device), 0, 0},
    {SEC_PORTAL, "ready-timeout", K_DUR, PO(ready_timeout_ms), 1, 60000},
};

static const char *const section_names[] = {"vm",      "store", "state", "net",
					    "wayland", "agent", "app",	 "portal"};

void cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->vm.on_app_exit = CFG_ACTION_POWEROFF;
	c->vm.grace_ms = 10000;
	c->vm.restart_limit = 10;
	c->vm.restart_window_ms = 30000;
	c->vm.restart_delay_ms = 100;
	c->vm.restart_delay_max_ms = 5000;
	strcpy(c->wayland.socket, "wayland-0");
	strcpy(c->wayland.relay, "/usr/bin/appvm-wayland-relay");
	c->wayland.ready_timeout_ms = 30000;
	c->agent.enable = true;
	strcpy(c->agent.exec, CFG_AGENT_EXEC);
	c->agent.port = 1024;
	strcpy(c->app.user, "0");
	strcpy(c->portal.exec, "/usr/bin/appvm-portal");
	c->portal.port = 1026;
	strcpy(c->portal.dbus_daemon, "/usr/bin/dbus-daemon");
	c->portal.app_env = true;
	c->portal.ready_timeout_ms = 5000;
}

const char *cfg_action_name(enum cfg_action a)
{
	static const char *const n[] = {"poweroff", "reboot", "restart", "ignore"};
	return (unsigned)a < ARRAY_LEN(n) ? n[a] : "?";
}

const char *cfg_fstype_name(enum cfg_fstype t)
{
	static const char *const n[] = {"", "virtiofs", "erofs", "squashfs", "ext4"};
	return (unsigned)t < ARRAY_LEN(n) ? n[t] : "?";
}

/* Parses "store NAME" etc. Returns the section or -ENOENT with err filled. */
static int parse_section(const char *section, const char **ret_store, char *err, size_t errlen)
{
	*ret_store = NULL;
	if (strncmp(section, "store", 5) == 0 && (section[5] == ' ' || section[5] == '\0')) {
		const char *n = section + 5;
		while (*n == ' ')
			n++;
		if (*n == '\0') {
			cfg_fail(err, errlen, "section [store] needs a name: [store NAME]");
			return -ENOENT;
		}
		if (!cfg_is_name(n, 32)) {
			cfg_fail(
			    err, errlen,
			    "[store %s]: a store name is 1-32 letters, digits, '-', '_' or '.'", n);
			return -ENOENT;
		}
		*ret_store = n;
		return SEC_STORE;
	}
	for (size_t i = 0; i < ARRAY_LEN(section_names); i++)
		if (i != SEC_STORE && strcmp(section, section_names[i]) == 0)
			return (int)i;
	const char *s = suggest_nearest(section, section_names, ARRAY_LEN(section_names));
	if (s)
		cfg_fail(err, errlen, "unknown section [%s] (did you mean [%s]?)", section, s);
	else
		cfg_fail(err, errlen,
			 "unknown section [%s] (known: vm, store NAME, state, net, wayland, agent, "
			 "app, portal)",
			 section);
	return -ENOENT;
}

int cfg_section_check(const char *section, char *err, size_t errlen)
{
	const char *store;
	int r = parse_section(section, &store, err, errlen);
	return r < 0 ? r : 0;
}

static struct cfg_store *find_store(struct cfg *c, const char *name, bool create)
{
	for (size_t i = 0; i < c->n_stores; i++)
		if (strcmp(c->stores[i].name, name) == 0)
			return &c->stores[i];
	if (!create || c->n_stores == CFG_MAX_STORES)
		return NULL;
	struct cfg_store *s = &c->stores[c->n_stores++];
	memset(s, 0, sizeof(*s));
	util_copy(s->name, sizeof(s->name), name);
	return s;
}

int cfg_set(struct cfg *c, const char *section, const char *key, const char *value, unsigned flags,
	    const char *origin, char *err, size_t errlen)
{
	const char *store_name;
	int sec = parse_section(section, &store_name, err, errlen);
	if (sec < 0)
		return sec;

	if (sec == SEC_NET) {
		/* Repeats are the net library's to judge: list keys such as
		 * address and route add up. An override replaces every
		 * earlier value of its key. */
		if (flags & CFG_SET_OVERRIDE) {
			size_t keep = 0;
			for (size_t i = 0; i < c->n_net; i++)
				if (strcmp(c->net[i].key, key) != 0)
					c->net[keep++] = c->net[i];
			c->n_net = keep;
		}
		if (c->n_net == CFG_MAX_NET) {
			cfg_fail(err, errlen, "[net]: at most %d keys", CFG_MAX_NET);
			return -ENOSPC;
		}
		struct cfg_kv *kv = &c->net[c->n_net];
		if (util_copy(kv->key, sizeof(kv->key), key) < 0 ||
		    util_copy(kv->value, sizeof(kv->value), value) < 0)
			return cfg_fail(err, errlen, "[net] %s: key or value too long", key);
		util_copy(kv->origin, sizeof(kv->origin), origin ? origin : "");
		c->n_net++;
		return 0;
	}

	const char *cands[16];
	size_t n_cands = 0, idx;
	for (idx = 0; idx < ARRAY_LEN(keys); idx++) {
		if (keys[idx].sec != (enum sec)sec)
			continue;
		if (strcmp(keys[idx].name, key) == 0)
			break;
		cands[n_cands++] = keys[idx].name;
	}
	char where[CFG_NAME_MAX + 48];
	if (store_name)
		util_cat(where, sizeof(where), "[store ", store_name, "] ", key, NULL);
	else
		util_cat(where, sizeof(where), "[", section_names[sec], "] ", key, NULL);
	if (idx == ARRAY_LEN(keys)) {
		const char *s = suggest_nearest(key, cands, n_cands);
		if (s)
			cfg_fail(err, errlen, "unknown key \"%s\" in [%s] (did you mean \"%s\"?)",
				 key, section_names[sec], s);
		else
			cfg_fail(err, errlen, "unknown key \"%s\" in [%s]", key,
				 section_names[sec]);
		return -ENOENT;
	}

	void *base = c;
	uint64_t *seen;
	switch (sec) {
	case SEC_VM:
		seen = &c->vm.seen;
		break;
	case SEC_WAYLAND:
		seen = &c->wayland.seen;
		break;
	case SEC_AGENT:
		seen = &c->agent.seen;
		break;
	case SEC_APP:
		seen = &c->app.seen;
		break;
	case SEC_PORTAL:
		seen = &c->portal.seen;
		break;
	case SEC_STATE:
		c->has_state = true;
		base = &c->state;
		seen = &c->state.seen;
		break;
	default: {
		struct cfg_store *s = find_store(c, store_name, true);
		if (!s) {
			cfg_fail(err, errlen, "[store %s]: at most %d stores", store_name,
				 CFG_MAX_STORES);
			return -ENOSPC;
		}
		base = s;
		seen = &s->seen;
		break;
	}
	}
	uint64_t bit = 1ull << idx;
	if ((*seen & bit) && keys[idx].kind != K_ENV && !(flags & CFG_SET_OVERRIDE)) {
		cfg_fail(err, errlen, "%s: key given twice", where);
		return -EEXIST;
	}
	int r = cfg_set_value(&keys[idx], base, value, where, err, errlen);
	if (r < 0)
		return r;
	*seen |= bit;
	return 0;
}
