/* The portal daemon's local control socket (docs/portal.md): one request
 * line from the host user's tool, answered with a status line and, for
 * "list", one line per grant; then the daemon closes. Shared by
 * appvm-portald and appvmctl. Pure code apart from the FILE. */
#ifndef APPVM_PD_CTLPROTO_H
#define APPVM_PD_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PD_CTL_REQUEST_MAX 64u /* longest request line, newline included */

enum pd_ctl_cmd { PD_CTL_LIST, PD_CTL_REVOKE, PD_CTL_REVOKE_ALL };

struct pd_ctl_req {
	enum pd_ctl_cmd cmd;
	uint64_t id; /* revoke */
};

/* One grant in a listing. */
struct pd_ctl_doc {
	uint64_t id;
	uint32_t perms; /* PROTO_PERM_* */
	bool staged;
	uint64_t staged_bytes;
	uint64_t age_s;
	const char *path; /* bytes, not NUL-terminated when parsed: see path_len */
	size_t path_len;
};

/* Parses a document id: 1 to 16 hexadecimal digits, not 0. Returns 0 or -EINVAL. */
int pd_ctl_parse_id(const char *s, uint64_t *ret);

/* Parses one request line (without its newline). Returns 0 or -EINVAL. */
int pd_ctl_parse_request(const char *line, size_t len, struct pd_ctl_req *ret);

/* Writes a request line, newline included. */
void pd_ctl_format_request(FILE *f, const struct pd_ctl_req *r);

/* Writes "ok N\n". */
void pd_ctl_format_ok(FILE *f, unsigned n);

/* Writes "error WORD\n" (WORD: usage, not-found, internal). */
void pd_ctl_format_error(FILE *f, const char *word);

/* Writes one listing line: "ID ACCESS STAGED AGE PATH\n" with ID in 16 hex
 * digits, ACCESS ro, rw or wo, STAGED the staged bytes or "-", AGE seconds,
 * and the path with '\\' and bytes below 0x20 or 0x7f written as \\\\ and \\xHH. */
void pd_ctl_format_doc(FILE *f, const struct pd_ctl_doc *d);

/* Parses a status line (without its newline): "ok N" gives 0 with *ret_n;
 * "error WORD" gives -EREMOTEIO with *ret_word pointing at WORD; anything
 * else -EPROTO. */
int pd_ctl_parse_status(const char *line, unsigned *ret_n, const char **ret_word);

/* Parses a listing line in place (the path is unescaped where it is).
 * Returns 0 or -EPROTO. */
int pd_ctl_parse_doc(char *line, struct pd_ctl_doc *ret);

#endif
