/* appvmctl's clipboard commands (docs/clipboard.md): "clipboard copy" pulls
 * the VM's clipboard in CLIPBOARD_GET chunks, checks it against the VM's
 * policy and makes it the host clipboard; "clipboard paste" reads the host
 * clipboard and pushes it to the VM in CLIPBOARD_SET chunks. Nothing of a
 * failed or refused transfer reaches either clipboard. */
#ifndef APPVM_CTL_CLIP_RUN_H
#define APPVM_CTL_CLIP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl_args.h"
#include "ctl_client.h"
#include "ctl_clip.h"
#include "ctl_error.h"

struct ctl_clip_result {
	uint32_t bytes;		   /* what reached the host clipboard, or the VM */
	uint32_t removed_controls; /* copy: characters removed from the VM's text */
	char mime[PROTO_MIME_MAX + 1];
	bool cleared; /* paste: the host clipboard was cleared after it (single-use) */
	struct ctl_clip_policy policy;
};

/* Loads the policy for vm (NULL: not a named VM) from --config or the
 * user's configuration, then the command line's overrides. Returns 0 or
 * -EINVAL (err says where). */
int ctl_clip_load_policy(const struct ctl_args *a, const char *vm, struct ctl_clip_policy *ret,
			 struct ctl_error *err);

/* Runs "clipboard copy" against target (vm names it in messages and keys
 * the rate limit; may be NULL) with c unopened. Text loses its control
 * characters (ctl_clip_text.h) unless the policy keeps them; res says how
 * many went. Returns 0 or an error of
 * ctl_error.h: -EFBIG (over the cap), -EBUSY (rate limited), -ENODATA
 * (nothing to copy), -EPROTO, -EREMOTEIO, ... */
int ctl_clip_copy(const struct ctl_args *a, const struct ctl_target *target, const char *vm,
		  struct ctl_client *c, uint64_t deadline, struct ctl_clip_result *res,
		  struct ctl_error *err);

/* Runs "clipboard paste" likewise. */
int ctl_clip_paste(const struct ctl_args *a, const struct ctl_target *target, const char *vm,
		   struct ctl_client *c, uint64_t deadline, struct ctl_clip_result *res,
		   struct ctl_error *err);

#endif
