/* Guest network set-up: the [net] section of vm.conf, applied over rtnetlink.
 * Used by appvm-init as a library and by the appvm-net debugging tool.
 * Functions return 0 or -errno and, on failure, put one human-readable line
 * (naming the key and value at fault) in err. They never print or exit. */
#ifndef APPVM_NET_H
#define APPVM_NET_H

#include <stddef.h>

struct net_config;

/* Returns a new empty configuration, or NULL when out of memory. */
struct net_config *net_config_new(void);

/* Frees a configuration (NULL is allowed). */
void net_config_free(struct net_config *c);

/* Sets one [net] key from vm.conf. Returns 0, -ENOENT for an unknown key
 * (err names the nearest known key), or -EINVAL for a bad value. */
int net_config_set(struct net_config *c, const char *key, const char *value, char *err,
		   size_t errlen);

/* Checks the configuration as a whole (e.g. a gateway outside every address's
 * family). Returns 0 or -EINVAL. */
int net_config_check(const struct net_config *c, char *err, size_t errlen);

/* Applies the configuration: lo up, the interface, addresses, routes, DNS.
 * Idempotent. Returns 0 or -errno; -ETIMEDOUT means everything was applied but
 * the interface got no carrier within carrier_timeout. */
int net_apply(const struct net_config *c, char *err, size_t errlen);

/* Chooses where net_apply writes resolv.conf (an absolute path; default
 * /run/appvm/resolv.conf) and which symlink it points at it (default
 * /etc/resolv.conf; NULL for none). Tests use it to stay off the host's files.
 * Returns 0 or -EINVAL. */
int net_config_set_resolv_paths(struct net_config *c, const char *resolv_path,
				const char *etc_path);

/* Writes the loopback and every other interface with its state, addresses and
 * the main routing table to fd, one item per line. Returns 0 or -errno. */
int net_show(int fd, char *err, size_t errlen);

/* Sets the kernel hostname after validating it. Returns 0, -EINVAL or -errno. */
int net_set_hostname(const char *name, char *err, size_t errlen);

#endif
