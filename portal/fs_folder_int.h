/* What fs_folder.c (the tree of folder nodes and the requests that walk
 * it) shares with fs_folder_change.c (opening files, changing folders). */
#ifndef APPVM_PORTAL_FS_FOLDER_INT_H
#define APPVM_PORTAL_FS_FOLDER_INT_H

#include "fs_int.h"

/* The entry of name in folder dir, or NULL. */
struct node *folder_child(struct doc *d, const struct node *dir, const char *name);
/* The name no longer leads to n (removed, renamed over, or another kind). */
void folder_detach(struct node *n);
/* n is now name in dir; -ENOMEM leaves it as it was. */
int folder_set_name(struct node *n, struct node *dir, const char *name);
/* The node an entry of the host's answer means under dir as name: the one
 * the guest has, or a new one; NULL (ENOMEM) when none can be made. */
struct node *folder_entry_node(struct fs *fs, struct doc *d, struct node *dir, const char *name,
			       const struct proto_entry *e);
/* The folder's document of a live folder entry, or NULL with err replied. */
struct doc *folder_live(fuse_req_t req, struct node *n, int err);
/* A request of kind on n (and name), or NULL with the reply sent. */
struct op *folder_new_op(fuse_req_t req, struct fs *fs, enum op_kind kind, struct doc *d,
			 struct node *n, const char *name);
/* The host's answer as an errno for the kernel. */
int folder_answer_errno(struct fs *fs, struct op *op, int err, const struct proto_msg *m);
/* After LIMIT: idle folders given back and the request sent again, once. */
bool folder_retry_after_limit(struct fs *fs, struct op *op, int err, const struct proto_msg *m);
/* After TOO_BIG for a folder renamed shallower (the host checks each node
 * held as deep as it or deeper, of every grant, and there were too many):
 * every idle folder given back and the request sent again, once, before
 * the kernel hears EXDEV (and mv copies). Returns true when sent again. */
bool folder_retry_after_too_big(struct fs *fs, struct op *op, int err, const struct proto_msg *m);

/* Host answers handled in fs_folder_change.c: ENTRY_OPEN, and
 * ENTRY_UNLINK / ENTRY_RENAME. */
void folder_on_opened(struct portal *p, struct hreq *h, int err, const struct proto_msg *m);
void folder_on_done(struct portal *p, struct hreq *h, int err, const struct proto_msg *m);

#endif
