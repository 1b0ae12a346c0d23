#include "pd_fuse.h"

#include <errno.h>
#include <string.h>

/* What an opcode's arguments must hold (at least; the kernel of a newer
 * protocol may send more), or a refusal. */
struct op_spec {
	const char *name;
	uint32_t min_args;
	int refuse; /* 0 served, -EROFS, -ENOSYS */
};

static const struct op_spec *op_spec(uint32_t opcode)
{
	static const struct op_spec specs[] = {
	    [FUSE_LOOKUP] = {"LOOKUP", 2, 0},
	    [FUSE_FORGET] = {"FORGET", sizeof(struct fuse_forget_in), 0},
	    [FUSE_GETATTR] = {"GETATTR", sizeof(struct fuse_getattr_in), 0},
	    [FUSE_SETATTR] = {"SETATTR", 0, -EROFS},
	    [FUSE_READLINK] = {"READLINK", 0, -EINVAL},
	    [FUSE_SYMLINK] = {"SYMLINK", 0, -EROFS},
	    [FUSE_MKNOD] = {"MKNOD", 0, -EROFS},
	    [FUSE_MKDIR] = {"MKDIR", 0, -EROFS},
	    [FUSE_UNLINK] = {"UNLINK", 0, -EROFS},
	    [FUSE_RMDIR] = {"RMDIR", 0, -EROFS},
	    [FUSE_RENAME] = {"RENAME", 0, -EROFS},
	    [FUSE_LINK] = {"LINK", 0, -EROFS},
	    [FUSE_OPEN] = {"OPEN", sizeof(struct fuse_open_in), 0},
	    [FUSE_READ] = {"READ", sizeof(struct fuse_read_in), 0},
	    [FUSE_WRITE] = {"WRITE", 0, -EROFS},
	    [FUSE_STATFS] = {"STATFS", 0, 0},
	    [FUSE_RELEASE] = {"RELEASE", sizeof(struct fuse_release_in), 0},
	    [FUSE_FSYNC] = {"FSYNC", 0, -EROFS},
	    [FUSE_SETXATTR] = {"SETXATTR", 0, -EROFS},
	    [FUSE_GETXATTR] = {"GETXATTR", 0, -ENOSYS},
	    [FUSE_LISTXATTR] = {"LISTXATTR", 0, -ENOSYS},
	    [FUSE_REMOVEXATTR] = {"REMOVEXATTR", 0, -EROFS},
	    [FUSE_FLUSH] = {"FLUSH", sizeof(struct fuse_flush_in), 0},
	    [FUSE_INIT] = {"INIT", 16, 0}, /* major, minor, max_readahead, flags (7.6+) */
	    [FUSE_OPENDIR] = {"OPENDIR", sizeof(struct fuse_open_in), 0},
	    [FUSE_READDIR] = {"READDIR", sizeof(struct fuse_read_in), 0},
	    [FUSE_RELEASEDIR] = {"RELEASEDIR", sizeof(struct fuse_release_in), 0},
	    [FUSE_FSYNCDIR] = {"FSYNCDIR", 0, -EROFS},
	    [FUSE_ACCESS] = {"ACCESS", sizeof(struct fuse_access_in), 0},
	    [FUSE_CREATE] = {"CREATE", 0, -EROFS},
	    [FUSE_INTERRUPT] = {"INTERRUPT", 0, 0},
	    [FUSE_DESTROY] = {"DESTROY", 0, 0},
	    [FUSE_BATCH_FORGET] = {"BATCH_FORGET", sizeof(struct fuse_batch_forget_in), 0},
	    [FUSE_FALLOCATE] = {"FALLOCATE", 0, -EROFS},
	    [FUSE_RENAME2] = {"RENAME2", 0, -EROFS},
	    [FUSE_COPY_FILE_RANGE] = {"COPY_FILE_RANGE", 0, -EROFS},
	};
	if (opcode >= sizeof(specs) / sizeof(specs[0]) || !specs[opcode].name)
		return NULL;
	return &specs[opcode];
}

const char *pd_fuse_op_name(uint32_t opcode)
{
	const struct op_spec *s = op_spec(opcode);
	return s ? s->name : "unknown";
}

bool pd_fuse_no_reply(uint32_t opcode)
{
	return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET || opcode == FUSE_INTERRUPT;
}

int pd_fuse_name_check(const char *untrusted, size_t len)
{
	if (len == 0 || len > 255 || memchr(untrusted, '/', len) || memchr(untrusted, '\0', len))
		return -EINVAL;
	if ((len == 1 && untrusted[0] == '.') || (len == 2 && !memcmp(untrusted, "..", 2)))
		return -EINVAL;
	return 0;
}

/* Copies an operation's arguments into its aligned local: the bytes that
 * came (a newer kernel's struct may be longer), zeros for the rest. */
