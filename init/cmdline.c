#include "cmdline.h"

#include <errno.h>
#include <string.h>

int cmdline_parse(struct cmdline *cl, const char *text)
{
	size_t o = 0;
	const char *p = text;

	cl->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			return 0;
		if (p[0] == '-' && p[1] == '-' && (p[2] == '\0' || p[2] == ' ' || p[2] == '\n'))
			return 0; /* the rest belongs to init's argv */
		if (cl->n == CMDLINE_MAX_ARGS)
			return -E2BIG;
		cl->args[cl->n++] = cl->buf + o;
		int quoted = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
				continue;
			}
			if (o + 1 >= sizeof(cl->buf))
				return -E2BIG;
			cl->buf[o++] = *p++;
		}
		if (quoted)
			return -EINVAL;
		if (o + 1 > sizeof(cl->buf))
			return -E2BIG;
		cl->buf[o++] = '\0';
	}
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	size_t klen = strlen(key);
	const char *found = NULL;
	for (size_t i = 0; i < cl->n; i++) {
		const char *a = cl->args[i];
		if (strncmp(a, key, klen) != 0)
			continue;
		if (a[klen] == '=')
			found = a + klen + 1;
		else if (a[klen] == '\0')
			found = "";
	}
	return found;
}
