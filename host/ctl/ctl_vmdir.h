/* The VM directory (docs/clipboard.md): one directory per running VM under
 * $APPVM_VM_DIR, else $XDG_RUNTIME_DIR/appvm/vm, written by whatever starts
 * the VM on the host:
 *
 *   NAME/target   the appvmctl target of its agent, one line
 *                 ("hybrid:/run/user/1000/appvm/mail.vsock\n")
 *   NAME/focus    the host Wayland filter's --focus-file: "1\n" while a
 *                 window of the VM has the keyboard focus
 *
 * It gives targets names (vm:NAME) and finds the focused VM (focused). */
#ifndef APPVM_CTL_VMDIR_H
#define APPVM_CTL_VMDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl_error.h"
#include "ctl_target.h"

/* Longest target line read from NAME/target. */
#define CTL_VMDIR_TARGET_MAX 256

/* Writes the VM directory's path into buf. Returns 0, or -EINVAL when
 * neither variable is set (err says so). */
int ctl_vmdir_base(char *buf, size_t size, struct ctl_error *err);

/* Reads NAME/target and parses it. Returns 0, -ENXIO when there is no such
 * VM (no NAME/target), or -EINVAL for a target line that is not one. */
int ctl_vmdir_target(const char *base, const char *name, struct ctl_target *ret,
		     struct ctl_error *err);

/* Finds the one VM whose focus file says "1". Returns 0 with its name in
 * ret_name, or -ENXIO when none does or several do (err names them). */
int ctl_vmdir_focused(const char *base, char *ret_name, size_t size, struct ctl_error *err);

/* Resolves vm:NAME (name) or focused (focused true) in the VM directory:
 * fills *ret with the VM's target and sets *ret_vm to its name (name, or the
 * focused VM's copied into vm_buf). Returns 0, or an error as
 * ctl_vmdir_base(), ctl_vmdir_target() and ctl_vmdir_focused(). */
int ctl_vmdir_resolve(const char *name, bool focused, char *vm_buf, size_t size,
		      const char **ret_vm, struct ctl_target *ret, struct ctl_error *err);

#endif
