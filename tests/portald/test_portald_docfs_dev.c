/* The real appvm-portald's document device (--docs-device) against a fake
 * vhost-user front-end playing the VMM and a hostile guest driver
 * (tests/vsock/vu_front.c), with a fake guest portal (pd_harness.c) that
 * gets a read-only grant through a dialog: FUSE requests in descriptor
 * chains over shared memory, a 1 MiB read in one chain of 256 pages, the
 * revocation from the host, malformed chains and rings, and no CPU when
 * idle afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "io.h"
#include "pd_harness.h"
#include "unix_addr.h"
#include "vu_front.h"

#define Q	   1u /* the request queue */
#define QSIZE	   512u
#define FILE_SIZE  (1536u * 1024u)
#define WAIT_MS	   VUF_WAIT_MS
#define DAEMON_FDS 128u
#define MAX_OPEN   1024u /* the files the device lets a guest open at once */

static struct pdh h;
static struct vu_front fe;
static char sockdir[64], docs_sock[96];
static uint8_t content[FILE_SIZE];
static uint64_t doc_id;
static struct pdh_conn c; /* the guest portal */
static char doc_hex[17];

/* One FUSE request: header and arguments in one readable descriptor, then
 * the writable room in pieces of `piece` bytes (the first one 16, the reply
 * header, as the guest kernel lays out reads). Returns the used length, or
 * -1 when the chain was not used in time. The reply is copied to reply. */
static int request(uint32_t op, uint64_t nodeid, const void *args, uint32_t args_len, uint32_t room,
		   uint32_t piece, void *reply, size_t reply_max)
{
	static uint64_t unique;
	struct tguest *g = &fe.g;
	struct fuse_in_header ih = {.len = (uint32_t)sizeof(ih) + args_len,
				    .opcode = op,
				    .unique = ++unique,
				    .nodeid = nodeid};
	uint64_t in_gpa = tg_alloc(g, ih.len);
	memcpy(tg_ptr(g, in_gpa), &ih, sizeof(ih));
	if (args_len)
		memcpy(tg_ptr(g, in_gpa + sizeof(ih)), args, args_len);
	uint64_t out_gpa = tg_alloc(g, room);
	memset(tg_ptr(g, out_gpa), 0xee, room);
	uint16_t head = tg_next_desc(g, Q), d = head;
	uint32_t off = 0;
	tg_set_desc(g, Q, d, in_gpa, ih.len, room ? VRING_DESC_F_NEXT : 0,
		    (uint16_t)((d + 1) % QSIZE));
	while (off < room) {
		uint32_t l = off == 0 ? 16 : piece;
		if (l > room - off)
			l = room - off;
		d = tg_next_desc(g, Q);
		bool last = off + l >= room;
		tg_set_desc(g, Q, d, out_gpa + off, l,
			    VRING_DESC_F_WRITE | (last ? 0 : VRING_DESC_F_NEXT),
			    (uint16_t)((d + 1) % QSIZE));
		off += l;
	}
	tg_publish(g, Q, head);
	vuf_kick(&fe, Q);
	uint32_t id, len;
	/* A call may be left from an earlier chain: wait until this one is used. */
	while (tg_used(g, Q, &id, &len) != 1)
		if (vuf_wait_call(&fe, Q, WAIT_MS) < 0)
			return -1;
	assert_int_equal(id, head);
	if (reply)
		memcpy(reply, tg_ptr(g, out_gpa), len < reply_max ? len : reply_max);
	return (int)len;
}

static uint8_t rbuf[FILE_SIZE + 64];

/* The reply's error, checking its header against the used length. */
static int call(uint32_t op, uint64_t nodeid, const void *args, uint32_t args_len)
{
	int len = request(op, nodeid, args, args_len, 4096, 4096, rbuf, sizeof(rbuf));
	if (len < 16)
		fail_msg("opcode %u: used length %d", op, len);
	struct fuse_out_header oh;
	memcpy(&oh, rbuf, sizeof(oh));
	assert_int_equal(oh.len, (uint32_t)len);
	return oh.error;
}

