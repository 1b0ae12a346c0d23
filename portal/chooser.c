/* org.freedesktop.portal.FileChooser: OpenFile, SaveFile and SaveFiles
 * become the host's FILE_OPEN, FILE_SAVE and FILE_SAVE_MANY; each call gets
 * a Request object whose Response signal carries the document URIs. The
 * Response goes to the caller alone (GTK subscribes without a match rule),
 * never earlier than --response-delay after the method reply (Qt 5
 * subscribes only once the reply has arrived), and a denial is response 2,
 * never a D-Bus error (docs/portal.md). */
#include "options.h"
#include "portal.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHOOSER_MAX	  16u /* Request objects alive at once */
#define CANCEL_TIMEOUT_MS 30000u
#define REQUEST_IFACE	  "org.freedesktop.portal.Request"
#define URI_MAX		  4096u

enum { RESPONSE_OK = 0, RESPONSE_CANCELLED = 1, RESPONSE_FAILED = 2 };

struct creq {
	bool used;
	uint16_t type;
	char sender[PORTAL_SENDER_MAX + 1];
	char handle[PORTAL_HANDLE_MAX];
	DBusMessage *call; /* referenced: its filters come back in the results */
	uint8_t filter_src[PROTO_MAX_FILTERS];
	uint8_t n_filters;
	bool waiting_host;   /* the dialog request is in flight */
	uint32_t host_id;    /* its protocol id, for FILE_CANCEL */
	bool closed;	     /* Close was called or the caller left: no Response */
	uint64_t reply_at;   /* when the method reply went out */
	DBusMessage *signal; /* the Response, once the host answered */
	uint64_t respond_at;
	uint64_t docs[PROTO_MAX_DOCS];
	uint16_t n_docs;
	bool is_new[PROTO_MAX_DOCS]; /* granted by this dialog, not known before */
};

struct chooser {
	struct creq reqs[CHOOSER_MAX];
	unsigned next_token;
};

int chooser_init(struct portal *p)
{
	p->chooser = calloc(1, sizeof(*p->chooser));
	return p->chooser ? 0 : -ENOMEM;
}

static void creq_free(struct creq *c)
{
	if (c->call)
		dbus_message_unref(c->call);
	if (c->signal)
		dbus_message_unref(c->signal);
	memset(c, 0, sizeof(*c));
}

void chooser_free(struct portal *p)
{
	if (!p->chooser)
		return;
	for (unsigned i = 0; i < CHOOSER_MAX; i++)
		if (p->chooser->reqs[i].used) {
			host_forget_ctx(p, &p->chooser->reqs[i]);
			creq_free(&p->chooser->reqs[i]);
		}
	free(p->chooser);
	p->chooser = NULL;
}

static void send_doc_close(struct portal *p, uint64_t id)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_CLOSE;
	m.u.doc_id = id;
	if (host_request(p, &m, CANCEL_TIMEOUT_MS, NULL, NULL, 0, NULL) < 0)
		log_warn("chooser: cannot give document %016llx back", (unsigned long long)id);
}

/* Gives back the documents this dialog granted: nobody will learn of them. */
static void drop_new_docs(struct portal *p, struct creq *c)
{
	for (uint16_t i = 0; i < c->n_docs; i++)
		if (c->is_new[i]) {
			fs_revoke(p, c->docs[i]);
			send_doc_close(p, c->docs[i]);
		}
	c->n_docs = 0;
}

static void respond_at(struct portal *p, struct creq *c)
{
	uint64_t now = clock_now_ms(), at = c->reply_at + p->opt.response_delay_ms;
	c->respond_at = at > now ? at : now;
}

/* Builds the Response signal: response code and results (uris always). */
static DBusMessage *new_response(struct creq *c, dbus_uint32_t code, DBusMessageIter *top,
				 DBusMessageIter *ret_results)
{
	DBusMessage *s = dbus_message_new_signal(c->handle, REQUEST_IFACE, "Response");
	if (!s)
		return NULL;
	dbus_message_set_destination(s, c->sender);
	dbus_message_iter_init_append(s, top);
	if (!dbus_message_iter_append_basic(top, DBUS_TYPE_UINT32, &code) ||
	    !dbus_message_iter_open_container(top, DBUS_TYPE_ARRAY, "{sv}", ret_results)) {
		dbus_message_unref(s);
		return NULL;
	}
	return s;
}

static bool open_entry(DBusMessageIter *results, const char *key, const char *sig,
		       DBusMessageIter *entry, DBusMessageIter *var)
{
	return dbus_message_iter_open_container(results, DBUS_TYPE_DICT_ENTRY, NULL, entry) &&
	       dbus_message_iter_append_basic(entry, DBUS_TYPE_STRING, &key) &&
	       dbus_message_iter_open_container(entry, DBUS_TYPE_VARIANT, sig, var);
}

