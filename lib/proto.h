/* The appvm host <-> guest wire protocol, version 1 (docs/protocol.md).
 *
 * Pure code: no I/O, no allocation except in the stream reader, which
 * allocates a payload buffer only after the header has passed its checks.
 * Decoded strings and blobs point into the caller's payload buffer. */
#ifndef APPVM_PROTO_H
#define APPVM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC	    0x5641u
#define PROTO_HEADER_SIZE   16u
#define PROTO_VERSION_MIN   1u
#define PROTO_VERSION_MAX   1u
#define PROTO_MAX_PAYLOAD   65536u /* global cap, also for unknown types */
#define PROTO_CHUNK	    32768u /* largest data blob in one message */
#define PROTO_CLIPBOARD_MAX (16u * 1024 * 1024)

#define PROTO_FLAG_REPLY 0x0001u

/* String length caps per class (bytes). */
#define PROTO_NAME_MAX	   256u
#define PROTO_TEXT_MAX	   256u
#define PROTO_MIME_MAX	   255u
#define PROTO_PATH_MAX	   4096u
#define PROTO_FILENAME_MAX 255u
#define PROTO_IFNAME_MAX   15u
#define PROTO_LABEL_MAX	   256u
#define PROTO_ID_MAX	   64u
#define PROTO_GLOB_MAX	   255u
#define PROTO_ENTRY_MAX	   255u /* a name inside a granted folder */

/* List caps. Patterns and options are counted over the whole dialog. */
#define PROTO_MAX_FILTERS  32u
#define PROTO_MAX_PATTERNS 128u
#define PROTO_MAX_CHOICES  8u
#define PROTO_MAX_OPTIONS  64u
#define PROTO_MAX_DOCS	   64u
#define PROTO_MAX_STORES   32u
#define PROTO_MAX_ADDRS	   32u
#define PROTO_MAX_ENTRIES  128u /* names in one ENTRY_READDIR reply */

/* Largest offset or size a document operation may name (off_t stays positive). */
#define PROTO_DOC_SIZE_MAX 0x7fffffffffffffffull
/* "No filter" in current_filter. */
#define PROTO_NO_FILTER 0xffu

enum proto_type {
	PROTO_HELLO = 0x0001,
	PROTO_ERROR = 0x0002,
	PROTO_PING = 0x0010,
	PROTO_STATUS = 0x0011,
	PROTO_SHUTDOWN = 0x0012,
	PROTO_REBOOT = 0x0013,
	PROTO_READY = 0x0018,
	PROTO_APP_EXIT = 0x0019,
	PROTO_CLIPBOARD_GET = 0x0020,
	PROTO_CLIPBOARD_SET = 0x0021,
	PROTO_FILE_OPEN = 0x0030,
	PROTO_FILE_SAVE = 0x0031,
	PROTO_FILE_SAVE_MANY = 0x0032,
	PROTO_FILE_CANCEL = 0x0033,
	PROTO_DOC_GRANT = 0x0040,
	PROTO_DOC_REVOKE = 0x0041,
	PROTO_DOC_READ = 0x0042,
	PROTO_DOC_WRITE = 0x0043,
	PROTO_DOC_CLOSE = 0x0044,
	PROTO_DOC_STAT = 0x0045,
	PROTO_DOC_BEGIN = 0x0046,
	PROTO_DOC_TRUNCATE = 0x0047,
	PROTO_DOC_COMMIT = 0x0048,
	PROTO_DOC_ABORT = 0x0049,
	PROTO_ENTRY_LOOKUP = 0x0050,
	PROTO_ENTRY_STAT = 0x0051,
	PROTO_ENTRY_FORGET = 0x0052,
	PROTO_ENTRY_READDIR = 0x0053,
	PROTO_ENTRY_OPEN = 0x0054,
	PROTO_ENTRY_MKDIR = 0x0055,
	PROTO_ENTRY_UNLINK = 0x0056,
	PROTO_ENTRY_RENAME = 0x0057,
};

enum proto_cap {
	PROTO_CAP_CONTROL = 1u << 0,
	PROTO_CAP_CLIPBOARD = 1u << 1,
	PROTO_CAP_FILE_CHOOSER = 1u << 2,
	PROTO_CAP_DOCUMENTS = 1u << 3,
	PROTO_CAP_FOLDERS = 1u << 4,
};

