/* The init control protocol's encoders and decoders (docs/init-control.md).
 * Pure: no I/O, no allocation. Decoders walk the untrusted bytes in place
 * with (pointer, length) slices and never copy more than a field. */
#include "initctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const cmds[] = {"status", "poweroff", "reboot", "watch"};
static const char *const states[] = {"stopped", "running", "backoff",
				     "failed",	"exited",  "disabled"};

/* A piece of the untrusted text. */
struct slice {
	const char *p;
	size_t n;
};

static bool slice_is(struct slice s, const char *c)
{
	return s.n == strlen(c) && memcmp(s.p, c, s.n) == 0;
}

const char *initctl_cmd_name(enum initctl_cmd cmd)
{
	return (unsigned)cmd < ARRAY_LEN(cmds) ? cmds[cmd] : "";
}

bool initctl_cmd_takes_deadline(enum initctl_cmd cmd)
{
	return cmd == INITCTL_CMD_POWEROFF || cmd == INITCTL_CMD_REBOOT;
}

const char *initctl_state_name(enum initctl_state s)
{
	return (unsigned)s < ARRAY_LEN(states) ? states[s] : "?";
}

/* A decimal in [0, max] without sign or leading zeros, the whole slice. */
static int dec_parse(struct slice s, uint32_t max, uint32_t *ret)
{
	uint64_t v = 0;
	if (s.n == 0 || s.n > 10 || (s.n > 1 && s.p[0] == '0'))
		return -EBADMSG;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > max)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Service and store names: 1..max letters, digits, '-', '_' or '.'. */
static bool name_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Bytes a PATH carries as \ooo: those that would split the word or the line
 * (space and control characters) and the backslash itself. Nothing else is
 * escaped, so each path has exactly one encoding. */
static bool must_escape(unsigned char c)
{
	return c <= ' ' || c == 0x7f || c == '\\';
}

static bool path_ok(const char *p)
{
	size_t n = strlen(p);
	return n >= 1 && n <= INITCTL_PATH_MAX && p[0] == '/';
}

/* Unescapes a PATH word into ret (INITCTL_PATH_MAX + 1 bytes). Returns 0 or
 * -EBADMSG: a broken or needless escape, \000, no leading '/', too long. */
static int path_decode(struct slice w, char *ret)
{
	size_t o = 0;
	for (size_t i = 0; i < w.n; i++) {
		unsigned char c = (unsigned char)w.p[i];
		if (c == '\\') {
			if (w.n - i < 4 || w.p[i + 1] < '0' || w.p[i + 1] > '3')
				return -EBADMSG;
			unsigned v = 0;
			for (size_t k = 1; k <= 3; k++) {
				if (w.p[i + k] < '0' || w.p[i + k] > '7')
					return -EBADMSG;
				v = v * 8 + (unsigned)(w.p[i + k] - '0');
			}
			c = (unsigned char)v;
			if (c == 0 || !must_escape(c))
				return -EBADMSG;
			i += 3;
		} else if (must_escape(c)) {
			return -EBADMSG;
		}
		if (o == INITCTL_PATH_MAX)
			return -EBADMSG;
		ret[o++] = (char)c;
	}
	ret[o] = '\0';
	return o > 0 && ret[0] == '/' ? 0 : -EBADMSG;
}

int initctl_path_escape(const char *path, char *buf, size_t size)
{
	size_t o = 0;
	for (const char *p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		size_t need = must_escape(c) ? 4 : 1;
		if (size - o <= need || o >= size)
			return -E2BIG;
		if (need == 4)
			snprintf(buf + o, 5, "\\%03o", c);
		else
			buf[o] = (char)c;
		o += need;
	}
	if (o >= size)
		return -E2BIG;
	buf[o] = '\0';
	return (int)o;
}

