/* Number and duration values of vm.conf, shared by appvm-init and net/, so
 * every section reads "5s" and "500ms" the same way, and the strict
 * decimals of command lines and protocol lines. Pure code. */
#ifndef APPVM_PARSE_H
#define APPVM_PARSE_H

#include <stdint.h>

/* Parses a plain decimal (digits only, no sign or space). Returns 0, -EINVAL
 * for anything else, or -ERANGE when it is above max. */
int parse_uint(const char *s, unsigned long max, unsigned long *ret);

/* Parses a decimal in [min, max] as protocol lines and vsock addresses
 * spell numbers: digits only, no sign, spaces or leading zero ("0" alone
 * is zero). Returns 0, -EINVAL for anything else, or -ERANGE when it is
 * outside [min, max]. */
int parse_u32_strict(const char *s, uint32_t min, uint32_t max, uint32_t *ret);

/* Parses "N", "Ns" (seconds) or "Nms" into milliseconds. Returns 0, -EINVAL,
 * or -ERANGE when it is above max_ms. */
int parse_duration_ms(const char *s, unsigned long max_ms, unsigned long *ret);

#endif
