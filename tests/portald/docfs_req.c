/* Crafted FUSE requests to the document device's file system, as the
 * guest lays them out in descriptor chains (docfs_req.h). */
#include "docfs_req.h"

#include "pd_docio.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

/* The guest's side of one request: the readable part (header, then
 * arguments, in two descriptors) and the writable part (the reply header
 * and room for the body, in pages). */
uint8_t out_buf[PD_FUSE_IN_MAX + 64];
uint8_t in_buf[PD_FUSE_MAX_READ + 8192];
struct vhost_chain chain;
uint32_t written;
struct pd_docfs *fs;

uint32_t serve(uint32_t opcode, uint64_t nodeid, const void *args, size_t args_len, size_t in_room)
{
	static uint64_t unique;
	struct fuse_in_header h = {.len = (uint32_t)(sizeof(h) + args_len),
				   .opcode = opcode,
				   .unique = ++unique,
				   .nodeid = nodeid};
	assert_true(sizeof(h) + args_len <= sizeof(out_buf));
	memcpy(out_buf, &h, sizeof(h));
	if (args_len)
		memcpy(out_buf + sizeof(h), args, args_len);
	memset(&chain, 0, sizeof(chain));
	chain.out[chain.n_out++] = (struct vhost_iov){out_buf, sizeof(h)};
	if (args_len)
		chain.out[chain.n_out++] =
		    (struct vhost_iov){out_buf + sizeof(h), (uint32_t)args_len};
	chain.out_len = sizeof(h) + args_len;
	/* The reply header alone, then 4 KiB pages. */
	memset(in_buf, 0xee, sizeof(in_buf));
	size_t off = 0;
	while (off < in_room) {
		size_t l = off == 0 ? (in_room < 16 ? in_room : 16) : 4096;
		if (l > in_room - off)
			l = in_room - off;
		chain.in[chain.n_in++] = (struct vhost_iov){in_buf + off, (uint32_t)l};
		off += l;
	}
	chain.in_len = in_room;
	written = pd_docfs_serve(fs, &chain);
	return written;
}

/* The reply's error (0 on success), checking the header is coherent. */
int err_of(void)
{
	struct fuse_out_header o;
	assert_true(written >= sizeof(o));
	memcpy(&o, in_buf, sizeof(o));
	assert_int_equal(o.len, written);
	return o.error;
}

const uint8_t *body(void)
{
	return in_buf + sizeof(struct fuse_out_header);
}

int call(uint32_t opcode, uint64_t nodeid, const void *args, size_t args_len)
{
	serve(opcode, nodeid, args, args_len, 16 + 8192);
	return err_of();
}

int lookup(uint64_t parent, const char *name, struct fuse_entry_out *ret)
{
	int e = call(FUSE_LOOKUP, parent, name, strlen(name) + 1);
	if (e == 0)
		memcpy(ret, body(), sizeof(*ret));
	return e;
}

void init_fs(void)
{
	struct fuse_init_in in = {.major = 7,
				  .minor = 36,
				  .max_readahead = 1u << 20,
				  .flags = FUSE_ASYNC_READ | FUSE_MAX_PAGES | FUSE_POSIX_LOCKS};
	assert_int_equal(call(FUSE_INIT, 0, &in, sizeof(in)), 0);
}

int docfs_workdir(char *dir, size_t size, const char *name)
{
	const char *base = getenv("APPVM_TEST_WORK");
	mkdir(base ? base : "/var/tmp", 0755);
	snprintf(dir, size, "%s/%s.XXXXXX", base ? base : "/var/tmp", name);
	return mkdtemp(dir) ? 0 : -1;
}

int docfs_teardown(struct pd_grants *grants, const char *dir)
{
	if (fs)
		pd_docfs_reset(fs);
	free(fs);
	fs = NULL;
	while (grants->n > 0)
		pd_docio_free(pd_grants_take(grants, grants->v[0]->id));
	pd_grants_free(grants);
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}
