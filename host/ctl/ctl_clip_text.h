/* What a copy removes from a VM's text before it reaches the host clipboard
 * (docs/clipboard.md, Control characters): the characters a terminal
 * interprets or that reorder what it shows, so that a hostile VM's text
 * pasted into a host terminal cannot end a bracketed paste early, run a
 * command or hide part of itself. Pure code. */
#ifndef APPVM_CTL_CLIP_TEXT_H
#define APPVM_CTL_CLIP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctl_clip_text_range {
	uint32_t first, last;
};

/* The code points removed, sorted and disjoint: C0 controls but TAB, LF and
 * CR; DEL and the C1 controls; the bidi embeddings, overrides and isolates. */
extern const struct ctl_clip_text_range ctl_clip_text_ranges[];
extern const size_t ctl_clip_text_n_ranges;

/* Returns true if code point cp is removed from a VM's text. */
bool ctl_clip_text_removed(uint32_t cp);

/* Removes those characters from text[0..len), in place (the text shrinks or
 * stays). Text that is not valid UTF-8 is not expected (ctl_clip_text_ok
 * comes first); a byte that starts no valid character is kept. Returns the
 * number of characters removed; *ret_len gets the new length. */
uint32_t ctl_clip_text_strip(uint8_t *text, uint32_t len, uint32_t *ret_len);

#endif
