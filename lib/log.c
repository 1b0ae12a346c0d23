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

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_max)
		return;
	int saved = errno; /* callers often log errno-derived text right after */
	char line[1024];
	size_t off = 0;
	/* /dev/kmsg takes "<N>" as the record's priority. */
	if (log_is_kmsg)
		off = (size_t)snprintf(line, sizeof(line), "<%d>", (int)level);
	size_t len = log_format_line(line + off, sizeof(line) - off, log_prefix, fmt, ap);
	/* One write per record: kmsg treats each write as one message. */
	ssize_t w;
	do {
		w = write(log_fd, line, off + len);
	} while (w < 0 && errno == EINTR);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
