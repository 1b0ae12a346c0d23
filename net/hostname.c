/* The kernel hostname of the VM's UTS namespace. */
#include "net.h"
#include "net_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int net_set_hostname(const char *name, char *err, size_t errlen)
{
	if (!name || net_hostname_check(name) < 0) {
		if (err && errlen)
			snprintf(err, errlen, "hostname \"%s\": not a valid host name",
				 name ? name : "");
		return -EINVAL;
	}
	char cur[NET_MAX_HOSTNAME + 2] = "";
	if (gethostname(cur, sizeof(cur)) == 0 && strcmp(cur, name) == 0)
		return 0;
	if (sethostname(name, strlen(name)) < 0) {
		int e = errno;
		if (err && errlen)
			snprintf(err, errlen, "hostname \"%s\": set hostname: %s", name,
				 strerror(e));
		return -e;
	}
	return 0;
}
