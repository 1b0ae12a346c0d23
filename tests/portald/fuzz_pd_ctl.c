/* Fuzz target for the portal daemon's control lines, both ends: byte 0
 * says whether the rest is a request line (what appvm-portald reads) or an
 * answer (what appvmctl reads: a status line, then listing lines). A parsed
 * listing line must format and parse back to the same values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct pd_ctl_doc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	pd_ctl_format_doc(f, d);
	fclose(f);
	if (len == 0 || buf[len - 1] != '\n')
		abort();
	buf[len - 1] = '\0';
	struct pd_ctl_doc back;
	if (pd_ctl_parse_doc(buf, &back) != 0 || back.id != d->id || back.perms != d->perms ||
	    back.staged != d->staged || back.staged_bytes != d->staged_bytes ||
	    back.age_s != d->age_s || back.path_len != d->path_len ||
	    memcmp(back.path, d->path, d->path_len))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct pd_ctl_req r;
		pd_ctl_parse_request((const char *)data + 1, size - 1, &r);
		return 0;
	}
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	unsigned n;
	const char *word;
	char *line = text, *nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	pd_ctl_parse_status(line, &n, &word);
	while (nl) {
		line = nl + 1;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		/* The path is unescaped in place: copy it out before formatting. */
		struct pd_ctl_doc d;
		if (pd_ctl_parse_doc(line, &d) == 0) {
			char *path = malloc(d.path_len ? d.path_len : 1);
			if (path) {
				memcpy(path, d.path, d.path_len);
				d.path = path;
				round_trip(&d);
				free(path);
			}
		}
	}
	free(text);
	return 0;
}
