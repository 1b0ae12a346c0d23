/* Number and duration values of vm.conf, shared by appvm-init and net/, so
 * every section reads "5s" and "500ms" the same way. Pure code. */
#ifndef APPVM_PARSE_H
#define APPVM_PARSE_H

/* Parses a plain decimal (digits only, no sign or space). Returns 0, -EINVAL
 * for anything else, or -ERANGE when it is above max. */
int parse_uint(const char *s, unsigned long max, unsigned long *ret);

/* Parses "N", "Ns" (seconds) or "Nms" into milliseconds. Returns 0, -EINVAL,
 * or -ERANGE when it is above max_ms. */
int parse_duration_ms(const char *s, unsigned long max_ms, unsigned long *ret);

#endif