static bool close_entry(DBusMessageIter *results, DBusMessageIter *entry, DBusMessageIter *var)
{
	return dbus_message_iter_close_container(entry, var) &&
	       dbus_message_iter_close_container(results, entry);
}

/* Appends "uris": the documents' file:// URIs (none for a failure). */
static bool add_uris(struct portal *p, DBusMessageIter *results,
		     const struct proto_dialog_result *r)
{
	DBusMessageIter e, v, list;
	char uri[URI_MAX], name[PROTO_FILENAME_MAX + 1];
	if (!open_entry(results, "uris", "as", &e, &v) ||
	    !dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "s", &list))
		return false;
	for (uint16_t i = 0; r && i < r->n_docs; i++) {
		const struct proto_doc *d = &r->docs[i];
		snprintf(name, sizeof(name), "%.*s", (int)d->name.len, d->name.ptr);
		/* Read-only files and folders are on the document device when
		 * there is one. */
		bool device = p->opt.docs_mount[0] &&
			      (d->perms & (PROTO_PERM_READ | PROTO_PERM_WRITE)) == PROTO_PERM_READ;
		const char *mp = device ? p->opt.docs_mount : p->opt.mountpoint;
		if (portal_doc_uri(mp, d->id, name, uri, sizeof(uri)) < 0)
			return false;
		const char *s = uri;
		if (!dbus_message_iter_append_basic(&list, DBUS_TYPE_STRING, &s))
			return false;
	}
	return dbus_message_iter_close_container(&v, &list) && close_entry(results, &e, &v);
}

static bool add_choices(DBusMessageIter *results, const struct proto_dialog_result *r)
{
	DBusMessageIter e, v, list, pair;
	char id[PROTO_ID_MAX + 1], value[PROTO_ID_MAX + 1];
	if (r->n_choices == 0)
		return true;
	if (!open_entry(results, "choices", "a(ss)", &e, &v) ||
	    !dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "(ss)", &list))
		return false;
	for (uint8_t i = 0; i < r->n_choices; i++) {
		snprintf(id, sizeof(id), "%.*s", (int)r->choices[i].id.len, r->choices[i].id.ptr);
		snprintf(value, sizeof(value), "%.*s", (int)r->choices[i].value.len,
			 r->choices[i].value.ptr);
		const char *a = id, *b = value;
		if (!dbus_message_iter_open_container(&list, DBUS_TYPE_STRUCT, NULL, &pair) ||
		    !dbus_message_iter_append_basic(&pair, DBUS_TYPE_STRING, &a) ||
		    !dbus_message_iter_append_basic(&pair, DBUS_TYPE_STRING, &b) ||
		    !dbus_message_iter_close_container(&list, &pair))
			return false;
	}
	return dbus_message_iter_close_container(&v, &list) && close_entry(results, &e, &v);
}

/* "current_filter": the app's own filter, as it sent it. */
static bool add_filter(struct creq *c, DBusMessageIter *results,
		       const struct proto_dialog_result *r)
{
	DBusMessageIter e, v;
	if (r->current_filter == PROTO_NO_FILTER || r->current_filter >= c->n_filters)
		return true;
	if (!open_entry(results, "current_filter", "(sa(us))", &e, &v))
		return false;
	if (portal_copy_app_filter(c->call, c->filter_src[r->current_filter], &v) < 0) {
		dbus_message_iter_abandon_container(&e, &v);
		dbus_message_iter_abandon_container(results, &e);
		return true;
	}
	return close_entry(results, &e, &v);
}

/* Prepares the Response; it leaves once its time has come. */
static void answer(struct portal *p, struct creq *c, dbus_uint32_t code,
		   const struct proto_dialog_result *r)
{
	DBusMessageIter top, results;
	DBusMessage *s = new_response(c, code, &top, &results);
	bool ok =
	    s && add_uris(p, &results, code == RESPONSE_OK ? r : NULL) &&
	    (code != RESPONSE_OK || (add_choices(&results, r) && add_filter(c, &results, r))) &&
	    dbus_message_iter_close_container(&top, &results);
	if (!ok) {
		if (s)
			dbus_message_unref(s);
		log_err("chooser: cannot build the Response for %s", c->handle);
		drop_new_docs(p, c);
		creq_free(c);
		return;
	}
	c->signal = s;
	respond_at(p, c);
	log_info("chooser: %s: response %u (%u documents)", c->handle, (unsigned)code,
		 code == RESPONSE_OK && r ? (unsigned)r->n_docs : 0u);
}

