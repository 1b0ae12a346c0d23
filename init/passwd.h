/* /etc/passwd and /etc/group lookups on file contents, so a static PID 1 needs
 * no NSS. Pure. */
#ifndef APPVM_INIT_PASSWD_H
#define APPVM_INIT_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

struct pw_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[256];
	char shell[256];
};

/* Finds a user by name or number in passwd text. A number that is not listed
 * is accepted with gid = uid, home "/" and an empty name. Returns 0, -ENOENT,
 * or -EINVAL when the matching line is malformed. */
int pw_find_user(const char *passwd_text, const char *name_or_uid, struct pw_user *ret);

/* Finds a group by name or number in group text (an unlisted number is
 * accepted). Returns 0, -ENOENT or -EINVAL. */
int pw_find_group(const char *group_text, const char *name_or_gid, gid_t *ret);

/* Lists the groups whose member list names user, at most max. Returns 0 or
 * -E2BIG when there are more than max. */
int pw_member_groups(const char *group_text, const char *user, gid_t *gids, size_t max,
		     size_t *ret_n);

#endif
