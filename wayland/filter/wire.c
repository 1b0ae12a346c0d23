#include "wire.h"

#include <errno.h>
#include <string.h>
#include <wayland-util.h>

int wlf_header_parse(const uint8_t *buf, size_t len, struct wlf_header *h)
{
	if (len < WLF_HEADER_SIZE)
		return -EAGAIN;
	uint32_t w1 = wlf_word(buf, 1);
	h->id = wlf_word(buf, 0);
	h->opcode = (uint16_t)(w1 & 0xffff);
	h->size = (uint16_t)(w1 >> 16);
	if (h->size < WLF_HEADER_SIZE || h->size % 4 != 0 || h->size > WLF_MAX_MSG)
		return -EBADMSG;
	if (len < h->size)
		return -EAGAIN;
	return 0;
}

uint32_t wlf_word(const uint8_t *raw, unsigned word)
{
	uint32_t v;
	memcpy(&v, raw + 4 * (size_t)word, 4);
	return v;
}

void wlf_set_word(uint8_t *raw, unsigned word, uint32_t v)
{
	memcpy(raw + 4 * (size_t)word, &v, 4);
}

unsigned wlf_message_since(const struct wl_message *m)
{
	unsigned since = 0;
	for (const char *s = m->signature; *s >= '0' && *s <= '9'; s++)
		since = since * 10 + (unsigned)(*s - '0');
	return since ? since : 1;
}

static int bad(const char **ret_why, const char *why)
{
	*ret_why = why;
	return -EBADMSG;
}

int wlf_msg_decode(const uint8_t *raw, const struct wlf_header *h, const struct wl_message *m,
		   struct wlf_msg *out, const char **ret_why)
{
	unsigned nwords = h->size / 4;
	unsigned w = 2; /* next word */
	unsigned ti = 0;
	bool nullable = false;

	out->h = *h;
	out->m = m;
	out->raw = raw;
	out->nargs = 0;
	out->nfds = 0;
	for (const char *s = m->signature; *s; s++) {
		if (*s >= '0' && *s <= '9')
			continue;
		if (*s == '?') {
			nullable = true;
			continue;
		}
		if (out->nargs == WLF_MAX_ARGS)
			return bad(ret_why, "too many arguments in signature");
		struct wlf_arg *a = &out->args[out->nargs++];
		a->type = *s;
		a->nullable = nullable;
		a->word = (uint16_t)w;
		a->iface = m->types ? m->types[ti] : NULL;
		a->u = 0;
		a->data = NULL;
		ti++;
		nullable = false;
		switch (*s) {
		case 'h':
			out->nfds++;
			continue;
		case 'i':
		case 'u':
		case 'f':
		case 'o':
		case 'n':
			if (w >= nwords)
				return bad(ret_why, "message too short for its arguments");
			a->u = wlf_word(raw, w++);
			if (*s == 'o' && a->u == 0 && !a->nullable)
				return bad(ret_why, "null object for a non-nullable argument");
			if (*s == 'n' && a->u == 0)
				return bad(ret_why, "new_id of 0");
			continue;
		case 's':
		case 'a': {
			if (w >= nwords)
				return bad(ret_why, "message too short for its arguments");
			uint32_t untrusted_len = wlf_word(raw, w++);
			size_t room = (size_t)(nwords - w) * 4;
			if (untrusted_len > room || ((size_t)untrusted_len + 3) / 4 * 4 > room)
				return bad(ret_why, "string or array longer than the message");
			a->u = untrusted_len;
			if (*s == 's') {
				if (untrusted_len == 0) {
					if (!a->nullable)
						return bad(
						    ret_why,
						    "null string for a non-nullable argument");
				} else {
					const uint8_t *p = raw + 4 * (size_t)w;
					if (p[untrusted_len - 1] != '\0')
						return bad(ret_why,
							   "string without its terminator");
					if (memchr(p, '\0', untrusted_len - 1))
						return bad(ret_why, "string with an embedded NUL");
					a->data = p;
				}
			} else {
				a->data = raw + 4 * (size_t)w;
			}
			w += (untrusted_len + 3) / 4;
			continue;
		}
		default:
			return bad(ret_why, "unknown signature character");
		}
	}
	if (w != nwords)
		return bad(ret_why, "trailing bytes after the arguments");
	return 0;
}

void wlf_enc_begin(struct wlf_enc *e, uint8_t *buf, size_t cap, uint32_t id, uint16_t opcode)
{
	e->buf = buf;
	e->cap = cap < WLF_MAX_MSG ? cap : WLF_MAX_MSG;
	e->len = 0;
	e->overflow = false;
	wlf_enc_u32(e, id);
	wlf_enc_u32(e, opcode);
}

static uint8_t *enc_room(struct wlf_enc *e, size_t n)
{
	if (e->overflow || e->cap - e->len < n) {
		e->overflow = true;
		return NULL;
	}
	uint8_t *p = e->buf + e->len;
	e->len += n;
	return p;
}

void wlf_enc_u32(struct wlf_enc *e, uint32_t v)
{
	uint8_t *p = enc_room(e, 4);
	if (p)
		memcpy(p, &v, 4);
}

/* Length word, payload, zero padding to the next word. */
static void enc_blob(struct wlf_enc *e, const void *data, size_t len, size_t wire_len)
{
	if (wire_len > UINT32_MAX - 3) {
		e->overflow = true;
		return;
	}
	wlf_enc_u32(e, (uint32_t)wire_len);
	size_t padded = (wire_len + 3) / 4 * 4;
	uint8_t *p = enc_room(e, padded);
	if (!p)
		return;
	if (len)
		memcpy(p, data, len);
	memset(p + len, 0, padded - len);
}

void wlf_enc_string(struct wlf_enc *e, const char *s, size_t len)
{
	if (!s)
		wlf_enc_u32(e, 0);
	else
		enc_blob(e, s, len, len + 1);
}

void wlf_enc_array(struct wlf_enc *e, const void *data, size_t len)
{
	enc_blob(e, data, len, len);
}

void wlf_enc_args(struct wlf_enc *e, const char *sig, va_list ap, int *fds, unsigned max_fds,
		  unsigned *ret_nfds)
{
	*ret_nfds = 0;
	for (const char *s = sig; *s; s++) {
		switch (*s) {
		case 's': {
			const char *str = va_arg(ap, const char *);
			wlf_enc_string(e, str, str ? strlen(str) : 0);
			break;
		}
		case 'a': {
			const struct wlf_blob *b = va_arg(ap, const struct wlf_blob *);
			wlf_enc_array(e, b->data, b->len);
			break;
		}
		case 'h': {
			int fd = va_arg(ap, int);
			if (*ret_nfds < max_fds)
				fds[(*ret_nfds)++] = fd;
			else
				e->overflow = true;
			break;
		}
		case 'i':
		case 'u':
		case 'f':
		case 'o':
		case 'n':
			wlf_enc_u32(e, va_arg(ap, uint32_t));
			break;
		default: /* since digits, '?' */
			break;
		}
	}
}

int wlf_enc_end(struct wlf_enc *e)
{
	if (e->overflow || e->len < WLF_HEADER_SIZE)
		return -EMSGSIZE;
	uint32_t w1 = wlf_word(e->buf, 1);
	wlf_set_word(e->buf, 1, (uint32_t)e->len << 16 | (w1 & 0xffff));
	return (int)e->len;
}