int initctl_request_encode(enum initctl_cmd cmd, uint32_t deadline_ms, char *buf, size_t size)
{
	if ((unsigned)cmd >= ARRAY_LEN(cmds) || deadline_ms > INITCTL_DEADLINE_MAX ||
	    (!initctl_cmd_takes_deadline(cmd) && deadline_ms != 0))
		return -EINVAL;
	int n = deadline_ms ? snprintf(buf, size, "%s %u\n", cmds[cmd], (unsigned)deadline_ms)
			    : snprintf(buf, size, "%s\n", cmds[cmd]);
	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

int initctl_request_decode(const char *untrusted, size_t len, enum initctl_cmd *ret,
			   uint32_t *ret_deadline_ms)
{
	const char *nl =
	    memchr(untrusted, '\n', len > INITCTL_REQUEST_MAX ? INITCTL_REQUEST_MAX : len);
	if (!nl)
		return len >= INITCTL_REQUEST_MAX ? -EBADMSG : -EAGAIN;
	if ((size_t)(nl - untrusted) + 1 != len)
		return -EBADMSG; /* one request per connection */
	size_t n = (size_t)(nl - untrusted);
	/* An argument is allowed on poweroff and reboot only, after one space. */
	const char *sp = memchr(untrusted, ' ', n);
	struct slice word = {untrusted, sp ? (size_t)(sp - untrusted) : n};
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		if (!slice_is(word, cmds[i]))
			continue;
		uint32_t arg = 0;
		if (sp && (!initctl_cmd_takes_deadline((enum initctl_cmd)i) ||
			   dec_parse((struct slice){sp + 1, n - word.n - 1}, INITCTL_DEADLINE_MAX,
				     &arg) < 0))
			return -EBADMSG;
		*ret = (enum initctl_cmd)i;
		*ret_deadline_ms = arg;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (untrusted[i] < 'a' || untrusted[i] > 'z')
			return -EBADMSG;
	return -EOPNOTSUPP;
}

int initctl_reply_encode_simple(const char *err, char *buf, size_t size)
{
	int n = err ? snprintf(buf, size, "error %s\n", err) : snprintf(buf, size, "ok\nend\n");
	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

/* The rules initctl_reply_decode() enforces, checked before encoding so
 * that init never sends what a client would refuse. */
static bool exit_ok(bool exited, int status, int sig)
{
	if (!exited)
		return true;
	if (sig == 0)
		return status >= 0 && status <= 255;
	return sig >= 1 && sig <= INITCTL_SIGNAL_MAX && status == 128 + sig;
}

static bool status_ok(const struct initctl_status *st)
{
	if (st->n_services > INITCTL_MAX_SERVICES || st->n_stores > INITCTL_MAX_STORES ||
	    !exit_ok(st->app_exited, st->app_status, st->app_signal))
		return false;
	for (size_t i = 0; i < st->n_services; i++) {
		const struct initctl_service *s = &st->services[i];
		if (!name_ok(s->name, strnlen(s->name, sizeof(s->name)),
			     INITCTL_SERVICE_NAME_MAX) ||
		    (unsigned)s->state >= ARRAY_LEN(states) || s->pid < 0 ||
		    s->pid > INITCTL_PID_MAX || s->restarts > INITCTL_RESTARTS_MAX)
			return false;
	}
	for (size_t i = 0; i < st->n_stores; i++) {
		const struct initctl_store *s = &st->stores[i];
		if (!name_ok(s->name, strnlen(s->name, sizeof(s->name)), INITCTL_STORE_NAME_MAX) ||
		    strnlen(s->path, sizeof(s->path)) == sizeof(s->path) || !path_ok(s->path))
			return false;
	}
	return true;
}

/* An output cursor: appends until the buffer is full, then remembers that. */
struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

int initctl_reply_encode_status(const struct initctl_status *st, char *buf, size_t size)
{
	struct out o = {buf, size, 0, size == 0};
	if (!status_ok(st))
		return -EINVAL;
	put(&o, "ok\n");
	for (size_t i = 0; i < st->n_services; i++) {
		const struct initctl_service *s = &st->services[i];
		put(&o, "service %s %s %d %u\n", s->name, initctl_state_name(s->state), s->pid,
		    s->restarts);
	}
	for (size_t i = 0; i < st->n_stores; i++) {
		char path[INITCTL_PATH_ESCAPED_SIZE];
		/* Cannot fail: status_ok() checked the length. */
		(void)initctl_path_escape(st->stores[i].path, path, sizeof(path));
		put(&o, "store %s %s %s\n", st->stores[i].name,
		    st->stores[i].writable ? "rw" : "ro", path);
	}
	if (st->app_exited)
		put(&o, "app-exit %d %d\n", st->app_status, st->app_signal);
	else
		put(&o, "app-exit none\n");
	put(&o, "shutdown %s\n", st->shutting_down ? "yes" : "no");
	put(&o, "end\n");
	return o.full ? -E2BIG : (int)o.len;
}

/* Splits a line into words separated by single spaces. Returns the count, or
 * max + 1 when there are more than max words. */
static size_t split(struct slice line, struct slice *w, size_t max)
{
	size_t n = 0;
	const char *p = line.p, *end = line.p + line.n;
	for (;;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		if (n == max)
			return max + 1;
		w[n++] = (struct slice){p, sp ? (size_t)(sp - p) : (size_t)(end - p)};
		if (!sp)
			return n;
		p = sp + 1;
	}
}

static int decode_service(const struct slice *w, size_t n, struct initctl_status *st)
{
	uint32_t pid, restarts;
	if (n != 5 || st->n_services == INITCTL_MAX_SERVICES ||
	    !name_ok(w[1].p, w[1].n, INITCTL_SERVICE_NAME_MAX) ||
	    dec_parse(w[3], INITCTL_PID_MAX, &pid) < 0 ||
	    dec_parse(w[4], INITCTL_RESTARTS_MAX, &restarts) < 0)
		return -EBADMSG;
	size_t i;
	for (i = 0; i < ARRAY_LEN(states) && !slice_is(w[2], states[i]); i++)
		;
	if (i == ARRAY_LEN(states))
		return -EBADMSG;
	struct initctl_service *s = &st->services[st->n_services++];
	memcpy(s->name, w[1].p, w[1].n);
	s->name[w[1].n] = '\0';
	s->state = (enum initctl_state)i;
	s->pid = (int)pid;
	s->restarts = restarts;
	return 0;
}

static int decode_store(const struct slice *w, size_t n, struct initctl_status *st)
{
	if (n != 4 || st->n_stores == INITCTL_MAX_STORES ||
	    !name_ok(w[1].p, w[1].n, INITCTL_STORE_NAME_MAX) ||
	    !(slice_is(w[2], "ro") || slice_is(w[2], "rw")))
		return -EBADMSG;
	struct initctl_store *s = &st->stores[st->n_stores];
	if (path_decode(w[3], s->path) < 0)
		return -EBADMSG;
	memcpy(s->name, w[1].p, w[1].n);
	s->name[w[1].n] = '\0';
	s->writable = slice_is(w[2], "rw");
	st->n_stores++;
	return 0;
}

static int decode_app_exit(const struct slice *w, size_t n, struct initctl_status *st)
{
	uint32_t status, sig;
	if (n == 2 && slice_is(w[1], "none"))
		return 0;
	if (n != 3 || dec_parse(w[1], 255, &status) < 0 ||
	    dec_parse(w[2], INITCTL_SIGNAL_MAX, &sig) < 0 || !exit_ok(true, (int)status, (int)sig))
		return -EBADMSG;
	st->app_exited = true;
	st->app_status = (int)status;
	st->app_signal = (int)sig;
	return 0;
}

/* Which one-off lines a reply has had. */
struct seen {
	bool app_exit, shutdown;
};

static int decode_line(struct slice line, struct initctl_status *st, struct seen *seen)
{
	struct slice w[5];
	size_t n = split(line, w, ARRAY_LEN(w));
	if (w[0].n == 0)
		return -EBADMSG;
	if (slice_is(w[0], "service"))
		return decode_service(w, n, st);
	if (slice_is(w[0], "store"))
		return decode_store(w, n, st);
	if (slice_is(w[0], "app-exit")) {
		if (seen->app_exit)
			return -EBADMSG;
		seen->app_exit = true;
		return decode_app_exit(w, n, st);
	}
	if (slice_is(w[0], "shutdown")) {
		if (seen->shutdown || n != 2 || !(slice_is(w[1], "yes") || slice_is(w[1], "no")))
			return -EBADMSG;
		seen->shutdown = true;
		st->shutting_down = slice_is(w[1], "yes");
		return 0;
	}
	/* Lines a newer init may add are skipped, so old clients keep working. */
	return 0;
}

/* True when the bytes are text: no control byte (the line end is not among
 * them) and no 0x7f. An escaped path is the only way to carry one. */
static bool text_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < ' ' || p[i] == 0x7f)
			return false;
	return true;
}

