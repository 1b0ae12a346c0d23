/* Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
#ifndef APPVM_UTF8_H
#define APPVM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 if s[0..n) is valid UTF-8, 0 otherwise. NUL bytes are valid UTF-8;
 * callers that forbid them check separately. */
int utf8_valid(const uint8_t *s, size_t n);

#endif
