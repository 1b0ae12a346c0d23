/* The virtio-vsock packet header (virtio 1.2, 5.10.6): decoding from the
 * little-endian wire form, encoding, and the checks every packet from the
 * guest passes before anything acts on it. Pure. */
#ifndef APPVM_VSOCK_PKT_H
#define APPVM_VSOCK_PKT_H

#include <stddef.h>
#include <stdint.h>

#define VSOCK_HDR_SIZE 44
#define VSOCK_HOST_CID 2
/* Largest payload accepted from the guest in one packet (Linux sends at most
 * 64 KiB) and the largest this device puts in one packet. */
#define VSOCK_MAX_PAYLOAD (64 * 1024)

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint32_t len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

/* What to do with a packet from the guest. */
enum vsock_pkt_verdict {
	VSOCK_PKT_OK,	 /* hand it to the connection state machine */
	VSOCK_PKT_DROP,	 /* ignore silently (spoofed, or a reset already) */
	VSOCK_PKT_RESET, /* answer with a reset for its address pair */
};

/* Decodes the 44-byte little-endian wire header; nothing is checked here. */
void vsock_hdr_decode(const uint8_t raw[VSOCK_HDR_SIZE], struct vsock_hdr *ret_hdr);

/* Encodes a header into its 44-byte little-endian wire form. */
void vsock_hdr_encode(const struct vsock_hdr *hdr, uint8_t raw[VSOCK_HDR_SIZE]);

/* Checks a header read from the guest's TX queue: source is the guest's own
 * CID, destination the host, a stream packet with a known op, and a payload
 * length that is bounded, present in the chain (payload_avail bytes follow the
 * header) and zero for every op but RW. Returns the verdict; for any but OK,
 * *ret_why says which rule the packet broke. */
enum vsock_pkt_verdict vsock_pkt_check(const struct vsock_hdr *untrusted_hdr, uint64_t guest_cid,
				       uint64_t payload_avail, const char **ret_why);

/* Returns a short name for an op, for logs. */
const char *vsock_op_name(uint16_t op);

#endif
