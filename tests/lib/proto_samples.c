/* The messages the valid test vectors stand for, built field by field, so a
 * test can check that the C codec agrees with tests/lib/proto_vectors.txt. */
#include "proto_samples.h"

#include <string.h>

#define STR(s)	((struct proto_str){(s), (uint16_t)(sizeof(s) - 1)})
#define BLOB(s) ((struct proto_blob){(const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)})

static void sample_status(struct proto_status *s)
{
	static const uint8_t v6[16] = {0xfe, 0xc0, [15] = 0x15};
	s->vm_name = STR("appvm-demo");
	s->agent_version = STR("appvm-agent 0.1.0");
	s->protocol_version = 1;
	s->uptime_ms = 12345;
	s->mem_total_kib = 262144;
	s->mem_available_kib = 200000;
	s->load_milli[0] = 250;
	s->load_milli[1] = 100;
	s->load_milli[2] = 50;
	s->app_state = PROTO_APP_EXITED;
	s->app_exit_how = PROTO_EXIT_CODE;
	s->app_exit_value = 0;
	s->n_stores = 2;
	s->stores[0] = (struct proto_store){STR("base"), STR("/run/stores/base"), 0};
	s->stores[1] = (struct proto_store){STR("state"), STR("/var/lib/appvm"), 1};
	s->n_addrs = 2;
	s->addrs[0] = (struct proto_addr){STR("eth0"), 4, 24, {10, 0, 2, 15}};
	s->addrs[1] = (struct proto_addr){.ifname = STR("eth0"), .family = 6, .prefix = 64};
	memcpy(s->addrs[1].addr, v6, 16);
}

static void head(struct proto_msg *m, uint16_t type, uint16_t flags, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = flags;
	m->id = id;
}

