#include "control_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const cmds[] = {"status", "poweroff", "reboot"};
static const char *const states[] = {"stopped", "running", "backoff",
				     "failed",	"exited",  "disabled"};

const char *ctl_request_line(enum ctl_cmd cmd)
{
	static const char *const lines[] = {"status\n", "poweroff\n", "reboot\n"};
	return (unsigned)cmd < ARRAY_LEN(lines) ? lines[cmd] : "";
}

const char *ctl_state_name(enum ctl_state s)
{
	return (unsigned)s < ARRAY_LEN(states) ? states[s] : "?";
}

int ctl_request_encode(enum ctl_cmd cmd, uint32_t deadline_ms, char *buf, size_t size)
{
	if ((unsigned)cmd >= ARRAY_LEN(cmds) || deadline_ms > CTL_DEADLINE_MAX ||
	    (cmd == CTL_CMD_STATUS && deadline_ms != 0))
		return -EINVAL;
	int n = deadline_ms ? snprintf(buf, size, "%s %u\n", cmds[cmd], (unsigned)deadline_ms)
			    : snprintf(buf, size, "%s\n", cmds[cmd]);
	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

/* Parses the argument of poweroff/reboot: a decimal in [0, CTL_DEADLINE_MAX]
 * without sign or leading zeros. */
static int request_arg(const char *untrusted, size_t n, uint32_t *ret)
{
	uint32_t v = 0;
	if (n == 0 || n > 7 || (n > 1 && untrusted[0] == '0'))
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (untrusted[i] < '0' || untrusted[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint32_t)(untrusted[i] - '0');
	}
	if (v > CTL_DEADLINE_MAX)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int ctl_request_decode(const char *untrusted, size_t len, enum ctl_cmd *ret,
		       uint32_t *ret_deadline_ms)
{
	const char *nl = memchr(untrusted, '\n', len > CTL_REQUEST_MAX ? CTL_REQUEST_MAX : len);
	if (!nl)
		return len >= CTL_REQUEST_MAX ? -EBADMSG : -EAGAIN;
	if ((size_t)(nl - untrusted) + 1 != len)
		return -EBADMSG; /* one request per connection */
	size_t n = (size_t)(nl - untrusted);
	/* An argument is allowed on poweroff and reboot only, after one space. */
	const char *sp = memchr(untrusted, ' ', n);
	size_t word = sp ? (size_t)(sp - untrusted) : n;
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (strlen(cmds[i]) == word && memcmp(untrusted, cmds[i], word) == 0) {
			uint32_t arg = 0;
			if (sp &&
			    (i == CTL_CMD_STATUS || request_arg(sp + 1, n - word - 1, &arg) < 0))
				return -EBADMSG;
			*ret = (enum ctl_cmd)i;
			*ret_deadline_ms = arg;
			return 0;
		}
	for (size_t i = 0; i < n; i++)
		if (untrusted[i] < 'a' || untrusted[i] > 'z')
			return -EBADMSG;
	return -EOPNOTSUPP;
}

int ctl_reply_encode_simple(const char *err, char *buf, size_t size)
{
	int n = err ? snprintf(buf, size, "error %s\n", err) : snprintf(buf, size, "ok\nend\n");
	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

int ctl_reply_encode_status(const struct ctl_status *st, char *buf, size_t size)
{
	size_t o = 0;
	int n;
#define PUT(...)                                                                                   \
	do {                                                                                       \
		n = snprintf(buf + o, size - o, __VA_ARGS__);                                      \
		if (n < 0 || (size_t)n >= size - o)                                                \
			return -E2BIG;                                                             \
		o += (size_t)n;                                                                    \
	} while (0)
	PUT("ok\n");
	for (size_t i = 0; i < st->n_services && i < CTL_MAX_SERVICES; i++) {
		const struct ctl_service *s = &st->services[i];
		PUT("service %s %s %d %u\n", s->name, ctl_state_name(s->state), s->pid,
		    s->restarts);
	}
	if (st->app_exited)
		PUT("app-exit %d %d\n", st->app_status, st->app_signal);
	else
		PUT("app-exit none\n");
	PUT("shutdown %s\n", st->shutting_down ? "yes" : "no");
	PUT("end\n");
#undef PUT
	return (int)o;
}

/* Parses a decimal in [0, max] that makes up the whole word. */
static int word_uint(const char *w, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;
	if (*w == '\0' || strlen(w) > 10)
		return -EINVAL;
	for (; *w; w++) {
		if (*w < '0' || *w > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*w - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int decode_line(char *line, struct ctl_status *st, bool *seen_app)
{
	char *w[6];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		if (n == ARRAY_LEN(w))
			return -EBADMSG;
		w[n++] = t;
	}
	if (n == 0)
		return -EBADMSG;
	unsigned long a, b;
	if (strcmp(w[0], "service") == 0) {
		if (n != 5 || st->n_services == CTL_MAX_SERVICES || strlen(w[1]) >= CTL_NAME_MAX)
			return -EBADMSG;
		struct ctl_service *s = &st->services[st->n_services];
		size_t i;
		for (i = 0; i < ARRAY_LEN(states); i++)
			if (strcmp(w[2], states[i]) == 0)
				break;
		if (i == ARRAY_LEN(states) || word_uint(w[3], 4194304, &a) < 0 ||
		    word_uint(w[4], 1000000, &b) < 0)
			return -EBADMSG;
		strcpy(s->name, w[1]);
		s->state = (enum ctl_state)i;
		s->pid = (int)a;
		s->restarts = (unsigned)b;
		st->n_services++;
		return 0;
	}
	if (strcmp(w[0], "app-exit") == 0 && !*seen_app) {
		*seen_app = true;
		if (n == 2 && strcmp(w[1], "none") == 0)
			return 0;
		if (n != 3 || word_uint(w[1], 255, &a) < 0 || word_uint(w[2], 64, &b) < 0)
			return -EBADMSG;
		st->app_exited = true;
		st->app_status = (int)a;
		st->app_signal = (int)b;
		return 0;
	}
	if (strcmp(w[0], "shutdown") == 0) {
		if (n != 2 || (strcmp(w[1], "yes") != 0 && strcmp(w[1], "no") != 0))
			return -EBADMSG;
		st->shutting_down = strcmp(w[1], "yes") == 0;
		return 0;
	}
	/* Lines a newer init may add are skipped, so old clients keep working. */
	return 1;
}

int ctl_reply_decode(const char *untrusted, size_t len, struct ctl_status *ret)
{
	struct ctl_status st;
	char copy[CTL_REPLY_MAX + 1];
	bool seen_app = false;

	if (len > CTL_REPLY_MAX)
		return -EBADMSG;
	memcpy(copy, untrusted, len);
	copy[len] = '\0';
	if (memchr(copy, '\0', len))
		return -EBADMSG;
	memset(&st, 0, sizeof(st));

	char *line = copy;
	char *nl = strchr(line, '\n');
	if (!nl)
		return -EAGAIN;
	*nl = '\0';
	if (strncmp(line, "error ", 6) == 0) {
		const char *e = line + 6;
		if (nl + 1 != copy + len)
			return -EBADMSG;
		if (strcmp(e, CTL_ERR_PERMISSION) == 0)
			return -EPERM;
		if (strcmp(e, CTL_ERR_UNKNOWN) == 0)
			return -EOPNOTSUPP;
		if (strcmp(e, CTL_ERR_SHUTDOWN) == 0)
			return -ESHUTDOWN;
		return -EBADMSG;
	}
	if (strcmp(line, "ok") != 0)
		return -EBADMSG;
	for (;;) {
		line = nl + 1;
		nl = strchr(line, '\n');
		if (!nl)
			return -EAGAIN;
		*nl = '\0';
		if (strcmp(line, "end") == 0)
			break;
		int r = decode_line(line, &st, &seen_app);
		if (r < 0)
			return r;
	}
	if (nl + 1 != copy + len)
		return -EBADMSG; /* bytes after "end" */
	if (ret)
		*ret = st;
	return 0;
}
