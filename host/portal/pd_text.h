/* Text that crosses between the guest, the host's dialogs and the host's
 * file names. Pure code. */
#ifndef APPVM_PD_TEXT_H
#define APPVM_PD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "proto.h"
#include "vm_name.h"

#define PD_VM_NAME_MAX VM_NAME_MAX
/* Room for the tag (vm_name_tag: "[vm] ", perhaps after a direction mark)
 * and an escaped title (an escape is at most 10 bytes for a character of at
 * least 1). */
#define PD_TITLE_SIZE (VM_NAME_TAG_SIZE + PROTO_LABEL_MAX * 10)

/* Returns true for a usable VM name (lib/vm_name.h: 1-64 of A-Z a-z 0-9
 * . _ -, not starting with '.' or '-'). */
bool pd_vm_name_ok(const char *name);

/* Writes the dialog title the user sees: the tag "[vm] " (vm_name_tag) then the guest's title
 * escaped by lib/text_escape.h (invisible, formatting and control
 * characters as \u{xxxx} or \xHH; the codec refused the worst already), or
 * fallback when the guest gave none. Returns the length (out always
 * NUL-terminated; size >= PD_TITLE_SIZE never truncates). */
size_t pd_dialog_title(char *out, size_t size, const char *vm, struct proto_str untrusted_title,
		       const char *fallback);

/* Room for a guest label escaped as a title is. */
#define PD_LABEL_SIZE (PROTO_LABEL_MAX * 10 + 1)

/* Writes a guest label the host dialog shows as a label of its own (a
 * filter's name, a choice's or an option's label) escaped by
 * lib/text_escape.h, as the title is: the LABEL class refuses controls and
 * bidirectional formatting, but zero-width characters, joiners and fillers
 * pass it, and would make a label look empty or like another. Returns the
 * length. */
size_t pd_label(char out[PD_LABEL_SIZE], struct proto_str untrusted_label);

/* Writes the display name the guest gets for a host file name: invalid
 * UTF-8 bytes and characters FILENAME forbids become '_', cut at 255 bytes
 * on a character boundary. out has PROTO_FILENAME_MAX + 1 bytes. Returns the
 * length (>= 1; the result always passes proto_filename_ok). */
size_t pd_display_name(char out[PROTO_FILENAME_MAX + 1], const char *host_name);

/* Copies a file name the guest suggests (a valid FILENAME) with a leading
 * '.' turned into '_', so a guest cannot slip a hidden file (a shell's
 * start-up file) into the user's folder, and every character
 * lib/text_escape.h would escape (zero-width, joiners, fillers, tags, ...)
 * turned into '_', so the name the user is shown is the name created. out
 * has PROTO_FILENAME_MAX + 1 bytes. */
void pd_safe_name(char out[PROTO_FILENAME_MAX + 1], struct proto_str untrusted_name);

/* Writes the n-th alternative of a file name, "stem (n).ext" ("b.txt" ->
 * "b (2).txt"; "archive.tar.gz" -> "archive.tar (2).gz"; "notes" ->
 * "notes (2)"), shortening the stem on a character boundary to stay within
 * 255 bytes. Returns 0 or -EINVAL (n < 2 or name empty). */
int pd_name_variant(char out[PROTO_FILENAME_MAX + 1], const char *name, unsigned n);

/* Writes s[0..len) as a JSON string, quotes included: '"' and '\\' escaped,
 * control characters as \u00XX, other bytes as they are (the caller passes
 * valid UTF-8). */
void pd_json_str(FILE *f, const char *s, size_t len);

#endif
