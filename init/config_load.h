/* Reading vm.conf text with inih and merging kernel command line overrides.
 * Pure: the caller reads the files. Messages are one line, prefixed with
 * where the fault is ("/etc/appvm/vm.conf:12: ..." or "kernel command line: ..."). */
#ifndef APPVM_INIT_CONFIG_LOAD_H
#define APPVM_INIT_CONFIG_LOAD_H

#include "cmdline.h"
#include "config.h"

#include <stddef.h>

/* Parses INI text into c (which holds the defaults already). filename is used
 * in messages only. Returns 0, or the first error: -EINVAL (syntax or value),
 * -ENOENT (unknown section or key), -EEXIST (repeated key or section), -ENOSPC,
 * -E2BIG (line too long). */
int cfg_parse_string(struct cfg *c, const char *text, const char *filename, char *err,
		     size_t errlen);

/* Applies every appvm.<section>.<key>=<value> parameter (for stores:
 * appvm.store.<name>.<key>=<value>) except appvm.config and appvm.debug.
 * Returns 0 or the first error as for cfg_set(). */
int cfg_apply_cmdline(struct cfg *c, const struct cmdline *cl, char *err, size_t errlen);

#endif
