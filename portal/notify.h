/* Kernel cache invalidations for the document filesystem, sent from a
 * helper thread. A notification can block in the kernel until a request
 * that holds the same inode or page lock is answered; sent from the main
 * loop (or from inside a request handler, as xdg-document-portal once did)
 * it would wait for an answer only that loop can give. The queue is bounded:
 * when it is full a notification is dropped, and the short entry and
 * attribute timeouts (1 s) bound how long the kernel's view can lag. */
#ifndef APPVM_PORTAL_NOTIFY_H
#define APPVM_PORTAL_NOTIFY_H

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

/* Starts the thread. Returns 0 or -errno. */
int notify_start(struct fuse_session *se);
/* Ends the thread: queued notifications are dropped (and later ones), the
 * one being sent is finished. Until the thread has ended, at most max_ms,
 * the kernel's requests on se are still read (into buf) and answered: the
 * notification may wait in the kernel for one of them (a page or directory
 * lock its request holds), and a process cannot exit while a thread of it
 * waits there. Returns 0 once the thread has ended, or -ETIMEDOUT when it
 * was left behind: se must then not be freed. */
int notify_stop(struct fuse_session *se, struct fuse_buf *buf, unsigned max_ms);
/* The kernel's INIT has been answered: notifications may be sent. */
void notify_set_ready(void);

/* The name in parent is gone (child: its inode, 0 when unknown). */
void notify_delete(fuse_ino_t parent, fuse_ino_t child, const char *name);
/* Drops the kernel's entry name in parent (with what is below it). */
void notify_inval_entry(fuse_ino_t parent, const char *name);
/* Drops the cached attributes and data of ino. */
void notify_inval_inode(fuse_ino_t ino);

#endif
