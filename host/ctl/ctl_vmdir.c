#include "ctl_vmdir.h"

#include "cleanup.h"
#include "ctl_clip.h"
#include "io.h"
#include "vm_name.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_vmdir_base(char *buf, size_t size, struct ctl_error *err)
{
	const char *dir = getenv("APPVM_VM_DIR"), *run = getenv("XDG_RUNTIME_DIR");
	int n;
	/* A relative path would depend on where appvmctl runs (a key binding's
	 * directory): refused, not passed over for the other variable. */
	if (dir && dir[0] && dir[0] != '/') {
		ctl_error_set(err, "APPVM_VM_DIR=%.256s is not an absolute path", dir);
		return -EINVAL;
	}
	if (dir && dir[0]) {
		n = snprintf(buf, size, "%s", dir);
	} else if (run && run[0] == '/') {
		n = snprintf(buf, size, "%s/appvm/vm", run);
	} else if (run && run[0]) {
		ctl_error_set(err, "XDG_RUNTIME_DIR=%.256s is not an absolute path", run);
		return -EINVAL;
	} else {
		ctl_error_set(err, "no VM directory: set XDG_RUNTIME_DIR or APPVM_VM_DIR");
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= size) {
		ctl_error_set(err, "the VM directory's path is too long");
		return -EINVAL;
	}
	return 0;
}

/* Reads base/name/file into buf (NUL-terminated). Returns the length or -errno. */
static ssize_t read_entry(const char *base, const char *name, const char *file, char *buf,
			  size_t size)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s/%s", base, name, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return io_read_file(path, buf, size);
}

int ctl_vmdir_target(const char *base, const char *name, struct ctl_target *ret,
		     struct ctl_error *err)
{
	char line[CTL_VMDIR_TARGET_MAX + 2];
	if (!vm_name_ok(name)) {
		ctl_error_set(err,
			      "bad VM name (1-64 of A-Z a-z 0-9 . _ -, not starting with . or -)");
		return -EINVAL;
	}
	ssize_t n = read_entry(base, name, "target", line, sizeof(line));
	if (n == -ENOENT) {
		ctl_error_set(err, "no VM named %s in %s", name, base);
		return -ENXIO;
	}
	if (n < 0) {
		ctl_error_set(err, "cannot read %s/%s/target: %s", base, name, strerror((int)-n));
		return n == -EFBIG ? -EINVAL : -EIO;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	const char *why = "?";
	if (strchr(line, '\n') || strncmp(line, "vm:", 3) == 0 || strcmp(line, "focused") == 0 ||
	    ctl_target_parse(line, ret, &why) < 0) {
		ctl_error_set(err, "%s/%s/target holds no target: %s", base, name, why);
		return -EINVAL;
	}
	return 0;
}

int ctl_vmdir_focused(const char *base, char *ret_name, size_t size, struct ctl_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(base);
	if (!d) {
		ctl_error_set(err, "no VM window has the keyboard focus (no VM directory %s: %s)",
			      base, strerror(errno));
		return -ENXIO;
	}
	char found[2][VM_NAME_MAX + 1];
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char text[8];
		if (!vm_name_ok(e->d_name) ||
		    read_entry(base, e->d_name, "focus", text, sizeof(text)) < 0 ||
		    ctl_focus_parse(text) != 1)
			continue;
		if (n < 2) /* vm_name_ok: at most VM_NAME_MAX bytes */
			memcpy(found[n], e->d_name, strlen(e->d_name) + 1);
		n++;
	}
	if (n == 0) {
		ctl_error_set(err, "no VM window has the keyboard focus");
		return -ENXIO;
	}
	if (n > 1) {
		/* A filter killed without its exit leaves "1" behind: acting on
		 * a guess could paste into the wrong VM. */
		ctl_error_set(err,
			      "%u VMs say one of their windows has the keyboard focus (%s, %s%s); "
			      "a stale focus file? nothing done",
			      n, found[0], found[1], n > 2 ? ", ..." : "");
		return -ENXIO;
	}
	if (strlen(found[0]) >= size) {
		ctl_error_set(err, "VM name too long");
		return -EINVAL;
	}
	snprintf(ret_name, size, "%s", found[0]);
	return 0;
}

int ctl_vmdir_resolve(const char *name, bool focused, char *vm_buf, size_t size,
		      const char **ret_vm, struct ctl_target *ret, struct ctl_error *err)
{
	char base[4096];
	int r = ctl_vmdir_base(base, sizeof(base), err);
	if (r < 0)
		return r;
	if (focused) {
		r = ctl_vmdir_focused(base, vm_buf, size, err);
		if (r < 0)
			return r;
		name = vm_buf;
	}
	*ret_vm = name;
	return ctl_vmdir_target(base, name, ret, err);
}
