/* Fuzz target: the init control protocol's decoders (lib/initctl.c), request
 * and reply. The first byte picks which one, so one corpus covers both
 * sides: even, the request decoder; 1 (mod 4), the reply decoder; 3 (mod 4),
 * the stream of replies to "watch", decoded one at a time as the agent does.
 * What decodes must respect the caps and survive a round trip: encoded
 * again, it decodes to the same status. */
#include "initctl.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct initctl_status *a, const struct initctl_status *b)
{
	if (a->n_services != b->n_services || a->n_stores != b->n_stores ||
	    a->app_exited != b->app_exited || a->app_status != b->app_status ||
	    a->app_signal != b->app_signal || a->shutting_down != b->shutting_down)
		return false;
	for (size_t i = 0; i < a->n_services; i++)
		if (strcmp(a->services[i].name, b->services[i].name) != 0 ||
		    a->services[i].state != b->services[i].state ||
		    a->services[i].pid != b->services[i].pid ||
		    a->services[i].restarts != b->services[i].restarts)
			return false;
	for (size_t i = 0; i < a->n_stores; i++)
		if (strcmp(a->stores[i].name, b->stores[i].name) != 0 ||
		    strcmp(a->stores[i].path, b->stores[i].path) != 0 ||
		    a->stores[i].writable != b->stores[i].writable)
			return false;
	return true;
}

static struct initctl_status st, again;
static char out[INITCTL_REPLY_MAX];

/* A decoded status keeps the caps and encodes to what decodes the same. */
static void check_status(void)
{
	if (st.n_services > INITCTL_MAX_SERVICES || st.n_stores > INITCTL_MAX_STORES)
		__builtin_trap();
	int n = initctl_reply_encode_status(&st, out, sizeof(out));
	if (n < 0 || initctl_reply_decode(out, (size_t)n, &again) != 0 || !same(&st, &again))
		__builtin_trap();
}

/* The stream: every reply takes at least "ok\nend\n" or an error line and
 * never more than INITCTL_REPLY_MAX bytes, and decodes whole on its own. */
static void stream(const char *p, size_t len)
{
	for (;;) {
		size_t used = 0;
		int r = initctl_reply_decode_next(p, len, &st, &used);
		if (r == -EAGAIN || r == -EBADMSG)
			return;
		if (used < 7 || used > len || used > INITCTL_REPLY_MAX)
			__builtin_trap();
		if (initctl_reply_decode(p, used, r == 0 ? &again : NULL) != r)
			__builtin_trap();
		if (r == 0) {
			if (!same(&st, &again))
				__builtin_trap();
			check_status();
		}
		p += used;
		len -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *p = (const char *)data + 1;
	size_t len = size - 1;
	if ((data[0] & 3) == 3) {
		stream(p, len);
	} else if (data[0] & 1) {
		if (initctl_reply_decode(p, len, &st) != 0)
			return 0;
		check_status();
	} else {
		enum initctl_cmd cmd;
		uint32_t deadline_ms;
		if (initctl_request_decode(p, len, &cmd, &deadline_ms) != 0)
			return 0;
		if (deadline_ms > INITCTL_DEADLINE_MAX)
			__builtin_trap();
		char req[INITCTL_REQUEST_MAX];
		int n = initctl_request_encode(cmd, deadline_ms, req, sizeof(req));
		/* "poweroff 0" decodes to deadline 0, which encodes as "poweroff". */
		if (n < 0 || (size_t)n > len || memcmp(req, p, (size_t)n - 1) != 0)
			__builtin_trap();
	}
	return 0;
}