static uint64_t lookup(uint64_t parent, const char *name)
{
	if (call(FUSE_LOOKUP, parent, name, (uint32_t)strlen(name) + 1) != 0)
		return 0;
	struct fuse_entry_out e;
	memcpy(&e, rbuf + 16, sizeof(e));
	return e.nodeid;
}

static int setup(void **state)
{
	(void)state;
	snprintf(sockdir, sizeof(sockdir), "/var/tmp/pdd.XXXXXX");
	if (!mkdtemp(sockdir))
		return -1;
	snprintf(docs_sock, sizeof(docs_sock), "%s/docs.vu", sockdir);
	const char *extra[] = {"--docs-device", docs_sock, NULL};
	/* The daemon gets few descriptors (its hard limit too: the test, which
	 * needs few, keeps the same), so that the guest can run it out of them
	 * (test_out_of_descriptors). */
	struct rlimit low = {DAEMON_FDS, DAEMON_FDS};
	if (setrlimit(RLIMIT_NOFILE, &low) < 0)
		return -1;
	pdh_start(&h, extra);
	for (size_t i = 0; i < FILE_SIZE; i++)
		content[i] = (uint8_t)(i * 13 + i / 4099);
	int fd = open(pdh_path(&h, "big.bin"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, content, FILE_SIZE) != (ssize_t)FILE_SIZE)
		return -1;
	close(fd);
	/* The guest portal asks; the chooser picks the file: a read-only grant. */
	struct proto_msg m, r;
	char line[1024];
	pdh_open(&h, &c);
	snprintf(line, sizeof(line), "%s\n", pdh_path(&h, "big.bin"));
	pdh_answer(&h, line, 0, false);
	pdh_open_req(&m, 0, "Open");
	if (pdh_call(&c, &m, &r) != 0 || r.u.result.n_docs != 1)
		return -1;
	doc_id = r.u.result.docs[0].id;
	snprintf(doc_hex, sizeof(doc_hex), "%016llx", (unsigned long long)doc_id);
	/* The VMM connects and starts the device. */
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", docs_sock);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	const char *step = NULL;
	if (vuf_open(&fe, s, QSIZE) < 0 || vuf_start(&fe, false, &step) < 0) {
		fprintf(stderr, "front-end start failed at %s\n", step ? step : "open");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vuf_close(&fe);
	pdh_close(&c);
	pdh_stop(&h);
	rmdir(sockdir);
	return 0;
}

static void test_read_through_the_device(void **state)
{
	(void)state;
	struct fuse_init_in in = {.major = 7,
				  .minor = 36,
				  .max_readahead = 1u << 20,
				  .flags = FUSE_MAX_PAGES | FUSE_ASYNC_READ};
	assert_int_equal(call(FUSE_INIT, 0, &in, sizeof(in)), 0);
	struct fuse_init_out io;
	memcpy(&io, rbuf + 16, sizeof(io));
	assert_int_equal(io.max_pages, 256);
	uint64_t dir = lookup(FUSE_ROOT_ID, doc_hex);
	assert_true(dir > FUSE_ROOT_ID);
	uint64_t file = lookup(dir, "big.bin");
	assert_true(file > FUSE_ROOT_ID);
	struct fuse_open_in o = {.flags = O_RDONLY};
	assert_int_equal(call(FUSE_OPEN, file, &o, sizeof(o)), 0);
	struct fuse_open_out oo;
	memcpy(&oo, rbuf + 16, sizeof(oo));
	/* 1 MiB in one chain: the reply header and 256 pages. */
	struct fuse_read_in r = {.fh = oo.fh, .offset = 4096, .size = 1u << 20};
	int len =
	    request(FUSE_READ, file, &r, sizeof(r), 16 + (1u << 20), 4096, rbuf, sizeof(rbuf));
	assert_int_equal(len, 16 + (1 << 20));
	assert_memory_equal(rbuf + 16, content + 4096, 1u << 20);
	/* The tail: short at the end of the file. */
	r.offset = FILE_SIZE - 1000;
	len = request(FUSE_READ, file, &r, sizeof(r), 16 + 65536, 4096, rbuf, sizeof(rbuf));
	assert_int_equal(len, 16 + 1000);
	assert_memory_equal(rbuf + 16, content + FILE_SIZE - 1000, 1000);
	/* Revoked from the host: the open file's next read fails, the entry is gone. */
	char out[256];
	const char *args[] = {"docs", "revoke", doc_hex, NULL};
	assert_int_equal(pdh_appvmctl(&h, out, sizeof(out), args), 0);
	r.offset = 0;
	r.size = 4096;
	assert_int_equal(call(FUSE_READ, file, &r, sizeof(r)), -EIO);
	assert_int_equal(lookup(FUSE_ROOT_ID, doc_hex), 0);
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, file, &gi, sizeof(gi)), -ENOENT);
}

