/* The clipboard between host and VM, as the host decides it
 * (docs/clipboard.md): what a VM's CLIPBOARD_GET replies may hold, how a
 * paste is cut into CLIPBOARD_SET chunks, and the clipboard policy (size
 * cap, single-use paste, copy rate) read from the user's configuration.
 * Pure code: the fuzz target fuzz_ctl_clip drives ctl_clip_pull_take. */
#ifndef APPVM_CTL_CLIP_H
#define APPVM_CTL_CLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_error.h"
#include "proto.h"

#define CTL_CLIP_DEFAULT_MAX	     (64u * 1024)
#define CTL_CLIP_DEFAULT_INTERVAL_MS 500u
#define CTL_CLIP_INTERVAL_MAX_MS     3600000u

/* A VM's clipboard content pulled in chunks. The buffer is allocated once,
 * when the first reply has told the total and the total passed the cap. */
struct ctl_clip_pull {
	uint32_t cap;
	bool started;
	uint32_t total;
	uint32_t got;
	uint8_t *buf;
};

/* Prepares a pull of at most cap bytes (no allocation). */
void ctl_clip_pull_init(struct ctl_clip_pull *p, uint32_t cap);

/* Frees the buffer. */
void ctl_clip_pull_free(struct ctl_clip_pull *p);

/* The next request's offset and max_length. */
void ctl_clip_pull_next(const struct ctl_clip_pull *p, uint32_t *ret_offset,
			uint32_t *ret_max_length);

/* Takes the guest's reply to the request ctl_clip_pull_next described.
 * Returns 1 when the content is complete, 0 when more is to be asked for,
 * -EFBIG when the total is over the cap (nothing was allocated), -EPROTO
 * when the reply breaks the transfer (a total that changes, other than
 * exactly the bytes asked for or, when fewer are left, those left), -ENOMEM;
 * err says why. */
int ctl_clip_pull_take(struct ctl_clip_pull *p, const struct proto_clipboard_data *untrusted,
		       struct ctl_error *err);

/* The length of the CLIPBOARD_SET chunk that follows sent of total bytes. */
uint32_t ctl_clip_push_len(uint32_t total, uint32_t sent);

/* Returns true when content of this MIME type must be valid UTF-8 (text),
 * and checks it: false with err filled when it is text and is not. */
bool ctl_clip_text_ok(const char *mime, const uint8_t *data, uint32_t len, struct ctl_error *err);

struct ctl_clip_policy {
	uint32_t max_size;	  /* bytes, 1 to 16 MiB */
	bool single_use;	  /* clear the host clipboard after a paste */
	uint32_t min_interval_ms; /* between copies from one VM (0: no limit) */
	bool keep_controls;	  /* copy: keep the control characters of a VM's text */
};

/* Fills p with the defaults: 64 KiB, not single-use, 500 ms, controls removed. */
void ctl_clip_policy_default(struct ctl_clip_policy *p);

/* Reads a configuration (docs/clipboard.md, Configuration) for the VM
 * named vm (NULL: the defaults only) into p, which holds the defaults on
 * entry. Returns 0, or -EINVAL with "N: why" in err (N: the line), for the
 * caller to print after the file's name as compilers do: "PATH:N: why". */
int ctl_clip_policy_parse(const char *text, const char *vm, struct ctl_clip_policy *p, char *err,
			  size_t errlen);

/* Parses a size: bytes, or with K/KiB or M/MiB (powers of 1024), 1 to
 * 16 MiB. Returns 0 or -EINVAL. */
int ctl_clip_size_parse(const char *s, uint32_t *ret);

/* The state of a host filter's focus file: 1 ("1\n"), 0 ("0\n"), or -EINVAL
 * for anything else. */
int ctl_focus_parse(const char *text);

#endif