enum proto_error_code {
	PROTO_ERR_UNSUPPORTED = 1,
	PROTO_ERR_BAD_REQUEST = 2,
	PROTO_ERR_VERSION_MISMATCH = 3,
	PROTO_ERR_BUSY = 4,
	PROTO_ERR_CANCELLED = 5,
	PROTO_ERR_NOT_FOUND = 6,
	PROTO_ERR_PERMISSION = 7,
	PROTO_ERR_IO = 8,
	PROTO_ERR_INTERNAL = 9,
	PROTO_ERR_STATE = 10,
	PROTO_ERR_LIMIT = 11,
	PROTO_ERR_STALE = 12,	  /* a folder node the receiver does not know (any more) */
	PROTO_ERR_NO_ENTRY = 13,  /* no such name in the folder */
	PROTO_ERR_EXISTS = 14,	  /* the name exists already */
	PROTO_ERR_NOT_EMPTY = 15, /* a folder to remove is not empty */
	PROTO_ERR_NOT_DIR = 16,	  /* a file where a folder is needed */
	PROTO_ERR_IS_DIR = 17,	  /* a folder where a file is needed */
	/* Too big to do in one step: a folder to move to another depth holds
	 * more than the receiver looks through (copy it instead). */
	PROTO_ERR_TOO_BIG = 18,
};

enum proto_app_state {
	PROTO_APP_UNKNOWN = 0,
	PROTO_APP_STARTING = 1,
	PROTO_APP_RUNNING = 2,
	PROTO_APP_EXITED = 3,
	PROTO_APP_FAILED = 4,
	PROTO_APP_RESTARTING = 5,
};

enum proto_exit_how {
	PROTO_EXIT_NONE = 0,
	PROTO_EXIT_CODE = 1,
	PROTO_EXIT_SIGNAL = 2,
};

#define PROTO_EXIT_STATUS_MAX 255u /* PROTO_EXIT_CODE: status 0-255 */
#define PROTO_EXIT_SIGNAL_MAX 64u  /* PROTO_EXIT_SIGNAL: signal 1-64 */

/* The one rule for an app exit, in the STATUS record and in APP_EXIT: how is
 * PROTO_EXIT_CODE with a status of 0 to 255, or PROTO_EXIT_SIGNAL with a
 * signal of 1 to 64; where none_ok (STATUS), also PROTO_EXIT_NONE with value
 * 0 ("has not exited"). Returns NULL when the pair obeys it, else a few words
 * saying what is wrong. */
const char *proto_exit_check(uint8_t how, int32_t value, int none_ok);

/* Dialog flags. */
#define PROTO_DIALOG_MULTIPLE  0x1u /* FILE_OPEN: several files */
#define PROTO_DIALOG_DIRECTORY 0x2u /* FILE_OPEN: folders (with PROTO_CAP_FOLDERS) */
#define PROTO_DIALOG_MODAL     0x4u /* a hint only */
/* Filter pattern kinds (as in the portal's a(us)). */
#define PROTO_PATTERN_GLOB 0u
#define PROTO_PATTERN_MIME 1u
/* Document permissions, and the stat flags that extend them. */
#define PROTO_PERM_READ	  0x1u
#define PROTO_PERM_WRITE  0x2u
#define PROTO_STAT_EXISTS 0x4u
#define PROTO_STAT_STAGED 0x8u
/* A document that is a folder (doc perms only; bits 2 and 3 stay clear so
 * that permissions and stat flags never collide). */
#define PROTO_DOC_FOLDER 0x10u
/* Folder entries: kinds, the root's node, and the flags of the requests. */
#define PROTO_ENTRY_FILE       0x1u
#define PROTO_ENTRY_DIR	       0x2u
#define PROTO_ROOT_NODE	       1u
#define PROTO_MODE_MAX	       0777u
#define PROTO_OPEN_CREATE      0x1u /* ENTRY_OPEN: create the file if missing */
#define PROTO_OPEN_EXCL	       0x2u /* ENTRY_OPEN: with CREATE, fail if it exists */
#define PROTO_UNLINK_DIR       0x1u /* ENTRY_UNLINK: remove an empty folder */
#define PROTO_RENAME_NOREPLACE 0x1u /* ENTRY_RENAME: fail if the new name exists */
/* DOC_READ flags. */
#define PROTO_READ_STAGED 0x1u
/* DOC_BEGIN flags. */
#define PROTO_BEGIN_KEEP 0x1u