static void test_hostile_chains_and_idle(void **state)
{
	(void)state;
	struct tguest *g = &fe.g;
	unsigned long cpu0 = pdh_cpu_ticks(&h);
	/* A descriptor outside guest memory: handed back unused, and the
	 * device goes on. */
	uint16_t d = tg_next_desc(g, Q);
	tg_set_desc(g, Q, d, TG_GPA_BASE + TG_RAM_SIZE + 4096, 64, 0, 0);
	tg_publish(g, Q, d);
	vuf_kick(&fe, Q);
	uint32_t id, len;
	while (tg_used(g, Q, &id, &len) != 1)
		assert_int_equal(vuf_wait_call(&fe, Q, WAIT_MS), 0);
	assert_int_equal(id, d);
	assert_int_equal(len, 0);
	/* More descriptors than a chain may have: unused. */
	uint64_t b = tg_alloc(g, 16);
	uint16_t head = tg_next_desc(g, Q);
	d = head;
	for (int i = 0; i < 300; i++) {
		uint16_t next = (uint16_t)((d + 1) % QSIZE);
		tg_set_desc(g, Q, d, b, 16, i < 299 ? VRING_DESC_F_NEXT : 0, next);
		if (i < 299)
			d = tg_next_desc(g, Q);
	}
	tg_publish(g, Q, head);
	vuf_kick(&fe, Q);
	while (tg_used(g, Q, &id, &len) != 1)
		assert_int_equal(vuf_wait_call(&fe, Q, WAIT_MS), 0);
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	/* A reply room of 8 bytes: no answer can be written, the chain
	 * comes back empty. */
	struct fuse_getattr_in gi = {0};
	assert_int_equal(request(FUSE_GETATTR, FUSE_ROOT_ID, &gi, sizeof(gi), 8, 8, NULL, 0), 0);
	/* Still serving. */
	assert_int_equal(call(FUSE_GETATTR, FUSE_ROOT_ID, &gi, sizeof(gi)), 0);
	assert_int_equal(call(FUSE_WRITE, FUSE_ROOT_ID, rbuf, 64), -EROFS);
	assert_int_equal(call(4242, FUSE_ROOT_ID, NULL, 0), -ENOSYS);
	/* The available index jumps a whole queue ahead: the ring is broken
	 * and ignored, kicks or not, without spinning. */
	uint8_t *avail = tg_ptr(g, tg_avail_gpa(Q));
	uint16_t idx;
	memcpy(&idx, avail + 2, 2);
	idx = (uint16_t)(idx + QSIZE + 7);
	memcpy(avail + 2, &idx, 2);
	for (int i = 0; i < 50; i++)
		vuf_kick(&fe, Q);
	/* Idle: one second with nothing to do costs (next to) no CPU. */
	unsigned long cpu1 = pdh_cpu_ticks(&h);
	usleep(1000000);
	assert_true(pdh_cpu_ticks(&h) - cpu1 <= 2);
	assert_true(cpu1 - cpu0 < 200);
	/* A restart of the queue (the guest driver's reset) serves again. */
	assert_true(vuf_stop(&fe, Q) >= 0);
	assert_int_equal(vuf_start_queue(&fe, Q), 0);
	struct fuse_init_in in = {.major = 7, .minor = 36, .flags = FUSE_MAX_PAGES};
	assert_int_equal(call(FUSE_INIT, 0, &in, sizeof(in)), 0);
	assert_int_equal(lookup(FUSE_ROOT_ID, doc_hex), 0); /* still revoked */
}