int proto_sample(const char *name, struct proto_msg *m)
{
	const uint16_t R = PROTO_FLAG_REPLY;
	if (!strcmp(name, "hello_request")) {
		head(m, PROTO_HELLO, 0, 1);
		m->u.hello = (struct proto_hello){.min_version = 1,
						  .max_version = 1,
						  .caps = PROTO_CAP_CONTROL,
						  .software = STR("appvmctl 0.1.0")};
	} else if (!strcmp(name, "hello_reply")) {
		head(m, PROTO_HELLO, R, 1);
		m->u.hello = (struct proto_hello){.version = 1,
						  .caps = PROTO_CAP_CONTROL | PROTO_CAP_CLIPBOARD,
						  .software = STR("appvm-agent 0.1.0")};
	} else if (!strcmp(name, "error_reply")) {
		head(m, PROTO_ERROR, R, 3);
		m->u.error = (struct proto_error){PROTO_ERR_UNSUPPORTED,
						  STR("unsupported message type 0x7777")};
	} else if (!strcmp(name, "ping_request")) {
		head(m, PROTO_PING, 0, 2);
		m->u.ping_nonce = 0x0102030405060708ull;
	} else if (!strcmp(name, "ping_reply")) {
		head(m, PROTO_PING, R, 2);
		m->u.ping_nonce = 0x0102030405060708ull;
	} else if (!strcmp(name, "status_request")) {
		head(m, PROTO_STATUS, 0, 4);
	} else if (!strcmp(name, "status_reply")) {
		head(m, PROTO_STATUS, R, 4);
		sample_status(&m->u.status);
	} else if (!strcmp(name, "shutdown_request")) {
		head(m, PROTO_SHUTDOWN, 0, 5);
		m->u.deadline_ms = 30000;
	} else if (!strcmp(name, "shutdown_reply")) {
		head(m, PROTO_SHUTDOWN, R, 5);
	} else if (!strcmp(name, "reboot_request")) {
		head(m, PROTO_REBOOT, 0, 6);
	} else if (!strcmp(name, "reboot_reply")) {
		head(m, PROTO_REBOOT, R, 6);
	} else if (!strcmp(name, "ready_event")) {
		head(m, PROTO_READY, 0, 1);
		m->u.ready = (struct proto_ready){845, STR("appvm-demo")};
	} else if (!strcmp(name, "app_exit_code")) {
		head(m, PROTO_APP_EXIT, 0, 2);
		m->u.app_exit = (struct proto_app_exit){PROTO_EXIT_CODE, 3};
	} else if (!strcmp(name, "app_exit_signal")) {
		head(m, PROTO_APP_EXIT, 0, 3);
		m->u.app_exit = (struct proto_app_exit){PROTO_EXIT_SIGNAL, 9};
	} else if (!strcmp(name, "clipboard_get_request")) {
		head(m, PROTO_CLIPBOARD_GET, 0, 7);
		m->u.clipboard_get =
		    (struct proto_clipboard_get){0, 32768, STR("text/plain;charset=utf-8")};
	} else if (!strcmp(name, "clipboard_get_reply")) {
		head(m, PROTO_CLIPBOARD_GET, R, 7);
		m->u.clipboard_data = (struct proto_clipboard_data){5, BLOB("hello")};
	} else if (!strcmp(name, "clipboard_set_request")) {
		head(m, PROTO_CLIPBOARD_SET, 0, 8);
		m->u.clipboard_set =
		    (struct proto_clipboard_set){5, 0, STR("text/plain"), BLOB("hello")};
	} else if (!strcmp(name, "clipboard_set_reply")) {
		head(m, PROTO_CLIPBOARD_SET, R, 8);
	} else if (!strcmp(name, "file_open_request")) {
		head(m, PROTO_FILE_OPEN, 0, 9);
		struct proto_dialog *d = &m->u.dialog;
		d->flags = PROTO_DIALOG_MULTIPLE | PROTO_DIALOG_MODAL;
		d->title = STR("Open image");
		d->accept_label = STR("Open");
		d->n_filters = 2;
		d->filters[0] = (struct proto_filter){STR("Images"), 0, 2};
		d->filters[1] = (struct proto_filter){STR("All files"), 2, 1};
		d->n_patterns = 3;
		d->patterns[0] = (struct proto_pattern){PROTO_PATTERN_MIME, STR("image/png")};
		d->patterns[1] = (struct proto_pattern){PROTO_PATTERN_GLOB, STR("*.jpg")};
		d->patterns[2] = (struct proto_pattern){PROTO_PATTERN_GLOB, STR("*")};
		d->current_filter = 0;
		d->n_choices = 1;
		d->choices[0] =
		    (struct proto_choice){STR("ro"), STR("Open read-only"), 0, 0, STR("false")};
	} else if (!strcmp(name, "file_open_reply")) {
		head(m, PROTO_FILE_OPEN, R, 9);
		struct proto_dialog_result *r = &m->u.result;
		r->current_filter = 0;
		r->n_choices = 1;
		r->choices[0] = (struct proto_choice_value){STR("ro"), STR("true")};
		r->n_docs = 2;
		r->docs[0] = (struct proto_doc){17, 2048, PROTO_PERM_READ, STR("cat.png")};
		r->docs[1] = (struct proto_doc){18, 4096, PROTO_PERM_READ | PROTO_PERM_WRITE,
						STR("dog.jpg")};
	} else if (!strcmp(name, "file_save_request")) {
		head(m, PROTO_FILE_SAVE, 0, 10);
		struct proto_dialog *d = &m->u.dialog;
		d->flags = PROTO_DIALOG_MODAL;
		d->title = STR("Save report");
		d->accept_label = STR("");
		d->n_filters = 1;
		d->filters[0] = (struct proto_filter){STR("PDF"), 0, 2};
		d->n_patterns = 2;
		d->patterns[0] = (struct proto_pattern){PROTO_PATTERN_MIME, STR("application/pdf")};
		d->patterns[1] = (struct proto_pattern){PROTO_PATTERN_GLOB, STR("*.pdf")};
		d->current_filter = 0;
		d->n_choices = 1;
		d->choices[0] =
		    (struct proto_choice){STR("encoding"), STR("Encoding"), 0, 2, STR("utf8")};
		d->n_options = 2;
		d->options[0] = (struct proto_option){STR("utf8"), STR("UTF-8")};
		d->options[1] = (struct proto_option){STR("latin1"), STR("Latin-1")};
		d->current_name = STR("report.pdf");
	} else if (!strcmp(name, "file_save_reply")) {
		head(m, PROTO_FILE_SAVE, R, 10);
		struct proto_dialog_result *r = &m->u.result;
		r->current_filter = 0;
		r->n_choices = 1;
		r->choices[0] = (struct proto_choice_value){STR("encoding"), STR("latin1")};
		r->n_docs = 1;
		r->docs[0] = (struct proto_doc){19, 0, PROTO_PERM_READ | PROTO_PERM_WRITE,
						STR("report.pdf")};
	} else if (!strcmp(name, "file_save_many_request")) {
		head(m, PROTO_FILE_SAVE_MANY, 0, 11);
		struct proto_dialog *d = &m->u.dialog;
		d->title = STR("Export");
		d->accept_label = STR("Export here");
		d->current_filter = PROTO_NO_FILTER;
		d->n_names = 2;
		d->names[0] = STR("a.txt");
		d->names[1] = STR("b.txt");
	} else if (!strcmp(name, "file_save_many_reply")) {
		head(m, PROTO_FILE_SAVE_MANY, R, 11);
		struct proto_dialog_result *r = &m->u.result;
		r->current_filter = PROTO_NO_FILTER;
		r->n_docs = 2;
		r->docs[0] =
		    (struct proto_doc){21, 0, PROTO_PERM_READ | PROTO_PERM_WRITE, STR("a.txt")};
		r->docs[1] =
		    (struct proto_doc){22, 0, PROTO_PERM_READ | PROTO_PERM_WRITE, STR("b (2).txt")};
	} else if (!strcmp(name, "file_open_mime_wildcard")) {
		head(m, PROTO_FILE_OPEN, 0, 23);
		struct proto_dialog *d = &m->u.dialog;
		d->title = STR("Pick");
		d->accept_label = STR("");
		d->n_filters = 1;
		d->filters[0] = (struct proto_filter){STR("Pictures"), 0, 1};
		d->n_patterns = 1;
		d->patterns[0] = (struct proto_pattern){PROTO_PATTERN_MIME, STR("image/*")};
		d->current_filter = PROTO_NO_FILTER;
	} else if (!strcmp(name, "file_cancel_request")) {
		head(m, PROTO_FILE_CANCEL, 0, 12);
		m->u.request_id = 10;
	} else if (!strcmp(name, "file_cancel_reply")) {
		head(m, PROTO_FILE_CANCEL, R, 12);
	} else if (!strcmp(name, "doc_grant_request")) {
		head(m, PROTO_DOC_GRANT, 0, 13);
		m->u.doc = (struct proto_doc){20, 11, PROTO_PERM_READ, STR("notes.txt")};
	} else if (!strcmp(name, "doc_grant_reply")) {
		head(m, PROTO_DOC_GRANT, R, 13);
	} else if (!strcmp(name, "doc_revoke_request")) {
		head(m, PROTO_DOC_REVOKE, 0, 14);
		m->u.doc_id = 20;
	} else if (!strcmp(name, "doc_revoke_reply")) {
		head(m, PROTO_DOC_REVOKE, R, 14);
	} else if (!strcmp(name, "doc_stat_request")) {
		head(m, PROTO_DOC_STAT, 0, 15);
		m->u.doc_id = 20;
	} else if (!strcmp(name, "doc_stat_reply")) {
		head(m, PROTO_DOC_STAT, R, 15);
		m->u.stat = (struct proto_doc_stat){11, 1700000000, 500000000,
						    PROTO_PERM_READ | PROTO_STAT_EXISTS, 0};
	} else if (!strcmp(name, "doc_read_request")) {
		head(m, PROTO_DOC_READ, 0, 16);
		m->u.doc_read = (struct proto_doc_read){20, 0, 4096, 0};
	} else if (!strcmp(name, "doc_read_reply")) {
		head(m, PROTO_DOC_READ, R, 16);
		m->u.data = BLOB("hello world");
	} else if (!strcmp(name, "doc_begin_request")) {
		head(m, PROTO_DOC_BEGIN, 0, 17);
		m->u.doc_begin = (struct proto_doc_begin){18, PROTO_BEGIN_KEEP};
	} else if (!strcmp(name, "doc_begin_reply")) {
		head(m, PROTO_DOC_BEGIN, R, 17);
		m->u.stat = (struct proto_doc_stat){4096, 1700000001, 0,
						    PROTO_PERM_READ | PROTO_PERM_WRITE |
							PROTO_STAT_EXISTS | PROTO_STAT_STAGED,
						    4096};
	} else if (!strcmp(name, "doc_write_request")) {
		head(m, PROTO_DOC_WRITE, 0, 18);
		m->u.doc_write = (struct proto_doc_write){18, 4096, BLOB("abc")};
	} else if (!strcmp(name, "doc_write_reply")) {
		head(m, PROTO_DOC_WRITE, R, 18);
		m->u.written = 3;
	} else if (!strcmp(name, "doc_truncate_request")) {
		head(m, PROTO_DOC_TRUNCATE, 0, 19);
		m->u.doc_truncate = (struct proto_doc_truncate){18, 4098};
	} else if (!strcmp(name, "doc_truncate_reply")) {
		head(m, PROTO_DOC_TRUNCATE, R, 19);
	} else if (!strcmp(name, "doc_commit_request")) {
		head(m, PROTO_DOC_COMMIT, 0, 20);
		m->u.doc_id = 18;
	} else if (!strcmp(name, "doc_commit_reply")) {
		head(m, PROTO_DOC_COMMIT, R, 20);
		m->u.stat = (struct proto_doc_stat){
		    4098, 1700000002, 250000000,
		    PROTO_PERM_READ | PROTO_PERM_WRITE | PROTO_STAT_EXISTS, 0};
	} else if (!strcmp(name, "doc_abort_request")) {
		head(m, PROTO_DOC_ABORT, 0, 21);
		m->u.doc_id = 19;
	} else if (!strcmp(name, "doc_abort_reply")) {
		head(m, PROTO_DOC_ABORT, R, 21);
	} else if (!strcmp(name, "doc_close_request")) {
		head(m, PROTO_DOC_CLOSE, 0, 22);
		m->u.doc_id = 19;
	} else if (!strcmp(name, "doc_close_reply")) {
		head(m, PROTO_DOC_CLOSE, R, 22);
	} else {
		return proto_sample_entry(name, m);
	}
	return 0;
}
