/* FUSE requests as the document device (virtio-fs) receives them from the
 * guest kernel, and the replies it writes back (docs/docfs.md). Pure: the
 * guest's bytes arrive in a buffer the caller copied them into once, are
 * checked against a per-opcode size before use, and are decoded into a
 * local record. Every value in that buffer is hostile. */
#ifndef APPVM_PD_FUSE_H
#define APPVM_PD_FUSE_H

#include <linux/fuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PD_FUSE_IN_HDR	sizeof(struct fuse_in_header)  /* 40 */
#define PD_FUSE_OUT_HDR sizeof(struct fuse_out_header) /* 16 */
/* The bytes of a request that are copied and decoded: the header and the
 * largest arguments of an operation served (a BATCH_FORGET of one page).
 * Data beyond (a WRITE's) is never read. */
#define PD_FUSE_IN_MAX (PD_FUSE_IN_HDR + 4096u)
/* One READ: 256 pages of 4 KiB, so the guest's 1 MiB reads are one
 * request each (max_pages); the virtqueue must have room for 256 + 4
 * descriptors (qemu: queue-size=1024). */
#define PD_FUSE_MAX_PAGES 256u
#define PD_FUSE_MAX_READ  (PD_FUSE_MAX_PAGES * 4096u)
/* Writes are refused (EROFS): the guest kernel may as well not build big ones. */
#define PD_FUSE_MAX_WRITE 4096u
/* The oldest protocol accepted: 7.31 has max_pages (Linux 4.20). */
#define PD_FUSE_MIN_MINOR 31u
#define PD_FUSE_MINOR	  31u
/* A BATCH_FORGET names at most this many nodes (the kernel's fit a page;
 * a longer list is cut at what was copied). */
#define PD_FUSE_FORGET_MAX ((PD_FUSE_IN_MAX - PD_FUSE_IN_HDR - 8u) / 16u)

/* A decoded request. Names are NUL-terminated and already checked. */
struct pd_fuse_req {
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	union {
		struct {
			uint32_t major, minor, max_readahead, flags;
		} init;
		char name[256];	  /* LOOKUP */
		uint64_t nlookup; /* FORGET */
		struct {
			uint32_t count; /* entries decoded (at most PD_FUSE_FORGET_MAX) */
			struct fuse_forget_one one[PD_FUSE_FORGET_MAX];
		} forget;
		struct {
			uint32_t flags;
			uint64_t fh;
		} getattr;
		uint32_t open_flags; /* OPEN, OPENDIR */
		struct {	     /* READ, READDIR */
			uint64_t fh, offset;
			uint32_t size;
		} read;
		uint64_t fh;   /* RELEASE, RELEASEDIR, FLUSH */
		uint32_t mask; /* ACCESS */
	} u;
};

/* Decodes a request from the len bytes the guest offered (buf holds
 * min(len, PD_FUSE_IN_MAX) of them). Returns 0 with *ret filled; -EPROTO
 * when even the header is unusable (no reply can be addressed: ret->unique
 * is 0); otherwise ret->opcode and ret->unique are set and the errno to
 * reply with is returned: -EINVAL (a size or a name is wrong), -EROFS (an
 * operation that would change something), -ENOSYS (not served). */
int pd_fuse_decode(const uint8_t *untrusted, size_t copied, uint64_t len, struct pd_fuse_req *ret);

/* True for requests the guest expects no reply to (FORGET, BATCH_FORGET,
 * INTERRUPT). */
bool pd_fuse_no_reply(uint32_t opcode);

/* Checks a name the guest looks up: 1-255 bytes, no '/', not "." or "..".
 * Returns 0 or -EINVAL. */
int pd_fuse_name_check(const char *untrusted, size_t len);

/* Appends one directory entry to buf (size bytes, used *pos so far).
 * Returns 0, or -ENOSPC when it does not fit (nothing written). */
int pd_fuse_dirent_add(uint8_t *buf, size_t size, size_t *pos, uint64_t ino, uint64_t off,
		       uint32_t type, const char *name);

/* Returns an opcode's name for logs ("unknown" when not known). */
const char *pd_fuse_op_name(uint32_t opcode);

#endif
