/* MIME types of clipboard content, as the agent and appvmctl name them
 * (docs/clipboard.md). Text has several names on Wayland and X11; the wire
 * protocol carries it as CLIP_TEXT_MIME, and each side maps that to what its
 * compositor's clients offer or want. Pure code. */
#ifndef APPVM_CLIP_MIME_H
#define APPVM_CLIP_MIME_H

#include <stdbool.h>
#include <stddef.h>

/* How text crosses the boundary: UTF-8, whatever the source called it. */
#define CLIP_TEXT_MIME "text/plain;charset=utf-8"

/* The names text is offered under when appvm sets a selection, best first:
 * text/plain;charset=utf-8, UTF8_STRING, text/plain. */
extern const char *const clip_text_mimes[];
#define CLIP_TEXT_MIMES 3u

/* Returns true when mime is one of clip_text_mimes (ASCII case ignored). */
bool clip_mime_is_text(const char *mime);

/* Picks what to ask an owner offering `offered` for, when `want` is wanted:
 * for a text name, the best text name offered; otherwise want itself if it
 * is offered. Returns a pointer into offered, or NULL when none fits. */
const char *clip_mime_pick(const char *const *offered, unsigned n, const char *want);

/* Writes "a, b, c" (the offered types, for error messages) into buf,
 * truncated with "..." when it does not fit. Returns buf. */
const char *clip_mime_list(const char *const *offered, unsigned n, char *buf, size_t size);

#endif