/* The guest opens a granted file until the daemon is out of descriptors
 * (its limit is DAEMON_FDS here; in use, the limit is raised to fit
 * everything a guest can make it hold). A control connection then is
 * refused (closed at once) instead of staying queued on a listener that
 * stays readable: no spinning, idle costs no CPU. Once the guest lets the
 * files go, appvmctl is served again. */
static void test_out_of_descriptors(void **state)
{
	(void)state;
	struct proto_msg m, r;
	char line[1024];
	snprintf(line, sizeof(line), "%s\n", pdh_path(&h, "big.bin"));
	pdh_answer(&h, line, 0, false);
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)r.u.result.docs[0].id);
	struct fuse_init_in in = {.major = 7, .minor = 36, .flags = FUSE_MAX_PAGES};
	assert_int_equal(call(FUSE_INIT, 0, &in, sizeof(in)), 0);
	uint64_t dir = lookup(FUSE_ROOT_ID, hex);
	assert_true(dir > FUSE_ROOT_ID);
	uint64_t file = lookup(dir, "big.bin");
	assert_true(file > FUSE_ROOT_ID);
	static uint64_t fhs[MAX_OPEN];
	unsigned n = 0;
	struct fuse_open_in o = {.flags = O_RDONLY};
	int e = 0;
	while (n < MAX_OPEN && (e = call(FUSE_OPEN, file, &o, sizeof(o))) == 0) {
		struct fuse_open_out oo;
		memcpy(&oo, rbuf + 16, sizeof(oo));
		fhs[n++] = oo.fh;
	}
	assert_int_equal(e, -EIO); /* out of descriptors */
	assert_true(n > DAEMON_FDS / 2 && n < DAEMON_FDS);
	/* The failed OPEN left one descriptor free (the name looked up, then
	 * not reopened): a second guest connection takes it. */
	struct pdh_conn c2;
	pdh_open(&h, &c2);
	unsigned long cpu0 = pdh_cpu_ticks(&h);
	int cfd = unix_sock_connect(h.control, 0);
	assert_true(cfd >= 0);
	/* The daemon may have taken and closed it before the request is
	 * sent: a refused send (never a SIGPIPE) is the same answer. */
	ssize_t sent = send(cfd, "list\n", 5, MSG_NOSIGNAL);
	assert_true(sent == 5 || (sent < 0 && (errno == EPIPE || errno == ECONNRESET)));
	assert_int_equal(io_wait(cfd, POLLIN, WAIT_MS), 0);
	char b;
	assert_true(read(cfd, &b, 1) <= 0); /* closed, not answered */
	close(cfd);
	/* Idle: one second with nothing to do costs (next to) no CPU. */
	unsigned long cpu1 = pdh_cpu_ticks(&h);
	usleep(1000000);
	assert_true(pdh_cpu_ticks(&h) - cpu1 <= 2);
	assert_true(cpu1 - cpu0 < 100);
	pdh_close(&c2);
	for (unsigned i = 0; i < n; i++) {
		struct fuse_release_in rel = {.fh = fhs[i]};
		assert_int_equal(call(FUSE_RELEASE, file, &rel, sizeof(rel)), 0);
	}
	char out[256];
	const char *args[] = {"docs", "revoke", hex, NULL};
	assert_int_equal(pdh_appvmctl(&h, out, sizeof(out), args), 0);
	assert_int_equal(lookup(FUSE_ROOT_ID, hex), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_through_the_device),
	    cmocka_unit_test(test_hostile_chains_and_idle),
	    cmocka_unit_test(test_out_of_descriptors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
