/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. The one decoder every validator and escaper uses. */
#ifndef APPVM_UTF8_H
#define APPVM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at the start of s[0..n) (n >= 1). Returns its length
 * in bytes (1-4) with *ret_cp set, or 0 when s does not start with a valid
 * character (then *ret_cp is left alone). */
size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *ret_cp);

/* Returns 1 if s[0..n) is valid UTF-8, 0 otherwise. NUL bytes are valid UTF-8;
 * callers that forbid them check separately. */
int utf8_valid(const uint8_t *s, size_t n);

#endif
