/* Printing hostile text. Strings from a guest (names, paths, error messages)
 * may carry terminal escape sequences, bidirectional overrides or invalid
 * UTF-8; these functions make them harmless. Pure code apart from the FILE. */
#ifndef APPVM_CTL_TEXT_H
#define APPVM_CTL_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes untrusted bytes for a terminal: printable ASCII and printable UTF-8
 * pass; a backslash becomes "\\"; tab and newline "\t" and "\n"; other C0
 * controls, DEL and bytes that are not valid UTF-8 "\xHH"; C1 controls, line
 * and paragraph separators and bidirectional formatting characters
 * "\u{XXXX}". The output never contains a control character. */
void ctl_text_sanitize(FILE *f, const char *untrusted, size_t len);

/* Writes untrusted bytes as a JSON string, quotes included, in pure ASCII:
 * '"' and '\\' escaped, everything outside 0x20-0x7E as \uXXXX (surrogate
 * pairs above U+FFFF), bytes that are not valid UTF-8 as \ufffd. */
void ctl_json_string(FILE *f, const char *untrusted, size_t len);

#endif
