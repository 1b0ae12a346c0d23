/* The Wayland wire format: message headers and arguments, decoded against
 * libwayland's own wl_message signatures. Pure: memory only.
 *
 * A message is a header of two 32-bit words in host byte order (object id;
 * size << 16 | opcode) followed by its arguments. See docs/wayland.md. */
#ifndef APPVM_WAYLAND_WIRE_H
#define APPVM_WAYLAND_WIRE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wl_interface;
struct wl_message;

#define WLF_HEADER_SIZE 8
/* libwayland's limit for one message (its connection buffer size). */
#define WLF_MAX_MSG 4096
/* libwayland's WL_CLOSURE_MAX_ARGS. */
#define WLF_MAX_ARGS 20
/* libwayland's MAX_FDS_OUT: the most fds one sendmsg may carry to a peer. */
#define WLF_MAX_FDS_SEND 28
/* Ids from here up are allocated by the server side. */
#define WLF_SERVER_ID_START 0xff000000u

struct wlf_header {
	uint32_t id;
	uint16_t opcode;
	uint16_t size; /* bytes, header included */
};

/* Reads the header at the start of len bytes. Returns 0 when a whole message
 * of h->size bytes is present, -EAGAIN when more bytes are needed, or
 * -EBADMSG when the size is impossible (under 8, not a multiple of 4, over
 * WLF_MAX_MSG). */
int wlf_header_parse(const uint8_t *buf, size_t len, struct wlf_header *h);

/* One decoded argument. Values point into the message bytes. */
struct wlf_arg {
	char type;     /* i u f s o n a h */
	bool nullable; /* '?' in the signature */
	uint16_t word; /* index of the argument's first 32-bit word in the message */
	const struct wl_interface *iface; /* types[] entry for o and n, else NULL */
	uint32_t u;			  /* i u f o n: the value; s a: the length word */
	const uint8_t *data;		  /* s a: the payload (s: NUL-terminated), else NULL */
};

struct wlf_msg {
	struct wlf_header h;
	const struct wl_message *m;
	const uint8_t *raw; /* the whole message, h.size bytes */
	unsigned nargs;
	unsigned nfds; /* 'h' arguments: fds the message consumes */
	struct wlf_arg args[WLF_MAX_ARGS];
};

/* Returns the version from which a message exists (its signature's leading
 * digits), 1 when there are none. */
unsigned wlf_message_since(const struct wl_message *m);

/* Decodes the arguments of the whole message raw (header already parsed into
 * h) against m's signature: lengths, padding, NUL terminators, nullability,
 * no trailing bytes. Object ids are not looked up here. Returns 0, or
 * -EBADMSG with *ret_why set to a static explanation. */
int wlf_msg_decode(const uint8_t *raw, const struct wlf_header *h, const struct wl_message *m,
		   struct wlf_msg *out, const char **ret_why);

/* Reads/writes the 32-bit word at index word of a message. */
uint32_t wlf_word(const uint8_t *raw, unsigned word);
void wlf_set_word(uint8_t *raw, unsigned word, uint32_t v);

/* A bounded message builder. Errors are sticky: wlf_enc_end reports them. */
struct wlf_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

/* Starts a message for object id with opcode in buf (cap bytes). */
void wlf_enc_begin(struct wlf_enc *e, uint8_t *buf, size_t cap, uint32_t id, uint16_t opcode);
void wlf_enc_u32(struct wlf_enc *e, uint32_t v);
/* A string of len bytes plus the NUL the wire adds; s NULL encodes null. */
void wlf_enc_string(struct wlf_enc *e, const char *s, size_t len);
void wlf_enc_array(struct wlf_enc *e, const void *data, size_t len);
/* Raw bytes of an array argument. */
struct wlf_blob {
	const void *data;
	size_t len;
};

/* Encodes arguments taken from ap as signature sig says ("since" digits and
 * '?' are skipped): i u f o n take a uint32_t, s a const char * (NULL for
 * null), a a const struct wlf_blob *, h an int fd, which is stored in fds
 * (room for max_fds; *ret_nfds counts them). */
void wlf_enc_args(struct wlf_enc *e, const char *sig, va_list ap, int *fds, unsigned max_fds,
		  unsigned *ret_nfds);

/* Writes the size into the header. Returns the message size, or -EMSGSIZE
 * when it would not fit in cap bytes or in WLF_MAX_MSG. */
int wlf_enc_end(struct wlf_enc *e);

#endif
