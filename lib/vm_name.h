/* The name of a VM as host tools show it: dialog titles, window tags. One
 * rule for all, so that a name one tool accepts every other accepts too.
 * Pure code. */
#ifndef APPVM_VM_NAME_H
#define APPVM_VM_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define VM_NAME_MAX 64u
/* Room for vm_name_tag's output: a mark, brackets, a blank and the NUL. */
#define VM_NAME_TAG_SIZE (VM_NAME_MAX + 7u)

/* Returns true for a usable VM name: 1-64 of A-Z a-z 0-9 . _ -, not
 * starting with '.' or '-' (no brackets, colons, blanks or controls that
 * could forge a tag around it). */
bool vm_name_ok(const char *name);

/* Writes the tag that starts every title showing guest text, "[name] ",
 * into buf (size bytes, NUL-terminated). A name without a letter gets a
 * left-to-right mark (U+200E) in front: else the first strong character of
 * the line would be the guest's, a right-to-left one would make the whole
 * title right-to-left, and the tag would be shown at its end. Returns the
 * length (less than VM_NAME_TAG_SIZE for a valid name). */
size_t vm_name_tag(char *buf, size_t size, const char *name);

#endif
