#include "host_clip.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"

size_t host_clip(const char *type, char *buf, size_t size)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "timeout 10 wl-paste %s%s 2>&1", type ? "-t " : "-n",
		 type ? type : "");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(buf, 1, size - 1, p);
	buf[n] = '\0';
	pclose(p);
	return n;
}

bool host_clip_is(const char *text)
{
	char buf[256];
	host_clip(NULL, buf, sizeof(buf));
	return strcmp(buf, text) == 0;
}

void host_copy(const char *text)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "wl-copy '%s'", text);
	assert_int_equal(system(cmd), 0);
	uint64_t end = clock_now_ms() + 5000;
	while (!host_clip_is(text))
		if (clock_now_ms() > end)
			fail_msg("wl-copy did not take");
}

int host_clip_setup(char *dir, size_t size, const char *prefix)
{
	if (!getenv("WAYLAND_DISPLAY")) {
		fprintf(stderr,
			"no WAYLAND_DISPLAY: run me through tests/clipboard/with-sway.sh\n");
		return -1;
	}
	snprintf(dir, size, "/var/tmp/%s-XXXXXX", prefix);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}
