#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_prefix = "appvm";
static enum log_level log_max = LOG_LEVEL_INFO;
static int log_fd = STDERR_FILENO;
static int log_is_kmsg;
/* Held messages: each its level (one byte), then its line, '\n' included. */
static char *held;
static size_t held_size, held_len;
/* Deferred messages, in order (log_defer). */
struct log_deferred {
	void (*fn)(void *ctx);
	void *ctx;
};
static struct log_deferred deferred[LOG_DEFER_MAX];
static size_t n_deferred;

void log_setup(const char *prefix, enum log_target target, enum log_level max_level)
{
	log_prefix = prefix;
	log_max = max_level;
	if (log_is_kmsg && log_fd >= 0)
		close(log_fd);
	log_fd = STDERR_FILENO;
	log_is_kmsg = 0;
	if (target == LOG_TARGET_KMSG) {
		int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0) {
			log_fd = fd;
			log_is_kmsg = 1;
		}
	}
}

enum log_level log_get_level(void)
{
	return log_max;
}

size_t log_format_line(char *buf, size_t size, const char *prefix, const char *fmt, va_list ap)
{
	if (size == 0)
		return 0;
	int n = snprintf(buf, size, "%s: ", prefix);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return 0;
	}
	size_t head = (size_t)n;
	int m = vsnprintf(buf + head, size - head, fmt, ap);
	size_t len = head + (m < 0 ? 0 : ((size_t)m >= size - head ? size - head - 1 : (size_t)m));
	while (len > head && buf[len - 1] == '\n')
		len--;
	for (size_t i = head; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			buf[i] = '?';
	}
	if (len + 1 >= size)
		len = size - 2;
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

/* One write per record: kmsg treats each write as one message. */
static void write_record(enum log_level level, const char *text, size_t len)
{
	char line[1024 + 8];
	size_t off = 0;
	/* /dev/kmsg takes "<N>" as the record's priority. */
	if (log_is_kmsg)
		off = (size_t)snprintf(line, sizeof(line), "<%d>", (int)level);
	if (len > sizeof(line) - off)
		len = sizeof(line) - off;
	memcpy(line + off, text, len);
	ssize_t w;
	do {
		w = write(log_fd, line, off + len);
	} while (w < 0 && errno == EINTR);
}

void log_hold(char *buf, size_t size)
{
	held = buf;
	held_size = size;
	held_len = 0;
}

static void write_held(void)
{
	size_t i = 0;
	while (i < held_len) {
		const char *nl = memchr(held + i + 1, '\n', held_len - i - 1);
		size_t end = nl ? (size_t)(nl - held) + 1 : held_len;
		write_record((enum log_level)held[i], held + i + 1, end - i - 1);
		i = end;
	}
	held_len = 0;
}

void log_defer(void (*fn)(void *ctx), void *ctx)
{
	if (n_deferred == LOG_DEFER_MAX)
		log_flush();
	deferred[n_deferred].fn = fn;
	deferred[n_deferred].ctx = ctx;
	n_deferred++;
}

void log_flush(void)
{
	/* Taken off first: each call logs, which would flush again (and one
	 * could defer anew). */
	size_t n = n_deferred;
	struct log_deferred due[LOG_DEFER_MAX];
	memcpy(due, deferred, n * sizeof(deferred[0]));
	n_deferred = 0;
	for (size_t i = 0; i < n; i++)
		due[i].fn(due[i].ctx);
}

void log_release(void)
{
	int saved = errno;
	log_flush();
	if (held)
		write_held();
	held = NULL;
	errno = saved;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_max)
		return;
	int saved = errno; /* callers often log errno-derived text right after */
	if (n_deferred)
		log_flush();
	char line[1024];
	size_t len = log_format_line(line, sizeof(line), log_prefix, fmt, ap);
	if (held && held_len + 1 + len > held_size)
		write_held();
	if (held && 1 + len <= held_size) {
		held[held_len] = (char)level;
		memcpy(held + held_len + 1, line, len);
		held_len += 1 + len;
	} else {
		write_record(level, line, len);
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
