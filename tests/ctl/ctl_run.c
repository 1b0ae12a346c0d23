#include "ctl_run.h"
#include "clock.h"
#include "ctl_cli.h"
#include "text_escape.h"
#include "utf8.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

/* CPU time of the calling thread (appvmctl runs in it; fake guests run in
 * threads of their own), in ms. */
static uint64_t thread_cpu_ms(void)
{
	struct rusage u;
	if (getrusage(RUSAGE_THREAD, &u) < 0)
		return 0;
	return (uint64_t)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
	       (uint64_t)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
}

struct run run_ctl(const char *first, ...)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = "appvmctl";
	va_list ap;
	va_start(ap, first);
	for (const char *s = first; s && argc < 15; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	struct run r = {0};
	size_t on = 0, en = 0;
	FILE *out = open_memstream(&r.out, &on);
	FILE *err = open_memstream(&r.err, &en);
	uint64_t t0 = clock_now_ms(), c0 = thread_cpu_ms();
	r.code = ctl_cli_run(argc, argv, out, err);
	r.ms = clock_now_ms() - t0;
	r.cpu_ms = thread_cpu_ms() - c0;
	fclose(out);
	fclose(err);
	return r;
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

void assert_terminal_safe(const char *what, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			fail_msg("%s: invalid UTF-8 at byte %zu: '%s'", what, i, s);
		if (cp != '\n' && text_escape_hidden(cp))
			fail_msg("%s: U+%04X reached the terminal: '%s'", what, (unsigned)cp, s);
		i += n;
	}
}

void assert_printable_ascii(const char *what, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p != '\n' && (*p < 0x20 || *p > 0x7e))
			fail_msg("%s: byte 0x%02x in '%s'", what, *p, s);
}

void expect(const struct run *r, int code, const char *in_out, const char *in_err)
{
	if (r->code != code)
		fail_msg("exit %d, want %d; stdout '%s' stderr '%s'", r->code, code, r->out,
			 r->err);
	if (in_out && !strstr(r->out, in_out))
		fail_msg("stdout '%s' lacks '%s'", r->out, in_out);
	if (in_err && !strstr(r->err, in_err))
		fail_msg("stderr '%s' lacks '%s'", r->err, in_err);
	assert_terminal_safe("stdout", r->out);
	assert_terminal_safe("stderr", r->err);
}
