/* Names the guest portal makes or checks: request handle paths, document
 * directory names, file:// URIs of documents, and text cleaned up to fit the
 * protocol's string classes (docs/portal.md); and the errno an app gets for
 * the host's error code. Pure code: no I/O. */
#ifndef APPVM_PORTAL_NAMES_H
#define APPVM_PORTAL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The object path prefix of Request objects. */
#define PORTAL_REQUEST_PREFIX "/org/freedesktop/portal/desktop/request/"
/* Longest handle_token accepted. */
#define PORTAL_TOKEN_MAX 64u
/* Longest unique bus name accepted as a sender (":1.23"). */
#define PORTAL_SENDER_MAX 64u
/* Room for a whole handle path. */
#define PORTAL_HANDLE_MAX (sizeof(PORTAL_REQUEST_PREFIX) + PORTAL_SENDER_MAX + PORTAL_TOKEN_MAX + 2)
/* A document directory name: 16 lowercase hex digits. */
#define PORTAL_DOCDIR_LEN 16u

/* Returns true for 1..PORTAL_TOKEN_MAX characters of [A-Za-z0-9_]: what may
 * be an element of an object path (the portal's handle_token rule). */
bool portal_token_ok(const char *untrusted_token);

/* Writes the Request object path for a caller's unique name and a token:
 * PORTAL_REQUEST_PREFIX + the name without ':' and with '.' as '_' + '/' +
 * token. Returns 0, -EINVAL (sender not a unique name ":X.Y" of at most
 * PORTAL_SENDER_MAX bytes, or a bad token) or -ENOSPC. */
int portal_handle_path(const char *sender, const char *token, char *buf, size_t size);

/* Writes the directory name of document id (PORTAL_DOCDIR_LEN hex digits and
 * a NUL) into buf. */
void portal_docdir_name(uint64_t id, char buf[PORTAL_DOCDIR_LEN + 1]);

/* Parses a directory name written by portal_docdir_name. Returns 0 or
 * -ENOENT (anything else, including id 0). */
int portal_docdir_parse(const char *untrusted_name, uint64_t *ret_id);

/* Writes "file://" + the percent-encoded path mountpoint/DOCDIR/name: every
 * byte outside A-Z a-z 0-9 - . _ ~ / is written as %XX. Returns the length,
 * or -ENOSPC. */
int portal_doc_uri(const char *mountpoint, uint64_t id, const char *name, char *buf, size_t size);

enum portal_text {
	PORTAL_TEXT_LABEL,    /* the protocol's LABEL: at most 256 bytes */
	PORTAL_TEXT_FILENAME, /* FILENAME: at most 255 bytes, no '/', not "." or ".." */
};

/* Copies text to out as the class allows, whatever it holds: bytes that are
 * not UTF-8 and hidden characters (control, bidirectional, separators)
 * become '_' (tab, newline and carriage return in a LABEL become a space),
 * '/' in a FILENAME becomes '_', "." and ".." become "_", and the result is
 * cut at a character boundary to the class's length. out gets a NUL;
 * out_size must be at least the class's maximum + 1. Returns the length. */
size_t portal_sanitize(const char *untrusted, size_t len, enum portal_text cls, char *out,
		       size_t out_size);

/* Returns the last component of a path given as bytes (up to a NUL or len):
 * what follows the last '/'; *ret_len gets its length (0 for "", "/" or a
 * trailing '/'). */
const char *portal_basename(const char *path, size_t len, size_t *ret_len);

/* Maps an ERROR reply's code to an errno for a file operation (an unknown
 * code, or INTERNAL, IO: EIO). */
int host_error_errno(uint32_t code);

#endif