static void take(void *dst, size_t size, const uint8_t *a, size_t args)
{
	memset(dst, 0, size);
	memcpy(dst, a, args < size ? args : size);
}

/* The arguments of a served opcode, args bytes long (at least its minimum). */
static int decode_args(const uint8_t *a, size_t args, struct pd_fuse_req *ret)
{
	switch (ret->opcode) {
	case FUSE_LOOKUP: {
		/* The name and its NUL, nothing after. */
		const uint8_t *nul = memchr(a, '\0', args);
		if (!nul || (size_t)(nul - a) + 1 != args)
			return -EINVAL;
		size_t n = (size_t)(nul - a);
		if (pd_fuse_name_check((const char *)a, n) < 0)
			return -EINVAL;
		memcpy(ret->u.name, a, n);
		ret->u.name[n] = '\0';
		return 0;
	}
	case FUSE_FORGET: {
		struct fuse_forget_in in;
		take(&in, sizeof(in), a, args);
		ret->u.nlookup = in.nlookup;
		return 0;
	}
	case FUSE_BATCH_FORGET: {
		struct fuse_batch_forget_in in;
		take(&in, sizeof(in), a, args);
		size_t fit = (args - sizeof(in)) / sizeof(struct fuse_forget_one);
		ret->u.forget.count = in.count < fit ? in.count : (uint32_t)fit;
		memcpy(ret->u.forget.one, a + sizeof(in),
		       ret->u.forget.count * sizeof(struct fuse_forget_one));
		return 0;
	}
	case FUSE_GETATTR: {
		struct fuse_getattr_in in;
		take(&in, sizeof(in), a, args);
		ret->u.getattr.flags = in.getattr_flags;
		ret->u.getattr.fh = in.fh;
		return 0;
	}
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		struct fuse_open_in in;
		take(&in, sizeof(in), a, args);
		ret->u.open_flags = in.flags;
		return 0;
	}
	case FUSE_READ:
	case FUSE_READDIR: {
		struct fuse_read_in in;
		take(&in, sizeof(in), a, args);
		ret->u.read.fh = in.fh;
		ret->u.read.offset = in.offset;
		ret->u.read.size = in.size;
		return 0;
	}
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH: {
		struct fuse_release_in in; /* fuse_flush_in starts the same way */
		take(&in, sizeof(in), a, args);
		ret->u.fh = in.fh;
		return 0;
	}
	case FUSE_ACCESS: {
		struct fuse_access_in in;
		take(&in, sizeof(in), a, args);
		ret->u.mask = in.mask;
		return 0;
	}
	case FUSE_INIT: {
		struct fuse_init_in in;
		take(&in, sizeof(in), a, args);
		ret->u.init.major = in.major;
		ret->u.init.minor = in.minor;
		ret->u.init.max_readahead = in.max_readahead;
		ret->u.init.flags = in.flags;
		return 0;
	}
	default: /* STATFS, INTERRUPT, DESTROY: nothing read */
		return 0;
	}
}

int pd_fuse_decode(const uint8_t *untrusted, size_t copied, uint64_t len, struct pd_fuse_req *ret)
{
	struct fuse_in_header h;
	memset(ret, 0, sizeof(*ret));
	if (copied > len || copied > PD_FUSE_IN_MAX || copied < PD_FUSE_IN_HDR)
		return -EPROTO;
	memcpy(&h, untrusted, sizeof(h));
	/* The header's length is the request's: what the chain offers. */
	if (h.len != len || h.len < PD_FUSE_IN_HDR)
		return -EPROTO;
	ret->opcode = h.opcode;
	ret->unique = h.unique;
	ret->nodeid = h.nodeid;
	const struct op_spec *s = op_spec(h.opcode);
	if (!s)
		return -ENOSYS;
	if (s->refuse)
		return s->refuse;
	/* Only the copied bytes are arguments to decode: an opcode served
	 * never needs more than PD_FUSE_IN_MAX, so a longer one is wrong. */
	if (h.len > PD_FUSE_IN_MAX && h.opcode != FUSE_BATCH_FORGET)
		return -EINVAL;
	size_t args = copied - PD_FUSE_IN_HDR;
	if (args < s->min_args)
		return -EINVAL;
	return decode_args(untrusted + PD_FUSE_IN_HDR, args, ret);
}

int pd_fuse_dirent_add(uint8_t *buf, size_t size, size_t *pos, uint64_t ino, uint64_t off,
		       uint32_t type, const char *name)
{
	size_t namelen = strlen(name);
	size_t rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
	if (*pos > size || rec > size - *pos)
		return -ENOSPC;
	struct fuse_dirent d = {.ino = ino, .off = off, .namelen = (uint32_t)namelen, .type = type};
	memset(buf + *pos, 0, rec);
	memcpy(buf + *pos, &d, FUSE_NAME_OFFSET);
	memcpy(buf + *pos + FUSE_NAME_OFFSET, name, namelen);
	*pos += rec;
	return 0;
}