/* The host answered the dialog request. */
static void on_dialog(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct creq *c = h->ctx;
	c->waiting_host = false;
	bool ok = err == 0 && m->type != PROTO_ERROR;
	if (c->closed) {
		/* Closed meanwhile (the two crossed): nobody takes the documents. */
		for (uint16_t i = 0; ok && i < m->u.result.n_docs; i++)
			if (!fs_has_doc(p, m->u.result.docs[i].id))
				send_doc_close(p, m->u.result.docs[i].id);
		creq_free(c);
		return;
	}
	if (err < 0) {
		log_warn("chooser: %s: no answer from the host: %s", c->handle, strerror(-err));
		answer(p, c, RESPONSE_FAILED, NULL);
		return;
	}
	if (m->type == PROTO_ERROR) {
		uint32_t code = m->u.error.code;
		log_info("chooser: %s: the host answered %s: %.*s", c->handle,
			 proto_error_name(code), (int)m->u.error.message.len,
			 m->u.error.message.ptr);
		answer(p, c, code == PROTO_ERR_CANCELLED ? RESPONSE_CANCELLED : RESPONSE_FAILED,
		       NULL);
		return;
	}
	const struct proto_dialog_result *r = &m->u.result;
	for (uint16_t i = 0; i < r->n_docs; i++) {
		uint64_t id = r->docs[i].id;
		bool known = fs_has_doc(p, id);
		if (fs_grant(p, &r->docs[i]) < 0) {
			log_err("chooser: %s: too many documents; giving these back", c->handle);
			send_doc_close(p, id);
			for (uint16_t k = i + 1; k < r->n_docs; k++)
				if (!fs_has_doc(p, r->docs[k].id))
					send_doc_close(p, r->docs[k].id);
			drop_new_docs(p, c);
			answer(p, c, RESPONSE_FAILED, NULL);
			return;
		}
		c->docs[c->n_docs] = id;
		c->is_new[c->n_docs++] = !known;
	}
	answer(p, c, RESPONSE_OK, r);
}

static struct creq *find_handle(struct chooser *ch, const char *handle)
{
	for (unsigned i = 0; i < CHOOSER_MAX; i++)
		if (ch->reqs[i].used && strcmp(ch->reqs[i].handle, handle) == 0)
			return &ch->reqs[i];
	return NULL;
}

static void reply_handle(struct portal *p, DBusMessage *call, const char *handle)
{
	if (dbus_message_get_no_reply(call))
		return;
	DBusMessage *r = dbus_message_new_method_return(call);
	if (r && dbus_message_append_args(r, DBUS_TYPE_OBJECT_PATH, &handle, DBUS_TYPE_INVALID))
		bus_send(p, r);
	if (r)
		dbus_message_unref(r);
}

bool chooser_handle(struct portal *p, DBusMessage *msg)
{
	struct chooser *ch = p->chooser;
	const char *member = dbus_message_get_member(msg);
	const char *sender = dbus_message_get_sender(msg);
	uint16_t type;
	if (!member || !sender)
		return false;
	if (strcmp(member, "OpenFile") == 0)
		type = PROTO_FILE_OPEN;
	else if (strcmp(member, "SaveFile") == 0)
		type = PROTO_FILE_SAVE;
	else if (strcmp(member, "SaveFiles") == 0)
		type = PROTO_FILE_SAVE_MANY;
	else
		return false;

	struct creq *c = NULL;
	for (unsigned i = 0; i < CHOOSER_MAX && !c; i++)
		if (!ch->reqs[i].used)
			c = &ch->reqs[i];
	if (!c) {
		bus_reply_error(p, msg, PORTAL_ERROR_FAILED, "too many file dialogs open");
		return true;
	}
	struct portal_dialog_req *req = malloc(sizeof(*req));
	const char *error = PORTAL_ERROR_FAILED;
	char err[256], token[PORTAL_TOKEN_MAX + 1];
	if (!req) {
		bus_reply_error(p, msg, PORTAL_ERROR_FAILED, "out of memory");
		return true;
	}
	if (portal_parse_dialog(msg, type, req, &error, err, sizeof(err)) < 0) {
		bus_reply_error(p, msg, error, "%s", err);
		free(req);
		return true;
	}
	if (req->token[0])
		snprintf(token, sizeof(token), "%s", req->token);
	else
		snprintf(token, sizeof(token), "appvm%u", ++ch->next_token);
	if (portal_handle_path(sender, token, c->handle, sizeof(c->handle)) < 0) {
		bus_reply_error(p, msg, PORTAL_ERROR_FAILED, "cannot name a request for %s",
				sender);
		free(req);
		return true;
	}
	if (find_handle(ch, c->handle)) {
		bus_reply_error(p, msg, PORTAL_ERROR_INVALID_ARGUMENT,
				"a request with handle_token %s is still open", token);
		memset(c->handle, 0, sizeof(c->handle));
		free(req);
		return true;
	}
	portal_dialog_fit(req);
	c->used = true;
	c->type = type;
	snprintf(c->sender, sizeof(c->sender), "%s", sender);
	c->call = dbus_message_ref(msg);
	memcpy(c->filter_src, req->filter_src, sizeof(c->filter_src));
	c->n_filters = req->d.n_filters;

	reply_handle(p, msg, c->handle);
	c->reply_at = clock_now_ms();
	log_info("chooser: %s from %s: %s", member, sender, c->handle);

	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.u.dialog = req->d;
	int r = p->fs ? host_request(p, &m, 0, on_dialog, c, 0, NULL) : -ENODEV;
	free(req);
	if (r < 0) {
		log_warn("chooser: %s: cannot ask the host: %s", c->handle,
			 r == -ENODEV ? "no document filesystem" : strerror(-r));
		answer(p, c, RESPONSE_FAILED, NULL);
		return true;
	}
	c->waiting_host = true;
	c->host_id = m.id;
	return true;
}

