#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vectors_parse_hex(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;
	const char *p = text;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		unsigned v;
		int used;
		if (sscanf(p, "%2x%n", &v, &used) != 1 || used != 2 || n >= cap)
			return -1;
		out[n++] = (uint8_t)v;
		p += 2;
	}
	return (int)n;
}

int vectors_load(struct vector **ret)
{
	const char *src = getenv("APPVM_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/lib/proto_vectors.txt", src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	struct vector *v = NULL;
	int count = 0;
	static char line[300000];
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		struct vector *nv = realloc(v, sizeof(*v) * (size_t)(count + 1));
		if (!nv)
			goto fail;
		v = nv;
		struct vector *cur = &v[count];
		memset(cur, 0, sizeof(*cur));
		int used = 0;
		if (!strncmp(line, "valid ", 6)) {
			if (sscanf(line + 6, "%63s %n", cur->name, &used) != 1)
				goto fail;
			used += 6;
		} else if (!strncmp(line, "invalid ", 8)) {
			if (sscanf(line + 8, "%63s %15s %n", cur->name, cur->outcome, &used) != 2)
				goto fail;
			used += 8;
		} else {
			goto fail;
		}
		int n = vectors_parse_hex(line + used, cur->bytes, sizeof(cur->bytes));
		if (n < 0)
			goto fail;
		cur->len = (size_t)n;
		count++;
	}
	fclose(f);
	*ret = v;
	return count;
fail:
	fprintf(stderr, "%s: malformed line: %.80s\n", path, line);
	free(v);
	fclose(f);
	return -1;
}
