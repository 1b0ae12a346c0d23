/* The host clipboard of the tests' headless sway (tests/clipboard/with-sway.sh),
 * read and written with wl-clipboard from outside, as a host app would. */
#ifndef APPVM_TEST_HOST_CLIP_H
#define APPVM_TEST_HOST_CLIP_H

#include <stdbool.h>
#include <stddef.h>

/* Reads the host clipboard as wl-paste sees it, type (NULL: text), at most
 * size - 1 bytes into buf (NUL-terminated). Returns the length. */
size_t host_clip(const char *type, char *buf, size_t size);

/* Returns true if the host clipboard's text is exactly text. */
bool host_clip_is(const char *text);

/* Copies text (no single quotes) to the host clipboard with wl-copy and
 * waits until it is there. */
void host_copy(const char *text);

/* A test's setup under with-sway.sh: checks WAYLAND_DISPLAY and makes a
 * private directory /var/tmp/PREFIX-XXXXXX, its path in dir. Returns 0, or
 * -1 after saying why on stderr. */
int host_clip_setup(char *dir, size_t size, const char *prefix);

#endif