/* True when every byte is text or a line end. */
static bool text_ok_lines(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\n' && !text_ok(p + i, 1))
			return false;
	return true;
}

/* Takes the next "\n"-terminated line off *rest. Returns 1, 0 when no
 * complete line is left, or -EBADMSG when the line (or the incomplete rest)
 * is not text. */
static int next_line(struct slice *rest, struct slice *ret)
{
	const char *nl = memchr(rest->p, '\n', rest->n);
	if (!nl)
		return text_ok(rest->p, rest->n) ? 0 : -EBADMSG;
	*ret = (struct slice){rest->p, (size_t)(nl - rest->p)};
	if (!text_ok(ret->p, ret->n))
		return -EBADMSG;
	rest->n -= ret->n + 1;
	rest->p = nl + 1;
	return 1;
}

static int error_reply(struct slice e)
{
	if (slice_is(e, INITCTL_ERR_PERMISSION))
		return -EPERM;
	if (slice_is(e, INITCTL_ERR_UNKNOWN))
		return -EOPNOTSUPP;
	if (slice_is(e, INITCTL_ERR_SHUTDOWN))
		return -ESHUTDOWN;
	if (slice_is(e, INITCTL_ERR_BUSY))
		return -EBUSY;
	return -EBADMSG; /* "malformed", or a reason this client does not know */
}

