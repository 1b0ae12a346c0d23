/* What a chooser is told about a dialog: zenity's command line, and for a
 * configured command its environment and a JSON document on its standard
 * input (docs/portal.md describes both). Pure code: memory only; the MIME
 * database text is passed in. */
#ifndef APPVM_PD_REQUEST_H
#define APPVM_PD_REQUEST_H

#include <stdio.h>

#include "pd_text.h"
#include "proto.h"

enum pd_mode { PD_MODE_OPEN, PD_MODE_SAVE, PD_MODE_SAVE_MANY, PD_MODE_OPEN_FOLDER };

/* A dialog as the host shows it. */
struct pd_chooser_req {
	enum pd_mode mode;
	const char *vm;
	char title[PD_TITLE_SIZE];	   /* "[vm] ..." */
	char name[PROTO_FILENAME_MAX + 1]; /* save: the suggested name (made safe), or "" */
	const struct proto_dialog *d;	   /* the guest's dialog, validated */
};

/* A growable NULL-terminated string vector. */
struct pd_strv {
	char **v;
	unsigned n, cap;
};

/* Frees every string and the vector. */
void pd_strv_free(struct pd_strv *s);

/* Appends a formatted string. Returns 0 or -ENOMEM. */
int pd_strv_addf(struct pd_strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns the mode's name: "open", "save", "save-many", "open-folder". */
const char *pd_mode_name(enum pd_mode m);

/* Fills the request for a decoded dialog of request type `type` (FILE_OPEN
 * with DIRECTORY: open-folder). */
void pd_chooser_req_init(struct pd_chooser_req *r, uint16_t type, const char *vm,
			 const struct proto_dialog *d);

/* Returns true when the user may pick several files (or folders). */
bool pd_request_multiple(const struct pd_chooser_req *r);

/* Collects the file name globs of the MIME pattern (type/subtype, or type/ and a star)
 * from a shared-mime-info globs2 text (lines "weight:type:glob[:flags]").
 * Globs with a space or '|' are skipped (zenity cannot take them); at most
 * max are added to out. Returns the count added, or -ENOMEM. */
int pd_mime_globs(const char *db, size_t db_len, struct proto_str mime, struct pd_strv *out,
		  unsigned max);

/* Builds zenity's argv (argv[0] "zenity"): --file-selection, --title, and
 * per mode --multiple with a newline separator, --save --confirm-overwrite
 * --filename, or --directory (save-many, open-folder); one --file-filter per
 * filter (the current one first, as zenity selects the first; none for
 * folders), MIME patterns turned into globs with db (may be NULL). Returns
 * 0 or -ENOMEM. */
int pd_zenity_argv(const struct pd_chooser_req *r, const char *db, size_t db_len,
		   struct pd_strv *ret);

/* Builds a command chooser's environment: base (KEY=VALUE strings, may be
 * NULL) without any APPVM_* entries, then APPVM_VM_NAME, APPVM_CHOOSER_MODE,
 * APPVM_CHOOSER_TITLE, APPVM_CHOOSER_MULTIPLE (0 or 1), APPVM_CHOOSER_NAME
 * (save; the suggested name). Returns 0 or -ENOMEM. */
int pd_command_env(const struct pd_chooser_req *r, char *const *base, struct pd_strv *ret);

/* Writes the JSON document of the request (one object, one line). */
void pd_request_json(FILE *f, const struct pd_chooser_req *r);

#endif