struct proto_header {
	uint16_t type;
	uint16_t flags;
	uint32_t id;
	uint32_t length;
};

/* A string or blob inside a payload buffer (not NUL-terminated). */
struct proto_str {
	const char *ptr;
	uint16_t len;
};

struct proto_blob {
	const uint8_t *ptr;
	uint32_t len;
};

struct proto_hello {
	uint16_t min_version; /* request only */
	uint16_t max_version; /* request only */
	uint16_t version;     /* reply only */
	uint32_t caps;
	struct proto_str software;
};

struct proto_error {
	uint32_t code;
	struct proto_str message;
};

struct proto_store {
	struct proto_str name;
	struct proto_str mount_point;
	uint8_t writable;
};

struct proto_addr {
	struct proto_str ifname;
	uint8_t family; /* 4 or 6 */
	uint8_t prefix;
	uint8_t addr[16]; /* 4 bytes used for IPv4 */
};

struct proto_status {
	struct proto_str vm_name;
	struct proto_str agent_version;
	uint16_t protocol_version;
	uint64_t uptime_ms;
	uint64_t mem_total_kib;
	uint64_t mem_available_kib;
	uint32_t load_milli[3];
	uint8_t app_state;
	uint8_t app_exit_how;
	int32_t app_exit_value;
	uint16_t n_stores;
	struct proto_store stores[PROTO_MAX_STORES];
	uint16_t n_addrs;
	struct proto_addr addrs[PROTO_MAX_ADDRS];
};

struct proto_ready {
	uint64_t uptime_ms;
	struct proto_str vm_name;
};

struct proto_app_exit {
	uint8_t how;
	int32_t value;
};

struct proto_clipboard_get {
	uint32_t offset;
	uint32_t max_length;
	struct proto_str mime;
};

struct proto_clipboard_data { /* CLIPBOARD_GET reply */
	uint32_t total;
	struct proto_blob data;
};

struct proto_clipboard_set {
	uint32_t total;
	uint32_t offset;
	struct proto_str mime;
	struct proto_blob data;
};

struct proto_doc {
	uint64_t id;
	uint64_t size;
	uint32_t perms;
	struct proto_str name;
};

/* A dialog's filters and choices are kept flat: filter i owns patterns
 * [first, first + n_patterns) of the dialog's pattern array, in order, and
 * choice i likewise owns a run of the option array. */
struct proto_pattern {
	uint8_t kind; /* PROTO_PATTERN_GLOB or PROTO_PATTERN_MIME */
	struct proto_str pattern;
};

struct proto_filter {
	struct proto_str name;
	uint8_t first; /* index of its first pattern */
	uint8_t n_patterns;
};

struct proto_option {
	struct proto_str id;
	struct proto_str label;
};

struct proto_choice {
	struct proto_str id;
	struct proto_str label;
	uint8_t first;	   /* index of its first option */
	uint8_t n_options; /* 0: a boolean choice */
	struct proto_str initial;
};

/* FILE_OPEN, FILE_SAVE and FILE_SAVE_MANY requests. */
struct proto_dialog {
	uint32_t flags;
	struct proto_str title;
	struct proto_str accept_label;
	uint8_t n_filters;
	uint8_t current_filter; /* index, or PROTO_NO_FILTER */
	uint8_t n_patterns;	/* over all filters */
	uint8_t n_choices;
	uint8_t n_options; /* over all choices */
	struct proto_filter filters[PROTO_MAX_FILTERS];
	struct proto_pattern patterns[PROTO_MAX_PATTERNS];
	struct proto_choice choices[PROTO_MAX_CHOICES];
	struct proto_option options[PROTO_MAX_OPTIONS];
	struct proto_str current_name; /* FILE_SAVE: "" or a FILENAME */
	uint16_t n_names;	       /* FILE_SAVE_MANY */
	struct proto_str names[PROTO_MAX_DOCS];
};

struct proto_choice_value {
	struct proto_str id;
	struct proto_str value;
};

