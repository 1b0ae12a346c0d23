/* vhost-user messages as the back-end receives them (qemu's
 * docs/interop/vhost-user.rst): the framing, a table of what each request
 * may carry (payload size, file descriptors), one validation function per
 * request, and an incremental reader that never needs more than the bytes
 * that arrived. Pure: the caller receives the bytes and fds and owns them. */
#ifndef APPVM_VU_MSG_H
#define APPVM_VU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
};

#define VU_VERSION	   0x1u
#define VU_VERSION_MASK	   0x3u
#define VU_FLAG_REPLY	   0x4u
#define VU_FLAG_NEED_REPLY 0x8u
#define VU_HDR_SIZE	   12u
/* Most fds one message may carry (a whole memory table). */
#define VU_MAX_FDS 8u
/* The largest device config space served (vsock: the guest CID, a
 * little-endian u64; virtio-fs: none, qemu keeps the tag). */
#define VU_CONFIG_SPACE 8u
#define VU_CONFIG_MAX	256u
#define VU_CONFIG_HDR	12u
/* Largest payload of any request: GET/SET_CONFIG with a full config. */
#define VU_PAYLOAD_MAX (VU_CONFIG_HDR + VU_CONFIG_MAX)
/* The back-end serves RX and TX; qemu keeps the event queue. */
#define VU_QUEUES 2u

/* Feature bits offered (virtio and vhost-user protocol features). */
#define VU_F_VERSION_1	   32
#define VU_F_PROTOCOL	   30
#define VU_F_EVENT_IDX	   29 /* VIRTIO_RING_F_EVENT_IDX */
#define VU_PROTO_REPLY_ACK 3
#define VU_PROTO_CONFIG	   9
#define VU_PROTO_MEM_SLOTS 15
#define VU_FEATURES	   ((1ull << VU_F_VERSION_1) | (1ull << VU_F_PROTOCOL) | (1ull << VU_F_EVENT_IDX))
/* Taking regions one by one (MEM_SLOTS) lifts the front-end's limit of 8
 * regions for a whole table, which qemu's pc machines can exceed. */
#define VU_PROTOCOL_FEATURES                                                                       \
	((1ull << VU_PROTO_REPLY_ACK) | (1ull << VU_PROTO_CONFIG) | (1ull << VU_PROTO_MEM_SLOTS))

#define VU_VRING_IDX_MASK 0xffull
#define VU_VRING_NOFD	  0x100ull

struct vu_hdr {
	uint32_t request, flags, size;
};

struct vu_vring_state {
	uint32_t index, num;
};

struct vu_vring_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail, log;
};

struct vu_region {
	uint64_t gpa, size, uva, mmap_offset;
};

/* A validated message. The fds stay with the reader until taken. */
struct vu_msg {
	struct vu_hdr hdr;
	const char *why; /* set when decoding refused it */
	union {
		uint64_t u64;		     /* SET_FEATURES, SET_PROTOCOL_FEATURES */
		struct vu_vring_state state; /* SET_VRING_NUM/BASE/ENABLE, GET_VRING_BASE */
		struct vu_vring_addr addr;   /* SET_VRING_ADDR */
		struct {		     /* SET_VRING_KICK/CALL/ERR */
			uint32_t index;
			bool has_fd; /* else the NOFD bit was set */
		} vring_fd;
		struct { /* SET_MEM_TABLE */
			uint32_t n;
			struct vu_region r[VU_MAX_FDS];
		} mem;
		struct vu_region reg; /* ADD_MEM_REG, REM_MEM_REG */
		struct {	      /* GET_CONFIG, SET_CONFIG */
			uint32_t offset, size, flags;
		} config;
	} u;
};

/* What a request may carry, and the function that validates it. */
struct vu_msg_spec {
	const char *name;
	uint16_t min_size, max_size; /* payload bytes */
	uint8_t min_fds, max_fds;
	/* Decodes and checks the payload (size and fd count already within the
	 * table's bounds). Returns 0, or -EINVAL with ret->why set. */
	int (*check)(const uint8_t *untrusted, uint32_t size, unsigned nfds, struct vu_msg *ret);
};

/* Returns the table entry for a request, or NULL when it is not supported. */
const struct vu_msg_spec *vu_msg_spec(uint32_t request);

/* Returns a request's name for logs ("unknown" when not in the table). */
const char *vu_request_name(uint32_t request);

/* Checks the framing of a header: vhost-user version 1, not a reply, and a
 * payload no request of ours can exceed. Returns 0, or -EPROTO when the
 * stream cannot be followed any further. */
int vu_hdr_check(const struct vu_hdr *untrusted_hdr);

/* Validates a whole message (header already framed) with nfds fds: known
 * request, size and fds within the table, then the request's own checks.
 * Returns 0 with *ret filled, or -EOPNOTSUPP (a request not in the table) or
 * -EINVAL with ret->why saying what is wrong. */
int vu_msg_decode(const struct vu_hdr *hdr, const uint8_t *untrusted_payload, unsigned nfds,
		  struct vu_msg *ret);

/* Checks a region against the size of the file behind its fd: the mapping
 * from offset 0 to mmap_offset + size must lie inside the file (else the
 * first access past its end is SIGBUS) and fit a size_t. Returns 0 with
 * *ret_map_len set, or -EINVAL. */
int vu_region_check_file(const struct vu_region *untrusted_reg, uint64_t file_size,
			 uint64_t *ret_map_len);

/* Writes a reply (header with the REPLY flag, then payload) into buf, which
 * has room for VU_HDR_SIZE + VU_PAYLOAD_MAX bytes. Returns its length, or
 * -EINVAL when the payload is too large. */
int vu_reply_encode(uint8_t *buf, uint32_t request, const void *payload, uint32_t size);

/* One message being received: header, then payload, with the fds that came
 * with it. Bytes are read into buf + len, at most vu_reader_want() at a
 * time, so the stream is never read past the current message. */
struct vu_reader {
	uint8_t buf[VU_HDR_SIZE + VU_PAYLOAD_MAX];
	size_t len;
	int fds[VU_MAX_FDS];
	unsigned nfds;
};

/* Empties the reader (fds must have been taken or closed). */
void vu_reader_init(struct vu_reader *r);

/* Returns how many more bytes the current message needs. */
size_t vu_reader_want(const struct vu_reader *r);

/* Records n received bytes (n <= vu_reader_want()). Returns 1 when the
 * message is complete, 0 when more is needed, or -EPROTO when its header
 * breaks the framing. */
int vu_reader_advance(struct vu_reader *r, size_t n);

/* Records an fd that came with the message. Returns 0, or -EPROTO when the
 * message already has VU_MAX_FDS (the caller keeps and closes fd). */
int vu_reader_add_fd(struct vu_reader *r, int fd);

/* The header of the message received so far (valid once complete). */
void vu_reader_hdr(const struct vu_reader *r, struct vu_hdr *ret_hdr);

#endif
