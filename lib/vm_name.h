/* The name of a VM as host tools show it: dialog titles, window tags. One
 * rule for all, so that a name one tool accepts every other accepts too.
 * Pure code. */
#ifndef APPVM_VM_NAME_H
#define APPVM_VM_NAME_H

#include <stdbool.h>

#define VM_NAME_MAX 64u

/* Returns true for a usable VM name: 1-64 of A-Z a-z 0-9 . _ -, not
 * starting with '.' or '-' (no brackets, colons, blanks or controls that
 * could forge a tag around it). */
bool vm_name_ok(const char *name);

#endif
