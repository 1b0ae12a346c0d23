/* The config tests' way in: vm.conf text and a kernel command line through
 * the same steps appvm-init takes at boot (parse, overrides, whole-config
 * check), without reading any file. */
#ifndef APPVM_TESTS_CFG_TEXT_H
#define APPVM_TESTS_CFG_TEXT_H

#include "cmdline.h"
#include "config.h"
#include "config_load.h"

#include <stddef.h>

/* Loads text into cfg, applies cmdline (may be NULL) and checks the whole.
 * Returns 0 or the first error, its message in err ("" when none). */
static inline int cfg_text_load(struct cfg *cfg, const char *text, const char *cmdline, char *err,
				size_t errlen)
{
	static struct cmdline cl;
	cfg_init(cfg);
	err[0] = '\0';
	int r = cfg_parse_string(cfg, text, "vm.conf", err, errlen);
	if (r < 0)
		return r;
	if (cmdline) {
		if ((r = cmdline_parse(&cl, cmdline)) < 0)
			return r;
		if ((r = cfg_apply_cmdline(cfg, &cl, err, errlen)) < 0)
			return r;
	}
	return cfg_check(cfg, err, errlen);
}

#endif