/* Decodes the reply at the start of the bytes (a whole reply or the first of
 * a stream). Returns 0 or an error's -errno with *ret_used set, -EAGAIN, or
 * -EBADMSG. */
static int decode_first(const char *untrusted, size_t len, struct initctl_status *st,
			size_t *ret_used)
{
	struct seen seen = {false, false};
	struct slice rest = {untrusted, len}, line;
	int r = next_line(&rest, &line);
	if (r <= 0)
		return r < 0 ? r : -EAGAIN;
	if (line.n >= 6 && memcmp(line.p, "error ", 6) == 0) {
		*ret_used = (size_t)(rest.p - untrusted);
		return error_reply((struct slice){line.p + 6, line.n - 6});
	}
	if (!slice_is(line, "ok"))
		return -EBADMSG;
	memset(st, 0, sizeof(*st));
	for (;;) {
		r = next_line(&rest, &line);
		if (r <= 0)
			return r < 0 ? r : -EAGAIN;
		if (slice_is(line, "end"))
			break;
		r = decode_line(line, st, &seen);
		if (r < 0)
			return r;
	}
	*ret_used = (size_t)(rest.p - untrusted);
	return 0;
}

int initctl_reply_decode_next(const char *untrusted, size_t len, struct initctl_status *ret,
			      size_t *ret_used)
{
	struct initctl_status st;
	size_t used = 0;
	/* Only the first INITCTL_REPLY_MAX bytes can hold the first reply. */
	int r =
	    decode_first(untrusted, len < INITCTL_REPLY_MAX ? len : INITCTL_REPLY_MAX, &st, &used);
	if (r == -EAGAIN)
		return len >= INITCTL_REPLY_MAX ? -EBADMSG : -EAGAIN;
	if (r == -EBADMSG)
		return r;
	*ret_used = used;
	if (r == 0 && ret)
		*ret = st;
	return r;
}

int initctl_reply_decode(const char *untrusted, size_t len, struct initctl_status *ret)
{
	struct initctl_status st;
	size_t used = 0;
	if (len > INITCTL_REPLY_MAX || !text_ok_lines(untrusted, len))
		return -EBADMSG;
	int r = initctl_reply_decode_next(untrusted, len, &st, &used);
	if (r == -EAGAIN || r == -EBADMSG)
		return r;
	if (used != len)
		return -EBADMSG; /* bytes after "end", or after the error line */
	if (r == 0 && ret)
		*ret = st;
	return r;
}
