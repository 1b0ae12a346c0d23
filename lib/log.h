/* Logging for every appvm program: one line per message, with the program's
 * prefix and a level, to stderr or to the kernel log (/dev/kmsg). */
#ifndef APPVM_LOG_H
#define APPVM_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_KMSG, /* falls back to stderr when /dev/kmsg cannot be opened */
};

/* Sets the program prefix (kept by pointer), target and the most verbose level shown. */
void log_setup(const char *prefix, enum log_target target, enum log_level max_level);

/* Returns the level set by log_setup (LOG_LEVEL_INFO before it is called). */
enum log_level log_get_level(void);

/* Writes one message; a trailing newline is added when missing. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Holding: from log_hold(), messages are kept in BUF (SIZE bytes, the
 * caller's) instead of written, and log_release() writes them, in order,
 * to the target set by then (a program can log before its log target is
 * set up). A message that does not fit writes the held ones first. */
void log_hold(char *buf, size_t size);
void log_release(void);

/* Deferring: a message whose formatting waits. log_defer() keeps FN and CTX
 * (CTX must outlive the wait); FN, which logs the message, is called right
 * before the next message is formatted, or by log_flush() or log_release(),
 * whichever comes first, so that deferred messages keep their order among
 * all others. Up to LOG_DEFER_MAX wait at once: one more flushes them first.
 * For start-up paths where the first run of printf's code is costly (under
 * emulation) and no one reads the log yet. */
#define LOG_DEFER_MAX 4
void log_defer(void (*fn)(void *ctx), void *ctx);
void log_flush(void);

#define log_err(...)   log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Formats a message into a single line: "<prefix>: <text>\n" with control
 * characters other than tab replaced by '?', so hostile text cannot forge
 * extra log lines. Returns the length written (always < size, NUL-terminated). */
size_t log_format_line(char *buf, size_t size, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
