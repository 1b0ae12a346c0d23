#include "unix_addr.h"

#include <errno.h>
#include <string.h>

int unix_addr_set(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	return 0;
}