/* The reply of the three dialog requests. */
struct proto_dialog_result {
	uint8_t current_filter; /* index, or PROTO_NO_FILTER */
	uint8_t n_choices;
	struct proto_choice_value choices[PROTO_MAX_CHOICES];
	uint16_t n_docs;
	struct proto_doc docs[PROTO_MAX_DOCS];
};

struct proto_doc_stat {
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint32_t flags; /* PROTO_PERM_* | PROTO_STAT_* */
	uint64_t staged_size;
};

struct proto_doc_read {
	uint64_t doc_id;
	uint64_t offset;
	uint32_t length;
	uint32_t flags; /* PROTO_READ_* */
};

struct proto_doc_begin {
	uint64_t doc_id;
	uint32_t flags; /* PROTO_BEGIN_* */
};

struct proto_doc_truncate {
	uint64_t doc_id;
	uint64_t size;
};

struct proto_doc_write {
	uint64_t doc_id;
	uint64_t offset;
	struct proto_blob data;
};

/* A name inside a granted folder (ENTRY_* requests). */
struct proto_entry {
	uint8_t kind;  /* PROTO_ENTRY_FILE or PROTO_ENTRY_DIR */
	uint16_t mode; /* permission bits, at most 0777 */
	uint32_t mtime_nsec;
	int64_t mtime_sec;
	uint64_t size; /* 0 for a folder */
	uint64_t node; /* a folder's node; 0 for a file */
};

/* ENTRY_LOOKUP, ENTRY_MKDIR, ENTRY_OPEN, ENTRY_UNLINK: a name in folder node dir. */
struct proto_entry_name {
	uint64_t doc_id;
	uint64_t dir;
	struct proto_str name;
	uint32_t flags; /* ENTRY_OPEN, ENTRY_UNLINK */
};

/* ENTRY_STAT, ENTRY_FORGET. */
struct proto_entry_node {
	uint64_t doc_id;
	uint64_t node;
	uint64_t count; /* ENTRY_FORGET */
};

struct proto_entry_readdir {
	uint64_t doc_id;
	uint64_t dir;
	uint64_t cookie; /* 0: from the start; else a cookie of an earlier reply */
	uint16_t max;	 /* 1 to PROTO_MAX_ENTRIES */
};

struct proto_dirent {
	uint64_t cookie; /* where the next ENTRY_READDIR after this name starts */
	uint8_t kind;
	struct proto_str name;
};

struct proto_entry_list { /* ENTRY_READDIR reply */
	uint16_t n;
	struct proto_dirent e[PROTO_MAX_ENTRIES];
};

struct proto_entry_rename {
	uint64_t doc_id;
	uint64_t dir;
	struct proto_str name;
	uint64_t new_dir;
	struct proto_str new_name;
	uint32_t flags; /* PROTO_RENAME_* */
};

struct proto_entry_opened { /* ENTRY_OPEN reply: the file as a document of its own */
	uint64_t doc_id;
	struct proto_doc_stat stat;
};

/* One decoded message. Which union member is used follows from type and
 * whether PROTO_FLAG_REPLY is set (see the catalogue in docs/protocol.md);
 * messages with an empty payload use none. */
struct proto_msg {
	uint16_t type;
	uint16_t flags;
	uint32_t id;
	union {
		struct proto_hello hello;
		struct proto_error error;
		uint64_t ping_nonce;
		struct proto_status status;
		uint32_t deadline_ms; /* SHUTDOWN, REBOOT */
		struct proto_ready ready;
		struct proto_app_exit app_exit;
		struct proto_clipboard_get clipboard_get;
		struct proto_clipboard_data clipboard_data;
		struct proto_clipboard_set clipboard_set;
		struct proto_dialog dialog;	   /* FILE_OPEN, FILE_SAVE, FILE_SAVE_MANY */
		struct proto_dialog_result result; /* their replies */
		uint32_t request_id;		   /* FILE_CANCEL */
		struct proto_doc doc;		   /* DOC_GRANT */
		uint64_t doc_id;		   /* DOC_REVOKE, CLOSE, STAT, COMMIT, ABORT */
		struct proto_doc_stat stat;	   /* DOC_STAT, DOC_BEGIN, DOC_COMMIT replies */
		struct proto_doc_read doc_read;
		struct proto_blob data; /* DOC_READ reply */
		struct proto_doc_write doc_write;
		uint32_t written; /* DOC_WRITE reply */
		struct proto_doc_begin doc_begin;
		struct proto_doc_truncate doc_truncate;
		struct proto_entry entry;	    /* ENTRY_LOOKUP, STAT, MKDIR replies */
		struct proto_entry_name entry_name; /* ENTRY_LOOKUP, MKDIR, OPEN, UNLINK */
		struct proto_entry_node entry_node; /* ENTRY_STAT, ENTRY_FORGET */
		struct proto_entry_readdir readdir; /* ENTRY_READDIR */
		struct proto_entry_list entries;    /* its reply */
		struct proto_entry_rename rename;   /* ENTRY_RENAME */
		struct proto_entry_opened opened;   /* ENTRY_OPEN reply */
	} u;
};