static void on_cancel(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	(void)p, (void)h;
	if (err == 0 && m->type == PROTO_ERROR && m->u.error.code != PROTO_ERR_NOT_FOUND)
		log_warn("chooser: FILE_CANCEL answered %s", proto_error_name(m->u.error.code));
}

/* The caller closed the request or left: no Response will be sent. */
static void close_request(struct portal *p, struct creq *c)
{
	if (c->closed)
		return;
	c->closed = true;
	log_info("chooser: %s closed by the caller", c->handle);
	if (c->waiting_host) {
		/* The dialog's answer comes (CANCELLED, or a result that crossed
		 * this) and frees the request. */
		struct proto_msg m;
		memset(&m, 0, sizeof(m));
		m.type = PROTO_FILE_CANCEL;
		m.u.request_id = c->host_id;
		if (host_request(p, &m, CANCEL_TIMEOUT_MS, on_cancel, NULL, 0, NULL) < 0)
			log_warn("chooser: cannot cancel %s on the host", c->handle);
		return;
	}
	drop_new_docs(p, c);
	creq_free(c);
}

DBusHandlerResult chooser_handle_request(struct portal *p, DBusMessage *msg)
{
	const char *path = dbus_message_get_path(msg);
	struct creq *c = path ? find_handle(p->chooser, path) : NULL;
	if (!c || c->closed || !dbus_message_is_method_call(msg, REQUEST_IFACE, "Close"))
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	const char *sender = dbus_message_get_sender(msg);
	if (!sender || strcmp(sender, c->sender) != 0) {
		bus_reply_error(p, msg, DBUS_ERROR_ACCESS_DENIED,
				"only the caller may close its request");
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (!dbus_message_get_no_reply(msg)) {
		DBusMessage *r = dbus_message_new_method_return(msg);
		if (r) {
			bus_send(p, r);
			dbus_message_unref(r);
		}
	}
	close_request(p, c);
	return DBUS_HANDLER_RESULT_HANDLED;
}

void chooser_name_lost(struct portal *p, const char *name)
{
	for (unsigned i = 0; i < CHOOSER_MAX; i++) {
		struct creq *c = &p->chooser->reqs[i];
		if (c->used && strcmp(c->sender, name) == 0)
			close_request(p, c);
	}
}

void chooser_tick(struct portal *p, uint64_t now, uint64_t *next)
{
	for (unsigned i = 0; i < CHOOSER_MAX; i++) {
		struct creq *c = &p->chooser->reqs[i];
		if (!c->used || !c->signal)
			continue;
		/* Wait until the filesystem knows whether each file exists: the
		 * app may look at it as soon as it has the URI. */
		bool settled = true;
		for (uint16_t k = 0; k < c->n_docs; k++)
			settled = settled && fs_doc_settled(p, c->docs[k]);
		if (!settled)
			continue;
		if (now < c->respond_at) {
			if (c->respond_at < *next)
				*next = c->respond_at;
			continue;
		}
		if (bus_send(p, c->signal) < 0)
			log_err("chooser: cannot send the Response of %s", c->handle);
		creq_free(c);
	}
}

void chooser_disconnected(struct portal *p)
{
	(void)p; /* dialogs in flight end with their request (response 2) */
}
