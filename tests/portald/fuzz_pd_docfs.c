/* Fuzz target for the document device's file system (pd_fuse.c,
 * pd_docfs.c): whatever a guest puts in descriptor chains, as FUSE
 * requests against two read-only grants and a writable one, with fake
 * file operations.
 *
 * The session starts as a kernel's would: INIT, and the first document's
 * directory and file looked up (nodes 2 and 3) and opened (fh 0x100000000).
 * Then the input is a list of records: a flags byte F, a length L (two
 * bytes, little-endian), then L bytes of request split into two readable
 * descriptors. L = 0 revokes the first grant instead. The reply room is
 * (F & 0x3f) * 64 bytes, or 1 MiB and a header when that is 0x3f; with
 * F & 0x40 the header's length is left as the input has it (else it is
 * set to L); with F & 0x80 the room is cut into 4 KiB descriptors. After
 * each request: the reply never claims more than the room, and the
 * tables stay within their bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pd_docfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_open(void *ctx, const struct pd_grant *g)
{
	(void)ctx;
	return g->name[0] == 'x' ? -ENOENT : 100;
}

static int fake_stat(void *ctx, const struct pd_grant *g, int fd, struct pd_docfs_stat *ret)
{
	(void)ctx;
	(void)fd;
	if (g->name[0] == 'x')
		return -ENOENT;
	*ret = (struct pd_docfs_stat){.size = 3u << 20, .mtime_sec = 1};
	return 0;
}

static ssize_t fake_preadv(void *ctx, int fd, const struct iovec *iov, int n, uint64_t off)
{
	(void)ctx;
	(void)fd;
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		if (off + total >= (3u << 20))
			break;
		memset(iov[i].iov_base, 'd', iov[i].iov_len); /* every byte is writable */
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

static void fake_close(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
}

static const struct pd_docfs_ops fake_ops = {fake_open, fake_stat, fake_preadv, fake_close};

static struct pd_grants grants;
static struct pd_docfs *fs;
static uint8_t req[PD_FUSE_IN_MAX + 4096];
static uint8_t room[PD_FUSE_MAX_READ + 64];
static struct vsock_chain chain;

static void add_grant(const char *name, uint32_t perms)
{
	struct pd_grant *g = calloc(1, sizeof(*g));
	if (!g)
		abort();
	g->perms = perms;
	g->dirfd = g->fd = -1;
	strcpy(g->name, name);
	strcpy(g->display, name);
	if (pd_grants_add(&grants, g) < 0)
		abort();
}

static void reset_grants(void)
{
	while (grants.n > 0)
		free(pd_grants_take(&grants, grants.v[0]->id));
	add_grant("doc.txt", PROTO_PERM_READ);
	add_grant("xgone.txt", PROTO_PERM_READ);
	add_grant("rw.txt", PROTO_PERM_READ | PROTO_PERM_WRITE);
}

static uint32_t run(const uint8_t *p, size_t len, unsigned flags)
{
	size_t n = len < sizeof(req) ? len : sizeof(req);
	memcpy(req, p, n);
	if (!(flags & 0x40) && n >= 4) {
		uint32_t l = (uint32_t)n;
		memcpy(req, &l, 4);
	}
	memset(&chain, 0, sizeof(chain));
	size_t first = n < 40 ? n : 40;
	chain.out[chain.n_out++] = (struct vsock_iov){req, (uint32_t)first};
	if (n > first)
		chain.out[chain.n_out++] = (struct vsock_iov){req + first, (uint32_t)(n - first)};
	chain.out_len = n;
	size_t r = (flags & 0x3f) == 0x3f ? PD_FUSE_MAX_READ + 16 : (flags & 0x3f) * 64u;
	for (size_t off = 0; off < r;) {
		size_t l = (flags & 0x80) ? 4096 : r;
		if (l > r - off)
			l = r - off;
		chain.in[chain.n_in++] = (struct vsock_iov){room + off, (uint32_t)l};
		off += l;
	}
	chain.in_len = r;
	uint32_t w = pd_docfs_serve(fs, &chain);
	if (w > r || fs->n_nodes > PD_DOCFS_MAX_NODES)
		abort();
	if (w >= 16) {
		uint32_t hl;
		memcpy(&hl, room, 4);
		if (hl != w)
			abort();
	}
	return w;
}

static void start_session(void)
{
	uint8_t buf[64 + 40];
	struct fuse_in_header h = {.opcode = FUSE_INIT, .unique = 1};
	struct fuse_init_in in = {
	    .major = 7, .minor = 36, .max_readahead = 1u << 20, .flags = FUSE_MAX_PAGES};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &in, sizeof(in));
	run(buf, sizeof(h) + sizeof(in), 2);
	char name[24];
	uint64_t parent = FUSE_ROOT_ID;
	for (int k = 0; k < 2; k++) {
		size_t nl;
		if (k == 0) {
			static const char hex[] = "0123456789abcdef";
			for (int i = 0; i < 16; i++)
				name[i] = hex[(grants.v[0]->id >> (60 - 4 * i)) & 15];
			name[16] = '\0';
			nl = 17;
		} else {
			strcpy(name, "doc.txt");
			nl = 8;
		}
		h = (struct fuse_in_header){.opcode = FUSE_LOOKUP, .unique = 2, .nodeid = parent};
		memcpy(buf, &h, sizeof(h));
		memcpy(buf + sizeof(h), name, nl);
		run(buf, sizeof(h) + nl, 4);
		parent = 2;
	}
	h = (struct fuse_in_header){.opcode = FUSE_OPEN, .unique = 3, .nodeid = 3};
	struct fuse_open_in o = {0};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &o, sizeof(o));
	run(buf, sizeof(h) + sizeof(o), 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fs) {
		static const uint64_t key[4] = {1, 2, 3, 4};
		struct pd_limits lim = {.max_grants = 8, .max_handles = 8};
		fs = calloc(1, sizeof(*fs));
		if (!fs || pd_grants_init(&grants, &lim, key) < 0)
			abort();
		pd_docfs_init(fs, &grants, &fake_ops, NULL);
	}
	pd_docfs_reset(fs);
	reset_grants();
	start_session();
	size_t pos = 0;
	while (pos + 3 <= size) {
		unsigned flags = data[pos];
		size_t len = data[pos + 1] | (size_t)data[pos + 2] << 8;
		pos += 3;
		if (len == 0) {
			uint64_t id = grants.v[0]->id;
			pd_docfs_revoke(fs, id);
			free(pd_grants_take(&grants, id));
			if (grants.n == 0)
				reset_grants();
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		run(data + pos, len, flags);
		pos += len;
	}
	return 0;
}