/* Returns the largest payload allowed for a type in the given direction:
 * the per-type cap for known types, PROTO_MAX_PAYLOAD for unknown ones. */
uint32_t proto_max_payload(uint16_t type, uint16_t flags);

/* Returns 1 if the type is in the v1 catalogue, 0 otherwise. */
int proto_type_known(uint16_t type);

/* Returns 1 if the type is sent in the direction the flags say (a request or
 * event without PROTO_FLAG_REPLY, a reply with it), 0 otherwise. */
int proto_direction_ok(uint16_t type, uint16_t flags);

/* Returns the type's name ("PING"), or NULL for an unknown type. */
const char *proto_type_name(uint16_t type);

/* Returns the error code's name ("BAD_REQUEST"); unknown codes give "INTERNAL". */
const char *proto_error_name(uint32_t code);

/* Checks a 16-byte header. Returns 0, -EBADMSG (bad magic, reserved or flag
 * bits) or -EMSGSIZE (length over the cap for its type and direction). *ret
 * gets the type, flags, id and length as received in every case. */
int proto_header_decode(const uint8_t buf[PROTO_HEADER_SIZE], struct proto_header *ret);

/* Writes a 16-byte header. */
void proto_header_encode(const struct proto_header *h, uint8_t out[PROTO_HEADER_SIZE]);

/* Decodes a payload whose header already passed proto_header_decode.
 * Returns 0, -EOPNOTSUPP for a type outside the catalogue (or a reply-only or
 * event type sent the wrong way), or -EBADMSG for a malformed payload; on
 * failure *ret_why (when not NULL) names the problem in a few words. */
int proto_decode(const struct proto_header *h, const uint8_t *payload, struct proto_msg *ret,
		 const char **ret_why);

/* Encodes a whole frame (header and payload) into buf. The same rules as
 * decoding apply, so nothing a peer would reject is ever sent. Returns 0,
 * -EINVAL for a field that breaks a rule, or -E2BIG when the frame exceeds
 * the type's cap or cap bytes; *ret_len gets the frame length. */
int proto_encode(const struct proto_msg *m, uint8_t *buf, size_t cap, size_t *ret_len);

/* Picks the highest version in both [min_a, max_a] and [min_b, max_b].
 * Returns the version, or 0 when the ranges do not overlap. */
uint16_t proto_negotiate(uint16_t min_a, uint16_t max_a, uint16_t min_b, uint16_t max_b);

/* Returns 1 if code point cp may appear in LABEL, ID, GLOB and FILENAME
 * strings: not a C0 or C1 control, DEL, a bidirectional formatting
 * character, a line or paragraph separator or U+FEFF; 0 otherwise. */
int proto_char_shown_ok(uint32_t cp);

/* Returns 1 if s[0..len) obeys the FILENAME class, 0 otherwise. */
int proto_filename_ok(const char *s, size_t len);

/* Returns 1 if s[0..len) obeys the ENTRY class (a name in a granted folder:
 * 1-255 bytes, no '/' or NUL, not "." or ".."; any other bytes), 0 otherwise. */
int proto_entry_name_ok(const char *s, size_t len);

/* Returns 1 if s[0..len) obeys the LABEL class, 0 otherwise. */
int proto_label_ok(const char *s, size_t len);

/* Returns a NUL-free string struct for a C string (length truncated at 65535). */
struct proto_str proto_str_from(const char *s);

/* Fills an ERROR reply to request `id`. The message is kept by pointer. */
void proto_make_error(struct proto_msg *m, uint32_t id, uint32_t code, const char *message);

#endif
