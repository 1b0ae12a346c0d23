/* What the clipboard's connection and CLIPBOARD_SET (clip.c) share with
 * CLIPBOARD_GET (clip_get.c). */
#ifndef APPVM_AGENT_CLIP_INT_H
#define APPVM_AGENT_CLIP_INT_H

#include "agent.h"

/* Answers the parked request id of connection serial with an error. */
void clip_reply_error(struct agent *a, unsigned serial, uint32_t id, uint32_t code,
		      const char *text);
/* An empty reply of the request's type. */
void clip_reply_init(struct proto_msg *m, uint16_t type, uint32_t id);
/* Moves the connection on: starts it when down, and once it is up serves
 * what waited for it. */
void clip_conn_ready(struct agent *a);

/* Ends the parked GET: with its first chunk (failure NULL) or an error. */
void clip_get_finish(struct agent *a, uint32_t code, const char *failure);
/* The connection is up: asks the selection's owner for the content. */
void clip_get_start_read(struct agent *a);
/* The owner's pipe is readable. */
void clip_read_io(struct agent *a);
/* Closes the owner's pipe. */
void clip_read_stop(struct agent *a);
/* Drops the snapshot. */
void clip_snap_free(struct agent_clip *k);

#endif
