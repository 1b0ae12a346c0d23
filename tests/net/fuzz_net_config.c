/* Fuzz target for the [net] key parser: each input line is "key=value" (the
 * INI reader has already split and trimmed it); every line goes through
 * net_config_set, then the whole through net_config_check and the
 * resolv.conf renderer. Any error must come with a NUL-terminated message. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "net_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct net_config *c = net_config_new();
	if (!c) {
		free(text);
		return 0;
	}
	char err[256];
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		memset(err, 'x', sizeof(err));
		int r = net_config_set(c, line, eq + 1, err, sizeof(err));
		if (r < 0 && (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0'))
			abort();
		if (r < 0 && r != -EINVAL && r != -ENOENT)
			abort();
	}
	memset(err, 'x', sizeof(err));
	if (net_config_check(c, err, sizeof(err)) < 0 && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	char resolv[2048];
	int n = net_resolv_render(c, resolv, sizeof(resolv));
	if (n >= (int)sizeof(resolv) || (n >= 0 && resolv[n] != '\0'))
		abort();
	net_config_free(c);
	free(text);
	return 0;
}
