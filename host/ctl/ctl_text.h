/* Hostile text in JSON. Strings from a guest may carry any bytes that pass
 * the codec's string rules; on a terminal they go through lib/text_escape.h,
 * in JSON through this. Pure code apart from the FILE. */
#ifndef APPVM_CTL_TEXT_H
#define APPVM_CTL_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes untrusted bytes as a JSON string, quotes included, in pure ASCII:
 * '"' and '\\' escaped, everything outside 0x20-0x7E as \uXXXX (surrogate
 * pairs above U+FFFF), bytes that are not valid UTF-8 as \ufffd. */
void ctl_json_string(FILE *f, const char *untrusted, size_t len);

#endif
