/* Fuzz target for the document device's file system (pd_fuse.c,
 * pd_docfs.c): whatever a guest puts in descriptor chains, as FUSE
 * requests against two read-only grants, a writable one and a read-only
 * folder grant, with fake file operations (in the folder: names starting
 * with 'd' are folders, 's' links (refused), 'n' missing, others files).
 *
 * The session starts as a kernel's would: INIT, and the first document's
 * directory and file looked up (nodes 2 and 3) and opened (fh 0x100000000),
 * then the folder's directory, the folder, its "dsub" and "dsub"'s "f"
 * (nodes 4 to 7; at most 8 nodes inside folders).
 * Then the input is a list of records: a flags byte F, a length L (two
 * bytes, little-endian), then L bytes of request split into two readable
 * descriptors. L = 0 revokes the first grant instead (with F & 1 the
 * folder; with F & 2 the grant leaves the table untold, as if the device
 * had not been told). The reply room is
 * (F & 0x3f) * 64 bytes, or 1 MiB and a header when that is 0x3f; with
 * F & 0x40 the header's length is left as the input has it (else it is
 * set to L); with F & 0x80 the room is cut into 4 KiB descriptors. After
 * each request: the reply never claims more than the room, the tables
 * stay within their bounds, each node is where its slot says and in the
 * index of nodes by what they are (pd_docfs_consistent). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pd_docfs.h"
#include "pd_folder.h"

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

static uint64_t ino_of(const char *name)
{
	uint64_t h = 5381;
	while (*name)
		h = h * 33 + (uint8_t)*name++;
	return h & 0xff; /* collisions wanted: the same node again */
}

static int fake_lookup(void *ctx, int dirfd, const char *name, struct pd_docfs_stat *ret)
{
	(void)ctx;
	(void)dirfd;
	if (name[0] == 's')
		return -EACCES;
	if (name[0] == 'n')
		return -ENOENT;
	*ret = (struct pd_docfs_stat){
	    .size = 1000, .mtime_sec = 2, .dir = name[0] == 'd', .dev = 1, .ino = ino_of(name)};
	return 300;
}

static int fake_fstat(void *ctx, int fd, struct pd_docfs_stat *ret)
{
	(void)ctx;
	*ret = (struct pd_docfs_stat){.size = 1000, .mtime_sec = 2, .dir = fd != 300};
	return 0;
}

static int fake_reopen(void *ctx, int pathfd)
{
	(void)ctx;
	return pathfd == 300 ? 101 : -EACCES;
}

static int fake_readdir(void *ctx, int dirfd, uint64_t cookie, unsigned max,
			struct proto_entry_list *out, char *names, size_t names_size)
{
	(void)ctx;
	(void)dirfd;
	static const char *const list[] = {"a", "dsub", "f", "zz"};
	out->n = 0;
	for (uint64_t i = cookie; i < 4 && out->n < max && names_size >= 4; i++) {
		size_t l = strlen(list[i]);
		memcpy(names, list[i], l);
		out->e[out->n++] =
		    (struct proto_dirent){i + 1,
					  list[i][0] == 'd' ? PROTO_ENTRY_DIR : PROTO_ENTRY_FILE,
					  {names, (uint16_t)l}};
		names += l;
		names_size -= l;
	}
	return cookie > 100 ? -EINVAL : 0;
}

static const struct pd_docfs_ops fake_ops = {fake_open,	  fake_stat,  fake_preadv, fake_close,
					     fake_lookup, fake_fstat, fake_reopen, fake_readdir};

static struct pd_grants grants;
static struct pd_docfs *fs;
static uint8_t req[PD_FUSE_IN_MAX + 4096];
static uint8_t room[PD_FUSE_MAX_READ + 64];
static struct vhost_chain chain;

static void add_grant(const char *name, uint32_t perms)
{
	struct pd_grant *g = calloc(1, sizeof(*g));
	if (!g)
		abort();
	g->perms = perms;
	g->dirfd = g->fd = -1;
	strcpy(g->name, name);
	strcpy(g->display, name);
	if (name[0] == '/') {
		g->name[0] = '\0';
		strcpy(g->display, name + 1);
		g->dirfd = 200;
		if (pd_folder_new(g) < 0)
			abort();
	}
	if (pd_grants_add(&grants, g) < 0)
		abort();
}

static void free_grant(struct pd_grant *g)
{
	if (g && g->folder)
		pd_folder_free(g->folder);
	free(g);
}

static void reset_grants(void)
{
	while (grants.n > 0)
		free_grant(pd_grants_take(&grants, grants.v[0]->id));
	add_grant("doc.txt", PROTO_PERM_READ);
	add_grant("xgone.txt", PROTO_PERM_READ);
	add_grant("rw.txt", PROTO_PERM_READ | PROTO_PERM_WRITE);
	add_grant("/pics", PROTO_PERM_READ);
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
	chain.out[chain.n_out++] = (struct vhost_iov){req, (uint32_t)first};
	if (n > first)
		chain.out[chain.n_out++] = (struct vhost_iov){req + first, (uint32_t)(n - first)};
	chain.out_len = n;
	size_t r = (flags & 0x3f) == 0x3f ? PD_FUSE_MAX_READ + 16 : (flags & 0x3f) * 64u;
	for (size_t off = 0; off < r;) {
		size_t l = (flags & 0x80) ? 4096 : r;
		if (l > r - off)
			l = r - off;
		chain.in[chain.n_in++] = (struct vhost_iov){room + off, (uint32_t)l};
		off += l;
	}
	chain.in_len = r;
	uint32_t w = pd_docfs_serve(fs, &chain);
	/* Caps, slots and the index of the nodes by what they are. */
	if (w > r || !pd_docfs_consistent(fs))
		abort();
	if (w >= 16) {
		uint32_t hl;
		memcpy(&hl, room, 4);
		if (hl != w)
			abort();
	}
	return w;
}

static void lookup(uint64_t parent, const char *name)
{
	uint8_t buf[64];
	struct fuse_in_header h = {.opcode = FUSE_LOOKUP, .unique = 2, .nodeid = parent};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), name, strlen(name) + 1);
	run(buf, sizeof(h) + strlen(name) + 1, 4);
}

static void lookup_grant(uint64_t id)
{
	static const char hex[] = "0123456789abcdef";
	char name[17];
	for (int i = 0; i < 16; i++)
		name[i] = hex[(id >> (60 - 4 * i)) & 15];
	name[16] = '\0';
	lookup(FUSE_ROOT_ID, name);
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
	lookup_grant(grants.v[0]->id);
	lookup(2, "doc.txt");
	lookup_grant(grants.v[3]->id);
	lookup(4, "pics");
	lookup(5, "dsub");
	lookup(6, "f");
	if (fs->n_nodes != 6 || fs->n_fnodes != 2) /* nodes 2 to 7, as the seeds expect */
		abort();
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
		fs->max_fnodes = 8;
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
			for (unsigned i = 0; (flags & 1) && i < grants.n; i++)
				if (grants.v[i]->folder)
					id = grants.v[i]->id;
			if (!(flags & 2))
				pd_docfs_revoke(fs, id);
			free_grant(pd_grants_take(&grants, id));
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
