#include "clip_mime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const clip_text_mimes[CLIP_TEXT_MIMES] = {
    CLIP_TEXT_MIME,
    "UTF8_STRING",
    "text/plain",
};

bool clip_mime_is_text(const char *mime)
{
	for (unsigned i = 0; i < CLIP_TEXT_MIMES; i++)
		if (strcasecmp(mime, clip_text_mimes[i]) == 0)
			return true;
	return false;
}

const char *clip_mime_pick(const char *const *offered, unsigned n, const char *want)
{
	if (clip_mime_is_text(want)) {
		for (unsigned k = 0; k < CLIP_TEXT_MIMES; k++)
			for (unsigned i = 0; i < n; i++)
				if (strcasecmp(offered[i], clip_text_mimes[k]) == 0)
					return offered[i];
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (strcmp(offered[i], want) == 0)
			return offered[i];
	return NULL;
}

const char *clip_mime_list(const char *const *offered, unsigned n, char *buf, size_t size)
{
	size_t used = 0;
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(offered[i]);
		size_t sep = i ? 2 : 0;
		/* Room for this one and, if more follow, for ", ...". */
		size_t tail = i + 1 < n ? 5 : 0;
		if (used + sep + len + tail + 1 > size) {
			if (used + 5 < size)
				snprintf(buf + used, size - used, "%s...", i ? ", " : "");
			return buf;
		}
		snprintf(buf + used, size - used, "%s%s", i ? ", " : "", offered[i]);
		used += sep + len;
	}
	return buf;
}
