/* The messages of the folder vectors (FILE_OPEN with DIRECTORY, folder
 * documents, ENTRY_*), built field by field like proto_samples.c. */
#include "proto_samples.h"

#include <string.h>

#define STR(s) ((struct proto_str){(s), (uint16_t)(sizeof(s) - 1)})

static void head(struct proto_msg *m, uint16_t type, uint16_t flags, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = flags;
	m->id = id;
}

static struct proto_entry dir_entry(uint16_t mode, int64_t sec, uint64_t node)
{
	return (struct proto_entry){
	    .kind = PROTO_ENTRY_DIR, .mode = mode, .mtime_sec = sec, .node = node};
}

static void name_req(struct proto_msg *m, uint16_t type, uint32_t id, uint64_t node,
		     struct proto_str name, uint32_t flags)
{
	head(m, type, 0, id);
	m->u.entry_name = (struct proto_entry_name){25, node, name, flags};
}

/* Replies with an empty payload. */
static int empty_reply(const char *name, struct proto_msg *m)
{
	static const struct {
		const char *name;
		uint16_t type;
		uint32_t id;
	} empties[] = {{"entry_forget_reply", PROTO_ENTRY_FORGET, 30},
		       {"entry_unlink_reply", PROTO_ENTRY_UNLINK, 35},
		       {"entry_rename_reply", PROTO_ENTRY_RENAME, 36}};
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++)
		if (!strcmp(name, empties[i].name)) {
			head(m, empties[i].type, PROTO_FLAG_REPLY, empties[i].id);
			return 0;
		}
	return -1;
}

int proto_sample_entry(const char *name, struct proto_msg *m)
{
	const uint16_t R = PROTO_FLAG_REPLY;
	const uint32_t RW = PROTO_PERM_READ | PROTO_PERM_WRITE;
	if (!strcmp(name, "file_open_folder_request")) {
		head(m, PROTO_FILE_OPEN, 0, 24);
		m->u.dialog.flags = PROTO_DIALOG_DIRECTORY | PROTO_DIALOG_MODAL;
		m->u.dialog.title = STR("Open folder");
		m->u.dialog.accept_label = STR("");
		m->u.dialog.current_filter = PROTO_NO_FILTER;
	} else if (!strcmp(name, "file_open_folder_reply")) {
		head(m, PROTO_FILE_OPEN, R, 24);
		m->u.result.current_filter = PROTO_NO_FILTER;
		m->u.result.n_docs = 1;
		m->u.result.docs[0] =
		    (struct proto_doc){25, 0, RW | PROTO_DOC_FOLDER, STR("photos")};
	} else if (!strcmp(name, "doc_grant_folder")) {
		head(m, PROTO_DOC_GRANT, 0, 26);
		m->u.doc =
		    (struct proto_doc){25, 0, PROTO_PERM_READ | PROTO_DOC_FOLDER, STR("photos")};
	} else if (!strcmp(name, "entry_lookup_request")) {
		name_req(m, PROTO_ENTRY_LOOKUP, 27, 1, STR("2024"), 0);
	} else if (!strcmp(name, "entry_lookup_reply")) {
		head(m, PROTO_ENTRY_LOOKUP, R, 27);
		m->u.entry = dir_entry(0755, 1700000003, 2);
	} else if (!strcmp(name, "entry_lookup_raw_name")) {
		name_req(m, PROTO_ENTRY_LOOKUP, 28, 2, STR("caf\xe9.txt"), 0);
	} else if (!strcmp(name, "entry_lookup_file_reply")) {
		head(m, PROTO_ENTRY_LOOKUP, R, 28);
		m->u.entry =
		    (struct proto_entry){PROTO_ENTRY_FILE, 0644, 500000000, 1700000004, 2048, 0};
	} else if (!strcmp(name, "entry_stat_request")) {
		head(m, PROTO_ENTRY_STAT, 0, 29);
		m->u.entry_node = (struct proto_entry_node){25, 2, 0};
	} else if (!strcmp(name, "entry_stat_reply")) {
		head(m, PROTO_ENTRY_STAT, R, 29);
		m->u.entry = dir_entry(0700, 1700000005, 2);
	} else if (!strcmp(name, "entry_forget_request")) {
		head(m, PROTO_ENTRY_FORGET, 0, 30);
		m->u.entry_node = (struct proto_entry_node){25, 2, 3};
	} else if (!strcmp(name, "entry_readdir_request")) {
		head(m, PROTO_ENTRY_READDIR, 0, 31);
		m->u.readdir = (struct proto_entry_readdir){25, 2, 0, PROTO_MAX_ENTRIES};
	} else if (!strcmp(name, "entry_readdir_reply")) {
		head(m, PROTO_ENTRY_READDIR, R, 31);
		m->u.entries.n = 2;
		m->u.entries.e[0] = (struct proto_dirent){0x1f3a, PROTO_ENTRY_FILE, STR("cat.png")};
		m->u.entries.e[1] =
		    (struct proto_dirent){0x7fffffffffffffffull, PROTO_ENTRY_DIR, STR("old")};
	} else if (!strcmp(name, "entry_readdir_end")) {
		head(m, PROTO_ENTRY_READDIR, R, 32);
	} else if (!strcmp(name, "entry_open_request")) {
		name_req(m, PROTO_ENTRY_OPEN, 33, 2, STR("notes.txt"),
			 PROTO_OPEN_CREATE | PROTO_OPEN_EXCL);
	} else if (!strcmp(name, "entry_open_reply")) {
		head(m, PROTO_ENTRY_OPEN, R, 33);
		m->u.opened.doc_id = 26;
		m->u.opened.stat =
		    (struct proto_doc_stat){0, 1700000006, 0, RW | PROTO_STAT_EXISTS, 0};
	} else if (!strcmp(name, "entry_mkdir_request")) {
		name_req(m, PROTO_ENTRY_MKDIR, 34, 2, STR("new"), 0);
	} else if (!strcmp(name, "entry_mkdir_reply")) {
		head(m, PROTO_ENTRY_MKDIR, R, 34);
		m->u.entry = dir_entry(0755, 1700000007, 3);
	} else if (!strcmp(name, "entry_unlink_request")) {
		name_req(m, PROTO_ENTRY_UNLINK, 35, 2, STR("old"), PROTO_UNLINK_DIR);
	} else if (!strcmp(name, "entry_rename_request")) {
		head(m, PROTO_ENTRY_RENAME, 0, 36);
		m->u.rename = (struct proto_entry_rename){
		    25, 2, STR(".goutputstream-ABC123"), 2, STR("notes.txt"), 0};
	} else if (!strcmp(name, "entry_rename_too_big")) {
		head(m, PROTO_ERROR, R, 37);
		m->u.error = (struct proto_error){PROTO_ERR_TOO_BIG,
						  STR("too many folders to move to another depth")};
	} else {
		return empty_reply(name, m);
	}
	return 0;
}
