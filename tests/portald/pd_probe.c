/* A one-shot fake guest portal for shell tests (zenity-test.sh):
 *
 *   pd_probe SOCKET open TITLE        prints "ok NAME SIZE" and the file's
 *                                     first 4 KiB, or "error CODE"
 *   pd_probe SOCKET save TITLE NAME   writes "written by the guest\n" into
 *                                     the granted file; prints "ok NAME"
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "proto.h"
#include "proto_stream.h"
#include "unix_addr.h"

static int fd = -1;
static uint32_t next_id;
static struct proto_reader rd;

static void die(const char *what)
{
	fprintf(stderr, "pd_probe: %s\n", what);
	exit(2);
}

/* Sends m, returns its reply (or an ERROR) in *r. */
static void call(struct proto_msg *m, struct proto_msg *r)
{
	static uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	size_t len;
	m->id = ++next_id;
	if (proto_encode(m, buf, sizeof(buf), &len) < 0 || io_write_full(fd, buf, len) < 0)
		die("cannot send");
	for (;;) {
		uint8_t b;
		size_t used;
		if (io_read_full(fd, &b, 1) < 0)
			die("connection closed");
		int ret = proto_reader_feed(&rd, &b, 1, &used);
		if (ret < 0)
			die("bad frame");
		if (ret == 0)
			continue;
		if (proto_decode(&rd.header, rd.payload, r, NULL) < 0)
			die("bad message");
		if ((r->flags & PROTO_FLAG_REPLY) && r->id == m->id)
			return;
		if (!(r->flags & PROTO_FLAG_REPLY)) {
			/* Host requests (grants announced): acknowledge. */
			struct proto_msg a = {
			    .type = r->type, .flags = PROTO_FLAG_REPLY, .id = r->id};
			if (proto_encode(&a, buf, sizeof(buf), &len) < 0 ||
			    io_write_full(fd, buf, len) < 0)
				die("cannot answer");
		}
	}
}

static void doc_op(uint16_t type, uint64_t id, struct proto_msg *r)
{
	struct proto_msg m = {.type = type};
	if (type == PROTO_DOC_BEGIN)
		m.u.doc_begin.doc_id = id;
	else
		m.u.doc_id = id;
	call(&m, r);
	if (r->type == PROTO_ERROR)
		die("document request refused");
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[2], "open") && strcmp(argv[2], "save")) ||
	    (!strcmp(argv[2], "save") && argc < 5))
		die("usage: pd_probe SOCKET open TITLE | SOCKET save TITLE NAME");
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, argv[1]) < 0)
		die("socket path too long");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect");
	proto_reader_init(&rd);
	struct proto_msg m = {.type = PROTO_HELLO}, r;
	m.u.hello = (struct proto_hello){1, 1, 0, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS,
					 proto_str_from("pd_probe")};
	call(&m, &r);
	if (r.type != PROTO_HELLO)
		die("HELLO refused");
	bool save = !strcmp(argv[2], "save");
	memset(&m, 0, sizeof(m));
	m.type = save ? PROTO_FILE_SAVE : PROTO_FILE_OPEN;
	m.u.dialog.title = proto_str_from(argv[3]);
	m.u.dialog.current_filter = PROTO_NO_FILTER;
	if (save)
		m.u.dialog.current_name = proto_str_from(argv[4]);
	call(&m, &r);
	if (r.type == PROTO_ERROR) {
		printf("error %u\n", r.u.error.code);
		return 0;
	}
	struct proto_doc d = r.u.result.docs[0];
	char name[PROTO_FILENAME_MAX + 1];
	snprintf(name, sizeof(name), "%.*s", (int)d.name.len, d.name.ptr);
	uint64_t id = d.id;
	if (save) {
		static const char text[] = "written by the guest\n";
		doc_op(PROTO_DOC_BEGIN, id, &r);
		memset(&m, 0, sizeof(m));
		m.type = PROTO_DOC_WRITE;
		m.u.doc_write =
		    (struct proto_doc_write){id, 0, {(const uint8_t *)text, sizeof(text) - 1}};
		call(&m, &r);
		if (r.type == PROTO_ERROR)
			die("write refused");
		doc_op(PROTO_DOC_COMMIT, id, &r);
		printf("ok %s\n", name);
		return 0;
	}
	printf("ok %s %llu\n", name, (unsigned long long)d.size);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_READ;
	m.u.doc_read = (struct proto_doc_read){id, 0, 4096, 0};
	call(&m, &r);
	if (r.type == PROTO_ERROR)
		die("read refused");
	fwrite(r.u.data.ptr, 1, r.u.data.len, stdout);
	return 0;
}
