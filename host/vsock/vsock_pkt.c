#include "vsock_pkt.h"

#include <endian.h>
#include <linux/virtio_vsock.h>
#include <string.h>

_Static_assert(sizeof(struct virtio_vsock_hdr) == VSOCK_HDR_SIZE, "header size");

void vsock_hdr_decode(const uint8_t raw[VSOCK_HDR_SIZE], struct vsock_hdr *h)
{
	struct virtio_vsock_hdr w;
	memcpy(&w, raw, sizeof(w));
	h->src_cid = le64toh(w.src_cid);
	h->dst_cid = le64toh(w.dst_cid);
	h->src_port = le32toh(w.src_port);
	h->dst_port = le32toh(w.dst_port);
	h->len = le32toh(w.len);
	h->type = le16toh(w.type);
	h->op = le16toh(w.op);
	h->flags = le32toh(w.flags);
	h->buf_alloc = le32toh(w.buf_alloc);
	h->fwd_cnt = le32toh(w.fwd_cnt);
}

void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t raw[VSOCK_HDR_SIZE])
{
	struct virtio_vsock_hdr w = {
	    .src_cid = htole64(h->src_cid),
	    .dst_cid = htole64(h->dst_cid),
	    .src_port = htole32(h->src_port),
	    .dst_port = htole32(h->dst_port),
	    .len = htole32(h->len),
	    .type = htole16(h->type),
	    .op = htole16(h->op),
	    .flags = htole32(h->flags),
	    .buf_alloc = htole32(h->buf_alloc),
	    .fwd_cnt = htole32(h->fwd_cnt),
	};
	memcpy(raw, &w, sizeof(w));
}

enum vsock_pkt_verdict vsock_pkt_check(const struct vsock_hdr *untrusted_hdr, uint64_t guest_cid,
				       uint64_t payload_avail, const char **ret_why)
{
	const struct vsock_hdr *h = untrusted_hdr;
	enum vsock_pkt_verdict v = VSOCK_PKT_RESET;
	const char *why;
	if (h->src_cid != guest_cid) {
		/* A guest claiming another source is spoofing: never answer it. */
		v = VSOCK_PKT_DROP;
		why = "source CID is not the guest's";
	} else if (h->op == VIRTIO_VSOCK_OP_RST) {
		/* Never answer a reset with a reset, whatever else is wrong with it. */
		if (h->dst_cid == VSOCK_HOST_CID)
			return VSOCK_PKT_OK;
		v = VSOCK_PKT_DROP;
		why = "reset for a destination CID other than the host";
	} else if (h->dst_cid != VSOCK_HOST_CID) {
		why = "destination CID is not the host";
	} else if (h->type != VIRTIO_VSOCK_TYPE_STREAM) {
		why = "socket type is not stream";
	} else if (h->op < VIRTIO_VSOCK_OP_REQUEST || h->op > VIRTIO_VSOCK_OP_CREDIT_REQUEST) {
		why = "unknown op";
	} else if (h->len > VSOCK_MAX_PAYLOAD) {
		why = "payload length over 64 KiB";
	} else if (h->len > payload_avail) {
		why = "payload length beyond the descriptor chain";
	} else if (h->op != VIRTIO_VSOCK_OP_RW && h->len != 0) {
		why = "payload on a packet other than RW";
	} else if (h->op == VIRTIO_VSOCK_OP_SHUTDOWN &&
		   (h->flags &
		    ~(uint32_t)(VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND))) {
		why = "unknown SHUTDOWN flags";
	} else {
		return VSOCK_PKT_OK;
	}
	*ret_why = why;
	return v;
}

const char *vsock_op_name(uint16_t op)
{
	static const char *const names[] = {
	    "INVALID",	"REQUEST", "RESPONSE",	    "RST",
	    "SHUTDOWN", "RW",	   "CREDIT_UPDATE", "CREDIT_REQUEST",
	};
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "UNKNOWN";
}
